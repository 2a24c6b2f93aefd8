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
#include <asm/smp.h>

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

static void native_send_ipi_allbutself(u8 vector)
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

static void native_yield_to(u32 cpu)
{
}

/* Out of line, for pv_ops and for callers that measure against them. */
unsigned long paravirt_native_save_fl(void)
{
	return native_save_fl();
}

void paravirt_native_restore_fl(unsigned long flags)
{
	native_restore_fl(flags);
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
		.save_fl = paravirt_native_save_fl,			\
		.restore_fl = paravirt_native_restore_fl,		\
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
		.flush_tlb_multi = native_flush_tlb_multi,		\
		.pte_val = native_pte_val,				\
	},								\
	.time = {							\
		.steal_clock = native_steal_clock,			\
	},								\
	.apic = {							\
		.eoi = native_apic_noop,				\
		.send_ipi = native_send_ipi,				\
		.send_ipi_allbutself = native_send_ipi_allbutself,	\
		.send_ipi_mask = native_send_ipi_mask,			\
	},								\
	.lock = {							\
		.wait = native_lock_wait,				\
		.kick = native_lock_kick,				\
		.yield_to = native_yield_to,				\
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

	/* Only the line reads native_pv_ops: without it, the copy is not linked. */
	if (!printk_level_built(6))
		return;
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

/* ---- call sites: indirect calls through pv_ops made direct ---- */
#ifdef CONFIG_PARAVIRT_IRQ

static struct pv_irq_ops patched_irq;	/* what the sites were patched to */

extern const struct pv_call_site __start_pv_call_sites[], __stop_pv_call_sites[];

#define CALL_INDIRECT_RIP0	0xff	/* call *rel32(%rip): ff 15 rel32 */
#define CALL_INDIRECT_RIP1	0x15
#define CALL_REL32		0xe8	/* call rel32: e8 rel32, after a nop */
#define NOP			0x90

static void *site_target(const struct pv_call_site *site)
{
	return *(void **)((u8 *)&pv_ops + site->offset);
}

static bool patch_site(const struct pv_call_site *site)
{
	u8 *insn = (u8 *)site->insn;
	s64 rel = (s64)site_target(site) - (s64)(site->insn + 6);
	s32 rel32 = rel;

	if (insn[0] != CALL_INDIRECT_RIP0 || insn[1] != CALL_INDIRECT_RIP1 || rel != rel32)
		return false;
	/*
	 * nop; call rel32: the call ends where the indirect one did, so it
	 * returns to the same place.  Operand first, opcodes last (irqs are
	 * off: a half-done site is never run).
	 */
	memcpy(insn + 2, &rel32, sizeof(rel32));
	WRITE_ONCE(insn[1], CALL_REL32);
	WRITE_ONCE(insn[0], NOP);
	return true;
}

/*
 * Once, after the backend's init_platform(): the irq group is fixed from
 * here on.  Kernel text is mapped writable (head_64.S; Xen PV maps the
 * image so too), and a single vCPU runs it.  The interrupt flag is
 * handled through pv_ops directly, not through a site being patched.
 */
unsigned int paravirt_patch_calls(void)
{
	unsigned long flags = pv_ops.irq.save_fl();
	unsigned int n = 0, sites = paravirt_nr_call_sites();

	pv_ops.irq.irq_disable();
	for (const struct pv_call_site *s = __start_pv_call_sites; s < __stop_pv_call_sites; s++)
		n += patch_site(s);
	pv_ops.irq.restore_fl(flags);
	patched_irq = pv_ops.irq;
	if (n == sites)
		pr_info("paravirt: %u irq op calls made direct\n", n);
	else
		pr_warn("paravirt: %u of %u irq op calls made direct (the rest are not the expected indirect call)\n",
			n, sites);
	return n;
}

/* Patched sites no longer read pv_ops.irq: changing it now would not reach them. */
bool paravirt_irq_ops_changed(void)
{
	return memcmp(&patched_irq, &pv_ops.irq, sizeof(patched_irq)) &&
	       patched_irq.save_fl;
}

unsigned int paravirt_nr_call_sites(void)
{
	return __stop_pv_call_sites - __start_pv_call_sites;
}

bool paravirt_call_is_direct(unsigned int i)
{
	const struct pv_call_site *site = __start_pv_call_sites + i;
	const u8 *insn;
	s32 rel32;

	if (site >= __stop_pv_call_sites)
		return false;
	insn = (const u8 *)site->insn;
	memcpy(&rel32, insn + 2, sizeof(rel32));
	return insn[0] == NOP && insn[1] == CALL_REL32 &&
	       site->insn + 6 + rel32 == (u64)site_target(site);
}
#endif
