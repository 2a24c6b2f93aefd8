// SPDX-License-Identifier: GPL-2.0
/*
 * Event channels: binding, handlers, notification and the upcall, over
 * one of Xen's two ABIs.  FIFO (events_fifo.c) when Xen takes our control
 * block, unless xen_fifo_events=0; else the 2-level ABI here (Xen's
 * public xen.h, "event channels"): shared_info holds a pending and a mask
 * bit per port, vcpu_info a selector word saying which words of pending
 * bits to look at.  Either way the upcall runs while evtchn_upcall_pending
 * is set, and a handler runs with its port's pending state cleared.
 *
 * Every port is bound to vCPU 0 but the IPI ports (bind_ipi()) and the
 * timer's (bind_virq_on()), one on each vCPU: another CPU's upcall takes only its own ports (FIFO: its own
 * queues; 2-level: its selector, and of each word only the ports bound
 * to it), with its own vcpu_info and ABI state.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
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
	unsigned int burst;	/* dispatches in a row, each raised it again */
	unsigned int bursts;	/* bursts in a row, never idle in between */
	u64 burst_start;	/* ktime of the burst's first dispatch */
	u64 release_ns;		/* throttled until then */
	bool urgent;		/* the timer: never throttled */
	bool ipi;		/* ours (IPIs, another CPU's timer): never throttled */
	u16 cpu;		/* the CPU whose upcall takes it */
	bool masked;		/* by its driver */
	bool throttled;		/* by us, until release_ns */
	bool flooded;		/* by us, for good */
};

static struct shared_info *shared;
/* Each CPU's vcpu_info, for its upcalls; CPU 0's is there once events work. */
static struct vcpu_info *cpu_vcpu[NR_CPUS];
static struct port_handler handlers[MAX_HANDLED];
static unsigned long stray_events;
static const struct evtchn_abi *abi;
/* The ports throttled (each once: while throttled it is masked), by any CPU's upcall. */
static u16 throttled[MAX_HANDLED];
static unsigned int nr_throttled;
static DEFINE_SPINLOCK(throttle_lock);
static struct evtchn_stats stats;

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

static void clear_pending_2l(evtchn_port_t port)
{
	if (port < NR_PORTS)
		__atomic_and_fetch(&shared->evtchn_pending[port / WORD_BITS],
				   ~((xen_ulong_t)1 << (port % WORD_BITS)), __ATOMIC_SEQ_CST);
}

/* Words of each CPU's selector left when the budget ran out, for its next call. */
static xen_ulong_t held_sel[NR_CPUS];
/* The 2-level ABI has no priorities: this port is looked at before each event. */
static evtchn_port_t urgent_2l;

/* Per word, the ports bound to another CPU than 0 (their IPI ports). */
static xen_ulong_t other_cpus_ports[NR_PORTS / WORD_BITS];

static void set_port_cpu_2l(evtchn_port_t port, unsigned int cpu)
{
	xen_ulong_t bit = 1UL << (port % WORD_BITS);

	if (port >= NR_PORTS)
		return;
	if (cpu)
		__atomic_or_fetch(&other_cpus_ports[port / WORD_BITS], bit, __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&other_cpus_ports[port / WORD_BITS], ~bit, __ATOMIC_SEQ_CST);
}

static struct port_handler *handler_of(evtchn_port_t port);

/* Of word w's ports, those cpu takes: CPU 0 all but the others', the others their own. */
static xen_ulong_t ports_of(unsigned int cpu, unsigned int w)
{
	xen_ulong_t others = READ_ONCE(other_cpus_ports[w]), mine = 0;

	if (!cpu)
		return ~others;
	for (xen_ulong_t b = others; b; b &= b - 1) {
		struct port_handler *h = handler_of(w * WORD_BITS + __builtin_ctzl(b));

		if (h && READ_ONCE(h->cpu) == cpu)
			mine |= b & -b;
	}
	return mine;
}

/* Port 0 is never bound (Xen reserves it): no urgent port then. */
static int set_urgent_2l(evtchn_port_t port)
{
	if (port >= NR_PORTS)
		return -EINVAL;
	urgent_2l = port;
	return 0;
}

