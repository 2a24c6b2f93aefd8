// SPDX-License-Identifier: GPL-2.0
/*
 * blkfront against a backend played by the test on its
 * shared rings (fake_xen.c): data moves through the grants, and every
 * lie a backend can tell on a ring (ids, operations, status, lengths,
 * offsets, producer indices, grants kept mapped) shuts the device off
 * with the requests in flight failed, never followed.
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/blkdev.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/netdev.h>
#include <pvkit/string.h>
#include <pvkit/smp.h>
#include <asm/page.h>
#include <xen/grant_table.h>
#include <xen/interface/io/blkif.h>
#include <xen/interface/io/netif.h>
#include "fake_xen.h"

extern char host_log[8192];

/* ---- blkfront ---- */

#define RING_SIZE_OF_BLKIF	__CONST_RING_SIZE(blkif, PAGE_SIZE)

static struct blkif_sring *bsring;
static RING_IDX be_req_cons;
static struct blkdev *blk;

static struct blkdev *blk_probe(struct ktest *t, const char *id)
{
	char path[96];
	const char *ref;
	struct xenbus_device *dev;

	fake_xen_reset();
	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/1/%s/sectors", id);
	fake_xs_set(path, "2048");
	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/1/%s/feature-flush-cache", id);
	fake_xs_set(path, "1");
	dev = fake_probe("vbd", id);
	if (!dev)
		return NULL;
	snprintf(path, sizeof(path), "device/vbd/%s/ring-ref", id);
	ref = fake_xs_get(path);
	KT_EXPECT_NOT_NULL(t, ref);
	bsring = ref ? fake_grant_page(atoi(ref)) : NULL;
	be_req_cons = 0;
	return dev->priv;
}

static unsigned int done_count;

static void count_done(struct blk_request *req)
{
	done_count++;
}

static struct blkif_request *next_request(void)
{
	if (be_req_cons == bsring->req_prod)
		return NULL;
	return &bsring->ring[be_req_cons++ % RING_SIZE_OF_BLKIF].req;
}

static void respond(u64 id, u8 op, s16 status)
{
	struct blkif_response *r = &bsring->ring[bsring->rsp_prod % RING_SIZE_OF_BLKIF].rsp;

	r->id = id;
	r->operation = op;
	r->status = status;
	bsring->rsp_prod++;
}

/* Serves one read: each segment's sectors get the byte (sector + 1). */
static void serve_read(struct ktest *t, struct blkif_request *rq)
{
	u64 sector = rq->sector_number;

	for (unsigned int i = 0; i < rq->nr_segments; i++) {
		struct blkif_request_segment *s = &rq->seg[i];
		u8 *page = fake_grant_page(s->gref);

		KT_ASSERT_NOT_NULL(t, page);
		KT_EXPECT_FALSE(t, fake_grants[s->gref].readonly);
		for (unsigned int sec = s->first_sect; sec <= s->last_sect; sec++)
			memset(page + sec * 512, (u8)(sector++ + 1), 512);
	}
}

static void block_read_moves_data(struct ktest *t, unsigned int offset)
{
	u8 *mem = aligned_alloc(4096, 64 * 1024);
	struct blk_request req = {
		.op = BLK_READ, .sector = 100, .nr_sectors = 40, .buf = mem + offset,
		.done = count_done,
	};
	struct blkif_request *rq;
	unsigned int grants;

	blk = blk_probe(t, "768");
	KT_ASSERT_NOT_NULL(t, blk);
	KT_EXPECT_EQ(t, blk->nr_sectors, 2048);
	KT_EXPECT_TRUE(t, blk->has_flush);
	grants = fake_grants_in_use();
	done_count = 0;
	KT_ASSERT_EQ(t, blk->ops->submit(blk, &req), 0);
	blk->ops->kick(blk);
	rq = next_request();
	KT_ASSERT_NOT_NULL(t, rq);
	KT_EXPECT_EQ(t, rq->operation, BLKIF_OP_READ);
	KT_EXPECT_EQ(t, rq->sector_number, 100);
	serve_read(t, rq);
	respond(rq->id, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, req.status, BLK_OK);
	for (unsigned int s = 0; s < 40; s++)
		KT_EXPECT_EQ(t, mem[offset + s * 512 + 17], (u8)(100 + s + 1));
	/* the data grants were taken back */
	KT_EXPECT_EQ(t, fake_grants_in_use(), grants);
	free(mem);
}

