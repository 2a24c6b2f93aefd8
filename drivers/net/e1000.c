// SPDX-License-Identifier: GPL-2.0
/*
 * Intel 82540EM (QEMU's -device e1000) behind the net-device interface:
 * one receive and one transmit ring of legacy descriptors, INTx (the
 * 82540EM has no MSI), a work budget per interrupt.  Every register
 * access traps to the device model, so they are counted (as the
 * notifications of netbench) to compare with virtio-net.
 *
 * A descriptor is the device's until its DD bit is set; then its fields
 * are read once, and a length beyond the buffer, a frame split over
 * several buffers (impossible with 2 KiB buffers and long packets off)
 * or an error bit drops the frame, counted.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/iopoll.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include "e1000.h"

#define E1000_RESET_TIMEOUT_NS	(100 * 1000000ULL)

u32 e1000_rd(struct e1000 *e, u32 reg)
{
	e->net.stats.notifications++;
	return readl(e->regs + reg);
}

void e1000_wr(struct e1000 *e, u32 reg, u32 val)
{
	e->net.stats.notifications++;
	barrier();		/* descriptors are in memory before the device hears */
	writel(val, e->regs + reg);
}

int e1000_setup_rings(struct e1000 *e)
{
	u64 rx_phys, tx_phys;

	e->rx = alloc_pages(1);
	e->tx = alloc_pages(1);
	e->rx_bufs = alloc_pages(E1000_NR_RX * E1000_BUF_SIZE / PAGE_SIZE);
	e->tx_bufs = alloc_pages(E1000_NR_TX * E1000_BUF_SIZE / PAGE_SIZE);
	if (!e->rx || !e->tx || !e->rx_bufs || !e->tx_bufs)
		return -ENOMEM;
	memset(e->rx, 0, PAGE_SIZE);
	memset(e->tx, 0, PAGE_SIZE);
	for (unsigned int i = 0; i < E1000_NR_RX; i++)
		e->rx[i].addr = virt_to_phys(e->rx_bufs + i * E1000_BUF_SIZE);
	rx_phys = virt_to_phys(e->rx);
	tx_phys = virt_to_phys(e->tx);
	e1000_wr(e, E1000_RDBAL, (u32)rx_phys);
	e1000_wr(e, E1000_RDBAH, rx_phys >> 32);
	e1000_wr(e, E1000_RDLEN, E1000_NR_RX * sizeof(struct e1000_rx_desc));
	e1000_wr(e, E1000_RDH, 0);
	/* The device owns RDH up to RDT, exclusive: one descriptor stays ours. */
	e1000_wr(e, E1000_RDT, E1000_NR_RX - 1);
	e1000_wr(e, E1000_TDBAL, (u32)tx_phys);
	e1000_wr(e, E1000_TDBAH, tx_phys >> 32);
	e1000_wr(e, E1000_TDLEN, E1000_NR_TX * sizeof(struct e1000_tx_desc));
	e1000_wr(e, E1000_TDH, 0);
	e1000_wr(e, E1000_TDT, 0);
	e->rx_next = e->tx_tail = e->tx_clean = 0;
	return 0;
}

/* One filled descriptor: copied out and handed back before the stack sees it. */
static void receive_one(struct e1000 *e, struct e1000_rx_desc *d, u8 status)
{
	u16 len = READ_ONCE(d->length);
	u8 errors = READ_ONCE(d->errors);
	bool eop = status & E1000_RXD_EOP, was_in_frame = e->in_frame;

	e->in_frame = !eop;
	if (was_in_frame || !eop || errors || len < ETH_HLEN || len > E1000_MAX_FRAME) {
		/* The tail of a split frame was counted with its head. */
		if (!was_in_frame)
			e->net.stats.rx_dropped++;
		return;
	}
	memcpy(e->frame, e->rx_bufs + (d - e->rx) * E1000_BUF_SIZE, len);
	e->net.stats.rx_frames++;
	netdev_receive(&e->net, e->frame, len);
}

