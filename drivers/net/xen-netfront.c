// SPDX-License-Identifier: GPL-2.0
/*
 * Xen netfront (xen/io/netif.h) behind the net-device interface: one
 * queue, a transmit and a receive ring, one event channel, receive by
 * copy (the backend copies into pages we granted).
 *
 * Grants are recycled: each receive buffer and each transmit buffer is a
 * page of ours granted once at set-up and reposted under the same
 * reference, so the steady state costs no grant-table work.  What the
 * backend answers is checked: ids name a buffer we handed out, a
 * received frame lies inside its page and is a whole Ethernet frame.
 * Each response is copied out of the ring once; a received frame is
 * copied out of its page (which the backend can still write) before the
 * stack looks at it.
 *
 * A backend that leaves (xl network-detach) ends the connection: transmit
 * fails with -ENODEV, every grant ends and our side closes; when it comes
 * back (network-attach) the handshake is done again under the same net
 * device (xenbus_follow_otherend).
 *
 * Transmit only reclaims transmit completions; frames are received from
 * the interrupt (or a poll) alone, at most NF_RX_BUDGET per pass, and the
 * receive loop is never entered from inside itself, so an echo reply sent
 * while a frame is handed up cannot start another receive pass.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/net.h>
#include <pvkit/netdev.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>
#include <xen/domain.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/ring.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/interface/io/netif.h>

#define NF_TX_RING	__CONST_RING_SIZE(netif_tx, PAGE_SIZE)
#define NF_RX_RING	__CONST_RING_SIZE(netif_rx, PAGE_SIZE)
#define NF_NR_TX	64			/* transmit buffers */
#define NF_NR_RX	64			/* receive buffers posted */
#define NF_RX_MAX	ETH_MAX_FRAME_VLAN
#define NF_RX_BUDGET	IRQ_BUDGET		/* frames per interrupt */
#define CONNECT_TIMEOUT_NS	(30 * NSEC_PER_SEC)

struct nf_buf {
	void *page;
	int gref;
	bool in_use;			/* handed to the backend */
};

struct netfront {
	struct netdev net;
	struct xenbus_device *xdev;
	struct xen_front_ring tx, rx;	/* their pages and grants (the kit's) */
	int port;			/* one for both rings */
	struct nf_buf tx_bufs[NF_NR_TX];
	struct nf_buf rx_bufs[NF_NR_RX];
	bool receiving;			/* in nf_receive() */
	u8 rx_frame[NF_RX_MAX];		/* what the stack parses: ours alone */
	struct irq_work resume;		/* what a budget left, later */
};

static struct netfront *to_nf(struct netdev *dev)
{
	return container_of(dev, struct netfront, net);
}

static void nf_resume(struct irq_work *w);

static void nf_fail(struct netfront *nf, const char *why)
{
	if (!nf->net.broken)
		pr_err("%s: %s; device shut off\n", nf->net.name, why);
	nf->net.broken = true;
	if (nf->port >= 0)
		evtchn_mask(nf->port);
}

static void post_rx(struct netfront *nf, unsigned int id)
{
	struct netif_rx_request *rq = XEN_RING_NEXT_REQ(&nf->rx, netif_rx);

	rq->id = id;
	rq->gref = nf->rx_bufs[id].gref;
	nf->rx_bufs[id].in_use = true;
}

static void push_rx(struct netfront *nf)
{
	if (xen_ring_push(&nf->rx)) {
		nf->net.stats.notifications++;
		evtchn_notify(nf->port);
	}
}

