// SPDX-License-Identifier: GPL-2.0
/*
 * migrate: block (and network) work kept in flight while the host
 * live-migrates the machine (tests/tools/migrate, docs/platform.md "Live
 * migration"), with the clock and the progress watched across it.
 *
 *   app=migrate blk=vda migrate.off=4194304 migrate.len=1048576
 *               migrate.seed=42 migrate.qd=8 migrate.after=3 migrate.time=60
 *               [migrate.drain=20]
 *               [migrate.ping=10.0.3.1 ip= netmask= gw= net.dev=]
 *
 * Round r writes the area (bytes, sector multiples) with the seeded pattern of seed + r, up to
 * migrate.qd requests of 64 KiB in flight, flushes, then reads it back
 * with as many in flight and compares every byte.  Each request must
 * complete exactly once; each round prints blk's fill and verify lines
 * (tests/tools/blkimg.py check-log finds the last fill in the disk on
 * the host).
 *
 * It ends migrate.after rounds after the hypervisor said it paused the
 * machine (clock_host_stops(): kvmclock's PVCLOCK_GUEST_STOPPED, which
 * QEMU sets as the destination starts), or after migrate.time seconds
 * of its clock: a failure when migrate.after is not 0 (a pause was
 * expected and never told), the end of the work when it is (TCG, whose
 * clocks say nothing of a pause).
 *
 * With migrate.ping, PING_WINDOW echo requests of PING_LEN bytes (the
 * seeded pattern of their sequence number) are kept in flight to that
 * peer beside the block work; every reply is checked byte for byte, one
 * not answered in PING_TIMEOUT_NS is counted lost and sent again with a
 * new number.  The run fails on a reply whose data is wrong, or without
 * a reply after the host stop when one was told.
 *
 * The requests out when the stop is first noticed (at the first
 * completion looked at after it) were, but for a window of a few
 * instructions, submitted before the switch: in flight across it.
 *
 * The clock is read at every completion: the clocksource's raw reading
 * must never go back, and the largest gap between two completions is the
 * pause as the guest saw it (QEMU stops the guest's clocks while the
 * machine does not run, so this is the downtime its clock did count).
 * The monotonic clock is read just before and just after the source
 * (full-width sources): between two completions it must have counted
 * what its source counted, no less (it stood still while the source went
 * on) and no more (it jumped): ktime_get_ns() only adds up the source's
 * steps, so this holds exactly but for rounding and another CPU's
 * reading a little behind (MONO_SLACK_NS), however loaded the host.  A
 * timer set when the stop is first seen must fire, before a deadline 30
 * times further on the same clock.  Each other CPU (up to TICK_CPUS)
 * runs a timer of its own every TICK_NS throughout, pending across the
 * stop: after it, each must run again by the same deadline (Xen: a
 * vCPU's single-shot timer is the new domain's to set again).
 *
 * migrate.test=GLOB runs those in-guest suites (test= of app=selftest)
 * once the work is done, in the same guest: after the stop, say.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/blkdev.h>
#include <pvkit/cmdline.h>
#include <pvkit/crc32.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/smp.h>
#include <pvkit/net.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <asm/processor.h>

#define CHUNK_PAGES	16
#define CHUNK_BYTES	(CHUNK_PAGES * PAGE_SIZE)
#define MAX_QD		16
/* A pass gives up after this long without a completion (migrate.drain= seconds). */
#define DRAIN_NS	(20 * NSEC_PER_SEC)
#define PING_WINDOW	4
#define PING_LEN	256
#define PING_ID		0x6d67
#define PING_TIMEOUT_NS	(500 * NSEC_PER_MSEC)
/* Rounding, and a reading another CPU took a little behind ours. */
#define MONO_SLACK_NS	NSEC_PER_MSEC
#define STOP_TIMER_NS	NSEC_PER_MSEC
#define STOP_TIMER_WAIT_NS	(30 * STOP_TIMER_NS * 1000)
/* The other CPUs' own timers: their period, and how many CPUs have one. */
#define TICK_NS		(50 * NSEC_PER_MSEC)
#define TICK_CPUS	8

struct cpu_tick {
	struct timer t;
	unsigned long runs;		/* written by its CPU */
	unsigned long runs_at_stop;
	bool set;
};

struct mreq {
	struct blk_request req;
	u64 off;			/* byte offset of the chunk */
	unsigned int completions;	/* must be 1 when looked at */
};

