// SPDX-License-Identifier: GPL-2.0
#include <pvkit/errno.h>
#include <pvkit/page_pool.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>

#define BITS	64

static bool test_bit(const unsigned long *map, unsigned long i)
{
	return map[i / BITS] & (1UL << (i % BITS));
}

static void set_bit(unsigned long *map, unsigned long i)
{
	map[i / BITS] |= 1UL << (i % BITS);
}

static void clear_bit(unsigned long *map, unsigned long i)
{
	map[i / BITS] &= ~(1UL << (i % BITS));
}

void page_pool_init(struct page_pool *pool, unsigned long base_pfn,
		    unsigned long nr_pages, unsigned long *bitmap)
{
	pool->base_pfn = base_pfn;
	pool->nr_pages = nr_pages;
	pool->bitmap = bitmap;
	pool->nr_free = 0;
	pool->hint = 0;
	memset(bitmap, 0xff, PAGE_POOL_BITMAP_LONGS(nr_pages) * sizeof(long));
}

/* Clips [pfn, pfn + n) to the pool; returns false if nothing is left. */
static bool clip(const struct page_pool *pool, unsigned long *pfn,
		 unsigned long *n)
{
	unsigned long start = *pfn, end = *pfn + *n;
	unsigned long lo = pool->base_pfn, hi = pool->base_pfn + pool->nr_pages;

	if (end <= lo || start >= hi || end < start)
		return false;
	if (start < lo)
		start = lo;
	if (end > hi)
		end = hi;
	*pfn = start;
	*n = end - start;
	return true;
}

/*
 * Without -mpopcnt gcc would call libgcc's __popcountdi2, which a kernel
 * lacks.  Counted in parallel (pairs, nibbles, bytes, then one multiply)
 * rather than bit by bit: boot counts every word of the bitmap, and under
 * a hypervisor that emulates the kernel each instruction costs about a
 * microsecond, so a bit loop over 128 MiB of pages cost 80 ms there.
 */
static unsigned int popcount(unsigned long w)
{
	w -= (w >> 1) & 0x5555555555555555UL;
	w = (w & 0x3333333333333333UL) + ((w >> 2) & 0x3333333333333333UL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fUL;
	return (w * 0x0101010101010101UL) >> 56;
}

/* Sets (used) or clears the bits of mask in *w; returns how many changed. */
static unsigned long mark_word(unsigned long *w, unsigned long mask, bool used)
{
	unsigned long flip = used ? ~*w & mask : *w & mask;

	*w ^= flip;
	return flip == ~0UL ? BITS : popcount(flip);
}

/*
 * Sets (used = true) or clears the bits of [i, i + n): the partial words
 * at the ends bit-masked, the whole words between with one store each.
 * Boot releases every RAM page once, and under a hypervisor that emulates
 * the kernel every instruction of that loop counts.  Returns how many
 * bits changed.
 */
static unsigned long mark(unsigned long *map, unsigned long i, unsigned long n,
			  bool used)
{
	unsigned long changed = 0, *w, *end;

	if (i % BITS) {
		unsigned long bit = i % BITS, len = min(BITS - bit, n);
		unsigned long mask = (len == BITS ? ~0UL : (1UL << len) - 1) << bit;

		changed += mark_word(&map[i / BITS], mask, used);
		i += len;
		n -= len;
	}
	for (w = &map[i / BITS], end = w + n / BITS; w < end; w++)
		changed += mark_word(w, ~0UL, used);
	if (n % BITS)
		changed += mark_word(end, (1UL << (n % BITS)) - 1, used);
	return changed;
}

unsigned long page_pool_release(struct page_pool *pool, unsigned long pfn,
				unsigned long n)
{
	unsigned long changed;

	if (!clip(pool, &pfn, &n))
		return 0;
	changed = mark(pool->bitmap, pfn - pool->base_pfn, n, false);
	pool->nr_free += changed;
	return changed;
}

unsigned long page_pool_reserve(struct page_pool *pool, unsigned long pfn,
				unsigned long n)
{
	unsigned long changed;

	if (!clip(pool, &pfn, &n))
		return 0;
	changed = mark(pool->bitmap, pfn - pool->base_pfn, n, true);
	pool->nr_free -= changed;
	return changed;
}

/* Index of the first free page at or after i, or nr_pages. */
static unsigned long next_free(const struct page_pool *pool, unsigned long i)
{
	while (i < pool->nr_pages) {
		/* Skip whole words of used pages: the common case when full. */
		if (i % BITS == 0 && pool->bitmap[i / BITS] == ~0UL) {
			i += BITS;
			continue;
		}
		if (!test_bit(pool->bitmap, i))
			return i;
		i++;
	}
	return pool->nr_pages;
}

/* Length of the free run at i, up to want. */
static unsigned long free_run(const struct page_pool *pool, unsigned long i,
			      unsigned long want)
{
	unsigned long n = 0;

	while (n < want && i + n < pool->nr_pages && !test_bit(pool->bitmap, i + n))
		n++;
	return n;
}

static long search(struct page_pool *pool, unsigned long from,
		   unsigned long to, unsigned long n, unsigned long align)
{
	unsigned long i = from, run;

	while (i < to) {
		i = next_free(pool, i);
		/* Align the frame number, not the index: base_pfn may be odd. */
		i = ((pool->base_pfn + i + align - 1) & ~(align - 1)) - pool->base_pfn;
		if (i >= to || i + n > pool->nr_pages)
			return -ENOMEM;
		run = free_run(pool, i, n);
		if (run == n)
			return i;
		i += run ? run : 1;
	}
	return -ENOMEM;
}

long page_pool_alloc(struct page_pool *pool, unsigned long n,
		     unsigned long align)
{
	long i;

	if (!n || !align || (align & (align - 1)))
		return -EINVAL;
	if (n > pool->nr_free)
		return -ENOMEM;
	/* Next fit from the hint, then from the start. */
	i = search(pool, pool->hint, pool->nr_pages, n, align);
	if (i < 0)
		i = search(pool, 0, pool->nr_pages, n, align);
	if (i < 0)
		return -ENOMEM;
	for (unsigned long k = 0; k < n; k++)
		set_bit(pool->bitmap, i + k);
	pool->nr_free -= n;
	pool->hint = i + n;
	return pool->base_pfn + i;
}

bool page_pool_free(struct page_pool *pool, unsigned long pfn, unsigned long n)
{
	unsigned long i = pfn - pool->base_pfn;

	if (pfn < pool->base_pfn || i + n > pool->nr_pages || i + n < i)
		return false;
	for (unsigned long k = 0; k < n; k++) {
		if (!test_bit(pool->bitmap, i + k))
			return false;		/* double free */
	}
	for (unsigned long k = 0; k < n; k++)
		clear_bit(pool->bitmap, i + k);
	pool->nr_free += n;
	return true;
}

bool page_pool_is_free(const struct page_pool *pool, unsigned long pfn)
{
	unsigned long i = pfn - pool->base_pfn;

	return pfn >= pool->base_pfn && i < pool->nr_pages &&
	       !test_bit(pool->bitmap, i);
}
