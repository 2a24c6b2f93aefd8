// SPDX-License-Identifier: GPL-2.0
/*
 * First C code: turn what the entry point was given into struct boot_info
 * and hand over to start_kernel().
 */
#include <pvkit/kernel.h>
#include <pvkit/bootinfo.h>
#include <pvkit/console.h>
#include <pvkit/string.h>
#include <asm/boot.h>
#include <asm/page.h>
#include <asm/setup.h>
#include <xen/xen.h>
#include "boot.h"

/* In .data, not .bss: the entry code writes them before clearing .bss. */
u32 boot_entry __section(".data");
u32 boot_magic __section(".data");
u32 boot_info_phys __section(".data");
u64 boot_entry_tsc __section(".data");

static bool rsdp_checksum_ok(const u8 *p)
{
	u8 sum = 0;

	for (int i = 0; i < 20; i++)
		sum += p[i];
	return sum == 0;
}

static u64 rsdp_scan(phys_addr_t start, size_t len)
{
	for (size_t off = 0; off + 20 <= len; off += 16) {
		const u8 *p = phys_to_virt(start + off);

		if (!memcmp(p, "RSD PTR ", 8) && rsdp_checksum_ok(p))
			return start + off;
	}
	return 0;
}

/*
 * Legacy BIOS places the RSDP in the first KiB of the EBDA or in
 * 0xe0000-0xfffff (ACPI 6.5, 5.2.5.1).  Used when the loader gave none.
 */
u64 x86_find_rsdp_bios(void)
{
	u16 ebda_seg = *(const u16 *)phys_to_virt(0x40e);
	u64 rsdp = 0;

	if (ebda_seg && (ebda_seg << 4) < 0xa0000)
		rsdp = rsdp_scan((phys_addr_t)ebda_seg << 4, 1024);
	if (!rsdp)
		rsdp = rsdp_scan(0xe0000, 0x20000);
	return rsdp;
}

void x86_64_start_kernel(void)
{
	struct boot_info *bi = &boot_info;

	/*
	 * A console and the IDT first, so that a bad loader is reported.
	 * A Xen PV guest has no IDT of its own: its early set-up gives Xen
	 * a trap table, the pv_ops and the direct map instead.
	 */
#ifdef CONFIG_PVH
	if (boot_entry == BOOT_ENTRY_PVH)
		pvh_early(boot_info_phys);
#endif
#ifdef CONFIG_XEN
	if (boot_entry == BOOT_ENTRY_XEN_PV)
		xen_pv_early();
#endif
	early_console_init();
	if (boot_entry != BOOT_ENTRY_XEN_PV)
		trap_init();
	bi->entry_tsc = boot_entry_tsc;
	switch (boot_entry) {
#ifdef CONFIG_PVH
	case BOOT_ENTRY_PVH:
		pvh_parse(bi, boot_info_phys);
		break;
#endif
#ifdef CONFIG_XEN
	case BOOT_ENTRY_XEN_PV:
		xen_pv_parse(bi);
		break;
#endif
#ifdef CONFIG_MULTIBOOT2
	case BOOT_ENTRY_MULTIBOOT2:
		multiboot2_parse(bi, boot_magic, boot_info_phys);
		break;
#endif
	default:
		panic("boot: entered through unknown entry %u", boot_entry);
	}
	bootinfo_finish(bi);
	start_kernel(bi);
}
