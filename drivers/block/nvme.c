// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe behind the block-device interface: one admin queue pair (polled,
 * used at probe only) and one I/O queue pair, MSI-X (else INTx, else
 * polling), and QEMU's shadow doorbell buffer (Doorbell Buffer Config,
 * NVMe 1.3) when the controller offers it and nvme.shadow_db is not 0.
 *
 * The controller is untrusted like any device: a completion entry is
 * read field by field once, and believed only if its phase is the one
 * expected, its command id is outstanding on that queue, its SQ id is
 * the queue's and its SQ head lies between what we knew and what we
 * rang.  A command id carries its slot's generation, so a completion
 * repeated after its slot was reused is caught too.  Anything else
 * breaks the controller: it is disabled, and once it reports the reset
 * done every request in flight fails with BLK_EBROKEN.  A controller that
 * never reports it keeps its requests: their buffers are not handed back
 * while it may still write them.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <stdarg.h>
#include "nvme.h"

#define ADMIN_DEPTH		32U
#define IO_DEPTH		256U	/* entries; one stays empty: 255 in flight */
#define NVME_MAX_SECTORS	256	/* 128 KiB: NVME_PRPS_PER_SLOT pages */
#define NVME_MIN_TIMEOUT_NS	(1 * NSEC_PER_SEC)

/* The shadow doorbell is written before the event index is read. */
#define nvme_mb()	__asm__ __volatile__("mfence" ::: "memory")

static void fail_in_flight(struct nvme_queue *q)
{
	for (unsigned int i = 0; i < q->nr_slots; i++) {
		struct nvme_slot *s = &q->slots[i];

		if (!s->in_use)
			continue;
		s->in_use = false;
		q->in_flight--;
		s->status = 0xffff;
		s->done = true;
		if (s->req) {
			struct blk_request *req = s->req;

			s->req = NULL;
			blk_complete(req, BLK_EBROKEN);
		}
	}
}

/* Waits for CSTS.RDY to become ready, up to CAP.TO; a fatal status ends it. */
static int wait_ready(struct nvme_ctrl *c, bool ready)
{
	u64 deadline = ktime_get_ns() + c->timeout_ns;

	for (;;) {
		u32 csts = readl(c->regs + NVME_REG_CSTS);

		if (csts == ~0U || (csts & NVME_CSTS_CFS)) {
			pr_err("%s: controller fatal status (CSTS %#x)\n", c->name, csts);
			return -EIO;
		}
		if (!!(csts & NVME_CSTS_RDY) == ready)
			return 0;
		if (ktime_get_ns() > deadline) {
			pr_err("%s: not %s after %llu ms\n", c->name, ready ? "ready" : "reset",
			       c->timeout_ns / 1000000);
			return -ETIMEDOUT;
		}
		udelay(100);
	}
}

void nvme_break(struct nvme_ctrl *c, const char *fmt, ...)
{
	char why[96];
	va_list ap;

	if (c->broken)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_err("%s: controller broken: %s; shut off\n", c->name, why);
	c->broken = true;
	/*
	 * Disabled, it stops fetching commands; it has stopped writing memory
	 * only once CSTS.RDY reads 0 (NVMe 1.4 3.1.5), up to CAP.TO later.
	 */
	writel(0, c->regs + NVME_REG_CC);
	if (wait_ready(c, false)) {
		c->wedged = true;
		pr_err("%s: reset not confirmed: %u requests stay in flight, their buffers the controller's\n",
		       c->name, c->admin.in_flight + c->io.in_flight);
		return;
	}
	fail_in_flight(&c->admin);
	fail_in_flight(&c->io);
}

int nvme_queue_init(struct nvme_ctrl *c, struct nvme_queue *q, u16 qid, u16 depth)
{
	unsigned int sq_pages = DIV_ROUND_UP(depth * sizeof(struct nvme_sqe), PAGE_SIZE);
	unsigned int cq_pages = DIV_ROUND_UP(depth * sizeof(struct nvme_cqe), PAGE_SIZE);

	q->ctrl = c;
	q->qid = qid;
	q->depth = depth;
	q->phase = 1;
	q->nr_slots = depth - 1;
	q->sq = alloc_pages(sq_pages);
	q->cq = alloc_pages(cq_pages);
	q->slots = kzalloc(q->nr_slots * sizeof(*q->slots));
	q->prp_lists = alloc_pages(DIV_ROUND_UP(q->nr_slots * NVME_PRPS_PER_SLOT * 8, PAGE_SIZE));
	if (!q->sq || !q->cq || !q->slots || !q->prp_lists)
		return -ENOMEM;
	memset(q->sq, 0, sq_pages * PAGE_SIZE);
	/* Phase 0 everywhere: nothing is mistaken for a first-pass completion. */
	memset(q->cq, 0, cq_pages * PAGE_SIZE);
	q->sq_db = (volatile u32 *)(c->regs + NVME_REG_DBS + 2 * qid * c->stride);
	q->cq_db = (volatile u32 *)(c->regs + NVME_REG_DBS + (2 * qid + 1) * c->stride);
	return 0;
}

