// SPDX-License-Identifier: GPL-2.0
/*
 * blkfront with two queues and two CPUs (host_cpu: each thread its own)
 * where CPU 0 tears the device down, reconnects it or resubmits what a
 * resume kept, while CPU 1 uses it; over fake_xen.c.  Three faults of
 * the review of the SMP Xen code (docs/xen-frontends.md):
 *
 * - blkfront_remove() freed the device while CPU 1 might still be in a
 *   queue's interrupt handler: the port's close now waits for it
 *   (drivers/xen/events.c, evtchn_sync_test.c), and when that wait runs
 *   out the device's memory is kept, not freed under the handler.
 * - A stop by CPU 1 (its block layer giving up on a request, a queue's
 *   backend lying) while CPU 0 reconnected was undone when the queues
 *   started: the device took requests again.
 * - A request resubmitted after a resume recorded CPU 0, which resubmits,
 *   as its submitter: its real submitter, halted waiting for it, was
 *   never woken when it completed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/lsan_interface.h>
#include <pvkit/blkdev.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <xen/interface/io/blkif.h>
#include "fake_xen.h"

#define BE		"/local/domain/0/backend/vbd/1/848"
#define FE		"device/vbd/848"
#define NR_ENTS		__CONST_RING_SIZE(blkif, 4096)
#define ROUNDS		200

extern char host_log[8192];
/* Wake-ups sent to each CPU (virtio_blk_test.c's smp_send_ipi_mask()). */
extern unsigned long host_ipis_to[BLK_STAT_CPUS];

static u8 bufs[4][4096] __attribute__((aligned(4096)));
static struct blk_request reqs[4];
static unsigned int done_count;
static struct blkdev *blk;

static void count_done(struct blk_request *req)
{
	__atomic_fetch_add(&done_count, 1, __ATOMIC_SEQ_CST);
}

/* A read of 8 sectors as CPU cpu (on its queue); blkdev_submit()'s result. */
static int read_on(unsigned int i, unsigned int cpu)
{
	unsigned int was = host_cpu;
	int err;

	reqs[i] = (struct blk_request){ .op = BLK_READ, .sector = 8 * i, .nr_sectors = 8,
					.buf = bufs[i], .done = count_done };
	host_cpu = cpu;
	err = blkdev_submit(blk, &reqs[i]);
	host_cpu = was;
	return err;
}

/* blkfront over a backend of two queues, on two CPUs. */
static struct xenbus_device *probe_two_queues(void)
{
	struct xenbus_device *dev;

	fake_xen_reset();
	host_log[0] = '\0';
	done_count = 0;
	fake_xs_set(BE "/sectors", "4096");
	fake_xs_set(BE "/multi-queue-max-queues", "2");
	nr_cpus_online = 2;
	dev = fake_probe("vbd", "848");
	blk = dev ? dev->priv : NULL;
	return dev;
}

static int queue_port(unsigned int n)
{
	char path[64];
	const char *v;

	snprintf(path, sizeof(path), FE "/queue-%u/event-channel", n);
	v = fake_xs_get(path);
	return v ? atoi(v) : -1;
}

static struct blkif_sring *queue_ring(unsigned int n)
{
	char path[64];
	const char *v;

	snprintf(path, sizeof(path), FE "/queue-%u/ring-ref", n);
	v = fake_xs_get(path);
	return v ? fake_grant_page(atoi(v)) : NULL;
}

/*
 * CPU 1 is in queue 1's handler (its vCPU descheduled there) when CPU 0
 * removes the device, past the close's deadline: the device is kept, and
 * the handler goes on over memory still the device's (AddressSanitizer
 * reports a use after free otherwise).  The kept device is a leak by
 * design.
 */
static void removal_keeps_the_device_while_a_handler_may_run(struct ktest *t)
{
	struct xenbus_device *dev = probe_two_queues();
	int port1;

	KT_ASSERT_NOT_NULL(t, dev);
	KT_ASSERT_EQ(t, blk->nr_queues, 2);
	KT_ASSERT_EQ(t, read_on(0, 1), 0);
	port1 = queue_port(1);
	KT_ASSERT_GE(t, port1, 0);
	__lsan_ignore_object(dev->priv);
	fake_close_err = -ETIMEDOUT;
	fake_remove(dev);
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, reqs[0].status, BLK_EBROKEN);
	KT_EXPECT_NOT_NULL(t, strstr(host_log, "the device's memory is kept"));
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	/* CPU 1's handler goes on: it finds the queue down, completes nothing. */
	host_cpu = 1;
	fake_raise_port(port1);
	host_cpu = 0;
	KT_EXPECT_EQ(t, done_count, 1);
	fake_close_err = 0;
	nr_cpus_online = 1;
}

