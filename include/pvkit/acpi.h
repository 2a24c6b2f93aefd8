/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI static tables: the RSDP, the RSDT or XSDT, and the few tables a
 * small kernel needs without an AML interpreter (MADT, FADT, HPET, MCFG),
 * reduced to plain facts in one struct acpi_info.
 *
 * The parser reaches memory only through a map callback, so the same code
 * runs in the guest (over the direct map) and on the host (over a buffer,
 * in the unit tests and the fuzzer).  Firmware tables are untrusted: every
 * length, count and offset is checked before use and nothing outside a
 * table's validated length is read.
 */
#ifndef _PVKIT_ACPI_H
#define _PVKIT_ACPI_H

#include <pvkit/errno.h>
#include <pvkit/types.h>

#define ACPI_MAX_CPUS		64
#define ACPI_MAX_IOAPICS	8
#define ACPI_MAX_OVERRIDES	16
#define ACPI_MAX_MCFG		4
#define ACPI_MAX_TABLES		32

/* Tables longer than this are refused: no real static table comes close. */
#define ACPI_MAX_TABLE_LEN	(1024 * 1024)

/* MPS INTI flags of an interrupt source override. */
#define ACPI_INTI_POLARITY_MASK		0x3
#define ACPI_INTI_POLARITY_BUS		0x0	/* conforms to the bus */
#define ACPI_INTI_POLARITY_HIGH		0x1
#define ACPI_INTI_POLARITY_LOW		0x3
#define ACPI_INTI_TRIGGER_MASK		0xc
#define ACPI_INTI_TRIGGER_BUS		0x0
#define ACPI_INTI_TRIGGER_EDGE		0x4
#define ACPI_INTI_TRIGGER_LEVEL		0xc

/* FADT IAPC_BOOT_ARCH bits. */
#define ACPI_BOOT_LEGACY_DEVICES	(1 << 0)
#define ACPI_BOOT_8042			(1 << 1)
#define ACPI_BOOT_NO_VGA		(1 << 2)
#define ACPI_BOOT_NO_MSI		(1 << 3)
#define ACPI_BOOT_NO_ASPM		(1 << 4)
#define ACPI_BOOT_NO_CMOS_RTC		(1 << 5)

/* A register of the FADT's fixed hardware, in system I/O or memory. */
struct acpi_reg {
	u64 addr;		/* 0: absent */
	bool io;		/* system I/O space, else system memory */
	u8 width;		/* bytes: 1, 2 or 4 */
};

struct acpi_cpu {
	u32 apic_id;
	u32 uid;		/* ACPI processor UID */
	bool enabled;		/* usable now (not merely online-capable) */
	bool x2apic;		/* described by an x2APIC entry */
};

struct acpi_ioapic {
	u32 id;
	u64 addr;
	u32 gsi_base;
};

struct acpi_override {
	u8 bus;			/* 0: ISA */
	u8 source_irq;
	u32 gsi;
	u16 flags;		/* ACPI_INTI_POLARITY_* | ACPI_INTI_TRIGGER_* */
};

/* One ECAM window: configuration space of buses start_bus..end_bus. */
struct acpi_mcfg {
	u64 base;
	u16 segment;
	u8 start_bus;
	u8 end_bus;
};

/* A table listed by the root table whose header and checksum were good. */
struct acpi_table_ref {
	char sig[5];
	u64 phys;
	u32 len;
	char oem_id[7];
	u8 revision;
};

struct acpi_info {
	u8 rsdp_revision;
	char oem_id[7];			/* from the RSDP */
	bool xsdt;			/* the XSDT was used, not the RSDT */
	bool root_misnamed;		/* ... though its signature was wrong */

	unsigned int nr_tables;
	struct acpi_table_ref tables[ACPI_MAX_TABLES];

	bool has_madt;
	u64 lapic_addr;			/* with the address override applied */
	bool pcat_compat;		/* dual 8259s present too */
	unsigned int nr_cpus;
	unsigned int nr_ioapics;
	unsigned int nr_overrides;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];

	bool has_hpet;
	u64 hpet_addr;
	u8 hpet_number;
	u16 hpet_min_tick;

	bool has_fadt;
	u16 sci_irq;
	u16 boot_arch_flags;		/* IAPC_BOOT_ARCH, 0 before FADT rev 2 */
	/* Only PM timers in system I/O space; X_PM_TMR_BLK preferred. */
	bool hw_reduced;		/* FADT: hardware-reduced ACPI (no PC devices) */
	bool has_pm_timer;
	u32 pm_timer_port;
	bool pm_timer_32bit;
	u64 dsdt;			/* X_DSDT, else DSDT; 0: none */
	/* Fixed hardware for sleep and events, I/O only (not hw_reduced). */
	u16 pm1a_evt, pm1b_evt;		/* status, then enable at + len/2 */
	u8 pm1_evt_len;
	u16 pm1a_cnt, pm1b_cnt;
	u16 gpe0_blk;			/* status half, then enable half */
	u8 gpe0_len;
	u16 smi_cmd;			/* ACPI mode hand-over, 0: none */
	u8 acpi_enable;
	bool fixed_power_button;	/* PWR_BUTTON clear: a fixed feature */
	/* Hardware-reduced sleep registers (ACPI 5.0+). */
	struct acpi_reg sleep_ctl, sleep_sts;

	unsigned int nr_mcfg;
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];

	unsigned int nr_dropped;	/* entries that did not fit or were invalid */
};

