// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for netfront and virtio-net under the real network
 * stack, answered by an echo peer that checks every reply's content.
 *
 * The first byte picks the device: netfront on the fake Xen
 * (tests/unit/fake_xen.c) or virtio-net on the fake virtio transport
 * (tests/unit/fake_virtio.c).  The rest is a script of backend actions:
 * numbered echo requests (ICMP, or UDP to port 7, which echoes from its
 * receive callback as netecho does) into posted buffers, interrupts,
 * transmit completions, polls, deferred work, bursts from a peer that
 * refills every buffer as it is posted, rewriting the receive buffer
 * while the stack parses the frame, and for netfront lies on its rings.
 *
 * Checked: every frame the guest sends is an ARP frame or the exact
 * answer to a request the peer sent (headers, ids, every byte); the
 * receive path never nests and hands up at most IRQ_BUDGET frames per
 * interrupt, poll or deferred run; with an honest backend each request
 * is answered once or its drop counted.  A failed check is a crash.
 *
 * netfront is probed afresh for each input; virtio-net, which has no
 * removal, once, and each input drains it before it ends.  The stack is
 * attached to the one device for the input only (both use one subnet).
 *
 *   make fuzz
 *   build/fuzz/netecho_fuzz -max_total_time=60 build/fuzz/corpus/netecho
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/netdev.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <xen/interface/io/netif.h>
#include "../../net/tests/net_test_util.h"
#include "../unit/fake_irq.h"
#include "../unit/fake_virtio.h"
#include "../unit/fake_xen.h"

#define check(c)	do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int printk(const char *fmt, ...)
{
	return 0;
}

int console_printf(const char *fmt, ...)
{
	return 0;
}

void panic(const char *fmt, ...)
{
	__builtin_trap();
}

/* A failed check of net_test_util.c is a crash here. */
void ktest_fail_int(struct ktest *t, const char *kind, const char *file, int line,
		    const char *ltext, const char *op, const char *rtext, long long l,
		    long long r)
{
	__builtin_trap();
}

void ktest_fail_mem(struct ktest *t, const char *kind, const char *file, int line,
		    const char *ltext, const char *rtext, const void *l, const void *r,
		    size_t n)
{
	__builtin_trap();
}

/* ---- the peer ---- */

enum { NOT_SENT, ASKED, ANSWERED };

static u8 seq_state[65536];
static u16 next_seq;
static unsigned long asked, answered;
static bool hostile;		/* the backend lied: a stale frame may come twice */
static unsigned int endless_left;	/* frames a never-waiting backend still sends */

/* Every frame the guest sends. */
static void peer_sees(const u8 *f, size_t len)
{
	int seq = seq_of_reply(f, len);

	check(len >= ETH_HLEN && len <= ETH_MAX_FRAME);
	if (seq < 0) {
		check(get_be16(f + 12) == 0x0806);	/* our ARP reply, or a request */
		return;
	}
	check(seq_state[seq] == ASKED || (seq_state[seq] == ANSWERED && hostile));
	check(is_seq_reply(NULL, f, len, seq));
	answered += seq_state[seq] == ASKED;
	seq_state[seq] = ANSWERED;
}

/* The next request, ICMP or UDP; its length. */
static size_t peer_request(u8 *f, bool udp)
{
	u16 seq = next_seq++;

	check(seq_state[seq] == NOT_SENT);
	seq_state[seq] = ASKED;
	asked++;
	return udp ? build_seq_udp(f, seq) : build_seq_ping(f, seq);
}

static void echo_rx(void *ctx, const struct udp_meta *m, const void *d, size_t len)
{
	udp_sendto(m->dst_port, m->src_ip, m->src_port, d, len);
}

/* ---- between the driver and the stack ---- */

static struct netdev *dev;
static void (*stack_rx)(struct netdev *d, const void *frame, size_t len);
static unsigned int depth, pass_frames;
/*
 * The buffers frames were delivered in, in the order the driver takes
 * them (ring order): the head is the one whose frame is being handed up.
 */
#define NR_SHARED	1024
static struct { u8 *buf; size_t len; } shared[NR_SHARED];
static unsigned int shared_head, shared_tail;
static bool scribble;

