// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <pvkit/kernel.h>
#include <asm/page.h>
#include "fake_virtio.h"

#define PACKED_AVAIL	(1 << VRING_PACKED_DESC_F_AVAIL)
#define PACKED_USED	(1 << VRING_PACKED_DESC_F_USED)

static u8 fake_status;
static u64 fake_features;

static u8 get_status(struct virtio_device *v) { return fake_status; }
static void set_status(struct virtio_device *v, u8 s) { fake_status = s; }
static void reset(struct virtio_device *v) { fake_status = 0; }
static u64 get_features(struct virtio_device *v) { return fake_features; }
static void set_features(struct virtio_device *v, u64 f) { }
static u32 generation(struct virtio_device *v) { return 0; }

static struct fake_dev *to_fake(struct virtio_device *v)
{
	return container_of(v, struct fake_dev, vdev);
}

static unsigned int queue_max(struct virtio_device *v, unsigned int i)
{
	struct fake_dev *f = to_fake(v);

	return i < ARRAY_SIZE(f->queue_max) && f->queue_max[i] ? f->queue_max[i] : 1024;
}

static int setup_vq(struct virtio_device *v, struct virtqueue *vq)
{
	struct fake_dev *f = to_fake(v);

	if (vq->index < ARRAY_SIZE(f->vqs))
		f->vqs[vq->index] = vq;
	if (vq->index == 0)
		f->vq = vq;
	return 0;
}

static void get_config(struct virtio_device *v, unsigned int off, void *buf,
		       unsigned int len)
{
	struct fake_dev *f = to_fake(v);

	memset(buf, 0, len);
	if (off < sizeof(f->config))
		memcpy(buf, f->config + off, min(len, (unsigned int)sizeof(f->config) - off));
}

static void set_config(struct virtio_device *v, unsigned int off, const void *buf,
		       unsigned int len)
{
	struct fake_dev *f = to_fake(v);

	if (off <= sizeof(f->config) && len <= sizeof(f->config) - off)
		memcpy(f->config + off, buf, len);
}

static void notify(struct virtqueue *vq)
{
	struct fake_dev *f = to_fake(vq->vdev);

	f->notified++;
	if (!(fake_status & VIRTIO_CONFIG_S_DRIVER_OK))
		f->notified_early++;
	if (f->on_notify)
		f->on_notify(f, vq);
}

#define FAKE_OPS				\
	.name = "fake",				\
	.get_status = get_status,		\
	.set_status = set_status,		\
	.reset = reset,				\
	.get_features = get_features,		\
	.set_features = set_features,		\
	.get_config = get_config,		\
	.set_config = set_config,		\
	.generation = generation,		\
	.queue_max_size = queue_max,		\
	.setup_vq = setup_vq,			\
	.notify = notify,			\
	.transport_features = (1ULL << VIRTIO_F_VERSION_1) |		\
		(1ULL << VIRTIO_F_RING_PACKED) |				\
		(1ULL << VIRTIO_RING_F_EVENT_IDX) |				\
		(1ULL << VIRTIO_RING_F_INDIRECT_DESC)

static const struct virtio_config_ops fake_ops = { FAKE_OPS };
static const struct virtio_config_ops fake_legacy_ops = { FAKE_OPS, .legacy = true };

void fake_init_device(struct fake_dev *f, u32 id, u64 features)
{
	memset(f, 0, sizeof(*f));
	fake_status = 0;
	fake_features = features;
	f->vdev.config = &fake_ops;
	f->vdev.id = id;
}

static void init_queue(struct fake_dev *f, u64 features, unsigned int num,
		       const struct virtio_config_ops *ops)
{
	virtqueue_destroy(f->vq);
	memset(f, 0, sizeof(*f));
	fake_features = features;
	f->vdev.config = ops;
	f->vdev.features = features;
	f->wrap = f->used_wrap = true;
	f->vq = virtqueue_create(&f->vdev, 0, num, NULL, "fake");
}

void fake_init(struct fake_dev *f, u64 features, unsigned int num)
{
	init_queue(f, features, num, &fake_ops);
}

void fake_init_legacy(struct fake_dev *f, u64 features, unsigned int num)
{
	init_queue(f, features, num, &fake_legacy_ops);
}

/* Sums the writable bytes of a descriptor table, checking it as a device would. */
static u32 split_chain(struct virtqueue *vq, u16 head, u16 *ndesc)
{
	struct vring_desc *d = vq->desc;
	unsigned int limit = vq->num;
	u32 writable = 0;
	u16 i = head;

	*ndesc = 0;
	if (d[head].flags & VRING_DESC_F_INDIRECT) {
		d = phys_to_virt(d[head].addr);
		limit = vq->desc[head].len / 16;
		i = 0;
	}
	for (unsigned int n = 0; n < limit; n++) {
		if (d[i].flags & VRING_DESC_F_WRITE) {
			memset(phys_to_virt(d[i].addr), 0xd0 + n, d[i].len);
			writable += d[i].len;
		}
		(*ndesc)++;
		if (!(d[i].flags & VRING_DESC_F_NEXT))
			break;
		i = d[i].next;
	}
	return writable;
}

