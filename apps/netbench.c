// SPDX-License-Identifier: GPL-2.0
/*
 * netbench: UDP round trips through the net-device interface, against a
 * reflector on the host (tests/tools/udpreflector.py) that sends every
 * datagram back.
 *
 *   app=netbench bench.size=64 bench.window=16 bench.time=3
 *                bench.peer=10.0.2.2 bench.port=7 net.dev=eth0
 *                bench.peer_wait=60 bench.cpus=1,2,4 bench.warmup_ms=500
 *                bench.poll=0
 *
 * bench.window datagrams are kept in flight.  It prints round trips per
 * second, the throughput each way, round-trip percentiles, losses, and
 * notifications and interrupts per packet.  First it waits (bench.peer_wait
 * seconds at most) for the peer to answer one datagram: ARP is resolved
 * and the peer is there before anything is measured.
 *
 * bench.cpus runs one submitter per CPU instead, each its own flow on
 * its CPU's queue pair (below, "Per-CPU submitters"), for each count of
 * the list in turn, and prints per-CPU and per-queue counts.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/histogram.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/net.h>
#include <pvkit/netdev.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include "bench_cpus.h"

#define SRC_PORT	40000
#define MAX_WINDOW	256
#define LOSS_TIMEOUT_NS	(200 * NSEC_PER_MSEC)
/*
 * bench.cpus: the submitter on CPU c sends from SRC_PORT + PORT_STRIDE *
 * run + c: its port less SRC_PORT is c modulo any count of queues up to
 * 8 (PORT_STRIDE is a multiple of each), so a peer may steer a reply to
 * the queue of the CPU that sent it (tests/tools/benchnetpeer.py).  The
 * first datagram, which waits for the peer, comes from PROBE_PORT.
 */
#define PORT_STRIDE	840
#define PROBE_PORT	(SRC_PORT - PORT_STRIDE)

struct netbench {
	spinlock_t lock;		/* the window: replies may come on another CPU */
	u32 peer;
	u16 port, src_port;
	size_t size;
	unsigned int window;
	u64 seq;			/* next sequence number to send */
	u64 sent_at[MAX_WINDOW];	/* TSC, by seq % window; 0: slot free */
	unsigned int in_flight;
	bool measuring;
	unsigned long lost, bad;	/* round trips measured: rtt.count */
	unsigned long replies;		/* every good one, measured or not */
	struct histogram rtt;		/* TSC cycles, every round trip measured */
	/* One submitter of bench.cpus (below); the single run is CPU 0's. */
	unsigned int cpu;
	struct netdev *dev;
	bool halting;			/* its CPU halts: a reply elsewhere wakes it */
	unsigned long sent;		/* measured: datagrams sent */
	unsigned long here;		/* measured replies that came to its own CPU */
	unsigned long wakeups;		/* measured: IPIs sent to wake it */
	u64 t_cycles;			/* its measured interval */
	u8 buf[ETH_MAX_FRAME];
};

/* The window's next slot is free: a datagram may go. */
static bool may_send(struct netbench *b)
{
	return READ_ONCE(b->in_flight) < b->window &&
	       !READ_ONCE(b->sent_at[b->seq % b->window]);
}

/*
 * The payload starts with the sequence number; the rest is a fixed
 * pattern.  Counted in flight before it goes: its reply may come first,
 * on another CPU.
 */
static int send_one(struct netbench *b)
{
	unsigned long flags = spin_lock_irqsave(&b->lock);
	unsigned int slot = b->seq % b->window;
	u64 seq = b->seq;
	int err;

	if (!may_send(b)) {
		spin_unlock_irqrestore(&b->lock, flags);
		return -EBUSY;
	}
	b->sent_at[slot] = rdtsc();
	b->seq++;
	b->in_flight++;
	spin_unlock_irqrestore(&b->lock, flags);
	memcpy(b->buf, &seq, sizeof(seq));
	err = udp_sendto(b->src_port, b->peer, b->port, b->buf, b->size);
	flags = spin_lock_irqsave(&b->lock);
	if (err) {
		/* Never sent, so never answered: the slot is ours to free. */
		b->sent_at[slot] = 0;
		b->in_flight--;
	} else if (b->measuring) {
		b->sent++;
	}
	spin_unlock_irqrestore(&b->lock, flags);
	return err;
}

