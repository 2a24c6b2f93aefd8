/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_BOOT_H
#define _ASM_X86_BOOT_H

/* Which entry point the image was started through. */
#define BOOT_ENTRY_PVH		1
#define BOOT_ENTRY_MULTIBOOT2	2
#define BOOT_ENTRY_XEN_PV	3
#define BOOT_ENTRY_MULTIBOOT	4

#define MULTIBOOT_HEADER_MAGIC		0x1badb002
#define MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002

#define MULTIBOOT2_HEADER_MAGIC		0xe85250d6
#define MULTIBOOT2_BOOTLOADER_MAGIC	0x36d76289

/* Boot GDT selectors (arch/x86/boot/head_64.S). */
#define BOOT_CS64	0x08
#define BOOT_DS		0x10
#define BOOT_CS32	0x18
/* The runtime GDT adds the TSS (arch/x86/kernel/traps.c). */
#define KERNEL_TSS	0x20

#define BOOT_STACK_SIZE	16384

#ifndef __ASSEMBLY__
#include <pvkit/compiler.h>
#include <pvkit/types.h>

struct boot_info;

/*
 * An entry point's C side, registered beside its code with
 * DEFINE_BOOT_ENTRY; x86_64_start_kernel() runs the one whose id the
 * entry code left in boot_entry.
 */
struct x86_boot_entry {
	u32 id;				/* BOOT_ENTRY_* */
	/* Before the console, or NULL; info_phys is what the loader passed. */
	void (*early)(u32 info_phys);
	/*
	 * The loader's memory map into bi->mem, or NULL: the first thing
	 * after early(), so that x86_64_start_kernel() can judge the size of
	 * the machine before anything else in .bss is used.  It may read the
	 * loader's structures and write *bi, nothing else: no printing, no
	 * panic (a map it cannot read goes into bi->mem_error).
	 */
	void (*read_mem)(struct boot_info *bi, u32 magic, u32 info_phys);
	/* The rest of what the loader gave, into *bi. */
	void (*parse)(struct boot_info *bi, u32 magic, u32 info_phys);
	/*
	 * Whether nothing can have written to .bss between the loader's
	 * zero-fill and the entry (NULL: something may have; see setup.c).
	 */
	bool (*bss_untouched)(void);
	/* Xen PV: early() gave Xen a trap table, there is no IDT of ours. */
	bool traps_by_hypervisor;
};

#define DEFINE_BOOT_ENTRY(var)						\
	static const struct x86_boot_entry var				\
	__used __section("boot_entries") __aligned(8)

/* Written by the 32-bit entry code, through their physical addresses. */
extern u32 boot_entry;
extern u32 boot_magic;
extern u32 boot_info_phys;
extern u64 boot_entry_tsc;
extern char boot_stack[], boot_stack_top[];

void x86_64_start_kernel(void);
#endif

#endif
