/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_KVM_GUEST_H
#define _ASM_X86_KVM_GUEST_H

#include <pvkit/types.h>


struct kvm_guest_state {
	u32 features;			/* CPUID base + 1, eax */
	u32 hints;			/* CPUID base + 1, edx */
	bool kvmclock;
	bool kvmclock_stable;
	bool steal_time;
	bool pv_eoi;
	bool vmmcall;			/* the hypercall instruction: vmmcall, else vmcall */
	bool hypercalls;		/* false where KVM cannot take them (PVM) */
	unsigned long pv_eoi_fast;	/* EOIs that needed no exit */
	unsigned long pv_eoi_slow;	/* EOIs written to the APIC */
};

extern struct kvm_guest_state kvm_guest;

/*
 * A KVM hypercall (KVM_HC_*); returns what KVM put in rax (-KVM_E* on
 * error), or -EOPNOTSUPP without trapping where hypercalls are off.
 */
long kvm_hypercall(unsigned int nr, unsigned long a0, unsigned long a1,
		   unsigned long a2, unsigned long a3);

#endif
