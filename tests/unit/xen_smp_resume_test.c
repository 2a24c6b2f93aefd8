// SPDX-License-Identifier: GPL-2.0
/*
 * A second vCPU across xl restore (arch/x86/xen/smp.c's
 * xen_smp_resume_cpu(), time.c's xen_timer_resume_others()), over both
 * event-channel ABIs on fake_evtchn.c's hypervisor.  In the new domain
 * vCPU 0 takes the parked vCPU down, gives it its vcpu_info, events,
 * IPI port and VIRQ_TIMER again and brings it up; released, it sets its
 * timer again.  A vCPU whose resume fails cannot run on (no IPI, no
 * timer): it must end down and out of the online mask, its new ports
 * closed, and the old domain's port numbers it had must be forgotten,
 * not closed and not used: in the new domain the same numbers are other
 * ports of ours (here a frontend's).  (It stayed online, with the old
 * timer port kept, which a later exit then closed.)
 */
#include <string.h>
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/time.h>
#include <xen/events.h>
#include <xen/xen.h>
#include "../../arch/x86/xen/xen-ops.h"
#include "fake_evtchn.h"
#include "fake_irq.h"
#include "host_mm.h"

/* xen_timer_test.c's: the timer kicks each CPU got. */
extern unsigned long xen_test_kicks[NR_CPUS];

/* ---- what arch/x86/xen/smp.c calls around it ---- */

struct vcpu_info xen_vcpu_info[NR_CPUS];
struct shared_info *xen_shared_info;

/*
 * A Xen without VCPUOP_register_vcpu_info: shared_info's slot serves
 * (fake_vi1 for vCPU 1, where fake_evtchn.c raises its events); with
 * xen_shared_info NULL the registration fails for good.
 */
long xen_register_vcpu_info(const struct xen_mode_ops *mode, unsigned int vcpu,
			    struct vcpu_info *vi)
{
	return -ENOSYS;
}

static unsigned long ipis_on[NR_CPUS];

bool irq_dispatch(unsigned int vector)
{
	ipis_on[smp_processor_id()]++;
	return true;
}

/* As arch/x86/kernel/smpboot.c's. */
void smp_mark_offline(unsigned int cpu)
{
	if (cpu && percpu_area[cpu].online) {
		percpu_area[cpu].online = false;
		nr_cpus_online--;
	}
}

static const struct xen_mode_ops test_mode;

/* ---- the cases ---- */

/* The old domain's ports of CPU 1, then where the new domain's start. */
#define OLD_IPI		50
#define OLD_TIMER	51
#define NEW_PORTS	60

static unsigned long timer_events_on[NR_CPUS];
static unsigned int dev_hits, dev_ran_on;

static void count_timer_event(struct clock_event_device *ce)
{
	timer_events_on[smp_processor_id()]++;
}

static void dev_handler(evtchn_port_t port, void *data)
{
	dev_hits++;
	dev_ran_on = smp_processor_id();
}

/*
 * CPU 1 up on vCPU 1 in the old domain (its IPI port OLD_IPI, its timer
 * OLD_TIMER), then xl restore: a frontend binds ports with those two
 * numbers before the CPUs are resumed, as xenstore and the console may.
 */
static bool restore_with_cpu1(void)
{
	fake_refuse_ipi = fake_refuse_virq = fake_refuse_down = 0;
	xen_shared_info = fake_si;
	percpu_area[1].online = true;
	nr_cpus_online = 2;
	dev_hits = 0;
	memset(timer_events_on, 0, sizeof(timer_events_on));
	fake_next_port = OLD_IPI;
	if (xen_smp_prepare_vcpu(&test_mode, 1, 1) != fake_vi1 || fake_next_port != OLD_TIMER + 1)
		return false;
	fake_evtchn_new_domain();
	fake_next_port = OLD_IPI;
	if (evtchn_alloc_unbound(0, dev_handler, NULL) != OLD_IPI ||
	    evtchn_alloc_unbound(0, dev_handler, NULL) != OLD_TIMER)
		return false;
	fake_next_port = NEW_PORTS;
	return true;
}

/* The frontend's ports with the old numbers: still bound, their events on CPU 0. */
static void old_numbers_untouched(struct ktest *t)
{
	KT_EXPECT_FALSE(t, fake_evtchn_closed(OLD_IPI));
	KT_EXPECT_FALSE(t, fake_evtchn_closed(OLD_TIMER));
	fake_evtchn_raise(OLD_IPI);
	fake_evtchn_raise(OLD_TIMER);
	fake_evtchn_upcall_on(1);
	fake_evtchn_upcall_on(0);
	KT_EXPECT_EQ(t, dev_hits, 2);
	KT_EXPECT_EQ(t, dev_ran_on, 0);
}

/* Taken offline: down, out of the mask, said; no timer kick goes to it. */
static void taken_offline(struct ktest *t, struct vcpu_info *vi, bool down)
{
	unsigned long kicks = xen_test_kicks[1];

	KT_EXPECT_NULL(t, vi);
	KT_EXPECT_FALSE(t, cpu_online(1));
	KT_EXPECT_EQ(t, nr_cpus_online, 1);
	KT_EXPECT_EQ(t, fake_vcpu_down[1], down);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "vcpu 1 (cpu 1)") != NULL);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "taken offline") != NULL);
	xen_timer_resume_others();
	KT_EXPECT_EQ(t, xen_test_kicks[1], kicks);
	/* A frontend reconnecting now keeps its queue's port on CPU 0. */
	KT_EXPECT_NE(t, evtchn_bind_cpu(OLD_IPI, 1), 0);
	/* A later stop of the CPU closes nothing of the old domain's. */
	xen_timer_cpu_exit(1);
	old_numbers_untouched(t);
}

