// SPDX-License-Identifier: GPL-2.0
/*
 * Xen PV: the mode's steps around SCHEDOP_shutdown(suspend), the
 * xen_mode_ops pre_suspend and post_suspend of xen_pv_mode; the generic
 * sequence around them (frontends, xenstore, events, grants, time) is
 * drivers/xen's.
 *
 * What the toolstack does with a suspended PV domain (libxc's
 * xg_sr_save_x86_pv.c and xg_sr_restore_x86_pv.c): it reads our memory
 * through the P2M tree (p2m.c), turns every machine frame in our page
 * tables into a pfn (and refuses a table that maps a frame not ours),
 * and reads start_info's frame from the third argument of the suspend
 * hypercall.  The restored domain has all new machine frames: libxc
 * writes them into the P2M list and the page tables, and rewrites
 * start_info (shared_info, the xenstore and console frames and ports;
 * nr_pages; flags 0).  Everything else that names a machine frame is
 * ours to redo: shared_info's and the grant frames' mappings, the P2M
 * tree, the rings' ports, the M2P's extent.
 *
 * Or the suspend is cancelled (xl save -c, a failed save): the hypercall
 * returns 1 in the same domain, and what pre_suspend changed is undone.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <xen/interface/xen.h>
#include <xen/xen.h>
#include "xen-ops.h"

/* mfn as a pfn of ours, or -EINVAL when it is not one of our frames. */
static long our_pfn(unsigned long mfn)
{
	unsigned long size, pfn = mfn_to_pfn(mfn);

	xen_pv_p2m(&size);
	if (pfn >= size || pfn_to_mfn(pfn) != mfn)
		return -EINVAL;
	return pfn;
}

/*
 * The toolstack finds the xenstore and console pages in start_info by
 * pfn across a save (and writes their new frames back on restore).
 */
static int rings_to_pfns(struct start_info *si)
{
	long store = our_pfn(si->store_mfn), console = our_pfn(si->console.domU.mfn);

	if (store < 0 || console < 0) {
		pr_err("xen: start_info's xenstore (%#lx) or console (%#lx) frame is not ours: no suspend\n",
		       (unsigned long)si->store_mfn, (unsigned long)si->console.domU.mfn);
		return -EINVAL;
	}
	si->store_mfn = store;
	si->console.domU.mfn = console;
	return 0;
}

static void rings_to_mfns(struct start_info *si)
{
	si->store_mfn = pfn_to_mfn(si->store_mfn);
	si->console.domU.mfn = pfn_to_mfn(si->console.domU.mfn);
}

/*
 * Events are off (the caller's; Xen must not call us back with shared_info
 * gone).  On success *arg is start_info's machine frame, which libxc
 * reads from the vCPU's rdx.
 */
int xen_pv_pre_suspend(unsigned long *arg)
{
	struct start_info *si = xen_start_info;
	int err;

	if (xen_initial_domain())
		return -EPERM;
	if (!irqs_disabled())
		return -EINVAL;
	err = rings_to_pfns(si);
	if (err)
		return err;
	err = xen_pv_unmap_xen_frames();
	if (err) {
		rings_to_mfns(si);
		return err;
	}
	*arg = virt_to_machine(si) >> PAGE_SHIFT;
	return 0;
}

/*
 * Back from the hypercall, events still off.  In a restored domain the
 * vCPU's events are in shared_info's slot again (our own vcpu_info is
 * registered afresh by the generic code, which then says so through
 * vcpu_info_moved): the interrupt flag follows it there, masked.
 */
void xen_pv_post_suspend(int cancelled)
{
	struct start_info *si = xen_start_info;
	struct shared_info *shared = xen_pv_shared_info();
	int err;

	if (cancelled) {
		rings_to_mfns(si);
	} else {
		xen_pv_mmu_resume();
		xen_pv_read_rings();
	}
	xen_pv_map_xen_frames();
	if (!cancelled) {
		shared->vcpu_info[0].evtchn_upcall_mask = 1;
		xen_vcpu = &shared->vcpu_info[0];
	}
	err = xen_pv_p2m_publish(shared);
	if (err)
		pr_warn("xen: P2M not published again (%d): this domain cannot be saved again\n", err);
	pr_info("xen: PV %s: shared_info at mfn %#lx, xenstore pfn %#lx, console pfn %#lx, P2M frame list list at mfn %#lx\n",
		cancelled ? "suspend cancelled" : "restored",
		(unsigned long)(si->shared_info >> PAGE_SHIFT), mfn_to_pfn(si->store_mfn),
		mfn_to_pfn(si->console.domU.mfn),
		(unsigned long)shared->arch.pfn_to_mfn_frame_list_list);
}
