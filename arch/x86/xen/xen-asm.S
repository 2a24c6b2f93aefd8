/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen PV entries.  Xen enters a 64-bit PV kernel's handlers with its own
 * frame: the CPU's (ss, rsp, rflags, cs, rip, and an error code where
 * the CPU has one) with the interrupted rcx and r11 on top, because it
 * returns to the guest with sysret, which uses those two registers.
 * Popping them leaves what the CPU would have pushed; the registers are
 * saved as struct pt_regs and do_trap() (arch/x86/kernel/traps.c) runs
 * the same handlers as on bare hardware.  The event callback is vector
 * HYPERVISOR_CALLBACK_VECTOR, where drivers/xen/events.c dispatches.
 *
 * The way back is the iret hypercall, not iretq: Xen shows the guest
 * kernel its cs and ss with RPL 0 while it really runs in ring 3, and it
 * restores the event mask from the frame's IF together with the return,
 * so an event that came during the handler is delivered right then,
 * without a window in which it could wait.
 */
#include <asm/irq_vectors.h>
#include <asm/ptrace.h>
#include <xen/interface/xen.h>

/*
 * Stub v, at xen_pv_trap_entry_start + TRAP_STUB_SIZE * v, pushes the
 * vector over Xen's frame (vector, rcx, r11, [error code,] rip...); the
 * two paths below load rcx and r11 and leave vector, error code, rip...
 */
	.text
	.balign 8
	.globl xen_pv_trap_entry_start
xen_pv_trap_entry_start:
	TRAP_STUBS xen_pv_trap_err, xen_pv_trap_noerr

xen_pv_trap_err:
	movq	16(%rsp), %r11
	movq	(%rsp), %rcx
	movq	%rcx, 16(%rsp)		/* the vector over r11's slot */
	movq	8(%rsp), %rcx
	addq	$16, %rsp
	jmp	xen_pv_trap_common

/* The vector (zero-extended) over rcx's slot, a zero error code over r11's. */
xen_pv_trap_noerr:
	movzbq	(%rsp), %r11
	movq	8(%rsp), %rcx
	movq	%r11, 8(%rsp)
	movq	16(%rsp), %r11
	movq	$0, 16(%rsp)
	addq	$8, %rsp
	jmp	xen_pv_trap_common

	.globl xen_pv_callback
xen_pv_callback:
	popq	%rcx
	popq	%r11
	pushq	$0
	pushq	$HYPERVISOR_CALLBACK_VECTOR
	/* fall through */

/* Xen does not promise a 16-byte aligned frame: the call is made on an aligned stack. */
xen_pv_trap_common:
	SAVE_PT_REGS
	cld
	movq	%rsp, %rdi
	movq	%rsp, %r12
	andq	$-16, %rsp
	call	do_trap
	movq	%r12, %rsp
	RESTORE_PT_REGS
	addq	$16, %rsp		/* vector and error code */
	/* struct iret_context: rax, r11, rcx, flags, then the CPU's frame */
	pushq	$0
	pushq	%rcx
	pushq	%r11
	pushq	%rax
	movl	$__HYPERVISOR_iret, %eax
	syscall
	ud2				/* the iret hypercall does not return here */

/*
 * Xen could not restore our segment registers on a return; its frame
 * has ds, es, fs, gs on top of rcx, r11, rip, cs, rflags, rsp, ss.
 */
	.globl xen_pv_failsafe
xen_pv_failsafe:
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	xen_pv_failsafe_report
	ud2
