// SPDX-License-Identifier: GPL-2.0
/*
 * Xen time: the pvclock record in vcpu_info as the clocksource (Xen's
 * system time, nanoseconds), and the single-shot timer (VCPUOP) with
 * VIRQ_TIMER as the clock event device.
 */
#include <pvkit/kernel.h>
#include <pvkit/time.h>
#include <asm/pvclock.h>
#include <asm/smp.h>
#include <asm/tsc.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

static struct vcpu_info *vi;
/*
 * Each CPU extrapolates from its own vCPU's record: Xen stamps a record
 * with the TSC of the pCPU that vCPU last ran on, and another pCPU's TSC
 * may be behind it.
 */
static struct vcpu_info *cpu_vi[NR_CPUS];

void xen_time_cpu_init(unsigned int cpu, struct vcpu_info *v)
{
	if (cpu < NR_CPUS)
		cpu_vi[cpu] = v;
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
	struct vcpu_info *v = cpu_vi[smp_processor_id()];

	return pvclock_read(&(v ? v : vi)->time, NULL) + clock_offset;
}

static struct clocksource xen_cs = {
	.name = "xen",
	.rating = 400,
	.read = xen_clock_read,
	.mask = ~0ULL,
	.freq_hz = NSEC_PER_SEC,
};

/* The timeout is absolute Xen system time, the clocksource's own count. */
static int xen_next_event(struct clock_event_device *ce, u64 delta_ns)
{
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = pvclock_read(&vi->time, NULL) + delta_ns,
	};

	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t) ? -1 : 0;
}

static struct clock_event_device xen_ce = {
	.name = "xen",
	.rating = 300,
	.features = CLOCK_EVT_ONESHOT,
	.min_delta_ns = 1000,
	.max_delta_ns = 10 * NSEC_PER_SEC,
	.set_next_event = xen_next_event,
};

static void xen_timer_event(evtchn_port_t port, void *data)
{
	if (xen_ce.event_handler)
		xen_ce.event_handler(&xen_ce);
}

/* VIRQ_TIMER's port, urgent; 0 or -errno. */
static int bind_timer(void)
{
	int port, err;

	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	port = bind_virq(VIRQ_TIMER, xen_timer_event, NULL);
	if (port < 0)
		return port;
	/* Before every other port: a peer that floods its port cannot starve it. */
	err = evtchn_set_urgent(port);
	if (err)
		pr_warn("xen: the timer's port %d is not urgent (%d)\n", port, err);
	return 0;
}

void xen_time_init(struct vcpu_info *v)
{
	vi = v;
	/* The scale factors Xen publishes give the TSC frequency too. */
	tsc_set_khz(pvclock_tsc_khz(&vi->time), "Xen pvclock");
	clocksource_register(&xen_cs);
	if (!xen_events_ready())
		return;
	if (!bind_timer())
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
	if (new_domain && bind_timer())
		return;
	clockevent_program(&xen_ce, xen_ce.min_delta_ns);
}
