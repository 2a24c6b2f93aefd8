// SPDX-License-Identifier: GPL-2.0
/*
 * Device interrupts: MSI-X and INTx.
 *
 * MSI-X: the capability gives a table of 16-byte entries (message
 * address, data, vector control) and a pending bit array, each somewhere
 * in a memory BAR; both are checked against the BAR before they are
 * mapped (pci_msix_decode()).  An entry's message is a write of the
 * vector number to the local APIC of this CPU: address 0xfee00000 with
 * the destination APIC ID in bits 19:12 (physical mode, fixed delivery,
 * edge), data = vector.
 *
 * INTx: the line pci_init() worked out, through request_irq(), which
 * programs it level-triggered and active-low when it is a GSI above 15,
 * and as the MADT's override says when it is an ISA IRQ.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/io.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/time.h>
#include <asm/apic.h>

#define pci_warn(d, fmt, ...) \
	pr_warn(PCI_DEV_FMT ": " fmt, PCI_DEV_ARGS(d), ##__VA_ARGS__)

#define MSI_ADDR_BASE		0xfee00000U
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_MAX_DEST		0xff	/* 8 bits without interrupt remapping */

struct pci_msix {
	struct pci_msix_info info;
	volatile u8 *table;
	volatile u8 *pba;
	u64 table_len, pba_len;
	u16 saved_command;		/* INTx disable, as it was */
	unsigned int nvec;
	int vector[];			/* per entry; 0 = none (never a device vector) */
};

static volatile u8 *entry_of(struct pci_msix *m, unsigned int entry)
{
	return m->table + entry * PCI_MSIX_ENTRY_SIZE;
}

static void entry_mask(struct pci_msix *m, unsigned int entry, bool masked)
{
	volatile u8 *ctrl = entry_of(m, entry) + PCI_MSIX_ENTRY_CTRL;
	u32 v = readl(ctrl);

	/* The other bits are reserved: keep them. */
	if (masked)
		v |= PCI_MSIX_ENTRY_CTRL_MASKBIT;
	else
		v &= ~PCI_MSIX_ENTRY_CTRL_MASKBIT;
	writel(v, ctrl);
}

static void set_flags(struct pci_dev *d, struct pci_msix *m, u16 set, u16 clear)
{
	u16 pos = m->info.pos + PCI_MSIX_FLAGS;

	pci_write16(d, pos, (pci_read16(d, pos) | set) & ~clear);
}

static void unmap(struct pci_msix *m)
{
	if (m->table)
		iounmap((void *)m->table, m->table_len);
	if (m->pba)
		iounmap((void *)m->pba, m->pba_len);
}

static struct pci_msix *msix_map(struct pci_dev *d, unsigned int nvec)
{
	struct pci_msix *m = kzalloc(sizeof(*m) + nvec * sizeof(m->vector[0]));

	if (!m)
		return NULL;
	if (pci_msix_decode(d, &m->info) || nvec > m->info.table_size)
		goto fail;
	m->nvec = nvec;
	m->table_len = (u64)m->info.table_size * PCI_MSIX_ENTRY_SIZE;
	m->pba_len = DIV_ROUND_UP(m->info.table_size, 64) * 8;
	m->table = pci_iomap(d, m->info.table_bar, m->info.table_offset,
			     m->table_len);
	m->pba = pci_iomap(d, m->info.pba_bar, m->info.pba_offset, m->pba_len);
	if (!m->table || !m->pba) {
		pci_warn(d, "MSI-X table or PBA cannot be mapped\n");
		goto fail;
	}
	return m;
fail:
	unmap(m);
	kfree(m);
	return NULL;
}

int pci_msix_enable(struct pci_dev *d, unsigned int nvec)
{
	struct pci_msix *m;
	u16 cmd;

	if (d->msix)
		return -EBUSY;
	if (!nvec)
		return -EINVAL;
	/* The messages are writes to a local APIC (a Xen PV guest has none). */
	if (!apic_present()) {
		pci_warn(d, "no local APIC to send MSI-X messages to\n");
		return -ENODEV;
	}
	m = msix_map(d, nvec);
	if (!m)
		return -ENODEV;
	/* The table sits in a memory BAR, and the messages are DMA writes. */
	pci_set_master(d);
	cmd = pci_read16(d, PCI_COMMAND);
	m->saved_command = cmd & PCI_COMMAND_INTX_DISABLE;
	/* A function with MSI-X on must not assert INTx: make sure. */
	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
	/* Function-masked while the entries are masked one by one. */
	set_flags(d, m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0);
	for (unsigned int i = 0; i < m->info.table_size; i++)
		entry_mask(m, i, true);
	set_flags(d, m, 0, PCI_MSIX_FLAGS_MASKALL);
	d->msix = m;
	return nvec;
}

int pci_msix_request(struct pci_dev *d, unsigned int entry,
		     irq_handler_t handler, void *data, const char *name)
{
	struct pci_msix *m = d->msix;
	volatile u8 *e;
	u32 dest;
	int v;

	if (!m || entry >= m->nvec)
		return -EINVAL;
	if (m->vector[entry])
		return -EBUSY;
	dest = apic_id();
	if (dest > MSI_MAX_DEST) {
		pci_warn(d, "APIC ID %u cannot be named in an MSI address\n", dest);
		return -ERANGE;
	}
	v = irq_alloc_vector(handler, data, name);
	if (v < 0)
		return -ENOSPC;
	e = entry_of(m, entry);
	entry_mask(m, entry, true);
	writel(MSI_ADDR_BASE | dest << MSI_ADDR_DEST_SHIFT, e + PCI_MSIX_ENTRY_ADDR_LO);
	writel(0, e + PCI_MSIX_ENTRY_ADDR_HI);
	writel(v, e + PCI_MSIX_ENTRY_DATA);
	m->vector[entry] = v;
	entry_mask(m, entry, false);
	return v;
}

int pci_msix_mask(struct pci_dev *d, unsigned int entry, bool masked)
{
	struct pci_msix *m = d->msix;

	if (!m || entry >= m->nvec)
		return -EINVAL;
	entry_mask(m, entry, masked);
	return 0;
}

bool pci_msix_pending(struct pci_dev *d, unsigned int entry)
{
	struct pci_msix *m = d->msix;

	if (!m || entry >= m->info.table_size)
		return false;
	/* Dword reads: every implementation must take them. */
	return readl(m->pba + entry / 32 * 4) & (1U << (entry % 32));
}

void pci_msix_disable(struct pci_dev *d)
{
	struct pci_msix *m = d->msix;
	u16 cmd;

	if (!m)
		return;
	set_flags(d, m, PCI_MSIX_FLAGS_MASKALL, 0);
	for (unsigned int i = 0; i < m->info.table_size; i++)
		entry_mask(m, i, true);
	/* Masked first: no message can come for a vector being freed. */
	for (unsigned int i = 0; i < m->nvec; i++) {
		if (m->vector[i])
			irq_free_vector(m->vector[i]);
	}
	set_flags(d, m, 0, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	cmd = pci_read16(d, PCI_COMMAND) & ~PCI_COMMAND_INTX_DISABLE;
	pci_write16(d, PCI_COMMAND, cmd | m->saved_command);
	unmap(m);
	kfree(m);
	d->msix = NULL;
}

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

	if (d->intx_irq < 0)
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
