// SPDX-License-Identifier: GPL-2.0
/*
 * Event-channel dispatch (drivers/xen/events.c, events_fifo.c) against
 * hostile peers, over both ABIs, on the hypervisor of fake_evtchn.c and
 * virtual time.  A binary of its own (tests/unit/evtchn-tests): the main
 * host tests fake the event-channel API that this one runs for real.
 *
 * The vCPU is played here: the upcall runs whenever Xen asks for it,
 * else the interrupted code runs a microsecond; every handler call takes
 * HANDLER_NS; Xen's timer fires every IRQ_WORK_DELAY_NS on VIRQ_TIMER's
 * port, made urgent as arch/x86/xen/time.c makes it, and its handler
 * runs the kernel's timers and deferred work.
 */
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <xen/events.h>
#include <xen/xen.h>
#include "../../drivers/xen/events_internal.h"
#include "fake_evtchn.h"
#include "fake_irq.h"

#define HANDLER_NS	(2 * NSEC_PER_USEC)
/* Last of all in port order: the 2-level ABI would come to it last. */
#define TIMER_PORT	900
#define NR_PORTS	EVTCHN_MAX_HANDLED

struct port_state {
	unsigned long raised, dispatched;
	unsigned long floods;	/* events its peer still sends, one per dispatch */
	u64 every_ns;		/* a quiet peer: an event this often */
};

static struct port_state ports[NR_PORTS];
/* The ports of quiet peers (every_ns set). */
static evtchn_port_t quiet[32];
static unsigned int nr_quiet;
static u64 timer_due, last_normal, longest_without_normal, normal_ns;
static bool timer_raised;
static unsigned int others_before_timer, most_before_timer;
static unsigned long ticks;

static void timer_tick(evtchn_port_t port, void *data);

/* A new event from port's peer; one already pending is not a new one. */
static void peer_sends(evtchn_port_t port)
{
	if (evtchn_is_pending(port))
		return;
	ports[port].raised++;
	fake_evtchn_raise(port);
}

/* Time passes: the quiet peers speak when their time comes, and the timer. */
static void advance(u64 ns)
{
	u64 before = fake_now_ns;

	fake_now_ns += ns;
	for (unsigned int i = 0; i < nr_quiet; i++) {
		u64 every = ports[quiet[i]].every_ns;

		if (fake_now_ns / every != before / every)
			peer_sends(quiet[i]);
	}
	if (fake_now_ns >= timer_due && !timer_raised) {
		timer_raised = true;
		others_before_timer = 0;
		fake_evtchn_raise(TIMER_PORT);
	}
}

static void peer_handler(evtchn_port_t port, void *data)
{
	struct port_state *p = &ports[port];

	p->dispatched++;
	if (timer_raised)
		others_before_timer++;
	advance(HANDLER_NS);
	if (p->floods) {
		p->floods--;
		peer_sends(port);
	}
}

static void timer_tick(evtchn_port_t port, void *data)
{
	timer_raised = false;
	most_before_timer = max(most_before_timer, others_before_timer);
	ticks++;
	timer_due = fake_now_ns + IRQ_WORK_DELAY_NS;
	advance(HANDLER_NS);
	fake_run_timers(fake_now_ns);
	fake_run_deferred();
}

/* The vCPU until virtual time end. */
static void run_vcpu(u64 ns)
{
	u64 end = fake_now_ns + ns;

	last_normal = fake_now_ns;
	while (fake_now_ns < end) {
		if (fake_evtchn_upcall())
			continue;
		longest_without_normal = max(longest_without_normal, fake_now_ns - last_normal);
		normal_ns += NSEC_PER_USEC;
		advance(NSEC_PER_USEC);
		last_normal = fake_now_ns;
	}
	longest_without_normal = max(longest_without_normal, fake_now_ns - last_normal);
}

static void bind(evtchn_port_t port, unsigned long floods, u64 every_ns)
{
	ports[port] = (struct port_state){ .floods = floods, .every_ns = every_ns };
	if (every_ns && nr_quiet < ARRAY_SIZE(quiet))
		quiet[nr_quiet++] = port;
	fake_next_port = port;
	evtchn_alloc_unbound(0, peer_handler, NULL);
}

