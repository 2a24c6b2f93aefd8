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

/*
 * Entry 0 of the MSI-X table is for configuration changes; with a vector
 * per queue entry 1 + n is queue n's, else entry 1 is every queue's.
 */
#define MSIX_CONFIG_ENTRY	0
#define MSIX_SHARED_ENTRY	1

static void vq_msix_handler(void *data)
{
	virtqueue_interrupt(data);
}

static void config_msix_handler(void *data)
{
	struct virtio_pci *vp = data;

	virtio_config_changed(&vp->vdev);
}

/*
 * A vector (or line) every queue shares: each queue with used buffers
 * gets its callback, which takes at most its driver's per-interrupt
 * budget (IRQ_BUDGET) and defers the rest; at most VIRTIO_PCI_MAX_VQS.
 * Not inlined into the INTx handler: one copy.
 */
static __noinline void shared_msix_handler(void *data)
{
	struct virtio_pci *vp = data;

	for (unsigned int i = 0; i < VIRTIO_PCI_MAX_VQS; i++) {
		struct virtqueue *vq = vp->vqs[i];

		if (vq && virtqueue_more_used(vq))
			virtqueue_interrupt(vq);
	}
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
	shared_msix_handler(vp);
	return true;
}

/* The table entry (and device vector) queue index signals through. */
static u16 queue_entry(struct virtio_pci *vp, unsigned int index)
{
	return vp->per_vq ? 1 + index : MSIX_SHARED_ENTRY;
}

/*
 * MSI-X with the entries one way needs, the configuration entry's
 * handler (and the shared one's) requested: true when that worked, else
 * MSI-X is off again for the next way to try.  No device vector is
 * written here: the driver's reset takes them all back (4.1.4.3), so each
 * is written, and read back for a refusal (4.1.5.1.2), when it is first
 * used, at the queues' set-up.  Trying them all at probe as well cost
 * three exits a queue under a hypervisor.
 */
static __setup_code bool msix_try(struct virtio_pci *vp, bool per_vq)
{
	struct pci_dev *d = vp->pci;
	unsigned int nvec = per_vq ? 1 + vp->nvqs : 2;

	vp->per_vq = per_vq;
	if (pci_msix_enable(d, nvec) != (int)nvec)
		return false;
	/* Entry 0, and 1 when shared: a queue's own is asked for at its set-up. */
	for (unsigned int e = 0; e <= !per_vq; e++) {
		if (pci_msix_request(d, e, e ? shared_msix_handler : config_msix_handler,
				     vp, "virtio") < 0)
			goto off;
	}
	vp->msix = true;
	return true;
off:
	pci_msix_disable(d);
	return false;
}

/* INTx, else polling: MSI-X was not to be had or the device refused it. */
static __setup_code void intx_or_poll(struct virtio_pci *vp)
{
	if (pci_request_intx(vp->pci, intx_handler, vp, "virtio-pci") == 0)
		return;
	vp->vdev.polling = true;
}

__setup_code void virtio_pci_setup_irqs(struct virtio_pci *vp, unsigned int nvqs)
{
	vp->irqs_chosen = true;
	vp->nvqs = nvqs;
	if (!param_get_ull("virtio_pci.msix", 1) ||
	    (!(nvqs && msix_try(vp, true)) && !msix_try(vp, false)))
		intx_or_poll(vp);
	/* A legacy device's configuration moves on with MSI-X on. */
	if (vp->io)
		vp->config_off = VIRTIO_PCI_CONFIG_OFF(vp->msix);
}

/* Said once the device has its name, at its first queue, and at a change. */
static __setup_code void say_irq_mode(struct virtio_pci *vp)
{
	if (vp->vdev.polling)
		pr_warn("%s: no MSI-X and no INTx: polling\n", vp->vdev.name);
	else
		pr_notice("%s: %s, queues: %u\n", vp->vdev.name,
			  !vp->msix ? "INTx" : vp->per_vq ? "MSI-X (per queue)" :
			  "MSI-X (shared)", vp->nvqs);
}

/*
 * The device refused a vector: the vectors it took unmapped (one write
 * each, nothing to read back), MSI-X off, and INTx or polling.  The
 * unmapping comes first: a legacy device's vector registers exist only
 * while MSI-X is on, and with it off the same offsets are the device's
 * configuration (virtio-net's MAC, which the device lets us write).  A
 * legacy device's configuration moves back with MSI-X off.
 */
