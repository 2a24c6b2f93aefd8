/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe (NVM Express base 1.4) as the driver sees it: the controller
 * registers, the 64-byte submission and 16-byte completion entries, and
 * the driver's queue state.  Linux's UAPI headers have no controller
 * interface, so the layouts are written out here.  The queue functions
 * are shared with the host unit tests, which run them over plain memory
 * with a hostile fake controller.
 */
#ifndef _DRIVERS_BLOCK_NVME_H
#define _DRIVERS_BLOCK_NVME_H

#include <pvkit/blkdev.h>
#include <pvkit/compiler.h>
#include <pvkit/types.h>

/* Controller registers (BAR 0). */
#define NVME_REG_CAP	0x00	/* 64 bits */
#define NVME_REG_VS	0x08
#define NVME_REG_CC	0x14
#define NVME_REG_CSTS	0x1c
#define NVME_REG_AQA	0x24
#define NVME_REG_ASQ	0x28	/* 64 bits */
#define NVME_REG_ACQ	0x30	/* 64 bits */
#define NVME_REG_DBS	0x1000	/* doorbells, 4 << CAP.DSTRD bytes apart */

#define NVME_CAP_MQES(cap)	((u32)((cap) & 0xffff) + 1)
#define NVME_CAP_TIMEOUT(cap)	(((cap) >> 24) & 0xff)	/* 500 ms units */
#define NVME_CAP_STRIDE(cap)	(((cap) >> 32) & 0xf)
#define NVME_CAP_CSS_NVM(cap)	(((cap) >> 37) & 1)
#define NVME_CAP_MPSMIN(cap)	(((cap) >> 48) & 0xf)

#define NVME_CC_ENABLE		(1 << 0)
#define NVME_CC_IOSQES		(6 << 16)	/* 64-byte SQ entries */
#define NVME_CC_IOCQES		(4 << 20)	/* 16-byte CQ entries */
#define NVME_CSTS_RDY		(1 << 0)
#define NVME_CSTS_CFS		(1 << 1)	/* controller fatal status */

/* Admin and NVM command set opcodes. */
enum {
	NVME_ADMIN_CREATE_SQ = 0x01,
	NVME_ADMIN_CREATE_CQ = 0x05,
	NVME_ADMIN_IDENTIFY = 0x06,
	NVME_ADMIN_DBBUF_CONFIG = 0x7c,
	NVME_CMD_FLUSH = 0x00,
	NVME_CMD_WRITE = 0x01,
	NVME_CMD_READ = 0x02,
	NVME_CMD_WRITE_ZEROES = 0x08,
};

#define NVME_ID_CNS_NS		0
#define NVME_ID_CNS_CTRL	1
#define NVME_OACS_DBBUF		(1 << 8)
#define NVME_ONCS_WRITE_ZEROES	(1 << 3)
#define NVME_VWC_PRESENT	(1 << 0)

/* Offsets into the 4 KiB IDENTIFY data. */
#define NVME_IDC_SN		4	/* 20 bytes, space padded */
#define NVME_IDC_MN		24	/* 40 bytes */
#define NVME_IDC_MDTS		77
#define NVME_IDC_OACS		256
#define NVME_IDC_NN		516
#define NVME_IDC_ONCS		520
#define NVME_IDC_VWC		525
#define NVME_IDN_NSZE		0
#define NVME_IDN_FLBAS		26
#define NVME_IDN_LBAF		128	/* 4 bytes each; LBADS is byte 2 */

struct nvme_sqe {
	u8 opcode;
	u8 flags;
	u16 cid;
	u32 nsid;
	u64 rsvd2;
	u64 mptr;
	u64 prp1, prp2;
	u32 cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	u32 result;
	u32 rsvd;
	u16 sq_head;
	u16 sq_id;
	u16 cid;
	u16 status;		/* bit 0: phase tag; 15:1 status field */
};

