// SPDX-License-Identifier: GPL-2.0
/*
 * Xen PV: what the kernel needs before start_kernel and the backend's
 * PV half.  Xen entered xen_pv_entry (arch/x86/boot/head_64.S) in ring 3
 * with %rsi = start_info, on page tables it built and keeps read-only.
 * Before the console: hypercalls by syscall, I/O privilege, the pv_ops
 * (virtual interrupt flag, MMU), a trap table in place of the IDT, the
 * direct map.  Generic code then runs unchanged on top of the pv_ops.
 */
#include <pvkit/kernel.h>
#include <pvkit/bootinfo.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <asm/boot.h>
#include <asm/irq_vectors.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/setup.h>
#include <xen/domain.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include "xen-ops.h"

struct start_info *xen_start_info;
struct vcpu_info *xen_pv_vcpu[NR_CPUS];
static unsigned long free_start_pfn;

/* shared_info's machine frame is mapped over this page of .bss. */
static u8 shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE);

struct shared_info *xen_pv_shared_info(void)
{
	return (struct shared_info *)shared_info_page;
}

/*
 * A PV guest's plain cpuid runs natively unless the CPU can fault it, and
 * then sees the host's leaves without Xen's; "ud2a; .ascii \"xen\"; cpuid"
 * makes Xen emulate it with the guest's policy (public/arch-x86/xen.h).
 */
static void xen_pv_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	__asm__ __volatile__("ud2a; .ascii \"xen\"; cpuid"
			     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			     : "a"(leaf), "c"(subleaf));
}

/* ---- the virtual interrupt flag: vcpu_info's evtchn_upcall_mask ---- */

static unsigned long xen_save_fl(void)
{
	return READ_ONCE(xen_vcpu->evtchn_upcall_mask) ? 0 : X86_EFLAGS_IF;
}

static void xen_irq_disable(void)
{
	WRITE_ONCE(xen_vcpu->evtchn_upcall_mask, 1);
	barrier();
}

/*
 * Clearing the mask delivers nothing by itself: Xen looks for pending
 * events only on its way back to the guest.  Any hypercall is such a
 * way back, so an event that came while masked is forced with a cheap
 * one.
 */
static void xen_irq_enable(void)
{
	WRITE_ONCE(xen_vcpu->evtchn_upcall_mask, 0);
	barrier();
	if (READ_ONCE(xen_vcpu->evtchn_upcall_pending))
		HYPERVISOR_xen_version(XENVER_version, NULL);
}

static void xen_restore_fl(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		xen_irq_enable();
	else
		xen_irq_disable();
}

