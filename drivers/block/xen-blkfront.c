// SPDX-License-Identifier: GPL-2.0
/*
 * Xen blkfront (xen/io/blkif.h) behind the block-device interface.
 *
 * A shared ring (one or more pages) granted to the backend and an event
 * channel per queue: one queue, or with several CPUs as many as the
 * backend offers (multi-queue-max-queues) up to one per CPU, as Linux's
 * blkfront takes them.  CPU c submits on queue c % nr_queues, and queue
 * n's event channel is bound to CPU n's vCPU (EVTCHNOP_bind_vcpu), so a
 * CPU's requests complete on that CPU; a CPU that shares a queue whose
 * events go to another is woken by an IPI when its requests complete.
 * Each ring slot's request id is the index of a slot of its queue that
 * holds the block request and the grants of its data pages; the grants
 * are ended when the response comes, and a grant the backend still holds
 * is a protocol violation (its page cannot be trusted or reused).  A
 * violation on any queue shuts the whole device off.
 *
 * The caller's buffer is never granted: data goes through pages of our
 * own, one per segment, copied in for a write and out for a read that
 * succeeded.  A request can fail while the backend still maps its pages
 * (the backend broke the protocol, closed or vanished); its caller then
 * gets its buffer back untouched, and a page whose grant cannot be ended
 * is kept out of use for good (gnttab_keep_held, which logs it), never
 * freed under the backend's mapping.
 *
 * Locking: each queue's lock covers its ring, slots and state; its CPU's
 * submissions and events and CPU 0's xenbus work (stop, release,
 * reconnect: xenstore is CPU 0's) take it, one queue's at a time, and
 * done callbacks run without it (one may submit again).
 */
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <xen/domain.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/ring.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/interface/io/blkif.h>
#include <xen/interface/io/protocols.h>

/* Ring pages we ask for when the backend offers several (4: 128 slots). */
#define BF_MAX_RING_ORDER	2
#define BF_SEGS		BLKIF_MAX_SEGMENTS_PER_REQUEST
/* Segments per request through one indirect page, when the backend takes them. */
#define BF_MAX_INDIRECT_SEGS	256
#define SECTORS_PER_PAGE	(PAGE_SIZE / SECTOR_SIZE)
/* Data goes through whole pages of our own: a segment carries a page of sectors. */
#define MAX_SECTORS_FOR(segs)	((segs) * SECTORS_PER_PAGE)
#define CONNECT_TIMEOUT_NS	(30 * NSEC_PER_SEC)
/* Requests kept across a resume sent per call of resubmit(), interrupts off. */
#define BF_RESUBMIT_BATCH	8
/* Queues we take at most (one per CPU, and no more than the backend offers). */
#if defined(CONFIG_XEN_BLKFRONT_MQ) || defined(__HOST_TEST__)
#define BF_MAX_QUEUES		BLK_MAX_QUEUES
#else
#define BF_MAX_QUEUES		1
#endif

struct bf_slot {
	struct blk_request *req;
	int grefs[BF_MAX_INDIRECT_SEGS];	/* -1 once ended */
	u16 nr_grefs;
	/* Our data page behind each grant (NULL once freed or kept held). */
	void *pages[BF_MAX_INDIRECT_SEGS];
	u64 seq;			/* its submission's place, for a requeue in order */
	u8 op;
	u8 cpu;				/* the submitter's, to wake it */
	bool in_use;
	bool indirect;			/* sent as BLKIF_OP_INDIRECT */
	/* The slot's indirect page of segment descriptors, granted read-only for the device's life. */
	void *segs;
	int segs_ref;
};

struct blkfront;

/* One ring and its event channel. */
struct bf_queue {
	spinlock_t lock;		/* kept across resets: CPUs may wait on it */
	struct blkfront *bf;
	struct xen_front_ring ring;	/* its pages and grants (the kit's) */
	int port;
	int cpu;			/* its events' CPU */
	unsigned int index;
	bool up;			/* connected: takes requests */
	bool pushed;			/* requests filled since the last kick */
	struct bf_slot *slots;		/* nr_ents of them; the request id is the index */
	struct blkdev_queue_stats *stats;
};

struct blkfront {
	struct blkdev blk;
	struct xenbus_device *xdev;
	unsigned int ring_order;	/* the same for every queue */
	unsigned int nr_ents;		/* slots per ring: 32 per page */
	unsigned int max_segs;		/* per request: 11, or more with indirect pages */
	u16 vdevice;
	bool broken;
	unsigned int nr_queues;
	u64 seq;			/* submissions so far */
	struct bf_queue queues[BF_MAX_QUEUES];
	/*
	 * In flight when the domain was saved: for the new backend, in order,
	 * before anything new.  CPU 0 resubmits them; any CPU may fail them
	 * (stop_device()): under requeue_lock, which is taken before a
	 * queue's lock, never while one is held.
	 */
	spinlock_t requeue_lock;
	struct blk_request *requeue, **requeue_tail;
	/*
	 * Stops so far, and those the connection being set up has seen (its
	 * own, or the restore's), both under requeue_lock: one more, by
	 * another CPU before the queues start, and they never start.
	 */
	unsigned int stops, stops_seen;
};

static struct blkfront *to_bf(struct blkdev *dev)
{
	return container_of(dev, struct blkfront, blk);
}

static int bf_get_slot(struct bf_queue *q)
{
	for (unsigned int i = 0; i < q->bf->nr_ents; i++)
		if (!q->slots[i].in_use)
			return i;
	return -ENOSPC;
}

