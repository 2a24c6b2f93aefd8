/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TESTS_UNIT_HOST_MM_H
#define _TESTS_UNIT_HOST_MM_H

/* The last line the kernel logged (tests/unit/host.c's printk). */
extern char host_last_log[256];

#endif
