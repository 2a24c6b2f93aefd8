// SPDX-License-Identifier: GPL-2.0
/*
 * The rings the toolstack prepared for a domU (include/xen/domain.h).
 */
#include <pvkit/kernel.h>
#include <asm/page.h>
#include <xen/domain.h>
#include <xen/hypercall.h>
#include <xen/xen.h>

struct xen_ring_info xen_pv_rings[XEN_NR_RINGS];
const unsigned long *xen_p2m;

u64 xen_virt_to_gfn(const void *p)
{
	return xen_pfn_to_gfn(virt_to_phys(p) >> PAGE_SHIFT);
}

static const struct {
	u32 pfn_param, port_param;
} hvm_params[XEN_NR_RINGS] = {
	[XEN_RING_STORE] = { HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN },
	[XEN_RING_CONSOLE] = { HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_EVTCHN },
};

static bool hvm_param(u32 index, u64 *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

	if (HYPERVISOR_hvm_op(HVMOP_get_param, &p))
		return false;
	*value = p.value;
	return true;
}

bool xen_domain_ring(enum xen_ring_kind kind, void **page, evtchn_port_t *port)
{
	struct xen_ring_info info = xen_pv_rings[kind];
	u64 pfn, evtchn;

	if (!info.valid) {
		/* Zero means "not set": the initial domain has neither ring. */
		if (!hvm_param(hvm_params[kind].pfn_param, &pfn) || !pfn ||
		    !hvm_param(hvm_params[kind].port_param, &evtchn) || !evtchn)
			return false;
		info = (struct xen_ring_info){ pfn, (evtchn_port_t)evtchn, true };
	}
	/* The direct map covers the first 4 GiB, where Xen puts these pages. */
	if (info.pfn >= DIRECT_MAP_SIZE >> PAGE_SHIFT)
		return false;
	*page = phys_to_virt(info.pfn << PAGE_SHIFT);
	*port = info.port;
	return true;
}
