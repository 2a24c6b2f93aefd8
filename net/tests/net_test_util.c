// SPDX-License-Identifier: GPL-2.0
/* Helpers of the net suites: see net_test_util.h. */
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>
#include "net_test_util.h"
#include "../net_priv.h"

struct fake_netdev fake;
u64 fake_time_ns;

const u8 our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const u8 peer_mac[6] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0x02 };
const u8 other_mac[6] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0x63 };
const u8 bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const u8 zero_mac[6];

/* The frame fed to the stack ends exactly at the end of this buffer. */
static u8 rx_area[TEST_FRAME_MAX];

static int fake_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct fake_netdev *f = container_of(dev, struct fake_netdev, dev);

	if (f->fail_tx)
		return -EIO;
	if (f->nr_frames >= FAKE_MAX_FRAMES || len > TEST_FRAME_MAX) {
		f->nr_lost++;
		return 0;
	}
	f->frames[f->nr_frames].len = len;
	memcpy(f->frames[f->nr_frames].data, frame, len);
	f->nr_frames++;
	return 0;
}

static void fake_poll(struct netdev *dev)
{
	container_of(dev, struct fake_netdev, dev)->nr_polls++;
}

static const struct netdev_ops fake_ops = {
	.transmit = fake_transmit,
	.poll = fake_poll,
};

static u64 fake_clock(void)
{
	return fake_time_ns;
}

void fake_setup(void)
{
	net_unconfigure(&fake.dev);
	memset(&fake, 0, sizeof(fake));
	strlcpy(fake.dev.name, "fake0", sizeof(fake.dev.name));
	fake.dev.driver = "ktest";
	memcpy(fake.dev.mac, our_mac, ETH_ALEN);
	fake.dev.mtu = 1500;
	fake.dev.ops = &fake_ops;
	fake_time_ns = 1000 * NSEC_PER_SEC;
	net_set_clock(fake_clock);
	udp_reset();
	BUG_ON(net_configure(&fake.dev, OUR_IP, OUR_MASK, GW_IP));
	net_reset_stats();
}

void fake_teardown(void)
{
	net_unconfigure(&fake.dev);
	udp_reset();
	net_set_clock(NULL);
}

void fake_clear_frames(void)
{
	fake.nr_frames = 0;
	fake.nr_lost = 0;
}

void fake_rx(const void *frame, size_t len)
{
	u8 *p;

	BUG_ON(len > sizeof(rx_area));
	p = rx_area + sizeof(rx_area) - len;
	memmove(p, frame, len);
	netdev_receive(&fake.dev, p, len);
}

void fake_learn_peer(void)
{
	u8 f[64];
	size_t len = build_arp(f, 1, peer_mac, PEER_IP, bcast_mac, OUR_IP);

	fake_rx(f, len);
	fake_clear_frames();
	net_reset_stats();
}

void put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

void put_be32(u8 *p, u32 v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v & 0xffff);
}

u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

u32 get_be32(const u8 *p)
{
	return (u32)get_be16(p) << 16 | get_be16(p + 2);
}

u16 ref_checksum(const u8 *p, size_t len, u32 sum)
{
	for (size_t i = 0; i < len; i++)
		sum += i & 1 ? p[i] : (u32)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

u32 ref_pseudo(u32 src, u32 dst, u8 proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	       proto + (u32)len;
}

size_t build_eth(u8 *f, const u8 *dst, const u8 *src, u16 type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put_be16(f + 12, type);
	return 14;
}

size_t build_arp(u8 *f, u16 op, const u8 *sha, u32 spa, const u8 *tha, u32 tpa)
{
	build_eth(f, op == 1 ? bcast_mac : our_mac, sha, 0x0806);
	put_be16(f + 14, 1);
	put_be16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put_be16(f + 20, op);
	memcpy(f + 22, sha, 6);
	put_be32(f + 28, spa);
	memcpy(f + 32, op == 1 ? zero_mac : tha, 6);
	put_be32(f + 38, tpa);
	return 42;
}

size_t build_ipv4(u8 *f, u32 src, u32 dst, u8 proto, size_t payload_len)
{
	u8 *ip = f + 14;

	build_eth(f, our_mac, peer_mac, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, (u16)(20 + payload_len));
	put_be16(ip + 4, 0x1234);
	put_be16(ip + 6, 0);
	ip[8] = 64;
	ip[9] = proto;
	put_be32(ip + 12, src);
	put_be32(ip + 16, dst);
	fix_ipv4_checksum(f);
	return 34 + payload_len;
}

void fix_ipv4_checksum(u8 *f)
{
	u8 *ip = f + 14;

	put_be16(ip + 10, 0);
	put_be16(ip + 10, ref_checksum(ip, (size_t)(ip[0] & 0xf) * 4, 0));
}

size_t build_icmp_echo(u8 *f, u8 type, u16 id, u16 seq, const u8 *data,
		       size_t n)
{
	u8 *icmp = f + 34;

	icmp[0] = type;
	icmp[1] = 0;
	put_be16(icmp + 2, 0);
	put_be16(icmp + 4, id);
	put_be16(icmp + 6, seq);
	memmove(icmp + 8, data, n);
	put_be16(icmp + 2, ref_checksum(icmp, 8 + n, 0));
	return build_ipv4(f, PEER_IP, OUR_IP, 1, 8 + n);
}

size_t build_udp(u8 *f, u32 src, u16 sport, u32 dst, u16 dport,
		 const u8 *data, size_t n, bool checksum)
{
	u8 *udp = f + 34;
	u16 sum;

	put_be16(udp, sport);
	put_be16(udp + 2, dport);
	put_be16(udp + 4, (u16)(8 + n));
	put_be16(udp + 6, 0);
	memmove(udp + 8, data, n);
	if (checksum) {
		sum = ref_checksum(udp, 8 + n, ref_pseudo(src, dst, 17, 8 + n));
		put_be16(udp + 6, sum ? sum : 0xffff);
	}
	return build_ipv4(f, src, dst, 17, 8 + n);
}

void fill_pattern(u8 *p, size_t n, unsigned int seed)
{
	u32 x = seed * 2654435761u + 12345;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345;
		p[i] = (u8)(x >> 16);
	}
}

