// SPDX-License-Identifier: GPL-2.0
/*
 * What Xen's modes share for SMP: how many vCPUs the domain has (asked
 * of Xen, not read from an MADT: a PV domain has none) and which vCPU
 * each CPU index runs (they differ once a vCPU was left out); IPIs as
 * event channels, one port bound to each vCPU (EVTCHNOP_bind_ipi).
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/string.h>
#include <asm/irq_vectors.h>
#include <asm/paravirt.h>
#include <asm/smp.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

unsigned int xen_cpu_vcpu[NR_CPUS];

/*
 * VCPUOP_is_up answers for every vCPU the domain has, up or down, and
 * -ENOENT past the last one.  Counted once; at most NR_CPUS are used.
 */
unsigned int xen_smp_cpus(void)
{
	static unsigned int nr;
	long err = 0;

	if (nr)
		return nr;
	while (nr < NR_CPUS && (err = HYPERVISOR_vcpu_op(VCPUOP_is_up, nr, NULL)) >= 0)
		nr++;
	if (nr == NR_CPUS && HYPERVISOR_vcpu_op(VCPUOP_is_up, nr, NULL) >= 0)
		pr_warn("xen: more than %u vCPUs: the first %u are used\n", NR_CPUS, NR_CPUS);
	else if (err != -ENOENT)
		pr_warn("xen: VCPUOP_is_up(%u): %s; %u vCPUs counted\n", nr,
			xen_strerror(err), max(nr, 1U));
	nr = max(nr, 1U);
	return nr;
}

unsigned int xen_vcpu_id(unsigned int cpu)
{
	return cpu < NR_CPUS ? xen_cpu_vcpu[cpu] : 0;
}

unsigned int xen_smp_vcpu_id(void *ctx)
{
	return *(unsigned int *)ctx;
}

/*
 * Before vCPU vcpu runs as CPU cpu: its own vcpu_info (without it,
 * shared_info's slot serves the first 32 vCPUs), its events (its upcalls
 * must find its vcpu_info: Xen raises one at registration), its IPI and
 * lock ports, its time record and its timer (VIRQ_TIMER on its vCPU).
 * Its vcpu_info, or NULL.
 */
struct vcpu_info *xen_smp_prepare_vcpu(const struct xen_mode_ops *mode, unsigned int cpu,
				       unsigned int vcpu)
{
	struct vcpu_info *vi = &xen_vcpu_info[vcpu];

	xen_cpu_vcpu[cpu] = vcpu;
	if (xen_register_vcpu_info(mode, vcpu, vi)) {
		if (vcpu >= XEN_LEGACY_MAX_VCPUS || !xen_shared_info)
			return NULL;
		vi = &xen_shared_info->vcpu_info[vcpu];
	}
	if (xen_events_cpu_init(cpu, vcpu, vi) && xen_events_ready())
		return NULL;
	if (xen_smp_bind_ipi(cpu))
		pr_warn("xen: vcpu %u gets no IPI port\n", vcpu);
	xen_spin_cpu_init(cpu, vi);
	xen_time_cpu_init(cpu, vi);
	/*
	 * CPU 0 runs on Xen's timer, so this one will too (timer_cpu_init()):
	 * without its port its timers would never run.
	 */
	if (xen_timer_percpu() && xen_timer_bind_cpu(cpu)) {
		pr_warn("xen: vcpu %u gets no timer: left out\n", vcpu);
		return NULL;
	}
	return vi;
}

/* VCPUOP_initialise with the mode's context, then VCPUOP_up. */
bool xen_smp_up(unsigned int vcpu, void *context)
{
	long err = HYPERVISOR_vcpu_op(VCPUOP_initialise, vcpu, context);

	if (err) {
		pr_warn("xen: VCPUOP_initialise(%u): %s\n", vcpu, xen_strerror(err));
		return false;
	}
	err = HYPERVISOR_vcpu_op(VCPUOP_up, vcpu, NULL);
	if (err)
		pr_warn("xen: VCPUOP_up(%u): %s\n", vcpu, xen_strerror(err));
	return !err;
}

