// SPDX-License-Identifier: GPL-2.0
/*
 * SATA disks on an AHCI 1.3 controller (QEMU's ICH9: q35's built-in one
 * at 00:1f.2, or -device ahci).  Reads and writes are READ/WRITE FPDMA
 * QUEUED (NCQ) with one command slot per tag, so up to 32 are on the
 * device at once; FLUSH CACHE EXT is not queued and waits for the queue
 * to drain.  Completion by INTx (the PCI layer here has no plain MSI) or,
 * with ata.irq=off, by polling.
 *
 * Command lists, tables and received FISes are in memory; only the
 * register block (ABAR) traps, and every access to it goes through
 * port_read/port_write/hba_read/hba_write, which count it.  Submission
 * fills slots; the kick then issues all of them with one write to
 * SActive and one to Command Issue.
 */
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/iopoll.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <asm/processor.h>
#include "libata.h"

/* HBA registers (ABAR, BAR5). */
#define HBA_CAP		0x00
#define  CAP_NCS(c)	((((c) >> 8) & 0x1f) + 1)
#define  CAP_SSS	(1U << 27)	/* staggered spin-up */
#define  CAP_SNCQ	(1U << 30)
#define  CAP_S64A	(1U << 31)
#define HBA_GHC		0x04
#define  GHC_HR		(1U << 0)
#define  GHC_IE		(1U << 1)
#define  GHC_AE		(1U << 31)
#define HBA_IS		0x08
#define HBA_PI		0x0c
#define HBA_PORTS	0x100
#define HBA_PORT_SIZE	0x80
#define HBA_MMIO_SIZE	(HBA_PORTS + 32 * HBA_PORT_SIZE)

/* Port registers. */
#define PX_CLB		0x00
#define PX_CLBU		0x04
#define PX_FB		0x08
#define PX_FBU		0x0c
#define PX_IS		0x10
#define PX_IE		0x14
#define PX_CMD		0x18
#define  CMD_ST		(1U << 0)
#define  CMD_SUD	(1U << 1)
#define  CMD_POD	(1U << 2)
#define  CMD_FRE	(1U << 4)
#define  CMD_FR		(1U << 14)
#define  CMD_CR		(1U << 15)
#define PX_TFD		0x20
#define PX_SIG		0x24
#define  SIG_ATA	0x00000101
#define PX_SSTS		0x28
#define  SSTS_DET_NONE	0	/* no device, no PHY */
#define  SSTS_DET_PRESENT 3
#define PX_SERR		0x30
#define PX_SACT		0x34
#define PX_CI		0x38

/* Port interrupt status: completions, and the errors that end the port. */
#define IS_DHRS		(1U << 0)	/* D2H register FIS */
#define IS_PSS		(1U << 1)	/* PIO setup FIS */
#define IS_DSS		(1U << 2)	/* DMA setup FIS */
#define IS_SDBS		(1U << 3)	/* set device bits FIS: NCQ done */
#define IS_ERRORS	0x7d000000U	/* TFES HBFS HBDS IFS INFS OFS */
#define IS_WANTED	(IS_DHRS | IS_PSS | IS_DSS | IS_SDBS | IS_ERRORS)

#define AHCI_SLOTS		32
#define AHCI_PRD_ENTRIES	8
#define AHCI_MAX_SECTORS	1024	/* 512 KiB: one PRD entry each 4 MiB */
#define AHCI_TIMEOUT_NS		(10 * NSEC_PER_SEC)
#define AHCI_RESET_NS		(1 * NSEC_PER_SEC)
#define RX_FIS_D2H		0x40	/* where the HBA puts the last D2H FIS */

#define FIS_H2D			0x27
#define FIS_H2D_CMD		0x80	/* the FIS carries a command */

struct ahci_cmd_hdr {
	u32 opts;		/* FIS length in dwords, write, PRD count << 16 */
	u32 prdbc;		/* bytes the HBA moved */
	u32 ctba, ctba_hi;
	u32 reserved[4];
};
#define HDR_WRITE	(1U << 6)

struct ahci_cmd_tbl {
	u8 cfis[64];
	u8 acmd[16];
	u8 reserved[48];
	struct ahci_prd prd[AHCI_PRD_ENTRIES];
};

#define TBL_PAGES	(sizeof(struct ahci_cmd_tbl) * AHCI_SLOTS / PAGE_SIZE)

struct ahci_host;

