/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen hypercalls, issued directly: vmcall or vmmcall by CPU vendor for
 * PVH and HVM guests, syscall for a PV guest, without a hypercall page
 * (Linux dropped its page in December 2024 after XSA-466).  The 64-bit
 * ABI: number in rax, arguments in rdi, rsi, rdx, r10, r8; the result in
 * rax; syscall clobbers rcx and r11.  The numbers and structures are
 * Xen's public interface from libxen-dev.
 */
#ifndef _XEN_HYPERCALL_H
#define _XEN_HYPERCALL_H

#include <pvkit/types.h>
#include <xen/xen.h>
#include <xen/interface/xen.h>
#include <xen/interface/sched.h>
#include <xen/interface/version.h>
#include <xen/interface/memory.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/hvm/params.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/callback.h>
#include <xen/interface/physdev.h>

/* The instruction, set once: vmmcall on AMD and Hygon, vmcall on Intel, syscall in PV. */
enum xen_hypercall_insn {
	XEN_HYPERCALL_VMCALL,
	XEN_HYPERCALL_VMMCALL,
	XEN_HYPERCALL_SYSCALL,
};
extern enum xen_hypercall_insn xen_hypercall_insn;
/* Set once by the entry that knows the mode (xen_init_hypercalls for PVH and HVM). */
void xen_start_hypercalls(enum xen_domain_type type, enum xen_hypercall_insn insn);

#ifdef __HOST_TEST__
/* Host-built tests and fuzzers play the hypervisor: a function of theirs. */
long xen_hypercall5(unsigned long nr, unsigned long a1, unsigned long a2,
		    unsigned long a3, unsigned long a4, unsigned long a5);
#else
/* One asm for the three instructions: they differ in nothing else. */
#define __xen_hypercall(insn)						\
	__asm__ __volatile__(insn					\
			     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3),	\
			       "+r"(r10), "+r"(r8)			\
			     : "a"(nr) : "memory", "rcx", "r9", "r11")

static inline long xen_hypercall5(unsigned long nr, unsigned long a1,
				  unsigned long a2, unsigned long a3,
				  unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret;

	switch (xen_hypercall_insn) {
	case XEN_HYPERCALL_SYSCALL:
		__xen_hypercall("syscall");
		break;
	case XEN_HYPERCALL_VMMCALL:
		__xen_hypercall("vmmcall");
		break;
	default:
		__xen_hypercall("vmcall");
		break;
	}
	return ret;
}
#endif

static inline long xen_hypercall3(unsigned long nr, unsigned long a1,
				  unsigned long a2, unsigned long a3)
{
	return xen_hypercall5(nr, a1, a2, a3, 0, 0);
}

static inline long HYPERVISOR_console_io(int cmd, int count, const char *buf)
{
	return xen_hypercall3(__HYPERVISOR_console_io, cmd, count, (unsigned long)buf);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_xen_version, cmd, (unsigned long)arg, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_sched_op, cmd, (unsigned long)arg, 0);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0);
}

static inline long HYPERVISOR_hvm_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_hvm_op, cmd, (unsigned long)arg, 0);
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop,
					     unsigned int count)
{
	return xen_hypercall3(__HYPERVISOR_grant_table_op, cmd, (unsigned long)uop, count);
}

/* PV only: page tables, traps, callbacks. */
static inline long HYPERVISOR_mmu_update(struct mmu_update *req, unsigned int count,
					 unsigned int *done, domid_t dom)
{
	return xen_hypercall5(__HYPERVISOR_mmu_update, (unsigned long)req, count,
			      (unsigned long)done, dom, 0);
}

static inline long HYPERVISOR_mmuext_op(struct mmuext_op *op, unsigned int count,
					unsigned int *done, domid_t dom)
{
	return xen_hypercall5(__HYPERVISOR_mmuext_op, (unsigned long)op, count,
			      (unsigned long)done, dom, 0);
}

static inline long HYPERVISOR_update_va_mapping(unsigned long va, u64 pte,
						unsigned long flags)
{
	return xen_hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

static inline long HYPERVISOR_set_trap_table(const struct trap_info *table)
{
	return xen_hypercall3(__HYPERVISOR_set_trap_table, (unsigned long)table, 0, 0);
}

static inline long HYPERVISOR_callback_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_callback_op, cmd, (unsigned long)arg, 0);
}

static inline long HYPERVISOR_physdev_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_physdev_op, cmd, (unsigned long)arg, 0);
}

/* A readable name for a hypercall's negative errno. */
const char *xen_strerror(long err);

#endif