static void read_page_aligned(struct ktest *t)
{
	block_read_moves_data(t, 0);
}

static void read_sector_aligned_across_pages(struct ktest *t)
{
	block_read_moves_data(t, 3584);
}

static void read_unaligned_goes_through_bounce(struct ktest *t)
{
	block_read_moves_data(t, 3);
}

static void write_grants_read_only(struct ktest *t)
{
	static u8 mem[4096] __attribute__((aligned(4096)));
	struct blk_request req = {
		.op = BLK_WRITE, .sector = 8, .nr_sectors = 8, .buf = mem, .done = count_done,
	};
	struct blkif_request *rq;

	memset(mem, 0xab, sizeof(mem));
	blk = blk_probe(t, "768");
	KT_ASSERT_NOT_NULL(t, blk);
	KT_ASSERT_EQ(t, blk->ops->submit(blk, &req), 0);
	blk->ops->kick(blk);
	rq = next_request();
	KT_ASSERT_NOT_NULL(t, rq);
	KT_EXPECT_EQ(t, rq->operation, BLKIF_OP_WRITE);
	KT_EXPECT_EQ(t, rq->nr_segments, 1);
	KT_EXPECT_TRUE(t, fake_grants[rq->seg[0].gref].readonly);
	KT_EXPECT_EQ(t, rq->seg[0].first_sect, 0);
	KT_EXPECT_EQ(t, rq->seg[0].last_sect, 7);
	KT_EXPECT_EQ(t, ((u8 *)fake_grant_page(rq->seg[0].gref))[4095], 0xab);
	respond(rq->id, BLKIF_OP_WRITE, BLKIF_RSP_EOPNOTSUPP);
	done_count = 0;
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, req.status, BLK_EUNSUPP);
}

static void ring_full_is_busy(struct ktest *t)
{
	static u8 mem[4096] __attribute__((aligned(4096)));
	static struct blk_request reqs[40];
	int busy = 0;

	blk = blk_probe(t, "768");
	KT_ASSERT_NOT_NULL(t, blk);
	for (unsigned int i = 0; i < 40; i++) {
		reqs[i] = (struct blk_request){ .op = BLK_READ, .nr_sectors = 1, .buf = mem,
						.done = count_done };
		if (blk->ops->submit(blk, &reqs[i]) == BLK_EBUSY)
			busy++;
	}
	KT_EXPECT_EQ(t, busy, 40 - (int)blk->queue_depth);
}

enum lie { BAD_ID, TWICE, BAD_OP, BAD_STATUS, PROD_AHEAD, KEPT_MAPPED };

/* Two reads in flight, then the backend lies about the first. */
static void block_lie(struct ktest *t, enum lie lie)
{
	static u8 mem[2][4096] __attribute__((aligned(4096)));
	struct blk_request req[2];
	struct blkif_request *rq;

	blk = blk_probe(t, "768");
	KT_ASSERT_NOT_NULL(t, blk);
	done_count = 0;
	for (int i = 0; i < 2; i++) {
		req[i] = (struct blk_request){ .op = BLK_READ, .sector = i, .nr_sectors = 8,
					       .buf = mem[i], .done = count_done };
		KT_ASSERT_EQ(t, blk->ops->submit(blk, &req[i]), 0);
	}
	blk->ops->kick(blk);
	rq = next_request();
	switch (lie) {
	case BAD_ID: respond(rq->id + 1000, BLKIF_OP_READ, 0); break;
	case TWICE:
		respond(rq->id, BLKIF_OP_READ, 0);
		respond(rq->id, BLKIF_OP_READ, 0);
		break;
	case BAD_OP: respond(rq->id, BLKIF_OP_WRITE, 0); break;
	case BAD_STATUS: respond(rq->id, BLKIF_OP_READ, 7); break;
	case PROD_AHEAD: bsring->rsp_prod += 5; break;
	case KEPT_MAPPED:
		fake_grants[rq->seg[0].gref].mapped = true;
		respond(rq->id, BLKIF_OP_READ, 0);
		break;
	}
	fake_raise_event();
	/* every request ends exactly once, the lied-about one as broken too */
	KT_EXPECT_EQ(t, done_count, 2);
	KT_EXPECT_EQ(t, req[1].status, BLK_EBROKEN);
	if (lie != TWICE)
		KT_EXPECT_EQ(t, req[0].status, BLK_EBROKEN);
	KT_EXPECT_EQ(t, blk->ops->submit(blk, &req[0]), BLK_EBROKEN);
	/* a later interrupt finds the device off */
	respond(0, BLKIF_OP_READ, 0);
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 2);
}

