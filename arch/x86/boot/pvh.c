// SPDX-License-Identifier: GPL-2.0
/*
 * PVH: %ebx pointed at struct hvm_start_info (Xen's
 * arch-x86/hvm/start_info.h, from libxen-dev).  Version 1 adds the memory
 * map; QEMU and Xen both give version 1.
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/bootinfo.h>
#include <asm/boot.h>
#include <asm/page.h>
#include <xen/interface/arch-x86/hvm/start_info.h>
#include <xen/xen.h>

static const char *pvh_string(u64 paddr)
{
	return paddr ? phys_to_virt(paddr) : "";
}

/*
 * Before the console: whether we are Xen's initial domain decides where
 * the console is (Xen owns the UART then).
 */
static void pvh_early(u32 start_info_phys)
{
	const struct hvm_start_info *si = phys_to_virt(start_info_phys);

#ifdef CONFIG_XEN
	if (si->magic == XEN_HVM_START_MAGIC_VALUE)
		xen_start_flags = si->flags;
#endif
	(void)si;
}

/*
 * The map of version 1, before the console (struct x86_boot_entry): the
 * count is read once and the entries beyond BOOT_MEMMAP_MAX are only
 * counted.  A bad magic or version 0 leaves the map to pvh_parse().
 */
static void pvh_read_mem(struct boot_info *bi, u32 magic, u32 start_info_phys)
{
	const struct hvm_start_info *si = phys_to_virt(start_info_phys);
	const struct hvm_memmap_table_entry *mm;
	u32 n;

	if (si->magic != XEN_HVM_START_MAGIC_VALUE || si->version < 1)
		return;
	n = READ_ONCE(si->memmap_entries);
	mm = phys_to_virt(si->memmap_paddr);
	if (n > BOOT_MEMMAP_MAX) {
		bi->nr_mem_dropped = n - BOOT_MEMMAP_MAX;
		n = BOOT_MEMMAP_MAX;
	}
	for (u32 i = 0; i < n; i++)
		bootinfo_add_mem(bi, mm[i].addr, mm[i].size, mm[i].type);
}

#ifdef CONFIG_XEN
/*
 * Xen's domain builder zero-fills .bss and starts the vCPU, with nothing
 * run in between.  QEMU writes the image at reset, before the firmware,
 * which may use the RAM .bss is in if the machine is small (SeaBIOS did
 * at -m 2M).
 */
static bool pvh_bss_untouched(void)
{
	return xen_cpuid_base() != 0;
}
#endif

static void pvh_parse(struct boot_info *bi, u32 magic, u32 start_info_phys)
{
	const struct hvm_start_info *si = phys_to_virt(start_info_phys);
	const struct hvm_modlist_entry *mod;

	bi->loader = "PVH";
	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		panic("PVH: start info at %#x has magic %#x, expected %#x",
		      start_info_phys, si->magic, XEN_HVM_START_MAGIC_VALUE);

	bootinfo_set_cmdline(bi, pvh_string(si->cmdline_paddr), BOOT_CMDLINE_MAX);

	mod = phys_to_virt(si->modlist_paddr);
	for (u32 i = 0; si->modlist_paddr && i < si->nr_modules; i++)
		bootinfo_add_module(bi, mod[i].paddr, mod[i].size,
				    pvh_string(mod[i].cmdline_paddr));

#ifdef CONFIG_XEN
	/* Xen gives its initial domain version 0: ask it for the map. */
	if (!bi->nr_mem && xen_cpuid_base())
		xen_fill_memory_map(bi);
#endif
	if (!bi->nr_mem)
		panic("PVH: start info version %u gives no memory map", si->version);

	bi->rsdp = si->rsdp_paddr ? si->rsdp_paddr : acpi_find_rsdp_bios();
}

DEFINE_BOOT_ENTRY(pvh_entry) = {
	.id = BOOT_ENTRY_PVH,
	.early = pvh_early,
	.read_mem = pvh_read_mem,
	.parse = pvh_parse,
#ifdef CONFIG_XEN
	.bss_untouched = pvh_bss_untouched,
#endif
};
