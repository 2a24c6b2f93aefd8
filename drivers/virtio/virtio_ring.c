// SPDX-License-Identifier: GPL-2.0
/*
 * Virtqueues: split and packed rings (virtio 1.2, 2.7 and 2.8), with
 * indirect descriptors and event-index notification suppression.
 *
 * The device is not trusted.  What it writes (used indices, ids,
 * lengths, flags) is checked before use, and the driver's own
 * bookkeeping (free list, requests in flight) lives in private memory,
 * never read back from the rings.  A device that breaks the protocol is
 * marked broken: its requests fail from then on.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/virtio.h>
#include <asm/page.h>

/* x86 orders stores with stores and loads with loads; only store-load needs a fence. */
#define virtio_wmb()	barrier()
#define virtio_rmb()	barrier()
#define virtio_mb()	__asm__ __volatile__("mfence" ::: "memory")

#define PACKED_AVAIL	(1 << VRING_PACKED_DESC_F_AVAIL)
#define PACKED_USED	(1 << VRING_PACKED_DESC_F_USED)

static void vq_break(struct virtqueue *vq, const char *fmt, u64 a, u64 b)
{
	char msg[128];

	snprintf(msg, sizeof(msg), fmt, a, b);
	vq->broken = true;
	virtio_break_device(vq->vdev, "queue %s: %s", vq->name, msg);
}

/* ---- layout ---- */

static size_t split_avail_bytes(unsigned int num)
{
	return 4 + 2 * num + 2;			/* flags, idx, ring, used_event */
}

static size_t split_used_bytes(unsigned int num)
{
	return 4 + 8 * num + 2;			/* flags, idx, ring, avail_event */
}

static int split_layout(struct virtqueue *vq, bool legacy)
{
	size_t desc = 16 * vq->num;
	size_t used_off = ALIGN_UP(desc + split_avail_bytes(vq->num),
				   legacy ? PAGE_SIZE : 4);
	u8 *mem;

	vq->ring_bytes = used_off + split_used_bytes(vq->num);
	mem = alloc_pages(DIV_ROUND_UP(vq->ring_bytes, PAGE_SIZE));
	if (!mem)
		return -ENOMEM;
	memset(mem, 0, ALIGN_UP(vq->ring_bytes, PAGE_SIZE));
	vq->ring_mem = mem;
	vq->desc = (struct vring_desc *)mem;
	vq->avail = (struct vring_avail *)(mem + desc);
	vq->used = (struct vring_used *)(mem + used_off);
	vq->desc_phys = virt_to_phys(mem);
	vq->driver_phys = virt_to_phys(vq->avail);
	vq->device_phys = virt_to_phys(vq->used);
	return 0;
}

static int packed_layout(struct virtqueue *vq)
{
	size_t desc = 16 * vq->num;
	u8 *mem;

	vq->ring_bytes = desc + 2 * sizeof(struct vring_packed_desc_event);
	mem = alloc_pages(DIV_ROUND_UP(vq->ring_bytes, PAGE_SIZE));
	if (!mem)
		return -ENOMEM;
	memset(mem, 0, ALIGN_UP(vq->ring_bytes, PAGE_SIZE));
	vq->ring_mem = mem;
	vq->pdesc = (struct vring_packed_desc *)mem;
	vq->driver_event = (struct vring_packed_desc_event *)(mem + desc);
	vq->device_event = vq->driver_event + 1;
	vq->desc_phys = virt_to_phys(mem);
	vq->driver_phys = virt_to_phys(vq->driver_event);
	vq->device_phys = virt_to_phys(vq->device_event);
	vq->avail_wrap = vq->used_wrap = true;	/* both counters start at 1 */
	vq->kicked_wrap = true;
	return 0;
}

struct virtqueue *virtqueue_create(struct virtio_device *vdev,
				   unsigned int index, unsigned int num,
				   vq_callback_t cb, const char *name)
{
	struct virtqueue *vq = kzalloc(sizeof(*vq));
	int err;

	if (!vq)
		return NULL;
	vq->vdev = vdev;
	vq->index = index;
	vq->name = name;
	vq->num = num;
	vq->callback = cb;
	vq->cb_enabled = true;
	vq->packed = VIRTIO_RING_PACKED && virtio_has_feature(vdev, VIRTIO_F_RING_PACKED);
	vq->event_idx = virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX);
	vq->indirect = virtio_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC);
	vq->next_free = kzalloc(num * sizeof(u16));
	vq->chain = kzalloc(num * sizeof(struct vq_chain));
	if (!vq->next_free || !vq->chain || !num || num > 32768 ||
	    (!vq_packed(vq) && (num & (num - 1))))
		goto fail;
	err = vq_packed(vq) ? packed_layout(vq) : split_layout(vq, virtio_is_legacy(vdev));
	if (err)
		goto fail;
	for (unsigned int i = 0; i < num; i++)
		vq->next_free[i] = i + 1;
	vq->free_head = 0;
	vq->num_free = num;
	return vq;
