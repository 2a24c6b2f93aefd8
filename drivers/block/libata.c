// SPDX-License-Identifier: GPL-2.0
/*
 * The ATA core the IDE and AHCI drivers share (libata.h): decoding and
 * checking what the device says, scatter tables, the blkdev glue.  The
 * device is untrusted: IDENTIFY data is checksummed and bounded, every
 * status is checked against the protocol phase, every wait has a deadline.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/processor.h>
#include "libata.h"

#define ID_SERIAL	10	/* words 10-19, two ASCII characters per word */
#define ID_MODEL	27	/* words 27-46 */
#define ID_LBA28	60
#define ID_QUEUE_DEPTH	75
#define ID_SATA_CAP	76
#define  ID_SATA_NCQ	(1 << 8)
#define ID_CMDSET2	83
#define  ID_LBA48	(1 << 10)
#define  ID_FLUSH_EXT	(1 << 13)
#define ID_LBA48_SECTORS 100	/* words 100-103 */
#define ID_INTEGRITY	255	/* 0xa5 signature, then a checksum byte */

/* ATA strings swap the bytes of each word and are padded with spaces. */
static void id_string(const u16 *id, unsigned int word, unsigned int words, char *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < words; i++) {
		char c[2] = { id[word + i] >> 8, id[word + i] & 0xff };

		for (int k = 0; k < 2; k++)
			out[n++] = c[k] >= 0x20 && c[k] < 0x7f ? c[k] : '?';
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static bool id_checksum_ok(const u16 *id)
{
	u8 sum = 0;

	/* Only a device that signs the block (0xa5) promises a checksum. */
	if ((id[ID_INTEGRITY] & 0xff) != 0xa5)
		return true;
	for (int i = 0; i < 256; i++)
		sum += (id[i] & 0xff) + (id[i] >> 8);
	return sum == 0;
}

int ata_parse_identify(const u16 *id, struct ata_identity *out, const char **why)
{
	u64 lba48 = 0;

	memset(out, 0, sizeof(*out));
	if (id[0] & 0x8000) {
		*why = "an ATAPI device";
		return -EINVAL;
	}
	if (!id_checksum_ok(id)) {
		*why = "IDENTIFY data with a bad checksum";
		return -EINVAL;
	}
	if (!(id[ID_CMDSET2] & ID_LBA48) || (id[ID_CMDSET2] & 0xc000) != 0x4000) {
		*why = "no 48-bit addressing";
		return -EINVAL;
	}
	for (int i = 3; i >= 0; i--)
		lba48 = lba48 << 16 | id[ID_LBA48_SECTORS + i];
	/* ACS caps the 48-bit capacity below 2^48 sectors. */
	if (!lba48 || lba48 >> 48) {
		*why = "a capacity of 0 or beyond 48 bits";
		return -EINVAL;
	}
	out->nr_sectors = lba48;
	out->flush = id[ID_CMDSET2] & ID_FLUSH_EXT;
	/* Word 76 is 0 or 0xffff on a parallel ATA device: neither says NCQ. */
	if (id[ID_SATA_CAP] != 0xffff && (id[ID_SATA_CAP] & ID_SATA_NCQ)) {
		out->ncq = true;
		out->ncq_depth = (id[ID_QUEUE_DEPTH] & 0x1f) + 1;
	}
	id_string(id, ID_SERIAL, 10, out->serial);
	id_string(id, ID_MODEL, 20, out->model);
	return 0;
}

int ata_check_status(u8 status, bool want_drq, const char **why)
{
	if (status & ATA_BSY) {
		*why = "status busy when the command should be over";
		return BLK_EBROKEN;
	}
	if (status & (ATA_ERR | ATA_DF))
		return BLK_EIO;
	if (!!(status & ATA_DRQ) != want_drq) {
		*why = want_drq ? "no data request where data was due" :
				  "a data request where none was due";
		return BLK_EBROKEN;
	}
	return BLK_OK;
}

int ata_wait(u8 (*read)(void *ctx), void *ctx, u8 mask, u8 want,
	     u64 deadline_ns, u8 *status)
{
	for (;;) {
		u8 st = read(ctx);

		*status = st;
		if (st == 0xff)
			return -ENODEV;
		if ((st & mask) == want)
			return 0;
		if (ktime_get_ns() > deadline_ns)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

int ata_fill_prd(struct ata_prd *prd, unsigned int max, u64 phys, u32 len)
{
	unsigned int n = 0;

	if (!len || (len & 1) || phys + len > 0x100000000ULL)
		return -EINVAL;
	while (len) {
		/* A region may not cross a 64 KiB boundary. */
		u32 chunk = min(len, (u32)(0x10000 - (phys & 0xffff)));

		if (n == max)
			return -EINVAL;
		prd[n].addr = phys;
		prd[n].flags_len = chunk & 0xffff;	/* 64 KiB is written as 0 */
		phys += chunk;
		len -= chunk;
		n++;
	}
	prd[n - 1].flags_len |= ATA_PRD_EOT;
	return n;
}

#define AHCI_PRD_MAX	(4U << 20)

int ahci_fill_prd(struct ahci_prd *prd, unsigned int max, u64 phys, u32 len,
		  bool addr64)
{
	unsigned int n = 0;

	if (!len || (len & 1) || (!addr64 && phys + len > 0x100000000ULL))
		return -EINVAL;
	while (len) {
		u32 chunk = min(len, AHCI_PRD_MAX);

		if (n == max)
			return -EINVAL;
		prd[n] = (struct ahci_prd){ .addr = phys, .addr_hi = phys >> 32,
					    .dbc = chunk - 1 };
		phys += chunk;
		len -= chunk;
		n++;
	}
	return n;
}

long ahci_ncq_done(u32 issued, u32 sactive, const char **why)
{
	if (sactive & ~issued) {
		*why = "SActive shows an NCQ tag that was not issued";
		return -EPROTO;
	}
	return issued & ~sactive;
}

int ahci_check_d2h(const u8 *fis, const char **why)
{
	if (fis[0] != AHCI_FIS_D2H) {
		*why = "no D2H register FIS for a completed command";
		return BLK_EBROKEN;
	}
	return ata_check_status(fis[2], false, why);
}

static void ata_get_id(const struct ata_identity *id, struct blk_request *req)
{
	memset(req->buf, 0, 20);
	memcpy(req->buf, id->serial, min(strlen(id->serial), (size_t)20));
	blk_complete(req, BLK_OK);
}

int ata_submit_check(const struct ata_identity *id, struct blk_request *req)
{
	if (req->op == BLK_GET_ID) {
		ata_get_id(id, req);
		return 1;
	}
	if (req->op != BLK_READ && req->op != BLK_WRITE && req->op != BLK_FLUSH)
		return BLK_EUNSUPP;
	return 0;
}

void ata_register_disk(struct blkdev *blk, const struct ata_identity *id,
		       const char *driver)
{
	blk->driver = driver;
	blk->nr_sectors = id->nr_sectors;
	blk->has_flush = id->flush;
	blkdev_name(blk->name, sizeof(blk->name), "sd");
	pr_info("%s: %s, serial %s%s\n", driver, id->model, id->serial,
		id->ncq ? ", NCQ" : "");
	blkdev_register(blk);
}
