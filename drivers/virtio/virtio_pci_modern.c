// SPDX-License-Identifier: GPL-2.0
/*
 * The modern virtio PCI transport (virtio 1.2, 4.1.4): the device's
 * structures are found through vendor capabilities naming a BAR, an
 * offset and a length; each is mapped only after those are checked
 * against the BAR.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/io.h>
#include <pvkit/string.h>
#include <linux/virtio_pci.h>
#include "virtio_pci.h"

#define PCI_CAP_ID_VNDR		0x09

static volatile u8 *cmn(struct virtio_device *vdev, unsigned int off)
{
	return to_vp(vdev)->common + off;
}

static u8 modern_get_status(struct virtio_device *vdev)
{
	return readb(cmn(vdev, VIRTIO_PCI_COMMON_STATUS));
}

static void modern_set_status(struct virtio_device *vdev, u8 status)
{
	writeb(status, cmn(vdev, VIRTIO_PCI_COMMON_STATUS));
}

/* Reset is complete when the device reads back 0 (4.1.4.3.2). */
static void modern_reset(struct virtio_device *vdev)
{
	to_vp(vdev)->q_select = -1;
	writeb(0, cmn(vdev, VIRTIO_PCI_COMMON_STATUS));
	for (int i = 0; i < 1000000 && readb(cmn(vdev, VIRTIO_PCI_COMMON_STATUS)); i++)
		__asm__ __volatile__("pause");
}

static u64 modern_get_features(struct virtio_device *vdev)
{
	u64 f;

	writel(0, cmn(vdev, VIRTIO_PCI_COMMON_DFSELECT));
	f = readl(cmn(vdev, VIRTIO_PCI_COMMON_DF));
	writel(1, cmn(vdev, VIRTIO_PCI_COMMON_DFSELECT));
	return f | (u64)readl(cmn(vdev, VIRTIO_PCI_COMMON_DF)) << 32;
}

static void modern_set_features(struct virtio_device *vdev, u64 f)
{
	writel(0, cmn(vdev, VIRTIO_PCI_COMMON_GFSELECT));
	writel((u32)f, cmn(vdev, VIRTIO_PCI_COMMON_GF));
	writel(1, cmn(vdev, VIRTIO_PCI_COMMON_GFSELECT));
	writel(f >> 32, cmn(vdev, VIRTIO_PCI_COMMON_GF));
}

/* Fields are read at their natural width where it fits, as the spec asks. */
static void modern_get_config(struct virtio_device *vdev, unsigned int off,
			      void *buf, unsigned int len)
{
	struct virtio_pci *vp = to_vp(vdev);
	volatile u8 *p = vp->device + off;
	u8 *out = buf;

	if (!vp->device || off + len > vp->device_len || off + len < off) {
		memset(buf, 0, len);
		return;
	}
	if (len == 2) {
		u16 v = readw(p);

		memcpy(buf, &v, 2);
	} else if (len % 4 == 0 && off % 4 == 0) {
		for (unsigned int i = 0; i < len; i += 4) {
			u32 v = readl(p + i);

			memcpy(out + i, &v, 4);
		}
	} else {
		for (unsigned int i = 0; i < len; i++)
			out[i] = readb(p + i);
	}
}

static void modern_set_config(struct virtio_device *vdev, unsigned int off,
			      const void *buf, unsigned int len)
{
	struct virtio_pci *vp = to_vp(vdev);
	const u8 *in = buf;

	if (!vp->device || off + len > vp->device_len || off + len < off)
		return;
	for (unsigned int i = 0; i < len; i++)
		writeb(in[i], vp->device + off + i);
}

static u32 modern_generation(struct virtio_device *vdev)
{
	return readb(cmn(vdev, VIRTIO_PCI_COMMON_CFGGENERATION));
}

