// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-pci interrupt set-up (drivers/virtio/virtio_pci.c) on the fake
 * function of fake_virtio_pci.c, each fallback in turn: a vector per
 * queue when the MSI-X table has 1 + N entries, one vector every queue
 * shares when it has 2 (QEMU's virtio-serial-pci: 2 for 64 queues), INTx
 * with 1 or none, polling without INTx too, and a device that refuses a
 * vector (reads back NO_VECTOR) taken by the next of these.  Each case
 * then has the device complete a buffer on every queue and signal it as
 * it would: the queue's callback, and only that one, must run.  The
 * queues are counted and the mode chosen after FEATURES_OK, as a device
 * may add queues for a feature (QEMU's virtio-net its pairs for
 * VIRTIO_NET_F_MQ): every case checks the device status then, and two
 * have the device grow at FEATURES_OK.
 */
#include <string.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <pvkit/virtio.h>
#include "fake_virtio_pci.h"

#define TQ_MAX	9	/* queues the test driver sets up */

extern char host_last_log[256];
extern char host_log[8192];
/* virtio_bind_queue()'s (virtio.c), which these cases do not call. */
unsigned int nr_cpus_online = 1;
/* And cpu_online()'s: every CPU (see virtio_blk_test.c). */
struct percpu percpu_area[NR_CPUS] = { [0 ... NR_CPUS - 1] = { .online = true } };

/*
 * What the next probe sets up: the first want_queues queues (0: as many
 * as the device has, up to TQ_MAX) with a callback, then, when not 0,
 * queue ctrl_queue without one, as virtio-net its control queue.
 */
static unsigned int want_queues, ctrl_queue;

static struct {
	struct virtio_device *vdev;
	struct virtqueue *vq[TQ_MAX];
	unsigned int nq;
	unsigned long calls[TQ_MAX];
	char first_queue_log[256];	/* the last log line once queue 0 was set up */
	char last_queue_log[256];	/* and once the last queue was */
	u8 buf[TQ_MAX][16];
	struct virtqueue *ctrl;
} td;

static void tdrv_done(struct virtqueue *vq)
{
	td.calls[vq->index]++;
	while (virtqueue_get_buf(vq, NULL))
		;
}

static struct virtqueue *ctrl_held[4];
static unsigned int nr_ctrl_held;

static int tdrv_probe(struct virtio_device *vdev)
{
	td.vdev = vdev;
	td.nq = min(fake_vpci.numq, want_queues ? want_queues : (unsigned int)TQ_MAX);
	for (unsigned int i = 0; i < td.nq; i++) {
		td.vq[i] = virtio_find_vq(vdev, i, 8, tdrv_done, "tq");
		if (!td.vq[i])
			return -ENODEV;
		if (i == 0)
			memcpy(td.first_queue_log, host_last_log, sizeof(host_last_log));
	}
	if (ctrl_queue) {
		td.ctrl = virtio_find_vq(vdev, ctrl_queue, 8, NULL, "ctrl");
		if (!td.ctrl)
			return -ENODEV;
		/*
		 * A queue past the transport's 16 is in no table of its own:
		 * its driver holds it for ever, as virtio-net does its
		 * control queue (td is cleared by the next case).
		 */
		if (nr_ctrl_held < ARRAY_SIZE(ctrl_held))
			ctrl_held[nr_ctrl_held++] = td.ctrl;
	}
	memcpy(td.last_queue_log, host_last_log, sizeof(host_last_log));
	return 0;
}

static const struct virtio_driver tdrv = {
	.name = "vpci-test",
	.device_id = FAKE_VPCI_DEVICE_ID,
	.probe = tdrv_probe,
};
DEFINE_VIRTIO_DRIVER(tdrv);

/* Read by the driver, if at all, once the device holds FEATURES_OK. */
static void expect_after_features_ok(struct ktest *t, u8 status, bool read)
{
	KT_EXPECT_EQ(t, status != 0xff, read);
	if (status != 0xff)
		KT_EXPECT_TRUE(t, status & VIRTIO_CONFIG_S_FEATURES_OK);
}

/*
 * A fresh device with numq queues (grown_numq from FEATURES_OK, when not
 * 0) and table_size MSI-X entries, probed: the queue count read and
 * MSI-X asked for after FEATURES_OK, INTx too when MSI-X is not had.
 */
static bool setup_grown(struct ktest *t, unsigned int numq, unsigned int grown_numq,
			unsigned int table_size, int refuse, bool intx)
{
	memset(&td, 0, sizeof(td));
	fake_vpci_init(numq, table_size, refuse, intx);
	if (grown_numq)
		fake_vpci_grow_at_features_ok(grown_numq);
	KT_EXPECT_EQ(t, fake_vpci_probe(), 0);
	expect_after_features_ok(t, fake_vpci.status_at_numq, true);
	expect_after_features_ok(t, fake_vpci.status_at_msix, true);
	expect_after_features_ok(t, fake_vpci.status_at_intx, !fake_vpci.msix_nvec);
	KT_EXPECT_TRUE(t, td.vdev && td.vdev->driver == &tdrv && td.nq);
	return td.vdev && td.vdev->driver == &tdrv && td.nq;
}

static bool setup(struct ktest *t, unsigned int numq, unsigned int table_size,
		  int refuse, bool intx)
{
	return setup_grown(t, numq, 0, table_size, refuse, intx);
}

/* The device takes one buffer from queue i, completes it and signals. */
static bool complete_and_signal(unsigned int i)
{
	struct virtqueue *vq = td.vq[i];
	struct vq_buf b = { virt_to_phys(td.buf[i]), sizeof(td.buf[i]) };
	u16 head;

	if (virtqueue_add(vq, &b, 1, 0, td.buf[i]))
		return false;
	virtqueue_kick(vq);
	head = vq->avail->ring[(u16)(vq->avail->idx - 1) % vq->num];
	vq->used->ring[vq->used->idx % vq->num].id = head;
	vq->used->ring[vq->used->idx % vq->num].len = 0;
	__atomic_store_n(&vq->used->idx, vq->used->idx + 1, __ATOMIC_RELEASE);
	return fake_vpci_signal(i);
}

/*
 * Each queue's completion reaches its callback through the device's
 * signal; with MSI-X (exclusive) no other queue's callback runs, with
 * INTx every queue is looked at.
 */
static void expect_each_queue_interrupts(struct ktest *t, bool exclusive)
{
	for (unsigned int i = 0; i < td.nq; i++) {
		KT_EXPECT_TRUE(t, complete_and_signal(i));
		KT_EXPECT_GE(t, td.calls[i], 1UL);
		KT_EXPECT_NULL(t, virtqueue_get_buf(td.vq[i], NULL));
		for (unsigned int j = 0; exclusive && j < td.nq; j++)
			KT_EXPECT_EQ(t, td.calls[j], j <= i ? 1UL : 0UL);
	}
	KT_EXPECT_FALSE(t, td.vdev->polling);
}

/* A line said about the device names it: "virtioN: what". */
static void expect_in(struct ktest *t, const char *log, const char *what)
{
	char want[128];

	KT_EXPECT_NE(t, td.vdev->name[0], '\0');
	snprintf(want, sizeof(want), "%s: %s", td.vdev->name, what);
	KT_EXPECT_TRUE(t, strstr(log, want) != NULL);
}

/* The mode is said at the first queue and stays what it was. */
static void expect_said(struct ktest *t, const char *what)
{
	expect_in(t, td.first_queue_log, what);
	expect_in(t, td.last_queue_log, what);
}

static void expect_vectors(struct ktest *t, int nvec, u16 config, bool per_vq)
{
	KT_EXPECT_EQ(t, fake_vpci.msix_nvec, nvec);
	KT_EXPECT_EQ(t, fake_vpci.msix_config, config);
	for (unsigned int i = 0; i < td.nq; i++)
		KT_EXPECT_EQ(t, fake_vpci.q[i].vector,
			     !nvec ? FAKE_VPCI_NO_VECTOR : per_vq ? 1 + i : 1);
}

/* Configuration in entry 0, entry 1 for every queue. */
static void expect_shared(struct ktest *t, const char *said)
{
	expect_vectors(t, 2, 0, false);
	expect_said(t, said);
	expect_each_queue_interrupts(t, true);
}

static void expect_intx(struct ktest *t)
{
	expect_vectors(t, 0, FAKE_VPCI_NO_VECTOR, false);
	KT_EXPECT_NOT_NULL(t, fake_vpci.intx_handler);
	expect_said(t, "INTx");
	expect_each_queue_interrupts(t, false);
}

static void expect_polling(struct ktest *t)
{
	expect_vectors(t, 0, FAKE_VPCI_NO_VECTOR, false);
	KT_EXPECT_NULL(t, fake_vpci.intx_handler);
	KT_EXPECT_TRUE(t, td.vdev->polling);
	expect_said(t, "no MSI-X and no INTx: polling");
	/* Nothing signals: the driver finds the buffer itself. */
	KT_EXPECT_FALSE(t, complete_and_signal(0));
	KT_EXPECT_NOT_NULL(t, virtqueue_get_buf(td.vq[0], NULL));
}

/* 1 + N entries: a vector per queue, the configuration one in entry 0. */
static void vector_per_queue(struct ktest *t)
{
	if (!setup(t, 4, 5, -1, true))
		return;
	expect_vectors(t, 5, 0, true);
	for (unsigned int i = 0; i < 4; i++)
		KT_EXPECT_EQ(t, fake_vpci.entry[1 + i].data, td.vq[i]);
	expect_said(t, "MSI-X (per queue), queues: 4");
	expect_each_queue_interrupts(t, true);
}

/*
 * QEMU's virtio-net with mq=on and 4 pairs: 1 queue after reset, 9 (4
 * pairs and the control queue) from FEATURES_OK, 10 entries: a vector
 * for each of the 9, none polled.
 */
static void queues_added_at_features_ok(struct ktest *t)
{
	if (!setup_grown(t, 1, 9, 10, -1, false))
		return;
	KT_EXPECT_EQ(t, td.nq, 9U);
	expect_vectors(t, 10, 0, true);
	for (unsigned int i = 0; i < 9; i++)
		KT_EXPECT_EQ(t, fake_vpci.entry[1 + i].data, td.vq[i]);
	expect_said(t, "MSI-X (per queue), queues: 9");
	expect_each_queue_interrupts(t, true);
}

/* The same with 2 entries: the 9 share one vector, none polled. */
static void queues_added_at_features_ok_shared(struct ktest *t)
{
	if (!setup_grown(t, 3, 9, 2, -1, false))
		return;
	KT_EXPECT_EQ(t, td.nq, 9U);
	expect_shared(t, "MSI-X (shared), queues: 9");
}

/*
 * QEMU's virtio-net with mq=on and 9 pairs (queues=9): 19 queues from
 * FEATURES_OK, its control queue 18 (2 x max_virtqueue_pairs), past the
 * 16 that get vectors.  4 pairs driven (4 CPUs), the control queue polled
 * by its driver: it takes no vector, and the device is not polled for
 * it.  table_size 20 (QEMU's default): a vector per queue; 2: shared.
 */
static void control_queue_past_16(struct ktest *t, unsigned int table_size)
{
	bool ok;

	want_queues = 8;
	ctrl_queue = 18;
	host_log[0] = '\0';
	ok = setup_grown(t, 1, 19, table_size, -1, false);
	want_queues = ctrl_queue = 0;
	if (!ok)
		return;
	KT_EXPECT_EQ(t, td.nq, 8U);
	KT_ASSERT_NOT_NULL(t, td.ctrl);
	KT_EXPECT_EQ(t, td.ctrl->index, 18U);
	KT_EXPECT_EQ(t, fake_vpci.q[18].enable, 1);
	KT_EXPECT_EQ(t, fake_vpci.q[18].vector, FAKE_VPCI_NO_VECTOR);
	KT_EXPECT_LT(t, td.ctrl->msix_vector, 0);
	KT_EXPECT_NULL(t, strstr(host_log, "polling"));
	if (table_size == 2) {
		expect_shared(t, "MSI-X (shared), queues: 16");
		return;
	}
	expect_vectors(t, 17, 0, true);
	expect_said(t, "MSI-X (per queue), queues: 16");
	expect_each_queue_interrupts(t, true);
}

static void control_queue_past_16_per_queue(struct ktest *t)
{
	control_queue_past_16(t, 20);
}

static void control_queue_past_16_shared(struct ktest *t)
{
	control_queue_past_16(t, 2);
}

/* 2 entries for 4 queues: configuration and one vector all share. */
static void two_vectors_shared(struct ktest *t)
{
	if (setup(t, 4, 2, -1, false))
		expect_shared(t, "MSI-X (shared), queues: 4");
}

/* QEMU's virtio-serial-pci: 64 queues (16 driven), 2 vectors, no INTx. */
static void two_vectors_for_64_queues(struct ktest *t)
{
	if (setup(t, 64, 2, -1, false))
		expect_shared(t, "MSI-X (shared), queues: 16");
}

/* One entry is not enough for configuration and queues: INTx. */
static void one_vector_intx(struct ktest *t)
{
	if (setup(t, 4, 1, -1, true))
		expect_intx(t);
}

static void one_vector_no_intx_polls(struct ktest *t)
{
	if (setup(t, 4, 1, -1, false))
		expect_polling(t);
}

/* No MSI-X capability (QEMU's vectors=0). */
static void no_msix_intx(struct ktest *t)
{
	if (setup(t, 4, 0, -1, true))
		expect_intx(t);
}

static void no_msix_no_intx_polls(struct ktest *t)
{
	if (setup(t, 4, 0, -1, false))
		expect_polling(t);
}

/*
 * Queue 2's own vector (3) refused when queue 2 is set up (vectors are
 * written only then): the shared one (1) instead, for queues 0 and 1
 * too, and the change said.
 */
static void queue_vector_refused_shares(struct ktest *t)
{
	if (!setup(t, 4, 5, 3, false))
		return;
	KT_EXPECT_EQ(t, fake_vpci.msix_enables, 2U);
	expect_vectors(t, 2, 0, false);
	expect_in(t, td.first_queue_log, "MSI-X (per queue), queues: 4");
	expect_in(t, td.last_queue_log, "MSI-X (shared), queues: 4");
	expect_each_queue_interrupts(t, true);
}

/* The shared vector (1) refused too: INTx. */
static void shared_vector_refused_intx(struct ktest *t)
{
	if (setup(t, 4, 5, 1, true))
		expect_intx(t);
}

/* The configuration vector (0) refused, no INTx: polling, said by name. */
static void config_vector_refused_polls(struct ktest *t)
{
	if (setup(t, 4, 5, 0, false))
		expect_polling(t);
}

static struct ktest_case virtio_pci_cases[] = {
	KTEST_CASE(vector_per_queue),
	KTEST_CASE(queues_added_at_features_ok),
	KTEST_CASE(queues_added_at_features_ok_shared),
	KTEST_CASE(control_queue_past_16_per_queue),
	KTEST_CASE(control_queue_past_16_shared),
	KTEST_CASE(two_vectors_shared),
	KTEST_CASE(two_vectors_for_64_queues),
	KTEST_CASE(one_vector_intx),
	KTEST_CASE(one_vector_no_intx_polls),
	KTEST_CASE(no_msix_intx),
	KTEST_CASE(no_msix_no_intx_polls),
	KTEST_CASE(queue_vector_refused_shares),
	KTEST_CASE(shared_vector_refused_intx),
	KTEST_CASE(config_vector_refused_polls),
	{}
};
KTEST_SUITE(host_virtio_pci, virtio_pci_cases);
