// SPDX-License-Identifier: GPL-2.0
/*
 * netbench: UDP round trips through the net-device interface, against a
 * reflector on the host (tests/tools/udpreflector.py) that sends every
 * datagram back.
 *
 *   app=netbench bench.size=64 bench.window=16 bench.time=3
 *                bench.peer=10.0.2.2 bench.port=7 net.dev=eth0
 *
 * bench.window datagrams are kept in flight.  It prints round trips per
 * second, the throughput each way, round-trip percentiles, losses, and
 * notifications and interrupts per packet.
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
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#define SRC_PORT	40000
#define MAX_WINDOW	256
#define LOSS_TIMEOUT_NS	(200 * NSEC_PER_MSEC)

struct netbench {
	u32 peer;
	u16 port;
	size_t size;
	unsigned int window;
	u64 seq;			/* next sequence number to send */
	u64 sent_at[MAX_WINDOW];	/* TSC, by seq % window; 0: slot free */
	unsigned int in_flight;
	bool measuring;
	unsigned long lost, bad;	/* round trips measured: rtt.count */
	struct histogram rtt;		/* TSC cycles, every round trip measured */
	u8 buf[ETH_MAX_FRAME];
};

static struct netbench *nb;

/* The payload starts with the sequence number; the rest is a fixed pattern. */
static int send_one(void)
{
	unsigned int slot = nb->seq % nb->window;
	int err;

	memcpy(nb->buf, &nb->seq, sizeof(nb->seq));
	err = udp_sendto(SRC_PORT, nb->peer, nb->port, nb->buf, nb->size);
	if (err)
		return err;
	nb->sent_at[slot] = rdtsc();
	nb->seq++;
	nb->in_flight++;
	return 0;
}

static void reply(void *ctx, const struct udp_meta *m, const void *data, size_t len)
{
	u64 seq, now = rdtsc();
	unsigned int slot;

	if (len != nb->size || len < sizeof(seq)) {
		nb->bad++;
		return;
	}
	memcpy(&seq, data, sizeof(seq));
	slot = seq % nb->window;
	/* Only the latest send of a slot counts: anything else is late or forged. */
	if (seq >= nb->seq || nb->seq - seq > nb->window || !nb->sent_at[slot]) {
		nb->bad++;
		return;
	}
	if (nb->measuring)
		hist_record(&nb->rtt, now - nb->sent_at[slot]);
	nb->sent_at[slot] = 0;
	nb->in_flight--;
}

/* A slot whose datagram has not come back in time is counted lost and reused. */
static void reclaim_lost(void)
{
	u64 limit = (u64)tsc_khz(NULL) * (LOSS_TIMEOUT_NS / NSEC_PER_MSEC), now = rdtsc();

	for (unsigned int i = 0; i < nb->window; i++) {
		if (nb->sent_at[i] && now - nb->sent_at[i] > limit) {
			nb->sent_at[i] = 0;
			nb->in_flight--;
			if (nb->measuring)
				nb->lost++;
		}
	}
}

static void run_for(u64 ns)
{
	u64 end = ktime_get_ns() + ns;

	while (ktime_get_ns() < end) {
		unsigned long flags;

		while (nb->in_flight < nb->window && !nb->sent_at[nb->seq % nb->window]) {
			if (send_one())
				break;
		}
		flags = local_irq_save();
		net_poll();
		local_irq_restore(flags);
		reclaim_lost();
	}
}

static u64 pct_us(unsigned int p)
{
	return tsc_cycles_to_ns(hist_quantile(&nb->rtt, p, 100)) / 1000;
}

static int setup(struct netdev **devp)
{
	const char *peer = param_get("bench.peer");
	struct netdev *dev = net_cmdline_dev();
	int err;

	if (!dev) {
		console_printf("netbench: no network device\n");
		return -ENODEV;
	}
	nb = kzalloc(sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	err = net_configure_cmdline(dev);
	if (!err)
		err = net_parse_ipv4(peer ? peer : "10.0.2.2", &nb->peer);
	if (err)
		return err;
	nb->port = param_get_ull("bench.port", 7);
	nb->size = min(max(param_get_ull("bench.size", 64), 8ULL), 1472ULL);
	nb->window = min(max(param_get_ull("bench.window", 16), 1ULL), (u64)MAX_WINDOW);
	hist_init(&nb->rtt);
	memset(nb->buf, 0xa5, sizeof(nb->buf));
	err = udp_bind(SRC_PORT, reply, nb);
	if (err)
		return err;
	*devp = dev;
	return 0;
}

static int netbench_main(void)
{
	u64 secs = param_get_ull("bench.time", 3), t0, ns, rate;
	unsigned long tx0, notes0, irqs0, pkts;
	struct netdev *dev;

	if (setup(&dev))
		return EXIT_FAIL;
	run_for(500 * NSEC_PER_MSEC);		/* ARP, first touches, warm-up */
	nb->measuring = true;
	tx0 = dev->stats.tx_frames + dev->stats.rx_frames;
	notes0 = dev->stats.notifications;
	irqs0 = dev->stats.interrupts;
	t0 = ktime_get_ns();
	run_for(secs * NSEC_PER_SEC);
	ns = ktime_get_ns() - t0;
	nb->measuring = false;
	pkts = dev->stats.tx_frames + dev->stats.rx_frames - tx0;
	if (!nb->rtt.count || !pkts) {
		console_printf("netbench: no round trip completed (is the reflector there?)\n");
		return EXIT_FAIL;
	}
	rate = nb->rtt.count * NSEC_PER_SEC / ns;
	console_printf("netbench: %s udp size=%zu window=%u: %llu round trips/s, %llu.%02llu MB/s each way, "
		       "rtt us p50 %llu p99 %llu, lost %lu, bad %lu, "
		       "notifications/packet %lu.%03lu, interrupts/packet %lu.%03lu (%s)\n",
		       dev->name, nb->size, nb->window, rate,
		       rate * nb->size / 1000000, rate * nb->size / 10000 % 100,
		       pct_us(50), pct_us(99), nb->lost, nb->bad,
		       (dev->stats.notifications - notes0) / pkts,
		       (dev->stats.notifications - notes0) * 1000 / pkts % 1000,
		       (dev->stats.interrupts - irqs0) / pkts,
		       (dev->stats.interrupts - irqs0) * 1000 / pkts % 1000,
		       dev->driver ? dev->driver : "?");
	udp_unbind(SRC_PORT);
	return EXIT_OK;
}
DEFINE_APP(netbench, "UDP round trips per second, throughput, RTT, notifications per packet", netbench_main);
