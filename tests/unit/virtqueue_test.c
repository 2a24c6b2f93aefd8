// SPDX-License-Identifier: GPL-2.0
/*
 * The virtqueue code against a fake device: normal traffic on split and
 * packed rings, with and without indirect descriptors and event indices,
 * and a device that writes nonsense into the used ring.
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include "fake_virtio.h"
#include "host_mm.h"

#define F(bit)		(1ULL << (bit))
#define SPLIT		F(VIRTIO_F_VERSION_1)
#define PACKED		(F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_PACKED))
#define INDIRECT	F(VIRTIO_RING_F_INDIRECT_DESC)
#define EVENT_IDX	F(VIRTIO_RING_F_EVENT_IDX)

static struct fake_dev dev;
static u8 out_buf[64], in_buf[4][512];

/* A request like a block read: 16 bytes out, 512 + 1 in. */
static int add_request(struct virtqueue *vq, int i, void *token)
{
	struct vq_buf b[3] = {
		{ virt_to_phys(out_buf), 16 },
		{ virt_to_phys(in_buf[i % 4]), 511 },
		{ virt_to_phys(&in_buf[i % 4][511]), 1 },
	};

	return virtqueue_add(vq, b, 1, 2, token);
}

static void round_trip(struct ktest *t, u64 features, unsigned int num, int rounds)
{
	unsigned long tokens[4];
	u32 len;

	fake_init(&dev, features, num);
	KT_ASSERT_NOT_NULL(t, dev.vq);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 4; i++)
			KT_ASSERT_EQ(t, add_request(dev.vq, i, &tokens[i]), 0);
		virtqueue_kick(dev.vq);
		KT_ASSERT_EQ(t, fake_take(&dev), 4);
		/* complete out of order: the last first */
		for (int i = 3; i >= 0; i--)
			fake_complete(&dev, i, -1);
		for (int i = 3; i >= 0; i--) {
			void *tok = virtqueue_get_buf(dev.vq, &len);

			KT_ASSERT_TRUE(t, tok == &tokens[i]);
			KT_EXPECT_EQ(t, len, 512);
		}
		KT_EXPECT_NULL(t, virtqueue_get_buf(dev.vq, &len));
	}
	KT_EXPECT_EQ(t, dev.vq->num_free, num);
	KT_EXPECT_FALSE(t, dev.vdev.broken);
}

static void split_round_trips(struct ktest *t)
{
	round_trip(t, SPLIT, 16, 40);
}

static void split_indirect_round_trips(struct ktest *t)
{
	round_trip(t, SPLIT | INDIRECT, 8, 40);
	/* one slot per request with indirect tables */
	add_request(dev.vq, 0, &dev);
	KT_EXPECT_EQ(t, dev.vq->num_free, 7);
}

static void packed_round_trips_across_wraps(struct ktest *t)
{
	round_trip(t, PACKED, 16, 40);	/* 12 slots a round: wraps often */
}

static void packed_indirect_round_trips(struct ktest *t)
{
	round_trip(t, PACKED | INDIRECT, 4, 40);
}

static void full_ring_refuses_more(struct ktest *t)
{
	int added = 0;

	fake_init(&dev, SPLIT, 8);
	while (add_request(dev.vq, added, &dev) == 0)
		added++;
	KT_EXPECT_EQ(t, added, 2);		/* 3 slots each in a ring of 8 */
	KT_EXPECT_EQ(t, add_request(dev.vq, added, &dev), -ENOSPC);
	KT_EXPECT_FALSE(t, dev.vdev.broken);
}

