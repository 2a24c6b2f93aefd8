// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen balloon (drivers/xen/balloon.c) over the fake xenstore and a
 * fake hypervisor that keeps the frames given back (fake_xen.c): what
 * memory/target may say, the balloon following it down and up in
 * bounded passes with every frame given back once and taken back once,
 * the floor, Xen taking or giving fewer pages than asked, and a
 * hypervisor that keeps refusing shut off after a bounded number of
 * tries with the pages kept.  The driver's state is one per kernel: the
 * cases run in order on it.
 */
#include <string.h>
#include <sanitizer/lsan_interface.h>
#include <pvkit/balloon.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <xen/balloon.h>
#include <xen/grant_table.h>
#include "fake_irq.h"
#include "fake_xen.h"
#include "host_mm.h"

#define BASE_KIB	131072ULL	/* 128 MiB at boot */
#define KIB_PER_PAGE	(PAGE_SIZE / KiB)

struct parse_case {
	const char *value;
	int len;		/* what the daemon sent, NULs inside included */
	int err;
	u64 kib;
};

#define VALUE(s, err, kib)	{ s, sizeof(s) - 1, err, kib }

static const struct parse_case parse_cases[] = {
	VALUE("131072", 0, 131072),
	VALUE("1", 0, 1),
	VALUE("1073741824", 0, 1073741824),	/* XEN_BALLOON_MAX_KIB */
	VALUE("1073741825", -EINVAL, 0),
	VALUE("0", -EINVAL, 0),
	VALUE("", -EINVAL, 0),
	VALUE("-1", -EINVAL, 0),
	VALUE("12a", -EINVAL, 0),
	VALUE(" 1024", -EINVAL, 0),
	VALUE("1024\0x", -EINVAL, 0),
	VALUE("99999999999999999999999", -EINVAL, 0),	/* longer than our buffer */
	VALUE("18446744073709551616", -EINVAL, 0),	/* 2^64 */
};

static void parse_wants_a_bounded_size(struct ktest *t)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		u64 kib = 0;

		KT_EXPECT_EQ(t, xen_balloon_parse_target(c->value, c->len, &kib), c->err);
		KT_EXPECT_EQ(t, kib, c->kib);
	}
}

static void pages_follow_the_boot_target(struct ktest *t)
{
	KT_EXPECT_EQ(t, xen_balloon_pages_for(BASE_KIB, BASE_KIB), 0);
	KT_EXPECT_EQ(t, xen_balloon_pages_for(BASE_KIB, BASE_KIB - 32 * 1024), 8192);
	/* Part of a page is not a page to give. */
	KT_EXPECT_EQ(t, xen_balloon_pages_for(BASE_KIB, BASE_KIB - 7), 1);
	/* Above what the domain started with: nothing is hot-added. */
	KT_EXPECT_EQ(t, xen_balloon_pages_for(BASE_KIB, 2 * BASE_KIB), 0);
}

static struct xs_watch *watch;

/* The toolstack writes a target; the watch runs (as from app_poll()). */
static void set_target_kib(u64 kib)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)kib);
	fake_xs_set("memory/target", v);
	watch->fn(watch, "memory/target");
}

static void set_target_pages(unsigned long held)
{
	set_target_kib(BASE_KIB - (u64)held * KIB_PER_PAGE);
}

/*
 * Plays the timer, a millisecond at a time, until no pass ran for 2 s
 * (a retry comes after 1 s); returns how many passes ran.
 */
static unsigned int run(void)
{
	unsigned int passes = 0, idle = 0;

	for (int i = 0; i < 100000 && idle < 2000; i++) {
		unsigned int n;

		fake_now_ns += NSEC_PER_MSEC;
		n = fake_run_timers(fake_now_ns);
		passes += n;
		idle = n ? 0 : idle + 1;
	}
	return passes;
}

static unsigned long free0;

static void balloon_follows_the_target_down_and_up(struct ktest *t)
{
	fake_xen_reset();
	fake_xs_set("memory/target", "131072");
	KT_ASSERT_EQ(t, fake_run_initcall("xen_balloon_init"), 0);
	watch = fake_xs_watch("memory/target");
	KT_ASSERT_NOT_NULL(t, watch);
	free0 = host_free_pages;
	/* The watch's first event: the target the domain started with. */
	watch->fn(watch, "memory/target");
	KT_EXPECT_EQ(t, run(), 0);

	set_target_pages(600);
	/* 256 + 256 + 88, one pass each. */
	KT_EXPECT_EQ(t, run(), 3);
	KT_EXPECT_EQ(t, fake_reservation_calls, 3);
	KT_EXPECT_EQ(t, fake_nr_given, 600);
	KT_EXPECT_TRUE(t, host_all_distinct(fake_given, fake_nr_given));
	KT_EXPECT_EQ(t, balloon_total_pages(), 600);
	KT_EXPECT_EQ(t, host_free_pages, free0 - 600 - 2);	/* two pages of numbers */

	/* One pass: no page reaches the allocator before Xen filled it. */
	set_target_pages(400);
	KT_EXPECT_EQ(t, run(), 1);
	KT_EXPECT_EQ(t, fake_free_at_populate, free0 - 600 - 2);
	KT_EXPECT_EQ(t, fake_nr_given, 400);
	KT_EXPECT_EQ(t, host_free_pages, free0 - 400 - 1);

	set_target_pages(100);
	KT_EXPECT_EQ(t, run(), 2);
	KT_EXPECT_EQ(t, fake_nr_given, 100);
	KT_EXPECT_EQ(t, balloon_total_pages(), 100);
	KT_EXPECT_EQ(t, host_free_pages, free0 - 100 - 1);

	/* Above the boot's target: all back, and no more. */
	set_target_kib(2 * BASE_KIB);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "0 pages to give back") != NULL);
	run();
	KT_EXPECT_EQ(t, fake_nr_given, 0);
	KT_EXPECT_EQ(t, balloon_total_pages(), 0);
	KT_EXPECT_EQ(t, host_free_pages, free0);
}