/* One receive response: the frame is handed up, the buffer reposted. */
static void rx_one(struct netfront *nf, const struct netif_rx_response *rsp)
{
	struct nf_buf *b;
	int len;

	if (rsp->id >= NF_NR_RX || !nf->rx_bufs[rsp->id].in_use) {
		nf_fail(nf, "a receive response for a buffer not posted");
		return;
	}
	b = &nf->rx_bufs[rsp->id];
	b->in_use = false;
	if (rsp->flags & (NETRXF_more_data | NETRXF_extra_info)) {
		/* We offered neither scatter-gather nor GSO. */
		nf_fail(nf, "a receive response with fragments we did not ask for");
		return;
	}
	len = rsp->status;
	if (len >= 0 && (rsp->offset >= PAGE_SIZE || (unsigned int)len > PAGE_SIZE - rsp->offset ||
			 len < ETH_HLEN)) {
		nf_fail(nf, "a received frame outside its buffer or shorter than a header");
		return;
	}
	if (len < 0 || len > NF_RX_MAX) {
		nf->net.stats.rx_dropped++;	/* an error, or over the MTU we announced */
		len = 0;
	} else {
		/*
		 * The backend can still write the page: the stack parses a
		 * private copy, taken once, and the buffer goes back at once.
		 */
		memcpy(nf->rx_frame, (u8 *)b->page + rsp->offset, len);
	}
	post_rx(nf, rsp->id);
	if (len) {
		nf->net.stats.rx_frames++;
		netdev_receive(&nf->net, nf->rx_frame, len);
	}
}

static void tx_one(struct netfront *nf, const struct netif_tx_response *rsp)
{
	if (rsp->id >= NF_NR_TX || !nf->tx_bufs[rsp->id].in_use) {
		nf_fail(nf, "a transmit response for a buffer not sent");
		return;
	}
	if (rsp->status != NETIF_RSP_OKAY && rsp->status != NETIF_RSP_ERROR &&
	    rsp->status != NETIF_RSP_DROPPED) {
		nf_fail(nf, "a transmit response with an unknown status");
		return;
	}
	if (rsp->status != NETIF_RSP_OKAY)
		nf->net.stats.tx_dropped++;
	nf->tx_bufs[rsp->id].in_use = false;
}

static void nf_ring_lied(struct netfront *nf)
{
	nf_fail(nf, "more responses than requests in flight");
}

/*
 * Transmit completions, and nothing else: safe from any context, the
 * transmit path included, since it never hands a frame up the stack.
 * Bounded by the requests in flight (the kit checks the count).
 */
static void nf_reclaim_tx(struct netfront *nf)
{
	struct xen_ring_iter it;
	struct netif_tx_response rsp;

	xen_ring_for_each_response(&it, &nf->tx, netif_tx, rsp, XEN_RING_NO_BUDGET,
				   &nf->net.broken)
		tx_one(nf, &rsp);
	if (it.lied)
		nf_ring_lied(nf);
}

/* Receive responses waiting (an event asked for if none). */
static bool nf_rx_pending(struct netfront *nf)
{
	int n = xen_ring_pending(&nf->rx);

	if (n < 0)
		nf_ring_lied(nf);
	return n > 0;
}

/*
 * At most budget received frames, each pass over what one read of
 * rsp_prod covers.  A frame handed up may make the stack transmit (an
 * echo reply), and transmit never receives: this loop is never entered
 * twice, and says so if something tries.  True when frames are left
 * for later.
 */
static bool nf_receive(struct netfront *nf, unsigned int budget)
{
	struct xen_ring_iter it;
	struct netif_rx_response rsp;
	bool more;

	if (nf->receiving) {
		/* Our bug, not the backend's: refuse to nest, and say so. */
		pr_err("%s: receive loop entered from inside itself; refused\n",
		       nf->net.name);
		return false;
	}
	nf->receiving = true;
	xen_ring_for_each_response(&it, &nf->rx, netif_rx, rsp, budget, &nf->net.broken)
		rx_one(nf, &rsp);
	if (it.lied)
		nf_ring_lied(nf);
	if (it.done && !nf->net.broken)
		push_rx(nf);
	/* Out of budget: more to come, or the event asked for the next one. */
	more = it.done == budget && !nf->net.broken && nf_rx_pending(nf);
	nf->receiving = false;
	return more;
}

