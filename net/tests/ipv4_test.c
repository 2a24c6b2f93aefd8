// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed Ethernet and IPv4 input: each frame must be dropped with its
 * reason counted and nothing sent.  Frames end at the end of a buffer
 * (fake_rx), so on the host ASan sees any read past them.
 */
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/string.h>
#include "net_test_util.h"

static u8 f[TEST_FRAME_MAX];
static const u8 payload[32] = "0123456789abcdefghijklmnopqrstu";

/* A valid echo request with 32 bytes of data; returns its length. */
static size_t good_echo(void)
{
	return build_icmp_echo(f, 8, 0x4242, 1, payload, sizeof(payload));
}

/* Feeds f[0..len) and expects exactly one drop, for why, and silence. */
static void expect_drop(struct ktest *t, size_t len, enum net_drop_reason why)
{
	unsigned long before = drops_of(why), total = total_drops();

	fake_clear_frames();
	fake_rx(f, len);
	if (!__KT_CMP(t, "EXPECTATION", drops_of(why) - before, ==, 1))
		ktest_fail_msg(t, "EXPECTATION", __FILE__, __LINE__,
			       "no %s drop for a %zu-byte frame",
			       net_drop_name(why), len);
	KT_EXPECT_EQ(t, total_drops() - total, 1);
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
}

static void valid_frame_is_answered(struct ktest *t)
{
	fake_setup();
	fake_rx(f, good_echo());
	KT_EXPECT_EQ(t, fake.nr_frames, 1);
	KT_EXPECT_EQ(t, total_drops(), 0);
	fake_teardown();
}

static void shorter_than_ethernet(struct ktest *t)
{
	fake_setup();
	good_echo();
	for (size_t len = 0; len < 14; len++)
		expect_drop(t, len, NET_DROP_ETH_SHORT);
	fake_teardown();
}

static void shorter_than_ip_header(struct ktest *t)
{
	fake_setup();
	good_echo();
	for (size_t len = 14; len < 34; len++)
		expect_drop(t, len, NET_DROP_IP_SHORT);
	fake_teardown();
}

static void not_our_ethernet(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	memcpy(f, other_mac, 6);
	expect_drop(t, len, NET_DROP_ETH_NOT_OURS);
	f[0] = 0x01;		/* multicast: we joined no group */
	expect_drop(t, len, NET_DROP_ETH_NOT_OURS);
	memcpy(f, our_mac, 6);
	put_be16(f + 12, 0x86dd);	/* IPv6 */
	expect_drop(t, len, NET_DROP_ETH_TYPE);
	put_be16(f + 12, 0x8100);	/* a VLAN tag */
	expect_drop(t, len, NET_DROP_ETH_TYPE);
	fake_teardown();
}

static void bad_version(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	f[14] = 0x65;
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_VERSION);
	f[14] = 0x05;
	expect_drop(t, len, NET_DROP_IP_VERSION);
	fake_teardown();
}

static void ihl_below_five(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	for (u8 ihl = 0; ihl < 5; ihl++) {
		f[14] = 0x40 | ihl;
		expect_drop(t, len, NET_DROP_IP_IHL);
	}
	fake_teardown();
}

static void ihl_beyond_frame(struct ktest *t)
{
	fake_setup();
	/* 15 * 4 = 60 header bytes, the frame has 20 + 8 after Ethernet */
	build_icmp_echo(f, 8, 1, 1, payload, 0);
	f[14] = 0x4f;
	expect_drop(t, 14 + 28, NET_DROP_IP_TRUNCATED);
	/* 24 bytes of header in frames cut at 20 to 23 */
	f[14] = 0x46;
	put_be16(f + 16, 24);
	for (size_t len = 20; len < 24; len++)
		expect_drop(t, 14 + len, NET_DROP_IP_TRUNCATED);
	fake_teardown();
}

static void total_length_beyond_frame(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	put_be16(f + 16, (u16)(len - 14 + 1));
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_TRUNCATED);
	put_be16(f + 16, 0xffff);
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_TRUNCATED);
	/* the frame cut short of what the header says */
	len = good_echo();
	expect_drop(t, len - 1, NET_DROP_IP_TRUNCATED);
	fake_teardown();
}

static void total_length_below_header(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	for (u16 tot = 0; tot < 20; tot++) {
		put_be16(f + 16, tot);
		fix_ipv4_checksum(f);
		expect_drop(t, len, NET_DROP_IP_LENGTH);
	}
	/* with options: 24 bytes of header, 22 total */
	f[14] = 0x46;
	put_be16(f + 16, 22);
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_LENGTH);
	fake_teardown();
}

