/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt and exception entry: one stub per vector pushes a zero error
 * code where the CPU pushes none, then the vector, and joins trap_common,
 * which saves the registers as struct pt_regs and calls do_trap().
 */
#include <asm/ptrace.h>

/* Vectors for which the CPU pushes an error code (SDM Vol. 3, 6.13). */
#define HAS_ERROR_CODE(v) \
	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
	 (v) == 29 || (v) == 30)

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
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	do_trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq
