/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen control (drivers/xen/manage.c): what the toolstack asks of the
 * domain in xenstore's control/shutdown (xl shutdown, reboot, save).
 */
#ifndef _XEN_MANAGE_H
#define _XEN_MANAGE_H

#include <pvkit/types.h>

#define XEN_CONTROL_PATH	"control/shutdown"
/* Longer than any word of the protocol: a longer value is refused. */
#define XEN_CONTROL_VALUE_MAX	16

enum xen_control_cmd {
	XEN_CONTROL_NONE,	/* empty or absent: nothing asked (or our acknowledgement) */
	XEN_CONTROL_POWEROFF,
	XEN_CONTROL_REBOOT,
	XEN_CONTROL_HALT,	/* a poweroff, as Linux takes it */
	XEN_CONTROL_SUSPEND,	/* xl save, migrate (where the backend can: below) */
	XEN_CONTROL_INVALID,	/* a word we do not know, or not a string */
};

/* What the len bytes of value (a xenstore reply) ask for. */
enum xen_control_cmd xen_control_parse(const char *value, int len);
const char *xen_control_name(enum xen_control_cmd cmd);
/*
 * The Xen backend's part of a suspend (arch/x86/xen/suspend.c), set at
 * boot where its mode can suspend.
 */
struct xen_suspend_handler {
	/* Why the domain cannot suspend right now (NULL: it can). */
	const char *(*refuses)(void);
	/*
	 * With interrupts off: the mode's pre_suspend, SCHEDOP_shutdown
	 * (suspend), and in a new domain shared_info, vcpu_info, events,
	 * the console, time and grants again.  Returns 1 (cancelled: the
	 * same domain goes on), 0 (resumed in a new domain) or -errno
	 * (refused before the hypercall: nothing changed).  *down_ns is the
	 * time the hypercall took by Xen's clock.
	 */
	int (*suspend)(u64 *down_ns);
};
void xen_set_suspend_handler(const struct xen_suspend_handler *h);
/* Why a suspend asked now would be refused, or NULL. */
const char *xen_suspend_refused(void);
/*
 * A suspend acknowledged (control/shutdown) and not yet carried out:
 * true once, then it is the caller's to run (drivers/xen/suspend.c).
 */
bool xen_suspend_take_request(void);
const struct xen_suspend_handler *xen_suspend_handler(void);
/*
 * From xenbus_poll(), in process context, after the watches ran: carries
 * out a suspend the toolstack asked for and an earlier call acknowledged.
 */
void xen_suspend_poll(void);

/*
 * Reads control/shutdown once and, for a request we carry out, clears
 * it (writes "", the acknowledgement the toolstack waits for) in the
 * same transaction.  Returns the request, or -errno from xenstore.
 */
int xen_control_take(void);

#endif
