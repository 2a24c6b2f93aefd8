// SPDX-License-Identifier: GPL-2.0
/*
 * IPIs and cross-calls.  One fixed vector, CALL_FUNCTION_VECTOR: its
 * handler counts the IPI and runs the function pending in the CPU's
 * cross-call slot, if any.  The caller fills the slot (function,
 * argument, then a new request number), sends the IPI, and waits until
 * the target's done number catches up, by an absolute deadline.  Calls
 * are serialised by call_lock, so one slot per CPU is enough.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/spinlock.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/paravirt.h>
#include <asm/smp.h>
#include <asm/tsc.h>

/* Bounds "late" from "never": a loaded host delays an IPI by seconds. */
#define SMP_CALL_TIMEOUT_NS	(20 * NSEC_PER_SEC)

static DEFINE_SPINLOCK(call_lock);

static void call_function_interrupt(void *data)
{
	struct percpu *p = this_cpu();
	unsigned long req;

	__atomic_store_n(&p->ipi_count, p->ipi_count + 1, __ATOMIC_RELAXED);
	req = __atomic_load_n(&p->call_req, __ATOMIC_ACQUIRE);
	if (req == p->call_done)
		return;
	p->call_fn(p->call_arg);
	__atomic_store_n(&p->call_done, req, __ATOMIC_RELEASE);
}

void smp_ipi_init(void)
{
	irq_set_vector(CALL_FUNCTION_VECTOR, call_function_interrupt, NULL,
		       "call-function");
}

void smp_send_ipi(unsigned int cpu)
{
	pv_ops.apic.send_ipi(percpu_area[cpu].apic_id, CALL_FUNCTION_VECTOR);
}

void smp_send_ipi_allbutself(void)
{
	pv_ops.apic.send_ipi_allbutself(CALL_FUNCTION_VECTOR);
}

void smp_send_ipi_mask(const struct cpumask *mask)
{
	pv_ops.apic.send_ipi_mask(mask, CALL_FUNCTION_VECTOR);
}

void native_send_ipi_mask(const struct cpumask *mask, u8 vector)
{
	unsigned int c;

	for_each_cpu_in(c, mask)
		pv_ops.apic.send_ipi(percpu_area[c].apic_id, vector);
}

unsigned long smp_ipi_count(unsigned int cpu)
{
	return cpu < NR_CPUS ? __atomic_load_n(&percpu_area[cpu].ipi_count,
					       __ATOMIC_RELAXED) : 0;
}

static bool callable(unsigned int cpu)
{
	return cpu_online(cpu) && !READ_ONCE(percpu_area[cpu].stuck);
}

/* Fills the CPU's slot; the IPI goes out for all posted CPUs at once. */
static void post(unsigned int cpu, void (*fn)(void *arg), void *arg)
{
	struct percpu *p = &percpu_area[cpu];

	p->call_fn = fn;
	p->call_arg = arg;
	__atomic_store_n(&p->call_req, p->call_req + 1, __ATOMIC_RELEASE);
}

/*
 * Every SPIN_THRESHOLD spins the CPU is offered our time slice
 * (pv_ops.lock.yield_to: KVM's PV sched yield if it is preempted).
 */
static int wait_done(unsigned int cpu, u64 deadline)
{
	struct percpu *p = &percpu_area[cpu];
	unsigned int spins = 0;

	while (__atomic_load_n(&p->call_done, __ATOMIC_ACQUIRE) != p->call_req) {
		if (ktime_get_ns() > deadline) {
			WRITE_ONCE(p->stuck, true);
			pr_err("smp: CPU %u (apic id %u) did not finish a cross-call in %llu s: left out\n",
			       cpu, p->apic_id, SMP_CALL_TIMEOUT_NS / NSEC_PER_SEC);
			return -ETIMEDOUT;
		}
		if (++spins % SPIN_THRESHOLD == 0)
			pv_ops.lock.yield_to(cpu);
		cpu_relax();
	}
	return 0;
}

/* As the IPI handler would run it: with interrupts off. */
static void call_here(void (*fn)(void *arg), void *arg)
{
	unsigned long flags = local_irq_save();

	fn(arg);
	local_irq_restore(flags);
}

int smp_call_on_cpu(unsigned int cpu, void (*fn)(void *arg), void *arg)
{
	struct cpumask mask = { { 0 } };

	if (!callable(cpu))
		return -ENODEV;
	cpumask_set(&mask, cpu);
	return smp_call_on_mask(&mask, fn, arg);
}

/*
 * The others are posted first and sent one IPI (a single hypercall with
 * KVM's PV send-IPI), so that every CPU runs fn at the same time.
 */
