/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PTRACE_H
#define _ASM_X86_PTRACE_H

/* Offsets used by entry_64.S; keep in step with struct pt_regs. */
#define PT_R15		0
#define PT_VECTOR	120
#define PT_SIZE		176

/* Each vector's entry stub, at trap_entry_start + TRAP_STUB_SIZE * vector. */
#define TRAP_STUB_SIZE	8

/*
 * The native stubs (entry_64.S) are 4 bytes, pushq $imm8 and a short jmp
 * to one of two jmps that end their group: TRAP_GROUP_STUBS stubs and
 * the two jmps fit in TRAP_GROUP_SIZE bytes, and that is where the next
 * group starts.
 */
#define TRAP_GROUP_STUBS	29
#define TRAP_GROUP_SIZE		128
#define TRAP_SHORT_STUB_SIZE	4
#define TRAP_SHORT_STUB(v) \
	(TRAP_GROUP_SIZE * ((v) / TRAP_GROUP_STUBS) + \
	 TRAP_SHORT_STUB_SIZE * ((v) % TRAP_GROUP_STUBS))

#ifdef __ASSEMBLY__
/* Vectors for which the CPU pushes an error code (SDM Vol. 3, 6.13). */
#define HAS_ERROR_CODE(v) \
	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
	 (v) == 29 || (v) == 30)

/*
 * 256 entry stubs of TRAP_STUB_SIZE bytes from the current location: each
 * pushes its vector as one sign-extended byte and jumps to \err where the
 * CPU pushes an error code, to \noerr where it does not.
 */
.macro TRAP_STUBS err, noerr
vector = 0
	.rept 256
1:
	.byte	0x6a, vector & 0xff	/* pushq $imm8 */
	.if HAS_ERROR_CODE(vector)
	jmp	\err
	.else
	jmp	\noerr
	.endif
	.org	1b + TRAP_STUB_SIZE, 0xcc
vector = vector + 1
	.endr
.endm

/*
 * The general registers as struct pt_regs has them, for the entry code
 * (arch/x86/kernel/entry_64.S, and arch/x86/xen/xen-asm.S for Xen PV).
 */
.macro SAVE_PT_REGS
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
.endm

.macro RESTORE_PT_REGS
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
.endm
#endif

#ifndef __ASSEMBLY__
#include <pvkit/types.h>

/* What the exception entry saves, lowest address first. */
struct pt_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error_code;
	/* pushed by the CPU */
	u64 rip, cs, rflags, rsp, ss;
};

/*
 * A hook sees every exception (vectors 0-31, never an interrupt) before
 * the kernel's own handling; it returns true when it has dealt with it
 * (e.g. moved rip past the faulting instruction).  Used by tests that
 * provoke faults on purpose.
 */
typedef bool (*trap_hook_t)(struct pt_regs *regs);
void trap_set_hook(trap_hook_t hook);

const char *trap_name(unsigned int vector);
void show_regs(const struct pt_regs *regs);
void show_backtrace(unsigned long rbp, unsigned long rip);

#endif
#endif