static u32 packed_chain(struct fake_dev *f, u16 *id, u16 *slots)
{
	struct virtqueue *vq = f->vq;
	u32 writable = 0;

	*slots = 0;
	for (;;) {
		struct vring_packed_desc *d = &vq->pdesc[f->pos];

		*id = d->id;
		if (d->id >= vq->num || !vq->chain[d->id].token) {
			/* handed back by a hostile completion: buffers freed */
		} else if (f->no_touch) {
			writable = vq->chain[d->id].in_len;
		} else if (d->flags & VRING_DESC_F_INDIRECT) {
			struct vring_packed_desc *t = phys_to_virt(d->addr);

			for (unsigned int k = 0; k < d->len / 16; k++) {
				if (t[k].flags & VRING_DESC_F_WRITE) {
					memset(phys_to_virt(t[k].addr), 0xe0, t[k].len);
					writable += t[k].len;
				}
			}
		} else if (d->flags & VRING_DESC_F_WRITE) {
			memset(phys_to_virt(d->addr), 0xe1, d->len);
			writable += d->len;
		}
		(*slots)++;
		if (++f->pos == vq->num) {
			f->pos = 0;
			f->wrap = !f->wrap;
		}
		if (!(d->flags & VRING_DESC_F_NEXT) || *slots >= vq->num)
			break;
	}
	return writable;
}

static bool packed_avail(struct fake_dev *f)
{
	u16 flags = f->vq->pdesc[f->pos].flags;

	return !!(flags & PACKED_AVAIL) == f->wrap && !!(flags & PACKED_USED) != f->wrap;
}

unsigned int fake_take(struct fake_dev *f)
{
	struct virtqueue *vq = f->vq;
	unsigned int n = 0;

	if (vq->packed) {
		while (packed_avail(f)) {
			u16 id = vq->pdesc[f->pos].id, slots;
			u32 w;

			if (id >= vq->num || !vq->chain[id].token)
				break;	/* as above: handed back already */
			w = packed_chain(f, &id, &slots);

			f->pending[f->nr_pending++] = (typeof(f->pending[0])){ id, w, slots };
			n++;
		}
		return n;
	}
	while (f->last_avail != vq->avail->idx) {
		u16 head = vq->avail->ring[f->last_avail++ % vq->num], ndesc;
		u32 w;

		/*
		 * A hostile completion may already have handed this request
		 * back, and the driver freed its buffers: a real device would
		 * read stale memory; the fake one must not read freed memory.
		 */
		if (head >= vq->num || !vq->chain[head].token)
			continue;
		if (f->no_touch) {
			w = vq->chain[head].in_len;
			ndesc = vq->chain[head].ndesc;
		} else {
			w = split_chain(vq, head, &ndesc);
		}

		f->pending[f->nr_pending++] = (typeof(f->pending[0])){ head, w, ndesc };
		n++;
	}
	return n;
}

void fake_used_raw(struct fake_dev *f, u32 id, u32 len)
{
	struct virtqueue *vq = f->vq;

	if (vq->packed) {
		struct vring_packed_desc *d = &vq->pdesc[f->used_pos];
		u16 flags = f->used_wrap ? PACKED_AVAIL | PACKED_USED : 0;

		d->id = id;
		d->len = len;
		__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
		return;
	}
	vq->used->ring[vq->used->idx % vq->num] = (struct vring_used_elem){ id, len };
	__atomic_store_n(&vq->used->idx, vq->used->idx + 1, __ATOMIC_RELEASE);
}

void fake_complete(struct fake_dev *f, unsigned int i, long len)
{
	u32 l = len < 0 ? f->pending[i].writable : (u32)len;
	u16 slots = f->pending[i].ndesc;

	fake_used_raw(f, f->pending[i].id, l);
	if (f->vq->packed) {
		/* the next used entry goes after the chain's slots */
		f->used_pos += slots;
		if (f->used_pos >= f->vq->num) {
			f->used_pos -= f->vq->num;
			f->used_wrap = !f->used_wrap;
		}
	}
	f->pending[i] = f->pending[--f->nr_pending];
}

void fake_set_used_idx(struct fake_dev *f, u16 idx)
{
	f->vq->used->idx = idx;
}

void fake_set_avail_event(struct fake_dev *f, u16 idx)
{
	if (f->vq->packed) {
		f->vq->device_event->off_wrap = idx | (f->wrap ? 0x8000 : 0);
		f->vq->device_event->flags = VRING_PACKED_EVENT_FLAG_DESC;
	} else {
		*(u16 *)&f->vq->used->ring[f->vq->num] = idx;
	}
}
