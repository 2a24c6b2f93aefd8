/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pv_ops: the operations a hypervisor backend may replace, in groups as
 * in Linux.  The native versions (arch/x86/kernel/paravirt.c) are the
 * defaults; the detected backend's init_platform() overrides what it
 * enlightens.  Callers use the inline wrappers below, never the
 * instructions, so that e.g. Xen PV can take over page tables and the
 * interrupt flag without generic code knowing.
 */
#ifndef _ASM_X86_PARAVIRT_H
#define _ASM_X86_PARAVIRT_H

#include <pvkit/types.h>
#include <asm/processor.h>

struct cpumask;

struct pv_cpu_ops {
	u64 (*read_msr)(u32 msr);
	void (*write_msr)(u32 msr, u64 val);
	void (*safe_halt)(void);	/* enable interrupts and halt, atomically */
	void (*halt)(void);
	/* CPUID as the hypervisor means us to see it (Xen PV: forced emulation). */
	void (*cpuid)(u32 leaf, u32 subleaf, struct cpuid_regs *r);
};

struct pv_irq_ops {
	unsigned long (*save_fl)(void);
	void (*restore_fl)(unsigned long flags);
	void (*irq_disable)(void);
	void (*irq_enable)(void);
};

struct pv_mmu_ops {
	unsigned long (*read_cr2)(void);
	unsigned long (*read_cr3)(void);
	void (*write_cr3)(unsigned long cr3);
	/* Page-table entry writes, one per level (Xen PV validates each). */
	void (*set_pte)(u64 *ptep, u64 val);
	void (*set_pmd)(u64 *pmdp, u64 val);
	void (*set_pud)(u64 *pudp, u64 val);
	void (*set_p4d)(u64 *p4dp, u64 val);
	/* A page becomes (stops being) a page table of the given level. */
	void (*alloc_pt)(unsigned long pfn, int level);
	void (*release_pt)(unsigned long pfn, int level);
	void (*flush_tlb_one)(unsigned long va);
	void (*flush_tlb_all)(void);
	/*
	 * flush_tlb_one(va) on each CPU in mask (never this one): 0, or
	 * -ETIMEDOUT when one did not do it in time (the cross-call's).
	 */
	int (*flush_tlb_multi)(const struct cpumask *mask, unsigned long va);
	/*
	 * An entry as read from a table, turned into our physical address
	 * space (Xen PV tables hold machine frames); set_* take ours.
	 */
	u64 (*pte_val)(u64 entry);
};

struct pv_time_ops {
	/* Nanoseconds this vCPU was runnable but not running. */
	u64 (*steal_clock)(void);
};

struct pv_apic_ops {
	void (*eoi)(void);
	void (*send_ipi)(u32 apic_id, u8 vector);
	void (*send_ipi_allbutself)(u8 vector);
	/* The fixed IPI to each CPU (by index) in mask. */
	void (*send_ipi_mask)(const struct cpumask *mask, u8 vector);
};

struct pv_lock_ops {
	/*
	 * Sleep while *ptr == val; returning early is always allowed.  A
	 * backend whose wait really sleeps sets spin_kick_waiters, and its
	 * kick(cpu) wakes that CPU (by index) out of its wait.
	 */
	void (*wait)(u8 *ptr, u8 val);
	void (*kick)(u32 cpu);
	/*
	 * This CPU is waiting for cpu (a cross-call it has not finished):
	 * a hypervisor may hand it our time slice if it is preempted.
	 */
	void (*yield_to)(u32 cpu);
};

struct paravirt_ops {
	struct pv_cpu_ops cpu;
	struct pv_irq_ops irq;
	struct pv_mmu_ops mmu;
	struct pv_time_ops time;
	struct pv_apic_ops apic;
	struct pv_lock_ops lock;
};

extern struct paravirt_ops pv_ops;
extern const struct paravirt_ops native_pv_ops;

/* Prints the one boot line: backend name and the groups it replaced. */
void paravirt_report(const char *backend);
/* The APIC driver installs its EOI and IPI as the native apic group. */
void paravirt_set_native_apic(const struct pv_apic_ops *ops);

/*
 * The irq ops are on every hot path.  Each wrapper's call is an indirect
 * call through pv_ops (ff 15 rel32: 6 bytes) recorded in .pv_call_sites;
 * once the backend has installed its ops, paravirt_patch_calls() turns
 * every one into a direct call to the op it finds there (nop, e8 rel32),
 * which costs what calling the function by name costs.  The asm states
 * what a call clobbers under the ABI; host builds call through pv_ops.
 */
#if !defined(__HOST_TEST__) && !defined(CONFIG_PARAVIRT_IRQ)
/* No backend in the image replaces them (only Xen PV): the instructions. */
#define PV_IRQ_CALL0(op)		native_##op()
#define PV_IRQ_CALL0_RET(op)		native_##op()
#define PV_IRQ_CALL1(op, arg)		native_##op(arg)
#elif defined(__HOST_TEST__)
#define PV_IRQ_CALL0(op)		pv_ops.irq.op()
#define PV_IRQ_CALL0_RET(op)		pv_ops.irq.op()
#define PV_IRQ_CALL1(op, arg)		pv_ops.irq.op(arg)
#else
struct pv_call_site {
	u64 insn;		/* address of the 6-byte call */
	u64 offset;		/* of the op within pv_ops */
};

