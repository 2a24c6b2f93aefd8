// SPDX-License-Identifier: GPL-2.0
/*
 * netfront against a backend played by the test on its shared rings
 * (fake_xen.c): frames move through the grants, every lie a backend can
 * tell on a ring shuts the device off, and with the real network stack
 * on top: an echo reply sent while a frame is handed up never starts
 * another receive pass, a backend that never stops is served one budget
 * per interrupt, and a backend writing a page after it handed it back
 * cannot change what the stack already checked.
 */
#include <stdlib.h>
#include <string.h>
#include <sanitizer/lsan_interface.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/netdev.h>
#include <pvkit/shutdown.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/smp.h>
#include <xen/interface/io/netif.h>
#include "../../net/tests/net_test_util.h"
#include "fake_irq.h"
#include "fake_xen.h"

#define NF_RX_SIZE	__CONST_RING_SIZE(netif_rx, PAGE_SIZE)
#define NF_TX_SIZE	__CONST_RING_SIZE(netif_tx, PAGE_SIZE)
#define NF_BUFS		64	/* receive buffers netfront posts, and transmit buffers */

static struct netif_tx_sring *txs;
static struct netif_rx_sring *rxs;
static RING_IDX be_rx_cons, be_tx_cons;
static struct netdev *net;
static struct xenbus_device *nf_dev;
static unsigned int rx_frames;
static u8 rx_last[2048];
static size_t rx_last_len;

static void capture_rx(struct netdev *dev, const void *frame, size_t len)
{
	rx_frames++;
	memcpy(rx_last, frame, len);
	rx_last_len = len;
}

/* MAC our_mac: the frames of net_test_util.h are addressed to it. */
static struct netdev *net_probe(struct ktest *t)
{
	struct xenbus_device *dev;

	fake_xen_reset();
	fake_xs_set("device/vif/0/mac", "52:54:00:12:34:56");
	dev = fake_probe("vif", "0");
	if (!dev)
		return NULL;
	nf_dev = dev;
	txs = fake_grant_page(atoi(fake_xs_get("device/vif/0/tx-ring-ref")));
	rxs = fake_grant_page(atoi(fake_xs_get("device/vif/0/rx-ring-ref")));
	KT_EXPECT_STREQ(t, fake_xs_get("device/vif/0/request-rx-copy"), "1");
	be_rx_cons = be_tx_cons = 0;
	rx_frames = 0;
	net = dev->priv;
	net->rx = capture_rx;
	return net;
}

/* The backend copies a frame into the next posted receive buffer; no event. */
static u8 *be_rx(const void *frame, s16 status, u16 offset, u16 flags, int id_delta)
{
	struct netif_rx_request *rq = &rxs->ring[be_rx_cons++ % NF_RX_SIZE].req;
	struct netif_rx_response *r = &rxs->ring[rxs->rsp_prod % NF_RX_SIZE].rsp;
	u8 *page = fake_grant_page(rq->gref);

	if (frame && status > 0 && offset + status <= 4096)
		memcpy(page + offset, frame, status);
	*r = (struct netif_rx_response){
		.id = rq->id + id_delta, .offset = offset, .flags = flags, .status = status,
	};
	rxs->rsp_prod++;
	return page;
}

static void deliver(const void *frame, s16 status, u16 offset, u16 flags, int id_delta)
{
	be_rx(frame, status, offset, flags, id_delta);
	fake_raise_event();
}

/* The next frame the frontend sent, or NULL; *len its length. */
static const u8 *be_tx(struct netif_tx_request **rq)
{
	if (be_tx_cons == txs->req_prod)
		return NULL;
	*rq = &txs->ring[be_tx_cons++ % NF_TX_SIZE].req;
	return (const u8 *)fake_grant_page((*rq)->gref) + (*rq)->offset;
}

static void be_tx_done(u16 id, s16 status)
{
	txs->ring[txs->rsp_prod % NF_TX_SIZE].rsp =
		(struct netif_tx_response){ .id = id, .status = status };
	txs->rsp_prod++;
}

static void receive_and_repost(struct ktest *t)
{
	u8 frame[100];
	RING_IDX posted;

	KT_ASSERT_NOT_NULL(t, net_probe(t));
	KT_EXPECT_EQ(t, net->mac[5], 0x56);
	posted = rxs->req_prod;
	KT_EXPECT_EQ(t, posted, NF_BUFS);
	for (int n = 0; n < 200; n++) {		/* more than the buffers posted */
		for (unsigned int i = 0; i < sizeof(frame); i++)
			frame[i] = n + i;
		deliver(frame, sizeof(frame), 64, 0, 0);
	}
	KT_EXPECT_EQ(t, rx_frames, 200);
	KT_EXPECT_EQ(t, rx_last_len, sizeof(frame));
	KT_EXPECT_EQ(t, rx_last[10], (u8)(199 + 10));
	/* every buffer went back under the grant it had */
	KT_EXPECT_EQ(t, rxs->req_prod, posted + 200);
	KT_EXPECT_FALSE(t, net->broken);
}

static void rx_error_status_is_a_drop(struct ktest *t)
{
	KT_ASSERT_NOT_NULL(t, net_probe(t));
	deliver(NULL, NETIF_RSP_ERROR, 0, 0, 0);
	KT_EXPECT_EQ(t, net->stats.rx_dropped, 1);
	KT_EXPECT_FALSE(t, net->broken);
}