struct migrate {
	struct blkdev *dev;
	u64 off, len, seed;
	unsigned int qd;
	struct mreq reqs[MAX_QD];
	struct blk_request *done_list;	/* completed, not yet looked at */
	unsigned int in_flight;		/* submitted, not completed */
	unsigned int unseen;		/* submitted, not yet looked at */
	/* the round */
	u64 round_seed;
	enum blk_op op;
	u64 next_off;			/* next chunk to submit */
	unsigned long errors;
	/* what the run saw */
	unsigned long requests, twice;
	struct clocksource *cs;
	u64 last_raw, backwards;
	u64 last_before, last_after;	/* the monotonic clock around last_raw */
	unsigned long mono_behind, mono_ahead;
	struct timer stop_timer;	/* set when the stop is first seen */
	bool stop_timer_set;
	u64 stop_timer_fired;		/* when it fired, 0: not yet */
	struct cpu_tick ticks[TICK_CPUS];	/* [c]: CPU c's, from 1 */
	bool ticks_stop;
	u64 last_ns, max_gap_ns;
	unsigned long gap_round, round;
	/* the first pause the hypervisor told of, and the gap around it */
	unsigned long stops, stop_round;
	unsigned int stop_unseen;	/* requests not yet looked at then */
	u64 stop_gap_ns;
	/* pings */
	u32 peer;			/* 0: none */
	u16 next_seq;
	u16 slot_seq[PING_WINDOW];
	u64 sent_ns[PING_WINDOW];	/* 0: slot free */
	unsigned long answered, answered_after_stop, lost, late, bad;
	u8 ping_buf[PING_LEN], reply_buf[PING_LEN];
};

static struct migrate *m;

/* Runs in the interrupt (or poll): counted, and left for the loop. */
static void mreq_done(struct blk_request *req)
{
	struct mreq *r = container_of(req, struct mreq, req);

	r->completions++;
	m->in_flight--;
	req->next = m->done_list;
	m->done_list = req;
}

static void stop_timer_fn(struct timer *t)
{
	m->stop_timer_fired = ktime_get_ns();
}

/* On its own CPU: counted, and started again there (timer_start: this CPU's list). */
static void tick_fn(struct timer *t)
{
	struct cpu_tick *tk = container_of(t, struct cpu_tick, t);

	WRITE_ONCE(tk->runs, tk->runs + 1);
	if (!READ_ONCE(m->ticks_stop))
		timer_start(t, ktime_get_ns() + TICK_NS, tick_fn);
}

static void ticks_start(void)
{
	for (unsigned int c = 1; c < TICK_CPUS; c++)
		m->ticks[c].set = !timer_start_on(&m->ticks[c].t, c, ktime_get_ns() + TICK_NS,
						  tick_fn);
}

static void ticks_at_stop(void)
{
	for (unsigned int c = 1; c < TICK_CPUS; c++)
		m->ticks[c].runs_at_stop = READ_ONCE(m->ticks[c].runs);
}

/* How many of the *n online CPUs with a timer ran it since the stop. */
static unsigned int ticks_ran(unsigned int *n)
{
	unsigned int ran = 0;

	*n = 0;
	for (unsigned int c = 1; c < TICK_CPUS; c++) {
		const struct cpu_tick *tk = &m->ticks[c];

		if (tk->set && cpu_online(c)) {
			++*n;
			ran += READ_ONCE(tk->runs) != tk->runs_at_stop;
		}
	}
	return ran;
}

/*
 * After a stop each other online CPU's timer must run again, by a
 * deadline as far as the stop timer's; then all are stopped.  True if
 * they ran, or no stop was told.
 */
static bool ticks_done(void)
{
	u64 deadline = ktime_get_ns() + STOP_TIMER_WAIT_NS;
	unsigned int n, ran;

	for (;;) {
		ran = ticks_ran(&n);
		if (!m->stops || ran == n || ktime_get_ns() >= deadline)
			break;
		app_poll();
	}
	WRITE_ONCE(m->ticks_stop, true);
	for (unsigned int c = 1; c < TICK_CPUS; c++) {
		if (m->ticks[c].set)
			timer_cancel(&m->ticks[c].t);
	}
	if (!m->stops || !n)
		return true;
	console_printf("migrate: the timers of %u of %u other CPUs ran after the host stop\n",
		       ran, n);
	return ran == n;
}

/*
 * The monotonic clock against its source since the last point: before
 * is read ahead of raw and after behind it, so after - last_before is at
 * least, and before - last_after at most, what the source counted.
 */