fail:
	kfree(vq->next_free);
	kfree(vq->chain);
	kfree(vq);
	return NULL;
}

/* Only for a queue the device no longer uses (it was reset or never told). */
void virtqueue_destroy(struct virtqueue *vq)
{
	if (!vq)
		return;
	for (unsigned int i = 0; i < vq->num; i++)
		kfree(vq->chain[i].indirect);
	free_pages(vq->ring_mem, DIV_ROUND_UP(vq->ring_bytes, PAGE_SIZE));
	kfree(vq->next_free);
	kfree(vq->chain);
	kfree(vq);
}

/* ---- adding ---- */

static u32 writable_bytes(const struct vq_buf *bufs, unsigned int out,
			  unsigned int in)
{
	u32 n = 0;

	for (unsigned int i = out; i < out + in; i++)
		n += bufs[i].len;
	return n;
}

/* An indirect table in the split format (the packed format is the same size). */
static void *make_indirect(const struct vq_buf *bufs, unsigned int out,
			   unsigned int in, bool packed)
{
	unsigned int total = out + in;
	void *table = kmalloc(total * 16);

	if (!table)
		return NULL;
	for (unsigned int i = 0; i < total; i++) {
		u16 write = i >= out ? VRING_DESC_F_WRITE : 0;

		if (packed) {
			struct vring_packed_desc *d = (struct vring_packed_desc *)table + i;

			*d = (struct vring_packed_desc){ bufs[i].addr, bufs[i].len, 0, write };
		} else {
			struct vring_desc *d = (struct vring_desc *)table + i;

			*d = (struct vring_desc){ bufs[i].addr, bufs[i].len,
				write | (i + 1 < total ? VRING_DESC_F_NEXT : 0), i + 1 };
		}
	}
	return table;
}

static int split_add(struct virtqueue *vq, const struct vq_buf *bufs,
		     unsigned int out, unsigned int in, void *token)
{
	unsigned int total = out + in, need;
	u16 head = vq->free_head, i = head, last = head;
	void *table = NULL;

	if (vq->indirect && total > 1 && (table = make_indirect(bufs, out, in, false)))
		need = 1;
	else
		need = total;
	if (need > vq->num_free) {
		kfree(table);
		return -ENOSPC;
	}
	if (table) {
		vq->desc[i] = (struct vring_desc){ virt_to_phys(table), total * 16,
						   VRING_DESC_F_INDIRECT, 0 };
		i = vq->next_free[i];
	} else {
		for (unsigned int k = 0; k < total; k++) {
			u16 flags = k >= out ? VRING_DESC_F_WRITE : 0;

			if (k + 1 < total)
				flags |= VRING_DESC_F_NEXT;
			vq->desc[i] = (struct vring_desc){ bufs[k].addr, bufs[k].len,
							   flags, vq->next_free[i] };
			last = i;
			i = vq->next_free[i];
		}
	}
	vq->free_head = i;
	vq->num_free -= need;
	vq->chain[head] = (struct vq_chain){ token, need, last,
					     writable_bytes(bufs, out, in), table };
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = head;
	virtio_wmb();			/* the entry before the index that publishes it */
	vq->avail_idx++;
	WRITE_ONCE(vq->avail->idx, vq->avail_idx);
	return 0;
}

static u16 packed_flags(bool wrap)
{
	return wrap ? PACKED_AVAIL : PACKED_USED;
}