/* Longer than the MTU allows: dropped and counted, the device lives on. */
static void rx_frame_over_the_mtu_is_a_drop(struct ktest *t)
{
	static u8 frame[2000];

	KT_ASSERT_NOT_NULL(t, net_probe(t));
	deliver(frame, sizeof(frame), 0, 0, 0);
	KT_EXPECT_EQ(t, net->stats.rx_dropped, 1);
	KT_EXPECT_EQ(t, rx_frames, 0);
	KT_EXPECT_FALSE(t, net->broken);
	KT_EXPECT_EQ(t, rxs->req_prod, NF_BUFS + 1);
}

static void net_lie(struct ktest *t, s16 status, u16 offset, u16 flags, int id_delta)
{
	static u8 frame[64];

	KT_ASSERT_NOT_NULL(t, net_probe(t));
	deliver(frame, status, offset, flags, id_delta);
	KT_EXPECT_TRUE(t, net->broken);
	KT_EXPECT_EQ(t, rx_frames, 0);
	KT_EXPECT_EQ(t, net->ops->transmit(net, frame, sizeof(frame)), -EIO);
}

static void rx_frame_past_its_page_breaks(struct ktest *t) { net_lie(t, 200, 4000, 0, 0); }
static void rx_runt_breaks(struct ktest *t) { net_lie(t, 6, 0, 0, 0); }
static void rx_unknown_id_breaks(struct ktest *t) { net_lie(t, 64, 0, 0, 500); }
static void rx_fragments_break(struct ktest *t) { net_lie(t, 64, 0, NETRXF_more_data, 0); }

static void transmit_and_complete(struct ktest *t)
{
	u8 frame[300];
	struct netif_tx_request *rq;
	const u8 *data;

	KT_ASSERT_NOT_NULL(t, net_probe(t));
	for (int n = 0; n < 100; n++) {		/* more than the transmit buffers */
		memset(frame, n, sizeof(frame));
		KT_ASSERT_EQ(t, net->ops->transmit(net, frame, sizeof(frame)), 0);
		data = be_tx(&rq);
		KT_ASSERT_NOT_NULL(t, data);
		KT_EXPECT_EQ(t, rq->size, sizeof(frame));
		KT_EXPECT_TRUE(t, fake_grants[rq->gref].readonly);
		KT_EXPECT_EQ(t, data[299], (u8)n);
		be_tx_done(rq->id, NETIF_RSP_OKAY);
	}
	KT_EXPECT_EQ(t, net->stats.tx_frames, 100);
	KT_EXPECT_FALSE(t, net->broken);
}

static void tx_response_for_idle_buffer_breaks(struct ktest *t)
{
	KT_ASSERT_NOT_NULL(t, net_probe(t));
	txs->ring[0].rsp = (struct netif_tx_response){ .id = 3, .status = 0 };
	txs->rsp_prod = 1;
	fake_raise_event();
	KT_EXPECT_TRUE(t, net->broken);
}

