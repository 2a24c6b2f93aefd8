/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SMP: the CPUs the MADT describes, brought up by INIT-SIPI-SIPI
 * (smpboot.c; Xen's vCPUs by VCPUOP_up, arch/x86/xen/smp_hvm.c),
 * per-CPU data through the GS base, IPIs and cross-calls (smp.c).  docs/smp.md says what runs on the secondary CPUs and what
 * stays on the boot CPU.
 */
#ifndef _ASM_X86_SMP_H
#define _ASM_X86_SMP_H

/* The real-mode trampoline's four pages: code and data, PML4, PDPT, PD. */
#define TRAMPOLINE_PHYS		0x8000
#define TRAMPOLINE_PAGES	4
#define TRAMPOLINE_PML4		(TRAMPOLINE_PHYS + 0x1000)

#ifndef __ASSEMBLY__
#include <pvkit/types.h>
#include <pvkit/acpi.h>
#include <asm/cpumask.h>
#include <asm/desc.h>
#define AP_STACK_SIZE		16384
#define AP_DF_STACK_SIZE	16384

struct percpu {
	struct percpu *self;		/* at %gs:0, for this_cpu() */
	unsigned int cpu;		/* index: 0 is the boot CPU */
	u32 apic_id;
	bool online;
	bool stuck;			/* did not finish a cross-call in time */
	bool polling;			/* idle by polling (smp_set_idle_poll) */
	unsigned long ipi_count;	/* call-function IPIs taken */
	bool timer_kick;		/* look at the timer list (smp_send_timer_kick) */
	/* The cross-call slot: call_req != call_done means fn is pending. */
	void (*call_fn)(void *arg);
	void *call_arg;
	unsigned long call_req;
	unsigned long call_done;
	/* The task slot, run by the idle loop: task_req != task_done while it runs. */
	void (*task_fn)(void *arg);
	void *task_arg;
	unsigned long task_req;
	unsigned long task_done;
	void *stack;			/* AP_STACK_SIZE + AP_DF_STACK_SIZE */
	struct cpu_tables tables;
};

extern struct percpu percpu_area[NR_CPUS];
/* CPU 0's entry, first thing in arch_setup(): online, its APIC ID not known yet. */
void smp_prepare_boot_cpu(void);
extern unsigned int nr_cpus_online;
/* Set once the boot CPU's GS base points at percpu_area[0]. */
extern bool percpu_ready;

#ifdef __HOST_TEST__
/* A host test plays the CPUs: the one it says the code runs on (each thread its own). */
extern __thread unsigned int host_cpu;

static inline struct percpu *this_cpu(void)
{
	return &percpu_area[host_cpu];
}

static inline unsigned int smp_processor_id(void)
{
	return host_cpu;
}
#elif !defined(CONFIG_SMP)
/* One CPU: its entry is percpu_area[0], no GS base read. */
static inline struct percpu *this_cpu(void)
{
	return &percpu_area[0];
}

static inline unsigned int smp_processor_id(void)
{
	return 0;
}
#else
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	if (!percpu_ready)
		return &percpu_area[0];
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline unsigned int smp_processor_id(void)
{
	return this_cpu()->cpu;
}
#endif

static inline bool cpu_online(unsigned int cpu)
{
	return cpu < NR_CPUS && __atomic_load_n(&percpu_area[cpu].online, __ATOMIC_ACQUIRE);
}

#define for_each_online_cpu(c)						\
	for ((c) = 0; (c) < NR_CPUS; (c)++)				\
		if (cpu_online(c))

/* smp.c: IPIs on CALL_FUNCTION_VECTOR, and cross-calls on top. */
void smp_ipi_init(void);
void smp_send_ipi(unsigned int cpu);
void smp_send_ipi_allbutself(void);
/*
 * Has cpu program its clock event device for its timer list's first
 * timer (kernel/time/timer.c, after another CPU put one there): a flag,
 * then a call-function IPI, the one vector every platform delivers.
 */
void smp_send_timer_kick(unsigned int cpu);
/* One call-function IPI to each CPU in mask, through pv_ops.apic.send_ipi_mask. */
void smp_send_ipi_mask(const struct cpumask *mask);
/* The native send_ipi_mask: pv_ops.apic.send_ipi to each CPU in turn. */
void native_send_ipi_mask(const struct cpumask *mask, u8 vector);
unsigned long smp_ipi_count(unsigned int cpu);
/*
 * Runs fn(arg) on one CPU (on all online CPUs), in its interrupt handler
 * with interrupts off, and waits until it returned everywhere.  Not from
 * interrupt context or with interrupts off (two CPUs calling each other
 * would wait for ever), and fn must not cross-call.  0, or -ENODEV for a
 * CPU not online, -ETIMEDOUT for one that did not finish in time (it is
 * then left out of further calls).
 */
int smp_call_on_cpu(unsigned int cpu, void (*fn)(void *arg), void *arg);
int smp_call_on_all(void (*fn)(void *arg), void *arg);
/* The same on the CPUs in mask (this one included if it is in it). */
int smp_call_on_mask(const struct cpumask *mask, void (*fn)(void *arg), void *arg);
/*
 * INVLPG of va on every online CPU: here, then on the others through
 * pv_ops.mmu.flush_tlb_multi (natively native_flush_tlb_multi, a
 * cross-call; KVM leaves preempted vCPUs to its next entry).
 */
int flush_tlb_one_all(unsigned long va);
int native_flush_tlb_multi(const struct cpumask *mask, unsigned long va);

/*
 * Every caller waits until n have called with the same counter (zeroed
 * before), by a TSC deadline (the clock takes a lock); false if they
 * did not all arrive in time.
 */
bool smp_meet(unsigned int *arrived, unsigned int n, u64 timeout_ns);
/*
 * The TSC reading ns from now: a deadline every CPU can check without a
 * lock (the monotonic clock takes one); ~0 without a known TSC rate.
 */
u64 smp_tsc_deadline(u64 ns);
/*
 * Idle CPUs other than the boot CPU halt; with idle polling on they spin
 * with interrupts on instead, and so stay runnable: under a hypervisor
 * they are then preempted, not halted, while another vCPU runs.  Returns
 * once every other online CPU polls (stopped polling), or -ETIMEDOUT.
 */
int smp_set_idle_poll(bool on);
/*
 * Hands fn(arg) to a secondary CPU's idle loop and returns at once: it
 * runs there as a thread of its own, with interrupts on, so it takes the
 * device interrupts routed to that CPU (a cross-call runs in the IPI's
 * handler, where the APIC holds them back).  fn may wait and poll, but
 * not cross-call.  0; -ENODEV for the boot CPU, a CPU not online or left
 * out; -EBUSY while its previous task runs.
 */
int smp_task_start(unsigned int cpu, void (*fn)(void *arg), void *arg);
/* Whether the last task started on cpu has returned. */
bool smp_task_done(unsigned int cpu);
/* The loop a secondary CPU ends in. */
void smp_idle(void) __attribute__((noreturn));

/* smpboot.c */
void start_secondary(unsigned int cpu);
/* Before the first start: the boot CPU's GS base, the IPI vector, CR0 and CR4 to copy. */
void smp_prepare_cpus(void);

/*
 * How a platform starts one CPU: start() makes it run start_secondary(cpu)
 * on stack_top (it may return before the CPU runs); stop() stops one that
 * did not come online in time.  id(ctx) names it in messages, after name.
 */
struct smp_starter {
	const char *name;			/* "apic id", "vcpu" */
	unsigned int (*id)(void *ctx);
	bool (*start)(unsigned int cpu, void *stack_top, void *ctx);
	void (*stop)(unsigned int cpu, void *ctx);
};

/*
 * Sets up CPU cpu's per-CPU entry (apic: its APIC ID, or APIC_ID_NONE
 * for the CPU to read its own) and stacks, starts it and waits for it by
 * an absolute deadline.  True if it came online (nr_cpus_online counts
 * it), else it was stopped, reported and left out.
 */
bool smp_start_cpu(unsigned int cpu, u32 apic, const struct smp_starter *s, void *ctx);
/*
 * A CPU that came up and cannot run on (its platform stopped it): out
 * of the online mask and of nr_cpus_online.  Not the boot CPU.
 */
void smp_mark_offline(unsigned int cpu);
/* The boot line "smp: N CPUs up (apic ids ...)", saying if fewer than wanted. */
void smp_report_up(unsigned int wanted);
/*
 * How many CPUs this platform should have online: its own count
 * (x86_init.smp_cpus: Xen's vCPUs) or the MADT's enabled ones; 1 where
 * no bring-up is built.
 */
unsigned int smp_cpus_described(void);
/* Whether the platform has a way to bring up its other CPUs built in. */
bool smp_bringup_built(void);
#endif

#endif
