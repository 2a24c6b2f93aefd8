// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio 1.2, 5.1) behind the net-device interface: receive
 * and transmit queue pairs, no offloads.  Receive buffers are 2 KiB;
 * with mergeable receive buffers a frame may span several, and the count
 * the device claims is checked against what it really used.  Each frame
 * is copied out of its buffer before the stack sees it.  Transmit
 * reclaims transmit buffers only; frames are received from the
 * interrupt (or a poll), at most VNET_RX_BUDGET buffers' worth per pass
 * (a mergeable frame counts each of its buffers), the rest from deferred
 * work, so a device that refills as fast as we post cannot keep one
 * interrupt going.
 *
 * Multi-queue (VIRTIO_NET_F_MQ, CONFIG_VIRTIO_MQ): one pair per online
 * CPU, up to the device's max_virtqueue_pairs, the number set through
 * the control queue.  Pair q's two interrupts go to CPU q where the
 * transport can route them (MSI-X with a vector per queue), and CPU c
 * transmits on pair c % pairs.  Each queue has its own lock: the
 * receive side is reaped by its interrupt's CPU or a poller, the
 * transmit side filled by the CPUs that share it.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/netdev.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <linux/virtio_net.h>

#define VNET_QUEUE_SIZE	256
#define RX_BUF_SIZE	2048
#define NR_RX_BUFS	64
#define NR_TX_BUFS	64
#define MAX_FRAME	ETH_MAX_FRAME_VLAN
#define VNET_RX_BUDGET	IRQ_BUDGET		/* frames per interrupt */
#if defined(CONFIG_VIRTIO_MQ) || defined(__HOST_TEST__)
#define VNET_MAX_PAIRS	NETDEV_MAX_QUEUES
#else
#define VNET_MAX_PAIRS	1	/* whatever netfront's multi-queue makes of NETDEV_MAX_QUEUES */
#endif
/* The control queue's answer: QEMU gives it before the notify returns. */
#define VNET_CTRL_TIMEOUT_NS	(5 * NSEC_PER_SEC)

struct vnet_buf {
	u8 data[RX_BUF_SIZE];
};

struct vnet;

/* Receive side of a pair: its lock covers the ring, the buffers and frame. */
struct vnet_rxq {
	spinlock_t lock;
	struct virtqueue *vq;
	struct vnet_buf *bufs;
	unsigned int nr;		/* buffers posted */
	u8 frame[MAX_FRAME];		/* a mergeable frame is put together here */
	struct irq_work resume;		/* what a budget left, later */
	struct vnet *vn;
};

/* Transmit side: its lock covers the ring and the slots. */
struct vnet_txq {
	spinlock_t lock;
	struct virtqueue *vq;
	struct vnet_buf *bufs;
	bool busy[NR_TX_BUFS];
	struct vnet *vn;
};

struct vnet_pair {
	struct vnet_rxq rx;
	struct vnet_txq tx;
	struct netdev_queue_stats *stats;
};

struct vnet {
	struct netdev net;
	struct virtio_device *vdev;
	unsigned int hdr_len;
	bool mergeable;
	unsigned int nr_pairs;		/* set up; in use once ready */
	unsigned int max_pairs;		/* the device's, bounded */
	struct virtqueue *ctrl;
	struct vnet_pair q[VNET_MAX_PAIRS];
};

static struct vnet *to_vnet(struct netdev *dev)
{
	return container_of(dev, struct vnet, net);
}

static int post_rx(struct vnet_rxq *rq, unsigned int i)
{
	struct vq_buf b = { virt_to_phys(&rq->bufs[i]), RX_BUF_SIZE };

	return virtqueue_add(rq->vq, &b, 0, 1, &rq->bufs[i]);
}

static unsigned int rx_index(struct vnet_rxq *rq, void *token)
{
	return (struct vnet_buf *)token - rq->bufs;
}