/*
 * A reply taken on another CPU than the submitter's: a halted submitter
 * is woken by IPI.  Its halting flag is written before it looks at the
 * window one last time, the window here before the flag is read.
 */
static void wake(struct netbench *b)
{
	if (smp_processor_id() == b->cpu)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!READ_ONCE(b->halting))
		return;
	if (READ_ONCE(b->measuring))
		__atomic_fetch_add(&b->wakeups, 1, __ATOMIC_RELAXED);
	smp_send_ipi(b->cpu);
}

/* From the receive path (interrupt or poll), on any CPU; the peer is untrusted. */
static void reply(void *ctx, const struct udp_meta *m, const void *data, size_t len)
{
	struct netbench *b = ctx;
	u64 seq = 0, now = rdtsc();
	unsigned long flags;
	unsigned int slot;

	if (len == b->size && len >= sizeof(seq))
		memcpy(&seq, data, sizeof(seq));
	else
		seq = ~0ULL;
	flags = spin_lock_irqsave(&b->lock);
	slot = seq % b->window;
	/* Only the latest send of a slot counts: anything else is late or forged. */
	if (seq >= b->seq || b->seq - seq > b->window || !b->sent_at[slot]) {
		b->bad++;
		spin_unlock_irqrestore(&b->lock, flags);
		return;
	}
	if (b->measuring) {
		hist_record(&b->rtt, now - b->sent_at[slot]);
		b->here += smp_processor_id() == b->cpu;
	}
	b->sent_at[slot] = 0;
	b->in_flight--;
	b->replies++;
	spin_unlock_irqrestore(&b->lock, flags);
	wake(b);
}

/* A slot whose datagram has not come back in time is counted lost and reused. */
static void reclaim_lost(struct netbench *b)
{
	u64 limit = (u64)tsc_khz(NULL) * (LOSS_TIMEOUT_NS / NSEC_PER_MSEC), now = rdtsc();
	unsigned long flags = spin_lock_irqsave(&b->lock);

	for (unsigned int i = 0; i < b->window; i++) {
		if (b->sent_at[i] && now - b->sent_at[i] > limit) {
			b->sent_at[i] = 0;
			b->in_flight--;
			if (b->measuring)
				b->lost++;
		}
	}
	spin_unlock_irqrestore(&b->lock, flags);
}

/* The window full, then a poll (the single run never halts). */
static void fill_and_poll(struct netbench *b)
{
	unsigned long flags;

	while (may_send(b)) {
		if (send_one(b))
			break;
	}
	flags = local_irq_save();
	net_poll();
	local_irq_restore(flags);
	reclaim_lost(b);
}

static void run_for(struct netbench *b, u64 ns)
{
	u64 end = ktime_get_ns() + ns;

	while (ktime_get_ns() < end)
		fill_and_poll(b);
}

static u64 pct_us(struct netbench *b, unsigned int p)
{
	return tsc_cycles_to_ns(hist_quantile(&b->rtt, p, 100)) / 1000;
}

/* bench.size, bench.window and the peer, for a submitter on cpu sending from src_port. */
static struct netbench *bench_new(unsigned int cpu, u16 src_port)
{
	const char *peer = param_get("bench.peer");
	struct netbench *b = kzalloc(sizeof(*b));

	if (!b)
		return NULL;
	if (net_parse_ipv4(peer ? peer : "10.0.2.2", &b->peer)) {
		console_printf("netbench: bad bench.peer\n");
		return NULL;
	}
	b->lock = (spinlock_t)SPINLOCK_INIT;
	b->cpu = cpu;
	b->src_port = src_port;
	b->port = param_get_ull("bench.port", 7);
	b->size = min(max(param_get_ull("bench.size", 64), 8ULL), 1472ULL);
	b->window = min(max(param_get_ull("bench.window", 16), 1ULL), (u64)MAX_WINDOW);
	hist_init(&b->rtt);
	memset(b->buf, 0xa5, sizeof(b->buf));
	return b;
}

