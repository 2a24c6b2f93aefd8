// SPDX-License-Identifier: GPL-2.0
/*
 * balloon: the guest side of the balloon tests (tests/tools/balloonpeer.py
 * drives QEMU's `balloon` command over QMP; on Xen, tests/xen/balloon-peer
 * runs xl mem-set in dom0).
 *
 *   app=balloon [balloon.rounds=N] [balloon.timeout=SECONDS]
 *
 * Says it is ready, then watches the pages the balloon holds: each round
 * is the balloon filling and emptying again.  While it watches it reports
 * the free and ballooned pages as they change and checks a few pages of
 * memory each time; when a round ends it allocates as many pages as the
 * balloon held at its peak, writes and verifies every one, and prints one
 * line the peer checks: the peak, free pages before, at the lowest and
 * after.  Exits 0 after N rounds (default 1), 1 on a failed check or
 * when a round does not end within the timeout (default 50 s).
 */
#include <pvkit/app.h>
#include <pvkit/balloon.h>
#include <pvkit/cmdline.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <pvkit/time.h>
#include <asm/page.h>

#define WATCH_MS	50
#define SMALL_CHECK	64		/* pages checked while the balloon moves */

struct round {
	unsigned long free_before, free_low, free_after, peak;
};

static u64 pattern(unsigned long page, unsigned long word)
{
	return (page * 0x9e3779b97f4a7c15ULL) ^ (word * 0x100000001b3ULL) ^ 0xba11;
}

/* Allocates n pages, writes and verifies each, frees them: 0 or -1. */
static int memory_check(unsigned long n)
{
	void **pages = kmalloc(n * sizeof(*pages));
	unsigned long got = 0, bad = 0;

	if (!pages)
		return -1;
	for (; got < n; got++) {
		u64 *p = alloc_pages(1);

		if (!p)
			break;
		pages[got] = p;
		for (unsigned long w = 0; w < PAGE_SIZE / 8; w++)
			p[w] = pattern(got, w);
	}
	for (unsigned long i = 0; i < got; i++) {
		const u64 *p = pages[i];

		for (unsigned long w = 0; w < PAGE_SIZE / 8; w++)
			bad += p[w] != pattern(i, w);
		free_pages(pages[i], 1);
	}
	kfree(pages);
	if (got < n || bad) {
		console_printf("balloon: memory check failed: %lu of %lu pages allocated, %lu words wrong\n",
			       got, n, bad);
		return -1;
	}
	return 0;
}

/* Reports changes and checks a little memory until done() holds; false on failure. */
static bool watch(struct round *r, bool (*done)(const struct round *), u64 end)
{
	unsigned long last_free = ~0UL, last_held = ~0UL;

	while (!done(r)) {
		unsigned long free = nr_free_pages(), held = balloon_total_pages();

		r->free_low = min(r->free_low, free);
		r->peak = max(r->peak, held);
		if (free != last_free || held != last_held)
			console_printf("balloon: free %lu pages, ballooned %lu\n", free, held);
		last_free = free;
		last_held = held;
		if (memory_check(SMALL_CHECK))
			return false;
		if (ktime_get_ns() > end) {
			console_printf("balloon: timed out: ballooned %lu pages, peak %lu\n",
				       held, r->peak);
			return false;
		}
		msleep(WATCH_MS);
		/* Xen's memory/target is a xenstore watch: it runs from here. */
		app_poll();
	}
	return true;
}

static bool filled(const struct round *r)
{
	return balloon_total_pages() > 0;
}

static bool emptied(const struct round *r)
{
	return balloon_total_pages() == 0;
}

static int balloon_main(void)
{
	unsigned long rounds = param_get_ull("balloon.rounds", 1);
	u64 timeout = param_get_ull("balloon.timeout", 50) * NSEC_PER_SEC;
	u64 end = ktime_get_ns() + timeout;

	console_printf("balloon: ready: free %lu pages of %lu, ballooned %lu, %lu rounds\n",
		       nr_free_pages(), nr_managed_pages(), balloon_total_pages(), rounds);
	for (unsigned long i = 1; i <= rounds; i++) {
		struct round r = { .free_before = nr_free_pages() };

		r.free_low = r.free_before;
		if (!watch(&r, filled, end) || !watch(&r, emptied, end))
			return EXIT_FAIL;
		r.free_after = nr_free_pages();
		if (memory_check(r.peak))
			return EXIT_FAIL;
		console_printf("balloon: round %lu: peak %lu pages, free %lu, lowest %lu, after %lu, memory check of %lu pages ok\n",
			       i, r.peak, r.free_before, r.free_low, r.free_after, r.peak);
	}
	return EXIT_OK;
}
DEFINE_APP(balloon, "watch the memory balloon, check memory as it moves", balloon_main);
