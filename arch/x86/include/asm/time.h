/* SPDX-License-Identifier: GPL-2.0 */
/* The x86 time devices arch_time_init() brings up. */
#ifndef _ASM_X86_TIME_H
#define _ASM_X86_TIME_H

void hpet_early_init(void);
void hpet_init(void);
void acpi_pm_early_init(void);
void acpi_pm_init(void);
void pit_early_init(void);
bool pit_wanted(bool tsc_told);
void pit_init(void);

#endif
