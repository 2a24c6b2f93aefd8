// SPDX-License-Identifier: GPL-2.0
/*
 * Event channels: binding, handlers, notification and the upcall, over
 * one of Xen's two ABIs.  FIFO (events_fifo.c) when Xen takes our control
 * block, unless xen_fifo_events=0; else the 2-level ABI here (Xen's
 * public xen.h, "event channels"): shared_info holds a pending and a mask
 * bit per port, vcpu_info a selector word saying which words of pending
 * bits to look at.  Either way the upcall runs while evtchn_upcall_pending
 * is set, and a handler runs with its port's pending state cleared.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include <asm/irq_vectors.h>
#include "events_internal.h"

#define NR_PORTS	(sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8)
#define MAX_HANDLED	EVTCHN_MAX_HANDLED

struct port_handler {
	evtchn_handler_t fn;
	void *data;
	unsigned long count;
};

static struct shared_info *shared;
static struct vcpu_info *vcpu;
static struct port_handler handlers[MAX_HANDLED];
static unsigned long stray_events;
static const struct evtchn_abi *abi;

bool xen_events_ready(void)
{
	return shared != NULL;
}

const char *evtchn_abi_name(void)
{
	return abi ? abi->name : "none";
}

static void set_bit_atomic(xen_ulong_t *w, unsigned int bit)
{
	__atomic_or_fetch(w, 1UL << bit, __ATOMIC_SEQ_CST);
}

static bool test_and_clear_bit_atomic(xen_ulong_t *w, unsigned int bit)
{
	return __atomic_fetch_and(w, ~(1UL << bit), __ATOMIC_SEQ_CST) & (1UL << bit);
}

#define WORD_BITS	(sizeof(xen_ulong_t) * 8)

static void mask_2l(evtchn_port_t port)
{
	if (port < NR_PORTS)
		set_bit_atomic(&shared->evtchn_mask[port / WORD_BITS], port % WORD_BITS);
}

/* Xen re-raises an event that came while masked when asked to unmask. */
static void unmask_2l(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	if (port < NR_PORTS)
		HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

static bool is_pending_2l(evtchn_port_t port)
{
	return port < NR_PORTS &&
	       (READ_ONCE(shared->evtchn_pending[port / WORD_BITS]) >> (port % WORD_BITS)) & 1;
}

/*
 * The selector's words, then each word's pending and unmasked bits.  When
 * the budget runs out, the words not finished go back into the selector:
 * their pending bits are still set, the next call finds them.
 */
static unsigned int handle_2l(struct vcpu_info *vi, unsigned int budget)
{
	xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	unsigned int done = 0;

	while (sel && done < budget) {
		unsigned int w = __builtin_ctzl(sel);
		xen_ulong_t bits;

		bits = READ_ONCE(shared->evtchn_pending[w]) & ~READ_ONCE(shared->evtchn_mask[w]);
		while (bits && done < budget) {
			unsigned int b = __builtin_ctzl(bits);

			bits &= bits - 1;
			if (test_and_clear_bit_atomic(&shared->evtchn_pending[w], b)) {
				evtchn_dispatch(w * WORD_BITS + b);
				done++;
			}
		}
		if (!bits)
			sel &= sel - 1;
	}
	if (sel)
		__atomic_or_fetch(&vi->evtchn_pending_sel, sel, __ATOMIC_SEQ_CST);
	return done;
}

static const struct evtchn_abi abi_2l = {
	.name = "2-level",
	.mask = mask_2l,
	.unmask = unmask_2l,
	.is_pending = is_pending_2l,
	.handle = handle_2l,
};

void evtchn_mask(evtchn_port_t port)
{
	if (abi)
		abi->mask(port);
}

void evtchn_unmask(evtchn_port_t port)
{
	if (abi)
		abi->unmask(port);
}

bool evtchn_is_pending(evtchn_port_t port)
{
	return abi && abi->is_pending(port);
}

unsigned long evtchn_count(evtchn_port_t port)
{
	return port < MAX_HANDLED ? handlers[port].count : 0;
}

int evtchn_bind_handler(evtchn_port_t port, evtchn_handler_t fn, void *data)
{
	if (port >= MAX_HANDLED)
		return -ENOSPC;
	handlers[port] = (struct port_handler){ fn, data, 0 };
	evtchn_unmask(port);
	return 0;
}

/* A port Xen gave us that we cannot handle is closed, not left bound. */
static int bind_or_close(evtchn_port_t port, evtchn_handler_t fn, void *data)
{
	if (!evtchn_bind_handler(port, fn, data))
		return port;
	pr_err("xen: port %u is beyond the %u ports handled; closed\n", port, MAX_HANDLED);
	evtchn_close(port);
	return -ENOSPC;
}

int bind_virq(unsigned int virq, evtchn_handler_t fn, void *data)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = 0 };
	long err = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (err) {
		pr_err("xen: bind VIRQ %u: %s\n", virq, xen_strerror(err));
		return -EIO;
	}
	return bind_or_close(op.port, fn, data);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t fn, void *data)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
	long err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	if (err) {
		pr_err("xen: alloc unbound port: %s\n", xen_strerror(err));
		return -EIO;
	}
	return bind_or_close(op.port, fn, data);
}

