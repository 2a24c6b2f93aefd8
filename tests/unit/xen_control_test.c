// SPDX-License-Identifier: GPL-2.0
/*
 * Xen control (drivers/xen/manage.c) over the fake xenstore: what a
 * value of control/shutdown asks for, which requests are acknowledged
 * (the node cleared) and which are left for the toolstack to give up on,
 * and the request reaching the app through include/pvkit/shutdown.h.
 */
#include <string.h>
#include <pvkit/app.h>
#include <pvkit/init.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/shutdown.h>
#include <xen/grant_table.h>
#include <xen/manage.h>
#include "fake_xen.h"

struct parse_case {
	const char *value;
	int len;		/* what the daemon sent, NULs inside included */
	enum xen_control_cmd cmd;
};

#define WORD(s, cmd)	{ s, sizeof(s) - 1, cmd }

static const struct parse_case parse_cases[] = {
	WORD("poweroff", XEN_CONTROL_POWEROFF),
	WORD("reboot", XEN_CONTROL_REBOOT),
	WORD("halt", XEN_CONTROL_HALT),
	WORD("suspend", XEN_CONTROL_SUSPEND),
	/* Our own acknowledgement, a node not yet written. */
	WORD("", XEN_CONTROL_NONE),
	{ "reboot", -2, XEN_CONTROL_NONE },
	/* The whole word and nothing else. */
	WORD("reboo", XEN_CONTROL_INVALID),
	WORD("rebootx", XEN_CONTROL_INVALID),
	WORD("Reboot", XEN_CONTROL_INVALID),
	WORD("reboot ", XEN_CONTROL_INVALID),
	WORD("sysrq", XEN_CONTROL_INVALID),
	/* A NUL inside: the length the daemon sent counts, not strlen(). */
	WORD("reboot\0poweroff", XEN_CONTROL_INVALID),
	WORD("poweroff\0", XEN_CONTROL_INVALID),
	/* Longer than any word: refused without looking further. */
	WORD("poweroffpoweroff", XEN_CONTROL_INVALID),
};

static void parse_wants_one_whole_word(struct ktest *t)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];

		if (xen_control_parse(c->value, c->len) != c->cmd) {
			KT_EXPECT_EQ(t, xen_control_parse(c->value, c->len), c->cmd);
			console_printf("    # case %u: \"%s\", %d bytes\n", i, c->value, c->len);
		}
	}
}

static void take_acknowledges_what_is_carried_out(struct ktest *t)
{
	static const char *const words[] = { "poweroff", "reboot", "halt" };
	static const int cmds[] = { XEN_CONTROL_POWEROFF, XEN_CONTROL_REBOOT, XEN_CONTROL_HALT };

	for (unsigned int i = 0; i < ARRAY_SIZE(words); i++) {
		fake_xen_reset();
		fake_xs_set(XEN_CONTROL_PATH, words[i]);
		KT_EXPECT_EQ(t, xen_control_take(), cmds[i]);
		KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "");
	}
}

/* suspend and unknown words stay: the toolstack sees no acknowledgement. */
static void take_leaves_what_is_not(struct ktest *t)
{
	fake_xen_reset();
	fake_xs_set(XEN_CONTROL_PATH, "suspend");
	KT_EXPECT_EQ(t, xen_control_take(), XEN_CONTROL_SUSPEND);
	KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "suspend");
	fake_xs_set(XEN_CONTROL_PATH, "explode");
	KT_EXPECT_EQ(t, xen_control_take(), XEN_CONTROL_INVALID);
	KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "explode");
	/* Too long for our buffer (xs_read: -E2BIG). */
	fake_xs_set(XEN_CONTROL_PATH, "poweroff-poweroff-poweroff");
	KT_EXPECT_EQ(t, xen_control_take(), XEN_CONTROL_INVALID);
	KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "poweroff-poweroff-poweroff");
	/* Absent: nothing asked. */
	fake_xen_reset();
	KT_EXPECT_EQ(t, xen_control_take(), XEN_CONTROL_NONE);
	KT_EXPECT_NULL(t, fake_xs_get(XEN_CONTROL_PATH));
}

/* A poller of the test's own: how often shutdown_pending() polled. */
static unsigned int polls;

static void count_poll(struct app_poller *p)
{
	polls++;
}

static struct app_poller counting_poller = {
	.name = "test",
	.poll = count_poll,
};

