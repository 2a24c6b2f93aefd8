// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O APICs named by the MADT route global system interrupts to
 * vectors.  ISA IRQs map to GSIs through the MADT's overrides (QEMU puts
 * the timer's IRQ0 on GSI 2).
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/irq.h>
#include <pvkit/spinlock.h>
#include <asm/apic.h>
#include <asm/io.h>

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPIC_VER	0x01
#define REDTBL(n)	(0x10 + 2 * (n))

#define RTE_ACTIVE_LOW	(1U << 13)
#define RTE_LEVEL	(1U << 15)
#define RTE_MASKED	(1U << 16)

/* MPS INTI flags, as the MADT override entries carry them. */
#define MPS_POLARITY_MASK	0x3
#define MPS_POLARITY_LOW	0x3
#define MPS_TRIGGER_MASK	0xc
#define MPS_TRIGGER_LEVEL	0xc
#define MPS_TRIGGER_EDGE	0x4
#define MPS_POLARITY_HIGH	0x1

#define MAX_PINS	256
#define SEL_NONE	0xffffffffU

/*
 * Each register access is an MMIO exit under a hypervisor, two with the
 * select: the select register is written only when it changes, and the
 * low word of each entry is kept as it was last written, so that masking
 * and unmasking a pin is one write.  ioapic_lock covers both and the
 * select-window pair.
 */
struct ioapic {
	volatile u32 *regs;
	u32 gsi_base;
	unsigned int nr_pins;
	u32 selected;			/* IOREGSEL, or SEL_NONE */
	u32 low[MAX_PINS];		/* each entry's low word, once written */
	u8 low_known[MAX_PINS / 8];
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned int nr_ioapics;
static DEFINE_SPINLOCK(ioapic_lock);

static void io_select(struct ioapic *io, u32 reg)
{
	if (io->selected != reg) {
		io->regs[IOREGSEL / 4] = reg;
		io->selected = reg;
	}
}

static u32 io_read(struct ioapic *io, u32 reg)
{
	io_select(io, reg);
	return io->regs[IOWIN / 4];
}

static void io_write(struct ioapic *io, u32 reg, u32 val)
{
	io_select(io, reg);
	io->regs[IOWIN / 4] = val;
}

static bool low_known(struct ioapic *io, unsigned int pin)
{
	return io->low_known[pin / 8] & (1U << (pin % 8));
}

/* A write of what the entry holds already is left out. */
static void write_low(struct ioapic *io, unsigned int pin, u32 low)
{
	if (low_known(io, pin) && io->low[pin] == low)
		return;
	io_write(io, REDTBL(pin), low);
	io->low[pin] = low;
	io->low_known[pin / 8] |= 1U << (pin % 8);
}

static u32 read_low(struct ioapic *io, unsigned int pin)
{
	if (low_known(io, pin))
		return io->low[pin];
	return io_read(io, REDTBL(pin));
}

static struct ioapic *ioapic_for(u32 gsi, unsigned int *pin)
{
	for (unsigned int i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];

		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->nr_pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

/* GSIs whose trigger and polarity the firmware gave: flags | GSI_TYPE_SET. */
#define GSI_TYPES	256
#define GSI_TYPE_SET	0x8000
static u16 gsi_type[GSI_TYPES];

int arch_irq_set_type(unsigned int irq, u16 flags)
{
	if (irq < 16 || irq >= GSI_TYPES)
		return -EINVAL;
	gsi_type[irq] = GSI_TYPE_SET | (flags & (MPS_POLARITY_MASK | MPS_TRIGGER_MASK));
	return 0;
}

/* An ISA IRQ or a GSI, as request_irq() numbers them. */
static u32 irq_to_gsi(unsigned int irq, u16 *flags)
{
	const struct acpi_info *acpi = acpi_get();

	if (irq < 16) {
		if (acpi)
			return acpi_isa_irq_to_gsi(acpi, irq, flags);
		/* The MP specification's default wiring: the 8254 timer on pin 2. */
		*flags = 0;
		return irq == 0 ? 2 : irq;
	}
	/* PCI interrupts: level, active low, unless the firmware said. */
	if (irq < GSI_TYPES && gsi_type[irq] & GSI_TYPE_SET)
		*flags = gsi_type[irq] & ~GSI_TYPE_SET;
	else
		*flags = MPS_TRIGGER_LEVEL | MPS_POLARITY_LOW;
	return irq;
}

int arch_irq_route(unsigned int irq, unsigned int vector)
{
	u16 flags;
	u32 gsi = irq_to_gsi(irq, &flags), low = vector, dest;
	unsigned int pin;
	struct ioapic *io = ioapic_for(gsi, &pin);
	unsigned long f;

	if (!io) {
		pr_err("ioapic: no I/O APIC serves GSI %u (irq %u)\n", gsi, irq);
		return -ENODEV;
	}
	if ((flags & MPS_POLARITY_MASK) == MPS_POLARITY_LOW)
		low |= RTE_ACTIVE_LOW;
	if ((flags & MPS_TRIGGER_MASK) == MPS_TRIGGER_LEVEL)
		low |= RTE_LEVEL;
	dest = apic_id() << 24;			/* physical destination */
	/*
	 * Unmasked at once, the destination written first: the vector's
	 * handler is in place (request_irq() set it before), and the unmask
	 * that follows then has nothing to write (one exit less a line).
	 */
	f = spin_lock_irqsave(&ioapic_lock);
	io_write(io, REDTBL(pin) + 1, dest);
	write_low(io, pin, low);
	spin_unlock_irqrestore(&ioapic_lock, f);
	return 0;
}

/* The I/O APIC and pin of an ISA IRQ or GSI, as request_irq() numbers them. */
static struct ioapic *irq_pin(unsigned int irq, unsigned int *pin)
{
	u16 flags;

