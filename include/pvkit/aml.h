/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small, bounded reader of the ACPI namespace in AML (the DSDT and the
 * SSDTs): not an interpreter.  It walks the definition blocks, records each
 * Device with its _HID, _UID, _STA and _CRS when these are Name() objects,
 * the first OperationRegion declared in a device, the \_S5 package, and a
 * Generic Event Device's _EVT in the one form QEMU writes, and skips every
 * method body and conditional by its PkgLength.
 *
 * The tables come from the platform and are untrusted: every length is
 * checked against the end of what encloses it, nesting is limited to
 * AML_MAX_DEPTH, and one table gets at most AML_WORK_BUDGET steps.  What
 * cannot be parsed ends the walk of that table with a negative errno and
 * one warning ("aml: ..."); what was recorded before stays valid.
 */
#ifndef _PVKIT_AML_H
#define _PVKIT_AML_H

#include <pvkit/types.h>

#define AML_MAX_DEVICES		128
#define AML_MAX_DEPTH		16	/* name segments in a path, nested scopes */
#define AML_MAX_RES		8	/* resources of each kind per device */
#define AML_MAX_EVT		4	/* GED events recorded per device */
#define AML_WORK_BUDGET		(1u << 20)	/* steps per table */
#define AML_MAX_PRT		128	/* entries of one routing package */
#define AML_MAX_PRT_PKGS	4	/* routing packages kept */
#define AML_MAX_PRT_LINKS	16	/* distinct link devices they name */

/* A path in the namespace: its segments from the root. */
struct aml_path {
	u8 depth;
	char seg[AML_MAX_DEPTH][4];
};

struct aml_mem_res {
	u64 base;
	u64 len;
};

struct aml_io_res {
	u16 base;
	u16 len;
};

/* An interrupt with ACPI_INTI_* trigger and polarity flags (acpi.h). */
struct aml_irq_res {
	u32 gsi;
	u16 flags;
};

/* A decoded resource template (_CRS): memory, I/O ranges and interrupts. */
struct aml_crs {
	u8 nr_mem, nr_io, nr_irq;
	struct aml_mem_res mem[AML_MAX_RES];
	struct aml_io_res io[AML_MAX_RES];
	struct aml_irq_res irq[AML_MAX_RES];
	unsigned int nr_dropped;	/* over AML_MAX_RES, or not decoded */
};

/* If (And (Local0, mask) == mask) Notify (target, 0x80) in a GED's _EVT. */
struct aml_evt {
	u32 mask;
	struct aml_path target;
};

struct aml_device {
	struct aml_path path;
	char hid[10];			/* "" when none; EISA ids decoded */
	bool has_uid, has_sta, has_crs, has_region;
	u64 uid;
	u64 sta;
	struct aml_crs crs;
	/* The first OperationRegion declared in the device, if constant. */
	u8 region_space;		/* 0: SystemMemory, 1: SystemIO, ... */
	u64 region_base, region_len;
	unsigned int nr_evt;
	struct aml_evt evt[AML_MAX_EVT];
};

/*
 * One entry of a PCI routing table (ACPI 6.5, 6.2.13): the device's
 * address (slot << 16 | 0xffff), its pin (0-3 for INTA-INTD), and either a
 * link device (an index into aml_ns.prt_links) whose _CRS holds the
 * interrupt, or no link and the GSI itself.
 */
#define AML_PRT_NO_LINK		0xff
struct aml_prt_entry {
	u32 addr;
	u8 pin;
	u8 link;
	u32 gsi;
};

/* A Name()d package that has the shape of a routing table, decoded. */
struct aml_prt_pkg {
	struct aml_path path;
	unsigned int nr;
	struct aml_prt_entry e[AML_MAX_PRT];
};

struct aml_ns {
	unsigned int nr_devices;
	struct aml_device devices[AML_MAX_DEVICES];
	bool has_s5;
	u8 s5_typa, s5_typb;		/* SLP_TYPa, SLP_TYPb of \_S5 */
	unsigned int nr_dropped;	/* devices over the limit */
	/*
	 * PCI routing: the routing-shaped packages seen, the link devices
	 * they name (resolved on lookup), and the first _PRT found: its
	 * device, and the package it gives in APIC mode (itself when _PRT
	 * is a Name).
	 */
	unsigned int nr_prt_pkgs, nr_prt_links;
	struct aml_prt_pkg prt_pkgs[AML_MAX_PRT_PKGS];
	struct aml_path prt_links[AML_MAX_PRT_LINKS];
	bool has_prt;
	struct aml_path prt_dev, prt_ref;
};

/*
 * Adds what one definition block (a whole DSDT or SSDT, header included,
 * len bytes) declares to *ns; zero *ns before the first.  Returns 0, or
 * -EINVAL when something could not be parsed or a bound was hit (with
 * one warning): the table's walk stops there.
 */
int aml_parse_table(struct aml_ns *ns, const u8 *table, u32 len);

/* Decodes a resource template (a _CRS buffer's bytes): 0 or -EINVAL. */
int aml_decode_crs(const u8 *buf, u32 len, struct aml_crs *crs);

/* The next device after prev (NULL: the first) with this _HID, or NULL. */
const struct aml_device *aml_find_hid(const struct aml_ns *ns, const char *hid,
				      const struct aml_device *prev);

/* The device at this path, or NULL. */
const struct aml_device *aml_find_path(const struct aml_ns *ns,
				       const struct aml_path *path);

/*
 * The GSI that INTx pin (1-4) of a device in slot of the bus below the
 * first _PRT's device is routed to, and its ACPI_INTI_* flags: -ENOENT
 * when no _PRT could be read, -ENODEV when it has no entry for the pin,
 * -EINVAL when the entry's link device has no fixed _CRS interrupt.
 */
int aml_prt_route(const struct aml_ns *ns, u8 slot, u8 pin, u16 *flags);

/* Whether every entry of the first _PRT's package names a link device. */
bool aml_prt_links_only(const struct aml_ns *ns);

/* "\_SB_.VR23" into buf (size at least 6). */
void aml_path_str(const struct aml_path *path, char *buf, size_t size);

/*
 * \_S5's SLP_TYPa and SLP_TYPb (each & 7, as the namespace's) from one
 * definition block's bytes (len, header included), without allocating:
 * each Name (_S5_ or \_S5_, Package { NumElements, a [, b ...] }) whose
 * elements are integer constants, the last of them winning, as in the
 * namespace; one element is both.  Not told apart by scope, which the
 * namespace reader does (root only).  0, -ENOENT when there is no such
 * Name, -EINVAL when each one found is malformed.  One pass: O(len).
 */
int aml_scan_s5(const u8 *table, u32 len, u8 *typa, u8 *typb);

/*
 * The event bits of a GED (ACPI0013) whose _EVT notifies a power button
 * (PNP0C0C) device: 0 when it has none.
 */
u32 aml_ged_power_mask(const struct aml_ns *ns, const struct aml_device *ged);

#endif
