// SPDX-License-Identifier: GPL-2.0
/* The kernel's own page allocator and heap, as set up from the boot map. */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/bootinfo.h>
#include <pvkit/heap.h>
#include <pvkit/mm.h>
#include <pvkit/page_pool.h>
#include <pvkit/string.h>
#include <asm/page.h>

static void kernel_pool_reserves_image_and_low_mib(struct ktest *t)
{
	struct page_pool *p = kernel_page_pool();
	unsigned long first = kernel_phys_start() >> PAGE_SHIFT;
	unsigned long last = (kernel_phys_end() - 1) >> PAGE_SHIFT;

	for (unsigned long pfn = first; pfn <= last; pfn++)
		KT_EXPECT_FALSE(t, page_pool_is_free(p, pfn));
	for (unsigned long pfn = 0; pfn < (1 * MiB) >> PAGE_SHIFT; pfn++)
		KT_EXPECT_FALSE(t, page_pool_is_free(p, pfn));
	KT_EXPECT_GT(t, nr_free_pages(), 1000);
}

static void kernel_pages_are_usable_memory(struct ktest *t)
{
	unsigned long before = nr_free_pages();
	unsigned char *a = alloc_pages(3);

	KT_ASSERT_NOT_NULL(t, a);
	KT_EXPECT_EQ(t, (unsigned long)a % PAGE_SIZE, 0);
	KT_EXPECT_EQ(t, nr_free_pages(), before - 3);
	memset(a, 0x5a, 3 * PAGE_SIZE);
	KT_EXPECT_EQ(t, a[3 * PAGE_SIZE - 1], 0x5a);
	/* the page is in RAM the memory map offered */
	KT_EXPECT_LT(t, virt_to_phys(a), DIRECT_MAP_SIZE);
	free_pages(a, 3);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

struct chunk {
	void *va;
	unsigned long n;
};

/*
 * Takes every free page in as few chunks as it can, without touching
 * them (first touches are costly under nested KVM), then gives all back.
 */
static void kernel_pool_exhausts_and_recovers(struct ktest *t)
{
	static struct chunk chunks[512];
	unsigned long before = nr_free_pages(), got = 0, n = before;
	unsigned int nr = 0;

	while (n && nr < ARRAY_SIZE(chunks)) {
		void *va = alloc_pages(n);

		if (!va) {
			n /= 2;
			continue;
		}
		chunks[nr++] = (struct chunk){ va, n };
		got += n;
		n = min(n, nr_free_pages());
	}
	KT_EXPECT_EQ(t, got, before);
	KT_EXPECT_EQ(t, nr_free_pages(), 0);
	KT_EXPECT_NULL(t, alloc_pages(1));
	while (nr--)
		free_pages(chunks[nr].va, chunks[nr].n);
	KT_EXPECT_EQ(t, nr_free_pages(), before);
}

static void kmalloc_kfree_and_kzalloc(struct ktest *t)
{
	struct heap *h = kernel_heap();
	size_t used = h->used;
	unsigned char *a = kmalloc(1000), *z;

	KT_ASSERT_NOT_NULL(t, a);
	memset(a, 0xff, 1000);
	kfree(a);
	z = kzalloc(1000);
	KT_ASSERT_NOT_NULL(t, z);
	for (int i = 0; i < 1000; i++) {
		if (z[i]) {
			KT_EXPECT_EQ(t, z[i], 0);
			break;
		}
	}
	kfree(z);
	KT_EXPECT_EQ(t, h->used, used);
}

static void kmalloc_grows_from_pages(struct ktest *t)
{
	unsigned long before = nr_free_pages();
	void *big = kmalloc(200 * KiB);

	KT_ASSERT_NOT_NULL(t, big);
	KT_EXPECT_LE(t, nr_free_pages(), before - 50);
	kfree(big);
}

static const struct ktest_case mm_kernel_cases[] = {
	KTEST_CASE(kernel_pool_reserves_image_and_low_mib),
	KTEST_CASE(kernel_pages_are_usable_memory),
	KTEST_CASE(kernel_pool_exhausts_and_recovers),
	KTEST_CASE(kmalloc_kfree_and_kzalloc),
	KTEST_CASE(kmalloc_grows_from_pages),
	{}
};
KTEST_SUITE(mm_kernel, mm_kernel_cases);
