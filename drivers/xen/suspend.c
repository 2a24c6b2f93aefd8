// SPDX-License-Identifier: GPL-2.0
/*
 * Suspend and resume (xl save, xl restore, xl save -c), the generic
 * sequence, as Linux's do_suspend(): the toolstack wrote "suspend" into
 * control/shutdown, manage.c acknowledged it, and the next xenbus_poll()
 * runs us first thing, in process context.  pvkit has no threads:
 * while this runs nothing else submits work, and what is in flight stays
 * where it is.
 *
 *   1. the frontends stop taking new work and mask their ports (what is
 *      in flight stays queued, for resubmission);
 *   2. the console is flushed, interrupts go off, and the Xen backend does
 *      its part (arch/x86/xen/suspend.c): the mode's pre_suspend,
 *      SCHEDOP_shutdown(suspend), whose result tells a new domain (0:
 *      xl restore) from the same one (1: xl save -c, or a failed save);
 *      in a new domain it remaps shared_info and the grant frames,
 *      registers vcpu_info, rebuilds the event channels and the upcall,
 *      finds the console ring again and rebinds the timer;
 *   3. same domain: the frontends go on where they were.  New domain:
 *      xenstore's ring and port are read again and the watches set again,
 *      then each frontend reconnects to its new backend (the handshake of
 *      xenbus_follow_otherend(), which a backend that leaves and comes
 *      back gets too) and resubmits what was in flight.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/irqflags.h>
#include <pvkit/time.h>
#include <xen/manage.h>
#include <xen/xenbus.h>

static void xen_do_suspend(const struct xen_suspend_handler *h)
{
	u64 t0 = ktime_get_ns(), down_ns = 0;
	unsigned long flags;
	int ret;

	xenbus_suspend();
	pr_info("xen: suspend: frontends quiesced, suspending\n");
	console_flush();
	flags = local_irq_save();
	ret = h->suspend(&down_ns);
	local_irq_restore(flags);
	if (ret < 0) {
		pr_err("xen: suspend refused by the backend (%d): the domain goes on\n", ret);
		xenbus_suspend_cancel();
		return;
	}
	if (ret) {
		pr_info("xen: suspend cancelled: the same domain goes on, %llu ms later by Xen's clock\n",
			down_ns / NSEC_PER_MSEC);
		xenbus_suspend_cancel();
		return;
	}
	pr_info("xen: resumed in a new domain, %llu ms after the suspend by Xen's clock (not counted by the monotonic clock)\n",
		down_ns / NSEC_PER_MSEC);
	if (xs_resume()) {
		pr_err("xen: resume: no xenstore: the frontends cannot reconnect\n");
		return;
	}
	xenbus_resume();
	pr_info("xen: resume done, %llu ms of the guest's own time from the request\n",
		(ktime_get_ns() - t0) / NSEC_PER_MSEC);
}

void xen_suspend_poll(void)
{
	const struct xen_suspend_handler *h = xen_suspend_handler();

	if (!xen_suspend_take_request() || !h)
		return;
	xen_do_suspend(h);
}
