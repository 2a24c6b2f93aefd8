// SPDX-License-Identifier: GPL-2.0
/* virtio-rng (virtio 1.2, 5.4): one queue of device-writable buffers. */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/irqflags.h>
#include <pvkit/rng.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <asm/processor.h>

#define RNG_BUF	64

static struct {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	u8 buf[RNG_BUF];
} rng;

const char *rng_source(void)
{
	return rng.vq && !rng.vdev->broken ? "virtio-rng" : NULL;
}

/* One request at a time, polled: entropy is asked for rarely. */
static size_t fetch(size_t want)
{
	struct vq_buf b = { virt_to_phys(rng.buf), want };
	u64 end = ktime_get_ns() + NSEC_PER_SEC;
	u32 len = 0;

	if (virtqueue_add(rng.vq, &b, 0, 1, &rng))
		return 0;
	virtqueue_kick(rng.vq);
	while (!virtqueue_get_buf(rng.vq, &len)) {
		if (rng.vdev->broken)
			return 0;
		if (ktime_get_ns() > end) {
			virtio_break_device(rng.vdev, "no entropy within 1 s");
			return 0;
		}
		cpu_relax();
	}
	return len;
}

size_t rng_read(void *buf, size_t len)
{
	size_t done = 0;

	if (!rng_source())
		return 0;
	while (done < len) {
		unsigned long flags = local_irq_save();
		size_t got = fetch(min(len - done, (size_t)RNG_BUF));

		if (got)
			memcpy((u8 *)buf + done, rng.buf, got);
		local_irq_restore(flags);
		if (!got)
			break;
		done += got;
	}
	return done;
}

static int vrng_probe(struct virtio_device *vdev)
{
	rng.vdev = vdev;
	rng.vq = virtio_find_vq(vdev, 0, 8, NULL, "requests");
	if (!rng.vq)
		return -ENODEV;
	virtqueue_disable_cb(rng.vq);
	return 0;
}

static const struct virtio_driver virtio_rng_driver = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.probe = vrng_probe,
};
DEFINE_VIRTIO_DRIVER(virtio_rng_driver);