static void event_idx_suppresses_kicks(struct ktest *t)
{
	fake_init(&dev, SPLIT | EVENT_IDX, 64);
	/* the device wants to hear at index 0 only, i.e. after the first */
	fake_set_avail_event(&dev, 0);
	for (int i = 0; i < 8; i++) {
		add_request(dev.vq, i, &dev);
		virtqueue_kick(dev.vq);
	}
	KT_EXPECT_EQ(t, dev.notified, 1);
	KT_EXPECT_EQ(t, dev.vq->stats.suppressed, 7);
	/* now it asks for index 10: the kick that passes it notifies */
	fake_set_avail_event(&dev, 10);
	for (int i = 0; i < 4; i++) {
		add_request(dev.vq, i, &dev);
		virtqueue_kick(dev.vq);
	}
	KT_EXPECT_EQ(t, dev.notified, 2);
}

static void without_event_idx_every_kick_notifies(struct ktest *t)
{
	fake_init(&dev, SPLIT, 64);
	for (int i = 0; i < 5; i++) {
		add_request(dev.vq, i, &dev);
		virtqueue_kick(dev.vq);
	}
	KT_EXPECT_EQ(t, dev.notified, 5);
	dev.vq->used->flags = VRING_USED_F_NO_NOTIFY;
	add_request(dev.vq, 0, &dev);
	virtqueue_kick(dev.vq);
	KT_EXPECT_EQ(t, dev.notified, 5);
}

/* After a hostile completion the queue is broken and stays so. */
static void expect_broken(struct ktest *t, const char *why)
{
	u32 len;

	KT_EXPECT_NULL(t, virtqueue_get_buf(dev.vq, &len));
	KT_EXPECT_TRUE(t, dev.vdev.broken);
	KT_EXPECT_NOT_NULL(t, strstr(host_last_log, why));
	KT_EXPECT_EQ(t, add_request(dev.vq, 0, &dev), -EIO);
}

static void used_index_running_ahead_breaks(struct ktest *t)
{
	fake_init(&dev, SPLIT, 16);
	add_request(dev.vq, 0, &dev);
	fake_set_used_idx(&dev, 17);
	expect_broken(t, "past what was offered");
}

static void used_id_out_of_range_breaks(struct ktest *t)
{
	fake_init(&dev, SPLIT, 16);
	add_request(dev.vq, 0, &dev);
	fake_used_raw(&dev, 16, 1);
	expect_broken(t, "out of range");
}

static void used_id_not_in_flight_breaks(struct ktest *t)
{
	fake_init(&dev, SPLIT, 16);
	add_request(dev.vq, 0, &dev);
	fake_used_raw(&dev, 5, 1);		/* 0 is in flight, 5 is not */
	expect_broken(t, "not in flight");
}

static void completing_twice_breaks(struct ktest *t)
{
	u32 len;

	fake_init(&dev, SPLIT, 16);
	add_request(dev.vq, 0, &dev);
	fake_take(&dev);
	fake_used_raw(&dev, 0, 512);
	fake_used_raw(&dev, 0, 512);
	KT_EXPECT_TRUE(t, virtqueue_get_buf(dev.vq, &len) == &dev);
	expect_broken(t, "not in flight");
}

static void length_beyond_buffers_breaks(struct ktest *t)
{
	fake_init(&dev, SPLIT, 16);
	add_request(dev.vq, 0, &dev);
	fake_take(&dev);
	fake_used_raw(&dev, 0, 513);		/* 512 writable bytes were offered */
	expect_broken(t, "wrote 513 bytes into 512");
}

static void packed_bad_id_breaks(struct ktest *t)
{
	fake_init(&dev, PACKED, 8);
	add_request(dev.vq, 0, &dev);
	fake_take(&dev);
	fake_used_raw(&dev, 200, 1);
	expect_broken(t, "out of range");
}

static void packed_bad_length_breaks(struct ktest *t)
{
	fake_init(&dev, PACKED | INDIRECT, 8);
	add_request(dev.vq, 0, &dev);
	fake_take(&dev);
	fake_used_raw(&dev, 0, 100000);
	expect_broken(t, "wrote 100000 bytes");
}

