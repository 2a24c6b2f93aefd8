// SPDX-License-Identifier: GPL-2.0
/*
 * The backend's state after Connected (xenbus otherend_changed): a
 * backend that closes or vanishes fails blkfront's requests in flight at
 * once, not at the block layer's 30 s timeout; one that comes back
 * (InitWait) gets a new handshake and the same device works again
 * (netfront's half, with an echo through the stack: netfront_test.c).
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/blkdev.h>
#include <pvkit/ktest.h>
#include <xen/interface/io/blkif.h>
#include "fake_xen.h"

#define BE	"/local/domain/0/backend/vbd/1/832"
#define NR_ENTS	__CONST_RING_SIZE(blkif, 4096)

static unsigned int done_count;

static void count_done(struct blk_request *req)
{
	done_count++;
}

static struct blkif_sring *ring_of(const char *node)
{
	const char *ref = fake_xs_get(node);

	return ref ? fake_grant_page(atoi(ref)) : NULL;
}

/* The backend answers the next request on r with the byte 0x77 in every sector. */
static void serve_one(struct ktest *t, struct blkif_sring *r)
{
	struct blkif_request *rq = &r->ring[r->rsp_prod % NR_ENTS].req;
	struct blkif_response *rsp;

	KT_ASSERT_EQ(t, r->req_prod, r->rsp_prod + 1);
	for (unsigned int i = 0; i < rq->nr_segments; i++)
		memset(fake_grant_page(rq->seg[i].gref), 0x77, 4096);
	rsp = &r->ring[r->rsp_prod % NR_ENTS].rsp;
	*rsp = (struct blkif_response){ .id = rq->id, .operation = rq->operation };
	r->rsp_prod++;
}

static void backend_leaves(struct ktest *t, enum xenbus_state state)
{
	static u8 mem[2][4096] __attribute__((aligned(4096)));
	struct blk_request req[2];
	struct xenbus_device *dev;
	struct blkdev *blk;
	u64 t0;

	fake_xen_reset();
	fake_xs_set(BE "/sectors", "4096");
	dev = fake_probe("vbd", "832");
	KT_ASSERT_NOT_NULL(t, dev);
	blk = dev->priv;
	KT_ASSERT_NOT_NULL(t, dev->driver->otherend_changed);
	done_count = 0;
	for (int i = 0; i < 2; i++) {
		req[i] = (struct blk_request){ .op = BLK_READ, .sector = 8 * i, .nr_sectors = 8,
					       .buf = mem[i], .done = count_done };
		KT_ASSERT_EQ(t, blkdev_submit(blk, &req[i]), 0);
	}
	t0 = fake_now_ns;
	dev->driver->otherend_changed(dev, state);
	/* at once: no time passed, both failed, our side closed, every grant ended */
	KT_EXPECT_EQ(t, fake_now_ns, t0);
	KT_EXPECT_EQ(t, done_count, 2);
	KT_EXPECT_EQ(t, req[0].status, BLK_EBROKEN);
	KT_EXPECT_EQ(t, req[1].status, BLK_EBROKEN);
	KT_EXPECT_EQ(t, dev->state, XenbusStateClosed);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	KT_EXPECT_EQ(t, blkdev_submit(blk, &req[0]), BLK_EBROKEN);
	/* another event of a backend already gone changes nothing */
	dev->driver->otherend_changed(dev, XenbusStateClosed);
	KT_EXPECT_EQ(t, done_count, 2);

	/* It comes back (xl block-attach): a new handshake, and reads work again. */
	memset(mem, 0, sizeof(mem));
	dev->driver->otherend_changed(dev, XenbusStateInitWait);
	KT_EXPECT_EQ(t, dev->state, XenbusStateConnected);
	KT_ASSERT_EQ(t, blkdev_submit(blk, &req[1]), 0);
	serve_one(t, ring_of("device/vbd/832/ring-ref"));
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 3);
	KT_EXPECT_EQ(t, req[1].status, BLK_OK);
	KT_EXPECT_EQ(t, mem[1][4095], 0x77);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

static void backend_closing_fails_requests_at_once(struct ktest *t)
{
	backend_leaves(t, XenbusStateClosing);
}

/* A state node that vanished reads as Closed. */
static void backend_vanished_fails_requests_at_once(struct ktest *t)
{
	backend_leaves(t, XenbusStateClosed);
}

static struct ktest_case state_cases[] = {
	KTEST_CASE(backend_closing_fails_requests_at_once),
	KTEST_CASE(backend_vanished_fails_requests_at_once),
	{}
};
KTEST_SUITE(host_xen_otherend, state_cases);