static void compare_mono(u64 before, u64 raw, u64 after)
{
	u64 counted = clocksource_cyc2ns(m->cs, raw - m->last_raw);
	u64 least = after - m->last_before, most = before - m->last_after;
	bool behind = least + MONO_SLACK_NS < counted;
	bool ahead = most > counted + MONO_SLACK_NS;

	if ((behind && !m->mono_behind++) || (ahead && !m->mono_ahead++))
		console_printf("migrate: round %lu: the monotonic clock counted %llu-%llu us, its source %llu us\n",
			       m->round, most / NSEC_PER_USEC, least / NSEC_PER_USEC,
			       counted / NSEC_PER_USEC);
}

/* The progress point: the clock read raw and through the kernel. */
static void watch_clock(void)
{
	u64 before = ktime_get_ns(), raw = m->cs->read(m->cs), now = ktime_get_ns();

	/* A narrow counter wraps: only a full-width one is compared raw. */
	if (m->cs->mask == ~0ULL && raw < m->last_raw)
		m->backwards++;
	else if (m->cs->mask == ~0ULL)
		compare_mono(before, raw, now);
	m->last_raw = raw;
	m->last_before = before;
	m->last_after = now;
	if (now - m->last_ns > m->max_gap_ns) {
		m->max_gap_ns = now - m->last_ns;
		m->gap_round = m->round;
	}
	if (!m->stops && clock_host_stops()) {
		m->stops = clock_host_stops();
		m->stop_round = m->round;
		m->stop_gap_ns = now - m->last_ns;
		/* the one being looked at, and those still out */
		m->stop_unseen = m->unseen + 1;
		timer_start(&m->stop_timer, now + STOP_TIMER_NS, stop_timer_fn);
		m->stop_timer_set = true;
		ticks_at_stop();
	}
	m->last_ns = now;
}

static int submit_next(struct mreq *r)
{
	u64 left = m->off + m->len - m->next_off;
	u32 len = min((u64)CHUNK_BYTES, left);
	int err;

	r->off = m->next_off;
	r->completions = 0;
	r->req.op = m->op;
	r->req.sector = r->off / SECTOR_SIZE;
	r->req.nr_sectors = len / SECTOR_SIZE;
	r->req.done = mreq_done;
	if (m->op == BLK_WRITE)
		pattern_fill(r->req.buf, len, m->round_seed, r->off);
	err = blkdev_queue(m->dev, &r->req);
	if (err)
		return err;
	m->in_flight++;
	m->unseen++;
	m->requests++;
	m->next_off += len;
	return 0;
}

/* A completed request: exactly once, with its data; false on an error. */
static bool look_at(struct mreq *r)
{
	u32 len = r->req.nr_sectors * SECTOR_SIZE;
	size_t at;

	if (r->completions != 1) {
		m->twice++;
		console_printf("migrate: %s at %llu completed %u times\n",
			       r->req.op == BLK_WRITE ? "write" : "read", r->off,
			       r->completions);
		return false;
	}
	if (r->req.status) {
		console_printf("migrate: %s at %llu failed: error %d\n",
			       m->op == BLK_WRITE ? "write" : "read", r->off,
			       r->req.status);
		return false;
	}
	if (m->op != BLK_READ)
		return true;
	at = pattern_check(r->req.buf, len, m->round_seed, r->off);
	if (at < len) {
		console_printf("migrate: read at %llu: MISMATCH at %llu\n", r->off,
			       r->off + at);
		return false;
	}
	return true;
}

static void ping_send(unsigned int slot)
{
	u16 seq = m->next_seq;

	/* Its slot is its number's: a late reply finds another number there. */
	while (seq % PING_WINDOW != slot)
		seq++;
	m->next_seq = seq + 1;
	pattern_fill(m->ping_buf, PING_LEN, seq, 0);
	if (icmp_ping(m->peer, PING_ID, seq, m->ping_buf, PING_LEN))
		return;		/* sent again by ping_tick() */
	m->slot_seq[slot] = seq;
	m->sent_ns[slot] = ktime_get_ns();
}

/* In the driver's receive path: check, free the slot, send the next. */
static void ping_reply(void *ctx, u32 src_ip, u16 id, u16 seq,
		       const void *data, size_t len)
{
	unsigned int slot = seq % PING_WINDOW;

	if (id != PING_ID || src_ip != m->peer)
		return;
	if (!m->sent_ns[slot] || m->slot_seq[slot] != seq) {
		m->late++;
		return;
	}
	pattern_fill(m->reply_buf, PING_LEN, seq, 0);
	if (len != PING_LEN || memcmp(data, m->reply_buf, PING_LEN)) {
		m->bad++;
		console_printf("migrate: ping %u: reply of %zu bytes not what was sent\n",
			       seq, len);
	}
	m->answered++;
	if (m->stops)
		m->answered_after_stop++;
	m->sent_ns[slot] = 0;
	ping_send(slot);
}

