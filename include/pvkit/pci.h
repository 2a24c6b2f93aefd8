/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI: configuration space, enumeration, BARs, drivers, MSI-X and INTx.
 *
 * The firmware (SeaBIOS) has assigned bus numbers and BARs; pci_init()
 * walks what it set up, depth-first from bus 0 through PCI-to-PCI
 * bridges, and binds drivers from the pci_drivers section.  Config space
 * is reached through ECAM (the MCFG window, q35) or ports 0xcf8/0xcfc
 * (pc), behind a struct pci_ops so that the parsing code (capability
 * lists, BAR decoding, MSI-X decoding, the bus walk) also runs on the
 * host over fake config spaces, in the unit tests and the fuzzer.
 *
 * Every value read from config space is untrusted: capability lists are
 * walked with a bound, BARs are checked before use, and the MSI-X table
 * is checked against its BAR before it is mapped.
 */
#ifndef _PVKIT_PCI_H
#define _PVKIT_PCI_H

#include <pvkit/types.h>
#include <pvkit/errno.h>
#include <pvkit/compiler.h>
#include <pvkit/irq.h>

/* Type 0 and common header registers. */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_INTERRUPT	0x0008
#define  PCI_STATUS_CAP_LIST	0x0010
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CLASS_DEVICE	0x0a	/* subclass */
#define PCI_CLASS_CODE		0x0b
#define PCI_HEADER_TYPE		0x0e
#define  PCI_HEADER_TYPE_MASK	0x7f
#define  PCI_HEADER_TYPE_NORMAL	0
#define  PCI_HEADER_TYPE_BRIDGE	1
#define  PCI_HEADER_TYPE_CARDBUS 2
#define  PCI_HEADER_MULTI_FUNC	0x80
#define PCI_BASE_ADDRESS_0	0x10
#define  PCI_BASE_ADDRESS_SPACE_IO	0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_MASK	0x06
#define  PCI_BASE_ADDRESS_MEM_TYPE_32	0x00
#define  PCI_BASE_ADDRESS_MEM_TYPE_1M	0x02	/* below 1 MiB, PCI 2.x only */
#define  PCI_BASE_ADDRESS_MEM_TYPE_64	0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH	0x08
#define  PCI_BASE_ADDRESS_IO_MASK	(~0x03U)
#define  PCI_BASE_ADDRESS_MEM_MASK	(~0x0fU)
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

/* Type 1 (PCI-to-PCI bridge) header. */
#define PCI_PRIMARY_BUS		0x18
#define PCI_SECONDARY_BUS	0x19
#define PCI_SUBORDINATE_BUS	0x1a

/* Type 2 (CardBus bridge) header. */
#define PCI_CB_CAPABILITY_LIST	0x14
#define PCI_CB_SUBSYSTEM_VENDOR_ID 0x40
#define PCI_CB_SUBSYSTEM_ID	0x42

/* Capabilities live in 0x40-0xff, each at a dword boundary. */
#define PCI_STD_HEADER_SIZEOF	0x40
#define PCI_CFG_SPACE_SIZE	0x100
#define PCI_CFG_SPACE_EXP_SIZE	0x1000
#define PCI_CAP_LIST_ID		0
#define PCI_CAP_LIST_NEXT	1
#define PCI_CAP_ID_PM		0x01
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_EXP		0x10
#define PCI_CAP_ID_MSIX		0x11
/* At most (0x100 - 0x40) / 4 capabilities fit: more means a loop. */
#define PCI_CAP_MAX		48

/* MSI-X capability and table. */
#define PCI_MSIX_CAP_SIZE	12
#define PCI_MSIX_FLAGS		2
#define  PCI_MSIX_FLAGS_QSIZE	0x07ff	/* table size - 1 */
#define  PCI_MSIX_FLAGS_MASKALL	0x4000
#define  PCI_MSIX_FLAGS_ENABLE	0x8000
#define PCI_MSIX_TABLE		4
#define PCI_MSIX_PBA		8
#define  PCI_MSIX_BIR_MASK	0x7
#define PCI_MSIX_ENTRY_SIZE	16
#define PCI_MSIX_ENTRY_ADDR_LO	0x0
#define PCI_MSIX_ENTRY_ADDR_HI	0x4
#define PCI_MSIX_ENTRY_DATA	0x8
#define PCI_MSIX_ENTRY_CTRL	0xc
#define  PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1