/* Closes the ports a case bound, with the vCPU's counters back to zero. */
static void unbind_all(void)
{
	for (evtchn_port_t p = 1; p < NR_PORTS; p++) {
		if (p != TIMER_PORT && (ports[p].raised || ports[p].every_ns))
			evtchn_close(p);
		ports[p] = (struct port_state){ 0 };
	}
	nr_quiet = 0;
	longest_without_normal = normal_ns = 0;
	most_before_timer = 0;
	ticks = 0;
}

/* Quiet ports must have had every event their peers sent. */
static void expect_none_lost(struct ktest *t, evtchn_port_t first, evtchn_port_t last)
{
	unsigned long lost = 0;

	for (evtchn_port_t p = first; p <= last; p++)
		lost += ports[p].raised - ports[p].dispatched;
	KT_EXPECT_EQ(t, lost, 0);
}

static const evtchn_port_t flooders[] = { 10, 11, 70, 300 };

/*
 * Issue 11: four peers raise their ports again at every dispatch, for
 * ever, among twenty quiet ones.  The timer's event must go next
 * whenever it comes, the interrupted code must run between bursts, each
 * quiet event must arrive, and the flooding ports end masked for good.
 */
static void a_flood_cannot_starve_the_timer(struct ktest *t)
{
	struct evtchn_stats before, after;
	u64 start = fake_now_ns;

	evtchn_upcall_stats(&before);
	for (unsigned int i = 0; i < ARRAY_SIZE(flooders); i++) {
		bind(flooders[i], ~0UL, 0);
		peer_sends(flooders[i]);
	}
	for (evtchn_port_t p = 100; p < 120; p++)
		bind(p, 0, NSEC_PER_MSEC + p * NSEC_PER_USEC);
	run_vcpu(400 * NSEC_PER_MSEC);
	evtchn_upcall_stats(&after);
	ktest_log(t, "%lu timer events, at most %u events before one, %llu%% of the time to the interrupted code, at most %llu us without it",
		  ticks, most_before_timer, normal_ns * 100 / (fake_now_ns - start),
		  longest_without_normal / NSEC_PER_USEC);
	KT_EXPECT_EQ(t, most_before_timer, 0);
	KT_EXPECT_GE(t, ticks, 400 * NSEC_PER_MSEC / IRQ_WORK_DELAY_NS / 2);
	/* an upcall's budget at most, then the interrupted code */
	KT_EXPECT_LE(t, longest_without_normal, 2 * EVTCHN_UPCALL_BUDGET * HANDLER_NS);
	KT_EXPECT_GE(t, normal_ns * 4, fake_now_ns - start);
	for (unsigned int i = 0; i < ARRAY_SIZE(flooders); i++) {
		KT_EXPECT_TRUE(t, evtchn_flooded(flooders[i]));
		KT_EXPECT_TRUE(t, fake_evtchn_masked(flooders[i]));
		KT_EXPECT_GE(t, ports[flooders[i]].dispatched,
			     EVTCHN_PORT_BURST * EVTCHN_FLOOD_BURSTS);
	}
	KT_EXPECT_EQ(t, after.flooded - before.flooded, ARRAY_SIZE(flooders));
	expect_none_lost(t, 100, 119);
	unbind_all();
}

/*
 * More events than an upcall's budget: the rest is kept by the ABI, not
 * left in the shared words nor the upcall raised again (that would run
 * the next upcall at once), and comes with the deferred run: each
 * event exactly once.
 */
static void the_rest_waits_for_deferred_work_and_none_is_lost(struct ktest *t)
{
	const evtchn_port_t last = 600;
	unsigned long dispatched = 0;

	timer_due = ~0ULL;	/* no timer event in the budget counted */
	for (evtchn_port_t p = 1; p <= last; p++) {
		bind(p, 0, 0);
		peer_sends(p);
	}
	KT_EXPECT_TRUE(t, fake_evtchn_upcall());
	for (evtchn_port_t p = 1; p <= last; p++)
		dispatched += ports[p].dispatched;
	KT_EXPECT_EQ(t, dispatched, EVTCHN_UPCALL_BUDGET);
	KT_EXPECT_FALSE(t, fake_evtchn_upcall_wanted());
	KT_EXPECT_FALSE(t, fake_evtchn_shared_left());
	KT_EXPECT_EQ(t, fake_nr_deferred(), 1);
	for (unsigned int n = 0; n < 3 && fake_nr_deferred(); n++)
		fake_run_deferred();
	KT_EXPECT_EQ(t, fake_nr_deferred(), 0);
	for (evtchn_port_t p = 1; p <= last; p++)
		KT_EXPECT_EQ(t, ports[p].dispatched, 1);
	timer_due = fake_now_ns;
	unbind_all();
}

