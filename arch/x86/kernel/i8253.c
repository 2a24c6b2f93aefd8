// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 PIT: channel 0 first as a free-running reference for TSC
 * calibration (it needs no port 0x61, which QEMU's microvm lacks), then
 * as a one-shot clock event device on ISA IRQ 0; channel 2 free-running
 * as a (16-bit, so never selected) clocksource whose read cost clockbench
 * measures, where its gate can be opened.
 */
#include <pvkit/kernel.h>
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

/*
 * A PIT that is not there reads back the same (all ones) forever.  A
 * real one steps every 838 ns, and a read is three port accesses, each
 * slower than that on hardware and under every hypervisor: the second
 * read differs already, a thousand are ample.  Under Xen each access
 * traps (20 us for a PV dom0 under TCG, more for PVH), so when the
 * hypervisor has told us the TSC frequency the wait also ends after
 * 2 ms; 100000 reads took seconds of a Xen dom0's boot.
 */
static bool counts(u64 (*read)(void))
{
	u32 khz = tsc_khz_known();
	u64 a = read(), end = rdtsc() + (u64)khz * 2;

	for (int i = 0; i < 1000; i++) {
		if (read() != a)
			return true;
		if (khz && rdtsc() > end)
			break;
	}
	return false;
}

static bool pit_present;

void pit_early_init(void)
{
	outb(0x34, PIT_CMD);		/* channel 0, lo/hi byte, mode 2 */
	outb(0, PIT_CH0);
	outb(0, PIT_CH0);
	pit_present = counts(pit_ch0_count);
	if (pit_present)
		tsc_set_reference(&pit_ref);
}

static u64 pit_ch2_count(void)
{
	return pit_read(NULL);
}

void pit_init(void)
{
	outb((inb(PORT_B) & ~0x02) | 0x01, PORT_B);	/* gate on, speaker off */
	outb(0xb4, PIT_CMD);				/* channel 2, lo/hi, mode 2 */
	outb(0, PIT_CH2);
	outb(0, PIT_CH2);
	if (counts(pit_ch2_count))
		clocksource_register(&pit_cs);

	/* A PVH guest has no PIT: nothing would ever interrupt. */
	if (!pit_present || request_irq(0, pit_interrupt, NULL, "pit"))
		return;
	pit_mult = ((u64)PIT_HZ << 32) / NSEC_PER_SEC;
	pit_ce.min_delta_ns = 4 * NSEC_PER_SEC / PIT_HZ;
	pit_ce.max_delta_ns = 0xffffULL * NSEC_PER_SEC / PIT_HZ;
	clockevent_register(&pit_ce);
}