unsigned int e1000_clean_rx(struct e1000 *e, unsigned int budget)
{
	unsigned int n = 0;

	while (n < budget && !e->net.broken) {
		struct e1000_rx_desc *d = &e->rx[e->rx_next];
		u8 status = READ_ONCE(d->status);

		if (!(status & E1000_RXD_DD))
			break;
		barrier();	/* the rest of the descriptor after DD */
		/* Ours until RDT passes it: the stack may transmit from here. */
		WRITE_ONCE(d->status, 0);
		e->rx_next = (e->rx_next + 1) % E1000_NR_RX;
		receive_one(e, d, status);
		n++;
	}
	if (n)
		e1000_wr(e, E1000_RDT, (e->rx_next + E1000_NR_RX - 1) % E1000_NR_RX);
	return n;
}

/* Transmit descriptors the device marked done become free again. */
static void reap_tx(struct e1000 *e)
{
	while (e->tx_clean != e->tx_tail &&
	       (READ_ONCE(e->tx[e->tx_clean].status) & E1000_TXD_DD))
		e->tx_clean = (e->tx_clean + 1) % E1000_NR_TX;
}

int e1000_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct e1000 *e = container_of(dev, struct e1000, net);
	unsigned long flags;
	unsigned int i;
	int err = -ENOSPC;

	if (len > E1000_MAX_FRAME || !len || dev->broken) {
		dev->stats.tx_dropped++;
		return dev->broken ? -EIO : -EINVAL;
	}
	flags = local_irq_save();
	reap_tx(e);
	i = e->tx_tail;
	if ((i + 1) % E1000_NR_TX != e->tx_clean) {
		memcpy(e->tx_bufs + i * E1000_BUF_SIZE, frame, len);
		e->tx[i] = (struct e1000_tx_desc){
			.addr = virt_to_phys(e->tx_bufs + i * E1000_BUF_SIZE),
			.length = len,
			.cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS,
		};
		e->tx_tail = (i + 1) % E1000_NR_TX;
		e1000_wr(e, E1000_TDT, e->tx_tail);
		dev->stats.tx_frames++;
		err = 0;
	} else {
		dev->stats.tx_dropped++;
	}
	local_irq_restore(flags);
	return err;
}

/*
 * INTx is shared and level-triggered: reading ICR acknowledges it.  A
 * budget bounds the work; what is left raises the interrupt again
 * through ICS rather than keep us here.
 */
enum e1000_icr e1000_handle_icr(struct e1000 *e, u32 icr)
{
	if (!icr || e->net.broken)
		return icr ? E1000_ICR_BROKEN : E1000_ICR_NOT_OURS;
	if (icr == ~0U) {
		/* All ones: the function is gone (or lying); stop asking it. */
		pr_err("%s: e1000: ICR reads all ones; device shut off\n", e->net.name);
		e->net.broken = true;
		e1000_wr(e, E1000_IMC, ~0U);
		e1000_wr(e, E1000_RCTL, 0);
		return E1000_ICR_BROKEN;
	}
	e->net.stats.interrupts++;
	if (e1000_clean_rx(e, E1000_RX_BUDGET) == E1000_RX_BUDGET)
		e1000_wr(e, E1000_ICS, E1000_ICR_RXT0);
	reap_tx(e);
	return E1000_ICR_WORK;
}

#ifndef __HOST_TEST__
static void e1000_poll(struct netdev *dev)
{
	struct e1000 *e = container_of(dev, struct e1000, net);
	unsigned long flags = local_irq_save();

	e1000_clean_rx(e, E1000_NR_RX);
	reap_tx(e);
	local_irq_restore(flags);
}

static const struct netdev_ops e1000_ops = {
	.transmit = e1000_transmit,
	.poll = e1000_poll,
};

/*
 * Ours only if ICR had work: an all-ones ICR (a device gone) is left to
 * the PCI layer's stuck-line handling should the line stay asserted.
 */
static bool e1000_irq(void *data)
{
	struct e1000 *e = data;

	return e1000_handle_icr(e, e1000_rd(e, E1000_ICR)) == E1000_ICR_WORK;
}