static struct netdev *setup(void)
{
	struct netdev *dev = net_cmdline_dev();

	if (!dev) {
		console_printf("netbench: no network device\n");
		return NULL;
	}
	return net_configure_cmdline(dev) ? NULL : dev;
}

/*
 * Until the peer answers one datagram (from PROBE_PORT), by
 * bench.peer_wait seconds: the peer may still be
 * setting up when the guest starts, and a first exchange resolves ARP
 * before anything is measured, not in the middle of it.
 */
static int wait_peer(void)
{
	u64 t0 = ktime_get_ns(), end = t0 + param_get_ull("bench.peer_wait", 60) * NSEC_PER_SEC;
	struct netbench *b = bench_new(0, PROBE_PORT);

	if (!b || udp_bind(b->src_port, reply, b))
		return -ENOMEM;
	b->window = 1;
	while (!READ_ONCE(b->replies) && ktime_get_ns() < end)
		fill_and_poll(b);
	udp_unbind(b->src_port);
	if (!b->replies) {
		console_printf("netbench: no answer from the peer in %llu s\n",
			       param_get_ull("bench.peer_wait", 60));
		return -ETIMEDOUT;
	}
	console_printf("netbench: the peer answered after %llu ms\n",
		       (ktime_get_ns() - t0) / NSEC_PER_MSEC);
	return 0;
}

static u64 per_1000(u64 n, u64 pkts)
{
	return n * 1000 / pkts;
}

static int netbench_one(struct netdev *dev)
{
	u64 secs = param_get_ull("bench.time", 3), t0, ns, rate;
	unsigned long tx0, notes0, irqs0, pkts;
	struct netbench *b = bench_new(0, SRC_PORT);

	if (!b || udp_bind(SRC_PORT, reply, b))
		return EXIT_FAIL;
	run_for(b, 500 * NSEC_PER_MSEC);	/* ARP, first touches, warm-up */
	b->measuring = true;
	tx0 = dev->stats.tx_frames + dev->stats.rx_frames;
	notes0 = dev->stats.notifications;
	irqs0 = dev->stats.interrupts;
	t0 = ktime_get_ns();
	run_for(b, secs * NSEC_PER_SEC);
	ns = ktime_get_ns() - t0;
	b->measuring = false;
	pkts = dev->stats.tx_frames + dev->stats.rx_frames - tx0;
	udp_unbind(SRC_PORT);
	if (!b->rtt.count || !pkts) {
		console_printf("netbench: no round trip completed (is the reflector there?)\n");
		return EXIT_FAIL;
	}
	rate = b->rtt.count * NSEC_PER_SEC / ns;
	console_printf("netbench: %s udp size=%zu window=%u: %llu round trips/s, %llu.%02llu MB/s each way, "
		       "rtt us p50 %llu p99 %llu, lost %lu, bad %lu, "
		       "notifications/packet %llu.%03llu, interrupts/packet %llu.%03llu (%s)\n",
		       dev->name, b->size, b->window, rate,
		       rate * b->size / 1000000, rate * b->size / 10000 % 100,
		       pct_us(b, 50), pct_us(b, 99), b->lost, b->bad,
		       per_1000(dev->stats.notifications - notes0, pkts) / 1000,
		       per_1000(dev->stats.notifications - notes0, pkts) % 1000,
		       per_1000(dev->stats.interrupts - irqs0, pkts) / 1000,
		       per_1000(dev->stats.interrupts - irqs0, pkts) % 1000,
		       dev->driver ? dev->driver : "?");
	return EXIT_OK;
}

