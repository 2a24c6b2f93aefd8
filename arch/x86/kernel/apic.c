// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode, and its timer as
 * a clock event device: one-shot, or TSC-deadline where the CPU has it.
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/spinlock.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/hypervisor.h>
#include <asm/irq_vectors.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/tsc.h>

#define X2APIC_MSR(reg)	(0x800 + ((reg) >> 4))
#define CPUID1_ECX_X2APIC	(1U << 21)
#define CPUID1_ECX_TSC_DEADLINE	(1U << 24)

static volatile u8 *apic_mmio;
static bool x2apic;
static unsigned long native_eoi_count;

static void apic_icr_write(u32 dest, u32 low);

u32 apic_read(u32 reg)
{
	if (x2apic)
		return paravirt_read_msr(X2APIC_MSR(reg));
	return *(volatile u32 *)(apic_mmio + reg);
}

void apic_write(u32 reg, u32 val)
{
	if (x2apic)
		paravirt_write_msr(X2APIC_MSR(reg), val);
	else
		*(volatile u32 *)(apic_mmio + reg) = val;
}

bool apic_x2apic_mode(void)
{
	return x2apic;
}

/*
 * False where no local APIC was set up: a Xen PV guest has none (its
 * interrupts are event channels), so there is nothing to read or write.
 */
bool apic_present(void)
{
	return x2apic || apic_mmio;
}

static u32 read_apic_id(void)
{
	return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

/*
 * The boot CPU's ID is read once, by apic_init(): the log, the I/O APIC's
 * routes, MSI messages and the SMP bring-up ask it again, each time an
 * MSR or MMIO exit under a hypervisor.  Other CPUs read their own.
 */
static u32 boot_apic_id = APIC_ID_NONE;

u32 apic_id(void)
{
	if (!apic_present())
		return APIC_ID_NONE;
	if (boot_apic_id != APIC_ID_NONE && !smp_processor_id())
		return boot_apic_id;
	return read_apic_id();
}

/* Each of these is a trapping write under a hypervisor: count them. */
void native_apic_eoi(void)
{
	native_eoi_count++;
	apic_write(APIC_EOI, 0);
}

unsigned long apic_native_eoi_count(void)
{
	return native_eoi_count;
}

static void native_apic_send_ipi(u32 dest, u8 vector)
{
	apic_icr_write(dest, APIC_DM_FIXED | vector);
}

static void spurious_handler(void *data)
{
	irq_spurious_count++;
}

static void apic_timer_lvt_init(void);

void apic_init(void)
{
	const struct acpi_info *acpi = acpi_get();
	u64 base = paravirt_read_msr(MSR_IA32_APICBASE);
	struct pv_apic_ops ops = {
		.eoi = native_apic_eoi,
		.send_ipi = native_apic_send_ipi,
		.send_ipi_allbutself = apic_send_ipi_allbutself,
		.send_ipi_mask = native_send_ipi_mask,
	};

	if ((boot_cpu.features_ecx & CPUID1_ECX_X2APIC) && !param_get("nox2apic")) {
		paravirt_write_msr(MSR_IA32_APICBASE, base | APICBASE_ENABLE | APICBASE_X2APIC);
		x2apic = true;
	} else {
		u64 phys = base & 0xfffff000ULL;

		if (acpi && acpi->lapic_addr && acpi->lapic_addr != phys)
			pr_warn("apic: MSR says %#llx, ACPI %#llx; using the MSR\n",
				phys, acpi->lapic_addr);
		paravirt_write_msr(MSR_IA32_APICBASE, base | APICBASE_ENABLE);
		apic_mmio = ioremap(phys, 4096);
		if (!apic_mmio)
			panic("apic: cannot map %#llx", phys);
	}
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT0, APIC_LVT_MASKED);	/* ExtINT from the 8259s: masked */
	apic_write(APIC_LVT1, APIC_DM_NMI);
	apic_write(APIC_LVTERR, APIC_LVT_MASKED);
	apic_timer_lvt_init();
	apic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_APIC_VECTOR);
	irq_set_vector(SPURIOUS_APIC_VECTOR, spurious_handler, NULL, "spurious");
	paravirt_set_native_apic(&ops);
	boot_apic_id = read_apic_id();
	pr_info("apic: %s mode, id %u\n", x2apic ? "x2APIC" : "xAPIC", boot_apic_id);
}

