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

unsigned long smp_ipi_count(unsigned int cpu)
{
	return cpu < NR_CPUS ? __atomic_load_n(&percpu_area[cpu].ipi_count,
					       __ATOMIC_RELAXED) : 0;
}

static bool callable(unsigned int cpu)
{
	return cpu_online(cpu) && !READ_ONCE(percpu_area[cpu].stuck);
}

static void post(unsigned int cpu, void (*fn)(void *arg), void *arg)
{
	struct percpu *p = &percpu_area[cpu];

	p->call_fn = fn;
	p->call_arg = arg;
	__atomic_store_n(&p->call_req, p->call_req + 1, __ATOMIC_RELEASE);
	smp_send_ipi(cpu);
}

static int wait_done(unsigned int cpu, u64 deadline)
{
	struct percpu *p = &percpu_area[cpu];

	while (__atomic_load_n(&p->call_done, __ATOMIC_ACQUIRE) != p->call_req) {
		if (ktime_get_ns() > deadline) {
			WRITE_ONCE(p->stuck, true);
			pr_err("smp: CPU %u (apic id %u) did not finish a cross-call in %llu s: left out\n",
			       cpu, p->apic_id, SMP_CALL_TIMEOUT_NS / NSEC_PER_SEC);
			return -ETIMEDOUT;
		}
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
	int err;

	if (!callable(cpu))
		return -ENODEV;
	if (cpu == smp_processor_id()) {
		call_here(fn, arg);
		return 0;
	}
	spin_lock(&call_lock);
	post(cpu, fn, arg);
	err = wait_done(cpu, ktime_get_ns() + SMP_CALL_TIMEOUT_NS);
	spin_unlock(&call_lock);
	return err;
}

/* The others are started first, so that every CPU runs fn at the same time. */
int smp_call_on_all(void (*fn)(void *arg), void *arg)
{
	unsigned int me = smp_processor_id(), c;
	bool posted[NR_CPUS] = { false };
	u64 deadline;
	int err = 0;

	spin_lock(&call_lock);
	for_each_online_cpu(c) {
		if (c != me && callable(c)) {
			post(c, fn, arg);
			posted[c] = true;
		}
	}
	call_here(fn, arg);
	deadline = ktime_get_ns() + SMP_CALL_TIMEOUT_NS;
	for (c = 0; c < NR_CPUS; c++) {
		if (posted[c] && wait_done(c, deadline))
			err = -ETIMEDOUT;
	}
	spin_unlock(&call_lock);
	return err;
}

static void flush_one(void *arg)
{
	flush_tlb_one((unsigned long)arg);
}

int flush_tlb_one_all(unsigned long va)
{
	return smp_call_on_all(flush_one, (void *)va);
}
