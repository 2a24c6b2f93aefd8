/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_TSC_H
#define _ASM_X86_TSC_H

#include <pvkit/types.h>

/*
 * TSC frequency in kHz, found on first use: CPUID 0x15/0x16, the
 * hypervisor (its frequency leaf, or kvmclock through tsc_set_khz), or
 * measured against the HPET, the ACPI PM timer or the PIT.  0 if none
 * worked.  *source names where it came from.
 */
u32 tsc_khz(const char **source);
void tsc_set_khz(u32 khz, const char *source);
u32 tsc_khz_known(void);
u64 tsc_cycles_to_ns(u64 cycles);
bool tsc_invariant(void);
void tsc_clocksource_init(void);

/* Reference counters for calibration, registered by their drivers. */
struct tsc_reference {
	const char *name;
	u64 (*read)(void);
	u64 mask;
	u64 freq_hz;
};
void tsc_set_reference(const struct tsc_reference *ref);
bool reference_counts(u64 (*read)(void));

#endif
