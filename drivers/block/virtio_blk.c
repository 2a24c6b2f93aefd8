// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk (virtio 1.2, 5.2) behind the block-device interface.  A
 * request is a header, the data and a status byte; each in-flight
 * request has a slot holding its header and status in memory the device
 * can reach.
 */
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/errno.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <linux/virtio_blk.h>

#define VBLK_QUEUE_SIZE		256
#define VBLK_MAX_SECTORS	1024	/* 512 KiB per request */
#define VBLK_MAX_QUEUES		BLK_MAX_QUEUES
#if defined(CONFIG_VIRTIO_MQ) || defined(__HOST_TEST__)
#define VBLK_PER_CPU		1
#else
#define VBLK_PER_CPU		0
#endif

struct vblk_slot {
	struct virtio_blk_outhdr hdr;
	struct virtio_blk_discard_write_zeroes range;
	u8 status;
	struct blk_request *req;
	u32 data_len;
	bool in_use;
	u8 cpu;				/* the submitter's, to wake it */
};

/*
 * One request queue: its ring, the slots of its requests, and the CPU
 * its interrupt goes to.  The lock covers all three: CPUs that share the
 * queue submit under it, and the owning CPU's interrupt reaps under it.
 */
struct vblk_queue {
	spinlock_t lock;
	struct virtqueue *vq;
	struct vblk_slot *slots;
	unsigned int nr_slots;
	bool queued;			/* added since the last kick */
	int cpu;			/* its interrupt's CPU; -1 without one */
	struct vblk *vb;
	struct blkdev_queue_stats *stats;
};

struct vblk {
	struct blkdev blk;
	struct virtio_device *vdev;
	/*
	 * With VIRTIO_BLK_F_MQ and several CPUs, each CPU submits on queue
	 * cpu % nr_queues, and queue q interrupts CPU q (per_cpu).  With one
	 * CPU, requests go round the queues in turn: the device still gets
	 * to work on several rings.
	 */
	struct vblk_queue q[VBLK_MAX_QUEUES];
	unsigned int nr_queues, next_queue;
	bool per_cpu;
};

static struct vblk *to_vblk(struct blkdev *dev)
{
	return container_of(dev, struct vblk, blk);
}

static bool per_cpu(const struct vblk *vb)
{
	return VBLK_PER_CPU && vb->per_cpu;
}

/* The queue this CPU submits on. */
static struct vblk_queue *queue_here(struct vblk *vb)
{
	unsigned int n;

	if (per_cpu(vb))
		return &vb->q[smp_processor_id() % vb->nr_queues];
	n = __atomic_fetch_add(&vb->next_queue, 1, __ATOMIC_RELAXED);
	return &vb->q[n % vb->nr_queues];
}

static struct vblk_slot *get_slot(struct vblk_queue *q)
{
	for (unsigned int i = 0; i < q->nr_slots; i++) {
		if (!q->slots[i].in_use) {
			q->slots[i].in_use = true;
			return &q->slots[i];
		}
	}
	return NULL;
}

static u32 vblk_type(enum blk_op op)
{
	switch (op) {
	case BLK_READ: return VIRTIO_BLK_T_IN;
	case BLK_WRITE: return VIRTIO_BLK_T_OUT;
	case BLK_FLUSH: return VIRTIO_BLK_T_FLUSH;
	case BLK_DISCARD: return VIRTIO_BLK_T_DISCARD;
	case BLK_WRITE_ZEROES: return VIRTIO_BLK_T_WRITE_ZEROES;
	case BLK_GET_ID: return VIRTIO_BLK_T_GET_ID;
	}
	return VIRTIO_BLK_T_IN;
}

/* header, then data (read-only or writable), then the status byte. */
static unsigned int build(struct vblk_slot *s, struct blk_request *req,
			  struct vq_buf *b, unsigned int *out)
{
	unsigned int n = 0;

	b[n++] = (struct vq_buf){ virt_to_phys(&s->hdr), sizeof(s->hdr) };
	*out = 1;
	switch (req->op) {
	case BLK_WRITE:
		b[n++] = (struct vq_buf){ virt_to_phys(req->buf), s->data_len };
		*out = 2;
		break;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES:
		s->range = (struct virtio_blk_discard_write_zeroes){
			.sector = req->sector, .num_sectors = req->nr_sectors };
		b[n++] = (struct vq_buf){ virt_to_phys(&s->range), sizeof(s->range) };
		*out = 2;
		break;
	case BLK_READ:
	case BLK_GET_ID:
		b[n++] = (struct vq_buf){ virt_to_phys(req->buf), s->data_len };
		break;
	case BLK_FLUSH:
		break;
	}
	b[n++] = (struct vq_buf){ virt_to_phys(&s->status), 1 };
	return n;
}

