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

/* A frame of Xen's placed in our physical address space, over a page of ours. */
static void *xen_hvm_map_frame(unsigned int space, unsigned long idx)
{
	void *page;
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = space,
		.idx = idx,
	};
	long err;

	page = alloc_pages(1);
	if (!page)
		return NULL;
	xatp.gpfn = virt_to_phys(page) >> PAGE_SHIFT;
	err = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (err) {
		pr_err("xen: mapping space %u frame %lu: %s\n", space, idx, xen_strerror(err));
		free_pages(page, 1);	/* nothing was placed over it */
		return NULL;
	}
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

const struct xen_mode_ops xen_hvm_mode = {
	.map_frame = xen_hvm_map_frame,
	.setup_upcall = xen_hvm_setup_upcall,
	.frame_addr = xen_hvm_frame_addr,
	.shared_info_ready = xen_hvm_shared_info_ready,
	.smp_init = xen_hvm_smp_init,
};
