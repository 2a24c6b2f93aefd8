/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio: devices, drivers and virtqueues, independent of the transport
 * (PCI modern, PCI legacy, MMIO).  The wire formats come from the Linux
 * UAPI headers (linux-libc-dev): <linux/virtio_ring.h>,
 * <linux/virtio_config.h>, <linux/virtio_ids.h>.
 */
#ifndef _PVKIT_VIRTIO_H
#define _PVKIT_VIRTIO_H

#include <pvkit/types.h>
#include <pvkit/compiler.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

struct virtio_device;
struct virtqueue;

typedef void (*vq_callback_t)(struct virtqueue *vq);

/* What a transport does for the core and the drivers. */
struct virtio_config_ops {
	const char *name;			/* "pci-modern", "pci-legacy", "mmio" */
	u8 (*get_status)(struct virtio_device *vdev);
	void (*set_status)(struct virtio_device *vdev, u8 status);
	void (*reset)(struct virtio_device *vdev);
	u64 (*get_features)(struct virtio_device *vdev);
	void (*set_features)(struct virtio_device *vdev, u64 features);
	/* Device-specific configuration space, little-endian as the spec has it. */
	void (*get_config)(struct virtio_device *vdev, unsigned int off, void *buf,
			   unsigned int len);
	void (*set_config)(struct virtio_device *vdev, unsigned int off,
			   const void *buf, unsigned int len);
	u32 (*generation)(struct virtio_device *vdev);
	/* 0 if the queue does not exist. */
	unsigned int (*queue_max_size)(struct virtio_device *vdev, unsigned int index);
	/* The ring is allocated: tell the device where it is, hook its interrupt. */
	int (*setup_vq)(struct virtio_device *vdev, struct virtqueue *vq);
	void (*notify)(struct virtqueue *vq);
	/*
	 * Optional: deliver the queue's interrupt to CPU cpu.  0; -ENODEV
	 * when the queue has no interrupt of its own (INTx, polling).
	 */
	int (*set_vq_affinity)(struct virtqueue *vq, unsigned int cpu);
	/* Features the transport itself can do (VERSION_1, RING_PACKED, ...). */
	u64 transport_features;
	/* A legacy device fixes the queue size and the ring's page alignment. */
	bool legacy;
};

struct virtio_device {
	u32 id;				/* VIRTIO_ID_* */
	u32 vendor;
	char name[24];			/* "virtio0" */
	const struct virtio_config_ops *config;
	u64 features;			/* negotiated */
	bool broken;
	bool polling;			/* no interrupts: drivers poll */
	const struct virtio_driver *driver;
	void *transport;		/* the transport's state */
	void *priv;			/* the driver's state */
	struct virtio_device *next;
};

struct virtio_driver {
	const char *name;
	u32 device_id;
	u64 features;			/* device features the driver wants */
	int (*probe)(struct virtio_device *vdev);
	/*
	 * Optional: runs once DRIVER_OK is set, the first moment the
	 * driver may notify the device (virtio 1.2, 3.1.1), e.g. of the
	 * receive buffers probe posted.
	 */
	void (*ready)(struct virtio_device *vdev);
	/*
	 * Optional: the device changed its configuration space (its
	 * configuration-change interrupt).  Interrupt context: defer the
	 * work.
	 */
	void (*config_changed)(struct virtio_device *vdev);
};

#define DEFINE_VIRTIO_DRIVER(var)					\
	static const struct virtio_driver *const __virtio_drv_##var	\
	__used __section("virtio_drivers") __aligned(8) = &var

/*
 * Transports call this for each device they find: 0, or a negative errno
 * when negotiation or the driver failed (the device is then marked FAILED).
 */
int virtio_register_device(struct virtio_device *vdev);
struct virtio_device *virtio_first(void);

static inline bool virtio_has_feature(const struct virtio_device *vdev,
				      unsigned int bit)
{
	return vdev->features & (1ULL << bit);
}

/* Whether vdev's transport is a legacy one: never, in an image without one. */
static inline bool virtio_is_legacy(const struct virtio_device *vdev)
{
#if defined(CONFIG_VIRTIO_PCI_LEGACY) || defined(__HOST_TEST__)
	return vdev->config->legacy;
#else
	return false;
#endif
}

/* Transports call this on a configuration-change interrupt. */
void virtio_config_changed(struct virtio_device *vdev);
/* Reads a config field whole: retried until the generation is stable. */
void virtio_cread(struct virtio_device *vdev, unsigned int off, void *buf,
		  unsigned int len);
/* A device that broke the protocol: fail it cleanly, say why once. */
void virtio_break_device(struct virtio_device *vdev, const char *fmt, ...)
	__printf(2, 3);

/* ---- virtqueues ---- */

/* One element of a request: device-readable (out) or device-writable (in). */
struct vq_buf {
	u64 addr;			/* physical */
	u32 len;
};

struct vq_stats {
	unsigned long added;		/* requests */
	unsigned long notifications;	/* doorbell writes */
	unsigned long suppressed;	/* kicks the device said it did not need */
	unsigned long interrupts;
	unsigned long completed;
};

