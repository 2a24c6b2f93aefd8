// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the virtqueue code (drivers/virtio/virtio_ring.c):
 * the input is a script of driver and device actions in which the
 * device may write anything into the used ring.  Whatever it writes, the
 * driver must never hand back a token that is not in flight, nor one
 * twice, nor lose count of its free slots; ASan and UBSan watch the rest.
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

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u64 features = 1ULL << VIRTIO_F_VERSION_1;
	size_t p = 1;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		features |= 1ULL << VIRTIO_F_RING_PACKED;
	if (data[0] & 2)
		features |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (data[0] & 4)
		features |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	memset(in_flight, 0, sizeof(in_flight));
	fake_init(&dev, features, data[0] & 8 ? 8 : 16);
	dev.no_touch = true;
	while (p + 4 <= size) {
		const u8 *op = data + p;

		p += 4;
		switch (op[0] % 5) {
		case 0:
			add(dev.vq, op[1] % NTOK, op[2]);
			virtqueue_kick(dev.vq);
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
		}
	}
	reap(dev.vq);
	return 0;
}
