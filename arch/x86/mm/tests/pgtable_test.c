// SPDX-License-Identifier: GPL-2.0
/* The map/unmap API, checked through the mappings it makes. */
#include <pvkit/ktest.h>
#include <pvkit/io.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>
#include <asm/apic.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/ptrace.h>

/* Far from everything else: a slot of the ioremap area tests may use. */
#define TEST_VA	(IOREMAP_BASE + IOREMAP_SIZE - (64UL << 20))

static struct {
	unsigned long hits, cr2, resume;
} fault;

static bool catch_pf(struct pt_regs *regs)
{
	if (regs->vector != 14)
		return false;
	fault.hits++;
	fault.cr2 = read_cr2();
	regs->rip = fault.resume;
	return true;
}

/* Reads *p; returns false if that faulted. */
static bool probe_read(const volatile u64 *p, u64 *val)
{
	u64 v = 0;

	fault.hits = 0;
	trap_set_hook(catch_pf);
	__asm__ __volatile__("leaq 1f(%%rip), %%rax\n\t"
			     "movq %%rax, %[resume]\n\t"
			     "movq (%[p]), %[v]\n"
			     "1:"
			     : [v] "+r"(v), [resume] "=m"(fault.resume)
			     : [p] "r"(p) : "rax", "memory");
	trap_set_hook(NULL);
	*val = v;
	return fault.hits == 0;
}

static void alias_mapping_sees_the_same_memory(struct ktest *t)
{
	u64 *page = alloc_pages(1);
	volatile u64 *alias = (volatile u64 *)TEST_VA;

	KT_ASSERT_NOT_NULL(t, page);
	KT_ASSERT_EQ(t, map_pages(TEST_VA, virt_to_phys(page), PAGE_SIZE, PAGE_KERNEL), 0);
	page[0] = 0x1122334455667788ULL;
	KT_EXPECT_EQ(t, alias[0], 0x1122334455667788ULL);
	alias[511] = 42;
	KT_EXPECT_EQ(t, page[511], 42);
	unmap_pages(TEST_VA, PAGE_SIZE);
	free_pages(page, 1);
}

static void unmapped_address_faults(struct ktest *t)
{
	u64 *page = alloc_pages(1);
	u64 v;

	KT_ASSERT_NOT_NULL(t, page);
	map_pages(TEST_VA, virt_to_phys(page), PAGE_SIZE, PAGE_KERNEL);
	page[0] = 7;
	KT_EXPECT_TRUE(t, probe_read((u64 *)TEST_VA, &v));
	KT_EXPECT_EQ(t, v, 7);
	unmap_pages(TEST_VA, PAGE_SIZE);
	/* the stale TLB entry must be gone too */
	KT_EXPECT_FALSE(t, probe_read((u64 *)TEST_VA, &v));
	KT_EXPECT_EQ(t, fault.cr2, TEST_VA);
	free_pages(page, 1);
}

static void remap_to_another_page_is_seen(struct ktest *t)
{
	u64 *a = alloc_pages(1), *b = alloc_pages(1);
	volatile u64 *va = (volatile u64 *)(TEST_VA + PAGE_SIZE);

	KT_ASSERT_NOT_NULL(t, a);
	KT_ASSERT_NOT_NULL(t, b);
	a[0] = 0xaaaa;
	b[0] = 0xbbbb;
	map_pages((unsigned long)va, virt_to_phys(a), PAGE_SIZE, PAGE_KERNEL);
	KT_EXPECT_EQ(t, va[0], 0xaaaa);
	map_pages((unsigned long)va, virt_to_phys(b), PAGE_SIZE, PAGE_KERNEL);
	KT_EXPECT_EQ(t, va[0], 0xbbbb);
	unmap_pages((unsigned long)va, PAGE_SIZE);
	free_pages(a, 1);
	free_pages(b, 1);
}

/*
 * An MMIO frame this guest may map: its local APIC's page, else (Xen PV:
 * no APIC, and Xen keeps the APIC and MSI page 0xfee00000 from every PV
 * domain, dom0 included) the first memory BAR of a PCI function; 0 if
 * there is neither (a Xen PV domU holds no I/O memory at all).
 */
static u64 mmio_frame(void)
{
	if (apic_present())
		return 0xfee00000;
	for (struct pci_dev *d = pci_first(); d; d = d->next)
		for (int i = 0; i < PCI_NUM_BARS; i++)
			if (d->bar[i].size && !d->bar[i].io && d->bar[i].addr)
				return d->bar[i].addr & PAGE_MASK;
	return 0;
}

/* Only the mapping is looked at: the frame is never read or written. */
static void ioremap_is_uncached_and_offset(struct ktest *t)
{
	u64 frame = mmio_frame();
	u8 *p;
	u64 *pte;

	if (!frame) {
		ktest_skip(t, "no local APIC and no PCI memory BAR: no MMIO this guest may map");
		return;
	}
	p = ioremap(frame + 0x20, 4);
	KT_ASSERT_NOT_NULL(t, p);
	KT_EXPECT_EQ(t, (unsigned long)p & 0xfff, 0x20);
	KT_EXPECT_GE(t, (unsigned long)p, IOREMAP_BASE);
	pte = lookup_pte((unsigned long)p);
	KT_ASSERT_NOT_NULL(t, pte);
	KT_EXPECT_EQ(t, pv_ops.mmu.pte_val(*pte) & PTE_ADDR_MASK, frame);
	KT_EXPECT_EQ(t, *pte & (_PAGE_PCD | _PAGE_PWT), _PAGE_PCD | _PAGE_PWT);
	iounmap(p, 4);
	KT_EXPECT_EQ(t, *pte & _PAGE_PRESENT, 0);
}

static void null_page_is_not_mapped(struct ktest *t)
{
	u64 v;

	KT_EXPECT_NULL(t, lookup_pte(0));
	KT_EXPECT_FALSE(t, probe_read((u64 *)8, &v));
	KT_EXPECT_EQ(t, fault.cr2, 8);
}

static const struct ktest_case pgtable_cases[] = {
	KTEST_CASE(alias_mapping_sees_the_same_memory),
	KTEST_CASE(unmapped_address_faults),
	KTEST_CASE(remap_to_another_page_is_seen),
	KTEST_CASE(ioremap_is_uncached_and_offset),
	KTEST_CASE(null_page_is_not_mapped),
	{}
};
KTEST_SUITE(x86_pgtable, pgtable_cases);
