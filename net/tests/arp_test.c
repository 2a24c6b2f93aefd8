// SPDX-License-Identifier: GPL-2.0
/* ARP: answering for our address, resolving next hops, retries, timeout. */
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include "net_test_util.h"

static u8 f[TEST_FRAME_MAX];
static const u8 no_mac[6];

static bool check_arp(struct ktest *t, const struct fake_frame *fr, u16 op,
		      const u8 *eth_dst, const u8 *tha, u32 tpa)
{
	const u8 *a = fr->data + 14;
	bool ok = check_eth(t, fr, eth_dst, 0x0806);

	ok &= __KT_CMP(t, "EXPECTATION", fr->len, ==, 60);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(a), ==, 1);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(a + 2), ==, 0x0800);
	ok &= __KT_CMP(t, "EXPECTATION", a[4], ==, 6);
	ok &= __KT_CMP(t, "EXPECTATION", a[5], ==, 4);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(a + 6), ==, op);
	ok &= __KT_MEM(t, "EXPECTATION", a + 8, our_mac, 6);
	ok &= __KT_CMP(t, "EXPECTATION", get_be32(a + 14), ==, OUR_IP);
	ok &= __KT_MEM(t, "EXPECTATION", a + 18, tha, 6);
	ok &= __KT_CMP(t, "EXPECTATION", get_be32(a + 24), ==, tpa);
	return ok;
}

static void request_for_us_is_answered(struct ktest *t)
{
	struct net_stats s;

	fake_setup();
	fake_rx(f, build_arp(f, 1, peer_mac, PEER_IP, bcast_mac, OUR_IP));
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_arp(t, &fake.frames[0], 2, peer_mac, peer_mac, PEER_IP);
	net_get_stats(&s);
	KT_EXPECT_EQ(t, s.arp.rx, 1);
	KT_EXPECT_EQ(t, s.arp.tx, 1);
	KT_EXPECT_EQ(t, total_drops(), 0);
	fake_teardown();
}

/* ip is not in the cache: a datagram to it asks first. */
static void expect_asked_first(struct ktest *t, u32 ip)
{
	fake_clear_frames();
	KT_EXPECT_EQ(t, udp_sendto(1000, ip, 7, "x", 1), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_arp(t, &fake.frames[0], 1, bcast_mac, no_mac, ip);
}

static void request_for_other_ip_is_ignored(struct ktest *t)
{
	fake_setup();
	fake_rx(f, build_arp(f, 1, peer_mac, PEER_IP, bcast_mac, OTHER_IP));
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_NOT_OURS), 1);
	/* nor was the sender learnt */
	expect_asked_first(t, PEER_IP);
	fake_teardown();
}

static void malformed_arp_is_dropped(struct ktest *t)
{
	size_t len;

	fake_setup();
	len = build_arp(f, 1, peer_mac, PEER_IP, bcast_mac, OUR_IP);
	fake_rx(f, 14 + 27);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_SHORT), 1);
	f[15] = 6;		/* hardware type IEEE 802 */
	fake_rx(f, len);
	f[15] = 1;
	f[18] = 8;		/* hardware address length */
	fake_rx(f, len);
	f[18] = 6;
	f[21] = 3;		/* RARP request */
	fake_rx(f, len);
	f[21] = 1;
	f[22] = 0x01;		/* multicast sender */
	fake_rx(f, len);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_FORMAT), 4);
	KT_EXPECT_EQ(t, fake.nr_frames, 0);
	KT_EXPECT_EQ(t, total_drops(), 5);
	fake_teardown();
}

