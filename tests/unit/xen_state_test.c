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
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
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

/* The same for the oldest request not answered, whatever else is in flight. */
static void serve_oldest(struct blkif_sring *r)
{
	struct blkif_request *rq = &r->ring[r->rsp_prod % NR_ENTS].req;

	for (unsigned int i = 0; i < rq->nr_segments; i++)
		memset(fake_grant_page(rq->seg[i].gref), 0x77, 4096);
	r->ring[r->rsp_prod % NR_ENTS].rsp = (struct blkif_response){
		.id = rq->id, .operation = rq->operation };
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

/* blkfront on two CPUs, its backend offering two queues: a queue each. */
static struct xenbus_device *probe_two_queues(void)
{
	fake_xen_reset();
	fake_xs_set(BE "/sectors", "4096");
	fake_xs_set(BE "/multi-queue-max-queues", "2");
	nr_cpus_online = 2;
	return fake_probe("vbd", "832");
}

static const char *node(const char *fmt, unsigned int n)
{
	static char path[64];

	snprintf(path, sizeof(path), fmt, n);
	return path;
}

static struct blkif_sring *queue_ring(unsigned int n)
{
	return ring_of(node("device/vbd/832/queue-%u/ring-ref", n));
}

static int submit_on(struct blkdev *blk, unsigned int cpu, struct blk_request *req)
{
	int err;

	host_cpu = cpu;
	err = blkdev_submit(blk, req);
	host_cpu = 0;
	return err;
}

static void read_of(struct blk_request *req, u64 sector, void *buf)
{
	*req = (struct blk_request){ .op = BLK_READ, .sector = sector, .nr_sectors = 8,
				     .buf = buf, .done = count_done };
}

/*
 * Two CPUs, a queue each: the backend leaves with requests in flight on
 * both, which fail at once, every grant ended and both ports closed; it
 * comes back offering one queue (a single ring at the top level, CPU 1
 * on it too), then two again (a queue per CPU again, bound anew).
 */
static void backend_leaves_and_comes_back_with_other_queues(struct ktest *t)
{
	static u8 mem[2][4096] __attribute__((aligned(4096)));
	struct blk_request req[2];
	struct xenbus_device *dev;
	struct blkdev *blk;

	dev = probe_two_queues();
	KT_ASSERT_NOT_NULL(t, dev);
	blk = dev->priv;
	KT_EXPECT_EQ(t, blk->nr_queues, 2);
	done_count = 0;
	for (unsigned int c = 0; c < 2; c++) {
		read_of(&req[c], 8 * c, mem[c]);
		KT_ASSERT_EQ(t, submit_on(blk, c, &req[c]), 0);
		KT_EXPECT_EQ(t, queue_ring(c)->req_prod, 1);
	}
	dev->driver->otherend_changed(dev, XenbusStateClosing);
	KT_EXPECT_EQ(t, done_count, 2);
	KT_EXPECT_EQ(t, req[0].status, BLK_EBROKEN);
	KT_EXPECT_EQ(t, req[1].status, BLK_EBROKEN);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	KT_EXPECT_EQ(t, fake_ports_open(), 0);
	KT_EXPECT_EQ(t, submit_on(blk, 1, &req[1]), BLK_EBROKEN);

	/* Back with one queue. */
	fake_xs_set(BE "/multi-queue-max-queues", "1");
	dev->driver->otherend_changed(dev, XenbusStateInitWait);
	KT_EXPECT_EQ(t, dev->state, XenbusStateConnected);
	KT_EXPECT_EQ(t, blk->nr_queues, 1);
	KT_EXPECT_EQ(t, fake_ports_open(), 1);
	KT_ASSERT_EQ(t, submit_on(blk, 1, &req[1]), 0);
	serve_one(t, ring_of("device/vbd/832/ring-ref"));
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 3);
	KT_EXPECT_EQ(t, req[1].status, BLK_OK);
	KT_EXPECT_EQ(t, mem[1][0], 0x77);
	KT_EXPECT_EQ(t, blk->queue_stats[0].wakeups, 1);	/* CPU 1 woken by CPU 0 */

	/* Gone and back with two. */
	dev->driver->otherend_changed(dev, XenbusStateClosed);
	fake_xs_set(BE "/multi-queue-max-queues", "2");
	dev->driver->otherend_changed(dev, XenbusStateInitWait);
	KT_EXPECT_EQ(t, blk->nr_queues, 2);
	KT_EXPECT_EQ(t, fake_ports_open(), 2);
	KT_EXPECT_EQ(t, fake_port_cpu(atoi(fake_xs_get(
		"device/vbd/832/queue-1/event-channel"))), 1);
	KT_ASSERT_EQ(t, submit_on(blk, 1, &req[1]), 0);
	serve_one(t, queue_ring(1));
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 4);
	KT_EXPECT_EQ(t, req[1].status, BLK_OK);
	nr_cpus_online = 1;
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

