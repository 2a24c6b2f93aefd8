// SPDX-License-Identifier: GPL-2.0
/* virtio-rng, where the environment attaches one (-device virtio-rng-pci). */
#include <pvkit/ktest.h>
#include <pvkit/rng.h>
#include <pvkit/string.h>

static const char *no_rng(void)
{
	return rng_source() ? NULL : "no virtio-rng device attached";
}

static void rng_fills_the_buffer(struct ktest *t)
{
	u8 a[200], b[200], zero[200] = { 0 };

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	KT_ASSERT_EQ(t, rng_read(a, sizeof(a)), sizeof(a));
	KT_ASSERT_EQ(t, rng_read(b, sizeof(b)), sizeof(b));
	/* 200 random bytes are all zero, or equal twice, with probability 2^-1600 */
	KT_EXPECT_NE(t, memcmp(a, zero, sizeof(a)), 0);
	KT_EXPECT_NE(t, memcmp(a, b, sizeof(a)), 0);
}

static void rng_bytes_look_uniform(struct ktest *t)
{
	static u8 buf[4096];
	unsigned int ones = 0;

	KT_ASSERT_EQ(t, rng_read(buf, sizeof(buf)), sizeof(buf));
	for (unsigned int i = 0; i < sizeof(buf); i++)
		for (u8 x = buf[i]; x; x &= x - 1)	/* no libgcc popcount here */
			ones++;
	/* 32768 bits: mean 16384, sd 90; 10 sd either way */
	KT_EXPECT_GT(t, ones, 16384 - 900);
	KT_EXPECT_LT(t, ones, 16384 + 900);
}

static const struct ktest_case rng_cases[] = {
	KTEST_CASE(rng_fills_the_buffer),
	KTEST_CASE(rng_bytes_look_uniform),
	{}
};
KTEST_SUITE_SKIP(virtio_rng, rng_cases, no_rng);