/*
 * A peer that sends three bursts' worth, one event at each dispatch, and
 * then stops, again and again: throttled three times a round, every event
 * arrives, and it is never taken for a flood (idle in between), though
 * its bursts add up to more than EVTCHN_FLOOD_BURSTS.
 */
static void bursts_with_pauses_are_no_flood(struct ktest *t)
{
	const unsigned long events = 3 * EVTCHN_PORT_BURST + 10;
	const unsigned int rounds = EVTCHN_FLOOD_BURSTS / 3 + 2;
	struct evtchn_stats before, after;

	evtchn_upcall_stats(&before);
	bind(40, 0, 0);
	for (unsigned int r = 0; r < rounds; r++) {
		ports[40].floods = events - 1;
		peer_sends(40);
		run_vcpu(5 * NSEC_PER_MSEC);
	}
	evtchn_upcall_stats(&after);
	KT_EXPECT_EQ(t, ports[40].raised, rounds * events);
	KT_EXPECT_EQ(t, ports[40].dispatched, rounds * events);
	KT_EXPECT_EQ(t, after.throttled - before.throttled, 3 * rounds);
	KT_EXPECT_FALSE(t, evtchn_flooded(40));
	KT_EXPECT_FALSE(t, fake_evtchn_masked(40));
	unbind_all();
}

/* A driver that masks its throttled port keeps it masked past the release. */
static void a_drivers_mask_outlasts_the_throttle(struct ktest *t)
{
	struct evtchn_stats before, now;
	unsigned long seen;

	evtchn_upcall_stats(&before);
	bind(41, ~0UL, 0);
	peer_sends(41);
	for (unsigned int n = 0; n < 1000 && !evtchn_throttled(41); n++)
		run_vcpu(10 * NSEC_PER_USEC);
	evtchn_upcall_stats(&now);
	KT_EXPECT_EQ(t, now.throttled - before.throttled, 1);
	KT_EXPECT_TRUE(t, evtchn_throttled(41));
	evtchn_mask(41);
	seen = ports[41].dispatched;
	run_vcpu(10 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, ports[41].dispatched, seen);
	KT_EXPECT_FALSE(t, evtchn_throttled(41));
	KT_EXPECT_TRUE(t, fake_evtchn_masked(41));
	/* unmasked by its driver: the event that waited arrives */
	ports[41].floods = 0;
	evtchn_unmask(41);
	run_vcpu(NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, ports[41].dispatched, seen + 1);
	KT_EXPECT_EQ(t, ports[41].dispatched, ports[41].raised);
	unbind_all();
}

static unsigned long ipi_hits[FAKE_VCPUS], dev_hits;
static unsigned int ipi_ran_on[FAKE_VCPUS];

static void ipi_handler(evtchn_port_t port, void *data)
{
	unsigned long cpu = (unsigned long)data;

	ipi_hits[cpu]++;
	ipi_ran_on[cpu] = smp_processor_id();
}

static void dev_handler(evtchn_port_t port, void *data)
{
	dev_hits++;
}

/*
 * CPU 1's events, once per suite (FIFO gives Xen a fresh control block
 * each time and never takes it back).
 */
static bool cpu1_ready;

static int cpu1_events(void)
{
	int err = cpu1_ready ? 0 : xen_events_cpu_init(1, 1, fake_vi1);

	cpu1_ready = !err;
	return err;
}

/* A device port, or CPU cpu's IPI port on vCPU cpu, given the number port. */
static int dev_port_at(evtchn_port_t port, evtchn_handler_t fn)
{
	fake_next_port = port;
	return evtchn_alloc_unbound(0, fn, NULL);
}

static int ipi_port_at(evtchn_port_t port, unsigned long cpu)
{
	fake_next_port = port;
	return bind_ipi(cpu, cpu, ipi_handler, (void *)cpu);
}

