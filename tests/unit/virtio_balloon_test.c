// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-balloon over the fake transport, a device that reads the frame
 * numbers off the inflate and deflate queues: every frame is told before
 * the guest gives it back, actual follows, a host that asks for more
 * than the guest can spare gets what is above the floor, and a device
 * that never answers is shut off after its deadline with the pages kept.
 */
#include <string.h>
#include <sanitizer/lsan_interface.h>
#include <pvkit/balloon.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/mm.h>
#include <pvkit/time.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <linux/virtio_balloon.h>
#include "fake_irq.h"
#include "fake_virtio.h"
#include "host_mm.h"

#define F(bit)		(1ULL << (bit))
#define MAX_FRAMES	1024

struct bdev {
	struct fake_dev f;
	bool stall;			/* take nothing off the queues */
	u16 last_avail[2];
	unsigned long inflated[MAX_FRAMES], deflated[MAX_FRAMES];
	unsigned int nr_inflated, nr_deflated;
	/*
	 * Free pages before deflating: when a deflate request comes, only
	 * the frames told before it (and the two pages that held frame
	 * numbers) may be back in the allocator.
	 */
	unsigned long free_base;
	bool released_early;
	bool irq[2];			/* an interrupt to raise, per queue */
};

/* Reads the frame numbers of each new request and uses it at once. */
static void serve(struct fake_dev *f, struct virtqueue *vq)
{
	struct bdev *b = container_of(f, struct bdev, f);
	bool deflate = vq->index == 1;

	if (b->stall || vq->index > 1)
		return;
	while (b->last_avail[vq->index] != vq->avail->idx) {
		u16 head = vq->avail->ring[b->last_avail[vq->index]++ % vq->num];
		struct vring_desc *d = &vq->desc[head];
		const u32 *pfn = phys_to_virt(d->addr);

		if (deflate && host_free_pages > b->free_base + b->nr_deflated + 2)
			b->released_early = true;
		for (unsigned int i = 0; i < d->len / 4; i++) {
			if (deflate)
				b->deflated[b->nr_deflated++ % MAX_FRAMES] = pfn[i];
			else
				b->inflated[b->nr_inflated++ % MAX_FRAMES] = pfn[i];
		}
		vq->used->ring[vq->used->idx % vq->num] = (struct vring_used_elem){ head, 0 };
		__atomic_store_n(&vq->used->idx, vq->used->idx + 1, __ATOMIC_RELEASE);
		b->irq[vq->index] = true;
	}
}

static u32 cfg(struct bdev *b, unsigned int off)
{
	u32 v;

	memcpy(&v, b->f.config + off, sizeof(v));
	return v;
}

static void set_target(struct bdev *b, u32 pages)
{
	memcpy(b->f.config + offsetof(struct virtio_balloon_config, num_pages),
	       &pages, sizeof(pages));
}

static u32 actual(struct bdev *b)
{
	return cfg(b, offsetof(struct virtio_balloon_config, actual));
}

/* Plays the queues' interrupts and the timer until nothing is due. */
static void run(struct bdev *b)
{
	for (int i = 0; i < 1000; i++) {
		bool raised = false;

		for (unsigned int q = 0; q < 2; q++) {
			if (b->irq[q]) {
				b->irq[q] = false;
				raised = true;
				virtqueue_interrupt(b->f.vqs[q]);
			}
		}
		fake_now_ns += NSEC_PER_MSEC;
		if (!fake_run_timers(fake_now_ns) && !raised)
			return;
	}
}

static bool probe(struct ktest *t, struct bdev *b, u32 target)
{
	fake_init_device(&b->f, VIRTIO_ID_BALLOON, F(VIRTIO_F_VERSION_1) |
			 F(VIRTIO_BALLOON_F_MUST_TELL_HOST) | F(VIRTIO_BALLOON_F_STATS_VQ));
	b->f.on_notify = serve;
	set_target(b, target);
	if (virtio_register_device(&b->f.vdev))
		return false;
	KT_EXPECT_NOT_NULL(t, b->f.vqs[2]);	/* the stats queue */
	return true;
}

static bool all_in(const unsigned long *a, unsigned int n,
		   const unsigned long *set, unsigned int nset)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned int j = 0;

		while (j < nset && set[j] != a[i])
			j++;
		if (j == nset)
			return false;
	}
	return true;
}

