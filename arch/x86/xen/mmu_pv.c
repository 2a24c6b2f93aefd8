// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen PV MMU.  A PV guest's page tables hold machine frame numbers
 * and are read-only to it while they are in use: every entry write is a
 * request Xen validates (mmu_update, update_va_mapping), pinning and TLB
 * flushes are mmuext_op.  The kernel keeps its own "physical" address
 * space of pseudo-physical frames (pfns, 0 .. nr_pages - 1); Xen's P2M
 * list (start_info->mfn_list) gives the machine frame of each, its
 * read-only M2P table the way back.  The pv_ops.mmu set here takes and
 * gives pfn-based entries, so the generic page-table code
 * (arch/x86/mm/pgtable.c) is the same as on bare hardware.
 *
 * Xen maps only the image and its bootstrap structures (at VIRT_BASE);
 * the direct map at PAGE_OFFSET is built here before anything uses it.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <xen/balloon.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

#define ENTRIES		512
#define TABLE_FLAGS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)

#define INVALID_P2M_ENTRY	(~0UL)		/* a ballooned pfn: no frame */

static unsigned long *p2m;		/* start_info->mfn_list */
static unsigned long p2m_size;		/* start_info->nr_pages */
static unsigned long max_mfn;		/* the M2P table ends here */
static unsigned long cr3_pfn;		/* the L4 in use, as a pfn */
static unsigned long mmu_errors;

/* Beyond our RAM a frame number is a machine one (MMIO): it maps to itself. */
unsigned long pfn_to_mfn(unsigned long pfn)
{
	return pfn < p2m_size ? p2m[pfn] : pfn;
}

/*
 * The M2P entry is only believed when the P2M agrees: a frame that is
 * not ours (MMIO, another domain's, Xen's) maps to itself.
 */
unsigned long mfn_to_pfn(unsigned long mfn)
{
	unsigned long pfn;

	if (mfn > max_mfn)
		return mfn;
	pfn = READ_ONCE(machine_to_phys_mapping[mfn]);
	if (pfn < p2m_size && p2m[pfn] == mfn)
		return pfn;
	return mfn;
}

u64 virt_to_machine(const void *va)
{
	phys_addr_t pa = virt_to_phys(va);

	return ((u64)pfn_to_mfn(pa >> PAGE_SHIFT) << PAGE_SHIFT) | (pa & ~PAGE_MASK);
}

static u64 pte_pfn_to_mfn(u64 val)
{
	u64 pfn = (val & PTE_ADDR_MASK) >> PAGE_SHIFT;

	if (!(val & _PAGE_PRESENT) || (val & _PAGE_IOMAP))
		return val;
	return (val & ~PTE_ADDR_MASK) | ((u64)pfn_to_mfn(pfn) << PAGE_SHIFT);
}

static u64 xen_pte_val(u64 entry)
{
	u64 mfn = (entry & PTE_ADDR_MASK) >> PAGE_SHIFT;

	if (!(entry & _PAGE_PRESENT) || (entry & _PAGE_IOMAP))
		return entry;
	return (entry & ~PTE_ADDR_MASK) | ((u64)mfn_to_pfn(mfn) << PAGE_SHIFT);
}

static void mmu_failed(const char *what, long err, unsigned long arg)
{
	/* The first few are worth a line; the tests count them all. */
	if (mmu_errors++ < 8)
		pr_err("xen: %s %#lx refused: %s (%ld)\n", what, arg, xen_strerror(err), err);
}

unsigned long xen_pv_mmu_errors(void)
{
	return mmu_errors;
}

/* One checked entry write: Xen validates val against the table's level. */
long xen_pv_set_entry(u64 *p, u64 val)
{
	struct mmu_update u = {
		.ptr = virt_to_machine(p) | MMU_NORMAL_PT_UPDATE,
		.val = pte_pfn_to_mfn(val),
	};
	long err = HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);

	if (err)
		mmu_failed("page-table write at", err, (unsigned long)p);
	return err;
}

static void xen_set_entry(u64 *p, u64 val)
{
	xen_pv_set_entry(p, val);
}

