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

/* The latest reading without the stable bit, for every CPU. */
static u64 last_value;

/*
 * Without the stable bit the hypervisor promises nothing across vCPUs, nor
 * across a migration to another host: the reading is raised to the
 * latest one any CPU returned.  The stable bit is read on each call, as
 * the host may drop it after a migration (Linux's pvclock_clocksource_read).
 */
static u64 pvclock_clamp(u64 ns)
{
	u64 last = __atomic_load_n(&last_value, __ATOMIC_RELAXED);

	do {
		if (ns < last)
			return last;
	} while (!__atomic_compare_exchange_n(&last_value, &last, ns, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return ns;
}

/*
 * A new domain or host: its readings say nothing of the old one's, and
 * the caller (which keeps its clock going across the stop by an offset)
 * reads afresh.  Only while no other CPU reads.
 */
void pvclock_resume(void)
{
	__atomic_store_n(&last_value, 0, __ATOMIC_RELAXED);
}

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
	return (f & PVCLOCK_TSC_STABLE_BIT) ? ns : pvclock_clamp(ns);
}

bool pvclock_clear_stopped(volatile struct vcpu_time_info *ti)
{
	u8 was = __atomic_fetch_and((u8 *)&ti->flags, (u8)~PVCLOCK_GUEST_STOPPED,
				    __ATOMIC_RELAXED);

	return was & PVCLOCK_GUEST_STOPPED;
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