#define PCI_DEVFN(slot, func)	((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)		((devfn) & 0x07)

#define PCI_NUM_BARS		6
#define PCI_ANY_ID		0xffff

/* For messages: printk(PCI_DEV_FMT ": ...", PCI_DEV_ARGS(d)). */
#define PCI_DEV_FMT		"pci %04x:%02x:%02x.%x"
#define PCI_DEV_ARGS(d)		(d)->segment, (d)->bus, (d)->slot, (d)->func

/* QEMU's host bridges: how INTx is wired depends on which one it is. */
#define PCI_VENDOR_ID_INTEL	0x8086
#define PCI_DEVICE_ID_I440FX	0x1237
#define PCI_DEVICE_ID_Q35_MCH	0x29c0

struct pci_dev;

/*
 * One way to reach configuration space.  Accesses are 1, 2 or 4 bytes,
 * naturally aligned (the accessors below make sure); a read where no
 * function answers returns all ones, as a master abort does.
 */
struct pci_ops {
	const char *name;
	u32 (*read)(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		    u16 off, unsigned int size);
	void (*write)(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		      u16 off, unsigned int size, u32 val);
	/* Optional: two dwords in one access (off 8-byte aligned). */
	u64 (*read64)(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn, u16 off);
	u16 cfg_size;		/* 0x100 or 0x1000 (extended) */
	void *priv;
};

struct pci_bar {
	u64 addr;
	u64 size;		/* 0: no BAR here, or one that was refused */
	bool io;
	bool is64;
	bool prefetch;
};

struct pci_msix;

struct pci_dev {
	u16 segment;
	u8 bus, slot, func;
	u16 vendor, device;
	u16 subsystem_vendor, subsystem_device;	/* see details_read */
	u8 class_code, subclass, prog_if, revision, header_type;
	struct pci_bar bar[PCI_NUM_BARS];	/* sized when first needed: */
	bool bars_read;			/* pci_read_bars() */
	u8 bars_sized;			/* a bit a BAR sized: all, or pci_read_bar()'s */
	bool details_read;		/* pci_read_details() */
	bool caps_broken;		/* its capability list, once reported */
	bool caps_walked;		/* the whole list seen, msix_cap valid */
	u8 msix_cap;			/* where MSI-X is (0: none), if caps_walked */
	bool command_known;		/* command holds PCI_COMMAND as last read or written */
	u16 command;
	u8 intx_pin;		/* 1-4 = INTA-INTD, 0 none; see details_read */
	int intx_irq;		/* the line to give request_irq() for INTx, or -1, */
	bool intx_routed;	/* once routed: pci_intx_irq() */
	const struct pci_driver *driver;
	void *driver_data;
	struct pci_dev *next;

	/* Beyond the API drivers use: how to reach it, where it sits. */
	const struct pci_ops *ops;
	struct pci_dev *parent;		/* the bridge above; NULL on a root bus */
	u8 secondary, subordinate;	/* bridges: the buses behind, if walked */
	struct pci_msix *msix;		/* while MSI-X is enabled */
};

u8 pci_read8(struct pci_dev *d, u16 off);
u16 pci_read16(struct pci_dev *d, u16 off);
u32 pci_read32(struct pci_dev *d, u16 off);
void pci_write8(struct pci_dev *d, u16 off, u8 val);
void pci_write16(struct pci_dev *d, u16 off, u16 val);
void pci_write32(struct pci_dev *d, u16 off, u32 val);

/* Offset of the first (next after pos) capability cap_id, or 0. */
/*
 * Sizes d's BARs into d->bar unless that was done; true when it was done
 * now.  The scan does not size them: each BAR costs four configuration
 * accesses (exits under a hypervisor), and only a bound driver, pci_show()
 * and the tests look at them.  Drivers find them sized by bind time,
 * unless on demand (struct pci_driver): then pci_bar() sizes one.
 */
