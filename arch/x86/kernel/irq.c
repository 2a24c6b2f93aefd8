// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt set-up and the entry for vectors 32-255: dispatch, then the
 * EOI through pv_ops (KVM's PV EOI can avoid the trapping write).
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/errno.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <asm/apic.h>
#include <asm/hypervisor.h>
#include <asm/irq_vectors.h>
#include <asm/paravirt.h>
#include <asm/setup.h>
#include <asm/smp.h>

void x86_handle_irq(unsigned int vector);
void x86_handle_irq(unsigned int vector)
{
	/* The masked 8259s can still raise their spurious IRQ 7 and 15. */
	if (vector >= PIC_VECTOR_BASE && vector < FIRST_DEVICE_VECTOR) {
		irq_spurious_count++;
		return;
	}
	if (vector == SPURIOUS_APIC_VECTOR) {
		irq_spurious_count++;	/* no EOI for the spurious vector */
		return;
	}
	irq_dispatch(vector);
	/* Every CPU's: a backend's EOI op serves each CPU (KVM: its own PV EOI word). */
	apic_eoi();
}

#ifndef CONFIG_X86_IO_APIC
/* No I/O APIC in the image: no line reaches a vector (MSI-X still does). */
void ioapic_init(void)
{
}

int arch_irq_set_type(unsigned int irq, u16 flags)
{
	return -ENODEV;
}

int arch_irq_route(unsigned int irq, unsigned int vector)
{
	return -ENODEV;
}

void arch_irq_mask(unsigned int irq, bool masked)
{
}

int arch_irq_masked(unsigned int irq)
{
	return -ENODEV;
}
#endif

static void default_intr_init(void)
{
	apic_init();
	ioapic_init();
}

struct x86_init_ops x86_init = {
	.intr_init = default_intr_init,
	.timer_init = apic_timer_init,
	.smp_init = native_smp_init,
};

void arch_irq_init(void)
{
	pic_mask_all();
	x86_init.intr_init();
	/* The backend comes after the APIC so that it can wrap its EOI. */
	init_hypervisor_platform();
}
