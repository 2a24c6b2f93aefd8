// SPDX-License-Identifier: GPL-2.0
/*
 * Xen PVH and HVM bring-up.  Xen starts each other vCPU directly in long
 * mode on our page tables (VCPUOP_initialise with a vcpu_hvm_context,
 * then VCPUOP_up): no real-mode trampoline, so nothing needs a free page
 * below 1 MiB.  The vCPU enters start_secondary(cpu) on its own stack
 * with null selectors, which trap_init_secondary() replaces by the
 * kernel's; from there on it is an ordinary secondary CPU with a local
 * APIC (Xen's).  Before it starts, the boot CPU registers its vcpu_info,
 * sets up its events (FIFO: its own control block) and binds its IPI
 * port and its VIRQ_TIMER (its clock event is Xen's timer, as CPU 0's);
 * IPIs are event channels once every CPU has its port (smp.c).
 */
#include <pvkit/kernel.h>
#include <asm/apic.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include <xen/interface/hvm/hvm_vcpu.h>
#include "xen-ops.h"

#define MSR_EFER		0xc0000080
#define X86_EFLAGS_FIXED	(1UL << 1)

static bool xen_hvm_start(unsigned int cpu, void *stack_top, void *ctx)
{
	unsigned int vcpu = xen_smp_vcpu_id(ctx);
	struct vcpu_hvm_context c = {
		.mode = VCPU_HVM_MODE_64B,
		.cpu_regs.x86_64 = {
			.rip = (u64)start_secondary,
			/* As if called: rsp + 8 is 16-byte aligned. */
			.rsp = (u64)stack_top - 8,
			.rdi = cpu,
			.rflags = X86_EFLAGS_FIXED,	/* interrupts off */
			.cr0 = read_cr0(),
			.cr3 = read_cr3(),
			.cr4 = read_cr4(),
			.efer = paravirt_read_msr(MSR_EFER),
		},
	};

	return xen_smp_prepare_vcpu(&xen_hvm_mode, cpu, vcpu) && xen_smp_up(vcpu, &c);
}

static const struct smp_starter xen_hvm_starter = {
	.name = "vcpu",
	.id = xen_smp_vcpu_id,
	.start = xen_hvm_start,
	.stop = xen_smp_stop,
};

void xen_hvm_smp_init(void)
{
	unsigned int nr = xen_smp_cpus(), cpu = 1;

	if (nr < 2)
		return;
	smp_prepare_cpus();
	if (xen_smp_bind_ipi(0))
		pr_warn("xen: vcpu 0 gets no IPI port\n");
	/*
	 * CPU 0's vcpu_info: our own if Xen took it at boot (it has written
	 * a time record there since), else shared_info's slot.
	 */
	xen_spin_init(READ_ONCE(xen_vcpu_info[0].time.version) ? &xen_vcpu_info[0] :
		      &xen_shared_info->vcpu_info[0]);
	for (unsigned int vcpu = 1; vcpu < nr; vcpu++) {
		if (smp_start_cpu(cpu, APIC_ID_NONE, &xen_hvm_starter, &vcpu))
			cpu++;
	}
	smp_report_up(nr);
	xen_smp_use_ipi_ports();
	xen_timer_report();
}
