/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_MM_H
#define _PVKIT_MM_H

#include <pvkit/types.h>
#include <pvkit/bootinfo.h>

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