struct ahci_port {
	struct blkdev blk;
	volatile u8 *mmio;		/* this port's registers */
	struct ahci_host *host;
	unsigned int nr;
	bool addr64, ncq, broken;
	unsigned int depth;		/* usable slots */
	struct ahci_cmd_hdr *hdrs;
	u8 *rx;
	struct ahci_cmd_tbl *tbls;
	struct blk_request *slot[AHCI_SLOTS];
	u64 deadline[AHCI_SLOTS];
	u32 issued;			/* on the device */
	u32 filled;			/* built, waiting for the kick */
	u32 filled_ncq;
	bool nonq;			/* the one outstanding command is not queued */
	struct ata_queue queue;
	unsigned int nr_queued;		/* in the FIFO */
	struct ata_identity id;
	struct ahci_port *next;		/* the host's ports */
};

struct ahci_host {
	volatile u8 *mmio;
	struct ahci_port *ports;
};

/* ---- counted register access ---- */

static u32 port_read(struct ahci_port *p, u32 reg)
{
	p->blk.stats.traps++;
	return readl(p->mmio + reg);
}

static void port_write(struct ahci_port *p, u32 reg, u32 v)
{
	p->blk.stats.traps++;
	writel(v, p->mmio + reg);
}

/* Waits for (reg & mask) == want for up to ns; false if it never came. */
static bool port_wait(struct ahci_port *p, u32 reg, u32 mask, u32 want, u64 ns)
{
	return !mmio_wait(p->mmio + reg, mask, want, ktime_get_ns() + ns, &p->blk.stats.traps);
}

/* ---- failure ---- */

static void fail_all(struct ahci_port *p, int status)
{
	struct blk_request *req;

	for (unsigned int t = 0; t < AHCI_SLOTS; t++) {
		req = p->slot[t];
		p->slot[t] = NULL;
		if (req)
			blk_complete(req, status);
	}
	p->issued = p->filled = p->filled_ncq = 0;
	while ((req = ata_queue_pop(&p->queue))) {
		p->nr_queued--;
		blk_complete(req, status);
	}
}

static void port_break(struct ahci_port *p, const char *why)
{
	if (!p->broken)
		pr_err("ahci: %s (port %u): %s; the port is shut off\n", p->blk.name,
		       p->nr, why);
	p->broken = true;
	/* Stop the command engine and its interrupts: nothing it says is trusted now. */
	port_write(p, PX_IE, 0);
	port_write(p, PX_CMD, port_read(p, PX_CMD) & ~CMD_ST);
	fail_all(p, BLK_EBROKEN);
}

/* ---- building commands ---- */

static void fill_fis(u8 *fis, u8 cmd, u64 lba, u16 count_field, u16 features)
{
	memset(fis, 0, 20);
	fis[0] = FIS_H2D;
	fis[1] = FIS_H2D_CMD;
	fis[2] = cmd;
	fis[3] = features;
	fis[4] = lba;
	fis[5] = lba >> 8;
	fis[6] = lba >> 16;
	fis[7] = ATA_DEV_LBA;
	fis[8] = lba >> 24;
	fis[9] = lba >> 32;
	fis[10] = lba >> 40;
	fis[11] = features >> 8;
	fis[12] = count_field;
	fis[13] = count_field >> 8;
}

/* Builds slot t for cmd; buf may be NULL.  0, or BLK_EINVAL for a buffer out of reach. */
static int build(struct ahci_port *p, unsigned int t, u8 cmd, u64 lba,
		 u16 count, u16 features, void *buf, u32 len, bool write)
{
	struct ahci_cmd_tbl *tbl = &p->tbls[t];
	int n = 0;

	if (buf) {
		n = ahci_fill_prd(tbl->prd, AHCI_PRD_ENTRIES, virt_to_phys(buf), len,
				  p->addr64);
		if (n < 0)
			return BLK_EINVAL;
	}
	fill_fis(tbl->cfis, cmd, lba, count, features);
	p->hdrs[t].opts = 5 | (write ? HDR_WRITE : 0) | (u32)n << 16;
	p->hdrs[t].prdbc = 0;
	return 0;
}

static bool use_ncq(struct ahci_port *p, struct blk_request *req)
{
	return p->ncq && (req->op == BLK_READ || req->op == BLK_WRITE);
}

