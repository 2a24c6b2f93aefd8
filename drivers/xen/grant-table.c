// SPDX-License-Identifier: GPL-2.0
/*
 * Grant tables, v1 (Xen's public grant_table.h): the table's frames are
 * mapped the way the Xen mode does it (struct xen_mode_ops: placed in our
 * physical address space for PVH and HVM, mapped by machine frame for
 * PV); entries are
 * { flags, domid, frame }, and flags are written last, so the other side
 * never sees a half-made grant.  References come from a free list kept
 * in our own memory.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/xen.h>

#define MAX_FRAMES	4
#define PER_FRAME	(PAGE_SIZE / sizeof(struct grant_entry_v1))

static struct grant_entry_v1 *table[MAX_FRAMES];
static unsigned int nr_frames;
#define END_OF_LIST	((grant_ref_t)~0U)
#define IN_USE		((grant_ref_t)~1U)	/* next_free[] of a granted reference */

static grant_ref_t *next_free;		/* free list, by reference */
/* Of our grants, those still in the table after the last resume. */
unsigned int gnttab_resumed_kept;
static grant_ref_t free_head = END_OF_LIST;
static unsigned int nr_free;
/* The free list and the held list: CPUs grant and end at once (blkfront's queues). */
static DEFINE_SPINLOCK(gnttab_lock);

bool gnttab_ready(void)
{
	return nr_frames != 0;
}

unsigned int gnttab_free_count(void)
{
	return nr_free;
}

static struct grant_entry_v1 *entry(grant_ref_t ref)
{
	return &table[ref / PER_FRAME][ref % PER_FRAME];
}

static bool gnttab_map_frame(const struct xen_mode_ops *mode, unsigned int i)
{
	table[i] = mode->map_frame(XENMAPSPACE_grant_table, i);
	return table[i] != NULL;
}

int gnttab_init(const struct xen_mode_ops *mode)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	unsigned int want;

	if (HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1) || q.status != GNTST_okay) {
		pr_err("xen: grant table size query failed\n");
		return -EIO;
	}
	want = min(q.max_nr_frames, (u32)MAX_FRAMES);
	while (nr_frames < want && gnttab_map_frame(mode, nr_frames))
		nr_frames++;
	if (!nr_frames)
		return -EIO;
	next_free = kzalloc(nr_frames * PER_FRAME * sizeof(grant_ref_t));
	if (!next_free) {
		nr_frames = 0;
		return -ENOMEM;
	}
	/* The first references are Xen's and the toolstack's. */
	free_head = END_OF_LIST;
	for (grant_ref_t r = nr_frames * PER_FRAME; r-- > GNTTAB_NR_RESERVED_ENTRIES;) {
		next_free[r] = free_head;
		free_head = r;
		nr_free++;
	}
	pr_info("xen: grant table v1, %u frames (%u references free)\n", nr_frames, nr_free);
	return 0;
}

/*
 * A new domain's grant table is Xen's afresh: its frames are mapped again
 * (where they were, if the mode can), and what we had granted is granted
 * no more.  Our references stay ours until their owners end them (the
 * entries are empty: that works) and grant anew.  Interrupts are off.
 */
int gnttab_resume(const struct xen_mode_ops *mode)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < nr_frames; i++) {
		void *page = mode->map_frame(XENMAPSPACE_grant_table, i);

		if (!page)
			return -EIO;
		table[i] = page;
	}
	/* Counted for the log: a grant that survived would be the toolstack's doing. */
	for (grant_ref_t r = GNTTAB_NR_RESERVED_ENTRIES; r < nr_frames * PER_FRAME; r++)
		if (next_free[r] == IN_USE && (READ_ONCE(entry(r)->flags) & GTF_permit_access))
			kept++;
	gnttab_resumed_kept = kept;
	return 0;
}

int gnttab_grant_access(domid_t domid, u64 gfn, bool readonly)
{
	unsigned long flags = spin_lock_irqsave(&gnttab_lock);
	struct grant_entry_v1 *e;
	grant_ref_t ref = free_head;

	if (ref == END_OF_LIST || gfn > 0xffffffffULL) {
		spin_unlock_irqrestore(&gnttab_lock, flags);
		return ref == END_OF_LIST ? -ENOSPC : -EINVAL;
	}
	free_head = next_free[ref];
	next_free[ref] = IN_USE;
	nr_free--;
	spin_unlock_irqrestore(&gnttab_lock, flags);
	e = entry(ref);
	e->domid = domid;
	e->frame = gfn;
	barrier();		/* x86 keeps stores in order; the compiler must too */
	WRITE_ONCE(e->flags, GTF_permit_access | (readonly ? GTF_readonly : 0));
	return ref;
}

bool gnttab_end_access(grant_ref_t ref)
{
	struct grant_entry_v1 *e;
	unsigned long flags;
	u16 old;

	/* Our own record says whether it is granted: a second end must not free it twice. */
	if (ref >= nr_frames * PER_FRAME || ref < GNTTAB_NR_RESERVED_ENTRIES ||
	    next_free[ref] != IN_USE)
		return false;
	e = entry(ref);
	/* Clear the grant only if the other side is not using the frame right now. */
	old = READ_ONCE(e->flags);
	do {
		if (old & (GTF_reading | GTF_writing))
			return false;
	} while (!__atomic_compare_exchange_n(&e->flags, &old, 0, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	flags = spin_lock_irqsave(&gnttab_lock);
	next_free[ref] = free_head;
	free_head = ref;
	nr_free++;
	spin_unlock_irqrestore(&gnttab_lock, flags);
	return true;
}

struct held_pages {
	void *page;
	unsigned long nr;
	struct held_pages *next;
};

static struct held_pages *held;
static unsigned long nr_held;

void gnttab_keep_held(void *page, unsigned long nr_pages)
{
	struct held_pages *h = kmalloc(sizeof(*h));
	unsigned long flags;

	pr_warn("xen: %lu page(s) at %p still held by another domain: not reused\n",
		nr_pages, page);
	if (h)
		*h = (struct held_pages){ page, nr_pages, NULL };
	/* Counted under the lock: two CPUs may keep pages at once. */
	flags = spin_lock_irqsave(&gnttab_lock);
	nr_held += nr_pages;
	if (h) {
		h->next = held;
		held = h;
	}			/* else lost either way, but never reused */
	spin_unlock_irqrestore(&gnttab_lock, flags);
}

unsigned long gnttab_held_pages(void)
{
	return nr_held;
}
