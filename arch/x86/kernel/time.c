// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 time devices, in the order their dependencies need: reference
 * counters for TSC calibration first (the PIT only if there is no
 * other), the TSC's window begun, then clocksources (the TSC's frequency
 * is waited for only if the reference does not outrank it), then the
 * clock event devices (the LAPIC timer is measured with the TSC).
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/setup.h>
#include <asm/time.h>
#include <asm/tsc.h>

/*
 * Where the hypervisor told the TSC's frequency it also registered a
 * clocksource rated above the HPET and the PM timer (kvmclock, Xen's),
 * and the local APIC's or Xen's timer outranks the HPET's comparator:
 * neither serves, as reference, clock or timer.  Their set-up (the
 * HPET's capabilities, the PM timer's liveness check: four VM exits) then
 * waits until they are asked for: arch_time_complete(), or at once with
 * clocksource= or clockevent= on the command line.
 */
static bool legacy_deferred;

static bool legacy_serves(bool tsc_told)
{
	if (!tsc_told || param_get("clocksource") || param_get("clockevent"))
		return true;
	for (struct clocksource *cs = clocksource_first(); cs; cs = cs->next) {
		if (cs->rating > 250)
			return false;
	}
	return true;
}

void arch_time_init(void)
{
	bool tsc_told = tsc_khz_known();

	legacy_deferred = !legacy_serves(tsc_told);
	if (!legacy_deferred) {
		hpet_early_init();
		acpi_pm_early_init();
	}
	if (!tsc_told && !tsc_has_reference())
		pit_early_init();
	apic_timer_early_init();
	tsc_window_open();
	tsc_clocksource_init();
	if (!legacy_deferred) {
		hpet_init();
		acpi_pm_init();
	} else {
		pr_info("time: HPET, PM timer when asked for (TSC told)\n");
	}
	x86_init.timer_init();
	if (pit_wanted())
		pit_init();
}

/*
 * The devices left for when they are asked for, and the TSC's frequency
 * if it waits to be: the time and irq suites and clockbench look at each.
 */
void arch_time_complete(void)
{
	tsc_khz(NULL);
	if (legacy_deferred) {
		legacy_deferred = false;
		hpet_early_init();
		acpi_pm_early_init();
		hpet_init();
		acpi_pm_init();
	}
}