/*
 * A new domain (xl restore) while requests are in flight on two queues:
 * each is sent to the new backend once, in the order they were
 * submitted, whatever slots and queues they had (slot 0 of queue 0 was
 * reused by the last one).
 */
static void requeued_in_submission_order(struct ktest *t)
{
	static u8 mem[4][4096] __attribute__((aligned(4096)));
	static const unsigned int cpu_of[4] = { 0, 1, 0, 0 };
	static const u64 want[3] = { 8, 16, 24 };
	const struct xenbus_follow_ops *ops;
	struct blk_request req[4];
	struct xenbus_device *dev;
	struct blkif_sring *r;
	struct blkdev *blk;

	dev = probe_two_queues();
	KT_ASSERT_NOT_NULL(t, dev);
	blk = dev->priv;
	ops = dev->driver->follow;
	done_count = 0;
	/* req 0 on queue 0 slot 0, 1 on queue 1, 2 on queue 0 slot 1; 0 done, 3 takes slot 0 */
	for (unsigned int i = 0; i < 4; i++) {
		read_of(&req[i], 8 * i, mem[i]);
		KT_ASSERT_EQ(t, submit_on(blk, cpu_of[i], &req[i]), 0);
		if (i == 2) {
			serve_oldest(queue_ring(0));
			fake_raise_port(atoi(fake_xs_get("device/vbd/832/queue-0/event-channel")));
			KT_EXPECT_EQ(t, done_count, 1);
		}
	}
	/* The suspend: quiet, then a new domain with a new backend of one queue. */
	ops->quiesce(dev);
	ops->lost(dev);
	ops->release(dev);
	fake_xs_set(BE "/multi-queue-max-queues", "1");
	nr_cpus_online = 1;
	KT_ASSERT_EQ(t, xenbus_follow_reconnect(dev, "xvda", ops), 0);
	r = ring_of("device/vbd/832/ring-ref");
	KT_ASSERT_NOT_NULL(t, r);
	KT_EXPECT_EQ(t, r->req_prod, 3);
	for (unsigned int i = 0; i < 3 && i < r->req_prod; i++)
		KT_EXPECT_EQ(t, r->ring[i].req.sector_number, want[i]);
	for (unsigned int i = 0; i < 3; i++)
		serve_oldest(r);
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 4);
	for (unsigned int i = 1; i < 4; i++)
		KT_EXPECT_EQ(t, req[i].status, BLK_OK);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

static struct ktest_case state_cases[] = {
	KTEST_CASE(backend_closing_fails_requests_at_once),
	KTEST_CASE(backend_vanished_fails_requests_at_once),
	KTEST_CASE(backend_leaves_and_comes_back_with_other_queues),
	KTEST_CASE(requeued_in_submission_order),
	{}
};
KTEST_SUITE(host_xen_otherend, state_cases);
