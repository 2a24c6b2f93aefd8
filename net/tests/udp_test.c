// SPDX-License-Identifier: GPL-2.0
/* UDP: delivery to bound ports, checksums, lengths, sendto. */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include "net_test_util.h"

static u8 f[TEST_FRAME_MAX];
static u8 data[TEST_FRAME_MAX];

/* What the receive callback saw last. */
static struct {
	unsigned int calls;
	struct udp_meta meta;
	size_t len;
	u8 data[TEST_FRAME_MAX];
	void *ctx;
	bool echo;
} got;

static void record_rx(void *ctx, const struct udp_meta *meta, const void *p,
		      size_t len)
{
	got.calls++;
	got.meta = *meta;
	got.len = len;
	got.ctx = ctx;
	if (len <= sizeof(got.data))
		memcpy(got.data, p, len);
	if (got.echo)
		udp_sendto(meta->dst_port, meta->src_ip, meta->src_port, p, len);
}

static void udp_setup(void)
{
	fake_setup();
	memset(&got, 0, sizeof(got));
	BUG_ON(udp_bind(7, record_rx, &got));
}

/* A datagram we sent: headers, checksum, payload. */
static bool check_udp_out(struct ktest *t, const struct fake_frame *fr,
			  const u8 *mac, u32 dst, u16 sport, u16 dport,
			  const u8 *payload, size_t n)
{
	const u8 *udp = fr->data + 34;
	bool ok = check_eth(t, fr, mac, 0x0800);

	ok &= check_ipv4(t, fr, OUR_IP, dst, 17, 8 + n);
	if (!ok)
		return false;
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(udp), ==, sport);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(udp + 2), ==, dport);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(udp + 4), ==, 8 + n);
	/* always computed, and right */
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(udp + 6), !=, 0);
	ok &= __KT_CMP(t, "EXPECTATION",
		       ref_checksum(udp, 8 + n, ref_pseudo(OUR_IP, dst, 17, 8 + n)), ==, 0);
	ok &= __KT_MEM(t, "EXPECTATION", udp + 8, payload, n);
	return ok;
}

static void delivered_to_bound_port(struct ktest *t)
{
	static const size_t sizes[] = { 0, 1, 2, 7, 8, 63, 64, 512, 1000, 1471, 1472 };

	udp_setup();
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];

		fill_pattern(data, n, i);
		got.calls = 0;
		fake_rx(f, build_udp(f, PEER_IP, 40000 + i, OUR_IP, 7, data, n, true));
		KT_ASSERT_EQ(t, got.calls, 1);
		KT_EXPECT_EQ(t, got.len, n);
		KT_EXPECT_MEMEQ(t, got.data, data, n);
		KT_EXPECT_EQ(t, got.meta.src_ip, PEER_IP);
		KT_EXPECT_EQ(t, got.meta.dst_ip, OUR_IP);
		KT_EXPECT_EQ(t, got.meta.src_port, 40000 + i);
		KT_EXPECT_EQ(t, got.meta.dst_port, 7);
		KT_EXPECT_TRUE(t, got.meta.dev == &fake.dev);
		KT_EXPECT_TRUE(t, got.ctx == &got);
	}
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	KT_EXPECT_EQ(t, total_drops(), 0);
	fake_teardown();
}

static void zero_checksum_accepted(struct ktest *t)
{
	udp_setup();
	fill_pattern(data, 33, 1);
	fake_rx(f, build_udp(f, PEER_IP, 1234, OUR_IP, 7, data, 33, false));
	KT_EXPECT_EQ(t, get_be16(f + 40), 0);
	KT_EXPECT_EQ(t, got.calls, 1);
	KT_EXPECT_EQ(t, got.len, 33);
	KT_EXPECT_EQ(t, total_drops(), 0);
	fake_teardown();
}

