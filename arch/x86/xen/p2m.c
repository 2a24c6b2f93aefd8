// SPDX-License-Identifier: GPL-2.0
/*
 * Xen PV: the P2M as the toolstack reads it.  To save or migrate a PV
 * domain, libxc finds our P2M list through shared_info: arch.max_pfn is
 * how many pfns the list has, arch.pfn_to_mfn_frame_list_list the
 * machine frame of one page, the frame list list, naming the frames of
 * the frame-list pages, each of which names the frames of up to 512
 * pages of the P2M list itself.  All of it is machine frame numbers, as
 * the toolstack maps what it finds.  arch.p2m_cr3 stays 0: there is no
 * virtually mapped list to walk instead, the tree is all.
 *
 *   shared_info.arch.pfn_to_mfn_frame_list_list
 *        -> frame list list  [mfn of frame list 0, 1, ...]
 *             -> frame list  [mfn of P2M page 0 .. 511]
 *                  -> P2M page [mfn of pfn 0 .. 511]
 *
 * The P2M list is Xen's start_info->mfn_list in the bootstrap area: it
 * never moves, and the balloon changes only its entries (a ballooned
 * pfn's is ~0, which libxc takes as "no page").  So the tree changes
 * only when every machine frame does: in a restored domain, where
 * xen_pv_p2m_publish() builds it again (suspend_pv.c).
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <xen/xen.h>
#include "xen-ops.h"

#define PER_PAGE	(PAGE_SIZE / sizeof(unsigned long))

static unsigned long *frame_list_list;	/* one page */
static unsigned long *frame_lists;	/* nr_lists pages */
static unsigned long nr_lists;

static unsigned long mfn_of(const void *va)
{
	return virt_to_machine(va) >> PAGE_SHIFT;
}

/* Fills both levels from the P2M list's frames as they are now. */
static void fill_lists(const unsigned long *p2m, unsigned long nr_leaves)
{
	memset(frame_lists, 0, nr_lists * PAGE_SIZE);
	memset(frame_list_list, 0, PAGE_SIZE);
	for (unsigned long k = 0; k < nr_leaves; k++)
		frame_lists[k] = mfn_of(p2m + k * PER_PAGE);
	for (unsigned long i = 0; i < nr_lists; i++)
		frame_list_list[i] = mfn_of(frame_lists + i * PER_PAGE);
}

/*
 * Builds the tree (the pages once) and names it in shared_info.  The
 * toolstack reads the frame list list's frame before max_pfn is of any
 * use, so that goes last, after a barrier.  0 or -errno: without the
 * tree the domain runs on, but cannot be saved (xl save says so).
 */
int xen_pv_p2m_publish(struct shared_info *si)
{
	unsigned long size, nr_leaves;
	const unsigned long *p2m = xen_pv_p2m(&size);

	if (!p2m || !size)
		return -ENODEV;
	/* A P2M page is named by its frame: entry k must start page k. */
	if ((unsigned long)p2m & ~PAGE_MASK) {
		pr_err("xen: the P2M list at %p is not page aligned: not published\n", p2m);
		return -EINVAL;
	}
	nr_leaves = DIV_ROUND_UP(size, PER_PAGE);
	if (!frame_list_list) {
		nr_lists = DIV_ROUND_UP(nr_leaves, PER_PAGE);
		if (nr_lists > PER_PAGE) {
			pr_err("xen: %lu pfns are too many for a P2M frame list list\n", size);
			return -E2BIG;
		}
		frame_lists = alloc_pages(nr_lists);
		frame_list_list = frame_lists ? alloc_pages(1) : NULL;
		if (!frame_list_list) {
			if (frame_lists)
				free_pages(frame_lists, nr_lists);
			frame_lists = NULL;
			pr_err("xen: no memory for the P2M frame lists\n");
			return -ENOMEM;
		}
	}
	fill_lists(p2m, nr_leaves);
	si->arch.p2m_cr3 = 0;
	si->arch.p2m_vaddr = 0;
	si->arch.p2m_generation = 0;
	si->arch.max_pfn = size;
	barrier();
	WRITE_ONCE(si->arch.pfn_to_mfn_frame_list_list, mfn_of(frame_list_list));
	return 0;
}
