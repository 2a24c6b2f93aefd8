// SPDX-License-Identifier: GPL-2.0
/* Xen's shared pages, time and event channels, on the real hypervisor. */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/irqflags.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <xen/events.h>
#include <xen/xen.h>

static const char *not_on_xen(void)
{
	return xen_events_ready() ? NULL : "not running on Xen";
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
	u64 end = ktime_get_ns() + 100 * NSEC_PER_MSEC;

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

static const struct ktest_case xen_cases[] = {
	KTEST_CASE(xen_time_is_the_clock),
	KTEST_CASE(shared_info_is_xens),
	KTEST_CASE(loopback_channel_delivers_and_masks),
	{}
};
KTEST_SUITE_SKIP(xen, xen_cases, not_on_xen);