static void wrong_checksum_dropped(struct ktest *t)
{
	size_t len;

	udp_setup();
	fill_pattern(data, 33, 1);
	len = build_udp(f, PEER_IP, 1234, OUR_IP, 7, data, 33, true);
	f[42 + 10] ^= 0x04;
	fake_rx(f, len);
	KT_EXPECT_EQ(t, got.calls, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_CHECKSUM), 1);
	/* the pseudo-header counts: the same datagram from another source */
	len = build_udp(f, PEER_IP, 1234, OUR_IP, 7, data, 33, true);
	put_be32(f + 26, OTHER_IP);
	fix_ipv4_checksum(f);
	fake_rx(f, len);
	KT_EXPECT_EQ(t, got.calls, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_CHECKSUM), 2);
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	fake_teardown();
}

static void bad_lengths_dropped(struct ktest *t)
{
	size_t len;

	udp_setup();
	/* length field beyond the IP payload */
	len = build_udp(f, PEER_IP, 1234, OUR_IP, 7, data, 20, false);
	put_be16(f + 38, 8 + 21);
	fake_rx(f, len);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_LENGTH), 1);
	put_be16(f + 38, 0xffff);
	fake_rx(f, len);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_LENGTH), 2);
	/* length field below the header */
	for (u16 ulen = 0; ulen < 8; ulen++) {
		put_be16(f + 38, ulen);
		fake_rx(f, len);
	}
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_LENGTH), 10);
	/* IP payload below the header */
	for (size_t n = 0; n < 8; n++) {
		memset(f + 34, 0, 8);
		fake_rx(f, build_ipv4(f, PEER_IP, OUR_IP, 17, n));
	}
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_SHORT), 8);
	KT_EXPECT_EQ(t, got.calls, 0);
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	fake_teardown();
}

/* Bytes after the UDP length inside the IP payload are not data. */
static void shorter_udp_length_trims(struct ktest *t)
{
	size_t len;

	udp_setup();
	fill_pattern(data, 30, 9);
	len = build_udp(f, PEER_IP, 1234, OUR_IP, 7, data, 30, false);
	put_be16(f + 38, 8 + 10);
	fake_rx(f, len);
	KT_ASSERT_EQ(t, got.calls, 1);
	KT_EXPECT_EQ(t, got.len, 10);
	KT_EXPECT_MEMEQ(t, got.data, data, 10);
	fake_teardown();
}

static void unbound_port_unreachable(struct ktest *t)
{
	const u8 *icmp;
	u8 sent[34 + 8];
	size_t len;

	udp_setup();
	fill_pattern(data, 40, 2);
	len = build_udp(f, PEER_IP, 5555, OUR_IP, 9, data, 40, true);
	memcpy(sent, f, sizeof(sent));
	fake_rx(f, len);
	KT_EXPECT_EQ(t, got.calls, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_NO_PORT), 1);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	/* RFC 792: type 3 code 3, the IP header and 8 bytes quoted */
	check_eth(t, &fake.frames[0], peer_mac, 0x0800);
	check_ipv4(t, &fake.frames[0], OUR_IP, PEER_IP, 1, 8 + 28);
	icmp = fake.frames[0].data + 34;
	KT_EXPECT_EQ(t, icmp[0], 3);
	KT_EXPECT_EQ(t, icmp[1], 3);
	KT_EXPECT_EQ(t, ref_checksum(icmp, 8 + 28, 0), 0);
	KT_EXPECT_EQ(t, get_be32(icmp + 4), 0);
	KT_EXPECT_MEMEQ(t, icmp + 8, sent + 14, 28);
	fake_teardown();
}

