// SPDX-License-Identifier: GPL-2.0
/*
 * The generic half of ballooning (include/pvkit/balloon.h): which pages a
 * balloon holds.  Their frame numbers live in pages of their own, never
 * in the ballooned pages, whose contents the host may have thrown away.
 */
#include <pvkit/balloon.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <asm/page.h>

#define CHUNK_PFNS	((PAGE_SIZE - 2 * sizeof(long)) / sizeof(unsigned long))

struct balloon_chunk {
	struct balloon_chunk *next;
	unsigned long n;
	unsigned long pfn[CHUNK_PFNS];
};

_Static_assert(sizeof(struct balloon_chunk) == PAGE_SIZE, "one page a chunk");

static unsigned long total_pages;

unsigned long balloon_total_pages(void)
{
	return total_pages;
}

/* 1/16 of the managed pages, at least 4 MiB: the apps and drivers go on. */
unsigned long balloon_default_floor(void)
{
	return max(nr_managed_pages() / 16, (unsigned long)(4 * MiB / PAGE_SIZE));
}

void balloon_init(struct balloon *b, const char *name, unsigned long floor)
{
	b->name = name;
	b->top = NULL;
	b->spare = NULL;
	b->nr_pages = 0;
	b->floor = floor;
}

unsigned long balloon_room(const struct balloon *b)
{
	unsigned long free = nr_free_pages();
	unsigned long room = free > b->floor ? free - b->floor : 0;

	/* Every CHUNK_PFNS pages cost one more for their frame numbers. */
	return room - DIV_ROUND_UP(room, CHUNK_PFNS + 1);
}

/* Room for one more frame number on the stack: false when out of pages. */
static bool make_room(struct balloon *b)
{
	struct balloon_chunk *c = b->spare;

	if (b->top && b->top->n < CHUNK_PFNS)
		return true;
	if (c) {
		b->spare = c->next;
	} else {
		if (nr_free_pages() <= b->floor + 1)
			return false;
		c = alloc_pages(1);
		if (!c)
			return false;
	}
	c->next = b->top;
	c->n = 0;
	b->top = c;
	return true;
}

static void push(struct balloon *b, unsigned long pfn)
{
	b->top->pfn[b->top->n++] = pfn;
}

unsigned long balloon_take(struct balloon *b, unsigned long *pfns, unsigned long n)
{
	unsigned long i;
	void *page;

	for (i = 0; i < n; i++) {
		if (!make_room(b) || nr_free_pages() <= b->floor)
			break;
		page = alloc_pages(1);
		if (!page)
			break;
		pfns[i] = virt_to_phys(page) >> PAGE_SHIFT;
		push(b, pfns[i]);
	}
	b->nr_pages += i;
	total_pages += i;
	return i;
}

unsigned long balloon_pop(struct balloon *b, unsigned long *pfns, unsigned long n)
{
	unsigned long i = 0;
	struct balloon_chunk *c;

	while (i < n && b->top) {
		c = b->top;
		if (!c->n) {
			/* Kept until release: unpop may need it again. */
			b->top = c->next;
			c->next = b->spare;
			b->spare = c;
			continue;
		}
		pfns[i++] = c->pfn[--c->n];
	}
	return i;
}

void balloon_unpop(struct balloon *b, const unsigned long *pfns, unsigned long n)
{
	/* The chunks pop emptied are spares: room never runs out here. */
	while (n && make_room(b))
		push(b, pfns[--n]);
}

void balloon_release(struct balloon *b, const unsigned long *pfns, unsigned long n)
{
	struct balloon_chunk *c;

	while ((c = b->spare)) {
		b->spare = c->next;
		free_pages(c, 1);
	}
	while ((c = b->top) && !c->n) {
		b->top = c->next;
		free_pages(c, 1);
	}
	for (unsigned long i = 0; i < n; i++)
		free_pages(phys_to_virt((phys_addr_t)pfns[i] << PAGE_SHIFT), 1);
	b->nr_pages -= n;
	total_pages -= n;
}