/* Xen's upcall at a vcpu_info's registration: "everything pending". */
static void spurious_upcall(struct vcpu_info *vi)
{
	vi->evtchn_upcall_pending = 1;
	vi->evtchn_pending_sel = ~(xen_ulong_t)0;
}

/*
 * Issue 15: CPU 1's IPI port (vCPU 1) is taken by CPU 1's upcall only,
 * once, though it shares a word of pending bits with CPU 0's ports; CPU
 * 0's upcall, even one with every selector word set, leaves it pending;
 * a device port stays CPU 0's even when CPU 1's upcall runs; a self-IPI
 * on CPU 0 arrives once.
 */
static void ipi_ports_are_taken_by_their_cpu(struct ktest *t)
{
	int dev, ipi0, ipi1;

	memset(ipi_hits, 0, sizeof(ipi_hits));
	dev_hits = 0;
	KT_ASSERT_EQ(t, cpu1_events(), 0);
	dev = dev_port_at(70, dev_handler);
	ipi0 = ipi_port_at(71, 0);
	ipi1 = ipi_port_at(72, 1);
	KT_ASSERT_TRUE(t, dev == 70 && ipi0 == 71 && ipi1 == 72);

	fake_evtchn_raise(ipi1);
	KT_EXPECT_FALSE(t, fake_evtchn_upcall_wanted());
	spurious_upcall(fake_vi);
	fake_evtchn_upcall_on(0);
	KT_EXPECT_EQ(t, ipi_hits[1], 0);
	KT_EXPECT_TRUE(t, evtchn_is_pending(ipi1));
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(1));
	KT_EXPECT_EQ(t, ipi_hits[1], 1);
	KT_EXPECT_EQ(t, ipi_ran_on[1], 1);
	KT_EXPECT_FALSE(t, evtchn_is_pending(ipi1));
	KT_EXPECT_FALSE(t, fake_evtchn_upcall_on(1));

	fake_evtchn_raise(dev);
	fake_evtchn_raise(ipi1);
	spurious_upcall(fake_vi1);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(1));
	KT_EXPECT_EQ(t, ipi_hits[1], 2);
	KT_EXPECT_EQ(t, dev_hits, 0);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(0));
	KT_EXPECT_EQ(t, dev_hits, 1);

	fake_evtchn_raise(ipi0);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(0));
	KT_EXPECT_EQ(t, ipi_hits[0], 1);
	KT_EXPECT_EQ(t, ipi_ran_on[0], 0);
	KT_EXPECT_EQ(t, ipi_hits[1], 2);
	evtchn_close(dev);
	evtchn_close(ipi0);
	evtchn_close(ipi1);
}

static unsigned int dev_ran_on;

static void dev_cpu_handler(evtchn_port_t port, void *data)
{
	dev_hits++;
	dev_ran_on = smp_processor_id();
}

/*
 * Issue 15, blkfront's queues: a device port bound to CPU 1
 * (evtchn_bind_cpu: EVTCHNOP_bind_vcpu) is taken by CPU 1's upcall only
 * from then on; an event that came before the binding arrives once (on
 * CPU 0 with FIFO, where Xen left it linked on vCPU 0's queue; on CPU 1
 * with 2-level, raised again at the unmask); IPI ports are not moved.
 * Its peer flooding it is throttled on CPU 1 and released by CPU 0's
 * timers (CPU 1 may have none).
 */
