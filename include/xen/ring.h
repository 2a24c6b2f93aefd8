/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The frontend ring kit: the frontend side of a Xen shared ring
 * (xen/io/ring.h), what every split frontend needs and none should write
 * again.  Every <name>_sring starts with the same four indices; the
 * frontend keeps its own request producer and response consumer, and
 * believes the backend's response producer only as far as requests were
 * actually handed out.
 *
 * - set-up and teardown (drivers/xen/xenbus/xenbus_ring.c): the ring's
 *   pages allocated, zeroed, initialised and granted, or nothing held;
 *   the event channel; publication of both in xenstore inside the
 *   caller's transaction; pages granted for a device's life.
 * - slot accessors: XEN_RING_REQ/RSP/NEXT_REQ, typed by the ring's name.
 * - response iteration (xen_ring_for_each_response): rsp_prod read once
 *   per pass and checked, each response copied once out of shared memory,
 *   the work bounded by the caller's budget and stopped by its flag.
 *
 * docs/xen-frontends.md, "Writing a frontend", shows them together.
 */
#ifndef _XEN_RING_H
#define _XEN_RING_H

#include <pvkit/compiler.h>
#include <pvkit/errno.h>
#include <pvkit/types.h>
#include <xen/events.h>
#include <xen/interface/io/ring.h>

/* The most pages one ring may span (Linux's XENBUS_MAX_RING_GRANTS). */
#define XEN_RING_MAX_PAGES	16
/* A budget for loops bounded by the requests in flight alone. */
#define XEN_RING_NO_BUDGET	(~0U)

struct xen_sring_indices {
	RING_IDX req_prod, req_event;
	RING_IDX rsp_prod, rsp_event;
};

struct xen_front_ring {
	struct xen_sring_indices *sring;	/* the start of a <name>_sring */
	RING_IDX req_prod_pvt, rsp_cons;
	unsigned int nr_ents;
	/* Set by xenbus_setup_ring(): the pages and their grants (-1: none). */
	unsigned int nr_pages;
	int grefs[XEN_RING_MAX_PAGES];
};

struct xenbus_device;

/*
 * nr_pages zeroed pages as an empty ring of nr_ents slots (the
 * __CONST_RING_SIZE of its name for that size), each page granted to the
 * backend.  0, or -errno with nothing left allocated or granted.
 */
int xenbus_setup_ring(struct xenbus_device *dev, struct xen_front_ring *r,
		      unsigned int nr_pages, unsigned int nr_ents);
/*
 * Ends the ring's grants and frees its pages; pages the backend still
 * maps are kept out of use for good (gnttab_keep_held).  Safe on a ring
 * never set up or already torn down.
 */
void xenbus_teardown_ring(struct xen_front_ring *r);
/* An unbound port for the backend to connect to: 0 and *port, or -EIO (*port = -1). */
int xenbus_alloc_evtchn(struct xenbus_device *dev, evtchn_handler_t handler, void *data,
			int *port);
/*
 * Closes *port, if open, and sets it to -1.  0, or evtchn_close()'s
 * error (-ETIMEDOUT: a CPU may still be in its handler, so what the
 * handler uses must be kept).
 */
int xenbus_free_evtchn(int *port);
/*
 * The ring's grant references under dir, in transaction tx: node for one
 * page ("ring-ref", "tx-ring-ref"), node0..nodeN-1 for several.
 */
int xenbus_publish_ring(u32 tx, const char *dir, const char *node,
			const struct xen_front_ring *r);
/* The port as dir/event-channel, in transaction tx. */
int xenbus_publish_evtchn(u32 tx, const char *dir, int port);
/*
 * A zeroed page of ours granted to the backend (read-only or not): 0 with
 * *page and *gref, or -errno with nothing held (*page NULL, *gref -1).
 */
int xenbus_grant_page(struct xenbus_device *dev, bool readonly, void **page, int *gref);
/*
 * Ends the grant and frees the page, or keeps the page out of use for
 * good when the backend still maps it (false).  Clears both; a NULL page
 * is nothing to do.
 */
bool xenbus_ungrant_page(void **page, int *gref);

/*
 * Ends the grants of grefs[0..nr) (each ended one becomes -1, and -1 is
 * skipped); false if the backend still holds a page: its grant stays.
 */
bool xenbus_end_grants(int *grefs, unsigned int nr);

/*
 * How many queues (rings, each with its event channel) a multi-queue
 * frontend takes (xen/io/blkif.h, netif.h): the backend's
 * multi-queue-max-queues (absent: 1), at most limit, and at most one per
 * online CPU, as Linux's frontends do: each queue is a CPU's, its event
 * channel bound to that CPU's vCPU.  Always at least 1.
 */
unsigned int xenbus_nr_queues(struct xenbus_device *dev, unsigned int limit);

/*
 * Queue index's event channel (port) bound to CPU index's vCPU, queue 0
 * and a CPU not online staying on CPU 0; the CPU that takes its events.
 * A refusal is said and leaves the events on CPU 0.
 */
unsigned int xenbus_bind_queue(struct xenbus_device *dev, evtchn_port_t port,
			       unsigned int index);

