// SPDX-License-Identifier: GPL-2.0
/* Xen's shared pages, time and event channels, on the real hypervisor. */
#include <pvkit/ktest.h>
#include <pvkit/cmdline.h>
#include <pvkit/kernel.h>
#include <pvkit/irqflags.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <pvkit/mm.h>
#include <asm/page.h>
#include <xen/domain.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <asm/processor.h>
#include "../events_internal.h"

static const char *not_on_xen(void)
{
	return xen_events_ready() ? NULL : "not running on Xen";
}

/* expect_xen_mode=PV|PVH|HVM: the matrix states how each environment runs us. */
static void mode_is_expected(struct ktest *t)
{
	const char *want = param_get("expect_xen_mode");

	if (!want) {
		ktest_skip(t, "boot with expect_xen_mode=PV|PVH|HVM to check");
		return;
	}
	KT_EXPECT_STREQ(t, xen_mode_name(), want);
}

/* Xen 4.17 offers FIFO event channels; xen_fifo_events=0 keeps the 2-level ABI. */
static void event_abi_is_the_one_asked_for(struct ktest *t)
{
	bool fifo = param_get_ull("xen_fifo_events", 1);

	KT_EXPECT_STREQ(t, evtchn_abi_name(), fifo ? "FIFO" : "2-level");
}

static void xen_time_is_the_clock(struct ktest *t)
{
	struct clock_event_device *ce = clockevent_find("xen");
	unsigned long before;

	KT_EXPECT_STREQ(t, clocksource_current()->name, "xen");
	KT_ASSERT_NOT_NULL(t, ce);
	KT_EXPECT_STREQ(t, clockevent_current()->name, "xen");
	before = ce->nr_events;
	msleep(10);
	/* the sleep was woken by Xen's single-shot timer */
	KT_EXPECT_GT(t, ce->nr_events, before);
}

static void shared_info_is_xens(struct ktest *t)
{
	u64 a, b;

	KT_ASSERT_NOT_NULL(t, xen_shared_info);
	/* Xen keeps the wall clock in it: set, and an even version. */
	KT_EXPECT_GT(t, READ_ONCE(xen_shared_info->wc_sec), 1000000000);
	KT_EXPECT_EQ(t, READ_ONCE(xen_shared_info->wc_version) & 1, 0);
	a = ktime_get_ns();
	udelay(100);
	b = ktime_get_ns();
	KT_EXPECT_GE(t, b - a, 100 * 1000);
}

static volatile unsigned long hits;
static evtchn_port_t hit_port;

static void count_hit(evtchn_port_t port, void *data)
{
	hits++;
	hit_port = port;
}

static void wait_hits(unsigned long want)
{
	u64 end = ktime_get_ns() + KTEST_WAIT_NS;

	while (hits < want && ktime_get_ns() < end) {
		unsigned long flags = local_irq_save();

		if (hits < want)
			safe_halt();
		local_irq_restore(flags);
	}
}

/* A channel from this domain to itself: both ends are ours. */
static void loopback_channel_delivers_and_masks(struct ktest *t)
{
	int a = evtchn_alloc_unbound(DOMID_SELF, count_hit, NULL);
	unsigned long counted;
	int b;

	KT_ASSERT_GE(t, a, 0);
	b = evtchn_bind_interdomain(DOMID_SELF, a, count_hit, NULL);
	KT_ASSERT_GE(t, b, 0);
	/* Xen marks a freshly bound port pending, in case the peer spoke first. */
	msleep(2);
	counted = evtchn_count(a) + evtchn_count(b);
	hits = 0;
	evtchn_notify(b);
	wait_hits(1);
	KT_EXPECT_EQ(t, hits, 1);
	KT_EXPECT_EQ(t, hit_port, a);

	/* masked: the event waits as pending, and comes on unmask */
	evtchn_mask(a);
	evtchn_notify(b);
	msleep(5);
	KT_EXPECT_EQ(t, hits, 1);
	KT_EXPECT_TRUE(t, evtchn_is_pending(a));
	evtchn_unmask(a);
	wait_hits(2);
	KT_EXPECT_EQ(t, hits, 2);
	KT_EXPECT_FALSE(t, evtchn_is_pending(a));

	/* and the other way round */
	evtchn_notify(a);
	wait_hits(3);
	KT_EXPECT_EQ(t, hit_port, b);
	KT_EXPECT_EQ(t, evtchn_count(a) + evtchn_count(b) - counted, 3);
	evtchn_close(b);
	evtchn_close(a);
}

