/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the toolstack set up for a domU before it started: the xenstore
 * ring and the console ring, each a page of ours and an event channel
 * bound on the other side.  A PVH or HVM guest asks Xen for them (HVM
 * params); a PV guest finds them in its start_info, and its boot code
 * fills xen_pv_rings before the console comes up.
 */
#ifndef _XEN_DOMAIN_H
#define _XEN_DOMAIN_H

#include <pvkit/types.h>
#include <xen/interface/event_channel.h>

enum xen_ring_kind {
	XEN_RING_STORE,
	XEN_RING_CONSOLE,
	XEN_NR_RINGS,
};

struct xen_ring_info {
	u64 pfn;			/* a frame in our physical address space */
	evtchn_port_t port;
	bool valid;
};

/* Filled by the PV entry from start_info (pfns already translated). */
extern struct xen_ring_info xen_pv_rings[XEN_NR_RINGS];

/*
 * Frames we name to Xen or to another domain (grants, rings) are guest
 * frame numbers: our pfns for an auto-translated guest (PVH, HVM), the
 * machine frames of a PV guest, whose boot code points xen_p2m at its
 * pfn-to-mfn table.
 */
extern const unsigned long *xen_p2m;

static inline u64 xen_pfn_to_gfn(u64 pfn)
{
	return xen_p2m ? xen_p2m[pfn] : pfn;
}

u64 xen_virt_to_gfn(const void *p);

/* The ring's page through the direct map and its port; false if none. */
bool xen_domain_ring(enum xen_ring_kind kind, void **page, evtchn_port_t *port);

/* The console ring of a new domain, after a resume (drivers/tty/hvc_xen.c). */
void xen_console_resume(void);

#endif
