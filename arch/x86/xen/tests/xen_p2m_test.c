// SPDX-License-Identifier: GPL-2.0
/*
 * The P2M tree a PV domain publishes for the toolstack (arch/x86/xen/p2m.c),
 * read the way libxc's save does: from shared_info's arch fields, each
 * level by mapping the machine frame it names, with libxc's checks (no
 * frame 0, none beyond the machine's last), down to the P2M pages, which
 * must be ours and say what our own P2M says; and every pfn's frame must
 * map back to it in Xen's M2P.  A page given back to Xen and taken again
 * changes an entry, never the tree.  Skipped unless we run as a PV guest.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <xen/balloon.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "../xen-ops.h"

/* Away from the slots of the mm_pgtable and xen_pv suites. */
#define TEST_VA		(IOREMAP_BASE + IOREMAP_SIZE - (126UL << 20))
#define PER_PAGE	(PAGE_SIZE / sizeof(unsigned long))
#define NO_FRAME	(~0UL)

/* Copies of the tree's pages, as libxc keeps them (too big for the stack). */
static unsigned long fll_copy[PER_PAGE], fl_copy[PER_PAGE];

static const char *not_pv(void)
{
	return xen_pv_domain() ? NULL : "not a Xen PV guest";
}

static unsigned long max_ram_page(void)
{
	long top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);

	return top > 0 ? (unsigned long)top : 0;
}

/* A machine frame mapped read-only and untranslated, as a foreign mapping is. */
static const unsigned long *map_mfn(unsigned long mfn)
{
	if (map_pages(TEST_VA, (u64)mfn << PAGE_SHIFT, PAGE_SIZE,
		      _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_IOMAP))
		return NULL;
	return (const unsigned long *)TEST_VA;
}

/* The frame is one of ours: Xen's M2P and our P2M agree on it. */
static bool ours(unsigned long mfn, unsigned long *pfn)
{
	unsigned long size;
	const unsigned long *p2m = xen_pv_p2m(&size);
	unsigned long p = READ_ONCE(machine_to_phys_mapping[mfn]);

	*pfn = p;
	return p < size && p2m[p] == mfn;
}

static void published_in_shared_info(struct ktest *t)
{
	const struct shared_info *si = xen_pv_shared_info();
	unsigned long size, fll = si->arch.pfn_to_mfn_frame_list_list, pfn;
	const unsigned long *p2m = xen_pv_p2m(&size);

	KT_ASSERT_NOT_NULL(t, p2m);
	KT_EXPECT_EQ(t, si->arch.max_pfn, size);
	KT_EXPECT_EQ(t, si->arch.p2m_cr3, 0);		/* the tree, not a mapped list */
	KT_ASSERT_NE(t, fll, 0);
	KT_ASSERT_LE(t, fll, max_ram_page());
	KT_EXPECT_TRUE(t, ours(fll, &pfn));
	/* the P2M list starts a page: entry k * 512 starts P2M page k */
	KT_EXPECT_EQ(t, (unsigned long)p2m & ~PAGE_MASK, 0);
}

/*
 * libxc's map_p2m_tree(): (max_pfn - 1) / 512^2 + 1 frame lists, named
 * in the frame list list; (max_pfn - 1) / 512 + 1 P2M pages named in
 * them; each P2M page read through its frame holds our P2M's entries.
 */
static void the_tree_reads_as_our_p2m(struct ktest *t)
{
	const struct shared_info *si = xen_pv_shared_info();
	unsigned long size, last, top = max_ram_page(), pfn;
	const unsigned long *p2m = xen_pv_p2m(&size);
	unsigned long n_fl, n_leaves, checked = 0;
	const unsigned long *page;

	KT_ASSERT_GT(t, size, 0);
	last = si->arch.max_pfn - 1;
	n_fl = last / (PER_PAGE * PER_PAGE) + 1;
	n_leaves = last / PER_PAGE + 1;
	KT_ASSERT_LE(t, n_fl, PER_PAGE);
	page = map_mfn(si->arch.pfn_to_mfn_frame_list_list);
	KT_ASSERT_NOT_NULL(t, page);
	memcpy(fll_copy, page, PAGE_SIZE);
	for (unsigned long i = 0; i < n_fl; i++) {
		KT_ASSERT_NE(t, fll_copy[i], 0);
		KT_ASSERT_LE(t, fll_copy[i], top);
		KT_EXPECT_TRUE(t, ours(fll_copy[i], &pfn));
		page = map_mfn(fll_copy[i]);
		KT_ASSERT_NOT_NULL(t, page);
		memcpy(fl_copy, page, PAGE_SIZE);
		for (unsigned long j = 0; j < PER_PAGE && i * PER_PAGE + j < n_leaves; j++) {
			unsigned long k = i * PER_PAGE + j, n;
			unsigned long leaf_pfn = virt_to_phys(p2m + k * PER_PAGE) >> PAGE_SHIFT;

			KT_ASSERT_NE(t, fl_copy[j], 0);
			KT_ASSERT_LE(t, fl_copy[j], top);
			/* the frame of our P2M page k, and libxc finds its pfn by the M2P */
			KT_ASSERT_TRUE(t, ours(fl_copy[j], &pfn));
			KT_EXPECT_EQ(t, pfn, leaf_pfn);
			page = map_mfn(fl_copy[j]);
			KT_ASSERT_NOT_NULL(t, page);
			n = min(PER_PAGE, size - k * PER_PAGE);
			KT_EXPECT_MEMEQ(t, page, p2m + k * PER_PAGE, n * sizeof(*p2m));
			checked += n;
		}
	}
	unmap_pages(TEST_VA, PAGE_SIZE);
	KT_EXPECT_EQ(t, checked, size);
	/* libxc trims max_pfn where the last frame lists repeat: none do here */
	for (unsigned long i = 1; i < n_fl; i++)
		KT_EXPECT_NE(t, fll_copy[i], fll_copy[i - 1]);
}

