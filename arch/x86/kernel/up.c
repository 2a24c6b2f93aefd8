// SPDX-License-Identifier: GPL-2.0
/*
 * CONFIG_SMP off: the image runs on the boot CPU only (the others the
 * platform has stay in wait-for-SIPI).  Its per-CPU entry, and what
 * smp.c's cross-calls come down to with nobody else to call: a TLB
 * flush is a local INVLPG and a call-function IPI has no target.
 */
#include <pvkit/kernel.h>
#include <asm/apic.h>
#include <asm/paravirt.h>
#include <asm/smp.h>

struct percpu percpu_area[NR_CPUS];

void smp_prepare_boot_cpu(void)
{
	struct percpu *p = &percpu_area[0];

	p->self = p;
	p->apic_id = APIC_ID_NONE;
	p->online = true;
}

unsigned int smp_cpus_described(void)
{
	return 1;
}

bool smp_bringup_built(void)
{
	return false;
}

/* pv_ops.apic.send_ipi_mask: the only CPU a mask can hold is this one. */
void native_send_ipi_mask(const struct cpumask *mask, u8 vector)
{
}

/* pv_ops.mmu.flush_tlb_multi: its mask never holds this CPU, so it is empty. */
int native_flush_tlb_multi(const struct cpumask *mask, unsigned long va)
{
	return 0;
}

int flush_tlb_one_all(unsigned long va)
{
	unsigned long flags = local_irq_save();

	flush_tlb_one(va);
	local_irq_restore(flags);
	return 0;
}
