// SPDX-License-Identifier: GPL-2.0
/*
 * netecho: the guest end of the network echo test (tests/tools/netpeer.py
 * is the host end).  Brings up the first netdev (or net.dev=, a name or
 * a driver) with ip=, netmask=, gw=;
 * the stack answers pings; this echoes UDP datagrams on echo.port=
 * (default 7) back to their sender.  A datagram "pvkit-quit" is echoed
 * and ends the app with status 0; echo.timeout= seconds (default 120,
 * 0 for none) without one end it with status 1.  "pvkit-cpus" is echoed
 * and answered by "pvkit-cpu N" from each online CPU (once).  A shutdown
 * asked for meanwhile (the toolstack, a power button) ends it through
 * kernel_shutdown(), the device shut off or not.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/irqflags.h>
#include <pvkit/net.h>
#include <pvkit/shutdown.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <pvkit/time.h>

#define ECHO_DEFAULT_PORT	7
#define ECHO_DEFAULT_TIMEOUT	120	/* seconds */
#define ECHO_MAX_TIMEOUT	100000000ULL
#define ECHO_REPORT_EVERY	100	/* packets per progress line */
/*
 * The longest a frame waits on a device without interrupts: the idle
 * loop wakes at least this often to poll.
 */
#define ECHO_POLL_NS		(1 * NSEC_PER_MSEC)
/*
 * After the quit word: go on serving a little, so that the echo leaves
 * the device (QEMU may send it after the exit otherwise) and a repeated
 * quit from a peer that lost the echo is answered too.
 */
#define ECHO_LINGER_NS		(1000 * NSEC_PER_MSEC)

static const char quit_word[] = "pvkit-quit";
/*
 * Echoed, and then every CPU sends "pvkit-cpu N" to the asker: each
 * transmits on its own queue of a multi-queue device.
 */
static const char cpus_word[] = "pvkit-cpus";
#ifdef CONFIG_SMP
#define IS_SMP	1
#else
#define IS_SMP	0		/* one CPU: not asked for (never answered) */
#endif

struct echo_state {
	u16 port;
	unsigned long echoed;		/* UDP datagrams sent back */
	unsigned long failed;		/* ... that could not be */
	bool quit;
	bool cpus_asked;		/* by cpus_ip:cpus_port */
	u32 cpus_ip;
	u16 cpus_port;
	bool cpus_said;
};

static struct echo_state echo;

/* Runs in the stack's receive path: with interrupts off, maybe in one. */
static void echo_rx(void *ctx, const struct udp_meta *m, const void *data,
		    size_t len)
{
	struct echo_state *st = ctx;

	/* Counted atomically: receive runs on several CPUs with multi-queue. */
	if (udp_sendto(m->dst_port, m->src_ip, m->src_port, data, len))
		__atomic_fetch_add(&st->failed, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&st->echoed, 1, __ATOMIC_RELAXED);
	if (len == sizeof(quit_word) - 1 && !memcmp(data, quit_word, len))
		WRITE_ONCE(st->quit, true);
	if (IS_SMP && len == sizeof(cpus_word) - 1 &&
	    !memcmp(data, cpus_word, len) && !st->cpus_asked) {
		st->cpus_ip = m->src_ip;
		st->cpus_port = m->src_port;
		WRITE_ONCE(st->cpus_asked, true);
	}
}

#ifdef CONFIG_SMP
/* On each CPU in turn (a cross-call): its line, from its own queue. */
static void say_cpu(void *arg)
{
	struct echo_state *st = arg;
	char msg[24];
	int n = snprintf(msg, sizeof(msg), "pvkit-cpu %u", smp_processor_id());

	if (udp_sendto(st->port, st->cpus_ip, st->cpus_port, msg, n))
		__atomic_fetch_add(&st->failed, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&st->echoed, 1, __ATOMIC_RELAXED);
}

static void say_cpus(struct echo_state *st)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		if (smp_call_on_cpu(cpu, say_cpu, st))
			__atomic_fetch_add(&st->failed, 1, __ATOMIC_RELAXED);
	}
}
#else
static void say_cpus(struct echo_state *st)
{
}
#endif

static void echo_wake(struct timer *t)
{
	/* Nothing to do: the interrupt itself ends safe_halt(). */
}

/*
 * Sleeps until the next interrupt: the device's, or the poll timer's,
 * armed first, so that a device without interrupts is polled at least
 * every ECHO_POLL_NS.  safe_halt() enables interrupts and halts in one
 * step: the timer cannot fire in between and leave us asleep.
 */
static void echo_idle(struct timer *tick)
{
	unsigned long flags = local_irq_save();

	if (!tick->pending)
		timer_start(tick, ktime_get_ns() + ECHO_POLL_NS, echo_wake);
	safe_halt();
	local_irq_restore(flags);
}

static unsigned long echo_packets(void)
{
	struct net_stats s;

	net_get_stats(&s);
	return READ_ONCE(echo.echoed) + s.echo_replies;
}

