/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt and exception entry: one stub per vector pushes a zero error
 * code where the CPU pushes none, then the vector, and joins trap_common,
 * which saves the registers as struct pt_regs and calls do_trap().
 */
#include <asm/ptrace.h>

	.section .rodata
	.balign 8
	.globl trap_entry_table
trap_entry_table:

	.text
	.balign 16
vector = 0
	.rept 256
1:
	.if HAS_ERROR_CODE(vector) == 0
	pushq	$0
	.endif
	pushq	$vector
	jmp	trap_common
	.pushsection .rodata
	.quad	1b
	.popsection
vector = vector + 1
	.endr

/*
 * 22 quadwords are on the stack at the call (5 pushed by the CPU, error
 * code, vector, 15 registers) and the CPU aligned the stack to 16 before
 * pushing: the call is made on a 16-byte aligned stack as the ABI wants.
 */
trap_common:
	SAVE_PT_REGS
	cld
	movq	%rsp, %rdi
	call	do_trap
	RESTORE_PT_REGS
	addq	$16, %rsp		/* vector and error code */
	iretq