/*
 * The data pages go back with their grants (those ended already, or
 * ending now); a page the backend still maps is never used again.  False
 * if there was one.
 */
static bool release_data(struct bf_slot *s)
{
	bool ok = true;

	for (unsigned int i = 0; i < s->nr_grefs; i++)
		ok &= xenbus_ungrant_page(&s->pages[i], &s->grefs[i]);
	s->nr_grefs = 0;
	return ok;
}

/* A read's data, from our pages to the caller's buffer (before they are released). */
static void copy_out(struct bf_slot *s, struct blk_request *req)
{
	size_t left = (size_t)req->nr_sectors * SECTOR_SIZE;
	u8 *dst = req->buf;

	for (unsigned int i = 0; i < s->nr_grefs && left; i++) {
		size_t n = min(left, (size_t)PAGE_SIZE);

		memcpy(dst, s->pages[i], n);
		dst += n;
		left -= n;
	}
}

/* The queue this CPU submits on (and polls). */
static struct bf_queue *queue_here(struct blkfront *bf)
{
	if (BF_MAX_QUEUES == 1)
		return &bf->queues[0];
	return &bf->queues[smp_processor_id() % max(READ_ONCE(bf->nr_queues), 1U)];
}

/*
 * Completed requests, gathered under a queue's lock and handed back
 * once it is dropped, and the CPUs that submitted them (to wake).
 */
struct bf_done {
	struct blk_request *list, **tail;
	struct cpumask submitters;
};

static void done_init(struct bf_done *d)
{
	*d = (struct bf_done){ .tail = &d->list };
}

/* The slot is free again; its request waits in d for its status. */
static void take_back(struct bf_slot *s, int status, struct bf_done *d)
{
	struct blk_request *req = s->req;

	cpumask_set(&d->submitters, s->cpu);
	s->in_use = false;
	s->req = NULL;
	req->status = status;
	req->next = NULL;
	*d->tail = req;
	d->tail = &req->next;
}

/*
 * Without the lock: the callbacks, then an IPI to the other CPUs whose
 * requests these were, which may be halted waiting for them (the IPI's
 * handler finds no cross-call and returns).
 */
static void done_finish(struct bf_queue *q, struct bf_done *d)
{
	while (d->list) {
		struct blk_request *req = d->list;

		d->list = req->next;
		blk_complete(req, req->status);
	}
	/* Without a queue per CPU the others poll: blkfront has no irq_here. */
	cpumask_clear_cpu(&d->submitters, smp_processor_id());
	if (BF_MAX_QUEUES == 1 || !cpumask_weight(&d->submitters))
		return;
	if (q)
		blk_stat_add(&q->stats->wakeups, 1);
	smp_send_ipi_mask(&d->submitters);
}

/*
 * A queue stops: every request in flight fails.  Its lock held.  A queue
 * not up has none (they went with its stop, or to the requeue list), and
 * may be being set up or released by CPU 0 without the lock meanwhile
 * (its slots allocated or freed, its port closed): left alone.
 */
static void stop_queue(struct bf_queue *q, struct bf_done *d)
{
	struct blkfront *bf = q->bf;

	if (!q->up)
		return;
	q->up = false;
	if (q->port >= 0)
		evtchn_mask(q->port);
	for (unsigned int i = 0; q->slots && i < bf->nr_ents; i++) {
		struct bf_slot *s = &q->slots[i];

		if (!s->in_use)
			continue;
		if (!release_data(s))
			pr_err("%s: queue %u request %u failed while the backend still maps its pages; "
			       "they are kept out of use\n", bf->blk.name, q->index, i);
		take_back(s, BLK_EBROKEN, d);
	}
}

/*
 * Stops the device; every request in flight fails, on every queue.  All
 * under requeue_lock (then each queue's), so that start_queues() comes
 * wholly before or after it.  reconnecting: the stop that begins
 * xenbus's reconnection (the backend left), not one the next
 * connection must keep to.
 */
static void stop_device(struct blkfront *bf, bool reconnecting)
{
	unsigned long flags;
	struct bf_done d;

	done_init(&d);
	flags = spin_lock_irqsave(&bf->requeue_lock);
	bf->stops++;
	if (reconnecting)
		bf->stops_seen = bf->stops;
	/* Before the queues' locks: a submission that takes one after us sees it. */
	WRITE_ONCE(bf->broken, true);
	for (unsigned int n = 0; n < BF_MAX_QUEUES; n++) {
		struct bf_queue *q = &bf->queues[n];

		spin_lock(&q->lock);
		stop_queue(q, &d);
		spin_unlock(&q->lock);
	}
	/* Kept across a suspend for a backend that did not come: they fail too. */
	while (bf->requeue) {
		struct blk_request *req = bf->requeue;

		bf->requeue = req->next;
		req->status = BLK_EBROKEN;
		req->next = NULL;
		*d.tail = req;
		d.tail = &req->next;
	}
	bf->requeue_tail = &bf->requeue;
	spin_unlock_irqrestore(&bf->requeue_lock, flags);
	done_finish(NULL, &d);
}

static void bf_shutdown(struct blkdev *dev, const char *why)
{
	struct blkfront *bf = to_bf(dev);

	if (!READ_ONCE(bf->broken))
		pr_err("%s: %s; device shut off\n", dev->name, why);
	stop_device(bf, false);
}

