/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypervisor backends.  Detection reads CPUID.1:ECX[31] and the signature
 * leaves at 0x40000000 + 0x100 * i; several hypervisors may answer (Xen
 * and KVM move up one step when they also offer Hyper-V's interface), so
 * each backend has a priority and the highest one offered wins.
 * hypervisor=NAME on the command line picks one of those offered, or
 * "none" for the native ops.
 */
#ifndef _ASM_X86_HYPERVISOR_H
#define _ASM_X86_HYPERVISOR_H

#include <pvkit/compiler.h>
#include <pvkit/types.h>

struct cpuid_regs;

struct hypervisor_x86 {
	const char *name;		/* "kvm", "xen", ... and "native" */
	const char *signature;		/* 12 bytes at the signature leaf */
	int priority;
	/*
	 * Others offer its interface at the first base and their own above
	 * (Hyper-V's, by KVM and Xen): found there, the walk goes on.  Any
	 * other found at the first base ends it (each base is a CPUID, a VM
	 * exit).
	 */
	bool emulated;
	/* Installs the backend's pv_ops; NULL: the native ops stay. */
	void (*init_platform)(void);
	/* Hands the exit status over, if it has its own way; may return. */
	void (*machine_exit)(int status);
};

/*
 * Registers a descriptor: the struct itself goes into the x86_hypervisors
 * section, which hypervisor_select() walks.  A backend defines its own
 * beside its code, so a build without the backend does not know it:
 *
 *	DEFINE_HYPERVISOR(x86_hyper_kvm) = { .name = "kvm", ... };
 */
#define DEFINE_HYPERVISOR(var)						\
	static const struct hypervisor_x86 var				\
	__used __section("x86_hypervisors") __aligned(8)

/* A CPUID provider: the real instruction in the kernel, tables in tests. */
typedef void (*cpuid_fn)(u32 leaf, u32 subleaf, struct cpuid_regs *r);

struct hypervisor_match {
	const struct hypervisor_x86 *hv;
	u32 base;			/* the leaf base it answered at, 0 for native */
	u32 max_leaf;
	const char *note;		/* why the override was not honoured, or NULL */
	bool hypervisor_bit;		/* CPUID.1:ECX[31] */
	char first_signature[13];	/* raw, at 0x40000000, even if unknown */
};

void hypervisor_select(cpuid_fn cpuid, const char *override,
		       struct hypervisor_match *m);
const struct hypervisor_x86 *hypervisor_by_name(const char *name);

/* Not in the section: what runs when nothing else is chosen. */
extern const struct hypervisor_x86 x86_hyper_native;

/* The backend chosen at boot and the leaf base it answered at. */
extern struct hypervisor_match x86_hyper;
void init_hypervisor_platform(void);

/* Ring 0 runs in the hypervisor's instruction emulator (hypervisor.c). */
bool hypervisor_emulates_kernel(u64 *cycles);

static inline u32 hypervisor_cpuid_base(void)
{
	return x86_hyper.base;
}

#endif
