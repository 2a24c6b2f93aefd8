// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe queues (drivers/block/nvme.c) over plain memory: the "registers"
 * are a buffer, and the test plays the controller, writing completion
 * entries as a correct or a hostile device would.  A completion is
 * believed only with the expected phase, an outstanding command id, its
 * own SQ id and an SQ head within what was submitted; anything else
 * breaks the controller and fails every request in flight.
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/ktest.h>
#include <asm/page.h>
#include "../../drivers/block/nvme.h"
#include "host_mm.h"

#define DEPTH	8
/* Status field bits above SCT and SC (NVMe 1.4 4.6.1), as post() takes them. */
#define SF_DNR	0x4000		/* Do Not Retry */
#define SF_MORE	0x2000		/* More: a log page has details */
#define SF_CRD	0x1800		/* Command Retry Delay */

struct fake_nvme {
	struct nvme_ctrl c;
	u16 cq_tail;		/* where the device writes its next completion */
	u8 phase;
	int status[DEPTH];
	unsigned int done;
	u16 cid[DEPTH];		/* the command id each slot was last submitted with */
	u8 buf[4 * PAGE_SIZE] __aligned(PAGE_SIZE);
};

static struct fake_nvme *fake;

static void done(struct blk_request *req)
{
	fake->status[req - (struct blk_request *)req->private] = req->status;
	fake->done++;
}

static struct blk_request reqs[DEPTH];

/* What the previous case's queue and registers took. */
static void teardown(void)
{
	struct nvme_queue *qs[2];

	if (!fake)
		return;
	qs[0] = &fake->c.admin;
	qs[1] = &fake->c.io;
	for (unsigned int i = 0; i < 2; i++) {
		struct nvme_queue *q = qs[i];

		free(q->sq);
		free(q->cq);
		free(q->slots);
		free(q->prp_lists);
	}
	free((void *)fake->c.regs);
	free(fake);
	fake = NULL;
}

static void setup(void)
{
	teardown();
	fake = aligned_alloc(PAGE_SIZE, sizeof(*fake));
	memset(fake, 0, sizeof(*fake));
	fake->c.regs = calloc(1, 0x2000);
	fake->c.stride = 4;
	strcpy(fake->c.name, "nvme-fake");
	fake->phase = 1;
	/* The admin queue idles: the interrupt handler reaps it too. */
	nvme_queue_init(&fake->c, &fake->c.admin, 0, 4);
	nvme_queue_init(&fake->c, &fake->c.io, 1, DEPTH);
	for (int i = 0; i < DEPTH; i++)
		fake->status[i] = 99;
}

static u32 reg(u32 off)
{
	return *(volatile u32 *)(fake->c.regs + off);
}

/* Queues n reads of one sector each and rings once. */
static void submit(unsigned int n)
{
	struct nvme_queue *q = &fake->c.io;

	for (unsigned int i = 0; i < n; i++) {
		struct nvme_sqe cmd;
		int slot = nvme_get_slot(q);

		reqs[i] = (struct blk_request){ .op = BLK_READ, .sector = i, .nr_sectors = 1,
			.buf = fake->buf, .done = done, .private = reqs };
		if (slot < 0 || nvme_setup_rw(q, &reqs[i], &cmd, slot))
			abort();
		q->slots[slot].req = &reqs[i];
		nvme_push(q, slot, &cmd);
		fake->cid[slot] = q->sq[(q->sq_tail + DEPTH - 1) % DEPTH].cid;
	}
	nvme_ring_sq(q);
}

/* The device's side: one completion entry, phase last as hardware does. */
static void post(u16 cid, u16 sq_head, u16 sq_id, u16 sc, u8 phase)
{
	struct nvme_cqe *e = &fake->c.io.cq[fake->cq_tail];

	e->result = 0;
	e->cid = cid;
	e->sq_head = sq_head;
	e->sq_id = sq_id;
	e->status = sc << 1 | phase;
	if (++fake->cq_tail == DEPTH) {
		fake->cq_tail = 0;
		fake->phase ^= 1;
	}
}

/* A correct completion of what was last submitted in slot. */
static void good(unsigned int slot, u16 sq_head)
{
	post(fake->cid[slot], sq_head, 1, 0, fake->phase);
}

static void completes_out_of_order(struct ktest *t)
{
	setup();
	submit(3);
	KT_EXPECT_EQ(t, reg(NVME_REG_DBS + 8), 3);	/* SQ 1 tail doorbell */
	good(2, 3);
	good(0, 3);
	good(1, 3);
	KT_EXPECT_EQ(t, nvme_reap(&fake->c.io), 3);
	KT_EXPECT_EQ(t, fake->done, 3);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(t, fake->status[i], BLK_OK);
	KT_EXPECT_EQ(t, reg(NVME_REG_DBS + 12), 3);	/* CQ 1 head doorbell */
	KT_EXPECT_EQ(t, fake->c.blk.stats.notifications, 2);
	KT_EXPECT_EQ(t, fake->c.io.in_flight, 0);
	KT_EXPECT_FALSE(t, fake->c.broken);
}

