/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A memory balloon, independent of the hypervisor's protocol: pages
 * taken from the page allocator for a host that wants memory back, and
 * given back to it later.  The protocol (virtio-balloon, Xen's
 * memory/target) tells the host which frames; this keeps them.
 *
 * Inflating: balloon_take() allocates the pages and holds them at once.
 * Deflating: balloon_pop() names held pages, the driver tells the host,
 * then balloon_release() gives them to the allocator (or
 * balloon_unpop() keeps them when the host was not told).
 * Callers serialise; the allocator calls turn interrupts off themselves.
 */
#ifndef _PVKIT_BALLOON_H
#define _PVKIT_BALLOON_H

#include <pvkit/types.h>

struct balloon_chunk;

struct balloon {
	const char *name;		/* for the log */
	struct balloon_chunk *top;	/* the held frames, a stack of pages */
	struct balloon_chunk *spare;	/* emptied by pop, freed by release */
	unsigned long nr_pages;		/* held, including those popped */
	unsigned long floor;		/* free pages never taken */
};

/* The least the kernel keeps free whatever the host asks, in pages. */
unsigned long balloon_default_floor(void);
void balloon_init(struct balloon *b, const char *name, unsigned long floor);
/*
 * Takes up to n pages, never leaving fewer than b->floor free (the
 * balloon's own bookkeeping pages count too); writes their frame numbers
 * to pfns.  Returns how many it took.
 */
unsigned long balloon_take(struct balloon *b, unsigned long *pfns, unsigned long n);
/* How many more pages balloon_take() could take now. */
unsigned long balloon_room(const struct balloon *b);
/* Names up to n held pages, the last taken first; they stay held. */
unsigned long balloon_pop(struct balloon *b, unsigned long *pfns, unsigned long n);
/* Puts popped pages back on the stack (the host was not told). */
void balloon_unpop(struct balloon *b, const unsigned long *pfns, unsigned long n);
/* Gives popped pages back to the allocator. */
void balloon_release(struct balloon *b, const unsigned long *pfns, unsigned long n);
/* Pages every balloon holds, for reports. */
unsigned long balloon_total_pages(void);

#endif
