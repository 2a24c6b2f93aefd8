/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen hypercalls, issued directly: vmcall or vmmcall by CPU vendor for
 * PVH and HVM guests, without a hypercall page (Linux dropped its page in
 * December 2024 after XSA-466).  The 64-bit ABI: number in rax, arguments
 * in rdi, rsi, rdx, r10, r8; the result in rax.  The numbers and
 * structures are Xen's public interface from libxen-dev.
 */
#ifndef _XEN_HYPERCALL_H
#define _XEN_HYPERCALL_H

#include <pvkit/types.h>
#include <xen/interface/xen.h>
#include <xen/interface/sched.h>
#include <xen/interface/version.h>
#include <xen/interface/memory.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/hvm/params.h>
#include <xen/interface/grant_table.h>

/* Set once at detection: AMD and Hygon CPUs take vmmcall. */
extern bool xen_hypercall_amd;

static inline long xen_hypercall3(unsigned long nr, unsigned long a1,
				  unsigned long a2, unsigned long a3)
{
	long ret;

	if (xen_hypercall_amd)
		__asm__ __volatile__("vmmcall"
				     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
				     : "a"(nr) : "memory", "rcx", "r8", "r9", "r10", "r11");
	else
		__asm__ __volatile__("vmcall"
				     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
				     : "a"(nr) : "memory", "rcx", "r8", "r9", "r10", "r11");
	return ret;
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

/* A readable name for a hypercall's negative errno. */
const char *xen_strerror(long err);

#endif
