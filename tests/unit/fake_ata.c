// SPDX-License-Identifier: GPL-2.0
/*
 * The fake IDE channel and AHCI HBA of fake_ata.h, and the kernel
 * services the ATA drivers use on the host: port and MMIO access, IRQ
 * and INTx registration, BAR mapping, the clock and the command line.
 */
/* The accessors are this file's functions, not the inline ones (pvkit/io.h, asm/io.h). */
#define HOST_FAKE_IO
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvkit/kernel.h>
#include <pvkit/io.h>
#include <pvkit/irq.h>
#include <asm/io.h>
#include <asm/page.h>
#include "fake_ata.h"

struct fake_ide fake_ide;
struct fake_ahci fake_ahci;

/* ---- services ---- */

/*
 * Time: the virtual clock of fake_xen.c, which only the test moves; a
 * register access moves it on by 1 ms, so that a driver polling a device
 * that never gets ready reaches its deadline after a bounded number of
 * accesses.  fake_ide.access_ns, where set, is the IDE model's own cost
 * of an access: a slower device model.
 */
static void tick(void)
{
	fake_now_ns += fake_ide.access_ns ? fake_ide.access_ns : 1000000;
}

static struct {
	irq_handler_t handler;
	void *data;
} irqs[16];

static struct {
	pci_intx_handler_t handler;
	void *data;
} intx;

int request_irq(unsigned int irq, irq_handler_t handler, void *data, const char *name)
{
	if (irq >= 16)
		return -1;
	irqs[irq].handler = handler;
	irqs[irq].data = data;
	return 0;
}

/* Every handler's data, kept reachable for the leak checker. */
void *fake_intx_kept[64];
unsigned int fake_intx_nr;

int pci_request_intx(struct pci_dev *d, pci_intx_handler_t handler, void *data,
		     const char *name)
{
	/* The kernel never frees what a probe registers; neither does the test. */
	if (fake_intx_nr < ARRAY_SIZE(fake_intx_kept))
		fake_intx_kept[fake_intx_nr++] = data;
	intx.handler = handler;
	intx.data = data;
	return 0;
}

/* Config space that reads 0 and takes any write: the drivers only set bus mastering. */
static u32 cfg_read(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn, u16 off,
		    unsigned int size)
{
	return 0;
}

static void cfg_write(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn, u16 off,
		      unsigned int size, u32 val)
{
}

const struct pci_ops fake_pci_cfg = {
	.name = "fake", .read = cfg_read, .write = cfg_write, .cfg_size = 0x100,
};

static u32 abar[0x1100 / 4];

void *pci_iomap(struct pci_dev *d, int bar, u64 offset, u64 len)
{
	return bar == 5 && offset + len <= sizeof(abar) ? (u8 *)abar + offset : NULL;
}

/* The bus's on-demand BAR: what the test's pci_dev says (the ABAR's size). */
const struct pci_bar *pci_bar(struct pci_dev *d, int i)
{
	return &d->bar[i];
}

void iounmap(void *va, size_t size)
{
}

extern const struct pci_driver __start_pci_drivers[], __stop_pci_drivers[];

int fake_pci_probe(const char *name, struct pci_dev *d)
{
	for (const struct pci_driver *drv = __start_pci_drivers; drv < __stop_pci_drivers; drv++)
		if (!strcmp(drv->name, name))
			return drv->probe(d, drv->ids);
	fprintf(stderr, "fake_ata: no PCI driver %s\n", name);
	abort();
}

/* ---- IDENTIFY ---- */

static void id_string(u16 *id, int word, int words, const char *s)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%-*s", words * 2, s);
	for (int i = 0; i < words; i++)
		id[word + i] = (u8)buf[2 * i] << 8 | (u8)buf[2 * i + 1];
}

void fake_identify(u16 *id)
{
	u8 sum = 0;

	memset(id, 0, 512);
	id[0] = 0x0040;
	id_string(id, 10, 10, "FAKE0001");
	id_string(id, 27, 20, "PVKIT FAKE DISK");
	id[75] = 31;
	id[76] = 1 << 8;
	id[83] = 0x4000 | 1 << 10 | 1 << 13;
	id[100] = FAKE_SECTORS;
	id[255] = 0xa5;
	for (int i = 0; i < 256; i++)
		sum += (id[i] & 0xff) + (id[i] >> 8);
	id[255] |= (u8)-sum << 8;
}

/* ---- IDE: one disk at 0x1f0/0x3f6, bus master at 0xc000 ---- */

#define IDE_CMD		0x1f0
#define IDE_CTL		0x3f6
#define BSY		0x80
#define DRDY		0x40
#define DRQ		0x08
#define ERR		0x01