#define NVME_SC_INVALID_OPCODE	0x1	/* generic status: the status field, shifted */
#define NVME_SC_INVALID_FIELD	0x2
/* SCT and SC of the shifted status field; above them CRD, More and DNR. */
#define NVME_SF_CODE		0x7ff

/*
 * A command id is its slot (below 256: at most 255 slots) and, above it,
 * the slot's generation, bumped at each use: a completion repeated after
 * its slot was reused carries the old generation and is caught.
 */
#define NVME_CID_SLOT(cid)	((cid) & 0xff)
#define NVME_CID_GEN(cid)	((cid) >> 8)
#define NVME_CID(slot, gen)	((u16)((slot) | (gen) << 8))

struct nvme_ctrl;

/* One command in flight: its id is NVME_CID(index in the slots, gen). */
struct nvme_slot {
	struct blk_request *req;
	bool in_use;
	u8 gen;			/* kept across uses */
	volatile bool done;	/* admin commands: set with status */
	u16 status;
	u32 result;
};

struct nvme_queue {
	struct nvme_ctrl *ctrl;
	u16 qid, depth;			/* depth entries in each ring */
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	u16 sq_tail, sq_head, cq_head;
	u16 rung_tail;			/* what the device was last told */
	u8 phase;			/* what a new completion's phase tag is */
	volatile u32 *sq_db, *cq_db;
	/* Shadow doorbells and event indexes, NULL unless in use. */
	u32 *shadow_sq, *shadow_cq, *ei_sq, *ei_cq;
	struct nvme_slot *slots;	/* depth - 1: a full SQ keeps one entry empty */
	unsigned int nr_slots, in_flight;
	u64 *prp_lists;			/* NVME_PRPS_PER_SLOT per slot */
	unsigned long doorbells;	/* MMIO writes made (they trap) */
};

#define NVME_PRPS_PER_SLOT	32	/* 128 KiB of 4 KiB pages and one more */

struct nvme_ctrl {
	struct blkdev blk;
	volatile u8 *regs;
	u32 stride;			/* doorbell stride in bytes */
	struct nvme_queue admin, io;
	bool broken;
	bool msix;			/* else INTx or polled */
	char name[16];
	u64 timeout_ns;			/* CAP.TO: for enable, each admin command, a reset */
	bool wedged;			/* broken and CSTS.RDY never cleared: requests kept */
	char serial[20];		/* IDENTIFY's, for BLK_GET_ID */
};

int nvme_queue_init(struct nvme_ctrl *c, struct nvme_queue *q, u16 qid, u16 depth);
/* A free command slot (and SQ entry) or -EBUSY: the queue is full. */
int nvme_get_slot(struct nvme_queue *q);
/* Copies cmd into the SQ with the slot's command id (not rung yet). */
void nvme_push(struct nvme_queue *q, unsigned int slot, struct nvme_sqe *cmd);
/* Tells the device about new SQ entries, through the shadow if it may. */
void nvme_ring_sq(struct nvme_queue *q);
/* Reaps completions; returns how many, or -EIO when the device broke. */
int nvme_reap(struct nvme_queue *q);
/* An interrupt (MSI-X vector 0 or a possibly shared INTx line): reaps both
 * queues and counts the interrupt if it was ours; returns what was reaped. */
int nvme_handle_irq(struct nvme_ctrl *c);
/* Builds a read/write/flush for req; 0 or a blk_status. */
int nvme_setup_rw(struct nvme_queue *q, struct blk_request *req, struct nvme_sqe *cmd,
		  unsigned int slot);
/*
 * Marks the controller broken and disables it; once CSTS.RDY says it is
 * reset (up to CAP.TO), fails what is in flight.  If it never says so,
 * the requests stay in flight: their buffers are never handed back.
 */
__printf(2, 3) void nvme_break(struct nvme_ctrl *c, const char *fmt, ...);
/* NVMe 1.3 8.17 (as Linux and QEMU): must a shadow write also ring? */
static inline bool nvme_need_event(u16 event, u16 new, u16 old)
{
	return (u16)(new - event - 1) < (u16)(new - old);
}

#endif