/* The urgent port's event, if it has one; returns the events dispatched. */
static unsigned int take_urgent_2l(void)
{
	unsigned int w = urgent_2l / WORD_BITS, b = urgent_2l % WORD_BITS;

	if (!urgent_2l || (READ_ONCE(shared->evtchn_mask[w]) >> b) & 1 ||
	    !test_and_clear_bit_atomic(&shared->evtchn_pending[w], b))
		return 0;
	evtchn_dispatch(urgent_2l);
	return 1;
}

/*
 * The selector's words, then each word's pending and unmasked bits, the
 * urgent port before each.  When the budget runs out, the words not
 * finished are kept in held_sel, not put back into the selector (Xen
 * raises the upcall while evtchn_upcall_pending is set, and a selector
 * bit left set would keep Xen from raising it for a new event in that
 * word): their pending bits are still set, the next call finds them.
 */
static unsigned int handle_2l(struct vcpu_info *vi, unsigned int cpu, unsigned int budget)
{
	xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	unsigned int done = 0;

	sel |= held_sel[cpu];
	while (sel && done < budget) {
		unsigned int w = __builtin_ctzl(sel);
		xen_ulong_t bits;

		bits = READ_ONCE(shared->evtchn_pending[w]) & ~READ_ONCE(shared->evtchn_mask[w]);
		bits &= ports_of(cpu, w);
		while (bits && (done += cpu ? 0 : take_urgent_2l()) < budget) {
			unsigned int b = __builtin_ctzl(bits);

			bits &= bits - 1;
			/* Masked since (a burst throttled it): it stays pending. */
			if (!((READ_ONCE(shared->evtchn_mask[w]) >> b) & 1) &&
			    test_and_clear_bit_atomic(&shared->evtchn_pending[w], b)) {
				evtchn_dispatch(w * WORD_BITS + b);
				done++;
			}
		}
		if (!bits)
			sel &= sel - 1;
	}
	held_sel[cpu] = sel;
	return done;
}

static const struct evtchn_abi abi_2l = {
	.name = "2-level",
	.mask = mask_2l,
	.unmask = unmask_2l,
	.is_pending = is_pending_2l,
	.clear_pending = clear_pending_2l,
	.handle = handle_2l,
	.set_urgent = set_urgent_2l,
	.set_port_cpu = set_port_cpu_2l,
};

static struct port_handler *handler_of(evtchn_port_t port)
{
	return port < MAX_HANDLED ? &handlers[port] : NULL;
}

void evtchn_mask(evtchn_port_t port)
{
	struct port_handler *h = handler_of(port);

	if (h)
		h->masked = true;
	if (abi)
		abi->mask(port);
}

/* A throttled port waits for its release; a flooded one stays masked. */
void evtchn_unmask(evtchn_port_t port)
{
	struct port_handler *h = handler_of(port);

	if (h)
		h->masked = false;
	if (abi && !evtchn_throttled(port))
		abi->unmask(port);
}

bool evtchn_throttled(evtchn_port_t port)
{
	struct port_handler *h = handler_of(port);

	return h && (h->throttled || h->flooded);
}

bool evtchn_flooded(evtchn_port_t port)
{
	struct port_handler *h = handler_of(port);

	return h && h->flooded;
}

int evtchn_set_urgent(evtchn_port_t port)
{
	struct port_handler *h = handler_of(port);
	int err;

	if (!abi || !h)
		return -ENODEV;
	/* The 2-level ABI's one urgent port is CPU 0's; another CPU has few ports. */
	if (h->cpu && abi == &abi_2l)
		return 0;
	err = abi->set_urgent(port);
	if (!err)
		h->urgent = true;
	return err;
}

bool evtchn_is_pending(evtchn_port_t port)
{
	return abi && abi->is_pending(port);
}

void evtchn_clear_pending(evtchn_port_t port)
{
	if (abi)
		abi->clear_pending(port);
}

unsigned long evtchn_count(evtchn_port_t port)
{
	return port < MAX_HANDLED ? handlers[port].count : 0;
}

/* A new binding starts afresh, unless its port is still on the throttled list. */
int evtchn_bind_handler(evtchn_port_t port, evtchn_handler_t fn, void *data)
{
	if (port >= MAX_HANDLED)
		return -ENOSPC;
	handlers[port] = (struct port_handler){
		.fn = fn, .data = data, .throttled = handlers[port].throttled,
		.release_ns = handlers[port].release_ns,
	};
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

/* VIRQ virq of vCPU vcpu_id (a global one: of vCPU 0); its port, or -EIO. */
static int virq_port(unsigned int virq, unsigned int vcpu_id)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu_id };
	long err = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (err) {
		pr_err("xen: bind VIRQ %u on vcpu %u: %s\n", virq, vcpu_id, xen_strerror(err));
		return -EIO;
	}
	return op.port;
}