static void device_ports_are_taken_by_the_cpu_they_are_bound_to(struct ktest *t)
{
	struct evtchn_stats before, after;
	int dev, ipi1;

	dev_hits = 0;
	KT_ASSERT_EQ(t, cpu1_events(), 0);
	dev = dev_port_at(80, dev_cpu_handler);
	ipi1 = ipi_port_at(81, 1);
	KT_ASSERT_TRUE(t, dev == 80 && ipi1 == 81);
	KT_EXPECT_EQ(t, evtchn_bind_cpu(ipi1, 0), -ENODEV);
	KT_EXPECT_EQ(t, evtchn_bind_cpu(dev, 5), -ENODEV);	/* no such CPU set up */

	fake_evtchn_raise(dev);
	KT_ASSERT_EQ(t, evtchn_bind_cpu(dev, 1), 0);
	KT_EXPECT_FALSE(t, fake_evtchn_masked(dev));
	fake_evtchn_upcall_on(0);
	fake_evtchn_upcall_on(1);
	KT_EXPECT_EQ(t, dev_hits, 1);

	fake_evtchn_raise(dev);
	KT_EXPECT_FALSE(t, fake_evtchn_upcall_wanted());
	spurious_upcall(fake_vi);
	fake_evtchn_upcall_on(0);
	KT_EXPECT_EQ(t, dev_hits, 1);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(1));
	KT_EXPECT_EQ(t, dev_hits, 2);
	KT_EXPECT_EQ(t, dev_ran_on, 1);
	evtchn_close(dev);

	/* A peer raising it at every dispatch: throttled there, released by CPU 0's timer. */
	evtchn_upcall_stats(&before);
	bind(42, ~0UL, 0);
	KT_ASSERT_EQ(t, evtchn_bind_cpu(42, 1), 0);
	peer_sends(42);
	fake_timer_cpu = 7;
	for (unsigned int n = 0; n < 1000 && !evtchn_throttled(42); n++)
		fake_evtchn_upcall_on(1);
	evtchn_upcall_stats(&after);
	KT_EXPECT_EQ(t, after.throttled - before.throttled, 1);
	KT_EXPECT_TRUE(t, evtchn_throttled(42));
	KT_EXPECT_TRUE(t, fake_evtchn_masked(42));
	KT_EXPECT_EQ(t, fake_timer_cpu, 0);
	fake_now_ns += 10 * NSEC_PER_MSEC;
	fake_run_timers(fake_now_ns);
	KT_EXPECT_FALSE(t, evtchn_throttled(42));
	KT_EXPECT_FALSE(t, fake_evtchn_masked(42));
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(1));
	KT_EXPECT_GT(t, ports[42].dispatched, (unsigned long)EVTCHN_PORT_BURST);
	evtchn_close(ipi1);
	/*
	 * The handlers' time raised CPU 0's timer meanwhile: CPU 0 takes it
	 * now, and CPU 1's dispatches are no count of CPU 0's (unbind_all).
	 */
	while (fake_evtchn_upcall_on(0))
		;
	unbind_all();
	others_before_timer = 0;
}

/*
 * A throttled port closed and taken again as an IPI port (own_port()),
 * closed, bound as a device port and throttled again, round after round
 * before the release timer ran: the throttled list holds each port once,
 * never overflows, and the port is released as it should.
 */
static void a_port_rebound_while_throttled_is_listed_once(struct ktest *t)
{
	struct evtchn_stats before, after;
	const unsigned int rounds = EVTCHN_MAX_HANDLED + 2;
	unsigned int r;

	KT_ASSERT_EQ(t, cpu1_events(), 0);
	evtchn_upcall_stats(&before);
	for (r = 0; r < rounds; r++) {
		bind(43, ~0UL, 0);
		peer_sends(43);
		for (unsigned int n = 0; n < 1000 && !evtchn_throttled(43); n++)
			fake_evtchn_upcall_on(0);
		if (!evtchn_throttled(43))
			break;
		evtchn_close(43);
		if (ipi_port_at(43, 1) != 43)
			break;
		evtchn_close(43);
	}
	evtchn_upcall_stats(&after);
	KT_EXPECT_EQ(t, r, rounds);
	KT_EXPECT_EQ(t, after.throttled - before.throttled, 1);
	bind(43, 0, 0);
	fake_now_ns += 10 * NSEC_PER_MSEC;
	fake_run_timers(fake_now_ns);
	KT_EXPECT_FALSE(t, evtchn_throttled(43));
	while (fake_evtchn_upcall_on(0) || fake_evtchn_upcall_on(1))
		;
	unbind_all();
}

static unsigned int order[4], nr_order;
static unsigned long cpu1_ticks;

static void note_order(evtchn_port_t port, void *data)
{
	if (nr_order < ARRAY_SIZE(order))
		order[nr_order++] = port;
}

/* CPU 1's timer, raised again by its peer (Xen) at every dispatch, as a flood would be. */
static void cpu1_timer(evtchn_port_t port, void *data)
{
	cpu1_ticks++;
	if (cpu1_ticks < 4 * EVTCHN_PORT_BURST)
		fake_evtchn_raise(port);
}

