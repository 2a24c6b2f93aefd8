// SPDX-License-Identifier: GPL-2.0
/*
 * Device interrupts: INTx (CONFIG_PCI_INTX), the line pci_init() worked
 * out, through request_irq(), which programs it level-triggered and
 * active-low when it is a GSI above 15, and as the MADT's override says
 * when it is an ISA IRQ.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/time.h>

/*
 * INTx lines are shared: a PC has four (pc) or eight (q35) of them for
 * every function.  The first function to ask for a line takes it with
 * request_irq(); later ones are chained behind it, and every handler on a
 * line is called for each interrupt, so each must check its own device
 * (as level-triggered sharing requires anyway).
 */
struct intx_action {
	struct pci_dev *dev;
	pci_intx_handler_t handler;
	void *data;
	struct intx_action *next;
};

struct intx_line {
	int irq;
	struct intx_action *actions;	/* NULL: slot free */
	struct pci_intx_count count;
	bool stuck;			/* masked: handlers polled */
	struct timer poll;
};

#define MAX_INTX_LINES	16

static struct intx_line intx_lines[MAX_INTX_LINES];

static bool intx_call_handlers(struct intx_line *l)
{
	bool claimed = false;

	for (struct intx_action *a = l->actions; a; a = a->next)
		claimed |= a->handler(a->data);
	return claimed;
}

static void intx_poll(struct timer *t)
{
	struct intx_line *l = container_of(t, struct intx_line, poll);

	intx_call_handlers(l);
	timer_start(&l->poll, ktime_get_ns() + PCI_INTX_POLL_NS, intx_poll);
}

static void intx_dispatch(void *data)
{
	struct intx_line *l = data;

	if (!pci_intx_stuck(&l->count, intx_call_handlers(l)))
		return;
	arch_irq_mask(l->irq, true);
	l->stuck = true;
	pr_err("pci: irq %d: at most %u of the last %u interrupts claimed by a device: masked, its handlers polled every %llu ms\n",
	       l->irq, PCI_INTX_STUCK_CLAIMED, PCI_INTX_STUCK_BUDGET,
	       PCI_INTX_POLL_NS / NSEC_PER_MSEC);
	timer_start(&l->poll, ktime_get_ns() + PCI_INTX_POLL_NS, intx_poll);
}

static struct intx_line *intx_line_of(int irq)
{
	for (unsigned int i = 0; i < MAX_INTX_LINES; i++) {
		if (intx_lines[i].actions && intx_lines[i].irq == irq)
			return &intx_lines[i];
	}
	return NULL;
}

/* Named for the PCI layer: the first function's name may go away first. */
static struct intx_line *intx_line_new(int irq)
{
	for (unsigned int i = 0; i < MAX_INTX_LINES; i++) {
		struct intx_line *l = &intx_lines[i];

		if (l->actions)
			continue;
		if (request_irq(irq, intx_dispatch, l, "pci-intx"))
			return NULL;
		l->irq = irq;
		return l;
	}
	return NULL;
}

/* Interrupts off: the chain is walked from the handler. */
static int intx_add(struct intx_action *a)
{
	int irq = a->dev->intx_irq;
	struct intx_line *l = intx_line_of(irq);
	struct intx_action **p;

	if (!l)
		l = intx_line_new(irq);
	if (!l)
		return -ENOMEM;
	for (p = &l->actions; *p; p = &(*p)->next) {
		if ((*p)->dev == a->dev)
			return -EBUSY;	/* asked twice */
	}
	*p = a;
	/* A new function on the line: judge the line afresh, a full window. */
	l->count.in_window = l->count.claimed_in_window = 0;
	return 0;
}

int pci_request_intx(struct pci_dev *d, pci_intx_handler_t handler, void *data,
		     const char *name)
{
	struct intx_action *a;
	unsigned long flags;
	u16 cmd;
	int err;

	if (pci_intx_irq(d) < 0)
		return -ENODEV;
	a = kzalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->dev = d;
	a->handler = handler;
	a->data = data;
	flags = local_irq_save();
	err = intx_add(a);
	local_irq_restore(flags);
	if (err) {
		kfree(a);
		return err;
	}
	/* The line is ours and unmasked: let the device drive it. */
	cmd = pci_read16(d, PCI_COMMAND);
	if (cmd & PCI_COMMAND_INTX_DISABLE)
		pci_write16(d, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE);
	return 0;
}

bool pci_intx_polled(struct pci_dev *d)
{
	struct intx_line *l = d->intx_irq >= 0 ? intx_line_of(d->intx_irq) : NULL;

	return l && l->stuck;
}

void pci_free_intx(struct pci_dev *d)
{
	struct intx_line *l = intx_line_of(d->intx_irq);
	struct intx_action *a = NULL;
	unsigned long flags;

	if (d->intx_irq < 0 || !l)
		return;
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_DISABLE);
	flags = local_irq_save();
	for (struct intx_action **p = &l->actions; *p; p = &(*p)->next) {
		if ((*p)->dev == d) {
			a = *p;
			*p = a->next;
			break;
		}
	}
	if (a && (l->stuck || !l->actions)) {
		/* The function that held the line up may be the one gone. */
		timer_cancel(&l->poll);
		l->count = (struct pci_intx_count){ 0 };
		l->stuck = false;
		if (l->actions)
			arch_irq_mask(l->irq, false);
		else
			free_irq(l->irq);
	}
	local_irq_restore(flags);
	kfree(a);
}
