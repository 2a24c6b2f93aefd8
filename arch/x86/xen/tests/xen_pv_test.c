// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen PV MMU on the real hypervisor: mappings made through the
 * generic API hold machine frames, page tables in use are read-only to
 * us (a write must go through mmu_update), and a changed entry is seen
 * after a TLB flush.  Skipped unless we run as a PV guest.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/io.h>
#include <pvkit/bootinfo.h>
#include <pvkit/mm.h>
#include <pvkit/platform.h>
#include <pvkit/string.h>
#include <asm/hypervisor.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/ptrace.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "../xen-ops.h"

/* Away from the slots the mm_pgtable suite uses. */
#define TEST_VA	(IOREMAP_BASE + IOREMAP_SIZE - (128UL << 20))

static const char *not_pv(void)
{
	return xen_pv_domain() ? NULL : "not a Xen PV guest";
}

static struct {
	unsigned long hits, cr2, error_code, resume;
} fault;

static bool catch_pf(struct pt_regs *regs)
{
	if (regs->vector != 14)
		return false;
	fault.hits++;
	fault.cr2 = pv_ops.mmu.read_cr2();
	fault.error_code = regs->error_code;
	regs->rip = fault.resume;
	return true;
}

/* *p = val; false if the write faulted. */
static bool probe_write(volatile u64 *p, u64 val)
{
	fault.hits = 0;
	trap_set_hook(catch_pf);
	__asm__ __volatile__("leaq 1f(%%rip), %%rax\n\t"
			     "movq %%rax, %[resume]\n\t"
			     "movq %[v], (%[p])\n"
			     "1:"
			     : [resume] "=m"(fault.resume)
			     : [p] "r"(p), [v] "r"(val) : "rax", "memory");
	trap_set_hook(NULL);
	return fault.hits == 0;
}

static void detected_as_xen_pv(struct ktest *t)
{
	KT_EXPECT_STREQ(t, hypervisor_name(), "xen");
	KT_EXPECT_STREQ(t, xen_mode_name(), "PV");
	KT_EXPECT_STREQ(t, boot_info.loader, "Xen PV");
	KT_EXPECT_EQ(t, xen_hypercall_insn, XEN_HYPERCALL_SYSCALL);
	/* the interrupt flag is vcpu_info's mask, not EFLAGS.IF */
	KT_EXPECT_TRUE(t, pv_ops.irq.save_fl != native_pv_ops.irq.save_fl);
	KT_EXPECT_TRUE(t, pv_ops.mmu.set_pte != native_pv_ops.mmu.set_pte);
}

