// SPDX-License-Identifier: GPL-2.0
/*
 * Event channels, FIFO ABI (Xen's public event_channel.h; the design is
 * Xen's docs "FIFO-based event channel ABI"): each port has a 32-bit
 * event word in an array of pages we give Xen, with PENDING, MASKED,
 * LINKED and BUSY bits and the port that follows it in its queue.  Xen
 * links a port that becomes pending and unmasked onto the tail of one of
 * 16 priority queues and sets the queue's bit in our control block's
 * READY word; the upcall takes each ready queue from its head, following
 * the links, and unlinks each event as it goes.
 *
 * One array page: 1024 event words, the ports that can have handlers.
 * Each vCPU has its own control block and queues (its IPI port is linked
 * there); the event words are the domain's.
 */
#include <pvkit/smp.h>
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <xen/domain.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "events_internal.h"

#define WORDS_PER_PAGE	(PAGE_SIZE / sizeof(event_word_t))
#define PENDING		(1U << EVTCHN_FIFO_PENDING)
#define MASKED		(1U << EVTCHN_FIFO_MASKED)
#define LINKED		(1U << EVTCHN_FIFO_LINKED)
#define BUSY		(1U << EVTCHN_FIFO_BUSY)

/* Each CPU's control block and where its walks stand. */
struct fifo_cpu {
	struct evtchn_fifo_control_block *control;
	/* Where each queue's walk stands: the next port, 0 at the tail. */
	u32 heads[EVTCHN_FIFO_MAX_QUEUES];
	/* Queues left when the budget ran out, for the next call. */
	u32 held;
};

static struct fifo_cpu cpus[NR_CPUS];
static event_word_t *words;
/* READY has a bit per queue; any other bit Xen might set names nothing. */
#define READY_QUEUES	((1U << EVTCHN_FIFO_MAX_QUEUES) - 1)

static event_word_t *word_of(evtchn_port_t port)
{
	return port < WORDS_PER_PAGE && port < EVTCHN_MAX_HANDLED ? &words[port] : NULL;
}

static void fifo_mask(evtchn_port_t port)
{
	event_word_t *w = word_of(port);

	if (w)
		__atomic_or_fetch(w, MASKED, __ATOMIC_SEQ_CST);
}

/*
 * MASKED may only be cleared by us while Xen is not linking the event
 * (BUSY); otherwise, and whenever the event is pending so that it must be
 * linked now, the unmask hypercall does it.
 */
static void fifo_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };
	event_word_t *w = word_of(port);
	event_word_t old;

	if (!w)
		return;
	/*
	 * A word Xen keeps changing under us is left to the hypercall, which
	 * is always right: a bounded number of tries, not a loop for ever.
	 */
	old = READ_ONCE(*w);
	for (unsigned int tries = 0; tries < 16 && !(old & BUSY); tries++) {
		if (__atomic_compare_exchange_n(w, &old, old & ~MASKED, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			if (!(old & PENDING))
				return;
			break;
		}
	}
	HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

static bool fifo_is_pending(evtchn_port_t port)
{
	event_word_t *w = word_of(port);

	return w && (READ_ONCE(*w) & PENDING);
}

/* Only for a masked port: an unmasked one may be linked into a queue. */
static void fifo_clear_pending(evtchn_port_t port)
{
	event_word_t *w = word_of(port);

	if (w)
		__atomic_and_fetch(w, ~PENDING, __ATOMIC_SEQ_CST);
}

/* Takes the event off its queue; returns the port that followed it (0: none). */
static u32 clear_linked(event_word_t *w)
{
	/* One atomic step: no retry loop on a word Xen writes too. */
	event_word_t old = __atomic_fetch_and(w, ~(LINKED | EVTCHN_FIFO_LINK_MASK),
					      __ATOMIC_SEQ_CST);

	return old & EVTCHN_FIFO_LINK_MASK;
}

/* One event from the head of queue q; the queue's ready bit goes at its tail. */
static void consume_one(struct fifo_cpu *c, unsigned int q, u32 *ready)
{
	u32 port = c->heads[q];
	event_word_t *w;

	if (!port) {
		/* At the tail last time: Xen has linked more since. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		port = READ_ONCE(c->control->head[q]);
	}
	w = word_of(port);
	if (!w) {
		/* Not a port we gave Xen a word for: nothing to follow. */
		*ready &= ~(1U << q);
		c->heads[q] = 0;
		return;
	}
	c->heads[q] = clear_linked(w);
	if (!c->heads[q])
		*ready &= ~(1U << q);
	/* A masked event stays pending, for its unmask. */
	if (!(READ_ONCE(*w) & MASKED) &&
	    (__atomic_fetch_and(w, ~PENDING, __ATOMIC_SEQ_CST) & PENDING))
		evtchn_dispatch(port);
}

/*
 * Events from the ready queues, the highest priority (lowest number)
 * first and READY read again after each, so that an event on a higher
 * queue (the timer's) goes next; at most budget of them (a step that
 * only walks past an entry counts too): Xen may link events as fast as
 * we take them.  Queues still ready are kept in held, not put back into
 * READY: Xen raises the upcall when it sets a queue's READY bit, and a
 * bit left set would keep it from raising it for a new event there.
 * heads[] remembers where each walk stands.
 */
static unsigned int fifo_handle(struct vcpu_info *vcpu, unsigned int cpu, unsigned int budget)
{
	struct fifo_cpu *c = &cpus[cpu];
	u32 *ready_word = &c->control->ready;
	u32 ready = __atomic_exchange_n(ready_word, 0, __ATOMIC_SEQ_CST) & READY_QUEUES;
	unsigned int done = 0;

	ready |= c->held;
	while (ready && done < budget) {
		consume_one(c, __builtin_ctz(ready), &ready);
		done++;
		ready |= __atomic_exchange_n(ready_word, 0, __ATOMIC_SEQ_CST) & READY_QUEUES;
	}
	c->held = ready;
	return done;
}

/* Queue 0, served before the others (Xen's EVTCHNOP_set_priority). */
static int fifo_set_urgent(evtchn_port_t port)
{
	struct evtchn_set_priority op = {
		.port = port, .priority = EVTCHN_FIFO_PRIORITY_MAX,
	};

	return HYPERVISOR_event_channel_op(EVTCHNOP_set_priority, &op) ? -EIO : 0;
}

/* A control block page handed to Xen for the vCPU: 0 or a negative Xen errno. */
static long init_control(struct evtchn_fifo_control_block *block, unsigned int vcpu_id)
{
	struct evtchn_init_control init = {
		.control_gfn = xen_virt_to_gfn(block), .offset = 0, .vcpu = vcpu_id,
	};

	memset(block, 0, PAGE_SIZE);
	return HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &init);
}