static struct bdev dev1, dev2, dev3;

static void balloon_inflates_then_tells_before_giving_back(struct ktest *t)
{
	struct bdev *b = &dev1;
	unsigned long free0, held0 = balloon_total_pages();

	KT_ASSERT_TRUE(t, probe(t, b, 600));
	free0 = host_free_pages;		/* the rings and the state are had */
	run(b);
	/* 256 + 256 + 88: three requests, each page named once. */
	KT_EXPECT_EQ(t, b->nr_inflated, 600);
	KT_EXPECT_TRUE(t, host_all_distinct(b->inflated, 600));
	KT_EXPECT_EQ(t, actual(b), 600);
	KT_EXPECT_EQ(t, balloon_total_pages(), held0 + 600);
	KT_EXPECT_EQ(t, host_free_pages, free0 - 600 - 2);	/* two pages of numbers */

	b->free_base = host_free_pages;
	set_target(b, 100);
	virtio_config_changed(&b->f.vdev);
	run(b);
	KT_EXPECT_EQ(t, b->nr_deflated, 500);
	KT_EXPECT_TRUE(t, host_all_distinct(b->deflated, 500));
	KT_EXPECT_TRUE(t, all_in(b->deflated, 500, b->inflated, 600));
	KT_EXPECT_FALSE(t, b->released_early);
	KT_EXPECT_EQ(t, actual(b), 100);
	KT_EXPECT_EQ(t, balloon_total_pages(), held0 + 100);
	KT_EXPECT_EQ(t, host_free_pages, free0 - 100 - 1);

	set_target(b, 0);
	virtio_config_changed(&b->f.vdev);
	run(b);
	KT_EXPECT_EQ(t, actual(b), 0);
	KT_EXPECT_EQ(t, b->nr_deflated, 600);
	KT_EXPECT_EQ(t, host_free_pages, free0);
	KT_EXPECT_FALSE(t, b->f.vdev.broken);
}

static void balloon_gives_what_is_above_the_floor(struct ktest *t)
{
	struct bdev *b = &dev2;
	unsigned long saved = host_free_pages, floor = balloon_default_floor();

	/* A guest with 300 pages to spare; the host asks for all it has and more. */
	KT_ASSERT_TRUE(t, probe(t, b, 0xffffffff));
	host_free_pages = floor + 300;
	run(b);
	KT_EXPECT_EQ(t, b->nr_inflated, 299);
	KT_EXPECT_EQ(t, actual(b), 299);
	KT_EXPECT_EQ(t, host_free_pages, floor);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "the guest can give 299") != NULL);
	/* No pass keeps trying until the host changes its mind. */
	KT_EXPECT_EQ(t, fake_run_timers(fake_now_ns), 0);

	set_target(b, 0);
	virtio_config_changed(&b->f.vdev);
	run(b);
	KT_EXPECT_EQ(t, actual(b), 0);
	KT_EXPECT_EQ(t, host_free_pages, floor + 300);
	host_free_pages = saved;
}

static void balloon_shuts_off_a_device_that_never_answers(struct ktest *t)
{
	struct bdev *b = &dev3;
	unsigned long free0;

	b->stall = true;
	KT_ASSERT_TRUE(t, probe(t, b, 10));
	free0 = host_free_pages;
	/* The pages stay ballooned for good, as they would in a guest. */
	__lsan_disable();
	run(b);
	__lsan_enable();
	KT_EXPECT_FALSE(t, b->f.vdev.broken);
	fake_now_ns += 6 * NSEC_PER_SEC;
	run(b);
	KT_EXPECT_TRUE(t, b->f.vdev.broken);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "not used within 5 s") != NULL);
	/* The host may have the pages: they stay ballooned, actual untold. */
	KT_EXPECT_EQ(t, host_free_pages, free0 - 10 - 1);
	KT_EXPECT_EQ(t, actual(b), 0);
	KT_EXPECT_EQ(t, fake_run_timers(fake_now_ns), 0);
}

static const struct ktest_case vballoon_cases[] = {
	KTEST_CASE(balloon_inflates_then_tells_before_giving_back),
	KTEST_CASE(balloon_gives_what_is_above_the_floor),
	KTEST_CASE(balloon_shuts_off_a_device_that_never_answers),
	{}
};
KTEST_SUITE(host_virtio_balloon, vballoon_cases);
