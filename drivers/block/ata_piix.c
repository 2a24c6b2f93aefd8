// SPDX-License-Identifier: GPL-2.0
/*
 * ATA disks on the PIIX/ICH IDE controller (QEMU pc's PIIX3, -drive
 * if=ide), in ISA compatibility mode: channels at 0x1f0/0x3f6 (IRQ 14)
 * and 0x170/0x376 (IRQ 15), bus-master DMA at BAR4 (SFF-8038i).
 *
 *   ata.mode=dma	READ/WRITE DMA EXT through a PRD table (default)
 *   ata.mode=pio	READ/WRITE SECTORS EXT, every data word an inw/outw:
 *			the worst case of emulated I/O, kept on purpose
 *   ata.irq=off	no interrupts: completion is polled
 *
 * A channel runs one command at a time; requests wait in its FIFO so
 * that callers can still keep many in flight.  Every port access goes
 * through ch_in/ch_out, which count it: each one traps to the device
 * model, and stats.traps per request is the figure blkbench prints.
 */
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/io.h>
#include <asm/page.h>
#include "libata.h"

/* Command block registers, from the channel's base port. */
#define ATA_REG_DATA	0
#define ATA_REG_COUNT	2
#define ATA_REG_LBAL	3
#define ATA_REG_LBAM	4
#define ATA_REG_LBAH	5
#define ATA_REG_DEVICE	6
#define ATA_REG_STATUS	7	/* reading it acknowledges the interrupt */
#define ATA_REG_CMD	7
/* Control block: alternate status (no acknowledge) / device control. */
#define ATA_CTL_NIEN	0x02

/* Bus-master registers, 8 per channel from BAR4. */
#define BM_CMD		0
#define  BM_CMD_START	0x01
#define  BM_CMD_TO_MEM	0x08	/* the device writes memory: a read */
#define BM_STATUS	2
#define  BM_ACTIVE	0x01
#define  BM_ERROR	0x02
#define  BM_INTR	0x04
#define BM_PRD		4

#define ATA_PIO_MAX_SECTORS	256
#define ATA_QUEUE_DEPTH		32	/* what waits in the FIFO, not the device */
#define ATA_PRD_ENTRIES		8	/* 128 KiB crosses at most three 64 KiB lines */
#define ATA_CMD_TIMEOUT_NS	(10 * NSEC_PER_SEC)
#define ATA_PROBE_TIMEOUT_NS	(2 * NSEC_PER_SEC)
#define WORDS_PER_SECTOR	(SECTOR_SIZE / 2)

struct ata_chan;

struct ata_disk {
	struct blkdev blk;
	struct ata_chan *ch;
	u8 dev_bit;			/* device register: 0 master, 0x10 slave */
	struct ata_identity id;
};

struct ata_chan {
	const char *name;
	u16 cmd, ctl, bm;		/* bm 0: no bus master, PIO only */
	int irq;			/* -1: polled */
	bool dma, broken;
	struct ata_queue queue;
	unsigned int nr_queued;		/* waiting and active */
	/* the command on the wire */
	struct blk_request *active;
	struct ata_disk *disk;
	u32 left;			/* PIO: sectors still to move */
	u8 *pos;
	u64 deadline;
	struct ata_prd *prd;
	struct blkdev_stats *acct;	/* whose traps these are */
	struct blkdev_stats probe_stats;
};

/* ---- counted port access ---- */

static u8 ch_in(struct ata_chan *ch, u16 port)
{
	ch->acct->traps++;
	return inb(port);
}

static void ch_out(struct ata_chan *ch, u8 v, u16 port)
{
	ch->acct->traps++;
	outb(v, port);
}

static void pio_in(struct ata_chan *ch, u8 *buf)
{
	u16 *w = (u16 *)buf;

	for (int i = 0; i < WORDS_PER_SECTOR; i++)
		w[i] = inw(ch->cmd + ATA_REG_DATA);
	ch->acct->traps += WORDS_PER_SECTOR;
}

static void pio_out(struct ata_chan *ch, const u8 *buf)
{
	const u16 *w = (const u16 *)buf;

	for (int i = 0; i < WORDS_PER_SECTOR; i++)
		outw(w[i], ch->cmd + ATA_REG_DATA);
	ch->acct->traps += WORDS_PER_SECTOR;
}