	return ioapic_for(irq_to_gsi(irq, &flags), pin);
}

void arch_irq_mask(unsigned int irq, bool masked)
{
	unsigned int pin;
	struct ioapic *io = irq_pin(irq, &pin);
	unsigned long f;
	u32 low;

	if (!io)
		return;
	f = spin_lock_irqsave(&ioapic_lock);
	low = read_low(io, pin);
	write_low(io, pin, masked ? low | RTE_MASKED : low & ~RTE_MASKED);
	spin_unlock_irqrestore(&ioapic_lock, f);
}

/* Read from the I/O APIC itself, not the copy kept: what it really does. */
int arch_irq_masked(unsigned int irq)
{
	unsigned int pin;
	struct ioapic *io = irq_pin(irq, &pin);
	unsigned long f;
	u32 rte;

	if (!io)
		return -ENODEV;
	f = spin_lock_irqsave(&ioapic_lock);
	rte = io_read(io, REDTBL(pin));
	spin_unlock_irqrestore(&ioapic_lock, f);
	return !!(rte & RTE_MASKED);
}

static void ioapic_add(const struct acpi_ioapic *a)
{
	struct ioapic *io = &ioapics[nr_ioapics];

	io->regs = ioremap(a->addr, 0x20);
	if (!io->regs) {
		pr_err("ioapic: cannot map %#llx\n", a->addr);
		return;
	}
	io->gsi_base = a->gsi_base;
	io->selected = SEL_NONE;
	io->nr_pins = ((io_read(io, IOAPIC_VER) >> 16) & 0xff) + 1;
	/*
	 * Every pin is masked at reset (82093AA datasheet; QEMU's, KVM's and
	 * Xen's I/O APICs alike), and no firmware that boots us (SeaBIOS,
	 * hvmloader, GRUB) routes one: a pin is written only when
	 * arch_irq_route() is asked for it.  Masking all of them here took
	 * two exits a pin under a hypervisor, 48 for 24 pins.  A pin some
	 * firmware left live would come in as an unhandled vector, counted
	 * (irq_show()).
	 */
	pr_info("ioapic: id %u at %#llx, GSI %u-%u\n", a->id, a->addr,
		io->gsi_base, io->gsi_base + io->nr_pins - 1);
	nr_ioapics++;
}

/*
 * Without ACPI (e.g. QEMU's microvm with acpi=off) the I/O APIC is
 * where the MP specification's default configuration puts it; it is
 * used only if it answers like one.
 */
static void ioapic_default(void)
{
	const struct acpi_ioapic def = { .id = 0, .addr = 0xfec00000, .gsi_base = 0 };
	volatile u32 *regs = ioremap(def.addr, 0x20);
	u32 ver;

	if (!regs)
		return;
	regs[IOREGSEL / 4] = IOAPIC_VER;
	ver = regs[IOWIN / 4];
	iounmap((void *)regs, 0x20);
	if (ver == 0xffffffff || !(ver & 0xff)) {
		pr_warn("ioapic: none described by ACPI or found; device interrupts unavailable\n");
		return;
	}
	pr_info("ioapic: no ACPI; using the default one at %#llx\n", def.addr);
	ioapic_add(&def);
}

void ioapic_init(void)
{
	const struct acpi_info *acpi = acpi_get();

	if (!acpi) {
		ioapic_default();
		return;
	}
	if (!acpi->nr_ioapics) {
		pr_warn("ioapic: none described by ACPI; device interrupts unavailable\n");
		return;
	}
	for (unsigned int i = 0; i < acpi->nr_ioapics; i++)
		ioapic_add(&acpi->ioapics[i]);
}