/* The data of request seq: 2 to 1401 bytes, starting with seq for UDP. */
static size_t seq_data(u8 *p, u16 seq)
{
	size_t n = 2 + (size_t)seq * 37 % 1400;

	fill_pattern(p, n, seq);
	put_be16(p, seq);
	return n;
}

size_t build_seq_ping(u8 *f, u16 seq)
{
	u8 data[1402];

	return build_icmp_echo(f, 8, SEQ_ECHO_ID, seq, data, seq_data(data, seq));
}

size_t build_seq_udp(u8 *f, u16 seq)
{
	u8 data[1402];

	return build_udp(f, PEER_IP, SEQ_UDP_PORT, OUR_IP, 7, data, seq_data(data, seq), true);
}

int seq_of_reply(const u8 *f, size_t len)
{
	if (len < 44 || get_be16(f + 12) != 0x0800 || f[14] != 0x45)
		return -EINVAL;
	if (f[23] == 1 && f[34] == 0)
		return get_be16(f + 40);
	if (f[23] == 17 && get_be16(f + 34) == 7)
		return get_be16(f + 42);
	return -EINVAL;
}

bool is_seq_reply(struct ktest *t, const u8 *f, size_t len, u16 seq)
{
	struct fake_frame fr;
	u8 data[1402];
	size_t n = seq_data(data, seq);
	bool icmp = f[23] == 1;
	u8 *l4 = fr.data + 34;

	if (!__KT_CMP(t, "EXPECTATION", len, <=, sizeof(fr.data)))
		return false;
	fr.len = len;
	memcpy(fr.data, f, len);
	if (!check_eth(t, &fr, peer_mac, 0x0800) ||
	    !check_ipv4(t, &fr, OUR_IP, PEER_IP, icmp ? 1 : 17, 8 + n))
		return false;
	if (icmp)
		return __KT_CMP(t, "EXPECTATION", ref_checksum(l4, 8 + n, 0), ==, 0) &&
		       __KT_CMP(t, "EXPECTATION", get_be16(l4 + 4), ==, SEQ_ECHO_ID) &&
		       __KT_CMP(t, "EXPECTATION", get_be16(l4 + 6), ==, seq) &&
		       __KT_MEM(t, "EXPECTATION", l4 + 8, data, n);
	return __KT_CMP(t, "EXPECTATION", get_be16(l4 + 2), ==, SEQ_UDP_PORT) &&
	       __KT_CMP(t, "EXPECTATION", get_be16(l4 + 4), ==, 8 + n) &&
	       __KT_CMP(t, "EXPECTATION",
			ref_checksum(l4, 8 + n, ref_pseudo(OUR_IP, PEER_IP, 17, 8 + n)), ==, 0) &&
	       __KT_MEM(t, "EXPECTATION", l4 + 8, data, n);
}

bool check_eth(struct ktest *t, const struct fake_frame *fr, const u8 *dst,
	       u16 type)
{
	bool ok = true;

	ok &= __KT_CMP(t, "EXPECTATION", fr->len, >=, 60);
	ok &= __KT_MEM(t, "EXPECTATION", fr->data, dst, 6);
	ok &= __KT_MEM(t, "EXPECTATION", fr->data + 6, our_mac, 6);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(fr->data + 12), ==, type);
	return ok;
}

bool check_ipv4(struct ktest *t, const struct fake_frame *fr, u32 src,
		u32 dst, u8 proto, size_t payload_len)
{
	const u8 *ip = fr->data + 14;
	size_t frame_len = max(34 + payload_len, (size_t)60);
	bool ok = true;

	if (!__KT_CMP(t, "EXPECTATION", fr->len, >=, 34 + payload_len))
		return false;
	ok &= __KT_CMP(t, "EXPECTATION", ip[0], ==, 0x45);
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(ip + 2), ==, 20 + payload_len);
	/* not a fragment; TTL never 0 */
	ok &= __KT_CMP(t, "EXPECTATION", get_be16(ip + 6) & 0x3fff, ==, 0);
	ok &= __KT_CMP(t, "EXPECTATION", ip[8], >, 0);
	ok &= __KT_CMP(t, "EXPECTATION", ip[9], ==, proto);
	ok &= __KT_CMP(t, "EXPECTATION", ref_checksum(ip, 20, 0), ==, 0);
	ok &= __KT_CMP(t, "EXPECTATION", get_be32(ip + 12), ==, src);
	ok &= __KT_CMP(t, "EXPECTATION", get_be32(ip + 16), ==, dst);
	/* padding only up to the Ethernet minimum */
	ok &= __KT_CMP(t, "EXPECTATION", fr->len, ==, frame_len);
	return ok;
}

unsigned long drops_of(enum net_drop_reason why)
{
	struct net_stats s;

	net_get_stats(&s);
	return s.drops[why];
}

unsigned long total_drops(void)
{
	struct net_stats s;

	net_get_stats(&s);
	return net_total_drops(&s);
}
