// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table map/unmap API and ioremap().  Tables are walked from
 * CR3 through the direct map; missing tables come from the page
 * allocator and are announced to pv_ops.mmu.alloc_pt before use.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/io.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>

static unsigned long ioremap_next = IOREMAP_BASE;

static unsigned int index_at(unsigned long va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static void set_entry(u64 *p, u64 val, int level)
{
	switch (level) {
	case 1: pv_ops.mmu.set_pte(p, val); break;
	case 2: pv_ops.mmu.set_pmd(p, val); break;
	case 3: pv_ops.mmu.set_pud(p, val); break;
	default: pv_ops.mmu.set_p4d(p, val); break;
	}
}

static u64 *table_of(u64 entry)
{
	return phys_to_virt(pv_ops.mmu.pte_val(entry) & PTE_ADDR_MASK);
}

/*
 * The entry for va at level 1, creating tables on the way when create
 * is set.  A huge page on the way ends the walk: this API does not split
 * them, and the regions it manages never hold any.
 */
static u64 *walk(unsigned long va, bool create)
{
	u64 *table = phys_to_virt(pv_ops.mmu.read_cr3() & PTE_ADDR_MASK);

	for (int level = 4; level > 1; level--) {
		u64 *e = &table[index_at(va, level)];

		if (!(*e & _PAGE_PRESENT)) {
			u64 *next;

			if (!create)
				return NULL;
			next = alloc_pages(1);
			if (!next)
				return NULL;
			memset(next, 0, PAGE_SIZE);
			pv_ops.mmu.alloc_pt(virt_to_phys(next) >> PAGE_SHIFT, level - 1);
			set_entry(e, virt_to_phys(next) | _PAGE_PRESENT | _PAGE_RW, level);
		} else if (*e & _PAGE_PSE) {
			return NULL;
		}
		table = table_of(*e);
	}
	return &table[index_at(va, 1)];
}

u64 *lookup_pte(unsigned long va)
{
	return walk(va, false);
}

int map_pages(unsigned long va, u64 pa, size_t size, u64 flags)
{
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		u64 *pte = walk(va + off, true);

		if (!pte) {
			pr_err("mm: cannot map %#lx\n", va + off);
			return -ENOMEM;
		}
		set_entry(pte, ((pa + off) & PTE_ADDR_MASK) | flags, 1);
		pv_ops.mmu.flush_tlb_one(va + off);
		/* A paravirtual MMU may refuse the entry (Xen PV: a frame not ours to map). */
		if ((pv_ops.mmu.pte_val(READ_ONCE(*pte)) & PTE_ADDR_MASK) !=
		    ((pa + off) & PTE_ADDR_MASK)) {
			pr_err("mm: mapping %#lx to %#llx refused\n", va + off, pa + off);
			return -EPERM;
		}
	}
	return 0;
}

void unmap_pages(unsigned long va, size_t size)
{
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		u64 *pte = walk(va + off, false);

		if (pte && (*pte & _PAGE_PRESENT)) {
			set_entry(pte, 0, 1);
			pv_ops.mmu.flush_tlb_one(va + off);
		}
	}
}

static void *ioremap_flags(u64 phys, size_t size, u64 flags)
{
	u64 base = phys & PAGE_MASK;
	size_t len = ALIGN_UP(phys + size, PAGE_SIZE) - base;
	unsigned long flags_irq, va;

	flags_irq = local_irq_save();
	va = ioremap_next;
	if (va + len > IOREMAP_BASE + IOREMAP_SIZE || map_pages(va, base, len, flags)) {
		local_irq_restore(flags_irq);
		return NULL;
	}
	/* A guard page between mappings catches overruns. */
	ioremap_next += len + PAGE_SIZE;
	local_irq_restore(flags_irq);
	return (void *)(va + (phys - base));
}

void *ioremap(u64 phys, size_t size)
{
	return ioremap_flags(phys, size, PAGE_KERNEL_IO);
}

void *ioremap_cache(u64 phys, size_t size)
{
	return ioremap_flags(phys, size, PAGE_KERNEL | _PAGE_IOMAP);
}

void *remap_ram(u64 phys, size_t size)
{
	return ioremap_flags(phys, size, PAGE_KERNEL);
}

void iounmap(void *va, size_t size)
{
	unsigned long start = (unsigned long)va & PAGE_MASK;

	unmap_pages(start, ALIGN_UP((unsigned long)va + size, PAGE_SIZE) - start);
}