/* One interrupt's worth: the rest, if any, from the timer a little later. */
static void nf_process(struct netfront *nf)
{
	if (nf->xdev->otherend_gone)
		return;		/* no rings until the backend is back */
	nf_reclaim_tx(nf);
	if (nf_receive(nf, NF_RX_BUDGET)) {
		nf->net.stats.deferred++;
		irq_work_defer(&nf->resume, nf_resume);
	}
}

static void nf_resume(struct irq_work *w)
{
	nf_process(container_of(w, struct netfront, resume));
}

static void nf_interrupt(evtchn_port_t port, void *data)
{
	struct netfront *nf = data;

	nf->net.stats.interrupts++;
	nf_process(nf);
}

static void nf_poll(struct netdev *dev)
{
	unsigned long flags;

	xenbus_poll();		/* nf_otherend_changed */
	flags = local_irq_save();
	nf_process(to_nf(dev));
	local_irq_restore(flags);
}

static int get_tx_buf(struct netfront *nf)
{
	for (unsigned int i = 0; i < NF_NR_TX; i++)
		if (!nf->tx_bufs[i].in_use)
			return i;
	return -ENOSPC;
}

static int nf_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct netfront *nf = to_nf(dev);
	unsigned long flags = local_irq_save();
	struct netif_tx_request *rq;
	int id;

	if (nf->xdev->otherend_gone) {
		/* The log said it once, when the backend left. */
		dev->stats.tx_dropped++;
		local_irq_restore(flags);
		return -ENODEV;
	}
	if (dev->broken)
		id = -EIO;
	else if (len > PAGE_SIZE)
		id = -EMSGSIZE;
	else {
		id = get_tx_buf(nf);
		if (id < 0) {
			/* What the backend has finished with; never receive here. */
			nf_reclaim_tx(nf);
			id = get_tx_buf(nf);
		}
	}
	if (id >= 0 && xen_ring_full(&nf->tx))
		id = -ENOSPC;
	if (id < 0) {
		dev->stats.tx_dropped++;
		local_irq_restore(flags);
		return id;
	}
	memcpy(nf->tx_bufs[id].page, frame, len);
	nf->tx_bufs[id].in_use = true;
	rq = XEN_RING_NEXT_REQ(&nf->tx, netif_tx);
	*rq = (struct netif_tx_request){
		.gref = nf->tx_bufs[id].gref, .offset = 0, .flags = 0, .id = id, .size = len,
	};
	dev->stats.tx_frames++;
	if (xen_ring_push(&nf->tx)) {
		dev->stats.notifications++;
		evtchn_notify(nf->port);
	}
	local_irq_restore(flags);
	return 0;
}

static const struct netdev_ops netfront_ops = {
	.transmit = nf_transmit,
	.poll = nf_poll,
};

/*
 * The rings, the buffers (each page granted once, for the life of the
 * connection) and the channel.  What fails is undone by nf_release(), which
 * the caller's failure path runs.
 */
static int nf_setup_rings(struct netfront *nf)
{
	struct xenbus_device *xdev = nf->xdev;
	int err = xenbus_setup_ring(xdev, &nf->tx, 1, NF_TX_RING);

	if (!err)
		err = xenbus_setup_ring(xdev, &nf->rx, 1, NF_RX_RING);
	for (unsigned int i = 0; !err && i < NF_NR_TX; i++)
		err = xenbus_grant_page(xdev, true, &nf->tx_bufs[i].page, &nf->tx_bufs[i].gref);
	for (unsigned int i = 0; !err && i < NF_NR_RX; i++) {
		err = xenbus_grant_page(xdev, false, &nf->rx_bufs[i].page, &nf->rx_bufs[i].gref);
		if (!err)
			post_rx(nf, i);
	}
	if (!err)
		err = xenbus_alloc_evtchn(xdev, nf_interrupt, nf, &nf->port);
	if (!err)
		push_rx(nf);
	return err;
}

