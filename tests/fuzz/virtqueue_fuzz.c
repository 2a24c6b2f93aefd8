// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the virtqueue code (drivers/virtio/virtio_ring.c):
 * the input is a script of driver and device actions in which the
 * device may write anything into the used ring and its event fields.
 * Whatever it writes, the driver must never hand back a token that is
 * not in flight, nor one twice, nor lose count of its free slots, nor
 * notify without counting it (kick's answer, the ring's count and the
 * notifications the device saw agree); ASan and UBSan watch the rest.
 * Every ring size (split: powers of two up to 256; packed: 1 to 256),
 * legacy and modern, packed with event indices, interrupts with the
 * callbacks turned off and on.
 *
 * Built by tests/fuzz/Makefile (make fuzz) with tests/unit/fake_virtio.c
 * and tests/unit/host_mm.c; run: build/fuzz/virtqueue_fuzz -max_total_time=60
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include "../unit/fake_virtio.h"

#define NTOK	64

static struct fake_dev dev;
static u8 bufs[NTOK][256];
static bool in_flight[NTOK];
static unsigned long kicks_notified;

int printk(const char *fmt, ...)
{
	return 0;
}

/* drivers/virtio/virtio.c's, without the transport: the ring is all there is. */
void virtio_break_device(struct virtio_device *vdev, const char *fmt, ...)
{
	vdev->broken = true;
}

static void add(struct virtqueue *vq, unsigned int i, u8 shape)
{
	struct vq_buf b[4];
	unsigned int out = shape & 1 ? 1 : 0, in = (shape >> 1) % 3 + 1;

	if (in_flight[i])
		return;
	for (unsigned int k = 0; k < out + in; k++)
		b[k] = (struct vq_buf){ virt_to_phys(bufs[i] + 64 * k), 64 };
	if (virtqueue_add(vq, b, out, in, &in_flight[i]) == 0)
		in_flight[i] = true;
}

static void reap(struct virtqueue *vq)
{
	bool *tok;
	u32 len;

	while ((tok = virtqueue_get_buf(vq, &len))) {
		unsigned int i = tok - in_flight;

		if (i >= NTOK || !in_flight[i] || len > 256)
			abort();	/* a token never added, or handed back twice */
		in_flight[i] = false;
	}
	if (vq->num_free > vq->num)
		abort();
}

/* A driver's interrupt handler: callbacks off, reap, on again until quiet. */
static void callback(struct virtqueue *vq)
{
	for (int round = 0; round < 4; round++) {
		virtqueue_disable_cb(vq);
		reap(vq);
		if (virtqueue_enable_cb(vq) || vq->vdev->broken)
			break;
	}
}

static void kick(struct virtqueue *vq)
{
	kicks_notified += virtqueue_kick(vq);
	if (kicks_notified != vq->stats.notifications || dev.notified != kicks_notified)
		abort();	/* a notification not counted, or counted twice */
}

/* What the device asks of notifications: an event index, or flags (packed). */
static void device_event(struct virtqueue *vq, const u8 *op)
{
	u16 idx = op[1] | op[2] << 8;

	if (!vq->packed || op[3] < 128) {
		fake_set_avail_event(&dev, vq->packed ? idx % vq->num : idx);
		return;
	}
	vq->device_event->off_wrap = idx;
	vq->device_event->flags = op[3] % 4;	/* enable, disable, desc, reserved */
}

static void init_ring(u8 shape, u8 size)
{
	u64 features = 1ULL << VIRTIO_F_VERSION_1;
	bool legacy = shape & 16 && !(shape & 1);
	unsigned int num;

	if (shape & 1)
		features |= 1ULL << VIRTIO_F_RING_PACKED;
	if (shape & 2)
		features |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (shape & 4)
		features |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	num = shape & 1 ? size + 1U : 1U << (size % 9);
	if (legacy)
		fake_init_legacy(&dev, features & ~(1ULL << VIRTIO_F_VERSION_1), num);
	else
		fake_init(&dev, features, num);
	if (!dev.vq)
		abort();
	dev.vq->callback = callback;
	dev.no_touch = true;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	size_t p = 2;

	if (size < 2)
		return 0;
	memset(in_flight, 0, sizeof(in_flight));
	kicks_notified = 0;
	init_ring(data[0], data[1]);
	while (p + 4 <= size) {
		const u8 *op = data + p;

		p += 4;
		switch (op[0] % 9) {
		case 0:
			add(dev.vq, op[1] % NTOK, op[2]);
			kick(dev.vq);
			break;
		case 1:		/* an honest device */
			fake_take(&dev);
			if (dev.nr_pending)
				fake_complete(&dev, op[1] % dev.nr_pending, -1);
			break;
		case 2:		/* a hostile one: any id, any length */
			fake_used_raw(&dev, op[1] | op[2] << 8, op[3] * 4);
			break;
		case 3:
			if (!dev.vq->packed)
				fake_set_used_idx(&dev, op[1] | op[2] << 8);
			break;
		case 4:
			reap(dev.vq);
			break;
		case 5:
			device_event(dev.vq, op);
			break;
		case 6:
			virtqueue_interrupt(dev.vq);
			break;
		case 7:
			if (op[1] & 1)
				virtqueue_disable_cb(dev.vq);
			else
				virtqueue_enable_cb(dev.vq);
			break;
		case 8:		/* added now, kicked later: one kick for several */
			add(dev.vq, op[1] % NTOK, op[2]);
			if (op[3] & 1)
				kick(dev.vq);
			break;
		}
	}
	reap(dev.vq);
	return 0;
}
