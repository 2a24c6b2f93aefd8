/* SPDX-License-Identifier: GPL-2.0 */
/* State shared by the PCI transports (modern and legacy). */
#ifndef _DRIVERS_VIRTIO_PCI_H
#define _DRIVERS_VIRTIO_PCI_H

#include <pvkit/errno.h>
#include <pvkit/pci.h>
#include <pvkit/printk.h>
#include <pvkit/virtio.h>

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_MAX_VQS	16

struct virtio_pci {
	struct virtio_device vdev;
	struct pci_dev *pci;
	/* modern */
	volatile u8 *common, *isr, *device, *notify;
	u32 device_len, notify_len, notify_mult;
	u16 numq;		/* the device's queues, read once */
	u16 q_size;		/* the selected queue's size as read */
	int q_select;		/* the queue selected, -1 unknown */
	/* legacy: the I/O BAR's base port and where device config starts */
	u16 io;
	u16 config_off;
	/* interrupts */
	bool msix;
	struct virtqueue *vqs[VIRTIO_PCI_MAX_VQS];
};

static inline struct virtio_pci *to_vp(struct virtio_device *vdev)
{
	return (struct virtio_pci *)vdev;
}

int virtio_pci_modern_probe(struct virtio_pci *vp);
#ifdef CONFIG_VIRTIO_PCI_LEGACY
int virtio_pci_legacy_probe(struct virtio_pci *vp);
#else
/* Left out: a device with only the legacy interface is not driven. */
static inline int virtio_pci_legacy_probe(struct virtio_pci *vp)
{
	pr_warn(PCI_DEV_FMT ": virtio with only the legacy interface, which this build leaves out\n",
		PCI_DEV_ARGS(vp->pci));
	return -ENODEV;
}
#endif
/* Interrupts: MSI-X with a vector per queue, else INTx, else polling. */
void virtio_pci_setup_irqs(struct virtio_pci *vp, unsigned int nvqs);
/* The vector a queue's MSI-X entry got, or -1 for INTx/polling. */
int virtio_pci_queue_irq(struct virtio_pci *vp, struct virtqueue *vq);
/* The queue's MSI-X message to CPU cpu's local APIC. */
int virtio_pci_set_vq_affinity(struct virtqueue *vq, unsigned int cpu);

#endif
