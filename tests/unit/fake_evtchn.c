// SPDX-License-Identifier: GPL-2.0
/* The fake of fake_evtchn.h: Xen's event-channel hypercalls and the kernel around them. */
#include <stdlib.h>
#include <string.h>
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <xen/hypercall.h>
#include <xen/interface/grant_table.h>
#include <xen/xen.h>
#include <xen/interface/errno.h>
#include <xen/interface/vcpu.h>
#include "fake_evtchn.h"

void xen_events_init(struct shared_info *si, struct vcpu_info *vi,
		     const struct xen_mode_ops *mode);

struct shared_info *fake_si;
struct vcpu_info *fake_vi;
struct vcpu_info *fake_vi1;
evtchn_port_t fake_next_port;
u64 fake_now_ns;

static bool fifo;
/* Per vCPU (0 and 1): its control block and queue tails. */
static struct evtchn_fifo_control_block *control[FAKE_VCPUS];
static event_word_t *words;
static u32 tails[FAKE_VCPUS][EVTCHN_FIFO_MAX_QUEUES];
static u8 priority[PAGE_SIZE / sizeof(event_word_t)];
/* The vCPU each port notifies: 0 but for IPI ports bound elsewhere. */
static u8 port_vcpu[PAGE_SIZE / sizeof(event_word_t)];
static irq_handler_t upcall;
/* Ports closed since they were last bound. */
static bool closed[PAGE_SIZE / sizeof(event_word_t)];
unsigned int fake_refuse_ipi, fake_refuse_virq, fake_refuse_down;
bool fake_vcpu_down[FAKE_VCPUS];
/* Each vCPU's VIRQ_TIMER port, 0 while unbound. */
static evtchn_port_t timer_port[FAKE_VCPUS];

/* ---- the kernel's side the event code calls ---- */

/* smp_processor_id() on the host: the vCPU fake_evtchn_upcall_on() plays. */
struct percpu percpu_area[NR_CPUS];
__thread unsigned int host_cpu;

int irq_set_vector(unsigned int vector, irq_handler_t handler, void *data, const char *name)
{
	upcall = handler;
	return vector;
}

void irq_free_vector(unsigned int vector)
{
}

static long fake_setup_upcall(void)
{
	return 0;
}

static const struct xen_mode_ops fake_mode = { .setup_upcall = fake_setup_upcall };

unsigned long long param_get_ull(const char *key, unsigned long long def)
{
	return fifo;
}

const char *xen_strerror(long err)
{
	return "?";
}

u64 xen_virt_to_gfn(const void *p)
{
	return virt_to_phys(p) >> PAGE_SHIFT;
}

u64 ktime_get_ns(void)
{
	return fake_now_ns;
}

/*
 * CPU n runs vCPU n (fake_evtchn_start() says so).  Weak: where
 * arch/x86/xen/smp.c is linked in, its own, as its xen_vcpu_id().
 */
__attribute__((weak)) unsigned int xen_cpu_vcpu[NR_CPUS];

__attribute__((weak)) unsigned int xen_vcpu_id(unsigned int cpu)
{
	return cpu;
}

/* The spinlock's slow path names its CPU (arch/x86/kernel/spinlock.c). */
unsigned int host_cpu_id(void);
unsigned int host_cpu_id(void)
{
	return host_cpu;
}

/* ---- the hypervisor ---- */

#define W_BITS		(sizeof(xen_ulong_t) * 8)
#define F_PENDING	(1U << EVTCHN_FIFO_PENDING)
#define F_MASKED	(1U << EVTCHN_FIFO_MASKED)
#define F_LINKED	(1U << EVTCHN_FIFO_LINKED)

static struct vcpu_info *vcpu_info_of(evtchn_port_t port)
{
	return port_vcpu[port] ? fake_vi1 : fake_vi;
}

/*
 * Onto the tail of its priority's queue on its vCPU, as Xen's
 * evtchn_fifo_set_pending(); a vCPU without a control block gets nothing.
 */