int bind_virq(unsigned int virq, evtchn_handler_t fn, void *data)
{
	int port = virq_port(virq, 0);

	return port < 0 ? port : bind_or_close(port, fn, data);
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

/*
 * The port each CPU is dispatching, plus one (0: none), published before
 * it reads the port's handler: a close that clears the handler then
 * either finds the dispatch here and waits for it, or the dispatch finds
 * no handler (both sides' accesses sequentially consistent).
 */
static u32 dispatching[NR_CPUS];

/*
 * Until no other CPU runs port's handler, as Linux's synchronize_irq():
 * its handler is cleared already, so none enters it again.  This CPU's
 * own dispatch of it (a handler closing its port) is not waited for.
 * Bounded: a vCPU Xen keeps descheduled in the handler, or one taken
 * down in it, makes this -ETIMEDOUT at the deadline.
 */
static int sync_port(evtchn_port_t port)
{
	u64 deadline = ktime_get_ns() + EVTCHN_SYNC_TIMEOUT_NS;
	unsigned int self = smp_processor_id();

	for (unsigned int c = 0; c < NR_CPUS; c++) {
		while (c != self && __atomic_load_n(&dispatching[c], __ATOMIC_SEQ_CST) == port + 1) {
			if (ktime_get_ns() > deadline) {
				pr_err("xen: port %u: cpu %u still in its handler after %llu ms; the port is left bound, masked\n",
				       port, c, EVTCHN_SYNC_TIMEOUT_NS / NSEC_PER_MSEC);
				return -ETIMEDOUT;
			}
			cpu_relax();
		}
	}
	return 0;
}

/*
 * The handler goes first and is waited for on every CPU, then the port:
 * Xen may give its number to the next binding at once, which must find
 * nothing of this one.  A port whose handler never finished stays bound
 * (masked), so that its number is not given again while it runs.
 */
int evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };
	struct port_handler *h = handler_of(port);
	int err = 0;

	evtchn_mask(port);
	if (h) {
		__atomic_store_n(&h->fn, NULL, __ATOMIC_SEQ_CST);
		err = sync_port(port);
		h->urgent = false;
		h->ipi = false;
		WRITE_ONCE(h->cpu, 0);
	}
	if (abi && abi->set_port_cpu)
		abi->set_port_cpu(port, 0);
	if (port == urgent_2l)
		urgent_2l = 0;
	if (!err)
		HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
	return err;
}

