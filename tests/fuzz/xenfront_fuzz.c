// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for blkfront (two queues) and netfront: the input is a script of
 * frontend actions (submit, transmit) and backend actions that write
 * anything into the response rings, move the producer indices and keep
 * grants mapped, and the backend's state changes (it closes, it comes
 * back).  Every block request must complete exactly once (or be refused
 * at submit), all of them at once when the backend closes; no grant may
 * ever name a caller's buffer; and removal must leave nothing behind;
 * ASan and UBSan watch the rest.  The fake Xen is tests/unit/fake_xen.c.
 *
 * Built by tests/fuzz/Makefile (make fuzz); run:
 *   build/fuzz/xenfront_fuzz -max_total_time=60
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/blkdev.h>
#include <pvkit/netdev.h>
#include <pvkit/smp.h>
#include <asm/page.h>
#include <xen/interface/io/blkif.h>
#include <xen/interface/io/netif.h>
#include "../unit/fake_xen.h"

#define NREQ	32
#include "blk_once.h"

static u8 mem[NREQ][33 * 4096] __attribute__((aligned(4096)));

int console_printf(const char *fmt, ...)
{
	return 0;
}

static void on_rx(struct netdev *dev, const void *frame, size_t len)
{
	volatile u8 sink = ((const u8 *)frame)[len - 1];

	(void)sink;
}

static void *ring_of(const char *node)
{
	const char *ref = fake_xs_get(node);

	return ref ? fake_grant_page(atoi(ref)) : NULL;
}

/* The next response slot gets bytes from the input; the producer moves on. */
static void scribble(void *ring_base, size_t entry, unsigned int nr, RING_IDX *prod,
		     const u8 **in, size_t *len)
{
	u8 *slot = (u8 *)ring_base + (*prod % nr) * entry;

	for (size_t i = 0; i < entry && *len; i++, (*in)++, (*len)--)
		slot[i] = **in;
	(*prod)++;
}

/* blkfront grants pages of its own only, never a caller's buffer. */
static void check_no_buffer_granted(void)
{
	u64 lo = virt_to_phys(mem) >> PAGE_SHIFT, hi = lo + sizeof(mem) / PAGE_SIZE;

	for (unsigned int g = 0; g < FAKE_NR_GRANTS; g++)
		if (fake_grants[g].in_use && fake_grants[g].gfn >= lo && fake_grants[g].gfn < hi)
			__builtin_trap();
}

/*
 * The backend closes (every request in flight must have ended when the
 * callback returns) or comes back; the rings are blkfront's new ones.
 */
static void backend_state(struct xenbus_device *bdev, enum xenbus_state state,
			  struct blkif_sring *bs[2])
{
	bdev->driver->otherend_changed(bdev, state);
	if (state != XenbusStateInitWait) {
		for (unsigned int i = 0; i < NREQ; i++)
			if (queued[i])
				__builtin_trap();	/* left in flight by a backend gone */
	}
	bs[0] = ring_of("device/vbd/768/queue-0/ring-ref0");
	bs[1] = ring_of("device/vbd/768/queue-1/ring-ref0");
}

