/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_BOOT_H
#define _ASM_X86_BOOT_H

/* Which entry point the image was started through. */
#define BOOT_ENTRY_PVH		1
#define BOOT_ENTRY_MULTIBOOT2	2
#define BOOT_ENTRY_XEN_PV	3

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
#include <pvkit/types.h>

/* Written by the 32-bit entry code, through their physical addresses. */
extern u32 boot_entry;
extern u32 boot_magic;
extern u32 boot_info_phys;
extern u64 boot_entry_tsc;
extern char boot_stack[], boot_stack_top[];

void x86_64_start_kernel(void);
#endif

#endif