/* Each CPU's IPI port (EVTCHNOP_bind_ipi on its vCPU), 0 for none. */
static evtchn_port_t ipi_port[NR_CPUS];
static unsigned long ipi_misses;

/* The event stands for the call-function IPI: its vector's handler runs. */
static void xen_ipi_event(evtchn_port_t port, void *data)
{
	irq_dispatch(CALL_FUNCTION_VECTOR);
}

int xen_smp_bind_ipi(unsigned int cpu)
{
	int port = bind_ipi(cpu, xen_cpu_vcpu[cpu], xen_ipi_event, NULL);

	if (port < 0)
		return port;
	ipi_port[cpu] = port;
	return 0;
}

static void xen_smp_unbind_ipi(unsigned int cpu)
{
	if (ipi_port[cpu])
		evtchn_close(ipi_port[cpu]);
	ipi_port[cpu] = 0;
}

/* A vCPU left out is taken down again: it cannot run on; its ports closed. */
void xen_smp_stop(unsigned int cpu, void *ctx)
{
	HYPERVISOR_vcpu_op(VCPUOP_down, xen_smp_vcpu_id(ctx), NULL);
	xen_smp_unbind_ipi(cpu);
	xen_spin_cpu_exit(cpu);
	xen_timer_cpu_exit(cpu);
}

/*
 * In a new domain CPU cpu's IPI and lock ports are the old domain's
 * numbers: forgotten, not closed (the events code forgot their
 * bindings), since the same numbers may name other ports of ours now (a
 * frontend's).  Kept, an IPI or a lock kick to a CPU whose ports are
 * not bound again would go to such a port.
 */
static void xen_smp_forget_ports(unsigned int cpu)
{
	ipi_port[cpu] = 0;
	xen_spin_cpu_forget(cpu);
}

int xen_smp_resume_boot_cpu(struct vcpu_info *vi)
{
	xen_smp_forget_ports(0);
	return xen_smp_bind_ipi(0) ?: xen_spin_cpu_init(0, vi);
}

/*
 * A vCPU whose resume failed cannot run on: without its IPI port it
 * takes no cross-call, without its timer port no timer.  Down, its
 * ports of the new domain closed, and out of the online mask, so that
 * no IPI, cross-call, task, timer kick or TLB shootdown is sent to it.
 * If Xen would not take it down it runs on in its parking, and takes
 * itself down once released (xen_smp_cpu_dead()).
 */
static void xen_smp_take_offline(unsigned int cpu, const char *step, long err)
{
	unsigned int vcpu = xen_cpu_vcpu[cpu];

	xen_smp_stop(cpu, &vcpu);
	xen_events_cpu_exit(cpu);
	smp_mark_offline(cpu);
	pr_err("xen: resume: vcpu %u (cpu %u): %s failed (%s): taken offline, %u CPUs online\n",
	       vcpu, cpu, step, err ? xen_strerror(err) : "-", nr_cpus_online);
}

/*
 * A parked CPU's Xen side in a new domain, from vCPU 0 (Linux's
 * xen_vcpu_restore()): down, its vcpu_info registered, its events, IPI
 * and lock ports, time record and timer as at its bring-up, up again.
 * Its vcpu_info; NULL for a CPU that could not be resumed, taken
 * offline.  Its IPI port is a must here, unlike at bring-up: the IPIs
 * are event channels by now.
 */
struct vcpu_info *xen_smp_resume_cpu(const struct xen_mode_ops *mode, unsigned int cpu)
{
	unsigned int vcpu = xen_cpu_vcpu[cpu];
	struct vcpu_info *vi = NULL;
	const char *step = NULL;
	long err;