static int build_request(struct ahci_port *p, unsigned int t, struct blk_request *req)
{
	bool wr = req->op == BLK_WRITE;
	u32 len = req->nr_sectors * SECTOR_SIZE;

	if (req->op == BLK_FLUSH)
		return build(p, t, ATA_CMD_FLUSH_EXT, 0, 0, 0, NULL, 0, false);
	if (use_ncq(p, req))	/* the count goes in features, the tag in count 7:3 */
		return build(p, t, wr ? ATA_CMD_FPDMA_WRITE : ATA_CMD_FPDMA_READ,
			     req->sector, t << 3, req->nr_sectors, req->buf, len, wr);
	return build(p, t, wr ? ATA_CMD_WRITE_DMA_EXT : ATA_CMD_READ_DMA_EXT,
		     req->sector, req->nr_sectors, 0, req->buf, len, wr);
}

/* A D2H FIS left from an earlier command must not pass for this one's. */
static void rx_clear(struct ahci_port *p)
{
	WRITE_ONCE(p->rx[RX_FIS_D2H], 0);
}

/*
 * Moves requests from the FIFO into free slots.  A non-queued command
 * (FLUSH, or anything without NCQ) must be alone on the device, so it
 * waits for the slots to drain and holds back what comes after it.
 */
static void dispatch(struct ahci_port *p)
{
	while (p->queue.head && !p->broken) {
		struct blk_request *req = p->queue.head;
		u32 busy = p->issued | p->filled;
		bool q = use_ncq(p, req);
		unsigned int t;
		int err;

		if (p->nonq || (!q && busy))
			return;
		for (t = 0; t < p->depth && (busy & (1U << t)); t++)
			;
		if (t == p->depth)
			return;
		ata_queue_pop(&p->queue);
		p->nr_queued--;
		err = build_request(p, t, req);
		if (err) {
			blk_complete(req, err);
			continue;
		}
		if (!q)
			rx_clear(p);
		p->slot[t] = req;
		p->deadline[t] = ktime_get_ns() + AHCI_TIMEOUT_NS;
		p->filled |= 1U << t;
		p->filled_ncq |= q ? 1U << t : 0;
		p->nonq = !q;
	}
}

/* SActive before Command Issue, each once for everything filled since the last kick. */
static void issue(struct ahci_port *p)
{
	if (!p->filled || p->broken)
		return;
	if (p->filled_ncq)
		port_write(p, PX_SACT, p->filled_ncq);
	p->issued |= p->filled;
	barrier();		/* the tables are written before the HBA may fetch them */
	port_write(p, PX_CI, p->filled);
	p->filled = p->filled_ncq = 0;
}

/* ---- completion ---- */

/* A non-queued command ended: its D2H FIS and byte count, each read once. */
static int nonq_status(struct ahci_port *p, unsigned int t, const char **why)
{
	struct blk_request *req = p->slot[t];
	u32 want = req->op == BLK_FLUSH ? 0 : req->nr_sectors * SECTOR_SIZE;
	u32 moved = READ_ONCE(p->hdrs[t].prdbc);
	u8 fis[20];
	int err;

	memcpy(fis, p->rx + RX_FIS_D2H, sizeof(fis));
	err = ahci_check_d2h(fis, why);
	if (!err && moved != want) {
		*why = "the HBA moved another byte count than the command's";
		return BLK_EBROKEN;
	}
	return err;
}

static void complete_tags(struct ahci_port *p, u32 done, int status)
{
	p->issued &= ~done;
	if (p->nonq && done)
		p->nonq = false;
	for (unsigned int t = 0; done; t++, done >>= 1) {
		struct blk_request *req = p->slot[t];

		if (!(done & 1))
			continue;
		p->slot[t] = NULL;
		blk_complete(req, status);
	}
}

static void service(struct ahci_port *p)
{
	const char *why = NULL;
	u32 is, ci;
	long done;
	int status = BLK_OK;

	if (p->broken)
		return;
	is = port_read(p, PX_IS);
	if (is)
		port_write(p, PX_IS, is);	/* before reading state: no completion is missed */
	if (is & IS_ERRORS) {
		char msg[64];

		snprintf(msg, sizeof(msg), "error interrupt %#x, task file %#x", is,
			 port_read(p, PX_TFD));
		port_break(p, msg);
		return;
	}
	if (!p->issued)
		return;
	if (p->nonq) {
		ci = port_read(p, PX_CI);
		done = ci & ~p->issued ? -EPROTO : (long)(p->issued & ~ci);
		why = "Command Issue shows a slot that was not issued";
		if (done > 0)
			status = nonq_status(p, __builtin_ctz(done), &why);
	} else {
		done = ahci_ncq_done(p->issued, port_read(p, PX_SACT), &why);
	}
	barrier();		/* what the HBA wrote is read after its registers said done */
	if (done < 0 || status == BLK_EBROKEN) {
		port_break(p, why);
		return;
	}
	complete_tags(p, done, status);
	dispatch(p);
	issue(p);
}

