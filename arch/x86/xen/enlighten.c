// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen backend for PVH (and HVM): hypercalls, shared_info mapped with
 * XENMEM_add_to_physmap, vcpu_info registered with VCPUOP, the event
 * upcall on a vector, Xen time; the console is drivers/tty/hvc_xen.c.
 * A PV guest (enlighten_pv.c) shares the descriptor and the part after
 * shared_info is reachable.
 * The way out: a domU asks Xen to shut it down; the initial domain, which
 * would only stop Xen's machine, leaves through the debug-exit port.
 */
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <asm/hypervisor.h>
#include <asm/irq_vectors.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

static void xen_machine_exit(int status)
{
	struct sched_shutdown sd = {
		.reason = status == EXIT_OK ? SHUTDOWN_poweroff : SHUTDOWN_crash,
	};

	if (xen_initial_domain())
		return;			/* the native way: the debug-exit port */
	HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
}

/* Xen's CPUID leaf 3, sub-leaf 0: ecx is the guest's TSC frequency in kHz. */
static void xen_tsc_khz(void)
{
	struct cpuid_regs r;

	if (x86_hyper.max_leaf < x86_hyper.base + 3)
		return;
	xen_cpuid(x86_hyper.base + 3, 0, &r);
	if (r.ecx)
		tsc_set_khz(r.ecx, "Xen CPUID leaf 3");
}

static struct vcpu_info vcpu0_info __aligned(64);
struct shared_info *xen_shared_info;

/*
 * A frame of Xen's (shared_info, a grant-table frame) placed in our
 * physical address space, in place of a page of ours; NULL on failure.
 */
void *xen_map_frame(unsigned int space, unsigned long idx)
{
	void *page;
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = space,
		.idx = idx,
	};
	long err;

	/* A PV guest has no physical address space of Xen's to place it in. */
	if (xen_pv_domain())
		return xen_pv_map_frame(space, idx);
	page = alloc_pages(1);
	if (!page)
		return NULL;
	xatp.gpfn = virt_to_phys(page) >> PAGE_SHIFT;
	err = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (err) {
		pr_err("xen: mapping space %u frame %lu: %s\n", space, idx, xen_strerror(err));
		free_pages(page, 1);	/* nothing was placed over it */
		return NULL;
	}
	return page;
}

static int map_shared_info(void)
{
	xen_shared_info = xen_map_frame(XENMAPSPACE_shared_info, 0);
	return xen_shared_info ? 0 : -1;
}

/*
 * Our own vcpu_info, not the fixed slot in shared_info (which stops at
 * 32 vCPUs).  Xen wants its frame number: the machine one for PV.
 */
struct vcpu_info *xen_register_vcpu_info(struct vcpu_info *fallback)
{
	u64 addr = xen_pv_domain() ? virt_to_machine(&vcpu0_info) : virt_to_phys(&vcpu0_info);
	struct vcpu_register_vcpu_info info = {
		.mfn = addr >> PAGE_SHIFT,
		.offset = addr & (PAGE_SIZE - 1),
	};
	long err = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &info);

	if (err) {
		pr_warn("xen: VCPUOP_register_vcpu_info: %s; using shared_info's slot\n",
			xen_strerror(err));
		return fallback;
	}
	return &vcpu0_info;
}

/* PVH and HVM: the upcall is a vector of ours (HVM_PARAM_CALLBACK_IRQ, type vector). */
long xen_arch_setup_upcall(void)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = (2ULL << 56) | HYPERVISOR_CALLBACK_VECTOR,
	};

	if (xen_pv_domain())
		return xen_pv_setup_upcall();
	return HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

static const char *const insn_names[] = {
	[XEN_HYPERCALL_VMCALL] = "vmcall",
	[XEN_HYPERCALL_VMMCALL] = "vmmcall",
	[XEN_HYPERCALL_SYSCALL] = "syscall",
};

/* Once shared_info and a vcpu_info are reachable: events, time, grants. */
void xen_common_init(struct vcpu_info *vcpu)
{
	xen_events_init(xen_shared_info, vcpu);
	xen_time_init(vcpu);
	gnttab_init();
}

static void xen_init_platform(void)
{
	long ver;
	char extra[XEN_EXTRAVERSION_LEN] = "";

	if (!xen_hypercalls_ready())
		xen_init_hypercalls();
	ver = HYPERVISOR_xen_version(XENVER_version, NULL);
	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = '\0';
	xen_hvm_detect_device_model();
	pr_info("xen: version %ld.%ld%s, %s %s, hypercalls by %s\n", ver >> 16,
		ver & 0xffff, extra, xen_mode_name(),
		xen_initial_domain() ? "initial domain" : "guest",
		insn_names[xen_hypercall_insn]);
	xen_tsc_khz();
	if (xen_pv_domain()) {
		xen_pv_init_platform();
		return;
	}
	if (map_shared_info())
		return;
	/*
	 * Only once Xen's side works (no shared_info: no split drivers, so
	 * the emulated disks stay); still before any bus is enumerated.
	 */
	if (xen_hvm_device_model()) {
		xen_hvm_unplug_emulated();
		pr_info("xen: device model present: %s\n", xen_unplug_result_name());
	}
	xen_common_init(xen_register_vcpu_info(&xen_shared_info->vcpu_info[0]));
}

const struct hypervisor_x86 x86_hyper_xen = {
	.name = "xen",
	.signature = "XenVMMXenVMM",
	.priority = 100,
	.init_platform = xen_init_platform,
	.machine_exit = xen_machine_exit,
};