bool pci_read_bars(struct pci_dev *d);
/*
 * Sizes BAR i into d->bar[i] alone unless that was done (true when done
 * now): for a driver that maps only one or two of six BARs.  The BAR
 * registers below i are read (not written) to tell whether i is a BAR of
 * its own; the upper half of a 64-bit BAR, or no BAR, reads size 0.
 */
bool pci_read_bar(struct pci_dev *d, int i);
/* BAR i, sized if it was not, and refused if it overlaps RAM. */
const struct pci_bar *pci_bar(struct pci_dev *d, int i);
/* The subsystem ids and the interrupt pin, once read. */
void pci_dev_details(struct pci_dev *d);
/*
 * The line d's INTx pin is routed to (d->intx_irq), worked out when
 * first asked: on q35 that reads the firmware's _PRT, and so the ACPI
 * namespace, which no boot without an INTx user needs.  -ENODEV (and
 * the like) when not connected or not routed.
 */
int pci_intx_irq(struct pci_dev *d);

/* How many BAR registers a header type (PCI_HEADER_TYPE) has: 6, 2, 1 or 0. */
int pci_nr_bars(u8 header_type);
u8 pci_find_capability(struct pci_dev *d, u8 cap_id);
u8 pci_find_next_capability(struct pci_dev *d, u8 pos, u8 cap_id);

/*
 * Every capability cap_id in one walk of the list (finding each with
 * pci_find_next_capability() walks it again from the head): their
 * positions in all->pos, all->max at most; returns how many.  The
 * first dword of each comes with them (all->hdr): a vendor capability's
 * length and type there cost no read more.
 */
struct pci_caps {
	unsigned int nr, max;
	u8 *pos;
	u32 *hdr;	/* if not NULL: the first dword of each (id, next, 2 more) */
};
unsigned int pci_find_all_capabilities(struct pci_dev *d, u8 cap_id,
				       struct pci_caps *all);

/* Command register: bus master, memory and I/O decode on. */
void pci_set_master(struct pci_dev *d);

/*
 * Maps len bytes at offset into memory BAR bar, uncached; NULL if that is
 * outside the BAR, the BAR is I/O, or unassigned.
 */
void *pci_iomap(struct pci_dev *d, int bar, u64 offset, u64 len);

struct pci_device_id {
	u16 vendor, device;	/* PCI_ANY_ID matches anything */
};

struct pci_driver {
	const char *name;
	const struct pci_device_id *ids;	/* ends with an all-zero entry */
	int (*probe)(struct pci_dev *d, const struct pci_device_id *id);
	void (*remove)(struct pci_dev *d);
	/*
	 * The driver sizes the BARs it uses with pci_bar() and reaches INTx
	 * only through pci_request_intx(): nothing is read for it before its
	 * probe (the subsystem ids, the pin, all BARs sized: each read a VM
	 * exit under a hypervisor), only what it asks for.  pci_iomap() or
	 * MSI-X on a BAR it did not size sizes them all.
	 */
	bool on_demand;
};

/*
 * Registers a driver: the struct itself goes into the pci_drivers
 * section, so use it after (or instead of) the definition:
 *
 *	static const struct pci_driver foo_driver = { ... };
 *	DEFINE_PCI_DRIVER(foo_driver);
 */
#define DEFINE_PCI_DRIVER(var)						\
	static const struct pci_driver var				\
	__used __section("pci_drivers") __aligned(8)

#if defined(CONFIG_PCI) || defined(__HOST_TEST__)
/* The functions found, in the order of the walk; follow ->next. */
struct pci_dev *pci_first(void);
struct pci_dev *pci_get_slot(u16 seg, u8 bus, u8 slot, u8 func);
/* One line per function, for the info app. */
void pci_show(void);
#else
/* Without CONFIG_PCI, callers still build and see a machine without it. */
static inline struct pci_dev *pci_first(void)
{
	return NULL;
}

static inline struct pci_dev *pci_get_slot(u16 seg, u8 bus, u8 slot, u8 func)
{
	return NULL;
}

static inline void pci_show(void)
{
}
#endif