static void response_for_unknown_id_breaks(struct ktest *t) { block_lie(t, BAD_ID); }
static void response_twice_breaks(struct ktest *t) { block_lie(t, TWICE); }
static void response_with_other_op_breaks(struct ktest *t) { block_lie(t, BAD_OP); }
static void response_with_bad_status_breaks(struct ktest *t) { block_lie(t, BAD_STATUS); }
static void producer_past_requests_breaks(struct ktest *t) { block_lie(t, PROD_AHEAD); }
static void grant_kept_mapped_breaks(struct ktest *t) { block_lie(t, KEPT_MAPPED); }

/*
 * A read fails while the backend keeps a page of it mapped (the device is
 * shut off under it, as when the backend closes): the caller's buffer was
 * never granted, so what the backend writes through its mapping afterwards
 * cannot reach it, and the page it holds is kept out of use.
 */
static void failed_read_leaves_no_grant_on_the_buffer(struct ktest *t)
{
	static u8 mem[2][4096] __attribute__((aligned(4096)));
	struct blk_request req = {
		.op = BLK_READ, .sector = 0, .nr_sectors = 16, .buf = mem, .done = count_done,
	};
	u64 buf_gfn = virt_to_phys(mem) >> PAGE_SHIFT;
	struct blkif_request *rq;
	unsigned long held;

	blk = blk_probe(t, "768");
	KT_ASSERT_NOT_NULL(t, blk);
	held = gnttab_held_pages();
	memset(mem, 0x5a, sizeof(mem));
	done_count = 0;
	KT_ASSERT_EQ(t, blkdev_submit(blk, &req), 0);
	rq = next_request();
	KT_ASSERT_NOT_NULL(t, rq);
	KT_ASSERT_EQ(t, rq->nr_segments, 2);
	for (unsigned int i = 0; i < FAKE_NR_GRANTS; i++) {
		if (fake_grants[i].in_use)
			KT_EXPECT_TRUE(t, fake_grants[i].gfn != buf_gfn &&
					  fake_grants[i].gfn != buf_gfn + 1);
	}
	fake_grants[rq->seg[0].gref].mapped = true;
	blk->ops->shutdown(blk, "test: the backend went away");
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, req.status, BLK_EBROKEN);
	KT_EXPECT_EQ(t, gnttab_held_pages(), held + 1);
	/* the backend writes through what it still maps */
	KT_ASSERT_NOT_NULL(t, fake_grant_page(rq->seg[0].gref));
	memset(fake_grant_page(rq->seg[0].gref), 0xee, 4096);
	KT_EXPECT_EQ(t, mem[0][0], 0x5a);
	KT_EXPECT_EQ(t, mem[0][4095], 0x5a);
	/* the page whose grant ended was taken back */
	KT_EXPECT_FALSE(t, fake_grants[rq->seg[1].gref].in_use);
}

/*
 * Queue depth 1 through the block layer: N requests count N (the block
 * layer owns that number; blkfront once counted each again), and a
 * backend that asks for every request and answers each with an
 * interrupt gets N notifications and N interrupts.
 */