static __setup_code void msix_refused(struct virtio_pci *vp)
{
	/* Legacy with MSI-X off already (a failed switch to shared): none to unmap. */
	bool unmap = vp->msix || !vp->io;

	if (unmap)
		vp->set_vector(vp, VP_CONFIG, VIRTIO_MSI_NO_VECTOR);
	for (unsigned int i = 0; i < VIRTIO_PCI_MAX_VQS; i++) {
		if (vp->vqs[i]) {
			if (unmap)
				vp->set_vector(vp, i, VIRTIO_MSI_NO_VECTOR);
			vp->vqs[i]->msix_vector = -ENODEV;
		}
	}
	pci_msix_disable(vp->pci);
	vp->msix = false;
	vp->per_vq = false;
	if (vp->io)
		vp->config_off = VIRTIO_PCI_CONFIG_OFF(false);
	intx_or_poll(vp);
}

/*
 * A queue refused its own vector: one vector all queues share instead,
 * written again to the queues set up before it (the configuration one
 * keeps entry 0).  False when that is refused too or not to be had.
 */
static __setup_code bool per_vq_to_shared(struct virtio_pci *vp)
{
	pci_msix_disable(vp->pci);
	vp->msix = false;
	if (!msix_try(vp, false))
		return false;
	for (unsigned int i = 0; i < VIRTIO_PCI_MAX_VQS; i++) {
		struct virtqueue *vq = vp->vqs[i];

		if (!vq)
			continue;
		vq->msix_vector = 0;
		if (vp->set_vector(vp, i, MSIX_SHARED_ENTRY) != MSIX_SHARED_ENTRY)
			return false;
	}
	return true;
}

/*
 * Queue vq's vector written and read back (vp->vqs[] holds it already):
 * a refusal moves the device to the next way, whose vectors are written
 * by the caller's next look.  False when MSI-X is left for INTx.
 */
static __setup_code bool queue_vector(struct virtio_pci *vp, struct virtqueue *vq)
{
	unsigned int index = vq->index;
	u16 entry = queue_entry(vp, index);

	vq->msix_vector = vp->per_vq ? pci_msix_request(vp->pci, entry, vq_msix_handler,
							  vq, vq->name) : 0;
	if (vq->msix_vector >= 0 && vp->set_vector(vp, index, entry) == entry)
		return true;
	pr_warn("%s: queue %u: vector %u refused\n", vp->vdev.name, index, entry);
	if (vp->per_vq && per_vq_to_shared(vp))
		return true;
	msix_refused(vp);
	return false;
}

__setup_code void virtio_pci_queue_irq(struct virtio_pci *vp, struct virtqueue *vq)
{
	struct virtio_device *vdev = &vp->vdev;
	unsigned int index = vq->index;
	bool said = vp->irq_said, per_vq = vp->per_vq, msix = vp->msix;

	vq->msix_vector = -ENODEV;
	if (index < VIRTIO_PCI_MAX_VQS && vq->callback)
		vp->vqs[index] = vq;
	/* A reset took it back: configuration changes signal again. */
	if (!said && vp->msix &&
	    vp->set_vector(vp, VP_CONFIG, MSIX_CONFIG_ENTRY) != MSIX_CONFIG_ENTRY) {
		pr_warn("%s: configuration vector refused\n", vdev->name);
		msix_refused(vp);
	}
	/*
	 * A queue its driver polls (no callback: virtio-net's control
	 * queue, 2 x max_virtqueue_pairs, past the 16 with 8 pairs or more)
	 * takes no vector and is no queue to poll for, wherever it is; the
	 * reset left it none.  Vectors were chosen for the first nvqs
	 * queues: one beyond with a callback is polled.
	 */
	if (vq->callback && vp->msix && index < vp->nvqs) {
		queue_vector(vp, vq);
	} else if (vq->callback && vp->msix) {
		pr_warn("%s: queue %u: no vector, polling\n", vdev->name, index);
		vdev->polling = true;
	}
	if (!said || per_vq != vp->per_vq || msix != vp->msix)
		say_irq_mode(vp);
	vp->irq_said = true;
}

#ifdef CONFIG_VIRTIO_MQ
int virtio_pci_set_vq_affinity(struct virtqueue *vq, unsigned int cpu)
{
	struct virtio_pci *vp = to_vp(vq->vdev);

	/* A vector per queue only (so MSI-X): a shared one would move them all. */
	if (!vp->per_vq || vq->msix_vector < 0)
		return -ENODEV;
	if (!cpu_online(cpu))
		return -EINVAL;
	return pci_msix_set_dest(vp->pci, 1 + vq->index, percpu_area[cpu].apic_id);
}
#endif

/* Only a build with the legacy transport is told to use it. */
static bool force_legacy(void)
{
#ifdef CONFIG_VIRTIO_PCI_LEGACY
	return param_get_ull("virtio_pci.force_legacy", 0);
#else
	return false;
#endif
}

static __setup_code int virtio_pci_probe(struct pci_dev *d, const struct pci_device_id *id)
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
	if (!force_legacy())
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