static struct {
	u8 cur[8], prev[8];	/* taskfile; prev holds the high bytes (LBA48) */
	u8 status, ctl;
	bool irq;
	enum { IDLE, DATA_IN, DATA_OUT } phase;
	u16 buf[256];
	unsigned int pos;
	u64 lba;
	u32 left;
} ide;

void fake_ide_reset(void)
{
	memset(&fake_ide, 0, sizeof(fake_ide));
	memset(&ide, 0, sizeof(ide));
	ide.status = DRDY;
	for (unsigned int i = 0; i < sizeof(fake_ide.image); i++)
		fake_ide.image[i] = i * 7 + 3;
}

static void ide_raise(void)
{
	if (!(ide.ctl & 0x02))
		ide.irq = true;
}

static u8 ide_status(void)
{
	if (fake_ide.absent)
		return 0xff;
	if (ide.cur[6] & 0x10)
		return 0;		/* no slave */
	if (fake_ide.busy_idle && ide.phase == IDLE)
		return BSY;
	return ide.status;
}

static bool ide_range(u32 count)
{
	return ide.lba + count <= FAKE_SECTORS;
}

static void ide_exec(u8 cmd)
{
	u32 count = ide.cur[2] | ide.prev[2] << 8;

	fake_ide.cmds[cmd]++;
	ide.lba = ide.cur[3] | ide.cur[4] << 8 | ide.cur[5] << 16 |
		  (u64)ide.prev[3] << 24 | (u64)ide.prev[4] << 32 | (u64)ide.prev[5] << 40;
	ide.left = count ? count : 65536;
	ide.pos = 0;
	if (fake_ide.never_ready) {
		ide.status = BSY;
		return;
	}
	switch (cmd) {
	case 0xec:
		fake_identify(ide.buf);
		if (fake_ide.bad_checksum)
			ide.buf[200] ^= 1;
		ide.left = 1;
		ide.phase = DATA_IN;
		ide.status = DRDY | DRQ;
		break;
	case 0x24:
		if (fake_ide.fail || !ide_range(ide.left))
			goto fail;
		memcpy(ide.buf, fake_ide.image + ide.lba * 512, 512);
		ide.phase = DATA_IN;
		ide.status = fake_ide.no_drq ? DRDY : DRDY | DRQ;
		break;
	case 0x34:
		if (fake_ide.fail || !ide_range(ide.left))
			goto fail;
		ide.phase = DATA_OUT;
		ide.status = DRDY | DRQ;
		return;			/* no interrupt before the first sector */
	case 0xea:
		if (fake_ide.fail)
			goto fail;
		ide.status = DRDY;
		break;
	default:
		goto fail;
	}
	ide_raise();
	return;
fail:
	ide.phase = IDLE;
	ide.status = DRDY | ERR;
	ide_raise();
}

u8 inb(u16 port)
{
	tick();
	if (port == IDE_CMD + 7) {
		ide.irq = false;
		return ide_status();
	}
	if (port == IDE_CTL)
		return ide_status();
	if (port > IDE_CMD && port < IDE_CMD + 7)
		return ide.cur[port - IDE_CMD];
	if (port >= 0xc000 && port < 0xc010)
		return 0;
	return 0xff;			/* the secondary channel floats */
}

u16 inw(u16 port)
{
	u16 v;

	tick();
	if (port != IDE_CMD || ide.phase != DATA_IN)
		return 0xffff;
	v = ide.buf[ide.pos++];
	if (ide.pos == 256) {
		ide.pos = 0;
		ide.lba++;
		if (--ide.left) {
			memcpy(ide.buf, fake_ide.image + ide.lba * 512, 512);
			ide_raise();
		} else {
			ide.phase = IDLE;
			ide.status = DRDY;
		}
	}
	return v;
}

u32 inl(u16 port)
{
	return 0xffffffff;
}

void outb(u8 v, u16 port)
{
	tick();
	if (port > IDE_CMD && port < IDE_CMD + 7) {
		ide.prev[port - IDE_CMD] = ide.cur[port - IDE_CMD];
		ide.cur[port - IDE_CMD] = v;
	} else if (port == IDE_CMD + 7) {
		ide_exec(v);
	} else if (port == IDE_CTL) {
		ide.ctl = v;
	}
}

void outw(u16 v, u16 port)
{
	if (port != IDE_CMD || ide.phase != DATA_OUT)
		return;
	ide.buf[ide.pos++] = v;
	if (ide.pos < 256)
		return;
	memcpy(fake_ide.image + ide.lba * 512, ide.buf, 512);
	ide.pos = 0;
	ide.lba++;
	if (--ide.left) {
		ide.status = DRDY | DRQ;
	} else {
		ide.phase = IDLE;
		ide.status = DRDY;
	}
	ide_raise();
}