int nvme_get_slot(struct nvme_queue *q)
{
	/* The SQ is full when one more entry would make tail meet head. */
	if ((u16)((q->sq_tail + 1) % q->depth) == q->sq_head)
		return -EBUSY;
	for (unsigned int i = 0; i < q->nr_slots; i++) {
		struct nvme_slot *s = &q->slots[i];

		if (!s->in_use) {
			*s = (struct nvme_slot){ .in_use = true, .gen = s->gen + 1 };
			q->in_flight++;
			return i;
		}
	}
	return -EBUSY;
}

void nvme_push(struct nvme_queue *q, unsigned int slot, struct nvme_sqe *cmd)
{
	cmd->cid = NVME_CID(slot, q->slots[slot].gen);
	q->sq[q->sq_tail] = *cmd;
	q->sq_tail = (q->sq_tail + 1) % q->depth;
}

/*
 * A doorbell write traps; with the shadow buffer the new value goes to
 * memory and the register is written only when the controller asked,
 * through the event index, to hear about it (I/O queues only: Linux and
 * QEMU poll the admin queue's shadow nowhere).
 */
static void ring(struct nvme_queue *q, volatile u32 *db, u32 *shadow, u32 *ei, u16 val)
{
	if (shadow) {
		u16 old = READ_ONCE(*shadow);

		WRITE_ONCE(*shadow, val);
		nvme_mb();
		if (q->qid && !nvme_need_event(READ_ONCE(*ei), val, old))
			return;
	}
	barrier();		/* the entries are in memory before the device hears */
	writel(val, db);
	q->doorbells++;
	if (q->qid)
		q->ctrl->blk.stats.notifications++;
}

void nvme_ring_sq(struct nvme_queue *q)
{
	if (q->sq_tail == q->rung_tail)
		return;
	q->rung_tail = q->sq_tail;
	ring(q, q->sq_db, q->shadow_sq, q->ei_sq, q->sq_tail);
}

static int blk_status_of(u16 status)
{
	/* DNR, More and the retry delay say nothing about what happened. */
	u16 sf = (status >> 1) & NVME_SF_CODE;

	if (!sf)
		return BLK_OK;
	/* Generic status (type 0): invalid opcode or field means not supported. */
	if (sf == NVME_SC_INVALID_OPCODE || sf == NVME_SC_INVALID_FIELD)
		return BLK_EUNSUPP;
	return BLK_EIO;
}

static void complete_slot(struct nvme_queue *q, struct nvme_slot *s, u16 status, u32 result)
{
	struct blk_request *req = s->req;

	s->in_use = false;
	s->req = NULL;
	q->in_flight--;
	s->status = status >> 1;
	s->result = result;
	s->done = true;
	if (req) {
		blk_complete(req, blk_status_of(status));
	}
}

/*
 * The SQ head the device reports may only move forward, up to what it was
 * told: entries pushed but not rung cannot have been fetched.
 */
static bool sq_head_ok(struct nvme_queue *q, u16 head)
{
	u16 pending = (q->rung_tail - q->sq_head + q->depth) % q->depth;

	return head < q->depth && (u16)((head - q->sq_head + q->depth) % q->depth) <= pending;
}

