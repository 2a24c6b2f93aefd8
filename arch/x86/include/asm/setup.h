/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_SETUP_H
#define _ASM_X86_SETUP_H

#include <pvkit/bootinfo.h>

void trap_init(void);
/* CPU detection and the parts of the platform start_kernel needs first. */
void arch_setup(struct boot_info *bi);

/*
 * Platform set-up a backend that must act before start_kernel (Xen PV,
 * which has no local APIC or I/O APIC to drive) may replace.
 */
struct x86_init_ops {
	void (*intr_init)(void);	/* the interrupt controllers */
	void (*timer_init)(void);	/* the last clock event device: the LAPIC timer */
	/* Starts the other CPUs; NULL where their bring-up is not built (Xen). */
	void (*smp_init)(void);
	/* How many CPUs smp_init should have online; NULL: the MADT's enabled ones. */
	unsigned int (*smp_cpus)(void);
	/*
	 * A secondary CPU's own enlightenments (KVM: steal time, PV EOI),
	 * run on it before it is marked online; NULL: none.
	 */
	void (*cpu_init)(unsigned int cpu);
};
extern struct x86_init_ops x86_init;

/* INIT-SIPI-SIPI for every CPU the MADT lists (smpboot.c); none without SMP. */
#ifdef CONFIG_SMP
void native_smp_init(void);
#else
#define native_smp_init		NULL
#endif

#endif