/* ---- the timer ---- */

static u64 timer_mult;		/* ticks = ns * timer_mult >> 32 */
static u64 tsc_mult;		/* TSC cycles per ns, << 32 */

static u64 scale(u64 ns, u64 mult)
{
	return (u64)(((unsigned __int128)ns * mult) >> 32);
}

static int lapic_next_event(struct clock_event_device *ce, u64 delta_ns)
{
	u64 ticks = scale(delta_ns, timer_mult);

	apic_write(APIC_TMICT, ticks ? (u32)min(ticks, 0xffffffffULL) : 1);
	return 0;
}

static int deadline_next_event(struct clock_event_device *ce, u64 delta_ns)
{
	paravirt_write_msr(MSR_IA32_TSC_DEADLINE, rdtsc() + scale(delta_ns, tsc_mult));
	return 0;
}

static struct clock_event_device lapic_ce = {
	.name = "lapic",
	.rating = 100,
	.features = CLOCK_EVT_ONESHOT | CLOCK_EVT_PERCPU,
	.set_next_event = lapic_next_event,
};

static struct clock_event_device deadline_ce = {
	.name = "tsc-deadline",
	.rating = 150,
	.features = CLOCK_EVT_ONESHOT | CLOCK_EVT_PERCPU,
	.min_delta_ns = 1000,
	.max_delta_ns = 10 * NSEC_PER_SEC,
	.set_next_event = deadline_next_event,
};

/* Each CPU's LVT timer mode: which of the two devices it was last armed as. */
static struct clock_event_device *timer_mode[NR_CPUS];

/*
 * The boot CPU's timer LVT, written once here: where the CPU has
 * TSC-deadline (the device that will be used, unless the hypervisor's
 * own timer outranks it) it is put in that mode now, disarmed (a mode
 * change disarms it, SDM 10.5.4.1, and no deadline is written until a
 * device is armed), so that the first arming is the deadline's MSR write
 * alone, one exit less.  Otherwise masked until a device sets its mode.
 */
static void apic_timer_lvt_init(void)
{
	if (boot_cpu.features_ecx & CPUID1_ECX_TSC_DEADLINE) {
		apic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | LOCAL_TIMER_VECTOR);
		timer_mode[smp_processor_id()] = &deadline_ce;
	} else {
		apic_write(APIC_LVTT, APIC_LVT_MASKED);
	}
}

static void timer_interrupt(void *data)
{
	struct clock_event_device *ce = timer_mode[smp_processor_id()];

	if (ce && ce->event_handler)
		ce->event_handler(ce);
}

/*
 * The one-shot timer's count, divided by 16 and counting down from all
 * ones: turned into a counter that counts up, for a calibration window.
 */
static u64 lapic_count_up(void)
{
	return ~apic_read(APIC_TMCCT);
}

static void lapic_count_start(void)
{
	apic_write(APIC_TDCR, 0x3);		/* divide by 16 */
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0xffffffff);
}

static const struct tsc_reference lapic_counter = {
	.name = "LAPIC timer",
	.read = lapic_count_up,
	.mask = 0xffffffff,
};

/* The TSC as the reference, once its frequency is known. */
static u64 tsc_counter_read(void)
{
	return rdtsc();
}

/*
 * What the platform says: the hypervisor's bus kHz, or on bare metal the
 * core crystal of CPUID 0x15 that the timer runs at (under a hypervisor
 * the timer runs at what it emulates, KVM's 1 GHz bus whatever the
 * host's crystal, so a passed-through leaf 0x15 says nothing of it).
 */
static u64 lapic_timer_hz_told(const char **source)
{
	struct cpuid_regs r;
	u32 leaf = x86_hyper.base + 0x10;

	if (x86_hyper.base && x86_hyper.max_leaf >= leaf) {
		cpuid(leaf, &r);
		if (r.ebx) {
			*source = "cpuid 0x40000010";
			return (u64)r.ebx * 1000 / 16;
		}
	}
	if (!x86_hyper.base && boot_cpu.max_leaf >= 0x15) {
		cpuid(0x15, &r);
		if (r.ecx) {
			*source = "cpuid 0x15";
			return r.ecx / 16;
		}
	}
	return 0;
}