static u8 read_altstatus(void *ctx)
{
	struct ata_chan *ch = ctx;

	return ch_in(ch, ch->ctl);
}

/* ---- failure ---- */

static void chan_break(struct ata_chan *ch, const char *why)
{
	struct blk_request *req;

	if (!ch->broken)
		pr_err("ata: %s channel: %s; the channel is shut off\n", ch->name, why);
	ch->broken = true;
	/* Interrupts off at the device and the DMA engine stopped: it is not trusted. */
	outb(ATA_CTL_NIEN, ch->ctl);
	if (ch->bm)
		outb(0, ch->bm + BM_CMD);
	if (ch->active) {
		req = ch->active;
		ch->active = NULL;
		ch->nr_queued--;
		blk_complete(req, BLK_EBROKEN);
	}
	while ((req = ata_queue_pop(&ch->queue))) {
		ch->nr_queued--;
		blk_complete(req, BLK_EBROKEN);
	}
}

/* ---- issuing ---- */

/*
 * An LBA48 taskfile for the selected device: the high bytes first, each
 * register is a FIFO of two.
 */
static void write_taskfile(struct ata_chan *ch, u8 cmd, u64 lba, u32 count)
{
	u16 p = ch->cmd;

	ch_out(ch, count >> 8, p + ATA_REG_COUNT);
	ch_out(ch, lba >> 24, p + ATA_REG_LBAL);
	ch_out(ch, lba >> 32, p + ATA_REG_LBAM);
	ch_out(ch, lba >> 40, p + ATA_REG_LBAH);
	ch_out(ch, count, p + ATA_REG_COUNT);
	ch_out(ch, lba, p + ATA_REG_LBAL);
	ch_out(ch, lba >> 8, p + ATA_REG_LBAM);
	ch_out(ch, lba >> 16, p + ATA_REG_LBAH);
	ch_out(ch, cmd, p + ATA_REG_CMD);
}

static int start_dma(struct ata_chan *ch, struct blk_request *req)
{
	bool rd = req->op == BLK_READ;
	int n = ata_fill_prd(ch->prd, ATA_PRD_ENTRIES, virt_to_phys(req->buf),
			     req->nr_sectors * SECTOR_SIZE);

	if (n < 0)
		return BLK_EINVAL;	/* a buffer the engine cannot reach */
	barrier();		/* the table is in memory before the engine may read it */
	ch->acct->traps++;
	outl(virt_to_phys(ch->prd), ch->bm + BM_PRD);
	ch_out(ch, BM_ERROR | BM_INTR, ch->bm + BM_STATUS);	/* write-one-to-clear */
	ch_out(ch, rd ? BM_CMD_TO_MEM : 0, ch->bm + BM_CMD);
	write_taskfile(ch, rd ? ATA_CMD_READ_DMA_EXT : ATA_CMD_WRITE_DMA_EXT,
		       req->sector, req->nr_sectors);
	ch_out(ch, (rd ? BM_CMD_TO_MEM : 0) | BM_CMD_START, ch->bm + BM_CMD);
	return 0;
}

/* A PIO write gets no interrupt for its first sector: wait for DRQ, bounded. */
static int start_pio_write(struct ata_chan *ch)
{
	const char *why = NULL;
	u8 st;
	int err = ata_wait(read_altstatus, ch, ATA_BSY, 0,
			   ktime_get_ns() + ATA_CMD_TIMEOUT_NS, &st);

	if (err) {
		chan_break(ch, "still busy 10 s after a PIO write command");
		return BLK_EBROKEN;
	}
	/* ERR: the drive refused the command (EIO); no DRQ: a broken protocol. */
	err = ata_check_status(st, true, &why);
	if (err) {
		if (err == BLK_EBROKEN)
			chan_break(ch, why);
		return err;
	}
	pio_out(ch, ch->pos);
	ch->pos += SECTOR_SIZE;
	ch->left--;
	return 0;
}

