// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen backend: what runs when CPUID names Xen.  So far the
 * hypercall layer, the version, the console (drivers/tty/hvc_xen.c) and
 * the way out: a domU asks Xen to shut it down; the initial domain, which
 * would only stop Xen's machine, leaves through the debug-exit port.
 */
#include <pvkit/kernel.h>
#include <asm/hypervisor.h>
#include <asm/processor.h>
#include <asm/tsc.h>
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

static void xen_init_platform(void)
{
	long ver;
	char extra[XEN_EXTRAVERSION_LEN] = "";

	if (!xen_hypercalls_ready())
		xen_init_hypercalls();
	ver = HYPERVISOR_xen_version(XENVER_version, NULL);
	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = '\0';
	pr_info("xen: version %ld.%ld%s, %s, hypercalls by %s\n", ver >> 16,
		ver & 0xffff, extra, xen_initial_domain() ? "initial domain" : "guest",
		xen_hypercall_amd ? "vmmcall" : "vmcall");
	xen_tsc_khz();
}

const struct hypervisor_x86 x86_hyper_xen = {
	.name = "xen",
	.signature = "XenVMMXenVMM",
	.priority = 100,
	.init_platform = xen_init_platform,
	.machine_exit = xen_machine_exit,
};