static void error_status_fails_only_that_request(struct ktest *t)
{
	setup();
	submit(2);
	/* Media error (unrecovered read), More and Do Not Retry set. */
	post(fake->cid[0], 2, 1, 0x81 | SF_MORE | SF_DNR, fake->phase);
	/* QEMU's answer to an opcode it does not know (hw/nvme/ctrl.c). */
	post(fake->cid[1], 2, 1, NVME_SC_INVALID_OPCODE | SF_DNR, fake->phase);
	KT_EXPECT_EQ(t, nvme_reap(&fake->c.io), 2);
	KT_EXPECT_EQ(t, fake->status[0], BLK_EIO);
	KT_EXPECT_EQ(t, fake->status[1], BLK_EUNSUPP);
	KT_EXPECT_FALSE(t, fake->c.broken);
}

static void phase_wraps_with_the_ring(struct ktest *t)
{
	setup();
	/* Three rounds of DEPTH - 1 requests go around the ring twice. */
	for (int round = 0; round < 3; round++) {
		fake->done = 0;
		submit(DEPTH - 1);
		for (int i = 0; i < DEPTH - 1; i++)
			good(i, fake->c.io.sq_tail);
		KT_EXPECT_EQ(t, nvme_reap(&fake->c.io), DEPTH - 1);
		KT_EXPECT_EQ(t, fake->done, DEPTH - 1);
	}
	KT_EXPECT_FALSE(t, fake->c.broken);
}

static void stale_phase_is_not_a_completion(struct ktest *t)
{
	setup();
	submit(1);
	post(fake->cid[0], 1, 1, 0, !fake->phase);
	fake->cq_tail = 0;
	fake->phase = 1;
	KT_EXPECT_EQ(t, nvme_reap(&fake->c.io), 0);
	KT_EXPECT_EQ(t, fake->done, 0);
	KT_EXPECT_EQ(t, fake->c.io.in_flight, 1);
	good(0, 1);
	KT_EXPECT_EQ(t, nvme_reap(&fake->c.io), 1);
	KT_EXPECT_EQ(t, fake->status[0], BLK_OK);
}

/* One bad entry: the controller is broken, everything in flight fails. */
static void expect_broken(struct ktest *t, unsigned int completed)
{
	KT_EXPECT_LT(t, nvme_reap(&fake->c.io), 0);
	KT_EXPECT_TRUE(t, fake->c.broken);
	KT_EXPECT_EQ(t, fake->done, 3);
	for (unsigned int i = completed; i < 3; i++)
		KT_EXPECT_EQ(t, fake->status[i], BLK_EBROKEN);
	KT_EXPECT_EQ(t, reg(NVME_REG_CC), 0);
	KT_EXPECT_EQ(t, fake->c.io.in_flight, 0);
}

static void bad_command_id_breaks(struct ktest *t)
{
	setup();
	submit(3);
	post(DEPTH - 1, 3, 1, 0, fake->phase);	/* beyond the slots */
	expect_broken(t, 0);
}

static void duplicate_completion_breaks(struct ktest *t)
{
	setup();
	submit(3);
	good(0, 1);
	good(0, 1);
	expect_broken(t, 1);
	KT_EXPECT_EQ(t, fake->status[0], BLK_OK);
}

/*
 * At queue depth 1 every command goes to slot 0.  The device repeats its
 * completion of the first after the second was submitted: without a
 * generation in the command id the copy would complete the second
 * request before the device did it.
 */
static void duplicate_after_reuse_breaks(struct ktest *t)
{
	u16 first;

	setup();
	submit(1);
	first = fake->cid[0];
	good(0, 1);
	KT_EXPECT_EQ(t, nvme_reap(&fake->c.io), 1);
	KT_EXPECT_EQ(t, fake->status[0], BLK_OK);
	submit(1);
	KT_EXPECT_NE(t, fake->cid[0], first);
	post(first, 1, 1, 0, fake->phase);
	KT_EXPECT_LT(t, nvme_reap(&fake->c.io), 0);
	KT_EXPECT_TRUE(t, fake->c.broken);
	KT_EXPECT_EQ(t, fake->status[0], BLK_EBROKEN);
	KT_EXPECT_EQ(t, fake->c.io.in_flight, 0);
}