/* With a close that waited, the port's handler is not run again after the removal. */
static void removal_closes_every_queue_port(struct ktest *t)
{
	struct xenbus_device *dev = probe_two_queues();

	KT_ASSERT_NOT_NULL(t, dev);
	KT_EXPECT_EQ(t, fake_ports_open(), 2);
	KT_ASSERT_EQ(t, read_on(0, 1), 0);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_ports_open(), 0);
	fake_raise_event();
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	nr_cpus_online = 1;
}

/* CPU 1's block layer gives up on the device (a request past its deadline). */
static void cpu1_gives_up(void)
{
	unsigned int was = host_cpu;

	host_cpu = 1;
	blk->ops->shutdown(blk, "a request took longer than its deadline");
	host_cpu = was;
}

static unsigned int hook_stops;

/* While CPU 0 reads what the backend offers (the handshake): CPU 1 stops the device. */
static void stop_during_handshake(const char *path)
{
	if (strcmp(path, BE "/sectors"))
		return;
	fake_xs_read_hook = NULL;
	cpu1_gives_up();
	hook_stops++;
}

/* Two queues, a read in flight on each CPU's; NULL if that failed. */
static struct xenbus_device *probe_two_reads(void)
{
	struct xenbus_device *dev = probe_two_queues();

	if (dev && (read_on(0, 0) || read_on(1, 1))) {
		fake_remove(dev);
		return NULL;
	}
	return dev;
}

/*
 * The device stays stopped: every CPU's request fails at once, nothing
 * is sent; removed, nothing is left granted, nothing completes again.
 */
static void expect_stopped_then_remove(struct ktest *t, struct xenbus_device *dev)
{
	unsigned int done = done_count;

	KT_EXPECT_EQ(t, read_on(2, 0), BLK_EBROKEN);
	KT_EXPECT_EQ(t, read_on(3, 1), BLK_EBROKEN);
	KT_EXPECT_EQ(t, done_count, done);
	for (unsigned int n = 0; n < 2; n++) {
		struct blkif_sring *r = queue_ring(n);

		if (r)
			KT_EXPECT_EQ(t, r->req_prod, 0);
	}
	KT_EXPECT_NOT_NULL(t, strstr(host_log, "it stays stopped"));
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	KT_EXPECT_EQ(t, done_count, done);
	nr_cpus_online = 1;
}

/* The backend left and came back; CPU 1 stopped the device during the handshake. */
static void a_stop_during_a_reconnection_sticks(struct ktest *t)
{
	struct xenbus_device *dev = probe_two_reads();

	KT_ASSERT_NOT_NULL(t, dev);
	xenbus_follow_otherend(dev, XenbusStateClosing, "xvda", dev->driver->follow);
	KT_EXPECT_EQ(t, done_count, 2);
	hook_stops = 0;
	fake_xs_read_hook = stop_during_handshake;
	xenbus_follow_otherend(dev, XenbusStateInitWait, "xvda", dev->driver->follow);
	KT_EXPECT_EQ(t, hook_stops, 1);
	KT_EXPECT_FALSE(t, dev->otherend_gone);
	expect_stopped_then_remove(t, dev);
}

/*
 * Restored in a new domain with two requests kept; CPU 1 stops the
 * device during the new handshake: both fail there, once each, and the
 * device stays stopped (none is resubmitted).
 */
