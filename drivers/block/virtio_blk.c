// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk (virtio 1.2, 5.2) behind the block-device interface.  A
 * request is a header, the data and a status byte; each in-flight
 * request has a slot holding its header and status in memory the device
 * can reach.
 */
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/errno.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <linux/virtio_blk.h>

#define VBLK_QUEUE_SIZE		256
#define VBLK_MAX_SECTORS	1024	/* 512 KiB per request */
#define VBLK_MAX_QUEUES		4

struct vblk_slot {
	struct virtio_blk_outhdr hdr;
	struct virtio_blk_discard_write_zeroes range;
	u8 status;
	struct blk_request *req;
	u32 data_len;
	bool in_use;
	u8 queue;
};

struct vblk {
	struct blkdev blk;
	struct virtio_device *vdev;
	/*
	 * With VIRTIO_BLK_F_MQ, requests are spread over the queues in
	 * turn; one vCPU gains nothing from a queue per CPU, but the device
	 * gets to work on several rings.
	 */
	struct virtqueue *vqs[VBLK_MAX_QUEUES];
	unsigned int nr_queues, next_queue;
	bool queued[VBLK_MAX_QUEUES];	/* added since the last kick */
	struct vblk_slot *slots;
	unsigned int nr_slots;
};

static struct vblk *to_vblk(struct blkdev *dev)
{
	return container_of(dev, struct vblk, blk);
}

static struct vblk_slot *get_slot(struct vblk *vb)
{
	for (unsigned int i = 0; i < vb->nr_slots; i++) {
		if (!vb->slots[i].in_use) {
			vb->slots[i].in_use = true;
			return &vb->slots[i];
		}
	}
	return NULL;
}

static u32 vblk_type(enum blk_op op)
{
	switch (op) {
	case BLK_READ: return VIRTIO_BLK_T_IN;
	case BLK_WRITE: return VIRTIO_BLK_T_OUT;
	case BLK_FLUSH: return VIRTIO_BLK_T_FLUSH;
	case BLK_DISCARD: return VIRTIO_BLK_T_DISCARD;
	case BLK_WRITE_ZEROES: return VIRTIO_BLK_T_WRITE_ZEROES;
	case BLK_GET_ID: return VIRTIO_BLK_T_GET_ID;
	}
	return VIRTIO_BLK_T_IN;
}

/* header, then data (read-only or writable), then the status byte. */
static unsigned int build(struct vblk_slot *s, struct blk_request *req,
			  struct vq_buf *b, unsigned int *out)
{
	unsigned int n = 0;

	b[n++] = (struct vq_buf){ virt_to_phys(&s->hdr), sizeof(s->hdr) };
	*out = 1;
	switch (req->op) {
	case BLK_WRITE:
		b[n++] = (struct vq_buf){ virt_to_phys(req->buf), s->data_len };
		*out = 2;
		break;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES:
		s->range = (struct virtio_blk_discard_write_zeroes){
			.sector = req->sector, .num_sectors = req->nr_sectors };
		b[n++] = (struct vq_buf){ virt_to_phys(&s->range), sizeof(s->range) };
		*out = 2;
		break;
	case BLK_READ:
	case BLK_GET_ID:
		b[n++] = (struct vq_buf){ virt_to_phys(req->buf), s->data_len };
		break;
	case BLK_FLUSH:
		break;
	}
	b[n++] = (struct vq_buf){ virt_to_phys(&s->status), 1 };
	return n;
}

