// SPDX-License-Identifier: GPL-2.0
/* ICMP echo: replies of every size, exact; what is not answered. */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/string.h>
#include "net_test_util.h"

static u8 f[TEST_FRAME_MAX];
static u8 data[TEST_FRAME_MAX];

/* The reply to an echo request of n data bytes built by build_icmp_echo. */
static bool check_echo_reply(struct ktest *t, u16 id, u16 seq, size_t n)
{
	const struct fake_frame *fr = &fake.frames[0];
	const u8 *icmp = fr->data + 34;
	bool ok;

	if (!__KT_CMP(t, "EXPECTATION", fake.nr_frames, ==, 1))
		return false;
	/* back to the MAC the request came from */
	ok = check_eth(t, fr, peer_mac, 0x0800);
	ok &= check_ipv4(t, fr, OUR_IP, PEER_IP, 1, 8 + n);
	if (!ok)
		return false;
	ok &= __KT_CMP(t, "EXPECTATION", icmp[0], ==, 0);
	ok &= __KT_CMP(t, "EXPECTATION", icmp[1], ==, 0);
	ok &= __KT_CMP(t, "EXPECTATION", ref_checksum(icmp, 8 + n, 0), ==, 0);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(icmp + 4), ==, id);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(icmp + 6), ==, seq);
	ok &= __KT_MEM(t, "EXPECTATION", icmp + 8, data, n);
	return ok;
}

static void echo_every_size(struct ktest *t)
{
	struct net_stats s;

	fake_setup();
	for (size_t n = 0; n <= ICMP_MAX_PAYLOAD; n++) {
		u16 seq = (u16)(n * 31 + 1);

		fill_pattern(data, n, (unsigned int)n);
		fake_clear_frames();
		fake_rx(f, build_icmp_echo(f, 8, 0xbeef, seq, data, n));
		if (!check_echo_reply(t, 0xbeef, seq, n)) {
			ktest_fail_msg(t, "EXPECTATION", __FILE__, __LINE__,
				       "echo of %zu data bytes", n);
			break;
		}
	}
	net_get_stats(&s);
	KT_EXPECT_EQ(t, s.echo_replies, ICMP_MAX_PAYLOAD + 1);
	KT_EXPECT_EQ(t, s.icmp.rx, ICMP_MAX_PAYLOAD + 1);
	KT_EXPECT_EQ(t, s.icmp.tx, ICMP_MAX_PAYLOAD + 1);
	KT_EXPECT_EQ(t, total_drops(), 0);
	fake_teardown();
}

/* The corner cases of the checksum: all zeros, all ones, odd lengths. */
static void echo_special_payloads(struct ktest *t)
{
	static const size_t sizes[] = { 1, 2, 3, 63, 64, 1471, 1472 };

	fake_setup();
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (int fill = 0; fill < 2; fill++) {
			memset(data, fill ? 0xff : 0, sizes[i]);
			fake_clear_frames();
			fake_rx(f, build_icmp_echo(f, 8, 0, 0xffff, data, sizes[i]));
			if (!check_echo_reply(t, 0, 0xffff, sizes[i]))
				break;
		}
	}
	fake_teardown();
}

/* Issue 11: RFC 1122 3.2.2.6 lets a host stay silent: no smurf amplifier. */
static void echo_to_broadcast_is_not_answered(struct ktest *t)
{
	static const u32 bcasts[] = { IPV4(10, 0, 2, 255), IPV4_BROADCAST };
	size_t len;

	fake_setup();
	for (unsigned int i = 0; i < ARRAY_SIZE(bcasts); i++) {
		fill_pattern(data, 10, 1);
		len = build_icmp_echo(f, 8, 1, 2, data, 10);
		memcpy(f, bcast_mac, 6);
		put_be32(f + 30, bcasts[i]);
		fix_ipv4_checksum(f);
		fake_rx(f, len);
	}
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ICMP_BROADCAST), 2);
	fake_teardown();
}

static void bad_icmp_checksum_dropped(struct ktest *t)
{
	size_t len;

	fake_setup();
	fill_pattern(data, 100, 3);
	len = build_icmp_echo(f, 8, 1, 2, data, 100);
	f[34 + 8 + 50] ^= 0x80;
	fake_rx(f, len);
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ICMP_CHECKSUM), 1);
	fake_teardown();
}

static void short_icmp_dropped(struct ktest *t)
{
	fake_setup();
	for (size_t n = 0; n < 8; n++) {
		memset(f + 34, 0, 8);
		fake_rx(f, build_ipv4(f, PEER_IP, OUR_IP, 1, n));
	}
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ICMP_SHORT), 8);
	fake_teardown();
}

static void other_types_ignored(struct ktest *t)
{
	fake_setup();
	/* an echo reply, a timestamp request: counted, not answered */
	fake_rx(f, build_icmp_echo(f, 0, 1, 1, data, 4));
	fake_rx(f, build_icmp_echo(f, 13, 1, 1, data, 12));
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ICMP_TYPE), 2);
	fake_teardown();
}