static void delivered_in(u8 *buf, size_t len)
{
	if (shared_tail - shared_head == NR_SHARED)
		shared_head++;		/* out of step after a lie: forget the oldest */
	shared[shared_tail % NR_SHARED].buf = buf;
	shared[shared_tail++ % NR_SHARED].len = len;
}

static void watch_rx(struct netdev *d, const void *frame, size_t len)
{
	check(++depth == 1);
	check(++pass_frames <= IRQ_BUDGET);
	/* The backend writes the frame's buffer now: the stack must not notice. */
	if (shared_head != shared_tail) {
		if (scribble)
			memset(shared[shared_head % NR_SHARED].buf, 0xee,
			       shared[shared_head % NR_SHARED].len);
		shared_head++;
	}
	stack_rx(d, frame, len);
	depth--;
}

static void attach_stack(struct netdev *d)
{
	dev = d;
	check(!net_configure(d, OUR_IP, OUR_MASK, 0));
	stack_rx = d->rx;
	d->rx = watch_rx;
}

static void run_deferred(unsigned int times)
{
	while (times-- && fake_nr_deferred()) {
		pass_frames = 0;
		fake_run_deferred();
	}
}

static void poll_device(void)
{
	pass_frames = 0;
	netdev_poll(dev);
}

/* ---- netfront ---- */

#define NF_RX_SIZE	__CONST_RING_SIZE(netif_rx, PAGE_SIZE)
#define NF_TX_SIZE	__CONST_RING_SIZE(netif_tx, PAGE_SIZE)

static struct netif_tx_sring *txs;
static struct netif_rx_sring *rxs;
static RING_IDX be_rx_cons, be_tx_cons;

/* The backend copies a frame into the next posted buffer, if there is one. */
static void nf_rx(const u8 *f, size_t len)
{
	struct netif_rx_request *rq;
	struct netif_rx_response *r;
	u8 *page;

	if (be_rx_cons == rxs->req_prod)
		return;
	rq = &rxs->ring[be_rx_cons++ % NF_RX_SIZE].req;
	r = &rxs->ring[rxs->rsp_prod % NF_RX_SIZE].rsp;
	page = fake_grant_page(rq->gref);
	if (!page) {
		/* Only a lie of ours can have put a bad grant where a request was. */
		check(hostile);
		return;
	}
	memcpy(page, f, len);
	delivered_in(page, PAGE_SIZE);
	*r = (struct netif_rx_response){ .id = rq->id, .status = len };
	rxs->rsp_prod++;
}

static void nf_request(bool udp)
{
	u8 f[TEST_FRAME_MAX];

	if (be_rx_cons != rxs->req_prod)
		nf_rx(f, peer_request(f, udp));
}

/* The backend takes up to n frames off the transmit ring and completes them. */
static void nf_tx(unsigned int n)
{
	while (n-- && be_tx_cons != txs->req_prod) {
		struct netif_tx_request *rq = &txs->ring[be_tx_cons++ % NF_TX_SIZE].req;
		const u8 *page = fake_grant_page(rq->gref);

		if (!hostile) {
			check(page && rq->offset + rq->size <= PAGE_SIZE);
			peer_sees(page + rq->offset, rq->size);
		}
		txs->ring[txs->rsp_prod % NF_TX_SIZE].rsp =
			(struct netif_tx_response){ .id = rq->id, .status = NETIF_RSP_OKAY };
		txs->rsp_prod++;
	}
}

/* A backend as fast as the frontend: everything posted is answered at once. */
static void nf_endless_kick(void)
{
	nf_tx(~0U);
	while (endless_left && be_rx_cons != rxs->req_prod) {
		endless_left--;
		nf_request(endless_left & 1);
	}
	rxs->req_event = rxs->req_prod + 1;
	txs->req_event = txs->req_prod + 1;
}

static void nf_interrupt(void)
{
	pass_frames = 0;
	fake_raise_event();
}

/* Bytes from the input over the next response slot of a ring. */
static void nf_scribble(bool rx, const u8 **in, size_t *len)
{
	u8 *slot = rx ? (u8 *)&rxs->ring[rxs->rsp_prod % NF_RX_SIZE] :
			(u8 *)&txs->ring[txs->rsp_prod % NF_TX_SIZE];
	size_t n = rx ? sizeof(rxs->ring[0]) : sizeof(txs->ring[0]);

	for (size_t i = 0; i < n && *len; i++, (*in)++, (*len)--)
		slot[i] = **in;
	if (rx)
		rxs->rsp_prod++;
	else
		txs->rsp_prod++;
	hostile = true;
}

