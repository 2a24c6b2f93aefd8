// SPDX-License-Identifier: GPL-2.0
/*
 * Xen netfront (xen/io/netif.h) behind the net-device interface: one
 * queue (or one per CPU), a transmit and a receive ring, one event
 * channel for both or, where the backend offers it
 * (feature-split-event-channels), one for each; receive by copy (the
 * backend copies into pages we granted).
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
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
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
#define NF_NR_TX	64			/* transmit buffers per queue */
#define NF_NR_RX	64			/* receive buffers posted per queue */
#define NF_RX_MAX	ETH_MAX_FRAME_VLAN
#define NF_RX_BUDGET	IRQ_BUDGET		/* frames per interrupt */
#define CONNECT_TIMEOUT_NS	(30 * NSEC_PER_SEC)
/* Queues we take at most (one per CPU, and no more than the backend offers). */
#if defined(CONFIG_XEN_NETFRONT_MQ) || defined(__HOST_TEST__)
#define NF_MAX_QUEUES	NETDEV_MAX_QUEUES
#else
#define NF_MAX_QUEUES	1
#endif

struct nf_buf {
	void *page;
	int gref;
	bool in_use;			/* handed to the backend */
};

struct netfront;

/*
 * A transmit and a receive ring and their event channel(s).  tx_lock
 * covers the transmit ring and buffers, rx_lock the receive ring, its
 * buffers and rx_frame; a receive pass holds rx_lock while the stack
 * answers, which takes tx_lock (this CPU's queue's): never the other way.
 */
struct nf_queue {
	struct netfront *nf;
	unsigned int index;
	spinlock_t tx_lock, rx_lock;	/* kept across resets */
	struct xen_front_ring tx, rx;	/* their pages and grants (the kit's) */
	int port;			/* transmit's channel, receive's too unless split */
	int rx_port;			/* receive's own channel when split, else -1 */
	int cpu;			/* its events' CPU */
	bool up;			/* connected: read under the locks */
	int rx_cpu;			/* the CPU in the receive loop, or -1 */
	struct nf_buf tx_bufs[NF_NR_TX];
	struct nf_buf rx_bufs[NF_NR_RX];
	u8 rx_frame[NF_RX_MAX];		/* what the stack parses: ours alone */
	struct irq_work resume;		/* what a budget left, later */
	struct netdev_queue_stats *stats;
};

struct netfront {
	struct netdev net;		/* first: the host test reads it at priv */
	struct xenbus_device *xdev;
	unsigned int nr_queues;
	/* Queues whose keys the last connection wrote (1: at the top), 0: none. */
	unsigned int keys_queues;
	bool split;			/* a channel per ring (feature-split-event-channels) */
	bool failed;			/* said why the device was shut off */
	struct nf_queue queues[NF_MAX_QUEUES];
};

static struct netfront *to_nf(struct netdev *dev)
{
	return container_of(dev, struct netfront, net);
}

static void nf_resume(struct irq_work *w);

/* The channel receive notifies on. */
static int rx_port_of(const struct nf_queue *q)
{
	return q->rx_port >= 0 ? q->rx_port : q->port;
}

/*
 * A queue's channels masked.  Each read once: a resume on another CPU
 * may forget them (-1) meanwhile.
 */
static void nf_mask_queue(struct nf_queue *q)
{
	int port = READ_ONCE(q->port), rx_port = READ_ONCE(q->rx_port);

	if (port >= 0)
		evtchn_mask(port);
	if (rx_port >= 0)
		evtchn_mask(rx_port);
}

/* A lie on any queue shuts the whole device off (every queue's events masked). */
static void nf_fail(struct nf_queue *q, const char *why)
{
	struct netfront *nf = q->nf;

	if (!__atomic_exchange_n(&nf->failed, true, __ATOMIC_RELAXED))
		pr_err("%s: queue %u: %s; device shut off\n", nf->net.name, q->index, why);
	WRITE_ONCE(nf->net.broken, true);
	for (unsigned int n = 0; n < NF_MAX_QUEUES; n++)
		nf_mask_queue(&nf->queues[n]);
}

static void post_rx(struct nf_queue *q, unsigned int id)
{
	struct netif_rx_request *rq = XEN_RING_NEXT_REQ(&q->rx, netif_rx);

	rq->id = id;
	rq->gref = q->rx_bufs[id].gref;
	q->rx_bufs[id].in_use = true;
}

