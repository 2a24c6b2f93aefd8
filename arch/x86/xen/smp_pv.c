// SPDX-License-Identifier: GPL-2.0
/*
 * Xen PV bring-up.  A PV vCPU runs in ring 3 under Xen's segments, with
 * no IDT, GDT or TSS of its own to load: VCPUOP_initialise hands Xen the
 * whole of its state in a struct vcpu_guest_context, and VCPUOP_up runs
 * it.  The context names, for each vCPU:
 *
 * - a GDT page of its own (zeroed: the kernel runs on Xen's flat
 *   selectors), read-only in every mapping and named by machine frame;
 * - its kernel stack (kernel_ss:kernel_sp) and entry rip/rsp, with IOPL
 *   1 as the boot vCPU has (PHYSDEVOP_set_iopl);
 * - the page directory in use, by machine frame (xen_pfn_to_cr3);
 * - the event and failsafe callbacks and the trap table (per vCPU in Xen:
 *   the boot vCPU's set_trap_table does not reach the others);
 * - the GS base: its struct percpu, so this_cpu() works from the first
 *   instruction.
 *
 * Before it starts, the boot CPU registers the vCPU's own vcpu_info
 * (masked: the PV interrupt flag), sets up its events, binds its IPI
 * port and its VIRQ_TIMER and gives it its time record.  TLB shootdown is one
 * MMUEXT_INVLPG_MULTI with a mask of vCPUs instead of a cross-call.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

#define PV_GDT_ENTRIES		16
#define X86_EFLAGS_IOPL_1	(1UL << 12)

bool xen_pv_flush_by_hypercall;

/* One vCPU is started at a time: its context (5 KiB) need not be on a stack. */
static struct vcpu_guest_context ctxt;

/*
 * A zeroed GDT page, mapped read-only before Xen is asked to take it as
 * a descriptor page (it refuses one with a writable mapping).  The
 * direct map is the only mapping of an allocator page.
 */
static unsigned long xen_pv_gdt_frame(void)
{
	void *gdt = alloc_pages(1);
	unsigned long mfn;
	long err;

	if (!gdt)
		return 0;
	memset(gdt, 0, PAGE_SIZE);
	mfn = virt_to_machine(gdt) >> PAGE_SHIFT;
	err = HYPERVISOR_update_va_mapping((unsigned long)gdt,
					   ((u64)mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED,
					   UVMF_INVLPG | UVMF_ALL);
	if (err) {
		pr_warn("xen: GDT page read-only: %s\n", xen_strerror(err));
		free_pages(gdt, 1);
		return 0;
	}
	return mfn;
}

/* The trap table the boot vCPU gave Xen, by vector (address 0 ends it). */
static void xen_pv_copy_traps(struct trap_info *to)
{
	const struct trap_info *t = xen_pv_trap_table();

	for (unsigned int i = 0; i < 256 && t[i].address; i++)
		to[t[i].vector] = t[i];
}

/* Where a new vCPU begins, on its stack, events masked, GS base set. */
static void __attribute__((noreturn)) xen_pv_secondary(void)
{
	struct percpu *p = this_cpu();

	if (x86_init.cpu_init)
		x86_init.cpu_init(p->cpu);
	/* Its clock event: its own vCPU's timer (xen_timer_bind_cpu()). */
	timer_cpu_init();
	__atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
	smp_idle();
}

static bool xen_pv_fill_context(unsigned int cpu, void *stack_top)
{
	unsigned long gdt_mfn = xen_pv_gdt_frame();
	struct cpu_user_regs *r = &ctxt.user_regs;

	if (!gdt_mfn)
		return false;
	memset(&ctxt, 0, sizeof(ctxt));
	ctxt.flags = VGCF_in_kernel;
	r->rip = (u64)xen_pv_secondary;
	r->rsp = (u64)stack_top - 8;	/* as if called: rsp + 8 is 16-byte aligned */
	r->rflags = X86_EFLAGS_IOPL_1;	/* events stay masked by the vcpu_info */
	r->cs = FLAT_KERNEL_CS;
	r->ss = FLAT_KERNEL_SS;
	xen_pv_copy_traps(ctxt.trap_ctxt);
	ctxt.gdt_frames[0] = gdt_mfn;
	ctxt.gdt_ents = PV_GDT_ENTRIES;
	ctxt.kernel_ss = FLAT_KERNEL_SS;
	ctxt.kernel_sp = (u64)stack_top;
	ctxt.ctrlreg[3] = xen_pfn_to_cr3(pfn_to_mfn(read_cr3() >> PAGE_SHIFT));
	ctxt.event_callback_eip = (u64)xen_pv_callback;
	ctxt.failsafe_callback_eip = (u64)xen_pv_failsafe;
	ctxt.gs_base_kernel = (u64)&percpu_area[cpu];
	return true;
}

static bool xen_pv_start(unsigned int cpu, void *stack_top, void *arg)
{
	unsigned int vcpu = xen_smp_vcpu_id(arg);
	struct vcpu_info *vi = xen_smp_prepare_vcpu(&xen_pv_mode, cpu, vcpu);

	if (!vi)
		return false;
	/* Events masked until it enables them itself: "cli" at its start. */
	WRITE_ONCE(vi->evtchn_upcall_mask, 1);
	xen_pv_vcpu[cpu] = vi;
	if (!xen_pv_fill_context(cpu, stack_top))
		return false;
	/* No periodic VIRQ_TIMER to wake it for nothing (its timer is single-shot). */
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, vcpu, NULL);
	return xen_smp_up(vcpu, &ctxt);
}