#define PV_CALL_CLOBBERS	"rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", \
				"memory", "cc"
/* rsp as an operand: the compiler sets up the frame before the call. */
#define PV_CALL_SP		register unsigned long __sp __asm__("rsp")
#define PV_CALL_SITE(member)						\
	"771: call *pv_ops+%c[off](%%rip)\n"				\
	".pushsection .pv_call_sites, \"a\"\n"				\
	".balign 8\n"							\
	".quad 771b, %c[off]\n"						\
	".popsection\n"

#define PV_IRQ_CALL0(op) ({						\
	unsigned long __di;						\
	PV_CALL_SP;							\
	__asm__ __volatile__(PV_CALL_SITE(op)				\
		: "=D"(__di), "+r"(__sp)				\
		: [off] "i"(__builtin_offsetof(struct paravirt_ops, irq.op))	\
		: "rax", PV_CALL_CLOBBERS);				\
	(void)__di;							\
})
#define PV_IRQ_CALL0_RET(op) ({						\
	unsigned long __ret, __di;					\
	PV_CALL_SP;							\
	__asm__ __volatile__(PV_CALL_SITE(op)				\
		: "=a"(__ret), "=D"(__di), "+r"(__sp)			\
		: [off] "i"(__builtin_offsetof(struct paravirt_ops, irq.op))	\
		: PV_CALL_CLOBBERS);					\
	__ret;								\
})
#define PV_IRQ_CALL1(op, arg) ({					\
	unsigned long __di = (arg);					\
	PV_CALL_SP;							\
	__asm__ __volatile__(PV_CALL_SITE(op)				\
		: "+D"(__di), "+r"(__sp)				\
		: [off] "i"(__builtin_offsetof(struct paravirt_ops, irq.op))	\
		: "rax", PV_CALL_CLOBBERS);				\
})
#endif

/* The native save_fl and restore_fl ops, callable by name. */
unsigned long paravirt_native_save_fl(void);
void paravirt_native_restore_fl(unsigned long flags);

/*
 * Makes the recorded irq op calls direct calls; returns how many.  Once,
 * after the backend's init_platform(): the irq group is fixed from then.
 */
#if defined(CONFIG_PARAVIRT_IRQ) || defined(__HOST_TEST__)
unsigned int paravirt_patch_calls(void);
bool paravirt_irq_ops_changed(void);
unsigned int paravirt_nr_call_sites(void);
/* Whether the call at a recorded site goes straight to the current op. */
bool paravirt_call_is_direct(unsigned int site);
#else
static inline unsigned int paravirt_patch_calls(void) { return 0; }
static inline bool paravirt_irq_ops_changed(void) { return false; }
static inline unsigned int paravirt_nr_call_sites(void) { return 0; }
static inline bool paravirt_call_is_direct(unsigned int site) { return false; }
#endif

static inline unsigned long arch_local_save_flags(void)
{
	return PV_IRQ_CALL0_RET(save_fl);
}

static inline void arch_local_irq_restore(unsigned long flags)
{
	PV_IRQ_CALL1(restore_fl, flags);
}

static inline void local_irq_enable(void)
{
	PV_IRQ_CALL0(irq_enable);
}

static inline void local_irq_disable(void)
{
	PV_IRQ_CALL0(irq_disable);
}

static inline unsigned long local_irq_save(void)
{
	unsigned long flags = arch_local_save_flags();

	local_irq_disable();
	return flags;
}

static inline void local_irq_restore(unsigned long flags)
{
	arch_local_irq_restore(flags);
}

static inline bool irqs_disabled(void)
{
	return !(arch_local_save_flags() & X86_EFLAGS_IF);
}

static inline void safe_halt(void)
{
	pv_ops.cpu.safe_halt();
}

static inline u64 paravirt_read_msr(u32 msr)
{
	return pv_ops.cpu.read_msr(msr);
}

static inline void paravirt_write_msr(u32 msr, u64 val)
{
	pv_ops.cpu.write_msr(msr, val);
}

/*
 * CPUID as the guest sees it: a Xen PV guest's plain cpuid is not
 * intercepted on every CPU and may not reach Xen, so its pv_ops use the
 * forced-emulation prefix (enlighten_pv.c).
 */
static inline void paravirt_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	pv_ops.cpu.cpuid(leaf, subleaf, r);
}

static inline void flush_tlb_one(unsigned long va)
{
	pv_ops.mmu.flush_tlb_one(va);
}

static inline void flush_tlb_all(void)
{
	pv_ops.mmu.flush_tlb_all();
}

static inline void apic_eoi(void)
{
	pv_ops.apic.eoi();
}

#endif