struct vq_chain {
	void *token;			/* the caller's, NULL when free */
	u16 ndesc;			/* ring slots the chain takes */
	u16 last;			/* packed: last slot of the chain */
	u32 in_len;			/* device-writable bytes it offered */
	void *indirect;			/* table, when indirect */
};

/*
 * The packed ring is an option (CONFIG_VIRTIO_RING_PACKED): without it the
 * feature is not offered and its code is not compiled.  Host tests and
 * fuzzers always have it.
 */
#if defined(CONFIG_VIRTIO_RING_PACKED) || defined(__HOST_TEST__)
#define VIRTIO_RING_PACKED	1
#else
#define VIRTIO_RING_PACKED	0
#endif

struct virtqueue {
	struct virtio_device *vdev;
	unsigned int index;
	const char *name;
	unsigned int num;		/* ring size */
	bool packed, event_idx, indirect;
	bool broken;
	vq_callback_t callback;
	void *priv;
	struct vq_stats stats;
	u16 num_free;
	/* Ring memory and its physical addresses, for the transport. */
	void *ring_mem;
	size_t ring_bytes;
	u64 desc_phys, driver_phys, device_phys;
	/* split */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 avail_idx, last_used;
	u16 kicked_idx;			/* avail index at the last kick */
	/* packed */
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *driver_event, *device_event;
	u16 next_avail, packed_used;
	bool avail_wrap, used_wrap;
	u16 kicked_pos;			/* next_avail at the last kick */
	bool kicked_wrap;
	bool cb_enabled;
	bool warned_read_only_len;	/* legacy: said once */
	/*
	 * Private bookkeeping, never read back from shared memory: the
	 * free list (split: descriptor indices; packed: buffer ids) and
	 * what is in flight, by head index / buffer id.
	 */
	u16 free_head;
	u16 *next_free;
	struct vq_chain *chain;
	/* The transport's notify handle. */
	void *notify_addr;
	u16 notify_data;
	int msix_vector;
};

static inline bool vq_packed(const struct virtqueue *vq)
{
	return VIRTIO_RING_PACKED && vq->packed;
}

/*
 * Allocates and initialises a ring of num entries (a power of two for
 * split rings), using the features negotiated on vdev; for a legacy
 * transport the used ring starts on a page boundary.
 */
struct virtqueue *virtqueue_create(struct virtio_device *vdev,
				   unsigned int index, unsigned int num,
				   vq_callback_t cb, const char *name);
void virtqueue_destroy(struct virtqueue *vq);
/*
 * Creates queue index and has the transport set it up; NULL on failure.
 * A queue without a callback (cb NULL) is one its driver polls: it takes
 * no interrupt (vector), wherever its index.
 */
struct virtqueue *virtio_find_vq(struct virtio_device *vdev, unsigned int index,
				 unsigned int max_num, vq_callback_t cb,
				 const char *name);
/*
 * Has the queue's interrupt delivered to CPU cpu: 0, or -EOPNOTSUPP
 * from a transport that cannot (MMIO: one line for the device), -ENODEV
 * for a queue without an interrupt of its own, -ERANGE, -EINVAL.
 */
int virtio_set_vq_affinity(struct virtqueue *vq, unsigned int cpu);
/*
 * A driver with a queue (or queue pair) per CPU, virtio-blk and
 * virtio-net, as xenbus_bind_queue() is for blkfront and netfront: the
 * interrupts of queue index's n queues (vqs) to CPU index.  Queue 0, a
 * CPU not online and a build without CONFIG_VIRTIO_MQ leave them on CPU
 * 0 (nothing asked, nothing said), and so does a transport that cannot
 * move them (INTx, one vector all queues share, MMIO's one line): the
 * first refusal stops it and is said.  Returns the CPU that takes them: index,
 * 0, or -1 on a polled device, which has no interrupts.
 */
#if defined(CONFIG_VIRTIO_MQ) || defined(__HOST_TEST__)
int virtio_bind_queue(struct virtqueue *const *vqs, unsigned int n, unsigned int index);
#else
static inline int virtio_bind_queue(struct virtqueue *const *vqs, unsigned int n,
				    unsigned int index)
{
	return vqs[0]->vdev->polling ? -1 : 0;
}
#endif

/*
 * Adds out device-readable then in device-writable buffers: 0; -ENOSPC
 * when the ring is full, -EIO when it is broken, -EINVAL for no buffers,
 * more than the ring holds or no token.
 */
int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs,
		  unsigned int out, unsigned int in, void *token);
/*
 * Tells the device about what was added, unless it said it does not need
 * it; returns whether it notified (counted in vq->stats.notifications).
 */
bool virtqueue_kick(struct virtqueue *vq);
/* The next completed request's token and the bytes the device wrote; NULL if none. */
void *virtqueue_get_buf(struct virtqueue *vq, u32 *len);
/* Interrupt suppression; enable returns false if buffers came meanwhile. */
void virtqueue_disable_cb(struct virtqueue *vq);
bool virtqueue_enable_cb(struct virtqueue *vq);
/* For the transports' interrupt handlers. */
void virtqueue_interrupt(struct virtqueue *vq);
bool virtqueue_more_used(const struct virtqueue *vq);

#endif