/* A slot's command ids differ for as long as its generation can count. */
static void command_ids_carry_a_generation(struct ktest *t)
{
	u16 seen[256];

	setup();
	for (unsigned int i = 0; i < 256; i++) {
		submit(1);
		seen[i] = fake->cid[0];
		KT_EXPECT_EQ(t, seen[i] & 0xff, 0);	/* the slot, below */
		for (unsigned int j = 0; j < i; j++)
			KT_ASSERT_NE(t, seen[j], seen[i]);
		good(0, fake->c.io.sq_tail);
		KT_ASSERT_EQ(t, nvme_reap(&fake->c.io), 1);
	}
	KT_EXPECT_FALSE(t, fake->c.broken);
}

static void sq_head_beyond_tail_breaks(struct ktest *t)
{
	setup();
	submit(3);
	good(0, 5);
	expect_broken(t, 0);
}

static void sq_head_going_back_breaks(struct ktest *t)
{
	setup();
	submit(3);
	good(0, 2);
	good(1, 1);
	expect_broken(t, 1);
}

/* Entries pushed but not rung cannot have been fetched. */
static void sq_head_beyond_what_was_rung_breaks(struct ktest *t)
{
	struct nvme_queue *q;
	struct nvme_sqe cmd;
	int slot;

	setup();
	q = &fake->c.io;
	submit(1);
	slot = nvme_get_slot(q);
	reqs[1] = (struct blk_request){ .op = BLK_READ, .nr_sectors = 1, .buf = fake->buf,
		.done = done, .private = reqs };
	KT_ASSERT_EQ(t, slot, 1);
	KT_ASSERT_EQ(t, nvme_setup_rw(q, &reqs[1], &cmd, slot), 0);
	q->slots[slot].req = &reqs[1];
	nvme_push(q, slot, &cmd);		/* not rung */
	good(0, 2);
	KT_EXPECT_LT(t, nvme_reap(q), 0);
	KT_EXPECT_TRUE(t, fake->c.broken);
	KT_EXPECT_EQ(t, fake->status[0], BLK_EBROKEN);
	KT_EXPECT_EQ(t, fake->status[1], BLK_EBROKEN);
}

static void wrong_sq_id_breaks(struct ktest *t)
{
	setup();
	submit(3);
	post(fake->cid[0], 1, 0, 0, fake->phase);
	expect_broken(t, 0);
}

static u32 *reg_p(u32 off)
{
	return (u32 *)(fake->c.regs + off);
}

/*
 * An enabled controller that is given up on (a protocol violation, a
 * timeout, a failed set-up) is disabled, and its requests fail only once
 * CSTS.RDY says the reset is done.
 */
static void break_disables_then_fails_requests(struct ktest *t)
{
	setup();
	fake->c.timeout_ns = 2000000000ULL;
	*reg_p(NVME_REG_CC) = NVME_CC_ENABLE | NVME_CC_IOSQES | NVME_CC_IOCQES;
	submit(3);
	nvme_break(&fake->c, "test");
	KT_EXPECT_TRUE(t, fake->c.broken);
	KT_EXPECT_EQ(t, reg(NVME_REG_CC), 0);
	KT_EXPECT_EQ(t, fake->done, 3);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(t, fake->status[i], BLK_EBROKEN);
	KT_EXPECT_EQ(t, fake->c.io.in_flight, 0);
}

/*
 * CSTS.RDY never clears: the controller may still write the buffers of
 * the requests in flight, so they are not handed back, after a wait of
 * CAP.TO, and the log says so.
 */
static void break_without_reset_keeps_requests(struct ktest *t)
{
	u64 start;

	setup();
	fake->c.timeout_ns = 2000000000ULL;
	*reg_p(NVME_REG_CC) = NVME_CC_ENABLE;
	*reg_p(NVME_REG_CSTS) = NVME_CSTS_RDY;
	submit(3);
	start = fake_now_ns;
	nvme_break(&fake->c, "test");
	KT_EXPECT_TRUE(t, fake->c.broken);
	KT_EXPECT_EQ(t, reg(NVME_REG_CC), 0);
	KT_EXPECT_GE(t, fake_now_ns - start, fake->c.timeout_ns);
	KT_EXPECT_EQ(t, fake->done, 0);
	KT_EXPECT_EQ(t, fake->c.io.in_flight, 3);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "3 requests") != NULL);
	/* Whatever the device posts later is not believed. */
	good(0, 3);
	KT_EXPECT_LT(t, nvme_reap(&fake->c.io), 0);
	KT_EXPECT_EQ(t, fake->done, 0);
}

/*
 * On a shared INTx line the handler runs for others' interrupts too: only
 * one that completed something of ours counts.  MSI-X vectors are ours.
 */