static struct vnet_pair *pair_of(struct vnet_rxq *rq)
{
	return container_of(rq, struct vnet_pair, rx);
}

/*
 * The rest of a mergeable frame: num_buffers - 1 more used buffers.
 * Each goes back to the device once copied.  Returns the frame length,
 * or 0 when the device lied about the count or the size.
 */
static size_t gather(struct vnet_rxq *rq, size_t have, u16 more)
{
	u32 len;

	while (more--) {
		void *tok = virtqueue_get_buf(rq->vq, &len);

		if (!tok) {
			virtio_break_device(rq->vn->vdev, "frame claims more buffers than it used");
			return 0;
		}
		if (have + len > sizeof(rq->frame)) {
			post_rx(rq, rx_index(rq, tok));
			have = sizeof(rq->frame) + 1;	/* too big: drop, but keep the ring in step */
			continue;
		}
		memcpy(rq->frame + have, tok, len);
		have += len;
		post_rx(rq, rx_index(rq, tok));
	}
	return have > sizeof(rq->frame) ? 0 : have;
}

/* One frame; returns the used buffers it took, for the budget. */
static unsigned int receive_one(struct vnet_rxq *rq, void *tok, u32 len)
{
	struct vnet *vn = rq->vn;
	struct virtio_net_hdr_v1 *hdr = tok;
	u16 more = 0, nbufs;
	size_t flen;

	if (len < vn->hdr_len) {
		netdev_stat_inc(&vn->net.stats.rx_dropped);
		post_rx(rq, rx_index(rq, tok));
		return 1;
	}
	/* Read once: the buffer is the device's to rewrite until it is reposted. */
	nbufs = READ_ONCE(hdr->num_buffers);
	if (vn->mergeable && nbufs > rq->nr) {
		/* Posted again as they come, so a lie could take 65535 of them. */
		post_rx(rq, rx_index(rq, tok));
		netdev_stat_inc(&vn->net.stats.rx_dropped);
		virtio_break_device(vn->vdev, "frame claims more buffers than we posted");
		return 1;
	}
	if (vn->mergeable && nbufs > 1)
		more = nbufs - 1;
	flen = len - vn->hdr_len;
	if (flen > sizeof(rq->frame))
		flen = sizeof(rq->frame) + 1;
	else
		memcpy(rq->frame, (u8 *)tok + vn->hdr_len, flen);
	post_rx(rq, rx_index(rq, tok));
	if (more)
		flen = gather(rq, flen > sizeof(rq->frame) ? sizeof(rq->frame) + 1 : flen, more);
	if (!flen || flen > sizeof(rq->frame) || flen < ETH_HLEN) {
		netdev_stat_inc(&vn->net.stats.rx_dropped);
		return 1 + more;
	}
	netdev_stat_inc(&vn->net.stats.rx_frames);
	netdev_stat_inc(&pair_of(rq)->stats->rx_frames);
	netdev_receive(&vn->net, rq->frame, flen);
	return 1 + more;
}

/*
 * Frames of at most budget used buffers (one frame may end past it),
 * callbacks off meanwhile; true when the budget ran out with the queue's
 * callbacks still off, the rest for later.  The queue's lock held.
 */
static bool reap_rx(struct vnet_rxq *rq, unsigned int budget)
{
	struct virtio_device *vdev = rq->vn->vdev;
	unsigned int done = 0;
	void *tok;
	u32 len;

	do {
		virtqueue_disable_cb(rq->vq);
		while (done < budget && !vdev->broken &&
		       (tok = virtqueue_get_buf(rq->vq, &len)))
			done += receive_one(rq, tok, len);
		virtqueue_kick(rq->vq);		/* the buffers given back */
		if (done >= budget)
			return !vdev->broken;
	} while (!virtqueue_enable_cb(rq->vq) && !vdev->broken);
	return false;
}