int nvme_reap(struct nvme_queue *q)
{
	struct nvme_ctrl *c = q->ctrl;
	u16 old_head = q->cq_head;
	int n = 0;

	/* A budget of one ring: no device keeps us here. */
	while (!c->broken && n < q->depth) {
		struct nvme_cqe *e = &q->cq[q->cq_head];
		u16 status = READ_ONCE(e->status), cid, sq_id, head;
		unsigned int slot;
		u32 result;

		if ((status & 1) != q->phase)
			break;
		barrier();	/* the rest of the entry is read after the phase */
		cid = READ_ONCE(e->cid);
		sq_id = READ_ONCE(e->sq_id);
		head = READ_ONCE(e->sq_head);
		result = READ_ONCE(e->result);
		if (sq_id != q->qid) {
			nvme_break(c, "queue %u: completion for SQ %u", q->qid, sq_id);
			break;
		}
		slot = NVME_CID_SLOT(cid);
		if (slot >= q->nr_slots || !q->slots[slot].in_use ||
		    NVME_CID_GEN(cid) != q->slots[slot].gen) {
			nvme_break(c, "queue %u: completion for command id %#x, not outstanding",
				   q->qid, cid);
			break;
		}
		if (!sq_head_ok(q, head)) {
			nvme_break(c, "queue %u: SQ head %u outside %u..%u", q->qid, head,
				   q->sq_head, q->rung_tail);
			break;
		}
		q->sq_head = head;
		if (++q->cq_head == q->depth) {
			q->cq_head = 0;
			q->phase ^= 1;
		}
		complete_slot(q, &q->slots[slot], status, result);
		n++;
	}
	if (q->cq_head != old_head && !c->broken)
		ring(q, q->cq_db, q->shadow_cq, q->ei_cq, q->cq_head);
	return c->broken ? -EIO : n;
}

int nvme_handle_irq(struct nvme_ctrl *c)
{
	int a = nvme_reap(&c->admin), n = nvme_reap(&c->io);

	n = max(a, 0) + max(n, 0);
	/* A shared INTx line calls us for others' interrupts too: count ours. */
	if (c->msix || n > 0)
		c->blk.stats.interrupts++;
	return n;
}

/* A physically contiguous buffer as PRP1, PRP2 or PRP1 and a PRP list. */
static int map_prps(struct nvme_queue *q, unsigned int slot, u64 phys, u32 len,
		    struct nvme_sqe *cmd)
{
	u32 first = PAGE_SIZE - (phys & (PAGE_SIZE - 1));
	u64 *list = &q->prp_lists[slot * NVME_PRPS_PER_SLOT];
	unsigned int n;

	cmd->prp1 = phys;
	if (len <= first)
		return 0;
	len -= first;
	phys += first;
	if (len <= PAGE_SIZE) {
		cmd->prp2 = phys;
		return 0;
	}
	n = DIV_ROUND_UP(len, PAGE_SIZE);
	if (n > NVME_PRPS_PER_SLOT)
		return BLK_EINVAL;
	for (unsigned int i = 0; i < n; i++)
		list[i] = phys + i * PAGE_SIZE;
	cmd->prp2 = virt_to_phys(list);
	return 0;
}

int nvme_setup_rw(struct nvme_queue *q, struct blk_request *req, struct nvme_sqe *cmd,
		  unsigned int slot)
{
	*cmd = (struct nvme_sqe){ .nsid = 1 };
	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE:
		cmd->opcode = req->op == BLK_READ ? NVME_CMD_READ : NVME_CMD_WRITE;
		if (map_prps(q, slot, virt_to_phys(req->buf), req->nr_sectors * SECTOR_SIZE, cmd))
			return BLK_EINVAL;
		break;
	case BLK_WRITE_ZEROES:
		cmd->opcode = NVME_CMD_WRITE_ZEROES;
		break;
	case BLK_FLUSH:
		cmd->opcode = NVME_CMD_FLUSH;
		return 0;
	default:
		return BLK_EUNSUPP;
	}
	cmd->cdw10 = (u32)req->sector;
	cmd->cdw11 = req->sector >> 32;
	cmd->cdw12 = req->nr_sectors - 1;	/* 0-based */
	return 0;
}

#ifndef __HOST_TEST__
static struct nvme_ctrl *to_ctrl(struct blkdev *dev)
{
	return container_of(dev, struct nvme_ctrl, blk);
}

static int nvme_submit(struct blkdev *dev, struct blk_request *req)
{
	struct nvme_ctrl *c = to_ctrl(dev);
	struct nvme_sqe cmd;
	unsigned long flags;
	int slot, err;

	if (req->op == BLK_GET_ID) {
		/* Known since IDENTIFY: no command needed. */
		memcpy(req->buf, c->serial, sizeof(c->serial));
		blk_complete(req, BLK_OK);
		return 0;
	}
	flags = local_irq_save();
	err = BLK_EBROKEN;
	if (c->broken)
		goto out;
	err = BLK_EBUSY;
	slot = nvme_get_slot(&c->io);
	if (slot < 0)
		goto out;
	err = nvme_setup_rw(&c->io, req, &cmd, slot);
	if (err) {
		c->io.slots[slot].in_use = false;
		c->io.in_flight--;
		goto out;
	}
	c->io.slots[slot].req = req;
	nvme_push(&c->io, slot, &cmd);
out:
	local_irq_restore(flags);
	return err;
}

