// SPDX-License-Identifier: GPL-2.0
#include <pvkit/heap.h>
#include <pvkit/kernel.h>

#define MAGIC_USED	0x70766b6974757365ULL	/* "pvkituse" */

/* Every block starts with this header; size includes it. */
struct heap_hdr {
	size_t size;
	u64 magic;
};

/* A free block: the header's place holds the list link. */
struct heap_free {
	size_t size;
	struct heap_free *next;
};

#define HDR		sizeof(struct heap_hdr)
#define MIN_BLOCK	(2 * HEAP_ALIGN)

BUILD_BUG_ON(sizeof(struct heap_hdr) != HEAP_ALIGN);
BUILD_BUG_ON(sizeof(struct heap_free) > MIN_BLOCK);

void heap_init(struct heap *heap, void *(*grow)(struct heap *, size_t *))
{
	*heap = (struct heap){ .grow = grow };
}

/* Inserts in address order and merges with the neighbours it touches. */
static void insert_free(struct heap *heap, struct heap_free *b)
{
	struct heap_free **pp = &heap->free_list, *prev = NULL;

	while (*pp && *pp < b) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	b->next = *pp;
	*pp = b;
	if (b->next && (char *)b + b->size == (char *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

void heap_add_region(struct heap *heap, void *mem, size_t size)
{
	uintptr_t start = ALIGN_UP((uintptr_t)mem, HEAP_ALIGN);
	uintptr_t end = ALIGN_DOWN((uintptr_t)mem + size, HEAP_ALIGN);
	struct heap_free *b = (struct heap_free *)start;

	if (end <= start || end - start < MIN_BLOCK)
		return;
	b->size = end - start;
	heap->total += b->size;
	insert_free(heap, b);
}

static void *take(struct heap *heap, struct heap_free **pp, size_t need)
{
	struct heap_free *b = *pp;
	struct heap_hdr *h = (struct heap_hdr *)b;

	if (b->size - need >= MIN_BLOCK) {
		struct heap_free *rest = (struct heap_free *)((char *)b + need);

		rest->size = b->size - need;
		rest->next = b->next;
		*pp = rest;
		h->size = need;
	} else {
		*pp = b->next;
		h->size = b->size;
	}
	h->magic = MAGIC_USED;
	heap->used += h->size;
	heap->nr_alloc++;
	return h + 1;
}

static void *find_fit(struct heap *heap, size_t need)
{
	for (struct heap_free **pp = &heap->free_list; *pp; pp = &(*pp)->next) {
		if ((*pp)->size >= need)
			return take(heap, pp, need);
	}
	return NULL;
}

void *heap_alloc(struct heap *heap, size_t size)
{
	size_t need, got;
	void *p, *mem;

	if (!size || size > ((size_t)1 << 40))
		return NULL;
	need = ALIGN_UP(size, HEAP_ALIGN) + HDR;
	p = find_fit(heap, need);
	if (p || !heap->grow)
		return p;
	got = need;
	mem = heap->grow(heap, &got);
	if (!mem)
		return NULL;
	heap_add_region(heap, mem, got);
	return find_fit(heap, need);
}

void heap_free(struct heap *heap, void *p)
{
	struct heap_hdr *h;
	size_t size;

	if (!p)
		return;
	h = (struct heap_hdr *)p - 1;
	if (((uintptr_t)p & (HEAP_ALIGN - 1)) || h->magic != MAGIC_USED ||
	    h->size < MIN_BLOCK || h->size > heap->used) {
		heap->nr_bad_free++;
		pr_err("heap: bad free of %p (double free or not from this heap)\n", p);
		return;
	}
	size = h->size;
	h->magic = 0;
	heap->used -= size;
	heap->nr_alloc--;
	((struct heap_free *)h)->size = size;
	insert_free(heap, (struct heap_free *)h);
}

size_t heap_largest_free(const struct heap *heap)
{
	size_t best = 0;

	for (const struct heap_free *b = heap->free_list; b; b = b->next) {
		if (b->size > best)
			best = b->size;
	}
	return best > HDR ? best - HDR : 0;
}

unsigned long heap_free_blocks(const struct heap *heap)
{
	unsigned long n = 0;

	for (const struct heap_free *b = heap->free_list; b; b = b->next)
		n++;
	return n;
}