static void nf_step(u8 op, const u8 **in, size_t *len)
{
	unsigned int arg = op >> 4;

	switch (op & 15) {
	case 0:
	case 1:
		nf_request(op & 1);
		break;
	case 2:
		nf_interrupt();
		break;
	case 3:
		nf_tx(arg);
		break;
	case 4:
		run_deferred(arg);
		break;
	case 5:		/* a burst from a backend that never waits */
		endless_left = 64 + arg * 16;
		fake_backend_kick = nf_endless_kick;
		nf_endless_kick();
		nf_interrupt();
		run_deferred(arg + 2);
		fake_backend_kick = NULL;
		break;
	case 6:
		scribble = !scribble;
		break;
	case 7:
		nf_scribble(arg & 1, in, len);
		break;
	case 8:		/* a producer index moves by anything */
		if (*len) {
			*(arg & 1 ? &rxs->rsp_prod : &txs->rsp_prod) += (s8)**in;
			(*in)++;
			(*len)--;
			hostile = true;
		}
		break;
	default:
		poll_device();
		break;
	}
}

static void nf_run(const u8 *in, size_t len)
{
	struct xenbus_device *xdev;
	u8 f[64];

	fake_xen_reset();
	fake_xs_set("device/vif/0/mac", "52:54:00:12:34:56");
	xdev = fake_probe("vif", "0");
	check(xdev);
	txs = fake_grant_page(atoi(fake_xs_get("device/vif/0/tx-ring-ref")));
	rxs = fake_grant_page(atoi(fake_xs_get("device/vif/0/rx-ring-ref")));
	be_rx_cons = be_tx_cons = 0;
	attach_stack(xdev->priv);
	/* The peer asks who we are first: we learn its MAC, it gets ours. */
	nf_rx(f, build_arp(f, 1, peer_mac, PEER_IP, bcast_mac, OUR_IP));
	nf_interrupt();
	while (len) {
		len--;
		nf_step(*in++, &in, &len);
	}
	for (unsigned int i = 0; i < 8 && !dev->broken; i++) {
		nf_tx(~0U);
		nf_interrupt();
		run_deferred(4);
	}
	check(!dev->stats.rx_nested);
	/* A device shut off has nothing left to do; a working one neither. */
	if (!dev->broken)
		check(!fake_nr_deferred());
	/* Only a lie may shut the device off (issue 11: nothing else may). */
	if (!hostile) {
		check(!dev->broken);
		check(asked == answered + drops_of(NET_DROP_TX_DEVICE));
	}
	fake_remove(xdev);
}

/* ---- virtio-net ---- */

static struct fake_dev vrx, vtx;	/* vrx is the device; vtx: the transmit queue's side */
static unsigned int vhdr;		/* the header before each frame */

/* The device fills the receive buffer it took last, if it holds one. */
static void vn_rx(const u8 *f, size_t len)
{
	u8 *buf;

	if (!vrx.nr_pending)
		fake_take(&vrx);
	if (!vrx.nr_pending)
		return;
	buf = phys_to_virt(vrx.vq->desc[vrx.pending[vrx.nr_pending - 1].id].addr);
	memset(buf, 0, vhdr);
	if (vhdr == sizeof(struct virtio_net_hdr_v1))
		((struct virtio_net_hdr_v1 *)buf)->num_buffers = 1;
	memcpy(buf + vhdr, f, len);
	delivered_in(buf, vhdr + len);
	fake_complete(&vrx, vrx.nr_pending - 1, vhdr + len);
}

static void vn_request(bool udp)
{
	u8 f[TEST_FRAME_MAX];

	if (!vrx.nr_pending)
		fake_take(&vrx);
	if (vrx.nr_pending)
		vn_rx(f, peer_request(f, udp));
}

/*
 * The device sends up to n frames: a header descriptor, then the frame;
 * it interrupts unless it works from inside the driver's notification.
 */
