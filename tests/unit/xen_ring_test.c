// SPDX-License-Identifier: GPL-2.0
/*
 * The frontend ring kit (include/xen/ring.h, xenbus_ring.c) on its own,
 * over the fake Xen: a backend that lies about rsp_prod is caught (also
 * when it changes rsp_prod in the middle of a pass, which is read once),
 * the caller's budget and stop flag bound the work, set-up that fails at
 * any step leaves no page granted and no channel open, and what goes to
 * xenstore names the grants and the port.  Then the same through both
 * drivers' probes.
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <xen/grant_table.h>
#include <xen/ring.h>
#include <xen/interface/io/blkif.h>
#include <pvkit/smp.h>
#include "fake_xen.h"

#define NR_BLKIF	__CONST_RING_SIZE(blkif, PAGE_SIZE)

static struct xenbus_device ring_dev = { .nodename = "device/vbd/1", .otherend_id = 0 };
static struct xen_front_ring ring;
static bool stopped;

/* An empty ring of one page; n requests handed out (ids 0..n-1). */
static void ring_with_requests(struct ktest *t, unsigned int n)
{
	fake_xen_reset();
	KT_ASSERT_EQ(t, xenbus_setup_ring(&ring_dev, &ring, 1, NR_BLKIF), 0);
	for (unsigned int i = 0; i < n; i++)
		XEN_RING_NEXT_REQ(&ring, blkif)->id = i;
	xen_ring_push(&ring);
	stopped = false;
}

/* The backend answers n requests, in order. */
static void answer(unsigned int n)
{
	struct blkif_sring *s = XEN_RING_SRING(&ring, blkif);

	for (unsigned int i = 0; i < n; i++) {
		s->ring[s->rsp_prod % NR_BLKIF].rsp.id = s->rsp_prod;
		s->rsp_prod++;
	}
}

static void done_with_ring(struct ktest *t)
{
	xenbus_teardown_ring(&ring);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	KT_EXPECT_NULL(t, ring.sring);
}

/* Responses taken, at most budget, each checked to be the one its slot was answered with. */
static unsigned int take(struct xen_ring_iter *it, unsigned int budget)
{
	struct blkif_response rsp;
	unsigned int seen = 0;

	xen_ring_for_each_response(it, &ring, blkif, rsp, budget, &stopped)
		seen += rsp.id == it->idx;
	return seen;
}

static void responses_come_in_order_and_once(struct ktest *t)
{
	struct xen_ring_iter it;

	ring_with_requests(t, 5);
	answer(5);
	KT_EXPECT_EQ(t, take(&it, XEN_RING_NO_BUDGET), 5);
	KT_EXPECT_FALSE(t, it.lied);
	KT_EXPECT_EQ(t, ring.rsp_cons, 5);
	/* None left: an event is asked for at the next response. */
	KT_EXPECT_EQ(t, ring.sring->rsp_event, 6);
	done_with_ring(t);
}

static void producer_past_requests_is_a_lie(struct ktest *t)
{
	struct xen_ring_iter it;

	ring_with_requests(t, 2);
	ring.sring->rsp_prod = 3;	/* three answers to two requests */
	KT_EXPECT_EQ(t, take(&it, XEN_RING_NO_BUDGET), 0);
	KT_EXPECT_TRUE(t, it.lied);
	KT_EXPECT_EQ(t, ring.rsp_cons, 0);
	/* More than the ring holds, however it wraps. */
	ring.sring->rsp_prod = NR_BLKIF + 1;
	KT_EXPECT_EQ(t, xen_ring_responses(&ring), -EPROTO);
	ring.sring->rsp_prod = (RING_IDX)-1;
	KT_EXPECT_EQ(t, xen_ring_pending(&ring), -EPROTO);
	done_with_ring(t);
}

static void producer_lies(void)
{
	ring.sring->rsp_prod = 1000;
}

static void two_more_answers(void)
{
	answer(2);
}

/* Four requests, two answers, then what mid() does once the first is taken. */
static unsigned int consume_with(struct ktest *t, struct xen_ring_iter *it, void (*mid)(void))
{
	struct blkif_response rsp;
	unsigned int seen = 0;

	ring_with_requests(t, 4);
	answer(2);
	xen_ring_for_each_response(it, &ring, blkif, rsp, XEN_RING_NO_BUDGET, &stopped) {
		KT_EXPECT_EQ(t, rsp.id, it->idx);
		if (seen++ == 0)
			mid();
	}
	return seen;
}

/*
 * rsp_prod is read once per pass: a lie written while the pass runs
 * does not change what the pass consumes; the next pass reads it, and
 * stops there.
 */
static void producer_read_once_per_pass(struct ktest *t)
{
	struct xen_ring_iter it;

	KT_EXPECT_EQ(t, consume_with(t, &it, producer_lies), 2);
	KT_EXPECT_TRUE(t, it.lied);
	KT_EXPECT_EQ(t, ring.rsp_cons, 2);
	done_with_ring(t);
}