/* The block layer's status for blkif's; false if it is not one of blkif's. */
static bool blkif_status(s16 status, int *blk)
{
	switch (status) {
	case BLKIF_RSP_OKAY:
		*blk = BLK_OK;
		return true;
	case BLKIF_RSP_ERROR:
		*blk = BLK_EIO;
		return true;
	case BLKIF_RSP_EOPNOTSUPP:
		*blk = BLK_EUNSUPP;
		return true;
	}
	return false;
}

/* One response, its queue's lock held: NULL, or why the backend is shut off. */
static const char *complete_one(struct bf_queue *q, const struct blkif_response *rsp,
				struct bf_done *d)
{
	struct blkfront *bf = q->bf;
	struct bf_slot *s;
	int status;

	if (rsp->id >= bf->nr_ents || !q->slots[rsp->id].in_use)
		return "a response for a request not in flight";
	s = &q->slots[rsp->id];
	if (rsp->operation != s->op &&
	    !(s->indirect && rsp->operation == BLKIF_OP_INDIRECT))
		return "a response with another operation than its request";
	if (!blkif_status(rsp->status, &status))
		return "a response with an unknown status";
	/* The grants are ended first: then the backend can no longer write the data. */
	if (!xenbus_end_grants(s->grefs, s->nr_grefs))
		return "the backend answered but still holds a data page";
	if (status == BLK_OK && s->op == BLKIF_OP_READ)
		copy_out(s, s->req);
	release_data(s);
	take_back(s, status, d);
	return NULL;
}

/* Every response there is, its lock held: the work is bounded by the requests in flight. */
static const char *take_responses(struct bf_queue *q, struct bf_done *d)
{
	struct xen_ring_iter it;
	struct blkif_response rsp;
	const char *why = NULL;

	if (!q->up)
		return NULL;
	xen_ring_for_each_response(&it, &q->ring, blkif, rsp, XEN_RING_NO_BUDGET,
				   &q->bf->broken) {
		why = complete_one(q, &rsp, d);
		if (why)
			return why;
	}
	return it.lied ? "more responses than requests in flight" : NULL;
}

/* A queue's responses; a lie on it shuts the whole device off.  Interrupts off. */
static void bf_process(struct bf_queue *q)
{
	struct bf_done d;
	const char *why;

	done_init(&d);
	spin_lock(&q->lock);
	why = take_responses(q, &d);
	spin_unlock(&q->lock);
	done_finish(q, &d);
	if (why && !READ_ONCE(q->bf->broken)) {
		pr_err("%s: queue %u: %s; device shut off\n", q->bf->blk.name, q->index, why);
		stop_device(q->bf, false);
	}
}

static void bf_interrupt(evtchn_port_t port, void *data)
{
	struct bf_queue *q = data;
	struct blkdev *dev = &q->bf->blk;
	unsigned int cpu = smp_processor_id();

	blk_stat_add(&dev->stats.interrupts, 1);
	/* Each queue's and CPU's counts, with a queue per CPU (blkbench's cpus=). */
	if (BF_MAX_QUEUES > 1) {
		blk_stat_add(&q->stats->interrupts, 1);
		if ((int)cpu != q->cpu)
			blk_stat_add(&q->stats->elsewhere, 1);
		if (cpu < BLK_STAT_CPUS)
			blk_stat_add(&dev->stats.cpu_interrupts[cpu], 1);
	}
	bf_process(q);
}

static void resubmit(struct blkfront *bf);

/*
 * This CPU's queue, as its interrupt would.  CPU 0 also runs xenbus (a
 * backend that closed or came back is noticed there: otherend_changed)
 * and sends what waits since a resume.
 */
static void bf_poll(struct blkdev *dev)
{
	struct blkfront *bf = to_bf(dev);
	bool boot_cpu = smp_processor_id() == 0;
	unsigned long flags;

	if (boot_cpu)
		xenbus_poll();
	flags = local_irq_save();
	bf_process(queue_here(bf));
	local_irq_restore(flags);
	if (boot_cpu && bf->requeue && !READ_ONCE(bf->broken))
		resubmit(bf);
}

/* What this CPU queued, on its queue. */
static void bf_kick(struct blkdev *dev)
{
	struct blkfront *bf = to_bf(dev);
	struct bf_queue *q = queue_here(bf);
	unsigned long flags;

	if (!READ_ONCE(q->pushed))
		return;
	flags = spin_lock_irqsave(&q->lock);
	if (q->pushed && q->up && xen_ring_push(&q->ring)) {
		blk_stat_add(&dev->stats.notifications, 1);
		q->stats->notifications++;
		evtchn_notify(q->port);
	}
	q->pushed = false;
	spin_unlock_irqrestore(&q->lock, flags);
}

/* Whether this CPU's completions interrupt it: its queue's event, or the IPI of the CPU that takes it. */
static bool bf_irq_here(struct blkdev *dev)
{
	return READ_ONCE(queue_here(to_bf(dev))->port) >= 0;
}

/*
 * Acquire all or unwind: a page of our own and its grant for each of nr
 * segments, or nothing held (-errno).  The backend only reads a write's.
 */
static int bf_grant_data(struct blkfront *bf, struct bf_slot *s, unsigned int nr)
{
	bool readonly = s->op == BLKIF_OP_WRITE;
	int err;

	for (s->nr_grefs = 0; s->nr_grefs < nr; s->nr_grefs++) {
		err = xenbus_grant_page(bf->xdev, readonly, &s->pages[s->nr_grefs],
					&s->grefs[s->nr_grefs]);
		if (err) {
			release_data(s);
			return err;
		}
	}
	return 0;
}

/*
 * The data of a read or write through pages of our own, one per
 * segment, described in seg (the request's own array, or the slot's
 * indirect page); a write's data is copied in before the request is
 * published.  False when out of pages or grants, with nothing held.
 */
