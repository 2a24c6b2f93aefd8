// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 time devices, in the order their dependencies need: reference
 * counters for TSC calibration first (the PIT only if there is no
 * other), the TSC's window begun, then clocksources (the TSC's
 * frequency is waited for only if the reference does not outrank it), then the
 * clock event devices (the LAPIC timer is measured with the TSC).
 */
#include <pvkit/kernel.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/setup.h>
#include <asm/time.h>
#include <asm/tsc.h>

void arch_time_init(void)
{
	bool tsc_told = tsc_khz_known();

	hpet_early_init();
	acpi_pm_early_init();
	if (!tsc_told && !tsc_has_reference())
		pit_early_init();
	apic_timer_early_init();
	tsc_window_open();
	tsc_clocksource_init();
	hpet_init();
	acpi_pm_init();
	x86_init.timer_init();
	if (pit_wanted())
		pit_init();
}

/* The TSC's frequency, if it waits to be asked for: the time suite compares it. */
void arch_clocksources_measure(void)
{
	tsc_khz(NULL);
}