static void request_teaches_sender(struct ktest *t)
{
	fake_setup();
	fake_rx(f, build_arp(f, 1, peer_mac, PEER_IP, bcast_mac, OUR_IP));
	fake_clear_frames();
	KT_EXPECT_EQ(t, udp_sendto(1000, PEER_IP, 7, "hi", 2), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_eth(t, &fake.frames[0], peer_mac, 0x0800);
	fake_teardown();
}

static void next_hop_is_resolved(struct ktest *t)
{
	static const u8 data[] = "resolve me";

	fake_setup();
	KT_EXPECT_EQ(t, udp_sendto(1000, OTHER_IP, 9, data, sizeof(data)), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_arp(t, &fake.frames[0], 1, bcast_mac, no_mac, OTHER_IP);
	fake_clear_frames();
	/* the answer releases the datagram, to the MAC it gave */
	fake_rx(f, build_arp(f, 2, other_mac, OTHER_IP, our_mac, OUR_IP));
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_eth(t, &fake.frames[0], other_mac, 0x0800);
	check_ipv4(t, &fake.frames[0], OUR_IP, OTHER_IP, 17, 8 + sizeof(data));
	KT_EXPECT_MEMEQ(t, fake.frames[0].data + 42, data, sizeof(data));
	fake_clear_frames();
	/* and the next one goes at once */
	KT_EXPECT_EQ(t, udp_sendto(1000, OTHER_IP, 9, data, 1), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_eth(t, &fake.frames[0], other_mac, 0x0800);
	KT_EXPECT_EQ(t, total_drops(), 0);
	fake_teardown();
}

static void off_subnet_goes_to_gateway(struct ktest *t)
{
	fake_setup();
	KT_EXPECT_EQ(t, udp_sendto(1000, IPV4(192, 0, 2, 1), 9, "x", 1), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_arp(t, &fake.frames[0], 1, bcast_mac, no_mac, GW_IP);
	fake_clear_frames();
	fake_rx(f, build_arp(f, 2, peer_mac, GW_IP, our_mac, OUR_IP));
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_eth(t, &fake.frames[0], peer_mac, 0x0800);
	check_ipv4(t, &fake.frames[0], OUR_IP, IPV4(192, 0, 2, 1), 17, 9);
	fake_teardown();
}

static void broadcast_needs_no_arp(struct ktest *t)
{
	fake_setup();
	KT_EXPECT_EQ(t, udp_sendto(68, IPV4_BROADCAST, 67, "x", 1), 0);
	KT_EXPECT_EQ(t, udp_sendto(68, IPV4(10, 0, 2, 255), 67, "x", 1), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 2);
	check_eth(t, &fake.frames[0], bcast_mac, 0x0800);
	check_eth(t, &fake.frames[1], bcast_mac, 0x0800);
	fake_teardown();
}

static void retries_then_times_out(struct ktest *t)
{
	fake_setup();
	KT_EXPECT_EQ(t, udp_sendto(1000, OTHER_IP, 9, "x", 1), 0);
	KT_EXPECT_EQ(t, fake.nr_frames, 1);
	fake_time_ns += 500 * NSEC_PER_MSEC;
	net_poll();
	KT_EXPECT_EQ(t, fake.nr_frames, 1);
	fake_time_ns += 500 * NSEC_PER_MSEC;
	net_poll();
	KT_EXPECT_EQ(t, fake.nr_frames, 2);
	fake_time_ns += NSEC_PER_SEC;
	net_poll();
	KT_ASSERT_EQ(t, fake.nr_frames, 3);
	check_arp(t, &fake.frames[2], 1, bcast_mac, no_mac, OTHER_IP);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_TIMEOUT), 0);
	/* three requests unanswered: the datagram is given up */
	fake_time_ns += NSEC_PER_SEC;
	net_poll();
	KT_EXPECT_EQ(t, fake.nr_frames, 3);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_TIMEOUT), 1);
	fake_time_ns += 10 * NSEC_PER_SEC;
	net_poll();
	KT_EXPECT_EQ(t, fake.nr_frames, 3);
	/* a late answer sends nothing: the datagram is gone, nobody asks now */
	fake_rx(f, build_arp(f, 2, other_mac, OTHER_IP, our_mac, OUR_IP));
	KT_EXPECT_EQ(t, fake.nr_frames, 3);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_UNSOLICITED), 1);
	KT_EXPECT_EQ(t, total_drops(), 2);
	fake_teardown();
}

static void newest_datagram_waits(struct ktest *t)
{
	fake_setup();
	KT_EXPECT_EQ(t, udp_sendto(1000, OTHER_IP, 9, "first", 5), 0);
	KT_EXPECT_EQ(t, udp_sendto(1000, OTHER_IP, 9, "second", 6), 0);
	/* one request only */
	KT_EXPECT_EQ(t, fake.nr_frames, 1);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_REPLACED), 1);
	fake_clear_frames();
	fake_rx(f, build_arp(f, 2, other_mac, OTHER_IP, our_mac, OUR_IP));
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	KT_EXPECT_MEMEQ(t, fake.frames[0].data + 42, "second", 6);
	fake_teardown();
}

static void entries_expire(struct ktest *t)
{
	fake_setup();
	fake_learn_peer();
	fake_time_ns += 301 * NSEC_PER_SEC;
	net_poll();
	/* forgotten: asked again */
	KT_EXPECT_EQ(t, udp_sendto(1000, PEER_IP, 7, "x", 1), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_arp(t, &fake.frames[0], 1, bcast_mac, no_mac, PEER_IP);
	fake_teardown();
}

static void cache_overflow_evicts(struct ktest *t)
{
	/* more neighbours than entries, all answered: every datagram leaves */
	fake_setup();
	for (unsigned int i = 0; i < 20; i++) {
		u32 ip = IPV4(10, 0, 2, 100 + i);
		u8 mac[6] = { 0x02, 0, 0, 0, 1, (u8)i };

		fake_clear_frames();
		fake_time_ns += NSEC_PER_MSEC;
		KT_EXPECT_EQ(t, udp_sendto(1000, ip, 9, "x", 1), 0);
		fake_rx(f, build_arp(f, 2, mac, ip, our_mac, OUR_IP));
		if (!__KT_CMP(t, "EXPECTATION", fake.nr_frames, ==, 2))
			break;
		KT_EXPECT_MEMEQ(t, fake.frames[1].data, mac, 6);
	}
	KT_EXPECT_EQ(t, total_drops(), 0);
	fake_teardown();
}

/* Issue 11: a reply nobody asked for neither takes a slot nor redirects one. */
static void unsolicited_reply_changes_nothing(struct ktest *t)
{
	fake_setup();
	fake_rx(f, build_arp(f, 2, other_mac, OTHER_IP, our_mac, OUR_IP));
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_UNSOLICITED), 1);
	expect_asked_first(t, OTHER_IP);
	fake_teardown();
}

