// SPDX-License-Identifier: GPL-2.0
/* The ACPI power-management timer: 3.579545 MHz, 24 or 32 bits, in I/O space. */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/time.h>
#include <asm/time.h>
#include <asm/io.h>
#include <asm/tsc.h>

#define PM_TIMER_HZ	3579545

static u16 pm_port;
static u64 pm_mask;

static u64 pm_counter(void)
{
	return inl(pm_port) & pm_mask;
}

static u64 pm_read(struct clocksource *cs)
{
	return pm_counter();
}

static struct clocksource pm_cs = {
	.name = "acpi_pm",
	.rating = 200,
	.read = pm_read,
	.freq_hz = PM_TIMER_HZ,
};

static struct tsc_reference pm_ref = {
	.name = "ACPI PM timer",
	.read = pm_counter,
	.freq_hz = PM_TIMER_HZ,
	.cs_rating = 200,	/* as pm_cs's */
};

void acpi_pm_early_init(void)
{
	const struct acpi_info *acpi = acpi_get();

	if (!acpi || !acpi->has_pm_timer)
		return;
	pm_port = acpi->pm_timer_port;
	pm_mask = acpi->pm_timer_32bit ? 0xffffffffULL : 0xffffffULL;
	/* Xen denies its initial domain the PM timer's ports: all ones. */
	if (!reference_counts(pm_counter)) {
		pr_warn("acpi_pm: the PM timer at port %#x does not count (reads %#llx): not used\n",
			pm_port, pm_counter());
		pm_port = 0;
		return;
	}
	pm_cs.mask = pm_ref.mask = pm_mask;
	tsc_set_reference(&pm_ref);
}

void acpi_pm_init(void)
{
	if (pm_port)
		clocksource_register(&pm_cs);
}
