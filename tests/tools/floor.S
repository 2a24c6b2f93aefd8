/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The QEMU floor for make bench's boot row: the least a PVH guest can be.
 * QEMU loads it with -kernel (the Xen ELF note below names its 32-bit
 * entry) and it writes 0 to the isa-debug-exit port at once, so QEMU
 * exits with 1: what remains is QEMU's own start, firmware and exit.
 * Built by make bench: gcc -m32 -nostdlib -static -Wl,-Ttext=0x100000.
 */
	.code32
	.section .text
	.globl	_start
_start:
	xorl	%eax, %eax
	outb	%al, $0xf4		/* isa-debug-exit, iobase 0xf4 */
1:	cli
	hlt
	jmp	1b

	/* XEN_ELFNOTE_PHYS32_ENTRY (18): where a PVH loader enters. */
	.section .note.Xen, "a"
	.p2align 2
	.long	4			/* name size: "Xen\0" */
	.long	4			/* descriptor size */
	.long	18			/* type */
	.asciz	"Xen"
	.long	_start