static void resolved_entry_keeps_its_mac(struct ktest *t)
{
	static const u8 data[] = "still to the peer";

	fake_setup();
	fake_learn_peer();
	/*
	 * Another station claims the peer's address, by reply and by
	 * request: the peer is asked at its own MAC, the request answered.
	 */
	fake_clear_frames();
	fake_rx(f, build_arp(f, 2, other_mac, PEER_IP, our_mac, OUR_IP));
	fake_rx(f, build_arp(f, 1, other_mac, PEER_IP, bcast_mac, OUR_IP));
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_CONFLICT), 2);
	KT_ASSERT_EQ(t, fake.nr_frames, 2);
	check_arp(t, &fake.frames[0], 1, peer_mac, no_mac, PEER_IP);
	check_arp(t, &fake.frames[1], 2, other_mac, other_mac, PEER_IP);
	fake_clear_frames();
	KT_EXPECT_EQ(t, udp_sendto(1000, PEER_IP, 7, data, sizeof(data)), 0);
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_eth(t, &fake.frames[0], peer_mac, 0x0800);
	/* The peer itself refreshes it; once expired, the new owner may answer. */
	fake_rx(f, build_arp(f, 2, peer_mac, PEER_IP, our_mac, OUR_IP));
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_CONFLICT), 2);
	fake_time_ns += 301 * NSEC_PER_SEC;
	net_poll();
	expect_asked_first(t, PEER_IP);
	fake_clear_frames();
	fake_rx(f, build_arp(f, 2, other_mac, PEER_IP, our_mac, OUR_IP));
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_eth(t, &fake.frames[0], other_mac, 0x0800);
	fake_teardown();
}

/*
 * The peer restarted with another MAC and asks for us: it gets its
 * answer at once, and once its old MAC has not answered ARP_MAX_TRIES
 * requests (seconds, not ARP_VALID_NS) our traffic follows it.
 */
static void neighbour_with_a_new_mac_is_followed(struct ktest *t)
{
	fake_setup();
	fake_learn_peer();
	fake_clear_frames();
	fake_rx(f, build_arp(f, 1, other_mac, PEER_IP, bcast_mac, OUR_IP));
	KT_ASSERT_EQ(t, fake.nr_frames, 2);
	check_arp(t, &fake.frames[0], 1, peer_mac, no_mac, PEER_IP);
	check_arp(t, &fake.frames[1], 2, other_mac, other_mac, PEER_IP);
	/* Asked twice more at the old MAC, a second apart; nobody answers. */
	for (unsigned int i = 1; i < 3; i++) {
		fake_time_ns += NSEC_PER_SEC;
		net_poll();
		KT_ASSERT_EQ(t, fake.nr_frames, 2 + i);
		check_arp(t, &fake.frames[1 + i], 1, peer_mac, no_mac, PEER_IP);
	}
	fake_time_ns += NSEC_PER_SEC;
	net_poll();
	KT_EXPECT_EQ(t, fake.nr_frames, 4);
	/* Forgotten: the next datagram asks everyone, the new MAC answers. */
	expect_asked_first(t, PEER_IP);
	fake_clear_frames();
	fake_rx(f, build_arp(f, 2, other_mac, PEER_IP, our_mac, OUR_IP));
	KT_ASSERT_EQ(t, fake.nr_frames, 1);
	check_eth(t, &fake.frames[0], other_mac, 0x0800);
	KT_EXPECT_EQ(t, drops_of(NET_DROP_ARP_CONFLICT), 1);
	fake_teardown();
}

static const struct ktest_case arp_cases[] = {
	KTEST_CASE(request_for_us_is_answered),
	KTEST_CASE(request_for_other_ip_is_ignored),
	KTEST_CASE(malformed_arp_is_dropped),
	KTEST_CASE(request_teaches_sender),
	KTEST_CASE(next_hop_is_resolved),
	KTEST_CASE(off_subnet_goes_to_gateway),
	KTEST_CASE(broadcast_needs_no_arp),
	KTEST_CASE(retries_then_times_out),
	KTEST_CASE(newest_datagram_waits),
	KTEST_CASE(entries_expire),
	KTEST_CASE(cache_overflow_evicts),
	KTEST_CASE(unsolicited_reply_changes_nothing),
	KTEST_CASE(resolved_entry_keeps_its_mac),
	KTEST_CASE(neighbour_with_a_new_mac_is_followed),
	{}
};
KTEST_SUITE(net_arp, arp_cases);
