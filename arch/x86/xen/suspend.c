// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen backend's part of a suspend (drivers/xen/suspend.c runs the
 * sequence around it), as Linux's xen_suspend(): with interrupts off and
 * the frontends quiet, the mode's pre_suspend, then SCHEDOP_shutdown with
 * SHUTDOWN_suspend.  The hypercall returns in one of two domains:
 *
 *   1  the same one: xl save -c (a checkpoint) or a save that failed.
 *      Everything we had is still bound and mapped: nothing is redone
 *      but the next timer event.
 *   0  a new one, built by xl restore (or a migration's receiver) from
 *      our memory: Xen's side is all new.  shared_info and the grant
 *      frames are mapped again, vcpu_info registered, the event channels
 *      set up afresh (FIFO's control block too) with the upcall, the
 *      console ring found again, VIRQ_TIMER bound; the generic code then
 *      reconnects xenstore and the frontends.
 *
 * The other CPUs are parked first, as Linux's stop_machine() holds them
 * around its xen_suspend(): each spins in a task of its idle loop with
 * interrupts off, and Xen saves their vCPUs' state where they spin.  In
 * a new domain they go on spinning there, but Xen knows nothing of them
 * any more: vCPU 0 takes each down (VCPUOP_down: Xen registers a
 * vcpu_info only for the calling vCPU or one that is down), registers
 * its vcpu_info again, gives it its events (FIFO: a control block), its
 * IPI and lock ports and time record, and brings it up again where it
 * spun (Linux's xen_vcpu_restore() and restore_cpu_ipis()); vCPU 0's own
 * IPI and lock ports are bound again too.  Then all are released, and
 * each programs its timer event again.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/irqflags.h>
#include <pvkit/time.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/manage.h>
#include <xen/xen.h>
#include "xen-ops.h"

static const struct xen_mode_ops *suspend_mode;

/* A secondary CPU parked this long is late under any load: the suspend is given up. */
#define PARK_TIMEOUT_NS		(60 * NSEC_PER_SEC)

/*
 * The parking: a generation per suspend, so that a CPU that parked too
 * late for one finds it released, not the next one's.
 */
static unsigned long park_gen, release_gen;
static unsigned int nr_parked;
/* In a new domain: the vcpu_info each parked CPU's events live in now. */
static struct vcpu_info *resumed_vi[NR_CPUS];

static const char *xen_suspend_refuses(void)
{
	unsigned int c;

	for_each_online_cpu(c) {
		if (c && !smp_task_done(c))
			return "a CPU runs a task that cannot be parked";
	}
	return NULL;
}

/* A secondary CPU's idle-loop task: spin, interrupts off, until released. */
static void park_cpu(void *arg)
{
	unsigned long gen = (unsigned long)arg, flags = local_irq_save();
	unsigned int cpu = smp_processor_id();

	__atomic_fetch_add(&nr_parked, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&release_gen, __ATOMIC_ACQUIRE) < gen)
		cpu_relax();
	/*
	 * PV: the interrupt flag is the event mask of the vcpu_info our
	 * events live in, which may be another one after a resume.
	 */
	if (resumed_vi[cpu] && suspend_mode->vcpu_info_moved)
		suspend_mode->vcpu_info_moved(resumed_vi[cpu]);
	resumed_vi[cpu] = NULL;
	/* Taken offline in the new domain, yet still running: down for good. */
	if (!cpu_online(cpu))
		xen_smp_cpu_dead(cpu);
	local_irq_restore(flags);
}

static void release_cpus(void)
{
	__atomic_store_n(&release_gen, park_gen, __ATOMIC_RELEASE);
}

/*
 * Every other online CPU parked, by an absolute deadline; 0, or -ETIMEDOUT
 * (those parked are released, the suspend is given up).  Interrupts off:
 * the park's IPI needs none of ours.
 */
static int park_cpus(void)
{
	u64 deadline = ktime_get_ns() + PARK_TIMEOUT_NS;
	unsigned int want = 0, c;
	int err = 0;

	park_gen++;
	__atomic_store_n(&nr_parked, 0, __ATOMIC_RELEASE);
	for_each_online_cpu(c) {
		if (c && !err)
			err = smp_task_start(c, park_cpu, (void *)park_gen);
		want += c && !err;
	}
	while (!err && __atomic_load_n(&nr_parked, __ATOMIC_ACQUIRE) < want) {
		if (ktime_get_ns() > deadline)
			err = -ETIMEDOUT;
		cpu_relax();
	}
	if (err) {
		pr_err("xen: suspend: %u of the other CPUs parked (%d): given up\n",
		       __atomic_load_n(&nr_parked, __ATOMIC_ACQUIRE), err);
		release_cpus();
	}
	return err;
}

static int resume_cpu(unsigned int cpu)
{
	struct vcpu_info *vi = xen_smp_resume_cpu(suspend_mode, cpu);

	resumed_vi[cpu] = vi;
	return vi ? 0 : -EIO;
}

/* vCPU 0's IPI and lock ports, then every parked CPU's Xen side. */
static void resume_cpus(struct vcpu_info *vcpu0)
{
	unsigned int c, n = 1, want = nr_cpus_online;

	if (want < 2)
		return;
	/* A CPU without its ports or vcpu_info counts as not back (and is taken offline). */
	if (xen_smp_resume_boot_cpu(vcpu0))
		n = 0;
	for_each_online_cpu(c) {
		if (c && !resume_cpu(c))
			n++;
	}
	pr_info("xen: resume: %u of %u CPUs have their vcpu_info, events and IPI ports again\n",
		n, want);
}

/* Released, each sets its timer event again (xen_timer_resume_others()). */
static void unpark_cpus(void)
{
	release_cpus();
	xen_timer_resume_others();
}

static int xen_suspend_enter(u64 *down_ns)
{
	const struct xen_mode_ops *mode = suspend_mode;
	struct sched_shutdown sd = { .reason = SHUTDOWN_suspend };
	struct vcpu_info *vcpu0;
	unsigned long arg = 0;
	long ret;
	int err;

	err = park_cpus();
	if (err)
		return err;
	err = mode->pre_suspend(&arg);
	if (err) {
		unpark_cpus();
		return err;
	}
	xen_time_suspend();
	ret = xen_hypercall5(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&sd, arg,
			     0, 0);
	/* An error is a suspend that did not happen: the same domain. */
	if (ret != 0)
		ret = 1;
	if (mode->post_suspend)
		mode->post_suspend(ret);
	if (ret) {
		xen_time_resume(false, down_ns);
		unpark_cpus();
		return 1;
	}
	vcpu0 = xen_resume_shared(mode);
	if (!vcpu0)
		panic("xen: resume: shared_info cannot be mapped in the new domain\n");
	/* Not before: the console ring's port was the old domain's until now. */
	if (xen_hvm_device_model())
		pr_info("xen: the new device model: %s\n", xen_unplug_result_name());
	xen_time_resume(true, down_ns);
	resume_cpus(vcpu0);
	/* Before the other CPUs run: none may see the old domain's table. */
	if (gnttab_ready() && gnttab_resume(mode))
		pr_err("xen: resume: the grant table cannot be mapped: no frontend can work\n");
	else if (gnttab_resumed_kept)
		pr_warn("xen: resume: %u of our grants survived in the new table\n",
			gnttab_resumed_kept);
	unpark_cpus();
	return 0;
}

static const struct xen_suspend_handler xen_suspend_handler_ops = {
	.refuses = xen_suspend_refuses,
	.suspend = xen_suspend_enter,
};

void xen_suspend_init(const struct xen_mode_ops *mode)
{
	suspend_mode = mode;
	xen_set_suspend_handler(&xen_suspend_handler_ops);
}