/* Issue 11: a flood to a closed port gets a burst of answers, then ten a second. */
static void unreachable_is_rate_limited(struct ktest *t)
{
	size_t len;

	udp_setup();
	for (unsigned int i = 0; i < 100; i++) {
		len = build_udp(f, PEER_IP, 5555, OUR_IP, 9, data, 10, true);
		fake_rx(f, len);
	}
	KT_EXPECT_EQ(t, fake.nr_frames + fake.nr_lost, 10);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ICMP_RATE), 90);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_NO_PORT), 100);
	fake_clear_frames();
	/* A second later: ten more tokens, no more. */
	fake_time_ns += NSEC_PER_SEC;
	for (unsigned int i = 0; i < 20; i++) {
		len = build_udp(f, PEER_IP, 5555, OUR_IP, 9, data, 10, true);
		fake_rx(f, len);
	}
	KT_EXPECT_EQ(t, fake.nr_frames + fake.nr_lost, 10);
	fake_clear_frames();
	/* At the refill rate: one per 100 ms, each answered. */
	for (unsigned int i = 0; i < 5; i++) {
		fake_time_ns += 100 * NSEC_PER_MSEC;
		len = build_udp(f, PEER_IP, 5555, OUR_IP, 9, data, 10, true);
		fake_rx(f, len);
	}
	KT_EXPECT_EQ(t, fake.nr_frames, 5);
	fake_teardown();
}

static void broadcast_unbound_is_silent(struct ktest *t)
{
	size_t len;

	udp_setup();
	len = build_udp(f, PEER_IP, 68, IPV4_BROADCAST, 67, data, 10, true);
	memcpy(f, bcast_mac, 6);
	fake_rx(f, len);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_NO_PORT), 1);
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	/* to a bound port a broadcast is delivered */
	len = build_udp(f, PEER_IP, 68, IPV4_BROADCAST, 7, data, 10, true);
	memcpy(f, bcast_mac, 6);
	fake_rx(f, len);
	KT_EXPECT_EQ(t, got.calls, 1);
	KT_EXPECT_EQ(t, got.meta.dst_ip, IPV4_BROADCAST);
	fake_teardown();
}

static void sendto_builds_datagram(struct ktest *t)
{
	static const size_t sizes[] = { 0, 1, 17, 64, 1000, 1472 };

	udp_setup();
	fake_learn_peer();
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill_pattern(data, sizes[i], 40 + i);
		fake_clear_frames();
		KT_ASSERT_EQ(t, udp_sendto(7, PEER_IP, 50000, data, sizes[i]), 0);
		KT_ASSERT_EQ(t, fake.nr_frames, 1);
		check_udp_out(t, &fake.frames[0], peer_mac, PEER_IP, 7, 50000,
			      data, sizes[i]);
	}
	fake_teardown();
}

/* A sum of zero goes out as ffff: zero would mean "no checksum". */
static void computed_zero_sent_as_ffff(struct ktest *t)
{
	u8 p[4] = { 0x12, 0x34, 0, 0 };
	u8 udp[12] = { 0, 7, 0xc3, 0x50, 0, 12, 0, 0, 0x12, 0x34, 0, 0 };
	u16 c;

	udp_setup();
	fake_learn_peer();
	/* choose the last two bytes so that the checksum comes out zero */
	c = ref_checksum(udp, sizeof(udp), ref_pseudo(OUR_IP, PEER_IP, 17, 12));
	put_be16(p + 2, c);
	put_be16(udp + 10, c);
	KT_ASSERT_EQ(t, ref_checksum(udp, sizeof(udp),
				     ref_pseudo(OUR_IP, PEER_IP, 17, 12)), 0);
	KT_ASSERT_EQ(t, udp_sendto(7, PEER_IP, 50000, p, sizeof(p)), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	KT_EXPECT_EQ(t, get_be16(fake.frames[0].data + 40), 0xffff);
	check_udp_out(t, &fake.frames[0], peer_mac, PEER_IP, 7, 50000, p, 4);
	/* and comes back in as valid */
	fake_rx(f, build_udp(f, PEER_IP, 50000, OUR_IP, 7, p, 4, true));
	KT_EXPECT_EQ(t, got.calls, 1);
	fake_teardown();
}

static void sendto_errors(struct ktest *t)
{
	udp_setup();
	fake_learn_peer();
	KT_EXPECT_EQ(t, udp_sendto(7, PEER_IP, 9, data, UDP_MAX_PAYLOAD + 1), -EMSGSIZE);
	KT_EXPECT_EQ(t, udp_sendto(7, PEER_IP, 9, data, (size_t)-1), -EMSGSIZE);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_TX_TOO_BIG), 2);
	fake.fail_tx = true;
	KT_EXPECT_EQ(t, udp_sendto(7, PEER_IP, 9, data, 10), -EIO);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_TX_DEVICE), 1);
	fake.fail_tx = false;
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	net_unconfigure(&fake.dev);
	KT_EXPECT_EQ(t, udp_sendto(7, PEER_IP, 9, data, 10), -ENETUNREACH);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_TX_NO_ROUTE), 1);
	/* without a gateway only the subnet is reachable */
	net_configure(&fake.dev, OUR_IP, OUR_MASK, 0);
	KT_EXPECT_EQ(t, udp_sendto(7, IPV4(192, 0, 2, 1), 9, data, 10), -ENETUNREACH);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_TX_NO_ROUTE), 2);
	fake_teardown();
}

