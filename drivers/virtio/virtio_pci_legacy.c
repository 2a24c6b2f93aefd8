// SPDX-License-Identifier: GPL-2.0
/*
 * The legacy virtio PCI transport (virtio 1.2, 4.1.4.10 and the 0.9.5
 * draft): registers in I/O BAR 0, 32 feature bits, a device-chosen queue
 * size and a page-aligned split ring given as a page frame number.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <asm/io.h>
#include <asm/page.h>
#include <linux/virtio_pci.h>
#include "virtio_pci.h"

static u16 port(struct virtio_device *vdev, unsigned int reg)
{
	return to_vp(vdev)->io + reg;
}

static u8 legacy_get_status(struct virtio_device *vdev)
{
	return inb(port(vdev, VIRTIO_PCI_STATUS));
}

static void legacy_set_status(struct virtio_device *vdev, u8 status)
{
	outb(status, port(vdev, VIRTIO_PCI_STATUS));
}

static void legacy_reset(struct virtio_device *vdev)
{
	outb(0, port(vdev, VIRTIO_PCI_STATUS));
	/* Reading the ISR flushes the reset, as legacy devices want. */
	inb(port(vdev, VIRTIO_PCI_ISR));
}

static u64 legacy_get_features(struct virtio_device *vdev)
{
	return inl(port(vdev, VIRTIO_PCI_HOST_FEATURES));
}

static void legacy_set_features(struct virtio_device *vdev, u64 f)
{
	outl((u32)f, port(vdev, VIRTIO_PCI_GUEST_FEATURES));
}

static void legacy_get_config(struct virtio_device *vdev, unsigned int off,
			      void *buf, unsigned int len)
{
	struct virtio_pci *vp = to_vp(vdev);
	u32 bar_len = vp->pci->bar[0].size;
	u8 *out = buf;

	for (unsigned int i = 0; i < len; i++) {
		u32 reg = vp->config_off + off + i;

		out[i] = reg < bar_len ? inb(vp->io + reg) : 0;
	}
}

static void legacy_set_config(struct virtio_device *vdev, unsigned int off,
			      const void *buf, unsigned int len)
{
	struct virtio_pci *vp = to_vp(vdev);
	const u8 *in = buf;

	for (unsigned int i = 0; i < len; i++) {
		u32 reg = vp->config_off + off + i;

		if (reg < vp->pci->bar[0].size)
			outb(in[i], vp->io + reg);
	}
}

/* Legacy devices have no generation counter. */
static u32 legacy_generation(struct virtio_device *vdev)
{
	return 0;
}

/* Legacy has no queue count: the first queue of size 0 ends them. */
static __setup_code unsigned int legacy_count_queues(struct virtio_device *vdev)
{
	unsigned int nvqs = 0;

	while (nvqs < VIRTIO_PCI_MAX_VQS) {
		outw(nvqs, port(vdev, VIRTIO_PCI_QUEUE_SEL));
		if (!inw(port(vdev, VIRTIO_PCI_QUEUE_NUM)))
			break;
		nvqs++;
	}
	return nvqs;
}

static unsigned int legacy_queue_max(struct virtio_device *vdev, unsigned int index)
{
	struct virtio_pci *vp = to_vp(vdev);

	/*
	 * The features are written: the device has all the queues it will
	 * (QEMU's virtio-net adds its pairs for VIRTIO_NET_F_MQ then).
	 */
	if (!vp->irqs_chosen)
		virtio_pci_setup_irqs(vp, legacy_count_queues(vdev));
	outw(index, port(vdev, VIRTIO_PCI_QUEUE_SEL));
	/* A queue already in use (PFN set) is not ours to take. */
	if (inl(port(vdev, VIRTIO_PCI_QUEUE_PFN)))
		return 0;
	return inw(port(vdev, VIRTIO_PCI_QUEUE_NUM));
}

static __setup_code int legacy_setup_vq(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtio_pci *vp = to_vp(vdev);

	if (vq->desc_phys >> (32 + VIRTIO_PCI_QUEUE_ADDR_SHIFT)) {
		pr_err("%s: ring above what a legacy PFN reaches\n", vdev->name);
		return -ERANGE;
	}
	virtio_pci_queue_irq(vp, vq);
	outw(vq->index, port(vdev, VIRTIO_PCI_QUEUE_SEL));
	outl(vq->desc_phys >> VIRTIO_PCI_QUEUE_ADDR_SHIFT, port(vdev, VIRTIO_PCI_QUEUE_PFN));
	vq->notify_addr = NULL;
	return 0;
}

/* The vector registers are there while MSI-X is on (VIRTIO_PCI_CONFIG_OFF). */
static __setup_code u16 legacy_set_vector(struct virtio_pci *vp, int index, u16 vector)
{
	u16 reg = VIRTIO_MSI_CONFIG_VECTOR;

	if (index != VP_CONFIG) {
		outw(index, port(&vp->vdev, VIRTIO_PCI_QUEUE_SEL));
		reg = VIRTIO_MSI_QUEUE_VECTOR;
	}
	outw(vector, port(&vp->vdev, reg));
	return inw(port(&vp->vdev, reg));
}

static void legacy_notify(struct virtqueue *vq)
{
	outw(vq->index, port(vq->vdev, VIRTIO_PCI_QUEUE_NOTIFY));
}

static const struct virtio_config_ops legacy_ops = {
	.name = "pci-legacy",
	.get_status = legacy_get_status,
	.set_status = legacy_set_status,
	.reset = legacy_reset,
	.get_features = legacy_get_features,
	.set_features = legacy_set_features,
	.get_config = legacy_get_config,
	.set_config = legacy_set_config,
	.generation = legacy_generation,
	.queue_max_size = legacy_queue_max,
	.setup_vq = legacy_setup_vq,
	.notify = legacy_notify,
#ifdef CONFIG_VIRTIO_MQ
	.set_vq_affinity = virtio_pci_set_vq_affinity,
#endif
	/* Split rings only; indirect and event indices were already there. */
	.transport_features = (1ULL << VIRTIO_RING_F_EVENT_IDX) |
			      (1ULL << VIRTIO_RING_F_INDIRECT_DESC),
	.legacy = true,
};

__setup_code int virtio_pci_legacy_probe(struct virtio_pci *vp)
{
	struct pci_dev *d = vp->pci;

	if (!d->bar[0].io || d->bar[0].size < VIRTIO_PCI_CONFIG_OFF(false) ||
	    d->bar[0].addr > 0xffff)
		return -ENODEV;
	vp->io = d->bar[0].addr;
	vp->vdev.config = &legacy_ops;
	vp->set_vector = legacy_set_vector;
	vp->vdev.id = d->subsystem_device;
	vp->vdev.vendor = d->subsystem_vendor;
	/* MSI-X is off until the first queue: configuration at 20 till then. */
	vp->config_off = VIRTIO_PCI_CONFIG_OFF(false);
	return 0;
}
