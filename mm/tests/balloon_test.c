// SPDX-License-Identifier: GPL-2.0
/*
 * The generic balloon over the kernel's allocator (the host build's
 * stands in on the host): the floor holds, pages come back in the order
 * they were named, an undone pop loses nothing.
 */
#include <pvkit/balloon.h>
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <asm/page.h>

#define MANY	600		/* more than one page of frame numbers */

static unsigned long pfns[MANY], again[MANY];

static u64 *page_va(unsigned long pfn)
{
	return phys_to_virt((phys_addr_t)pfn << PAGE_SHIFT);
}

static void balloon_keeps_the_floor(struct ktest *t)
{
	unsigned long before = nr_free_pages(), held = balloon_total_pages();
	unsigned long room, got;
	struct balloon b;

	KT_ASSERT_GT(t, before, 200);
	balloon_init(&b, "test", before - 100);
	room = balloon_room(&b);
	KT_EXPECT_LE(t, room, 100);
	KT_EXPECT_GE(t, room, 99);
	got = balloon_take(&b, pfns, MANY);
	KT_EXPECT_EQ(t, got, room);
	KT_EXPECT_EQ(t, b.nr_pages, got);
	KT_EXPECT_EQ(t, balloon_total_pages(), held + got);
	KT_EXPECT_GE(t, nr_free_pages(), b.floor);
	KT_EXPECT_EQ(t, balloon_room(&b), 0);
	KT_EXPECT_EQ(t, balloon_take(&b, pfns + got, 1), 0);
	KT_EXPECT_EQ(t, balloon_pop(&b, again, MANY), got);
	balloon_release(&b, again, got);
	KT_EXPECT_EQ(t, b.nr_pages, 0);
	KT_EXPECT_EQ(t, balloon_total_pages(), held);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

static void balloon_pages_round_trip(struct ktest *t)
{
	unsigned long before = nr_free_pages(), got;
	struct balloon b;

	balloon_init(&b, "test", balloon_default_floor());
	KT_ASSERT_GT(t, balloon_room(&b), MANY);
	got = balloon_take(&b, pfns, MANY);
	KT_ASSERT_EQ(t, got, MANY);
	/* Two pages of frame numbers as well as the pages. */
	KT_EXPECT_EQ(t, nr_free_pages(), before - MANY - 2);
	for (unsigned long i = 0; i < MANY; i++) {
		*page_va(pfns[i]) = pfns[i] ^ 0x5a5a5a5aUL;
		for (unsigned long j = 0; j < i; j++)
			KT_EXPECT_NE(t, pfns[j], pfns[i]);
	}
	for (unsigned long i = 0; i < MANY; i++)
		KT_EXPECT_EQ(t, *page_va(pfns[i]), pfns[i] ^ 0x5a5a5a5aUL);
	/* The last taken first, across the chunk boundary. */
	KT_ASSERT_EQ(t, balloon_pop(&b, again, MANY), MANY);
	for (unsigned long i = 0; i < MANY; i++)
		KT_EXPECT_EQ(t, again[i], pfns[MANY - 1 - i]);
	KT_EXPECT_EQ(t, b.nr_pages, MANY);
	balloon_release(&b, again, MANY);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

static void balloon_unpop_keeps_pages(struct ktest *t)
{
	unsigned long before = nr_free_pages(), n;
	struct balloon b;

	balloon_init(&b, "test", balloon_default_floor());
	KT_ASSERT_EQ(t, balloon_take(&b, pfns, 520), 520);
	/* Empties the top chunk: the host was not told, all come back. */
	n = balloon_pop(&b, again, 15);
	KT_ASSERT_EQ(t, n, 15);
	balloon_unpop(&b, again, n);
	KT_EXPECT_EQ(t, b.nr_pages, 520);
	KT_ASSERT_EQ(t, balloon_pop(&b, again, MANY), 520);
	for (unsigned long i = 0; i < 520; i++)
		KT_EXPECT_EQ(t, again[i], pfns[519 - i]);
	balloon_release(&b, again, 520);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
	KT_EXPECT_EQ(t, balloon_pop(&b, again, 1), 0);
}

/* The round trips take MANY pages above the default floor. */
static const char *balloon_skip(void)
{
	struct balloon b;

	balloon_init(&b, "test", balloon_default_floor());
	return balloon_room(&b) > MANY ? NULL :
	       "fewer than 600 pages free above the balloon's floor";
}

static const struct ktest_case balloon_cases[] = {
	KTEST_CASE(balloon_keeps_the_floor),
	KTEST_CASE(balloon_pages_round_trip),
	KTEST_CASE(balloon_unpop_keeps_pages),
	{}
};
KTEST_SUITE_SKIP(mm_balloon, balloon_cases, balloon_skip);
