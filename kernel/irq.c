// SPDX-License-Identifier: GPL-2.0
/* The vector table: who handles what, and how often it came. */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <asm/irq_vectors.h>

struct irq_vector {
	irq_handler_t handler;
	void *data;
	const char *name;
	int irq;			/* the line routed here, or -1 */
	unsigned long count;
};

static struct irq_vector vectors[NR_VECTORS];
unsigned long irq_spurious_count, irq_unhandled_count;

static int claim(unsigned int v, irq_handler_t handler, void *data,
		 const char *name, int irq)
{
	if (v >= NR_VECTORS)
		return -EINVAL;
	if (vectors[v].handler)
		return -EBUSY;
	vectors[v] = (struct irq_vector){ handler, data, name, irq, 0 };
	return v;
}

int irq_set_vector(unsigned int vector, irq_handler_t handler, void *data,
		   const char *name)
{
	unsigned long flags = local_irq_save();
	int v = claim(vector, handler, data, name, -1);

	local_irq_restore(flags);
	return v;
}

static int alloc_vector(irq_handler_t handler, void *data, const char *name,
			int irq)
{
	unsigned long flags = local_irq_save();
	int v = -ENOSPC;

	for (unsigned int i = FIRST_DEVICE_VECTOR; i <= LAST_DEVICE_VECTOR; i++) {
		if (!vectors[i].handler) {
			v = claim(i, handler, data, name, irq);
			break;
		}
	}
	local_irq_restore(flags);
	return v;
}

int irq_alloc_vector(irq_handler_t handler, void *data, const char *name)
{
	return alloc_vector(handler, data, name, -1);
}

void irq_free_vector(unsigned int vector)
{
	if (vector < NR_VECTORS)
		vectors[vector].handler = NULL;
}

int irq_vector(unsigned int irq)
{
	for (unsigned int v = 0; v < NR_VECTORS; v++) {
		if (vectors[v].handler && vectors[v].irq == (int)irq)
			return v;
	}
	return -ENOENT;
}

int request_irq(unsigned int irq, irq_handler_t handler, void *data,
		const char *name)
{
	int v, err;

	if (irq_vector(irq) >= 0) {
		pr_err("irq: line %u is taken (%s)\n", irq, name);
		return -EBUSY;
	}
	v = alloc_vector(handler, data, name, irq);
	if (v < 0) {
		pr_err("irq: no free vector for %s\n", name);
		return v;
	}
	err = arch_irq_route(irq, v);
	if (err) {
		irq_free_vector(v);
		return err;
	}
	arch_irq_mask(irq, false);
	return 0;
}

void free_irq(unsigned int irq)
{
	int v = irq_vector(irq);

	if (v < 0)
		return;
	arch_irq_mask(irq, true);
	irq_free_vector(v);
}

bool irq_dispatch(unsigned int vector)
{
	struct irq_vector *d = &vectors[vector];

	if (!d->handler) {
		if (!irq_unhandled_count++)
			pr_warn("irq: nobody handles vector %#x\n", vector);
		return false;
	}
	/* IPI vectors are taken on several CPUs at once. */
	__atomic_fetch_add(&d->count, 1, __ATOMIC_RELAXED);
	d->handler(d->data);
	return true;
}

static void irq_work_run(struct timer *t)
{
	struct irq_work *w = container_of(t, struct irq_work, timer);

	w->fn(w);
}

void irq_work_defer(struct irq_work *w, void (*fn)(struct irq_work *w))
{
	if (w->timer.pending)
		return;
	w->fn = fn;
	timer_start(&w->timer, ktime_get_ns() + IRQ_WORK_DELAY_NS, irq_work_run);
}

void irq_work_cancel(struct irq_work *w)
{
	timer_cancel(&w->timer);
}

unsigned long irq_vector_count(unsigned int vector)
{
	return vector < NR_VECTORS ? vectors[vector].count : 0;
}

void irq_show(void)
{
	for (unsigned int v = 0; v < NR_VECTORS; v++) {
		const struct irq_vector *d = &vectors[v];

		if (!d->handler)
			continue;
		if (d->irq >= 0)
			console_printf("  vector %#04x  irq %-3d %-16s %lu\n", v,
				       d->irq, d->name, d->count);
		else
			console_printf("  vector %#04x  %-24s %lu\n", v, d->name,
				       d->count);
	}
	console_printf("  spurious %lu, unhandled %lu\n", irq_spurious_count,
		       irq_unhandled_count);
}