/*
 * Without TSC-deadline the one-shot timer will be the clock event device
 * (it outranks the HPET's and the PIT's): if its frequency must be
 * measured, and the TSC's too, it is measured in the TSC's window.  Its
 * count runs down from all ones meanwhile, masked (68 s at 1 GHz), until
 * its first use rewrites it.  Called before the TSC's window begins,
 * after the hypervisor's backend may have told the TSC's frequency
 * (kvmclock, pvclock).
 */
void apic_timer_early_init(void)
{
	const char *source;

	if (!apic_present() || (boot_cpu.features_ecx & CPUID1_ECX_TSC_DEADLINE) ||
	    lapic_timer_hz_told(&source) || tsc_khz_known())
		return;
	lapic_count_start();
	tsc_measure_with(&lapic_counter);
}

/*
 * Timer ticks per second, with the divider at 16: told by the platform,
 * or measured in the TSC's own window (tsc_measure_with()), or else in
 * one window of its own against the TSC.
 */
static u64 lapic_timer_hz(void)
{
	const struct tsc_window *tw;
	struct tsc_reference tsc_ref = {
		.name = "TSC", .read = tsc_counter_read, .mask = ~0ULL,
	};
	struct tsc_window w;
	const char *source;
	u64 hz = lapic_timer_hz_told(&source);

	if (hz) {
		pr_info("apic: timer %llu Hz from %s\n", hz, source);
		return hz;
	}
	/* Ends the TSC's window if it is open: the count ran in it. */
	tsc_ref.freq_hz = (u64)tsc_khz(NULL) * 1000;
	tw = tsc_window_result();
	if (tw && tw->other_hz) {
		pr_info("apic: timer %llu Hz, measured with the TSC (within %u ppm)\n",
			tw->other_hz, tw->other_ppm);
		return tw->other_hz;
	}
	if (!tsc_ref.freq_hz)
		return 0;
	lapic_count_start();
	hz = tsc_measure_window(&tsc_ref, &lapic_counter, &w) ? 0 : w.other_hz;
	apic_write(APIC_TMICT, 0);
	if (hz)
		pr_info("apic: timer %llu Hz, measured against the TSC in %llu us (within %u ppm)\n",
			hz, w.us, w.other_ppm);
	return hz;
}

/* The deadline timer wants TSC-deadline mode in the LVT. */
static void use_mode(struct clock_event_device *ce)
{
	timer_mode[smp_processor_id()] = ce;
	/* A secondary CPU's divider is still the reset value's. */
	apic_write(APIC_TDCR, 0x3);		/* divide by 16 */
	if (ce == &deadline_ce)
		apic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | LOCAL_TIMER_VECTOR);
	else
		apic_write(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | LOCAL_TIMER_VECTOR);
}

/*
 * Both modes use the same LVT entry, so only one can be live: the
 * registered device's set_next_event switches the LVT when needed.
 */
static bool lapic_calibrate(void);

static int lapic_switching(struct clock_event_device *ce, u64 delta_ns)
{
	if (ce == &lapic_ce && !READ_ONCE(timer_mult) && !lapic_calibrate())
		return -EIO;
	if (timer_mode[smp_processor_id()] != ce)
		use_mode(ce);
	return ce == &deadline_ce ? deadline_next_event(ce, delta_ns)
				  : lapic_next_event(ce, delta_ns);
}

/*
 * Finds the one-shot timer's frequency: only done when it is first used,
 * on whichever CPU that is (each CPU's timer runs at the same rate).  The
 * lock keeps a second CPU from measuring at the same time.
 */
static DEFINE_SPINLOCK(calibrate_lock);

static bool lapic_calibrate(void)
{
	unsigned long flags = spin_lock_irqsave(&calibrate_lock);
	struct clock_event_device *mode = timer_mode[smp_processor_id()];
	u64 hz = timer_mult ? 0 : lapic_timer_hz();

	if (hz)
		WRITE_ONCE(timer_mult, (hz << 32) / NSEC_PER_SEC);
	else if (!timer_mult)
		pr_warn("apic: timer frequency unknown\n");
	/* The measurement left this CPU's LVT masked: re-arm the mode in use. */
	if (mode)
		use_mode(mode);
	spin_unlock_irqrestore(&calibrate_lock, flags);
	return timer_mult != 0;
}

