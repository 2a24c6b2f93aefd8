/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake ATA devices on the host, behind the port and MMIO accessors the
 * drivers use (asm/io.h and pvkit/io.h declare them for host builds): a
 * PIIX IDE channel with one disk, and an ICH9-like AHCI HBA with one
 * port.  Each keeps a small disk image, does what a device does with the
 * commands it is given, and, on request, misbehaves.
 */
#ifndef _TESTS_UNIT_FAKE_ATA_H
#define _TESTS_UNIT_FAKE_ATA_H

#include <pvkit/types.h>
#include <pvkit/pci.h>

#define FAKE_SECTORS	64

/* Signed IDENTIFY data: LBA48, FAKE_SECTORS, FLUSH CACHE EXT, NCQ depth 32. */
void fake_identify(u16 *id);

struct fake_ide {
	/* misbehaviour */
	bool absent;		/* the bus floats: every status reads 0xff */
	bool bad_checksum;	/* IDENTIFY data that does not add up */
	bool never_ready;	/* BSY for ever once a command is written */
	bool no_drq;		/* a read's data phase without DRQ */
	bool fail;		/* data commands and flushes end with ERR */
	bool busy_idle;		/* BSY with no command outstanding */
	u64 access_ns;		/* an access's cost in virtual time (0: 1 ms) */
	/* what it was told */
	unsigned long cmds[256];
	u8 image[FAKE_SECTORS * 512];
};
extern struct fake_ide fake_ide;
void fake_ide_reset(void);
/* Delivers IRQ 14 if the device raised it; false if not. */
bool fake_ide_irq(void);

struct fake_ahci {
	bool hr_stuck;		/* HBA reset never finishes */
	bool no_disk;		/* port 0's link down: nothing attached */
	bool hold;		/* commands wait for fake_ahci_run() */
	bool tfes;		/* NCQ commands end with a task file error */
	bool bad_d2h;		/* non-queued commands end without a D2H FIS */
	u32 prdbc_extra;	/* added to the byte count non-queued commands report */
	u32 sact_extra;		/* SActive bits set after every run */
	u32 ci_extra;		/* Command Issue bits set after every run */
	/* what it was told */
	unsigned long ci_writes, sact_writes;
	unsigned long ghc_writes;	/* HBA resets and mode changes */
	unsigned long nonq_cmds;	/* READ/WRITE DMA EXT */
	bool overlapped;		/* one came while another was issued */
	u8 image[FAKE_SECTORS * 512];
};
extern struct fake_ahci fake_ahci;
/* After fake_ahci_reset(): port 0 with no disk (link status 0). */
void fake_ahci_no_disk(void);
/* An HBA with NCQ, or without (CAP.SNCQ clear). */
void fake_ahci_reset(bool no_ncq);
/* Executes every command in Command Issue. */
void fake_ahci_run(void);
/* Calls the INTx handler if the HBA raised its interrupt; false if not. */
bool fake_ahci_irq(void);

/*
 * Time is fake_xen.c's virtual clock; every register or port access moves
 * it on by 1 ms, so waits on a device that never answers end.
 */
extern u64 fake_now_ns;
/* Config space for the fake functions: reads 0, takes writes. */
extern const struct pci_ops fake_pci_cfg;
/* Runs the probe of the PCI driver called name on d. */
int fake_pci_probe(const char *name, struct pci_dev *d);

#endif
