// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bind_queue() (drivers/virtio/virtio.c), the routing virtio-blk
 * (a queue per CPU) and virtio-net (a pair per CPU) share: which
 * queues' interrupts the transport is asked to move, to which CPU, what
 * a refusal leaves, and which CPU each driver is told takes them.  The
 * transport here only records what it is asked and refuses on request.
 */
#include <string.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/virtio.h>
#include <asm/smp.h>

extern char host_log[8192];

#define NQ	4

static struct {
	int cpu[NQ];		/* where each queue was sent, -1: never asked */
	unsigned int calls;
	int refuse_index;	/* the queue it refuses, -1: none */
	int refusal;
} tr;

static int rec_set_vq_affinity(struct virtqueue *vq, unsigned int cpu)
{
	tr.calls++;
	if ((int)vq->index == tr.refuse_index)
		return tr.refusal;
	tr.cpu[vq->index] = cpu;
	return 0;
}

static const struct virtio_config_ops rec_ops = {
	.name = "bind-test",
	.set_vq_affinity = rec_set_vq_affinity,
};

/* MMIO's: one line for the device, nothing to move. */
static const struct virtio_config_ops no_affinity_ops = {
	.name = "bind-test-mmio",
};

static struct virtio_device bdev;
static struct virtqueue bvq[NQ];
static struct virtqueue *pair[NQ / 2][2];

/* A device of NQ queues (pair p: queues 2p and 2p + 1) on cpus CPUs. */
static void bind_init(const struct virtio_config_ops *ops, bool polling, unsigned int cpus)
{
	memset(&tr, 0, sizeof(tr));
	memset(tr.cpu, 0xff, sizeof(tr.cpu));
	tr.refuse_index = -1;
	bdev = (struct virtio_device){ .name = "virtio9", .config = ops,
				       .polling = polling };
	for (unsigned int i = 0; i < NQ; i++) {
		bvq[i] = (struct virtqueue){ .vdev = &bdev, .index = i };
		pair[i / 2][i % 2] = &bvq[i];
	}
	nr_cpus_online = cpus;
	host_log[0] = '\0';
}

/* One queue per CPU (virtio-blk): queue q to CPU q, queue 0 never asked. */
static void queue_goes_to_its_cpu(struct ktest *t)
{
	struct virtqueue *vq[NQ] = { &bvq[0], &bvq[1], &bvq[2], &bvq[3] };

	bind_init(&rec_ops, false, 4);
	for (unsigned int q = 0; q < NQ; q++)
		KT_EXPECT_EQ(t, virtio_bind_queue(&vq[q], 1, q), (int)q);
	nr_cpus_online = 1;
	KT_EXPECT_EQ(t, tr.calls, 3U);
	KT_EXPECT_EQ(t, tr.cpu[0], -1);
	for (unsigned int q = 1; q < NQ; q++)
		KT_EXPECT_EQ(t, tr.cpu[q], (int)q);
	KT_EXPECT_EQ(t, host_log[0], '\0');
}

/* A pair (virtio-net): both of its queues to the pair's CPU. */
static void pair_goes_to_its_cpu(struct ktest *t)
{
	bind_init(&rec_ops, false, 2);
	KT_EXPECT_EQ(t, virtio_bind_queue(pair[0], 2, 0), 0);
	KT_EXPECT_EQ(t, virtio_bind_queue(pair[1], 2, 1), 1);
	nr_cpus_online = 1;
	KT_EXPECT_EQ(t, tr.calls, 2U);
	KT_EXPECT_EQ(t, tr.cpu[0], -1);
	KT_EXPECT_EQ(t, tr.cpu[1], -1);
	KT_EXPECT_EQ(t, tr.cpu[2], 1);
	KT_EXPECT_EQ(t, tr.cpu[3], 1);
}

/*
 * One CPU (virtio-blk going round its queues) or a queue past the CPUs
 * online: nothing asked, nothing said, CPU 0 takes them.
 */
