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
 * One CPU only: the other vCPUs would have to be parked and their
 * vcpu_info, control blocks and IPI ports rebuilt too (not done yet), so
 * a domain with more than one CPU online refuses, before acknowledging.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <asm/smp.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/manage.h>
#include <xen/xen.h>
#include "xen-ops.h"

static const struct xen_mode_ops *suspend_mode;

static const char *xen_suspend_refuses(void)
{
	if (nr_cpus_online > 1)
		return "more than one CPU online";
	return NULL;
}

static int xen_suspend_enter(u64 *down_ns)
{
	const struct xen_mode_ops *mode = suspend_mode;
	struct sched_shutdown sd = { .reason = SHUTDOWN_suspend };
	unsigned long arg = 0;
	long ret;
	int err;

	err = mode->pre_suspend(&arg);
	if (err)
		return err;
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
		return 1;
	}
	if (!xen_resume_shared(mode))
		panic("xen: resume: shared_info cannot be mapped in the new domain\n");
	xen_time_resume(true, down_ns);
	if (gnttab_ready() && gnttab_resume(mode))
		pr_err("xen: resume: the grant table cannot be mapped: no frontend can work\n");
	else if (gnttab_resumed_kept)
		pr_warn("xen: resume: %u of our grants survived in the new table\n",
			gnttab_resumed_kept);
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