static void fifo_link(evtchn_port_t port)
{
	unsigned int q = priority[port], v = port_vcpu[port];
	struct evtchn_fifo_control_block *c = control[v];
	u32 tail = tails[v][q];

	if (!c)
		return;
	/* Behind the tail while it is still queued, else the new head. */
	if (tail && (words[tail] & F_LINKED))
		words[tail] = (words[tail] & ~EVTCHN_FIFO_LINK_MASK) | port;
	else
		c->head[q] = port;
	words[port] = (words[port] & ~EVTCHN_FIFO_LINK_MASK) | F_LINKED;
	tails[v][q] = port;
	if (!(c->ready & (1U << q))) {
		c->ready |= 1U << q;
		vcpu_info_of(port)->evtchn_upcall_pending = 1;
	}
}

static bool test_bit(const xen_ulong_t *map, evtchn_port_t port)
{
	return map[port / W_BITS] & (1UL << port % W_BITS);
}

/* The selector word and the upcall, when a pending bit is unmasked. */
static void raise_2l(evtchn_port_t port)
{
	struct vcpu_info *vi = vcpu_info_of(port);
	xen_ulong_t bit = 1UL << port / W_BITS;

	if (!(vi->evtchn_pending_sel & bit)) {
		vi->evtchn_pending_sel |= bit;
		vi->evtchn_upcall_pending = 1;
	}
}

void fake_evtchn_raise(evtchn_port_t port)
{
	if (fifo) {
		if (words[port] & F_PENDING)
			return;
		words[port] |= F_PENDING;
		if (!(words[port] & (F_MASKED | F_LINKED)))
			fifo_link(port);
		return;
	}
	if (test_bit(fake_si->evtchn_pending, port))
		return;
	fake_si->evtchn_pending[port / W_BITS] |= 1UL << port % W_BITS;
	if (!test_bit(fake_si->evtchn_mask, port))
		raise_2l(port);
}

static void xen_unmask(evtchn_port_t port)
{
	if (fifo) {
		words[port] &= ~F_MASKED;
		if ((words[port] & F_PENDING) && !(words[port] & F_LINKED))
			fifo_link(port);
		return;
	}
	fake_si->evtchn_mask[port / W_BITS] &= ~(1UL << port % W_BITS);
	if (test_bit(fake_si->evtchn_pending, port))
		raise_2l(port);
}

bool fake_evtchn_closed(evtchn_port_t port)
{
	return port < ARRAY_SIZE(closed) && closed[port];
}

bool fake_evtchn_masked(evtchn_port_t port)
{
	return fifo ? words[port] & F_MASKED : test_bit(fake_si->evtchn_mask, port);
}

bool fake_evtchn_shared_left(void)
{
	return fifo ? control[0]->ready != 0 : fake_vi->evtchn_pending_sel != 0;
}

/* fake_next_port, moved on by one for the next binding. */
static evtchn_port_t bind_next(void)
{
	evtchn_port_t port = fake_next_port++;

	priority[port] = EVTCHN_FIFO_PRIORITY_DEFAULT;
	port_vcpu[port] = 0;
	closed[port] = false;
	return port;
}

/* A port that notifies vCPU vcpu (an IPI, a per-vCPU VIRQ). */
static long bind_on(u32 vcpu, evtchn_port_t *port)
{
	if (vcpu >= FAKE_VCPUS)
		return -ENOENT;
	*port = bind_next();
	port_vcpu[*port] = vcpu;
	return 0;
}

/*
 * Every control block and event array page ever given to Xen: Xen keeps
 * its mapping of them, so they stay referenced here even where the
 * kernel forgets them (a new xen_events_init() of the next suite).
 */
static void *xen_mapped[64];
static unsigned int nr_xen_mapped;

static void xen_maps(void *page)
{
	if (nr_xen_mapped < ARRAY_SIZE(xen_mapped))
		xen_mapped[nr_xen_mapped++] = page;
}