static void qd1_requests_count_once(struct ktest *t)
{
	static u8 mem[4096] __attribute__((aligned(4096)));
	const unsigned int n = 8;
	struct blk_request req;
	struct blkif_request *rq;

	blk = blk_probe(t, "768");
	KT_ASSERT_NOT_NULL(t, blk);
	done_count = 0;
	for (unsigned int i = 0; i < n; i++) {
		req = (struct blk_request){ .op = BLK_READ, .sector = i, .nr_sectors = 8,
					    .buf = mem, .done = count_done };
		KT_ASSERT_EQ(t, blkdev_submit(blk, &req), 0);
		rq = next_request();
		KT_ASSERT_NOT_NULL(t, rq);
		/* the backend waits for the next request (RING_FINAL_CHECK_FOR_REQUESTS) */
		bsring->req_event = be_req_cons + 1;
		serve_read(t, rq);
		respond(rq->id, BLKIF_OP_READ, BLKIF_RSP_OKAY);
		fake_raise_event();
		KT_ASSERT_EQ(t, done_count, i + 1);
		KT_EXPECT_EQ(t, req.status, BLK_OK);
	}
	KT_EXPECT_EQ(t, blk->stats.requests, n);
	KT_EXPECT_EQ(t, blk->stats.notifications, n);
	KT_EXPECT_EQ(t, blk->stats.interrupts, n);
	KT_EXPECT_EQ(t, fake_notifies, n);
}

/* 4 ring pages and indirect segments: a 1 MiB read in one request. */
static void big_read_through_indirect_page(struct ktest *t)
{
	u8 *mem = aligned_alloc(4096, 1 << 20);
	struct blk_request req = {
		.op = BLK_READ, .sector = 0, .nr_sectors = 2040, .buf = mem,
		.done = count_done,
	};
	struct blkif_request_indirect *ind;
	struct blkif_request_segment *segs;
	struct xenbus_device *dev;

	fake_xen_reset();
	fake_xs_set("/local/domain/0/backend/vbd/1/768/sectors", "4096");
	fake_xs_set("/local/domain/0/backend/vbd/1/768/max-ring-page-order", "4");
	fake_xs_set("/local/domain/0/backend/vbd/1/768/feature-max-indirect-segments", "256");
	dev = fake_probe("vbd", "768");
	KT_ASSERT_NOT_NULL(t, dev);
	blk = dev->priv;
	KT_EXPECT_STREQ(t, fake_xs_get("device/vbd/768/ring-page-order"), "2");
	KT_EXPECT_NULL(t, fake_xs_get("device/vbd/768/ring-ref"));
	bsring = fake_grant_page(atoi(fake_xs_get("device/vbd/768/ring-ref0")));
	be_req_cons = 0;
	KT_EXPECT_EQ(t, blk->queue_depth, 128);
	KT_EXPECT_EQ(t, blk->max_sectors, 2048);
	done_count = 0;
	KT_ASSERT_EQ(t, blk->ops->submit(blk, &req), 0);
	blk->ops->kick(blk);
	ind = (struct blkif_request_indirect *)next_request();
	KT_ASSERT_NOT_NULL(t, ind);
	KT_EXPECT_EQ(t, ind->operation, BLKIF_OP_INDIRECT);
	KT_EXPECT_EQ(t, ind->indirect_op, BLKIF_OP_READ);
	KT_EXPECT_EQ(t, ind->nr_segments, 255);
	KT_EXPECT_TRUE(t, fake_grants[ind->indirect_grefs[0]].readonly);
	segs = fake_grant_page(ind->indirect_grefs[0]);
	KT_ASSERT_NOT_NULL(t, segs);
	for (unsigned int i = 0; i < ind->nr_segments; i++)
		memset(fake_grant_page(segs[i].gref), i, 4096);
	respond(ind->id, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, req.status, BLK_OK);
	KT_EXPECT_EQ(t, mem[254 * 4096 + 5], 254);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	free(mem);
}

/* Serves the next request on ring r with the sector-numbered read pattern. */
static struct blkif_request *serve_next_read(struct ktest *t, struct blkif_sring *r)
{
	struct blkif_request *rq;