/* From the loop: lost requests sent again, free slots filled. */
static void ping_tick(void)
{
	unsigned long flags;
	u64 now;

	if (!m->peer)
		return;
	net_poll();
	flags = local_irq_save();
	now = ktime_get_ns();
	for (unsigned int slot = 0; slot < PING_WINDOW; slot++) {
		if (m->sent_ns[slot] && now - m->sent_ns[slot] < PING_TIMEOUT_NS)
			continue;
		if (m->sent_ns[slot])
			m->lost++;
		m->sent_ns[slot] = 0;
		ping_send(slot);
	}
	local_irq_restore(flags);
}

static int ping_setup(void)
{
	const char *peer = param_get("migrate.ping");
	struct netdev *dev;

	if (!peer)
		return 0;
	if (net_parse_ipv4(peer, &m->peer)) {
		console_printf("migrate: bad migrate.ping=%s\n", peer);
		return EXIT_BADCMD;
	}
	dev = net_cmdline_dev();
	if (!dev || net_configure_cmdline(dev))
		return EXIT_FAIL;
	icmp_set_reply_handler(ping_reply, NULL);
	return 0;
}

/* Takes what completed; waits (halting) when nothing has. */
static struct blk_request *reap(void)
{
	unsigned long flags = local_irq_save();
	struct blk_request *list;

	blkdev_poll(m->dev);
	if (!m->done_list && !m->dev->polled)
		safe_halt();
	list = m->done_list;
	m->done_list = NULL;
	local_irq_restore(flags);
	return list;
}

/* One pass over the area with op, requests kept in flight; 0 or an error. */
static int pass(enum blk_op op)
{
	u64 drain = param_get_ull("migrate.drain", DRAIN_NS / NSEC_PER_SEC) * NSEC_PER_SEC;
	u64 deadline = ktime_get_ns() + drain;
	struct mreq *free[MAX_QD];
	unsigned int nfree = 0;

	m->op = op;
	m->next_off = m->off;
	for (unsigned int i = 0; i < m->qd; i++)
		free[nfree++] = &m->reqs[i];
	/*
	 * Until every request was looked at: one completed by an interrupt
	 * while the loop looked at others is on the done list with nothing
	 * in flight.
	 */
	while (m->next_off < m->off + m->len || m->unseen) {
		struct blk_request *list;

		while (nfree && m->next_off < m->off + m->len) {
			if (submit_next(free[nfree - 1]))
				break;
			nfree--;
		}
		blkdev_kick(m->dev);
		ping_tick();
		list = reap();
		if (list)
			deadline = ktime_get_ns() + drain;
		else if (ktime_get_ns() > deadline)
			return -ETIMEDOUT;
		while (list) {
			struct mreq *r = container_of(list, struct mreq, req);

			list = list->next;
			m->unseen--;
			watch_clock();
			if (!look_at(r))
				m->errors++;
			free[nfree++] = r;
		}
	}
	return m->errors ? -EIO : 0;
}

static int round_once(void)
{
	const char *name = m->dev->name;
	int err;

	m->round_seed = m->seed + m->round;
	err = pass(BLK_WRITE);
	if (!err)
		err = blkdev_rw_sync(m->dev, BLK_FLUSH, 0, 0, NULL);
	if (err) {
		console_printf("blk: fill %s %llu+%llu seed %llu failed: error %d\n",
			       name, m->off, m->len, m->round_seed, err);
		return err;
	}
	console_printf("blk: fill %s %llu+%llu seed %llu done\n", name, m->off,
		       m->len, m->round_seed);
	err = pass(BLK_READ);
	if (err) {
		console_printf("blk: verify %s %llu+%llu seed %llu failed: error %d\n",
			       name, m->off, m->len, m->round_seed, err);
		return err;
	}
	console_printf("blk: verify %s %llu+%llu seed %llu ok\n", name, m->off,
		       m->len, m->round_seed);
	console_printf("migrate: round %lu done, host stops %lu\n", m->round,
		       m->stops);
	return 0;
}

