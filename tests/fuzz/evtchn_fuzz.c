// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for event-channel dispatch (drivers/xen/events.c and
 * events_fifo.c) against a hypervisor played here: it sets pending bits
 * and selector words (2-level ABI) or links event words into the FIFO
 * queues and raises the upcall, as Xen does.
 *
 * The first byte picks the ABI; the rest is a script: raise a port, mask
 * or unmask it, let a port's backend send again from inside its handler
 * (a peer that never stops), run the upcall, run deferred work.
 * Checked: one upcall or deferred run dispatches at most
 * EVTCHN_UPCALL_BUDGET events; no handler runs for a masked port; a port
 * raised while another never stops is served within two passes; and once
 * the peers stop, every event raised since its port's last dispatch is
 * dispatched.  A failed check is a crash.
 *
 *   make fuzz
 *   build/fuzz/evtchn_fuzz -max_total_time=60 build/fuzz/corpus/evtchn
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <asm/page.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "../../drivers/xen/events_internal.h"
#include "../unit/fake_irq.h"

#define check(c)	do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
void xen_events_init(struct shared_info *si, struct vcpu_info *vi,
		     const struct xen_mode_ops *mode);

int printk(const char *fmt, ...)
{
	return 0;
}

/* Ports in different words of the 2-level bitmaps, and one past the first page. */
static const evtchn_port_t ports[] = { 3, 5, 63, 64, 130, 1000 };
#define NR	ARRAY_SIZE(ports)

static struct shared_info *si;
static struct vcpu_info *vi;
static bool fifo;
static struct evtchn_fifo_control_block *control;
static event_word_t *words;
static u32 tails[EVTCHN_FIFO_MAX_QUEUES];
static irq_handler_t upcall;

/* ---- the kernel's side the event code calls ---- */

int irq_set_vector(unsigned int vector, irq_handler_t handler, void *data, const char *name)
{
	upcall = handler;
	return vector;
}

void irq_free_vector(unsigned int vector)
{
}

static long fuzz_setup_upcall(void)
{
	return 0;
}

static const struct xen_mode_ops fuzz_mode = { .setup_upcall = fuzz_setup_upcall };

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

/* ---- the hypervisor ---- */

#define W_BITS		(sizeof(xen_ulong_t) * 8)
#define F_PENDING	(1U << EVTCHN_FIFO_PENDING)
#define F_MASKED	(1U << EVTCHN_FIFO_MASKED)
#define F_LINKED	(1U << EVTCHN_FIFO_LINKED)

static void fifo_link(evtchn_port_t port)
{
	unsigned int q = EVTCHN_FIFO_PRIORITY_DEFAULT;
	u32 tail = tails[q];

	/* Behind the tail while it is still queued, else the new head. */
	if (tail && (words[tail] & F_LINKED))
		words[tail] = (words[tail] & ~EVTCHN_FIFO_LINK_MASK) | port;
	else
		control->head[q] = port;
	words[port] = (words[port] & ~EVTCHN_FIFO_LINK_MASK) | F_LINKED;
	tails[q] = port;
	control->ready |= 1U << q;
	vi->evtchn_upcall_pending = 1;
}

/* An event on port, as a backend's notification makes it. */
static void xen_raise(evtchn_port_t port)
{
	if (fifo) {
		if (words[port] & F_PENDING)
			return;
		words[port] |= F_PENDING;
		if (!(words[port] & (F_MASKED | F_LINKED)))
			fifo_link(port);
		return;
	}
	if (si->evtchn_pending[port / W_BITS] & (1UL << port % W_BITS))
		return;
	si->evtchn_pending[port / W_BITS] |= 1UL << port % W_BITS;
	if (si->evtchn_mask[port / W_BITS] & (1UL << port % W_BITS))
		return;
	vi->evtchn_pending_sel |= 1UL << port / W_BITS;
	vi->evtchn_upcall_pending = 1;
}

static void xen_unmask(evtchn_port_t port)
{
	if (fifo) {
		words[port] &= ~F_MASKED;
		if ((words[port] & F_PENDING) && !(words[port] & F_LINKED))
			fifo_link(port);
		return;
	}
	si->evtchn_mask[port / W_BITS] &= ~(1UL << port % W_BITS);
	if (si->evtchn_pending[port / W_BITS] & (1UL << port % W_BITS)) {
		vi->evtchn_pending_sel |= 1UL << port / W_BITS;
		vi->evtchn_upcall_pending = 1;
	}
}

