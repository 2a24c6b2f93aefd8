// SPDX-License-Identifier: GPL-2.0
/*
 * netecho: the guest end of the network echo test (tests/tools/netpeer.py
 * is the host end).  Brings up the first netdev (or net.dev=, a name or
 * a driver) with ip=, netmask=, gw=;
 * the stack answers pings; this echoes UDP datagrams on echo.port=
 * (default 7) back to their sender.  A datagram "pvkit-quit" is echoed
 * and ends the app with status 0; echo.timeout= seconds (default 120,
 * 0 for none) without one end it with status 1.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/irqflags.h>
#include <pvkit/net.h>
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

struct echo_state {
	u16 port;
	unsigned long echoed;		/* UDP datagrams sent back */
	unsigned long failed;		/* ... that could not be */
	bool quit;
};

static struct echo_state echo;

/* Runs in the stack's receive path: with interrupts off, maybe in one. */
static void echo_rx(void *ctx, const struct udp_meta *m, const void *data,
		    size_t len)
{
	struct echo_state *st = ctx;

	if (udp_sendto(m->dst_port, m->src_ip, m->src_port, data, len))
		st->failed++;
	else
		st->echoed++;
	if (len == sizeof(quit_word) - 1 && !memcmp(data, quit_word, len))
		WRITE_ONCE(st->quit, true);
}

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
}

static int netecho_main(void)
{
	static struct timer tick;
	unsigned long next_report = ECHO_REPORT_EVERY, n;
	u64 timeout_s, deadline, now, quit_at = 0;
	struct netdev *dev = NULL;
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
	echo_report(dev, ret == EXIT_OK ? "quit received" : "timed out");
	return ret;
}
DEFINE_APP(netecho, "echo UDP (port 7) and answer pings until \"pvkit-quit\"",
	   netecho_main);
