// SPDX-License-Identifier: GPL-2.0
/*
 * Orderly shutdown (<pvkit/shutdown.h>): notifiers, then the platform's
 * power-off or reboot.  A request from an interrupt handler is carried
 * out by the app (shutdown_pending()) or, failing that, from a timer; a
 * source that needs process context is polled by shutdown_pending()
 * (app_poll()).
 */
#include <pvkit/app.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/kernel.h>
#include <pvkit/shutdown.h>
#include <pvkit/time.h>

static struct shutdown_notifier *notifiers;
static void (*power_off_handler)(void);
static void (*reboot_handler)(void);
static bool pending;
static bool running;
static enum shutdown_action pending_action;
static struct timer grace_timer;

const char *shutdown_action_name(enum shutdown_action action)
{
	switch (action) {
	case SHUTDOWN_POWEROFF: return "power off";
	case SHUTDOWN_REBOOT: return "reboot";
	case SHUTDOWN_HALT: return "halt";
	}
	return "?";
}

void register_shutdown_notifier(struct shutdown_notifier *n)
{
	unsigned long f = local_irq_save();

	n->next = notifiers;
	notifiers = n;
	local_irq_restore(f);
}

void unregister_shutdown_notifier(struct shutdown_notifier *n)
{
	unsigned long f = local_irq_save();

	for (struct shutdown_notifier **p = &notifiers; *p; p = &(*p)->next) {
		if (*p == n) {
			*p = n->next;
			break;
		}
	}
	local_irq_restore(f);
}

static int set_handler(void (**handler)(void), void (*fn)(void))
{
	if (*handler)
		return -EBUSY;
	*handler = fn;
	return 0;
}

int set_power_off_handler(void (*fn)(void))
{
	return set_handler(&power_off_handler, fn);
}

int set_reboot_handler(void (*fn)(void))
{
	return set_handler(&reboot_handler, fn);
}

bool shutdown_pending(enum shutdown_action *action)
{
	if (!READ_ONCE(pending))
		app_poll();
	if (!READ_ONCE(pending))
		return false;
	if (action)
		*action = pending_action;
	return true;
}

static void grace_expired(struct timer *t)
{
	pr_warn("shutdown: the app did not take the request in %u ms: "
		"shutting down from the timer\n", SHUTDOWN_GRACE_MS);
	kernel_shutdown(pending_action);
}

void shutdown_request(enum shutdown_action action, const char *why)
{
	unsigned long f = local_irq_save();

	if (pending || running) {
		pr_info("shutdown: %s requested (%s) while one is pending\n",
			shutdown_action_name(action), why);
		local_irq_restore(f);
		return;
	}
	pr_info("shutdown: %s requested (%s)\n", shutdown_action_name(action), why);
	pending_action = action;
	WRITE_ONCE(pending, true);
	timer_start(&grace_timer, ktime_get_ns() +
		    (u64)SHUTDOWN_GRACE_MS * NSEC_PER_MSEC, grace_expired);
	local_irq_restore(f);
}

void kernel_shutdown(enum shutdown_action action)
{
	unsigned int n = 0;
	unsigned long f = local_irq_save();

	/* Only the first caller goes on: the app and the timer may race. */
	if (running) {
		local_irq_restore(f);
		for (;;)
			safe_halt();
	}
	running = true;
	timer_cancel(&grace_timer);
	local_irq_restore(f);

	for (struct shutdown_notifier *p = notifiers; p; p = p->next, n++)
		p->fn(p, action);
	pr_info("shutdown: %s after %u notifier%s\n", shutdown_action_name(action), n,
		n == 1 ? "" : "s");
	if (action == SHUTDOWN_REBOOT && reboot_handler) {
		reboot_handler();
		pr_err("shutdown: reboot failed\n");
		kernel_exit(EXIT_FAIL);
	}
	if (action != SHUTDOWN_POWEROFF)
		kernel_exit(EXIT_OK);
	if (power_off_handler)
		power_off_handler();
	pr_err("shutdown: %s\n", power_off_handler ? "power off failed" :
	       "this platform cannot power off");
	kernel_exit(EXIT_FAIL);
}
