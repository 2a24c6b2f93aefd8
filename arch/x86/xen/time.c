// SPDX-License-Identifier: GPL-2.0
/*
 * Xen time: the pvclock record in vcpu_info as the clocksource (Xen's
 * system time, nanoseconds), and each vCPU's single-shot timer (VCPUOP)
 * with its own VIRQ_TIMER as a per-CPU clock event device: every CPU
 * programs its own vCPU's timer, and its event comes to that CPU only.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/time.h>
#include <asm/pvclock.h>
#include <asm/smp.h>
#include <asm/tsc.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include <xen/interface/errno.h>
#include "xen-ops.h"

static struct vcpu_info *vi;
/*
 * Each CPU extrapolates from its own vCPU's record: Xen stamps a record
 * with the TSC of the pCPU that vCPU last ran on, and another pCPU's TSC
 * may be behind it.
 */
static struct vcpu_info *cpu_vi[NR_CPUS];
/* Each CPU's VIRQ_TIMER port, bound to its vCPU; 0 for none. */
static evtchn_port_t timer_port[NR_CPUS];

void xen_time_cpu_init(unsigned int cpu, struct vcpu_info *v)
{
	if (cpu < NR_CPUS)
		cpu_vi[cpu] = v;
}

/* This CPU's record: its own vCPU's, or CPU 0's until it has one. */
static struct vcpu_info *this_vi(void)
{
	struct vcpu_info *v = cpu_vi[smp_processor_id()];

	return v ? v : vi;
}

/*
 * Added to Xen's system time: after a resume the clock goes on from where
 * it stood at the suspend (a new host's Xen counts from its own boot; the
 * same host's went on while we were away, which the clocks do not count,
 * as for kvmclock's host stop).
 */
static s64 clock_offset;
static u64 raw_at_suspend;

static u64 xen_clock_read(struct clocksource *cs)
{
	return pvclock_read(&this_vi()->time, NULL) + clock_offset;
}

static struct clocksource xen_cs = {
	.name = "xen",
	.rating = 400,
	.read = xen_clock_read,
	.mask = ~0ULL,
	.freq_hz = NSEC_PER_SEC,
};

/*
 * This vCPU's single-shot timer (Xen sets the caller's only), its timeout
 * absolute Xen system time read from this vCPU's record.  With
 * VCPU_SSHOTTMR_future Xen says -ETIME for a timeout already passed (the
 * vCPU was held off between the reading and the hypercall, or the target
 * was due at once): it is then set without the flag, and Xen raises the
 * event at once; it comes now, never lost nor left to a later timer.
 */
static int xen_next_event(struct clock_event_device *ce, u64 delta_ns)
{
	unsigned int vcpu = xen_cpu_vcpu[smp_processor_id()];
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = pvclock_read(&this_vi()->time, NULL) + delta_ns,
		.flags = VCPU_SSHOTTMR_future,
	};
	long err = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, vcpu, &t);

	if (err == -XEN_ETIME) {
		t.flags = 0;
		err = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, vcpu, &t);
	}
	return err ? -EIO : 0;
}

static struct clock_event_device xen_ce = {
	.name = "xen",
	.rating = 300,
	.features = CLOCK_EVT_ONESHOT | CLOCK_EVT_PERCPU,
	.min_delta_ns = 1000,
	.max_delta_ns = 10 * NSEC_PER_SEC,
	.set_next_event = xen_next_event,
};

/* On the CPU whose vCPU's timer fired: its own timer list runs. */
static void xen_timer_event(evtchn_port_t port, void *data)
{
	if (xen_ce.event_handler)
		xen_ce.event_handler(&xen_ce);
}

/*
 * CPU cpu's VIRQ_TIMER, bound to its vCPU and taken by its upcall (its
 * events set up first), urgent, with the vCPU's periodic timer stopped
 * (Xen's default tick would wake it for nothing).  From any CPU, before
 * cpu runs; again after a resume in a new domain, whose port numbers are
 * new.  0 or -errno.
 */
int xen_timer_bind_cpu(unsigned int cpu)
{
	unsigned int vcpu = xen_cpu_vcpu[cpu];
	int port, err;

	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, vcpu, NULL);
	port = bind_virq_on(VIRQ_TIMER, cpu, vcpu, xen_timer_event, NULL);
	if (port < 0)
		return port;
	timer_port[cpu] = port;
	/* Before every other port: a peer that floods its port cannot starve it. */
	err = evtchn_set_urgent(port);
	if (err)
		pr_warn("xen: the timer's port %d is not urgent (%d)\n", port, err);
	return 0;
}

/* Whether the other CPUs need their vCPU's timer: CPU 0 runs on Xen's. */
bool xen_timer_percpu(void)
{
	return clockevent_current() == &xen_ce;
}

/* A vCPU left out (or taken down), not CPU 0: its port closed. */
void xen_timer_cpu_exit(unsigned int cpu)
{
	if (timer_port[cpu])
		evtchn_close(timer_port[cpu]);
	timer_port[cpu] = 0;
}