static volatile unsigned long spam_left;
static evtchn_port_t spam_back;

/* A peer that answers every event with another, spam_left times. */
static void spam_hit(evtchn_port_t port, void *data)
{
	hits++;
	if (spam_left) {
		spam_left--;
		evtchn_notify(spam_back);
	}
}

/* A loopback pair whose port a is raised again at each of its events. */
static int spam_pair(unsigned long events, int *b)
{
	int a = evtchn_alloc_unbound(DOMID_SELF, spam_hit, NULL);

	if (a < 0)
		return a;
	*b = evtchn_bind_interdomain(DOMID_SELF, a, count_hit, NULL);
	if (*b < 0) {
		evtchn_close(a);
		return *b;
	}
	msleep(2);		/* the pending mark of a fresh binding */
	hits = 0;
	spam_back = *b;
	spam_left = events - 1;
	evtchn_notify(*b);
	return a;
}

/*
 * Whether a spam test goes on waiting: while events still arrive (none in
 * the last 2 s ends it), and for at most 10 times KTEST_WAIT_NS.  A fixed
 * 5 s failed at load 16, with the events still flowing (3456 of 4096).
 */
struct spam_wait {
	u64 end, quiet_end;
	unsigned long seen;
};

static void spam_wait_start(struct spam_wait *w)
{
	u64 now = ktime_get_ns();

	w->end = now + 10 * KTEST_WAIT_NS;
	w->quiet_end = now + 2 * NSEC_PER_SEC;
	w->seen = hits;
}

static bool spam_flowing(struct spam_wait *w)
{
	u64 now = ktime_get_ns();

	if (hits != w->seen) {
		w->seen = hits;
		w->quiet_end = now + 2 * NSEC_PER_SEC;
	}
	return now < w->end && now < w->quiet_end;
}

/*
 * Issue 11: events that keep coming are served a burst at a time, the
 * rest later, and none is lost.
 */
static void endless_events_are_served_in_budgets(struct ktest *t)
{
	unsigned long want = 16 * EVTCHN_PORT_BURST + 1;
	struct evtchn_stats before, after;
	struct spam_wait w;
	int a, b;

	evtchn_upcall_stats(&before);
	a = spam_pair(want, &b);
	KT_ASSERT_GE(t, a, 0);
	spam_wait_start(&w);
	while (hits < want && spam_flowing(&w))
		cpu_relax();
	evtchn_upcall_stats(&after);
	ktest_log(t, "%lu events, %lu bursts throttled, at most %u events in one upcall",
		  hits, after.throttled - before.throttled, after.most);
	KT_EXPECT_EQ(t, hits, want);
	KT_EXPECT_GE(t, after.throttled - before.throttled, 3);
	KT_EXPECT_LE(t, after.most, EVTCHN_UPCALL_BUDGET);
	/* bursts, not a flood: the port still works */
	KT_EXPECT_FALSE(t, evtchn_flooded(a));
	spam_left = 0;
	evtchn_close(b);
	evtchn_close(a);
}

/*
 * A peer that never stops: its port is throttled burst after burst and
 * masked for good after EVTCHN_FLOOD_BURSTS in a row, while the timer
 * and this code go on (1 ms sleeps end).
 */