	bsring = r;
	be_req_cons = r->rsp_prod;
	rq = next_request();
	if (rq) {
		serve_read(t, rq);
		respond(rq->id, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	}
	return rq;
}

#define BE768	"/local/domain/0/backend/vbd/1/768"

/* blkfront on a backend that offers max_queues ("": no key), with cpus CPUs online. */
static struct xenbus_device *probe_mq(const char *max_queues, unsigned int cpus)
{
	struct xenbus_device *dev;

	fake_xen_reset();
	fake_xs_set(BE768 "/sectors", "4096");
	if (*max_queues)
		fake_xs_set(BE768 "/multi-queue-max-queues", max_queues);
	nr_cpus_online = cpus;
	host_log[0] = '\0';
	dev = fake_probe("vbd", "768");
	nr_cpus_online = 1;
	return dev;
}

static const char *queue_node(unsigned int n, const char *node)
{
	static char path[64];

	snprintf(path, sizeof(path), "device/vbd/768/queue-%u/%s", n, node);
	return fake_xs_get(path);
}

/*
 * The negotiation (xen/io/blkif.h): a queue per CPU up to the backend's
 * multi-queue-max-queues; one queue (the top-level ring-ref and
 * event-channel, no multi-queue-num-queues, as for a backend without the
 * feature) when it offers 1 or none, when it offers nonsense (said), or
 * when one CPU is online.
 */
static void queues_negotiated(struct ktest *t)
{
	static const struct {
		const char *offered;
		unsigned int cpus, queues;
		bool warned;
	} cases[] = {
		{ "", 2, 1, false }, { "1", 2, 1, false }, { "2", 2, 2, false },
		{ "4", 2, 2, false }, { "4", 4, 4, false }, { "4", 1, 1, false },
		{ "3", 8, 3, false }, { "64", 16, 8, false },
		{ "0", 2, 1, true }, { "4294967296", 2, 2, false },
		{ "99999999999999999999999", 2, 1, true }, { "-1", 2, 1, true },
		{ "2x", 2, 1, true }, { " 2", 2, 1, true },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct xenbus_device *dev = probe_mq(cases[i].offered, cases[i].cpus);
		const char *num = fake_xs_get("device/vbd/768/multi-queue-num-queues");
		unsigned int q = cases[i].queues;

		KT_ASSERT_NOT_NULL(t, dev);
		blk = dev->priv;
		KT_EXPECT_EQ(t, blk->nr_queues, q);
		KT_EXPECT_EQ(t, blk->queue_depth, 32 * q);
		KT_EXPECT_EQ(t, fake_ports_open(), q);
		if (q == 1) {
			KT_EXPECT_NULL(t, num);
			KT_EXPECT_NOT_NULL(t, fake_xs_get("device/vbd/768/ring-ref"));
			KT_EXPECT_NOT_NULL(t, fake_xs_get("device/vbd/768/event-channel"));
			KT_EXPECT_NULL(t, queue_node(0, "ring-ref"));
		} else {
			KT_EXPECT_EQ(t, num ? atoi(num) : 0, (int)q);
			KT_EXPECT_NULL(t, fake_xs_get("device/vbd/768/ring-ref"));
			KT_EXPECT_NULL(t, fake_xs_get("device/vbd/768/event-channel"));
			KT_EXPECT_NOT_NULL(t, queue_node(q - 1, "ring-ref"));
			KT_EXPECT_NOT_NULL(t, queue_node(q - 1, "event-channel"));
			KT_EXPECT_NULL(t, queue_node(q, "ring-ref"));
			/* each queue's events on its own CPU */
			for (unsigned int n = 0; n < q; n++)
				KT_EXPECT_EQ(t, fake_port_cpu(atoi(queue_node(n, "event-channel"))),
					     (int)n);
		}
		KT_EXPECT_EQ(t, strstr(host_log, "multi-queue-max-queues is") != NULL,
			     cases[i].warned);
		fake_remove(dev);
		KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
		KT_EXPECT_EQ(t, fake_ports_open(), 0);
	}
}

/* The backend's end of queue n: its ring, whose requests the test answers. */
static struct blkif_sring *queue_ring(unsigned int n)
{
	return fake_grant_page(atoi(queue_node(n, "ring-ref")));
}

static evtchn_port_t queue_port(unsigned int n)
{
	return atoi(queue_node(n, "event-channel"));
}

static int submit_on(unsigned int cpu, struct blk_request *req)
{
	int err;

	host_cpu = cpu;
	err = blkdev_submit(blk, req);
	host_cpu = 0;
	return err;
}

/*
 * Two CPUs, two queues: each CPU submits and kicks on its own queue
 * only, whose events are bound to it; a response is for its own queue's
 * request only: queue 1 answering queue 0's request is a lie, which
 * shuts the whole device off, both queues' requests failed.
 */
static void each_cpu_has_its_queue(struct ktest *t)
{
	u8 *mem = aligned_alloc(4096, 2 * 4096);
	struct blk_request r0 = {
		.op = BLK_READ, .sector = 0, .nr_sectors = 8, .buf = mem, .done = count_done,
	};
	struct blk_request r1 = {
		.op = BLK_READ, .sector = 8, .nr_sectors = 8, .buf = mem + 4096, .done = count_done,
	};
	struct xenbus_device *dev = probe_mq("2", 2);
	struct blkif_sring *q0, *q1;

	KT_ASSERT_NOT_NULL(t, dev);
	blk = dev->priv;
	q0 = queue_ring(0);
	q1 = queue_ring(1);
	KT_ASSERT_TRUE(t, q0 && q1);
	KT_EXPECT_EQ(t, blk->queue_depth, 64);
	KT_EXPECT_EQ(t, blk->queue_stats[0].cpu, 0);
	KT_EXPECT_EQ(t, blk->queue_stats[1].cpu, 1);
	host_cpu = 1;
	KT_EXPECT_TRUE(t, blkdev_may_halt(blk));
	host_cpu = 0;

	done_count = 0;
	KT_ASSERT_EQ(t, submit_on(1, &r1), 0);
	KT_EXPECT_EQ(t, q0->req_prod, 0);
	KT_EXPECT_EQ(t, q1->req_prod, 1);
	KT_ASSERT_EQ(t, submit_on(0, &r0), 0);
	KT_EXPECT_EQ(t, q0->req_prod, 1);
	KT_EXPECT_EQ(t, q1->req_prod, 1);
	KT_EXPECT_EQ(t, blk->queue_stats[0].requests, 1);
	KT_EXPECT_EQ(t, blk->queue_stats[1].requests, 1);
	KT_EXPECT_NOT_NULL(t, serve_next_read(t, q1));
	/* CPU 0's poll looks at its own queue only */
	blk->ops->poll(blk);
	KT_EXPECT_EQ(t, done_count, 0);
	host_cpu = 1;
	fake_raise_port(queue_port(1));
	host_cpu = 0;
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, r1.status, BLK_OK);
	KT_EXPECT_EQ(t, mem[4096 + 3], 9);
	KT_EXPECT_EQ(t, blk->queue_stats[1].interrupts, 1);
	KT_EXPECT_EQ(t, blk->queue_stats[1].elsewhere, 0);
	KT_EXPECT_EQ(t, blk->stats.cpu_interrupts[1], 1);
	KT_EXPECT_NOT_NULL(t, serve_next_read(t, q0));
	fake_raise_port(queue_port(0));
	KT_EXPECT_EQ(t, done_count, 2);
	KT_EXPECT_EQ(t, mem[3], 1);