static bool map_data(struct blkfront *bf, struct bf_slot *s,
		     struct blkif_request_segment *seg, struct blk_request *req)
{
	size_t left = (size_t)req->nr_sectors * SECTOR_SIZE;
	const u8 *src = req->buf;

	if (bf_grant_data(bf, s, DIV_ROUND_UP(left, PAGE_SIZE)))
		return false;
	for (unsigned int i = 0; i < s->nr_grefs; i++) {
		size_t n = min(left, (size_t)PAGE_SIZE);

		if (s->op == BLKIF_OP_WRITE)
			memcpy(s->pages[i], src, n);
		seg[i] = (struct blkif_request_segment){
			.gref = s->grefs[i], .first_sect = 0, .last_sect = n / SECTOR_SIZE - 1,
		};
		src += n;
		left -= n;
	}
	return true;
}

static u8 blkif_op(enum blk_op op)
{
	switch (op) {
	case BLK_WRITE: return BLKIF_OP_WRITE;
	case BLK_FLUSH: return BLKIF_OP_FLUSH_DISKCACHE;
	case BLK_DISCARD: return BLKIF_OP_DISCARD;
	default: return BLKIF_OP_READ;
	}
}

static void fill_discard(struct blkfront *bf, struct blkif_request *rq,
			 struct blk_request *req, unsigned int id)
{
	struct blkif_request_discard *d = (struct blkif_request_discard *)rq;

	*d = (struct blkif_request_discard){
		.operation = BLKIF_OP_DISCARD,
		.handle = bf->vdevice,
		.id = id,
		.sector_number = req->sector,
		.nr_sectors = req->nr_sectors,
	};
}

static void fill_indirect(struct blkfront *bf, struct blkif_request *rq,
			  struct bf_slot *s, unsigned int id)
{
	struct blkif_request_indirect *ind = (struct blkif_request_indirect *)rq;
	u8 op = s->op;

	*ind = (struct blkif_request_indirect){
		.operation = BLKIF_OP_INDIRECT,
		.indirect_op = op,
		.nr_segments = s->nr_grefs,
		.id = id,
		.sector_number = s->req->sector,
		.handle = bf->vdevice,
		.indirect_grefs = { s->segs_ref },
	};
}

/*
 * The request into a free slot of q and onto its ring, q's lock held: 0
 * or a status.  cpu: its submitter's, woken when it completes.
 */
static int queue_request(struct blkfront *bf, struct bf_queue *q, struct blk_request *req,
			 unsigned int cpu)
{
	struct blkif_request rq;
	struct bf_slot *s;
	int id;

	if (READ_ONCE(bf->broken))
		return BLK_EBROKEN;
	/* Not set up yet, or a queue a reconnection left out: after a completion. */
	if (!q->up)
		return BLK_EBUSY;
	id = bf_get_slot(q);
	if (id < 0 || xen_ring_full(&q->ring))
		return BLK_EBUSY;
	s = &q->slots[id];
	s->req = req;
	s->op = blkif_op(req->op);
	s->nr_grefs = 0;
	s->indirect = false;
	rq = (struct blkif_request){
		.operation = s->op, .handle = bf->vdevice, .id = id,
		.sector_number = req->sector,
	};
	if (req->op == BLK_READ || req->op == BLK_WRITE) {
		unsigned int segs = DIV_ROUND_UP(req->nr_sectors, SECTORS_PER_PAGE);

		/*
		 * The block layer checked it against the connection it was
		 * submitted on; one kept across a resume may be more than this
		 * one takes (fewer indirect segments, or none: no indirect page).
		 */
		if (segs > bf->max_segs)
			return BLK_EIO;
		s->indirect = segs > BF_SEGS;
		if (!map_data(bf, s, s->indirect ? s->segs : rq.seg, req))
			return BLK_EBUSY;
		if (s->indirect)
			fill_indirect(bf, &rq, s, id);
		else
			rq.nr_segments = s->nr_grefs;
	}
	s->in_use = true;
	s->cpu = cpu;
	s->seq = __atomic_fetch_add(&bf->seq, 1, __ATOMIC_RELAXED);
	if (req->op == BLK_DISCARD)
		fill_discard(bf, &rq, req, id);
	/* Build it privately, copy it in whole. */
	*XEN_RING_NEXT_REQ(&q->ring, blkif) = rq;
	q->pushed = true;
	/* Counted by the block layer (blkdev_queue), which owns that statistic. */
	q->stats->requests++;
	return 0;
}

/* Out of line: bf_submit() and resubmit() share one copy (the image budget). */
static __noinline int submit_here(struct blkfront *bf, struct blk_request *req,
				  unsigned int cpu)
{
	struct bf_queue *q = queue_here(bf);
	unsigned long flags = spin_lock_irqsave(&q->lock);
	int err = queue_request(bf, q, req, cpu);

	spin_unlock_irqrestore(&q->lock, flags);
	return err;
}

static int bf_submit(struct blkdev *dev, struct blk_request *req)
{
	struct blkfront *bf = to_bf(dev);

	/* A device whose backend left is back only once xenbus has run its callback. */
	if (bf->xdev->otherend_gone && smp_processor_id() == 0)
		xenbus_poll();
	if (READ_ONCE(bf->broken))
		return BLK_EBROKEN;
	if (req->op != BLK_READ && req->op != BLK_WRITE && req->op != BLK_FLUSH &&
	    req->op != BLK_DISCARD)
		return BLK_EUNSUPP;
	/* What waits since a resume goes first (resubmit()). */
	if (READ_ONCE(bf->requeue))
		return BLK_EBUSY;
	return submit_here(bf, req, smp_processor_id());
}

