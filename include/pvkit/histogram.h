/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A log-bucketed histogram of u64 values (HdrHistogram's layout): every
 * value is counted, in a bucket no wider than 1/2^HIST_PRECISION_BITS of
 * the values in it, so a percentile read back is at most 0.78% above
 * the true one (and never below it).  Values below 2^(bits + 1) are
 * exact.  For the benchmarks: recording is a few instructions, whatever
 * the number of samples.
 */
#ifndef _PVKIT_HISTOGRAM_H
#define _PVKIT_HISTOGRAM_H

#include <pvkit/types.h>

#define HIST_PRECISION_BITS	7
#define HIST_SUB		(1U << HIST_PRECISION_BITS)
/* The exact range, then HIST_SUB buckets for each power of two above it. */
#define HIST_BUCKETS		((65 - HIST_PRECISION_BITS) * HIST_SUB)

struct histogram {
	u64 count;
	u64 min, max;
	u64 buckets[HIST_BUCKETS];
};

void hist_init(struct histogram *h);
void hist_record(struct histogram *h, u64 v);
/*
 * The value at rank ceil(count * num / den) (num/den = 0.99 for p99, 1 for
 * the maximum): the highest value of its bucket, never above the largest
 * recorded.  0 for an empty histogram.
 */
u64 hist_quantile(const struct histogram *h, u64 num, u64 den);

/* For the tests: a value's bucket and the bucket's lowest and highest value. */
unsigned int hist_index(u64 v);
u64 hist_bucket_low(unsigned int i);
u64 hist_bucket_high(unsigned int i);

#endif
