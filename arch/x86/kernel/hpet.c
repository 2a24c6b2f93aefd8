// SPDX-License-Identifier: GPL-2.0
/*
 * The HPET (IA-PC HPET specification 1.0a): its main counter as a
 * clocksource, and comparator 0 as a one-shot clock event device routed
 * through the I/O APIC (not the legacy replacement route, which would
 * take the PIT's IRQ 0 away).
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/irq.h>
#include <pvkit/time.h>
#include <asm/time.h>
#include <asm/tsc.h>

#define HPET_CAP		0x000
#define HPET_CFG		0x010
#define HPET_STATUS		0x020
#define HPET_COUNTER		0x0f0
#define HPET_TN_CFG(n)		(0x100 + 0x20 * (n))
#define HPET_TN_CMP(n)		(0x108 + 0x20 * (n))

#define CAP_64BIT		(1ULL << 13)
#define CFG_ENABLE		(1ULL << 0)
#define TN_LEVEL		(1ULL << 1)
#define TN_INT_ENABLE		(1ULL << 2)
#define TN_PERIODIC		(1ULL << 3)
#define TN_SIZE_CAP		(1ULL << 5)	/* the comparator is 64 bits wide */
#define TN_SETVAL		(1ULL << 6)
#define TN_32BIT		(1ULL << 8)
#define TN_FSB_ENABLE		(1ULL << 14)
#define TN_ROUTE_SHIFT		9
#define TN_ROUTE_CAP_SHIFT	32

#define FS_PER_SEC		1000000000000000ULL

static volatile u8 *hpet;
static u64 hpet_hz;
static bool hpet_64bit;		/* the main counter */
static bool hpet_cmp64;		/* comparator 0, in 64-bit mode */
static u64 hpet_mult;		/* ticks = ns * mult >> 32 */
static u32 hpet_tn_cfg;		/* comparator 0's configuration (low word) */
static u32 hpet_cmp_high;	/* the comparator's high word as last written */
static bool hpet_cmp_high_known;

/*
 * The main counter is started when first read, not at boot: where the
 * TSC's frequency is told (kvmclock, Xen) nothing reads it unless it is
 * selected or a test compares it, and starting it is two MMIO exits
 * (the configuration read and written).  Two CPUs starting it at once
 * both write the same bit.
 */
static bool hpet_counting;

static void hpet_start(void)
{
	writeq(readq(hpet + HPET_CFG) | CFG_ENABLE, hpet + HPET_CFG);
	WRITE_ONCE(hpet_counting, true);
}

/* Ticks either side of a carry out of the low word (655 us at 100 MHz). */
#define CARRY_WINDOW		0x10000U

/*
 * QEMU before 9.0 splits a 64-bit read too, and works out each half at
 * its own moment: across a carry out of the low word the two halves can
 * be 2^32 apart.  Near a carry, read high, low, high until the high word
 * holds still (three exits instead of one, a few times a minute).
 */
static u64 hpet_counter(void)
{
	u64 v;
	u32 hi, lo;

	if (unlikely(!hpet_counting))
		hpet_start();
	if (!hpet_64bit)
		return readl(hpet + HPET_COUNTER);
	v = readq(hpet + HPET_COUNTER);
	if ((u32)((u32)v + CARRY_WINDOW) >= 2 * CARRY_WINDOW)
		return v;
	do {
		hi = readl(hpet + HPET_COUNTER + 4);
		lo = readl(hpet + HPET_COUNTER);
	} while (hi != readl(hpet + HPET_COUNTER + 4));
	return (u64)hi << 32 | lo;
}

static u64 hpet_read(struct clocksource *cs)
{
	return hpet_counter();
}

static struct clocksource hpet_cs = {
	.name = "hpet",
	.rating = 250,		/* as hpet_ref's */
	.read = hpet_read,
};

static struct tsc_reference hpet_ref = {
	.name = "HPET",
	.read = hpet_counter,
	.cs_rating = 250,
};

/*
 * A 64-bit comparator written in two halves (QEMU before 9.0 splits a
 * 64-bit write, and re-arms its timer after each half) is armed for a
 * moment with the old high word and the new low one: a time that can be
 * long past, or so far ahead that QEMU's nanoseconds overflow, and either
 * way it fires at once, before the event asked for.  So the high word is
 * written only when it changes, with the interrupt off meanwhile; every
 * other target is one 32-bit write of the low word.  The interrupt is
 * first enabled here too, once the comparator holds a real target (its
 * reset value is all ones).
 */
static void hpet_write_cmp(u64 target)
{
	u32 high = target >> 32;

	if (!hpet_cmp_high_known || (hpet_cmp64 && high != hpet_cmp_high)) {
		writel(hpet_tn_cfg & ~TN_INT_ENABLE, hpet + HPET_TN_CFG(0));
		writel((u32)target, hpet + HPET_TN_CMP(0));
		if (hpet_cmp64)
			writel(high, hpet + HPET_TN_CMP(0) + 4);
		writel(hpet_tn_cfg, hpet + HPET_TN_CFG(0));
		hpet_cmp_high = high;
		hpet_cmp_high_known = true;
		return;
	}
	writel((u32)target, hpet + HPET_TN_CMP(0));
}

/*
 * The comparator matches on equality: a target already passed when it
 * is written would fire only after the counter wraps.  Read back, and
 * report failure so the caller retries further ahead.  (A comparator in
 * 32-bit mode also interrupts when the low word wraps, as the spec says:
 * an early event, which the timer list takes as a reason to reprogram.)
 */
