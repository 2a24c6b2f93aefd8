/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 vector space: 0-31 exceptions, 0x20-0x2f the (masked) 8259s,
 * 0x30-0xef handed out to devices, 0xf0-0xfe fixed system vectors,
 * 0xff the APIC spurious vector.
 */
#ifndef _ASM_X86_IRQ_VECTORS_H
#define _ASM_X86_IRQ_VECTORS_H

#define NR_VECTORS		256
#define FIRST_EXTERNAL_VECTOR	0x20
#define PIC_VECTOR_BASE		0x20
#define FIRST_DEVICE_VECTOR	0x30
#define LAST_DEVICE_VECTOR	0xef
#define HYPERVISOR_CALLBACK_VECTOR 0xf3
#define CALL_FUNCTION_VECTOR	0xfb	/* IPIs: cross-calls (smp.c) */
#define LOCAL_TIMER_VECTOR	0xec
#define SPURIOUS_APIC_VECTOR	0xff

#endif