static int start(struct ata_chan *ch, struct blk_request *req)
{
	u8 st;

	/*
	 * Select the drive, then look at its status: the previous command
	 * ended cleanly, so a drive still busy is not following the protocol.
	 */
	ch_out(ch, ATA_DEV_LBA | ch->disk->dev_bit, ch->cmd + ATA_REG_DEVICE);
	st = read_altstatus(ch);
	if (st & (ATA_BSY | ATA_DRQ)) {
		chan_break(ch, "busy with no command outstanding");
		return BLK_EBROKEN;
	}
	ch->left = req->nr_sectors;
	ch->pos = req->buf;
	ch->deadline = ktime_get_ns() + ATA_CMD_TIMEOUT_NS;
	switch (req->op) {
	case BLK_FLUSH:
		write_taskfile(ch, ATA_CMD_FLUSH_EXT, 0, 0);
		return 0;
	case BLK_READ:
	case BLK_WRITE:
		if (ch->dma)
			return start_dma(ch, req);
		write_taskfile(ch, req->op == BLK_READ ? ATA_CMD_READ_EXT :
			       ATA_CMD_WRITE_EXT, req->sector, req->nr_sectors);
		return req->op == BLK_WRITE ? start_pio_write(ch) : 0;
	default:
		return BLK_EUNSUPP;
	}
}

/* Starts queued requests until one is on the wire. */
static void start_next(struct ata_chan *ch)
{
	while (!ch->active && !ch->broken && ch->queue.head) {
		struct blk_request *req = ata_queue_pop(&ch->queue);
		int err;

		ch->active = req;
		ch->disk = req->driver_data;
		ch->acct = &ch->disk->blk.stats;
		err = start(ch, req);
		if (err && ch->active) {
			ch->active = NULL;
			ch->nr_queued--;
			blk_complete(req, err);
		}
	}
}

/* ---- completion ---- */

static void complete(struct ata_chan *ch, int status)
{
	struct blk_request *req = ch->active;

	ch->active = NULL;
	ch->nr_queued--;
	blk_complete(req, status);
	start_next(ch);
}

static void fail_or_break(struct ata_chan *ch, int err, const char *why)
{
	if (err == BLK_EBROKEN)
		chan_break(ch, why);
	else
		complete(ch, err);
}

/*
 * The DMA engine reports first: interrupt set and not active is the end
 * of a transfer that used the whole table; interrupt set while active
 * means the device ended early (fewer bytes than asked).
 */
static void service_dma(struct ata_chan *ch)
{
	const char *why = NULL;
	u8 bm = ch_in(ch, ch->bm + BM_STATUS), st;
	int err;

	if (!(bm & BM_INTR)) {
		/*
		 * Not done yet, or not ours.  Polled, the drive has nIEN set and
		 * raises no INTRQ, so the engine never sets INTR: there the end
		 * is the engine idle and the drive no longer busy.
		 */
		if (ch->irq >= 0 || (bm & BM_ACTIVE) || (read_altstatus(ch) & ATA_BSY))
			return;
	}
	ch_out(ch, 0, ch->bm + BM_CMD);
	barrier();		/* the data is read only after the engine said it is done */
	st = ch_in(ch, ch->cmd + ATA_REG_STATUS);
	ch_out(ch, BM_ERROR | BM_INTR, ch->bm + BM_STATUS);
	err = ata_check_status(st, false, &why);
	if (!err && (bm & BM_ERROR))
		err = BLK_EIO;
	if (!err && (bm & BM_ACTIVE)) {
		err = BLK_EBROKEN;
		why = "DMA ended before the transfer was whole";
	}
	fail_or_break(ch, err, why);
}

static void service_pio(struct ata_chan *ch)
{
	struct blk_request *req = ch->active;
	bool data = req->op != BLK_FLUSH && ch->left;
	const char *why = NULL;
	u8 st = ch_in(ch, ch->cmd + ATA_REG_STATUS);
	int err;

	if (st & ATA_BSY)
		return;			/* polled too early */
	err = ata_check_status(st, data, &why);
	if (err) {
		fail_or_break(ch, err, why);
		return;
	}
	if (!data) {			/* a write's or flush's final interrupt */
		complete(ch, BLK_OK);
		return;
	}
	if (req->op == BLK_READ)
		pio_in(ch, ch->pos);
	else
		pio_out(ch, ch->pos);
	ch->pos += SECTOR_SIZE;
	ch->left--;
	/*
	 * Each data block is a handshake of its own: a drive that moved one
	 * gets a new deadline for the next.  The command stays bounded (by
	 * ch->left deadlines), and a slow PIO path, such as a Xen HVM device
	 * model in dom0 at milliseconds per word, is not taken for a hung one.
	 */
	ch->deadline = ktime_get_ns() + ATA_CMD_TIMEOUT_NS;
	if (ch->left || req->op == BLK_WRITE)
		return;			/* a write ends with one more interrupt */
	/* The last sector of a read raises nothing: the status says if it went well. */
	err = ata_check_status(read_altstatus(ch), false, &why);
	fail_or_break(ch, err, why);
}