static int vblk_submit(struct blkdev *dev, struct blk_request *req)
{
	struct vblk *vb = to_vblk(dev);
	struct vblk_queue *q = queue_here(vb);
	struct vq_buf bufs[3];
	unsigned int n, out;
	unsigned long flags;
	struct vblk_slot *s;
	int err = BLK_EBUSY;

	if (vb->vdev->broken)
		return BLK_EBROKEN;
	flags = spin_lock_irqsave(&q->lock);
	s = get_slot(q);
	if (!s)
		goto out;
	s->req = req;
	s->cpu = smp_processor_id();
	s->status = 0xff;		/* a device that writes nothing is caught */
	s->hdr = (struct virtio_blk_outhdr){ .type = vblk_type(req->op),
		.sector = req->op == BLK_READ || req->op == BLK_WRITE ? req->sector : 0 };
	s->data_len = req->op == BLK_GET_ID ? VIRTIO_BLK_ID_BYTES :
		      req->nr_sectors * SECTOR_SIZE;
	n = build(s, req, bufs, &out);
	if (virtqueue_add(q->vq, bufs, out, n - out, s)) {
		s->in_use = false;
		err = vb->vdev->broken ? BLK_EBROKEN : BLK_EBUSY;
		goto out;
	}
	q->queued = true;
	q->stats->requests++;
	err = 0;
out:
	spin_unlock_irqrestore(&q->lock, flags);
	return err;
}

static void kick_queue(struct vblk *vb, struct vblk_queue *q)
{
	unsigned long flags;

	if (!READ_ONCE(q->queued))
		return;
	flags = spin_lock_irqsave(&q->lock);
	if (q->queued && virtqueue_kick(q->vq)) {
		q->stats->notifications++;
		blk_stat_add(&vb->blk.stats.notifications, 1);
	}
	q->queued = false;
	spin_unlock_irqrestore(&q->lock, flags);
}

/* What this CPU queued: its own queue, or (one CPU) every queue. */
static void vblk_kick(struct blkdev *dev)
{
	struct vblk *vb = to_vblk(dev);

	if (per_cpu(vb)) {
		kick_queue(vb, &vb->q[smp_processor_id() % vb->nr_queues]);
		return;
	}
	for (unsigned int i = 0; i < vb->nr_queues; i++)
		kick_queue(vb, &vb->q[i]);
}

/* The device said it is done: check what it says before believing it. */
static int status_of(struct vblk *vb, struct vblk_slot *s, u32 len)
{
	bool reads = s->req->op == BLK_READ || s->req->op == BLK_GET_ID;

	switch (s->status) {
	case VIRTIO_BLK_S_OK:
		if (reads && s->req->op == BLK_READ && len != s->data_len + 1) {
			virtio_break_device(vb->vdev, "read of %u bytes completed with %u",
					    s->data_len, len ? len - 1 : 0);
			return BLK_EBROKEN;
		}
		return BLK_OK;
	case VIRTIO_BLK_S_IOERR:
		return BLK_EIO;
	case VIRTIO_BLK_S_UNSUPP:
		return BLK_EUNSUPP;
	}
	virtio_break_device(vb->vdev, "status byte %#x", s->status);
	return BLK_EBROKEN;
}

/* Slot free again; the request goes on the list to complete once the lock is dropped. */
static void take_back(struct vblk_slot *s, int status, struct blk_request ***tail,
		      struct cpumask *submitters)
{
	struct blk_request *req = s->req;

	if (VBLK_PER_CPU)
		cpumask_set(submitters, s->cpu);
	s->in_use = false;
	s->req = NULL;
	req->status = status;
	req->next = NULL;
	**tail = req;
	*tail = &req->next;
}

/*
 * Done callbacks run without the queue's lock: one may submit again (on
 * this CPU's queue, perhaps this one).
 */
static void complete_list(struct blk_request *list)
{
	while (list) {
		struct blk_request *req = list;

		list = req->next;
		blk_complete(req, req->status);
	}
}

/*
 * A CPU that shares a queue whose interrupt goes to another halts all the
 * same: the CPU that completes its requests wakes it with an IPI (its
 * handler finds no cross-call and returns), instead of it polling the
 * queue under its lock all the while.
 */
static void wake_others(struct vblk_queue *q, struct cpumask *submitters)
{
	if (!per_cpu(q->vb))
		return;
	cpumask_clear_cpu(submitters, smp_processor_id());
	if (!cpumask_weight(submitters))
		return;
	/* A queue CPUs share is polled by each of them: several may wake. */
	blk_stat_add(&q->stats->wakeups, 1);
	smp_send_ipi_mask(submitters);
}