/*
 * Another CPU's control block.  A fresh page each time: one given to Xen
 * for a vCPU that then did not come up stays Xen's, never reused.
 */
static int fifo_cpu_init(unsigned int cpu, unsigned int vcpu_id)
{
	struct evtchn_fifo_control_block *block = alloc_pages(1);
	long err;

	if (!block)
		return -ENOMEM;
	err = init_control(block, vcpu_id);
	if (err) {
		pr_err("xen: FIFO control block for vcpu %u: %s\n", vcpu_id, xen_strerror(err));
		free_pages(block, 1);
		return -EIO;
	}
	cpus[cpu] = (struct fifo_cpu){ .control = block };
	return 0;
}

static const struct evtchn_abi abi_fifo = {
	.name = "FIFO",
	.mask = fifo_mask,
	.unmask = fifo_unmask,
	.is_pending = fifo_is_pending,
	.clear_pending = fifo_clear_pending,
	.handle = fifo_handle,
	.set_urgent = fifo_set_urgent,
	.cpu_init = fifo_cpu_init,
};

static void free_fifo_pages(void)
{
	if (cpus[0].control)
		free_pages(cpus[0].control, 1);
	if (words)
		free_pages(words, 1);
	cpus[0].control = NULL;
	words = NULL;
}

/*
 * Once init_control succeeds Xen keeps this vCPU's events in FIFO queues
 * for good (going back would close the toolstack's ports too), so a
 * failure after it leaves no event that can arrive: -EIO.
 */
int evtchn_fifo_init(const struct evtchn_abi **abi)
{
	struct evtchn_expand_array expand;
	long err;

	cpus[0].control = alloc_pages(1);
	words = alloc_pages(1);
	if (!cpus[0].control || !words) {
		pr_err("xen: no memory for FIFO event channels\n");
		free_fifo_pages();
		return -ENOMEM;
	}
	/* Every port masked until a handler is bound to it. */
	for (unsigned int i = 0; i < WORDS_PER_PAGE; i++)
		words[i] = MASKED;
	err = init_control(cpus[0].control, 0);
	if (err) {
		pr_info("xen: FIFO event channels refused (%s)\n", xen_strerror(err));
		free_fifo_pages();
		return -EOPNOTSUPP;
	}
	expand.array_gfn = xen_virt_to_gfn(words);
	err = HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &expand);
	if (err) {
		pr_err("xen: FIFO event array refused (%s): no event can arrive\n",
		       xen_strerror(err));
		return -EIO;
	}
	*abi = &abi_fifo;
	return 0;
}

int evtchn_fifo_resume(void)
{
	struct evtchn_expand_array expand = { .array_gfn = xen_virt_to_gfn(words) };
	long err;

	for (unsigned int i = 0; i < WORDS_PER_PAGE; i++)
		words[i] = MASKED;
	cpus[0] = (struct fifo_cpu){ .control = cpus[0].control };
	/*
	 * The other vCPUs' blocks are the old domain's, which the new Xen
	 * does not know: freed, each gets a new one (fifo_cpu_init).
	 */
	for (unsigned int c = 1; c < NR_CPUS; c++) {
		if (cpus[c].control)
			free_pages(cpus[c].control, 1);
		cpus[c] = (struct fifo_cpu){ 0 };
	}
	err = init_control(cpus[0].control, 0);
	if (!err)
		err = HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &expand);
	if (err) {
		pr_err("xen: FIFO control block or event array refused again (%s)\n",
		       xen_strerror(err));
		return -EIO;
	}
	return 0;
}