static void service(struct ata_chan *ch)
{
	if (!ch->active || ch->broken)
		return;
	if (ch->dma && ch->active->op != BLK_FLUSH)
		service_dma(ch);
	else
		service_pio(ch);
}

static void ata_irq(void *data)
{
	struct ata_chan *ch = data;

	if (ch->active)
		ch->acct->interrupts++;
	else if (!ch->broken)
		ch_in(ch, ch->cmd + ATA_REG_STATUS);	/* acknowledge, nothing to do */
	service(ch);
}

/* ---- block-device operations ---- */

static struct ata_disk *to_disk(struct blkdev *dev)
{
	return container_of(dev, struct ata_disk, blk);
}

static int ata_submit(struct blkdev *dev, struct blk_request *req)
{
	struct ata_disk *disk = to_disk(dev);
	struct ata_chan *ch = disk->ch;
	unsigned long flags;
	int err = 0;

	err = ata_submit_check(&disk->id, req);
	if (err)
		return err > 0 ? 0 : err;
	flags = local_irq_save();
	if (ch->broken)
		err = BLK_EBROKEN;
	else if (ch->nr_queued >= ATA_QUEUE_DEPTH)
		err = BLK_EBUSY;
	if (!err) {
		req->driver_data = disk;
		ata_queue_add(&ch->queue, req);
		ch->nr_queued++;
		start_next(ch);
	}
	local_irq_restore(flags);
	return err;
}

static void ata_poll(struct blkdev *dev)
{
	struct ata_chan *ch = to_disk(dev)->ch;
	unsigned long flags = local_irq_save();

	if (ch->irq < 0)
		service(ch);
	if (ch->active && ktime_get_ns() > ch->deadline)
		chan_break(ch, "a command did not complete within 10 s");
	local_irq_restore(flags);
}

static void ata_shutdown(struct blkdev *dev, const char *why)
{
	unsigned long flags = local_irq_save();

	chan_break(to_disk(dev)->ch, why);
	local_irq_restore(flags);
}

static const struct blkdev_ops ata_ops = {
	.submit = ata_submit,
	.poll = ata_poll,
	.shutdown = ata_shutdown,
};

/* ---- probing ---- */

/* IDENTIFY DEVICE, polled with interrupts off at the device. */
static int identify(struct ata_chan *ch, u8 dev_bit, struct ata_identity *id)
{
	u64 deadline = ktime_get_ns() + ATA_PROBE_TIMEOUT_NS;
	const char *why = NULL;
	u16 *buf;
	int err;
	u8 st;

	ch_out(ch, ATA_DEV_LBA | dev_bit, ch->cmd + ATA_REG_DEVICE);
	st = read_altstatus(ch);
	if (st == 0xff || st == 0)
		return -ENODEV;		/* a floating bus or no drive at this position */
	ch_out(ch, ATA_CMD_IDENTIFY, ch->cmd + ATA_REG_CMD);
	err = ata_wait(read_altstatus, ch, ATA_BSY, 0, deadline, &st);
	if (err || (st & ATA_ERR))
		return err ? err : -ENODEV;	/* ATAPI aborts IDENTIFY DEVICE */
	if (ata_check_status(st, true, &why))
		return -EIO;
	buf = kmalloc(SECTOR_SIZE);
	if (!buf)
		return -ENOMEM;
	pio_in(ch, (u8 *)buf);
	ch_in(ch, ch->cmd + ATA_REG_STATUS);	/* acknowledge */
	err = ata_parse_identify(buf, id, &why);
	kfree(buf);
	if (err)
		pr_warn("ata: %s channel, %s: %s: not used\n", ch->name,
			dev_bit ? "slave" : "master", why);
	return err;
}

