// SPDX-License-Identifier: GPL-2.0
/*
 * The TSC: its frequency and the "tsc" clocksource.  A measured frequency
 * comes from one window against the best reference counter the platform
 * registered (the HPET, the ACPI PM timer, or the PIT), as long as gives
 * TSC_WINDOW_PPM, and only when first needed: against a reference that
 * cannot wrap (a 64-bit HPET) the window is begun at boot and ended then,
 * so it ran beside the rest of the boot instead of being waited for.  The
 * LAPIC timer, when it must be measured too, is measured in the same
 * window.  Where the TSC must tell the time from the boot on and the
 * reference wraps (microvm: the PIT, every 55 ms), a short window gives
 * the clocksource a rough rate at once and stays open: the first that
 * needs the frequency ends it, the rough rate telling how often the
 * reference wrapped meanwhile.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/hypervisor.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/tsc.h>

static u32 khz;
static const char *khz_source = "unknown";
static const struct tsc_reference *reference;

void tsc_set_reference(const struct tsc_reference *ref)
{
	if (!reference)
		reference = ref;
}

bool tsc_has_reference(void)
{
	return reference;
}

/*
 * Whether a reference counter counts.  One that is not there, or whose
 * ports the hypervisor keeps, reads back the same (all ones) forever.
 * The PIT steps every 838 ns (the PM timer every 279 ns), and a read
 * (three port accesses for the PIT, one for the PM timer) is slower than
 * that on hardware and under every hypervisor: the second read differs
 * already, a thousand are ample.  Under Xen each access
 * traps (20 us for a PV dom0 under TCG, more for PVH), so when the
 * hypervisor has told us the TSC frequency the wait also ends after
 * 2 ms; 100000 reads took seconds of a Xen dom0's boot.
 */
bool reference_counts(u64 (*read)(void))
{
	u32 known = tsc_khz_known();
	u64 a = read(), end = rdtsc() + (u64)known * 2;

	for (int i = 0; i < 1000; i++) {
		if (read() != a)
			return true;
		if (known && rdtsc() > end)
			break;
	}
	return false;
}

void tsc_set_khz(u32 k, const char *source)
{
	khz = k;
	khz_source = source;
}

/*
 * CPUID 0x15: TSC = crystal * ebx / eax, exact where the crystal (ecx) is
 * named.  0x16 is the base frequency in MHz: a nominal figure, used only
 * where nothing better is told or measurable.
 */
static u32 tsc_khz_cpuid15(void)
{
	struct cpuid_regs r;

	if (boot_cpu.max_leaf < 0x15)
		return 0;
	cpuid(0x15, &r);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (u64)r.ecx * r.ebx / r.eax / 1000;
}

static u32 tsc_khz_cpuid16(void)
{
	struct cpuid_regs r;

	if (boot_cpu.max_leaf < 0x16)
		return 0;
	cpuid(0x16, &r);
	return (r.eax & 0xffff) * 1000;
}

/*
 * KVM's (QEMU's vmware-cpuid-freq, with invtsc or a set tsc-frequency)
 * and VMware's timing leaf, base + 0x10: eax = TSC kHz.
 */
static u32 tsc_khz_hypervisor(void)
{
	struct cpuid_regs r;
	u32 leaf = x86_hyper.base + 0x10;

	if (!x86_hyper.base || x86_hyper.max_leaf < leaf)
		return 0;
	cpuid(leaf, &r);
	return r.eax;
}

/*
 * a * b / c through the 128-bit product (mul, div): a window begun at boot
 * may have lasted long enough for a * b to overflow.  The quotient must
 * fit in 64 bits, and here always does (a frequency, a length in us).
 */
static u64 mul_div(u64 a, u64 b, u64 c)
{
	u64 q, r;

	__asm__("mulq %[b]\n\tdivq %[c]"
		: "=a" (q), "=&d" (r) : "a" (a), [b] "rm" (b), [c] "rm" (c) : "cc");
	return q;
}

/* One end of a window: a counter read between two TSC reads. */
struct window_end {
	u64 tsc;	/* the middle of the bracket */
	u64 width;	/* its width in TSC cycles */
	u64 value;
};

/* A window begun: its reference, the other counter, and their first ends. */
struct tsc_window_state {
	const struct tsc_reference *ref, *other;
	struct window_end r0, o0;
	u64 est_hz;	/* a rough TSC rate within TSC_ROUGH_PPM, else 0 */
};

/*
 * The narrowest of five brackets: a wide one means the vCPU was
 * preempted between the reads.
 */