/*
 * Returns a pointer through which len bytes at phys can be read, or NULL.
 * Pointers handed out must stay valid until acpi_parse() returns: the
 * root table is read while the tables it lists are mapped.
 */
typedef const void *(*acpi_map_fn)(u64 phys, size_t len);

#if defined(CONFIG_ACPI) || defined(__HOST_TEST__)
/*
 * Fills *out from the tables reachable from the RSDP at rsdp_phys.
 * Returns 0; -EINVAL when the RSDP cannot be mapped or its checksum fails,
 * -ENODEV when there is no RSDP signature or no usable root table.  Every
 * problem met on the way is reported with pr_warn("acpi: ...").
 */
int acpi_parse(u64 rsdp_phys, acpi_map_fn map, struct acpi_info *out);

/*
 * Maps a table the root lists (or the DSDT) and checks its header, length
 * and checksum: *len is then safe to use.  -EINVAL with a warning else.
 */
int acpi_map_table(acpi_map_fn map, u64 phys, const u8 **p, u32 *len);
/*
 * The same without the checksum (a pass over every byte): for a scan that
 * only narrows what is then read through acpi_map_table().
 */
int acpi_map_table_bytes(acpi_map_fn map, u64 phys, const u8 **p, u32 *len);

/*
 * The definition blocks: the DSDT (index 0), then each SSDT the root
 * table listed, in its order (index 1, 2, ...), each handed to fn mapped
 * whole with its header, length and signature checked, and its checksum
 * with ACPI_BLOCK_CHECKSUM.  At most 1 + ACPI_MAX_TABLES blocks, nothing
 * allocated: usable from an interrupt.  A non-zero return of fn ends the
 * walk and is returned; else 0, -ENOENT without a DSDT, or -EINVAL when
 * some block was unusable (warned about, skipped; the rest still walked).
 */
#define ACPI_BLOCK_CHECKSUM	(1U << 0)
typedef int (*acpi_block_fn)(const u8 *p, u32 len, unsigned int index,
			     void *data);
int acpi_for_each_definition_block(const struct acpi_info *info,
				   acpi_map_fn map, unsigned int flags,
				   acpi_block_fn fn, void *data);

/* The first table with signature sig ("APIC", "FACP", ...), or NULL. */
const struct acpi_table_ref *acpi_find(const struct acpi_info *info,
				       const char *sig);

/*
 * The GSI an ISA IRQ is wired to, and its MPS INTI flags in *flags (may
 * be NULL): from an interrupt source override when there is one, else
 * the identity mapping with flags 0 (conforming to the ISA bus: edge,
 * active high).
 */
u32 acpi_isa_irq_to_gsi(const struct acpi_info *info, u8 irq, u16 *flags);
#else
/* Without CONFIG_ACPI callers still build and see a machine without it. */
static inline int acpi_parse(u64 rsdp_phys, acpi_map_fn map,
			     struct acpi_info *out)
{
	return -ENODEV;
}

static inline const struct acpi_table_ref *
acpi_find(const struct acpi_info *info, const char *sig)
{
	return NULL;
}

static inline u32 acpi_isa_irq_to_gsi(const struct acpi_info *info, u8 irq,
				      u16 *flags)
{
	if (flags)
		*flags = 0;
	return irq;
}
#endif

struct aml_ns;

#ifndef __HOST_TEST__
#ifdef CONFIG_ACPI
/*
 * The machine's tables, parsed on first use from boot_info.rsdp; NULL when
 * the loader found no RSDP or no usable root table.
 */
const struct acpi_info *acpi_get(void);
/*
 * The namespace the DSDT and the SSDTs declare (<pvkit/aml.h>), read on
 * first use; NULL without a DSDT.  A table that fails part-way keeps
 * what was read before the failure.
 */
const struct aml_ns *acpi_namespace(void);
/* Whether acpi_namespace() was asked already (so returns without work). */
bool acpi_namespace_read(void);
/*
 * \_S5's sleep types by a scan of the DSDT's and SSDTs' bytes
 * (aml_scan_s5()), which allocates nothing, for an interrupt: 0,
 * -ENOENT (none) or -EINVAL (malformed, or a table unreadable).
 */
int acpi_scan_s5(u8 *typa, u8 *typb);
/*
 * aml_find_hid() in the namespace, which is read only when a definition
 * block may declare such a device: the next device after from (NULL:
 * the first) whose _HID is hid, or NULL.
 */
const struct aml_device *acpi_find_hid(const char *hid, const struct aml_device *from);
/* False only where no definition block can declare a device with _HID hid. */
bool acpi_hid_maybe_declared(const char *hid);
/*
 * The RSDP in the EBDA or the BIOS area, for a boot loader that gave
 * none: its physical address, or 0.
 */
u64 acpi_find_rsdp_bios(void);
#else
static inline const struct acpi_info *acpi_get(void)
{
	return NULL;
}

static inline u64 acpi_find_rsdp_bios(void)
{
	return 0;
}

static inline const struct aml_ns *acpi_namespace(void)
{
	return NULL;
}

static inline bool acpi_namespace_read(void)
{
	return true;
}

static inline const struct aml_device *acpi_find_hid(const char *hid,
						     const struct aml_device *from)
{
	return NULL;
}
#endif
#endif

#endif
