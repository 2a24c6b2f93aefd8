// SPDX-License-Identifier: GPL-2.0
/*
 * For fuzz targets with the block layer (drivers/block/blkdev.c), which
 * registers its flush before a shutdown with the first disk: no input
 * shuts the kernel down, so nothing needs kernel/shutdown.c's timers.
 */
#include <pvkit/shutdown.h>

void register_shutdown_notifier(struct shutdown_notifier *n)
{
}

const char *shutdown_action_name(enum shutdown_action action)
{
	return "?";
}