static long event_channel_op(int cmd, void *arg)
{
	switch (cmd) {
	case EVTCHNOP_init_control: {
		struct evtchn_init_control *op = arg;

		if (!fifo)
			return -ENOSYS;
		if (op->vcpu >= FAKE_VCPUS)
			return -ENOENT;
		control[op->vcpu] = phys_to_virt(op->control_gfn << PAGE_SHIFT);
		xen_maps(control[op->vcpu]);
		memset(tails[op->vcpu], 0, sizeof(tails[op->vcpu]));
		return 0;
	}
	case EVTCHNOP_bind_ipi: {
		struct evtchn_bind_ipi *op = arg;

		if (op->vcpu < FAKE_VCPUS && (fake_refuse_ipi & (1U << op->vcpu)))
			return -EINVAL;
		return bind_on(op->vcpu, &op->port);
	}
	case EVTCHNOP_bind_vcpu: {
		struct evtchn_bind_vcpu *op = arg;

		if (op->vcpu >= FAKE_VCPUS || op->port >= ARRAY_SIZE(port_vcpu))
			return -ENOENT;
		port_vcpu[op->port] = op->vcpu;
		return 0;
	}
	case EVTCHNOP_expand_array:
		words = phys_to_virt(((struct evtchn_expand_array *)arg)->array_gfn << PAGE_SHIFT);
		xen_maps(words);
		return 0;
	case EVTCHNOP_unmask:
		xen_unmask(((struct evtchn_unmask *)arg)->port);
		return 0;
	case EVTCHNOP_alloc_unbound:
		((struct evtchn_alloc_unbound *)arg)->port = bind_next();
		return 0;
	case EVTCHNOP_bind_virq: {
		struct evtchn_bind_virq *op = arg;
		long err;

		if (op->vcpu < FAKE_VCPUS && (fake_refuse_virq & (1U << op->vcpu)))
			return -EINVAL;
		err = bind_on(op->vcpu, &op->port);

		if (!err && op->virq == VIRQ_TIMER)
			timer_port[op->vcpu] = op->port;
		return err;
	}
	case EVTCHNOP_set_priority: {
		struct evtchn_set_priority *op = arg;

		if (!fifo)
			return -ENOSYS;
		if (op->port >= ARRAY_SIZE(priority) || op->priority > EVTCHN_FIFO_PRIORITY_MIN)
			return -EINVAL;
		priority[op->port] = op->priority;
		return 0;
	}
	case EVTCHNOP_close: {
		evtchn_port_t port = ((struct evtchn_close *)arg)->port;

		if (port < ARRAY_SIZE(closed))
			closed[port] = true;
		return 0;
	}
	case EVTCHNOP_send:
		return 0;
	}
	return -ENOSYS;
}

/*
 * Each vCPU's single-shot timer, as Xen's VCPUOP_set_singleshot_timer:
 * the caller's own only; a timeout passed by Xen's clock (fake_now_ns +
 * fake_xen_ahead_ns) is -ETIME with VCPU_SSHOTTMR_future where
 * fake_xen_honours_future says so (newer Xens ignore the flag), else its
 * VIRQ_TIMER is raised at once.
 */
u64 fake_xen_ahead_ns;
bool fake_xen_honours_future;
u64 fake_sshot_at[FAKE_VCPUS];
unsigned long fake_sshot_etime;

static long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	struct vcpu_set_singleshot_timer *t = arg;
	u64 now = fake_now_ns + fake_xen_ahead_ns;

	if (vcpu >= FAKE_VCPUS)
		return -ENOENT;
	if (cmd == VCPUOP_stop_periodic_timer)
		return 0;
	if (cmd == VCPUOP_down) {
		if (fake_refuse_down & (1U << vcpu))
			return -EINVAL;
		fake_vcpu_down[vcpu] = true;
		return 0;
	}
	if (cmd == VCPUOP_up) {
		fake_vcpu_down[vcpu] = false;
		return 0;
	}
	if (cmd != VCPUOP_set_singleshot_timer || vcpu != host_cpu)
		return -EINVAL;
	if (t->timeout_abs_ns < now && (t->flags & VCPU_SSHOTTMR_future) &&
	    fake_xen_honours_future) {
		fake_sshot_etime++;
		return -XEN_ETIME;
	}
	fake_sshot_at[vcpu] = t->timeout_abs_ns;
	fake_xen_run_timers();
	return 0;
}