static bool ahci_irq(void *data)
{
	struct ahci_host *host = data;
	struct ahci_port *first = host->ports;
	u32 is;

	first->blk.stats.traps++;
	is = readl(host->mmio + HBA_IS);
	if (!is)
		return false;		/* a shared line: someone else's */
	for (struct ahci_port *p = host->ports; p; p = p->next) {
		if (!(is & (1U << p->nr)))
			continue;
		p->blk.stats.interrupts++;
		service(p);
	}
	/* Port status first, then the HBA's: the line drops only then. */
	first->blk.stats.traps++;
	writel(is, host->mmio + HBA_IS);
	return true;
}

/* ---- block-device operations ---- */

static unsigned int hweight32(u32 v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static struct ahci_port *to_port(struct blkdev *dev)
{
	return container_of(dev, struct ahci_port, blk);
}

static int ahci_submit(struct blkdev *dev, struct blk_request *req)
{
	struct ahci_port *p = to_port(dev);
	unsigned long flags;
	int err = 0;

	err = ata_submit_check(&p->id, req);
	if (err)
		return err > 0 ? 0 : err;
	flags = local_irq_save();
	if (p->broken)
		err = BLK_EBROKEN;
	else if (p->nr_queued + hweight32(p->issued | p->filled) >= AHCI_SLOTS)
		err = BLK_EBUSY;
	if (!err) {
		ata_queue_add(&p->queue, req);
		p->nr_queued++;
		dispatch(p);
	}
	local_irq_restore(flags);
	return err;
}

static void ahci_kick(struct blkdev *dev)
{
	unsigned long flags = local_irq_save();

	issue(to_port(dev));
	local_irq_restore(flags);
}

static void ahci_poll(struct blkdev *dev)
{
	struct ahci_port *p = to_port(dev);
	unsigned long flags = local_irq_save();
	u64 now = ktime_get_ns();

	if (dev->polled)
		service(p);
	for (unsigned int t = 0; t < AHCI_SLOTS && !p->broken; t++) {
		if ((p->issued & (1U << t)) && now > p->deadline[t])
			port_break(p, "a command did not complete within 10 s");
	}
	local_irq_restore(flags);
}

static void ahci_shutdown(struct blkdev *dev, const char *why)
{
	unsigned long flags = local_irq_save();

	port_break(to_port(dev), why);
	local_irq_restore(flags);
}

static const struct blkdev_ops ahci_ops = {
	.submit = ahci_submit,
	.kick = ahci_kick,
	.poll = ahci_poll,
	.shutdown = ahci_shutdown,
};

/* ---- bringing a port up ---- */

static int port_alloc(struct ahci_port *p)
{
	u8 *mem = alloc_pages(1);

	p->hdrs = (struct ahci_cmd_hdr *)mem;		/* 1 KiB, 1 KiB aligned */
	p->tbls = alloc_pages(TBL_PAGES);
	if (!mem || !p->tbls)
		return -ENOMEM;
	memset(mem, 0, PAGE_SIZE);
	memset(p->tbls, 0, TBL_PAGES * PAGE_SIZE);
	p->rx = mem + 1024;				/* 256 bytes, 256 aligned */
	for (unsigned int t = 0; t < AHCI_SLOTS; t++) {
		u64 pa = virt_to_phys(&p->tbls[t]);

		p->hdrs[t].ctba = pa;
		p->hdrs[t].ctba_hi = pa >> 32;
	}
	if (!p->addr64 && virt_to_phys(p->tbls + AHCI_SLOTS) > 0x100000000ULL)
		return -EINVAL;
	return 0;
}

/* A port that did not come up: its engine is stopped (or never pointed at this memory). */
static void port_free(struct ahci_port *p)
{
	if (p->hdrs)
		free_pages(p->hdrs, 1);
	if (p->tbls)
		free_pages(p->tbls, TBL_PAGES);
	kfree(p);
}

/* Stops the engines, points them at our memory, restarts with FIS receive on. */
static int port_start(struct ahci_port *p)
{
	u64 clb = virt_to_phys(p->hdrs), fb = virt_to_phys(p->rx);
	u32 cmd = port_read(p, PX_CMD);

	port_write(p, PX_CMD, cmd & ~(CMD_ST | CMD_FRE));
	if (!port_wait(p, PX_CMD, CMD_CR | CMD_FR, 0, AHCI_RESET_NS))
		return -ETIMEDOUT;
	port_write(p, PX_CLB, clb);
	port_write(p, PX_CLBU, clb >> 32);
	port_write(p, PX_FB, fb);
	port_write(p, PX_FBU, fb >> 32);
	port_write(p, PX_SERR, ~0U);
	port_write(p, PX_IS, ~0U);
	port_write(p, PX_CMD, (cmd & ~CMD_ST) | CMD_FRE | CMD_SUD | CMD_POD);
	if ((port_read(p, PX_SSTS) & 0xf) != SSTS_DET_PRESENT)
		return -ENODEV;
	if (!port_wait(p, PX_TFD, ATA_BSY | ATA_DRQ, 0, AHCI_RESET_NS))
		return -ETIMEDOUT;
	if (port_read(p, PX_SIG) != SIG_ATA)
		return -ENODEV;		/* ATAPI, a port multiplier: not for us */
	port_write(p, PX_CMD, port_read(p, PX_CMD) | CMD_ST);
	return 0;
}

/* IDENTIFY DEVICE in slot 0, polled: interrupts are not on yet. */
static int port_identify(struct ahci_port *p)
{
	const char *why = NULL;
	u16 *buf = kmalloc(SECTOR_SIZE);
	int err = -EIO;
	u32 tfd;

	if (!buf)
		return -ENOMEM;
	if (build(p, 0, ATA_CMD_IDENTIFY, 0, 0, 0, buf, SECTOR_SIZE, false))
		goto out;
	barrier();
	port_write(p, PX_CI, 1);
	if (!port_wait(p, PX_CI, 1, 0, AHCI_RESET_NS)) {
		why = "IDENTIFY did not complete";
		goto out;
	}
	tfd = port_read(p, PX_TFD);
	if ((port_read(p, PX_IS) & IS_ERRORS) || (tfd & (ATA_BSY | ATA_DRQ | ATA_ERR))) {
		why = "IDENTIFY failed";
		goto out;
	}
	err = ata_parse_identify(buf, &p->id, &why);
out:
	kfree(buf);
	port_write(p, PX_IS, ~0U);
	if (err)
		pr_warn("ahci: port %u: %s: not used\n", p->nr, why);
	return err;
}

/*
 * The ports worth bringing up, asked before the HBA reset: one whose
 * link status shows no device and no PHY (DET 0) is left alone.  Setting
 * up an empty port took ten register accesses (VM exits), 60 for QEMU's
 * six; with no port left the controller is not reset either.  The PHY's
 * status does not depend on the HBA being reset (QEMU sets it at the
 * machine's reset for a port with a drive); anything but DET 0 (a device,
 * a PHY offline or not settled) is tried, and port_start() decides after
 * the reset.  With staggered spin-up only port_start()'s spin-up tells.
 */
static u32 ports_maybe_present(volatile u8 *mmio, u32 cap, u32 pi, u64 size)
{
	u32 ports = 0;

	for (unsigned int nr = 0; nr < 32; nr++) {
		volatile u8 *px = mmio + HBA_PORTS + nr * HBA_PORT_SIZE;

		/* A port whose registers lie beyond the BAR is not believed. */
		if (!(pi & (1U << nr)) || HBA_PORTS + (nr + 1) * HBA_PORT_SIZE > size)
			continue;
		if ((cap & CAP_SSS) || (readl(px + PX_SSTS) & 0xf) != SSTS_DET_NONE)
			ports |= 1U << nr;
	}
	return ports;
}

static struct ahci_port *port_probe(struct ahci_host *host, unsigned int nr, u32 cap)
{
	struct ahci_port *p = kzalloc(sizeof(*p));
	int err;

	if (!p)
		return NULL;
	p->nr = nr;
	p->host = host;
	p->mmio = host->mmio + HBA_PORTS + nr * HBA_PORT_SIZE;
	p->addr64 = cap & CAP_S64A;
	err = port_alloc(p);
	if (!err)
		err = port_start(p);
	if (!err)
		err = port_identify(p);
	if (err) {
		if (err != -ENODEV)
			pr_warn("ahci: port %u: error %d bringing it up\n", nr, err);
		port_free(p);
		return NULL;
	}
	p->ncq = (cap & CAP_SNCQ) && p->id.ncq;
	p->depth = p->ncq ? min(CAP_NCS(cap), p->id.ncq_depth) : 1;
	p->blk.ops = &ahci_ops;
	p->blk.queue_depth = AHCI_SLOTS;
	p->blk.max_sectors = AHCI_MAX_SECTORS;
	p->blk.counts_traps = true;
	p->blk.driver_data = p;
	p->blk.stats.traps = 0;		/* bringing the port up is not a request's cost */
	return p;
}

static bool irq_wanted(void)
{
	const char *v = param_get("ata.irq");

	return !v || strcmp(v, "off");
}

/*
 * HBA reset, then AHCI mode (GHC.AE) on: the ports come back clean.  AE
 * goes on before anything else is written (AHCI 1.3.1, 10.4.3); the reset
 * clears the rest of GHC, so what was there need not be read.
 */
static int hba_reset(volatile u8 *mmio)
{
	u64 deadline = ktime_get_ns() + AHCI_RESET_NS;

	writel(GHC_AE, mmio + HBA_GHC);
	writel(GHC_AE | GHC_HR, mmio + HBA_GHC);
	if (mmio_wait(mmio + HBA_GHC, GHC_HR, 0, deadline, NULL))
		return -ETIMEDOUT;
	writel(GHC_AE, mmio + HBA_GHC);
	return 0;
}

/*
 * CAP, PI and the ports' link status are read before anything is written:
 * QEMU's q35 has an AHCI controller with no disk on every boot, and that
 * costs then the BAR's mapping and eight reads, not a reset, bus
 * mastering and the six ports.  CAP and PI are fixed by the hardware (or
 * the firmware), and the reset leaves them.
 */
static int ahci_probe(struct pci_dev *d, const struct pci_device_id *id)
{
	u64 size = min(pci_bar(d, 5)->size, (u64)HBA_MMIO_SIZE);
	struct ahci_host *host = kzalloc(sizeof(*host));
	struct ahci_port **tail;
	u32 cap, ports;
	bool polled;
	int err = 0;

	if (!host)
		return -ENOMEM;
	host->mmio = size < HBA_PORTS + HBA_PORT_SIZE ? NULL : pci_iomap(d, 5, 0, size);
	if (!host->mmio) {
		kfree(host);
		return -ENODEV;
	}
	cap = readl(host->mmio + HBA_CAP);
	ports = ports_maybe_present(host->mmio, cap, readl(host->mmio + HBA_PI),
				    size);
	if (!ports)
		goto none;
	pci_set_master(d);
	if (hba_reset(host->mmio)) {
		pr_err(PCI_DEV_FMT ": AHCI reset did not finish\n", PCI_DEV_ARGS(d));
		err = -ETIMEDOUT;
		goto none;
	}
	tail = &host->ports;
	for (unsigned int nr = 0; nr < 32; nr++) {
		if (!(ports & (1U << nr)))
			continue;
		*tail = port_probe(host, nr, cap);
		if (*tail)
			tail = &(*tail)->next;
	}
	if (!host->ports)
		goto none;
	polled = !irq_wanted() || pci_request_intx(d, ahci_irq, host, "ahci");
	for (struct ahci_port *p = host->ports; p; p = p->next) {
		p->blk.polled = polled;
		port_write(p, PX_IE, polled ? 0 : IS_WANTED);
		ata_register_disk(&p->blk, &p->id, p->ncq ? "ahci-ncq" : "ahci");
	}
	if (!polled)
		writel(GHC_AE | GHC_IE, host->mmio + HBA_GHC);
	return 0;
none:
	iounmap((void *)host->mmio, size);
	kfree(host);
	return err;
}

static const struct pci_device_id ahci_ids[] = {
	{ PCI_VENDOR_ID_INTEL, 0x2922 },	/* ICH9 AHCI: q35, -device ahci */
	{}
};

static const struct pci_driver ahci_driver = {
	.name = "ahci",
	.ids = ahci_ids,
	.probe = ahci_probe,
	/* ABAR (BAR 5) alone is mapped, INTx asked only with a disk. */
	.on_demand = true,
};
DEFINE_PCI_DRIVER(ahci_driver);