	/* r0 again, on queue 0; queue 1 answers for it: refused, everything fails. */
	KT_ASSERT_EQ(t, submit_on(0, &r0), 0);
	KT_ASSERT_EQ(t, submit_on(1, &r1), 0);
	bsring = q1;
	be_req_cons = q1->req_prod;
	respond(5, BLKIF_OP_READ, BLKIF_RSP_OKAY);	/* queue 1 has only slot 0 in use */
	host_log[0] = '\0';
	host_cpu = 1;
	fake_raise_port(queue_port(1));
	host_cpu = 0;
	KT_EXPECT_EQ(t, done_count, 4);
	KT_EXPECT_EQ(t, r0.status, BLK_EBROKEN);
	KT_EXPECT_EQ(t, r1.status, BLK_EBROKEN);
	KT_EXPECT_NOT_NULL(t, strstr(host_log,
				     ": queue 1: a response for a request not in flight; device shut off"));
	KT_EXPECT_EQ(t, submit_on(1, &r1), BLK_EBROKEN);
	KT_EXPECT_EQ(t, submit_on(0, &r0), BLK_EBROKEN);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	free(mem);
}

/*
 * Three CPUs, two queues: CPU 2 shares queue 0, whose events go to CPU
 * 0; CPU 2's request completes there and CPU 2 is woken.  And where Xen
 * will not bind queue 1's events to CPU 1 they stay on CPU 0, which
 * completes CPU 1's requests and wakes it.
 */
