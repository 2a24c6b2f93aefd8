/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For fuzz targets driving a block driver: define NREQ, include this, and
 * give reqs[] done = on_done.  A request completed twice, or completed
 * without having been queued, traps; queued[] says what is in flight.
 * The kernel's printk is silenced: hostile input makes drivers talk; a
 * panic traps.
 */
#ifndef _TESTS_FUZZ_BLK_ONCE_H
#define _TESTS_FUZZ_BLK_ONCE_H

#include <pvkit/blkdev.h>

static struct blk_request reqs[NREQ];
static unsigned int done[NREQ];
static bool queued[NREQ];

int printk(const char *fmt, ...)
{
	return 0;
}

/* The kernel gave up (blkdev_rw_sync with a device it could not stop). */
void panic(const char *fmt, ...)
{
	__builtin_trap();
}

static void on_done(struct blk_request *req)
{
	unsigned int i = req - reqs;

	if (!queued[i] || done[i]++)
		__builtin_trap();	/* completed twice, or never queued */
	queued[i] = false;
}

#endif