static void nvme_kick(struct blkdev *dev)
{
	struct nvme_ctrl *c = to_ctrl(dev);
	unsigned long flags = local_irq_save();

	if (!c->broken)
		nvme_ring_sq(&c->io);
	local_irq_restore(flags);
}

static void nvme_poll(struct blkdev *dev)
{
	struct nvme_ctrl *c = to_ctrl(dev);
	unsigned long flags = local_irq_save();

	nvme_reap(&c->io);
	local_irq_restore(flags);
}

static void nvme_shutdown(struct blkdev *dev, const char *why)
{
	struct nvme_ctrl *c = to_ctrl(dev);
	unsigned long flags = local_irq_save();

	nvme_break(c, "%s", why);
	local_irq_restore(flags);
}

static const struct blkdev_ops nvme_ops = {
	.submit = nvme_submit,
	.kick = nvme_kick,
	.poll = nvme_poll,
	.shutdown = nvme_shutdown,
};

/* The admin queue and the I/O queue share vector 0 (or the INTx line). */
static void nvme_irq(void *data)
{
	nvme_handle_irq(data);
}

/* On a shared INTx line the interrupt was ours if it completed something. */
static bool nvme_intx(void *data)
{
	return nvme_handle_irq(data) > 0;
}

/* One admin command, polled to completion or to the deadline. */
static int admin_cmd(struct nvme_ctrl *c, struct nvme_sqe *cmd)
{
	u64 deadline = ktime_get_ns() + c->timeout_ns;
	unsigned long flags = local_irq_save();
	int slot = c->broken ? -1 : nvme_get_slot(&c->admin);
	struct nvme_slot *s;

	if (slot < 0) {
		local_irq_restore(flags);
		return -EIO;
	}
	s = &c->admin.slots[slot];
	nvme_push(&c->admin, slot, cmd);
	nvme_ring_sq(&c->admin);
	while (!s->done && nvme_reap(&c->admin) >= 0 && !s->done) {
		if (ktime_get_ns() > deadline) {
			nvme_break(c, "admin command %#x not completed in %llu ms",
				   cmd->opcode, c->timeout_ns / 1000000);
			break;
		}
		udelay(10);
	}
	local_irq_restore(flags);
	if (c->broken)
		return -EIO;
	if (s->status) {
		pr_err("%s: admin command %#x failed: status %#x\n", c->name, cmd->opcode,
		       s->status);
		return -EIO;
	}
	return 0;
}

static int identify(struct nvme_ctrl *c, u32 cns, u32 nsid, void *page)
{
	struct nvme_sqe cmd = { .opcode = NVME_ADMIN_IDENTIFY, .nsid = nsid,
				.prp1 = virt_to_phys(page), .cdw10 = cns };

	return admin_cmd(c, &cmd);
}

static int enable(struct nvme_ctrl *c)
{
	struct nvme_queue *aq = &c->admin;
	int err;

	if (readl(c->regs + NVME_REG_CC) & NVME_CC_ENABLE)
		writel(0, c->regs + NVME_REG_CC);
	/* Even with EN already 0 a reset may still be running (RDY 1). */
	err = wait_ready(c, false);
	if (err)
		return err;
	writel((aq->depth - 1) | (aq->depth - 1) << 16, c->regs + NVME_REG_AQA);
	writeq(virt_to_phys(aq->sq), c->regs + NVME_REG_ASQ);
	writeq(virt_to_phys(aq->cq), c->regs + NVME_REG_ACQ);
	/* NVM command set, 4 KiB pages (MPS 0), round robin. */
	writel(NVME_CC_ENABLE | NVME_CC_IOSQES | NVME_CC_IOCQES, c->regs + NVME_REG_CC);
	return wait_ready(c, true);
}

