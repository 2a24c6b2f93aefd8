// SPDX-License-Identifier: GPL-2.0
/*
 * wait: idles until a shutdown is requested (an ACPI power button, e.g.
 * QEMU's system_powerdown; a toolstack), then shuts down in order through
 * kernel_shutdown(), with a notifier of its own that says it ran.
 * wait=SECONDS bounds the wait (default 60); without a request by then
 * the app fails.  wait.ignore=1 leaves a request to the shutdown's grace
 * timer, which carries it out from its interrupt (the power-off there
 * included).
 */
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/console.h>
#include <pvkit/kernel.h>
#include <pvkit/shutdown.h>
#include <pvkit/time.h>

static void wait_notified(struct shutdown_notifier *n,
			  enum shutdown_action action)
{
	console_printf("wait: shutdown notifier ran (action %d)\n", action);
}

static struct shutdown_notifier wait_notifier = {
	.name = "wait",
	.fn = wait_notified,
};

static int wait_main(void)
{
	unsigned long long s = param_get_ull("wait", 60);
	u64 deadline = ktime_get_ns() + s * NSEC_PER_SEC;
	bool ignore = param_get_ull("wait.ignore", 0);
	enum shutdown_action action;

	register_shutdown_notifier(&wait_notifier);
	console_printf("wait: waiting up to %llu s for a shutdown request\n", s);
	while (ignore || !shutdown_pending(&action)) {
		if (ktime_get_ns() >= deadline) {
			console_printf("wait: no shutdown request in %llu s\n", s);
			unregister_shutdown_notifier(&wait_notifier);
			return EXIT_FAIL;
		}
		msleep(10);
	}
	kernel_shutdown(action);
}
DEFINE_APP(wait, "idle until a shutdown request (power button), then shut down", wait_main);