void fake_xen_run_timers(void)
{
	for (unsigned int v = 0; v < FAKE_VCPUS; v++) {
		if (fake_sshot_at[v] && fake_sshot_at[v] <= fake_now_ns + fake_xen_ahead_ns &&
		    timer_port[v]) {
			fake_sshot_at[v] = 0;
			fake_evtchn_raise(timer_port[v]);
		}
	}
}

long xen_hypercall5(unsigned long nr, unsigned long a1, unsigned long a2,
		    unsigned long a3, unsigned long a4, unsigned long a5)
{
	if (nr == __HYPERVISOR_vcpu_op)
		return vcpu_op(a1, a2, (void *)a3);
	if (nr == __HYPERVISOR_grant_table_op && a1 == GNTTABOP_query_size) {
		struct gnttab_query_size *q = (void *)a2;

		/* One frame of v1 entries, for gnttab_test.c. */
		q->nr_frames = q->max_nr_frames = 1;
		q->status = GNTST_okay;
		return 0;
	}
	if (nr != __HYPERVISOR_event_channel_op)
		abort();
	return event_channel_op(a1, (void *)a2);
}

bool fake_evtchn_start(bool use_fifo)
{
	fifo = use_fifo;
	free(fake_si);
	fake_si = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(fake_si, 0, PAGE_SIZE);
	fake_vi = &fake_si->vcpu_info[0];
	fake_vi1 = &fake_si->vcpu_info[1];
	memset(control, 0, sizeof(control));
	memset(timer_port, 0, sizeof(timer_port));
	memset(fake_sshot_at, 0, sizeof(fake_sshot_at));
	memset(fake_vcpu_down, 0, sizeof(fake_vcpu_down));
	fake_refuse_ipi = fake_refuse_virq = fake_refuse_down = 0;
	for (unsigned int v = 0; v < FAKE_VCPUS; v++)
		xen_cpu_vcpu[v] = v;
	host_cpu = 0;
	upcall = NULL;
	xen_events_init(fake_si, fake_vi, &fake_mode);
	return upcall && !strcmp(evtchn_abi_name(), fifo ? "FIFO" : "2-level");
}

bool fake_evtchn_upcall_wanted(void)
{
	return fake_vi->evtchn_upcall_pending;
}

bool fake_evtchn_upcall(void)
{
	if (!fake_vi->evtchn_upcall_pending)
		return false;
	upcall(NULL);
	return true;
}

bool fake_evtchn_upcall_on(unsigned int vcpu)
{
	struct vcpu_info *vi = vcpu ? fake_vi1 : fake_vi;

	if (!vi->evtchn_upcall_pending)
		return false;
	host_cpu = vcpu;
	upcall(NULL);
	host_cpu = 0;
	return true;
}

/*
 * xl restore: Xen's side of the new domain has no control block, no
 * binding and nothing pending (a new shared_info); then the kernel's
 * xen_events_resume(), as arch/x86/xen/suspend.c calls it on vCPU 0.
 */
void fake_evtchn_new_domain(void)
{
	memset(control, 0, sizeof(control));
	memset(tails, 0, sizeof(tails));
	memset(port_vcpu, 0, sizeof(port_vcpu));
	memset(timer_port, 0, sizeof(timer_port));
	memset(fake_sshot_at, 0, sizeof(fake_sshot_at));
	/* Every vCPU up where the save left it; nothing closed in the new domain yet. */
	memset(fake_vcpu_down, 0, sizeof(fake_vcpu_down));
	memset(closed, 0, sizeof(closed));
	memset(fake_si, 0, PAGE_SIZE);
	host_cpu = 0;
	xen_events_resume(fake_si, fake_vi, &fake_mode);
}
