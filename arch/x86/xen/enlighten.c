// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen backend for PVH (and HVM): hypercalls, shared_info mapped with
 * XENMEM_add_to_physmap, vcpu_info registered with VCPUOP, the event
 * upcall on a vector, Xen time; the console is drivers/tty/hvc_xen.c.
 * The way out: a domU asks Xen to shut it down; the initial domain, which
 * would only stop Xen's machine, leaves through the debug-exit port.
 */
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <asm/hypervisor.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/xen.h>

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
	cpuid_count(x86_hyper.base + 3, 0, &r);
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
	void *page = alloc_pages(1);
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = space,
		.idx = idx,
	};
	long err;

	if (!page)
		return NULL;
	xatp.gpfn = virt_to_phys(page) >> PAGE_SHIFT;
	err = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (err) {
		pr_err("xen: mapping space %u frame %lu: %s\n", space, idx, xen_strerror(err));
		return NULL;
	}
	return page;
}

static int map_shared_info(void)
{
	xen_shared_info = xen_map_frame(XENMAPSPACE_shared_info, 0);
	return xen_shared_info ? 0 : -1;
}

/* Our own vcpu_info, not the fixed slot in shared_info (which stops at 32 vCPUs). */
static struct vcpu_info *register_vcpu_info(void)
{
	struct vcpu_register_vcpu_info info = {
		.mfn = virt_to_phys(&vcpu0_info) >> PAGE_SHIFT,
		.offset = virt_to_phys(&vcpu0_info) & (PAGE_SIZE - 1),
	};
	long err = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &info);

	if (err) {
		pr_warn("xen: VCPUOP_register_vcpu_info: %s; using shared_info's slot\n",
			xen_strerror(err));
		return &xen_shared_info->vcpu_info[0];
	}
	return &vcpu0_info;
}

static void xen_init_platform(void)
{
	long ver;
	char extra[XEN_EXTRAVERSION_LEN] = "";
	struct vcpu_info *vcpu;

	if (!xen_hypercalls_ready())
		xen_init_hypercalls();
	ver = HYPERVISOR_xen_version(XENVER_version, NULL);
	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = '\0';
	pr_info("xen: version %ld.%ld%s, %s, hypercalls by %s\n", ver >> 16,
		ver & 0xffff, extra, xen_initial_domain() ? "initial domain" : "guest",
		xen_hypercall_amd ? "vmmcall" : "vmcall");
	xen_tsc_khz();
	if (map_shared_info())
		return;
	vcpu = register_vcpu_info();
	xen_events_init(xen_shared_info, vcpu);
	xen_time_init(vcpu);
	gnttab_init();
}

const struct hypervisor_x86 x86_hyper_xen = {
	.name = "xen",
	.signature = "XenVMMXenVMM",
	.priority = 100,
	.init_platform = xen_init_platform,
	.machine_exit = xen_machine_exit,
};
