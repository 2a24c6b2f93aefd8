// SPDX-License-Identifier: GPL-2.0
/*
 * Shutdown requests and the hooks that run before the machine goes
 * (include/pvkit/shutdown.h).  Requests come from process context (a
 * source's poll) or from an interrupt; the recorded reason is one word.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/errno.h>
#include <pvkit/shutdown.h>

struct shutdown_source {
	const char *name;
	void (*poll)(void);
};

static shutdown_hook_fn hooks[SHUTDOWN_MAX_HOOKS];
static unsigned int nr_hooks;
static struct shutdown_source sources[SHUTDOWN_MAX_SOURCES];
static unsigned int nr_sources;
static enum shutdown_reason requested;

int register_shutdown_hook(shutdown_hook_fn fn)
{
	if (nr_hooks == ARRAY_SIZE(hooks))
		return -ENOSPC;
	hooks[nr_hooks++] = fn;
	return 0;
}

void run_shutdown_hooks(enum shutdown_reason reason)
{
	for (unsigned int i = nr_hooks; i--; )
		hooks[i](reason);
}

int register_shutdown_source(const char *name, void (*poll)(void))
{
	if (nr_sources == ARRAY_SIZE(sources))
		return -ENOSPC;
	sources[nr_sources++] = (struct shutdown_source){ name, poll };
	return 0;
}

unsigned int shutdown_sources(void)
{
	return nr_sources;
}

const char *shutdown_reason_name(enum shutdown_reason reason)
{
	switch (reason) {
	case SHUTDOWN_NONE: return "none";
	case SHUTDOWN_POWEROFF: return "poweroff";
	case SHUTDOWN_REBOOT: return "reboot";
	}
	return "invalid";
}

void shutdown_request(enum shutdown_reason reason, const char *who)
{
	if (reason != SHUTDOWN_POWEROFF && reason != SHUTDOWN_REBOOT)
		return;
	if (READ_ONCE(requested) != SHUTDOWN_NONE) {
		pr_info("shutdown: %s asks for %s, but %s was asked first\n", who,
			shutdown_reason_name(reason), shutdown_reason_name(requested));
		return;
	}
	pr_info("shutdown: %s asks for %s\n", who, shutdown_reason_name(reason));
	WRITE_ONCE(requested, reason);
}

enum shutdown_reason shutdown_requested(void)
{
	for (unsigned int i = 0; i < nr_sources && READ_ONCE(requested) == SHUTDOWN_NONE; i++)
		if (sources[i].poll)
			sources[i].poll();
	return READ_ONCE(requested);
}

void kernel_shutdown(enum shutdown_reason reason)
{
	console_printf("pvkit: %s\n", shutdown_reason_name(reason));
	run_shutdown_hooks(reason);
	/* A ring console is read by another domain that may go with us. */
	console_flush();
	machine_shutdown(reason);
}
