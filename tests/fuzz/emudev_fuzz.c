// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the emulated devices' rings: NVMe's I/O queue
 * (drivers/block/nvme.c) with a controller writing anything into its
 * completion entries and event indexes, and that may or may not confirm
 * a reset, and e1000's receive ring (drivers/net/e1000.c) with a device
 * writing anything into its descriptors.  Every NVMe request must
 * complete at most once (or be refused at submit); once the controller
 * broke, none may be left in flight unless it never confirmed the reset,
 * and then none may complete.  e1000 may only hand the stack whole
 * frames of sane length.  ASan and UBSan watch the rest.  Every input
 * starts from the same state, so a saved crash reproduces alone.
 *
 * Built by tests/fuzz/Makefile (make fuzz); run:
 *   build/fuzz/emudev_fuzz -max_total_time=60
 */
#include <stdlib.h>
#include <string.h>
#include <asm/page.h>
#include "../../drivers/block/nvme.h"
#include "../../drivers/net/e1000.h"

#define DEPTH	16
#define NREQ	(DEPTH - 1)
#include "blk_once.h"

static u8 mem[NREQ][2 * 4096] __attribute__((aligned(4096)));

/* Virtual time: a wait for a reset the controller never confirms is short. */
static u64 now_ns;

u64 ktime_get_ns(void)
{
	return now_ns;
}

void udelay(unsigned long us)
{
	now_ns += us * 1000;
}

void netdev_receive(struct netdev *dev, const void *frame, size_t len)
{
	volatile u8 sink;

	if (len < ETH_HLEN || len > E1000_MAX_FRAME)
		__builtin_trap();
	sink = ((const u8 *)frame)[len - 1];
	(void)sink;
}

static void submit(struct nvme_queue *q, unsigned int i)
{
	struct nvme_sqe cmd;
	int slot;

	i %= NREQ;
	if (queued[i] || q->ctrl->broken)
		return;
	reqs[i] = (struct blk_request){ .op = i & 1 ? BLK_WRITE : BLK_READ, .sector = i,
		.nr_sectors = 1 + i % 16, .buf = mem[i] + (i % 3) * 509, .done = on_done };
	slot = nvme_get_slot(q);
	if (slot < 0)
		return;
	if (nvme_setup_rw(q, &reqs[i], &cmd, slot))
		__builtin_trap();
	q->slots[slot].req = &reqs[i];
	queued[i] = true;
	done[i] = 0;
	nvme_push(q, slot, &cmd);
	nvme_ring_sq(q);
}

/* Copies up to n input bytes over dst. */
static void scribble(void *dst, size_t n, const u8 **in, size_t *len)
{
	size_t k = n < *len ? n : *len;

	memcpy(dst, *in, k);
	*in += k;
	*len -= k;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u32 shadow[4] __attribute__((aligned(64))), ei[4];
	static struct nvme_ctrl *c;
	static struct e1000 *e;
	unsigned int held = 0;
	struct nvme_queue *q;

	if (!c) {
		c = calloc(1, sizeof(*c));
		e = calloc(1, sizeof(*e));
		c->regs = calloc(1, 0x2000);
		e->regs = calloc(1, E1000_MMIO_SIZE);
		c->stride = 4;
		c->timeout_ns = 1000000;
		if (nvme_queue_init(c, &c->io, 1, DEPTH) || e1000_setup_rings(e))
			abort();
	}
	/* Fresh queues each run, the memory kept. */
	q = &c->io;
	c->broken = c->wedged = false;
	memset((void *)c->regs, 0, 0x2000);
	memset(q->cq, 0, DEPTH * sizeof(struct nvme_cqe));
	memset(q->slots, 0, q->nr_slots * sizeof(*q->slots));
	q->sq_tail = q->sq_head = q->cq_head = q->rung_tail = 0;
	q->in_flight = 0;
	q->phase = 1;
	memset(shadow, 0, sizeof(shadow));
	memset(ei, 0, sizeof(ei));
	q->shadow_sq = q->shadow_cq = q->ei_sq = q->ei_cq = NULL;
	memset(queued, 0, sizeof(queued));
	memset(e->tx, 0, E1000_NR_TX * sizeof(struct e1000_tx_desc));
	for (unsigned int k = 0; k < E1000_NR_RX; k++)
		e->rx[k] = (struct e1000_rx_desc){
			.addr = virt_to_phys(e->rx_bufs + k * E1000_BUF_SIZE) };
	e->rx_next = e->tx_tail = e->tx_clean = 0;
	e->in_frame = false;

	while (size--) {
		unsigned int i = *data >> 3, what = *data++ & 7;

		switch (what) {
		case 0:
			submit(q, i);
			break;
		case 1:		/* a completion entry of any bytes, anywhere in the CQ */
			scribble(&q->cq[i % DEPTH], sizeof(struct nvme_cqe), &data, &size);
			break;
		case 2:
			nvme_reap(q);
			break;
		case 3:		/* shadow doorbells on, event indexes of any value */
			q->shadow_sq = &shadow[0];
			q->shadow_cq = &shadow[1];
			q->ei_sq = &ei[0];
			q->ei_cq = &ei[1];
			scribble(ei, 2 * sizeof(u32), &data, &size);
			break;
		case 4:		/* a receive descriptor of any bytes */
			scribble(&e->rx[i % E1000_NR_RX], sizeof(struct e1000_rx_desc), &data, &size);
			break;
		case 5:
			e1000_clean_rx(e, 1 + i);
			break;
		case 6:		/* odd: the controller never confirms the reset */
			*(volatile u32 *)(c->regs + NVME_REG_CSTS) = i & 1 ? NVME_CSTS_RDY : 0;
			nvme_break(c, "fuzz");
			break;
		case 7: {
			u8 frame[E1000_MAX_FRAME + 2] = { 0 };

			e1000_transmit(&e->net, frame, 1 + i * 60);
			e->tx[i % E1000_NR_TX].status = i & 1;
			break;
		}
		}
	}
	/* A broken controller leaves nothing in flight, unless it is wedged. */
	if (c->broken && !c->wedged && q->in_flight)
		__builtin_trap();
	nvme_break(c, "end of input");
	/* Wedged: what was in flight stays, exactly what was not completed. */
	for (unsigned int k = 0; k < NREQ; k++)
		held += queued[k];
	if (held != (c->wedged ? q->in_flight : 0))
		__builtin_trap();
	return 0;
}
