/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen event channels, 2-level ABI: ports with handlers, masking,
 * notification.  The upcall arrives on a vector of its own
 * (HVM_PARAM_CALLBACK_IRQ, for PVH and HVM).
 */
#ifndef _XEN_EVENTS_H
#define _XEN_EVENTS_H

#include <pvkit/types.h>
#include <xen/interface/xen.h>
#include <xen/interface/event_channel.h>

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *data);

/* Binds a virtual IRQ (VIRQ_TIMER, ...) of vCPU 0; the port, or a negative errno. */
int bind_virq(unsigned int virq, evtchn_handler_t handler, void *data);
/* An unbound port another domain (or this one) can connect to, or a negative errno. */
int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *data);
/* Connects to remote_port of domain remote; the local port, or a negative errno. */
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
			    evtchn_handler_t handler, void *data);
int evtchn_bind_handler(evtchn_port_t port, evtchn_handler_t handler, void *data);
/*
 * Closes the port; when it returns, no CPU is in the port's handler and
 * none enters it again (a handler closing its own port is not waited
 * for), so its data may be freed.  -ETIMEDOUT if another CPU was still
 * in it at a deadline (EVTCHN_SYNC_TIMEOUT_NS): the data must then be
 * kept, and the port stays bound, masked.
 */
int evtchn_close(evtchn_port_t port);
void evtchn_notify(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);
void evtchn_unmask(evtchn_port_t port);
bool evtchn_is_pending(evtchn_port_t port);
/* A masked port's event dropped, for a poller to wait for the next (SCHEDOP_poll). */
void evtchn_clear_pending(evtchn_port_t port);
unsigned long evtchn_count(evtchn_port_t port);
/* "FIFO" or "2-level": the ABI the ports are kept in. */
const char *evtchn_abi_name(void);
/*
 * The port's events before any other's (the timer's): the top FIFO
 * priority, or looked at before each event in the 2-level ABI.  Such a
 * port is never throttled.
 */
int evtchn_set_urgent(evtchn_port_t port);
/* Masked for good because its peer kept raising it (drivers/xen/events.c). */
bool evtchn_flooded(evtchn_port_t port);

struct evtchn_stats {
	unsigned long deferred;		/* upcalls that ran out of budget */
	unsigned int most;		/* the most events one upcall dispatched */
	unsigned long throttled;	/* bursts that masked a port till later */
	unsigned long flooded;		/* ports masked for good */
};
void evtchn_upcall_stats(struct evtchn_stats *s);

/* Set up by the Xen backend once shared_info and vcpu_info are mapped. */
struct shared_info;
struct vcpu_info;
struct xen_mode_ops;
void xen_events_init(struct shared_info *si, struct vcpu_info *vi,
		     const struct xen_mode_ops *mode);
bool xen_events_ready(void);
/* After a resume in a new domain, interrupts off: every binding forgotten, the ABI set up again. */
void xen_events_resume(struct shared_info *si, struct vcpu_info *vi,
		       const struct xen_mode_ops *mode);
/*
 * Another CPU's events, before it starts (vcpu_id: the vCPU it runs):
 * its upcalls look at vi, and FIFO gives it its own queues.  0 or -errno.
 */
int xen_events_cpu_init(unsigned int cpu, unsigned int vcpu_id, struct vcpu_info *vi);
void xen_events_cpu_exit(unsigned int cpu);
/* An IPI port on vCPU vcpu_id whose events CPU cpu takes; the port, or -errno. */
int bind_ipi(unsigned int cpu, unsigned int vcpu_id, evtchn_handler_t handler, void *data);
/* A per-vCPU VIRQ (VIRQ_TIMER) of vCPU vcpu_id whose events CPU cpu takes; the port, or -errno. */
int bind_virq_on(unsigned int virq, unsigned int cpu, unsigned int vcpu_id,
		 evtchn_handler_t handler, void *data);
/*
 * A device's port (bound, with its handler) raised on CPU cpu's vCPU and
 * taken by that CPU's upcall from now on (EVTCHNOP_bind_vcpu); 0 or -errno.
 */
int evtchn_bind_cpu(evtchn_port_t port, unsigned int cpu);

#endif
