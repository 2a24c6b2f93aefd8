// SPDX-License-Identifier: GPL-2.0
/* The page pool on a private instance: it never touches the pages. */
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/page_pool.h>
#include <pvkit/string.h>

#define NR	200
#define BASE	0x1003		/* odd on purpose: alignment is by pfn */

static unsigned long bitmap[PAGE_POOL_BITMAP_LONGS(NR)];

static void fresh_pool(struct page_pool *p)
{
	page_pool_init(p, BASE, NR, bitmap);
	page_pool_release(p, BASE, NR);
}

static void pool_starts_used_and_releases(struct ktest *t)
{
	struct page_pool p;

	page_pool_init(&p, BASE, NR, bitmap);
	KT_EXPECT_EQ(t, p.nr_free, 0);
	KT_EXPECT_EQ(t, page_pool_alloc(&p, 1, 1), -ENOMEM);
	/* ranges are clipped to the pool */
	KT_EXPECT_EQ(t, page_pool_release(&p, BASE - 10, 20), 10);
	KT_EXPECT_EQ(t, page_pool_release(&p, BASE + NR - 5, 50), 5);
	KT_EXPECT_EQ(t, page_pool_release(&p, BASE, 3), 0);	/* already free */
	KT_EXPECT_EQ(t, p.nr_free, 15);
	KT_EXPECT_EQ(t, page_pool_reserve(&p, BASE + 2, 4), 4);
	KT_EXPECT_EQ(t, p.nr_free, 11);
	KT_EXPECT_FALSE(t, page_pool_is_free(&p, BASE + 2));
	KT_EXPECT_TRUE(t, page_pool_is_free(&p, BASE + 6));
}

static void pool_alloc_free_round_trip(struct ktest *t)
{
	struct page_pool p;
	long a, b;

	fresh_pool(&p);
	a = page_pool_alloc(&p, 1, 1);
	b = page_pool_alloc(&p, 1, 1);
	KT_ASSERT_TRUE(t, a >= BASE && b >= BASE);
	KT_EXPECT_NE(t, a, b);
	KT_EXPECT_EQ(t, p.nr_free, NR - 2);
	KT_EXPECT_TRUE(t, page_pool_free(&p, a, 1));
	KT_EXPECT_TRUE(t, page_pool_free(&p, b, 1));
	KT_EXPECT_EQ(t, p.nr_free, NR);
}

static void pool_contiguous_and_aligned(struct ktest *t)
{
	struct page_pool p;
	long a;

	fresh_pool(&p);
	page_pool_alloc(&p, 1, 1);
	a = page_pool_alloc(&p, 16, 16);
	KT_ASSERT_TRUE(t, a > 0);
	KT_EXPECT_EQ(t, a % 16, 0);
	for (long i = a; i < a + 16; i++)
		KT_EXPECT_FALSE(t, page_pool_is_free(&p, i));
	KT_EXPECT_EQ(t, page_pool_alloc(&p, 3, 3), -EINVAL);	/* not a power of two */
	KT_EXPECT_EQ(t, page_pool_alloc(&p, NR, 1), -ENOMEM);
}

static void pool_exhausts_exactly(struct ktest *t)
{
	struct page_pool p;
	unsigned long n = 0;

	fresh_pool(&p);
	page_pool_reserve(&p, BASE + 50, 7);
	while (page_pool_alloc(&p, 1, 1) >= 0)
		n++;
	KT_EXPECT_EQ(t, n, NR - 7);
	KT_EXPECT_EQ(t, p.nr_free, 0);
	KT_EXPECT_EQ(t, page_pool_alloc(&p, 1, 1), -ENOMEM);
}

static void pool_rejects_double_and_foreign_free(struct ktest *t)
{
	struct page_pool p;
	long a;

	fresh_pool(&p);
	a = page_pool_alloc(&p, 4, 1);
	KT_ASSERT_TRUE(t, a >= 0);
	KT_EXPECT_TRUE(t, page_pool_free(&p, a, 2));
	/* half of it is free now: the whole free must be refused */
	KT_EXPECT_FALSE(t, page_pool_free(&p, a, 4));
	KT_EXPECT_FALSE(t, page_pool_free(&p, BASE - 1, 1));
	KT_EXPECT_FALSE(t, page_pool_free(&p, BASE + NR, 1));
	KT_EXPECT_EQ(t, p.nr_free, NR - 2);
}

static void pool_fragmentation(struct ktest *t)
{
	struct page_pool p;
	long pages[NR + 1];	/* the last, failing, result lands here too */
	int n = 0;

	fresh_pool(&p);
	while ((pages[n] = page_pool_alloc(&p, 1, 1)) >= 0)
		n++;
	KT_ASSERT_EQ(t, n, NR);
	for (int i = 0; i < n; i += 2)
		page_pool_free(&p, pages[i], 1);
	/* half the pool is free, but no two free pages are neighbours */
	KT_EXPECT_EQ(t, p.nr_free, NR / 2);
	KT_EXPECT_EQ(t, page_pool_alloc(&p, 2, 1), -ENOMEM);
	page_pool_free(&p, pages[1], 1);
	KT_EXPECT_EQ(t, page_pool_alloc(&p, 3, 1), pages[0]);
}

static const struct ktest_case page_pool_cases[] = {
	KTEST_CASE(pool_starts_used_and_releases),
	KTEST_CASE(pool_alloc_free_round_trip),
	KTEST_CASE(pool_contiguous_and_aligned),
	KTEST_CASE(pool_exhausts_exactly),
	KTEST_CASE(pool_rejects_double_and_foreign_free),
	KTEST_CASE(pool_fragmentation),
	{}
};
KTEST_SUITE(mm_page_pool, page_pool_cases);