static void setup_irq(struct nvme_ctrl *c, struct pci_dev *d)
{
	if (param_get_ull("nvme.msix", 1) && pci_msix_enable(d, 1) == 1 &&
	    pci_msix_request(d, 0, nvme_irq, c, c->name) >= 0) {
		c->msix = true;
		return;
	}
	pci_msix_disable(d);
	if (pci_request_intx(d, nvme_intx, c, c->name) == 0)
		return;
	pr_warn("%s: no MSI-X and no INTx: polling\n", c->name);
	c->blk.polled = true;
}

/*
 * Two pages: the shadow doorbells and the event indexes, laid out like
 * the doorbell registers (2 * qid, 2 * qid + 1, scaled by the stride).
 * They are an optimisation: on any failure the MMIO doorbells stay.
 */
static int setup_dbbuf(struct nvme_ctrl *c)
{
	unsigned int w = c->stride / 4;
	struct nvme_sqe cmd = { .opcode = NVME_ADMIN_DBBUF_CONFIG };
	u32 *dbs, *eis;

	if ((2 * 1 + 1) * w >= PAGE_SIZE / 4) {
		pr_info("%s: doorbell stride %u does not fit a shadow page\n", c->name,
			c->stride);
		return -ERANGE;
	}
	dbs = alloc_pages(1);
	eis = alloc_pages(1);
	if (!dbs || !eis)
		goto free;
	memset(dbs, 0, PAGE_SIZE);
	memset(eis, 0, PAGE_SIZE);
	cmd.prp1 = virt_to_phys(dbs);
	cmd.prp2 = virt_to_phys(eis);
	if (admin_cmd(c, &cmd)) {
		/* Refused: the controller never had the pages.  Broken: not ours now. */
		if (c->wedged)
			return -EIO;
		goto free;
	}
	c->admin.shadow_sq = &dbs[0];
	c->admin.shadow_cq = &dbs[w];
	c->admin.ei_sq = &eis[0];
	c->admin.ei_cq = &eis[w];
	/* What the controller reads from the admin shadow must be current. */
	dbs[0] = c->admin.sq_tail;
	dbs[w] = c->admin.cq_head;
	c->io.shadow_sq = &dbs[2 * w];
	c->io.shadow_cq = &dbs[3 * w];
	c->io.ei_sq = &eis[2 * w];
	c->io.ei_cq = &eis[3 * w];
	return 0;
free:
	if (dbs)
		free_pages(dbs, 1);
	if (eis)
		free_pages(eis, 1);
	return -ENOMEM;
}

static int create_io_queues(struct nvme_ctrl *c)
{
	struct nvme_queue *q = &c->io;
	u32 size = (u32)(q->depth - 1) << 16 | q->qid;
	/* Physically contiguous; interrupts on vector 0 unless polled. */
	struct nvme_sqe cq = { .opcode = NVME_ADMIN_CREATE_CQ, .prp1 = virt_to_phys(q->cq),
			       .cdw10 = size, .cdw11 = 1 | (c->blk.polled ? 0 : 2) };
	struct nvme_sqe sq = { .opcode = NVME_ADMIN_CREATE_SQ, .prp1 = virt_to_phys(q->sq),
			       .cdw10 = size, .cdw11 = 1 | (u32)q->qid << 16 };

	if (admin_cmd(c, &cq) || admin_cmd(c, &sq))
		return -EIO;
	return 0;
}

/* What IDENTIFY says, read once from our copy and checked. */
static int read_identify(struct nvme_ctrl *c, u8 *id)
{
	u8 mdts, flbas, lbads;
	u16 oacs, oncs;
	u32 nn;
	u64 nsze;

	if (identify(c, NVME_ID_CNS_CTRL, 0, id))
		return -EIO;
	memcpy(c->serial, id + NVME_IDC_SN, sizeof(c->serial));
	mdts = id[NVME_IDC_MDTS];
	memcpy(&oacs, id + NVME_IDC_OACS, 2);
	memcpy(&nn, id + NVME_IDC_NN, 4);
	memcpy(&oncs, id + NVME_IDC_ONCS, 2);
	c->blk.has_flush = id[NVME_IDC_VWC] & NVME_VWC_PRESENT;
	c->blk.has_write_zeroes = oncs & NVME_ONCS_WRITE_ZEROES;
	c->blk.max_sectors = NVME_MAX_SECTORS;
	/* MDTS: a power of two of the minimum page size (4 KiB: CAP.MPSMIN is 0). */
	if (mdts && mdts < 8)
		c->blk.max_sectors = min(c->blk.max_sectors, (4096U << mdts) / SECTOR_SIZE);
	if (!nn) {
		pr_err("%s: no namespaces\n", c->name);
		return -ENODEV;
	}
	if (identify(c, NVME_ID_CNS_NS, 1, id))
		return -EIO;
	memcpy(&nsze, id + NVME_IDN_NSZE, 8);
	flbas = id[NVME_IDN_FLBAS] & 0xf;
	lbads = id[NVME_IDN_LBAF + 4 * flbas + 2];
	if (lbads != 9) {
		pr_err("%s: namespace 1 has %u-byte blocks; only 512 is supported\n", c->name,
		       lbads < 32 ? 1U << lbads : 0);
		return -EOPNOTSUPP;
	}
	c->blk.nr_sectors = nsze;
	return (oacs & NVME_OACS_DBBUF) ? 1 : 0;
}

