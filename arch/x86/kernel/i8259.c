// SPDX-License-Identifier: GPL-2.0
/*
 * The two 8259 PICs are not used, but they still exist: move their
 * vectors off the exceptions (a stray IRQ7 would otherwise arrive as #DF
 * or similar) and mask every line.
 */
#include <pvkit/kernel.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/irq_vectors.h>

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

void pic_mask_all(void)
{
	outb(0x11, PIC1_CMD);			/* ICW1: init, ICW4 follows */
	outb(0x11, PIC2_CMD);
	outb(PIC_VECTOR_BASE, PIC1_DATA);	/* ICW2: vector base */
	outb(PIC_VECTOR_BASE + 8, PIC2_DATA);
	outb(0x04, PIC1_DATA);			/* ICW3: slave on IRQ2 */
	outb(0x02, PIC2_DATA);
	outb(0x01, PIC1_DATA);			/* ICW4: 8086 mode */
	outb(0x01, PIC2_DATA);
	outb(0xff, PIC1_DATA);
	outb(0xff, PIC2_DATA);
}
