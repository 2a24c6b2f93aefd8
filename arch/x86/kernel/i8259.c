// SPDX-License-Identifier: GPL-2.0
/*
 * The two 8259 PICs are not used, but they still exist: every line is
 * masked.  They are not reprogrammed (an ICW1-ICW4 sequence, eight more
 * port writes, VM exits under a hypervisor, to move their vectors off the
 * exceptions): what they raise reaches the CPU only through the local
 * APIC's LINT0 in ExtINT mode, which apic_init() masks before interrupts
 * are ever enabled, and which a machine without a local APIC does not
 * boot to.  With every line masked they raise nothing but a spurious
 * IRQ 7 or 15, which LINT0 keeps out too.  The masks are needed all the
 * same (two exits): in a Xen HVM guest, left unmasked, the PIT's IRQ 0
 * came in at the BIOS's vector 8 (a double fault's) with LINT0 masked,
 * by some other route (an I/O APIC pin the firmware left in ExtINT
 * mode, virtual wire, would be one).
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
