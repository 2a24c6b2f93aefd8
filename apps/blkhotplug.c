// SPDX-License-Identifier: GPL-2.0
/*
 * blkhotplug: reads through a disk that is taken away while requests are
 * in flight, then given back (xl block-detach / block-attach from dom0 in
 * the Xen test bed: tests/xen/blkhotplug-peer).
 *
 *   app=blkhotplug blk=xvda hp.off=BYTES hp.len=BYTES hp.seed=N [hp.mode=destroy]
 *
 * Reads the first MiB over and over until a request fails; the failing
 * request's time shows whether the loss was noticed at once or only by
 * the block layer's 30 s timeout.  Then it tries a read every 100 ms
 * until the disk is back (90 s at most), writes and flushes the seeded
 * pattern, reads it back, and prints the blk app's fill line so that
 * tests/tools/blkimg.py check-log finds the data in the image on the host.
 *
 * hp.mode=destroy (tests/xen/blkdestroy-peer): the pattern is written and
 * flushed first, the fill line printed, and then the app reads on until
 * dom0 destroys the domain (xl destroy): what was reported done must be
 * in the image, whatever was in flight at the kill.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/blkdev.h>
#include <pvkit/cmdline.h>
#include <pvkit/crc32.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>

#define HP_CHUNK	(64 * KiB)
#define HP_SECTORS	(HP_CHUNK / SECTOR_SIZE)
#define GONE_WITHIN_NS	(120 * NSEC_PER_SEC)
#define BACK_WITHIN_NS	(90 * NSEC_PER_SEC)

/* Reads until one fails; its error, or 0 if the disk never went away. */
static int read_until_failure(struct blkdev *d, u8 *buf)
{
	u64 end = ktime_get_ns() + GONE_WITHIN_NS;
	unsigned long reads = 0;

	console_printf("blkhotplug: reading %s\n", d->name);
	while (ktime_get_ns() < end) {
		u64 t0 = ktime_get_ns();
		int err = blkdev_rw_sync(d, BLK_READ, (reads % 16) * HP_SECTORS, HP_SECTORS, buf);

		if (err) {
			console_printf("blkhotplug: read failed with error %d after %lu reads; "
				       "the failing request took %llu ms\n", err, reads,
				       (ktime_get_ns() - t0) / NSEC_PER_MSEC);
			return err;
		}
		reads++;
	}
	console_printf("blkhotplug: %s never went away (%lu reads)\n", d->name, reads);
	return 0;
}

static bool wait_until_back(struct blkdev *d, u8 *buf)
{
	u64 t0 = ktime_get_ns();

	console_printf("blkhotplug: waiting for %s to come back\n", d->name);
	while (ktime_get_ns() - t0 < BACK_WITHIN_NS) {
		msleep(100);
		if (!blkdev_rw_sync(d, BLK_READ, 0, HP_SECTORS, buf)) {
			console_printf("blkhotplug: %s back after %llu ms\n", d->name,
				       (ktime_get_ns() - t0) / NSEC_PER_MSEC);
			return true;
		}
	}
	console_printf("blkhotplug: %s did not come back\n", d->name);
	return false;
}

/* The seeded pattern over [off, off + len), flushed; the blk app's fill line. */
static bool write_flushed(struct blkdev *d, u8 *buf, u64 off, u64 len, u64 seed)
{
	for (u64 at = off; at < off + len; at += HP_CHUNK) {
		pattern_fill(buf, HP_CHUNK, seed, at);
		if (blkdev_rw_sync(d, BLK_WRITE, at / SECTOR_SIZE, HP_SECTORS, buf))
			return false;
	}
	if (!d->has_flush) {
		console_printf("blkhotplug: %s offers no flush: the write is not durable\n",
			       d->name);
		return false;
	}
	if (blkdev_rw_sync(d, BLK_FLUSH, 0, 0, NULL))
		return false;
	console_printf("blk: fill %s %llu+%llu seed %llu done\n", d->name, off, len, seed);
	return true;
}

static bool fill_and_verify(struct blkdev *d, u8 *buf, u64 off, u64 len, u64 seed)
{
	if (!write_flushed(d, buf, off, len, seed))
		return false;
	for (u64 at = off; at < off + len; at += HP_CHUNK) {
		if (blkdev_rw_sync(d, BLK_READ, at / SECTOR_SIZE, HP_SECTORS, buf) ||
		    pattern_check(buf, HP_CHUNK, seed, at) < HP_CHUNK)
			return false;
	}
	console_printf("blkhotplug: %s verify ok\n", d->name);
	return true;
}

static int blkhotplug_main(void)
{
	const char *name = param_get("blk");
	struct blkdev *d = name ? blkdev_find(name) : blkdev_first();
	u64 off = param_get_ull("hp.off", 4 * MiB), len = param_get_ull("hp.len", 1 * MiB);
	u64 seed = param_get_ull("hp.seed", 42);
	u8 *buf;

	if (!d) {
		console_printf("blkhotplug: no device %s\n", name ? name : "at all");
		return EXIT_FAIL;
	}
	if (len % HP_CHUNK || off % HP_CHUNK || !len) {
		console_printf("blkhotplug: hp.off and hp.len must be multiples of 64 KiB\n");
		return EXIT_BADCMD;
	}
	buf = alloc_pages(HP_CHUNK / PAGE_SIZE);
	if (!buf) {
		console_printf("blkhotplug: no memory for a 64 KiB buffer\n");
		return EXIT_FAIL;
	}
	if (param_get("hp.mode") && !strcmp(param_get("hp.mode"), "destroy")) {
		if (!write_flushed(d, buf, off, len, seed))
			return EXIT_FAIL;
		/* Requests in flight when dom0 destroys us: only that ends this well. */
		console_printf("blkhotplug: reading until destroyed\n");
		read_until_failure(d, buf);
		return EXIT_FAIL;
	}
	if (!read_until_failure(d, buf) || !wait_until_back(d, buf))
		return EXIT_FAIL;
	if (!fill_and_verify(d, buf, off, len, seed)) {
		console_printf("blkhotplug: %s fill or verify failed after it came back\n", d->name);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
DEFINE_APP(blkhotplug, "read through a disk taken away and given back; hp.off=, hp.len=, hp.seed=",
	   blkhotplug_main);
