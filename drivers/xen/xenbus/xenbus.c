// SPDX-License-Identifier: GPL-2.0
/*
 * xenbus frontends (xen/io/xenbus.h).  A device is a directory
 * device/<type>/<id> that the toolstack wrote before we started, with
 * "backend" naming the backend's directory and "backend-id" its domain.
 * Each side publishes its state; the frontend watches the backend's:
 *
 *   frontend  Initialising -> (backend InitWait) -> Initialised/Connected
 *   backend   InitWait -> (frontend Initialised) -> Connected
 *   closing   frontend Closing -> backend Closing/Closed -> frontend Closed
 *
 * What is read from the tree is checked: ids are short decimal numbers,
 * paths fit, states are states, domain ids are not reserved ones.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <xen/manage.h>
#include <xen/xenbus.h>

#define DIR_BUF		1024
#define CLOSE_TIMEOUT_NS	(5 * NSEC_PER_SEC)

static struct xenbus_device *devices;
static const struct xenbus_driver *drivers[4];

struct xenbus_device *xenbus_first_device(void)
{
	return devices;
}

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	int err = xs_printf(XBT_NIL, dev->nodename, "state", "%d", state);

	if (err < 0) {
		pr_err("xenbus: %s: writing state %s: %d\n", dev->nodename,
		       xenbus_strstate(state), err);
		return err;
	}
	dev->state = state;
	return 0;
}

/* The backend's state node: otherend/state. */
static void otherend_state_path(struct xenbus_device *dev, char *path, size_t len)
{
	snprintf(path, len, "%s/state", dev->otherend);
}

enum xenbus_state xenbus_read_otherend_state(struct xenbus_device *dev)
{
	char path[sizeof(dev->otherend) + 8];
	int state;

	otherend_state_path(dev, path, sizeof(path));
	state = xs_read_state(path);
	/* Not readable at all: the backend is as good as gone (Closed). */
	return state < 0 ? XenbusStateClosed : state;
}

static void otherend_watch_fired(struct xs_watch *w, const char *path)
{
	struct xenbus_device *dev = w->data;

	dev->otherend_changed = true;
}

void xenbus_poll(void)
{
	static bool running;

	/* A driver's callback may poll again (its own waits): one level only. */
	if (running || !xs_ready())
		return;
	running = true;
	/*
	 * A suspend acknowledged by an earlier call's watch runs first thing
	 * in the next, outside the watch walk: then, as the app polls right
	 * after its submissions, what it submitted is still in flight.
	 */
	xen_suspend_poll();
	xs_process_watches();
	for (struct xenbus_device *dev = devices; dev; dev = dev->next) {
		if (!dev->otherend_changed)
			continue;
		dev->otherend_changed = false;
		if (dev->driver && dev->driver->otherend_changed && dev->priv)
			dev->driver->otherend_changed(dev, xenbus_read_otherend_state(dev));
	}
	running = false;
}

/* Watch events reach their drivers when an app polls (<pvkit/app.h>). */
static void xenbus_app_poll(struct app_poller *p)
{
	xenbus_poll();
}

static struct app_poller xenbus_poller = {
	.name = "xenbus",
	.poll = xenbus_app_poll,
};

static int xenbus_poller_init(void)
{
	if (xs_ready())
		register_app_poller(&xenbus_poller);
	return 0;
}
device_initcall(xenbus_poller_init);

int xenbus_wait_otherend_until(struct xenbus_device *dev, u32 mask, u64 deadline_ns)
{
	char path[sizeof(dev->otherend) + 8];

	otherend_state_path(dev, path, sizeof(path));
	return xs_wait_state(path, mask, deadline_ns);
}

int xenbus_wait_otherend(struct xenbus_device *dev, u32 mask, u64 timeout_ns)
{
	return xenbus_wait_otherend_until(dev, mask, ktime_get_ns() + timeout_ns);
}

void xenbus_close(struct xenbus_device *dev)
{
	const u32 closing = 1U << XenbusStateClosing | 1U << XenbusStateClosed;
	/* One deadline for the whole sequence. */
	u64 deadline = ktime_get_ns() + CLOSE_TIMEOUT_NS;

	xenbus_switch_state(dev, XenbusStateClosing);
	if (xenbus_wait_otherend_until(dev, closing, deadline) < 0)
		pr_warn("xenbus: %s: the backend did not close\n", dev->nodename);
	xenbus_switch_state(dev, XenbusStateClosed);
	xenbus_wait_otherend_until(dev, 1U << XenbusStateClosed, deadline);
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			return false;
	return true;
}