void outl(u32 v, u16 port)
{
}

bool fake_ide_irq(void)
{
	if (!ide.irq || !irqs[14].handler)
		return false;
	irqs[14].handler(irqs[14].data);
	return true;
}

/* ---- AHCI: one port, 32 slots, NCQ, 64-bit ---- */

#define A_GHC		(0x04 / 4)
#define A_IS		(0x08 / 4)
#define P(r)		((0x100 + (r)) / 4)
#define P_CLB		P(0x00)
#define P_CLBU		P(0x04)
#define P_FB		P(0x08)
#define P_FBU		P(0x0c)
#define P_IS		P(0x10)
#define P_IE		P(0x14)
#define P_CMD		P(0x18)
#define P_TFD		P(0x20)
#define P_SIG		P(0x24)
#define P_SSTS		P(0x28)
#define P_SERR		P(0x30)
#define P_SACT		P(0x34)
#define P_CI		P(0x38)

static unsigned int hweight32(u32 v)
{
	return __builtin_popcount(v);
}

void fake_ahci_reset(bool no_ncq)
{
	memset(&fake_ahci, 0, sizeof(fake_ahci));
	memset(abar, 0, sizeof(abar));
	abar[0] = 31 << 8 | 1U << 30 | 1U << 31;	/* 32 slots, NCQ, 64-bit, 1 port */
	if (no_ncq)
		abar[0] &= ~(1U << 30);
	abar[3] = 1;					/* port 0 implemented */
	/* The disk's link is up from the machine's reset, as QEMU's is. */
	abar[P_SSTS] = 0x113;
	for (unsigned int i = 0; i < sizeof(fake_ahci.image); i++)
		fake_ahci.image[i] = i * 5 + 1;
}

void fake_ahci_no_disk(void)
{
	fake_ahci.no_disk = true;
	abar[P_SSTS] = 0;
}

/* The HBA register a pointer falls on, or NULL outside the HBA. */
static u32 *reg_of(const volatile void *a)
{
	size_t off = (const volatile u8 *)a - (u8 *)abar;

	if (off >= sizeof(abar))
		return NULL;
	if (off % 4) {
		fprintf(stderr, "fake_ata: unaligned HBA access at %#zx\n", off);
		abort();
	}
	return &abar[off / 4];
}

/* Outside the fake HBA, "registers" are plain memory (as other host tests use them). */
u32 readl(const volatile void *a)
{
	u32 *r = reg_of(a);

	if (!r)
		return *(const volatile u32 *)a;
	tick();
	return *r;
}

static void *ptr(u32 lo, u32 hi)
{
	return phys_to_virt((u64)hi << 32 | lo);
}

/* Moves count sectors from lba between the image and the PRD buffers. */
static bool ahci_copy(const u8 *tbl, u32 prdtl, u64 lba, u32 count, bool to_disk)
{
	const u32 *prd = (const u32 *)(tbl + 0x80);
	u8 *disk = fake_ahci.image + lba * 512;
	u32 left = count * 512;

	if (lba + count > FAKE_SECTORS)
		return false;
	for (u32 i = 0; i < prdtl && left; i++, prd += 4) {
		u32 len = (prd[3] & 0x3fffff) + 1;
		u8 *buf = ptr(prd[0], prd[1]);

		len = len < left ? len : left;
		if (to_disk)
			memcpy(disk, buf, len);
		else
			memcpy(buf, disk, len);
		disk += len;
		left -= len;
	}
	return true;
}

static void ahci_d2h(u8 status)
{
	u8 *rx = ptr(abar[P_FB], abar[P_FBU]);

	rx[0x40] = fake_ahci.bad_d2h ? 0x5f : 0x34;
	rx[0x42] = status;
	abar[P_IS] |= 1;		/* DHRS */
}