static u64 pte_frame(u64 entry)
{
	return (entry & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

/* Map, read and write through both mappings, remap to another page, unmap. */
static void map_remap_unmap_through_both_mappings(struct ktest *t)
{
	u64 *a = alloc_pages(1), *b = alloc_pages(1);
	volatile u64 *va = (volatile u64 *)TEST_VA;
	unsigned long pfn_a, pfn_b;
	u64 *pte;

	KT_ASSERT_NOT_NULL(t, a);
	KT_ASSERT_NOT_NULL(t, b);
	pfn_a = virt_to_phys(a) >> PAGE_SHIFT;
	pfn_b = virt_to_phys(b) >> PAGE_SHIFT;
	a[0] = 0xaaaa;
	b[0] = 0xbbbb;
	KT_ASSERT_EQ(t, map_pages(TEST_VA, virt_to_phys(a), PAGE_SIZE, PAGE_KERNEL), 0);
	KT_EXPECT_EQ(t, va[0], 0xaaaa);
	va[1] = 0x1234;
	KT_EXPECT_EQ(t, a[1], 0x1234);
	/* The entry holds the machine frame; read back through pv_ops it is ours. */
	pte = lookup_pte(TEST_VA);
	KT_ASSERT_NOT_NULL(t, pte);
	KT_EXPECT_EQ(t, pte_frame(*pte), pfn_to_mfn(pfn_a));
	KT_EXPECT_EQ(t, pte_frame(pv_ops.mmu.pte_val(*pte)), pfn_a);
	KT_EXPECT_EQ(t, mfn_to_pfn(pfn_to_mfn(pfn_a)), pfn_a);

	KT_ASSERT_EQ(t, map_pages(TEST_VA, virt_to_phys(b), PAGE_SIZE, PAGE_KERNEL), 0);
	KT_EXPECT_EQ(t, va[0], 0xbbbb);
	va[2] = 0x5678;
	KT_EXPECT_EQ(t, b[2], 0x5678);
	KT_EXPECT_EQ(t, a[2], 0);
	KT_EXPECT_EQ(t, pte_frame(*pte), pfn_to_mfn(pfn_b));

	/* unmapped: the entry is gone, and so is the translation (a store faults) */
	unmap_pages(TEST_VA, PAGE_SIZE);
	KT_EXPECT_EQ(t, *pte & _PAGE_PRESENT, 0);
	KT_EXPECT_FALSE(t, probe_write(va, 1));
	KT_EXPECT_EQ(t, fault.cr2, TEST_VA);
	KT_EXPECT_EQ(t, fault.error_code & 1, 0);	/* not present */
	free_pages(a, 1);
	free_pages(b, 1);
}

/*
 * A page table in use is mapped read-only.  A store to the pinned L4
 * faults.  A store to an L1 faults too, and then Xen may emulate it after
 * validating it ("writable page tables": our dom0 gets that, our domU
 * not): an entry that would map a page table writable is refused either
 * way, a harmless one is written or faults.  mmu_update is the way that
 * works everywhere: it makes the valid change and refuses, and we count,
 * the bad one.
 */
static void page_tables_are_read_only(struct ktest *t)
{
	u64 *page = alloc_pages(1);
	u64 *l4 = phys_to_virt(pv_ops.mmu.read_cr3() & PTE_ADDR_MASK);
	u64 *pte, *alias, old;
	unsigned long errors;

	KT_ASSERT_NOT_NULL(t, page);
	KT_ASSERT_EQ(t, map_pages(TEST_VA, virt_to_phys(page), PAGE_SIZE, PAGE_KERNEL), 0);
	pte = lookup_pte(TEST_VA);
	KT_ASSERT_NOT_NULL(t, pte);
	old = *pte;
	/* the direct map shows us the L1 read-only */
	alias = lookup_pte((unsigned long)pte);
	KT_ASSERT_NOT_NULL(t, alias);
	KT_EXPECT_EQ(t, *alias & (_PAGE_PRESENT | _PAGE_RW), _PAGE_PRESENT);

	/* an unused slot of the pinned L4 */
	KT_EXPECT_EQ(t, l4[300], 0);
	KT_EXPECT_FALSE(t, probe_write(&l4[300], 0));
	KT_EXPECT_EQ(t, fault.cr2, (unsigned long)&l4[300]);
	KT_EXPECT_EQ(t, fault.error_code & 3, 3);	/* present, write */
	KT_EXPECT_EQ(t, l4[300], 0);

	/* the L1: never an entry that maps a page table writable */
	KT_EXPECT_FALSE(t, probe_write(pte, (virt_to_machine(pte) & PAGE_MASK) | PAGE_KERNEL));
	KT_EXPECT_EQ(t, fault.cr2, (unsigned long)pte);
	KT_EXPECT_EQ(t, fault.error_code & 3, 3);
	KT_EXPECT_EQ(t, *pte, old);
	/* a harmless value: emulated (written) or refused (a fault), nothing else */
	if (probe_write(pte, 0))
		KT_EXPECT_EQ(t, *pte, 0);
	else
		KT_EXPECT_EQ(t, *pte, old);

	/* mmu_update: the same change is made, a bad one refused and counted */
	KT_EXPECT_EQ(t, xen_pv_set_entry(pte, 0), 0);
	KT_EXPECT_EQ(t, *pte, 0);
	pv_ops.mmu.flush_tlb_one(TEST_VA);
	errors = xen_pv_mmu_errors();
	KT_EXPECT_NE(t, xen_pv_set_entry(pte, (virt_to_phys(pte) & PAGE_MASK) | PAGE_KERNEL), 0);
	KT_EXPECT_EQ(t, xen_pv_mmu_errors(), errors + 1);
	KT_EXPECT_EQ(t, *pte, 0);
	KT_EXPECT_EQ(t, xen_pv_set_entry(pte, virt_to_phys(page) | PAGE_KERNEL), 0);
	KT_EXPECT_EQ(t, pte_frame(*pte), pfn_to_mfn(virt_to_phys(page) >> PAGE_SHIFT));
	unmap_pages(TEST_VA, PAGE_SIZE);
	free_pages(page, 1);
}

/*
 * Xen does not flush our TLB on an entry write: after the write the old
 * translation may still be used; after the flush the new one must be.
 */
static void tlb_flush_makes_a_change_visible(struct ktest *t)
{
	u64 *a = alloc_pages(1), *b = alloc_pages(1);
	volatile u64 *va = (volatile u64 *)(TEST_VA + PAGE_SIZE);
	u64 *pte;

	KT_ASSERT_NOT_NULL(t, a);
	KT_ASSERT_NOT_NULL(t, b);
	a[0] = 0xaaaa;
	b[0] = 0xbbbb;
	KT_ASSERT_EQ(t, map_pages((unsigned long)va, virt_to_phys(a), PAGE_SIZE, PAGE_KERNEL), 0);
	KT_EXPECT_EQ(t, va[0], 0xaaaa);	/* the translation is cached now */
	pte = lookup_pte((unsigned long)va);
	KT_ASSERT_NOT_NULL(t, pte);
	KT_ASSERT_EQ(t, xen_pv_set_entry(pte, virt_to_phys(b) | PAGE_KERNEL), 0);
	pv_ops.mmu.flush_tlb_one((unsigned long)va);
	KT_EXPECT_EQ(t, va[0], 0xbbbb);

	/* a full flush does it too */
	KT_ASSERT_EQ(t, xen_pv_set_entry(pte, virt_to_phys(a) | PAGE_KERNEL), 0);
	pv_ops.mmu.flush_tlb_all();
	KT_EXPECT_EQ(t, va[0], 0xaaaa);
	unmap_pages((unsigned long)va, PAGE_SIZE);
	free_pages(a, 1);
	free_pages(b, 1);
}

/*
 * ioremap() takes a bus address: under PV that is a machine frame, even
 * one below nr_pages, where a frame number of ours names RAM.  The PC's
 * reset vector at 0xffff0 is a far jump (0xea) in every BIOS; dom0's own
 * page at that pseudo-physical address is RAM.  (Before _PAGE_IOMAP the
 * entry was translated as RAM and this read dom0's page.)
 */
static void ioremap_maps_the_machine_frame(struct ktest *t)
{
	volatile u8 *p;
	u64 *pte;

	if (!xen_initial_domain()) {
		ktest_skip(t, "a domU has no firmware memory to map");
		return;
	}
	p = ioremap(0xffff0, 1);
	KT_ASSERT_NOT_NULL(t, p);
	pte = lookup_pte((unsigned long)p);
	KT_ASSERT_NOT_NULL(t, pte);
	/* The entry holds the machine frame itself, and reads back as it. */
	KT_EXPECT_EQ(t, *pte & PTE_ADDR_MASK, 0xff000);
	KT_EXPECT_EQ(t, pv_ops.mmu.pte_val(*pte) & PTE_ADDR_MASK, 0xff000);
	KT_EXPECT_EQ(t, p[0], 0xea);
	iounmap((void *)p, 1);
}

static const struct ktest_case xen_pv_cases[] = {
	KTEST_CASE(detected_as_xen_pv),
	KTEST_CASE(map_remap_unmap_through_both_mappings),
	KTEST_CASE(page_tables_are_read_only),
	KTEST_CASE(tlb_flush_makes_a_change_visible),
	KTEST_CASE(ioremap_maps_the_machine_frame),
	{}
};
KTEST_SUITE_SKIP(xen_pv, xen_pv_cases, not_pv);