static int setup(void)
{
	const char *name = param_get("blk");

	m->dev = name ? blkdev_find(name) : blkdev_first();
	if (!m->dev) {
		console_printf("migrate: no block device %s\n", name ? name : "at all");
		return EXIT_FAIL;
	}
	m->off = param_get_ull("migrate.off", 4 * MiB);
	m->len = param_get_ull("migrate.len", MiB);
	m->seed = param_get_ull("migrate.seed", 42);
	if (!m->len || m->off % SECTOR_SIZE || m->len % SECTOR_SIZE ||
	    m->off + m->len > m->dev->nr_sectors * SECTOR_SIZE) {
		console_printf("migrate: bad area %llu+%llu (sector multiples inside %s)\n",
			       m->off, m->len, m->dev->name);
		return EXIT_BADCMD;
	}
	m->qd = min(param_get_ull("migrate.qd", 8),
		    (unsigned long long)min(MAX_QD, (int)m->dev->queue_depth));
	if (!m->qd)
		m->qd = 1;
	for (unsigned int i = 0; i < m->qd; i++) {
		m->reqs[i].req.buf = alloc_pages(CHUNK_PAGES);
		if (!m->reqs[i].req.buf) {
			console_printf("migrate: out of memory for %u buffers\n", m->qd);
			return EXIT_FAIL;
		}
	}
	m->cs = clocksource_current();
	m->last_before = ktime_get_ns();
	m->last_raw = m->cs->read(m->cs);
	m->last_ns = ktime_get_ns();
	m->last_after = m->last_ns;
	ticks_start();
	return ping_setup();
}

/*
 * The timer set at the stop: by a deadline on the same clock, far
 * beyond it, so only a timer that cannot fire misses it.  True if it
 * fired, or none was set.
 */
static bool stop_timer_done(void)
{
	u64 deadline = ktime_get_ns() + STOP_TIMER_WAIT_NS;

	if (!m->stop_timer_set)
		return true;
	while (!READ_ONCE(m->stop_timer_fired) && ktime_get_ns() < deadline)
		app_poll();
	if (!READ_ONCE(m->stop_timer_fired))
		timer_cancel(&m->stop_timer);
	console_printf("migrate: the timer set after the host stop %s\n",
		       READ_ONCE(m->stop_timer_fired) ? "fired" : "did not fire");
	return READ_ONCE(m->stop_timer_fired);
}

static int report(void)
{
	bool timer_ok = stop_timer_done() & ticks_done();
	bool ok = !m->errors && !m->twice && !m->backwards && !m->bad &&
		  !m->mono_behind && !m->mono_ahead && timer_ok &&
		  (!m->peer || !m->stops || m->answered_after_stop);

	console_printf("migrate: %lu rounds, %lu requests, %lu completed twice, "
		       "%lu errors\n", m->round, m->requests, m->twice, m->errors);
	console_printf("migrate: clock %s: %llu raw readings went back\n",
		       m->cs->name, m->backwards);
	console_printf("migrate: monotonic clock against %s: %lu times behind, %lu times ahead\n",
		       m->cs->name, m->mono_behind, m->mono_ahead);
	console_printf("migrate: largest gap between completions %llu us, in round %lu\n",
		       m->max_gap_ns / NSEC_PER_USEC, m->gap_round);
	if (m->stops)
		console_printf("migrate: host stop told in round %lu (gap %llu us, "
			       "%u requests out), %lu rounds after it\n", m->stop_round,
			       m->stop_gap_ns / NSEC_PER_USEC, m->stop_unseen,
			       m->round - m->stop_round - 1);
	if (m->peer) {
		console_printf("migrate: pings: %lu answered (%lu after the host stop), "
			       "%lu lost, %lu late, %lu wrong\n", m->answered,
			       m->answered_after_stop, m->lost, m->late, m->bad);
		net_print_stats("migrate: ");
	}
	return ok ? EXIT_OK : EXIT_FAIL;
}

static int migrate_main(void)
{
	unsigned long long after = param_get_ull("migrate.after", 3);
	unsigned long long secs = param_get_ull("migrate.time", 60);
	u64 end;
	int status;

	m = kzalloc(sizeof(*m));
	if (!m)
		return EXIT_FAIL;
	status = setup();
	if (status)
		return status;
	console_printf("migrate: working on %s %llu+%llu, %u requests in flight, "
		       "clock %s\n", m->dev->name, m->off, m->len, m->qd, m->cs->name);
	end = ktime_get_ns() + secs * NSEC_PER_SEC;
	for (;;) {
		if (round_once()) {
			report();
			return EXIT_FAIL;
		}
		m->round++;
		if (after && m->stops && m->round - m->stop_round > after)
			break;
		if (ktime_get_ns() >= end) {
			if (!after)
				break;
			console_printf("migrate: no host stop told in %llu s\n", secs);
			report();
			return EXIT_FAIL;
		}
	}
	status = report();
	if (param_get("migrate.test") && ktest_run(param_get("migrate.test")))
		status = EXIT_FAIL;
	return status;
}
DEFINE_APP(migrate, "block work in flight across a live migration, clock watched",
	   migrate_main);
