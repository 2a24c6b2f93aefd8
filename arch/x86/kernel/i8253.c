// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 PIT: channel 0 first as a free-running reference for TSC
 * calibration (it needs no port 0x61, which QEMU's microvm lacks), then
 * as a one-shot clock event device on ISA IRQ 0; channel 2 free-running
 * as a (16-bit, so never selected) clocksource whose read cost clockbench
 * measures, where its gate can be opened.
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/cmdline.h>
#include <pvkit/string.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/time.h>
#include <asm/time.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#define PIT_HZ		1193182
#define PIT_CH0		0x40
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_B		0x61

static u64 pit_mult;		/* ticks = ns * mult >> 32 */

static int pit_next_event(struct clock_event_device *ce, u64 delta_ns)
{
	u64 ticks = ((unsigned __int128)delta_ns * pit_mult) >> 32;
	unsigned long flags;

	ticks = min(max(ticks, 1ULL), 0xffffULL);
	flags = local_irq_save();
	/*
	 * Mode 4 (software-triggered strobe): one pulse when the count runs
	 * out.  Mode 0 would do on hardware and QEMU, but Xen's emulated
	 * PIT gives an HVM guest no interrupt at all in mode 0.
	 */
	outb(0x38, PIT_CMD);		/* channel 0, lo/hi byte, mode 4 */
	outb(ticks & 0xff, PIT_CH0);
	outb(ticks >> 8, PIT_CH0);
	local_irq_restore(flags);
	return 0;
}

static struct clock_event_device pit_ce = {
	.name = "pit",
	.rating = 10,
	.features = CLOCK_EVT_ONESHOT,
	.set_next_event = pit_next_event,
};

static void pit_interrupt(void *data)
{
	if (pit_ce.event_handler)
		pit_ce.event_handler(&pit_ce);
}

/* Channel 2 counts down from 65536 over and over (mode 2). */
static u64 pit_read(struct clocksource *cs)
{
	unsigned long flags = local_irq_save();
	u8 lo, hi;

	outb(0x80, PIT_CMD);		/* latch channel 2 */
	lo = inb(PIT_CH2);
	hi = inb(PIT_CH2);
	local_irq_restore(flags);
	return (u16)~((hi << 8) | lo);
}

static struct clocksource pit_cs = {
	.name = "pit",
	.rating = 0,
	.read = pit_read,
	.mask = 0xffff,
	.freq_hz = PIT_HZ,
};

/* Channel 0 counting down from 65536 (mode 2), latched and read. */
static u64 pit_ch0_count(void)
{
	u8 lo, hi;

	outb(0x00, PIT_CMD);		/* latch channel 0 */
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (u16)~((hi << 8) | lo);
}

static struct tsc_reference pit_ref = {
	.name = "PIT",
	.read = pit_ch0_count,
	.mask = 0xffff,
	.freq_hz = PIT_HZ,
};

static bool pit_present;

/* Channel 0 as a rate generator (mode 2) of period count (0: 65536). */
static void pit_ch0_periodic(u16 count)
{
	outb(0x34, PIT_CMD);		/* channel 0, lo/hi byte, mode 2 */
	outb(count & 0xff, PIT_CH0);
	outb(count >> 8, PIT_CH0);
}

/* Whether channel 0 counts: probed once, by the first that asks. */
static bool pit_probe(void)
{
	static bool probed;

	if (!probed) {
		pit_ch0_periodic(0);
		pit_present = reference_counts(pit_ch0_count);
		probed = true;
	}
	return pit_present;
}

/* Called only where no other reference counter is there. */
void pit_early_init(void)
{
	if (pit_probe())
		tsc_set_reference(&pit_ref);
}

static u64 pit_ch2_count(void)
{
	return pit_read(NULL);
}

/* 1 ms periods, and the most reads 5 of them can take anywhere. */
#define PIT_PROBE_COUNT		1193
#define PIT_PROBE_PERIODS	5
#define PIT_PROBE_READS		100000

/*
 * Whether IRQ 0 comes in through the route request_irq() gave it:
 * channel 0 fires every millisecond, with interrupts on, for up to five
 * periods (counted on channel 0 itself), then runs free again.  The
 * handler does nothing until the clock event device is registered.
 */
static bool pit_irq_arrives(unsigned int irq)
{
	int v = irq_vector(irq);
	unsigned int periods = 0;
	unsigned long before, flags;
	u64 last;

	if (v < 0)
		return false;
	before = irq_vector_count(v);
	pit_ch0_periodic(PIT_PROBE_COUNT);
	flags = local_irq_save();
	local_irq_enable();
	last = pit_ch0_count();
	for (int i = 0; i < PIT_PROBE_READS && periods < PIT_PROBE_PERIODS &&
	     irq_vector_count(v) == before; i++) {
		u64 now = pit_ch0_count();

		if (now < last)		/* reloaded: a period ended */
			periods++;
		last = now;
	}
	local_irq_restore(flags);
	pit_ch0_periodic(0);
	return irq_vector_count(v) != before;
}

/* The tables wire ISA IRQ 0 to GSI 0: no override (every PC has one to 2). */
static bool irq0_on_gsi0(void)
{
	const struct acpi_info *acpi = acpi_get();

	return acpi && acpi_isa_irq_to_gsi(acpi, 0, NULL) == 0;
}

/*
 * ISA IRQ 0 where the tables route it.  Only a route to GSI 0 is checked:
 * QEMU's I/O APIC raises IRQ 0 on pin 2 whatever the tables say, and the
 * MADT of its microvm machine has no override saying so (Linux's
 * check_timer() finds out the same way).  If IRQ 0 comes on GSI 2 that
 * is used; if it comes on neither, the tables' route is kept and the
 * interrupt tests will say so.  Returns 0, or request_irq()'s error.
 */
static int pit_request_irq(void)
{
	int err = request_irq(0, pit_interrupt, NULL, "pit");

	if (err)
		return err;
	if (!irq0_on_gsi0() || pit_irq_arrives(0))
		return 0;
	free_irq(0);
	if (!request_irq(2, pit_interrupt, NULL, "pit")) {
		if (pit_irq_arrives(2)) {
			pr_warn("pit: IRQ 0 never came on GSI 0 as the tables route it; it comes on GSI 2: using that\n");
			return 0;
		}
		free_irq(2);
	}
	pr_warn("pit: IRQ 0 came neither on GSI 0 (the tables' route) nor on GSI 2 within 5 ms; keeping the tables' route\n");
	return request_irq(0, pit_interrupt, NULL, "pit");
}

/*
 * The PIT is the calibration reference of last resort (pit_early_init())
 * and the clock event device ranked lowest.  Where a better clock event
 * device is registered it would not serve as one: its probe (some twenty
 * port accesses, each an exit, and up to 5 ms waiting for its interrupt
 * on each of two routes) is skipped.  pit=1, or clockevent=pit, probes
 * it anyway (the irq suite's test of its interrupt).
 */
bool pit_wanted(void)
{
	const char *name = param_get("clockevent");
	struct clock_event_device *ce = clockevent_first();

	if (param_get_ull("pit", 0) || (name && !strcmp(name, "pit")))
		return true;
	while (ce && ce->rating <= pit_ce.rating)
		ce = ce->next;
	if (ce) {
		pr_info("pit: not probed: %s is a better clock event device (pit=1 probes it)\n",
			ce->name);
		return false;
	}
	return true;
}

void pit_init(void)
{
	outb((inb(PORT_B) & ~0x02) | 0x01, PORT_B);	/* gate on, speaker off */
	outb(0xb4, PIT_CMD);				/* channel 2, lo/hi, mode 2 */
	outb(0, PIT_CH2);
	outb(0, PIT_CH2);
	if (reference_counts(pit_ch2_count))
		clocksource_register(&pit_cs);

#ifndef CONFIG_X86_IO_APIC
	return;		/* IRQ 0 would reach no vector */
#endif
	/* Channel 0 is reprogrammed from here on. */
	tsc_reference_leaving(&pit_ref);
	/* A PVH guest has no PIT: nothing would ever interrupt. */
	if (!pit_probe() || pit_request_irq())
		return;
	pit_mult = ((u64)PIT_HZ << 32) / NSEC_PER_SEC;
	pit_ce.min_delta_ns = 4 * NSEC_PER_SEC / PIT_HZ;
	pit_ce.max_delta_ns = 0xffffULL * NSEC_PER_SEC / PIT_HZ;
	clockevent_register(&pit_ce);
}