/* Enabled, interrupts, identified, I/O queues: whether OACS offered shadow doorbells. */
static int bring_up(struct nvme_ctrl *c, struct pci_dev *d, u8 *page)
{
	int dbbuf, err = enable(c);

	if (err)
		return err;
	setup_irq(c, d);
	dbbuf = read_identify(c, page);
	if (dbbuf < 0)
		return dbbuf;
	if (dbbuf && param_get_ull("nvme.shadow_db", 1) && setup_dbbuf(c))
		pr_warn("%s: no shadow doorbells: MMIO doorbells only\n", c->name);
	if (create_io_queues(c))
		return -EIO;
	return dbbuf;
}

static unsigned int nr_ctrls;

static int nvme_probe(struct pci_dev *d, const struct pci_device_id *id)
{
	struct nvme_ctrl *c = kzalloc(sizeof(*c));
	u8 *page = alloc_pages(1);
	u64 cap;
	int dbbuf;

	if (!c || !page)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "nvme%u", nr_ctrls);
	pci_set_master(d);
	c->regs = pci_iomap(d, 0, 0, NVME_REG_DBS);
	if (!c->regs)
		return -ENODEV;
	cap = readq(c->regs + NVME_REG_CAP);
	c->stride = 4U << NVME_CAP_STRIDE(cap);
	c->timeout_ns = max((u64)NVME_CAP_TIMEOUT(cap) * 500 * 1000000, (u64)NVME_MIN_TIMEOUT_NS);
	if (!NVME_CAP_CSS_NVM(cap) || NVME_CAP_MPSMIN(cap) || NVME_CAP_MQES(cap) < 2) {
		pr_err("%s: CAP %#llx: no NVM command set, 4 KiB pages or queues\n", c->name, cap);
		return -ENODEV;
	}
	/* Admin and I/O queue doorbells: 4 registers. */
	iounmap((void *)c->regs, NVME_REG_DBS);
	c->regs = pci_iomap(d, 0, 0, NVME_REG_DBS + 4 * c->stride);
	if (!c->regs ||
	    nvme_queue_init(c, &c->admin, 0, min(ADMIN_DEPTH, NVME_CAP_MQES(cap))) ||
	    nvme_queue_init(c, &c->io, 1, min(IO_DEPTH, NVME_CAP_MQES(cap))))
		return -ENOMEM;
	dbbuf = bring_up(c, d, page);
	if (dbbuf < 0) {
		/* Disabled: a controller we gave up on must not write our memory. */
		nvme_break(c, "set-up failed (%d)", dbbuf);
		return dbbuf;
	}
	snprintf(c->blk.name, sizeof(c->blk.name), "nvme%un1", nr_ctrls++);
	c->blk.driver = "nvme";
	c->blk.ops = &nvme_ops;
	c->blk.queue_depth = c->io.nr_slots;
	c->blk.driver_data = c;
	d->driver_data = c;
	pr_info("%s: %s, shadow doorbells %s\n", c->name,
		c->blk.polled ? "polled" : c->msix ? "MSI-X" : "INTx",
		c->io.shadow_sq ? "on" : dbbuf ? "off" : "not offered");
	blkdev_register(&c->blk);
	return 0;
}

static const struct pci_device_id nvme_ids[] = {
	{ 0x1b36, 0x0010 },	/* QEMU NVM Express */
	{ 0, 0 }
};

static const struct pci_driver nvme_driver = {
	.name = "nvme",
	.ids = nvme_ids,
	.probe = nvme_probe,
};
DEFINE_PCI_DRIVER(nvme_driver);
#endif /* __HOST_TEST__ */