static void push_rx(struct nf_queue *q)
{
	if (xen_ring_push(&q->rx)) {
		netdev_stat_inc(&q->nf->net.stats.notifications);
		evtchn_notify(rx_port_of(q));
	}
}

/* One receive response: the frame is handed up, the buffer reposted. */
static void rx_one(struct nf_queue *q, const struct netif_rx_response *rsp)
{
	struct netdev *dev = &q->nf->net;
	struct nf_buf *b;
	int len;

	if (rsp->id >= NF_NR_RX || !q->rx_bufs[rsp->id].in_use) {
		nf_fail(q, "a receive response for a buffer not posted");
		return;
	}
	b = &q->rx_bufs[rsp->id];
	b->in_use = false;
	if (rsp->flags & (NETRXF_more_data | NETRXF_extra_info)) {
		/* We offered neither scatter-gather nor GSO. */
		nf_fail(q, "a receive response with fragments we did not ask for");
		return;
	}
	len = rsp->status;
	if (len >= 0 && (rsp->offset >= PAGE_SIZE || (unsigned int)len > PAGE_SIZE - rsp->offset ||
			 len < ETH_HLEN)) {
		nf_fail(q, "a received frame outside its buffer or shorter than a header");
		return;
	}
	if (len < 0 || len > NF_RX_MAX) {
		netdev_stat_inc(&dev->stats.rx_dropped);	/* an error, or over the MTU we announced */
		len = 0;
	} else {
		/*
		 * The backend can still write the page: the stack parses a
		 * private copy, taken once, and the buffer goes back at once.
		 */
		memcpy(q->rx_frame, (u8 *)b->page + rsp->offset, len);
	}
	post_rx(q, rsp->id);
	if (len) {
		netdev_stat_inc(&dev->stats.rx_frames);
		netdev_stat_inc(&q->stats->rx_frames);
		netdev_receive(dev, q->rx_frame, len);
	}
}

static void tx_one(struct nf_queue *q, const struct netif_tx_response *rsp)
{
	if (rsp->id >= NF_NR_TX || !q->tx_bufs[rsp->id].in_use) {
		nf_fail(q, "a transmit response for a buffer not sent");
		return;
	}
	if (rsp->status != NETIF_RSP_OKAY && rsp->status != NETIF_RSP_ERROR &&
	    rsp->status != NETIF_RSP_DROPPED) {
		nf_fail(q, "a transmit response with an unknown status");
		return;
	}
	if (rsp->status != NETIF_RSP_OKAY)
		netdev_stat_inc(&q->nf->net.stats.tx_dropped);
	q->tx_bufs[rsp->id].in_use = false;
}

static void nf_ring_lied(struct nf_queue *q)
{
	nf_fail(q, "more responses than requests in flight");
}

/*
 * Transmit completions, and nothing else: safe from any context, the
 * transmit path included, since it never hands a frame up the stack.
 * Bounded by the requests in flight (the kit checks the count).  Under
 * tx_lock.
 */
static void nf_reclaim_tx(struct nf_queue *q)
{
	struct xen_ring_iter it;
	struct netif_tx_response rsp;

	if (!q->up)
		return;
	xen_ring_for_each_response(&it, &q->tx, netif_tx, rsp, XEN_RING_NO_BUDGET,
				   &q->nf->net.broken)
		tx_one(q, &rsp);
	if (it.lied)
		nf_ring_lied(q);
}

/* Receive responses waiting (an event asked for if none). */
static bool nf_rx_pending(struct nf_queue *q)
{
	int n = xen_ring_pending(&q->rx);

	if (n < 0)
		nf_ring_lied(q);
	return n > 0;
}

/*
 * At most budget received frames, each pass over what one read of
 * rsp_prod covers.  A frame handed up may make the stack transmit (an
 * echo reply), and transmit never receives: this loop is never entered
 * twice on a CPU, and says so if something tries.  A poller (wait false)
 * leaves a queue another CPU is receiving on to that CPU.  True when
 * frames are left for later.
 */