static void vn_tx(unsigned int n, bool interrupt)
{
	struct virtqueue *vq = vtx.vq;

	fake_take(&vtx);
	while (n-- && vtx.nr_pending) {
		u16 head = vtx.pending[vtx.nr_pending - 1].id;
		struct vring_desc *d = &vq->desc[vq->desc[head].next % vq->num];

		check(vq->desc[head].len == vhdr && (vq->desc[head].flags & VRING_DESC_F_NEXT));
		peer_sees(phys_to_virt(d->addr), d->len);
		fake_complete(&vtx, vtx.nr_pending - 1, 0);
	}
	if (interrupt)
		virtqueue_interrupt(vq);
}

static void vn_interrupt(void)
{
	pass_frames = 0;
	virtqueue_interrupt(vrx.vq);
}

static void vn_endless_notify(struct fake_dev *f, struct virtqueue *vq)
{
	if (vq == vtx.vq) {
		vn_tx(~0U, false);
		return;
	}
	fake_take(&vrx);
	while (endless_left && vrx.nr_pending) {
		endless_left--;
		vn_request(endless_left & 1);
	}
}

static void vn_step(u8 op)
{
	unsigned int arg = op >> 4;

	switch (op & 7) {
	case 0:
	case 1:
		vn_request(op & 1);
		break;
	case 2:
		vn_interrupt();
		break;
	case 3:
		vn_tx(arg, true);
		break;
	case 4:
		run_deferred(arg);
		break;
	case 5:
		endless_left = 64 + arg * 16;
		vrx.on_notify = vn_endless_notify;
		vn_endless_notify(&vrx, vrx.vq);
		vn_interrupt();
		run_deferred(arg + 2);
		vrx.on_notify = NULL;
		break;
	case 6:
		scribble = !scribble;
		break;
	default:
		poll_device();
		break;
	}
}

static struct netdev *vn_netdev(void)
{
	for (struct netdev *d = netdev_first(); d; d = d->next)
		if (d->driver_data == vrx.vdev.priv)
			return d;
	return NULL;
}

static void vn_setup(void)
{
	fake_init_device(&vrx, VIRTIO_ID_NET, 1ULL << VIRTIO_F_VERSION_1 |
			 1ULL << VIRTIO_NET_F_MRG_RXBUF);
	check(!virtio_register_device(&vrx.vdev));
	vrx.vq = vrx.vqs[0];
	vtx.vq = vrx.vqs[1];
	vhdr = virtio_has_feature(&vrx.vdev, VIRTIO_NET_F_MRG_RXBUF) ||
	       virtio_has_feature(&vrx.vdev, VIRTIO_F_VERSION_1) ?
	       sizeof(struct virtio_net_hdr_v1) : sizeof(struct virtio_net_hdr);
	dev = vn_netdev();
	check(dev);
	/* No MAC feature offered: the driver made one up; the peer's frames go to ours. */
	memcpy(dev->mac, our_mac, ETH_ALEN);
}

static void vn_run(const u8 *in, size_t len)
{
	static bool ready;
	u8 f[64];

	if (!ready)
		vn_setup();
	ready = true;
	attach_stack(vn_netdev());
	vn_rx(f, build_arp(f, 1, peer_mac, PEER_IP, bcast_mac, OUR_IP));
	vn_interrupt();
	while (len--)
		vn_step(*in++);
	for (unsigned int i = 0; i < 8; i++) {
		vn_tx(~0U, true);
		vn_interrupt();
		run_deferred(4);
	}
	check(!fake_nr_deferred());
	check(!dev->stats.rx_nested);
	check(!vrx.vdev.broken);
	check(asked == answered + drops_of(NET_DROP_TX_DEVICE));
	net_unconfigure(dev);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	if (!size)
		return 0;
	memset(seq_state, 0, sizeof(seq_state));
	next_seq = 0;
	asked = answered = 0;
	hostile = scribble = false;
	shared_head = shared_tail = 0;
	net_set_clock(NULL);
	udp_unbind(7);
	check(!udp_bind(7, echo_rx, NULL));
	net_reset_stats();
	if (data[0] & 1)
		vn_run(data + 1, size - 1);
	else
		nf_run(data + 1, size - 1);
	return 0;
}