static void window_end_read(const struct tsc_reference *c, struct window_end *e)
{
	e->width = ~0ULL;
	for (int i = 0; i < 5; i++) {
		u64 t0 = rdtsc(), v = c->read(), t1 = rdtsc();

		if (t1 - t0 < e->width) {
			e->width = t1 - t0;
			e->tsc = t0 + (t1 - t0) / 2;
			e->value = v;
		}
	}
}

/*
 * The ticks of a reference that may have wrapped: the count modulo its
 * range, and as many ranges as the rough rate says went by.  That rate's
 * error must span less than a quarter of the range, else 0.
 */
static u64 unwrap(const struct tsc_reference *c, u64 ticks, u64 cycles, u64 est_hz)
{
	u64 range = c->mask + 1;
	u64 expect = mul_div(cycles, c->freq_hz, est_hz);

	if (expect / (1000000 / TSC_ROUGH_PPM) + 1 >= range / 4)
		return 0;
	if (expect + range / 2 > ticks)
		ticks += (expect + range / 2 - ticks) / range * range;
	return ticks;
}

/*
 * Ticks and TSC cycles between two ends, and the bound on the error of
 * their ratio in ppm: half of each bracket and one tick (a read rounds
 * down).  0 ticks: no bound (~0).  With a rough rate (est_hz) the
 * reference may have wrapped in between.
 */
static u64 window_span(const struct tsc_reference *c, const struct window_end *a,
		       const struct window_end *b, u64 *cycles, u32 *ppm, u64 est_hz)
{
	u64 ticks = (b->value - a->value) & c->mask;

	*cycles = b->tsc - a->tsc;
	if (est_hz && *cycles)
		ticks = unwrap(c, ticks, *cycles, est_hz);
	if (!ticks || !*cycles) {
		*ppm = ~0U;
		return 0;
	}
	*ppm = (((a->width + b->width) / 2 + *cycles / ticks) * 1000000) / *cycles + 1;
	return ticks;
}

/* The reference's ticks of the most and the least a window lasts. */
#define WINDOW_MIN_DIV	4000		/* 250 us */
#define WINDOW_MAX_DIV	100		/* 10 ms */
#define WINDOW_READS	10000000	/* reads of the reference, at most */

static void window_begin(struct tsc_window_state *s)
{
	window_end_read(s->ref, &s->r0);
	if (s->other)
		window_end_read(s->other, &s->o0);
}

/*
 * The other counter's rate at the TSC's; none if it did not move or ran
 * out (a companion counts up from 0 and stops at its mask).
 */
static void window_other(struct tsc_window_state *s, const struct window_end *o1,
			 struct tsc_window *w)
{
	u64 ocycles, oticks = window_span(s->other, &s->o0, o1, &ocycles, &w->other_ppm, 0);

	if (o1->value == s->other->mask)
		oticks = 0;
	w->other_hz = oticks ? mul_div(oticks, w->tsc_hz, ocycles) : 0;
	/* Its error adds to the TSC's; no bound stays none. */
	w->other_ppm = oticks ? w->other_ppm + w->tsc_ppm : ~0U;
}

/*
 * Whether a window lasted want ticks of its reference: by the reference,
 * or where it may have wrapped since, by the rough rate.
 */
static bool window_lasted(const struct tsc_window_state *s, u64 want)
{
	const struct tsc_reference *ref = s->ref;

	if (s->est_hz)
		return mul_div(rdtsc() - s->r0.tsc, ref->freq_hz, s->est_hz) >= want;
	return ((ref->read() - s->r0.value) & ref->mask) >= want;
}

/*
 * Ends a window begun at any time before: at once if it already lasted
 * long enough for goal_ppm (it ran beside the rest of the boot), else
 * when it does.
 */