/*
 * MSI-X: pci_msix_enable() turns it on with nvec vectors, every table
 * entry masked; pci_msix_request() then gives entry an IDT vector of its
 * own, programs it (to this CPU's local APIC) and unmasks it.  They
 * return nvec and the vector; -EBUSY when already done, -ENODEV without
 * a usable capability or local APIC, -EINVAL for an entry not enabled,
 * -ERANGE when the APIC ID cannot be named, -ENOSPC without a free vector.
 */
int pci_msix_enable(struct pci_dev *d, unsigned int nvec);
int pci_msix_request(struct pci_dev *d, unsigned int entry,
		     irq_handler_t handler, void *data, const char *name);
void pci_msix_disable(struct pci_dev *d);
/*
 * Points a requested entry's message at another local APIC (a queue's
 * interrupt on the CPU that owns the queue): 0, -EINVAL for an entry not
 * requested, -ERANGE for an APIC ID an MSI address cannot name.
 */
int pci_msix_set_dest(struct pci_dev *d, unsigned int entry, u32 apic);
/* Masks or unmasks one enabled entry; -EINVAL if there is no such entry. */
int pci_msix_mask(struct pci_dev *d, unsigned int entry, bool masked);
/* The entry's bit in the pending bit array. */
bool pci_msix_pending(struct pci_dev *d, unsigned int entry);

/*
 * INTx: the line d->intx_irq, shared with other functions (each handler
 * is called for every interrupt on it and must check its device: true
 * when its device raised it), with INTx enabled in the command register.
 * 0; -ENODEV if d has no line, -EBUSY if d asked already, -ENOMEM.
 */
typedef bool (*pci_intx_handler_t)(void *data);
#if defined(CONFIG_PCI_INTX) || defined(__HOST_TEST__)
int pci_request_intx(struct pci_dev *d, pci_intx_handler_t handler, void *data,
		     const char *name);
/* Whether d's line was found stuck: masked, its handlers polled. */
bool pci_intx_polled(struct pci_dev *d);
void pci_free_intx(struct pci_dev *d);
#else
/* Left out: a driver polls a device that has no MSI-X. */
static inline int pci_request_intx(struct pci_dev *d, pci_intx_handler_t handler,
				   void *data, const char *name)
{
	return -ENODEV;
}
static inline bool pci_intx_polled(struct pci_dev *d)
{
	return false;
}
static inline void pci_free_intx(struct pci_dev *d)
{
}
#endif

/*
 * A level-triggered line that stays asserted with no device claiming it
 * fires again at every EOI: the CPU would do nothing else.  When at most
 * PCI_INTX_STUCK_CLAIMED (1%) of PCI_INTX_STUCK_BUDGET interrupts were
 * claimed, the line is masked (with a message) and its handlers are
 * called from a timer every PCI_INTX_POLL_NS instead: its devices go on,
 * slower.  A share, not a run: another function on the line claiming one
 * now and then does not keep a storm going.
 */
#define PCI_INTX_STUCK_BUDGET	10000
#define PCI_INTX_STUCK_CLAIMED	(PCI_INTX_STUCK_BUDGET / 100)
#define PCI_INTX_POLL_NS	(10 * NSEC_PER_MSEC)

struct pci_intx_count {
	unsigned long unclaimed;	/* in all */
	unsigned int in_window, claimed_in_window;
};

/* Counts one interrupt; true when the line is to be masked. */
bool pci_intx_stuck(struct pci_intx_count *c, bool claimed);

/*
 * Below: the machine-independent core (drivers/pci/core.c), built on the
 * host too.  Drivers have no need of it.
 */

/*
 * Fills d's identity, class and header type from config space (what the
 * scan needs); d->ops and the address must be set.  0, or -ENODEV if no
 * function answers there.
 */
int pci_setup_dev(struct pci_dev *d);

/*
 * Then, unless that was done (true when it is done now): the subsystem
 * ids and the interrupt pin.  The bus layer does it before a driver's
 * probe and for those who walk the device list.
 */
bool pci_read_details(struct pci_dev *d);

/*
 * BAR sizing: the write-ones protocol on BAR i (decode must be off),
 * with the original value restored.  Returns how many BAR slots it used
 * (2 for a 64-bit BAR, else 1); *bar is zeroed when the BAR is absent or
 * refused.
 */