static int hpet_arm(u64 delta_ns)
{
	u64 ticks = max((u64)(((unsigned __int128)delta_ns * hpet_mult) >> 32), 1ULL);
	u64 target = hpet_counter() + ticks;

	for (int tries = 0; tries < 8; tries++) {
		u64 left;

		hpet_write_cmp(target);
		left = target - hpet_counter();
		if (hpet_cmp64 ? (s64)left > 0 : (s32)(u32)left > 0)
			return 0;
		ticks *= 2;
		target = hpet_counter() + ticks;
	}
	return -EIO;
}

static int hpet_next_event(struct clock_event_device *ce, u64 delta_ns);

static struct clock_event_device hpet_ce = {
	.name = "hpet",
	.rating = 50,
	.features = CLOCK_EVT_ONESHOT,
	.set_next_event = hpet_next_event,
};

static void hpet_interrupt(void *data)
{
	if (hpet_ce.event_handler)
		hpet_ce.event_handler(&hpet_ce);
}

/* GSI 8 (the RTC's, unused) when the comparator can reach it, else the first above 15. */
static int hpet_pick_route(u32 cap)
{
	if (cap & (1U << 8))
		return 8;
	for (int gsi = 16; gsi < 32; gsi++) {
		if (cap & (1U << gsi))
			return gsi;
	}
	return -ENODEV;
}

/*
 * Comparator 0's route through the I/O APIC and its configuration are set
 * up when the device is first armed, not at boot: where a better clock
 * event device is used it never is, and that took seven MMIO exits under
 * a hypervisor.  Only its capabilities are read now, to register it only
 * if it has a route.  0 set up, 1 not yet, < 0 failed.
 */
static int hpet_ce_state = 1;
static u64 hpet_tn_cap_cfg;	/* comparator 0's configuration and capabilities */
static int hpet_gsi;

static int hpet_comparator_setup(void)
{
	u64 cfg = hpet_tn_cap_cfg;

	if (request_irq(hpet_gsi, hpet_interrupt, NULL, "hpet")) {
		pr_warn("hpet: GSI %d cannot be requested: comparator 0 not used\n",
			hpet_gsi);
		return -EBUSY;
	}
	/* One-shot, edge, through the I/O APIC; whatever firmware left set goes. */
	cfg &= ~(0x1fULL << TN_ROUTE_SHIFT | TN_LEVEL | TN_PERIODIC | TN_SETVAL |
		 TN_32BIT | TN_FSB_ENABLE);
	cfg |= (u64)hpet_gsi << TN_ROUTE_SHIFT | TN_INT_ENABLE;
	if (!hpet_cmp64)
		cfg |= TN_32BIT;
	/* Route, enable and mode are all in the low word. */
	hpet_tn_cfg = (u32)cfg;
	writel(hpet_tn_cfg & ~TN_INT_ENABLE, hpet + HPET_TN_CFG(0));
	return 0;
}

static int hpet_next_event(struct clock_event_device *ce, u64 delta_ns)
{
	if (hpet_ce_state > 0)
		hpet_ce_state = hpet_comparator_setup();
	return hpet_ce_state ? -EIO : hpet_arm(delta_ns);
}

static void hpet_clockevent_init(void)
{
	u64 cfg = readq(hpet + HPET_TN_CFG(0));

	hpet_gsi = hpet_pick_route(cfg >> TN_ROUTE_CAP_SHIFT);
	/*
	 * Not a fault (QEMU's pc offers only GSI 2, the PIT's): a fact, and
	 * a warning would reach the console of every quiet boot there.
	 */
	if (hpet_gsi < 0) {
		pr_info("hpet: comparator 0 not used: no route of its own (cap %#llx)\n",
			cfg >> TN_ROUTE_CAP_SHIFT);
		return;
	}
	hpet_tn_cap_cfg = cfg;
	hpet_cmp64 = hpet_64bit && (cfg & TN_SIZE_CAP);
	hpet_mult = (hpet_hz << 32) / NSEC_PER_SEC;
	hpet_ce.min_delta_ns = max(1000ULL, 4 * NSEC_PER_SEC / hpet_hz);
	hpet_ce.max_delta_ns = hpet_cmp64 ? 10 * NSEC_PER_SEC :
			       0x7fffffffULL * NSEC_PER_SEC / hpet_hz;
	clockevent_register(&hpet_ce);
}

/* The counter only: usable for calibration before interrupts are set up. */
void hpet_early_init(void)
{
	const struct acpi_info *acpi = acpi_get();
	u64 cap, period;

	if (!acpi || !acpi->has_hpet)
		return;
	hpet = ioremap(acpi->hpet_addr, 1024);
	if (!hpet)
		return;
	cap = readq(hpet + HPET_CAP);
	period = cap >> 32;
	if (!period || period > 100000000) {	/* the spec's upper bound: 100 ns */
		pr_warn("hpet: bad period %llu fs, not used\n", period);
		hpet = NULL;
		return;
	}
	hpet_hz = FS_PER_SEC / period;
	hpet_64bit = cap & CAP_64BIT;
	hpet_cs.freq_hz = hpet_hz;
	hpet_cs.mask = hpet_64bit ? ~0ULL : 0xffffffffULL;
	hpet_ref.mask = hpet_cs.mask;
	hpet_ref.freq_hz = hpet_hz;
	tsc_set_reference(&hpet_ref);
}

void hpet_init(void)
{
	if (!hpet)
		return;
	clocksource_register(&hpet_cs);
	hpet_clockevent_init();
}
