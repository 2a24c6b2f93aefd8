/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PTRACE_H
#define _ASM_X86_PTRACE_H

/* Offsets used by entry_64.S; keep in step with struct pt_regs. */
#define PT_R15		0
#define PT_VECTOR	120
#define PT_SIZE		176

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
 * A hook sees every exception before the kernel's own handling; it
 * returns true when it has dealt with it (e.g. moved rip past the
 * faulting instruction).  Used by tests that provoke faults on purpose.
 */
typedef bool (*trap_hook_t)(struct pt_regs *regs);
void trap_set_hook(trap_hook_t hook);

const char *trap_name(unsigned int vector);
void show_regs(const struct pt_regs *regs);
void show_backtrace(unsigned long rbp, unsigned long rip);

#endif
#endif
