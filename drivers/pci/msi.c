// SPDX-License-Identifier: GPL-2.0
/*
 * Device interrupts: MSI-X (INTx is in intx.c).
 *
 * MSI-X: the capability gives a table of 16-byte entries (message
 * address, data, vector control) and a pending bit array, each somewhere
 * in a memory BAR; both are checked against the BAR before they are
 * mapped (pci_msix_decode()).  An entry's message is a write of the
 * vector number to the local APIC of this CPU: address 0xfee00000 with
 * the destination APIC ID in bits 19:12 (physical mode, fixed delivery,
 * edge), data = vector.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/io.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
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
	u32 *ctrl;			/* entries 0..nvec-1: vector control as last read or written */
	int vector[];			/* per entry; 0 = none (never a device vector) */
};

static volatile u8 *entry_of(struct pci_msix *m, unsigned int entry)
{
	return m->table + entry * PCI_MSIX_ENTRY_SIZE;
}

/*
 * Table accesses are MMIO exits under a hypervisor: the vector control of
 * the entries in use is read once, when MSI-X is enabled, and written only
 * when its mask bit changes (only software changes it).  The other bits
 * are reserved: kept.
 */
static void entry_mask(struct pci_msix *m, unsigned int entry, bool masked)
{
	volatile u8 *ctrl = entry_of(m, entry) + PCI_MSIX_ENTRY_CTRL;
	bool kept = entry < m->nvec;
	u32 old = kept ? m->ctrl[entry] : readl(ctrl), v = old;

	if (masked)
		v |= PCI_MSIX_ENTRY_CTRL_MASKBIT;
	else
		v &= ~PCI_MSIX_ENTRY_CTRL_MASKBIT;
	if (v != old)
		writel(v, ctrl);
	if (kept)
		m->ctrl[entry] = v;
}

/* Every entry masked, those in use with their control word kept. */
static void mask_all_entries(struct pci_msix *m)
{
	for (unsigned int i = 0; i < m->info.table_size; i++) {
		if (i < m->nvec)
			m->ctrl[i] = readl(entry_of(m, i) + PCI_MSIX_ENTRY_CTRL);
		entry_mask(m, i, true);
	}
}

/*
 * Only software changes the enable and function mask bits, and the rest
 * of the word is read-only: what pci_msix_decode() read is kept and
 * written, not read again (a VM exit each time under a hypervisor).
 */
static void set_flags(struct pci_dev *d, struct pci_msix *m, u16 set, u16 clear)
{
	m->info.flags = (m->info.flags | set) & ~clear;
	pci_write16(d, m->info.pos + PCI_MSIX_FLAGS, m->info.flags);
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
	struct pci_msix *m = kzalloc(sizeof(*m) + nvec * (sizeof(m->vector[0]) +
							  sizeof(m->ctrl[0])));

	if (!m)
		return NULL;
	m->ctrl = (u32 *)&m->vector[nvec];
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
	/*
	 * The table sits in a memory BAR, and the messages are DMA writes:
	 * bus master and decode on (pci_set_master()), and a function with
	 * MSI-X on must not assert INTx.  One read and one write for both.
	 */
	cmd = pci_read16(d, PCI_COMMAND);
	m->saved_command = cmd & PCI_COMMAND_INTX_DISABLE;
	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY |
		    PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);
	/* Function-masked while the entries are masked one by one. */
	set_flags(d, m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0);
	mask_all_entries(m);
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
	/*
	 * The address's two halves in one aligned QWORD write, which the
	 * table must take (PCI 3.0, 6.8.2): one exit, not two, an entry.
	 */
	writeq(MSI_ADDR_BASE | dest << MSI_ADDR_DEST_SHIFT, e + PCI_MSIX_ENTRY_ADDR_LO);
	writel(v, e + PCI_MSIX_ENTRY_DATA);
	m->vector[entry] = v;
	entry_mask(m, entry, false);
	return v;
}

int pci_msix_set_dest(struct pci_dev *d, unsigned int entry, u32 apic)
{
	struct pci_msix *m = d->msix;

	if (!m || entry >= m->nvec || !m->vector[entry])
		return -EINVAL;
	if (apic > MSI_MAX_DEST)
		return -ERANGE;
	/* Masked while the address changes: no message half old, half new. */
	entry_mask(m, entry, true);
	writel(MSI_ADDR_BASE | apic << MSI_ADDR_DEST_SHIFT,
	       entry_of(m, entry) + PCI_MSIX_ENTRY_ADDR_LO);
	entry_mask(m, entry, false);
	return 0;
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
