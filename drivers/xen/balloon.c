// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen balloon: the toolstack writes the domain's memory target, in
 * KiB, into memory/target (xl mem-set); the guest gives pages back to Xen
 * (XENMEM_decrease_reservation) until it holds that much, and takes them
 * again (XENMEM_populate_physmap) when the target rises.  xl list shows
 * the domain's pages as Xen counts them (tot_pages).
 *
 * The target is read relative to the first one read at boot, which is
 * what the guest was given: the balloon holds first - target (and nothing
 * when the target is above the first one: memory is never hot-added).
 * The pages are the generic balloon's (mm/balloon.c), never below its
 * floor.  The watch runs in process context (xenbus_poll(), an app
 * poller); it reads the node once into its own buffer, validates it and
 * only sets the target; the work is done in passes of at most
 * XB_PASS_PAGES pages from a timer, with the rest of the kernel running
 * in between.  A page is given back only once taken from the allocator,
 * and given to the allocator only once Xen populated it again.
 *
 * A PV guest names machine frames and keeps its own P2M: a frame given
 * back is unmapped from the direct map and its P2M entry invalidated
 * first; a populated one gets its new frame in the P2M and the direct map
 * (arch/x86/xen/mmu_pv.c).
 */
#include <pvkit/balloon.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/irqflags.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <xen/balloon.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

/* Frames per hypercall, one pass. */
#define XB_PASS_PAGES		256
/* Between passes: the rest of the kernel runs. */
#define XB_PASS_GAP_NS		(1 * NSEC_PER_MSEC)
/* After Xen gave fewer pages than asked (short of memory), or refused. */
#define XB_RETRY_NS		(1 * NSEC_PER_SEC)
/* Refusals in a row before the balloon stops for good. */
#define XB_MAX_ERRORS		5

struct xen_balloon {
	struct balloon balloon;
	struct timer pass;
	u64 base_kib;			/* memory/target as first read */
	unsigned long target;		/* pages to hold, as last set */
	unsigned long warned_target;	/* the target the floor's log line was for */
	unsigned int errors;		/* refusals in a row */
	bool stopped;
	unsigned long pfns[XB_PASS_PAGES];
	xen_pfn_t frames[XB_PASS_PAGES];	/* what Xen reads: gfns, or PV's mfns */
};

static struct xen_balloon xb;

int xen_balloon_parse_target(const char *value, int len, u64 *kib)
{
	char buf[XEN_BALLOON_VALUE_MAX];
	unsigned long long v;

	if (len <= 0 || len >= (int)sizeof(buf))
		return -EINVAL;
	/* Our own copy: all len bytes are the number ("1024\0x" is not). */
	memcpy(buf, value, len);
	buf[len] = '\0';
	if (strlen(buf) != (size_t)len || kstrtoull(buf, 10, &v) || !v ||
	    v > XEN_BALLOON_MAX_KIB)
		return -EINVAL;
	*kib = v;
	return 0;
}

static int read_target(u64 *kib)
{
	char value[XEN_BALLOON_VALUE_MAX];
	int n = xs_read(XBT_NIL, XEN_BALLOON_TARGET_PATH, value, sizeof(value));

	if (n < 0)
		return n == -E2BIG ? -EINVAL : n;
	return xen_balloon_parse_target(value, n, kib);
}

/* What the balloon holds for a target: what the guest has above it. */
unsigned long xen_balloon_pages_for(u64 base_kib, u64 target_kib)
{
	if (target_kib >= base_kib)
		return 0;
	return (base_kib - target_kib) / (PAGE_SIZE / KiB);
}

static long reservation(unsigned int cmd, unsigned long n)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, xb.frames);
	return HYPERVISOR_memory_op(cmd, &r);
}

static void xen_balloon_pass(struct timer *t);

static void schedule_pass(u64 delay_ns)
{
	timer_start(&xb.pass, ktime_get_ns() + delay_ns, xen_balloon_pass);
}

/*
 * Xen did rc (its answer: a count, or -errno) of n: tried again later,
 * up to XB_MAX_ERRORS times in a row.
 */
static void refused(const char *what, long rc, unsigned long n)
{
	if (++xb.errors < XB_MAX_ERRORS) {
		pr_warn("xen: balloon: %s: %ld of %lu done; trying again\n", what, rc, n);
		return;
	}
	pr_err("xen: balloon: %s: %ld of %lu done, %u times short in a row: ballooning stops, %lu pages held\n",
	       what, rc, n, xb.errors, xb.balloon.nr_pages);
	xb.stopped = true;
}

/* The frame Xen is told of for a page we give back; -errno if none. */
static int give_frame(unsigned long pfn, xen_pfn_t *frame)
{
	if (xen_pv_domain())
		return xen_pv_balloon_give(pfn, frame);
	*frame = pfn;			/* auto-translated: the gfn is the pfn */
	return 0;
}

/* pfn is ours again with this frame (PV: the P2M and the direct map). */
static void keep_frame(unsigned long pfn, xen_pfn_t frame)
{
	if (xen_pv_domain())
		xen_pv_balloon_keep(pfn, frame);
}

/* What a reservation call did: how many of n, in order (rc: Xen's answer). */
static unsigned long extents_done(long rc, unsigned long n)
{
	return rc < 0 ? 0 : min((unsigned long)rc, n);
}