int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
			    evtchn_handler_t fn, void *data)
{
	struct evtchn_bind_interdomain op = {
		.remote_dom = remote, .remote_port = remote_port,
	};
	long err = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	if (err) {
		pr_err("xen: bind to port %u of domain %u: %s\n", remote_port, remote,
		       xen_strerror(err));
		return -EIO;
	}
	return bind_or_close(op.local_port, fn, data);
}

void evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	evtchn_mask(port);
	HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
	if (port < MAX_HANDLED)
		handlers[port].fn = NULL;
}

void evtchn_notify(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

void evtchn_dispatch(evtchn_port_t port)
{
	struct port_handler *h = port < MAX_HANDLED ? &handlers[port] : NULL;

	if (!h || !h->fn) {
		/* A port nobody handles: keep it quiet from now on. */
		if (!stray_events++)
			pr_warn("xen: event on unhandled port %u, masked\n", port);
		evtchn_mask(port);
		return;
	}
	h->count++;
	h->fn(port, h->data);
}

static struct irq_work upcall_resume;
static bool in_upcall;
static unsigned long upcalls_deferred;
static unsigned int upcall_most;	/* events in the busiest upcall */

static void xen_upcall_resume(struct irq_work *w);

/*
 * The upcall: what is pending and unmasked, until Xen raises no more or
 * EVTCHN_UPCALL_BUDGET events went, with interrupts off.  What a backend
 * that keeps sending left stays pending: evtchn_upcall_pending is set
 * again, so that Xen, which raises the upcall while that flag is set and
 * events are unmasked, comes back once interrupts are on (an event in a
 * word or queue already marked would not raise it by itself: our timer
 * is an event too), and deferred work runs it as well.  A deferred run
 * that comes inside an upcall (the timer's event) has nothing to do: the
 * running upcall goes on, and defers again if its budget runs out.
 */
static void xen_upcall(void *unused)
{
	unsigned int budget = EVTCHN_UPCALL_BUDGET;

	if (in_upcall)
		return;
	in_upcall = true;
	do {
		WRITE_ONCE(vcpu->evtchn_upcall_pending, 0);
		budget -= abi->handle(vcpu, budget);
	} while (budget && READ_ONCE(vcpu->evtchn_upcall_pending));
	in_upcall = false;
	upcall_most = max(upcall_most, EVTCHN_UPCALL_BUDGET - budget);
	if (!budget) {
		WRITE_ONCE(vcpu->evtchn_upcall_pending, 1);
		if (!upcalls_deferred++)
			pr_warn("xen: more than %u events in one upcall; the rest later\n",
				EVTCHN_UPCALL_BUDGET);
		irq_work_defer(&upcall_resume, xen_upcall_resume);
	}
}

static void xen_upcall_resume(struct irq_work *w)
{
	xen_upcall(NULL);
}

void evtchn_upcall_stats(unsigned long *deferred, unsigned int *most)
{
	*deferred = upcalls_deferred;
	*most = upcall_most;
}

void xen_events_init(struct shared_info *si, struct vcpu_info *vi,
		     const struct xen_mode_ops *mode)
{
	const struct evtchn_abi *chosen = &abi_2l;
	long err;

	/* Everything masked until someone binds a handler to it. */
	for (unsigned int i = 0; i < ARRAY_SIZE(si->evtchn_mask); i++)
		si->evtchn_mask[i] = ~(xen_ulong_t)0;
	/* FIFO before any port is bound: Xen drops what is pending at the switch. */
	if (param_get_ull("xen_fifo_events", 1) && evtchn_fifo_init(&chosen) == -EIO) {
		pr_err("xen: no event channels\n");
		return;
	}
	pr_info("xen: event channels: %s ABI\n", chosen->name);
	/* Ready (shared set) only when both steps worked: Xen time relies on it. */
	vcpu = vi;
	if (irq_set_vector(HYPERVISOR_CALLBACK_VECTOR, xen_upcall, NULL, "xen-upcall") < 0) {
		pr_err("xen: upcall vector taken\n");
		return;
	}
	/* A vector (PVH, HVM) or a callback (PV): the mode decides. */
	err = mode->setup_upcall();
	if (err) {
		pr_err("xen: event upcall: %s\n", xen_strerror(err));
		irq_free_vector(HYPERVISOR_CALLBACK_VECTOR);
		return;
	}
	shared = si;
	abi = chosen;
	WRITE_ONCE(vi->evtchn_upcall_mask, 0);
}