/* The transmit queue's lock held. */
static void reap_tx(struct vnet_txq *tq)
{
	void *tok;

	while ((tok = virtqueue_get_buf(tq->vq, NULL)))
		tq->busy[(struct vnet_buf *)tok - tq->bufs] = false;
}

static void vnet_resume(struct irq_work *w);

/*
 * One interrupt's worth of frames, the rest from the timer a little
 * later.  Interrupts off.  A poller (wait) false gives up a queue whose
 * lock another CPU holds: that CPU is receiving on it already.
 */
static void vnet_receive(struct vnet_rxq *rq, bool wait)
{
	bool more;

	if (wait)
		spin_lock(&rq->lock);
	else if (!spin_trylock(&rq->lock))
		return;
	more = reap_rx(rq, VNET_RX_BUDGET);
	spin_unlock(&rq->lock);
	if (more) {
		netdev_stat_inc(&rq->vn->net.stats.deferred);
		netdev_stat_inc(&pair_of(rq)->stats->deferred);
		irq_work_defer(&rq->resume, vnet_resume);
	}
}

static void vnet_resume(struct irq_work *w)
{
	unsigned long flags = local_irq_save();

	vnet_receive(container_of(w, struct vnet_rxq, resume), true);
	local_irq_restore(flags);
}

/* An interrupt of pair's: counted, and whether it came to its CPU. */
static void count_irq(struct vnet_pair *p, unsigned long *count)
{
	netdev_stat_inc(&p->rx.vn->net.stats.interrupts);
	netdev_stat_inc(count);
	if ((int)smp_processor_id() != p->stats->cpu)
		netdev_stat_inc(&p->stats->elsewhere);
}

static void rx_done(struct virtqueue *vq)
{
	struct vnet_rxq *rq = vq->priv;

	count_irq(pair_of(rq), &pair_of(rq)->stats->rx_interrupts);
	vnet_receive(rq, true);
}

static void tx_done(struct virtqueue *vq)
{
	struct vnet_txq *tq = vq->priv;
	struct vnet_pair *p = container_of(tq, struct vnet_pair, tx);

	spin_lock(&tq->lock);
	count_irq(p, &p->stats->tx_interrupts);
	reap_tx(tq);
	spin_unlock(&tq->lock);
}

static int tx_slot(struct vnet_txq *tq)
{
	reap_tx(tq);
	for (int i = 0; i < NR_TX_BUFS; i++) {
		if (!tq->busy[i])
			return i;
	}
	return -1;
}

/* Header and frame in one buffer slot, given as two descriptors (legacy wants that). */
static int vnet_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct vnet *vn = to_vnet(dev);
	struct vnet_pair *p;
	unsigned long flags;
	int slot, err = -ENOSPC;

	if (len > MAX_FRAME) {
		err = -EMSGSIZE;
		goto drop;
	}
	if (vn->vdev->broken) {
		err = -EIO;
		goto drop;
	}
	flags = local_irq_save();
	p = &vn->q[smp_processor_id() % READ_ONCE(vn->nr_pairs)];
	spin_lock(&p->tx.lock);
	slot = tx_slot(&p->tx);
	if (slot >= 0) {
		u8 *d = p->tx.bufs[slot].data;
		struct vq_buf b[2] = {
			{ virt_to_phys(d), vn->hdr_len },
			{ virt_to_phys(d + vn->hdr_len), len },
		};

		memset(d, 0, vn->hdr_len);
		memcpy(d + vn->hdr_len, frame, len);
		err = virtqueue_add(p->tx.vq, b, 2, 0, &p->tx.bufs[slot]);
		if (!err) {
			p->tx.busy[slot] = true;
			if (virtqueue_kick(p->tx.vq))
				netdev_stat_inc(&dev->stats.notifications);
			netdev_stat_inc(&dev->stats.tx_frames);
			netdev_stat_inc(&p->stats->tx_frames);
		}
	}
	spin_unlock(&p->tx.lock);
	local_irq_restore(flags);
	if (!err)
		return 0;