/*
 * Issue 15: CPU 1's VIRQ_TIMER (bound on vCPU 1 by bind_virq_on(), made
 * urgent as time.c makes it) is taken by CPU 1's upcall only, is never
 * throttled, and does not take CPU 0's timer's place as the urgent port:
 * CPU 0's timer still comes before a device port found first.
 */
static void timer_ports_are_taken_by_their_cpu(struct ktest *t)
{
	int dev, timer1;

	cpu1_ticks = 0;
	nr_order = 0;
	KT_ASSERT_EQ(t, cpu1_events(), 0);
	KT_EXPECT_EQ(t, bind_virq_on(VIRQ_TIMER, 1, 5, cpu1_timer, NULL), -EIO);
	fake_next_port = 73;
	timer1 = bind_virq_on(VIRQ_TIMER, 1, 1, cpu1_timer, NULL);
	KT_ASSERT_EQ(t, timer1, 73);
	KT_EXPECT_EQ(t, evtchn_set_urgent(timer1), 0);

	fake_evtchn_raise(timer1);
	spurious_upcall(fake_vi);
	fake_evtchn_upcall_on(0);
	KT_EXPECT_EQ(t, cpu1_ticks, 0);
	KT_EXPECT_TRUE(t, evtchn_is_pending(timer1));
	for (unsigned int i = 0; i < 8 * EVTCHN_PORT_BURST && fake_evtchn_upcall_on(1); i++)
		;
	KT_EXPECT_EQ(t, cpu1_ticks, 4 * EVTCHN_PORT_BURST);
	KT_EXPECT_FALSE(t, evtchn_throttled(timer1));
	KT_EXPECT_FALSE(t, fake_evtchn_masked(timer1));

	/* CPU 0's timer (TIMER_PORT, past the device's) is still served first. */
	fake_next_port = 70;
	dev = evtchn_alloc_unbound(0, note_order, NULL);
	KT_ASSERT_EQ(t, dev, 70);
	KT_ASSERT_EQ(t, evtchn_bind_handler(TIMER_PORT, note_order, NULL), 0);
	fake_evtchn_raise(dev);
	fake_evtchn_raise(TIMER_PORT);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(0));
	KT_ASSERT_EQ(t, nr_order, 2);
	KT_EXPECT_EQ(t, order[0], TIMER_PORT);
	KT_EXPECT_EQ(t, order[1], 70);
	KT_EXPECT_EQ(t, cpu1_ticks, 4 * EVTCHN_PORT_BURST);
	KT_EXPECT_EQ(t, evtchn_bind_handler(TIMER_PORT, timer_tick, NULL), 0);
	evtchn_close(dev);
	evtchn_close(timer1);
}

static const struct ktest_case evtchn_cases[] = {
	KTEST_CASE(a_flood_cannot_starve_the_timer),
	KTEST_CASE(the_rest_waits_for_deferred_work_and_none_is_lost),
	KTEST_CASE(bursts_with_pauses_are_no_flood),
	KTEST_CASE(a_drivers_mask_outlasts_the_throttle),
	KTEST_CASE(ipi_ports_are_taken_by_their_cpu),
	KTEST_CASE(device_ports_are_taken_by_the_cpu_they_are_bound_to),
	KTEST_CASE(timer_ports_are_taken_by_their_cpu),
	KTEST_CASE(a_port_rebound_while_throttled_is_listed_once),
	{}
};

/* Xen takes each ABI; the timer's port bound and made urgent as time.c does. */
static const char *start_abi(bool fifo)
{
	fake_irq_reset();
	cpu1_ready = false;
	if (!fake_evtchn_start(fifo))
		return "the fake hypervisor was refused";
	fake_next_port = TIMER_PORT;
	if (bind_virq(VIRQ_TIMER, timer_tick, NULL) != TIMER_PORT ||
	    evtchn_set_urgent(TIMER_PORT))
		return "no urgent timer port";
	timer_due = fake_now_ns + IRQ_WORK_DELAY_NS;
	/* The other ABI's last case may have ended with the timer's event pending. */
	timer_raised = false;
	return NULL;
}

static const char *start_fifo(void)
{
	return start_abi(true);
}

static const char *start_2l(void)
{
	return start_abi(false);
}

KTEST_SUITE_SKIP(evtchn_fifo, evtchn_cases, start_fifo);
KTEST_SUITE_SKIP(evtchn_2level, evtchn_cases, start_2l);