static bool nf_receive(struct nf_queue *q, unsigned int budget, bool wait)
{
	struct netdev *dev = &q->nf->net;
	int cpu = smp_processor_id();
	struct xen_ring_iter it;
	struct netif_rx_response rsp;
	bool more;

	if (READ_ONCE(q->rx_cpu) == cpu) {
		/* Our bug, not the backend's: refuse to nest, and say so. */
		pr_err("%s: receive loop entered from inside itself; refused\n", dev->name);
		return false;
	}
	if (wait)
		spin_lock(&q->rx_lock);
	else if (!spin_trylock(&q->rx_lock))
		return false;
	if (!q->up || READ_ONCE(dev->broken)) {
		spin_unlock(&q->rx_lock);
		return false;
	}
	WRITE_ONCE(q->rx_cpu, cpu);
	xen_ring_for_each_response(&it, &q->rx, netif_rx, rsp, budget, &dev->broken)
		rx_one(q, &rsp);
	if (it.lied)
		nf_ring_lied(q);
	if (it.done && !READ_ONCE(dev->broken))
		push_rx(q);
	/* Out of budget: more to come, or the event asked for the next one. */
	more = it.done == budget && !READ_ONCE(dev->broken) && nf_rx_pending(q);
	WRITE_ONCE(q->rx_cpu, -1);
	spin_unlock(&q->rx_lock);
	return more;
}

/*
 * One interrupt's worth: the rest, if any, from the timer a little later.
 * Interrupts off.  No rings while the backend is away: the queue is down
 * then (stopped before otherend_gone is set), checked under its locks.
 * The xenbus device is not looked at: a handler may still run after
 * netfront_remove() kept our memory and xenbus freed the device.
 */
static void nf_process(struct nf_queue *q, bool wait)
{
	if (wait)
		spin_lock(&q->tx_lock);
	if (wait || spin_trylock(&q->tx_lock)) {
		nf_reclaim_tx(q);
		spin_unlock(&q->tx_lock);
	}
	if (nf_receive(q, NF_RX_BUDGET, wait)) {
		netdev_stat_inc(&q->nf->net.stats.deferred);
		netdev_stat_inc(&q->stats->deferred);
		irq_work_defer(&q->resume, nf_resume);
	}
}

static void nf_resume(struct irq_work *w)
{
	unsigned long flags = local_irq_save();

	nf_process(container_of(w, struct nf_queue, resume), true);
	local_irq_restore(flags);
}

/*
 * An interrupt counted as receive's or transmit's.  Atomic adds: until
 * the port is bound, and when it cannot be, they come to CPU 0 while
 * CPU q counts them too.
 */
static void nf_count_interrupt(struct nf_queue *q, unsigned long *counter)
{
	netdev_stat_inc(&q->nf->net.stats.interrupts);
	netdev_stat_inc(counter);
	if ((int)smp_processor_id() != READ_ONCE(q->cpu))
		netdev_stat_inc(&q->stats->elsewhere);
}

/*
 * One channel for both rings, or receive's own when split (transmit
 * completions are taken too, as by a poll): counted as receive's.
 */
static void nf_interrupt(evtchn_port_t port, void *data)
{
	struct nf_queue *q = data;

	nf_count_interrupt(q, &q->stats->rx_interrupts);
	nf_process(q, true);
}

/* Split: the transmit ring's channel, completions only.  Interrupts off. */
static void nf_tx_interrupt(evtchn_port_t port, void *data)
{
	struct nf_queue *q = data;

	nf_count_interrupt(q, &q->stats->tx_interrupts);
	/* Down while the backend is away (see nf_process()). */
	spin_lock(&q->tx_lock);
	nf_reclaim_tx(q);
	spin_unlock(&q->tx_lock);
}

/*
 * The queues whose events come to this CPU, as those events would.  CPU 0
 * also runs xenbus (nf_otherend_changed: xenstore is CPU 0's).
 */
static void nf_poll(struct netdev *dev)
{
	struct netfront *nf = to_nf(dev);
	int cpu = smp_processor_id();
	unsigned long flags;

	if (!cpu)
		xenbus_poll();
	flags = local_irq_save();
	for (unsigned int n = 0; n < READ_ONCE(nf->nr_queues); n++)
		if (READ_ONCE(nf->queues[n].cpu) == cpu)
			nf_process(&nf->queues[n], false);
	local_irq_restore(flags);
}

