/* SPDX-License-Identifier: GPL-2.0 */
/* Waiting on a device register, bounded by an absolute deadline. */
#ifndef _PVKIT_IOPOLL_H
#define _PVKIT_IOPOLL_H

#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/time.h>
#include <asm/processor.h>

/*
 * Reads the 32-bit register at reg until (value & mask) == want: 0, or
 * -ETIMEDOUT once deadline_ns (ktime_get_ns()) has passed.  Every read is
 * added to *reads when it is given (drivers that count their traps).
 * Inline, so that a host test's fake readl() is the one polled.
 */
static inline int mmio_wait(const volatile void *reg, u32 mask, u32 want,
			    u64 deadline_ns, unsigned long *reads)
{
	for (;;) {
		if (reads)
			(*reads)++;
		if ((readl(reg) & mask) == want)
			return 0;
		if (ktime_get_ns() > deadline_ns)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

#endif
