// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk and the blk app over the fake transport, with a small disk
 * in memory behind it: who counts what (the block layer requests, the
 * ring notifications), how deep the queues are, and that a fill is
 * reported durable only after a flush.
 */
#include <stddef.h>
#include <string.h>
#include <pvkit/app.h>
#include <pvkit/blkdev.h>
#include <pvkit/cmdline.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <pvkit/ktest.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include "fake_virtio.h"
#include "host_mm.h"

#define F(bit)		(1ULL << (bit))
#define DISK_SECTORS	2048

static u8 disk[DISK_SECTORS * SECTOR_SIZE];
static unsigned int writes_unflushed, flushes;
static unsigned long slept_ms;

/* The blk app's hold=: time does not pass in the host tests, it is only noted. */
void msleep(unsigned long ms)
{
	slept_ms += ms;
}

/* The next descriptor of a split chain (the driver's, read as a device would). */
static struct vring_desc *chain_desc(struct virtqueue *vq, u16 i)
{
	return &vq->desc[i % vq->num];
}

/* Serves one request of a chain the fake took: header, data, status. */
static void serve_request(struct virtqueue *vq, u16 head)
{
	struct vring_desc *d = chain_desc(vq, head);
	struct virtio_blk_outhdr *hdr = phys_to_virt(d->addr);
	u64 at = hdr->sector * SECTOR_SIZE;
	u8 *status;

	d = chain_desc(vq, d->next);
	if (hdr->type == VIRTIO_BLK_T_IN || hdr->type == VIRTIO_BLK_T_OUT) {
		void *data = phys_to_virt(d->addr);

		if (hdr->type == VIRTIO_BLK_T_IN)
			memcpy(data, disk + at, d->len);
		else
			memcpy(disk + at, data, d->len);
		writes_unflushed += hdr->type == VIRTIO_BLK_T_OUT;
		d = chain_desc(vq, d->next);
	} else if (hdr->type == VIRTIO_BLK_T_FLUSH) {
		writes_unflushed = 0;
		flushes++;
	}
	status = phys_to_virt(d->addr);
	*status = VIRTIO_BLK_S_OK;
}

/* A device that serves every request the moment it is notified. */
static void serve_all(struct fake_dev *f, struct virtqueue *vq)
{
	fake_take(f);
	while (f->nr_pending) {
		serve_request(vq, f->pending[f->nr_pending - 1].id);
		fake_complete(f, f->nr_pending - 1, -1);
	}
}

static struct blkdev *last_blkdev(void)
{
	struct blkdev *d = blkdev_first();

	while (d && d->next)
		d = d->next;
	return d;
}

/* Registers a virtio-blk device over f; its block device, or NULL. */
static struct blkdev *vblk_probe_fake(struct ktest *t, struct fake_dev *f,
				      u64 features, u16 queues)
{
	u64 capacity = DISK_SECTORS;
	unsigned int queue_max[ARRAY_SIZE(f->queue_max)];

	memcpy(queue_max, f->queue_max, sizeof(queue_max));
	fake_init_device(f, VIRTIO_ID_BLOCK, F(VIRTIO_F_VERSION_1) | features);
	memcpy(f->queue_max, queue_max, sizeof(queue_max));
	f->vdev.polling = true;
	memcpy(f->config + offsetof(struct virtio_blk_config, capacity), &capacity, 8);
	memcpy(f->config + offsetof(struct virtio_blk_config, num_queues), &queues, 2);
	KT_EXPECT_EQ(t, virtio_register_device(&f->vdev), 0);
	if (!f->vdev.driver)
		return NULL;
	return last_blkdev();
}

static void read_done(struct blk_request *req)
{
}

static int queue_read(struct blkdev *d, struct blk_request *req, void *buf)
{
	*req = (struct blk_request){ .op = BLK_READ, .sector = 8, .nr_sectors = 1,
				     .buf = buf, .done = read_done };
	return blkdev_queue(d, req);
}

static struct fake_dev count_dev;

