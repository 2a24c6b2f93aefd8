// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio 1.2, 5.1) behind the net-device interface: one
 * receive and one transmit queue, no offloads.  Receive buffers are
 * 2 KiB; with mergeable receive buffers a frame may span several, and
 * the count the device claims is checked against what it really used.
 * Each frame is copied out of its buffer before the stack sees it.
 * Transmit reclaims transmit buffers only; frames are received from the
 * interrupt (or a poll), at most VNET_RX_BUDGET buffers' worth per pass
 * (a mergeable frame counts each of its buffers), the rest from deferred
 * work, so a device that refills as fast as we post cannot keep one
 * interrupt going.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/netdev.h>
#include <pvkit/string.h>
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

struct vnet_buf {
	u8 data[RX_BUF_SIZE];
};

struct vnet {
	struct netdev net;
	struct virtio_device *vdev;
	struct virtqueue *rx, *tx;
	unsigned int hdr_len;
	bool mergeable;
	unsigned int nr_rx;		/* receive buffers posted */
	struct vnet_buf *rx_bufs, *tx_bufs;
	bool tx_busy[NR_TX_BUFS];
	u8 frame[MAX_FRAME];		/* a mergeable frame is put together here */
	struct irq_work resume;		/* what a budget left, later */
};

static struct vnet *to_vnet(struct netdev *dev)
{
	return container_of(dev, struct vnet, net);
}

static int post_rx(struct vnet *vn, unsigned int i)
{
	struct vq_buf b = { virt_to_phys(&vn->rx_bufs[i]), RX_BUF_SIZE };

	return virtqueue_add(vn->rx, &b, 0, 1, &vn->rx_bufs[i]);
}

static unsigned int rx_index(struct vnet *vn, void *token)
{
	return (struct vnet_buf *)token - vn->rx_bufs;
}

/*
 * The rest of a mergeable frame: num_buffers - 1 more used buffers.
 * Each goes back to the device once copied.  Returns the frame length,
 * or 0 when the device lied about the count or the size.
 */
static size_t gather(struct vnet *vn, size_t have, u16 more)
{
	u32 len;

	while (more--) {
		void *tok = virtqueue_get_buf(vn->rx, &len);

		if (!tok) {
			virtio_break_device(vn->vdev, "frame claims more buffers than it used");
			return 0;
		}
		if (have + len > sizeof(vn->frame)) {
			post_rx(vn, rx_index(vn, tok));
			have = sizeof(vn->frame) + 1;	/* too big: drop, but keep the ring in step */
			continue;
		}
		memcpy(vn->frame + have, tok, len);
		have += len;
		post_rx(vn, rx_index(vn, tok));
	}
	return have > sizeof(vn->frame) ? 0 : have;
}

/* One frame; returns the used buffers it took, for the budget. */
static unsigned int receive_one(struct vnet *vn, void *tok, u32 len)
{
	struct virtio_net_hdr_v1 *hdr = tok;
	u16 more = 0, nbufs;
	size_t flen;

	if (len < vn->hdr_len) {
		vn->net.stats.rx_dropped++;
		post_rx(vn, rx_index(vn, tok));
		return 1;
	}
	/* Read once: the buffer is the device's to rewrite until it is reposted. */
	nbufs = READ_ONCE(hdr->num_buffers);
	if (vn->mergeable && nbufs > vn->nr_rx) {
		/* Posted again as they come, so a lie could take 65535 of them. */
		post_rx(vn, rx_index(vn, tok));
		vn->net.stats.rx_dropped++;
		virtio_break_device(vn->vdev, "frame claims more buffers than we posted");
		return 1;
	}
	if (vn->mergeable && nbufs > 1)
		more = nbufs - 1;
	flen = len - vn->hdr_len;
	if (flen > sizeof(vn->frame))
		flen = sizeof(vn->frame) + 1;
	else
		memcpy(vn->frame, (u8 *)tok + vn->hdr_len, flen);
	post_rx(vn, rx_index(vn, tok));
	if (more)
		flen = gather(vn, flen > sizeof(vn->frame) ? sizeof(vn->frame) + 1 : flen, more);
	if (!flen || flen > sizeof(vn->frame) || flen < ETH_HLEN) {
		vn->net.stats.rx_dropped++;
		return 1 + more;
	}
	vn->net.stats.rx_frames++;
	netdev_receive(&vn->net, vn->frame, flen);
	return 1 + more;
}

/*
 * Frames of at most budget used buffers (one frame may end past it),
 * callbacks off meanwhile; true when the budget ran out with the queue's
 * callbacks still off, the rest for later.
 */
static bool reap_rx(struct vnet *vn, unsigned int budget)
{
	unsigned int done = 0;
	void *tok;
	u32 len;

	do {
		virtqueue_disable_cb(vn->rx);
		while (done < budget && !vn->vdev->broken &&
		       (tok = virtqueue_get_buf(vn->rx, &len)))
			done += receive_one(vn, tok, len);
		virtqueue_kick(vn->rx);		/* the buffers given back */
		if (done >= budget)
			return !vn->vdev->broken;
	} while (!virtqueue_enable_cb(vn->rx) && !vn->vdev->broken);
	return false;
}

