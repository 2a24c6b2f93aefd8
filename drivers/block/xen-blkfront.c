// SPDX-License-Identifier: GPL-2.0
/*
 * Xen blkfront (xen/io/blkif.h) behind the block-device interface.
 *
 * A shared ring (one or more pages) granted to the backend and an event
 * channel per queue: one queue, or as many as the backend offers up to
 * BF_MAX_QUEUES (multi-queue-max-queues), used in turn.  Each ring
 * slot's request id is the index of a slot of its queue that holds the
 * block request and the grants of its data pages; the grants are ended
 * when the response comes, and a grant the backend still holds is a
 * protocol violation (its page cannot be trusted or reused).
 *
 * The caller's buffer is never granted: data goes through pages of our
 * own, one per segment, copied in for a write and out for a read that
 * succeeded.  A request can fail while the backend still maps its pages
 * (the backend broke the protocol, closed or vanished); its caller then
 * gets its buffer back untouched, and a page whose grant cannot be ended
 * is kept out of use for good (gnttab_keep_held, which logs it), never
 * freed under the backend's mapping.
 */
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
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
/*
 * Queues we take when the backend offers several.  One vCPU gains no
 * parallelism from them, but each ring has its own slots, so the depth
 * in flight grows with them.
 */
#define BF_MAX_QUEUES		4

struct bf_slot {
	struct blk_request *req;
	int grefs[BF_MAX_INDIRECT_SEGS];	/* -1 once ended */
	u16 nr_grefs;
	/* Our data page behind each grant (NULL once freed or kept held). */
	void *pages[BF_MAX_INDIRECT_SEGS];
	u8 op;
	bool in_use;
	bool indirect;			/* sent as BLKIF_OP_INDIRECT */
	/* The slot's indirect page of segment descriptors, granted read-only for the device's life. */
	void *segs;
	int segs_ref;
};

struct blkfront;

/* One ring and its event channel. */
struct bf_queue {
	struct blkfront *bf;
	struct xen_front_ring ring;	/* its pages and grants (the kit's) */
	int port;
	bool pushed;			/* requests filled since the last kick */
	struct bf_slot *slots;		/* nr_ents of them; the request id is the index */
};