/* N requests: N counted by the block layer; notifications as the ring says. */
static void requests_and_notifications_have_one_owner(struct ktest *t)
{
	static u8 buf[5][SECTOR_SIZE];
	struct blk_request req[5];
	struct blkdev *d = vblk_probe_fake(t, &count_dev, 0, 1);

	KT_ASSERT_NOT_NULL(t, d);
	count_dev.on_notify = serve_all;
	/* five queued, one kick: five requests, one notification */
	for (int i = 0; i < 5; i++)
		KT_ASSERT_EQ(t, queue_read(d, &req[i], buf[i]), 0);
	blkdev_kick(d);
	KT_EXPECT_EQ(t, d->stats.requests, 5);
	KT_EXPECT_EQ(t, d->stats.notifications, 1);
	/* five more, each kicked */
	for (int i = 0; i < 5; i++) {
		KT_ASSERT_EQ(t, queue_read(d, &req[i], buf[i]), 0);
		blkdev_kick(d);
	}
	blkdev_poll(d);
	KT_EXPECT_EQ(t, d->stats.requests, 10);
	KT_EXPECT_EQ(t, d->stats.notifications, 6);
	KT_EXPECT_EQ(t, count_dev.vq->stats.notifications, 6);
	KT_EXPECT_EQ(t, count_dev.notified, 6);
	KT_EXPECT_EQ(t, count_dev.vq->stats.completed, 10);
	/* a request the block layer refuses is not counted */
	req[0] = (struct blk_request){ .op = BLK_READ, .sector = DISK_SECTORS,
				       .nr_sectors = 1, .buf = buf[0] };
	KT_EXPECT_EQ(t, blkdev_queue(d, &req[0]), BLK_EINVAL);
	KT_EXPECT_EQ(t, d->stats.requests, 10);
}

static struct fake_dev event_dev;

/* With event indices the device asks for fewer notifications: the driver counts what the ring did. */
static void suppressed_kicks_are_not_counted(struct ktest *t)
{
	static u8 buf[SECTOR_SIZE];
	struct blk_request req;
	struct blkdev *d = vblk_probe_fake(t, &event_dev, F(VIRTIO_RING_F_EVENT_IDX), 1);

	KT_ASSERT_NOT_NULL(t, d);
	fake_set_avail_event(&event_dev, 0);	/* only after the first request */
	for (int i = 0; i < 4; i++) {
		KT_ASSERT_EQ(t, queue_read(d, &req, buf), 0);
		blkdev_kick(d);
		fake_take(&event_dev);
		serve_request(event_dev.vq, event_dev.pending[0].id);
		fake_complete(&event_dev, 0, -1);
		blkdev_poll(d);
	}
	KT_EXPECT_EQ(t, d->stats.requests, 4);
	KT_EXPECT_EQ(t, d->stats.notifications, 1);
	KT_EXPECT_EQ(t, event_dev.vq->stats.notifications, 1);
	KT_EXPECT_EQ(t, event_dev.vq->stats.suppressed, 3);
	KT_EXPECT_EQ(t, event_dev.notified, 1);
}

static struct fake_dev mq_dev;

/*
 * Queue 1 is smaller than queue 0: the depth the driver announces must
 * fit it, or round robin stalls on the full small queue.
 */
static void smaller_later_queue_bounds_the_depth(struct ktest *t)
{
	static u8 buf[SECTOR_SIZE];
	static struct blk_request req[256];
	struct blkdev *d;
	unsigned int i;

	mq_dev.queue_max[0] = 256;
	mq_dev.queue_max[1] = 8;		/* 2 requests of 3 descriptors */
	d = vblk_probe_fake(t, &mq_dev, F(VIRTIO_BLK_F_MQ), 2);
	KT_ASSERT_NOT_NULL(t, d);
	KT_EXPECT_EQ(t, d->queue_depth, 4);
	KT_ASSERT_LE(t, d->queue_depth, ARRAY_SIZE(req));
	for (i = 0; i < d->queue_depth; i++)
		KT_ASSERT_EQ(t, queue_read(d, &req[i], buf), 0);
	blkdev_kick(d);
	KT_EXPECT_EQ(t, d->stats.requests, d->queue_depth);
}

/* The CPU the code under test runs on, and how many are up (asm/smp.h). */
__thread unsigned int host_cpu;
unsigned int nr_cpus_online = 1;
/*
 * Every CPU online: nr_cpus_online alone says how many are up, as before;
 * a case takes one offline (as smp_mark_offline() does) and back.
 */