static int vblk_submit(struct blkdev *dev, struct blk_request *req)
{
	struct vblk *vb = to_vblk(dev);
	struct vq_buf bufs[3];
	unsigned int n, out;
	unsigned long flags;
	struct vblk_slot *s;
	int err = BLK_EBUSY;

	if (vb->vdev->broken)
		return BLK_EBROKEN;
	flags = local_irq_save();
	s = get_slot(vb);
	if (!s)
		goto out;
	s->req = req;
	s->status = 0xff;		/* a device that writes nothing is caught */
	s->hdr = (struct virtio_blk_outhdr){ .type = vblk_type(req->op),
		.sector = req->op == BLK_READ || req->op == BLK_WRITE ? req->sector : 0 };
	s->data_len = req->op == BLK_GET_ID ? VIRTIO_BLK_ID_BYTES :
		      req->nr_sectors * SECTOR_SIZE;
	n = build(s, req, bufs, &out);
	s->queue = vb->next_queue;
	if (virtqueue_add(vb->vqs[s->queue], bufs, out, n - out, s)) {
		s->in_use = false;
		err = vb->vdev->broken ? BLK_EBROKEN : BLK_EBUSY;
		goto out;
	}
	vb->queued[s->queue] = true;
	vb->next_queue = (vb->next_queue + 1) % vb->nr_queues;
	err = 0;
out:
	local_irq_restore(flags);
	return err;
}

static void vblk_kick(struct blkdev *dev)
{
	struct vblk *vb = to_vblk(dev);
	unsigned long flags = local_irq_save();

	for (unsigned int q = 0; q < vb->nr_queues; q++) {
		if (!vb->queued[q])
			continue;
		if (virtqueue_kick(vb->vqs[q]))
			dev->stats.notifications++;
		vb->queued[q] = false;
	}
	local_irq_restore(flags);
}

/* The device said it is done: check what it says before believing it. */
static int status_of(struct vblk *vb, struct vblk_slot *s, u32 len)
{
	bool reads = s->req->op == BLK_READ || s->req->op == BLK_GET_ID;

	switch (s->status) {
	case VIRTIO_BLK_S_OK:
		if (reads && s->req->op == BLK_READ && len != s->data_len + 1) {
			virtio_break_device(vb->vdev, "read of %u bytes completed with %u",
					    s->data_len, len ? len - 1 : 0);
			return BLK_EBROKEN;
		}
		return BLK_OK;
	case VIRTIO_BLK_S_IOERR:
		return BLK_EIO;
	case VIRTIO_BLK_S_UNSUPP:
		return BLK_EUNSUPP;
	}
	virtio_break_device(vb->vdev, "status byte %#x", s->status);
	return BLK_EBROKEN;
}

static void finish(struct vblk_slot *s, int status)
{
	struct blk_request *req = s->req;

	s->in_use = false;
	s->req = NULL;
	blk_complete(req, status);
}

static void vblk_complete_queue(struct vblk *vb, struct virtqueue *vq)
{
	struct vblk_slot *s;
	u32 len;

	do {
		virtqueue_disable_cb(vq);
		while ((s = virtqueue_get_buf(vq, &len)))
			finish(s, status_of(vb, s, len));
	} while (!virtqueue_enable_cb(vq) && !vb->vdev->broken);
}

static void vblk_complete(struct vblk *vb)
{
	for (unsigned int q = 0; q < vb->nr_queues; q++)
		vblk_complete_queue(vb, vb->vqs[q]);
}

/* After the device was shut off, nothing will complete: fail what is in flight. */
static void fail_in_flight(struct vblk *vb)
{
	for (unsigned int i = 0; i < vb->nr_slots; i++) {
		if (vb->slots[i].in_use)
			finish(&vb->slots[i], BLK_EBROKEN);
	}
}

static void vblk_done(struct virtqueue *vq)
{
	struct vblk *vb = vq->vdev->priv;

	vb->blk.stats.interrupts++;
	vblk_complete_queue(vb, vq);
	if (vb->vdev->broken)
		fail_in_flight(vb);
}

static void vblk_poll(struct blkdev *dev)
{
	struct vblk *vb = to_vblk(dev);
	unsigned long flags = local_irq_save();

	vblk_complete(vb);
	if (vb->vdev->broken)
		fail_in_flight(vb);
	local_irq_restore(flags);
}

static void vblk_shutdown(struct blkdev *dev, const char *why)
{
	struct vblk *vb = to_vblk(dev);
	unsigned long flags = local_irq_save();

	virtio_break_device(vb->vdev, "%s", why);
	fail_in_flight(vb);
	local_irq_restore(flags);
}