static void bind_rules(struct ktest *t)
{
	udp_setup();
	KT_EXPECT_EQ(t, udp_bind(7, record_rx, NULL), -EADDRINUSE);
	KT_EXPECT_EQ(t, udp_bind(0, record_rx, NULL), -EINVAL);
	KT_EXPECT_EQ(t, udp_bind(8, NULL, NULL), -EINVAL);
	udp_unbind(7);
	KT_EXPECT_EQ(t, udp_bind(7, record_rx, NULL), 0);
	/* the table fills up, and frees again */
	for (u16 port = 100; port < 100 + 7; port++)
		KT_EXPECT_EQ(t, udp_bind(port, record_rx, NULL), 0);
	KT_EXPECT_EQ(t, udp_bind(200, record_rx, NULL), -ENOSPC);
	udp_unbind(103);
	KT_EXPECT_EQ(t, udp_bind(200, record_rx, NULL), 0);
	/* unbound: no longer delivered */
	udp_unbind(7);
	fake_rx(f, build_udp(f, PEER_IP, 1, OUR_IP, 7, data, 1, true));
	KT_EXPECT_EQ(t, got.calls, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_UDP_NO_PORT), 1);
	fake_teardown();
}

/* What netecho does: answer from inside the receive callback. */
static void echo_from_callback(struct ktest *t)
{
	size_t n = 1472;

	udp_setup();
	fake_learn_peer();
	got.echo = true;
	fill_pattern(data, n, 77);
	fake_rx(f, build_udp(f, PEER_IP, 40001, OUR_IP, 7, data, n, true));
	KT_ASSERT_EQ(t, got.calls, 1);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_udp_out(t, &fake.frames[0], peer_mac, PEER_IP, 7, 40001, data, n);
	fake_teardown();
}

static const struct ktest_case udp_cases[] = {
	KTEST_CASE(delivered_to_bound_port),
	KTEST_CASE(zero_checksum_accepted),
	KTEST_CASE(wrong_checksum_dropped),
	KTEST_CASE(bad_lengths_dropped),
	KTEST_CASE(shorter_udp_length_trims),
	KTEST_CASE(unbound_port_unreachable),
	KTEST_CASE(unreachable_is_rate_limited),
	KTEST_CASE(broadcast_unbound_is_silent),
	KTEST_CASE(sendto_builds_datagram),
	KTEST_CASE(computed_zero_sent_as_ffff),
	KTEST_CASE(sendto_errors),
	KTEST_CASE(bind_rules),
	KTEST_CASE(echo_from_callback),
	{}
};
KTEST_SUITE(net_udp, udp_cases);