void xen_timer_cpu_forget(unsigned int cpu)
{
	timer_port[cpu] = 0;
}

/* The boot log's line once the CPUs are up. */
void xen_timer_report(void)
{
	unsigned int c, n = 0;

	if (!xen_timer_percpu())
		return;
	for_each_online_cpu(c)
		n += timer_port[c] != 0;
	pr_info("xen: timer per vCPU: VIRQ_TIMER bound on %u of %u CPUs, VCPUOP_set_singleshot_timer\n",
		n, nr_cpus_online);
}

/*
 * For the resume path, for a CPU other than 0 once its events are back
 * (its vcpu_info, FIFO control block and IPI port): in a new domain its
 * VIRQ_TIMER is bound again; either way its timer list is programmed
 * anew (a new domain has no single-shot timer set; a cancelled
 * suspend's may have passed).  Only the CPU itself can set its vCPU's
 * timer: at once if cpu is this one (interrupts off, as on the resume
 * path: its timer list's lock is taken), else by the timer kick (an
 * IPI).  0 or -errno.
 */
int xen_timer_resume_cpu(unsigned int cpu, bool new_domain)
{
	int err;

	if (!cpu || cpu >= NR_CPUS || !cpu_online(cpu) || !xen_timer_percpu())
		return -ENODEV;
	if (new_domain) {
		timer_port[cpu] = 0;
		err = xen_timer_bind_cpu(cpu);
		if (err)
			return err;
	}
	if (cpu == smp_processor_id())
		timer_kick_interrupt();
	else
		smp_send_timer_kick(cpu);
	return 0;
}

/*
 * After a suspend, once the parked CPUs are released: each other online
 * CPU sets its timer event again, on its own vCPU (a new domain's Xen
 * has none set; a cancelled suspend's may have passed).
 * xen_timer_resume_cpu() kicks it where it runs on its vCPU's timer, a
 * timer kick does for another clock event device (a local APIC's).
 */
void xen_timer_resume_others(void)
{
	unsigned int c;

	for_each_online_cpu(c) {
		if (c && xen_timer_resume_cpu(c, false))
			smp_send_timer_kick(c);
	}
}

void xen_time_init(struct vcpu_info *v)
{
	vi = v;
	/* The scale factors Xen publishes give the TSC frequency too. */
	tsc_set_khz(pvclock_tsc_khz(&vi->time), "Xen pvclock");
	clocksource_register(&xen_cs);
	if (!xen_events_ready())
		return;
	if (!xen_timer_bind_cpu(0))
		clockevent_register(&xen_ce);
}

/*
 * From the suspend until xen_time_resume() the clock stands at its
 * reading at the suspend: in a new domain the time records are not
 * ours until vcpu_info is registered again, and the offset is not set
 * for the new Xen's count until then.  A reading in between (a line
 * printed on the way back) took the time away into the monotonic clock,
 * which then stood still until the source caught up with it again: an
 * HVM domU's clock stood for as long as it had been away.
 */
static u64 xen_clock_frozen(struct clocksource *cs)
{
	return raw_at_suspend + clock_offset;
}

/* vCPU 0's record: the one registered last (shared_info's slot if Xen refused ours). */
static struct vcpu_info *boot_vcpu_info(void)
{
	return cpu_vi[0] ? cpu_vi[0] : vi;
}

void xen_time_suspend(void)
{
	raw_at_suspend = pvclock_read(&boot_vcpu_info()->time, NULL);
	WRITE_ONCE(xen_cs.read, xen_clock_frozen);
}

/*
 * Interrupts off, the vcpu_info registered again (Xen writes a fresh
 * time record into it then).  The clock goes on from its reading at the
 * suspend; the time away by Xen's clock (meaningful on the same host:
 * its Xen kept counting) goes to *down_ns.  In a new domain pvclock's
 * cross-CPU clamp starts again (Linux's pvclock_resume(): the old
 * domain's readings say nothing of the new one's, whose Xen may count
 * from a later boot) and VIRQ_TIMER is bound again; either way the next
 * event is set anew (a new domain has no single-shot timer; a cancelled
 * one's may have passed).
 */
void xen_time_resume(bool new_domain, u64 *down_ns)
{
	u64 raw;

	if (new_domain)
		pvclock_resume();
	raw = pvclock_read(&boot_vcpu_info()->time, NULL);
	*down_ns = raw > raw_at_suspend ? raw - raw_at_suspend : 0;
	clock_offset += (s64)(raw_at_suspend - raw);
	WRITE_ONCE(xen_cs.read, xen_clock_read);
	clock_note_host_stop();
	if (new_domain) {
		xen_timer_cpu_forget(0);
		if (xen_timer_bind_cpu(0))
			return;
	}
	clockevent_program(&xen_ce, xen_ce.min_delta_ns);
}
