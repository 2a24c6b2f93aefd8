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
#include <pvkit/errno.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <asm/smp.h>
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

/* ---- multi-queue: the control queue, and a pair per CPU ---- */

#define MQ_PAIRS	2
#define CTRL_INDEX	(2 * MQ_PAIRS)	/* after the device's last pair */

static struct { u8 class, cmd; u16 pairs; unsigned int commands; } ctrl_seen;
static u8 ctrl_answer;			/* the ack the device writes */
static bool ctrl_silent;		/* it never answers */

/* The control queue's commands: header, the pairs, then the ack. */
static void ctrl_device(struct fake_dev *f, struct virtqueue *vq)
{
	struct virtqueue *q0 = f->vq;

	if (vq != f->vqs[CTRL_INDEX] || ctrl_silent)
		return;
	f->vq = vq;
	fake_take(f);
	while (f->nr_pending) {
		struct vring_desc *d0 = &vq->desc[f->pending[f->nr_pending - 1].id];
		struct vring_desc *d1 = &vq->desc[d0->next];
		struct vring_desc *d2 = &vq->desc[d1->next];
		const struct virtio_net_ctrl_hdr *h = phys_to_virt(d0->addr);

		ctrl_seen.class = h->class;
		ctrl_seen.cmd = h->cmd;
		memcpy(&ctrl_seen.pairs, phys_to_virt(d1->addr), 2);
		ctrl_seen.commands++;
		*(u8 *)phys_to_virt(d2->addr) = ctrl_answer;
		fake_complete(f, f->nr_pending - 1, 1);
	}
	f->vq = q0;
}

/* A device of MQ_PAIRS pairs on two CPUs, its control queue answering ack. */
static struct netdev *start_mq(struct fake_dev *f, u8 ack, bool silent)
{
	u16 max = MQ_PAIRS;
	struct netdev *net;

	fake_irq_reset();
	fake_init_device(f, VIRTIO_ID_NET, 1ULL << VIRTIO_F_VERSION_1 |
			 1ULL << VIRTIO_NET_F_MQ | 1ULL << VIRTIO_NET_F_CTRL_VQ);
	memcpy(f->config + offsetof(struct virtio_net_config, max_virtqueue_pairs),
	       &max, sizeof(max));
	memset(&ctrl_seen, 0, sizeof(ctrl_seen));
	ctrl_answer = ack;
	ctrl_silent = silent;
	f->on_notify = ctrl_device;
	nr_cpus_online = 2;
	net = virtio_register_device(&f->vdev) ? NULL : vnet_of(f);
	nr_cpus_online = 1;
	return net;
}

/* The frame CPU cpu sends: on which transmit queue it lands. */
static bool sent_on(struct ktest *t, struct fake_dev *f, struct netdev *net,
		    unsigned int cpu, unsigned int txq)
{
	static const u8 frame[ETH_HLEN + 10];
	unsigned long before = f->vqs[txq]->stats.added;

	host_cpu = cpu;
	KT_EXPECT_EQ(t, net->ops->transmit(net, frame, sizeof(frame)), 0);
	host_cpu = 0;
	return f->vqs[txq]->stats.added == before + 1;
}

static void each_cpu_transmits_on_its_own_pair(struct ktest *t)
{
	static struct fake_dev f;
	struct netdev *net = start_mq(&f, VIRTIO_NET_OK, false);

	KT_ASSERT_NOT_NULL(t, net);
	KT_EXPECT_EQ(t, ctrl_seen.commands, 1);
	KT_EXPECT_EQ(t, ctrl_seen.class, VIRTIO_NET_CTRL_MQ);
	KT_EXPECT_EQ(t, ctrl_seen.cmd, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET);
	KT_EXPECT_EQ(t, ctrl_seen.pairs, MQ_PAIRS);
	KT_EXPECT_EQ(t, net->nr_queues, MQ_PAIRS);
	KT_EXPECT_TRUE(t, sent_on(t, &f, net, 0, 1));
	KT_EXPECT_TRUE(t, sent_on(t, &f, net, 1, 3));
	KT_EXPECT_TRUE(t, sent_on(t, &f, net, 2, 1));	/* cpu % pairs */
	KT_EXPECT_EQ(t, net->queue_stats[0].tx_frames, 2);
	KT_EXPECT_EQ(t, net->queue_stats[1].tx_frames, 1);
	KT_EXPECT_EQ(t, net->stats.tx_frames, 3);
	KT_EXPECT_FALSE(t, f.vdev.broken);
	netdev_unregister(net);
}

/* A device that says no keeps its one pair (its state after reset), and so do we. */
static void refused_pairs_leave_one(struct ktest *t)
{
	static struct fake_dev f;
	struct netdev *net = start_mq(&f, VIRTIO_NET_ERR, false);

	KT_ASSERT_NOT_NULL(t, net);
	KT_EXPECT_EQ(t, ctrl_seen.commands, 1);
	KT_EXPECT_EQ(t, net->nr_queues, 1);
	KT_EXPECT_TRUE(t, sent_on(t, &f, net, 1, 1));
	KT_EXPECT_FALSE(t, f.vdev.broken);
	netdev_unregister(net);
}

/* No answer by the deadline (virtual time): shut off, not waited on for ever. */
static void silent_control_queue_breaks_the_device(struct ktest *t)
{
	static struct fake_dev f;
	struct netdev *net = start_mq(&f, VIRTIO_NET_OK, true);

	KT_ASSERT_NOT_NULL(t, net);
	KT_EXPECT_TRUE(t, f.vdev.broken);
	KT_EXPECT_EQ(t, net->nr_queues, 1);
	netdev_unregister(net);
}

/* max_virtqueue_pairs of 0 is outside the spec's 1..0x8000: no driver. */
static void zero_max_pairs_is_refused(struct ktest *t)
{
	static struct fake_dev f;

	fake_init_device(&f, VIRTIO_ID_NET, 1ULL << VIRTIO_F_VERSION_1 |
			 1ULL << VIRTIO_NET_F_MQ | 1ULL << VIRTIO_NET_F_CTRL_VQ);
	KT_EXPECT_EQ(t, virtio_register_device(&f.vdev), -ENODEV);
}

static struct ktest_case virtio_net_cases[] = {
	KTEST_CASE(endless_device_is_served_one_budget_at_a_time),
	KTEST_CASE(merged_frames_count_each_buffer),
	KTEST_CASE(each_cpu_transmits_on_its_own_pair),
	KTEST_CASE(refused_pairs_leave_one),
	KTEST_CASE(silent_control_queue_breaks_the_device),
	KTEST_CASE(zero_max_pairs_is_refused),
	{}
};
KTEST_SUITE(host_virtio_net, virtio_net_cases);