static bool want_dma(void)
{
	const char *mode = param_get("ata.mode");

	if (mode && strcmp(mode, "dma") && strcmp(mode, "pio"))
		pr_warn("ata: ata.mode=%s is neither pio nor dma: dma\n", mode);
	return !mode || strcmp(mode, "pio");
}

static void setup_irq(struct ata_chan *ch, int irq)
{
	const char *v = param_get("ata.irq");

	ch->irq = -1;
	if (v && !strcmp(v, "off"))
		return;
	if (request_irq(irq, ata_irq, ch, ch->name) == 0)
		ch->irq = irq;
	else
		pr_warn("ata: %s channel: IRQ %d unavailable, polling\n", ch->name, irq);
}

static void probe_channel(struct pci_dev *d, const char *name, u16 cmd, u16 ctl,
			  int irq, u16 bm)
{
	struct ata_chan *ch = kzalloc(sizeof(*ch));
	struct ata_identity id;
	int found = 0;

	if (!ch)
		return;
	*ch = (struct ata_chan){ .name = name, .cmd = cmd, .ctl = ctl, .bm = bm };
	ch->acct = &ch->probe_stats;
	ch_out(ch, ATA_CTL_NIEN, ch->ctl);
	for (u8 dev_bit = 0; dev_bit <= 0x10; dev_bit += 0x10) {
		struct ata_disk *disk;

		if (identify(ch, dev_bit, &id))
			continue;
		disk = kzalloc(sizeof(*disk));
		if (!disk)
			break;
		disk->ch = ch;
		disk->dev_bit = dev_bit;
		disk->id = id;
		if (!found++) {
			ch->prd = bm ? alloc_pages(1) : NULL;
			/* The engine takes a 32-bit table address. */
			ch->dma = ch->prd && virt_to_phys(ch->prd) < 0x100000000ULL &&
				  want_dma();
			setup_irq(ch, irq);
		}
		disk->blk.ops = &ata_ops;
		disk->blk.queue_depth = ATA_QUEUE_DEPTH;
		disk->blk.max_sectors = ATA_PIO_MAX_SECTORS;
		disk->blk.polled = ch->irq < 0;
		disk->blk.sector_time_ns = ch->dma ? 0 : ATA_CMD_TIMEOUT_NS;
		disk->blk.counts_traps = true;
		disk->blk.driver_data = disk;
		ata_register_disk(&disk->blk, &disk->id, ch->dma ? "ata-dma" : "ata-pio");
	}
	if (!found) {
		kfree(ch);
		return;
	}
	if (ch->irq >= 0)
		ch_out(ch, 0, ch->ctl);		/* interrupts on */
}

static int piix_probe(struct pci_dev *d, const struct pci_device_id *id)
{
	u16 bm = 0;

	/* Native-mode channels (prog-if bits 0 and 2) would need BARs 0-3 and INTx. */
	if (d->prog_if & 0x05) {
		pr_warn(PCI_DEV_FMT ": IDE in PCI native mode is not supported\n",
			PCI_DEV_ARGS(d));
		return -EOPNOTSUPP;
	}
	if (d->bar[4].io && d->bar[4].size >= 16 && d->bar[4].addr + 16 <= 0x10000) {
		bm = d->bar[4].addr;
		pci_set_master(d);
	} else {
		pr_warn(PCI_DEV_FMT ": no bus-master BAR: PIO only\n", PCI_DEV_ARGS(d));
	}
	probe_channel(d, "primary", 0x1f0, 0x3f6, 14, bm);
	probe_channel(d, "secondary", 0x170, 0x376, 15, bm ? bm + 8 : 0);
	return 0;
}

static const struct pci_device_id piix_ids[] = {
	{ PCI_VENDOR_ID_INTEL, 0x7010 },	/* PIIX3 IDE (QEMU pc, Xen HVM) */
	{ PCI_VENDOR_ID_INTEL, 0x7111 },	/* PIIX4 IDE */
	{}
};

static const struct pci_driver ata_piix_driver = {
	.name = "ata_piix",
	.ids = piix_ids,
	.probe = piix_probe,
};
DEFINE_PCI_DRIVER(ata_piix_driver);
