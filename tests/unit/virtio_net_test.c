// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net on the fake transport against a device that never stops:
 * it fills every receive buffer the moment the driver posts it.  One
 * interrupt must take one budget of frames and return; deferred work
 * goes on where it stopped.
 */
#include <string.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/netdev.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include "fake_irq.h"
#include "fake_virtio.h"

#define FRAME_LEN	64
#define SEQ_OFF		20	/* where in the frame the device counts */

static struct fake_dev nd;
static u32 produced, limit, next_seq;
static unsigned int hdr_len;	/* as negotiated: virtio_net_hdr(_v1) */
static bool in_order;

static void put_seq(u8 *p, u32 v)
{
	memcpy(p, &v, sizeof(v));
}

/* Every buffer posted is filled at once, until the test's limit. */
static void endless_device(struct fake_dev *f, struct virtqueue *vq)
{
	if (vq != f->vqs[0])
		return;
	f->vq = vq;
	fake_take(f);
	while (f->nr_pending && produced < limit) {
		u8 *buf = phys_to_virt(vq->desc[f->pending[f->nr_pending - 1].id].addr);

		memset(buf, 0, hdr_len + FRAME_LEN);
		put_seq(buf + hdr_len + SEQ_OFF, produced++);
		fake_complete(f, f->nr_pending - 1, hdr_len + FRAME_LEN);
	}
}

/*
 * The same with mergeable buffers, each frame spread over MERGED of them
 * (FRAME_LEN / MERGED bytes each), the first carrying num_buffers.
 */
#define MERGED	4

static void endless_merging_device(struct fake_dev *f, struct virtqueue *vq)
{
	const u32 piece = FRAME_LEN / MERGED;
	u8 frame[FRAME_LEN] = { 0 };

	if (vq != f->vqs[0])
		return;
	f->vq = vq;
	fake_take(f);
	while (f->nr_pending >= MERGED && produced < limit) {
		put_seq(frame + SEQ_OFF, produced++);
		for (unsigned int k = 0; k < MERGED; k++) {
			u8 *buf = phys_to_virt(vq->desc[f->pending[f->nr_pending - 1].id].addr);
			u32 head = k ? 0 : hdr_len;

			memset(buf, 0, head);
			if (!k)
				((struct virtio_net_hdr_v1 *)buf)->num_buffers = MERGED;
			memcpy(buf + head, frame + k * piece, piece);
			fake_complete(f, f->nr_pending - 1, head + piece);
		}
	}
}

static void count_rx(struct netdev *dev, const void *frame, size_t len)
{
	u32 seq;

	memcpy(&seq, (const u8 *)frame + SEQ_OFF, sizeof(seq));
	if (len != FRAME_LEN || seq != next_seq)
		in_order = false;
	next_seq++;
}

static struct netdev *vnet_of(struct fake_dev *f)
{
	for (struct netdev *d = netdev_first(); d; d = d->next) {
		if (d->driver_data == f->vdev.priv)
			return d;
	}
	return NULL;
}

/*
 * Registers f with features, the stack replaced by count_rx, and starts
 * the endless device: one interrupt taken.  NULL if the driver did not
 * bind.
 */
static struct netdev *start_endless(struct fake_dev *f, u64 features,
				    void (*device)(struct fake_dev *f, struct virtqueue *vq))
{
	struct netdev *net;

	fake_irq_reset();
	fake_init_device(f, VIRTIO_ID_NET, features);
	if (virtio_register_device(&f->vdev))
		return NULL;
	hdr_len = virtio_has_feature(&f->vdev, VIRTIO_F_VERSION_1) ?
		  sizeof(struct virtio_net_hdr_v1) : sizeof(struct virtio_net_hdr);
	net = vnet_of(f);
	if (!net)
		return NULL;
	net->rx = count_rx;
	produced = next_seq = 0;
	limit = 100000;		/* a driver without a budget stops only here */
	in_order = true;
	f->on_notify = device;
	device(f, f->vqs[0]);
	virtqueue_interrupt(f->vqs[0]);
	return net;
}

/* The device stops: deferred work drains what is left, then ends. */
static void stop_endless(struct ktest *t, struct fake_dev *f, struct netdev *net)
{
	KT_EXPECT_TRUE(t, in_order);
	KT_EXPECT_EQ(t, net->stats.rx_dropped, 0);
	KT_EXPECT_FALSE(t, f->vdev.broken);
	limit = produced;
	for (unsigned int run = 0; run < 4 && fake_nr_deferred(); run++)
		fake_run_deferred();
	KT_EXPECT_EQ(t, fake_nr_deferred(), 0);
	KT_EXPECT_EQ(t, next_seq, produced);
	f->on_notify = NULL;
	net->rx = NULL;
	netdev_unregister(net);
}

static void endless_device_is_served_one_budget_at_a_time(struct ktest *t)
{
	struct netdev *net = start_endless(&nd, 1ULL << VIRTIO_F_VERSION_1, endless_device);

	KT_ASSERT_NOT_NULL(t, net);
	KT_EXPECT_EQ(t, next_seq, IRQ_BUDGET);
	KT_EXPECT_EQ(t, fake_nr_deferred(), 1);
	for (unsigned int run = 1; run <= 50; run++) {
		KT_ASSERT_EQ(t, fake_run_deferred(), 1);
		KT_ASSERT_EQ(t, next_seq, (run + 1) * IRQ_BUDGET);
	}
	stop_endless(t, &nd, net);
}

/* A frame of MERGED buffers costs MERGED of the budget, not one. */
static void merged_frames_count_each_buffer(struct ktest *t)
{
	/* Its own: a virtio driver is never removed, nd's stays reachable. */
	static struct fake_dev md;
	struct netdev *net = start_endless(&md, 1ULL << VIRTIO_F_VERSION_1 |
					   1ULL << VIRTIO_NET_F_MRG_RXBUF,
					   endless_merging_device);

	KT_ASSERT_NOT_NULL(t, net);
	KT_ASSERT_TRUE(t, virtio_has_feature(&md.vdev, VIRTIO_NET_F_MRG_RXBUF));
	KT_EXPECT_EQ(t, next_seq, IRQ_BUDGET / MERGED);
	KT_EXPECT_EQ(t, fake_nr_deferred(), 1);
	KT_ASSERT_EQ(t, fake_run_deferred(), 1);
	KT_EXPECT_EQ(t, next_seq, 2 * IRQ_BUDGET / MERGED);
	stop_endless(t, &md, net);
}

static struct ktest_case virtio_net_cases[] = {
	KTEST_CASE(endless_device_is_served_one_budget_at_a_time),
	KTEST_CASE(merged_frames_count_each_buffer),
	{}
};
KTEST_SUITE(host_virtio_net, virtio_net_cases);