struct blkfront {
	struct blkdev blk;
	struct xenbus_device *xdev;
	unsigned int ring_order;	/* the same for every queue */
	unsigned int nr_ents;		/* slots per ring: 32 per page */
	unsigned int max_segs;		/* per request: 11, or more with indirect pages */
	u16 vdevice;
	bool broken;
	unsigned int nr_queues, next_queue;
	struct bf_queue queues[BF_MAX_QUEUES];
	/* In flight when the domain was saved: for the new backend, in order. */
	struct blk_request *requeue, **requeue_tail;
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

static void bf_finish(struct bf_slot *s, int status)
{
	struct blk_request *req = s->req;

	s->in_use = false;
	s->req = NULL;
	blk_complete(req, status);
}

/* Stops the device; every request in flight fails. */
static void stop_device(struct blkfront *bf)
{
	bf->broken = true;
	for (unsigned int n = 0; n < bf->nr_queues; n++) {
		struct bf_queue *q = &bf->queues[n];

		if (q->port >= 0)
			evtchn_mask(q->port);
		for (unsigned int i = 0; q->slots && i < bf->nr_ents; i++) {
			struct bf_slot *s = &q->slots[i];

			if (!s->in_use)
				continue;
			if (!release_data(s))
				pr_err("%s: request %u failed while the backend still maps its pages; "
				       "they are kept out of use\n", bf->blk.name, i);
			bf_finish(s, BLK_EBROKEN);
		}
	}
	/* Kept across a suspend for a backend that did not come: they fail too. */
	while (bf->requeue) {
		struct blk_request *req = bf->requeue;

		bf->requeue = req->next;
		blk_complete(req, BLK_EBROKEN);
	}
	bf->requeue_tail = &bf->requeue;
}

static void bf_shutdown(struct blkdev *dev, const char *why)
{
	struct blkfront *bf = to_bf(dev);

	if (!bf->broken)
		pr_err("%s: %s; device shut off\n", dev->name, why);
	stop_device(bf);
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

static void complete_one(struct bf_queue *q, const struct blkif_response *rsp)
{
	struct blkfront *bf = q->bf;
	struct bf_slot *s;
	int status;

	if (rsp->id >= bf->nr_ents || !q->slots[rsp->id].in_use) {
		bf_shutdown(&bf->blk, "a response for a request not in flight");
		return;
	}
	s = &q->slots[rsp->id];
	if (rsp->operation != s->op &&
	    !(s->indirect && rsp->operation == BLKIF_OP_INDIRECT)) {
		bf_shutdown(&bf->blk, "a response with another operation than its request");
		return;
	}
	if (!blkif_status(rsp->status, &status)) {
		bf_shutdown(&bf->blk, "a response with an unknown status");
		return;
	}
	/* The grants are ended first: then the backend can no longer write the data. */
	if (!xenbus_end_grants(s->grefs, s->nr_grefs)) {
		bf_shutdown(&bf->blk, "the backend answered but still holds a data page");
		return;
	}
	if (status == BLK_OK && s->op == BLKIF_OP_READ)
		copy_out(s, s->req);
	release_data(s);
	bf_finish(s, status);
}

/* Every response there is: the work is bounded by the requests in flight. */
static void bf_process(struct bf_queue *q)
{
	struct xen_ring_iter it;
	struct blkif_response rsp;

	xen_ring_for_each_response(&it, &q->ring, blkif, rsp, XEN_RING_NO_BUDGET,
				   &q->bf->broken)
		complete_one(q, &rsp);
	if (it.lied)
		bf_shutdown(&q->bf->blk, "more responses than requests in flight");
}

static void bf_interrupt(evtchn_port_t port, void *data)
{
	struct bf_queue *q = data;

	q->bf->blk.stats.interrupts++;
	bf_process(q);
}

static void resubmit(struct blkfront *bf);

static void bf_poll(struct blkdev *dev)
{
	struct blkfront *bf = to_bf(dev);
	unsigned long flags;

	/* A backend that closed or came back is noticed here (otherend_changed). */
	xenbus_poll();
	flags = local_irq_save();
	for (unsigned int n = 0; n < bf->nr_queues; n++)
		bf_process(&bf->queues[n]);
	local_irq_restore(flags);
	if (bf->requeue && !bf->broken)
		resubmit(bf);
}

static void bf_kick(struct blkdev *dev)
{
	struct blkfront *bf = to_bf(dev);

	for (unsigned int n = 0; n < bf->nr_queues && !bf->broken; n++) {
		struct bf_queue *q = &bf->queues[n];

		if (!q->pushed)
			continue;
		q->pushed = false;
		if (xen_ring_push(&q->ring)) {
			dev->stats.notifications++;
			evtchn_notify(q->port);
		}
	}
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

/* The queues in turn, from the one after the last used; NULL if all are full. */
static struct bf_queue *pick_queue(struct blkfront *bf, int *id)
{
	for (unsigned int i = 0; i < bf->nr_queues; i++) {
		struct bf_queue *q = &bf->queues[(bf->next_queue + i) % bf->nr_queues];

		*id = bf_get_slot(q);
		if (*id >= 0 && !xen_ring_full(&q->ring)) {
			bf->next_queue = (bf->next_queue + i + 1) % bf->nr_queues;
			return q;
		}
	}
	return NULL;
}

static int bf_submit(struct blkdev *dev, struct blk_request *req)
{
	struct blkfront *bf = to_bf(dev);
	struct blkif_request rq = { 0 };
	struct bf_queue *q;
	struct bf_slot *s;
	int id;

	/* A device whose backend left is back only once xenbus has run its callback. */
	if (bf->xdev->otherend_gone)
		xenbus_poll();
	if (bf->broken)
		return BLK_EBROKEN;
	if (req->op != BLK_READ && req->op != BLK_WRITE && req->op != BLK_FLUSH &&
	    req->op != BLK_DISCARD)
		return BLK_EUNSUPP;
	q = pick_queue(bf, &id);
	if (!q)
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
		s->indirect = DIV_ROUND_UP(req->nr_sectors, SECTORS_PER_PAGE) > BF_SEGS;
		if (!map_data(bf, s, s->indirect ? s->segs : rq.seg, req))
			return BLK_EBUSY;
		if (s->indirect)
			fill_indirect(bf, &rq, s, id);
		else
			rq.nr_segments = s->nr_grefs;
	}
	s->in_use = true;
	if (req->op == BLK_DISCARD)
		fill_discard(bf, &rq, req, id);
	/* Build it privately, copy it in whole. */
	*XEN_RING_NEXT_REQ(&q->ring, blkif) = rq;
	q->pushed = true;
	/* Counted by the block layer (blkdev_queue), which owns that statistic. */
	return 0;
}

static const struct blkdev_ops blkfront_ops = {
	.submit = bf_submit,
	.kick = bf_kick,
	.poll = bf_poll,
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
	return err ? err : xenbus_alloc_evtchn(bf->xdev, bf_interrupt, q, &q->port);
}

static int bf_setup_rings(struct blkfront *bf)
{
	u64 max_order = 0, max_queues = 1;
	int err = 0;

	/* Offered by the backend before it waits for us (InitWait). */
	xs_read_u64(XBT_NIL, bf->xdev->otherend, "max-ring-page-order", &max_order);
	xs_read_u64(XBT_NIL, bf->xdev->otherend, "multi-queue-max-queues", &max_queues);
	bf->ring_order = min(max_order, (u64)BF_MAX_RING_ORDER);
	bf->nr_ents = __CONST_RING_SIZE(blkif, PAGE_SIZE << bf->ring_order);
	bf->nr_queues = min(max(max_queues, 1ULL), (u64)BF_MAX_QUEUES);
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

/* A queue as before set-up: nothing allocated, granted or bound. */
static void reset_queue(struct blkfront *bf, struct bf_queue *q)
{
	*q = (struct bf_queue){ .bf = bf, .port = -1 };
	xen_front_ring_reset(&q->ring);
}

/* A queue's ring and indirect pages go back, except those the backend still maps. */
static void release_queue(struct blkfront *bf, struct bf_queue *q)
{
	xenbus_free_evtchn(&q->port);
	drop_indirect_queue(bf, q);
	if (q->slots)
		free_pages(q->slots, slots_size(bf->nr_ents));
	xenbus_teardown_ring(&q->ring);
	reset_queue(bf, q);
}

/*
 * Takes the device apart: requests in flight fail, the backend is told
 * to close, the rings' grants are ended.  A page the backend still holds
 * is left alone (leaked) rather than reused under it.
 */
static void blkfront_remove(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;

	if (!bf)
		return;
	if (bf->blk.ops) {
		blkdev_unregister(&bf->blk);
		stop_device(bf);
	}
	if (xdev->state != XenbusStateInitialising)
		xenbus_close(xdev);
	for (unsigned int n = 0; n < bf->nr_queues; n++)
		release_queue(bf, &bf->queues[n]);
	xdev->priv = NULL;
	kfree(bf);
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
	for (unsigned int n = 0; n < BF_MAX_QUEUES; n++)
		reset_queue(bf, &bf->queues[n]);
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
}

/*
 * The backend left (Closing, Closed, gone): every request in flight fails
 * now rather than at the 30 s block timeout, and the rings are released
 * once our side is closed.  The device stays registered, failing
 * requests, until the backend comes back (InitWait): a new handshake.
 */
static void bf_follow_stop(struct xenbus_device *xdev)
{
	stop_device(xdev->priv);
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

/*
 * The requests kept across a suspend, to the new backend in their order;
 * those the rings cannot take now wait for a completion (bf_poll).
 */
static void resubmit(struct blkfront *bf)
{
	unsigned int sent = 0;

	while (bf->requeue) {
		struct blk_request *req = bf->requeue;
		int err = bf_submit(&bf->blk, req);

		if (err == BLK_EBUSY)
			break;
		bf->requeue = req->next;
		if (!bf->requeue)
			bf->requeue_tail = &bf->requeue;
		if (err)
			blk_complete(req, err);
		else
			sent++;
	}
	bf_kick(&bf->blk);
	if (sent)
		pr_info("%s: %u request%s in flight at the suspend resubmitted%s\n", bf->blk.name,
			sent, sent > 1 ? "s" : "", bf->requeue ? ", more to come" : "");
}

static void bf_follow_resume(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;

	set_limits(bf);
	bf->broken = false;
	report_connected(bf);
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

/*
 * A queue's requests still in flight go to the requeue list (the
 * backend that had them went with the old domain), their pages with
 * their grants (Xen's new table holds none of ours).
 */
static void requeue_queue(struct blkfront *bf, struct bf_queue *q)
{
	for (unsigned int i = 0; q->slots && i < bf->nr_ents; i++) {
		struct bf_slot *s = &q->slots[i];

		if (!s->in_use)
			continue;
		release_data(s);
		s->req->next = NULL;
		*bf->requeue_tail = s->req;
		bf->requeue_tail = &s->req->next;
		s->in_use = false;
		s->req = NULL;
	}
}

/*
 * In a new domain: every request not completed before the suspend goes
 * to the new backend, as Linux's blkif_recover does.  A response the old
 * backend wrote after we masked its port is not believed: the toolstack
 * saved our memory while that backend still ran, so the response may be
 * in the image without the read data it announces (a page saved before
 * the backend wrote it).  Done again, a read reads the same and a write
 * writes the same; each completes once to its submitter.  The ports are
 * the old domain's: forgotten, not closed.
 */
static void bf_follow_lost(struct xenbus_device *xdev)
{
	struct blkfront *bf = xdev->priv;
	unsigned long flags = local_irq_save();

	if (!bf->requeue)
		bf->requeue_tail = &bf->requeue;
	for (unsigned int n = 0; n < bf->nr_queues; n++) {
		struct bf_queue *q = &bf->queues[n];

		q->port = -1;
		requeue_queue(bf, q);
	}
	bf->broken = true;
	local_irq_restore(flags);
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