/* A chain the device may only read: a transmitted frame, a console write. */
static int add_read_only(struct virtqueue *vq, void *token)
{
	struct vq_buf b = { virt_to_phys(out_buf), sizeof(out_buf) };

	return virtqueue_add(vq, &b, 1, 0, token);
}

static void legacy_length_of_read_only_chain_is_ignored(struct ktest *t)
{
	u32 len = 99;

	fake_init_legacy(&dev, 0, 16);
	for (int i = 0; i < 2; i++) {
		host_last_log[0] = '\0';
		KT_ASSERT_EQ(t, add_read_only(dev.vq, &dev), 0);
		fake_take(&dev);
		fake_complete(&dev, 0, sizeof(out_buf));	/* "used" = bytes read */
		KT_EXPECT_TRUE(t, virtqueue_get_buf(dev.vq, &len) == &dev);
		KT_EXPECT_EQ(t, len, 0);
		/* said once, not per completion */
		KT_EXPECT_EQ(t, !!strstr(host_last_log, "could only read"), i == 0);
	}
	KT_EXPECT_FALSE(t, dev.vdev.broken);
	KT_EXPECT_EQ(t, dev.vq->num_free, 16);
}

static void modern_length_of_read_only_chain_breaks(struct ktest *t)
{
	fake_init(&dev, SPLIT, 16);
	add_read_only(dev.vq, &dev);
	fake_take(&dev);
	fake_complete(&dev, 0, sizeof(out_buf));
	expect_broken(t, "wrote 64 bytes into 0");
}

static void legacy_length_beyond_writable_buffers_breaks(struct ktest *t)
{
	fake_init_legacy(&dev, 0, 16);
	add_request(dev.vq, 0, &dev);
	fake_take(&dev);
	fake_used_raw(&dev, 0, 513);
	expect_broken(t, "wrote 513 bytes into 512");
}

static void kick_returns_whether_it_notified(struct ktest *t)
{
	fake_init(&dev, SPLIT | EVENT_IDX, 64);
	fake_set_avail_event(&dev, 0);
	add_request(dev.vq, 0, &dev);
	KT_EXPECT_TRUE(t, virtqueue_kick(dev.vq));
	add_request(dev.vq, 1, &dev);
	KT_EXPECT_FALSE(t, virtqueue_kick(dev.vq));
	KT_EXPECT_EQ(t, dev.vq->stats.notifications, 1);
	KT_EXPECT_EQ(t, dev.vq->stats.suppressed, 1);
	KT_EXPECT_EQ(t, dev.notified, 1);
}

static void release_fake_device(void)
{
	virtqueue_destroy(dev.vq);
	dev.vq = NULL;
}

static const struct ktest_case vq_cases[] = {
	KTEST_CASE(split_round_trips),
	KTEST_CASE(split_indirect_round_trips),
	KTEST_CASE(packed_round_trips_across_wraps),
	KTEST_CASE(packed_indirect_round_trips),
	KTEST_CASE(full_ring_refuses_more),
	KTEST_CASE(event_idx_suppresses_kicks),
	KTEST_CASE(without_event_idx_every_kick_notifies),
	KTEST_CASE(used_index_running_ahead_breaks),
	KTEST_CASE(used_id_out_of_range_breaks),
	KTEST_CASE(used_id_not_in_flight_breaks),
	KTEST_CASE(completing_twice_breaks),
	KTEST_CASE(length_beyond_buffers_breaks),
	KTEST_CASE(packed_bad_id_breaks),
	KTEST_CASE(packed_bad_length_breaks),
	KTEST_CASE(legacy_length_of_read_only_chain_is_ignored),
	KTEST_CASE(modern_length_of_read_only_chain_breaks),
	KTEST_CASE(legacy_length_beyond_writable_buffers_breaks),
	KTEST_CASE(kick_returns_whether_it_notified),
	{}
};
KTEST_SUITE_EXIT(host_virtqueue, vq_cases, release_fake_device);