static int packed_add(struct virtqueue *vq, const struct vq_buf *bufs,
		      unsigned int out, unsigned int in, void *token)
{
	unsigned int total = out + in, need;
	u16 id = vq->free_head, pos = vq->next_avail, first = pos, first_flags = 0;
	bool wrap = vq->avail_wrap;
	void *table = NULL;

	if (vq->indirect && total > 1 && (table = make_indirect(bufs, out, in, true)))
		need = 1;
	else
		need = total;
	if (need > vq->num_free || id >= vq->num) {
		kfree(table);
		return -ENOSPC;
	}
	for (unsigned int k = 0; k < need; k++) {
		struct vring_packed_desc *d = &vq->pdesc[pos];
		u16 flags = packed_flags(wrap);

		if (table) {
			d->addr = virt_to_phys(table);
			d->len = total * 16;
			flags |= VRING_DESC_F_INDIRECT;
		} else {
			d->addr = bufs[k].addr;
			d->len = bufs[k].len;
			if (k >= out)
				flags |= VRING_DESC_F_WRITE;
			if (k + 1 < total)
				flags |= VRING_DESC_F_NEXT;
		}
		d->id = id;
		if (k == 0)
			first_flags = flags;	/* published last, below */
		else
			d->flags = flags;
		if (++pos == vq->num) {
			pos = 0;
			wrap = !wrap;
		}
	}
	vq->free_head = vq->next_free[id];
	vq->num_free -= need;
	vq->chain[id] = (struct vq_chain){ token, need, 0,
					   writable_bytes(bufs, out, in), table };
	vq->next_avail = pos;
	vq->avail_wrap = wrap;
	virtio_wmb();			/* the chain before the flags that publish it */
	WRITE_ONCE(vq->pdesc[first].flags, first_flags);
	return 0;
}

int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs,
		  unsigned int out, unsigned int in, void *token)
{
	int err;

	if (vq->broken || vq->vdev->broken)
		return -EIO;
	if (!token || out + in == 0 || out + in > vq->num)
		return -EINVAL;
	err = vq_packed(vq) ? packed_add(vq, bufs, out, in, token)
			 : split_add(vq, bufs, out, in, token);
	if (err)
		return err;
	vq->stats.added++;
	return 0;
}

/* ---- kicking ---- */

static bool split_needs_kick(struct virtqueue *vq)
{
	u16 old = vq->kicked_idx, new = vq->avail_idx;

	vq->kicked_idx = new;
	if (vq->event_idx) {
		u16 event = READ_ONCE(*(u16 *)&vq->used->ring[vq->num]);

		return vring_need_event(event, new, old);
	}
	return !(READ_ONCE(vq->used->flags) & VRING_USED_F_NO_NOTIFY);
}

static bool packed_needs_kick(struct virtqueue *vq)
{
	u16 flags = READ_ONCE(vq->device_event->flags);
	u16 off_wrap = READ_ONCE(vq->device_event->off_wrap);
	u16 new = vq->next_avail, old = vq->kicked_pos;
	u16 event;

	/* old in the same numbering as new: one lap back if a wrap came between */
	if (vq->kicked_wrap != vq->avail_wrap)
		old -= vq->num;
	vq->kicked_pos = vq->next_avail;
	vq->kicked_wrap = vq->avail_wrap;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !vq->event_idx)
		return flags != VRING_PACKED_EVENT_FLAG_DISABLE;
	event = off_wrap & ~(1U << VRING_PACKED_EVENT_F_WRAP_CTR);
	if (!!(off_wrap >> VRING_PACKED_EVENT_F_WRAP_CTR) != vq->avail_wrap)
		event -= vq->num;
	return vring_need_event(event, new, old);
}

bool virtqueue_kick(struct virtqueue *vq)
{
	bool kick;

	if (vq->broken || vq->vdev->broken)
		return false;
	/* The new entries must be visible before the device's wishes are read. */
	virtio_mb();
	kick = vq_packed(vq) ? packed_needs_kick(vq) : split_needs_kick(vq);
	if (kick) {
		vq->stats.notifications++;
		vq->vdev->config->notify(vq);
	} else {
		vq->stats.suppressed++;
	}
	return kick;
}

/* ---- completions ---- */

/*
 * Legacy devices commonly report a length for a chain they could only
 * read (the bytes they read); they wrote nothing, so the length can only
 * be ignored.  A modern device must report 0 (virtio 1.2, 2.7.8.2).
 */
static bool legacy_read_only_len(struct virtqueue *vq, const struct vq_chain *c,
				 u32 len)
{
	if (c->in_len || !virtio_is_legacy(vq->vdev))
		return false;
	if (!vq->warned_read_only_len) {
		vq->warned_read_only_len = true;
		pr_warn("%s: queue %s: legacy device reports %u bytes used of a chain "
			"it could only read; ignoring such lengths\n", vq->vdev->name,
			vq->name, len);
	}
	return true;
}

