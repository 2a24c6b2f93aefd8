// SPDX-License-Identifier: GPL-2.0
/* The heap on a private region, without growth: exhaustion is exact. */
#include <pvkit/ktest.h>
#include <pvkit/heap.h>
#include <pvkit/string.h>

static unsigned char arena[8192] __aligned(16);

static void fresh_heap(struct heap *h)
{
	heap_init(h, NULL);
	heap_add_region(h, arena, sizeof(arena));
}

static void heap_alloc_free_restores(struct ktest *t)
{
	struct heap h;
	void *a, *b;

	fresh_heap(&h);
	a = heap_alloc(&h, 100);
	b = heap_alloc(&h, 1);
	KT_ASSERT_NOT_NULL(t, a);
	KT_ASSERT_NOT_NULL(t, b);
	KT_EXPECT_EQ(t, (uintptr_t)a % HEAP_ALIGN, 0);
	KT_EXPECT_EQ(t, (uintptr_t)b % HEAP_ALIGN, 0);
	KT_EXPECT_GE(t, (char *)b - (char *)a, 100);
	memset(a, 0x55, 100);
	memset(b, 0xaa, 1);
	KT_EXPECT_EQ(t, h.nr_alloc, 2);
	heap_free(&h, a);
	heap_free(&h, b);
	KT_EXPECT_EQ(t, h.used, 0);
	KT_EXPECT_EQ(t, heap_free_blocks(&h), 1);
	KT_EXPECT_EQ(t, heap_largest_free(&h), sizeof(arena) - HEAP_ALIGN);
}

static void heap_rejects_zero_and_huge(struct ktest *t)
{
	struct heap h;

	fresh_heap(&h);
	KT_EXPECT_NULL(t, heap_alloc(&h, 0));
	KT_EXPECT_NULL(t, heap_alloc(&h, sizeof(arena)));
	KT_EXPECT_NULL(t, heap_alloc(&h, ~(size_t)0));
}

static void heap_exhausts_then_recovers(struct ktest *t)
{
	struct heap h;
	void *p[1024];
	int n = 0;

	fresh_heap(&h);
	while (n < 1024 && (p[n] = heap_alloc(&h, 48)))
		n++;
	/* 48 bytes + 16 header = 64 per block */
	KT_EXPECT_EQ(t, n, sizeof(arena) / 64);
	KT_EXPECT_NULL(t, heap_alloc(&h, 1));
	while (n--)
		heap_free(&h, p[n]);
	KT_EXPECT_EQ(t, heap_free_blocks(&h), 1);
	KT_EXPECT_NOT_NULL(t, heap_alloc(&h, sizeof(arena) - HEAP_ALIGN));
}

static void heap_fragmentation_and_coalescing(struct ktest *t)
{
	struct heap h;
	void *p[128];

	fresh_heap(&h);
	for (int i = 0; i < 128; i++)
		p[i] = heap_alloc(&h, 48);
	for (int i = 0; i < 128; i += 2)
		heap_free(&h, p[i]);
	/* 64 holes of 48 bytes: a 100-byte block does not fit */
	KT_EXPECT_EQ(t, heap_free_blocks(&h), 64);
	KT_EXPECT_NULL(t, heap_alloc(&h, 100));
	/* freeing a neighbour merges three blocks into one */
	heap_free(&h, p[1]);
	KT_EXPECT_EQ(t, heap_free_blocks(&h), 63);
	KT_EXPECT_TRUE(t, heap_alloc(&h, 100) == p[0]);
}

static void heap_detects_bad_free(struct ktest *t)
{
	struct heap h;
	char *a;

	fresh_heap(&h);
	a = heap_alloc(&h, 32);
	KT_ASSERT_NOT_NULL(t, a);
	heap_free(&h, a);
	heap_free(&h, a);		/* double free */
	heap_free(&h, a + 8);		/* not a block */
	KT_EXPECT_EQ(t, h.nr_bad_free, 2);
	KT_EXPECT_EQ(t, heap_free_blocks(&h), 1);
}

static unsigned char grow_area[4][1024] __aligned(16);
static int grow_calls;

static void *test_grow(struct heap *h, size_t *size)
{
	if (grow_calls == 4 || *size > sizeof(grow_area[0]))
		return NULL;
	*size = sizeof(grow_area[0]);
	return grow_area[grow_calls++];
}

static void heap_grows_on_demand(struct ktest *t)
{
	struct heap h;

	grow_calls = 0;
	heap_init(&h, test_grow);
	KT_EXPECT_NOT_NULL(t, heap_alloc(&h, 500));
	KT_EXPECT_EQ(t, grow_calls, 1);
	KT_EXPECT_NOT_NULL(t, heap_alloc(&h, 500));
	KT_EXPECT_EQ(t, grow_calls, 2);
	KT_EXPECT_NULL(t, heap_alloc(&h, 2000));	/* grow refuses */
	KT_EXPECT_EQ(t, h.total, 2 * sizeof(grow_area[0]));
}

static const struct ktest_case heap_cases[] = {
	KTEST_CASE(heap_alloc_free_restores),
	KTEST_CASE(heap_rejects_zero_and_huge),
	KTEST_CASE(heap_exhausts_then_recovers),
	KTEST_CASE(heap_fragmentation_and_coalescing),
	KTEST_CASE(heap_detects_bad_free),
	KTEST_CASE(heap_grows_on_demand),
	{}
};
KTEST_SUITE(mm_heap, heap_cases);
