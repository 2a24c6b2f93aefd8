/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt and exception entry: one 4-byte stub per vector pushes the
 * vector (one byte, sign-extended) and joins trap_common directly where
 * the CPU pushed an error code, or through trap_noerr, which puts a zero
 * error code under the vector, where it pushed none; trap_common saves
 * the registers as struct pt_regs and calls do_trap().  A short jmp
 * reaches only 127 bytes, so the stubs come in groups of
 * TRAP_GROUP_STUBS, each group ending in the two long jmps; stub v is at
 * trap_entry_start + TRAP_SHORT_STUB(v) (asm/ptrace.h), so no table of
 * their addresses is needed.
 */
#include <asm/ptrace.h>

	.text
	.balign 8
	.globl trap_entry_start
trap_entry_start:
vector = 0
	.rept (256 + TRAP_GROUP_STUBS - 1) / TRAP_GROUP_STUBS
0:
	.rept TRAP_GROUP_STUBS
	.if vector < 256
1:
	.byte	0x6a, vector & 0xff	/* pushq $imm8 */
	.if HAS_ERROR_CODE(vector)
	jmp	3f
	.else
	jmp	2f
	.endif
	/* An error here: the jmp did not fit in a short one. */
	.org	1b + TRAP_SHORT_STUB_SIZE
	.endif
vector = vector + 1
	.endr
2:	jmp	trap_noerr
3:	jmp	trap_common
	.org	0b + TRAP_GROUP_SIZE, 0xcc
	.endr

/*
 * The stub's vector is where the error code goes: push it again, zero the
 * slot below and undo the sign extension of vectors 128-255; it falls
 * through to trap_common.
 */
trap_noerr:
	pushq	(%rsp)
	movq	$0, 8(%rsp)
	andq	$0xff, (%rsp)

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
