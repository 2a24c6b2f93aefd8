// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's per-vCPU clock event (arch/x86/xen/time.c) on fake_evtchn.c's
 * hypervisor: each CPU sets its own vCPU's single-shot timer (Xen sets
 * only the caller's), its VIRQ_TIMER comes to that CPU's upcall only,
 * and a timeout Xen finds passed (-ETIME with VCPU_SSHOTTMR_future)
 * fires at once instead of being lost.
 */
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/pvclock.h>
#include <xen/events.h>
#include <xen/xen.h>
#include "../../arch/x86/xen/xen-ops.h"
#include "fake_evtchn.h"
#include "fake_irq.h"

/* ---- what time.c calls around it ---- */

/* xen_cpu_vcpu[] is arch/x86/xen/smp.c's, linked in for xen_smp_resume_test.c. */
unsigned int nr_cpus_online;
static struct clock_event_device *registered;
/* Timer kicks each CPU got: xen_smp_resume_test.c looks at them too. */
unsigned long xen_test_kicks[NR_CPUS];

u64 pvclock_read(const volatile struct vcpu_time_info *ti, u8 *flags)
{
	return fake_now_ns;
}

/* A resume in a new domain forgets the clamp: the fake clock has none. */
void pvclock_resume(void)
{
}

u32 pvclock_tsc_khz(const volatile struct vcpu_time_info *ti)
{
	return 1000000;
}

void tsc_set_khz(u32 khz, const char *source)
{
}

void clocksource_register(struct clocksource *cs)
{
}

void clockevent_register(struct clock_event_device *ce)
{
	registered = ce;
}

struct clock_event_device *clockevent_current(void)
{
	return registered;
}

void clock_note_host_stop(void)
{
}

int clockevent_program(struct clock_event_device *ce, u64 delta_ns)
{
	return ce->set_next_event(ce, max(delta_ns, ce->min_delta_ns));
}

void timer_kick_interrupt(void)
{
	xen_test_kicks[smp_processor_id()]++;
}

void smp_send_timer_kick(unsigned int cpu)
{
	xen_test_kicks[cpu]++;
}

/* ---- the cases ---- */

static unsigned long events_on[NR_CPUS];

static void count_event(struct clock_event_device *ce)
{
	events_on[smp_processor_id()]++;
}

/* Runs each vCPU's upcall while Xen asks for one (a bounded number of times). */
static void run_upcalls(void)
{
	for (unsigned int i = 0; i < 16; i++) {
		bool any = fake_evtchn_upcall_on(0);

		any |= fake_evtchn_upcall_on(1);
		if (!any)
			return;
	}
}

/* On CPU cpu, as its own timer interrupt code would: program the device. */
static int program_on(unsigned int cpu, u64 delta_ns)
{
	int err;

	host_cpu = cpu;
	err = clockevent_program(registered, delta_ns);
	host_cpu = 0;
	return err;
}

static void reset(void)
{
	memset(events_on, 0, sizeof(events_on));
	fake_xen_ahead_ns = 0;
	fake_xen_honours_future = true;
	fake_sshot_etime = 0;
}

/* Each CPU programs its own vCPU's timer; the event comes to it alone. */
static void each_cpu_sets_and_gets_its_own(struct ktest *t)
{
	reset();
	KT_ASSERT_EQ(t, program_on(1, 5000), 0);
	KT_EXPECT_EQ(t, fake_sshot_at[1], fake_now_ns + 5000);
	KT_EXPECT_EQ(t, fake_sshot_at[0], 0);
	KT_ASSERT_EQ(t, program_on(0, 9000), 0);
	fake_now_ns += 6000;
	fake_xen_run_timers();
	run_upcalls();
	KT_EXPECT_EQ(t, events_on[1], 1);
	KT_EXPECT_EQ(t, events_on[0], 0);
	fake_now_ns += 3000;
	fake_xen_run_timers();
	run_upcalls();
	KT_EXPECT_EQ(t, events_on[0], 1);
	KT_EXPECT_EQ(t, events_on[1], 1);
}

/*
 * The vCPU was held off between reading its time and the hypercall: Xen
 * says -ETIME.  The event must come at once, on that CPU, and the device
 * must not report a refusal (that would only arm it later).
 */
static void a_passed_timeout_fires_at_once(struct ktest *t)
{
	reset();
	fake_xen_ahead_ns = 50000;
	KT_EXPECT_EQ(t, program_on(1, 1000), 0);
	KT_EXPECT_EQ(t, fake_sshot_etime, 1);
	run_upcalls();
	KT_EXPECT_EQ(t, events_on[1], 1);
	KT_EXPECT_EQ(t, events_on[0], 0);
	/* A Xen that ignores the flag fires it at once too. */
	fake_xen_honours_future = false;
	KT_EXPECT_EQ(t, program_on(0, 1000), 0);
	run_upcalls();
	KT_EXPECT_EQ(t, events_on[0], 1);
	KT_EXPECT_EQ(t, fake_sshot_etime, 1);
}

/* After a resume in a new domain: bound again, and the CPU told to program. */
static void resume_binds_again_and_kicks(struct ktest *t)
{
	unsigned long before = xen_test_kicks[1];

	reset();
	KT_EXPECT_EQ(t, xen_timer_resume_cpu(0, true), -ENODEV);
	fake_next_port = 95;
	KT_ASSERT_EQ(t, xen_timer_resume_cpu(1, true), 0);
	KT_EXPECT_EQ(t, xen_test_kicks[1], before + 1);
	KT_ASSERT_EQ(t, program_on(1, 0), 0);
	fake_now_ns += 2000;
	fake_xen_run_timers();
	run_upcalls();
	KT_EXPECT_EQ(t, events_on[1], 1);
}

static const struct ktest_case xen_timer_cases[] = {
	KTEST_CASE(each_cpu_sets_and_gets_its_own),
	KTEST_CASE(a_passed_timeout_fires_at_once),
	KTEST_CASE(resume_binds_again_and_kicks),
	{}
};

/*
 * Two CPUs on vCPUs 0 and 1, each with its VIRQ_TIMER bound as at boot.
 * The 2-level ABI only: FIFO's pages, given to Xen, are never freed, and
 * evtchn_fifo's timer_ports_are_taken_by_their_cpu has FIFO's queues.
 */
static const char *start_2l(void)
{
	fake_irq_reset();
	if (!fake_evtchn_start(false))
		return "the fake hypervisor was refused";
	fake_next_port = 90;
	xen_time_init(fake_vi);
	if (!registered || !xen_timer_percpu())
		return "no clock event registered";
	registered->event_handler = count_event;
	xen_cpu_vcpu[1] = 1;
	percpu_area[0].online = percpu_area[1].online = true;
	nr_cpus_online = 2;
	if (xen_events_cpu_init(1, 1, fake_vi1))
		return "no events for CPU 1";
	xen_time_cpu_init(1, fake_vi1);
	fake_next_port = 91;
	if (xen_timer_bind_cpu(1))
		return "CPU 1's timer not bound";
	return NULL;
}

KTEST_SUITE_SKIP(xen_timer, xen_timer_cases, start_2l);