static const struct blkdev_ops blkfront_ops = {
	.submit = bf_submit,
	.kick = bf_kick,
	.poll = bf_poll,
	.irq_here = BF_MAX_QUEUES > 1 ? bf_irq_here : NULL,
	.shutdown = bf_shutdown,
};

/* A queue's ring pages and event channel, under dir. */
static int bf_write_queue(struct bf_queue *q, u32 tx, const char *dir)
{
	/* ring-ref for one page, ring-ref0.. for several (ring-page-order says how many) */
	int err = xenbus_publish_ring(tx, dir, "ring-ref", &q->ring);

	return err ? err : xenbus_publish_evtchn(tx, dir, q->port);
}

/*
 * The rings, their grants and event channels, for one transaction: at
 * the top of our directory for one queue, under queue-N/ for several.
 */
static int bf_write_config(u32 tx, void *ctx)
{
	struct blkfront *bf = ctx;
	const char *top = bf->xdev->nodename;
	char dir[sizeof(bf->xdev->nodename) + 16];
	int err = 0;

	if (bf->ring_order)
		err = xs_printf(tx, top, "ring-page-order", "%u", bf->ring_order);
	if (!err && bf->nr_queues > 1)
		err = xs_printf(tx, top, "multi-queue-num-queues", "%u", bf->nr_queues);
	for (unsigned int n = 0; !err && n < bf->nr_queues; n++) {
		snprintf(dir, sizeof(dir), "%s/queue-%u", top, n);
		err = bf_write_queue(&bf->queues[n], tx, bf->nr_queues > 1 ? dir : top);
	}
	if (!err)
		err = xs_printf(tx, top, "protocol", "%s", XEN_IO_PROTO_ABI_NATIVE);
	return err;
}

static size_t slots_size(unsigned int nr)
{
	return ((size_t)nr * sizeof(struct bf_slot) + PAGE_SIZE - 1) / PAGE_SIZE;
}

/*
 * Queue n's events to CPU n (the queue CPU n submits on), bound to its
 * vCPU; where that cannot be they stay on CPU 0, which then completes
 * for it and wakes the submitter.  Before the backend knows the port.
 */
static void route_queue(struct blkfront *bf, struct bf_queue *q)
{
	q->cpu = xenbus_bind_queue(bf->xdev, q->port, q->index);
	q->stats->cpu = q->cpu;
}

static int setup_queue(struct blkfront *bf, struct bf_queue *q)
{
	int err;

	/* The slots are made sane first: teardown reads them whatever fails next. */
	q->slots = alloc_pages(slots_size(bf->nr_ents));
	if (!q->slots)
		return -ENOMEM;
	memset(q->slots, 0, slots_size(bf->nr_ents) * PAGE_SIZE);
	for (unsigned int i = 0; i < bf->nr_ents; i++)
		q->slots[i].segs_ref = -1;
	/* What fails is undone by release_queue(), which the caller's failure path runs. */
	err = xenbus_setup_ring(bf->xdev, &q->ring, 1U << bf->ring_order, bf->nr_ents);
	if (!err)
		err = xenbus_alloc_evtchn(bf->xdev, bf_interrupt, q, &q->port);
	if (!err && BF_MAX_QUEUES > 1)
		route_queue(bf, q);
	return err;
}

static int bf_setup_rings(struct blkfront *bf)
{
	u64 max_order = 0;
	int err = 0;

	/* Offered by the backend before it waits for us (InitWait). */
	xs_read_u64(XBT_NIL, bf->xdev->otherend, "max-ring-page-order", &max_order);
	bf->ring_order = min(max_order, (u64)BF_MAX_RING_ORDER);
	bf->nr_ents = __CONST_RING_SIZE(blkif, PAGE_SIZE << bf->ring_order);
	bf->nr_queues = BF_MAX_QUEUES > 1 ? xenbus_nr_queues(bf->xdev, BF_MAX_QUEUES) : 1;
	for (unsigned int n = 0; !err && n < bf->nr_queues; n++)
		err = setup_queue(bf, &bf->queues[n]);
	return err ? err : xs_transaction(bf_write_config, bf);
}

/*
 * With feature-max-indirect-segments, each slot gets a page of segment
 * descriptors, granted to the backend once (it only reads them).
 */
static bool setup_indirect_queue(struct blkfront *bf, struct bf_queue *q)
{
	for (unsigned int i = 0; i < bf->nr_ents; i++) {
		struct bf_slot *s = &q->slots[i];

		if (xenbus_grant_page(bf->xdev, true, &s->segs, &s->segs_ref))
			return false;
	}
	return true;
}

/* A queue's indirect pages go back with their grants, except those the backend still maps. */
static void drop_indirect_queue(struct blkfront *bf, struct bf_queue *q)
{
	for (unsigned int i = 0; q->slots && i < bf->nr_ents; i++)
		xenbus_ungrant_page(&q->slots[i].segs, &q->slots[i].segs_ref);
}

static void setup_indirect(struct blkfront *bf)
{
	u64 max = 0;

	bf->max_segs = BF_SEGS;
	xs_read_u64(XBT_NIL, bf->xdev->otherend, "feature-max-indirect-segments", &max);
	if (max <= BF_SEGS)
		return;
	for (unsigned int n = 0; n < bf->nr_queues; n++) {
		if (!setup_indirect_queue(bf, &bf->queues[n])) {
			pr_warn("%s: no room for indirect pages; 11 segments a request\n",
				bf->xdev->nodename);
			for (unsigned int k = 0; k <= n; k++)
				drop_indirect_queue(bf, &bf->queues[k]);
			return;
		}
	}
	bf->max_segs = min(max, (u64)BF_MAX_INDIRECT_SEGS);
}

