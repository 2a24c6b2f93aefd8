// SPDX-License-Identifier: GPL-2.0
/*
 * The two 8259 PICs are not used, but they still exist.  They are not
 * reprogrammed (an ICW1-ICW4 sequence, eight port writes, VM exits under
 * a hypervisor, to move their vectors off the exceptions), nor masked
 * where there is a local APIC: what they raise reaches the CPU only
 * through its LINT0 in ExtINT mode, which apic_init() masks before
 * interrupts are ever enabled (QEMU, KVM and Xen all check that LVT
 * before they deliver the PIC's output), so their masks would cost two
 * exits for nothing.  Without a local APIC every line is masked: they
 * then raise nothing but a spurious IRQ 7 or 15.
 */
#include <pvkit/kernel.h>
#include <asm/apic.h>
#include <asm/io.h>

#define PIC1_DATA	0x21
#define PIC2_DATA	0xa1

void pic_mask_all(void)
{
	outb(0xff, PIC1_DATA);			/* OCW1: the interrupt mask */
	outb(0xff, PIC2_DATA);
}