static int get_tx_buf(struct nf_queue *q)
{
	for (unsigned int i = 0; i < NF_NR_TX; i++)
		if (!q->tx_bufs[i].in_use)
			return i;
	return -ENOSPC;
}

/* The queue this CPU transmits on. */
static struct nf_queue *queue_here(struct netfront *nf)
{
	if (NF_MAX_QUEUES == 1)
		return &nf->queues[0];
	return &nf->queues[smp_processor_id() % max(READ_ONCE(nf->nr_queues), 1U)];
}

/* A slot for the frame, or why not; under tx_lock. */
static int nf_tx_slot(struct nf_queue *q, size_t len)
{
	int id;

	if (!q->up || READ_ONCE(q->nf->net.broken))
		return -EIO;
	if (len > PAGE_SIZE)
		return -EMSGSIZE;
	id = get_tx_buf(q);
	if (id < 0) {
		/* What the backend has finished with; never receive here. */
		nf_reclaim_tx(q);
		id = get_tx_buf(q);
	}
	if (id >= 0 && xen_ring_full(&q->tx))
		id = -ENOSPC;
	return id;
}

static int nf_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct netfront *nf = to_nf(dev);
	unsigned long flags = local_irq_save();
	struct nf_queue *q = queue_here(nf);
	struct netif_tx_request *rq;
	int id;

	if (nf->xdev->otherend_gone) {
		/* The log said it once, when the backend left. */
		netdev_stat_inc(&dev->stats.tx_dropped);
		local_irq_restore(flags);
		return -ENODEV;
	}
	spin_lock(&q->tx_lock);
	id = nf_tx_slot(q, len);
	if (id < 0) {
		spin_unlock(&q->tx_lock);
		netdev_stat_inc(&dev->stats.tx_dropped);
		local_irq_restore(flags);
		return id;
	}
	memcpy(q->tx_bufs[id].page, frame, len);
	q->tx_bufs[id].in_use = true;
	rq = XEN_RING_NEXT_REQ(&q->tx, netif_tx);
	*rq = (struct netif_tx_request){
		.gref = q->tx_bufs[id].gref, .offset = 0, .flags = 0, .id = id, .size = len,
	};
	netdev_stat_inc(&dev->stats.tx_frames);
	netdev_stat_inc(&q->stats->tx_frames);
	if (xen_ring_push(&q->tx)) {
		netdev_stat_inc(&dev->stats.notifications);
		evtchn_notify(q->port);
	}
	spin_unlock(&q->tx_lock);
	local_irq_restore(flags);
	return 0;
}

static const struct netdev_ops netfront_ops = {
	.transmit = nf_transmit,
	.poll = nf_poll,
};

/*
 * Queue n's events to CPU n (the CPU that transmits on it), bound to its
 * vCPU before the backend knows the port; where that cannot be they stay
 * on CPU 0.  There are no more queues than CPUs online (xenbus_nr_queues).
 */
static void route_queue(struct nf_queue *q)
{
	int cpu = (int)xenbus_bind_queue(q->nf->xdev, q->port, q->index);

	/*
	 * Receive's channel where transmit's is; if it stays on CPU 0,
	 * transmit's goes back there too, so both of a queue's channels
	 * are on the CPU its counters name.
	 */
	if (q->rx_port >= 0 && cpu)
		cpu = (int)xenbus_bind_queue(q->nf->xdev, q->rx_port, q->index);
	if (q->rx_port >= 0 && !cpu && q->index)
		evtchn_bind_cpu(q->port, 0);
	WRITE_ONCE(q->cpu, cpu);
	WRITE_ONCE(q->stats->cpu, cpu);
}

/*
 * A queue's rings, buffers (each page granted once, for the life of the
 * connection) and channel.  What fails is undone by nf_release(), which
 * the caller's failure path runs.
 */
