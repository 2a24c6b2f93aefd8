// SPDX-License-Identifier: GPL-2.0
/*
 * The native pv_ops: each is the plain instruction.  pv_ops starts as a
 * copy of them, so that everything works before (and without) a
 * hypervisor backend.
 */
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

static u64 native_read_msr(u32 msr)
{
	return rdmsr(msr);
}

static void native_write_msr(u32 msr, u64 val)
{
	wrmsr(msr, val);
}

static void native_set_entry(u64 *p, u64 val)
{
	WRITE_ONCE(*p, val);
}

static void native_pt_hook(unsigned long pfn, int level)
{
}

static u64 native_pte_val(u64 entry)
{
	return entry;
}

static void native_flush_tlb_all(void)
{
	write_cr3(read_cr3());
}

static u64 native_steal_clock(void)
{
	return 0;
}

/* Filled by the APIC driver; without one there is nothing to acknowledge. */
static void native_apic_noop(void)
{
}

static void native_send_ipi(u32 apic_id, u8 vector)
{
}

static void native_lock_wait(u8 *ptr, u8 val)
{
	while (READ_ONCE(*ptr) == val)
		cpu_relax();
}

static void native_lock_kick(u32 cpu)
{
}

#define NATIVE_PV_OPS {							\
	.cpu = {							\
		.read_msr = native_read_msr,				\
		.write_msr = native_write_msr,				\
		.safe_halt = native_safe_halt,				\
		.halt = native_halt,					\
		.cpuid = cpuid_count,					\
	},								\
	.irq = {							\
		.save_fl = native_save_fl,				\
		.restore_fl = native_restore_fl,			\
		.irq_disable = native_irq_disable,			\
		.irq_enable = native_irq_enable,			\
	},								\
	.mmu = {							\
		.read_cr2 = read_cr2,					\
		.read_cr3 = read_cr3,					\
		.write_cr3 = write_cr3,					\
		.set_pte = native_set_entry,				\
		.set_pmd = native_set_entry,				\
		.set_pud = native_set_entry,				\
		.set_p4d = native_set_entry,				\
		.alloc_pt = native_pt_hook,				\
		.release_pt = native_pt_hook,				\
		.flush_tlb_one = native_invlpg,				\
		.flush_tlb_all = native_flush_tlb_all,			\
		.pte_val = native_pte_val,				\
	},								\
	.time = {							\
		.steal_clock = native_steal_clock,			\
	},								\
	.apic = {							\
		.eoi = native_apic_noop,				\
		.send_ipi = native_send_ipi,				\
	},								\
	.lock = {							\
		.wait = native_lock_wait,				\
		.kick = native_lock_kick,				\
	},								\
}

const struct paravirt_ops native_pv_ops = NATIVE_PV_OPS;
struct paravirt_ops pv_ops = NATIVE_PV_OPS;

/*
 * The native APIC ops are the APIC driver's, installed before any
 * backend runs; they are what "native" means for the apic group.
 */
static struct pv_apic_ops native_apic;

void paravirt_set_native_apic(const struct pv_apic_ops *ops)
{
	native_apic = *ops;
	pv_ops.apic = *ops;
}

#define GROUP_CHANGED(g, native) \
	(memcmp(&pv_ops.g, &(native), sizeof(pv_ops.g)) != 0)

void paravirt_report(const char *backend)
{
	char line[96] = "";
	size_t n = 0;

	if (!native_apic.eoi)
		native_apic = native_pv_ops.apic;
	if (GROUP_CHANGED(cpu, native_pv_ops.cpu))
		n += snprintf(line + n, sizeof(line) - n, " cpu");
	if (GROUP_CHANGED(irq, native_pv_ops.irq))
		n += snprintf(line + n, sizeof(line) - n, " irq");
	if (GROUP_CHANGED(mmu, native_pv_ops.mmu))
		n += snprintf(line + n, sizeof(line) - n, " mmu");
	if (GROUP_CHANGED(time, native_pv_ops.time))
		n += snprintf(line + n, sizeof(line) - n, " time");
	if (GROUP_CHANGED(apic, native_apic))
		n += snprintf(line + n, sizeof(line) - n, " apic");
	if (GROUP_CHANGED(lock, native_pv_ops.lock))
		n += snprintf(line + n, sizeof(line) - n, " lock");
	pr_info("paravirt: %s backend, %s%s\n", backend,
		n ? "replaced:" : "all ops native", line);
}
