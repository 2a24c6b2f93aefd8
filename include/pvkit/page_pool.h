/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A physical page pool: one bit per page frame (set = in use) over
 * [base_pfn, base_pfn + nr_pages).  It never touches the pages it
 * manages, only its bitmap: under nested KVM the first touch of a guest
 * page is expensive, so memory is touched when it is used, not at boot.
 */
#ifndef _PVKIT_PAGE_POOL_H
#define _PVKIT_PAGE_POOL_H

#include <pvkit/types.h>

struct page_pool {
	unsigned long base_pfn;
	unsigned long nr_pages;
	unsigned long *bitmap;
	unsigned long nr_free;
	unsigned long hint;		/* where the next search starts */
};

#define PAGE_POOL_BITMAP_LONGS(nr)	(((nr) + 63) / 64)

/* Starts with every page in use; free the usable ranges. */
void page_pool_init(struct page_pool *pool, unsigned long base_pfn,
		    unsigned long nr_pages, unsigned long *bitmap);
/* Marks a range free or used; returns how many pages changed state. */
unsigned long page_pool_release(struct page_pool *pool, unsigned long pfn,
				unsigned long n);
unsigned long page_pool_reserve(struct page_pool *pool, unsigned long pfn,
				unsigned long n);
/*
 * The first pfn of n contiguous pages aligned to align pages (a power of
 * two); -ENOMEM if there are none, -EINVAL for n or align 0 or align not
 * a power of two.
 */
long page_pool_alloc(struct page_pool *pool, unsigned long n,
		     unsigned long align);
/* Returns false (and frees nothing) if any page was not allocated. */
bool page_pool_free(struct page_pool *pool, unsigned long pfn, unsigned long n);
bool page_pool_is_free(const struct page_pool *pool, unsigned long pfn);

#endif
