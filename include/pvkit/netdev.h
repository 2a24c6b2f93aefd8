/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network devices: what the network stack sees of virtio-net, Xen
 * netfront, e1000.  Frames are whole Ethernet frames without FCS.
 * Receive is a callback from the driver (interrupt or netdev_poll());
 * the frame is only valid during the call.
 */
#ifndef _PVKIT_NETDEV_H
#define _PVKIT_NETDEV_H

#include <pvkit/types.h>

#define ETH_ALEN	6
#define ETH_HLEN	14
#define ETH_MAX_FRAME	1514		/* 1500-byte MTU, no FCS */
#define ETH_MAX_FRAME_VLAN (ETH_MAX_FRAME + 4)	/* a VLAN tag fits */

struct netdev;

struct netdev_ops {
	/* Copies the frame out; 0, or a negative errno when the ring is full or broken. */
	int (*transmit)(struct netdev *dev, const void *frame, size_t len);
	void (*poll)(struct netdev *dev);
};

/*
 * One queue pair of a multi-queue device (virtio-net with
 * VIRTIO_NET_F_MQ, netfront with multi-queue-num-queues): what it
 * carried and where its interrupts ran.
 */
#if defined(CONFIG_VIRTIO_MQ) || defined(CONFIG_XEN_NETFRONT_MQ) || defined(__HOST_TEST__)
#define NETDEV_MAX_QUEUES	8
#else
#define NETDEV_MAX_QUEUES	1
#endif

struct netdev_queue_stats {
	unsigned long rx_frames, tx_frames;
	unsigned long rx_interrupts, tx_interrupts;
	unsigned long elsewhere;	/* interrupts on another CPU than cpu */
	unsigned long deferred;		/* its receive budget ran out */
	int cpu;			/* its interrupts' CPU; -1: polled */
};

struct netdev_stats {
	unsigned long rx_frames, tx_frames;
	unsigned long rx_dropped, tx_dropped;
	unsigned long notifications, interrupts;
	unsigned long deferred;		/* a budget ran out: the rest later */
	unsigned long rx_nested;	/* frames refused: receive inside receive */
};

struct netdev {
	char name[16];			/* "eth0" */
	const char *driver;
	u8 mac[ETH_ALEN];
	unsigned int mtu;
	const struct netdev_ops *ops;
	/* Set by the stack: called for each received frame. */
	void (*rx)(struct netdev *dev, const void *frame, size_t len);
	void *stack_data;
	struct netdev_stats stats;
	void *driver_data;
	bool broken;
	/*
	 * The CPUs in netdev_receive() (bit cpu % 64): a multi-queue device
	 * receives on several at once; re-entry is on one CPU only.
	 */
	u64 receiving;
	/* Multi-queue devices: queue pairs in use (0: not multi-queue). */
	unsigned int nr_queues;
	struct netdev_queue_stats queue_stats[NETDEV_MAX_QUEUES];
	struct netdev *next;
};

/* A device-wide counter bumped by several CPUs at once (multi-queue). */
static inline void netdev_stat_inc(unsigned long *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void netdev_register(struct netdev *dev);
struct netdev *netdev_find(const char *name);
struct netdev *netdev_first(void);
/*
 * Hands frame to the driver: 0, -EIO when the device is broken, -EMSGSIZE
 * for a frame shorter than a header or longer than the MTU, else what the
 * driver returned.
 */
int netdev_transmit(struct netdev *dev, const void *frame, size_t len);
void netdev_poll(struct netdev *dev);
/*
 * Drivers call this for a received frame.  Never from inside itself (a
 * driver receiving from its transmit path): such a frame is refused,
 * counted and reported, since the stack builds its replies in one buffer.
 */
void netdev_receive(struct netdev *dev, const void *frame, size_t len);

#endif
