/* SPDX-License-Identifier: GPL-2.0 */
/* Between the generic event-channel code and the two ABIs Xen offers. */
#ifndef _DRIVERS_XEN_EVENTS_INTERNAL_H
#define _DRIVERS_XEN_EVENTS_INTERNAL_H

#include <pvkit/irq.h>
#include <xen/events.h>

#define EVTCHN_MAX_HANDLED	1024	/* ports with handlers */
/* Events one upcall dispatches before it leaves the rest for later. */
#define EVTCHN_UPCALL_BUDGET	(4 * IRQ_BUDGET)
/*
 * A port dispatched this often in a row, raised again each time while its
 * handler ran, is masked for as long as that took (events.c, throttle()).
 */
#define EVTCHN_PORT_BURST	IRQ_BUDGET
/* Such bursts in a row, pending each time it was unmasked: masked for good. */
#define EVTCHN_FLOOD_BURSTS	64
/*
 * How long evtchn_close() waits for another CPU to leave the port's
 * handler: a handler's work is bounded, so only a vCPU Xen kept from
 * running (or took down) that long is still in it.
 */
#define EVTCHN_SYNC_TIMEOUT_NS	(10 * NSEC_PER_SEC)

struct vcpu_info;

/* How pending and masked state is kept: 2-level bitmaps or FIFO queues. */
struct evtchn_abi {
	const char *name;
	void (*mask)(evtchn_port_t port);
	void (*unmask)(evtchn_port_t port);
	bool (*is_pending)(evtchn_port_t port);
	/* Drops a masked port's pending event (a poll's port, SCHEDOP_poll). */
	void (*clear_pending)(evtchn_port_t port);
	/*
	 * The upcall's work: pending, unmasked ports go to evtchn_dispatch()
	 * with their pending state cleared, at most budget of them; what is
	 * left stays pending, and the ABI keeps where it stopped to itself
	 * (not in the shared words, which would make Xen raise the upcall
	 * again at once) for the next call.  Only cpu's own ports: the upcall
 * runs on that CPU with its vcpu_info.  Returns how many went.
	 */
	unsigned int (*handle)(struct vcpu_info *vcpu, unsigned int cpu, unsigned int budget);
	/* Its events before any other's (the timer's port). */
	int (*set_urgent)(evtchn_port_t port);
	/* Another CPU's own state, before any event for it; NULL: none needed. */
	int (*cpu_init)(unsigned int cpu, unsigned int vcpu_id);
	/* Which CPU takes the port (bound to its vCPU); NULL: the queues say. */
	void (*set_port_cpu)(evtchn_port_t port, unsigned int cpu);
};

/* Runs the port's handler (or masks a port nobody handles). */
void evtchn_dispatch(evtchn_port_t port);
/* Masked by us for now (a burst) or for good (a flood), not by its driver. */
bool evtchn_throttled(evtchn_port_t port);

/*
 * The FIFO ABI in *abi once Xen took our control block and event array;
 * -ENOMEM or -EOPNOTSUPP leave the 2-level ABI in place, -EIO leaves none.
 */
int evtchn_fifo_init(const struct evtchn_abi **abi);
/* In a new domain: the same pages given to Xen again, reset (every port masked). 0 or -EIO. */
int evtchn_fifo_resume(void);

#endif