/* Responses that come during a pass are taken by the next one. */
static void later_responses_take_another_pass(struct ktest *t)
{
	struct xen_ring_iter it;

	KT_EXPECT_EQ(t, consume_with(t, &it, two_more_answers), 4);
	KT_EXPECT_FALSE(t, it.lied);
	done_with_ring(t);
}

static void budget_is_respected(struct ktest *t)
{
	struct xen_ring_iter it;
	RING_IDX event;

	ring_with_requests(t, 10);
	answer(10);
	event = ring.sring->rsp_event;
	KT_EXPECT_EQ(t, take(&it, 4), 4);
	KT_EXPECT_EQ(t, it.done, 4);
	KT_EXPECT_EQ(t, ring.rsp_cons, 4);
	/* Out of budget with responses left: no event asked for. */
	KT_EXPECT_EQ(t, ring.sring->rsp_event, event);
	KT_EXPECT_EQ(t, xen_ring_responses(&ring), 6);
	KT_EXPECT_EQ(t, take(&it, 4), 4);
	KT_EXPECT_EQ(t, take(&it, 4), 2);
	KT_EXPECT_EQ(t, ring.rsp_cons, 10);
	done_with_ring(t);
}

/* The caller shuts the device off while handling a response: no more is taken. */
static void stop_flag_ends_the_loop(struct ktest *t)
{
	struct xen_ring_iter it;
	struct blkif_response rsp;
	unsigned int seen = 0;

	ring_with_requests(t, 3);
	answer(3);
	xen_ring_for_each_response(&it, &ring, blkif, rsp, XEN_RING_NO_BUDGET, &stopped) {
		seen += rsp.id == it.idx;
		stopped = true;
	}
	KT_EXPECT_EQ(t, seen, 1);
	KT_EXPECT_EQ(t, ring.rsp_cons, 1);
	done_with_ring(t);
}

/* Takes every free grant but keep of them; how many were taken. */
static unsigned int use_grants_but(unsigned int keep, int *refs)
{
	unsigned int n = 0;
	int ref;

	while ((ref = gnttab_grant_access(0, 1, false)) >= 0)
		refs[n++] = ref;
	for (unsigned int i = 0; i < keep; i++)
		gnttab_end_access(refs[--n]);
	return n;
}

static void setup_failure_unwinds_every_grant(struct ktest *t)
{
	static int refs[FAKE_NR_GRANTS];
	unsigned int taken;

	fake_xen_reset();
	taken = use_grants_but(2, refs);
	/* Two of four pages granted, the third fails: both end, the pages go. */
	KT_EXPECT_EQ(t, xenbus_setup_ring(&ring_dev, &ring, 4, 4 * NR_BLKIF), -ENOSPC);
	KT_EXPECT_EQ(t, fake_grants_in_use(), taken);
	KT_EXPECT_NULL(t, ring.sring);
	KT_EXPECT_EQ(t, ring.nr_pages, 0);
	for (unsigned int i = 0; i < 4; i++)
		KT_EXPECT_EQ(t, ring.grefs[i], -1);
	KT_EXPECT_EQ(t, gnttab_held_pages(), 0);
	/* No pages: nothing granted. */
	fake_xen_reset();
	host_alloc_pages_failures = 1;
	KT_EXPECT_EQ(t, xenbus_setup_ring(&ring_dev, &ring, 1, NR_BLKIF), -ENOMEM);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	KT_EXPECT_EQ(t, xenbus_setup_ring(&ring_dev, &ring, XEN_RING_MAX_PAGES + 1, 1), -EINVAL);
	/* Teardown of a ring never set up is nothing. */
	xenbus_teardown_ring(&ring);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

static void page_grant_failure_holds_nothing(struct ktest *t)
{
	static int refs[FAKE_NR_GRANTS];
	void *page = (void *)1;
	int gref = 5;

	fake_xen_reset();
	use_grants_but(0, refs);
	KT_EXPECT_EQ(t, xenbus_grant_page(&ring_dev, true, &page, &gref), -ENOSPC);
	KT_EXPECT_NULL(t, page);
	KT_EXPECT_EQ(t, gref, -1);
	fake_xen_reset();
	KT_EXPECT_EQ(t, xenbus_grant_page(&ring_dev, true, &page, &gref), 0);
	KT_EXPECT_TRUE(t, fake_grants[gref].readonly);
	KT_EXPECT_EQ(t, fake_grant_page(gref), page);
	KT_EXPECT_TRUE(t, xenbus_ungrant_page(&page, &gref));
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	KT_EXPECT_NULL(t, page);
}

/* A ring the backend still maps is kept out of use, never freed under it. */
static void teardown_keeps_a_mapped_ring(struct ktest *t)
{
	fake_xen_reset();
	KT_ASSERT_EQ(t, xenbus_setup_ring(&ring_dev, &ring, 2, 2 * NR_BLKIF), 0);
	fake_grants[ring.grefs[1]].mapped = true;
	xenbus_teardown_ring(&ring);
	KT_EXPECT_EQ(t, gnttab_held_pages(), 1);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 1);
	KT_EXPECT_NULL(t, ring.sring);
}