/* What the backend tells once Connected; the size is required. */
static int read_disk(struct blkfront *bf)
{
	const char *be = bf->xdev->otherend;
	u64 sectors, sector_size = SECTOR_SIZE, info = 0;
	int err = xs_read_u64(XBT_NIL, be, "sectors", &sectors);

	if (err)
		return err;
	xs_read_u64(XBT_NIL, be, "sector-size", &sector_size);
	xs_read_u64(XBT_NIL, be, "info", &info);
	if (sector_size != SECTOR_SIZE) {
		/* sectors counts sector-size units; pvkit's requests are 512-byte sectors */
		pr_err("%s: sector size %llu is not supported\n", bf->xdev->nodename,
		       sector_size);
		return -EINVAL;
	}
	bf->blk.nr_sectors = sectors;
	bf->blk.read_only = info & VDISK_READONLY;
	bf->blk.has_flush = xs_read_flag(be, "feature-flush-cache");
	bf->blk.has_discard = xs_read_flag(be, "feature-discard");
	setup_indirect(bf);
	return 0;
}

/* A queue as before set-up: nothing allocated, granted or bound (its lock left alone). */
static void reset_queue(struct blkfront *bf, struct bf_queue *q)
{
	unsigned int n = q - bf->queues;

	q->bf = bf;
	q->index = n;
	q->port = -1;
	q->cpu = 0;
	q->up = false;
	q->pushed = false;
	q->slots = NULL;
	q->stats = &bf->blk.queue_stats[n];
	xen_front_ring_reset(&q->ring);
}

/*
 * A queue's ring and indirect pages go back, except those the backend
 * still maps.  Stopped first, under its lock (stop_device()): a handler
 * or submission that takes the lock after that finds the device broken
 * and the queue down, and touches nothing of the ring or slots.  The
 * handler still uses the queue and the device: its port's close waits
 * until no CPU runs it.  False if that wait ran out (a vCPU stuck in
 * it): then the device's memory must be kept.
 */
static bool release_queue(struct blkfront *bf, struct bf_queue *q)
{
	bool closed = !xenbus_free_evtchn(&q->port);

	drop_indirect_queue(bf, q);
	if (q->slots)
		free_pages(q->slots, slots_size(bf->nr_ents));
	xenbus_teardown_ring(&q->ring);
	reset_queue(bf, q);
	return closed;
}

/*
 * The queues connected take requests (the device was stopped while they
 * were set up): up is stored after everything set up, released, and
 * read under the queue's lock.  Not if another CPU stopped the device
 * since this connection began (the block layer gave up on it, or a
 * queue's backend lied): that stop sticks, and false is returned.
 * Under requeue_lock, as stop_device(): wholly before or after one.
 */
static bool start_queues(struct blkfront *bf)
{
	unsigned long flags = spin_lock_irqsave(&bf->requeue_lock);
	bool start = bf->stops == bf->stops_seen;

	for (unsigned int n = 0; start && n < bf->nr_queues; n++)
		__atomic_store_n(&bf->queues[n].up, true, __ATOMIC_RELEASE);
	if (start)
		__atomic_store_n(&bf->broken, false, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&bf->requeue_lock, flags);
	return start;
}

/*
 * Takes the device apart: requests in flight fail, the backend is told
 * to close, the rings' grants are ended.  A page the backend still holds
 * is left alone (leaked) rather than reused under it.
 */
static void blkfront_remove(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;
	bool closed = true;

	if (!bf)
		return;
	if (bf->blk.ops) {
		blkdev_unregister(&bf->blk);
		stop_device(bf, false);
	}
	if (xdev->state != XenbusStateInitialising)
		xenbus_close(xdev);
	for (unsigned int n = 0; n < bf->nr_queues; n++)
		closed &= release_queue(bf, &bf->queues[n]);
	xdev->priv = NULL;
	if (closed)
		kfree(bf);
	else
		pr_err("%s: a CPU may still be in a queue's interrupt handler: the device's memory is kept\n",
		       xdev->nodename);
}

static int blkfront_connect(struct blkfront *bf)
{
	struct xenbus_device *xdev = bf->xdev;
	/* One deadline for the whole handshake, not one per wait. */
	u64 deadline = ktime_get_ns() + CONNECT_TIMEOUT_NS;
	int err;

	err = xenbus_wait_otherend_until(xdev, 1U << XenbusStateInitWait |
					 1U << XenbusStateConnected, deadline);
	if (err < 0)
		return err;
	err = bf_setup_rings(bf);
	if (!err)
		err = xenbus_switch_state(xdev, XenbusStateInitialised);
	if (!err)
		err = xenbus_wait_otherend_until(xdev, 1U << XenbusStateConnected, deadline);
	if (err >= 0)
		err = read_disk(bf);
	if (!err)
		err = xenbus_switch_state(xdev, XenbusStateConnected);
	return err;
}

/* What the block layer sees of the rings just negotiated. */
static void set_limits(struct blkfront *bf)
{
	bf->blk.queue_depth = bf->nr_ents * bf->nr_queues;
	bf->blk.max_sectors = MAX_SECTORS_FOR(bf->max_segs);
	bf->blk.nr_queues = bf->nr_queues;
}

