// SPDX-License-Identifier: GPL-2.0
/*
 * Xen PVH and HVM: the guest runs on its own page tables in a physical
 * address space of its own, so Xen's frames (shared_info, the grant
 * table) are placed in it with XENMEM_add_to_physmap, Xen knows our
 * memory by guest-physical address, and the event upcall is a vector
 * (HVM_PARAM_CALLBACK_IRQ).  An HVM guest also has a device model whose
 * emulated disks and NICs go before any bus is enumerated (platform.c).
 */
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <asm/irq_vectors.h>
#include <asm/page.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

/*
 * The frames placed so far: a new domain (after xl restore) has none of
 * them in its physical address space, and each goes back over the page
 * it had, which its users still point at.  That page is no RAM of ours
 * after the restore, so it is never given back either.
 */
#define XEN_HVM_MAX_FRAMES	8

static struct {
	unsigned int space;
	unsigned long idx;
	void *page;
} placed[XEN_HVM_MAX_FRAMES];
static unsigned int nr_placed;

static long place_frame(unsigned int space, unsigned long idx, void *page)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = space,
		.idx = idx,
		.gpfn = virt_to_phys(page) >> PAGE_SHIFT,
	};

	return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
}

static void *placed_before(unsigned int space, unsigned long idx)
{
	for (unsigned int i = 0; i < nr_placed; i++)
		if (placed[i].space == space && placed[i].idx == idx)
			return placed[i].page;
	return NULL;
}

/* A frame of Xen's placed in our physical address space, over a page of ours. */
static void *xen_hvm_map_frame(unsigned int space, unsigned long idx)
{
	void *page = placed_before(space, idx);
	bool again = page != NULL;
	long err;

	if (!page)
		page = alloc_pages(1);
	if (!page)
		return NULL;
	err = place_frame(space, idx, page);
	if (err) {
		pr_err("xen: mapping space %u frame %lu: %s\n", space, idx, xen_strerror(err));
		if (!again)
			free_pages(page, 1);	/* nothing was placed over it */
		return NULL;
	}
	if (!again && nr_placed < XEN_HVM_MAX_FRAMES)
		placed[nr_placed++] = (typeof(placed[0])){ space, idx, page };
	return page;
}

/* The upcall is a vector of ours (HVM_PARAM_CALLBACK_IRQ, type vector). */
static long xen_hvm_setup_upcall(void)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = (2ULL << 56) | HYPERVISOR_CALLBACK_VECTOR,
	};

	return HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

static u64 xen_hvm_frame_addr(const void *va)
{
	return virt_to_phys(va);
}

/*
 * Only once Xen's side works (no shared_info: no split drivers, so the
 * emulated disks stay); still before any bus is enumerated.
 */
static void xen_hvm_shared_info_ready(void)
{
	if (!xen_hvm_device_model())
		return;
	xen_hvm_unplug_emulated();
	pr_info("xen: device model present: %s\n", xen_unplug_result_name());
}

/* Nothing to take down first; the hypercall's third argument means nothing here. */
static int xen_hvm_pre_suspend(unsigned long *arg)
{
	*arg = 0;
	return 0;
}

/*
 * A new domain has a new device model, whose emulated disks and NICs
 * are back: they go again (Linux's xen_hvm_post_suspend).  The rest of
 * the resume is the modes' common one (arch/x86/xen/suspend.c).
 */
static void xen_hvm_post_suspend(int cancelled)
{
	if (cancelled || !xen_hvm_device_model())
		return;
	xen_hvm_unplug_emulated();
	pr_info("xen: the new device model: %s\n", xen_unplug_result_name());
}

const struct xen_mode_ops xen_hvm_mode = {
	.map_frame = xen_hvm_map_frame,
	.setup_upcall = xen_hvm_setup_upcall,
	.frame_addr = xen_hvm_frame_addr,
	.shared_info_ready = xen_hvm_shared_info_ready,
	.smp_init = xen_hvm_smp_init,
	.pre_suspend = xen_hvm_pre_suspend,
	.post_suspend = xen_hvm_post_suspend,
};
