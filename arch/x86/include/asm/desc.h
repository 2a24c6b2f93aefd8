/* SPDX-License-Identifier: GPL-2.0 */
/* The descriptor tables each CPU loads: its GDT (with its own TSS) and the shared IDT. */
#ifndef _ASM_X86_DESC_H
#define _ASM_X86_DESC_H

#include <pvkit/types.h>
#include <pvkit/compiler.h>

/* The 64-bit TSS (SDM vol. 3, 8.7): only the interrupt stack table is used. */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

/* The boot GDT's three segments at the same selectors, then the TSS (two slots). */
#define GDT_ENTRIES	6

struct cpu_tables {
	u64 gdt[GDT_ENTRIES] __aligned(16);
	struct tss64 tss __aligned(16);
};

/*
 * A secondary CPU's GDT and TSS in *t (its double-fault stack ends at
 * df_stack_top), loaded with the IDT every CPU shares.
 */
void trap_init_secondary(struct cpu_tables *t, void *df_stack_top);

#endif