drop:
	netdev_stat_inc(&dev->stats.tx_dropped);
	return err;
}

/*
 * The pairs whose interrupts come to this CPU (all of them on a device
 * without interrupts), as those interrupts would.
 */
static void vnet_poll(struct netdev *dev)
{
	struct vnet *vn = to_vnet(dev);
	unsigned long flags = local_irq_save();
	int cpu = smp_processor_id();

	for (unsigned int i = 0; i < READ_ONCE(vn->nr_pairs); i++) {
		struct vnet_pair *p = &vn->q[i];

		if (p->stats->cpu >= 0 && p->stats->cpu != cpu)
			continue;
		vnet_receive(&p->rx, false);
		if (spin_trylock(&p->tx.lock)) {
			reap_tx(&p->tx);
			spin_unlock(&p->tx.lock);
		}
	}
	local_irq_restore(flags);
}

static const struct netdev_ops vnet_ops = {
	.transmit = vnet_transmit,
	.poll = vnet_poll,
};

static void vnet_mac(struct vnet *vn)
{
	if (virtio_has_feature(vn->vdev, VIRTIO_NET_F_MAC)) {
		virtio_cread(vn->vdev, offsetof(struct virtio_net_config, mac),
			     vn->net.mac, ETH_ALEN);
		return;
	}
	/* Locally administered, unicast, from the TSC: good enough to be unique here. */
	u64 r = rdtsc();

	memcpy(vn->net.mac, &r, ETH_ALEN);
	vn->net.mac[0] = (vn->net.mac[0] & 0xfe) | 0x02;
}

/* Known false without CONFIG_VIRTIO_MQ: the compiler drops the rest. */
static bool vnet_has_ctrl(const struct vnet *vn)
{
	return VNET_MAX_PAIRS > 1 && vn->ctrl;
}

static bool vnet_mq(struct virtio_device *vdev)
{
	return VNET_MAX_PAIRS > 1 && virtio_has_feature(vdev, VIRTIO_NET_F_MQ) &&
	       virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ);
}

/*
 * The device's max_virtqueue_pairs, read once: 1 to 0x8000 says the
 * spec; more than we drive is bounded, less than one is a broken device.
 */
static int vnet_read_max_pairs(struct vnet *vn)
{
	u16 max = 1;

	if (!vnet_mq(vn->vdev))
		return 1;
	virtio_cread(vn->vdev, offsetof(struct virtio_net_config, max_virtqueue_pairs),
		     &max, sizeof(max));
	if (max < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || max > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX) {
		pr_err("%s: max_virtqueue_pairs %u out of range\n", vn->vdev->name, max);
		return -ENODEV;
	}
	vn->max_pairs = max;
	return min((unsigned int)max, (unsigned int)VNET_MAX_PAIRS);
}

static const char *const rx_names[VNET_MAX_PAIRS] = {
	"rx0",
#if VNET_MAX_PAIRS > 1
	"rx1", "rx2", "rx3", "rx4", "rx5", "rx6", "rx7",
#endif
};
static const char *const tx_names[VNET_MAX_PAIRS] = {
	"tx0",
#if VNET_MAX_PAIRS > 1
	"tx1", "tx2", "tx3", "tx4", "tx5", "tx6", "tx7",
#endif
};