static void a_stop_during_a_resume_sticks(struct ktest *t)
{
	struct xenbus_device *dev = probe_two_reads();
	const struct xenbus_follow_ops *ops;

	KT_ASSERT_NOT_NULL(t, dev);
	ops = dev->driver->follow;
	ops->quiesce(dev);
	ops->lost(dev);
	ops->release(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	hook_stops = 0;
	fake_xs_read_hook = stop_during_handshake;
	KT_EXPECT_EQ(t, xenbus_follow_reconnect(dev, "xvda", ops), 0);
	KT_EXPECT_EQ(t, hook_stops, 1);
	KT_EXPECT_EQ(t, done_count, 2);
	KT_EXPECT_EQ(t, reqs[0].status, BLK_EBROKEN);
	KT_EXPECT_EQ(t, reqs[1].status, BLK_EBROKEN);
	expect_stopped_then_remove(t, dev);
}

/*
 * The same race with a host thread as CPU 1, stopping the device at a
 * different point of CPU 0's reconnection each round (while its queues
 * are set up, started, or after): it must end stopped every time.  The
 * queues' slots are allocated and freed meanwhile: the stop must not
 * walk them.
 */
static int race_go;
static unsigned int race_spins;

static void *stopper(void *arg)
{
	while (!__atomic_load_n(&race_go, __ATOMIC_ACQUIRE))
		;
	for (volatile unsigned int i = 0; i < race_spins; i++)
		;
	cpu1_gives_up();
	return NULL;
}

static void a_stop_racing_a_reconnection_sticks(struct ktest *t)
{
	unsigned int revived = 0, broken_rounds = 0;

	for (unsigned int round = 0; round < ROUNDS; round++) {
		struct xenbus_device *dev = probe_two_queues();
		const struct xenbus_follow_ops *ops;
		pthread_t th;

		KT_ASSERT_NOT_NULL(t, dev);
		ops = dev->driver->follow;
		xenbus_follow_otherend(dev, XenbusStateClosing, "xvda", ops);
		race_spins = (round % 40) * 500;
		__atomic_store_n(&race_go, 0, __ATOMIC_RELEASE);
		KT_ASSERT_EQ(t, pthread_create(&th, NULL, stopper, NULL), 0);
		__atomic_store_n(&race_go, 1, __ATOMIC_RELEASE);
		xenbus_follow_otherend(dev, XenbusStateInitWait, "xvda", ops);
		pthread_join(th, NULL);
		revived += read_on(round % 4, 0) != BLK_EBROKEN;
		fake_remove(dev);
		broken_rounds += fake_grants_in_use() != 0;
	}
	nr_cpus_online = 1;
	KT_EXPECT_EQ(t, revived, 0);
	KT_EXPECT_EQ(t, broken_rounds, 0);
}

/*
 * CPU 1's read is in flight at the suspend; CPU 0 resubmits it to the
 * new backend, on its own queue, whose events it takes.  When the read
 * completes there, CPU 1 (halted, waiting for it) is woken.
 */
static void a_resubmitted_request_wakes_its_submitter(struct ktest *t)
{
	struct xenbus_device *dev = probe_two_queues();
	const struct xenbus_follow_ops *ops;
	struct blkif_sring *r;

	KT_ASSERT_NOT_NULL(t, dev);
	ops = dev->driver->follow;
	KT_ASSERT_EQ(t, read_on(0, 1), 0);
	ops->quiesce(dev);
	ops->lost(dev);
	ops->release(dev);
	KT_ASSERT_EQ(t, xenbus_follow_reconnect(dev, "xvda", ops), 0);
	r = queue_ring(0);
	KT_ASSERT_NOT_NULL(t, r);
	KT_ASSERT_EQ(t, r->req_prod, 1);
	r->ring[0].rsp = (struct blkif_response){
		.id = r->ring[0].req.id, .operation = r->ring[0].req.operation };
	r->rsp_prod = 1;
	memset(host_ipis_to, 0, sizeof(host_ipis_to));
	fake_raise_port(queue_port(0));
	KT_EXPECT_EQ(t, done_count, 1);
	KT_EXPECT_EQ(t, reqs[0].status, BLK_OK);
	KT_EXPECT_EQ(t, host_ipis_to[1], 1);
	KT_EXPECT_EQ(t, host_ipis_to[0], 0);
	KT_EXPECT_EQ(t, blk->queue_stats[0].wakeups, 1);
	fake_remove(dev);
	KT_EXPECT_EQ(t, fake_grants_in_use(), 0);
	nr_cpus_online = 1;
}

static struct ktest_case blkfront_sync_cases[] = {
	KTEST_CASE(removal_keeps_the_device_while_a_handler_may_run),
	KTEST_CASE(removal_closes_every_queue_port),
	KTEST_CASE(a_stop_during_a_reconnection_sticks),
	KTEST_CASE(a_stop_during_a_resume_sticks),
	KTEST_CASE(a_stop_racing_a_reconnection_sticks),
	KTEST_CASE(a_resubmitted_request_wakes_its_submitter),
	{}
};
KTEST_SUITE(host_blkfront_sync, blkfront_sync_cases);
