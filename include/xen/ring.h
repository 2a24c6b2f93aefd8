/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The frontend side of a Xen shared ring (xen/io/ring.h).  Every
 * <name>_sring starts with the same four indices; the frontend keeps its
 * own request producer and response consumer, and believes the backend's
 * response producer only as far as requests were actually handed out.
 */
#ifndef _XEN_RING_H
#define _XEN_RING_H

#include <pvkit/types.h>
#include <xen/interface/io/ring.h>

struct xen_sring_indices {
	RING_IDX req_prod, req_event;
	RING_IDX rsp_prod, rsp_event;
};

struct xen_front_ring {
	struct xen_sring_indices *sring;	/* the start of a <name>_sring */
	RING_IDX req_prod_pvt, rsp_cons;
	unsigned int nr_ents;
};

static inline void xen_front_ring_init(struct xen_front_ring *r, void *sring,
				       unsigned int nr_ents)
{
	r->sring = sring;
	r->req_prod_pvt = 0;
	r->rsp_cons = 0;
	r->nr_ents = nr_ents;
}

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
 * Responses the backend has published and we have not consumed, or -1
 * when it claims to have answered more requests than are in flight.
 */
static inline int xen_ring_responses(struct xen_front_ring *r)
{
	RING_IDX avail = READ_ONCE(r->sring->rsp_prod) - r->rsp_cons;

	if (avail > xen_ring_in_flight(r))
		return -1;
	/* The entries are read after the index that covers them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return avail;
}

/*
 * Asks for an event at the next response, then looks again: a response
 * that came in between would otherwise go unnoticed.  The count, or -1.
 */
static inline int xen_ring_final_check(struct xen_front_ring *r)
{
	WRITE_ONCE(r->sring->rsp_event, r->rsp_cons + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return xen_ring_responses(r);
}

#endif