static void bad_header_checksum(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	f[24] ^= 0x01;
	expect_drop(t, len, NET_DROP_IP_CHECKSUM);
	f[24] ^= 0x01;
	f[22] = 1;		/* TTL changed, checksum not */
	expect_drop(t, len, NET_DROP_IP_CHECKSUM);
	fake_teardown();
}

static void fragments_are_dropped(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	put_be16(f + 20, 0x2000);		/* more fragments */
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_FRAGMENT);
	put_be16(f + 20, 0x0001);		/* the second piece */
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_FRAGMENT);
	put_be16(f + 20, 0x1fff);		/* the last one possible */
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_FRAGMENT);
	/* don't-fragment alone is a whole datagram */
	put_be16(f + 20, 0x4000);
	fix_ipv4_checksum(f);
	fake_clear_frames();
	fake_rx(f, len);
	KT_EXPECT_EQ(t, fake.nr_frames, 1);
	fake_teardown();
}

static void addresses_checked(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	put_be32(f + 30, OTHER_IP);
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_NOT_OURS);
	put_be32(f + 30, OUR_IP);
	put_be32(f + 26, IPV4_BROADCAST);
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_BAD_SRC);
	put_be32(f + 26, IPV4(10, 0, 2, 255));
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_BAD_SRC);
	put_be32(f + 26, IPV4(224, 0, 0, 1));
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_BAD_SRC);
	fake_teardown();
}

static void unknown_protocol(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	f[23] = 6;		/* TCP */
	fix_ipv4_checksum(f);
	expect_drop(t, len, NET_DROP_IP_PROTO);
	fake_teardown();
}

/* Ethernet pads short frames: the IP total length says where data ends. */
static void padding_is_ignored(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = build_icmp_echo(f, 8, 7, 9, payload, 4);
	memset(f + len, 0xee, 18);
	fake_rx(f, len + 18);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_ipv4(t, &fake.frames[0], OUR_IP, PEER_IP, 1, 8 + 4);
	KT_EXPECT_MEMEQ(t, fake.frames[0].data + 42, payload, 4);
	KT_EXPECT_EQ(t, total_drops(), 0);
	fake_teardown();
}

static void options_are_skipped(struct ktest *t)
{
	u8 echo[8 + 16];
	size_t len;

	fake_setup();
	len = build_icmp_echo(f, 8, 7, 9, payload, 16);
	memcpy(echo, f + 34, sizeof(echo));
	/* four NOP options between the header and the ICMP message */
	memcpy(f + 38, echo, sizeof(echo));
	memset(f + 34, 1, 4);
	f[14] = 0x46;
	put_be16(f + 16, (u16)(24 + sizeof(echo)));
	fix_ipv4_checksum(f);
	fake_rx(f, len + 4);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	/* the reply has no options */
	check_ipv4(t, &fake.frames[0], OUR_IP, PEER_IP, 1, sizeof(echo));
	KT_EXPECT_MEMEQ(t, fake.frames[0].data + 34 + 4, echo + 4, sizeof(echo) - 4);
	fake_teardown();
}

/* Any TTL is accepted (RFC 1122 3.2.1.7); replies never carry 0. */
static void low_ttl_is_accepted(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	f[22] = 0;
	fix_ipv4_checksum(f);
	fake_rx(f, len);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	KT_EXPECT_GT(t, fake.frames[0].data[22], 0);
	fake_teardown();
}

/* Every length of a valid frame cut short: dropped, never over-read. */
static void every_truncation(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = good_echo();
	for (size_t cut = 0; cut < len; cut++) {
		unsigned long before = total_drops();

		fake_clear_frames();
		good_echo();
		fake_rx(f, cut);
		KT_EXPECT_EQ(t, total_drops() - before, 1);
		KT_EXPECT_EQ(t, fake.nr_frames, 0);
	}
	fake_teardown();
}

static const struct ktest_case ipv4_cases[] = {
	KTEST_CASE(valid_frame_is_answered),
	KTEST_CASE(shorter_than_ethernet),
	KTEST_CASE(shorter_than_ip_header),
	KTEST_CASE(not_our_ethernet),
	KTEST_CASE(bad_version),
	KTEST_CASE(ihl_below_five),
	KTEST_CASE(ihl_beyond_frame),
	KTEST_CASE(total_length_beyond_frame),
	KTEST_CASE(total_length_below_header),
	KTEST_CASE(bad_header_checksum),
	KTEST_CASE(fragments_are_dropped),
	KTEST_CASE(addresses_checked),
	KTEST_CASE(unknown_protocol),
	KTEST_CASE(padding_is_ignored),
	KTEST_CASE(options_are_skipped),
	KTEST_CASE(low_ttl_is_accepted),
	KTEST_CASE(every_truncation),
	{}
};
KTEST_SUITE(net_ipv4, ipv4_cases);