static void report_connected(struct blkfront *bf);

/*
 * An HVM guest's boot CD is offered as a vbd too (device-type "cdrom"),
 * read-only and removable: no disk for the block interface, so it stays
 * with the emulated drive it was booted from.  (A PV or PVH guest has no
 * emulated drive: a CD vbd is served there like a read-only disk.)
 */
static bool is_cdrom(struct xenbus_device *xdev)
{
	char path[sizeof(xdev->nodename) + 16], type[16];

	snprintf(path, sizeof(path), "%s/device-type", xdev->nodename);
	return xs_read(XBT_NIL, path, type, sizeof(type)) >= 0 && !strcmp(type, "cdrom");
}

static int blkfront_probe(struct xenbus_device *xdev)
{
	struct blkfront *bf;
	const char *id = strrchr(xdev->nodename, '/') + 1;
	unsigned long long vdev;
	int err;

	if (xen_split_devices_refused() || (xen_hvm_device_model() && is_cdrom(xdev)))
		return -ENODEV;
	bf = kzalloc(sizeof(*bf));
	if (!bf)
		return -ENOMEM;
	bf->xdev = xdev;
	bf->requeue_lock = (spinlock_t)SPINLOCK_INIT;
	bf->requeue_tail = &bf->requeue;
	for (unsigned int n = 0; n < BF_MAX_QUEUES; n++) {
		bf->queues[n].lock = (spinlock_t)SPINLOCK_INIT;
		reset_queue(bf, &bf->queues[n]);
	}
	xdev->priv = bf;
	err = kstrtoull(id, 10, &vdev) || vdev > 0xffff ? -EINVAL : 0;
	if (!err) {
		bf->vdevice = vdev;
		err = blkfront_connect(bf);
	}
	if (err) {
		blkfront_remove(xdev);
		return err;
	}

	blkdev_name(bf->blk.name, sizeof(bf->blk.name), "xvd");
	bf->blk.driver = "xen-blkfront";
	bf->blk.ops = &blkfront_ops;
	bf->blk.driver_data = bf;
	set_limits(bf);
	start_queues(bf);
	blkdev_register(&bf->blk);
	report_connected(bf);
	return 0;
}

static void report_connected(struct blkfront *bf)
{
	struct xenbus_device *xdev = bf->xdev;

	pr_info("%s: %s, %llu sectors%s%s%s, %u ring%s of %u (%u pages), %u segments, port %d%s\n",
		bf->blk.name, xdev->nodename, (unsigned long long)bf->blk.nr_sectors,
		bf->blk.read_only ? ", read-only" : "",
		bf->blk.has_flush ? ", flush" : "", bf->blk.has_discard ? ", discard" : "",
		bf->nr_queues, bf->nr_queues > 1 ? "s" : "", bf->nr_ents,
		1U << bf->ring_order, bf->max_segs, bf->queues[0].port,
		bf->nr_queues > 1 ? " and up" : "");
	for (unsigned int n = 1; BF_MAX_QUEUES > 1 && n < bf->nr_queues; n++)
		pr_info("%s: queue %u: port %d, events on CPU %d\n", bf->blk.name, n,
			bf->queues[n].port, bf->queues[n].cpu);
}

/*
 * The backend left (Closing, Closed, gone): every request in flight fails
 * now rather than at the 30 s block timeout, and the rings are released
 * once our side is closed.  The device stays registered, failing
 * requests, until the backend comes back (InitWait): a new handshake.
 */
static void bf_follow_stop(struct xenbus_device *xdev)
{
	stop_device(xdev->priv, true);
}

static void bf_follow_release(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;

	for (unsigned int n = 0; n < bf->nr_queues; n++)
		release_queue(bf, &bf->queues[n]);
}

static int bf_follow_connect(struct xenbus_device *xdev)
{
	return blkfront_connect(xdev->priv);
}

/* The CPU that submitted a request kept across a suspend (bf_follow_lost()). */
static unsigned int requeued_cpu(const struct blk_request *req)
{
	return (uintptr_t)req->driver_data;
}

/*
 * The requests kept across a suspend, to the new backend in their order;
 * those the rings cannot take now wait for a completion (bf_poll).
 */
static void resubmit(struct blkfront *bf)
{
	struct blk_request *failed = NULL, **tail = &failed;
	unsigned int sent = 0, too_big = 0;
	unsigned long flags;
	bool more;

	/*
	 * Held throughout (interrupts off): a CPU that stops the device
	 * meanwhile fails the rest after us.  A batch at a time, the rest at
	 * the next poll: each request's data is copied in under it.
	 */
	flags = spin_lock_irqsave(&bf->requeue_lock);
	for (unsigned int n = 0; n < BF_RESUBMIT_BATCH && bf->requeue; n++) {
		struct blk_request *req = bf->requeue;
		int err = submit_here(bf, req, requeued_cpu(req));

		if (err == BLK_EBUSY)
			break;
		bf->requeue = req->next;
		if (!err) {
			sent++;
			continue;
		}
		too_big += err == BLK_EIO;
		req->status = err;
		req->next = NULL;
		*tail = req;
		tail = &req->next;
	}
	if (!bf->requeue)
		bf->requeue_tail = &bf->requeue;
	more = bf->requeue;
	spin_unlock_irqrestore(&bf->requeue_lock, flags);
	bf_kick(&bf->blk);
	if (too_big)
		pr_err("%s: %u request(s) kept across the suspend too big for the new backend (%u segments): failed\n",
		       bf->blk.name, too_big, bf->max_segs);
	/* Without the lock: a callback may submit again. */
	while (failed) {
		struct blk_request *req = failed;

		failed = req->next;
		blk_complete(req, req->status);
	}
	if (sent)
		pr_info("%s: %u request%s in flight at the suspend resubmitted%s\n", bf->blk.name,
			sent, sent > 1 ? "s" : "", more ? ", more to come" : "");
}

