/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pvclock ABI shared by KVM's kvmclock and Xen's vcpu_time_info
 * (xen/xen.h from libxen-dev describes the structure; KVM uses the same
 * layout, Documentation/virt/kvm/x86/msr.rst).
 */
#ifndef _ASM_X86_PVCLOCK_H
#define _ASM_X86_PVCLOCK_H

#include <pvkit/types.h>
#include <xen/interface/xen.h>

#define PVCLOCK_TSC_STABLE_BIT	XEN_PVCLOCK_TSC_STABLE_BIT
/*
 * KVM's own flag (Documentation/virt/kvm/x86/msr.rst; Xen never sets it):
 * the host paused the guest (QEMU's stop, a live migration) and asks it
 * not to count the pause as a lockup.  The guest clears it.
 */
#define PVCLOCK_GUEST_STOPPED	(1 << 1)

/* Nanoseconds of system time, version-checked against a concurrent update. */
u64 pvclock_read(const volatile struct vcpu_time_info *ti, u8 *flags);
/* Forgets the latest reading (the clamp): after a resume in a new domain. */
void pvclock_resume(void);
/* Clears PVCLOCK_GUEST_STOPPED in ti; whether it was set. */
bool pvclock_clear_stopped(volatile struct vcpu_time_info *ti);
/* The TSC frequency the hypervisor's scale factors imply, in kHz. */
u32 pvclock_tsc_khz(const volatile struct vcpu_time_info *ti);

#endif
