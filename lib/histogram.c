// SPDX-License-Identifier: GPL-2.0
/*
 * Log-bucketed histogram (see include/pvkit/histogram.h).
 *
 * A value v >= 2^(P + 1) (P = HIST_PRECISION_BITS) with its highest bit
 * at position m keeps its top P + 1 bits: shift = m - P, sub = v >> shift
 * (in [2^P, 2^(P + 1))), bucket shift * 2^P + sub.  The bucket holds
 * 2^shift values, the lowest of which is at least 2^(P + shift): the
 * width is at most 1/2^P of any value in it.  Below 2^(P + 1) the bucket
 * is the value itself, and the two ranges join without a gap.
 */
#include <pvkit/histogram.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>

void hist_init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = ~0ULL;
}

unsigned int hist_index(u64 v)
{
	unsigned int shift;

	if (v < 2 * HIST_SUB)
		return v;
	shift = 63 - __builtin_clzll(v) - HIST_PRECISION_BITS;
	return shift * HIST_SUB + (v >> shift);
}

u64 hist_bucket_low(unsigned int i)
{
	unsigned int shift;

	if (i < 2 * HIST_SUB)
		return i;
	shift = i / HIST_SUB - 1;
	return (u64)(i - shift * HIST_SUB) << shift;
}

u64 hist_bucket_high(unsigned int i)
{
	if (i < 2 * HIST_SUB)
		return i;
	return hist_bucket_low(i) + ((1ULL << (i / HIST_SUB - 1)) - 1);
}

void hist_record(struct histogram *h, u64 v)
{
	h->buckets[hist_index(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

u64 hist_quantile(const struct histogram *h, u64 num, u64 den)
{
	u64 rank, seen = 0;

	if (!h->count || !den)
		return 0;
	if (num >= den)
		return h->max;
	/* ceil(count * num / den) without overflow for any count below 2^63 / den */
	rank = h->count / den * num + (h->count % den * num + den - 1) / den;
	if (!rank)
		return h->min;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			return max(min(hist_bucket_high(i), h->max), h->min);
	}
	return h->max;
}