static void bf_follow_resume(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;

	set_limits(bf);
	report_connected(bf);
	if (!start_queues(bf)) {
		pr_err("%s: shut off while reconnecting: it stays stopped\n", bf->blk.name);
		return;
	}
	resubmit(bf);
}

static unsigned int in_flight(struct blkfront *bf)
{
	unsigned int nr = 0;

	for (unsigned int n = 0; n < bf->nr_queues; n++)
		for (unsigned int i = 0; bf->queues[n].slots && i < bf->nr_ents; i++)
			nr += bf->queues[n].slots[i].in_use;
	return nr;
}

/* The domain suspends: no interrupt until we know which domain we are in. */
static void bf_follow_quiesce(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;

	for (unsigned int n = 0; n < bf->nr_queues; n++)
		if (bf->queues[n].port >= 0)
			evtchn_mask(bf->queues[n].port);
	pr_info("%s: %u request%s in flight at the suspend\n", bf->blk.name, in_flight(bf),
		in_flight(bf) == 1 ? "" : "s");
}

/* The same backend still serves the rings: what it answered meanwhile is taken. */
static void bf_follow_unquiesce(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;
	unsigned long flags = local_irq_save();

	for (unsigned int n = 0; n < bf->nr_queues; n++) {
		if (bf->queues[n].port >= 0)
			evtchn_unmask(bf->queues[n].port);
		bf_process(&bf->queues[n]);
	}
	local_irq_restore(flags);
}

/* Of every queue's requests in flight, the one submitted first; NULL if none is. */
static struct bf_slot *oldest_in_flight(struct blkfront *bf)
{
	struct bf_slot *oldest = NULL;

	for (unsigned int n = 0; n < bf->nr_queues; n++) {
		struct bf_queue *q = &bf->queues[n];

		for (unsigned int i = 0; q->slots && i < bf->nr_ents; i++) {
			struct bf_slot *s = &q->slots[i];

			if (s->in_use && (!oldest || s->seq < oldest->seq))
				oldest = s;
		}
	}
	return oldest;
}

/*
 * Its submitter's CPU, kept in driver_data while it waits: CPU 0 sends
 * it again, and the submitter (halted, waiting for it) must still be
 * woken when it completes.
 */
static void requeue_append(struct blkfront *bf, struct blk_request *req)
{
	req->next = NULL;
	*bf->requeue_tail = req;
	bf->requeue_tail = &req->next;
}

/*
 * In a new domain: every request not completed before the suspend goes
 * to the new backend, as Linux's blkif_recover does, every queue's in
 * the order they were submitted (a slot's place in its ring says
 * nothing of that), then those still waiting since an earlier resume
 * (nothing new is taken while they wait: they are older than what is in
 * flight only if they were sent, and then they are in flight).  Their
 * pages go with their grants (Xen's new table holds none of ours).  A
 * response the old backend wrote after we masked its port is not
 * believed: the toolstack saved our memory while that backend still
 * ran, so the response may be in the image without the read data it
 * announces (a page saved before the backend wrote it).  Done again, a
 * read reads the same and a write writes the same; each completes once
 * to its submitter.  The ports are the old domain's: forgotten, not
 * closed.
 */
static void bf_follow_lost(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;
	unsigned long flags = spin_lock_irqsave(&bf->requeue_lock);
	struct blk_request *waiting = bf->requeue;
	struct bf_slot *s;

	bf->requeue = NULL;
	bf->requeue_tail = &bf->requeue;
	while ((s = oldest_in_flight(bf))) {
		release_data(s);
		s->req->driver_data = (void *)(uintptr_t)s->cpu;
		requeue_append(bf, s->req);
		s->in_use = false;
		s->req = NULL;
	}
	while (waiting) {
		struct blk_request *req = waiting;

		waiting = req->next;
		requeue_append(bf, req);
	}
	for (unsigned int n = 0; n < bf->nr_queues; n++) {
		bf->queues[n].port = -1;
		bf->queues[n].up = false;
	}
	bf->broken = true;
	/* The restore stopped the device: not a stop the new connection must keep to. */
	bf->stops_seen = bf->stops;
	spin_unlock_irqrestore(&bf->requeue_lock, flags);
}

static const struct xenbus_follow_ops bf_follow = {
	.stop = bf_follow_stop,
	.release = bf_follow_release,
	.connect = bf_follow_connect,
	.resume = bf_follow_resume,
	.quiesce = bf_follow_quiesce,
	.unquiesce = bf_follow_unquiesce,
	.lost = bf_follow_lost,
};

static void blkfront_otherend_changed(struct xenbus_device *xdev, enum xenbus_state state)
{
	struct blkfront *bf = xdev->priv;

	xenbus_follow_otherend(xdev, state, bf->blk.name, &bf_follow);
}

static const struct xenbus_driver blkfront_driver = {
	.type = "vbd",
	.probe = blkfront_probe,
	.remove = blkfront_remove,
	.otherend_changed = blkfront_otherend_changed,
	.follow = &bf_follow,
};

static int blkfront_init(void)
{
	return xenbus_register_frontend(&blkfront_driver);
}
device_initcall(blkfront_init);