	xen_smp_forget_ports(cpu);
	xen_timer_cpu_forget(cpu);
	err = HYPERVISOR_vcpu_op(VCPUOP_down, vcpu, NULL);
	if (err)
		step = "VCPUOP_down";
	else if (!(vi = xen_smp_prepare_vcpu(mode, cpu, vcpu)))
		step = "its vcpu_info, events or timer port";
	else if (!ipi_port[cpu])
		step = "its IPI port";
	else if ((err = HYPERVISOR_vcpu_op(VCPUOP_up, vcpu, NULL)))
		step = "VCPUOP_up";
	if (!step)
		return vi;
	xen_smp_take_offline(cpu, step, err);
	return NULL;
}

/*
 * On a CPU taken offline that still runs (Xen would not take it down
 * from vCPU 0): its vCPU down for good, by itself.  Should Xen refuse
 * that too, it blocks in SCHEDOP_poll on no port without a timeout,
 * its events masked.
 */
void xen_smp_cpu_dead(unsigned int cpu)
{
	struct sched_poll poll = { .nr_ports = 0 };
	unsigned int vcpu = xen_cpu_vcpu[cpu];

	/*
	 * In a new domain this vCPU registered no vcpu_info: Xen looks at
	 * its slot in the shared info, whose mask local_irq_save() never
	 * set.  Masked there, a pending upcall cannot end the poll at once
	 * (a busy loop of hypercalls on a physical CPU).
	 */
	if (xen_shared_info && vcpu < XEN_LEGACY_MAX_VCPUS)
		WRITE_ONCE(xen_shared_info->vcpu_info[vcpu].evtchn_upcall_mask, 1);
	for (;;) {
		if (HYPERVISOR_vcpu_op(VCPUOP_down, vcpu, NULL))
			HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	}
}

static void notify_cpu(unsigned int cpu, u8 vector)
{
	/* Only the call-function IPI is sent; anything else is a bug, said once. */
	if (vector != CALL_FUNCTION_VECTOR || !ipi_port[cpu]) {
		if (!ipi_misses++)
			pr_err("xen: no IPI port for vector %#x to cpu %u: not sent\n", vector, cpu);
		return;
	}
	evtchn_notify(ipi_port[cpu]);
}

static void xen_send_ipi(u32 apic_id, u8 vector)
{
	unsigned int c;

	for_each_online_cpu(c) {
		if (percpu_area[c].apic_id == apic_id) {
			notify_cpu(c, vector);
			return;
		}
	}
	if (!ipi_misses++)
		pr_err("xen: IPI to apic id %u: no such CPU online\n", apic_id);
}

static void xen_send_ipi_allbutself(u8 vector)
{
	unsigned int me = smp_processor_id(), c;

	for_each_online_cpu(c) {
		if (c != me)
			notify_cpu(c, vector);
	}
}

static void xen_send_ipi_mask(const struct cpumask *mask, u8 vector)
{
	unsigned int c;

	for_each_cpu_in(c, mask)
		notify_cpu(c, vector);
}

/*
 * Once the CPUs are up: if every one has its IPI port, IPIs become
 * event channels (one hypercall each, EVTCHNOP_send); else the APIC's
 * stay (PVH and HVM have Xen's).
 */
void xen_smp_use_ipi_ports(void)
{
	char ports[NR_CPUS * 6];
	unsigned int c;
	size_t n = 0;

	for_each_online_cpu(c) {
		if (!ipi_port[c]) {
			pr_warn("xen: cpu %u has no IPI port: IPIs stay the APIC's\n", c);
			return;
		}
		n += snprintf(ports + n, sizeof(ports) - n, "%s%u", n ? " " : "", ipi_port[c]);
	}
	pv_ops.apic.send_ipi = xen_send_ipi;
	pv_ops.apic.send_ipi_allbutself = xen_send_ipi_allbutself;
	pv_ops.apic.send_ipi_mask = xen_send_ipi_mask;
	pr_info("xen: IPIs by event channel (ports %s)\n", ports);
}