static void a_bad_target_is_not_followed(struct ktest *t)
{
	set_target_pages(10);
	run();
	KT_ASSERT_EQ(t, fake_nr_given, 10);
	fake_xs_set("memory/target", "lots");
	watch->fn(watch, "memory/target");
	KT_EXPECT_TRUE(t, strstr(host_last_log, "target kept") != NULL);
	fake_xs_set("memory/target", "99999999999999999999999999999999");
	watch->fn(watch, "memory/target");
	KT_EXPECT_TRUE(t, strstr(host_last_log, "target kept") != NULL);
	KT_EXPECT_EQ(t, run(), 0);
	KT_EXPECT_EQ(t, fake_nr_given, 10);
	set_target_kib(BASE_KIB);
	run();
	KT_EXPECT_EQ(t, fake_nr_given, 0);
	KT_EXPECT_EQ(t, host_free_pages, free0);
}

static void balloon_stops_at_the_floor(struct ktest *t)
{
	unsigned long floor = balloon_default_floor();

	/* A guest with 300 pages to spare; the toolstack asks for far more. */
	host_free_pages = floor + 300;
	set_target_pages(3000);
	run();
	KT_EXPECT_EQ(t, fake_nr_given, 299);
	KT_EXPECT_EQ(t, host_free_pages, floor);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "the guest can give 299") != NULL);
	/* No pass keeps trying until the toolstack changes its mind. */
	KT_EXPECT_EQ(t, fake_run_timers(fake_now_ns + NSEC_PER_SEC * 10), 0);

	set_target_kib(BASE_KIB);
	run();
	KT_EXPECT_EQ(t, fake_nr_given, 0);
	KT_EXPECT_EQ(t, host_free_pages, floor + 300);
	host_free_pages = free0;
}

/* Xen takes 100 of a pass's 256: the other 156 go back to the allocator. */
static void xen_taking_fewer_pages_is_followed(struct ktest *t)
{
	fake_decrease_budget = 100;
	set_target_pages(256);
	fake_now_ns += NSEC_PER_MSEC;
	KT_EXPECT_EQ(t, fake_run_timers(fake_now_ns), 1);
	KT_EXPECT_EQ(t, fake_nr_given, 100);
	KT_EXPECT_EQ(t, balloon_total_pages(), 100);
	KT_EXPECT_EQ(t, host_free_pages, free0 - 100 - 1);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "decrease_reservation: 100 of 256 done; trying again") != NULL);
	/* The rest when Xen takes them. */
	fake_decrease_budget = -1;
	run();
	KT_EXPECT_EQ(t, fake_nr_given, 256);
	KT_EXPECT_TRUE(t, host_all_distinct(fake_given, fake_nr_given));
	set_target_kib(BASE_KIB);
	run();
	KT_EXPECT_EQ(t, fake_nr_given, 0);
	KT_EXPECT_EQ(t, host_free_pages, free0);
}

/*
 * Xen has no memory to give back: what it populated is the guest's, the
 * rest stays ballooned, and after XB_MAX_ERRORS refusals in a row, a
 * second apart, the balloon stops for good (the last case: it stays so).
 */
static void a_hypervisor_that_keeps_refusing_is_given_up(struct ktest *t)
{
	/* The pages stay ballooned for good, as they would in a guest. */
	__lsan_disable();
	set_target_pages(300);
	run();
	__lsan_enable();
	KT_ASSERT_EQ(t, fake_nr_given, 300);
	fake_populate_budget = 40;
	set_target_kib(BASE_KIB);
	run();
	KT_EXPECT_EQ(t, fake_nr_given, 260);
	KT_EXPECT_EQ(t, balloon_total_pages(), 260);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "populate_physmap: 0 of 256 done, 5 times short in a row: ballooning stops, 260 pages held") != NULL);
	KT_EXPECT_EQ(t, fake_run_timers(fake_now_ns + NSEC_PER_SEC * 10), 0);
	/* A new target is not followed either. */
	fake_populate_budget = -1;
	set_target_pages(500);
	KT_EXPECT_EQ(t, run(), 0);
	KT_EXPECT_EQ(t, fake_nr_given, 260);
}

static struct ktest_case balloon_cases[] = {
	KTEST_CASE(parse_wants_a_bounded_size),
	KTEST_CASE(pages_follow_the_boot_target),
	KTEST_CASE(balloon_follows_the_target_down_and_up),
	KTEST_CASE(a_bad_target_is_not_followed),
	KTEST_CASE(balloon_stops_at_the_floor),
	KTEST_CASE(xen_taking_fewer_pages_is_followed),
	KTEST_CASE(a_hypervisor_that_keeps_refusing_is_given_up),
	{}
};
KTEST_SUITE(host_xen_balloon, balloon_cases);
