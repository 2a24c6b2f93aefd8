// SPDX-License-Identifier: GPL-2.0
/*
 * Xen control: the toolstack asks a domain to go by writing a word into
 * its control/shutdown node ("poweroff", "reboot", "halt"; "suspend" for
 * xl save and migration) and waits until the guest acknowledges by
 * writing "" back; only then does xl wait for the shutdown itself.  The
 * control/feature-* nodes tell it which words we understand.
 *
 * We watch the node, read it once (into our own buffer), check it is one
 * whole word of the protocol, acknowledge and pass the request on with
 * shutdown_request() (include/pvkit/shutdown.h).  Watch events are read
 * in process context only, when the app polls (xenbus_poll() is an app
 * poller, run by shutdown_pending()); the app carries the request out with
 * kernel_shutdown(): the notifiers first, then SCHEDOP_shutdown with the
 * matching reason (the handlers of arch/x86/xen/enlighten.c).  "suspend"
 * is acknowledged where the Xen backend set a suspend handler and does
 * not refuse now, and carried out by drivers/xen/suspend.c from
 * xenbus_poll().  A word we do not carry out (a refused "suspend",
 * anything unknown) is logged and left unacknowledged, so that the
 * toolstack gives up with "guest did not acknowledge" instead of waiting
 * for a suspend that never comes.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/shutdown.h>
#include <pvkit/string.h>
#include <xen/manage.h>
#include <xen/xenbus.h>

static const char *const words[] = {
	[XEN_CONTROL_POWEROFF] = "poweroff",
	[XEN_CONTROL_REBOOT] = "reboot",
	[XEN_CONTROL_HALT] = "halt",
	[XEN_CONTROL_SUSPEND] = "suspend",
};

enum xen_control_cmd xen_control_parse(const char *value, int len)
{
	if (len <= 0)
		return XEN_CONTROL_NONE;
	if (len >= XEN_CONTROL_VALUE_MAX)
		return XEN_CONTROL_INVALID;
	/* All len bytes are the word: "reboot\0x" (8 bytes) is not "reboot". */
	for (unsigned int i = 0; i < ARRAY_SIZE(words); i++)
		if (words[i] && strlen(words[i]) == (size_t)len && !memcmp(value, words[i], len))
			return i;
	return XEN_CONTROL_INVALID;
}

const char *xen_control_name(enum xen_control_cmd cmd)
{
	if (cmd == XEN_CONTROL_NONE)
		return "nothing";
	if ((unsigned int)cmd < ARRAY_SIZE(words) && words[cmd])
		return words[cmd];
	return "an unknown word";
}

static const struct xen_suspend_handler *suspend_handler;
static bool suspend_requested;

void xen_set_suspend_handler(const struct xen_suspend_handler *h)
{
	suspend_handler = h;
}

const struct xen_suspend_handler *xen_suspend_handler(void)
{
	return suspend_handler;
}

const char *xen_suspend_refused(void)
{
	if (!suspend_handler)
		return "this Xen mode cannot suspend";
	return suspend_handler->refuses ? suspend_handler->refuses() : NULL;
}

bool xen_suspend_take_request(void)
{
	bool was = suspend_requested;

	suspend_requested = false;
	return was;
}

/* Acknowledged only if carried out: else xl gives up instead of waiting. */
static bool carried_out(enum xen_control_cmd cmd)
{
	if (cmd == XEN_CONTROL_SUSPEND)
		return !xen_suspend_refused();
	return cmd == XEN_CONTROL_POWEROFF || cmd == XEN_CONTROL_REBOOT ||
	       cmd == XEN_CONTROL_HALT;
}

/* In one transaction: another write in between makes us read again. */
static int take_in(u32 tx, void *ctx)
{
	char value[XEN_CONTROL_VALUE_MAX];
	int *cmd = ctx;
	int n = xs_read(tx, XEN_CONTROL_PATH, value, sizeof(value));

	if (n == -ENOENT)
		n = 0;
	if (n == -E2BIG) {
		*cmd = XEN_CONTROL_INVALID;
		return 0;
	}
	if (n < 0)
		return n;
	*cmd = xen_control_parse(value, n);
	if (!carried_out(*cmd))
		return 0;
	return xs_write(tx, XEN_CONTROL_PATH, "");
}

int xen_control_take(void)
{
	int cmd = XEN_CONTROL_NONE;
	int err = xs_transaction(take_in, &cmd);

	return err ? err : cmd;
}

static void control_changed(struct xs_watch *w, const char *path)
{
	int cmd = xen_control_take();

	if (cmd < 0) {
		pr_err("xen: cannot read %s: error %d\n", XEN_CONTROL_PATH, cmd);
		return;
	}
	switch (cmd) {
	case XEN_CONTROL_NONE:
		return;
	case XEN_CONTROL_POWEROFF:
	case XEN_CONTROL_HALT:
		shutdown_request(SHUTDOWN_POWEROFF, "the Xen toolstack");
		return;
	case XEN_CONTROL_REBOOT:
		shutdown_request(SHUTDOWN_REBOOT, "the Xen toolstack");
		return;
	case XEN_CONTROL_SUSPEND:
		if (!xen_suspend_refused()) {
			/* Not from inside the watch walk: xenbus_poll() runs it next. */
			suspend_requested = true;
			return;
		}
		pr_warn("xen: %s asks for suspend: refused (%s), left unacknowledged\n",
			XEN_CONTROL_PATH, xen_suspend_refused());
		return;
	default:
		pr_warn("xen: %s asks for %s: not supported, left unacknowledged\n",
			XEN_CONTROL_PATH, xen_control_name(cmd));
	}
}

static struct xs_watch control_watch = {
	.path = XEN_CONTROL_PATH,
	.token = "pvkit-control",
	.fn = control_changed,
};

static int xen_control_init(void)
{
	int err;

	if (!xs_ready())
		return 0;		/* no xenstore: the initial domain, or not Xen */
	/* The toolstack made these nodes ours to write; without them xl may not ask. */
	if (xs_write(XBT_NIL, "control/feature-poweroff", "1") ||
	    xs_write(XBT_NIL, "control/feature-reboot", "1"))
		pr_warn("xen: cannot advertise control/feature-poweroff and -reboot\n");
	/* As Linux does; libxl asks a PVH or HVM guest through control/shutdown either way. */
	if (suspend_handler && xs_write(XBT_NIL, "control/feature-suspend", "1"))
		pr_warn("xen: cannot advertise control/feature-suspend\n");
	err = xs_watch_add(&control_watch);
	if (err) {
		pr_err("xen: cannot watch %s: error %d\n", XEN_CONTROL_PATH, err);
		return err;
	}
	pr_info("xen: control: poweroff, reboot and halt from the toolstack (%s)\n",
		suspend_handler ? "and suspend" : "no suspend");
	return 0;
}
device_initcall(xen_control_init);
