/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt handlers.  Device lines are numbered as on Linux: 0-15 are
 * the ISA IRQs (the platform maps them to its interrupt controller, ACPI
 * overrides included), 16 and up are global system interrupts.  A source
 * that is not a line (the local APIC timer, MSI, a hypervisor upcall)
 * takes a vector of its own.
 */
#ifndef _PVKIT_IRQ_H
#define _PVKIT_IRQ_H

#include <pvkit/types.h>
#include <pvkit/time.h>

typedef void (*irq_handler_t)(void *data);

/*
 * The work budget of one interrupt: the most items (frames, events,
 * responses) a handler takes before it returns.  A peer that keeps
 * producing must not keep a handler running with interrupts off for
 * ever; what is left over goes to irq_work_defer().
 */
#define IRQ_BUDGET		64
#define IRQ_WORK_DELAY_NS	(50 * NSEC_PER_USEC)

/*
 * Work a handler left when its budget ran out: fn runs again from the
 * timer interrupt IRQ_WORK_DELAY_NS later, so that the interrupted code
 * and every other interrupt get the CPU in between.  Deferring work
 * already deferred keeps the earlier time.  Interrupts off.
 */
struct irq_work {
	struct timer timer;
	void (*fn)(struct irq_work *w);
};

void irq_work_defer(struct irq_work *w, void (*fn)(struct irq_work *w));
void irq_work_cancel(struct irq_work *w);

#define IRQ_EDGE	0
#define IRQ_LEVEL	1

int request_irq(unsigned int irq, irq_handler_t handler, void *data,
		const char *name);
void free_irq(unsigned int irq);
/* The vector request_irq() gave irq, or -ENOENT. */
int irq_vector(unsigned int irq);

/* Returns the vector, or -ENOSPC when none is free. */
int irq_alloc_vector(irq_handler_t handler, void *data, const char *name);
/* A fixed vector (e.g. the hypervisor upcall); -EBUSY if taken. */
int irq_set_vector(unsigned int vector, irq_handler_t handler, void *data,
		   const char *name);
void irq_free_vector(unsigned int vector);

/* Called by the architecture's entry code; false if nobody handled it. */
bool irq_dispatch(unsigned int vector);

unsigned long irq_vector_count(unsigned int vector);
extern unsigned long irq_spurious_count, irq_unhandled_count;
/* Prints one line per vector in use: vector, name, count. */
void irq_show(void);

/*
 * The trigger and polarity of a GSI (16 and up) that the firmware gives
 * (ACPI_INTI_* flags, e.g. from a device's _CRS), before request_irq():
 * without it such a line is taken as PCI's, level and active low.
 * ISA IRQs follow the MADT.  -EINVAL for a line it cannot keep.
 */
int arch_irq_set_type(unsigned int irq, u16 flags);

/* The architecture's side: route a line to a vector, (un)mask it. */
int arch_irq_route(unsigned int irq, unsigned int vector);
void arch_irq_mask(unsigned int irq, bool masked);
/* Whether the line is masked at its I/O APIC now: 1, 0, or -ENODEV. */
int arch_irq_masked(unsigned int irq);
/* Interrupt controllers, the hypervisor backend, then interrupts on. */
void arch_irq_init(void);

#endif