static void shared_and_unbound_queues_wake_their_submitter(struct ktest *t)
{
	static u8 mem[4096] __attribute__((aligned(4096)));
	struct blk_request r = {
		.op = BLK_READ, .sector = 0, .nr_sectors = 8, .buf = mem, .done = count_done,
	};
	struct xenbus_device *dev = probe_mq("2", 3);

	KT_ASSERT_NOT_NULL(t, dev);
	blk = dev->priv;
	KT_EXPECT_EQ(t, blk->nr_queues, 2);
	done_count = 0;
	KT_ASSERT_EQ(t, submit_on(2, &r), 0);
	KT_EXPECT_EQ(t, queue_ring(0)->req_prod, 1);
	KT_EXPECT_NOT_NULL(t, serve_next_read(t, queue_ring(0)));
	fake_raise_port(queue_port(0));
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, blk->queue_stats[0].wakeups, 1);
	fake_remove(dev);

	fake_xen_reset();
	fake_xs_set(BE768 "/sectors", "4096");
	fake_xs_set(BE768 "/multi-queue-max-queues", "2");
	fake_bind_cpus = 1;
	nr_cpus_online = 2;
	dev = fake_probe("vbd", "768");
	nr_cpus_online = 1;
	KT_ASSERT_NOT_NULL(t, dev);
	blk = dev->priv;
	KT_EXPECT_EQ(t, blk->queue_stats[1].cpu, 0);
	KT_EXPECT_EQ(t, fake_port_cpu(queue_port(1)), 0);
	KT_ASSERT_EQ(t, submit_on(1, &r), 0);
	KT_EXPECT_NOT_NULL(t, serve_next_read(t, queue_ring(1)));
	fake_raise_port(queue_port(1));
	KT_EXPECT_EQ(t, done_count, 2);
	KT_EXPECT_EQ(t, r.status, BLK_OK);
	KT_EXPECT_EQ(t, blk->queue_stats[1].wakeups, 1);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

static void odd_sector_size_is_refused(struct ktest *t)
{
	fake_xen_reset();
	fake_xs_set("/local/domain/0/backend/vbd/1/832/sectors", "100");
	fake_xs_set("/local/domain/0/backend/vbd/1/832/sector-size", "4096");
	KT_EXPECT_NULL(t, fake_probe("vbd", "832"));
}

static struct ktest_case blkfront_cases[] = {
	KTEST_CASE(read_page_aligned),
	KTEST_CASE(read_sector_aligned_across_pages),
	KTEST_CASE(read_unaligned_goes_through_bounce),
	KTEST_CASE(write_grants_read_only),
	KTEST_CASE(ring_full_is_busy),
	KTEST_CASE(response_for_unknown_id_breaks),
	KTEST_CASE(response_twice_breaks),
	KTEST_CASE(response_with_other_op_breaks),
	KTEST_CASE(response_with_bad_status_breaks),
	KTEST_CASE(producer_past_requests_breaks),
	KTEST_CASE(grant_kept_mapped_breaks),
	KTEST_CASE(qd1_requests_count_once),
	KTEST_CASE(failed_read_leaves_no_grant_on_the_buffer),
	KTEST_CASE(big_read_through_indirect_page),
	KTEST_CASE(queues_negotiated),
	KTEST_CASE(each_cpu_has_its_queue),
	KTEST_CASE(shared_and_unbound_queues_wake_their_submitter),
	KTEST_CASE(odd_sector_size_is_refused),
	{}
};
KTEST_SUITE(host_blkfront, blkfront_cases);
