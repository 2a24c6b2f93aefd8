// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for event-channel dispatch (drivers/xen/events.c and
 * events_fifo.c) against the hypervisor of tests/unit/fake_evtchn.c: it
 * sets pending bits and selector words (2-level ABI) or links event words
 * into the FIFO priority queues and raises the upcall, as Xen does.  The
 * FIFO ABI, or the 2-level one with EVTCHN_FUZZ_2L set.
 *
 * Each byte is a step: raise a port, mask or unmask it, let a port's
 * backend send again from inside its handler (a peer that never stops),
 * run the upcall, or let virtual time pass and fire the timer (VIRQ_TIMER
 * on an urgent port; its handler runs the kernel's timers and deferred
 * work, as arch/x86/xen/time.c does).  Checked: one upcall dispatches at
 * most EVTCHN_UPCALL_BUDGET events; the timer's event goes before any
 * other; no handler runs for a masked or throttled port; a port raised
 * while others never stop is served by the next upcall or the timer's;
 * and once the peers stop, every event raised since its port's last
 * dispatch is dispatched, unless the port was shut off as a flood (then
 * it starts afresh with a new binding).  A failed check is a crash.
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
#include "../unit/fake_evtchn.h"
#include "../unit/fake_irq.h"

#define check(c)	do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int printk(const char *fmt, ...)
{
	return 0;
}

/* Ports in different words of the 2-level bitmaps, and one past the first page. */
static const evtchn_port_t ports[] = { 3, 5, 63, 64, 130, 1000 };
#define NR	ARRAY_SIZE(ports)
/* VIRQ_TIMER's port, in a word of its own: urgent, as arch/x86/xen/time.c makes it. */
#define TIMER_PORT	200

/* ---- the drivers: one handler per port ---- */

static unsigned long dispatched[NR], pass_count;
static bool outstanding[NR];	/* raised since the last dispatch */
static bool spam[NR];		/* its backend sends again at every event */
static bool masked[NR];
static bool timer_raised;

/* Each handler call takes a microsecond of virtual time. */
static void handler(evtchn_port_t port, void *data)
{
	unsigned int i = (unsigned long)data;

	check(ports[i] == port && !masked[i] && !evtchn_throttled(port));
	check(++pass_count <= EVTCHN_UPCALL_BUDGET);
	/* The timer's event goes before any other. */
	check(!timer_raised);
	fake_now_ns += NSEC_PER_USEC;
	dispatched[i]++;
	outstanding[i] = false;
	if (spam[i]) {
		fake_evtchn_raise(port);
		outstanding[i] = true;
	}
}

/* VIRQ_TIMER: the kernel's timers and deferred work, as time.c runs them. */
static void timer_handler(evtchn_port_t port, void *data)
{
	check(++pass_count <= EVTCHN_UPCALL_BUDGET);
	timer_raised = false;
	fake_run_timers(fake_now_ns);
	fake_run_deferred();
}

static void raise_port(unsigned int i)
{
	fake_evtchn_raise(ports[i]);
	outstanding[i] = true;
}

static void run_upcall(void)
{
	pass_count = 0;
	fake_evtchn_upcall();
}

/* Time passes and the timer fires: its event first, then whatever else. */
static void run_timer(u64 ns)
{
	fake_now_ns += ns;
	timer_raised = true;
	fake_evtchn_raise(TIMER_PORT);
	run_upcall();
	check(!timer_raised);
}

/* Raised while others never stop: served by the upcall or the timer's. */
static void served_soon(unsigned int i)
{
	unsigned long before = dispatched[i];

	if (masked[i] || evtchn_throttled(ports[i]))
		return;
	raise_port(i);
	run_upcall();
	if (dispatched[i] == before)
		run_timer(IRQ_WORK_DELAY_NS);
	check(dispatched[i] > before);
}

/* A port shut off for flooding starts afresh with a new binding. */
static void rebind(unsigned int i)
{
	evtchn_close(ports[i]);
	fake_next_port = ports[i];
	check(evtchn_alloc_unbound(0, handler, (void *)(unsigned long)i) == (int)ports[i]);
	masked[i] = false;
}

static void setup(bool use_fifo)
{
	static bool done;

	if (done) {
		check(!strcmp(evtchn_abi_name(), use_fifo ? "FIFO" : "2-level"));
		return;
	}
	done = true;
	check(fake_evtchn_start(use_fifo));
	fake_next_port = TIMER_PORT;
	check(bind_virq(VIRQ_TIMER, timer_handler, NULL) == TIMER_PORT);
	check(!evtchn_set_urgent(TIMER_PORT));
	for (unsigned long i = 0; i < NR; i++) {
		fake_next_port = ports[i];
		check(evtchn_alloc_unbound(0, handler, (void *)i) == (int)ports[i]);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	if (!size)
		return 0;
	/* One ABI per process: Xen never switches back either. */
	setup(getenv("EVTCHN_FUZZ_2L") ? false : true);
	memset(spam, 0, sizeof(spam));
	for (unsigned int i = 0; i < NR; i++)
		if (evtchn_flooded(ports[i]))
			rebind(i);
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
			run_timer((u64)(data[n] >> 3) * 10 * NSEC_PER_USEC);
			break;
		case 6:
			served_soon(i);
			break;
		default:
			run_upcall();
			break;
		}
	}
	/*
	 * The peers stop: whatever is left is dispatched, nothing lost, but
	 * on a port shut off for flooding (which the log said).
	 */
	memset(spam, 0, sizeof(spam));
	for (unsigned int i = 0; i < NR; i++) {
		masked[i] = false;
		evtchn_unmask(ports[i]);
	}
	for (unsigned int n = 0; n < 4; n++)
		run_timer(NSEC_PER_SEC);
	check(!fake_nr_deferred());
	for (unsigned int i = 0; i < NR; i++)
		check(!outstanding[i] || evtchn_flooded(ports[i]));
	return 0;
}