/* A ring as before set-up: nothing allocated or granted. */
void xen_front_ring_reset(struct xen_front_ring *r);

static inline void xen_front_ring_init(struct xen_front_ring *r, void *sring,
				       unsigned int nr_ents)
{
	r->sring = sring;
	r->req_prod_pvt = 0;
	r->rsp_cons = 0;
	r->nr_ents = nr_ents;
}

/* ---- Slot accessors, for a ring of struct <name>_sring ---- */

#define XEN_RING_SRING(r, name)	((struct name##_sring *)(r)->sring)
#define XEN_RING_REQ(r, name, idx) \
	(&XEN_RING_SRING(r, name)->ring[(idx) % (r)->nr_ents].req)
#define XEN_RING_RSP(r, name, idx) \
	(&XEN_RING_SRING(r, name)->ring[(idx) % (r)->nr_ents].rsp)
/* The next request slot, taken: fill it, then xen_ring_push(). */
#define XEN_RING_NEXT_REQ(r, name)	XEN_RING_REQ(r, name, (r)->req_prod_pvt++)

/* Requests handed out and not answered. */
static inline unsigned int xen_ring_in_flight(const struct xen_front_ring *r)
{
	return r->req_prod_pvt - r->rsp_cons;
}

static inline bool xen_ring_full(const struct xen_front_ring *r)
{
	return xen_ring_in_flight(r) >= r->nr_ents;
}

/*
 * Publishes the requests filled in since the last push; true when the
 * backend asked to be notified (its req_event lies in what was pushed).
 */
static inline bool xen_ring_push(struct xen_front_ring *r)
{
	RING_IDX old = r->sring->req_prod, new = r->req_prod_pvt;

	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(r->sring->req_prod, new);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (RING_IDX)(new - READ_ONCE(r->sring->req_event)) < (RING_IDX)(new - old);
}

/*
 * Responses the backend has published and we have not consumed, or -EPROTO
 * when it claims to have answered more requests than are in flight
 * (never more than the ring holds).  rsp_prod is read once.
 */
static inline int xen_ring_responses(struct xen_front_ring *r)
{
	RING_IDX avail = READ_ONCE(r->sring->rsp_prod) - r->rsp_cons;

	if (avail > xen_ring_in_flight(r))
		return -EPROTO;
	/* The entries are read after the index that covers them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return avail;
}

/*
 * Asks for an event at the next response, then looks again: a response
 * that came in between would otherwise go unnoticed.  The count, or -EPROTO.
 */
static inline int xen_ring_final_check(struct xen_front_ring *r)
{
	WRITE_ONCE(r->sring->rsp_event, r->rsp_cons + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return xen_ring_responses(r);
}

/* Responses waiting; with none, an event is asked for first.  -EPROTO: the backend lied. */
static inline int xen_ring_pending(struct xen_front_ring *r)
{
	int n = xen_ring_responses(r);

	return n ? n : xen_ring_final_check(r);
}

/* ---- Consuming responses ---- */

struct xen_ring_iter {
	struct xen_front_ring *ring;
	const bool *stop;		/* the caller's "device shut off" */
	unsigned int budget, done;
	unsigned int avail;		/* left in this pass */
	RING_IDX idx;			/* of the response being consumed */
	bool lied;			/* more responses than requests in flight */
};

static inline void xen_ring_iter_start(struct xen_ring_iter *it, struct xen_front_ring *r,
				       unsigned int budget, const bool *stop)
{
	*it = (struct xen_ring_iter){ .ring = r, .stop = stop, .budget = budget };
}

/*
 * Takes the next response (it->idx, rsp_cons moves past it); false once
 * *stop is set, the budget is spent, none is left (an event was asked
 * for), or the backend lied (it->lied: the caller shuts the device off).
 * rsp_prod is read once per pass, a pass being what that read covers.
 */
static inline bool xen_ring_iter_next(struct xen_ring_iter *it)
{
	int n;

	if (*it->stop || it->done == it->budget)
		return false;
	if (!it->avail) {
		n = xen_ring_pending(it->ring);
		if (n <= 0) {
			it->lied = n < 0;
			return false;
		}
		it->avail = n;
	}
	it->avail--;
	it->done++;
	it->idx = it->ring->rsp_cons++;
	return true;
}

/* After a response's copy: the copy, not the slot, is what is read later. */
static inline bool xen_ring_copied(void)
{
	barrier();
	return true;
}

/*
 * For each response of ring r of struct <name>_sring, at most budget and
 * until *stop: rsp (a struct <name>_response, the caller's) is a copy
 * taken once, since the backend may change the slot under us; the
 * compiler barrier after the copy keeps the compiler from reading a field
 * from the slot again in place of the copy.
 *
 *	xen_ring_for_each_response(&it, &q->ring, blkif, rsp, budget, &broken)
 *		complete_one(q, &rsp);
 *	if (it.lied)
 *		shut the device off;
 */
#define xen_ring_for_each_response(it, r, name, rsp, budget, stop)		\
	for (xen_ring_iter_start(it, r, budget, stop);				\
	     xen_ring_iter_next(it) && ((rsp) = *XEN_RING_RSP(r, name, (it)->idx), xen_ring_copied()); )

#endif