static int nf_setup_queue(struct nf_queue *q)
{
	struct xenbus_device *xdev = q->nf->xdev;
	int err = xenbus_setup_ring(xdev, &q->tx, 1, NF_TX_RING);

	if (!err)
		err = xenbus_setup_ring(xdev, &q->rx, 1, NF_RX_RING);
	for (unsigned int i = 0; !err && i < NF_NR_TX; i++)
		err = xenbus_grant_page(xdev, true, &q->tx_bufs[i].page, &q->tx_bufs[i].gref);
	for (unsigned int i = 0; !err && i < NF_NR_RX; i++) {
		err = xenbus_grant_page(xdev, false, &q->rx_bufs[i].page, &q->rx_bufs[i].gref);
		if (!err)
			post_rx(q, i);
	}
	if (!err)
		err = xenbus_alloc_evtchn(xdev, q->nf->split ? nf_tx_interrupt : nf_interrupt, q,
					  &q->port);
	if (!err && q->nf->split)
		err = xenbus_alloc_evtchn(xdev, nf_interrupt, q, &q->rx_port);
	if (!err && NF_MAX_QUEUES > 1)
		route_queue(q);
	if (!err)
		push_rx(q);
	return err;
}

/* One queue, or as many as the backend offers up to one per CPU (multi-queue-max-queues). */
static int nf_setup_rings(struct netfront *nf)
{
	int err = 0;

	/* Each connection asks again: the backend may be another one. */
	nf->split = xs_read_flag(nf->xdev->otherend, "feature-split-event-channels");
	nf->nr_queues = NF_MAX_QUEUES > 1 ? xenbus_nr_queues(nf->xdev, NF_MAX_QUEUES) : 1;
	for (unsigned int n = 0; !err && n < nf->nr_queues; n++)
		err = nf_setup_queue(&nf->queues[n]);
	return err;
}

/* A node gone, or never there. */
static int nf_rm(u32 tx, const char *dir, const char *node)
{
	char path[sizeof(((struct xenbus_device *)0)->nodename) + 32];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	err = xs_rm(tx, path);
	return err == -ENOENT ? 0 : err;
}

/*
 * A queue's rings and event channel(s), under dir.  A shared channel
 * always goes without the split keys: netback takes event-channel-tx
 * (and -rx) first, and any earlier connection may have left them in
 * this directory (one split queue, then several, then one again: the
 * last connection's layout alone does not tell).  (A stale
 * event-channel beside split keys is never read.)
 */
static int nf_write_queue(struct nf_queue *q, u32 tx, const char *dir)
{
	int err = xenbus_publish_ring(tx, dir, "tx-ring-ref", &q->tx);

	if (!err)
		err = xenbus_publish_ring(tx, dir, "rx-ring-ref", &q->rx);
	if (!err && !q->nf->split)
		err = nf_rm(tx, dir, "event-channel-tx");
	if (!err && !q->nf->split)
		err = nf_rm(tx, dir, "event-channel-rx");
	if (err || !q->nf->split)
		return err ? err : xenbus_publish_evtchn(tx, dir, q->port);
	err = xs_printf(tx, dir, "event-channel-tx", "%d", q->port);
	if (!err)
		err = xs_printf(tx, dir, "event-channel-rx", "%d", q->rx_port);
	return err;
}

/*
 * Fewer queues than the last connection wrote: netback reads
 * multi-queue-num-queues (absent: one) and then each queue-N/ below it,
 * so a stale count would have it map the old rings, whose grants are
 * ended (or handed out again).  The count goes with one queue, and each
 * queue-N/ not written again goes too.  (The top keys after one queue
 * are left: with several, netback reads queue-N/ only.)
 */
static int nf_remove_stale(struct netfront *nf, u32 tx)
{
	const char *top = nf->xdev->nodename;
	unsigned int n = nf->nr_queues > 1 ? nf->nr_queues : 0;
	char node[16];
	int err = 0;

	if (NF_MAX_QUEUES == 1 || nf->keys_queues <= 1)
		return 0;	/* no queue-N/ was written */
	if (!n)
		err = nf_rm(tx, top, "multi-queue-num-queues");
	for (; !err && n < nf->keys_queues; n++) {
		snprintf(node, sizeof(node), "queue-%u", n);
		err = nf_rm(tx, top, node);
	}
	return err;
}

/*
 * One transaction: with one queue its keys at the top of our directory
 * (netback reads them there, and only there, for one), with several
 * multi-queue-num-queues and each queue's under queue-N/; what an
 * earlier connection wrote and this one does not is removed.
 */