static long mmuext(unsigned int cmd, unsigned long arg)
{
	struct mmuext_op op = { .cmd = cmd };

	if (cmd == MMUEXT_INVLPG_LOCAL)
		op.arg1.linear_addr = arg;
	else
		op.arg1.mfn = arg;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* The direct-map alias of a frame, read-only while it is a page table. */
static long set_direct_map_rw(unsigned long pfn, bool rw)
{
	u64 pte = ((u64)pfn_to_mfn(pfn) << PAGE_SHIFT) | _PAGE_PRESENT |
		  _PAGE_ACCESSED | (rw ? _PAGE_RW | _PAGE_DIRTY : 0);

	return HYPERVISOR_update_va_mapping((unsigned long)phys_to_virt((phys_addr_t)pfn << PAGE_SHIFT),
					    pte, UVMF_INVLPG | UVMF_LOCAL);
}

/*
 * A page becomes a page table: no writable mapping may remain (Xen
 * refuses to validate it otherwise).  An L4 is pinned too, so that it
 * stays validated while no CR3 points at it.
 */
static void xen_alloc_pt(unsigned long pfn, int level)
{
	long err = set_direct_map_rw(pfn, false);

	if (err)
		mmu_failed("read-only alias of pfn", err, pfn);
	if (level == 4) {
		err = mmuext(MMUEXT_PIN_L4_TABLE, pfn_to_mfn(pfn));
		if (err)
			mmu_failed("pin of L4 pfn", err, pfn);
	}
}

static void xen_release_pt(unsigned long pfn, int level)
{
	long err;

	if (level == 4)
		mmuext(MMUEXT_UNPIN_TABLE, pfn_to_mfn(pfn));
	err = set_direct_map_rw(pfn, true);
	if (err)
		mmu_failed("writable alias of pfn", err, pfn);
}

static void xen_flush_tlb_one(unsigned long va)
{
	mmuext(MMUEXT_INVLPG_LOCAL, va);
}

static void xen_flush_tlb_all(void)
{
	mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

static unsigned long xen_read_cr3(void)
{
	return cr3_pfn << PAGE_SHIFT;
}

/* The new L4 must be a validated L4 (pinned, or validated now by Xen). */
static void xen_write_cr3(unsigned long cr3)
{
	unsigned long pfn = cr3 >> PAGE_SHIFT;
	long err = mmuext(MMUEXT_NEW_BASEPTR, pfn_to_mfn(pfn));

	if (err) {
		mmu_failed("new base pointer pfn", err, pfn);
		return;
	}
	cr3_pfn = pfn;
}

/* Xen writes the faulting address into vcpu_info; reading CR2 would trap. */
static unsigned long xen_read_cr2(void)
{
	return READ_ONCE(xen_vcpu->arch.cr2);
}

/* ---- the direct map ---- */

/* A page of .bss whose mapping is borrowed to fill frames nothing maps yet. */
static u8 window[PAGE_SIZE] __aligned(PAGE_SIZE);

static void *window_map(unsigned long pfn)
{
	u64 pte = ((u64)pfn_to_mfn(pfn) << PAGE_SHIFT) | PAGE_KERNEL;

	if (HYPERVISOR_update_va_mapping((unsigned long)window, pte, UVMF_INVLPG | UVMF_LOCAL))
		panic("xen: cannot map pfn %#lx to fill it", pfn);
	return window;
}

static void window_restore(void)
{
	window_map(virt_to_phys(window) >> PAGE_SHIFT);
}

/* Xen's bootstrap tables, reached through its mapping at VIRT_BASE. */
static u64 *boot_table(u64 entry)
{
	return (u64 *)(KERNEL_VIRT_BASE + (xen_pte_val(entry) & PTE_ADDR_MASK));
}

/*
 * How far Xen's mapping at VIRT_BASE reaches, in pfns: the image, the
 * P2M list, start_info, the bootstrap tables, a stack and at least
 * 512 KiB of padding.  Found by walking the tables rather than trusted
 * from the documented layout.
 */
static unsigned long bootstrap_end_pfn(u64 *l4)
{
	u64 *l3, *l2, *l1;
	int i, j;

	if (!(l4[511] & _PAGE_PRESENT))
		panic("xen: VIRT_BASE not mapped");
	l3 = boot_table(l4[511]);
	if (!(l3[510] & _PAGE_PRESENT))
		panic("xen: VIRT_BASE not mapped");
	l2 = boot_table(l3[510]);
	for (i = ENTRIES - 1; i >= 0 && !(l2[i] & _PAGE_PRESENT); i--)
		;
	if (i < 0)
		panic("xen: VIRT_BASE not mapped");
	l1 = boot_table(l2[i]);
	for (j = ENTRIES - 1; j >= 0 && !(l1[j] & _PAGE_PRESENT); j--)
		;
	return (unsigned long)i * ENTRIES + j + 1;
}

static bool in_range(unsigned long pfn, unsigned long start, unsigned long n)
{
	return pfn >= start && pfn < start + n;
}

/*
 * Maps pfns 0 .. nr - 1 at PAGE_OFFSET with 4 KiB pages (a PV guest has
 * no superpages).  The tables are the frames right after Xen's
 * bootstrap area; each is filled through the borrowed window (nothing
 * else maps it), and every page-table frame, Xen's and these, is mapped
 * read-only in the direct map from the start, or Xen would refuse to
 * validate the L1s.  One mmu_update hooks the tree into the L4 in use.
 * Returns the first pfn after the tables: the free RAM starts there.
 */
unsigned long xen_pv_build_direct_map(unsigned long nr)
{
	const struct start_info *si = xen_start_info;
	u64 *l4 = (u64 *)si->pt_base;
	unsigned long pt_pfn = virt_to_phys(l4) >> PAGE_SHIFT;
	unsigned long n_l1 = DIV_ROUND_UP(nr, ENTRIES);
	unsigned long n_l2 = DIV_ROUND_UP(n_l1, ENTRIES);
	unsigned long l3_pfn = bootstrap_end_pfn(l4);
	unsigned long l2_pfn = l3_pfn + 1, l1_pfn = l2_pfn + n_l2;
	unsigned long n_tables = 1 + n_l2 + n_l1;
	unsigned int slot = (PAGE_OFFSET >> 39) & 511;
	u64 *t;

	if (l3_pfn + n_tables >= nr)
		panic("xen: %lu pages are too few for the direct map", nr);
	if (n_l2 > ENTRIES)
		panic("xen: direct map of %lu pages needs more than one L3", nr);

	for (unsigned long k = 0; k < n_l1; k++) {
		t = window_map(l1_pfn + k);
		for (unsigned long j = 0; j < ENTRIES; j++) {
			unsigned long pfn = k * ENTRIES + j;
			u64 flags = PAGE_KERNEL;

			if (pfn >= nr) {
				t[j] = 0;
				continue;
			}
			if (in_range(pfn, pt_pfn, si->nr_pt_frames) ||
			    in_range(pfn, l3_pfn, n_tables))
				flags &= ~(_PAGE_RW | _PAGE_DIRTY);
			t[j] = ((u64)pfn_to_mfn(pfn) << PAGE_SHIFT) | flags;
		}
	}
	for (unsigned long k = 0; k < n_l2; k++) {
		t = window_map(l2_pfn + k);
		for (unsigned long j = 0; j < ENTRIES; j++) {
			unsigned long l1 = k * ENTRIES + j;

			t[j] = l1 < n_l1 ?
			       ((u64)pfn_to_mfn(l1_pfn + l1) << PAGE_SHIFT) | TABLE_FLAGS : 0;
		}
	}
	t = window_map(l3_pfn);
	for (unsigned long j = 0; j < ENTRIES; j++)
		t[j] = j < n_l2 ? ((u64)pfn_to_mfn(l2_pfn + j) << PAGE_SHIFT) | TABLE_FLAGS : 0;
	window_restore();

	if (xen_pv_set_entry(&l4[slot], ((u64)l3_pfn << PAGE_SHIFT) | TABLE_FLAGS))
		panic("xen: Xen refused the direct map");
	return l3_pfn + n_tables;
}

void xen_pv_mmu_init(void)
{
	const struct start_info *si = xen_start_info;
	long top;

	p2m = (unsigned long *)si->mfn_list;
	p2m_size = si->nr_pages;
	top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	max_mfn = top > 0 ? (unsigned long)top : 0;
	cr3_pfn = virt_to_phys((void *)si->pt_base) >> PAGE_SHIFT;

	pv_ops.mmu.read_cr2 = xen_read_cr2;
	pv_ops.mmu.read_cr3 = xen_read_cr3;
	pv_ops.mmu.write_cr3 = xen_write_cr3;
	pv_ops.mmu.set_pte = xen_set_entry;
	pv_ops.mmu.set_pmd = xen_set_entry;
	pv_ops.mmu.set_pud = xen_set_entry;
	pv_ops.mmu.set_p4d = xen_set_entry;
	pv_ops.mmu.alloc_pt = xen_alloc_pt;
	pv_ops.mmu.release_pt = xen_release_pt;
	pv_ops.mmu.flush_tlb_one = xen_flush_tlb_one;
	pv_ops.mmu.flush_tlb_all = xen_flush_tlb_all;
	pv_ops.mmu.pte_val = xen_pte_val;
}

/* ---- the balloon (drivers/xen/balloon.c) ---- */

static unsigned long direct_va(unsigned long pfn)
{
	return (unsigned long)phys_to_virt((phys_addr_t)pfn << PAGE_SHIFT);
}

/*
 * Xen frees a frame only once nothing maps it: the direct map is the one
 * mapping of an allocator page (the image and the bootstrap area, mapped
 * at VIRT_BASE too, are never the allocator's).
 */
int xen_pv_balloon_give(unsigned long pfn, xen_pfn_t *mfn)
{
	long err;

	if (pfn >= p2m_size)
		return -EINVAL;
	err = HYPERVISOR_update_va_mapping(direct_va(pfn), 0, UVMF_INVLPG | UVMF_LOCAL);
	if (err) {
		mmu_failed("unmapping pfn", err, pfn);
		return -EIO;
	}
	*mfn = p2m[pfn];
	p2m[pfn] = INVALID_P2M_ENTRY;
	return 0;
}

void xen_pv_balloon_keep(unsigned long pfn, xen_pfn_t mfn)
{
	long err;

	p2m[pfn] = mfn;
	err = HYPERVISOR_update_va_mapping(direct_va(pfn), ((u64)mfn << PAGE_SHIFT) | PAGE_KERNEL,
					   UVMF_INVLPG | UVMF_LOCAL);
	if (err)
		panic("xen: cannot map pfn %#lx to its frame %#lx again (%ld)", pfn,
		      (unsigned long)mfn, err);
}

/* ---- save and restore (p2m.c, suspend_pv.c) ---- */

/* The P2M list and how many pfns it holds. */
const unsigned long *xen_pv_p2m(unsigned long *size)
{
	*size = p2m_size;
	return p2m;
}

/* A restored domain may run on another machine: its M2P ends elsewhere. */
void xen_pv_mmu_resume(void)
{
	long top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);

	if (top > 0)
		max_mfn = (unsigned long)top;
}
