/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_KVM_GUEST_H
#define _ASM_X86_KVM_GUEST_H

#include <pvkit/types.h>


struct kvm_guest_state {
	u32 features;			/* CPUID base + 1, eax */
	u32 hints;			/* CPUID base + 1, edx */
	bool kvmclock;
	bool kvmclock_stable;
	unsigned int kvmclock_areas;	/* CPUs that registered their own area */
	bool steal_time;
	bool pv_eoi;
	bool vmmcall;			/* the hypercall instruction: vmmcall, else vmcall */
	bool hypercalls;		/* false where KVM cannot take them (PVM) */
	unsigned long pv_eoi_fast;	/* EOIs that needed no exit */
	unsigned long pv_eoi_slow;	/* EOIs written to the APIC */
	/* The multi-vCPU ops installed (kvm.c prints which, and why not). */
	bool pv_send_ipi;
	bool pv_tlb_flush;
	bool pv_unhalt;
	bool pv_sched_yield;
	/* Counted by every CPU, atomically: the tests and benchmarks read them. */
	unsigned long ipi_hypercalls;	/* KVM_HC_SEND_IPI issued */
	unsigned long ipi_fallbacks;	/* IPIs sent through the APIC after KVM refused */
	unsigned long flushes_deferred;	/* TLB flushes left to a preempted vCPU's entry */
	unsigned long lock_halts;	/* lock waits that halted */
	unsigned long lock_kicks;	/* KVM_HC_KICK_CPU issued */
	unsigned long yields;		/* KVM_HC_SCHED_YIELD issued */
};

extern struct kvm_guest_state kvm_guest;

/*
 * A KVM hypercall (KVM_HC_*); returns what KVM put in rax (-KVM_E* on
 * error), or -EOPNOTSUPP without trapping where hypercalls are off.
 */
long kvm_hypercall(unsigned int nr, unsigned long a0, unsigned long a1,
		   unsigned long a2, unsigned long a3);

/*
 * KVM_HC_SEND_IPI reaches the APIC IDs min to min + 127: a 128-bit
 * bitmap in its first two arguments, min in the third.
 */
#define KVM_IPI_CLUSTER_SIZE	128

struct kvm_ipi_cluster {
	u64 bitmap[2];
	u32 min;
};

/* Sends one cluster: what KVM returned (IPIs delivered, or -KVM_E*). */
typedef long (*kvm_ipi_send_fn)(const struct kvm_ipi_cluster *c, void *ctx);

/*
 * Covers the APIC IDs ids[0..n) (any order, repeats allowed) with as few
 * clusters as a single pass finds, each handed to send.  Returns how many
 * of ids[] went out: n, or the index of the first one in the cluster send
 * refused (*err its answer, else 0), for the caller to send another way.
 */
unsigned int kvm_ipi_clusters(const u32 *ids, unsigned int n, kvm_ipi_send_fn send,
			      void *ctx, long *err);

/*
 * True if the vCPU whose steal-time byte this is was preempted and now
 * carries KVM_VCPU_FLUSH_TLB: KVM flushes its TLB before it runs again,
 * so it needs no IPI.
 */
bool kvm_flush_deferred(u8 *preempted);

#endif