static void no_cpu_for_the_queue_stays_on_cpu0(struct ktest *t)
{
	struct virtqueue *vq = &bvq[3];

	bind_init(&rec_ops, false, 1);
	KT_EXPECT_EQ(t, virtio_bind_queue(&vq, 1, 3), 0);
	nr_cpus_online = 3;
	KT_EXPECT_EQ(t, virtio_bind_queue(&vq, 1, 3), 0);
	nr_cpus_online = 1;
	KT_EXPECT_EQ(t, tr.calls, 0U);
	KT_EXPECT_EQ(t, host_log[0], '\0');
}

/*
 * Four CPUs, then CPU 2 taken offline (a Xen vCPU a resume could not
 * bring back): three online, 0, 1 and 3.  Queue 2 is not sent to CPU 2,
 * nor queue 3 past the count; queue 1 still goes to CPU 1.
 */
static void offline_cpu_takes_no_queue(struct ktest *t)
{
	struct virtqueue *vq[NQ] = { &bvq[0], &bvq[1], &bvq[2], &bvq[3] };

	bind_init(&rec_ops, false, 3);
	percpu_area[2].online = false;
	KT_EXPECT_EQ(t, virtio_bind_queue(&vq[1], 1, 1), 1);
	KT_EXPECT_EQ(t, virtio_bind_queue(&vq[2], 1, 2), 0);
	KT_EXPECT_EQ(t, virtio_bind_queue(&vq[3], 1, 3), 0);
	percpu_area[2].online = true;
	nr_cpus_online = 1;
	KT_EXPECT_EQ(t, tr.calls, 1U);
	KT_EXPECT_EQ(t, tr.cpu[1], 1);
	KT_EXPECT_EQ(t, tr.cpu[2], -1);
	KT_EXPECT_EQ(t, tr.cpu[3], -1);
	KT_EXPECT_EQ(t, host_log[0], '\0');
}

/*
 * The pair's receive queue refused (one vector all queues share): its
 * transmit queue is not asked, CPU 0 takes both, and it is said.
 */
static void refusal_leaves_cpu0_and_is_said(struct ktest *t)
{
	bind_init(&rec_ops, false, 2);
	tr.refuse_index = 2;
	tr.refusal = -ENODEV;
	KT_EXPECT_EQ(t, virtio_bind_queue(pair[1], 2, 1), 0);
	nr_cpus_online = 1;
	KT_EXPECT_EQ(t, tr.calls, 1U);
	KT_EXPECT_EQ(t, tr.cpu[3], -1);
	KT_EXPECT_TRUE(t, strstr(host_log, "virtio9: queue pair 1's interrupts stay on CPU 0 (-19)") != NULL);
}

/* A transport that cannot move any (MMIO): CPU 0, said for a queue. */
static void transport_without_affinity_leaves_cpu0(struct ktest *t)
{
	struct virtqueue *vq = &bvq[1];

	bind_init(&no_affinity_ops, false, 2);
	KT_EXPECT_EQ(t, virtio_bind_queue(&vq, 1, 1), 0);
	nr_cpus_online = 1;
	KT_EXPECT_TRUE(t, strstr(host_log, "virtio9: queue 1's interrupt stays on CPU 0 (-95)") != NULL);
}

/* A polled device has no interrupts: no CPU takes them (-1), queue 0's neither. */
static void polled_device_has_no_cpu(struct ktest *t)
{
	bind_init(&rec_ops, true, 2);
	tr.refuse_index = 2;
	tr.refusal = -ENODEV;
	KT_EXPECT_EQ(t, virtio_bind_queue(pair[0], 2, 0), -1);
	KT_EXPECT_EQ(t, virtio_bind_queue(pair[1], 2, 1), -1);
	nr_cpus_online = 1;
	KT_EXPECT_EQ(t, tr.calls, 1U);
}

static struct ktest_case virtio_bind_cases[] = {
	KTEST_CASE(queue_goes_to_its_cpu),
	KTEST_CASE(pair_goes_to_its_cpu),
	KTEST_CASE(no_cpu_for_the_queue_stays_on_cpu0),
	KTEST_CASE(offline_cpu_takes_no_queue),
	KTEST_CASE(refusal_leaves_cpu0_and_is_said),
	KTEST_CASE(transport_without_affinity_leaves_cpu0),
	KTEST_CASE(polled_device_has_no_cpu),
	{}
};
KTEST_SUITE(host_virtio_bind_queue, virtio_bind_cases);