/* The queue's lock held: what the device finished. */
static struct blk_request *reap(struct vblk *vb, struct vblk_queue *q,
				struct cpumask *submitters)
{
	struct blk_request *list = NULL, **tail = &list;
	struct vblk_slot *s;
	u32 len;

	do {
		virtqueue_disable_cb(q->vq);
		while ((s = virtqueue_get_buf(q->vq, &len)))
			take_back(s, status_of(vb, s, len), &tail, submitters);
	} while (!virtqueue_enable_cb(q->vq) && !vb->vdev->broken);
	return list;
}

/* After the device was shut off, nothing will complete: fail what is in flight. */
static void fail_in_flight(struct vblk *vb)
{
	for (unsigned int i = 0; i < vb->nr_queues; i++) {
		struct vblk_queue *q = &vb->q[i];
		struct blk_request *list = NULL, **tail = &list;
		struct cpumask submitters = { { 0 } };
		unsigned long flags = spin_lock_irqsave(&q->lock);

		for (unsigned int j = 0; j < q->nr_slots; j++) {
			if (q->slots[j].in_use)
				take_back(&q->slots[j], BLK_EBROKEN, &tail, &submitters);
		}
		spin_unlock_irqrestore(&q->lock, flags);
		complete_list(list);
		wake_others(q, &submitters);
	}
}

static void reap_and_complete(struct vblk *vb, struct vblk_queue *q)
{
	struct cpumask submitters = { { 0 } };
	struct blk_request *list;

	spin_lock(&q->lock);
	list = reap(vb, q, &submitters);
	spin_unlock(&q->lock);
	complete_list(list);
	wake_others(q, &submitters);
}

/* The queue's interrupt: on the CPU that owns it, with per-CPU queues. */
static void vblk_done(struct virtqueue *vq)
{
	struct vblk_queue *q = vq->priv;
	struct vblk *vb = q->vb;
	unsigned int cpu = smp_processor_id();

	blk_stat_add(&vb->blk.stats.interrupts, 1);
	q->stats->interrupts++;
	if ((int)cpu != q->cpu)
		q->stats->elsewhere++;
	if (cpu < BLK_STAT_CPUS)
		blk_stat_add(&vb->blk.stats.cpu_interrupts[cpu], 1);
	reap_and_complete(vb, q);
	if (vb->vdev->broken)
		fail_in_flight(vb);
}

/* This CPU's queue (one CPU: every queue), as its interrupt would. */
static void vblk_poll(struct blkdev *dev)
{
	struct vblk *vb = to_vblk(dev);
	unsigned long flags = local_irq_save();

	if (per_cpu(vb)) {
		reap_and_complete(vb, &vb->q[smp_processor_id() % vb->nr_queues]);
	} else {
		for (unsigned int i = 0; i < vb->nr_queues; i++)
			reap_and_complete(vb, &vb->q[i]);
	}
	if (vb->vdev->broken)
		fail_in_flight(vb);
	local_irq_restore(flags);
}

static bool vblk_irq_here(struct blkdev *dev)
{
	struct vblk *vb = to_vblk(dev);
	unsigned int cpu = smp_processor_id();

	/* Its own queue's interrupt, or the IPI of the CPU that takes it. */
	if (per_cpu(vb))
		return vb->q[cpu % vb->nr_queues].cpu >= 0;
	return cpu == (unsigned int)max(vb->q[0].cpu, 0);
}

static void vblk_shutdown(struct blkdev *dev, const char *why)
{
	struct vblk *vb = to_vblk(dev);

	virtio_break_device(vb->vdev, "%s", why);
	fail_in_flight(vb);
}

static const struct blkdev_ops vblk_ops = {
	.submit = vblk_submit,
	.kick = vblk_kick,
	.poll = vblk_poll,
	.irq_here = vblk_irq_here,
	.shutdown = vblk_shutdown,
};

static void vblk_read_config(struct vblk *vb)
{
	struct virtio_device *vdev = vb->vdev;
	u64 capacity;
	u32 size_max = 0;

	virtio_cread(vdev, offsetof(struct virtio_blk_config, capacity), &capacity, 8);
	vb->blk.nr_sectors = capacity;
	vb->blk.max_sectors = VBLK_MAX_SECTORS;
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_SIZE_MAX)) {
		virtio_cread(vdev, offsetof(struct virtio_blk_config, size_max), &size_max, 4);
		if (size_max >= SECTOR_SIZE)
			vb->blk.max_sectors = min(vb->blk.max_sectors, size_max / SECTOR_SIZE);
	}
	vb->blk.read_only = virtio_has_feature(vdev, VIRTIO_BLK_F_RO);
	vb->blk.has_flush = virtio_has_feature(vdev, VIRTIO_BLK_F_FLUSH);
	vb->blk.has_discard = virtio_has_feature(vdev, VIRTIO_BLK_F_DISCARD);
	vb->blk.has_write_zeroes = virtio_has_feature(vdev, VIRTIO_BLK_F_WRITE_ZEROES);
}

