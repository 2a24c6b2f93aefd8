// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 time devices, in the order their dependencies need: reference
 * counters for TSC calibration first, then clocksources, then the clock
 * event devices (the LAPIC timer is measured against the TSC).
 */
#include <pvkit/kernel.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/setup.h>
#include <asm/time.h>
#include <asm/tsc.h>


void arch_time_init(void)
{
	hpet_early_init();
	acpi_pm_early_init();
	pit_early_init();
	tsc_clocksource_init();
	hpet_init();
	acpi_pm_init();
	pit_init();
	x86_init.timer_init();
}
