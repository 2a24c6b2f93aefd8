/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_MM_H
#define _PVKIT_MM_H

#include <pvkit/types.h>
#include <pvkit/bootinfo.h>

/*
 * Below this much free RAM after the image the drivers' rings and the
 * apps' buffers cannot all be had, and allocations would start failing
 * half-way through bring-up (-m 2M took a #GP in virtio probing): the
 * machine is too small, said in one line with exit status 1, by mm_init()
 * or, before .bss is used, by x86_64_start_kernel().  With the defconfig
 * image -m 8M leaves 5.75 MiB (too small), -m 9M 6.75 MiB.
 */
#define MM_MIN_FREE	(6 * MiB)

/* The kernel's page allocator over the boot memory map (mm/init.c). */
void mm_init(const struct boot_info *bi);
void *alloc_pages(unsigned long n);		/* virtual, page aligned */
void free_pages(void *va, unsigned long n);
unsigned long nr_free_pages(void);
unsigned long nr_managed_pages(void);
struct page_pool *kernel_page_pool(void);

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
struct heap *kernel_heap(void);

#endif
