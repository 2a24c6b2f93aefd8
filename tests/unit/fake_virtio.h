/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake virtio device on the host, working the rings the way a device
 * does (or, on request, the way a hostile one might), to test the
 * driver-side virtqueue code without a machine.
 */
#ifndef _TESTS_UNIT_FAKE_VIRTIO_H
#define _TESTS_UNIT_FAKE_VIRTIO_H

#include <pvkit/virtio.h>

struct fake_dev {
	struct virtio_device vdev;
	struct virtqueue *vq;
	/* device-side ring state */
	u16 last_avail;			/* split */
	u16 pos;			/* packed: next slot to look at */
	bool wrap;
	u16 used_pos;			/* packed: next slot to write used */
	bool used_wrap;
	unsigned long notified;
	unsigned long notified_early;	/* before the driver set DRIVER_OK */
	/*
	 * Do not follow descriptor addresses (the fuzzer's hostile writes
	 * land in the shared ring, so what a slot says may be stale): the
	 * lengths come from the driver's own records instead.
	 */
	bool no_touch;
	/* Queues the driver set up (virtio_find_vq), by index; vq is queue 0. */
	struct virtqueue *vqs[8];
	unsigned int queue_max[8];	/* 0: 1024 */
	u8 config[64];			/* device-specific configuration space */
	/* Called on each notification (e.g. to serve the requests at once). */
	void (*on_notify)(struct fake_dev *f, struct virtqueue *vq);
	/* what it took and has not completed: head/id and writable bytes */
	unsigned int nr_pending;
	struct { u16 id; u32 writable; u16 ndesc; } pending[1024];
};

/* features: VIRTIO_F_* / VIRTIO_RING_F_* bits to negotiate. */
void fake_init(struct fake_dev *f, u64 features, unsigned int num);
/* The same over a legacy transport (virtio 0.9.5: used ring page aligned). */
void fake_init_legacy(struct fake_dev *f, u64 features, unsigned int num);
/* A device with no queue yet, for virtio_register_device(): its driver makes them. */
void fake_init_device(struct fake_dev *f, u32 id, u64 features);
/* Takes every available request into pending[]; returns how many. */
unsigned int fake_take(struct fake_dev *f);
/* Completes pending[i] writing len bytes (the writable total if len < 0). */
void fake_complete(struct fake_dev *f, unsigned int i, long len);
/* Writes a raw used entry, whatever it says (split: id, len; packed: id, len). */
void fake_used_raw(struct fake_dev *f, u32 id, u32 len);
/* Split only: sets used->idx directly. */
void fake_set_used_idx(struct fake_dev *f, u16 idx);
/* Sets the event index the device wants notifications at. */
void fake_set_avail_event(struct fake_dev *f, u16 idx);

#endif