/*
 * ---- Per-CPU submitters (bench.cpus=N[,N...]) ----
 *
 * One submitter per CPU, each its own flow (source port), so on a
 * multi-queue device each transmits on its CPU's queue pair (the
 * driver's choice: CPU c on pair c % pairs) and a peer that answers a
 * flow on the queue it came from (Linux's multi-queue tap) brings the
 * replies back on that pair, whose interrupt is on that CPU.  The
 * others run by their idle loop (smp_task_start()).  Between windows a
 * submitter halts: its replies come by its queue's interrupt, or are
 * taken on another CPU (a queue whose interrupt is elsewhere), which
 * then wakes it with an IPI, counted.  A device polled without
 * interrupts is polled (as bench.poll=1).  All measure at once for
 * bench.time; for each submitter: round trips per second, how many of
 * its replies came to its own CPU, the IPIs that woke it; for the run:
 * notifications, interrupts and wake-up IPIs per packet, and each
 * queue's frames and interrupts.
 */
#define CPUS_MAX		8	/* the UDP stack's sockets */
#define CPUS_TIMEOUT_NS		(120 * NSEC_PER_SEC)
#define HALT_TICK_NS		(20 * NSEC_PER_MSEC)	/* losses, the deadline */

struct cpus_run {
	struct netbench *b[CPUS_MAX];
	unsigned int n;
	unsigned int met[2];
	bool poll;			/* never halt */
	u64 warm_ns, ns;
	struct netdev_queue_stats q0[NETDEV_MAX_QUEUES];
};

static u64 tsc_deadline(u64 ns)
{
	u64 d = smp_tsc_deadline(ns);

	/* Without a known TSC rate: a clock read (it takes a lock). */
	return d != ~0ULL ? d : ktime_get_ns() + ns;
}

static bool tsc_passed(u64 deadline)
{
	return (smp_tsc_deadline(0) != ~0ULL ? rdtsc() : ktime_get_ns()) > deadline;
}

static void halt_tick(struct timer *t)
{
	/* Nothing to do: the interrupt itself ends safe_halt(). */
}

/*
 * Until something came back or the tick: halting says so first, and a
 * CPU that takes a reply for us after that sees it and wakes us
 * (wake()); safe_halt() enables interrupts and halts in one step.  Only
 * CPU 0 runs the stack's timers (ARP), which take its lock: the others
 * poll just the device's queues whose interrupts are theirs.
 */
static void wait_reply(struct netbench *b, struct timer *tick, bool poll)
{
	unsigned long flags = local_irq_save();

	if (b->cpu)
		netdev_poll(b->dev);
	else
		net_poll();
	WRITE_ONCE(b->halting, true);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!poll && !may_send(b)) {
		if (!tick->pending)
			timer_start(tick, ktime_get_ns() + HALT_TICK_NS, halt_tick);
		safe_halt();
	}
	WRITE_ONCE(b->halting, false);
	local_irq_restore(flags);
}

static void cpu_run_for(struct netbench *b, u64 ns, struct timer *tick, bool poll)
{
	u64 end = tsc_deadline(ns);

	while (!tsc_passed(end)) {
		while (may_send(b)) {
			if (send_one(b))
				break;
		}
		wait_reply(b, tick, poll);
		reclaim_lost(b);
	}
}

/* What is still in flight comes back or is counted lost. */
static void cpu_drain(struct netbench *b, struct timer *tick, bool poll)
{
	u64 end = tsc_deadline(2 * LOSS_TIMEOUT_NS);

	while (READ_ONCE(b->in_flight) && !tsc_passed(end)) {
		wait_reply(b, tick, poll);
		reclaim_lost(b);
	}
}

static void cpu_work(struct netbench *b, struct cpus_run *r)
{
	struct timer tick = {};

	smp_meet(&r->met[0], r->n, CPUS_TIMEOUT_NS);
	cpu_run_for(b, r->warm_ns, &tick, r->poll);
	smp_meet(&r->met[1], r->n, CPUS_TIMEOUT_NS);
	WRITE_ONCE(b->measuring, true);
	b->t_cycles = rdtsc();
	cpu_run_for(b, r->ns, &tick, r->poll);
	b->t_cycles = rdtsc() - b->t_cycles;
	WRITE_ONCE(b->measuring, false);
	cpu_drain(b, &tick, r->poll);
	timer_cancel(&tick);
}