struct percpu percpu_area[NR_CPUS] = { [0 ... NR_CPUS - 1] = { .online = true } };
static unsigned int ipis;
/* Per CPU, for the other suites (blkfront_sync_test.c). */
unsigned long host_ipis_to[BLK_STAT_CPUS];

/* The wake-up of a CPU whose request another completed. */
void smp_send_ipi_mask(const struct cpumask *mask)
{
	ipis += cpumask_weight(mask);
	for (unsigned int c = 0; c < BLK_STAT_CPUS; c++)
		host_ipis_to[c] += cpumask_test(mask, c);
}

static struct fake_dev percpu_dev, percpu4_dev;

/*
 * Three CPUs, a device with two queues: CPU 2 shares queue 0 with CPU 0,
 * each CPU's kick notifies only its own queue, and a poll reaps only the
 * poller's queue.  With four queues, three are used (one per CPU).
 */
static void each_cpu_submits_on_its_own_queue(struct ktest *t)
{
	static u8 buf[3][SECTOR_SIZE];
	struct blk_request req[3];
	struct blkdev *d;
	unsigned int cpu;

	nr_cpus_online = 3;
	d = vblk_probe_fake(t, &percpu_dev, F(VIRTIO_BLK_F_MQ), 2);
	KT_EXPECT_EQ(t, vblk_probe_fake(t, &percpu4_dev, F(VIRTIO_BLK_F_MQ), 4)->nr_queues, 3);
	nr_cpus_online = 1;
	KT_ASSERT_NOT_NULL(t, d);
	KT_EXPECT_EQ(t, d->nr_queues, 2);
	for (cpu = 0; cpu < 3; cpu++) {
		host_cpu = cpu;
		KT_ASSERT_EQ(t, queue_read(d, &req[cpu], buf[cpu]), 0);
		req[cpu].status = 1;
	}
	for (cpu = 0; cpu < 3; cpu++) {
		host_cpu = cpu;
		blkdev_kick(d);
	}
	KT_EXPECT_EQ(t, d->queue_stats[0].requests, 2);
	KT_EXPECT_EQ(t, d->queue_stats[1].requests, 1);
	KT_EXPECT_EQ(t, d->queue_stats[0].notifications, 1);
	KT_EXPECT_EQ(t, d->queue_stats[1].notifications, 1);
	KT_EXPECT_EQ(t, d->stats.notifications, 2);
	/* The fake is polled: no queue has an interrupt. */
	KT_EXPECT_EQ(t, d->queue_stats[1].cpu, -1);
	/* The fake works one ring (f->vq): each queue in turn, each served once. */
	for (unsigned int q = 0; q < 2; q++) {
		percpu_dev.vq = percpu_dev.vqs[q];
		percpu_dev.last_avail = 0;
		serve_all(&percpu_dev, percpu_dev.vq);
	}
	host_cpu = 1;
	KT_EXPECT_FALSE(t, blkdev_may_halt(d));
	blkdev_poll(d);
	KT_EXPECT_EQ(t, req[1].status, 0);
	KT_EXPECT_EQ(t, req[0].status, 1);	/* queue 0 is not CPU 1's to reap */
	host_cpu = 2;
	ipis = 0;
	blkdev_poll(d);
	KT_EXPECT_EQ(t, req[0].status, 0);
	KT_EXPECT_EQ(t, req[2].status, 0);
	/* CPU 2 reaped CPU 0's request too: CPU 0 is woken. */
	KT_EXPECT_EQ(t, ipis, 1);
	KT_EXPECT_EQ(t, d->queue_stats[0].wakeups, 1);
	host_cpu = 0;
}

/* Runs app=blk on the last device with these extra parameters. */
static int run_blk_app(struct blkdev *d, const char *args)
{
	char line[256];

	snprintf(line, sizeof(line), "app=blk blk=%s %s", d->name, args);
	params_parse(line, false);
	return app_find("blk")->main();
}

/* Whether the app said this line (name: the device's) since the console was cleared. */
static bool app_said(struct blkdev *d, const char *fmt)
{
	char line[160];

	snprintf(line, sizeof(line), fmt, d->name);
	return strstr(host_console, line) != NULL;
}

static struct fake_dev flush_dev;