/*
 * Each common configuration access is a VM exit under a hypervisor, and
 * a queue took 15 to set up: the number of queues (read-only) is read
 * once, at the first queue, the queue selector written only when it changes, the
 * size only when smaller than the device's (which it holds after the
 * reset), and the ring addresses are one 64-bit write each, the natural
 * access for a 64-bit field (4.1.3.1): 9 now.
 */
static void select_queue(struct virtio_pci *vp, unsigned int index)
{
	if (vp->q_select != (int)index)
		writew(index, vp->common + VIRTIO_PCI_COMMON_Q_SELECT);
	vp->q_select = index;
}

static unsigned int modern_queue_max(struct virtio_device *vdev, unsigned int index)
{
	struct virtio_pci *vp = to_vp(vdev);

	/* The features are negotiated: the device has all the queues it will. */
	if (!vp->irqs_chosen) {
		vp->numq = readw(cmn(vdev, VIRTIO_PCI_COMMON_NUMQ));
		virtio_pci_setup_irqs(vp, min(vp->numq, (u16)VIRTIO_PCI_MAX_VQS));
	}
	if (index >= vp->numq)
		return 0;
	select_queue(vp, index);
	vp->q_size = readw(cmn(vdev, VIRTIO_PCI_COMMON_Q_SIZE));
	return vp->q_size;
}

static void write64(struct virtio_device *vdev, unsigned int lo, u64 v)
{
	writeq(v, cmn(vdev, lo));
}

static __setup_code int modern_setup_vq(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtio_pci *vp = to_vp(vdev);
	u64 noff;

	if (vp->q_select != (int)vq->index) {
		select_queue(vp, vq->index);
		vp->q_size = readw(cmn(vdev, VIRTIO_PCI_COMMON_Q_SIZE));
	}
	if (vq->num != vp->q_size)
		writew(vq->num, cmn(vdev, VIRTIO_PCI_COMMON_Q_SIZE));
	write64(vdev, VIRTIO_PCI_COMMON_Q_DESCLO, vq->desc_phys);
	write64(vdev, VIRTIO_PCI_COMMON_Q_AVAILLO, vq->driver_phys);
	write64(vdev, VIRTIO_PCI_COMMON_Q_USEDLO, vq->device_phys);
	virtio_pci_queue_irq(vp, vq);
	noff = (u64)readw(cmn(vdev, VIRTIO_PCI_COMMON_Q_NOFF)) * vp->notify_mult;
	if (noff + 2 > vp->notify_len) {
		pr_err("%s: queue %u notify offset %#llx outside the %u-byte window\n",
		       vdev->name, vq->index, noff, vp->notify_len);
		return -EINVAL;
	}
	vq->notify_addr = (void *)(vp->notify + noff);
	writew(1, cmn(vdev, VIRTIO_PCI_COMMON_Q_ENABLE));
	return 0;
}

static __setup_code u16 modern_set_vector(struct virtio_pci *vp, int index, u16 vector)
{
	unsigned int off = VIRTIO_PCI_COMMON_MSIX;

	if (index != VP_CONFIG) {
		select_queue(vp, index);
		off = VIRTIO_PCI_COMMON_Q_MSIX;
	}
	writew(vector, vp->common + off);
	return readw(vp->common + off);
}

static void modern_notify(struct virtqueue *vq)
{
	writew(vq->index, vq->notify_addr);
}

static const struct virtio_config_ops modern_ops = {
	.name = "pci-modern",
	.get_status = modern_get_status,
	.set_status = modern_set_status,
	.reset = modern_reset,
	.get_features = modern_get_features,
	.set_features = modern_set_features,
	.get_config = modern_get_config,
	.set_config = modern_set_config,
	.generation = modern_generation,
	.queue_max_size = modern_queue_max,
	.setup_vq = modern_setup_vq,
	.notify = modern_notify,
#ifdef CONFIG_VIRTIO_MQ
	.set_vq_affinity = virtio_pci_set_vq_affinity,
#endif
	.transport_features = (1ULL << VIRTIO_F_VERSION_1) |
			      (1ULL << VIRTIO_F_RING_PACKED) |
			      (1ULL << VIRTIO_RING_F_EVENT_IDX) |
			      (1ULL << VIRTIO_RING_F_INDIRECT_DESC),
};