static int program_on(unsigned int cpu, u64 delta_ns)
{
	int err;

	host_cpu = cpu;
	err = clockevent_program(clockevent_current(), delta_ns);
	host_cpu = 0;
	return err;
}

/*
 * Resumed: up with new ports; released, it is kicked to set its timer
 * (as unpark_cpus() has each CPU but 0 do), and the timer it sets comes
 * to it through its new VIRQ_TIMER port.
 */
static void resumed_cpu_sets_its_timer_again(struct ktest *t)
{
	unsigned long kicks0 = xen_test_kicks[0], kicks1 = xen_test_kicks[1];
	struct vcpu_info *vi;

	KT_ASSERT_TRUE(t, restore_with_cpu1());
	vi = xen_smp_resume_cpu(&test_mode, 1);
	KT_EXPECT_TRUE(t, vi == fake_vi1);
	KT_EXPECT_TRUE(t, cpu_online(1));
	KT_EXPECT_EQ(t, nr_cpus_online, 2);
	KT_EXPECT_FALSE(t, fake_vcpu_down[1]);
	KT_EXPECT_EQ(t, fake_next_port, NEW_PORTS + 2);
	xen_timer_resume_others();
	KT_EXPECT_EQ(t, xen_test_kicks[1], kicks1 + 1);
	KT_EXPECT_EQ(t, xen_test_kicks[0], kicks0);
	/* CPU 1 takes its kick: its timer list's next event. */
	KT_ASSERT_EQ(t, program_on(1, 1000), 0);
	KT_EXPECT_NE(t, fake_sshot_at[1], 0);
	fake_now_ns += 2000;
	fake_xen_run_timers();
	fake_evtchn_upcall_on(0);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(1));
	KT_EXPECT_EQ(t, timer_events_on[1], 1);
	KT_EXPECT_EQ(t, timer_events_on[0], 0);
	/* Its IPI port is the new one, taken by CPU 1. */
	fake_evtchn_raise(NEW_PORTS);
	KT_EXPECT_TRUE(t, fake_evtchn_upcall_on(1));
	KT_EXPECT_EQ(t, ipis_on[1], 1);
	old_numbers_untouched(t);
	ipis_on[1] = 0;
}

/* No vcpu_info (refused, and no shared_info slot): nothing bound, down. */
static void no_vcpu_info_goes_offline(struct ktest *t)
{
	KT_ASSERT_TRUE(t, restore_with_cpu1());
	xen_shared_info = NULL;
	taken_offline(t, xen_smp_resume_cpu(&test_mode, 1), true);
}

/* A port refused (*refuse: a mask of vCPUs): the one it got before is closed again. */
static void port_refused_goes_offline(struct ktest *t, unsigned int *refuse)
{
	struct vcpu_info *vi;

	KT_ASSERT_TRUE(t, restore_with_cpu1());
	*refuse = 1U << 1;
	vi = xen_smp_resume_cpu(&test_mode, 1);
	KT_EXPECT_TRUE(t, fake_evtchn_closed(NEW_PORTS));
	taken_offline(t, vi, true);
}

/* Its VIRQ_TIMER refused: its new IPI port closed. */
static void no_timer_port_goes_offline(struct ktest *t)
{
	port_refused_goes_offline(t, &fake_refuse_virq);
}

/*
 * Its IPI port refused: at bring-up the APIC's IPIs would serve, but by
 * now IPIs are event channels: it could take no cross-call.  Its new
 * timer port closed.
 */
static void no_ipi_port_goes_offline(struct ktest *t)
{
	port_refused_goes_offline(t, &fake_refuse_ipi);
}

/* Xen will not take it down: offline all the same (it downs itself once released). */
static void down_refused_goes_offline(struct ktest *t)
{
	KT_ASSERT_TRUE(t, restore_with_cpu1());
	fake_refuse_down = 1U << 1;
	taken_offline(t, xen_smp_resume_cpu(&test_mode, 1), false);
}

static const struct ktest_case xen_smp_resume_cases[] = {
	KTEST_CASE(resumed_cpu_sets_its_timer_again),
	KTEST_CASE(no_vcpu_info_goes_offline),
	KTEST_CASE(no_timer_port_goes_offline),
	KTEST_CASE(no_ipi_port_goes_offline),
	KTEST_CASE(down_refused_goes_offline),
	{}
};

/* CPU 0 on Xen's timer (so CPU 1 needs its own), CPU 1 runs vCPU 1. */
static const char *start(bool fifo)
{
	fake_irq_reset();
	if (!fake_evtchn_start(fifo))
		return "the fake hypervisor was refused";
	fake_next_port = 40;
	xen_time_init(fake_vi);
	if (!clockevent_current() || !xen_timer_percpu())
		return "no clock event registered";
	clockevent_current()->event_handler = count_timer_event;
	percpu_area[0].online = true;
	xen_cpu_vcpu[1] = 1;
	return NULL;
}

static const char *start_fifo(void)
{
	return start(true);
}

static const char *start_2l(void)
{
	return start(false);
}

KTEST_SUITE_SKIP(xen_smp_resume_fifo, xen_smp_resume_cases, start_fifo);
KTEST_SUITE_SKIP(xen_smp_resume_2level, xen_smp_resume_cases, start_2l);