int smp_call_on_mask(const struct cpumask *mask, void (*fn)(void *arg), void *arg)
{
	unsigned int me = smp_processor_id(), c;
	struct cpumask posted = { { 0 } };
	u64 deadline;
	int err = 0;

	spin_lock(&call_lock);
	for_each_cpu_in(c, mask) {
		if (c != me && callable(c)) {
			post(c, fn, arg);
			cpumask_set(&posted, c);
		}
	}
	if (cpumask_weight(&posted))
		smp_send_ipi_mask(&posted);
	if (cpumask_test(mask, me))
		call_here(fn, arg);
	deadline = ktime_get_ns() + SMP_CALL_TIMEOUT_NS;
	for_each_cpu_in(c, &posted) {
		if (wait_done(c, deadline))
			err = -ETIMEDOUT;
	}
	spin_unlock(&call_lock);
	return err;
}

int smp_call_on_all(void (*fn)(void *arg), void *arg)
{
	struct cpumask all = { { 0 } };
	unsigned int c;

	for_each_online_cpu(c)
		cpumask_set(&all, c);
	return smp_call_on_mask(&all, fn, arg);
}

static void flush_one(void *arg)
{
	flush_tlb_one((unsigned long)arg);
}

int native_flush_tlb_multi(const struct cpumask *mask, unsigned long va)
{
	return smp_call_on_mask(mask, flush_one, (void *)va);
}

int flush_tlb_one_all(unsigned long va)
{
	struct cpumask others = { { 0 } };
	unsigned int me = smp_processor_id(), c;
	unsigned long flags = local_irq_save();

	flush_tlb_one(va);
	local_irq_restore(flags);
	for_each_online_cpu(c) {
		if (c != me && callable(c))
			cpumask_set(&others, c);
	}
	if (!cpumask_weight(&others))
		return 0;
	return pv_ops.mmu.flush_tlb_multi(&others, va);
}

u64 smp_tsc_deadline(u64 ns)
{
	u32 khz = tsc_khz(NULL);

	return khz ? rdtsc() + ns * khz / NSEC_PER_MSEC : ~0ULL;
}

bool smp_meet(unsigned int *arrived, unsigned int n, u64 timeout_ns)
{
	u64 deadline = smp_tsc_deadline(timeout_ns);

	__atomic_fetch_add(arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(arrived, __ATOMIC_ACQUIRE) < n) {
		if (rdtsc() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

static bool idle_poll;

/* The idle loop's own work: the task handed to it, with interrupts on. */
static bool run_task(struct percpu *p)
{
	unsigned long req = __atomic_load_n(&p->task_req, __ATOMIC_ACQUIRE);

	if (req == p->task_done)
		return false;
	local_irq_enable();
	p->task_fn(p->task_arg);
	__atomic_store_n(&p->task_done, req, __ATOMIC_RELEASE);
	return true;
}

int smp_task_start(unsigned int cpu, void (*fn)(void *arg), void *arg)
{
	struct percpu *p = &percpu_area[cpu];

	if (!cpu || !callable(cpu))
		return -ENODEV;
	if (!smp_task_done(cpu))
		return -EBUSY;
	p->task_fn = fn;
	p->task_arg = arg;
	__atomic_store_n(&p->task_req, p->task_req + 1, __ATOMIC_RELEASE);
	/* Out of hlt; the handler finds no cross-call and returns. */
	smp_send_ipi(cpu);
	return 0;
}

bool smp_task_done(unsigned int cpu)
{
	struct percpu *p = &percpu_area[cpu];

	return cpu < NR_CPUS && __atomic_load_n(&p->task_done, __ATOMIC_ACQUIRE) ==
		__atomic_load_n(&p->task_req, __ATOMIC_ACQUIRE);
}

void smp_idle(void)
{
	struct percpu *p = this_cpu();

	for (;;) {
		local_irq_disable();
		if (run_task(p))
			continue;
		if (!READ_ONCE(idle_poll)) {
			/* sti; hlt: an IPI after the check still wakes us. */
			safe_halt();
			continue;
		}
		WRITE_ONCE(p->polling, true);
		local_irq_enable();
		/* A task handed over meanwhile runs now (and polling resumes after it). */
		while (READ_ONCE(idle_poll) &&
		       __atomic_load_n(&p->task_req, __ATOMIC_ACQUIRE) == p->task_done)
			cpu_relax();
		WRITE_ONCE(p->polling, false);
	}
}

int smp_set_idle_poll(bool on)
{
	struct cpumask others = { { 0 } };
	unsigned int me = smp_processor_id(), c;
	u64 deadline = ktime_get_ns() + SMP_CALL_TIMEOUT_NS;

	for_each_online_cpu(c) {
		if (c != me && callable(c))
			cpumask_set(&others, c);
	}
	WRITE_ONCE(idle_poll, on);
	/* Out of hlt, to see the flag. */
	if (on && cpumask_weight(&others))
		smp_send_ipi_mask(&others);
	for_each_cpu_in(c, &others) {
		while (READ_ONCE(percpu_area[c].polling) != on) {
			if (ktime_get_ns() > deadline)
				return -ETIMEDOUT;
			cpu_relax();
		}
	}
	return 0;
}
