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

/*
 * Set-up, run once a device or queue: compiled for size (GCC's cold),
 * out of the hot paths' way.
 */
#define __setup_code	__attribute__((__cold__))

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
	/* interrupts (virtio_pci_setup_irqs) */
	bool msix;		/* MSI-X on: entry 0 for configuration changes */
	bool per_vq;		/* and entry 1 + n for queue n, else 1 for all */
	bool irqs_chosen;	/* virtio_pci_setup_irqs() ran */
	bool irq_said;		/* the mode logged, the config vector set */
	u16 nvqs;		/* the queues the mode was chosen for */
	/*
	 * The transport's: writes vector to queue index's vector register
	 * (VP_CONFIG: the configuration change one) and returns what the
	 * device reads back, VIRTIO_MSI_NO_VECTOR when it refuses it.
	 */
	u16 (*set_vector)(struct virtio_pci *vp, int index, u16 vector);
	struct virtqueue *vqs[VIRTIO_PCI_MAX_VQS];
};

#define VP_CONFIG	(-1)

static inline struct virtio_pci *to_vp(struct virtio_device *vdev)
{
	return (struct virtio_pci *)vdev;
}

__setup_code int virtio_pci_modern_probe(struct virtio_pci *vp);
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
/*
 * Interrupts for the device's nvqs queues: MSI-X with a vector per
 * queue, else MSI-X with one vector all queues share, else INTx, else
 * polling; vp->set_vector must be set.  Chosen at the first queue's
 * queue_max_size(), once the features are negotiated (FEATURES_OK): a
 * device may add queues for a feature (QEMU's virtio-net its pairs and
 * control queue for VIRTIO_NET_F_MQ), as Linux's vp_find_vqs() counts
 * them then too.
 */
void virtio_pci_setup_irqs(struct virtio_pci *vp, unsigned int nvqs);
/*
 * Hooks queue vq's interrupt: its
 * vector written and checked; on the first queue after a reset the
 * configuration vector too, and the mode logged.
 */
void virtio_pci_queue_irq(struct virtio_pci *vp, struct virtqueue *vq);
/* The queue's MSI-X message to CPU cpu's local APIC. */
int virtio_pci_set_vq_affinity(struct virtqueue *vq, unsigned int cpu);

#endif