/* Gives up to XB_PASS_PAGES pages back to Xen; false when none went. */
static bool inflate(void)
{
	unsigned long want = min(xb.target - xb.balloon.nr_pages, (unsigned long)XB_PASS_PAGES);
	unsigned long n = balloon_take(&xb.balloon, xb.pfns, want);
	unsigned long named = 0, done, back;
	long rc = 0;

	if (!n) {
		if (xb.warned_target != xb.target)
			pr_warn("xen: balloon: the toolstack asks for %lu pages, the guest can give %lu: keeping %lu pages free\n",
				xb.target, xb.balloon.nr_pages, xb.balloon.floor);
		xb.warned_target = xb.target;
		return false;
	}
	while (named < n && !give_frame(xb.pfns[named], &xb.frames[named]))
		named++;
	if (named)
		rc = reservation(XENMEM_decrease_reservation, named);
	done = extents_done(rc, named);
	if (done == n)
		return true;
	/*
	 * The pages from done on are still ours (the last taken are on top
	 * of the stack): those named get their frames back, then all go
	 * back to the allocator.
	 */
	back = balloon_pop(&xb.balloon, xb.pfns, n - done);
	for (unsigned long i = 0; i < back; i++)
		if (n - 1 - i < named)
			keep_frame(xb.pfns[i], xb.frames[n - 1 - i]);
	balloon_release(&xb.balloon, xb.pfns, back);
	if (named < n)
		refused("unmapping pages", named, n);
	else
		refused("decrease_reservation", rc, n);
	return done > 0;
}

/* Takes up to XB_PASS_PAGES pages back from Xen; false when none came. */
static bool deflate(void)
{
	unsigned long want = min(xb.balloon.nr_pages - xb.target, (unsigned long)XB_PASS_PAGES);
	unsigned long n = balloon_pop(&xb.balloon, xb.pfns, want);
	unsigned long done;
	long rc;

	/* In: the pfns to fill; out: the frames Xen put there. */
	for (unsigned long i = 0; i < n; i++)
		xb.frames[i] = xb.pfns[i];
	rc = reservation(XENMEM_populate_physmap, n);
	done = extents_done(rc, n);
	for (unsigned long i = 0; i < done; i++)
		keep_frame(xb.pfns[i], xb.frames[i]);
	/* Not populated: still ballooned, in the order they were. */
	if (done < n) {
		balloon_unpop(&xb.balloon, xb.pfns + done, n - done);
		refused("populate_physmap", rc, n);
	}
	balloon_release(&xb.balloon, xb.pfns, done);
	return done > 0;
}

/*
 * One pass towards the target.  Runs from the timer interrupt,
 * interrupts off.
 */
static void xen_balloon_pass(struct timer *t)
{
	bool moved;

	if (xb.stopped)
		return;
	if (xb.target > xb.balloon.nr_pages && xb.warned_target != xb.target)
		moved = inflate();
	else if (xb.target < xb.balloon.nr_pages)
		moved = deflate();
	else
		return;
	if (moved)
		xb.errors = 0;
	if (xb.stopped || xb.target == xb.balloon.nr_pages ||
	    (!moved && xb.warned_target == xb.target))
		return;
	schedule_pass(moved ? XB_PASS_GAP_NS : XB_RETRY_NS);
}

static void target_changed(struct xs_watch *w, const char *path)
{
	unsigned long flags, pages;
	u64 kib;
	int err = read_target(&kib);

	if (err) {
		pr_err("xen: balloon: %s unreadable or not a size in KiB (%d): target kept\n",
		       XEN_BALLOON_TARGET_PATH, err);
		return;
	}
	pages = xen_balloon_pages_for(xb.base_kib, kib);
	if (kib > xb.base_kib)
		pr_warn("xen: balloon: target %llu KiB is above the %llu KiB the domain started with: no more than that\n",
			kib, xb.base_kib);
	flags = local_irq_save();
	if (pages != xb.target) {
		pr_info("xen: balloon: target %llu KiB: %lu pages to give back, %lu held\n",
			kib, pages, xb.balloon.nr_pages);
		xb.target = pages;
		xb.warned_target = ~0UL;
		xb.errors = 0;
		if (!xb.stopped)
			schedule_pass(0);
	}
	local_irq_restore(flags);
}

static struct xs_watch target_watch = {
	.path = XEN_BALLOON_TARGET_PATH,
	.token = "pvkit-balloon",
	.fn = target_changed,
};

static int xen_balloon_init(void)
{
	int err;

	if (!xs_ready())
		return 0;		/* not a domU */
	err = read_target(&xb.base_kib);
	if (err) {
		pr_warn("xen: balloon: no usable %s (%d): no ballooning\n",
			XEN_BALLOON_TARGET_PATH, err);
		return 0;
	}
	balloon_init(&xb.balloon, "xen", balloon_default_floor());
	xb.warned_target = ~0UL;
	err = xs_watch_add(&target_watch);
	if (err) {
		pr_err("xen: balloon: cannot watch %s: error %d\n", XEN_BALLOON_TARGET_PATH, err);
		return err;
	}
	pr_info("xen: balloon: %llu KiB at boot, floor %lu pages\n", xb.base_kib,
		xb.balloon.floor);
	return 0;
}
device_initcall(xen_balloon_init);
