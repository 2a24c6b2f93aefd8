// SPDX-License-Identifier: GPL-2.0
/*
 * xenstore and xenbus against the real xenstored of a Linux dom0: reads
 * of what the toolstack wrote, our own nodes written and read back,
 * watches that fire, transactions that conflict and are retried, and the
 * frontends that came up.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/errno.h>
#include <pvkit/netdev.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <xen/manage.h>
#include <xen/xenbus.h>

static const char *no_xenstore(void)
{
	return xs_ready() ? NULL : "no xenstore (not a Xen domU)";
}

static void toolstack_nodes_are_readable(struct ktest *t)
{
	char name[64], vm[128];
	domid_t domid;

	KT_ASSERT_EQ(t, xs_read_domid(&domid), 0);
	KT_EXPECT_GT(t, domid, 0);
	KT_EXPECT_GT(t, xs_read(XBT_NIL, "name", name, sizeof(name)), 0);
	KT_EXPECT_GT(t, xs_read(XBT_NIL, "vm", vm, sizeof(vm)), 0);
	ktest_log(t, "domain %u, name %s", domid, name);
}

static void missing_node_is_enoent(struct ktest *t)
{
	char buf[16];

	KT_EXPECT_EQ(t, xs_read(XBT_NIL, "data/pvkit-no-such-node", buf, sizeof(buf)),
		     -ENOENT);
	/* and the connection carries on */
	KT_EXPECT_TRUE(t, xs_ready());
}

static void write_read_back_remove(struct ktest *t)
{
	char buf[64];

	KT_ASSERT_EQ(t, xs_write(XBT_NIL, "data/pvkit-test", "hello xenstore"), 0);
	KT_EXPECT_EQ(t, xs_read(XBT_NIL, "data/pvkit-test", buf, sizeof(buf)), 14);
	KT_EXPECT_STREQ(t, buf, "hello xenstore");
	KT_EXPECT_EQ(t, xs_rm(XBT_NIL, "data/pvkit-test"), 0);
	KT_EXPECT_EQ(t, xs_read(XBT_NIL, "data/pvkit-test", buf, sizeof(buf)), -ENOENT);
}

static void directory_lists_children(struct ktest *t)
{
	char buf[256];
	const char *names[8];
	int n, found = 0;

	KT_ASSERT_EQ(t, xs_write(XBT_NIL, "data/pvkit-dir/a", "1"), 0);
	KT_ASSERT_EQ(t, xs_write(XBT_NIL, "data/pvkit-dir/bb", "2"), 0);
	n = xs_directory(XBT_NIL, "data/pvkit-dir", buf, sizeof(buf), names, 8);
	KT_EXPECT_EQ(t, n, 2);
	for (int i = 0; i < n && i < 8; i++)
		found += !strcmp(names[i], "a") || !strcmp(names[i], "bb");
	KT_EXPECT_EQ(t, found, 2);
	xs_rm(XBT_NIL, "data/pvkit-dir");
}

static int watch_hits;
static char watch_path[XS_WATCH_PATH_MAX];