static void reap_tx(struct vnet *vn)
{
	void *tok;

	while ((tok = virtqueue_get_buf(vn->tx, NULL)))
		vn->tx_busy[(struct vnet_buf *)tok - vn->tx_bufs] = false;
}

static void vnet_resume(struct irq_work *w);

/* One interrupt's worth of frames: the rest from the timer a little later. */
static void vnet_receive(struct vnet *vn)
{
	if (reap_rx(vn, VNET_RX_BUDGET)) {
		vn->net.stats.deferred++;
		irq_work_defer(&vn->resume, vnet_resume);
	}
}

static void vnet_resume(struct irq_work *w)
{
	vnet_receive(container_of(w, struct vnet, resume));
}

static void rx_done(struct virtqueue *vq)
{
	struct vnet *vn = vq->vdev->priv;

	vn->net.stats.interrupts++;
	vnet_receive(vn);
}

static void tx_done(struct virtqueue *vq)
{
	struct vnet *vn = vq->vdev->priv;

	vn->net.stats.interrupts++;
	reap_tx(vn);
}

/* Header and frame in one buffer slot, given as two descriptors (legacy wants that). */
static int vnet_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct vnet *vn = to_vnet(dev);
	unsigned long flags;
	int slot = -1, err = -ENOSPC;

	if (len > MAX_FRAME) {
		err = -EMSGSIZE;
		goto drop;
	}
	if (vn->vdev->broken) {
		err = -EIO;
		goto drop;
	}
	flags = local_irq_save();
	reap_tx(vn);
	for (int i = 0; i < NR_TX_BUFS; i++) {
		if (!vn->tx_busy[i]) {
			slot = i;
			break;
		}
	}
	if (slot >= 0) {
		u8 *p = vn->tx_bufs[slot].data;
		struct vq_buf b[2] = {
			{ virt_to_phys(p), vn->hdr_len },
			{ virt_to_phys(p + vn->hdr_len), len },
		};

		memset(p, 0, vn->hdr_len);
		memcpy(p + vn->hdr_len, frame, len);
		err = virtqueue_add(vn->tx, b, 2, 0, &vn->tx_bufs[slot]);
		if (!err) {
			vn->tx_busy[slot] = true;
			if (virtqueue_kick(vn->tx))
				dev->stats.notifications++;
			dev->stats.tx_frames++;
		}
	}
	local_irq_restore(flags);
	if (!err)
		return 0;
drop:
	dev->stats.tx_dropped++;
	return err;
}

static void vnet_poll(struct netdev *dev)
{
	struct vnet *vn = to_vnet(dev);
	unsigned long flags = local_irq_save();

	vnet_receive(vn);
	reap_tx(vn);
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

static int vnet_probe(struct virtio_device *vdev)
{
	struct vnet *vn = kzalloc(sizeof(*vn));

	if (!vn)
		return -ENOMEM;
	vn->vdev = vdev;
	vdev->priv = vn;
	vn->mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
	vn->hdr_len = vn->mergeable || virtio_has_feature(vdev, VIRTIO_F_VERSION_1) ?
		      sizeof(struct virtio_net_hdr_v1) : sizeof(struct virtio_net_hdr);
	vn->rx = virtio_find_vq(vdev, 0, VNET_QUEUE_SIZE, rx_done, "rx");
	vn->tx = virtio_find_vq(vdev, 1, VNET_QUEUE_SIZE, tx_done, "tx");
	vn->rx_bufs = alloc_pages(DIV_ROUND_UP(NR_RX_BUFS * sizeof(struct vnet_buf), PAGE_SIZE));
	vn->tx_bufs = alloc_pages(DIV_ROUND_UP(NR_TX_BUFS * sizeof(struct vnet_buf), PAGE_SIZE));
	if (!vn->rx || !vn->tx || !vn->rx_bufs || !vn->tx_bufs)
		return -ENOMEM;
	vn->nr_rx = min((unsigned int)NR_RX_BUFS, vn->rx->num);
	for (unsigned int i = 0; i < vn->nr_rx; i++)
		post_rx(vn, i);
	vnet_mac(vn);
	vn->net.driver = "virtio-net";
	vn->net.mtu = 1500;
	vn->net.ops = &vnet_ops;
	vn->net.driver_data = vn;
	netdev_register(&vn->net);
	return 0;
}

/* The receive buffers posted in probe, told once the device is live. */
static void vnet_ready(struct virtio_device *vdev)
{
	struct vnet *vn = vdev->priv;

	virtqueue_kick(vn->rx);
}

static const struct virtio_driver virtio_net_driver = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.features = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_MRG_RXBUF),
	.probe = vnet_probe,
	.ready = vnet_ready,
};
DEFINE_VIRTIO_DRIVER(virtio_net_driver);