static void remove_returns_every_grant(struct ktest *t)
{
	struct xenbus_device *b, *n;

	fake_xen_reset();
	fake_xs_set("/local/domain/0/backend/vbd/1/768/sectors", "64");
	fake_xs_set("device/vif/0/mac", "00:16:3e:0a:0b:0c");
	b = fake_probe("vbd", "768");
	n = fake_probe("vif", "0");
	KT_ASSERT_NOT_NULL(t, b);
	KT_ASSERT_NOT_NULL(t, n);
	KT_EXPECT_GT(t, fake_grants_in_use(), 100);
	fake_remove(b);
	fake_remove(n);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

extern unsigned int nr_cpus_online;

#define VIF_BE	"/local/domain/0/backend/vif/1/0"

/* cpus CPUs online while probing, netback offering max queues. */
static struct xenbus_device *probe_with_queues(unsigned int cpus, const char *max)
{
	struct xenbus_device *dev;

	fake_xen_reset();
	fake_xs_set("device/vif/0/mac", "52:54:00:12:34:56");
	fake_xs_set(VIF_BE "/multi-queue-max-queues", max);
	nr_cpus_online = cpus;
	dev = fake_probe("vif", "0");
	nr_cpus_online = 1;
	if (dev) {
		nf_dev = dev;
		net = dev->priv;
	}
	return dev;
}

/* A key of queue n's, as a number (-1: absent). */
static int queue_key(unsigned int n, const char *key)
{
	char path[64];
	const char *v;

	snprintf(path, sizeof(path), "device/vif/0/queue-%u/%s", n, key);
	v = fake_xs_get(path);
	return v ? atoi(v) : -1;
}

/*
 * Two CPUs, netback offering four queues: two, each under queue-N/ with
 * its rings and event channel (none at the top), queue 1's bound to
 * CPU 1, and a frame on queue 1's ring received from its port alone.
 */
static void two_cpus_take_two_queues(struct ktest *t)
{
	struct xenbus_device *dev = probe_with_queues(2, "4");
	struct netif_rx_sring *rx1;
	struct netif_rx_request *rq;
	int port0, port1;
	u8 frame[100];

	KT_ASSERT_NOT_NULL(t, dev);
	KT_EXPECT_STREQ(t, fake_xs_get("device/vif/0/multi-queue-num-queues"), "2");
	KT_EXPECT_NULL(t, fake_xs_get("device/vif/0/tx-ring-ref"));
	KT_EXPECT_NULL(t, fake_xs_get("device/vif/0/event-channel"));
	KT_ASSERT_NOT_NULL(t, fake_xs_get("device/vif/0/queue-1/rx-ring-ref"));
	KT_ASSERT_NOT_NULL(t, fake_xs_get("device/vif/0/queue-0/event-channel"));
	KT_ASSERT_NOT_NULL(t, fake_xs_get("device/vif/0/queue-1/event-channel"));
	port0 = queue_key(0, "event-channel");
	port1 = queue_key(1, "event-channel");
	KT_EXPECT_NE(t, port0, port1);
	KT_EXPECT_EQ(t, fake_port_cpu(port0), 0);
	KT_EXPECT_EQ(t, fake_port_cpu(port1), 1);
	KT_EXPECT_EQ(t, net->nr_queues, 2);
	KT_EXPECT_EQ(t, net->queue_stats[1].cpu, 1);

	rx1 = fake_grant_page(queue_key(1, "rx-ring-ref"));
	rx_frames = 0;
	net->rx = capture_rx;
	memset(frame, 0x5a, sizeof(frame));
	rq = &rx1->ring[0].req;
	memcpy(fake_grant_page(rq->gref), frame, sizeof(frame));
	rx1->ring[0].rsp = (struct netif_rx_response){ .id = rq->id, .status = sizeof(frame) };
	rx1->rsp_prod = 1;
	fake_raise_port(port1);
	KT_EXPECT_EQ(t, rx_frames, 1);
	KT_EXPECT_EQ(t, net->queue_stats[1].rx_frames, 1);
	KT_EXPECT_EQ(t, net->queue_stats[0].rx_frames, 0);
	KT_EXPECT_FALSE(t, net->broken);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

/*
 * Three CPUs, CPU 1 taken offline (a Xen vCPU a resume could not bring
 * back): two online, 0 and 2, so two queues, and queue 1's events stay
 * on CPU 0 rather than go to the offline CPU 1.
 */
static void offline_cpu_takes_no_queue(struct ktest *t)
{
	struct xenbus_device *dev;
	int port1;

	percpu_area[1].online = false;
	dev = probe_with_queues(2, "4");
	percpu_area[1].online = true;
	KT_ASSERT_NOT_NULL(t, dev);
	KT_EXPECT_EQ(t, net->nr_queues, 2);
	port1 = queue_key(1, "event-channel");
	KT_ASSERT_GE(t, port1, 0);
	KT_EXPECT_EQ(t, fake_port_cpu(port1), 0);
	KT_EXPECT_EQ(t, net->queue_stats[1].cpu, 0);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

/* The backend leaves (network-detach) and comes back offering max queues, two CPUs online. */
static void reattach_offering(struct xenbus_device *dev, const char *max)
{
	dev->driver->otherend_changed(dev, XenbusStateClosing);
	fake_xs_set(VIF_BE "/multi-queue-max-queues", max);
	nr_cpus_online = 2;
	dev->driver->otherend_changed(dev, XenbusStateInitWait);
	nr_cpus_online = 1;
}

/*
 * Reconnecting with fewer queues: netback reads multi-queue-num-queues
 * (absent: one) and then each queue-N/ below it, so what the earlier
 * connection wrote beyond the new one must be gone: from three queues to
 * two, queue-2/; from two to one at the top, the count and every
 * queue-N/ (netback would map the old rings, whose grants are ended).
 * Frames flow on the one queue.
 */
static void fewer_queues_on_reconnect_leave_no_stale_keys(struct ktest *t)
{
	struct xenbus_device *dev = probe_with_queues(3, "3");
	u8 frame[80];

	KT_ASSERT_NOT_NULL(t, dev);
	KT_ASSERT_GE(t, queue_key(2, "tx-ring-ref"), 0);
	reattach_offering(dev, "2");
	KT_EXPECT_EQ(t, dev->state, XenbusStateConnected);
	KT_EXPECT_STREQ(t, fake_xs_get("device/vif/0/multi-queue-num-queues"), "2");
	KT_EXPECT_GE(t, queue_key(1, "event-channel"), 0);
	KT_EXPECT_EQ(t, queue_key(2, "tx-ring-ref"), -1);
	KT_EXPECT_EQ(t, queue_key(2, "rx-ring-ref"), -1);
	KT_EXPECT_EQ(t, queue_key(2, "event-channel"), -1);

	reattach_offering(dev, "1");
	KT_EXPECT_EQ(t, dev->state, XenbusStateConnected);
	KT_EXPECT_NULL(t, fake_xs_get("device/vif/0/multi-queue-num-queues"));
	for (unsigned int n = 0; n < 3; n++) {
		KT_EXPECT_EQ(t, queue_key(n, "tx-ring-ref"), -1);
		KT_EXPECT_EQ(t, queue_key(n, "rx-ring-ref"), -1);
		KT_EXPECT_EQ(t, queue_key(n, "event-channel"), -1);
	}
	KT_ASSERT_NOT_NULL(t, fake_xs_get("device/vif/0/event-channel"));
	rxs = fake_grant_page(atoi(fake_xs_get("device/vif/0/rx-ring-ref")));
	KT_ASSERT_NOT_NULL(t, rxs);
	be_rx_cons = 0;
	rx_frames = 0;
	net->rx = capture_rx;
	memset(frame, 0x33, sizeof(frame));
	deliver(frame, sizeof(frame), 0, 0, 0);
	KT_EXPECT_EQ(t, rx_frames, 1);
	KT_EXPECT_FALSE(t, net->broken);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

/*
 * One split queue (its keys at the top), then two queues on one channel
 * each, then one again: the top's event-channel-tx and -rx of the first
 * connection must be gone, or netback, which reads them first, would
 * bind that connection's old ports.  (The layout of the last connection
 * alone does not tell: the second wrote nothing at the top.)
 */
static void split_keys_of_an_older_connection_go(struct ktest *t)
{
	struct xenbus_device *dev;

	fake_xen_reset();
	fake_xs_set(VIF_BE "/feature-split-event-channels", "1");
	fake_xs_set("device/vif/0/mac", "52:54:00:12:34:56");
	fake_xs_set(VIF_BE "/multi-queue-max-queues", "1");
	dev = fake_probe("vif", "0");
	KT_ASSERT_NOT_NULL(t, dev);
	nf_dev = dev;
	net = dev->priv;
	KT_ASSERT_NOT_NULL(t, fake_xs_get("device/vif/0/event-channel-tx"));

	fake_xs_set(VIF_BE "/feature-split-event-channels", "0");
	reattach_offering(dev, "2");
	KT_EXPECT_EQ(t, dev->state, XenbusStateConnected);
	KT_EXPECT_GE(t, queue_key(1, "event-channel"), 0);
	reattach_offering(dev, "1");
	KT_EXPECT_EQ(t, dev->state, XenbusStateConnected);
	KT_EXPECT_NOT_NULL(t, fake_xs_get("device/vif/0/event-channel"));
	KT_EXPECT_NULL(t, fake_xs_get("device/vif/0/event-channel-tx"));
	KT_EXPECT_NULL(t, fake_xs_get("device/vif/0/event-channel-rx"));
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

/*
 * feature-split-event-channels: a channel per ring, published as
 * event-channel-tx and -rx (no event-channel), both of queue 1 bound to
 * CPU 1; a frame comes by the receive channel and is counted as a
 * receive interrupt, a transmit completion by the transmit channel,
 * taken (the frontend asks for the next: rsp_event past it) and counted
 * as a transmit interrupt.  A backend that stops offering it gets one
 * channel again, and the split keys go.
 */
static void split_channels_when_offered(struct ktest *t)
{
	struct xenbus_device *dev;
	struct netif_tx_request *rq;
	int tx1, rx1;
	u8 frame[90];

	fake_xen_reset();
	fake_xs_set(VIF_BE "/feature-split-event-channels", "1");
	fake_xs_set("device/vif/0/mac", "52:54:00:12:34:56");
	fake_xs_set(VIF_BE "/multi-queue-max-queues", "2");
	nr_cpus_online = 2;
	dev = fake_probe("vif", "0");
	nr_cpus_online = 1;
	KT_ASSERT_NOT_NULL(t, dev);
	nf_dev = dev;
	net = dev->priv;
	tx1 = queue_key(1, "event-channel-tx");
	rx1 = queue_key(1, "event-channel-rx");
	KT_ASSERT_GE(t, tx1, 0);
	KT_ASSERT_GE(t, rx1, 0);
	KT_EXPECT_NE(t, tx1, rx1);
	KT_EXPECT_EQ(t, queue_key(1, "event-channel"), -1);
	KT_EXPECT_EQ(t, queue_key(0, "event-channel"), -1);
	KT_EXPECT_GE(t, queue_key(0, "event-channel-rx"), 0);
	KT_EXPECT_EQ(t, fake_port_cpu(tx1), 1);
	KT_EXPECT_EQ(t, fake_port_cpu(rx1), 1);
	KT_EXPECT_EQ(t, fake_ports_open(), 4);

	rxs = fake_grant_page(queue_key(1, "rx-ring-ref"));
	txs = fake_grant_page(queue_key(1, "tx-ring-ref"));
	be_rx_cons = be_tx_cons = 0;
	rx_frames = 0;
	net->rx = capture_rx;
	memset(frame, 0x21, sizeof(frame));
	host_cpu = 1;
	be_rx(frame, sizeof(frame), 0, 0, 0);
	fake_raise_port(rx1);
	KT_EXPECT_EQ(t, rx_frames, 1);
	KT_EXPECT_EQ(t, net->queue_stats[1].rx_interrupts, 1);
	KT_ASSERT_EQ(t, net->ops->transmit(net, frame, sizeof(frame)), 0);
	KT_ASSERT_NOT_NULL(t, be_tx(&rq));
	be_tx_done(rq->id, NETIF_RSP_OKAY);
	fake_raise_port(tx1);
	host_cpu = 0;
	KT_EXPECT_EQ(t, net->queue_stats[1].tx_interrupts, 1);
	KT_EXPECT_EQ(t, net->queue_stats[1].rx_interrupts, 1);
	KT_EXPECT_EQ(t, net->queue_stats[1].elsewhere, 0);
	KT_EXPECT_EQ(t, txs->rsp_event, txs->rsp_prod + 1);
	KT_EXPECT_FALSE(t, net->broken);

	/* The backend comes back without the feature: one channel per queue. */
	fake_xs_set(VIF_BE "/feature-split-event-channels", "0");
	reattach_offering(dev, "2");
	KT_EXPECT_EQ(t, dev->state, XenbusStateConnected);
	for (unsigned int n = 0; n < 2; n++) {
		KT_EXPECT_GE(t, queue_key(n, "event-channel"), 0);
		KT_EXPECT_EQ(t, queue_key(n, "event-channel-tx"), -1);
		KT_EXPECT_EQ(t, queue_key(n, "event-channel-rx"), -1);
	}
	KT_EXPECT_EQ(t, fake_ports_open(), 2);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_ports_open(), 0);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

/* ---- with the network stack on top ---- */

static void (*stack_rx)(struct netdev *dev, const void *frame, size_t len);
static unsigned int rx_depth, rx_max_depth;

/* Between the driver and the stack: how deep receive calls nest. */
static void depth_rx(struct netdev *dev, const void *frame, size_t len)
{
	if (++rx_depth > rx_max_depth)
		rx_max_depth = rx_depth;
	stack_rx(dev, frame, len);
	rx_depth--;
}

static struct netdev *stack_probe(struct ktest *t)
{
	if (!net_probe(t))
		return NULL;
	udp_unbind(7);
	net_set_clock(NULL);
	if (net_configure(net, OUR_IP, OUR_MASK, 0))
		return NULL;
	net_reset_stats();
	stack_rx = net->rx;
	net->rx = depth_rx;
	rx_depth = rx_max_depth = 0;
	return net;
}

static void stack_done(void)
{
	net_unconfigure(net);
	udp_unbind(7);
}

/* The peer's numbered echo request seq, into the next posted buffer. */
static void be_echo_request(u16 seq)
{
	u8 f[TEST_FRAME_MAX];

	be_rx(f, build_seq_ping(f, seq), 0, 0, 0);
}

/*
 * Replies the backend finds on the transmit ring, checked against the
 * requests from first on (in order, none twice); the others (filler)
 * are skipped.  Returns how many replies there were.
 */
static unsigned int be_take_replies(struct ktest *t, u16 first, bool complete)
{
	struct netif_tx_request *rq;
	const u8 *f;
	unsigned int n = 0;

	while ((f = be_tx(&rq))) {
		if (seq_of_reply(f, rq->size) >= 0) {
			KT_EXPECT_TRUE(t, is_seq_reply(t, f, rq->size, first + n));
			n++;
		}
		if (complete)
			be_tx_done(rq->id, NETIF_RSP_OKAY);
	}
	return n;
}

/*
 * Issue 11, item 1: a reply sent from inside the receive loop while
 * every transmit buffer is busy used to reclaim by running the whole
 * loop again: the nested pass consumed the responses the outer one had
 * counted, the outer one then read slots past rsp_prod and shut the
 * device off.  Now transmit reclaims transmit completions only: the
 * replies that found no buffer are dropped and counted, every one sent
 * is the exact reply to its request, and nothing nests.
 */
static void echo_reply_from_receive_loop_never_nests(struct ktest *t)
{
	struct netif_tx_request *rq;
	struct net_stats s;
	u8 filler[60] = { 0 };
	unsigned int held = 10, replies;

	KT_ASSERT_NOT_NULL(t, stack_probe(t));
	for (unsigned int i = 0; i < held; i++)	/* the backend sits on these */
		KT_ASSERT_EQ(t, net->ops->transmit(net, filler, sizeof(filler)), 0);
	for (unsigned int i = 0; i < held; i++)
		KT_ASSERT_NOT_NULL(t, be_tx(&rq));
	for (u16 seq = 0; seq < NF_BUFS; seq++)
		be_echo_request(seq);
	fake_raise_event();

	KT_EXPECT_FALSE(t, net->broken);
	KT_EXPECT_EQ(t, rx_max_depth, 1);
	KT_EXPECT_EQ(t, net->stats.rx_nested, 0);
	KT_EXPECT_EQ(t, net->stats.rx_frames, NF_BUFS);
	replies = be_take_replies(t, 0, false);
	KT_EXPECT_EQ(t, replies, NF_BUFS - held);
	net_get_stats(&s);
	/* nothing lost silently: each request answered or its drop counted */
	KT_EXPECT_EQ(t, s.echo_replies, replies);
	KT_EXPECT_EQ(t, s.drops[NET_DROP_TX_DEVICE], NF_BUFS - replies);

	/* The backend lets go of everything: the next requests all get answers. */
	for (RING_IDX i = 0; i < be_tx_cons; i++)
		be_tx_done(txs->ring[i % NF_TX_SIZE].req.id, NETIF_RSP_OKAY);
	for (u16 seq = 1000; seq < 1020; seq++)
		be_echo_request(seq);
	fake_raise_event();
	KT_EXPECT_EQ(t, be_take_replies(t, 1000, true), 20);
	KT_EXPECT_FALSE(t, net->broken);
	KT_EXPECT_EQ(t, rx_max_depth, 1);
	stack_done();
}

/*
 * Issue 11, item 6: a backend that leaves (xl network-detach) with frames
 * in flight both ways ends the connection at once: transmit fails with
 * -ENODEV, our side is Closed, the channel is closed and every grant
 * ended (a page the backend still maps is kept out of use, its grant
 * left alone).  When it comes back (network-attach: InitWait) the
 * handshake is done again under the same net device, and an echo works.
 */
static void backend_leaves_and_comes_back(struct ktest *t, bool page_held)
{
	u8 frame[60] = { 0 };
	struct netif_tx_request *rq;
	unsigned int held = page_held ? 1 : 0;
	const char *name;

	KT_ASSERT_NOT_NULL(t, stack_probe(t));
	name = net->name;
	for (int i = 0; i < 3; i++)		/* the backend never answers these */
		KT_ASSERT_EQ(t, net->ops->transmit(net, frame, sizeof(frame)), 0);
	KT_ASSERT_NOT_NULL(t, be_tx(&rq));
	fake_grants[rq->gref].mapped = page_held;
	KT_EXPECT_EQ(t, fake_ports_open(), 1);

	nf_dev->driver->otherend_changed(nf_dev, XenbusStateClosing);
	KT_EXPECT_EQ(t, nf_dev->state, XenbusStateClosed);
	KT_EXPECT_EQ(t, fake_ports_open(), 0);
	KT_EXPECT_EQ(t, fake_grants_in_use(), held);
	KT_EXPECT_EQ(t, net->ops->transmit(net, frame, sizeof(frame)), -ENODEV);
	KT_EXPECT_EQ(t, net->stats.tx_dropped, 1);
	/* polled while gone: nothing touched, and the stack still polls it */
	netdev_poll(net);
	KT_EXPECT_FALSE(t, net->broken);
	/* the state node vanishing too changes nothing more */
	nf_dev->driver->otherend_changed(nf_dev, XenbusStateClosed);
	KT_EXPECT_EQ(t, fake_grants_in_use(), held);

	nf_dev->driver->otherend_changed(nf_dev, XenbusStateInitWait);
	KT_EXPECT_EQ(t, nf_dev->state, XenbusStateConnected);
	KT_EXPECT_EQ(t, fake_ports_open(), 1);
	KT_EXPECT_TRUE(t, net == nf_dev->priv && net->name == name);
	txs = fake_grant_page(atoi(fake_xs_get("device/vif/0/tx-ring-ref")));
	rxs = fake_grant_page(atoi(fake_xs_get("device/vif/0/rx-ring-ref")));
	be_rx_cons = be_tx_cons = 0;
	KT_EXPECT_EQ(t, rxs->req_prod, NF_BUFS);
	for (u16 seq = 0; seq < 5; seq++)
		be_echo_request(seq);
	fake_raise_event();
	KT_EXPECT_EQ(t, be_take_replies(t, 0, true), 5);
	KT_EXPECT_FALSE(t, net->broken);
	stack_done();
	fake_remove(nf_dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), held);
}

static void backend_leaves_and_comes_back_clean(struct ktest *t)
{
	backend_leaves_and_comes_back(t, false);
}

static void backend_leaves_holding_a_page(struct ktest *t)
{
	backend_leaves_and_comes_back(t, true);
}

/* ---- a backend that never stops ---- */

static u32 endless_seq;

/* Each buffer posted is answered at once, and the backend wants to hear of the next. */
static void endless_backend(void)
{
	u8 f[64] = { 0 };

	while (be_rx_cons != rxs->req_prod) {
		put_be32(f + 20, endless_seq++);
		be_rx(f, sizeof(f), 0, 0, 0);
	}
	rxs->req_event = rxs->req_prod + 1;
}

static u32 endless_next;
static bool endless_in_order;

static void endless_rx(struct netdev *dev, const void *frame, size_t len)
{
	if (len != 64 || get_be32((const u8 *)frame + 20) != endless_next)
		endless_in_order = false;
	endless_next++;
}

/*
 * Issue 11, item 2: one interrupt takes at most one budget of frames
 * however fast the backend refills, and leaves the rest to deferred
 * work, which goes on where it stopped, one budget per run.
 */
static void endless_backend_is_served_one_budget_at_a_time(struct ktest *t)
{
	KT_ASSERT_NOT_NULL(t, net_probe(t));
	net->rx = endless_rx;
	endless_seq = endless_next = 0;
	endless_in_order = true;
	fake_backend_kick = endless_backend;
	endless_backend();
	fake_raise_event();
	KT_EXPECT_EQ(t, endless_next, IRQ_BUDGET);
	KT_EXPECT_EQ(t, fake_nr_deferred(), 1);
	KT_EXPECT_EQ(t, net->stats.interrupts, 1);
	for (unsigned int run = 1; run <= 100; run++) {
		KT_ASSERT_EQ(t, fake_run_deferred(), 1);
		KT_ASSERT_EQ(t, endless_next, (run + 1) * IRQ_BUDGET);
	}
	KT_EXPECT_TRUE(t, endless_in_order);
	KT_EXPECT_EQ(t, net->stats.deferred, 101);
	KT_EXPECT_EQ(t, net->stats.rx_dropped, 0);
	KT_EXPECT_FALSE(t, net->broken);
	/* The backend stops: the last run finds less than a budget and ends. */
	fake_backend_kick = NULL;
	KT_EXPECT_EQ(t, fake_run_deferred(), 1);
	KT_EXPECT_EQ(t, fake_nr_deferred(), 0);
	KT_EXPECT_EQ(t, endless_seq, endless_next);
}

/*
 * A suspend (xl save) that catches CPU 1 in queue 1's handler: the event
 * was taken before the quiesce masked the port, the handler runs after
 * it, and whatever it defers comes after the quiesce cancelled the
 * deferred work; in a new domain that work would run before lost(),
 * serving the old rings and notifying an old port number.  Quiesced,
 * the queues are down: the late handler and anything deferred touch
 * nothing.  Cancelled (xl save -c), the queue is served again from
 * where it was, one budget, then the rest deferred.
 */
static void quiesced_queues_are_down_for_a_late_handler(struct ktest *t)
{
	struct xenbus_device *dev = probe_with_queues(2, "2");
	const struct xenbus_follow_ops *ops;
	unsigned long notifies;

	KT_ASSERT_NOT_NULL(t, dev);
	ops = dev->driver->follow;
	rxs = fake_grant_page(queue_key(1, "rx-ring-ref"));
	KT_ASSERT_NOT_NULL(t, rxs);
	be_rx_cons = 0;
	net->rx = endless_rx;
	endless_seq = endless_next = 0;
	endless_in_order = true;
	endless_backend();		/* queue 1: a budget waiting, more at each notify */
	fake_backend_kick = endless_backend;

	ops->quiesce(dev);
	notifies = fake_notifies;
	host_cpu = 1;
	fake_raise_port(queue_key(1, "event-channel"));
	host_cpu = 0;
	KT_EXPECT_EQ(t, endless_next, 0);
	KT_EXPECT_EQ(t, fake_nr_deferred(), 0);
	KT_EXPECT_EQ(t, fake_run_deferred(), 0);
	KT_EXPECT_EQ(t, fake_notifies, notifies);

	ops->unquiesce(dev);
	KT_EXPECT_EQ(t, endless_next, IRQ_BUDGET);
	KT_EXPECT_EQ(t, fake_nr_deferred(), 1);
	fake_backend_kick = NULL;
	KT_EXPECT_EQ(t, fake_run_deferred(), 1);
	KT_EXPECT_EQ(t, endless_next, 2 * IRQ_BUDGET);
	KT_EXPECT_EQ(t, endless_seq, endless_next);
	KT_EXPECT_TRUE(t, endless_in_order);
	KT_EXPECT_EQ(t, net->queue_stats[1].rx_frames, 2 * IRQ_BUDGET);
	KT_EXPECT_FALSE(t, net->broken);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

extern char host_log[8192];

/*
 * Removal while a CPU may still be in a queue's handler (its port's
 * close gave up waiting): the device's memory is kept, and said so; the
 * grants still end.  The handler then runs on CPU 1 and finds the queue
 * down: no frame handed up, nothing of freed memory touched.
 */
static void removal_keeps_the_device_while_a_handler_may_run(struct ktest *t)
{
	struct xenbus_device *dev = probe_with_queues(2, "2");
	int port1;

	KT_ASSERT_NOT_NULL(t, dev);
	KT_ASSERT_EQ(t, net->nr_queues, 2);
	port1 = queue_key(1, "event-channel");
	KT_ASSERT_GE(t, port1, 0);
	rx_frames = 0;
	net->rx = capture_rx;
	__lsan_ignore_object(dev->priv);
	host_log[0] = '\0';
	fake_close_err = -ETIMEDOUT;
	fake_remove(dev);
	KT_EXPECT_NOT_NULL(t, strstr(host_log, "the device's memory is kept"));
	fake_close_err = 0;
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	fake_raise_port_on(1, port1);
	KT_EXPECT_EQ(t, rx_frames, 0);
}

/* ---- app=netecho over a device its backend shut off ---- */

static bool xenbus_armed;
static unsigned int xenbus_polls;
static const char quit[] = "pvkit-quit";

/* The peer asks for our MAC (and so is learnt), then says "pvkit-quit" to port 7. */
static void be_quit(void)
{
	u8 f[TEST_FRAME_MAX];

	be_rx(f, build_arp(f, 1, peer_mac, PEER_IP, bcast_mac, OUR_IP), 0, 0, 0);
	be_rx(f, build_udp(f, PEER_IP, 4000, OUR_IP, 7, (const u8 *)quit, sizeof(quit) - 1, true),
	      0, 0, 0);
}

/* Echoes of the quit word the backend finds on the transmit ring. */
static unsigned int be_take_quits(void)
{
	struct netif_tx_request *rq;
	unsigned int n = 0;
	const u8 *f;

	while ((f = be_tx(&rq)))
		n += rq->size >= 42 + sizeof(quit) - 1 && !memcmp(f + 42, quit, sizeof(quit) - 1);
	return n;
}

/*
 * What xenbus_poll() would do on its first turn: the backend restarted
 * (InitWait: a new handshake, new rings), and the peer says quit on them.
 */
static void xenbus_stand_in(struct app_poller *p)
{
	if (!xenbus_armed)
		return;
	if (!xenbus_polls++) {
		nf_dev->driver->otherend_changed(nf_dev, XenbusStateInitWait);
		txs = fake_grant_page(atoi(fake_xs_get("device/vif/0/tx-ring-ref")));
		rxs = fake_grant_page(atoi(fake_xs_get("device/vif/0/rx-ring-ref")));
		be_rx_cons = be_tx_cons = 0;
		be_quit();
		fake_raise_event();
	}
}

static struct app_poller xenbus_stand_in_poller = {
	.name = "xenbus (test)",
	.poll = xenbus_stand_in,
};

/* The app's idle: the poll timer fires 1 ms later. */
static void halt_a_millisecond(void)
{
	fake_now_ns += 1000000;
}

/*
 * A backend lies and netfront shuts the device off: the stack polls it
 * no more, and its poll was what ran xenbus under app=netecho.  The app
 * runs the app pollers itself each turn: the backend's restart is seen,
 * the device reconnects, the quit word on the new rings is echoed and
 * ends the app.  (Without them it saw nothing and timed out.)
 */
static void netecho_serves_xenbus_after_the_device_failed(struct ktest *t)
{
	static bool registered;
	char line[128];
	int ret;

	/* kernel/shutdown.c keeps a request pending for good: none may be. */
	KT_ASSERT_TRUE(t, !shutdown_pending(NULL));
	KT_ASSERT_NOT_NULL(t, net_probe(t));
	deliver(NULL, 64, 0, 0, 500);		/* a buffer never posted */
	KT_ASSERT_TRUE(t, net->broken);
	if (!registered) {
		register_app_poller(&xenbus_stand_in_poller);
		registered = true;
	}
	xenbus_polls = 0;
	xenbus_armed = true;
	pv_ops.cpu.safe_halt = halt_a_millisecond;
	snprintf(line, sizeof(line), "app=netecho net.dev=%s ip=10.0.2.15 netmask=255.255.255.0 echo.timeout=5",
		 net->name);
	params_parse(line, false);
	ret = app_find("netecho")->main();
	xenbus_armed = false;
	pv_ops.cpu.safe_halt = NULL;
	KT_EXPECT_GT(t, xenbus_polls, 0);
	KT_EXPECT_EQ(t, ret, EXIT_OK);
	KT_EXPECT_FALSE(t, net->broken);
	KT_EXPECT_EQ(t, nf_dev->state, XenbusStateConnected);
	KT_EXPECT_EQ(t, be_take_quits(), 1);
	fake_remove(nf_dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
}

/* ---- pages the backend can still write ---- */

static u8 *shared_page;
static bool udp_seen, udp_unchanged;
static size_t udp_len;

/* The backend writes the page while the datagram is being handed up. */
static void scribbled_udp(void *ctx, const struct udp_meta *m, const void *data, size_t len)
{
	u8 before[64];
	size_t n = len < sizeof(before) ? len : sizeof(before);

	udp_seen = true;
	udp_len = len;
	memcpy(before, data, n);
	memset(shared_page, 0xee, PAGE_SIZE);
	udp_unchanged = !memcmp(before, data, n);
}

/*
 * Issue 11, item 3: what the stack checked is what the callback gets,
 * however the backend writes the receive page meanwhile.
 */
static void rx_page_written_by_the_backend_changes_nothing(struct ktest *t)
{
	u8 f[TEST_FRAME_MAX], data[40];

	KT_ASSERT_NOT_NULL(t, stack_probe(t));
	KT_ASSERT_EQ(t, udp_bind(7, scribbled_udp, NULL), 0);
	fill_pattern(data, sizeof(data), 7);
	udp_seen = false;
	shared_page = be_rx(f, build_udp(f, PEER_IP, 4000, OUR_IP, 7, data, sizeof(data), true),
			    0, 0, 0);
	fake_raise_event();
	KT_EXPECT_TRUE(t, udp_seen);
	KT_EXPECT_EQ(t, udp_len, sizeof(data));
	KT_EXPECT_TRUE(t, udp_unchanged);
	KT_EXPECT_FALSE(t, net->broken);
	stack_done();
}

static struct ktest_case netfront_cases[] = {
	KTEST_CASE(remove_returns_every_grant),
	KTEST_CASE(receive_and_repost),
	KTEST_CASE(rx_error_status_is_a_drop),
	KTEST_CASE(rx_frame_over_the_mtu_is_a_drop),
	KTEST_CASE(rx_frame_past_its_page_breaks),
	KTEST_CASE(rx_runt_breaks),
	KTEST_CASE(rx_unknown_id_breaks),
	KTEST_CASE(rx_fragments_break),
	KTEST_CASE(transmit_and_complete),
	KTEST_CASE(tx_response_for_idle_buffer_breaks),
	KTEST_CASE(two_cpus_take_two_queues),
	KTEST_CASE(offline_cpu_takes_no_queue),
	KTEST_CASE(fewer_queues_on_reconnect_leave_no_stale_keys),
	KTEST_CASE(split_channels_when_offered),
	KTEST_CASE(split_keys_of_an_older_connection_go),
	KTEST_CASE(echo_reply_from_receive_loop_never_nests),
	KTEST_CASE(backend_leaves_and_comes_back_clean),
	KTEST_CASE(backend_leaves_holding_a_page),
	KTEST_CASE(endless_backend_is_served_one_budget_at_a_time),
	KTEST_CASE(quiesced_queues_are_down_for_a_late_handler),
	KTEST_CASE(removal_keeps_the_device_while_a_handler_may_run),
	KTEST_CASE(netecho_serves_xenbus_after_the_device_failed),
	KTEST_CASE(rx_page_written_by_the_backend_changes_nothing),
	{}
};
KTEST_SUITE(host_netfront, netfront_cases);
