// SPDX-License-Identifier: GPL-2.0
/*
 * Xen PV spinlocks, in every mode (PV, PVH, HVM), as Linux has them: a
 * lock waiter past SPIN_THRESHOLD blocks its vCPU in SCHEDOP_poll on an
 * event channel of its own, and the unlocker that hands it the lock
 * kicks it with EVTCHNOP_send on that port.  Each CPU's port is an IPI
 * port bound to its vCPU and kept masked: SCHEDOP_poll wakes on a
 * pending port even when it is masked, and no upcall ever runs for it.
 * The generic waiter records (arch/x86/kernel/spinlock.c) say whom an
 * unlock must kick.  A waiter clears its port, then (the clear is a
 * locked operation) re-reads the lock: a kick sent after the clear
 * leaves the port pending and the poll returns at once.  Off with
 * xen_pvspin=0: the waits then spin.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <asm/paravirt.h>
#include <asm/pvclock.h>
#include <asm/smp.h>
#include <asm/spinlock.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

/*
 * A lost kick costs this much, not a hang: the other CPUs have no timer
 * event to wake them otherwise.
 */
#define POLL_TIMEOUT_NS		(100ULL * 1000 * 1000)

static evtchn_port_t lock_port[NR_CPUS];
static struct vcpu_info *lock_vcpu_info[NR_CPUS];
static bool xen_pvspin;
static unsigned long polls;

/* Never raised: the port stays masked, and only SCHEDOP_poll looks at it. */
static void xen_lock_event(evtchn_port_t port, void *data)
{
}

static void xen_lock_wait(u8 *ptr, u8 val)
{
	unsigned int cpu = smp_processor_id();
	evtchn_port_t port = lock_port[cpu];
	struct sched_poll poll = { .nr_ports = 1 };

	if (!port)
		return;			/* the caller spins on */
	/* A stale kick would end the poll at once. */
	evtchn_clear_pending(port);
	if (READ_ONCE(*ptr) != val)
		return;
	poll.timeout = pvclock_read(&lock_vcpu_info[cpu]->time, NULL) + POLL_TIMEOUT_NS;
	set_xen_guest_handle(poll.ports, &port);
	__atomic_fetch_add(&polls, 1, __ATOMIC_RELAXED);
	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

static void xen_lock_kick(u32 cpu)
{
	if (cpu < NR_CPUS && lock_port[cpu])
		evtchn_notify(lock_port[cpu]);
}

unsigned long xen_spin_polls(void)
{
	return polls;
}

/* CPU cpu's port, before it runs (its events set up): 0 or -errno. */
int xen_spin_cpu_init(unsigned int cpu, struct vcpu_info *vi)
{
	int port;

	if (!xen_pvspin)
		return 0;
	port = bind_ipi(cpu, xen_cpu_vcpu[cpu], xen_lock_event, NULL);
	if (port < 0) {
		pr_warn("xen: cpu %u gets no lock port: its lock waits spin\n", cpu);
		return port;
	}
	evtchn_mask(port);
	evtchn_clear_pending(port);
	lock_vcpu_info[cpu] = vi;
	lock_port[cpu] = port;
	return 0;
}

void xen_spin_cpu_exit(unsigned int cpu)
{
	if (lock_port[cpu])
		evtchn_close(lock_port[cpu]);
	lock_port[cpu] = 0;
}

void xen_spin_cpu_forget(unsigned int cpu)
{
	WRITE_ONCE(lock_port[cpu], 0);
}

/*
 * On the boot CPU before any other starts, so that every waiter records
 * itself from the start; a CPU without a port spins (its wait returns).
 */
void xen_spin_init(struct vcpu_info *vi)
{
	if (!param_get_ull("xen_pvspin", 1)) {
		pr_info("xen: smp ops: lock native (xen_pvspin=0)\n");
		return;
	}
	xen_pvspin = true;
	if (xen_spin_cpu_init(0, vi)) {
		xen_pvspin = false;
		return;
	}
	pv_ops.lock.wait = xen_lock_wait;
	pv_ops.lock.kick = xen_lock_kick;
	spin_kick_waiters = true;
	pr_info("xen: smp ops: lock pv-poll (SCHEDOP_poll on a per-CPU port, kick EVTCHNOP_send)\n");
}