/* -ENODEV when the transport has not both its queues. */
static int vnet_setup_pair(struct vnet *vn, unsigned int i)
{
	struct vnet_pair *p = &vn->q[i];

	p->stats = &vn->net.queue_stats[i];
	p->rx = (struct vnet_rxq){ .lock = SPINLOCK_INIT, .vn = vn };
	p->tx = (struct vnet_txq){ .lock = SPINLOCK_INIT, .vn = vn };
	p->rx.vq = virtio_find_vq(vn->vdev, 2 * i, VNET_QUEUE_SIZE, rx_done, rx_names[i]);
	p->tx.vq = p->rx.vq ? virtio_find_vq(vn->vdev, 2 * i + 1, VNET_QUEUE_SIZE,
					     tx_done, tx_names[i]) : NULL;
	if (!p->rx.vq || !p->tx.vq)
		return -ENODEV;
	p->rx.bufs = alloc_pages(DIV_ROUND_UP(NR_RX_BUFS * sizeof(struct vnet_buf), PAGE_SIZE));
	p->tx.bufs = alloc_pages(DIV_ROUND_UP(NR_TX_BUFS * sizeof(struct vnet_buf), PAGE_SIZE));
	if (!p->rx.bufs || !p->tx.bufs)
		return -ENOMEM;
	p->rx.vq->priv = &p->rx;
	p->tx.vq->priv = &p->tx;
	p->rx.nr = min((unsigned int)NR_RX_BUFS, p->rx.vq->num);
	for (unsigned int b = 0; b < p->rx.nr; b++)
		post_rx(&p->rx, b);
	return 0;
}

/*
 * Pair q's interrupts to CPU q; where that cannot be (INTx, a shared
 * vector, MMIO) they stay on the boot CPU, which then receives for all.
 */
static void vnet_route(struct vnet *vn)
{
	for (unsigned int i = 0; i < vn->nr_pairs; i++) {
		struct vnet_pair *p = &vn->q[i];
		struct virtqueue *vqs[] = { p->rx.vq, p->tx.vq };

		p->stats->cpu = virtio_bind_queue(vqs, ARRAY_SIZE(vqs), i);
	}
}

/*
 * The pairs: one per CPU, as many as the device has and the transport
 * reached (a transport that counted the queues before the features were
 * negotiated knows only the first pair's: then that one, without the
 * control queue, as a device without VIRTIO_NET_F_MQ).
 */
static int vnet_setup_queues(struct vnet *vn, unsigned int cpus)
{
	int max = vnet_read_max_pairs(vn);
	unsigned int want;
	int err;

	if (max < 0)
		return max;
	want = min((unsigned int)max, max(cpus, 1U));
	for (vn->nr_pairs = 0; vn->nr_pairs < want; vn->nr_pairs++) {
		err = vnet_setup_pair(vn, vn->nr_pairs);
		if (err == -ENODEV && vn->nr_pairs)
			break;
		if (err)
			return err;
	}
	if (vnet_mq(vn->vdev)) {
		/* After the last pair the device has, whatever we use (5.1.2). */
		vn->ctrl = virtio_find_vq(vn->vdev, 2 * vn->max_pairs, 64, NULL, "ctrl");
		if (vn->ctrl)
			virtqueue_disable_cb(vn->ctrl);
	}
	if (VNET_MAX_PAIRS > 1 &&
	    (vn->nr_pairs < want || (vnet_mq(vn->vdev) && !vn->ctrl))) {
		pr_warn("%s: the transport reached %u of %u queue pairs%s: one pair\n",
			vn->vdev->name, vn->nr_pairs, want,
			vn->ctrl ? "" : " and no control queue");
		vn->nr_pairs = 1;
		vn->ctrl = NULL;
	}
	vnet_route(vn);
	return 0;
}

static int vnet_probe(struct virtio_device *vdev)
{
	struct vnet *vn = kzalloc(sizeof(*vn));
	int err;

	if (!vn)
		return -ENOMEM;
	vn->vdev = vdev;
	vdev->priv = vn;
	vn->mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
	vn->hdr_len = vn->mergeable || virtio_has_feature(vdev, VIRTIO_F_VERSION_1) ?
		      sizeof(struct virtio_net_hdr_v1) : sizeof(struct virtio_net_hdr);
	err = vnet_setup_queues(vn, nr_cpus_online);
	if (err)
		return err;
	vnet_mac(vn);
	vn->net.driver = "virtio-net";
	vn->net.mtu = 1500;
	vn->net.ops = &vnet_ops;
	vn->net.driver_data = vn;
	netdev_register(&vn->net);
	return 0;
}

