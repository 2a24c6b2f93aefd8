// SPDX-License-Identifier: GPL-2.0
/*
 * virtio over PCI: the driver for vendor 0x1af4 functions, choosing the
 * modern transport (vendor capabilities, 0x1040+) or the legacy one (I/O
 * BAR 0, the transitional 0x1000-0x103f ids), and the interrupt set-up
 * both use.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <asm/io.h>
#include <asm/smp.h>
#include <linux/virtio_pci.h>
#include "virtio_pci.h"

/* Entry 0 of the MSI-X table is for configuration changes, 1 + n for queue n. */
#define MSIX_CONFIG_ENTRY	0

static void vq_msix_handler(void *data)
{
	virtqueue_interrupt(data);
}

static void config_msix_handler(void *data)
{
	struct virtio_pci *vp = data;

	virtio_config_changed(&vp->vdev);
}

/* INTx is shared and level-triggered: reading the ISR acknowledges it. */
static bool intx_handler(void *data)
{
	struct virtio_pci *vp = data;
	u8 isr = vp->isr ? readb(vp->isr) : inb(vp->io + 19);

	if (!isr)
		return false;
	if (isr & VIRTIO_PCI_ISR_CONFIG)
		virtio_config_changed(&vp->vdev);
	for (unsigned int i = 0; i < VIRTIO_PCI_MAX_VQS; i++) {
		if (vp->vqs[i])
			virtqueue_interrupt(vp->vqs[i]);
	}
	return true;
}

void virtio_pci_setup_irqs(struct virtio_pci *vp, unsigned int nvqs)
{
	struct pci_dev *d = vp->pci;
	bool msix_allowed = param_get_ull("virtio_pci.msix", 1);

	if (msix_allowed && pci_msix_enable(d, 1 + nvqs) == (int)(1 + nvqs) &&
	    pci_msix_request(d, MSIX_CONFIG_ENTRY, config_msix_handler, vp,
			     "virtio-config") >= 0) {
		vp->msix = true;
		return;
	}
	if (vp->msix)
		pci_msix_disable(d);
	vp->msix = false;
	if (pci_request_intx(d, intx_handler, vp, vp->vdev.name) == 0)
		return;
	pr_warn("%s: no MSI-X and no INTx: polling\n", vp->vdev.name);
	vp->vdev.polling = true;
}

int virtio_pci_queue_irq(struct virtio_pci *vp, struct virtqueue *vq)
{
	if (vq->index < VIRTIO_PCI_MAX_VQS)
		vp->vqs[vq->index] = vq;
	vq->msix_vector = vp->msix ? pci_msix_request(vp->pci, 1 + vq->index,
						      vq_msix_handler, vq, vq->name) : -ENODEV;
	return vq->msix_vector;
}

#ifdef CONFIG_VIRTIO_MQ
int virtio_pci_set_vq_affinity(struct virtqueue *vq, unsigned int cpu)
{
	struct virtio_pci *vp = to_vp(vq->vdev);

	if (!vp->msix || vq->msix_vector < 0)
		return -ENODEV;
	if (!cpu_online(cpu))
		return -EINVAL;
	return pci_msix_set_dest(vp->pci, 1 + vq->index, percpu_area[cpu].apic_id);
}
#endif

static int virtio_pci_probe(struct pci_dev *d, const struct pci_device_id *id)
{
	struct virtio_pci *vp;
	bool modern_id = d->device >= 0x1040 && d->device <= 0x107f;
	bool legacy_id = d->device >= 0x1000 && d->device <= 0x103f;
	int err;

	if (!modern_id && !legacy_id)
		return -ENODEV;
	vp = kzalloc(sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->pci = d;
	d->driver_data = vp;
	pci_set_master(d);
	/* A transitional device speaks both: modern unless told otherwise. */
	err = -ENODEV;
	if (!param_get_ull("virtio_pci.force_legacy", 0))
		err = virtio_pci_modern_probe(vp);
	if (err && legacy_id)
		err = virtio_pci_legacy_probe(vp);
	if (err)
		return err;
	return virtio_register_device(&vp->vdev);
}

static const struct pci_device_id virtio_pci_ids[] = {
	{ VIRTIO_PCI_VENDOR, PCI_ANY_ID },
	{ 0, 0 }
};

static const struct pci_driver virtio_pci_driver = {
	.name = "virtio-pci",
	.ids = virtio_pci_ids,
	.probe = virtio_pci_probe,
};
DEFINE_PCI_DRIVER(virtio_pci_driver);
