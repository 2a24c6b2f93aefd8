/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PROCESSOR_H
#define _ASM_X86_PROCESSOR_H

#include <pvkit/types.h>

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			     : "a"(leaf), "c"(sub));
}

static inline void cpuid(u32 leaf, struct cpuid_regs *r)
{
	cpuid_count(leaf, 0, r);
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr3(void)
{
	unsigned long v;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(unsigned long v)
{
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

/* The raw instructions; the rest of the kernel goes through pv_ops. */
static inline void native_irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline void native_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline unsigned long native_save_fl(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushfq; popq %0" : "=rm"(flags) : : "memory");
	return flags;
}

static inline void native_restore_fl(unsigned long flags)
{
	__asm__ __volatile__("pushq %0; popfq" : : "g"(flags) : "memory", "cc");
}

static inline void native_halt(void)
{
	__asm__ __volatile__("hlt" ::: "memory");
}

/* sti takes effect after the next instruction, so no interrupt slips in between. */
static inline void native_safe_halt(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

static inline void native_invlpg(unsigned long va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

#define X86_EFLAGS_IF	(1UL << 9)

/* Boot-time CPU facts, filled by arch/x86/kernel/cpu.c. */
struct cpuinfo_x86 {
	char vendor[13];
	char model_name[49];		/* cpu_model_name() */
	u32 family, model, stepping;
	u32 max_leaf, max_ext_leaf;
	u32 features_ecx, features_edx;	/* CPUID.1 */
};

extern struct cpuinfo_x86 boot_cpu;
void cpu_detect(void);
const char *cpu_model_name(void);
/* The boot CPU's CPUID leaf (sub-leaf 0: read once), through pv_ops. */
void boot_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r);
/* boot_cpuid()'s kept answers; the 32-bit entry fills the first two. */
struct boot_cpuid_leaf {
	u32 leaf;
	struct cpuid_regs r;
};
bool cpu_hypercall_is_vmmcall(void);

#endif