static unsigned int next_bind;

static long event_channel_op(int cmd, void *arg)
{
	switch (cmd) {
	case EVTCHNOP_init_control:
		if (!fifo)
			return -ENOSYS;
		control = phys_to_virt(((struct evtchn_init_control *)arg)->control_gfn << PAGE_SHIFT);
		return 0;
	case EVTCHNOP_expand_array:
		words = phys_to_virt(((struct evtchn_expand_array *)arg)->array_gfn << PAGE_SHIFT);
		return 0;
	case EVTCHNOP_unmask:
		xen_unmask(((struct evtchn_unmask *)arg)->port);
		return 0;
	case EVTCHNOP_alloc_unbound:
		check(next_bind < NR);
		((struct evtchn_alloc_unbound *)arg)->port = ports[next_bind++];
		return 0;
	case EVTCHNOP_close:
	case EVTCHNOP_send:
		return 0;
	}
	return -ENOSYS;
}

long xen_hypercall5(unsigned long nr, unsigned long a1, unsigned long a2,
		    unsigned long a3, unsigned long a4, unsigned long a5)
{
	check(nr == __HYPERVISOR_event_channel_op);
	return event_channel_op(a1, (void *)a2);
}

/* ---- the drivers: one handler per port ---- */

static unsigned long dispatched[NR], pass_count;
static bool outstanding[NR];	/* raised since the last dispatch */
static bool spam[NR];		/* its backend sends again at every event */
static bool masked[NR];

static void handler(evtchn_port_t port, void *data)
{
	unsigned int i = (unsigned long)data;

	check(ports[i] == port && !masked[i]);
	check(++pass_count <= EVTCHN_UPCALL_BUDGET);
	dispatched[i]++;
	outstanding[i] = false;
	if (spam[i]) {
		xen_raise(port);
		outstanding[i] = true;
	}
}

static void raise_port(unsigned int i)
{
	xen_raise(ports[i]);
	outstanding[i] = true;
}

static void run_upcall(void)
{
	pass_count = 0;
	upcall(NULL);
}

static void run_deferred(void)
{
	pass_count = 0;
	fake_run_deferred();
}

/* Raised while others never stop: served within two passes all the same. */
static void served_soon(unsigned int i)
{
	unsigned long before = dispatched[i];

	if (masked[i])
		return;
	raise_port(i);
	run_upcall();
	if (dispatched[i] == before)
		run_deferred();
	check(dispatched[i] > before);
}

static void setup(bool use_fifo)
{
	static bool done;

	if (done) {
		check(fifo == use_fifo);
		return;
	}
	done = true;
	fifo = use_fifo;
	si = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(si, 0, PAGE_SIZE);
	vi = &si->vcpu_info[0];
	xen_events_init(si, vi, &fuzz_mode);
	check(upcall && !strcmp(evtchn_abi_name(), fifo ? "FIFO" : "2-level"));
	for (unsigned long i = 0; i < NR; i++)
		check(evtchn_alloc_unbound(0, handler, (void *)i) == (int)ports[i]);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	if (!size)
		return 0;
	/* One ABI per process: Xen never switches back either. */
	setup(getenv("EVTCHN_FUZZ_2L") ? false : true);
	memset(spam, 0, sizeof(spam));
	for (size_t n = 1; n < size; n++) {
		unsigned int i = (data[n] >> 3) % NR;

		switch (data[n] & 7) {
		case 0:
		case 1:
			raise_port(i);
			break;
		case 2:
			masked[i] = true;
			evtchn_mask(ports[i]);
			break;
		case 3:
			masked[i] = false;
			evtchn_unmask(ports[i]);
			break;
		case 4:
			spam[i] = !spam[i];
			break;
		case 5:
			run_deferred();
			break;
		case 6:
			served_soon(i);
			break;
		default:
			run_upcall();
			break;
		}
	}
	/* The peers stop: whatever is left is dispatched, nothing lost. */
	memset(spam, 0, sizeof(spam));
	for (unsigned int i = 0; i < NR; i++) {
		masked[i] = false;
		evtchn_unmask(ports[i]);
	}
	for (unsigned int n = 0; n < 4; n++) {
		run_upcall();
		run_deferred();
	}
	check(!fake_nr_deferred());
	for (unsigned int i = 0; i < NR; i++)
		check(!outstanding[i]);
	return 0;
}