static const char *const queue_names[VBLK_MAX_QUEUES] = {
	"requests0", "requests1", "requests2", "requests3",
	"requests4", "requests5", "requests6", "requests7",
};

/* The device's queues, at most one per CPU when there are several. */
static unsigned int vblk_nr_queues(struct virtio_device *vdev, unsigned int cpus)
{
	u16 n = 1;

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_MQ))
		virtio_cread(vdev, offsetof(struct virtio_blk_config, num_queues), &n, 2);
	n = min(max(n, (u16)1), (u16)VBLK_MAX_QUEUES);
	return cpus > 1 ? min((unsigned int)n, cpus) : n;
}

/* Requests a queue holds: without indirect descriptors one takes up to three slots. */
static unsigned int vblk_queue_room(const struct virtqueue *vq)
{
	return vq->indirect ? vq->num : vq->num / 3;
}

/*
 * Queue q's interrupt to CPU q; where that cannot be (INTx, MMIO) every
 * queue's interrupt stays on the boot CPU, which then completes for all.
 * With one CPU, none moves.
 */
static void vblk_route(struct vblk *vb)
{
	for (unsigned int i = 0; i < vb->nr_queues; i++) {
		struct vblk_queue *q = &vb->q[i];

		q->cpu = virtio_bind_queue(&q->vq, 1, i);
		q->stats->cpu = q->cpu;
	}
}

static int vblk_setup_queues(struct vblk *vb, unsigned int cpus)
{
	unsigned int room = ~0U;

	vb->per_cpu = VBLK_PER_CPU && cpus > 1;
	vb->nr_queues = vblk_nr_queues(vb->vdev, vb->per_cpu ? cpus : 1);
	for (unsigned int i = 0; i < vb->nr_queues; i++) {
		struct virtqueue *vq = virtio_find_vq(vb->vdev, i, VBLK_QUEUE_SIZE,
						      vblk_done, queue_names[i]);

		if (!vq)
			return -ENODEV;
		vq->priv = &vb->q[i];
		vb->q[i] = (struct vblk_queue){ .lock = SPINLOCK_INIT, .vq = vq, .vb = vb,
			.stats = &vb->blk.queue_stats[i] };
		room = min(room, vblk_queue_room(vq));
	}
	/*
	 * Every queue gets as many slots as the smallest takes: round robin
	 * fills them evenly (a later queue may be the smaller one, and a
	 * request it cannot take would stall the rest), and CPUs get the
	 * same depth whichever queue is theirs.
	 */
	if (!room)
		return -ENODEV;
	for (unsigned int i = 0; i < vb->nr_queues; i++) {
		vb->q[i].nr_slots = room;
		vb->q[i].slots = kzalloc(room * sizeof(struct vblk_slot));
		if (!vb->q[i].slots)
			return -ENOMEM;
	}
	vb->blk.nr_queues = vb->nr_queues;
	vb->blk.queue_depth = room * vb->nr_queues;
	vblk_route(vb);
	return 0;
}

static int vblk_probe(struct virtio_device *vdev)
{
	struct vblk *vb = kzalloc(sizeof(*vb));
	int err;

	if (!vb)
		return -ENOMEM;
	vb->vdev = vdev;
	vdev->priv = vb;
	err = vblk_setup_queues(vb, nr_cpus_online);
	if (err)
		return err;
	vblk_read_config(vb);
	vb->blk.driver = "virtio-blk";
	vb->blk.ops = &vblk_ops;
	vb->blk.polled = vdev->polling;
	vb->blk.driver_data = vb;
	blkdev_name(vb->blk.name, sizeof(vb->blk.name), "vd");
	blkdev_register(&vb->blk);
	if (vb->nr_queues > 1)
		pr_info("%s: %u request queues%s\n", vb->blk.name, vb->nr_queues,
			per_cpu(vb) ? ", one per CPU" : "");
	return 0;
}

static const struct virtio_driver virtio_blk_driver = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = (1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_SEG_MAX) |
		    (1ULL << VIRTIO_BLK_F_RO) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		    (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_DISCARD) |
		    (1ULL << VIRTIO_BLK_F_WRITE_ZEROES) | (1ULL << VIRTIO_BLK_F_MQ),
	.probe = vblk_probe,
};
DEFINE_VIRTIO_DRIVER(virtio_blk_driver);
