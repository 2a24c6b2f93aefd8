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
	XEN_CONTROL_SUSPEND,	/* xl save, migrate: not supported yet */
	XEN_CONTROL_INVALID,	/* a word we do not know, or not a string */
};

/* What the len bytes of value (a xenstore reply) ask for. */
enum xen_control_cmd xen_control_parse(const char *value, int len);
const char *xen_control_name(enum xen_control_cmd cmd);
/*
 * Reads control/shutdown once and, for a request we carry out, clears
 * it (writes "", the acknowledgement the toolstack waits for) in the
 * same transaction.  Returns the request, or -errno from xenstore.
 */
int xen_control_take(void);

#endif