static void *complete(struct virtqueue *vq, u32 id, u32 len, u32 *lenp)
{
	struct vq_chain *c;
	void *token;

	if (id >= vq->num) {
		vq_break(vq, "used id %llu out of range (ring of %llu)", id, vq->num);
		return NULL;
	}
	c = &vq->chain[id];
	if (!c->token) {
		vq_break(vq, "used id %llu was not in flight (ring of %llu)", id, vq->num);
		return NULL;
	}
	if (len > c->in_len && !legacy_read_only_len(vq, c, len)) {
		vq_break(vq, "device wrote %llu bytes into %llu", len, c->in_len);
		return NULL;
	}
	token = c->token;
	kfree(c->indirect);
	vq->num_free += c->ndesc;
	*lenp = min(len, c->in_len);
	vq->stats.completed++;
	*c = (struct vq_chain){ 0 };
	return token;
}

static bool split_more_used(const struct virtqueue *vq)
{
	return READ_ONCE(vq->used->idx) != vq->last_used;
}

static void *split_get_buf(struct virtqueue *vq, u32 *len)
{
	u16 used_idx = READ_ONCE(vq->used->idx), ahead = used_idx - vq->last_used;
	struct vring_used_elem e;
	u16 last;
	void *token;

	if (!ahead)
		return NULL;
	if (ahead > vq->num) {
		vq_break(vq, "used index %llu is past what was offered (last %llu)",
			 used_idx, vq->last_used);
		return NULL;
	}
	virtio_rmb();			/* the index before the entry it covers */
	e = vq->used->ring[vq->last_used & (vq->num - 1)];
	last = e.id < vq->num ? vq->chain[e.id].last : 0;
	token = complete(vq, e.id, e.len, len);
	if (!token)
		return NULL;
	/* Give the chain back to the free list, from our own records. */
	vq->next_free[last] = vq->free_head;
	vq->free_head = e.id;
	vq->last_used++;
	if (vq->event_idx && vq->cb_enabled)
		WRITE_ONCE(*(u16 *)&vq->avail->ring[vq->num], vq->last_used);
	return token;
}

static bool packed_more_used(const struct virtqueue *vq)
{
	u16 flags = READ_ONCE(vq->pdesc[vq->packed_used].flags);
	bool avail = flags & PACKED_AVAIL, used = flags & PACKED_USED;

	return avail == used && used == vq->used_wrap;
}

static void *packed_get_buf(struct virtqueue *vq, u32 *len)
{
	struct vring_packed_desc d;
	u16 ndesc;
	void *token;

	if (!packed_more_used(vq))
		return NULL;
	virtio_rmb();			/* the flags before the id and length */
	d = vq->pdesc[vq->packed_used];
	ndesc = d.id < vq->num ? vq->chain[d.id].ndesc : 0;
	token = complete(vq, d.id, d.len, len);
	if (!token)
		return NULL;
	vq->next_free[d.id] = vq->free_head;
	vq->free_head = d.id;
	/* The used entry stands for the whole chain: skip its slots. */
	vq->packed_used += ndesc;
	if (vq->packed_used >= vq->num) {
		vq->packed_used -= vq->num;
		vq->used_wrap = !vq->used_wrap;
	}
	return token;
}

bool virtqueue_more_used(const struct virtqueue *vq)
{
	return vq_packed(vq) ? packed_more_used(vq) : split_more_used(vq);
}

void *virtqueue_get_buf(struct virtqueue *vq, u32 *len)
{
	u32 dummy;

	if (vq->broken || vq->vdev->broken)
		return NULL;
	return vq_packed(vq) ? packed_get_buf(vq, len ? len : &dummy)
			  : split_get_buf(vq, len ? len : &dummy);
}

/* ---- interrupt suppression ---- */

void virtqueue_disable_cb(struct virtqueue *vq)
{
	vq->cb_enabled = false;
	if (vq_packed(vq))
		WRITE_ONCE(vq->driver_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
	else if (!vq->event_idx)
		WRITE_ONCE(vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	/* with event indices the device stops once used_event is left behind */
}

bool virtqueue_enable_cb(struct virtqueue *vq)
{
	vq->cb_enabled = true;
	if (vq_packed(vq))
		WRITE_ONCE(vq->driver_event->flags, VRING_PACKED_EVENT_FLAG_ENABLE);
	else if (vq->event_idx)
		WRITE_ONCE(*(u16 *)&vq->avail->ring[vq->num], vq->last_used);
	else
		WRITE_ONCE(vq->avail->flags, 0);
	/* Anything that completed before the device could see that is ours to take. */
	virtio_mb();
	return !virtqueue_more_used(vq);
}

void virtqueue_interrupt(struct virtqueue *vq)
{
	vq->stats.interrupts++;
	if (vq->callback && !vq->broken)
		vq->callback(vq);
}