int pci_size_bar(struct pci_dev *d, int i, int nr_bars, struct pci_bar *bar);

/*
 * Decodes a BAR from its value and the value read back after writing all
 * ones (for a 64-bit BAR, the upper halves in hi and hi_mask).  Returns 0
 * with *bar filled, 1 when no BAR is implemented, -EINVAL when it is
 * invalid (the reason in *why).
 */
int pci_decode_bar(u32 lo, u32 lo_mask, u32 hi, u32 hi_mask,
		   struct pci_bar *bar, const char **why);

/* MSI-X capability, decoded and checked against the BARs. */
struct pci_msix_info {
	u8 pos;			/* capability offset */
	u16 flags;		/* the message control word as read */
	u16 table_size;		/* entries */
	u8 table_bar, pba_bar;
	u32 table_offset, pba_offset;
};

/*
 * 0 with *info filled; -ENODEV without the capability, -EINVAL with a
 * warning when it is inconsistent.
 */
int pci_msix_decode(struct pci_dev *d, struct pci_msix_info *info);

/* The first entry of ids matching d, or NULL. */
const struct pci_device_id *pci_match_id(const struct pci_device_id *ids,
					 const struct pci_dev *d);

/* How the chipset wires INTx pins to interrupt lines. */
enum pci_intx_routing {
	PCI_INTX_LINE_REGISTER,	/* the firmware's Interrupt Line: an ISA IRQ */
	PCI_INTX_Q35,		/* ICH9 PIRQ A-H on GSI 16-23 */
	PCI_INTX_ACPI,		/* the root bus's _PRT (drivers/pci/probe.c) */
};

/*
 * The slot and pin on the root bus that d's INTx pin arrives at, through
 * the bridges' swizzle: 0, -ENODEV if the root is not bus 0 of segment 0,
 * -EINVAL if the chain of parents loops.
 */
int pci_root_pin(const struct pci_dev *d, u8 *slot, u8 *pin);

/*
 * The line to request for d's INTx pin; -ENODEV when the pin is not
 * connected or routed, -EINVAL when the bridges above d loop.  The pin
 * is checked here only: PCI_INTX_ACPI asks firmware (probe.c's _PRT
 * reader) for a connected pin, -EINVAL without one.
 */
int pci_route_intx_by(struct pci_dev *d, enum pci_intx_routing how,
		      int (*firmware)(const struct pci_dev *d));

static inline int pci_route_intx(struct pci_dev *d, enum pci_intx_routing how)
{
	return pci_route_intx_by(d, how, NULL);
}

/* The standard swizzle across a bridge: pin 1-4 of a device in slot. */
static inline u8 pci_swizzle(u8 slot, u8 pin)
{
	return ((pin - 1 + slot) & 3) + 1;
}

/*
 * Depth-first walk of one segment.  add() gets each function found (a
 * filled pci_dev on the stack) and returns where it keeps it, or NULL to
 * drop it; kept bridges become the parents of what is behind them.
 */
struct pci_scan {
	const struct pci_ops *ops;
	u16 segment;
	u8 first_bus, last_bus;		/* what ops can reach */
	struct pci_dev *(*add)(struct pci_scan *s, const struct pci_dev *d);
	void *priv;
	/* filled by the walk */
	u32 visited[256 / 32];
	unsigned int nr_found, nr_buses, nr_refused;
};

#define PCI_MAX_DEPTH	32	/* bridges below bridges; deeper is refused */

void pci_scan_segment(struct pci_scan *s);

/*
 * The platform part (drivers/pci/access.c): the two config mechanisms.
 * pci_conf1_ops reaches segment 0, buses 0-255, 256 bytes per function.
 */
#ifndef __HOST_TEST__
extern const struct pci_ops pci_conf1_ops;
bool pci_conf1_present(void);
/* Every ECAM window ACPI's MCFG gave; buses outside them read all ones. */
extern const struct pci_ops pci_ecam_ops;
/* Takes the usable MCFG windows; returns how many. */
int pci_ecam_init(void);
/* The bus range the windows of segment seg cover; false if none. */
bool pci_ecam_range(u16 seg, u8 *first_bus, u8 *last_bus);
#endif

#endif