static void a_peer_that_never_stops_is_shut_off(struct ktest *t)
{
	struct clock_event_device *ce = clockevent_current();
	unsigned long sleeps = 0, timer_events, counted;
	struct evtchn_stats before, after;
	struct spam_wait w;
	int a, b;

	KT_ASSERT_NOT_NULL(t, ce);
	timer_events = ce->nr_events;
	evtchn_upcall_stats(&before);
	a = spam_pair(~0UL, &b);
	KT_ASSERT_GE(t, a, 0);
	spam_wait_start(&w);
	while (!evtchn_flooded(a) && spam_flowing(&w)) {
		msleep(1);
		sleeps++;
	}
	evtchn_upcall_stats(&after);
	ktest_log(t, "%lu events, %lu bursts, %lu sleeps of 1 ms, %lu timer events",
		  hits, after.throttled - before.throttled, sleeps,
		  ce->nr_events - timer_events);
	KT_EXPECT_TRUE(t, evtchn_flooded(a));
	KT_EXPECT_EQ(t, after.flooded - before.flooded, 1);
	KT_EXPECT_GE(t, hits, EVTCHN_PORT_BURST * EVTCHN_FLOOD_BURSTS);
	KT_EXPECT_GE(t, after.throttled - before.throttled, EVTCHN_FLOOD_BURSTS);
	KT_EXPECT_GT(t, ce->nr_events, timer_events);
	/* shut off: its last event waits, masked, and no other comes */
	counted = hits;
	msleep(5);
	KT_EXPECT_EQ(t, hits, counted);
	KT_EXPECT_TRUE(t, evtchn_is_pending(a));
	spam_left = 0;
	evtchn_close(b);
	evtchn_close(a);
}

/* Xen itself copies between a grant of ours and another of our frames. */
static s16 grant_copy(grant_ref_t ref, bool from_grant, void *frame)
{
	struct gnttab_copy op = {
		.len = PAGE_SIZE,
		.flags = from_grant ? GNTCOPY_source_gref : GNTCOPY_dest_gref,
	};
	struct gnttab_copy_ptr *g = from_grant ? &op.source : &op.dest;
	struct gnttab_copy_ptr *f = from_grant ? &op.dest : &op.source;

	g->u.ref = ref;
	g->domid = DOMID_SELF;
	f->u.gmfn = xen_virt_to_gfn(frame);
	f->domid = DOMID_SELF;
	if (HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1))
		return -99;
	return op.status;
}

static void grant_is_honoured_and_withdrawn(struct ktest *t)
{
	unsigned int free_before = gnttab_free_count();
	domid_t self = 0;
	u8 *src, *dst;
	int ref;

	KT_ASSERT_TRUE(t, gnttab_ready());
	/*
	 * A grant names the grantee by its real id, not DOMID_SELF; dom0 is
	 * 0, a domU learns its id from xenstore.
	 */
	if (!xen_initial_domain() && xs_read_domid(&self)) {
		ktest_skip(t, "a domU without xenstore does not know its domain id");
		return;
	}
	src = alloc_pages(1);
	dst = alloc_pages(1);
	KT_ASSERT_NOT_NULL(t, src);
	KT_ASSERT_NOT_NULL(t, dst);
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		src[i] = i * 13 + 7;
	memset(dst, 0, PAGE_SIZE);
	ref = gnttab_grant_access(self, xen_virt_to_gfn(src), true);
	KT_ASSERT_GE(t, ref, GNTTAB_NR_RESERVED_ENTRIES);
	KT_EXPECT_EQ(t, gnttab_free_count(), free_before - 1);
	KT_EXPECT_EQ(t, grant_copy(ref, true, dst), GNTST_okay);
	KT_EXPECT_MEMEQ(t, dst, src, PAGE_SIZE);
	/* read-only: Xen refuses to write through it */
	KT_EXPECT_NE(t, grant_copy(ref, false, dst), GNTST_okay);
	KT_EXPECT_TRUE(t, gnttab_end_access(ref));
	KT_EXPECT_EQ(t, gnttab_free_count(), free_before);
	/* ending it again must not put it on the free list twice */
	KT_EXPECT_FALSE(t, gnttab_end_access(ref));
	KT_EXPECT_EQ(t, gnttab_free_count(), free_before);
	/* withdrawn: nothing can be read through it any more */
	KT_EXPECT_NE(t, grant_copy(ref, true, dst), GNTST_okay);
	free_pages(src, 1);
	free_pages(dst, 1);
}

static const struct ktest_case xen_cases[] = {
	KTEST_CASE(mode_is_expected),
	KTEST_CASE(event_abi_is_the_one_asked_for),
	KTEST_CASE(xen_time_is_the_clock),
	KTEST_CASE(shared_info_is_xens),
	KTEST_CASE(loopback_channel_delivers_and_masks),
	KTEST_CASE(endless_events_are_served_in_budgets),
	KTEST_CASE(a_peer_that_never_stops_is_shut_off),
	KTEST_CASE(grant_is_honoured_and_withdrawn),
	{}
};
KTEST_SUITE_SKIP(xen, xen_cases, not_on_xen);