static void count_watch(struct xs_watch *w, const char *path)
{
	watch_hits++;
	strlcpy(watch_path, path, sizeof(watch_path));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Processes watch events until hits reach want or KTEST_WAIT_NS pass. */
static void wait_watch(int want)
{
	u64 end = ktime_get_ns() + KTEST_WAIT_NS;

	while (watch_hits < want) {
		xs_process_watches();
		if (watch_hits >= want || !xs_wait_activity(end))
			break;
	}
}

static void watch_fires_on_write(struct ktest *t)
{
	struct xs_watch w = {
		.path = "data/pvkit-watch", .token = "pvkit-test", .fn = count_watch,
	};

	xs_rm(XBT_NIL, "data/pvkit-watch");
	watch_hits = 0;
	KT_ASSERT_EQ(t, xs_watch_add(&w), 0);
	/* xenstored fires a new watch once, for the watched path itself */
	wait_watch(1);
	KT_EXPECT_EQ(t, watch_hits, 1);
	KT_ASSERT_EQ(t, xs_write(XBT_NIL, "data/pvkit-watch/x", "1"), 0);
	wait_watch(2);
	KT_EXPECT_EQ(t, watch_hits, 2);
	KT_EXPECT_TRUE(t, ends_with(watch_path, "data/pvkit-watch/x"));
	KT_EXPECT_EQ(t, xs_watch_remove(&w), 0);
	xs_write(XBT_NIL, "data/pvkit-watch/y", "2");
	xs_process_watches();
	KT_EXPECT_EQ(t, watch_hits, 2);
	xs_rm(XBT_NIL, "data/pvkit-watch");
}

/*
 * Two transactions read and write the same node: the second to commit
 * fails with EAGAIN, and the retry loop a driver uses then succeeds.
 */
static void conflicting_transaction_retries(struct ktest *t)
{
	char buf[16];
	u32 a, b;
	int tries = 0, err;

	KT_ASSERT_EQ(t, xs_write(XBT_NIL, "data/pvkit-tx", "0"), 0);
	KT_ASSERT_EQ(t, xs_transaction_start(&a), 0);
	KT_ASSERT_EQ(t, xs_transaction_start(&b), 0);
	KT_EXPECT_EQ(t, xs_read(a, "data/pvkit-tx", buf, sizeof(buf)), 1);
	KT_EXPECT_EQ(t, xs_read(b, "data/pvkit-tx", buf, sizeof(buf)), 1);
	KT_EXPECT_EQ(t, xs_write(a, "data/pvkit-tx", "a"), 0);
	KT_EXPECT_EQ(t, xs_write(b, "data/pvkit-tx", "b"), 0);
	KT_EXPECT_EQ(t, xs_transaction_end(a, false), 0);
	KT_EXPECT_EQ(t, xs_transaction_end(b, false), -EAGAIN);
	KT_EXPECT_EQ(t, xs_read(XBT_NIL, "data/pvkit-tx", buf, sizeof(buf)), 1);
	KT_EXPECT_STREQ(t, buf, "a");

	do {
		tries++;
		KT_ASSERT_EQ(t, xs_transaction_start(&b), 0);
		xs_read(b, "data/pvkit-tx", buf, sizeof(buf));
		xs_write(b, "data/pvkit-tx", "b");
		if (tries == 1)		/* someone else writes meanwhile */
			xs_write(XBT_NIL, "data/pvkit-tx", "c");
		err = xs_transaction_end(b, false);
	} while (err == -EAGAIN && tries < 5);
	KT_EXPECT_EQ(t, err, 0);
	KT_EXPECT_EQ(t, tries, 2);
	KT_EXPECT_EQ(t, xs_read(XBT_NIL, "data/pvkit-tx", buf, sizeof(buf)), 1);
	KT_EXPECT_STREQ(t, buf, "b");
	xs_rm(XBT_NIL, "data/pvkit-tx");
}

static void frontends_are_connected(struct ktest *t)
{
	int n = 0;

	for (struct xenbus_device *d = xenbus_first_device(); d; d = d->next) {
		ktest_log(t, "%s: ours %s, backend %s", d->nodename,
			  xenbus_strstate(d->state),
			  xenbus_strstate(xenbus_read_otherend_state(d)));
		if (!d->driver) {
			/* One its driver declined (an HVM guest's boot CD). */
			KT_EXPECT_EQ(t, d->state, XenbusStateClosed);
			continue;
		}
		KT_EXPECT_EQ(t, d->state, XenbusStateConnected);
		KT_EXPECT_EQ(t, xenbus_read_otherend_state(d), XenbusStateConnected);
		n++;
	}
	if (!n)
		ktest_skip(t, "the toolstack gave this domain no devices");
}

static struct xenbus_device *find_device(const char *type)
{
	for (struct xenbus_device *d = xenbus_first_device(); d; d = d->next)
		if (d->driver && !strcmp(d->type, type))
			return d;
	return NULL;
}

/*
 * A disk taken away (Closing, backend Closed, Closed) and probed again
 * (Initialising: blkback waits for a new ring) reads the same data.
 */
static void blkfront_reconnects(struct ktest *t)
{
	struct xenbus_device *dev = find_device("vbd");
	char id[16], backend_state[160];
	static u8 before[4096] __aligned(4096), after[4096] __aligned(4096);
	struct blkdev *blk;
	char state[8];

	if (!dev) {
		ktest_skip(t, "the toolstack gave this domain no disk");
		return;
	}
	blk = blkdev_find("xvda");
	KT_ASSERT_NOT_NULL(t, blk);
	KT_ASSERT_EQ(t, blkdev_rw_sync(blk, BLK_READ, 0, 8, before), BLK_OK);
	strlcpy(id, strrchr(dev->nodename, '/') + 1, sizeof(id));
	snprintf(backend_state, sizeof(backend_state), "%s/state", dev->otherend);
	xenbus_remove_device(dev);
	KT_EXPECT_NULL(t, blkdev_find("xvda"));
	KT_EXPECT_GT(t, xs_read(XBT_NIL, backend_state, state, sizeof(state)), 0);
	KT_EXPECT_STREQ(t, state, "6");		/* Closed */
	KT_ASSERT_EQ(t, xenbus_probe_device("vbd", id), 0);
	blk = blkdev_find("xvda");
	KT_ASSERT_NOT_NULL(t, blk);
	KT_EXPECT_EQ(t, blkdev_rw_sync(blk, BLK_READ, 0, 8, after), BLK_OK);
	KT_EXPECT_MEMEQ(t, after, before, sizeof(before));
}

/*
 * Against the real xenstored: the features we carry out are advertised
 * (and suspend is not), and a word we do not carry out is left in
 * control/shutdown, unacknowledged.  Our own write stands in for the
 * toolstack's (the node is the guest's to write); "" is put back after.
 */
static void control_leaves_unknown_words(struct ktest *t)
{
	char buf[XEN_CONTROL_VALUE_MAX];

	KT_EXPECT_EQ(t, xs_read(XBT_NIL, "control/feature-poweroff", buf, sizeof(buf)), 1);
	KT_EXPECT_STREQ(t, buf, "1");
	KT_EXPECT_EQ(t, xs_read(XBT_NIL, "control/feature-reboot", buf, sizeof(buf)), 1);
	/* Set where the mode can suspend; else as the toolstack made it, empty. */
	if (xs_read(XBT_NIL, "control/feature-suspend", buf, sizeof(buf)) >= 0)
		KT_EXPECT_STREQ(t, buf, xen_suspend_handler() ? "1" : "");
	else
		KT_EXPECT_NULL(t, xen_suspend_handler());
	KT_ASSERT_EQ(t, xs_write(XBT_NIL, XEN_CONTROL_PATH, "pvkit-no-word"), 0);
	KT_EXPECT_EQ(t, xen_control_take(), XEN_CONTROL_INVALID);
	KT_EXPECT_EQ(t, xs_read(XBT_NIL, XEN_CONTROL_PATH, buf, sizeof(buf)), 13);
	KT_EXPECT_STREQ(t, buf, "pvkit-no-word");
	KT_EXPECT_EQ(t, xs_write(XBT_NIL, XEN_CONTROL_PATH, ""), 0);
	KT_EXPECT_EQ(t, xen_control_take(), XEN_CONTROL_NONE);
}

static struct ktest_case xenbus_cases[] = {
	KTEST_CASE(toolstack_nodes_are_readable),
	KTEST_CASE(missing_node_is_enoent),
	KTEST_CASE(write_read_back_remove),
	KTEST_CASE(directory_lists_children),
	KTEST_CASE(watch_fires_on_write),
	KTEST_CASE(conflicting_transaction_retries),
	KTEST_CASE(frontends_are_connected),
	KTEST_CASE(blkfront_reconnects),
	KTEST_CASE(control_leaves_unknown_words),
	{}
};
KTEST_SUITE_SKIP(xenbus, xenbus_cases, no_xenstore);
