// SPDX-License-Identifier: GPL-2.0
/*
 * PV's steps around a suspend (arch/x86/xen/suspend_pv.c), without the
 * hypercall between them: as a cancelled suspend returns, everything
 * must be as it was, and in between nothing of Xen's may be mapped and
 * start_info must name the rings by pfn, as libxc reads them.  (The
 * whole save and restore is xen-pv-domu-save's, against the toolstack.)
 * Skipped unless we run as a PV guest.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "../xen-ops.h"

static const char *not_pv(void)
{
	return xen_pv_domain() ? NULL : "not a Xen PV guest";
}

static unsigned long frame_at(const void *va)
{
	u64 *pte = lookup_pte((unsigned long)va);

	return pte ? (*pte & PTE_ADDR_MASK) >> PAGE_SHIFT : 0;
}

static unsigned long own_frame(const void *va)
{
	return pfn_to_mfn(virt_to_phys(va) >> PAGE_SHIFT);
}

/* What pre_suspend left, seen before post_suspend undoes it. */
static struct {
	int err;
	unsigned long arg, store, console, shared_frame, grant_frame, mask;
} in_between;

static void suspend_and_cancel(struct shared_info *shared, void *grant)
{
	struct start_info *si = xen_start_info;
	unsigned long flags = local_irq_save();

	in_between.err = xen_pv_mode.pre_suspend(&in_between.arg);
	if (!in_between.err) {
		in_between.store = si->store_mfn;
		in_between.console = si->console.domU.mfn;
		in_between.shared_frame = frame_at(shared);
		in_between.grant_frame = frame_at(grant);
		in_between.mask = shared->vcpu_info[0].evtchn_upcall_mask;
		xen_pv_mode.post_suspend(1);
	}
	local_irq_restore(flags);
}

static void the_initial_domain_cannot_suspend(struct ktest *t)
{
	unsigned long arg = 0;

	if (!xen_initial_domain()) {
		ktest_skip(t, "a domU can");
		return;
	}
	KT_EXPECT_EQ(t, xen_pv_mode.pre_suspend(&arg), -EPERM);
}

static void not_with_events_on(struct ktest *t)
{
	unsigned long arg = 0;

	if (xen_initial_domain()) {
		ktest_skip(t, "the initial domain never suspends");
		return;
	}
	KT_ASSERT_TRUE(t, !irqs_disabled());
	KT_EXPECT_EQ(t, xen_pv_mode.pre_suspend(&arg), -EINVAL);
	KT_EXPECT_EQ(t, arg, 0);
}

static void a_cancelled_suspend_leaves_all_as_it_was(struct ktest *t)
{
	struct start_info *si = xen_start_info;
	struct shared_info *shared = xen_pv_shared_info();
	unsigned long store = si->store_mfn, console = si->console.domU.mfn;
	unsigned long fll = shared->arch.pfn_to_mfn_frame_list_list;
	unsigned long shared_frame = frame_at(shared);
	void *grant;

	if (xen_initial_domain()) {
		ktest_skip(t, "the initial domain never suspends");
		return;
	}
	/* grant frame 0's page, the one the grant table already uses */
	grant = xen_pv_mode.map_frame(XENMAPSPACE_grant_table, 0);
	KT_ASSERT_NOT_NULL(t, grant);
	KT_EXPECT_TRUE(t, grant == xen_pv_mode.map_frame(XENMAPSPACE_grant_table, 0));
	KT_EXPECT_NE(t, frame_at(grant), own_frame(grant));
	KT_EXPECT_EQ(t, shared_frame, (unsigned long)(si->shared_info >> PAGE_SHIFT));

	suspend_and_cancel(shared, grant);
	KT_ASSERT_EQ(t, in_between.err, 0);
	/* in between: start_info's frame for libxc, the rings by pfn, nothing of Xen's */
	KT_EXPECT_EQ(t, in_between.arg, virt_to_machine(si) >> PAGE_SHIFT);
	KT_EXPECT_EQ(t, in_between.store, mfn_to_pfn(store));
	KT_EXPECT_EQ(t, in_between.console, mfn_to_pfn(console));
	KT_EXPECT_EQ(t, in_between.shared_frame, own_frame(shared));
	KT_EXPECT_EQ(t, in_between.grant_frame, own_frame(grant));
	KT_EXPECT_EQ(t, in_between.mask, 1);
	/* after: as before */
	KT_EXPECT_EQ(t, si->store_mfn, store);
	KT_EXPECT_EQ(t, si->console.domU.mfn, console);
	KT_EXPECT_EQ(t, frame_at(shared), shared_frame);
	KT_EXPECT_NE(t, frame_at(grant), own_frame(grant));
	KT_EXPECT_EQ(t, shared->arch.pfn_to_mfn_frame_list_list, fll);
	KT_EXPECT_NE(t, shared->wc_sec, 0);
}

static const struct ktest_case xen_pv_suspend_cases[] = {
	KTEST_CASE(the_initial_domain_cannot_suspend),
	KTEST_CASE(not_with_events_on),
	KTEST_CASE(a_cancelled_suspend_leaves_all_as_it_was),
	{}
};
KTEST_SUITE_SKIP(xen_pv_suspend, xen_pv_suspend_cases, not_pv);
