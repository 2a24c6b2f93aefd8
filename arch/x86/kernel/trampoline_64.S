/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The secondary CPUs' way into the kernel.  A STARTUP IPI starts a CPU in
 * real mode at CS:IP = (TRAMPOLINE_PHYS >> 4):0; smpboot.c copies
 * trampoline_start..trampoline_end there and fills the data at its end.
 * The code goes to protected mode, loads the trampoline's PML4 (a copy of
 * the kernel's with the first 2 MiB identity-mapped, so that paging can
 * be turned on under this code), enables long mode with the boot CPU's
 * EFER, and jumps to ap_start64 in the kernel image, which moves to the
 * kernel's own page tables and calls start_secondary(cpu).
 */
#include <asm/boot.h>
#include <asm/smp.h>

/* A trampoline symbol's physical address once copied. */
#define TA(sym)		(TRAMPOLINE_PHYS + (sym) - trampoline_start)

#define MSR_EFER	0xc0000080

	.section .rodata.trampoline, "a"
	.balign 16
	.globl trampoline_start, trampoline_end
	.globl tr_cr3, tr_stack, tr_efer, tr_cpu, tr_entry

	.code16
trampoline_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	tr_gdt_desc - trampoline_start
	movl	%cr0, %eax
	orl	$1, %eax			/* PE */
	movl	%eax, %cr0
	ljmpl	$BOOT_CS32, $TA(tr_start32)

	.code32
tr_start32:
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$(1 << 5), %eax			/* PAE */
	movl	%eax, %cr4
	movl	$TRAMPOLINE_PML4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	movl	TA(tr_efer), %eax		/* LME set, LMA clear */
	movl	TA(tr_efer) + 4, %edx
	wrmsr
	movl	%cr0, %eax
	orl	$((1 << 31) | (1 << 16) | 1), %eax	/* PG, WP, PE */
	movl	%eax, %cr0
	ljmpl	$BOOT_CS64, $TA(tr_start64)

	.code64
tr_start64:
	movq	TA(tr_stack), %rsp
	movq	TA(tr_cr3), %rbx
	movl	TA(tr_cpu), %edi
	movq	TA(tr_entry), %rax
	jmpq	*%rax

	.balign 8
tr_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* BOOT_CS64 */
	.quad	0x00cf92000000ffff		/* BOOT_DS */
	.quad	0x00cf9a000000ffff		/* BOOT_CS32 */
tr_gdt_end:
tr_gdt_desc:
	.word	tr_gdt_end - tr_gdt - 1
	.long	TA(tr_gdt)

	.balign 8
tr_cr3:		.quad	0	/* the kernel's page tables */
tr_stack:	.quad	0	/* the top of this CPU's stack */
tr_efer:	.quad	0
tr_entry:	.quad	0	/* ap_start64 */
tr_cpu:		.long	0	/* this CPU's index */
	.balign 8
trampoline_end:

/*
 * In the image, on the trampoline's page tables: switch to the kernel's
 * (the identity map of low memory goes away; the GDT is reloaded in C
 * before any segment is loaded again).
 */
	.text
	.globl ap_start64
ap_start64:
	movq	%rbx, %cr3
	xorl	%ebp, %ebp			/* ends the backtrace */
	call	start_secondary
	ud2