void evtchn_notify(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

static struct irq_work upcall_resume;
static bool in_upcall;

static void xen_upcall_resume(struct irq_work *w);

static struct timer release_timer;

static void release_throttled(struct timer *t);

/*
 * A port its peer raises again at every dispatch, faster than we serve
 * it, would otherwise take every upcall for itself: Xen raises the
 * upcall anew for each of its events.  After EVTCHN_PORT_BURST
 * dispatches in a row that each found it raised again when its handler
 * returned (in one upcall or across several), it is masked for as long
 * as that burst took (IRQ_WORK_DELAY_NS at least), so that such a port
 * gets about half the CPU at most and the interrupted code the rest; its
 * events stay pending meanwhile, nothing is lost.  A port that bursts
 * EVTCHN_FLOOD_BURSTS times in a row, never found idle in between (after
 * a handler, or when unmasked), stays masked: its peer misbehaves.  The
 * timer's port is never throttled: releasing the others depends on it.
 */
static void throttle(evtchn_port_t port, struct port_handler *h)
{
	u64 now = ktime_get_ns();

	abi->mask(port);
	h->burst = 0;
	if (h->throttled)	/* listed already: raised before its mask held */
		return;
	if (!stats.throttled++)
		pr_warn("xen: port %u raised again at each of %u events in a row: masked for as long as they took\n",
			port, EVTCHN_PORT_BURST);
	if (++h->bursts >= EVTCHN_FLOOD_BURSTS) {
		h->flooded = true;
		stats.flooded++;
		pr_err("xen: port %u: its peer raised it %u times a burst, %u bursts in a row; masked for good (misbehaving peer)\n",
		       port, EVTCHN_PORT_BURST, EVTCHN_FLOOD_BURSTS);
		return;
	}
	h->throttled = true;
	h->release_ns = now + max(now - h->burst_start, IRQ_WORK_DELAY_NS);
	/*
	 * Released by CPU 0's timers, whichever CPU's port it is (a device
	 * port bound to another vCPU: evtchn_bind_cpu()); another CPU may
	 * have no clock event device.
	 */
	spin_lock(&throttle_lock);
	/*
	 * Each port is listed once (a new binding keeps the flag), so the
	 * list cannot fill; were it ever to, the port is left unthrottled
	 * rather than written past the list or masked for good.
	 */
	if (nr_throttled < ARRAY_SIZE(throttled)) {
		throttled[nr_throttled++] = port;
	} else {
		pr_err("xen: port %u: the throttled list is full; not throttled\n", port);
		h->throttled = false;
		abi->unmask(port);
	}
	if (!release_timer.pending || release_timer.expires > h->release_ns)
		timer_start_on(&release_timer, 0, h->release_ns, release_throttled);
	spin_unlock(&throttle_lock);
}

/*
 * Unmasks the throttled ports whose time came (Xen queues again what is
 * pending on them); one with nothing pending by then has gone idle and
 * is forgiven its bursts.  The timer comes back for the next release.
 */
static void release_throttled(struct timer *t)
{
	u64 now = ktime_get_ns(), next = ~0ULL;
	unsigned int kept = 0;

	spin_lock(&throttle_lock);
	for (unsigned int i = 0; i < nr_throttled; i++) {
		evtchn_port_t port = throttled[i];
		struct port_handler *h = &handlers[port];

		if (h->fn && h->release_ns > now) {
			throttled[kept++] = port;
			next = min(next, h->release_ns);
			continue;
		}
		h->throttled = false;
		if (!abi->is_pending(port))
			h->bursts = 0;
		if (h->fn && !h->masked)
			abi->unmask(port);
	}
	nr_throttled = kept;
	if (nr_throttled)
		timer_start(&release_timer, next, release_throttled);
	spin_unlock(&throttle_lock);
}

/* The handler read once, after this CPU said which port it dispatches (sync_port()). */
static void dispatch_one(evtchn_port_t port, struct port_handler *h)
{
	evtchn_handler_t fn = h ? __atomic_load_n(&h->fn, __ATOMIC_SEQ_CST) : NULL;
	void *data = h ? READ_ONCE(h->data) : NULL;

	if (!fn) {
		/* A port nobody handles: keep it quiet from now on. */
		if (!stray_events++)
			pr_warn("xen: event on unhandled port %u, masked\n", port);
		evtchn_mask(port);
		return;
	}
	h->count++;
	if (!h->burst)
		h->burst_start = ktime_get_ns();
	fn(port, data);
	/* Raised again while its handler ran?  Else idle: bursts forgiven. */
	if (!h->fn || h->urgent || h->ipi || !abi->is_pending(port)) {
		h->burst = 0;
		h->bursts = 0;
	} else if (++h->burst >= EVTCHN_PORT_BURST) {
		throttle(port, h);
	}
}

/*
 * Until it is done with the port (its handler and the accounting after
 * it), this CPU is listed as dispatching it: evtchn_close() waits for
 * that.  The entry it replaces is put back (no nesting is expected).
 */
void evtchn_dispatch(evtchn_port_t port)
{
	u32 *mine = &dispatching[smp_processor_id()];
	u32 outer = *mine;

	__atomic_store_n(mine, port + 1, __ATOMIC_SEQ_CST);
	dispatch_one(port, handler_of(port));
	__atomic_store_n(mine, outer, __ATOMIC_RELEASE);
}

/*
 * Another CPU's events, before it starts: its vcpu_info, and its own
 * queues where the ABI has them (FIFO: a control block of its own).
 */
int xen_events_cpu_init(unsigned int cpu, unsigned int vcpu_id, struct vcpu_info *vi)
{
	int err;

	if (!abi || !cpu || cpu >= NR_CPUS)
		return -ENODEV;
	err = abi->cpu_init ? abi->cpu_init(cpu, vcpu_id) : 0;
	if (!err)
		WRITE_ONCE(cpu_vcpu[cpu], vi);
	return err;
}

/*
 * A CPU taken offline (its resume failed): no port may be bound to its
 * vCPU from now on (evtchn_bind_cpu() refuses it; the port stays on
 * CPU 0), and its upcall, should one come, finds nothing to do.
 */
void xen_events_cpu_exit(unsigned int cpu)
{
	if (cpu && cpu < NR_CPUS)
		WRITE_ONCE(cpu_vcpu[cpu], NULL);
}

/*
 * A port Xen bound to CPU cpu's vCPU: whose it is before it can be raised
 * (bound masked, unmasked last).  Never throttled: raised by our own CPUs
 * or paced by us.  The port, or -ENOSPC (closed).
 */
static int own_port(evtchn_port_t port, unsigned int cpu, evtchn_handler_t fn, void *data)
{
	struct port_handler *h = handler_of(port);

	if (!h) {
		pr_err("xen: port %u is beyond the %u ports handled; closed\n", port, MAX_HANDLED);
		evtchn_close(port);
		return -ENOSPC;
	}
	/* Still on the throttled list: it stays so until its release. */
	*h = (struct port_handler){ .fn = fn, .data = data, .ipi = true, .cpu = cpu,
				    .throttled = h->throttled, .release_ns = h->release_ns };
	if (abi->set_port_cpu)
		abi->set_port_cpu(port, cpu);
	evtchn_unmask(port);
	return port;
}

/*
 * An IPI port on vCPU vcpu_id, taken by CPU cpu's upcall (its events
 * must be set up: xen_events_cpu_init()).  Our own CPUs raise it, so
 * it is never throttled.
 */
int bind_ipi(unsigned int cpu, unsigned int vcpu_id, evtchn_handler_t fn, void *data)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu_id };
	long err;

	if (!abi || cpu >= NR_CPUS || (cpu && !cpu_vcpu[cpu]))
		return -ENODEV;
	err = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);
	if (err) {
		pr_err("xen: bind IPI on vcpu %u: %s\n", vcpu_id, xen_strerror(err));
		return -EIO;
	}
	return own_port(op.port, cpu, fn, data);
}