struct vcap {
	u8 type, bar;
	u32 offset, length;
	u8 pos;
};

#define VIRTIO_PCI_MAX_CAPS	16

struct vcaps {
	unsigned int nr;
	struct vcap cap[VIRTIO_PCI_MAX_CAPS];
};

/*
 * The vendor capabilities of the types mapped here, read once: one walk
 * of the list, which gives the type in the first dword, then BAR, offset
 * and length.
 * Each configuration read is a VM exit under a hypervisor; walking the
 * list again for each type and reading every field of every capability
 * took some 190 of them a device.
 */
static __setup_code void read_vcaps(struct pci_dev *d, struct vcaps *vc)
{
	u8 pos[VIRTIO_PCI_MAX_CAPS];
	u32 hdr[VIRTIO_PCI_MAX_CAPS];
	struct pci_caps all = { .max = ARRAY_SIZE(pos), .pos = pos, .hdr = hdr };
	unsigned int n = pci_find_all_capabilities(d, PCI_CAP_ID_VNDR, &all);

	vc->nr = 0;
	for (unsigned int i = 0; i < n; i++) {
		/* cap_vndr, cap_next, cap_len, cfg_type: read by the walk */
		u8 type = hdr[i] >> 24;
		struct vcap *c;

		if (type < VIRTIO_PCI_CAP_COMMON_CFG || type > VIRTIO_PCI_CAP_DEVICE_CFG)
			continue;
		c = &vc->cap[vc->nr++];
		c->type = type;
		c->pos = pos[i];
		c->bar = pci_read8(d, pos[i] + VIRTIO_PCI_CAP_BAR);
		c->offset = pci_read32(d, pos[i] + VIRTIO_PCI_CAP_OFFSET);
		c->length = pci_read32(d, pos[i] + VIRTIO_PCI_CAP_LENGTH);
	}
}

/* The first capability of each type whose BAR can be mapped. */
static __setup_code volatile u8 *map_cap(struct virtio_pci *vp, const struct vcaps *vc,
			    u8 type, u32 min_len, struct vcap *found)
{
	for (unsigned int i = 0; i < vc->nr; i++) {
		const struct vcap *c = &vc->cap[i];
		volatile u8 *p;

		if (c->type != type || c->bar > 5 || c->length < min_len)
			continue;
		p = pci_iomap(vp->pci, c->bar, c->offset, c->length);
		if (!p)
			continue;
		*found = *c;
		return p;
	}
	return NULL;
}

int virtio_pci_modern_probe(struct virtio_pci *vp)
{
	struct pci_dev *d = vp->pci;
	struct vcaps vc;
	struct vcap c;

	read_vcaps(d, &vc);
	vp->common = map_cap(vp, &vc, VIRTIO_PCI_CAP_COMMON_CFG,
			     sizeof(struct virtio_pci_common_cfg), &c);
	vp->isr = map_cap(vp, &vc, VIRTIO_PCI_CAP_ISR_CFG, 1, &c);
	vp->notify = map_cap(vp, &vc, VIRTIO_PCI_CAP_NOTIFY_CFG, 2, &c);
	if (!vp->common || !vp->isr || !vp->notify)
		return -ENODEV;
	vp->notify_len = c.length;
	vp->notify_mult = pci_read32(d, c.pos + sizeof(struct virtio_pci_cap));
	vp->device = map_cap(vp, &vc, VIRTIO_PCI_CAP_DEVICE_CFG, 1, &c);
	vp->device_len = vp->device ? c.length : 0;

	vp->vdev.config = &modern_ops;
	vp->vdev.id = d->device >= 0x1040 ? d->device - 0x1040 : d->subsystem_device;
	vp->vdev.vendor = d->subsystem_vendor;
	vp->q_select = -1;
	vp->set_vector = modern_set_vector;
	return 0;
}