static void submit(struct blkdev *blk, unsigned int i, bool write)
{
	if (i >= NREQ || queued[i])
		return;
	reqs[i] = (struct blk_request){
		.op = write ? BLK_WRITE : BLK_READ, .sector = i,
		.nr_sectors = 1 + (i * 37) % 250, .buf = mem[i] + (i % 3) * 509, .done = on_done,
	};
	queued[i] = true;
	done[i] = 0;
	host_cpu = i & 1;
	if (blk->ops->submit(blk, &reqs[i]))
		queued[i] = false;
	check_no_buffer_granted();
	blk->ops->kick(blk);
	host_cpu = 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct xenbus_device *bdev, *ndev;
	struct blkdev *blk;
	struct netdev *net;
	struct blkif_sring *bs[2];
	struct netif_rx_sring *rxs;
	struct netif_tx_sring *txs;
	u8 frame[128] = { 0 };
	bool held_any = false;

	fake_xen_reset();
	/* Two CPUs, a queue each: requests go to the queue of the CPU that submits. */
	nr_cpus_online = 2;
	host_cpu = 0;
	fake_xs_set("/local/domain/0/backend/vbd/1/768/sectors", "4096");
	fake_xs_set("/local/domain/0/backend/vbd/1/768/max-ring-page-order", "1");
	fake_xs_set("/local/domain/0/backend/vbd/1/768/feature-max-indirect-segments", "64");
	fake_xs_set("/local/domain/0/backend/vbd/1/768/multi-queue-max-queues", "2");
	fake_xs_set("device/vif/0/mac", "00:16:3e:00:00:01");
	bdev = fake_probe("vbd", "768");
	ndev = fake_probe("vif", "0");
	if (!bdev || !ndev)
		abort();
	blk = bdev->priv;
	net = ndev->priv;
	net->rx = on_rx;
	bs[0] = ring_of("device/vbd/768/queue-0/ring-ref0");
	bs[1] = ring_of("device/vbd/768/queue-1/ring-ref0");
	rxs = ring_of("device/vif/0/rx-ring-ref");
	txs = ring_of("device/vif/0/tx-ring-ref");
	memset(queued, 0, sizeof(queued));

	while (size) {
		u8 op = *data++;
		unsigned int i = op >> 3;

		size--;
		switch (op & 7) {
		case 0:
			submit(blk, i, false);
			break;
		case 1:
			submit(blk, i ^ 1, true);
			break;
		case 2:		/* a block response of any bytes, on either queue */
			if (!bs[i & 1])
				break;		/* the backend is gone */
			scribble(bs[i & 1]->ring, sizeof(bs[0]->ring[0]),
				 __CONST_RING_SIZE(blkif, 2 * PAGE_SIZE),
				 &bs[i & 1]->rsp_prod, &data, &size);
			break;
		case 3:		/* a receive or transmit response of any bytes */
			if (i & 1)
				scribble(rxs->ring, sizeof(rxs->ring[0]),
					 __CONST_RING_SIZE(netif_rx, PAGE_SIZE), &rxs->rsp_prod,
					 &data, &size);
			else
				scribble(txs->ring, sizeof(txs->ring[0]),
					 __CONST_RING_SIZE(netif_tx, PAGE_SIZE), &txs->rsp_prod,
					 &data, &size);
			break;
		case 4:		/* move a producer index */
			if (size) {
				RING_IDX *p[4] = { bs[0] ? &bs[0]->rsp_prod : NULL,
						   bs[1] ? &bs[1]->rsp_prod : NULL,
						   &rxs->rsp_prod, &txs->rsp_prod };

				if (p[i % 4])
					*p[i % 4] += (s8)*data++;
				else
					data++;
				size--;
			}
			break;
		case 5:		/* keep a grant mapped, or let it go */
			held_any = true;
			fake_grants[(op * 7u) % FAKE_NR_GRANTS].mapped ^= true;
			break;
		case 6:
			net->ops->transmit(net, frame, 14 + i);
			break;
		default:
			if (i == 31) {
				backend_state(bdev, XenbusStateClosing, bs);
				break;
			}
			if (i == 30) {
				backend_state(bdev, XenbusStateInitWait, bs);
				break;
			}
			fake_raise_event();	/* every port: blkfront's and netfront's */
			blk->ops->poll(blk);
		}
	}
	/* The backend lets go; removal fails what is left and frees it all. */
	for (unsigned int i = 0; i < FAKE_NR_GRANTS; i++)
		fake_grants[i].mapped = false;
	fake_remove(bdev);
	fake_remove(ndev);
	for (unsigned int i = 0; i < NREQ; i++)
		if (queued[i])
			__builtin_trap();	/* a request that never ended */
	/* Grants the backend held when they were ended stay granted. */
	if (!held_any && fake_grants_in_use())
		__builtin_trap();	/* a grant left behind */
	return 0;
}