static int window_finish(struct tsc_window_state *s, struct tsc_window *w, u32 goal_ppm)
{
	const struct tsc_reference *ref = s->ref;
	u64 want = max(ref->freq_hz / WINDOW_MIN_DIV, 1ULL);
	u64 most = max(ref->freq_hz / WINDOW_MAX_DIV, 1ULL);
	struct window_end r1, o1;
	u64 ticks = 0, cycles;
	u32 reads = 0, ppm;

	for (;;) {
		while (!window_lasted(s, want)) {
			if (++reads > WINDOW_READS)
				return -ETIMEDOUT;
		}
		if (s->other)
			window_end_read(s->other, &o1);
		window_end_read(ref, &r1);
		ticks = window_span(ref, &s->r0, &r1, &cycles, &w->tsc_ppm, s->est_hz);
		if (!ticks)
			return -EIO;
		w->tsc_hz = mul_div(cycles, ref->freq_hz, ticks);
		w->other_hz = 0;
		w->other_ppm = 0;
		if (s->other)
			window_other(s, &o1, w);
		/* A companion that gave nothing does not hold the window open. */
		ppm = max(w->tsc_ppm, w->other_hz ? w->other_ppm : 0);
		if (ppm <= goal_ppm || ticks >= most)
			break;
		/*
		 * The ends' error is absolute: it shrinks as the window grows.
		 * Long enough for the bound if the next end is as wide as this
		 * one, and a quarter longer at least (it may have been a
		 * preempted one).
		 */
		want = min(max(ticks * ppm / goal_ppm, ticks + ticks / 4), most);
	}
	w->us = mul_div(ticks, 1000000, ref->freq_hz);
	return 0;
}

int tsc_measure_window(const struct tsc_reference *ref,
		       const struct tsc_reference *other, struct tsc_window *w)
{
	struct tsc_window_state s = { .ref = ref, .other = other };

	window_begin(&s);
	return window_finish(&s, w, TSC_WINDOW_PPM);
}

/*
 * The TSC's own window, begun by tsc_window_open() at boot where the
 * reference cannot wrap unseen meanwhile, and ended by the first that
 * needs the frequency: by then it has mostly lasted long enough.  The
 * companion (the LAPIC timer) is a per-CPU counter: read on the CPU that
 * began the window, or not at all.
 */
static const struct tsc_reference *companion;
static struct tsc_window_state open_window;
static unsigned int open_cpu;
static struct tsc_window window;
static DEFINE_SPINLOCK(khz_lock);

void tsc_measure_with(const struct tsc_reference *other)
{
	companion = other;
}

const struct tsc_window *tsc_window_result(void)
{
	return window.tsc_hz ? &window : NULL;
}

/* At least a year before the counter's half range is used up. */
static bool never_wraps(const struct tsc_reference *ref)
{
	return ref->mask / 2 / ref->freq_hz > 365ULL * 24 * 3600;
}

static void window_open(void)
{
	open_window = (struct tsc_window_state){ .ref = reference, .other = companion };
	open_cpu = smp_processor_id();
	window_begin(&open_window);
}

void tsc_reference_leaving(const struct tsc_reference *ref)
{
	if (open_window.ref == ref)
		tsc_khz(NULL);
}

void tsc_window_open(void)
{
	if (!khz && reference && never_wraps(reference))
		window_open();
}

/*
 * Against the reference, and the companion with it if there is one.  A
 * window the rough rate cannot carry over the reference's wraps (it
 * lasted seconds) is begun again.
 */
static u32 tsc_khz_reference(void)
{
	int err;

	if (!open_window.ref)
		window_open();
	if (open_cpu != smp_processor_id())
		open_window.other = NULL;
	err = window_finish(&open_window, &window, TSC_WINDOW_PPM);
	if (err == -EIO && open_window.est_hz) {
		window_open();
		err = window_finish(&open_window, &window, TSC_WINDOW_PPM);
	}
	open_window.ref = NULL;
	if (err) {
		pr_warn("tsc: no frequency from %s (%d)\n", reference->name, err);
		window.tsc_hz = 0;
		return 0;
	}
	return window.tsc_hz / 1000;
}

static bool deferred;		/* the "tsc" clocksource waits for tsc_khz() */
static bool rough;		/* it runs at the rough rate until tsc_khz() */
static void tsc_clocksource_register(u32 k, const char *source);
static void tsc_clocksource_refine(u32 k, const char *source);

/* What the platform tells, else a measurement, else the nominal figure. */
static u32 find_khz(const char **src)
{
	u32 k;

	if ((k = tsc_khz_hypervisor()))
		*src = "cpuid 0x40000010";
	else if ((k = tsc_khz_cpuid15()))
		*src = "cpuid 0x15";
	else if (reference && (k = tsc_khz_reference()))
		*src = reference->name;
	else if ((k = tsc_khz_cpuid16()))
		*src = "cpuid 0x16 (nominal)";
	return k;
}

/* Two CPUs asking first at once: one measures, the other waits for it. */
u32 tsc_khz(const char **source)
{
	if (!READ_ONCE(khz)) {
		unsigned long flags = spin_lock_irqsave(&khz_lock);
		const char *src;
		u32 k = khz ? 0 : find_khz(&src);

		if (k) {
			khz_source = src;
			WRITE_ONCE(khz, k);
			if (deferred)
				tsc_clocksource_register(k, src);
			else if (rough)
				tsc_clocksource_refine(k, src);
		}
		spin_unlock_irqrestore(&khz_lock, flags);
	}
	if (source)
		*source = khz_source;
	return khz;
}

