// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 time devices, in the order their dependencies need: reference
 * counters for TSC calibration first, then clocksources, then the clock
 * event devices (the LAPIC timer is measured with the TSC).
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/setup.h>
#include <asm/time.h>
#include <asm/tsc.h>

/*
 * The PIT is the calibration reference of last resort and the clock
 * event device ranked lowest.  Where the hypervisor told the TSC's
 * frequency (kvmclock, Xen's pvclock) and a better clock event device is
 * registered, it would serve neither: its probe (some twenty port
 * accesses, each an exit) is skipped.  pit=1, or clockevent=pit, probes
 * it anyway (the irq suite's test of its interrupt).
 */
static bool pit_wanted(bool tsc_told)
{
	const char *ce = param_get("clockevent");

	if (param_get_ull("pit", 0) || (ce && !strcmp(ce, "pit")))
		return true;
	if (tsc_told && clockevent_first()) {
		pr_info("pit: not probed: the TSC frequency is told and %s is a better clock event device (pit=1 probes it)\n",
			clockevent_first()->name);
		return false;
	}
	return true;
}

void arch_time_init(void)
{
	bool tsc_told = tsc_khz_known();

	hpet_early_init();
	acpi_pm_early_init();
	if (!tsc_told)
		pit_early_init();
	apic_timer_early_init();
	tsc_clocksource_init();
	hpet_init();
	acpi_pm_init();
	x86_init.timer_init();
	if (pit_wanted(tsc_told))
		pit_init();
}
