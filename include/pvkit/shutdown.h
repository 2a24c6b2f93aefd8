/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shutdown asked for from outside (the Xen toolstack's control/shutdown,
 * an ACPI power button) and what runs before it is carried out.
 *
 * pvkit has no threads: a platform source only records the request
 * (shutdown_request()); the app notices it in its main loop or idle
 * (shutdown_requested(), which first lets each source look for news in
 * process context) and calls kernel_shutdown(), which runs the hooks
 * (e.g. a flush of the disks) and hands the reason to the platform.
 */
#ifndef _PVKIT_SHUTDOWN_H
#define _PVKIT_SHUTDOWN_H

#include <pvkit/compiler.h>

enum shutdown_reason {
	SHUTDOWN_NONE,
	SHUTDOWN_POWEROFF,
	SHUTDOWN_REBOOT,
};

typedef void (*shutdown_hook_fn)(enum shutdown_reason reason);

#define SHUTDOWN_MAX_HOOKS	8
#define SHUTDOWN_MAX_SOURCES	4

/* Runs fn before the machine goes (last registered, first run); -ENOSPC when full. */
int register_shutdown_hook(shutdown_hook_fn fn);
void run_shutdown_hooks(enum shutdown_reason reason);

/*
 * A source of requests: poll looks for one in process context (it may
 * call shutdown_request()); -ENOSPC when full.
 */
int register_shutdown_source(const char *name, void (*poll)(void));
/* How many sources can ask here (0: nothing will ever ask). */
unsigned int shutdown_sources(void);
/* Records a request; the first one stands. */
void shutdown_request(enum shutdown_reason reason, const char *who);
/* The request recorded so far (polling the sources first), or SHUTDOWN_NONE. */
enum shutdown_reason shutdown_requested(void);
const char *shutdown_reason_name(enum shutdown_reason reason);

/* Runs the hooks and powers off or reboots as the platform can; never returns. */
__noreturn void kernel_shutdown(enum shutdown_reason reason);
/* The platform part: the hypervisor's way, else the exit status 0. */
__noreturn void machine_shutdown(enum shutdown_reason reason);

#endif
