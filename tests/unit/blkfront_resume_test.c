// SPDX-License-Identifier: GPL-2.0
/*
 * blkfront's requests kept across a suspend (xl save, xl restore) go to
 * the new domain's backend, which may take fewer segments a request than
 * the old one did (no indirect pages, or fewer; a migration to another
 * host's blkback).  The block layer checked each request against the old
 * connection only: blkfront checks it against the new one, and a request
 * that cannot be carried fails, once, with nothing sent for it and
 * nothing left granted.  (It once went out through the slot's indirect
 * page, which a connection without indirect segments does not have.)
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <pvkit/blkdev.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <xen/interface/io/blkif.h>
#include "fake_xen.h"

#define BE		"/local/domain/0/backend/vbd/1/848"
#define NR_ENTS		__CONST_RING_SIZE(blkif, 4096)
/* 255 segments: one indirect page's worth (BF_MAX_INDIRECT_SEGS) fits it. */
#define BIG_SECTORS	2040

extern char host_log[8192];

static unsigned int done_count;

static void count_done(struct blk_request *req)
{
	done_count++;
}

static struct blkif_sring *top_ring(void)
{
	const char *ref = fake_xs_get("device/vbd/848/ring-ref");

	return ref ? fake_grant_page(atoi(ref)) : NULL;
}

/*
 * A 1 MiB read and a 4 KiB one in flight on a backend with indirect
 * segments; the domain is saved and restored, and the new backend offers
 * new_indirect ("": none).  The small read goes to it; the big one fails
 * if it needs more segments than that, else goes too.
 */
static void resume_to_backend(struct ktest *t, const char *new_indirect, bool big_fits)
{
	u8 *big = aligned_alloc(4096, BIG_SECTORS * 512);
	static u8 small[4096] __attribute__((aligned(4096)));
	struct blk_request req[2] = {
		{ .op = BLK_READ, .sector = 0, .nr_sectors = BIG_SECTORS, .buf = big,
		  .done = count_done },
		{ .op = BLK_READ, .sector = 2048, .nr_sectors = 8, .buf = small,
		  .done = count_done },
	};
	const struct xenbus_follow_ops *ops;
	struct xenbus_device *dev;
	struct blkif_sring *r;
	struct blkdev *blk;
	unsigned int sent;

	KT_ASSERT_NOT_NULL(t, big);
	fake_xen_reset();
	fake_xs_set(BE "/sectors", "4096");
	fake_xs_set(BE "/feature-max-indirect-segments", "256");
	dev = fake_probe("vbd", "848");
	KT_ASSERT_NOT_NULL(t, dev);
	blk = dev->priv;
	ops = dev->driver->follow;
	KT_ASSERT_EQ(t, blk->max_sectors, 2048);
	done_count = 0;
	for (unsigned int i = 0; i < 2; i++)
		KT_ASSERT_EQ(t, blkdev_submit(blk, &req[i]), 0);
	KT_EXPECT_EQ(t, top_ring()->req_prod, 2);

	/* Saved with both in flight; restored beside a backend of other limits. */
	ops->quiesce(dev);
	ops->lost(dev);
	ops->release(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	if (*new_indirect)
		fake_xs_set(BE "/feature-max-indirect-segments", new_indirect);
	else
		fake_xs_set(BE "/feature-max-indirect-segments", "0");
	host_log[0] = '\0';
	KT_ASSERT_EQ(t, xenbus_follow_reconnect(dev, "xvda", ops), 0);
	r = top_ring();
	KT_ASSERT_NOT_NULL(t, r);
	sent = big_fits ? 2 : 1;
	KT_EXPECT_EQ(t, r->req_prod, sent);
	if (!big_fits) {
		/* failed at once, said, never sent */
		KT_EXPECT_EQ(t, done_count, 1);
		KT_EXPECT_EQ(t, req[0].status, BLK_EIO);
		KT_EXPECT_NOT_NULL(t, strstr(host_log, "too big for the new backend"));
		KT_EXPECT_EQ(t, r->ring[0].req.sector_number, 2048);
		KT_EXPECT_EQ(t, r->ring[0].req.operation, BLKIF_OP_READ);
	}
	/* The backend answers what it got: every request completes once. */
	for (unsigned int i = 0; i < sent && i < r->req_prod; i++) {
		struct blkif_request *rq = &r->ring[i % NR_ENTS].req;

		r->ring[i % NR_ENTS].rsp = (struct blkif_response){
			.id = rq->id, .operation = rq->operation };
		r->rsp_prod++;
	}
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 2);
	KT_EXPECT_EQ(t, req[1].status, BLK_OK);
	if (big_fits)
		KT_EXPECT_EQ(t, req[0].status, BLK_OK);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	free(big);
}

/* The new backend has no indirect segments: 11 a request. */
static void too_big_for_a_backend_without_indirect_fails(struct ktest *t)
{
	resume_to_backend(t, "", false);
}

/* The new backend takes 32 segments a request, not 255. */
static void too_big_for_fewer_indirect_segments_fails(struct ktest *t)
{
	resume_to_backend(t, "32", false);
}

/* The same limits again: the big read goes to the new backend as before. */
static void same_limits_resubmits_everything(struct ktest *t)
{
	resume_to_backend(t, "256", true);
}

/*
 * The requests still waiting since a resume (the rings were full) are
 * CPU 0's to resubmit, from its poll; another CPU may shut the device
 * off meanwhile (a backend lying on that CPU's queue, or a request past
 * its deadline there), which fails them.  Each request must complete
 * exactly once: the waiting list was walked by both CPUs at once, with
 * no lock (a request completed twice, its caller's memory written after
 * it had it back, or never).  Host threads play the two CPUs, CPU 1
 * stopping the device at a different point of CPU 0's resubmission in
 * each round.
 */