static void reply_over_mtu_dropped(struct ktest *t)
{
	size_t len;

	fake_setup();
	/* larger than the MTU allows: a driver may hand us such a frame */
	fill_pattern(data, ICMP_MAX_PAYLOAD + 100, 5);
	len = build_icmp_echo(f, 8, 1, 1, data, ICMP_MAX_PAYLOAD + 100);
	fake_rx(f, len);
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_TX_TOO_BIG), 1);
	/* a smaller MTU is respected too */
	fake.dev.mtu = 576;
	net_configure(&fake.dev, OUR_IP, OUR_MASK, GW_IP);
	fake_rx(f, build_icmp_echo(f, 8, 1, 1, data, 576 - 28));
	KT_EXPECT_EQ(t, fake.nr_frames, 1);
	fake_rx(f, build_icmp_echo(f, 8, 1, 1, data, 576 - 27));
	KT_EXPECT_EQ(t, fake.nr_frames, 1);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_TX_TOO_BIG), 2);
	fake_teardown();
}

static void device_failure_counted(struct ktest *t)
{
	fake_setup();
	fake.fail_tx = true;
	fake_rx(f, build_icmp_echo(f, 8, 1, 1, data, 10));
	KT_EXPECT_EQ(t, drops_of(NET_DROP_TX_DEVICE), 1);
	fake_teardown();
}

struct seen_reply {
	unsigned int n;
	u32 src;
	u16 id, seq;
	size_t len;
	u8 data[TEST_FRAME_MAX];
};

static void record_reply(void *ctx, u32 src_ip, u16 id, u16 seq,
			 const void *d, size_t len)
{
	struct seen_reply *r = ctx;

	r->n++;
	r->src = src_ip, r->id = id, r->seq = seq, r->len = len;
	memcpy(r->data, d, min(len, sizeof(r->data)));
}

/* Our own echo request goes out exact; its reply, and only a reply, comes back to us. */
static void ping_and_reply(struct ktest *t)
{
	static struct seen_reply r;
	const struct fake_frame *fr = &fake.frames[0];
	const u8 *icmp = fr->data + 34;

	fake_setup();
	fake_learn_peer();
	fake_clear_frames();
	icmp_set_reply_handler(record_reply, &r);
	fill_pattern(data, 100, 3);
	KT_ASSERT_EQ(t, icmp_ping(PEER_IP, 0x1234, 7, data, 100), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	KT_EXPECT_TRUE(t, check_eth(t, fr, peer_mac, 0x0800));
	KT_EXPECT_TRUE(t, check_ipv4(t, fr, OUR_IP, PEER_IP, 1, 8 + 100));
	KT_EXPECT_EQ(t, icmp[0], 8);
	KT_EXPECT_EQ(t, ref_checksum(icmp, 8 + 100, 0), 0);
	KT_EXPECT_EQ(t, get_be16(icmp + 4), 0x1234);
	KT_EXPECT_EQ(t, get_be16(icmp + 6), 7);
	KT_EXPECT_MEMEQ(t, icmp + 8, data, 100);
	/* the reply reaches the handler with what it carried */
	fake_rx(f, build_icmp_echo(f, 0, 0x1234, 7, data, 100));
	KT_EXPECT_EQ(t, r.n, 1);
	KT_EXPECT_EQ(t, r.src, PEER_IP);
	KT_EXPECT_EQ(t, r.id, 0x1234);
	KT_EXPECT_EQ(t, r.seq, 7);
	KT_EXPECT_EQ(t, r.len, 100);
	KT_EXPECT_MEMEQ(t, r.data, data, 100);
	/* a request is still answered, not handed over */
	fake_rx(f, build_icmp_echo(f, 8, 1, 1, data, 4));
	KT_EXPECT_EQ(t, r.n, 1);
	KT_EXPECT_EQ(t, icmp_ping(PEER_IP, 1, 1, data, ICMP_MAX_PAYLOAD + 1), -EMSGSIZE);
	icmp_set_reply_handler(NULL, NULL);
	fake_rx(f, build_icmp_echo(f, 0, 0x1234, 8, data, 100));
	KT_EXPECT_EQ(t, r.n, 1);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ICMP_TYPE), 1);
	fake_teardown();
}

static const struct ktest_case icmp_cases[] = {
	KTEST_CASE(ping_and_reply),
	KTEST_CASE(echo_every_size),
	KTEST_CASE(echo_special_payloads),
	KTEST_CASE(echo_to_broadcast_is_not_answered),
	KTEST_CASE(bad_icmp_checksum_dropped),
	KTEST_CASE(short_icmp_dropped),
	KTEST_CASE(other_types_ignored),
	KTEST_CASE(reply_over_mtu_dropped),
	KTEST_CASE(device_failure_counted),
	{}
};
KTEST_SUITE(net_icmp, icmp_cases);
