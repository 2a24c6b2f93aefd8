// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's page allocator and heap, set up from the boot memory map.
 * The pool covers the RAM the direct map reaches; its bitmap lives in the
 * first free RAM above the image.  Reserved: the first MiB (firmware,
 * loader structures), the image, the bitmap and the boot modules.
 */
#include <pvkit/kernel.h>
#include <pvkit/heap.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/page_pool.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <asm/page.h>

#define HEAP_GROW_MIN	(64 * KiB)

static struct page_pool pool;
static struct heap kheap;
static DEFINE_SPINLOCK(pool_lock);
static DEFINE_SPINLOCK(heap_lock);

static unsigned long pfn_down(u64 a)
{
	return a >> PAGE_SHIFT;
}

static unsigned long pfn_up(u64 a)
{
	return (a + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* The end of a reservation that [addr, addr + len) overlaps, or 0. */
static u64 range_taken_until(const struct boot_info *bi, u64 addr, u64 len)
{
	if (overlaps(addr, len, 0, MiB))
		return MiB;
	if (overlaps(addr, len, kernel_phys_start(),
		     kernel_phys_end() - kernel_phys_start()))
		return kernel_phys_end();
	for (unsigned int i = 0; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];

		if (overlaps(addr, len, m->addr, m->size))
			return m->addr + m->size;
	}
	return 0;
}

/*
 * Page-aligned space for the bitmap in a RAM range nothing else uses, or
 * 0 if there is none (the first MiB is never used).  The search jumps
 * past each reservation it meets instead of stepping a page at a time
 * across the image.
 */
static u64 place_bitmap(const struct boot_info *bi, u64 bytes)
{
	for (unsigned int i = 0; i < bi->nr_mem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		u64 a = ALIGN_UP(r->addr, PAGE_SIZE);
		u64 end = min(r->addr + r->size, (u64)DIRECT_MAP_SIZE);
		u64 taken;

		if (r->type != BOOT_MEM_RAM)
			continue;
		while (a + bytes <= end) {
			taken = range_taken_until(bi, a, bytes);
			if (!taken)
				return a;
			a = ALIGN_UP(taken, PAGE_SIZE);
		}
	}
	return 0;
}

/* RAM past the first MiB and the image that the direct map reaches. */
static u64 ram_after_image(const struct boot_info *bi)
{
	u64 sum = 0;

	for (unsigned int i = 0; i < bi->nr_mem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		u64 a = max(r->addr, (u64)MiB);
		u64 end = min(r->addr + r->size, (u64)DIRECT_MAP_SIZE);
		u64 ks = max(a, kernel_phys_start()), ke = min(end, kernel_phys_end());

		if (r->type != BOOT_MEM_RAM || a >= end)
			continue;
		sum += end - a - (ks < ke ? ke - ks : 0);
	}
	return sum;
}

static void machine_too_small(u64 free)
{
	pr_emerg("mm: machine too small: %llu KiB of RAM free after the image, pvkit needs %lu KiB\n",
		 free / KiB, MM_MIN_FREE / KiB);
	kernel_exit(EXIT_FAIL);
}

static void *heap_grow(struct heap *heap, size_t *size)
{
	unsigned long n = DIV_ROUND_UP(max(*size, HEAP_GROW_MIN), PAGE_SIZE);
	void *p = alloc_pages(n);

	*size = n * PAGE_SIZE;
	return p;
}

void mm_init(const struct boot_info *bi)
{
	u64 top = 0, bitmap, bytes;

	for (unsigned int i = 0; i < bi->nr_mem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];

		if (r->type == BOOT_MEM_RAM)
			top = max(top, min(r->addr + r->size, (u64)DIRECT_MAP_SIZE));
	}
	if (!top)
		panic("mm: the memory map has no RAM");

	bytes = ALIGN_UP(PAGE_POOL_BITMAP_LONGS(pfn_down(top)) * sizeof(long), PAGE_SIZE);
	bitmap = place_bitmap(bi, bytes);
	/* Not even room for the bitmap: too small, and said the same way. */
	if (!bitmap)
		machine_too_small(ram_after_image(bi));
	page_pool_init(&pool, 0, pfn_down(top), phys_to_virt(bitmap));

	for (unsigned int i = 0; i < bi->nr_mem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];

		if (r->type == BOOT_MEM_RAM)
			page_pool_release(&pool, pfn_up(r->addr),
					  pfn_down(r->addr + r->size) - pfn_up(r->addr));
	}
	page_pool_reserve(&pool, 0, pfn_up(MiB));
	page_pool_reserve(&pool, pfn_down(kernel_phys_start()),
			  pfn_up(kernel_phys_end()) - pfn_down(kernel_phys_start()));
	page_pool_reserve(&pool, pfn_down(bitmap), bytes / PAGE_SIZE);
	for (unsigned int i = 0; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];

		page_pool_reserve(&pool, pfn_down(m->addr),
				  pfn_up(m->addr + m->size) - pfn_down(m->addr));
	}
	heap_init(&kheap, heap_grow);
	pr_info("mm: %lu pages (%lu MiB) free, bitmap at %#llx\n", pool.nr_free,
		pool.nr_free >> (20 - PAGE_SHIFT), bitmap);
	if (pool.nr_free < MM_MIN_FREE / PAGE_SIZE)
		machine_too_small((u64)pool.nr_free * PAGE_SIZE);
}

/*
 * The allocators are used from interrupt handlers too (a virtqueue frees
 * a request's indirect table when its completion interrupt comes), and
 * from every CPU: each entry takes its lock with interrupts off.  The
 * heap grows by alloc_pages() under heap_lock: always in that order.
 */
void *alloc_pages(unsigned long n)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	long pfn = page_pool_alloc(&pool, n, 1);

	spin_unlock_irqrestore(&pool_lock, flags);

	return pfn < 0 ? NULL : phys_to_virt((phys_addr_t)pfn << PAGE_SHIFT);
}

void free_pages(void *va, unsigned long n)
{
	unsigned long pfn = virt_to_phys(va) >> PAGE_SHIFT;
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	bool ok = page_pool_free(&pool, pfn, n);

	spin_unlock_irqrestore(&pool_lock, flags);
	if (!ok)
		pr_err("mm: bad free_pages(%p, %lu): not allocated\n", va, n);
}

unsigned long nr_free_pages(void)
{
	return pool.nr_free;
}

unsigned long nr_managed_pages(void)
{
	return pool.nr_pages;
}

struct page_pool *kernel_page_pool(void)
{
	return &pool;
}

void *kmalloc(size_t size)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	void *p = heap_alloc(&kheap, size);

	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	heap_free(&kheap, p);
	spin_unlock_irqrestore(&heap_lock, flags);
}

struct heap *kernel_heap(void)
{
	return &kheap;
}