static const struct blkdev_ops vblk_ops = {
	.submit = vblk_submit,
	.kick = vblk_kick,
	.poll = vblk_poll,
	.shutdown = vblk_shutdown,
};

static void vblk_read_config(struct vblk *vb)
{
	struct virtio_device *vdev = vb->vdev;
	u64 capacity;
	u32 size_max = 0;

	virtio_cread(vdev, offsetof(struct virtio_blk_config, capacity), &capacity, 8);
	vb->blk.nr_sectors = capacity;
	vb->blk.max_sectors = VBLK_MAX_SECTORS;
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_SIZE_MAX)) {
		virtio_cread(vdev, offsetof(struct virtio_blk_config, size_max), &size_max, 4);
		if (size_max >= SECTOR_SIZE)
			vb->blk.max_sectors = min(vb->blk.max_sectors, size_max / SECTOR_SIZE);
	}
	vb->blk.read_only = virtio_has_feature(vdev, VIRTIO_BLK_F_RO);
	vb->blk.has_flush = virtio_has_feature(vdev, VIRTIO_BLK_F_FLUSH);
	vb->blk.has_discard = virtio_has_feature(vdev, VIRTIO_BLK_F_DISCARD);
	vb->blk.has_write_zeroes = virtio_has_feature(vdev, VIRTIO_BLK_F_WRITE_ZEROES);
}

static const char *const queue_names[VBLK_MAX_QUEUES] = {
	"requests0", "requests1", "requests2", "requests3",
};

static unsigned int vblk_nr_queues(struct virtio_device *vdev)
{
	u16 n = 1;

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_MQ))
		virtio_cread(vdev, offsetof(struct virtio_blk_config, num_queues), &n, 2);
	return min(max(n, (u16)1), (u16)VBLK_MAX_QUEUES);
}

/* Requests a queue holds: without indirect descriptors one takes up to three slots. */
static unsigned int vblk_queue_room(const struct virtqueue *vq)
{
	return vq->indirect ? vq->num : vq->num / 3;
}

static int vblk_probe(struct virtio_device *vdev)
{
	struct vblk *vb = kzalloc(sizeof(*vb));
	unsigned int room = ~0U;

	if (!vb)
		return -ENOMEM;
	vb->vdev = vdev;
	vdev->priv = vb;
	vb->nr_queues = vblk_nr_queues(vdev);
	for (unsigned int q = 0; q < vb->nr_queues; q++) {
		struct virtqueue *vq = virtio_find_vq(vdev, q, VBLK_QUEUE_SIZE, vblk_done,
						      queue_names[q]);

		if (!vq)
			return -ENODEV;
		vb->vqs[q] = vq;
		room = min(room, vblk_queue_room(vq));
	}
	/*
	 * Round robin fills the queues evenly: no more in flight than the
	 * smallest queue takes, times the queues (a later queue may be the
	 * smaller one, and a request it cannot take would stall the rest).
	 */
	if (!room)
		return -ENODEV;
	vb->nr_slots = room * vb->nr_queues;
	vb->slots = kzalloc(vb->nr_slots * sizeof(*vb->slots));
	if (!vb->slots)
		return -ENOMEM;
	vblk_read_config(vb);
	vb->blk.driver = "virtio-blk";
	vb->blk.ops = &vblk_ops;
	vb->blk.queue_depth = vb->nr_slots;
	vb->blk.polled = vdev->polling;
	vb->blk.driver_data = vb;
	blkdev_name(vb->blk.name, sizeof(vb->blk.name), "vd");
	blkdev_register(&vb->blk);
	if (vb->nr_queues > 1)
		pr_info("%s: %u request queues\n", vb->blk.name, vb->nr_queues);
	return 0;
}

static const struct virtio_driver virtio_blk_driver = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = (1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_SEG_MAX) |
		    (1ULL << VIRTIO_BLK_F_RO) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		    (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_DISCARD) |
		    (1ULL << VIRTIO_BLK_F_WRITE_ZEROES) | (1ULL << VIRTIO_BLK_F_MQ),
	.probe = vblk_probe,
};
DEFINE_VIRTIO_DRIVER(virtio_blk_driver);
