// SPDX-License-Identifier: GPL-2.0
/*
 * The TSC: its frequency and the "tsc" clocksource.  A measured frequency
 * comes from a 2 ms window against the best reference counter the
 * platform registered: the HPET, the ACPI PM timer, or the PIT.
 */
#include <pvkit/kernel.h>
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

/* CPUID 0x15: TSC = crystal * ebx / eax; 0x16: base frequency in MHz. */
static u32 tsc_khz_cpuid(void)
{
	struct cpuid_regs r;

	if (boot_cpu.max_leaf >= 0x15) {
		cpuid(0x15, &r);
		if (r.eax && r.ebx && r.ecx)
			return (u64)r.ecx * r.ebx / r.eax / 1000;
	}
	if (boot_cpu.max_leaf >= 0x16) {
		cpuid(0x16, &r);
		if (r.eax & 0xffff)
			return (r.eax & 0xffff) * 1000;
	}
	return 0;
}

/* KVM's and VMware's timing leaf, base + 0x10: eax = TSC kHz. */
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
 * One reading of the reference with the TSC read on both sides of it; a
 * wide bracket means the vCPU was preempted in between: read again.
 */
static u64 bracketed_read(const struct tsc_reference *ref, u64 *tsc)
{
	u64 best_width = ~0ULL, best_tsc = 0, best_ref = 0;

	for (int i = 0; i < 5; i++) {
		u64 t0 = rdtsc(), r = ref->read(), t1 = rdtsc();

		if (t1 - t0 < best_width) {
			best_width = t1 - t0;
			best_tsc = t0 + (t1 - t0) / 2;
			best_ref = r;
		}
	}
	*tsc = best_tsc;
	return best_ref;
}

/*
 * TSC cycles over 2 ms of the reference.  Only the end points matter
 * (a preemption in the middle delays both clocks alike), and they are
 * bracketed; the median of three windows guards against the rest.
 */
static u32 tsc_khz_reference(const struct tsc_reference *ref)
{
	u64 want = ref->freq_hz / 500, k[3];

	for (int i = 0; i < 3; i++) {
		u64 t0, t1, r0, r1, ticks;

		r0 = bracketed_read(ref, &t0);
		do {
			r1 = ref->read();
		} while (((r1 - r0) & ref->mask) < want);
		r1 = bracketed_read(ref, &t1);
		ticks = (r1 - r0) & ref->mask;
		/* 2 ms of cycles times a reference of a few hundred MHz fits. */
		k[i] = (t1 - t0) * ref->freq_hz / ticks / 1000;
	}
	/* The median of three. */
	return max(min(k[0], k[1]), min(max(k[0], k[1]), k[2]));
}

u32 tsc_khz(const char **source)
{
	if (!khz) {
		if ((khz = tsc_khz_cpuid()))
			khz_source = "CPUID 0x15/0x16";
		else if ((khz = tsc_khz_hypervisor()))
			khz_source = "hypervisor CPUID leaf";
		else if (reference && (khz = tsc_khz_reference(reference)))
			khz_source = reference->name;
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
	cpuid(0x80000007, &r);
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

void tsc_clocksource_init(void)
{
	const char *source;
	u32 k = tsc_khz(&source);

	if (!k) {
		pr_warn("tsc: frequency unknown, not a clocksource\n");
		return;
	}
	/* A TSC that may change rate ranks below the HPET. */
	tsc_cs.rating = tsc_invariant() ? 300 : 200;
	tsc_cs.freq_hz = (u64)k * 1000;
	pr_info("tsc: %u kHz from %s, %sinvariant\n", k, source,
		tsc_invariant() ? "" : "not ");
	clocksource_register(&tsc_cs);
}
