// SPDX-License-Identifier: GPL-2.0
/* The histogram's error bound, over every bucket, and percentiles that count every sample. */
#include <pvkit/ktest.h>
#include <pvkit/histogram.h>

static struct histogram h;

static void small_values_are_exact(struct ktest *t)
{
	for (u64 v = 0; v < 2 * HIST_SUB; v++) {
		KT_EXPECT_EQ(t, hist_index(v), v);
		KT_EXPECT_EQ(t, hist_bucket_low(v), v);
		KT_EXPECT_EQ(t, hist_bucket_high(v), v);
	}
}

/* Buckets tile 0..2^64-1 in order, each at most 1/2^P of its lowest value wide. */
static void buckets_tile_with_bounded_width(struct ktest *t)
{
	unsigned int bad = 0;

	KT_EXPECT_EQ(t, hist_bucket_low(0), 0);
	KT_EXPECT_EQ(t, hist_bucket_high(HIST_BUCKETS - 1), ~0ULL);
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		u64 lo = hist_bucket_low(i), hi = hist_bucket_high(i);

		if (hist_index(lo) != i || hist_index(hi) != i || hi < lo)
			bad++;
		else if (i + 1 < HIST_BUCKETS && hist_bucket_low(i + 1) != hi + 1)
			bad++;
		else if (i >= 2 * HIST_SUB && hi - lo + 1 > lo >> HIST_PRECISION_BITS)
			bad++;
	}
	KT_EXPECT_EQ(t, bad, 0);
}

/* Reported value v' of a true v: v <= v' <= v + v/2^P. */
static bool within(u64 got, u64 want)
{
	return got >= want && got - want <= want >> HIST_PRECISION_BITS;
}

static void percentiles_within_bound(struct ktest *t)
{
	hist_init(&h);
	KT_EXPECT_EQ(t, hist_quantile(&h, 50, 100), 0);
	for (u64 v = 1; v <= 100000; v++)
		hist_record(&h, v * 1000);
	KT_EXPECT_EQ(t, h.count, 100000);
	KT_EXPECT_TRUE(t, within(hist_quantile(&h, 50, 100), 50000000));
	KT_EXPECT_TRUE(t, within(hist_quantile(&h, 99, 100), 99000000));
	KT_EXPECT_TRUE(t, within(hist_quantile(&h, 999, 1000), 99900000));
	KT_EXPECT_EQ(t, hist_quantile(&h, 100, 100), 100000000);
	KT_EXPECT_EQ(t, hist_quantile(&h, 0, 100), 1000);
	KT_EXPECT_EQ(t, h.min, 1000);
}

/* The case a sample array of the first 16384 got wrong: a slower second half. */
static void every_sample_counts(struct ktest *t)
{
	hist_init(&h);
	for (unsigned int i = 0; i < 20000; i++)
		hist_record(&h, 40);
	for (unsigned int i = 0; i < 1000000; i++)
		hist_record(&h, 7000 + i % 3);
	KT_EXPECT_TRUE(t, within(hist_quantile(&h, 50, 100), 7001));
	KT_EXPECT_TRUE(t, within(hist_quantile(&h, 1, 100), 40));
	KT_EXPECT_EQ(t, hist_quantile(&h, 1, 1), 7002);
}

/* Random magnitudes: what comes back for a value bounds it from above, tightly. */
static void random_values_within_bound(struct ktest *t)
{
	u64 x = 0x9e3779b97f4a7c15ULL;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < 100000; i++) {
		u64 v;
		unsigned int b;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = x >> (x % 64);
		b = hist_index(v);
		if (!within(hist_bucket_high(b), v) || hist_bucket_low(b) > v)
			bad++;
	}
	KT_EXPECT_EQ(t, bad, 0);
}

static const struct ktest_case histogram_cases[] = {
	KTEST_CASE(small_values_are_exact),
	KTEST_CASE(buckets_tile_with_bounded_width),
	KTEST_CASE(percentiles_within_bound),
	KTEST_CASE(every_sample_counts),
	KTEST_CASE(random_values_within_bound),
	{}
};
KTEST_SUITE(lib_histogram, histogram_cases);
