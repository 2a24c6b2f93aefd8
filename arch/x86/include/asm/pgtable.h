/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page tables: 4-level, 4 KiB pages.  Every entry write goes through the
 * pv_ops.mmu hooks, so a paravirtual MMU (Xen PV) can validate it.
 */
#ifndef _ASM_X86_PGTABLE_H
#define _ASM_X86_PGTABLE_H

#include <pvkit/types.h>

#define _PAGE_PRESENT	(1ULL << 0)
#define _PAGE_RW	(1ULL << 1)
#define _PAGE_USER	(1ULL << 2)
#define _PAGE_PWT	(1ULL << 3)
#define _PAGE_PCD	(1ULL << 4)
#define _PAGE_ACCESSED	(1ULL << 5)
#define _PAGE_DIRTY	(1ULL << 6)
#define _PAGE_PSE	(1ULL << 7)	/* huge page in a PMD or PUD */
#define _PAGE_GLOBAL	(1ULL << 8)
/*
 * Software bit (the CPU ignores bits 9-11 of an entry): the frame is a
 * bus address, device or firmware memory, not RAM of ours.  Under Xen PV
 * our RAM frames are translated to machine frames; these are machine
 * frames already and stay as they are (Linux's old _PAGE_IOMAP).
 */
#define _PAGE_IOMAP	(1ULL << 10)
#define _PAGE_NX	(1ULL << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

/* Cache attributes, by the power-on PAT (PWT/PCD select entries 0-3). */
#define PAGE_CACHE_WB	0
#define PAGE_CACHE_UC	(_PAGE_PCD | _PAGE_PWT)

#define PAGE_KERNEL	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PAGE_KERNEL_IO	(PAGE_KERNEL | PAGE_CACHE_UC | _PAGE_IOMAP)

/* Where ioremap() hands out virtual addresses. */
#define IOREMAP_BASE	0xffffc90000000000UL
#define IOREMAP_SIZE	(1UL << 40)

/* Maps [va, va + size) to [pa, pa + size) with flags; 0 or -1 (no memory, huge page in the way). */
int map_pages(unsigned long va, u64 pa, size_t size, u64 flags);
void unmap_pages(unsigned long va, size_t size);
/* The leaf entry for va, or NULL when no table reaches it. */
u64 *lookup_pte(unsigned long va);

#endif
