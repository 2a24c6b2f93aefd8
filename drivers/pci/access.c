// SPDX-License-Identifier: GPL-2.0
/*
 * The two ways to reach configuration space on a PC:
 *
 *  - configuration mechanism #1, ports 0xcf8 (address) and 0xcfc (data):
 *    segment 0, 256 bytes per function, every PC has it;
 *  - ECAM (PCI Express enhanced configuration access), memory-mapped, from
 *    the windows ACPI's MCFG lists: 4 KiB per function at
 *    base + (bus << 20 | devfn << 12), the base being that of bus 0 even
 *    when a window starts at a later bus.
 *
 * The windows are mapped one function (4 KiB) at a time, when that
 * function is first touched.  A walk of bus 0 reads 32 slots and a few
 * functions, so it maps some 40 pages instead of the bus's 256, and every
 * page-table write counts under a hypervisor that shadows our page
 * tables: mapping a whole bus took 38 ms under nested KVM, most of the
 * scan.
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/io.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <asm/io.h>

#define CONF1_ADDRESS	0xcf8
#define CONF1_DATA	0xcfc
#define CONF1_ENABLE	0x80000000U

#define ECAM_BUS_SHIFT	20
#define ECAM_BUS_SIZE	(1UL << ECAM_BUS_SHIFT)
#define ECAM_FN_SHIFT	12
#define ECAM_MAX_PHYS	(1ULL << 52)

static u32 conf1_address(u8 bus, u8 devfn, u16 off)
{
	return CONF1_ENABLE | (u32)bus << 16 | (u32)devfn << 8 | (off & 0xfc);
}

/*
 * The address register holds what was last written to it: accesses to
 * the same dword (a BAR's sizing makes four) need it written once, and
 * each write is an exit under a hypervisor.  Only these two functions
 * write it, with interrupts off, and the latched value starts invalid
 * (no enable bit), so whatever the firmware left is never trusted.
 */
static u32 conf1_latched;

static void conf1_select(u8 bus, u8 devfn, u16 off)
{
	u32 addr = conf1_address(bus, devfn, off);

	if (addr != conf1_latched) {
		outl(addr, CONF1_ADDRESS);
		conf1_latched = addr;
	}
}

static u32 conf1_read(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		      u16 off, unsigned int size)
{
	unsigned long flags;
	u32 v;

	if (seg || off >= PCI_CFG_SPACE_SIZE)
		return 0xffffffff;
	/* The address and data accesses are one operation. */
	flags = local_irq_save();
	conf1_select(bus, devfn, off);
	if (size == 1)
		v = inb(CONF1_DATA + (off & 3));
	else if (size == 2)
		v = inw(CONF1_DATA + (off & 2));
	else
		v = inl(CONF1_DATA);
	local_irq_restore(flags);
	return v;
}

static void conf1_write(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
			u16 off, unsigned int size, u32 val)
{
	unsigned long flags;

	if (seg || off >= PCI_CFG_SPACE_SIZE)
		return;
	flags = local_irq_save();
	conf1_select(bus, devfn, off);
	if (size == 1)
		outb(val, CONF1_DATA + (off & 3));
	else if (size == 2)
		outw(val, CONF1_DATA + (off & 2));
	else
		outl(val, CONF1_DATA);
	local_irq_restore(flags);
}

const struct pci_ops pci_conf1_ops = {
	.name = "conf1",
	.read = conf1_read,
	.write = conf1_write,
	.cfg_size = PCI_CFG_SPACE_SIZE,
};

struct ecam_window {
	u64 base;		/* of bus 0 */
	u16 segment;
	u8 first_bus, last_bus;
	volatile u8 **bus_fns[256];	/* per bus: each devfn's mapping */
};

static struct ecam_window windows[ACPI_MAX_MCFG];
static unsigned int nr_windows;

static struct ecam_window *window_for(u16 seg, u8 bus)
{
	for (unsigned int i = 0; i < nr_windows; i++) {
		struct ecam_window *w = &windows[i];

		if (w->segment == seg && bus >= w->first_bus && bus <= w->last_bus)
			return w;
	}
	return NULL;
}

