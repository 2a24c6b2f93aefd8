// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen backend, what its modes share: the hypervisor descriptor,
 * the version line, the TSC frequency, shared_info and our own vcpu_info,
 * then events, Xen time and grant tables; the console is
 * drivers/tty/hvc_xen.c.  What differs between PV (enlighten_pv.c) and
 * PVH/HVM (enlighten_hvm.c) is a struct xen_mode_ops, chosen once here.
 * The way out: a domU asks Xen to shut it down; the initial domain, which
 * would only stop Xen's machine, leaves through the debug-exit port.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/irqflags.h>
#include <pvkit/shutdown.h>
#include <asm/hypervisor.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <asm/tsc.h>
#include <xen/events.h>
#include <xen/domain.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

/*
 * A requested shutdown (kernel/shutdown.c; e.g. the toolstack's
 * control/shutdown, drivers/xen/manage.c): the reason tells xl what to
 * do next (on_poweroff, on_reboot).  A ring console is read by another
 * domain that may go with us: it is flushed first.
 */
static void xen_sched_shutdown(unsigned int reason)
{
	struct sched_shutdown sd = { .reason = reason };
	long err;

	console_flush();
	err = HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
	pr_err("xen: SCHEDOP_shutdown(%u) returned: %s\n", reason, xen_strerror(err));
}

static void xen_power_off(void)
{
	xen_sched_shutdown(SHUTDOWN_poweroff);
}

static void xen_reboot(void)
{
	xen_sched_shutdown(SHUTDOWN_reboot);
}

static void xen_machine_exit(int status)
{
	if (xen_initial_domain())
		return;			/* the native way: the debug-exit port */
	xen_sched_shutdown(status == EXIT_OK ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}

/* Before the initcalls: ours win over ACPI's S5 (set_power_off_handler()). */
static void xen_set_shutdown_handlers(void)
{
	if (xen_initial_domain())
		return;			/* it would stop Xen's machine */
	set_power_off_handler(xen_power_off);
	set_reboot_handler(xen_reboot);
}

/* Xen's CPUID leaf 3, sub-leaf 0: ecx is the guest's TSC frequency in kHz. */
static void xen_tsc_khz(void)
{
	struct cpuid_regs r;

	if (x86_hyper.max_leaf < x86_hyper.base + 3)
		return;
	paravirt_cpuid(x86_hyper.base + 3, 0, &r);
	if (r.ecx)
		tsc_set_khz(r.ecx, "Xen CPUID leaf 3");
}

/* One per CPU, 64 bytes each and aligned to it: none crosses a page. */
struct vcpu_info xen_vcpu_info[NR_CPUS] __aligned(64);
struct shared_info *xen_shared_info;

/*
 * Our own vcpu_info for the vCPU, not the fixed slot in shared_info
 * (which stops at 32 vCPUs).  Xen wants its frame number, as the mode
 * names our memory.  Done for another vCPU before it is started.
 */
long xen_register_vcpu_info(const struct xen_mode_ops *mode, unsigned int vcpu,
			    struct vcpu_info *vi)
{
	u64 addr = mode->frame_addr(vi);
	struct vcpu_register_vcpu_info info = {
		.mfn = addr >> PAGE_SHIFT,
		.offset = addr & (PAGE_SIZE - 1),
	};
	long err = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &info);

	if (err)
		pr_warn("xen: VCPUOP_register_vcpu_info for vcpu %u: %s\n", vcpu,
			xen_strerror(err));
	return err;
}

static const char *const insn_names[] = {
	[XEN_HYPERCALL_VMCALL] = "vmcall",
	[XEN_HYPERCALL_VMMCALL] = "vmmcall",
	[XEN_HYPERCALL_SYSCALL] = "syscall",
};

/*
 * Once shared_info is mapped: our vcpu_info, events, time, grants.  The
 * event set-up unmasks the vCPU, which in PV is "sti": interrupts stay
 * off until all of it is in place.
 */
/* vCPU 0's vcpu_info: our own, or shared_info's slot where Xen refused ours. */
static struct vcpu_info *vcpu0_info(const struct xen_mode_ops *mode)
{
	struct vcpu_info *vcpu = &xen_vcpu_info[0];

	if (xen_register_vcpu_info(mode, 0, vcpu))
		vcpu = &xen_shared_info->vcpu_info[0];	/* it still works, up to 32 */
	if (mode->vcpu_info_moved)
		mode->vcpu_info_moved(vcpu);
	return vcpu;
}

static void xen_start_events(const struct xen_mode_ops *mode)
{
	struct vcpu_info *vcpu;
	unsigned long flags;

	xen_shared_info = mode->map_frame(XENMAPSPACE_shared_info, 0);
	if (!xen_shared_info)
		return;
	if (mode->shared_info_ready)
		mode->shared_info_ready();
	flags = local_irq_save();
	vcpu = vcpu0_info(mode);
	xen_events_init(xen_shared_info, vcpu, mode);
	xen_time_init(vcpu);
	gnttab_init(mode);
	local_irq_restore(flags);
}

/*
 * After a resume in a new domain, interrupts off, in the order of the
 * boot: shared_info where it was, vcpu_info, events, the console ring
 * (before anything is printed: its old port may be another's now), the
 * timer (xen_time_resume(), the caller's) and the grant frames.  vCPU
 * 0's vcpu_info, or NULL if the domain has no way to work (no
 * shared_info).
 */
struct vcpu_info *xen_resume_shared(const struct xen_mode_ops *mode)
{
	struct shared_info *si = mode->map_frame(XENMAPSPACE_shared_info, 0);
	struct vcpu_info *vcpu;

	if (!si)
		return NULL;
	xen_shared_info = si;
	vcpu = vcpu0_info(mode);
	xen_time_cpu_init(0, vcpu);
	xen_events_resume(si, vcpu, mode);
	xen_console_resume();
	return vcpu;
}

static void xen_init_platform(void)
{
	/* The one place that asks which mode: the rest goes through its ops. */
	const struct xen_mode_ops *mode = xen_pv_domain() ? &xen_pv_mode : &xen_hvm_mode;
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
	xen_set_shutdown_handlers();
	/*
	 * vCPUs come up by VCPUOP_up, not by INIT-SIPI: the mode's way, if
	 * built; a PVH initial domain too.  Xen 4.17's credit2 can leave a
	 * PVH dom0's vCPU waiting in its run queue, no CPU told, after a
	 * config write its vPCI traps (docs/smp.md: sched=credit or
	 * dom0_vcpus_pin avoid it); Xen's to fix, not ours to hide by
	 * keeping one vCPU.
	 */
	x86_init.smp_init = mode->smp_init;
	x86_init.smp_cpus = xen_smp_cpus;
	xen_start_events(mode);
	/* A domU whose mode can suspend (control/shutdown's "suspend": xl save). */
	if (!xen_initial_domain() && mode->pre_suspend && xen_shared_info)
		xen_suspend_init(mode);
}

DEFINE_HYPERVISOR(x86_hyper_xen) = {
	.name = "xen",
	.signature = "XenVMMXenVMM",
	.priority = 100,
	.init_platform = xen_init_platform,
	.machine_exit = xen_machine_exit,
};
