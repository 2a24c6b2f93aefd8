/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_KERNEL_H
#define _PVKIT_KERNEL_H

#include <pvkit/types.h>
#include <pvkit/compiler.h>
#include <pvkit/printk.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define ALIGN_UP(x, a)		(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define min(a, b) ({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); \
		     __a < __b ? __a : __b; })
#define max(a, b) ({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); \
		     __a > __b ? __a : __b; })

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)

#define KiB	1024UL
#define MiB	(1024UL * KiB)
#define GiB	(1024UL * MiB)

/* Exit statuses handed to the host (docs/boot.md). */
#define EXIT_OK		0	/* the app succeeded */
#define EXIT_FAIL	1	/* the app ran and failed (e.g. a test failed) */
#define EXIT_PANIC	2	/* the kernel panicked */
#define EXIT_BADCMD	3	/* unknown app or bad command line */

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
__noreturn void kernel_exit(int status);
/* The platform part of kernel_exit(): hand status to the host, stop. */
__noreturn void machine_exit(int status);

#define BUG_ON(c) do { \
	if (unlikely(c)) \
		panic("BUG: %s at %s:%d", #c, __FILE__, __LINE__); \
} while (0)

#define WARN_ON(c) ({ \
	bool __w = !!(c); \
	if (unlikely(__w)) \
		printk(KERN_WARNING "WARNING: %s at %s:%d\n", #c, __FILE__, __LINE__); \
	__w; })

#endif