/* Every pfn has a frame that maps back to it, or none (ballooned). */
static void every_pfn_maps_back_through_the_m2p(struct ktest *t)
{
	unsigned long size, top = max_ram_page(), valid = 0, none = 0, bad = 0;
	const unsigned long *p2m = xen_pv_p2m(&size);

	for (unsigned long pfn = 0; pfn < size; pfn++) {
		unsigned long mfn = READ_ONCE(p2m[pfn]);

		if (mfn == NO_FRAME)
			none++;
		else if (mfn <= top && READ_ONCE(machine_to_phys_mapping[mfn]) == pfn)
			valid++;
		else if (bad++ < 4)
			ktest_log(t, "pfn %#lx: frame %#lx maps back to %#lx", pfn, mfn,
				  mfn <= top ? machine_to_phys_mapping[mfn] : NO_FRAME);
	}
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_EQ(t, valid + none, size);
	KT_EXPECT_GT(t, valid, size / 2);
}

static long reservation(unsigned int cmd, xen_pfn_t *frame)
{
	struct xen_memory_reservation r = {
		.nr_extents = 1,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, frame);
	return HYPERVISOR_memory_op(cmd, &r);
}

/*
 * One page given back to Xen and taken again, as the balloon does: its
 * entry has no frame, then a new one the M2P knows; the tree stays the
 * same pages with the same contents (the P2M pages did not move).
 */
static void a_ballooned_page_changes_an_entry_not_the_tree(struct ktest *t)
{
	const struct shared_info *si = xen_pv_shared_info();
	unsigned long fll = si->arch.pfn_to_mfn_frame_list_list;
	unsigned long size, pfn;
	long rc;
	const unsigned long *p2m = xen_pv_p2m(&size);
	const unsigned long *page;
	xen_pfn_t frame;
	u64 *mem = alloc_pages(1);

	KT_ASSERT_NOT_NULL(t, mem);
	pfn = virt_to_phys(mem) >> PAGE_SHIFT;
	page = map_mfn(fll);
	KT_ASSERT_NOT_NULL(t, page);
	memcpy(fll_copy, page, PAGE_SIZE);

	KT_ASSERT_EQ(t, xen_pv_balloon_give(pfn, &frame), 0);
	KT_EXPECT_EQ(t, p2m[pfn], NO_FRAME);
	rc = reservation(XENMEM_decrease_reservation, &frame);
	if (rc != 1) {
		xen_pv_balloon_keep(pfn, frame);
		free_pages(mem, 1);
	}
	KT_ASSERT_EQ(t, rc, 1);
	frame = pfn;
	KT_ASSERT_EQ(t, reservation(XENMEM_populate_physmap, &frame), 1);
	xen_pv_balloon_keep(pfn, frame);
	KT_EXPECT_EQ(t, p2m[pfn], frame);
	KT_EXPECT_EQ(t, machine_to_phys_mapping[frame], pfn);
	mem[0] = 0x5a5a;
	KT_EXPECT_EQ(t, mem[0], 0x5a5a);

	KT_EXPECT_EQ(t, si->arch.pfn_to_mfn_frame_list_list, fll);
	page = map_mfn(fll);
	KT_ASSERT_NOT_NULL(t, page);
	KT_EXPECT_MEMEQ(t, page, fll_copy, PAGE_SIZE);
	unmap_pages(TEST_VA, PAGE_SIZE);
	free_pages(mem, 1);
}

static const struct ktest_case xen_p2m_cases[] = {
	KTEST_CASE(published_in_shared_info),
	KTEST_CASE(the_tree_reads_as_our_p2m),
	KTEST_CASE(every_pfn_maps_back_through_the_m2p),
	KTEST_CASE(a_ballooned_page_changes_an_entry_not_the_tree),
	{}
};
KTEST_SUITE_SKIP(xen_p2m, xen_p2m_cases, not_pv);
