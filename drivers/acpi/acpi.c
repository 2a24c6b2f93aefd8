// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's own ACPI tables, through the direct map.  Kept apart from
 * tables.c so that the parser itself stays buildable on the host.
 */
#include <asm/page.h>
#include <pvkit/acpi.h>
#include <pvkit/bootinfo.h>

static struct acpi_info acpi_info;
static bool acpi_parsed;
static bool acpi_ok;

/* Firmware tables live in the first 4 GiB, all of it in the direct map. */
static const void *acpi_direct_map(u64 phys, size_t len)
{
	if (phys >= DIRECT_MAP_SIZE || len > DIRECT_MAP_SIZE - phys)
		return NULL;
	return phys_to_virt(phys);
}

const struct acpi_info *acpi_get(void)
{
	if (!acpi_parsed) {
		acpi_parsed = true;
		acpi_ok = boot_info.rsdp &&
			  !acpi_parse(boot_info.rsdp, acpi_direct_map, &acpi_info);
	}
	return acpi_ok ? &acpi_info : NULL;
}
