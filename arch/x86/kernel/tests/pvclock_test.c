// SPDX-License-Identifier: GPL-2.0
/*
 * pvclock_read() on records built here, so it runs on every platform:
 * the extrapolation from a record's stamp, and a TSC that is behind the
 * stamp (a record another pCPU's TSC stamped, as a Xen vCPU's record
 * read from another CPU was) giving no time rather than centuries.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/time.h>
#include <asm/processor.h>
#include <asm/pvclock.h>

#define SYSTEM_NS	5000000000ULL

/* One nanosecond per TSC tick: mul 2^31 with shift 1. */
static void make_record(struct vcpu_time_info *ti, u64 stamp)
{
	*ti = (struct vcpu_time_info){
		.version = 2,
		.tsc_timestamp = stamp,
		.system_time = SYSTEM_NS,
		.tsc_to_system_mul = 1U << 31,
		.tsc_shift = 1,
		.flags = PVCLOCK_TSC_STABLE_BIT,	/* no clamp: this case only */
	};
}

static void pvclock_extrapolates_from_the_stamp(struct ktest *t)
{
	struct vcpu_time_info ti;
	u64 before = rdtsc(), ns;

	make_record(&ti, before - 1000);
	ns = pvclock_read(&ti, NULL);
	KT_EXPECT_GE(t, ns, SYSTEM_NS + 1000);
	/* However slow this machine, not a minute since the stamp. */
	KT_EXPECT_LT(t, ns, SYSTEM_NS + 60 * NSEC_PER_SEC);
}

static void pvclock_tsc_behind_the_stamp_is_no_time(struct ktest *t)
{
	struct vcpu_time_info ti;
	u8 flags = 0;

	make_record(&ti, rdtsc() + (1ULL << 40));
	KT_EXPECT_EQ(t, pvclock_read(&ti, &flags), SYSTEM_NS);
	KT_EXPECT_EQ(t, flags, PVCLOCK_TSC_STABLE_BIT);
}

static const struct ktest_case pvclock_cases[] = {
	KTEST_CASE(pvclock_extrapolates_from_the_stamp),
	KTEST_CASE(pvclock_tsc_behind_the_stamp_is_no_time),
	{}
};
KTEST_SUITE(x86_pvclock, pvclock_cases);