static void interrupts_counted_only_when_ours(struct ktest *t)
{
	setup();
	submit(2);
	KT_EXPECT_EQ(t, nvme_handle_irq(&fake->c), 0);
	KT_EXPECT_EQ(t, fake->c.blk.stats.interrupts, 0);
	good(0, 2);
	KT_EXPECT_EQ(t, nvme_handle_irq(&fake->c), 1);
	KT_EXPECT_EQ(t, fake->c.blk.stats.interrupts, 1);
	fake->c.msix = true;
	KT_EXPECT_EQ(t, nvme_handle_irq(&fake->c), 0);
	KT_EXPECT_EQ(t, fake->c.blk.stats.interrupts, 2);
}

static void full_queue_refuses(struct ktest *t)
{
	setup();
	submit(DEPTH - 1);
	KT_EXPECT_LT(t, nvme_get_slot(&fake->c.io), 0);
	/* Completed, but the device says it has not fetched the SQ entries yet. */
	good(0, 0);
	KT_EXPECT_EQ(t, nvme_reap(&fake->c.io), 1);
	KT_EXPECT_LT(t, nvme_get_slot(&fake->c.io), 0);
}

/* The event index says the device is still fetching: no MMIO write. */
static void shadow_doorbell_rings_only_when_asked(struct ktest *t)
{
	static u32 shadow[4], ei[4];
	struct nvme_queue *q;

	setup();
	q = &fake->c.io;
	q->shadow_sq = &shadow[0];
	q->shadow_cq = &shadow[1];
	q->ei_sq = &ei[0];
	q->ei_cq = &ei[1];
	submit(1);			/* device idle at 0: must hear */
	KT_EXPECT_EQ(t, shadow[0], 1);
	KT_EXPECT_EQ(t, reg(NVME_REG_DBS + 8), 1);
	KT_EXPECT_EQ(t, q->doorbells, 1);
	submit(1);			/* event index still 0: it is busy, will look */
	KT_EXPECT_EQ(t, shadow[0], 2);
	KT_EXPECT_EQ(t, q->doorbells, 1);
	ei[0] = 2;			/* caught up to 2: the next one is told */
	submit(1);
	KT_EXPECT_EQ(t, reg(NVME_REG_DBS + 8), 3);
	KT_EXPECT_EQ(t, q->doorbells, 2);
}

static void prp_list_for_a_long_unaligned_buffer(struct ktest *t)
{
	struct blk_request r = { .op = BLK_WRITE, .sector = 1ULL << 33, .nr_sectors = 256 };
	struct nvme_sqe cmd;
	u8 *buf = aligned_alloc(PAGE_SIZE, 34 * PAGE_SIZE);
	u64 *list;

	setup();
	r.buf = buf + 512;
	KT_ASSERT_EQ(t, nvme_setup_rw(&fake->c.io, &r, &cmd, 2), 0);
	KT_EXPECT_EQ(t, cmd.opcode, NVME_CMD_WRITE);
	KT_EXPECT_EQ(t, cmd.cdw10, 0);
	KT_EXPECT_EQ(t, cmd.cdw11, 2);
	KT_EXPECT_EQ(t, cmd.cdw12, 255);
	KT_EXPECT_EQ(t, cmd.prp1, virt_to_phys(buf + 512));
	list = phys_to_virt(cmd.prp2);
	KT_EXPECT_TRUE(t, list == &fake->c.io.prp_lists[2 * NVME_PRPS_PER_SLOT]);
	KT_EXPECT_EQ(t, list[0], virt_to_phys(buf + PAGE_SIZE));
	KT_EXPECT_EQ(t, list[31], virt_to_phys(buf + 32 * PAGE_SIZE));
	free(buf);
	teardown();
}

static struct ktest_case nvme_cases[] = {
	KTEST_CASE(completes_out_of_order),
	KTEST_CASE(error_status_fails_only_that_request),
	KTEST_CASE(phase_wraps_with_the_ring),
	KTEST_CASE(stale_phase_is_not_a_completion),
	KTEST_CASE(bad_command_id_breaks),
	KTEST_CASE(duplicate_completion_breaks),
	KTEST_CASE(duplicate_after_reuse_breaks),
	KTEST_CASE(command_ids_carry_a_generation),
	KTEST_CASE(sq_head_beyond_what_was_rung_breaks),
	KTEST_CASE(sq_head_beyond_tail_breaks),
	KTEST_CASE(sq_head_going_back_breaks),
	KTEST_CASE(wrong_sq_id_breaks),
	KTEST_CASE(break_disables_then_fails_requests),
	KTEST_CASE(break_without_reset_keeps_requests),
	KTEST_CASE(interrupts_counted_only_when_ours),
	KTEST_CASE(full_queue_refuses),
	KTEST_CASE(shadow_doorbell_rings_only_when_asked),
	KTEST_CASE(prp_list_for_a_long_unaligned_buffer),
	{}
};
KTEST_SUITE(host_nvme, nvme_cases);