static void fill_is_done_only_after_a_flush(struct ktest *t)
{
	struct blkdev *d = vblk_probe_fake(t, &flush_dev, F(VIRTIO_BLK_F_FLUSH), 1);

	KT_ASSERT_NOT_NULL(t, d);
	flush_dev.on_notify = serve_all;
	flushes = writes_unflushed = 0;
	host_console[0] = '\0';
	KT_EXPECT_EQ(t, run_blk_app(d, "fill=64K+256K@7 verify=64K+256K@7"), EXIT_OK);
	KT_EXPECT_EQ(t, flushes, 1);
	KT_EXPECT_EQ(t, writes_unflushed, 0);
	KT_EXPECT_TRUE(t, app_said(d, "blk: fill %s 65536+262144 seed 7 done\n"));
	KT_EXPECT_TRUE(t, app_said(d, "blk: verify %s 65536+262144 seed 7 ok\n"));
	/* 2 writes of 128 KiB, a flush, 2 reads: each counted once */
	KT_EXPECT_TRUE(t, app_said(d, "blk: %s: 5 requests, 5 notifications, 0 interrupts\n"));
	/* flush=no: written, and said not to be flushed */
	flushes = 0;
	host_console[0] = '\0';
	KT_EXPECT_EQ(t, run_blk_app(d, "fill=0+4K@8 flush=no"), EXIT_OK);
	KT_EXPECT_EQ(t, flushes, 0);
	KT_EXPECT_GT(t, writes_unflushed, 0);
	KT_EXPECT_TRUE(t, app_said(d, "blk: fill %s 0+4096 seed 8 written, not flushed (flush=no)\n"));
	/* hold= waits after the work (for a host that kills at a line) */
	slept_ms = 0;
	KT_EXPECT_EQ(t, run_blk_app(d, "fill=0+4K@8 hold=2"), EXIT_OK);
	KT_EXPECT_EQ(t, slept_ms, 2000);
	KT_EXPECT_EQ(t, flushes, 1);
	KT_EXPECT_EQ(t, run_blk_app(d, "fill=0+4K@8 flush=maybe"), EXIT_BADCMD);
}

static struct fake_dev noflush_dev;

static void fill_without_device_flush_says_so(struct ktest *t)
{
	struct blkdev *d = vblk_probe_fake(t, &noflush_dev, 0, 1);

	KT_ASSERT_NOT_NULL(t, d);
	KT_EXPECT_FALSE(t, d->has_flush);
	noflush_dev.on_notify = serve_all;
	flushes = 0;
	host_console[0] = '\0';
	KT_EXPECT_EQ(t, run_blk_app(d, "fill=0+4K@9"), EXIT_OK);
	KT_EXPECT_EQ(t, flushes, 0);
	KT_EXPECT_TRUE(t, app_said(d, "blk: fill %s 0+4096 seed 9 written, not flushed "
				   "(the device offers no flush)\n"));
	KT_EXPECT_FALSE(t, app_said(d, "blk: fill %s 0+4096 seed 9 done"));
}

static struct fake_dev nomem_dev;

static void blk_app_says_when_its_buffer_cannot_be_allocated(struct ktest *t)
{
	struct blkdev *d = vblk_probe_fake(t, &nomem_dev, 0, 1);

	KT_ASSERT_NOT_NULL(t, d);
	host_alloc_pages_failures = 1;
	host_console[0] = '\0';
	KT_EXPECT_EQ(t, run_blk_app(d, "crc=0+4K"), EXIT_FAIL);
	host_alloc_pages_failures = 0;
	KT_EXPECT_NOT_NULL(t, strstr(host_console, "blk: cannot allocate"));
}

static const struct ktest_case vblk_cases[] = {
	KTEST_CASE(requests_and_notifications_have_one_owner),
	KTEST_CASE(suppressed_kicks_are_not_counted),
	KTEST_CASE(smaller_later_queue_bounds_the_depth),
	KTEST_CASE(each_cpu_submits_on_its_own_queue),
	KTEST_CASE(fill_is_done_only_after_a_flush),
	KTEST_CASE(fill_without_device_flush_says_so),
	KTEST_CASE(blk_app_says_when_its_buffer_cannot_be_allocated),
	{}
};
KTEST_SUITE(host_virtio_blk, vblk_cases);
