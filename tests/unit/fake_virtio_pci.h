/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake modern virtio-pci function for the host (fake_virtio_pci.c):
 * vendor capabilities in its config space, the common configuration
 * registers of virtio 1.2 4.1.4.3 played as a device plays them, an
 * MSI-X table of a chosen size (0: no MSI-X capability) and INTx where
 * the test says the machine has it.  The driver under test is the real
 * drivers/virtio/virtio_pci*.c, built with HOST_FAKE_IO.
 */
#ifndef _TESTS_UNIT_FAKE_VIRTIO_PCI_H
#define _TESTS_UNIT_FAKE_VIRTIO_PCI_H

#include <pvkit/irq.h>
#include <pvkit/pci.h>
#include <pvkit/virtio.h>

#define FAKE_VPCI_MAX_QUEUES	24	/* virtio-net's 9 pairs and control queue: 19 */
#define FAKE_VPCI_NO_VECTOR	0xffff
/* The device type (0x1040 + id): one only the test's driver takes. */
#define FAKE_VPCI_DEVICE_ID	63

struct fake_vpci {
	struct pci_dev pci;
	/* what the test chooses */
	unsigned int numq;		/* the device's queues */
	/*
	 * The queues it has once FEATURES_OK is set, 0: numq throughout
	 * (QEMU's virtio-net adds its pairs then, for VIRTIO_NET_F_MQ);
	 * a reset takes them back to reset_numq.
	 */
	unsigned int features_ok_numq, reset_numq;
	unsigned int table_size;	/* MSI-X entries; 0: no capability */
	int refuse;			/* a vector it reads back as NO_VECTOR, or -1 */
	bool intx;			/* the machine routes its INTx line */
	/* device state */
	u8 status;
	u16 msix_config;
	u16 q_select;
	struct {
		u16 size, vector, enable;
		unsigned long notified;
	} q[FAKE_VPCI_MAX_QUEUES];
	/* the function's MSI-X: enabled entries and the handlers they got */
	int msix_nvec;			/* 0: MSI-X off */
	unsigned int msix_enables;	/* pci_msix_enable() calls that succeeded */
	struct {
		irq_handler_t handler;
		void *data;
	} entry[FAKE_VPCI_MAX_QUEUES + 1];
	/*
	 * The device status when the driver first read the queue count,
	 * first asked for MSI-X and for INTx (0xff: never): each after
	 * FEATURES_OK, where a device's queues are final.
	 */
	u8 status_at_numq, status_at_msix, status_at_intx;
	pci_intx_handler_t intx_handler;
	void *intx_data;
	u8 isr;
};

extern struct fake_vpci fake_vpci;

/* A fresh device (and function) with numq queues and table_size entries. */
void fake_vpci_init(unsigned int numq, unsigned int table_size, int refuse, bool intx);
/* From FEATURES_OK until a reset the device has numq queues. */
void fake_vpci_grow_at_features_ok(unsigned int numq);
/* Runs the "virtio-pci" PCI driver's probe on it. */
int fake_vpci_probe(void);
/*
 * The device signals queue index as it would: through the queue's MSI-X
 * entry when MSI-X is on, else INTx (ISR bit 0) when the line is hooked,
 * else nowhere.  Returns true if a handler ran.
 */
bool fake_vpci_signal(unsigned int index);

#endif