/*
 * A per-vCPU VIRQ (VIRQ_TIMER) of vCPU vcpu_id, taken by CPU cpu's
 * upcall (its events set up first, as for bind_ipi()).  Its handler is
 * ours to pace (the timer's): never throttled.  The port, or -errno.
 */
int bind_virq_on(unsigned int virq, unsigned int cpu, unsigned int vcpu_id,
		 evtchn_handler_t fn, void *data)
{
	int port;

	if (!cpu)
		return bind_virq(virq, fn, data);
	if (!abi || cpu >= NR_CPUS || !cpu_vcpu[cpu])
		return -ENODEV;
	port = virq_port(virq, vcpu_id);
	return port < 0 ? port : own_port(port, cpu, fn, data);
}

/*
 * A port of ours taken by CPU cpu's upcall from now on: Xen raises it on
 * that CPU's vCPU (EVTCHNOP_bind_vcpu).  Masked meanwhile, as Linux does,
 * so that no event is raised on a vCPU whose CPU does not yet look for
 * it; one that came in between is raised again at the unmask, on the new
 * vCPU (a driver's own mask stays).  The port keeps its handler and its
 * throttling.  0, or -errno with the port where it was.
 */
int evtchn_bind_cpu(evtchn_port_t port, unsigned int cpu)
{
	struct evtchn_bind_vcpu op = { .port = port, .vcpu = xen_vcpu_id(cpu) };
	struct port_handler *h = handler_of(port);
	long err;

	if (!abi || !h || !h->fn || h->ipi || cpu >= NR_CPUS || (cpu && !cpu_vcpu[cpu]))
		return -ENODEV;
	abi->mask(port);
	err = HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &op);
	if (!err) {
		WRITE_ONCE(h->cpu, cpu);
		if (abi->set_port_cpu)
			abi->set_port_cpu(port, cpu);
	}
	if (!h->masked && !evtchn_throttled(port))
		abi->unmask(port);
	if (err) {
		pr_err("xen: bind port %u to vcpu %u: %s\n", port, op.vcpu, xen_strerror(err));
		return -EIO;
	}
	return 0;
}

/*
 * Another CPU's upcall: its IPI and timer ports and the device ports
 * bound to it, so few events that the budget (no deferral here:
 * deferred work runs on CPU 0's timers) is only reached by a CPU
 * flooded by its peers, whose device ports are throttled first.
 */
static bool secondary_overrun;