static struct cpus_run *current_run;

static void cpu_task(void *arg)
{
	cpu_work(arg, current_run);
}

/* A queue is polled (no interrupt): its replies must be polled for. */
static bool any_polled(struct netdev *dev)
{
	for (unsigned int q = 0; q < dev->nr_queues && q < NETDEV_MAX_QUEUES; q++) {
		if (dev->queue_stats[q].cpu < 0)
			return true;
	}
	return false;
}

static void print_per_packet(const char *what, u64 n, u64 pkts)
{
	console_printf(", %s/packet %llu.%03llu", what, per_1000(n, pkts) / 1000,
		       per_1000(n, pkts) % 1000);
}

static unsigned long rate_of(struct netbench *b)
{
	u64 ns = tsc_cycles_to_ns(b->t_cycles);

	return ns ? b->rtt.count * NSEC_PER_SEC / ns : 0;
}

/* Each submitter, then each queue's share of this run (its counters' deltas). */
static void cpus_details(struct netdev *dev, struct cpus_run *r)
{
	unsigned int nq = min(dev->nr_queues, (unsigned int)NETDEV_MAX_QUEUES);

	for (unsigned int c = 0; c < r->n; c++) {
		struct netbench *b = r->b[c];

		console_printf("netbench: cpus=%u cpu %u: %lu round trips/s, sent %lu, replies %llu (%lu on its own CPU), lost %lu, bad %lu, %lu wake-up IPIs, rtt us p50 %llu p99 %llu\n",
			       r->n, c, rate_of(b), b->sent, b->rtt.count, b->here, b->lost,
			       b->bad, b->wakeups, pct_us(b, 50), pct_us(b, 99));
	}
	for (unsigned int q = 0; q < nq; q++) {
		const struct netdev_queue_stats *now = &dev->queue_stats[q], *was = &r->q0[q];
		unsigned long wakeups = 0;

		for (unsigned int c = q; c < r->n; c += nq)
			wakeups += r->b[c]->wakeups;
		console_printf("netbench: cpus=%u queue %u (cpu %d): rx %lu frames, %lu interrupts; tx %lu frames, %lu interrupts; %lu elsewhere, %lu wake-up IPIs\n",
			       r->n, q, now->cpu, now->rx_frames - was->rx_frames,
			       now->rx_interrupts - was->rx_interrupts,
			       now->tx_frames - was->tx_frames,
			       now->tx_interrupts - was->tx_interrupts,
			       now->elsewhere - was->elsewhere, wakeups);
	}
}

static int cpus_report(struct netdev *dev, struct cpus_run *r, u64 pkts, u64 notes, u64 irqs)
{
	u64 rate = 0, count = 0, wakeups = 0, lost = 0, bad = 0;

	for (unsigned int c = 0; c < r->n; c++) {
		rate += rate_of(r->b[c]);
		count += r->b[c]->rtt.count;
		wakeups += r->b[c]->wakeups;
		lost += r->b[c]->lost;
		bad += r->b[c]->bad;
	}
	cpus_details(dev, r);
	if (!count || !pkts) {
		console_printf("netbench: cpus=%u: no round trip completed (is the reflector there?)\n",
			       r->n);
		return EXIT_FAIL;
	}
	console_printf("netbench: %s cpus=%u udp size=%zu window=%u/cpu: %llu round trips/s (",
		       dev->name, r->n, r->b[0]->size, r->b[0]->window, rate);
	for (unsigned int c = 0; c < r->n; c++)
		console_printf("%scpu%u %lu", c ? " " : "", c, rate_of(r->b[c]));
	console_printf("), lost %llu, bad %llu", lost, bad);
	print_per_packet("notifications", notes, pkts);
	print_per_packet("interrupts", irqs, pkts);
	print_per_packet("wake-up IPIs", wakeups, pkts);
	console_printf(" (%s, %u queues)\n", dev->driver ? dev->driver : "?", dev->nr_queues);
	return EXIT_OK;
}