static u32 publish_ring_and_port(u32 tx, struct xen_front_ring *r, int port)
{
	int err = xenbus_publish_ring(tx, "device/vbd/1", "ring-ref", r);

	return err ? err : xenbus_publish_evtchn(tx, "device/vbd/1", port);
}

static void publication_names_grants_and_port(struct ktest *t)
{
	char path[48], want[16];
	int port;

	fake_xen_reset();
	KT_ASSERT_EQ(t, xenbus_setup_ring(&ring_dev, &ring, 1, NR_BLKIF), 0);
	KT_ASSERT_EQ(t, xenbus_alloc_evtchn(&ring_dev, NULL, NULL, &port), 0);
	KT_EXPECT_EQ(t, publish_ring_and_port(XBT_NIL, &ring, port), 0);
	snprintf(want, sizeof(want), "%d", ring.grefs[0]);
	KT_EXPECT_STREQ(t, fake_xs_get("device/vbd/1/ring-ref"), want);
	snprintf(want, sizeof(want), "%d", port);
	KT_EXPECT_STREQ(t, fake_xs_get("device/vbd/1/event-channel"), want);
	KT_EXPECT_NULL(t, fake_xs_get("device/vbd/1/ring-ref0"));
	xenbus_teardown_ring(&ring);
	KT_ASSERT_EQ(t, xenbus_setup_ring(&ring_dev, &ring, 4, 4 * NR_BLKIF), 0);
	KT_EXPECT_EQ(t, publish_ring_and_port(XBT_NIL, &ring, port), 0);
	for (unsigned int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "device/vbd/1/ring-ref%u", i);
		snprintf(want, sizeof(want), "%d", ring.grefs[i]);
		KT_EXPECT_STREQ(t, fake_xs_get(path), want);
		KT_EXPECT_FALSE(t, fake_grants[ring.grefs[i]].readonly);
	}
	xenbus_free_evtchn(&port);
	KT_EXPECT_EQ(t, port, -1);
	KT_EXPECT_EQ(t, fake_ports_open(), 0);
	done_with_ring(t);
}

/* Ports taken until only free of the fake's 8 are left. */
static void use_ports_but(unsigned int free)
{
	int port;

	for (unsigned int i = 0; i < 8 - free; i++)
		xenbus_alloc_evtchn(&ring_dev, NULL, NULL, &port);
}

/* netfront's set-up fails at its last step, the channel: every grant ends. */
static void netfront_setup_failure_unwinds(struct ktest *t)
{
	fake_xen_reset();
	fake_xs_set("device/vif/0/mac", "52:54:00:12:34:56");
	use_ports_but(0);
	KT_EXPECT_NULL(t, fake_probe("vif", "0"));
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	KT_EXPECT_EQ(t, gnttab_held_pages(), 0);
	/* Out of grants half way through the buffers. */
	fake_xen_reset();
	fake_xs_set("device/vif/0/mac", "52:54:00:12:34:56");
	{
		static int refs[FAKE_NR_GRANTS];
		unsigned int taken = use_grants_but(40, refs);

		KT_EXPECT_NULL(t, fake_probe("vif", "0"));
		KT_EXPECT_EQ(t, fake_grants_in_use(), taken);
		KT_EXPECT_EQ(t, fake_ports_open(), 0);
	}
}

/*
 * blkfront with two queues (two CPUs): the second queue's channel cannot be had, so
 * the first queue's channel closes and both rings' grants end.
 */
static void blkfront_setup_failure_unwinds(struct ktest *t)
{
	fake_xen_reset();
	fake_xs_set("/local/domain/0/backend/vbd/1/768/sectors", "2048");
	fake_xs_set("/local/domain/0/backend/vbd/1/768/multi-queue-max-queues", "2");
	fake_xs_set("/local/domain/0/backend/vbd/1/768/max-ring-page-order", "2");
	use_ports_but(1);
	nr_cpus_online = 2;
	KT_EXPECT_NULL(t, fake_probe("vbd", "768"));
	nr_cpus_online = 1;
	KT_EXPECT_EQ(t, fake_ports_open(), 7);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	KT_EXPECT_EQ(t, gnttab_held_pages(), 0);
}

static const struct ktest_case xen_ring_cases[] = {
	KTEST_CASE(responses_come_in_order_and_once),
	KTEST_CASE(producer_past_requests_is_a_lie),
	KTEST_CASE(producer_read_once_per_pass),
	KTEST_CASE(later_responses_take_another_pass),
	KTEST_CASE(budget_is_respected),
	KTEST_CASE(stop_flag_ends_the_loop),
	KTEST_CASE(setup_failure_unwinds_every_grant),
	KTEST_CASE(page_grant_failure_holds_nothing),
	KTEST_CASE(teardown_keeps_a_mapped_ring),
	KTEST_CASE(publication_names_grants_and_port),
	KTEST_CASE(netfront_setup_failure_unwinds),
	KTEST_CASE(blkfront_setup_failure_unwinds),
	{}
};

KTEST_SUITE(host_xen_ring, xen_ring_cases);