static void ahci_exec(unsigned int slot)
{
	u32 *hdr = (u32 *)ptr(abar[P_CLB], abar[P_CLBU]) + slot * 8;
	u8 *tbl = ptr(hdr[2], hdr[3]);
	u64 lba = tbl[4] | tbl[5] << 8 | tbl[6] << 16 | (u64)tbl[8] << 24 |
		  (u64)tbl[9] << 32 | (u64)tbl[10] << 40;
	u32 prdtl = hdr[0] >> 16;
	u16 id[256];

	abar[P_CI] &= ~(1U << slot);
	switch (tbl[2]) {
	case 0xec:
		fake_identify(id);
		memcpy(ptr(((u32 *)(tbl + 0x80))[0], ((u32 *)(tbl + 0x80))[1]), id, 512);
		abar[P_TFD] = DRDY;
		abar[P_IS] |= 2;	/* PSS */
		break;
	case 0x60:
	case 0x61:
		if (fake_ahci.tfes ||
		    !ahci_copy(tbl, prdtl, lba, tbl[3] | tbl[11] << 8, tbl[2] == 0x61)) {
			abar[P_TFD] = DRDY | ERR;
			abar[P_IS] |= 1U << 30;		/* TFES */
			return;
		}
		abar[P_SACT] &= ~(1U << (tbl[12] >> 3));
		abar[P_IS] |= 8;	/* SDBS */
		break;
	case 0x25:
	case 0x35:
		fake_ahci.nonq_cmds++;
		if (hweight32(abar[P_CI] | 1U << slot) > 1)
			fake_ahci.overlapped = true;
		if (!ahci_copy(tbl, prdtl, lba, tbl[12] | tbl[13] << 8, tbl[2] == 0x35)) {
			ahci_d2h(DRDY | ERR);
			break;
		}
		hdr[1] = (tbl[12] | tbl[13] << 8) * 512 + fake_ahci.prdbc_extra;
		ahci_d2h(DRDY);
		break;
	case 0xea:
		hdr[1] = fake_ahci.prdbc_extra;
		ahci_d2h(DRDY);
		break;
	default:
		ahci_d2h(DRDY | ERR);
		break;
	}
}

/*
 * IS.IPS is a level-triggered latch (as on ICH9, and as Linux's ahci
 * driver relies on): cleared while the port still has an enabled
 * interrupt pending, it is set again.
 */
static void ahci_latch(void)
{
	if (abar[P_IS] & abar[P_IE])
		abar[A_IS] |= 1;
}

void fake_ahci_run(void)
{
	u32 ci = abar[P_CI];

	for (unsigned int slot = 0; slot < 32; slot++)
		if (ci & (1U << slot))
			ahci_exec(slot);
	abar[P_SACT] |= fake_ahci.sact_extra;
	abar[P_CI] |= fake_ahci.ci_extra;
	ahci_latch();
}

/* INTx is level triggered: the line is up while IS has a bit and GHC.IE is set. */
bool fake_ahci_irq(void)
{
	if (!abar[A_IS] || !(abar[A_GHC] & 2) || !intx.handler)
		return false;
	intx.handler(intx.data);
	return true;
}

static void port_cmd(u32 v)
{
	u32 old = abar[P_CMD];

	v &= ~(1U << 15 | 1U << 14);
	v |= (v & 1) << 15 | (v & 0x10) << 10;		/* CR follows ST, FR follows FRE */
	abar[P_CMD] = v;
	if ((v & 0x10) && !(old & 0x10)) {		/* FIS receive on: the signature arrives */
		abar[P_SIG] = 0x101;
		abar[P_TFD] = DRDY;
	}
}

void writel(u32 v, volatile void *a)
{
	u32 *r = reg_of(a);
	unsigned int i = r - abar;

	if (!r) {
		*(volatile u32 *)a = v;
		return;
	}
	tick();
	if (i == A_GHC) {
		fake_ahci.ghc_writes++;
		if ((v & 1) && !fake_ahci.hr_stuck) {
			memset(&abar[P(0)], 0, 0x80);
			/* The disk's link comes up with the reset, as QEMU's does. */
			abar[P_SSTS] = fake_ahci.no_disk ? 0 : 0x113;
			v &= ~1U;
		}
		*r = v;
	} else if (i == A_IS || i == P_IS || i == P_SERR) {
		*r &= ~v;				/* write one to clear */
		ahci_latch();
	} else if (i == P_CMD) {
		port_cmd(v);
	} else if (i == P_SACT) {
		fake_ahci.sact_writes++;
		*r |= v;
	} else if (i == P_CI) {
		fake_ahci.ci_writes++;
		*r |= v;
		if (!fake_ahci.hold)
			fake_ahci_run();
	} else {
		*r = v;
	}
}

/* The other widths: plain memory, the fake HBA takes 32-bit accesses only. */
u8 readb(const volatile void *a)
{
	return *(const volatile u8 *)a;
}

u16 readw(const volatile void *a)
{
	return *(const volatile u16 *)a;
}

u64 readq(const volatile void *a)
{
	return *(const volatile u64 *)a;
}

void writeb(u8 v, volatile void *a)
{
	*(volatile u8 *)a = v;
}

void writew(u16 v, volatile void *a)
{
	*(volatile u16 *)a = v;
}

void writeq(u64 v, volatile void *a)
{
	*(volatile u64 *)a = v;
}