/* Reads the backend's path and domain; 0 or -errno. */
static int read_otherend(struct xenbus_device *dev)
{
	char path[sizeof(dev->nodename) + 16];
	u64 domid;
	int n;

	snprintf(path, sizeof(path), "%s/backend", dev->nodename);
	n = xs_read(XBT_NIL, path, dev->otherend, sizeof(dev->otherend));
	if (n < 0)
		return n;
	if (n == 0 || dev->otherend[0] != '/' || strlen(dev->otherend) != (size_t)n)
		return -EINVAL;
	n = xs_read_u64(XBT_NIL, dev->nodename, "backend-id", &domid);
	if (n < 0)
		return n;
	if (domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	dev->otherend_id = domid;
	return 0;
}

static int watch_otherend(struct xenbus_device *dev)
{
	struct xs_watch *w = &dev->otherend_watch;

	snprintf(dev->watch_path, sizeof(dev->watch_path), "%s/state", dev->otherend);
	snprintf(dev->watch_token, sizeof(dev->watch_token), "fe:%s", dev->nodename);
	w->path = dev->watch_path;
	w->token = dev->watch_token;
	w->fn = otherend_watch_fired;
	w->data = dev;
	return xs_watch_add(w);
}

/* The device's follow ops, if it has a driver that follows its backend. */
static const struct xenbus_follow_ops *follow_of(struct xenbus_device *dev)
{
	return dev->driver && dev->priv ? dev->driver->follow : NULL;
}

void xenbus_suspend(void)
{
	for (struct xenbus_device *dev = devices; dev; dev = dev->next) {
		const struct xenbus_follow_ops *ops = follow_of(dev);

		if (ops && ops->quiesce && !dev->otherend_gone)
			ops->quiesce(dev);
	}
}

void xenbus_suspend_cancel(void)
{
	for (struct xenbus_device *dev = devices; dev; dev = dev->next) {
		const struct xenbus_follow_ops *ops = follow_of(dev);

		if (ops && ops->unquiesce && !dev->otherend_gone)
			ops->unquiesce(dev);
	}
}

/*
 * One device in the new domain: its backend is another (the path names
 * the new domain id), the old one's ports and grants are gone.  Our
 * side is left as if the backend had closed, then reconnected.
 */
static void resume_one(struct xenbus_device *dev, const struct xenbus_follow_ops *ops)
{
	u64 t0 = ktime_get_ns();
	bool was_gone = dev->otherend_gone;
	int err;

	xs_watch_remove(&dev->otherend_watch);
	err = read_otherend(dev);
	if (!err)
		err = watch_otherend(dev);
	if (!was_gone) {
		ops->lost(dev);
		ops->release(dev);
	}
	dev->otherend_gone = true;
	dev->state = XenbusStateClosed;
	if (err) {
		pr_err("xenbus: %s: no usable backend in the new domain (%d)\n", dev->nodename, err);
		return;
	}
	if (xenbus_follow_reconnect(dev, dev->nodename, ops))
		return;
	pr_info("xenbus: %s: reconnected to %s in %llu ms\n", dev->nodename, dev->otherend,
		(ktime_get_ns() - t0) / NSEC_PER_MSEC);
}

void xenbus_resume(void)
{
	for (struct xenbus_device *dev = devices; dev; dev = dev->next) {
		const struct xenbus_follow_ops *ops = follow_of(dev);

		if (ops && ops->lost)
			resume_one(dev, ops);
	}
}

static int probe_one(const struct xenbus_driver *drv, const char *id)
{
	struct xenbus_device *dev = kzalloc(sizeof(*dev));
	int err;

	if (!dev)
		return -ENOMEM;
	snprintf(dev->nodename, sizeof(dev->nodename), "device/%s/%s", drv->type, id);
	dev->type = drv->type;
	dev->driver = drv;
	dev->state = XenbusStateInitialising;
	err = read_otherend(dev);
	if (!err)
		err = watch_otherend(dev);
	if (err) {
		pr_err("xenbus: %s: unusable backend entry (%d)\n", dev->nodename, err);
		kfree(dev);
		return err;
	}
	pr_info("xenbus: %s, backend %s in domain %u\n", dev->nodename,
		dev->otherend, dev->otherend_id);
	dev->next = devices;
	devices = dev;
	err = drv->probe(dev);
	if (err == -ENODEV) {
		/* Declined: listed, Closed on our side, and driverless. */
		pr_info("xenbus: %s: not a device the %s driver serves\n", dev->nodename, drv->type);
		xenbus_switch_state(dev, XenbusStateClosed);
		dev->driver = NULL;
	} else if (err) {
		pr_err("xenbus: %s: %s probe failed (%d)\n", dev->nodename, drv->type, err);
		xenbus_switch_state(dev, XenbusStateClosed);
	}
	return err;
}

void xenbus_remove_device(struct xenbus_device *dev)
{
	if (dev->driver && dev->driver->remove)
		dev->driver->remove(dev);
	xs_watch_remove(&dev->otherend_watch);
	for (struct xenbus_device **pp = &devices; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	kfree(dev);
}

int xenbus_probe_device(const char *type, const char *id)
{
	char path[64];

	for (unsigned int i = 0; i < ARRAY_SIZE(drivers); i++) {
		if (!drivers[i] || strcmp(drivers[i]->type, type))
			continue;
		/* A backend that saw us close waits for Initialising to start over. */
		snprintf(path, sizeof(path), "device/%s/%s/state", type, id);
		xs_write(XBT_NIL, path, "1");
		return probe_one(drivers[i], id);
	}
	return -ENOENT;
}

int xenbus_register_frontend(const struct xenbus_driver *drv)
{
	char path[32], *list = kmalloc(DIR_BUF);
	const char *ids[32];
	int n;

	for (unsigned int i = 0; i < ARRAY_SIZE(drivers); i++) {
		if (!drivers[i]) {
			drivers[i] = drv;
			break;
		}
	}
	if (!list)
		return -ENOMEM;
	snprintf(path, sizeof(path), "device/%s", drv->type);
	n = xs_ready() ? xs_directory(XBT_NIL, path, list, DIR_BUF, ids, ARRAY_SIZE(ids))
		       : -ENOSYS;
	if (n > (int)ARRAY_SIZE(ids)) {
		pr_warn("xenbus: %s: only the first %zu of %d devices\n", path,
			ARRAY_SIZE(ids), n);
		n = ARRAY_SIZE(ids);
	}
	for (int i = 0; i < n; i++) {
		if (valid_id(ids[i]))
			probe_one(drv, ids[i]);
		else
			pr_warn("xenbus: ignoring %s/%s: not a device id\n", path, ids[i]);
	}
	kfree(list);
	return n < 0 && n != -ENOENT && n != -ENOSYS ? n : 0;
}