/* The frequency if a hypervisor gave it or it was measured already; never measures. */
u32 tsc_khz_known(void)
{
	return khz;
}

u64 tsc_cycles_to_ns(u64 cycles)
{
	u32 k = tsc_khz(NULL);

	if (!k)
		return 0;
	/* Split so that cycles * 1e6 cannot overflow for large counts. */
	return cycles / k * 1000000 + cycles % k * 1000000 / k;
}

/* CPUID 0x80000007 EDX[8]: the TSC runs at a constant rate in all states. */
bool tsc_invariant(void)
{
	struct cpuid_regs r;

	if (boot_cpu.max_ext_leaf < 0x80000007)
		return false;
	boot_cpuid(0x80000007, 0, &r);
	return r.edx & (1U << 8);
}

static u64 tsc_read(struct clocksource *cs)
{
	return rdtsc();
}

static struct clocksource tsc_cs = {
	.name = "tsc",
	.read = tsc_read,
	.mask = ~0ULL,
};

/*
 * The "tsc" clocksource is registered at once where its frequency is
 * known or where it would be selected (nothing registered outranks it,
 * or clocksource=tsc); else when its frequency is first asked for, which
 * the window begun at boot makes quick (tsc_window_open()).  The
 * reference, the best counter there is, is a clocksource too: if it
 * outranks the TSC, the TSC is not needed to tell the time.
 */
static void tsc_clocksource_register(u32 k, const char *source)
{
	const struct tsc_window *w = tsc_window_result();

	tsc_cs.freq_hz = (u64)k * 1000;
	if (w)
		pr_info("tsc: a %llu us window, within %u ppm%s\n", w->us, w->tsc_ppm,
			w->other_hz ? ", with the LAPIC timer" : "");
	pr_info("tsc: %u kHz from %s, %sinvariant\n", k, source,
		tsc_cs.rating > 200 ? "" : "not ");
	clocksource_register(&tsc_cs);
}

/*
 * The clocksource at a rough rate (TSC_ROUGH_PPM, a window a tenth as
 * long) where the frequency is neither told nor known and the reference
 * wraps: the window stays open for tsc_khz(), which the boot does not
 * wait for.  Without this, microvm's boot waited 2-6 ms for the PIT.
 */
static bool tsc_clocksource_rough(void)
{
	struct tsc_window w;

	if (khz || !reference || never_wraps(reference) || tsc_khz_hypervisor() ||
	    tsc_khz_cpuid15())
		return false;
	window_open();
	if (window_finish(&open_window, &w, TSC_ROUGH_PPM)) {
		open_window.ref = NULL;
		return false;
	}
	open_window.est_hz = w.tsc_hz;
	rough = true;
	tsc_cs.freq_hz = w.tsc_hz;
	pr_info("tsc: %llu kHz for now (a %llu us window against %s, within %u ppm), "
		"measured further when asked for\n", w.tsc_hz / 1000, w.us,
		reference->name, w.tsc_ppm);
	clocksource_register(&tsc_cs);
	return true;
}

/* The frequency measured: the clocksource goes on at it, the time so far kept. */
static void tsc_clocksource_refine(u32 k, const char *source)
{
	const struct tsc_window *w = tsc_window_result();

	rough = false;
	if (w)
		pr_info("tsc: a %llu us window, within %u ppm%s\n", w->us, w->tsc_ppm,
			w->other_hz ? ", with the LAPIC timer" : "");
	pr_info("tsc: %u kHz from %s\n", k, source);
	clocksource_set_freq(&tsc_cs, (u64)k * 1000);
}

void tsc_clocksource_init(void)
{
	const char *want = param_get("clocksource"), *source;
	u32 k;

	/* A TSC that may change rate ranks below the HPET. */
	tsc_cs.rating = tsc_invariant() ? 300 : 200;
	if (!khz && reference && reference->cs_rating > tsc_cs.rating &&
	    !(want && !strcmp(want, "tsc"))) {
		deferred = true;
		pr_info("tsc: frequency when asked for (%s outranks it)\n", reference->name);
		return;
	}
	if (tsc_clocksource_rough())
		return;
	k = tsc_khz(&source);
	if (!k) {
		pr_warn("tsc: frequency unknown, not a clocksource\n");
		return;
	}
	tsc_clocksource_register(k, source);
}