static int nf_write_config(u32 tx, void *ctx)
{
	struct netfront *nf = ctx;
	const char *dir = nf->xdev->nodename;
	int err = xenbus_publish_ring(tx, dir, "tx-ring-ref", &nf->tx);

	if (!err)
		err = xenbus_publish_ring(tx, dir, "rx-ring-ref", &nf->rx);
	if (!err)
		err = xenbus_publish_evtchn(tx, dir, nf->port);
	if (!err)
		err = xs_printf(tx, dir, "request-rx-copy", "1");
	if (!err)
		err = xs_printf(tx, dir, "feature-rx-notify", "1");
	/*
	 * Offload is assumed unless refused: the backend would hand over
	 * TCP/UDP packets with the checksum left blank for us to fill.
	 */
	if (!err)
		err = xs_printf(tx, dir, "feature-no-csum-offload", "1");
	return err;
}

/* "aa:bb:cc:dd:ee:ff" from the frontend's directory. */
static int read_mac(struct netfront *nf)
{
	char path[96], mac[24];
	unsigned long long byte;
	int n;

	snprintf(path, sizeof(path), "%s/mac", nf->xdev->nodename);
	n = xs_read(XBT_NIL, path, mac, sizeof(mac));
	if (n != 17)
		return -EINVAL;
	for (int i = 0; i < ETH_ALEN; i++) {
		char hex[3] = { mac[i * 3], mac[i * 3 + 1], '\0' };

		if ((i < ETH_ALEN - 1 && mac[i * 3 + 2] != ':') || kstrtoull(hex, 16, &byte))
			return -EINVAL;
		nf->net.mac[i] = byte;
	}
	return 0;
}

/*
 * The channel, buffers and rings go back, each safe on what was never set
 * up; pages the backend still maps are kept out of use.
 */
static void nf_release_bufs(struct nf_buf *bufs, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		xenbus_ungrant_page(&bufs[i].page, &bufs[i].gref);
		bufs[i].in_use = false;
	}
}

static void nf_release(struct netfront *nf)
{
	xenbus_free_evtchn(&nf->port);
	nf_release_bufs(nf->tx_bufs, NF_NR_TX);
	nf_release_bufs(nf->rx_bufs, NF_NR_RX);
	xenbus_teardown_ring(&nf->tx);
	xenbus_teardown_ring(&nf->rx);
}

static void netfront_remove(struct xenbus_device *xdev)
{
	struct netfront *nf = xdev->priv;

	if (!nf)
		return;
	if (nf->net.ops)
		netdev_unregister(&nf->net);
	nf->net.broken = true;
	irq_work_cancel(&nf->resume);
	if (xdev->state != XenbusStateInitialising)
		xenbus_close(xdev);
	nf_release(nf);
	xdev->priv = NULL;
	kfree(nf);
}

static int netfront_connect(struct netfront *nf)
{
	struct xenbus_device *xdev = nf->xdev;
	int err = read_mac(nf);

	if (err) {
		pr_err("xen-netfront: %s: no usable mac\n", xdev->nodename);
		return err;
	}
	err = xenbus_wait_otherend(xdev, 1U << XenbusStateInitWait | 1U << XenbusStateConnected,
				   CONNECT_TIMEOUT_NS);
	if (err >= 0)
		err = nf_setup_rings(nf);
	if (!err)
		err = xs_transaction(nf_write_config, nf);
	if (!err)
		err = xenbus_switch_state(xdev, XenbusStateConnected);
	if (!err)
		err = xenbus_wait_otherend(xdev, 1U << XenbusStateConnected, CONNECT_TIMEOUT_NS);
	return err < 0 ? err : 0;
}

static void nf_follow_resume(struct xenbus_device *xdev);