#define RACE_ROUNDS	400
#define RACE_REQS	64	/* two full rings of 32: half of them wait */
#define RESUBMIT_BATCH	8	/* blkfront's BF_RESUBMIT_BATCH: sent by one poll */

static struct blk_request race_req[RACE_REQS];
static unsigned int completions[RACE_REQS];
static u8 race_mem[RACE_REQS][4096] __attribute__((aligned(4096)));
static struct xenbus_device *race_dev;
static unsigned int race_go, race_a_done, race_after;

static void count_each(struct blk_request *req)
{
	__atomic_fetch_add(&completions[req - race_req], 1, __ATOMIC_SEQ_CST);
}

/* CPU 1: once CPU 0 has granted race_after more pages (resubmitting), the device stops. */
static void *stopper(void *arg)
{
	unsigned int base = *(unsigned int *)arg;

	while (!__atomic_load_n(&race_go, __ATOMIC_ACQUIRE))
		;
	while (!__atomic_load_n(&race_a_done, __ATOMIC_ACQUIRE) &&
	       fake_grants_in_use() < base + race_after)
		;
	race_dev->driver->follow->stop(race_dev);
	return NULL;
}

static struct blkif_sring *queue0_ring(void)
{
	const char *ref = fake_xs_get("device/vbd/848/queue-0/ring-ref");

	return ref ? fake_grant_page(atoi(ref)) : NULL;
}

/* One round; the number of requests not completed exactly once. */
static unsigned int race_round(struct ktest *t, unsigned int round)
{
	const struct xenbus_follow_ops *ops;
	struct blkif_sring *r;
	struct blkdev *blk;
	unsigned int bad = 0, base;
	pthread_t th;

	fake_xen_reset();
	host_log[0] = '\0';
	fake_xs_set(BE "/sectors", "4096");
	fake_xs_set(BE "/multi-queue-max-queues", "2");
	nr_cpus_online = 2;
	race_dev = fake_probe("vbd", "848");
	if (!race_dev)
		return RACE_REQS;
	blk = race_dev->priv;
	ops = race_dev->driver->follow;
	memset(completions, 0, sizeof(completions));
	for (unsigned int i = 0; i < RACE_REQS; i++) {
		race_req[i] = (struct blk_request){ .op = BLK_READ, .sector = 8 * i,
						    .nr_sectors = 8, .buf = race_mem[i],
						    .done = count_each };
		host_cpu = i & 1;
		if (blkdev_submit(blk, &race_req[i]))
			bad++;
	}
	host_cpu = 0;
	/* Saved and restored: queue 0 takes 32 of them again, 32 wait. */
	ops->quiesce(race_dev);
	ops->lost(race_dev);
	ops->release(race_dev);
	if (xenbus_follow_reconnect(race_dev, "xvda", ops) || !(r = queue0_ring()))
		return RACE_REQS;
	/* A batch at the reconnection, more at each poll until the ring is full. */
	for (unsigned int n = 0; n < RACE_REQS && r->req_prod < RACE_REQS / 2; n++)
		blk->ops->poll(blk);
	KT_EXPECT_EQ(t, r->req_prod, RACE_REQS / 2);
	/* The new backend answers those: CPU 0's next poll resubmits the rest. */
	while (r->rsp_prod != r->req_prod) {
		struct blkif_request *rq = &r->ring[r->rsp_prod % NR_ENTS].req;

		r->ring[r->rsp_prod % NR_ENTS].rsp = (struct blkif_response){
			.id = rq->id, .operation = rq->operation };
		r->rsp_prod++;
	}
	/* CPU 0's poll ends the answered requests' grants (a page each) first. */
	base = fake_grants_in_use() - RACE_REQS / 2;
	race_after = 1 + round % RESUBMIT_BATCH;
	race_go = race_a_done = 0;
	if (pthread_create(&th, NULL, stopper, &base))
		return RACE_REQS;
	__atomic_store_n(&race_go, 1, __ATOMIC_RELEASE);
	blk->ops->poll(blk);
	__atomic_store_n(&race_a_done, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	/* What is left in flight fails at the removal. */
	fake_remove(race_dev);
	nr_cpus_online = 1;
	for (unsigned int i = 0; i < RACE_REQS; i++)
		bad += __atomic_load_n(&completions[i], __ATOMIC_SEQ_CST) != 1;
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	return bad;
}

static void stopped_by_another_cpu_while_resubmitting(struct ktest *t)
{
	unsigned int bad_rounds = 0, bad_reqs = 0;

	for (unsigned int round = 0; round < RACE_ROUNDS; round++) {
		unsigned int bad = race_round(t, round);

		bad_rounds += bad != 0;
		bad_reqs += bad;
	}
	KT_EXPECT_EQ(t, bad_rounds, 0);
	KT_EXPECT_EQ(t, bad_reqs, 0);
}

static struct ktest_case blkfront_resume_cases[] = {
	KTEST_CASE(too_big_for_a_backend_without_indirect_fails),
	KTEST_CASE(too_big_for_fewer_indirect_segments_fails),
	KTEST_CASE(same_limits_resubmits_everything),
	KTEST_CASE(stopped_by_another_cpu_while_resubmitting),
	{}
};
KTEST_SUITE(host_blkfront_resume, blkfront_resume_cases);