static volatile u8 *ecam_addr(u16 seg, u8 bus, u8 devfn, u16 off)
{
	struct ecam_window *w = window_for(seg, bus);
	volatile u8 **fns;

	if (!w || off >= PCI_CFG_SPACE_EXP_SIZE)
		return NULL;
	fns = w->bus_fns[bus];
	if (!fns) {
		fns = kzalloc(256 * sizeof(*fns));
		if (!fns)
			return NULL;
		w->bus_fns[bus] = fns;
	}
	if (!fns[devfn]) {
		fns[devfn] = ioremap(w->base + ((u64)bus << ECAM_BUS_SHIFT) +
				     ((u32)devfn << ECAM_FN_SHIFT),
				     PCI_CFG_SPACE_EXP_SIZE);
		if (!fns[devfn])
			return NULL;
	}
	return fns[devfn] + off;
}

static u32 ecam_read(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		     u16 off, unsigned int size)
{
	volatile u8 *p = ecam_addr(seg, bus, devfn, off);

	if (!p)
		return 0xffffffff;
	if (size == 1)
		return *p;
	if (size == 2)
		return *(volatile u16 *)p;
	return *(volatile u32 *)p;
}

/*
 * One MMIO access for two registers: one VM exit, not two.  Hypervisors
 * take it whole (QEMU splits it into the dwords its device model reads,
 * Xen's vPCI as well); the PCIe specification does not promise it on
 * hardware, where a root complex may refuse one crossing a dword.
 */
static u64 ecam_read64(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn, u16 off)
{
	volatile u8 *p = ecam_addr(seg, bus, devfn, off);

	return p ? readq(p) : ~0ULL;
}

static void ecam_write(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		       u16 off, unsigned int size, u32 val)
{
	volatile u8 *p = ecam_addr(seg, bus, devfn, off);

	if (!p)
		return;
	if (size == 1)
		*p = val;
	else if (size == 2)
		*(volatile u16 *)p = val;
	else
		*(volatile u32 *)p = val;
}

const struct pci_ops pci_ecam_ops = {
	.name = "ECAM",
	.read = ecam_read,
	.write = ecam_write,
	.read64 = ecam_read64,
	.cfg_size = PCI_CFG_SPACE_EXP_SIZE,
};

/* MCFG is firmware input: a window must be aligned and addressable. */
static bool window_ok(const struct acpi_mcfg *m)
{
	u64 end;

	if (m->start_bus > m->end_bus || !IS_ALIGNED(m->base, ECAM_BUS_SIZE))
		return false;
	end = m->base + ((u64)(m->end_bus + 1) << ECAM_BUS_SHIFT);
	return end > m->base && end <= ECAM_MAX_PHYS;
}

int pci_ecam_init(void)
{
	const struct acpi_info *acpi = acpi_get();

	if (nr_windows || !acpi)
		return nr_windows;
	for (unsigned int i = 0; i < acpi->nr_mcfg && i < ACPI_MAX_MCFG; i++) {
		const struct acpi_mcfg *m = &acpi->mcfg[i];
		struct ecam_window *w = &windows[nr_windows];

		if (!window_ok(m)) {
			pr_warn("pci: MCFG window %#llx segment %u buses %02x-%02x unusable\n",
				m->base, m->segment, m->start_bus, m->end_bus);
			continue;
		}
		w->base = m->base;
		w->segment = m->segment;
		w->first_bus = m->start_bus;
		w->last_bus = m->end_bus;
		nr_windows++;
		pr_info("pci: ECAM at %#llx, segment %04x buses %02x-%02x\n",
			m->base, m->segment, m->start_bus, m->end_bus);
	}
	return nr_windows;
}

bool pci_ecam_range(u16 seg, u8 *first_bus, u8 *last_bus)
{
	bool any = false;

	for (unsigned int i = 0; i < nr_windows; i++) {
		const struct ecam_window *w = &windows[i];

		if (w->segment != seg)
			continue;
		if (!any || w->first_bus < *first_bus)
			*first_bus = w->first_bus;
		if (!any || w->last_bus > *last_bus)
			*last_bus = w->last_bus;
		any = true;
	}
	return any;
}

/* The address register of mechanism #1 holds what is written to it. */
bool pci_conf1_present(void)
{
	unsigned long flags = local_irq_save();
	u32 old = inl(CONF1_ADDRESS), v;

	outl(CONF1_ENABLE, CONF1_ADDRESS);
	v = inl(CONF1_ADDRESS);
	outl(old, CONF1_ADDRESS);
	local_irq_restore(flags);
	return v == CONF1_ENABLE;
}
