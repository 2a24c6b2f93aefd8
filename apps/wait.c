// SPDX-License-Identifier: GPL-2.0
/*
 * wait: stay up, idle, until the platform asks for a shutdown (on Xen:
 * xl shutdown or xl reboot through control/shutdown), then carry it out
 * (kernel_shutdown(): the shutdown hooks, then poweroff or reboot).  It
 * is how a test keeps a guest alive until its toolstack acts.  Nobody
 * asking within wait.timeout= seconds (default 120) is a failure, and
 * so is a platform where nothing can ask.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/shutdown.h>
#include <pvkit/time.h>

#define WAIT_DEFAULT_TIMEOUT	120	/* seconds */
#define WAIT_MAX_TIMEOUT	100000000ULL
/*
 * A request that arrives between our look and the halt only wakes us at
 * the next tick: this bounds how late we notice it.
 */
#define WAIT_TICK_NS		(100 * NSEC_PER_MSEC)

static int wait_main(void)
{
	static struct timer tick;
	u64 timeout_s = param_get_ull("wait.timeout", WAIT_DEFAULT_TIMEOUT);
	enum shutdown_reason reason;
	u64 start, deadline;

	if (!shutdown_sources()) {
		console_printf("wait: nothing on this platform can ask for a shutdown\n");
		return EXIT_FAIL;
	}
	if (!timeout_s || timeout_s > WAIT_MAX_TIMEOUT)
		timeout_s = WAIT_MAX_TIMEOUT;
	start = ktime_get_ns();
	deadline = start + timeout_s * NSEC_PER_SEC;
	console_printf("wait: waiting up to %llu s for a shutdown request\n", timeout_s);
	while ((reason = shutdown_requested()) == SHUTDOWN_NONE) {
		if (ktime_get_ns() >= deadline) {
			console_printf("wait: nobody asked for a shutdown in %llu s\n", timeout_s);
			return EXIT_FAIL;
		}
		halt_with_tick(&tick, WAIT_TICK_NS);
	}
	timer_cancel(&tick);
	console_printf("wait: %s requested after %llu ms\n", shutdown_reason_name(reason),
		       (ktime_get_ns() - start) / NSEC_PER_MSEC);
	kernel_shutdown(reason);
}
DEFINE_APP(wait, "idle until the platform asks for a shutdown (xl shutdown, reboot)", wait_main);
