// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the network stack's receive path (net/).
 *
 * The input is a sequence of frames handed to a fake netdev, each
 * preceded by three bytes: the frame's length (big-endian, modulo what is
 * left; 0 for all of it) and a control byte.  The control byte says
 * whether to fix the frame's IPv4, ICMP and UDP checksums first, or only
 * the IPv4 one (mutations almost always break one, and without the
 * fix-up the fuzzer would spend its time on the checksum tests), how far
 * to move the clock, and whether
 * to run net_poll() (ARP retries and timeouts) and a udp_sendto() (ARP
 * resolution, waiting datagrams) after the frame.
 *
 * Each frame is handed over as a fresh heap copy of exactly its length,
 * so AddressSanitizer catches any read past it.  Transmitted frames are
 * read in full and their IPv4 header checked.  The fake device refuses
 * nothing, so a refusal by netdev_transmit() (a frame too long or too
 * short) is a failure.  Port 7 echoes from its receive callback, as
 * netecho does; port 9 only receives.
 *
 *   make fuzz
 *   build/fuzz/net_fuzz -max_total_time=60 build/fuzz/corpus/net
 */
#include <stdint.h>
#include <stdlib.h>
#include <pvkit/kernel.h>
#include <pvkit/net.h>
#include <pvkit/string.h>
#include <pvkit/time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The stack's log lines and stats output, not wanted here. */
int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

int console_printf(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

#define OUR_IP		IPV4(10, 0, 2, 15)
#define PEER_IP		IPV4(10, 0, 2, 2)

#define CTRL_FIX_CSUM	0x01		/* all checksums */
#define CTRL_POLL	0x02
#define CTRL_SEND	0x04
#define CTRL_FIX_IP	0x08		/* the IPv4 header's only */
#define CTRL_TIME_SHIFT	4		/* bits 4-7: quarter seconds to move on */

static struct netdev fuzz_dev;
static u64 fuzz_time;
static unsigned long tx_bytes_seen;

static u64 fuzz_clock(void)
{
	return fuzz_time;
}

static u16 rd16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static void wr16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static int fuzz_transmit(struct netdev *dev, const void *frame, size_t len)
{
	const u8 *p = frame;
	size_t ihl;

	/* every byte handed over must be readable: touch them all */
	for (size_t i = 0; i < len; i++)
		tx_bytes_seen += p[i];
	if (rd16(p + 12) == 0x0800) {
		ihl = (size_t)(p[14] & 0xf) * 4;
		if (len < ETH_HLEN + 20 || ihl != 20 || ip_checksum(p + 14, ihl))
			abort();
	}
	return 0;
}

static void fuzz_poll(struct netdev *dev)
{
}

static const struct netdev_ops fuzz_ops = {
	.transmit = fuzz_transmit,
	.poll = fuzz_poll,
};

static void echo_rx(void *ctx, const struct udp_meta *m, const void *data,
		    size_t len)
{
	udp_sendto(m->dst_port, m->src_ip, m->src_port, data, len);
}

static void sink_rx(void *ctx, const struct udp_meta *m, const void *data,
		    size_t len)
{
	const u8 *p = data;

	for (size_t i = 0; i < len; i++)
		tx_bytes_seen += p[i];
}

static void fuzz_init(void)
{
	static const u8 mac[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memcpy(fuzz_dev.mac, mac, ETH_ALEN);
	fuzz_dev.mtu = 1500;
	fuzz_dev.ops = &fuzz_ops;
	fuzz_dev.driver = "fuzz";
	netdev_register(&fuzz_dev);
	net_set_clock(fuzz_clock);
	udp_bind(7, echo_rx, NULL);
	udp_bind(9, sink_rx, NULL);
}

/* Recomputes what checksums the frame has room for; all, or the IP one. */
static void fix_checksums(u8 *f, size_t len, bool all)
{
	u8 *ip = f + ETH_HLEN, *l4;
	size_t ihl, tot, l4_len;
	u32 sum;

	if (len < ETH_HLEN + 20 || rd16(f + 12) != 0x0800)
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = rd16(ip + 2);
	if (ihl < 20 || ihl > len - ETH_HLEN)
		return;
	wr16(ip + 10, 0);
	wr16(ip + 10, ip_checksum(ip, ihl));
	if (!all || tot < ihl || tot > len - ETH_HLEN)
		return;
	l4 = ip + ihl;
	l4_len = tot - ihl;
	if (ip[9] == 1 && l4_len >= 4) {
		wr16(l4 + 2, 0);
		wr16(l4 + 2, ip_checksum(l4, l4_len));
	} else if (ip[9] == 17 && l4_len >= 8 && rd16(l4 + 4) >= 8 &&
		   rd16(l4 + 4) <= l4_len) {
		/* sum the source and destination addresses with the data */
		sum = csum_partial(ip + 12, 8, 17 + rd16(l4 + 4));
		wr16(l4 + 6, 0);
		wr16(l4 + 6, csum_fold(csum_partial(l4, rd16(l4 + 4), sum)));
	}
}

static void feed(const u8 *data, size_t len, u8 ctrl)
{
	u8 *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, data, len);
	if (ctrl & (CTRL_FIX_CSUM | CTRL_FIX_IP))
		fix_checksums(copy, len, ctrl & CTRL_FIX_CSUM);
	netdev_receive(&fuzz_dev, copy, len);
	free(copy);
	fuzz_time += (u64)(ctrl >> CTRL_TIME_SHIFT) * 250 * NSEC_PER_MSEC;
	if (ctrl & CTRL_SEND)
		udp_sendto(9, len & 1 ? PEER_IP : IPV4(10, 0, 2, 100 + (len & 7)),
			   7, data, len < 64 ? len : 64);
	if (ctrl & CTRL_POLL)
		net_poll();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		fuzz_init();
		ready = true;
	}
	struct net_stats stats;

	/* A fresh interface each time: the ARP cache starts empty. */
	fuzz_time = 1000 * NSEC_PER_SEC;
	if (net_configure(&fuzz_dev, OUR_IP, IPV4(255, 255, 255, 0), PEER_IP))
		abort();
	net_reset_stats();
	while (size >= 3) {
		size_t len = rd16(data) % (size - 2);
		u8 ctrl = data[2];

		data += 3;
		size -= 3;
		if (!len)
			len = size;
		feed(data, len, ctrl);
		data += len;
		size -= len;
	}
	/*
	 * The fake device takes every frame netdev_transmit() lets through:
	 * a refusal means the stack built one too long or too short.
	 */
	net_get_stats(&stats);
	if (stats.drops[NET_DROP_TX_DEVICE] || fuzz_dev.stats.tx_dropped)
		abort();
	return 0;
}
