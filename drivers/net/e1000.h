/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel 82540EM (e1000, PCI 8086:100e) as the driver uses it: the few
 * registers (8254x Software Developer's Manual, 13), the legacy receive
 * and transmit descriptors (3.2.3, 3.3.3), and the driver's state, which
 * the host unit tests share to drive the rings with a hostile fake.
 */
#ifndef _DRIVERS_NET_E1000_H
#define _DRIVERS_NET_E1000_H

#include <pvkit/netdev.h>
#include <pvkit/types.h>

#define E1000_CTRL	0x0000
#define  E1000_CTRL_SLU		(1 << 6)	/* set link up */
#define  E1000_CTRL_ASDE	(1 << 5)	/* auto speed detection */
#define  E1000_CTRL_RST		(1 << 26)
#define E1000_STATUS	0x0008
#define E1000_EERD	0x0014
#define  E1000_EERD_START	(1 << 0)
#define  E1000_EERD_DONE	(1 << 4)
#define E1000_ICR	0x00c0		/* read to clear */
#define E1000_ICS	0x00c8		/* sets causes: raises the interrupt */
#define E1000_IMS	0x00d0
#define E1000_IMC	0x00d8
#define  E1000_ICR_RXDMT0	(1 << 4)
#define  E1000_ICR_RXO		(1 << 6)
#define  E1000_ICR_RXT0		(1 << 7)
#define E1000_RCTL	0x0100
#define  E1000_RCTL_EN		(1 << 1)
#define  E1000_RCTL_BAM		(1 << 15)	/* broadcasts (ARP) */
#define  E1000_RCTL_SECRC	(1 << 26)	/* strip the FCS */
#define E1000_TCTL	0x0400
#define  E1000_TCTL_EN		(1 << 1)
#define  E1000_TCTL_PSP		(1 << 3)	/* pad short frames */
#define  E1000_TCTL_CT		(0x10 << 4)
#define  E1000_TCTL_COLD	(0x40 << 12)
#define E1000_TIPG	0x0410
#define E1000_RDBAL	0x2800
#define E1000_RDBAH	0x2804
#define E1000_RDLEN	0x2808
#define E1000_RDH	0x2810
#define E1000_RDT	0x2818
#define E1000_TDBAL	0x3800
#define E1000_TDBAH	0x3804
#define E1000_TDLEN	0x3808
#define E1000_TDH	0x3810
#define E1000_TDT	0x3818
#define E1000_MTA	0x5200		/* 128 dwords */
#define E1000_RAL0	0x5400
#define E1000_RAH0	0x5404
#define  E1000_RAH_AV		(1U << 31)
#define E1000_MMIO_SIZE	0x20000

struct e1000_rx_desc {
	u64 addr;
	u16 length;
	u16 csum;
	u8 status;
	u8 errors;
	u16 special;
};

struct e1000_tx_desc {
	u64 addr;
	u16 length;
	u8 cso;
	u8 cmd;
	u8 status;
	u8 css;
	u16 special;
};

#define E1000_RXD_DD		(1 << 0)
#define E1000_RXD_EOP		(1 << 1)
#define E1000_TXD_CMD_EOP	(1 << 0)
#define E1000_TXD_CMD_IFCS	(1 << 1)
#define E1000_TXD_CMD_RS	(1 << 3)
#define E1000_TXD_DD		(1 << 0)

#define E1000_NR_RX		64	/* a multiple of 8: ring sizes are in 128 bytes */
#define E1000_NR_TX		64
#define E1000_BUF_SIZE		2048	/* RCTL.BSIZE 0 */
#define E1000_MAX_FRAME		ETH_MAX_FRAME_VLAN
#define E1000_RX_BUDGET		32	/* frames per interrupt */

struct e1000 {
	struct netdev net;
	volatile u8 *regs;
	struct e1000_rx_desc *rx;
	struct e1000_tx_desc *tx;
	u8 *rx_bufs, *tx_bufs;
	unsigned int rx_next;		/* next descriptor the device fills */
	unsigned int tx_tail, tx_clean;	/* next to use, oldest not seen done */
	bool in_frame;			/* dropping the rest of a frame without EOP */
	u8 frame[E1000_MAX_FRAME];	/* the copy the stack is given */
};

/* Register accesses trap; each counts as a notification. */
u32 e1000_rd(struct e1000 *e, u32 reg);
void e1000_wr(struct e1000 *e, u32 reg, u32 val);
/* Allocates and programs both rings; 0 or -ENOMEM. */
int e1000_setup_rings(struct e1000 *e);
/* Receives up to budget frames; returns how many descriptors were used. */
unsigned int e1000_clean_rx(struct e1000 *e, unsigned int budget);
/* 0, -EINVAL (length), -EIO (device shut off) or -ENOSPC (ring full). */
int e1000_transmit(struct netdev *dev, const void *frame, size_t len);

/* What an ICR value read in the interrupt handler meant. */
enum e1000_icr {
	E1000_ICR_NOT_OURS,	/* 0: another device on the shared line */
	E1000_ICR_BROKEN,	/* all ones: the device was shut off */
	E1000_ICR_WORK,		/* ours: the rings were served */
};
enum e1000_icr e1000_handle_icr(struct e1000 *e, u32 icr);

#endif