static int nf_write_config(u32 tx, void *ctx)
{
	struct netfront *nf = ctx;
	const char *top = nf->xdev->nodename;
	char dir[sizeof(nf->xdev->nodename) + 16];
	int err = nf_remove_stale(nf, tx);

	if (!err && nf->nr_queues > 1)
		err = xs_printf(tx, top, "multi-queue-num-queues", "%u", nf->nr_queues);
	for (unsigned int n = 0; !err && n < nf->nr_queues; n++) {
		snprintf(dir, sizeof(dir), "%s/queue-%u", top, n);
		err = nf_write_queue(&nf->queues[n], tx, nf->nr_queues > 1 ? dir : top);
	}
	if (!err)
		err = xs_printf(tx, top, "request-rx-copy", "1");
	if (!err)
		err = xs_printf(tx, top, "feature-rx-notify", "1");
	/*
	 * Offload is assumed unless refused: the backend would hand over
	 * TCP/UDP packets with the checksum left blank for us to fill.
	 */
	if (!err)
		err = xs_printf(tx, top, "feature-no-csum-offload", "1");
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

/* A queue as before set-up: nothing allocated, granted or bound (its locks left alone). */
static void nf_reset_queue(struct netfront *nf, struct nf_queue *q)
{
	unsigned int n = q - nf->queues;

	q->nf = nf;
	q->index = n;
	q->port = -1;
	q->rx_port = -1;
	WRITE_ONCE(q->cpu, 0);
	q->up = false;
	q->rx_cpu = -1;
	q->stats = &nf->net.queue_stats[n];
	xen_front_ring_reset(&q->tx);
	xen_front_ring_reset(&q->rx);
	for (unsigned int i = 0; i < NF_NR_TX; i++)
		q->tx_bufs[i].gref = -1;
	for (unsigned int i = 0; i < NF_NR_RX; i++)
		q->rx_bufs[i].gref = -1;
}

/*
 * False if a channel's close gave up waiting for a CPU to leave its
 * handler: the handler finds the queue down (nf_stop_queues()) and
 * touches no ring or buffer, but it still uses the queue itself.
 */
static bool nf_release_queue(struct nf_queue *q)
{
	bool closed = !xenbus_free_evtchn(&q->port);

	closed &= !xenbus_free_evtchn(&q->rx_port);
	nf_release_bufs(q->tx_bufs, NF_NR_TX);
	nf_release_bufs(q->rx_bufs, NF_NR_RX);
	xenbus_teardown_ring(&q->tx);
	xenbus_teardown_ring(&q->rx);
	nf_reset_queue(q->nf, q);
	return closed;
}

/* False if a CPU may still be in a queue's handler (see nf_release_queue()). */
static bool nf_release(struct netfront *nf)
{
	bool closed = true;

	for (unsigned int n = 0; n < NF_MAX_QUEUES; n++)
		closed &= nf_release_queue(&nf->queues[n]);
	return closed;
}

/*
 * Every queue stops: its events masked, and down under both its locks,
 * so a handler or transmit on another CPU that takes them after this
 * touches nothing of it.  Its deferred work is cancelled.
 */
static void nf_stop_queues(struct netfront *nf)
{
	for (unsigned int n = 0; n < NF_MAX_QUEUES; n++) {
		struct nf_queue *q = &nf->queues[n];
		unsigned long flags = local_irq_save();

		nf_mask_queue(q);
		spin_lock(&q->rx_lock);
		spin_lock(&q->tx_lock);
		q->up = false;
		spin_unlock(&q->tx_lock);
		spin_unlock(&q->rx_lock);
		local_irq_restore(flags);
		irq_work_cancel(&q->resume);
	}
}

/* The queues connected take frames: up stored after everything is set up. */
static void nf_queues_up(struct netfront *nf)
{
	for (unsigned int n = 0; n < nf->nr_queues; n++)
		__atomic_store_n(&nf->queues[n].up, true, __ATOMIC_RELEASE);
}

/* Each queue connected served once, as its interrupt would. */
static void nf_serve_queues(struct netfront *nf)
{
	unsigned long flags = local_irq_save();

	for (unsigned int n = 0; n < nf->nr_queues; n++)
		nf_process(&nf->queues[n], true);
	local_irq_restore(flags);
}

/*
 * Connected: the queues go up, and each is served once here: a frame
 * that came before (the backend is Connected before us) raised an event
 * that found the queue down and asked for no other, and a queue whose
 * events go to another CPU is never polled by CPU 0.
 */
static void nf_start_queues(struct netfront *nf)
{
	nf->net.nr_queues = NF_MAX_QUEUES > 1 ? nf->nr_queues : 0;
	nf_queues_up(nf);
	nf->failed = false;
	/* new rings: what they said is forgotten */
	__atomic_store_n(&nf->net.broken, false, __ATOMIC_RELEASE);
	nf_serve_queues(nf);
}

static void netfront_remove(struct xenbus_device *xdev)
{
	struct netfront *nf = xdev->priv;
	bool closed;

	if (!nf)
		return;
	if (nf->net.ops)
		netdev_unregister(&nf->net);
	nf->net.broken = true;
	nf_stop_queues(nf);
	if (xdev->state != XenbusStateInitialising)
		xenbus_close(xdev);
	closed = nf_release(nf);
	xdev->priv = NULL;
	if (closed)
		kfree(nf);
	else
		pr_err("%s: a CPU may still be in a queue's interrupt handler: the device's memory is kept\n",
		       xdev->nodename);
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
	if (!err) {
		nf->keys_queues = nf->nr_queues;
	}
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
	for (unsigned int n = 0; n < NF_MAX_QUEUES; n++) {
		nf->queues[n].tx_lock = (spinlock_t)SPINLOCK_INIT;
		nf->queues[n].rx_lock = (spinlock_t)SPINLOCK_INIT;
		nf_reset_queue(nf, &nf->queues[n]);
	}
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
	/*
	 * Not broken: the stack keeps polling, and its poll runs xenbus,
	 * which sees the backend come back.
	 */
	nf_stop_queues(xdev->priv);
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

	nf_start_queues(nf);
	pr_info("%s: %s, %u queue%s of %u receive buffers posted, port %d%s\n", nf->net.name,
		xdev->nodename, nf->nr_queues, nf->nr_queues > 1 ? "s" : "", NF_NR_RX,
		nf->queues[0].port, nf->nr_queues > 1 ? " and up" : "");
	for (unsigned int n = 1; NF_MAX_QUEUES > 1 && n < nf->nr_queues; n++)
		pr_info("%s: queue %u: port %d, events on CPU %d\n", nf->net.name, n,
			nf->queues[n].port, nf->queues[n].cpu);
	for (unsigned int n = 0; nf->split && n < nf->nr_queues; n++)
		pr_info("%s: queue %u: transmit port %d, receive port %d (split event channels)\n",
			nf->net.name, n, nf->queues[n].port, nf->queues[n].rx_port);
}

/*
 * The domain suspends: no interrupt, no deferred work, until we know
 * where we are.  Each queue is marked down under its locks too: a pass
 * another CPU was in when its port was masked may defer more work after
 * the cancel, and that work, run in a new domain before lost(), would
 * serve rings of the old backend and notify an old port number.  Down,
 * it touches nothing.
 */
static void nf_follow_quiesce(struct xenbus_device *xdev)
{
	nf_stop_queues(xdev->priv);
}

/*
 * The same backend: the queues connected before the quiesce are up
 * again, and events that came meanwhile are raised again by the unmask.
 * Each queue is also served once: one that ran out of budget before the
 * quiesce had its deferred pass cancelled, and its backend raises no
 * event for responses it already posted (rsp_event behind).
 */
static void nf_follow_unquiesce(struct xenbus_device *xdev)
{
	struct netfront *nf = xdev->priv;

	nf_queues_up(nf);
	/* A device shut off (nf_fail) stays masked. */
	for (unsigned int n = 0; n < NF_MAX_QUEUES && !READ_ONCE(nf->net.broken); n++) {
		struct nf_queue *q = &nf->queues[n];

		if (q->port >= 0)
			evtchn_unmask(q->port);
		if (q->rx_port >= 0)
			evtchn_unmask(q->rx_port);
	}
	nf_serve_queues(nf);
}

/*
 * In a new domain: the ports were the old domain's (forgotten, not
 * closed); frames in flight are lost as on any link that goes down, the
 * buffers go back with their grants (release) and new ones are posted.
 */
static void nf_follow_lost(struct xenbus_device *xdev)
{
	struct netfront *nf = xdev->priv;

	/* Forgotten first: the numbers may name other ports here. */
	for (unsigned int n = 0; n < NF_MAX_QUEUES; n++) {
		nf->queues[n].port = -1;
		nf->queues[n].rx_port = -1;
	}
	nf_stop_queues(nf);
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