/* One EEPROM word through EERD, bounded; -ETIMEDOUT if it never completes. */
static int eeprom_read(struct e1000 *e, u8 addr)
{
	u64 deadline = ktime_get_ns() + E1000_RESET_TIMEOUT_NS;

	e1000_wr(e, E1000_EERD, E1000_EERD_START | (u32)addr << 8);
	while (ktime_get_ns() < deadline) {
		u32 v = e1000_rd(e, E1000_EERD);

		if (v & E1000_EERD_DONE)
			return v >> 16;
		udelay(1);
	}
	return -ETIMEDOUT;
}

/* The MAC from EEPROM words 0-2, written to RAL0/RAH0 as the filter. */
static int read_mac(struct e1000 *e)
{
	for (int i = 0; i < 3; i++) {
		int w = eeprom_read(e, i);

		if (w < 0)
			return -ETIMEDOUT;
		e->net.mac[2 * i] = w;
		e->net.mac[2 * i + 1] = w >> 8;
	}
	if (e->net.mac[0] & 1 || !memcmp(e->net.mac, "\0\0\0\0\0\0", ETH_ALEN))
		return -EINVAL;
	e1000_wr(e, E1000_RAL0, e->net.mac[0] | e->net.mac[1] << 8 |
		 e->net.mac[2] << 16 | (u32)e->net.mac[3] << 24);
	e1000_wr(e, E1000_RAH0, e->net.mac[4] | e->net.mac[5] << 8 | E1000_RAH_AV);
	return 0;
}

static int reset(struct e1000 *e)
{
	u64 deadline = ktime_get_ns() + E1000_RESET_TIMEOUT_NS;

	e1000_wr(e, E1000_IMC, ~0U);
	e1000_wr(e, E1000_CTRL, e1000_rd(e, E1000_CTRL) | E1000_CTRL_RST);
	/* The bit clears itself once the reset is done (about 1 us). */
	if (mmio_wait(e->regs + E1000_CTRL, E1000_CTRL_RST, 0, deadline,
		      &e->net.stats.notifications))
		return -ETIMEDOUT;
	e1000_wr(e, E1000_IMC, ~0U);
	e1000_rd(e, E1000_ICR);
	e1000_wr(e, E1000_CTRL, e1000_rd(e, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE);
	return 0;
}

static int e1000_probe(struct pci_dev *d, const struct pci_device_id *id)
{
	struct e1000 *e = kzalloc(sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	pci_set_master(d);
	e->regs = pci_iomap(d, 0, 0, E1000_MMIO_SIZE);
	if (!e->regs)
		return -ENODEV;
	err = reset(e);
	if (!err)
		err = read_mac(e);
	if (!err)
		err = e1000_setup_rings(e);
	if (err) {
		pr_warn(PCI_DEV_FMT ": e1000: reset, EEPROM or rings failed (%d)\n", PCI_DEV_ARGS(d), err);
		return err;
	}
	/* No multicast: the table is cleared, broadcasts (ARP) pass. */
	for (unsigned int i = 0; i < 128; i++)
		e1000_wr(e, E1000_MTA + 4 * i, 0);
	e1000_wr(e, E1000_TIPG, 10 | 8 << 10 | 6 << 20);
	e1000_wr(e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT |
		 E1000_TCTL_COLD);
	e1000_wr(e, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC);
	e->net.driver = "e1000";
	e->net.mtu = 1500;
	e->net.ops = &e1000_ops;
	e->net.driver_data = e;
	d->driver_data = e;
	if (pci_request_intx(d, e1000_irq, e, "e1000") == 0)
		e1000_wr(e, E1000_IMS, E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0);
	else
		pr_warn(PCI_DEV_FMT ": e1000: no INTx: polled\n", PCI_DEV_ARGS(d));
	/* Set-up accesses are not per packet. */
	e->net.stats.notifications = 0;
	netdev_register(&e->net);
	return 0;
}

static const struct pci_device_id e1000_ids[] = {
	{ PCI_VENDOR_ID_INTEL, 0x100e },	/* 82540EM */
	{ 0, 0 }
};

static const struct pci_driver e1000_driver = {
	.name = "e1000",
	.ids = e1000_ids,
	.probe = e1000_probe,
};
DEFINE_PCI_DRIVER(e1000_driver);
#endif /* __HOST_TEST__ */