static const struct smp_starter xen_pv_starter = {
	.name = "vcpu",
	.id = xen_smp_vcpu_id,
	.start = xen_pv_start,
	.stop = xen_smp_stop,
};

/*
 * The TLB shootdown: INVLPG of va on every vCPU in the mask, done by Xen
 * in one hypercall (it flushes the physical CPUs they last ran on), not
 * by a cross-call that each target must be scheduled to answer.
 */
static int xen_pv_flush_tlb_multi(const struct cpumask *mask, unsigned long va)
{
	xen_ulong_t vcpus[DIV_ROUND_UP(NR_CPUS, 8 * sizeof(xen_ulong_t))] = { 0 };
	struct mmuext_op op = {
		.cmd = MMUEXT_INVLPG_MULTI,
		.arg1.linear_addr = va,
	};
	const unsigned int bits = 8 * sizeof(xen_ulong_t);
	unsigned int c;
	long err;

	for_each_cpu_in(c, mask) {
		if (cpu_online(c))
			vcpus[xen_cpu_vcpu[c] / bits] |= (xen_ulong_t)1 << (xen_cpu_vcpu[c] % bits);
	}
	set_xen_guest_handle(op.arg2.vcpumask, vcpus);
	err = HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
	if (err) {
		pr_err("xen: MMUEXT_INVLPG_MULTI %#lx: %s\n", va, xen_strerror(err));
		return -EIO;
	}
	return 0;
}

void xen_pv_smp_init(void)
{
	unsigned int nr = xen_smp_cpus(), cpu = 1;

	if (nr < 2)
		return;
	smp_prepare_cpus();
	/* No APIC: the vCPU number names the CPU (and picks its IPI port). */
	percpu_area[0].apic_id = xen_cpu_vcpu[0];
	if (xen_smp_bind_ipi(0))
		pr_warn("xen: vcpu 0 gets no IPI port\n");
	xen_spin_init(xen_vcpu);
	for (unsigned int vcpu = 1; vcpu < nr && cpu < NR_CPUS; vcpu++) {
		if (smp_start_cpu(cpu, vcpu, &xen_pv_starter, &vcpu))
			cpu++;
	}
	smp_report_up(nr);
	xen_smp_use_ipi_ports();
	xen_timer_report();
	if (nr_cpus_online > 1 && param_get_ull("xen_pv_tlb_flush", 1)) {
		pv_ops.mmu.flush_tlb_multi = xen_pv_flush_tlb_multi;
		xen_pv_flush_by_hypercall = true;
		pr_info("xen: TLB shootdown by MMUEXT_INVLPG_MULTI\n");
	}
}
