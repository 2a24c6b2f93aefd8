/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A first-fit heap over regions handed to it, with an address-ordered
 * free list so neighbours coalesce.  Blocks are 16-byte aligned and carry
 * a header with their size and a magic that catches double and wild
 * frees.  When it runs out it asks grow() for another region.
 */
#ifndef _PVKIT_HEAP_H
#define _PVKIT_HEAP_H

#include <pvkit/types.h>

struct heap_free;

struct heap {
	struct heap_free *free_list;
	/* Returns a region of at least *size bytes and sets *size, or NULL. */
	void *(*grow)(struct heap *heap, size_t *size);
	size_t total;			/* bytes in all regions */
	size_t used;			/* bytes in allocated blocks, headers included */
	unsigned long nr_alloc;
	unsigned long nr_bad_free;
};

#define HEAP_ALIGN	16

void heap_init(struct heap *heap, void *(*grow)(struct heap *, size_t *));
void heap_add_region(struct heap *heap, void *mem, size_t size);
void *heap_alloc(struct heap *heap, size_t size);
void heap_free(struct heap *heap, void *p);
size_t heap_largest_free(const struct heap *heap);
unsigned long heap_free_blocks(const struct heap *heap);

#endif