/* SCHEDOP_block enables events and sleeps until one is pending: no lost wake-up. */
static void xen_safe_halt(void)
{
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static void xen_halt(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* No local APIC in a PV domain: events come through the callback, nothing to acknowledge. */
static void xen_pv_eoi(void)
{
}

static void xen_pv_send_ipi(u32 apic_id, u8 vector)
{
}

/* No local APIC or I/O APIC to drive: interrupts are event channels. */
static void xen_pv_intr_init(void)
{
	pr_info("xen: PV domain, interrupts are event channels (no APIC)\n");
}

/* Xen's single-shot timer is the clock event device already (xen_time_init). */
static void xen_pv_timer_init(void)
{
}

/* ---- traps and callbacks ---- */

/*
 * arch/x86/xen/xen-asm.S: one stub per vector into do_trap(), and the
 * event callback, which is do_trap() for HYPERVISOR_CALLBACK_VECTOR.
 */
extern const char xen_pv_trap_entry_start[];
void xen_pv_failsafe_report(const u64 *frame);

static struct trap_info trap_table[257];

/*
 * Every vector goes to the handlers of arch/x86/kernel/traps.c.  NMI,
 * double fault and machine check are Xen's to handle.  The DPL is for
 * int n: Xen lets a guest kernel through a gate of DPL 1 or more (its
 * real ring does not count), so the device vectors, which the x86_irq
 * tests raise with int n, have DPL 1; int3 and into have 3, as natively;
 * exceptions 0-31 otherwise only come from the CPU.
 */
static void set_trap_table(void)
{
	unsigned int n = 0;
	long err;

	for (unsigned int v = 0; v < 256; v++) {
		struct trap_info *ti = &trap_table[n];

		if (v == 2 || v == 8 || v == 18)
			continue;
		ti->vector = v;
		ti->flags = (v == 3 || v == 4) ? 3 : v >= 32 ? 1 : 0;
		ti->cs = FLAT_KERNEL_CS;
		ti->address = (u64)xen_pv_trap_entry_start + TRAP_STUB_SIZE * v;
		n++;
	}
	trap_table[n] = (struct trap_info){ 0 };	/* address 0 ends it */
	err = HYPERVISOR_set_trap_table(trap_table);
	if (err)
		panic("xen: set_trap_table: %s", xen_strerror(err));
}

const struct trap_info *xen_pv_trap_table(void)
{
	return trap_table;
}

static long register_callback(unsigned int type, void (*fn)(void))
{
	struct callback_register cb = {
		.type = type,
		.address = (unsigned long)fn,
	};

	return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

/* Xen could not load our segment registers on a return: nothing to repair. */
void xen_pv_failsafe_report(const u64 *frame)
{
	panic("xen: failsafe callback (ds %#llx es %#llx fs %#llx gs %#llx, rip %#llx)",
	      frame[0], frame[1], frame[2], frame[3], frame[6]);
}

static long xen_pv_setup_upcall(void)
{
	return register_callback(CALLBACKTYPE_event, xen_pv_callback);
}

/* ---- before the console ---- */

/* start_info names the ring by machine frame; the drivers want ours. */
static void set_ring(enum xen_ring_kind kind, unsigned long mfn, evtchn_port_t port)
{
	if (!mfn)
		return;
	xen_pv_rings[kind] = (struct xen_ring_info){
		.pfn = mfn_to_pfn(mfn),
		.port = port,
		.valid = true,
	};
}

/* A domU's xenstore and console rings; dom0's start_info has neither. */
void xen_pv_read_rings(void)
{
	const struct start_info *si = xen_start_info;

	if (xen_initial_domain())
		return;
	set_ring(XEN_RING_STORE, READ_ONCE(si->store_mfn), READ_ONCE(si->store_evtchn));
	set_ring(XEN_RING_CONSOLE, READ_ONCE(si->console.domU.mfn),
		 READ_ONCE(si->console.domU.evtchn));
}

static void xen_pv_early(u32 info_phys)
{
	struct start_info *si = xen_start_info;
	struct physdev_set_iopl iopl = { .iopl = 1 };
	u64 pte;

	xen_start_hypercalls(XEN_PV_DOMAIN, XEN_HYPERCALL_SYSCALL);
	xen_start_flags = si->flags;

	/* shared_info holds vCPU 0's slot, whose mask is our interrupt flag. */
	pte = (si->shared_info & PTE_ADDR_MASK) | PAGE_KERNEL;
	if (HYPERVISOR_update_va_mapping((unsigned long)shared_info_page, pte, UVMF_INVLPG))
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &(struct sched_shutdown){ SHUTDOWN_crash });
	xen_vcpu = &xen_pv_shared_info()->vcpu_info[0];
	WRITE_ONCE(xen_vcpu->evtchn_upcall_mask, 1);	/* as cli on a native boot */

	pv_ops.irq.save_fl = xen_save_fl;
	pv_ops.irq.restore_fl = xen_restore_fl;
	pv_ops.irq.irq_disable = xen_irq_disable;
	pv_ops.irq.irq_enable = xen_irq_enable;
	pv_ops.cpu.safe_halt = xen_safe_halt;
	pv_ops.cpu.halt = xen_halt;
	pv_ops.cpu.cpuid = xen_pv_cpuid;
	pv_ops.apic.eoi = xen_pv_eoi;
	pv_ops.apic.send_ipi = xen_pv_send_ipi;
	x86_init.intr_init = xen_pv_intr_init;
	x86_init.timer_init = xen_pv_timer_init;

	/* Port I/O is emulated by Xen once our virtual IOPL allows it. */
	HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
	set_trap_table();
	register_callback(CALLBACKTYPE_failsafe, xen_pv_failsafe);

	xen_pv_mmu_init();
	free_start_pfn = xen_pv_build_direct_map(min(si->nr_pages,
						      (unsigned long)(DIRECT_MAP_SIZE >> PAGE_SHIFT)));
	/* Frames named to Xen and other domains are machine frames (drivers/xen/domain.c). */
	xen_p2m = (const unsigned long *)si->mfn_list;
	xen_pv_read_rings();
}

/*
 * The memory map of a PV domain is its pseudo-physical space, pfns 0 to
 * nr_pages - 1, all RAM.  What lies between the image and the end of the
 * direct map's tables (the P2M list, start_info, Xen's bootstrap tables
 * and stack, ours) is in use: reserved.  The first MiB and the image are
 * RAM the page allocator keeps for itself anyway.
 */
static void xen_pv_parse(struct boot_info *bi, u32 magic, u32 info_phys)
{
	struct start_info *si = xen_start_info;
	u64 end = (u64)si->nr_pages << PAGE_SHIFT;
	char cmdline[MAX_GUEST_CMDLINE + 1];

	bi->loader = "Xen PV";
	memcpy(cmdline, si->cmd_line, MAX_GUEST_CMDLINE);
	cmdline[MAX_GUEST_CMDLINE] = '\0';
	bootinfo_set_cmdline(bi, cmdline, BOOT_CMDLINE_MAX);
	u64 image_end = ALIGN_UP(kernel_phys_end(), PAGE_SIZE);
	u64 free = (u64)free_start_pfn << PAGE_SHIFT;

	bootinfo_add_mem(bi, 0, image_end, BOOT_MEM_RAM);
	bootinfo_add_mem(bi, image_end, free - image_end, BOOT_MEM_RESERVED);
	bootinfo_add_mem(bi, free, end - free, BOOT_MEM_RAM);
	/* A module Xen loaded lies in the bootstrap area, reserved above. */
	if (si->mod_start && si->mod_len) {
		u64 pa = si->flags & SIF_MOD_START_PFN ?
			 (u64)si->mod_start << PAGE_SHIFT : virt_to_phys((void *)si->mod_start);

		bootinfo_add_module(bi, pa, si->mod_len, "");
	}
	/* The firmware's tables are machine memory we do not map. */
	bi->rsdp = 0;
}

DEFINE_BOOT_ENTRY(xen_pv_entry) = {
	.id = BOOT_ENTRY_XEN_PV,
	.early = xen_pv_early,
	.parse = xen_pv_parse,
	.traps_by_hypervisor = true,
};

/* ---- the backend, after the APIC step ---- */

/*
 * Grant-table frames come from GNTTABOP_setup_table as machine frames
 * and are mapped over pages of ours, one per index, kept: a restored
 * domain maps its new frames over the same pages (xen_pv_map_xen_frames()).
 */
#define MAX_GRANT_FRAMES	32
static void *grant_pages[MAX_GRANT_FRAMES];
static unsigned int nr_grant_pages;

static long map_over(void *va, unsigned long mfn)
{
	return HYPERVISOR_update_va_mapping((unsigned long)va,
					    ((u64)mfn << PAGE_SHIFT) | PAGE_KERNEL, UVMF_INVLPG);
}

/* The page's own frame back under it: nothing of Xen's is mapped there any more. */
static long unmap_over(void *va)
{
	return map_over(va, pfn_to_mfn(virt_to_phys(va) >> PAGE_SHIFT));
}

/* Grant frames 0 .. nr - 1 over pages[0 .. nr - 1]: 0 or a Xen errno. */
static long map_grant_frames(void *const *pages, unsigned int nr)
{
	static xen_pfn_t frames[MAX_GRANT_FRAMES];
	struct gnttab_setup_table st = {
		.dom = DOMID_SELF,
		.nr_frames = nr,
	};
	long err;

	set_xen_guest_handle(st.frame_list, frames);
	err = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
	if (err || st.status != GNTST_okay) {
		pr_err("xen: GNTTABOP_setup_table(%u): %s, status %d\n", nr,
		       xen_strerror(err), st.status);
		return err ? err : -EINVAL;
	}
	for (unsigned int i = 0; i < nr; i++) {
		err = map_over(pages[i], frames[i]);
		if (err) {
			pr_err("xen: mapping grant frame %u: %s\n", i, xen_strerror(err));
			return err;
		}
	}
	return 0;
}

/* A frame of Xen's mapped over a page of ours: shared_info is already mapped. */
static void *xen_pv_map_frame(unsigned int space, unsigned long idx)
{
	void *page;

	if (space == XENMAPSPACE_shared_info)
		return xen_pv_shared_info();
	if (space != XENMAPSPACE_grant_table || idx >= MAX_GRANT_FRAMES || idx > nr_grant_pages)
		return NULL;
	page = grant_pages[idx] ? grant_pages[idx] : alloc_pages(1);
	if (!page)
		return NULL;
	grant_pages[idx] = page;
	if (map_grant_frames(grant_pages, idx + 1)) {
		unmap_over(page);
		return NULL;
	}
	nr_grant_pages = max(nr_grant_pages, (unsigned int)idx + 1);
	return page;
}

/*
 * Save and restore (suspend_pv.c): the toolstack refuses a page table
 * entry that maps a frame which is not ours, so Xen's frames leave our
 * tables before the suspend; the pages under them are ours again, and
 * shared_info's, zeroed with every event masked, stands in for it.
 */
int xen_pv_unmap_xen_frames(void)
{
	struct shared_info *si = xen_pv_shared_info();
	long err = 0;

	for (unsigned int i = 0; i < nr_grant_pages && !err; i++)
		err = unmap_over(grant_pages[i]);
	if (!err)
		err = unmap_over(si);
	if (err) {
		pr_err("xen: unmapping Xen's frames for the suspend: %s\n", xen_strerror(err));
		xen_pv_map_xen_frames();
		return -EIO;
	}
	memset(si, 0, PAGE_SIZE);
	for (unsigned int v = 0; v < ARRAY_SIZE(si->vcpu_info); v++)
		si->vcpu_info[v].evtchn_upcall_mask = 1;
	return 0;
}

/* shared_info where start_info says it is now, and the grant frames again. */
void xen_pv_map_xen_frames(void)
{
	u64 addr = READ_ONCE(xen_start_info->shared_info);
	long err = map_over(xen_pv_shared_info(), addr >> PAGE_SHIFT);

	if (err)
		panic("xen: cannot map shared_info at %#llx: %s", addr, xen_strerror(err));
	if (nr_grant_pages)
		map_grant_frames(grant_pages, nr_grant_pages);
}

static u64 xen_pv_frame_addr(const void *va)
{
	return virt_to_machine(va);
}

/* The irq ops follow the vCPU's event state to where it now lives. */
static void xen_pv_vcpu_info_moved(struct vcpu_info *vi)
{
	xen_vcpu = vi;
}

/* Once shared_info is mapped: the P2M named there for the toolstack (p2m.c). */
static void xen_pv_shared_info_ready(void)
{
	int err = xen_pv_p2m_publish(xen_pv_shared_info());

	if (err)
		pr_warn("xen: P2M not published (%d): this domain cannot be saved\n", err);
}

const struct xen_mode_ops xen_pv_mode = {
	.map_frame = xen_pv_map_frame,
	.shared_info_ready = xen_pv_shared_info_ready,
	.pre_suspend = xen_pv_pre_suspend,
	.post_suspend = xen_pv_post_suspend,
	.setup_upcall = xen_pv_setup_upcall,
	.frame_addr = xen_pv_frame_addr,
	.vcpu_info_moved = xen_pv_vcpu_info_moved,
	.smp_init = xen_pv_smp_init,
};
