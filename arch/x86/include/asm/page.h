/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual memory layout (docs/memory-layout.md):
 *
 *   0xffff888000000000  direct map of physical memory (first 4 GiB)
 *   0xffffffff80000000  the kernel image: virtual = physical + this
 */
#ifndef _ASM_X86_PAGE_H
#define _ASM_X86_PAGE_H

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))

#define KERNEL_VIRT_BASE	0xffffffff80000000
#define PAGE_OFFSET		0xffff888000000000
/* How much physical memory the boot page tables map at PAGE_OFFSET. */
#define DIRECT_MAP_SIZE		0x100000000

#ifndef __ASSEMBLY__
#include <pvkit/types.h>

static inline void *phys_to_virt(phys_addr_t pa)
{
	return (void *)(pa + PAGE_OFFSET);
}

/* Works for direct-map and kernel-image addresses alike. */
static inline phys_addr_t virt_to_phys(const void *va)
{
	unsigned long v = (unsigned long)va;

	if (v >= KERNEL_VIRT_BASE)
		return v - KERNEL_VIRT_BASE;
	return v - PAGE_OFFSET;
}

extern char _text[], _etext[], _end[], __image_start[];

static inline phys_addr_t kernel_phys_start(void)
{
	return (unsigned long)__image_start;
}

static inline phys_addr_t kernel_phys_end(void)
{
	return virt_to_phys(_end);
}
#endif

#endif