static int netfront_probe(struct xenbus_device *xdev)
{
	struct netfront *nf;
	int err;

	if (xen_split_devices_refused())
		return -ENODEV;
	nf = kzalloc(sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	nf->xdev = xdev;
	nf->port = -1;
	xen_front_ring_reset(&nf->tx);
	xen_front_ring_reset(&nf->rx);
	for (unsigned int i = 0; i < NF_NR_TX; i++)
		nf->tx_bufs[i].gref = -1;
	for (unsigned int i = 0; i < NF_NR_RX; i++)
		nf->rx_bufs[i].gref = -1;
	xdev->priv = nf;
	err = netfront_connect(nf);
	if (err) {
		netfront_remove(xdev);
		return err;
	}
	nf->net.driver = "xen-netfront";
	nf->net.mtu = 1500;
	nf->net.ops = &netfront_ops;
	nf->net.driver_data = nf;
	netdev_register(&nf->net);
	nf_follow_resume(xdev);
	return 0;
}

/*
 * The backend left (Closing, Closed, gone): transmit fails with -ENODEV
 * from now on, and once our side is closed every grant ends (a page the
 * backend still maps is kept out of use).  The net device stays, with its
 * name and address, so the stack above carries on once the backend is
 * back (InitWait): new rings and buffers, and Connected again.
 */
static void nf_follow_stop(struct xenbus_device *xdev)
{
	struct netfront *nf = xdev->priv;

	/*
	 * Not broken: the stack keeps polling, and its poll runs xenbus,
	 * which sees the backend come back.
	 */
	if (nf->port >= 0)
		evtchn_mask(nf->port);
	irq_work_cancel(&nf->resume);
}

static void nf_follow_release(struct xenbus_device *xdev)
{
	nf_release(xdev->priv);
}

static int nf_follow_connect(struct xenbus_device *xdev)
{
	return netfront_connect(xdev->priv);
}

static void nf_follow_resume(struct xenbus_device *xdev)
{
	struct netfront *nf = xdev->priv;

	nf->net.broken = false;		/* new rings: what they said is forgotten */
	pr_info("%s: %s, %u receive buffers posted, port %d\n", nf->net.name,
		xdev->nodename, NF_NR_RX, nf->port);
}

/* The domain suspends: no interrupt, no deferred work, until we know where we are. */
static void nf_follow_quiesce(struct xenbus_device *xdev)
{
	nf_follow_stop(xdev);
}

/* The same backend: events that came meanwhile are raised again by the unmask. */
static void nf_follow_unquiesce(struct xenbus_device *xdev)
{
	struct netfront *nf = xdev->priv;

	if (nf->port >= 0)
		evtchn_unmask(nf->port);
}

/*
 * In a new domain: the port was the old domain's (forgotten, not
 * closed); frames in flight are lost as on any link that goes down, the
 * buffers go back with their grants (release) and new ones are posted.
 */
static void nf_follow_lost(struct xenbus_device *xdev)
{
	struct netfront *nf = xdev->priv;

	irq_work_cancel(&nf->resume);
	nf->port = -1;
}

static const struct xenbus_follow_ops nf_follow = {
	.stop = nf_follow_stop,
	.release = nf_follow_release,
	.connect = nf_follow_connect,
	.resume = nf_follow_resume,
	.quiesce = nf_follow_quiesce,
	.unquiesce = nf_follow_unquiesce,
	.lost = nf_follow_lost,
};

static void nf_otherend_changed(struct xenbus_device *xdev, enum xenbus_state state)
{
	struct netfront *nf = xdev->priv;

	xenbus_follow_otherend(xdev, state, nf->net.name, &nf_follow);
}

static const struct xenbus_driver netfront_driver = {
	.type = "vif",
	.probe = netfront_probe,
	.remove = netfront_remove,
	.otherend_changed = nf_otherend_changed,
	.follow = &nf_follow,
};

static int netfront_init(void)
{
	return xenbus_register_frontend(&netfront_driver);
}
device_initcall(netfront_init);
