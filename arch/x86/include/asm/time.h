/* SPDX-License-Identifier: GPL-2.0 */
/* The x86 time devices arch_time_init() brings up. */
#ifndef _ASM_X86_TIME_H
#define _ASM_X86_TIME_H

#ifdef CONFIG_ACPI
void hpet_early_init(void);
void hpet_init(void);
void acpi_pm_early_init(void);
void acpi_pm_init(void);
#else
/* The HPET and the PM timer are found through ACPI's tables: none without. */
static inline void hpet_early_init(void) {}
static inline void hpet_init(void) {}
static inline void acpi_pm_early_init(void) {}
static inline void acpi_pm_init(void) {}
#endif
void pit_early_init(void);
bool pit_wanted(void);
void pit_init(void);

#endif