static int echo_setup(struct netdev **devp, u64 *timeout_s)
{
	char ip_str[IPV4_STR_MAX];
	struct netdev *dev = net_cmdline_dev();
	u32 ip, mask, gw;
	u64 port;

	if (!dev) {
		console_printf("netecho: no network device\n");
		return EXIT_FAIL;
	}
	port = param_get_ull("echo.port", ECHO_DEFAULT_PORT);
	*timeout_s = param_get_ull("echo.timeout", ECHO_DEFAULT_TIMEOUT);
	if (!port || port > 0xffff) {
		console_printf("netecho: bad echo.port=%llu\n", port);
		return EXIT_BADCMD;
	}
	if (net_configure_cmdline(dev))
		return EXIT_BADCMD;
	echo.port = (u16)port;
	if (udp_bind(echo.port, echo_rx, &echo)) {
		console_printf("netecho: cannot bind UDP port %u\n", echo.port);
		return EXIT_FAIL;
	}
	if (!net_get_config(dev, &ip, &mask, &gw)) {
		console_printf("netecho: %s has no address\n", dev->name);
		return EXIT_FAIL;
	}
	console_printf("netecho: %s (%s) %02x:%02x:%02x:%02x:%02x:%02x ip %s, udp port %u, timeout %llu s\n",
		       dev->name, dev->driver ? dev->driver : "?",
		       dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3],
		       dev->mac[4], dev->mac[5], net_format_ipv4(ip, ip_str),
		       echo.port, *timeout_s);
	*devp = dev;
	return EXIT_OK;
}

static void echo_report(struct netdev *dev, const char *why)
{
	struct net_stats s;

	net_get_stats(&s);
	console_printf("netecho: %s: %lu udp echoed (%lu failed), %lu pings answered\n",
		       why, echo.echoed, echo.failed, s.echo_replies);
	console_printf("netecho: %s rx %lu frames (%lu dropped), tx %lu frames (%lu dropped)\n",
		       dev->name, dev->stats.rx_frames, dev->stats.rx_dropped,
		       dev->stats.tx_frames, dev->stats.tx_dropped);
	net_print_stats("netecho: ");
	for (unsigned int i = 0; NETDEV_MAX_QUEUES > 1 && i < dev->nr_queues &&
	     i < NETDEV_MAX_QUEUES; i++) {
		const struct netdev_queue_stats *q = &dev->queue_stats[i];

		console_printf("netecho: %s queue %u (cpu %d): rx %lu frames, %lu interrupts; tx %lu frames, %lu interrupts; %lu elsewhere, %lu deferred\n",
			       dev->name, i, q->cpu, q->rx_frames, q->rx_interrupts,
			       q->tx_frames, q->tx_interrupts, q->elsewhere, q->deferred);
	}
}

static int netecho_main(void)
{
	static struct timer tick;
	unsigned long next_report = ECHO_REPORT_EVERY, n;
	u64 timeout_s, deadline, now, quit_at = 0;
	enum shutdown_action action;
	struct netdev *dev = NULL;
	bool shutdown = false;
	int ret;

	ret = echo_setup(&dev, &timeout_s);
	if (ret != EXIT_OK)
		return ret;
	/* 0: no limit; beyond ~3 years, the nanoseconds would overflow */
	if (!timeout_s || timeout_s > ECHO_MAX_TIMEOUT)
		timeout_s = ECHO_MAX_TIMEOUT;
	deadline = ktime_get_ns() + timeout_s * NSEC_PER_SEC;
	ret = EXIT_FAIL;
	for (;;) {
		net_poll();
		/*
		 * The app pollers too: xenstore's watches (a backend back
		 * after it left, the toolstack's control/shutdown) would
		 * otherwise run only from a device's poll, and the stack
		 * polls no device that was shut off.
		 */
		if (shutdown_pending(&action)) {
			shutdown = true;
			break;
		}
		if (IS_SMP && READ_ONCE(echo.cpus_asked) && !echo.cpus_said) {
			echo.cpus_said = true;
			say_cpus(&echo);
		}
		for (n = echo_packets(); n >= next_report;
		     next_report += ECHO_REPORT_EVERY)
			console_printf("netecho: %lu packets\n", next_report);
		now = ktime_get_ns();
		if (READ_ONCE(echo.quit)) {
			if (!quit_at)
				quit_at = now;
			if (now - quit_at >= ECHO_LINGER_NS) {
				ret = EXIT_OK;
				break;
			}
		} else if (now >= deadline) {
			break;
		}
		echo_idle(&tick);
	}
	timer_cancel(&tick);
	udp_unbind(echo.port);
	echo_report(dev, shutdown ? "shutdown requested" :
		    ret == EXIT_OK ? "quit received" : "timed out");
	if (shutdown)
		kernel_shutdown(action);
	return ret;
}
DEFINE_APP(netecho, "echo UDP (port 7) and answer pings until \"pvkit-quit\"",
	   netecho_main);
