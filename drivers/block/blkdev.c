// SPDX-License-Identifier: GPL-2.0
/* The block-device registry and the checks every request passes. */
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/irqflags.h>
#include <pvkit/shutdown.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/processor.h>

#define SYNC_TIMEOUT_NS	(30 * NSEC_PER_SEC)

static struct blkdev *devices;
/* The flush before a shutdown (below), registered with the first disk. */
static struct shutdown_notifier blkdev_shutdown_notifier;
static bool notifier_registered;

void blkdev_register(struct blkdev *dev)
{
	struct blkdev **pp = &devices;

	if (!notifier_registered) {
		register_shutdown_notifier(&blkdev_shutdown_notifier);
		notifier_registered = true;
	}

	while (*pp)
		pp = &(*pp)->next;
	dev->next = NULL;
	*pp = dev;
	pr_info("blk: %s: %llu sectors (%llu MiB), %s%s, queue depth %u\n",
		dev->name, dev->nr_sectors, dev->nr_sectors >> 11, dev->driver,
		dev->read_only ? ", read-only" : "", dev->queue_depth);
}

void blkdev_unregister(struct blkdev *dev)
{
	for (struct blkdev **pp = &devices; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			return;
		}
	}
}

struct blkdev *blkdev_first(void)
{
	return devices;
}

struct blkdev *blkdev_find(const char *name)
{
	for (struct blkdev *d = devices; d; d = d->next) {
		if (!strcmp(d->name, name))
			return d;
	}
	return NULL;
}

void blkdev_name(char *buf, size_t len, const char *prefix)
{
	for (char c = 'a'; c <= 'z'; c++) {
		snprintf(buf, len, "%s%c", prefix, c);
		if (!blkdev_find(buf))
			return;
	}
	snprintf(buf, len, "%s?", prefix);
}

static int check(struct blkdev *dev, const struct blk_request *req)
{
	bool data = req->op == BLK_READ || req->op == BLK_WRITE;

	if (data || req->op == BLK_DISCARD || req->op == BLK_WRITE_ZEROES) {
		if (!req->nr_sectors || req->nr_sectors > dev->max_sectors ||
		    req->sector > dev->nr_sectors ||
		    req->nr_sectors > dev->nr_sectors - req->sector)
			return BLK_EINVAL;
	}
	if (data && !req->buf)
		return BLK_EINVAL;
	if (dev->read_only && req->op != BLK_READ && req->op != BLK_GET_ID)
		return BLK_EINVAL;
	if ((req->op == BLK_FLUSH && !dev->has_flush) ||
	    (req->op == BLK_DISCARD && !dev->has_discard) ||
	    (req->op == BLK_WRITE_ZEROES && !dev->has_write_zeroes))
		return BLK_EUNSUPP;
	return 0;
}

int blkdev_queue(struct blkdev *dev, struct blk_request *req)
{
	int err = check(dev, req);

	if (err)
		return err;
	req->submit_tsc = rdtsc();
	err = dev->ops->submit(dev, req);
	if (!err)
		blk_stat_add(&dev->stats.requests, 1);
	return err;
}

void blkdev_kick(struct blkdev *dev)
{
	if (dev->ops->kick)
		dev->ops->kick(dev);
}

int blkdev_submit(struct blkdev *dev, struct blk_request *req)
{
	int err = blkdev_queue(dev, req);

	if (!err)
		blkdev_kick(dev);
	return err;
}

void blkdev_poll(struct blkdev *dev)
{
	if (dev->ops->poll)
		dev->ops->poll(dev);
}

bool blkdev_may_halt(struct blkdev *dev)
{
	if (dev->polled)
		return false;
	if (dev->ops->irq_here)
		return dev->ops->irq_here(dev);
	return smp_processor_id() == 0;
}

static void sync_done(struct blk_request *req)
{
	WRITE_ONCE(*(bool *)req->private, true);
}

int blkdev_rw_sync(struct blkdev *dev, enum blk_op op, u64 sector,
		   u32 nr_sectors, void *buf)
{
	volatile bool done = false;
	struct blk_request req = {
		.op = op, .sector = sector, .nr_sectors = nr_sectors, .buf = buf,
		.done = sync_done, .private = (void *)&done,
	};
	/*
	 * A backstop for drivers with no deadline of their own; one that
	 * bounds every sector may take that long for each before this fires
	 * (ata-pio under a loaded Xen HVM device model: 12 ms a word).
	 */
	u64 limit = SYNC_TIMEOUT_NS + (u64)nr_sectors * dev->sector_time_ns;
	u64 start = ktime_get_ns();
	int err = blkdev_submit(dev, &req);

	if (err)
		return err;
	/* Halt until an interrupt; a polled device has none: spin on it. */
	while (!done) {
		unsigned long flags = local_irq_save();

		blkdev_poll(dev);
		if (!done && blkdev_may_halt(dev))
			safe_halt();
		else if (!done)
			cpu_relax();
		local_irq_restore(flags);
		if (!done && ktime_get_ns() - start > limit && dev->ops->shutdown) {
			/* The device is stopped and the request fails: nothing is left in flight. */
			dev->ops->shutdown(dev, "a request took longer than its deadline");
			/*
			 * Unless it could not be stopped: req and buf may still be
			 * written, and both are the caller's, so there is no return.
			 */
			if (!done)
				panic("blk: %s: a request is still the device's after shutdown\n",
				      dev->name);
		}
	}
	return req.status;
}

/*
 * Before a requested poweroff or reboot (include/pvkit/shutdown.h): what
 * a disk's write cache holds reaches its medium, as after an app's own
 * flush.  A failure is reported; the shutdown goes on.  From the grace
 * timer (an app that never looked, interrupts off) no request may be
 * waited for: that is said, and nothing flushed.
 */
static void blkdev_flush_all(struct shutdown_notifier *n, enum shutdown_action action)
{
	if (irqs_disabled()) {
		pr_warn("blk: no flush before %s: shut down from an interrupt\n",
			shutdown_action_name(action));
		return;
	}
	for (struct blkdev *d = devices; d; d = d->next) {
		int err;

		if (d->read_only || !d->has_flush)
			continue;
		err = blkdev_rw_sync(d, BLK_FLUSH, 0, 0, NULL);
		if (err)
			pr_err("blk: %s: flush before %s failed: %d\n", d->name,
			       shutdown_action_name(action), err);
		else
			pr_info("blk: %s: flushed before %s\n", d->name,
				shutdown_action_name(action));
	}
}

static struct shutdown_notifier blkdev_shutdown_notifier = {
	.name = "blk",
	.fn = blkdev_flush_all,
};
