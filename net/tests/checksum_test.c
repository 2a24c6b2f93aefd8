// SPDX-License-Identifier: GPL-2.0
/* The Internet checksum against known vectors and a plain reference. */
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/string.h>
#include "net_test_util.h"

/* RFC 1071 section 3: the sum of these bytes is ddf2, the checksum 220d. */
static void rfc1071_example(struct ktest *t)
{
	static const u8 data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	u32 sum = csum_partial(data, sizeof(data), 0);

	KT_EXPECT_EQ(t, (u16)~csum_fold(sum), 0xddf2);
	KT_EXPECT_EQ(t, ip_checksum(data, sizeof(data)), 0x220d);
	/* the halves chained give the same */
	sum = csum_partial(data + 4, 4, csum_partial(data, 4, 0));
	KT_EXPECT_EQ(t, csum_fold(sum), 0x220d);
}

/* A real IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) whose checksum is b861. */
static void ipv4_header_vector(struct ktest *t)
{
	u8 hdr[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};

	KT_EXPECT_EQ(t, ip_checksum(hdr, sizeof(hdr)), 0xb861);
	hdr[10] = 0xb8;
	hdr[11] = 0x61;
	/* a header with its checksum in place sums to all ones */
	KT_EXPECT_EQ(t, ip_checksum(hdr, sizeof(hdr)), 0);
}

static void odd_lengths(struct ktest *t)
{
	static const u8 one[] = { 0x01 };
	static const u8 three[] = { 0x00, 0x01, 0xf2 };

	/* the odd byte is the high half of a word padded with zero */
	KT_EXPECT_EQ(t, ip_checksum(one, 1), 0xfeff);
	KT_EXPECT_EQ(t, ip_checksum(three, 3), (u16)~0xf201);
	KT_EXPECT_EQ(t, ip_checksum(three, 0), 0xffff);
}

static void carries_wrap_around(struct ktest *t)
{
	static u8 ones[4096];

	/* ffff + ffff = 1fffe -> fffe + 1 = ffff: complement 0 */
	memset(ones, 0xff, sizeof(ones));
	KT_EXPECT_EQ(t, ip_checksum(ones, 2), 0);
	KT_EXPECT_EQ(t, ip_checksum(ones, sizeof(ones)), 0);
	KT_EXPECT_EQ(t, ip_checksum(ones, sizeof(ones) - 1), 0x00ff);
	/* a large starting sum folds too */
	KT_EXPECT_EQ(t, csum_fold(0xffffffff), 0);
	KT_EXPECT_EQ(t, csum_fold(csum_partial(ones, 2, 0xfffffffe)), 0x0001);
}

static void matches_reference(struct ktest *t)
{
	static u8 buf[1600];

	for (size_t len = 0; len <= sizeof(buf); len += len < 300 ? 1 : 97) {
		fill_pattern(buf, len, (unsigned int)len);
		if (!__KT_CMP(t, "EXPECTATION", ip_checksum(buf, len), ==,
			      ref_checksum(buf, len, 0)))
			return;
		/* split at an even offset, as the stack chains headers */
		if (len >= 8)
			KT_EXPECT_EQ(t, csum_fold(csum_partial(buf + 8, len - 8,
							       csum_partial(buf, 8, 0))),
				     ref_checksum(buf, len, 0));
	}
}

static void unaligned_buffers(struct ktest *t)
{
	static u8 buf[64];
	u16 want;

	fill_pattern(buf, sizeof(buf), 7);
	want = ref_checksum(buf + 1, 41, 0);
	KT_EXPECT_EQ(t, ip_checksum(buf + 1, 41), want);
	KT_EXPECT_EQ(t, ip_checksum(buf + 3, 20), ref_checksum(buf + 3, 20, 0));
}

static const struct ktest_case checksum_cases[] = {
	KTEST_CASE(rfc1071_example),
	KTEST_CASE(ipv4_header_vector),
	KTEST_CASE(odd_lengths),
	KTEST_CASE(carries_wrap_around),
	KTEST_CASE(matches_reference),
	KTEST_CASE(unaligned_buffers),
	{}
};
KTEST_SUITE(net_checksum, checksum_cases);
