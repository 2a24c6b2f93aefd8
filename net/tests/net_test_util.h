/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the net suites share: a fake netdev whose transmit keeps copies
 * of the frames, a fake clock, and frame builders written byte by byte,
 * independently of the stack's own structures, so that a wrong offset
 * or byte order in the stack does not cancel out in the test.
 */
#ifndef _NET_TESTS_NET_TEST_UTIL_H
#define _NET_TESTS_NET_TEST_UTIL_H

#include <pvkit/net.h>
#include <pvkit/netdev.h>
#include <pvkit/types.h>

#define FAKE_MAX_FRAMES	8
/* Room for frames larger than the MTU allows, to test oversize input. */
#define TEST_FRAME_MAX	2048

struct fake_frame {
	size_t len;
	u8 data[TEST_FRAME_MAX];
};

struct fake_netdev {
	struct netdev dev;
	unsigned int nr_frames;		/* transmitted since fake_setup() */
	unsigned int nr_lost;		/* beyond FAKE_MAX_FRAMES */
	unsigned int nr_polls;
	bool fail_tx;
	struct fake_frame frames[FAKE_MAX_FRAMES];
};

extern struct fake_netdev fake;
extern u64 fake_time_ns;

#define OUR_IP		IPV4(10, 0, 2, 15)
#define OUR_MASK	IPV4(255, 255, 255, 0)
#define GW_IP		IPV4(10, 0, 2, 2)
#define PEER_IP		IPV4(10, 0, 2, 2)
#define OTHER_IP	IPV4(10, 0, 2, 99)
extern const u8 our_mac[6], peer_mac[6], other_mac[6], bcast_mac[6];

/* Fake netdev set up and configured as OUR_IP/24 gw GW_IP; stats zeroed. */
void fake_setup(void);
void fake_teardown(void);
void fake_clear_frames(void);
/*
 * Hands frame to the stack from the very end of a buffer, so that on the
 * host AddressSanitizer catches a read of even one byte past it.
 */
void fake_rx(const void *frame, size_t len);
/* Teaches the stack PEER_IP is at peer_mac (an ARP request from it). */
void fake_learn_peer(void);

void put_be16(u8 *p, u16 v);
void put_be32(u8 *p, u32 v);
u16 get_be16(const u8 *p);
u32 get_be32(const u8 *p);

/* Reference checksum: plain RFC 1071, byte pairs into a 32-bit sum. */
u16 ref_checksum(const u8 *p, size_t len, u32 sum);
u32 ref_pseudo(u32 src, u32 dst, u8 proto, size_t len);

/* Builders: each returns the frame's length. */
size_t build_eth(u8 *f, const u8 *dst, const u8 *src, u16 type);
size_t build_arp(u8 *f, u16 op, const u8 *sha, u32 spa, const u8 *tha, u32 tpa);
/* IPv4 header at f + 14 for payload_len bytes already at f + 34. */
size_t build_ipv4(u8 *f, u32 src, u32 dst, u8 proto, size_t payload_len);
/* Recomputes the IPv4 header checksum after a test changed the header. */
void fix_ipv4_checksum(u8 *f);
size_t build_icmp_echo(u8 *f, u8 type, u16 id, u16 seq, const u8 *data,
		       size_t n);
size_t build_udp(u8 *f, u32 src, u16 sport, u32 dst, u16 dport,
		 const u8 *data, size_t n, bool checksum);
/* n bytes that depend on seed, not all alike. */
void fill_pattern(u8 *p, size_t n, unsigned int seed);

/*
 * Numbered echo requests from the peer, whose every byte follows from
 * seq: an ICMP echo request (identifier SEQ_ECHO_ID, sequence seq) or a
 * datagram from port SEQ_UDP_PORT to port 7 whose data starts with seq.
 * Each returns the frame's length.
 */
#define SEQ_ECHO_ID	0x4242
#define SEQ_UDP_PORT	4000
size_t build_seq_ping(u8 *f, u16 seq);
size_t build_seq_udp(u8 *f, u16 seq);
/*
 * The sequence number of a frame we sent that answers one of them, or
 * -1; and whether it is exactly that answer (headers, ids, every byte).
 */
int seq_of_reply(const u8 *f, size_t len);
bool is_seq_reply(struct ktest *t, const u8 *f, size_t len, u16 seq);

/* Checks on a transmitted frame; false with a message via ktest. */
struct ktest;
bool check_eth(struct ktest *t, const struct fake_frame *fr, const u8 *dst,
	       u16 type);
/* The IPv4 header (no options) at 14: version, length, checksum, addresses. */
bool check_ipv4(struct ktest *t, const struct fake_frame *fr, u32 src,
		u32 dst, u8 proto, size_t payload_len);

unsigned long drops_of(enum net_drop_reason why);
unsigned long total_drops(void);

#endif
