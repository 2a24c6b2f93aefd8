// SPDX-License-Identifier: GPL-2.0
/*
 * First C code: turn what the entry point was given into struct boot_info
 * and hand over to start_kernel().
 */
#include <pvkit/kernel.h>
#include <pvkit/bootinfo.h>
#include <pvkit/console.h>
#include <asm/boot.h>
#include <asm/setup.h>

/* In .data, not .bss: the entry code writes them before clearing .bss. */
u32 boot_entry __section(".data");
u32 boot_magic __section(".data");
u32 boot_info_phys __section(".data");
u64 boot_entry_tsc __section(".data");

/* Every DEFINE_BOOT_ENTRY of the image (arch/x86/boot/pvkit.lds.S). */
extern const struct x86_boot_entry __start_boot_entries[], __stop_boot_entries[];

static const struct x86_boot_entry *boot_entry_find(u32 id)
{
	for (const struct x86_boot_entry *e = __start_boot_entries; e < __stop_boot_entries; e++) {
		if (e->id == id)
			return e;
	}
	return NULL;
}

void x86_64_start_kernel(void)
{
	const struct x86_boot_entry *e = boot_entry_find(boot_entry);
	struct boot_info *bi = &boot_info;

	/*
	 * A console and the IDT first, so that a bad loader is reported.
	 * A Xen PV guest has no IDT of its own: its early set-up gives Xen
	 * a trap table, the pv_ops and the direct map instead.
	 */
	if (e && e->early)
		e->early(boot_info_phys);
	early_console_init();
	if (!e || !e->traps_by_hypervisor)
		trap_init();
	if (!e)
		panic("boot: entered through unknown entry %u", boot_entry);
	bi->entry_tsc = boot_entry_tsc;
	e->parse(bi, boot_magic, boot_info_phys);
	bootinfo_finish(bi);
	start_kernel(bi);
}