/*
 * TSC-deadline needs the TSC's frequency now (told where the CPU has
 * it, but for old bare metal); the one-shot mode measures it on first
 * use, against a reference counter, or takes what the CPU tells.
 */
void apic_timer_init(void)
{
	bool deadline = boot_cpu.features_ecx & CPUID1_ECX_TSC_DEADLINE;
	bool now = deadline || !tsc_has_reference();
	u32 khz = now ? tsc_khz(NULL) : 0;

	irq_set_vector(LOCAL_TIMER_VECTOR, timer_interrupt, NULL, "lapic-timer");
	if (now && !khz) {
		pr_warn("apic: no TSC frequency, timer not used\n");
		return;
	}
	if (deadline) {
		tsc_mult = ((u64)khz * 1000 << 32) / NSEC_PER_SEC;
		deadline_ce.set_next_event = lapic_switching;
		clockevent_register(&deadline_ce);
	}
	/*
	 * The one-shot mode's frequency is found on first use: it may never
	 * be used (TSC-deadline, or Xen's timer, outrank it), and where it
	 * is the clock event device the TSC's window measured it already.
	 * Its longest delta is known then; until then 1 s is safe for any
	 * timer up to 4 GHz.
	 */
	lapic_ce.min_delta_ns = 1000;
	lapic_ce.max_delta_ns = NSEC_PER_SEC;
	lapic_ce.set_next_event = lapic_switching;
	/* The LVT is in a device's mode once it is armed (or since apic_init()). */
	clockevent_register(&lapic_ce);
}

/* ---- IPIs and starting the other CPUs (arch/x86/kernel/smpboot.c, smp.c) ---- */

#define APIC_ICR_BUSY		(1U << 12)	/* xAPIC: delivery pending */
#define APIC_ICR_BUSY_NS	(10 * NSEC_PER_MSEC)

/*
 * One IPI: destination and the ICR's low word.  xAPIC takes two writes,
 * which an interrupt handler sending an IPI of its own must not split,
 * and a previous IPI still being delivered must be waited out (bounded:
 * a stuck delivery is reported, the IPI sent anyway).  x2APIC is one
 * MSR write.
 */
static void apic_icr_write(u32 dest, u32 low)
{
	unsigned long flags = local_irq_save();

	if (x2apic) {
		paravirt_write_msr(X2APIC_MSR(APIC_ICR), ((u64)dest << 32) | low);
	} else {
		u64 deadline = ktime_get_ns() + APIC_ICR_BUSY_NS;

		while (apic_read(APIC_ICR) & APIC_ICR_BUSY) {
			if (ktime_get_ns() > deadline) {
				pr_warn("apic: ICR still busy after 10 ms\n");
				break;
			}
			cpu_relax();
		}
		apic_write(APIC_ICR2, dest << 24);
		apic_write(APIC_ICR, low);
	}
	local_irq_restore(flags);
}

void apic_send_ipi_allbutself(u8 vector)
{
	apic_icr_write(0, APIC_DEST_ALLBUT | APIC_DM_FIXED | vector);
}

void apic_send_init(u32 dest)
{
	apic_icr_write(dest, APIC_INT_ASSERT | APIC_DM_INIT);
}

/* The CPU starts in real mode at start_phys, page aligned below 1 MiB. */
void apic_send_startup(u32 dest, u32 start_phys)
{
	apic_icr_write(dest, APIC_DM_STARTUP | (start_phys >> 12));
}

/*
 * A secondary CPU's own local APIC: enabled in the boot CPU's mode at the
 * boot CPU's address (the MADT gives one address for all), LINT0/LINT1
 * and the timer as on the boot CPU, errors masked.
 */
void apic_init_secondary(void)
{
	u64 base = paravirt_read_msr(MSR_IA32_APICBASE);

	base |= APICBASE_ENABLE | (x2apic ? APICBASE_X2APIC : 0);
	paravirt_write_msr(MSR_IA32_APICBASE, base);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT1, APIC_DM_NMI);
	apic_write(APIC_LVTERR, APIC_LVT_MASKED);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_APIC_VECTOR);
}
