// SPDX-License-Identifier: GPL-2.0
/*
 * pvclock: the hypervisor publishes (tsc_timestamp, system_time, mul,
 * shift) per vCPU, and the guest extrapolates with the TSC.  The version
 * is odd while the hypervisor rewrites the record, and changes when it
 * did: read until a stable, even version brackets the read.
 */
#include <pvkit/kernel.h>
#include <asm/processor.h>
#include <asm/pvclock.h>

static u64 scale_delta(u64 delta, u32 mul, s8 shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (u64)(((unsigned __int128)delta * mul) >> 32);
}

static u64 last_value;

u64 pvclock_read(const volatile struct vcpu_time_info *ti, u8 *flags)
{
	u32 version;
	u64 ns, tsc, stamp;
	u8 f;

	do {
		version = ti->version;
		barrier();
		/* rdtsc must not be hoisted above the version read. */
		__asm__ __volatile__("lfence" ::: "memory");
		tsc = rdtsc();
		stamp = ti->tsc_timestamp;
		/*
		 * A TSC behind the record's stamp (a record another CPU's
		 * TSC stamped) counts as no time since: the difference would
		 * wrap to centuries, and the clamp below would keep that.
		 */
		ns = ti->system_time +
		     scale_delta(tsc > stamp ? tsc - stamp : 0, ti->tsc_to_system_mul,
				 ti->tsc_shift);
		f = ti->flags;
		barrier();
	} while ((version & 1) || version != ti->version);

	if (flags)
		*flags = f;
	/*
	 * Without the stable bit, TSCs of different pCPUs may disagree and
	 * the extrapolation can step back after a migration: clamp.
	 */
	if (!(f & PVCLOCK_TSC_STABLE_BIT)) {
		if (ns < last_value)
			return last_value;
		last_value = ns;
	}
	return ns;
}

/* freq = 10^9 << 32 / mul, undoing the shift. */
u32 pvclock_tsc_khz(const volatile struct vcpu_time_info *ti)
{
	u64 khz = (1000000ULL << 32) / ti->tsc_to_system_mul;

	if (ti->tsc_shift < 0)
		khz <<= -ti->tsc_shift;
	else
		khz >>= ti->tsc_shift;
	return khz;
}
