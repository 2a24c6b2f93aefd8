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
#include <asm/desc.h>

#define NR_CPUS			ACPI_MAX_CPUS
#define AP_STACK_SIZE		16384
#define AP_DF_STACK_SIZE	16384

struct percpu {
	struct percpu *self;		/* at %gs:0, for this_cpu() */
	unsigned int cpu;		/* index: 0 is the boot CPU */
	u32 apic_id;
	bool online;
	bool stuck;			/* did not finish a cross-call in time */
	unsigned long ipi_count;	/* call-function IPIs taken */
	/* The cross-call slot: call_req != call_done means fn is pending. */
	void (*call_fn)(void *arg);
	void *call_arg;
	unsigned long call_req;
	unsigned long call_done;
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
/* A host test plays the CPUs: the one it says the code runs on. */
extern unsigned int host_cpu;

static inline struct percpu *this_cpu(void)
{
	return &percpu_area[host_cpu];
}

static inline unsigned int smp_processor_id(void)
{
	return host_cpu;
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
/* INVLPG of va on every online CPU, through a cross-call. */
int flush_tlb_one_all(unsigned long va);

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
