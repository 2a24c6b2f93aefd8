/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_APIC_H
#define _ASM_X86_APIC_H

#include <pvkit/types.h>

#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVTTHMR	0x330
#define APIC_LVTPC	0x340
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

#define APIC_SVR_ENABLE		(1U << 8)
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_LVT_TIMER_ONESHOT	(0U << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2U << 17)
#define APIC_DM_FIXED		(0U << 8)
#define APIC_DM_NMI		(4U << 8)
#define APIC_DM_INIT		(5U << 8)
#define APIC_DM_STARTUP		(6U << 8)
#define APIC_INT_ASSERT		(1U << 14)
#define APIC_DEST_ALLBUT	(3U << 18)
#define APIC_DM_EXTINT		(7U << 8)

#define MSR_IA32_APICBASE	0x1b
#define APICBASE_BSP		(1ULL << 8)
#define APICBASE_X2APIC		(1ULL << 10)
#define APICBASE_ENABLE		(1ULL << 11)
#define MSR_IA32_TSC_DEADLINE	0x6e0

/* apic_id() where there is no local APIC: no APIC has this ID. */
#define APIC_ID_NONE	0xffffffffU

u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 val);
bool apic_present(void);
void apic_timer_early_init(void);
u32 apic_id(void);
bool apic_x2apic_mode(void);
void apic_init(void);
/* The APIC's own EOI write, whatever pv_ops.apic.eoi is now. */
void native_apic_eoi(void);
unsigned long apic_native_eoi_count(void);
void apic_timer_init(void);

/* IPIs beyond pv_ops.apic.send_ipi's fixed one, and starting CPUs. */
void apic_send_ipi_allbutself(u8 vector);
void apic_send_init(u32 apic_id);
void apic_send_startup(u32 apic_id, u32 start_phys);
void apic_init_secondary(void);

void ioapic_init(void);
void pic_mask_all(void);

#endif
