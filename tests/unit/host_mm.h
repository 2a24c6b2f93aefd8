/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TESTS_UNIT_HOST_MM_H
#define _TESTS_UNIT_HOST_MM_H

#include <pvkit/types.h>

/* The last line the kernel logged (tests/unit/host.c's printk). */
extern char host_last_log[256];
/* What console_printf() printed (what apps say); tests may clear it. */
extern char host_console[4096];
/* alloc_pages() fails this many times from now (0: never). */
extern unsigned int host_alloc_pages_failures;
/* What nr_free_pages() says: alloc_pages() and free_pages() move it. */
extern unsigned long host_free_pages;
/* ktime_get_ns() of host-built kernel code: virtual time, moved on by the
 * tests and by udelay() (tests/unit/fake_xen.c). */
extern u64 fake_now_ns;

/* No two of the n numbers are the same (frames a balloon named, say). */
bool host_all_distinct(const unsigned long *a, unsigned int n);

#endif
