/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the IDE (ata_piix.c) and AHCI (ahci.c) drivers share: ATA
 * commands and status bits, IDENTIFY decoding, the checks every value
 * read from the device passes, the bus-master and AHCI scatter tables,
 * and a FIFO of requests waiting for the device.  libata.c has no
 * hardware access, so it runs on the host too (tests/unit/ata_test.c).
 */
#ifndef _DRIVERS_BLOCK_LIBATA_H
#define _DRIVERS_BLOCK_LIBATA_H

#include <pvkit/types.h>
#include <pvkit/blkdev.h>

/* ATA/ATAPI-8 commands used here. */
#define ATA_CMD_READ_EXT	0x24	/* READ SECTORS EXT (PIO) */
#define ATA_CMD_READ_DMA_EXT	0x25
#define ATA_CMD_WRITE_EXT	0x34	/* WRITE SECTORS EXT (PIO) */
#define ATA_CMD_WRITE_DMA_EXT	0x35
#define ATA_CMD_FPDMA_READ	0x60	/* READ FPDMA QUEUED (NCQ) */
#define ATA_CMD_FPDMA_WRITE	0x61
#define ATA_CMD_IDENTIFY	0xec
#define ATA_CMD_FLUSH_EXT	0xea

/* Status register. */
#define ATA_ERR			0x01
#define ATA_DRQ			0x08
#define ATA_DF			0x20
#define ATA_DRDY		0x40
#define ATA_BSY			0x80

#define ATA_DEV_LBA		0x40	/* device register: LBA addressing */
#define ATA_MAX_SECTORS_EXT	65536	/* a count of 0 means this many */

struct ata_identity {
	u64 nr_sectors;
	bool flush;		/* FLUSH CACHE EXT */
	bool ncq;
	unsigned int ncq_depth;	/* 1-32 */
	char serial[21];
	char model[41];
};

/*
 * Decodes IDENTIFY DEVICE data (256 words as the device sent them).
 * 0, or -EINVAL with *why set: a checksum that does not add up, no
 * LBA48, a capacity of zero, an ATAPI device.
 */
int ata_parse_identify(const u16 *id, struct ata_identity *out, const char **why);

/*
 * The status a command ended with.  BLK_OK, BLK_EIO when the device
 * reports an error (ERR or DF), BLK_EBROKEN with *why when it breaks
 * the protocol (still busy, or DRQ not as the phase requires).
 */
int ata_check_status(u8 status, bool want_drq, const char **why);

/*
 * Waits for (status & mask) == want, reading the status once per round
 * through read(ctx), until the absolute ktime deadline.  0 with the last
 * value in *status; -ENODEV for a floating bus (0xff, nothing attached);
 * -ETIMEDOUT.
 */
int ata_wait(u8 (*read)(void *ctx), void *ctx, u8 mask, u8 want,
	     u64 deadline_ns, u8 *status);

/* Bus-master IDE physical region descriptor (SFF-8038i). */
struct ata_prd {
	u32 addr;
	u32 flags_len;		/* byte count (0 = 64 KiB) in 15:0, EOT in 31 */
};
#define ATA_PRD_EOT		0x80000000U

/*
 * Describes len bytes at phys in at most max entries, none crossing a
 * 64 KiB boundary; returns the count, or -EINVAL (empty, odd, above
 * 4 GiB, too many entries).
 */
int ata_fill_prd(struct ata_prd *prd, unsigned int max, u64 phys, u32 len);

/* AHCI 1.3 physical region descriptor: up to 4 MiB, even count. */
struct ahci_prd {
	u32 addr, addr_hi, reserved;
	u32 dbc;		/* byte count - 1 in 21:0, interrupt in 31 */
};

/* As ata_fill_prd for AHCI; above 4 GiB only if the HBA has 64-bit addresses. */
int ahci_fill_prd(struct ahci_prd *prd, unsigned int max, u64 phys, u32 len,
		  bool addr64);

/*
 * NCQ completion: the tags issued and not yet completed, and the port's
 * SActive as read once.  Returns the tags that completed (issued and no
 * longer active), or -EPROTO with *why if SActive shows a tag that was
 * never issued.
 */
long ahci_ncq_done(u32 issued, u32 sactive, const char **why);

/*
 * The D2H register FIS a non-queued command ended with (20 bytes, a copy):
 * BLK_OK, BLK_EIO, or BLK_EBROKEN with *why for another FIS type or a
 * status that breaks the protocol.
 */
#define AHCI_FIS_D2H		0x34
int ahci_check_d2h(const u8 *fis, const char **why);

/* Requests waiting for the device, in order. */
struct ata_queue {
	struct blk_request *head, *tail;
};

static inline void ata_queue_add(struct ata_queue *q, struct blk_request *req)
{
	req->next = NULL;
	if (q->tail)
		q->tail->next = req;
	else
		q->head = req;
	q->tail = req;
}

static inline struct blk_request *ata_queue_pop(struct ata_queue *q)
{
	struct blk_request *req = q->head;

	if (req) {
		q->head = req->next;
		if (!q->head)
			q->tail = NULL;
	}
	return req;
}

/* Fills what every ATA disk tells the block layer, and registers it as sdX. */
void ata_register_disk(struct blkdev *blk, const struct ata_identity *id,
		       const char *driver);
/*
 * The first step of submit: 1 when req was BLK_GET_ID, answered from
 * the IDENTIFY data and completed; BLK_EUNSUPP for what ATA is not
 * asked here (discard, write zeroes); 0 for a read, write or flush.
 */
int ata_submit_check(const struct ata_identity *id, struct blk_request *req);
/* Sets the status and calls done(). */

#endif
