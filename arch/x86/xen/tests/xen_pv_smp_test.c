// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen PV TLB shootdown op (MMUEXT_INVLPG_MULTI) on its own.  The smp
 * suite's shootdown cases cannot fail here: between their two reads a
 * target vCPU blocks and enters Xen, and the switches there lose its
 * stale translation by themselves (a broken op passed them).  In this
 * case the other CPUs read a page through a mapping and wait inside one
 * cross-call, never leaving the guest, while CPU 0 points the mapping
 * at another page and calls the op.  Each must then read the new page.
 * Calling the op from a cross-call is only allowed because Xen's is one
 * hypercall, not a cross-call of its own.  Skipped unless a PV guest
 * with more than one CPU uses it.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/io.h>
#include <pvkit/mm.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <xen/xen.h>
#include "../xen-ops.h"

#define OLD_VALUE	0x01d01d01d01d01dULL
#define NEW_VALUE	0x0e110e110e110e11ULL

static const char *not_pv_smp(void)
{
	if (!xen_pv_domain())
		return "not a Xen PV guest";
	if (!xen_pv_flush_by_hypercall)
		return "one CPU, or the shootdown by MMUEXT_INVLPG_MULTI is off";
	return NULL;
}

static volatile u64 *va;
static u64 *new_page;
static unsigned int cached;
static bool flushed;
static int flush_result;
static u64 before[NR_CPUS], after[NR_CPUS];

/* CPU 0 waits for every reader, changes the entry and flushes the others. */
static void change_and_flush(u64 deadline)
{
	struct cpumask others = { { 0 } };
	unsigned int c;
	u64 *pte;

	while (READ_ONCE(cached) < nr_cpus_online - 1 && rdtsc() < deadline)
		cpu_relax();
	for_each_online_cpu(c) {
		if (c)
			cpumask_set(&others, c);
	}
	pte = lookup_pte((unsigned long)va);
	if (pte) {
		pv_ops.mmu.set_pte(pte, (*pte & ~PTE_ADDR_MASK) | virt_to_phys(new_page));
		pv_ops.mmu.flush_tlb_one((unsigned long)va);
		flush_result = pv_ops.mmu.flush_tlb_multi(&others, (unsigned long)va);
	}
	__atomic_store_n(&flushed, true, __ATOMIC_RELEASE);
}

static void read_across_flush(void *arg)
{
	unsigned int me = smp_processor_id();
	u64 deadline = smp_tsc_deadline(KTEST_WAIT_NS);

	if (!me) {
		change_and_flush(deadline);
		return;
	}
	/* The read caches the translation; no hypercall until the next one. */
	before[me] = *va;
	__atomic_fetch_add(&cached, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&flushed, __ATOMIC_ACQUIRE) && rdtsc() < deadline)
		cpu_relax();
	after[me] = *va;
}

static void invlpg_multi_reaches_running_vcpus(struct ktest *t)
{
	u64 *old = alloc_pages(1);
	unsigned int c;

	new_page = alloc_pages(1);
	KT_ASSERT_TRUE(t, old && new_page);
	*old = OLD_VALUE;
	*new_page = NEW_VALUE;
	va = remap_ram(virt_to_phys(old), PAGE_SIZE);
	KT_ASSERT_NOT_NULL(t, va);
	cached = 0;
	flushed = false;
	flush_result = -1;
	memset(before, 0, sizeof(before));
	memset(after, 0, sizeof(after));
	KT_ASSERT_EQ(t, smp_call_on_all(read_across_flush, NULL), 0);
	KT_EXPECT_EQ(t, flush_result, 0);
	for_each_online_cpu(c) {
		if (!c)
			continue;
		KT_EXPECT_EQ(t, before[c], OLD_VALUE);
		KT_EXPECT_EQ(t, after[c], NEW_VALUE);
	}
	iounmap((void *)va, PAGE_SIZE);
	flush_tlb_one_all((unsigned long)va);
	free_pages(old, 1);
	free_pages(new_page, 1);
}

static const struct ktest_case xen_pv_smp_cases[] = {
	KTEST_CASE(invlpg_multi_reaches_running_vcpus),
	{}
};
KTEST_SUITE_SKIP(xen_pv_smp, xen_pv_smp_cases, not_pv_smp);
