/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_TSC_H
#define _ASM_X86_TSC_H

#include <pvkit/types.h>

/*
 * TSC frequency in kHz, found on first use: the hypervisor (kvmclock or
 * Xen's pvclock through tsc_set_khz, or its timing leaf 0x40000010),
 * CPUID 0x15/0x16, or measured against the HPET, the ACPI PM timer or the
 * PIT.  0 if none worked.  *source names where it came from.
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
	int cs_rating;		/* its rating as a clocksource */
};
void tsc_set_reference(const struct tsc_reference *ref);
bool reference_counts(u64 (*read)(void));
bool tsc_has_reference(void);

/*
 * One calibration window: the reference and the other counter each read
 * between two TSC reads at both ends; it lasts until the frequencies are
 * known within TSC_WINDOW_PPM (or 10 ms of the reference have passed).
 * ppm is the bound on the error of other_hz: the ends' bracket widths
 * and one tick of each counter.
 */
#define TSC_WINDOW_PPM	500
/* The rough rate the clocksource starts at where that window would be waited for. */
#define TSC_ROUGH_PPM	5000
struct tsc_window {
	u64 tsc_hz;		/* the TSC measured against the reference */
	u64 other_hz;		/* the other counter, if one was given */
	u32 tsc_ppm, other_ppm;
	u64 us;			/* the window's length */
};
int tsc_measure_window(const struct tsc_reference *ref,
		       const struct tsc_reference *other, struct tsc_window *w);

/*
 * A counter to measure in the same window as the TSC, if one must be
 * measured at all (the LAPIC timer when it will be the clock event
 * device): *w holds its result once tsc_khz() measured.  It counts up
 * from 0 and stops at its mask (then it gives no result).
 */
void tsc_measure_with(const struct tsc_reference *other);
const struct tsc_window *tsc_window_result(void);
/* Begins the TSC's window now, to be ended by the first tsc_khz() that measures. */
void tsc_window_open(void);
/* The reference is about to be put to other use: a window open on it ends now. */
void tsc_reference_leaving(const struct tsc_reference *ref);

#endif