/* Each submitter's flow: its own source port, new for each run. */
static int cpus_setup(struct netdev *dev, struct cpus_run *r, unsigned int n, u16 base_port)
{
	r->n = n;
	for (unsigned int c = 0; c < n; c++) {
		struct netbench *b = bench_new(c, base_port + c);

		if (!b)
			return -ENOMEM;
		b->dev = dev;
		r->b[c] = b;
		if (udp_bind(b->src_port, reply, b)) {
			console_printf("netbench: cannot bind port %u\n", b->src_port);
			return -EADDRINUSE;
		}
	}
	return 0;
}

static void cpus_unbind(struct cpus_run *r)
{
	for (unsigned int c = 0; c < r->n; c++) {
		if (r->b[c])
			udp_unbind(r->b[c]->src_port);
	}
}

static int run_cpus(struct netdev *dev, unsigned int n, u16 base_port)
{
	struct cpus_run *r = kzalloc(sizeof(*r));
	u64 pkts0 = dev->stats.tx_frames + dev->stats.rx_frames;
	u64 notes0 = dev->stats.notifications, irqs0 = dev->stats.interrupts;
	int err = EXIT_FAIL;

	if (!r)
		return EXIT_FAIL;
	r->poll = param_get_ull("bench.poll", 0) || any_polled(dev);
	r->warm_ns = param_get_ull("bench.warmup_ms", 500) * NSEC_PER_MSEC;
	r->ns = param_get_ull("bench.time", 3) * NSEC_PER_SEC;
	memcpy(r->q0, dev->queue_stats, sizeof(r->q0));
	if (!cpus_setup(dev, r, n, base_port)) {
		current_run = r;
		for (unsigned int c = 1; c < n; c++) {
			if (smp_task_start(c, cpu_task, r->b[c])) {
				console_printf("netbench: cpu %u cannot take a task\n", c);
				/* The ports stay bound: started CPUs may still send. */
				return EXIT_FAIL;
			}
		}
		cpu_work(r->b[0], r);
		if (!bench_cpus_wait("netbench", n, r->ns + r->warm_ns + 2 * CPUS_TIMEOUT_NS))
			return EXIT_FAIL;
		err = cpus_report(dev, r, dev->stats.tx_frames + dev->stats.rx_frames - pkts0,
				  dev->stats.notifications - notes0,
				  dev->stats.interrupts - irqs0);
	}
	/* The submitters stay allocated: a late reply finds no port, not freed memory. */
	cpus_unbind(r);
	return err;
}

/* bench.cpus=1,2,4: each count in turn, in this boot, side by side. */
static int netbench_cpus(struct netdev *dev)
{
	const char *list = param_get("bench.cpus");
	u16 port = SRC_PORT;
	int err = EXIT_OK;

	if (!dev->nr_queues) {
		console_printf("netbench: %s (%s) transmits from one CPU only\n",
			       dev->name, dev->driver ? dev->driver : "?");
		return EXIT_FAIL;
	}
	while (*list && err == EXIT_OK) {
		unsigned int n = bench_cpus_next("netbench", &list, CPUS_MAX);

		if (!n)
			return EXIT_FAIL;
		if (port > 0xffff - PORT_STRIDE) {
			console_printf("netbench: bench.cpus: too many counts for the ports\n");
			return EXIT_FAIL;
		}
		err = run_cpus(dev, n, port);
		port += PORT_STRIDE;
	}
	return err;
}

static int netbench_main(void)
{
	struct netdev *dev = setup();

	if (!dev || wait_peer())
		return EXIT_FAIL;
	if (param_get("bench.cpus"))
		return netbench_cpus(dev);
	return netbench_one(dev);
}
DEFINE_APP(netbench, "UDP round trips per second, throughput, RTT, notifications per packet", netbench_main);