/*
 * The whole way once (the request stays pending: kernel/shutdown.c has
 * one): the features advertised, the watch fired on "reboot", the
 * request seen by the app's shutdown_pending(), which runs the app
 * pollers until one is pending, and a later "poweroff" acknowledged but not
 * taken over it.
 */
static void watch_request_reaches_the_app(struct ktest *t)
{
	enum shutdown_action action = SHUTDOWN_HALT;
	struct xs_watch *w;

	fake_xen_reset();
	register_app_poller(&counting_poller);
	KT_ASSERT_EQ(t, fake_run_initcall("xen_control_init"), 0);
	KT_EXPECT_STREQ(t, fake_xs_get("control/feature-poweroff"), "1");
	KT_EXPECT_STREQ(t, fake_xs_get("control/feature-reboot"), "1");
	KT_EXPECT_NULL(t, fake_xs_get("control/feature-suspend"));
	w = fake_xs_watch(XEN_CONTROL_PATH);
	KT_ASSERT_NOT_NULL(t, w);
	KT_EXPECT_FALSE(t, shutdown_pending(&action));
	KT_EXPECT_EQ(t, polls, 1);
	/* The event of the watch's registration, on an empty node. */
	w->fn(w, XEN_CONTROL_PATH);
	KT_EXPECT_FALSE(t, shutdown_pending(&action));
	KT_EXPECT_EQ(t, polls, 2);
	fake_xs_set(XEN_CONTROL_PATH, "reboot");
	w->fn(w, XEN_CONTROL_PATH);
	KT_EXPECT_TRUE(t, shutdown_pending(&action));
	KT_EXPECT_EQ(t, action, SHUTDOWN_REBOOT);
	KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "");
	/* Pending: nothing is polled any more. */
	KT_EXPECT_EQ(t, polls, 2);
	fake_xs_set(XEN_CONTROL_PATH, "poweroff");
	w->fn(w, XEN_CONTROL_PATH);
	KT_EXPECT_TRUE(t, shutdown_pending(&action));
	KT_EXPECT_EQ(t, action, SHUTDOWN_REBOOT);
	KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "");
	/* The grace timer the request started must not fire in a later test. */
	fake_xen_reset();
}

static const char *refusal;
static int suspends;

static const char *test_refuses(void)
{
	return refusal;
}

static int test_suspend(u64 *down_ns)
{
	suspends++;
	return 1;
}

static const struct xen_suspend_handler test_handler = {
	.refuses = test_refuses,
	.suspend = test_suspend,
};

/*
 * "suspend" is acknowledged only where a handler is set and does not
 * refuse now; the watch leaves the request to xenbus_poll() (taken once)
 * and never suspends from inside the watch walk.
 */
static void suspend_acknowledged_only_where_carried_out(struct ktest *t)
{
	struct xs_watch *w;

	fake_xen_reset();
	KT_ASSERT_EQ(t, fake_run_initcall("xen_control_init"), 0);
	w = fake_xs_watch(XEN_CONTROL_PATH);
	KT_ASSERT_NOT_NULL(t, w);
	/* No handler (a PV mode without pre_suspend): left alone. */
	fake_xs_set(XEN_CONTROL_PATH, "suspend");
	w->fn(w, XEN_CONTROL_PATH);
	KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "suspend");
	KT_EXPECT_FALSE(t, xen_suspend_take_request());
	/* A handler that refuses now (more than one CPU): left alone too. */
	xen_set_suspend_handler(&test_handler);
	refusal = "more than one CPU online";
	w->fn(w, XEN_CONTROL_PATH);
	KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "suspend");
	KT_EXPECT_FALSE(t, xen_suspend_take_request());
	/* Carried out: acknowledged, requested once, nothing run yet. */
	refusal = NULL;
	w->fn(w, XEN_CONTROL_PATH);
	KT_EXPECT_STREQ(t, fake_xs_get(XEN_CONTROL_PATH), "");
	KT_EXPECT_EQ(t, suspends, 0);
	KT_EXPECT_TRUE(t, xen_suspend_take_request());
	KT_EXPECT_FALSE(t, xen_suspend_take_request());
	xen_set_suspend_handler(NULL);
	fake_xen_reset();
}

static struct ktest_case control_cases[] = {
	KTEST_CASE(parse_wants_one_whole_word),
	KTEST_CASE(take_acknowledges_what_is_carried_out),
	KTEST_CASE(take_leaves_what_is_not),
	KTEST_CASE(watch_request_reaches_the_app),
	KTEST_CASE(suspend_acknowledged_only_where_carried_out),
	{}
};
KTEST_SUITE(host_xen_control, control_cases);