/* The command and its answer, in memory the device reaches. */
struct vnet_ctrl_cmd {
	struct virtio_net_ctrl_hdr hdr;
	struct virtio_net_ctrl_mq mq;
	virtio_net_ctrl_ack ack;
};

/*
 * VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET: 0, -EIO when the device says no,
 * -ETIMEDOUT when it does not answer (then it is shut off).  Polled:
 * this runs once, at start.
 */
static int vnet_set_pairs(struct vnet *vn, unsigned int pairs)
{
	struct vnet_ctrl_cmd *c = kzalloc(sizeof(*c));
	u64 deadline = ktime_get_ns() + VNET_CTRL_TIMEOUT_NS;
	struct vq_buf b[3];
	void *tok = NULL;
	u8 ack;
	int err;

	if (!c)
		return -ENOMEM;
	c->hdr = (struct virtio_net_ctrl_hdr){ VIRTIO_NET_CTRL_MQ,
					       VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET };
	c->mq.virtqueue_pairs = pairs;
	c->ack = 0xff;			/* a device that writes nothing is caught */
	b[0] = (struct vq_buf){ virt_to_phys(&c->hdr), sizeof(c->hdr) };
	b[1] = (struct vq_buf){ virt_to_phys(&c->mq), sizeof(c->mq) };
	b[2] = (struct vq_buf){ virt_to_phys(&c->ack), sizeof(c->ack) };
	err = virtqueue_add(vn->ctrl, b, 2, 1, c);
	if (err)
		return err;		/* c stays: the ring may hold it */
	virtqueue_kick(vn->ctrl);
	while (!vn->vdev->broken && !(tok = virtqueue_get_buf(vn->ctrl, NULL)) &&
	       ktime_get_ns() < deadline)
		udelay(10);
	if (!tok) {
		virtio_break_device(vn->vdev, "control queue gave no answer in %u s",
				    (unsigned int)(VNET_CTRL_TIMEOUT_NS / NSEC_PER_SEC));
		return -ETIMEDOUT;
	}
	if (tok != c) {
		virtio_break_device(vn->vdev, "control queue answered a command never sent");
		return -EIO;
	}
	ack = READ_ONCE(c->ack);
	kfree(c);
	return ack == VIRTIO_NET_OK ? 0 : -EIO;
}

/*
 * Live: the receive buffers posted in probe told, and the pairs set.  A
 * device that refuses the pairs keeps its one (its state after reset).
 */
static void vnet_ready(struct virtio_device *vdev)
{
	struct vnet *vn = vdev->priv;
	unsigned int pairs = vn->nr_pairs;

	for (unsigned int i = 0; i < pairs; i++)
		virtqueue_kick(vn->q[i].rx.vq);
	if (vnet_has_ctrl(vn) && pairs > 1) {
		int err = vnet_set_pairs(vn, pairs);

		if (err) {
			pr_warn("%s: %u queue pairs refused (%d): one\n", vdev->name,
				pairs, err);
			pairs = 1;
		}
	}
	WRITE_ONCE(vn->nr_pairs, pairs);
	vn->net.nr_queues = vnet_has_ctrl(vn) ? pairs : 0;
	if (vnet_has_ctrl(vn))
		pr_info("%s: %u queue pairs of %u%s\n", vn->net.name, pairs, vn->max_pairs,
			pairs > 1 && vn->q[1].stats->cpu == 1 ? ", one per CPU" : "");
}

static const struct virtio_driver virtio_net_driver = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.features = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
		    ((u64)(VNET_MAX_PAIRS > 1) << VIRTIO_NET_F_MQ) |
		    ((u64)(VNET_MAX_PAIRS > 1) << VIRTIO_NET_F_CTRL_VQ),
	.probe = vnet_probe,
	.ready = vnet_ready,
};
DEFINE_VIRTIO_DRIVER(virtio_net_driver);