static void secondary_upcall(unsigned int cpu)
{
	struct vcpu_info *vi = cpu < NR_CPUS ? READ_ONCE(cpu_vcpu[cpu]) : NULL;
	unsigned int budget = EVTCHN_UPCALL_BUDGET;

	if (!vi || !abi)
		return;
	do {
		WRITE_ONCE(vi->evtchn_upcall_pending, 0);
		budget -= abi->handle(vi, cpu, budget);
	} while (budget && READ_ONCE(vi->evtchn_upcall_pending));
	if (!budget && !__atomic_exchange_n(&secondary_overrun, true, __ATOMIC_RELAXED))
		pr_warn("xen: cpu %u: more than %u events in one upcall\n", cpu,
			EVTCHN_UPCALL_BUDGET);
}

/*
 * The upcall: what is pending and unmasked, until Xen raises no more or
 * EVTCHN_UPCALL_BUDGET events went, with interrupts off, the timer's port
 * first (evtchn_set_urgent()).  When the budget runs out the ABI keeps
 * where it stopped to itself and the rest waits for deferred work: the
 * upcall is not raised again at once, so that the interrupted code runs
 * in between.  The deferred run comes with the timer's event, inside an
 * upcall: that upcall takes the rest (the deferred run has nothing more
 * to do there), or defers again if its budget runs out too.
 */
static void xen_upcall(void *unused)
{
	unsigned int budget = EVTCHN_UPCALL_BUDGET;
	unsigned int cpu = smp_processor_id();

	if (cpu) {
		secondary_upcall(cpu);
		return;
	}
	if (in_upcall)
		return;
	in_upcall = true;
	do {
		WRITE_ONCE(cpu_vcpu[0]->evtchn_upcall_pending, 0);
		budget -= abi->handle(cpu_vcpu[0], 0, budget);
	} while (budget && READ_ONCE(cpu_vcpu[0]->evtchn_upcall_pending));
	in_upcall = false;
	stats.most = max(stats.most, EVTCHN_UPCALL_BUDGET - budget);
	if (!budget) {
		if (!stats.deferred++)
			pr_warn("xen: more than %u events in one upcall; the rest later\n",
				EVTCHN_UPCALL_BUDGET);
		irq_work_defer(&upcall_resume, xen_upcall_resume);
	}
}

static void xen_upcall_resume(struct irq_work *w)
{
	xen_upcall(NULL);
}

void evtchn_upcall_stats(struct evtchn_stats *s)
{
	*s = stats;
}

/*
 * A new domain (after xl restore) has none of our ports: every binding
 * is forgotten (not closed: the numbers are the new domain's now) and
 * the owners bind again (the timer, xenstore, each frontend).  Its
 * shared_info is new, all ports unmasked: they are masked first; FIFO's
 * control block and event array are given to Xen again, reset.  The
 * counters survive.  Interrupts are off.
 */
void xen_events_resume(struct shared_info *si, struct vcpu_info *vi,
		       const struct xen_mode_ops *mode)
{
	long err;

	if (!abi)
		return;
	for (unsigned int i = 0; i < ARRAY_SIZE(si->evtchn_mask); i++)
		si->evtchn_mask[i] = ~(xen_ulong_t)0;
	memset(handlers, 0, sizeof(handlers));
	/*
	 * The other vCPUs' event state is the old domain's: no port may be
	 * bound to one until vCPU 0 gives it its vcpu_info and events again
	 * (xen_events_cpu_init(), from the resume of the CPUs), nor ever to
	 * one whose restore failed (its port stays on CPU 0, which takes
	 * its events).  Its upcall finds nothing to do meanwhile.
	 */
	for (unsigned int c = 1; c < NR_CPUS; c++)
		WRITE_ONCE(cpu_vcpu[c], NULL);
	memset(held_sel, 0, sizeof(held_sel));
	memset(other_cpus_ports, 0, sizeof(other_cpus_ports));
	urgent_2l = 0;
	nr_throttled = 0;
	timer_cancel(&release_timer);
	if (abi != &abi_2l && evtchn_fifo_resume()) {
		pr_err("xen: resume: FIFO event channels refused: no event can arrive\n");
		abi = NULL;
		return;
	}
	shared = si;
	cpu_vcpu[0] = vi;
	err = mode->setup_upcall();
	if (err)
		pr_err("xen: resume: event upcall: %s\n", xen_strerror(err));
	WRITE_ONCE(vi->evtchn_upcall_mask, 0);
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
	cpu_vcpu[0] = vi;
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
