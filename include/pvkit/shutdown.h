/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An orderly shutdown asked for from outside: an ACPI power button, a
 * toolstack (Xen's control/shutdown).  Whoever sees the request (often an
 * interrupt handler) calls shutdown_request(); the kernel then runs the
 * shutdown notifiers, most recently registered first, and the platform's
 * power-off or reboot.  An app that loops checks shutdown_pending() and
 * calls kernel_shutdown() itself, in its own context; one that does not
 * is shut down from the timer interrupt SHUTDOWN_GRACE_MS after the
 * request (notifiers then run with interrupts off and must not wait for
 * any).
 *
 * A source that can only be read in process context (xenstore: pvkit has
 * no threads) is an app poller (<pvkit/app.h>): shutdown_pending() polls,
 * so that its requests reach an app that loops (and only such an app).
 *
 *	static void blk_flush_on_shutdown(struct shutdown_notifier *n,
 *					  enum shutdown_action action) { ... }
 *	static struct shutdown_notifier nb = {
 *		.name = "blk", .fn = blk_flush_on_shutdown,
 *	};
 *	register_shutdown_notifier(&nb);
 */
#ifndef _PVKIT_SHUTDOWN_H
#define _PVKIT_SHUTDOWN_H

#include <pvkit/compiler.h>
#include <pvkit/types.h>

#define SHUTDOWN_GRACE_MS	1000

enum shutdown_action {
	SHUTDOWN_POWEROFF,
	SHUTDOWN_REBOOT,
	SHUTDOWN_HALT,
};

struct shutdown_notifier {
	const char *name;
	void (*fn)(struct shutdown_notifier *n, enum shutdown_action action);
	struct shutdown_notifier *next;
};

void register_shutdown_notifier(struct shutdown_notifier *n);
void unregister_shutdown_notifier(struct shutdown_notifier *n);
/* "power off", "reboot", "halt": for the log. */
const char *shutdown_action_name(enum shutdown_action action);

/*
 * The platform's power-off (ACPI S5, a hypervisor call): returns only
 * when it failed.  The first one set is kept (a hypervisor backend sets
 * its own before the ACPI driver's initcall): -EBUSY for later ones.
 */
int set_power_off_handler(void (*fn)(void));
/* The platform's reboot (a hypervisor call), kept the same way. */
int set_reboot_handler(void (*fn)(void));

/*
 * Asks for an orderly shutdown, from any context (interrupts included);
 * why goes to the log.  A second request while one is pending is logged
 * and otherwise ignored.
 */
void shutdown_request(enum shutdown_action action, const char *why);
/*
 * A request is pending: what it asks in *action (may be NULL).  Runs
 * app_poll() first: process context only.
 */
bool shutdown_pending(enum shutdown_action *action);

/*
 * Runs the notifiers and powers off or reboots (or, where the platform
 * cannot power off, exits with EXIT_FAIL saying so).  A reboot where the
 * platform has no way to reboot, and a halt, exit with EXIT_OK after the
 * notifiers.
 */
__noreturn void kernel_shutdown(enum shutdown_action action);

#endif
