// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-balloon (virtio 1.2, 5.5): the host sets num_pages, the pages
 * it wants back; the driver takes that many from the page allocator
 * (mm/balloon.c), names their frames on the inflate queue and writes
 * actual.  When the host lowers num_pages the driver names frames on the
 * deflate queue and only then gives them back to the allocator, which
 * VIRTIO_BALLOON_F_MUST_TELL_HOST asks for and is right without it too.
 *
 * The work is done in passes of at most VB_PASS_PAGES pages, one request
 * in flight, from a timer: a configuration-change interrupt only starts
 * it.  A host asking for more than the guest can spare gets what the
 * balloon's floor allows and one log line; it never starves the kernel.
 */
#include <pvkit/balloon.h>
#include <pvkit/errno.h>
#include <pvkit/irqflags.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <linux/virtio_balloon.h>

/* Frame numbers per request: the same as Linux's one-page array. */
#define VB_PASS_PAGES	256
/* Between passes: the rest of the kernel runs. */
#define VB_PASS_GAP_NS	(200 * NSEC_PER_USEC)
/* A polled device is asked for its target this often. */
#define VB_POLL_NS	(100 * NSEC_PER_MSEC)
/* A request the device has not used by then broke it. */
#define VB_REQUEST_NS	(5 * NSEC_PER_SEC)

_Static_assert(PAGE_SHIFT == VIRTIO_BALLOON_PFN_SHIFT, "balloon pages are pages");
/* The allocator's pages are in the direct map: their frames fit 32 bits. */
_Static_assert((DIRECT_MAP_SIZE >> PAGE_SHIFT) - 1 <= 0xffffffffULL,
	       "balloon frame numbers are 32 bits");

enum vb_op { VB_IDLE, VB_INFLATE, VB_DEFLATE };

struct vballoon {
	struct virtio_device *vdev;
	struct virtqueue *inflate, *deflate, *stats;
	struct balloon balloon;
	struct timer pass;
	bool reread;			/* read num_pages on the next pass */
	u32 target;			/* num_pages, as last read */
	u32 warned_target;		/* the target the short log line was for */
	u32 host_target;		/* num_pages as read, before the cap */
	/* The request in flight. */
	enum vb_op op;
	unsigned int nr;
	u64 deadline;
	unsigned long frames[VB_PASS_PAGES];
	u32 pfns[VB_PASS_PAGES];	/* what the device reads: le32 */
	struct virtio_balloon_stat stat_buf[2];
};

/* One page: the buffers the device reads never cross a page. */
_Static_assert(sizeof(struct vballoon) <= PAGE_SIZE, "vballoon fits a page");

static u32 read_u32(struct vballoon *vb, unsigned int off)
{
	u32 v;

	virtio_cread(vb->vdev, off, &v, sizeof(v));
	return v;			/* little-endian, as x86 is */
}

static void write_actual(struct vballoon *vb)
{
	u32 actual = vb->balloon.nr_pages;

	vb->vdev->config->set_config(vb->vdev,
				     offsetof(struct virtio_balloon_config, actual),
				     &actual, sizeof(actual));
}

static void vballoon_pass(struct timer *t);

static void schedule_pass(struct vballoon *vb, u64 delay_ns)
{
	timer_start(&vb->pass, ktime_get_ns() + delay_ns, vballoon_pass);
}

/* A polled device is looked at soon; else its interrupt or the deadline. */
static void wait_request(struct vballoon *vb)
{
	if (vb->vdev->polling)
		schedule_pass(vb, VB_PASS_GAP_NS);
	else
		timer_start(&vb->pass, vb->deadline, vballoon_pass);
}

/* num_pages, once per change: anything up to all the guest's pages. */
static void read_target(struct vballoon *vb)
{
	u32 want = read_u32(vb, offsetof(struct virtio_balloon_config, num_pages));
	unsigned long have = nr_managed_pages();

	vb->reread = false;
	if (want > have && want != vb->host_target)
		pr_warn("%s: the host asks for %u pages, the guest has %lu\n",
			vb->vdev->name, want, have);
	vb->host_target = want;
	if (want > have)
		want = have;
	if (want != vb->target)
		pr_info("%s: target %u pages (%u KiB), holding %lu\n", vb->vdev->name,
			want, want * (u32)(PAGE_SIZE / KiB), vb->balloon.nr_pages);
	vb->target = want;
}

static int submit(struct vballoon *vb, struct virtqueue *vq, enum vb_op op)
{
	struct vq_buf buf = { virt_to_phys(vb->pfns), vb->nr * sizeof(u32) };
	int err;

	for (unsigned int i = 0; i < vb->nr; i++)
		vb->pfns[i] = vb->frames[i];
	err = virtqueue_add(vq, &buf, 1, 0, vb);
	if (err)
		return err;
	virtqueue_kick(vq);
	vb->op = op;
	vb->deadline = ktime_get_ns() + VB_REQUEST_NS;
	return 0;
}

static void start_inflate(struct vballoon *vb)
{
	unsigned long want = min(vb->target - vb->balloon.nr_pages,
				 (unsigned long)VB_PASS_PAGES);

	vb->nr = balloon_take(&vb->balloon, vb->frames, want);
	if (!vb->nr) {
		if (vb->warned_target != vb->target)
			pr_warn("%s: the host asks for %u pages, the guest can give %lu: keeping %lu pages free\n",
				vb->vdev->name, vb->target, vb->balloon.nr_pages,
				vb->balloon.floor);
		vb->warned_target = vb->target;
		return;
	}
	if (submit(vb, vb->inflate, VB_INFLATE)) {
		balloon_release(&vb->balloon, vb->frames, vb->nr);
		vb->nr = 0;
	}
}

static void start_deflate(struct vballoon *vb)
{
	unsigned long want = min(vb->balloon.nr_pages - vb->target,
				 (unsigned long)VB_PASS_PAGES);

	vb->nr = balloon_pop(&vb->balloon, vb->frames, want);
	if (vb->nr && submit(vb, vb->deflate, VB_DEFLATE)) {
		balloon_unpop(&vb->balloon, vb->frames, vb->nr);
		vb->nr = 0;
	}
}

/* The request in flight: true once it is done (or gave up). */
static bool finish_request(struct vballoon *vb)
{
	struct virtqueue *vq = vb->op == VB_INFLATE ? vb->inflate : vb->deflate;
	void *token = virtqueue_get_buf(vq, NULL);

	if (!token) {
		if (ktime_get_ns() < vb->deadline)
			return false;
		virtio_break_device(vb->vdev, "%s request of %u pages not used within 5 s",
				    vb->op == VB_INFLATE ? "inflate" : "deflate", vb->nr);
		return true;
	}
	if (token != vb) {
		virtio_break_device(vb->vdev, "used a request never made");
		return true;
	}
	/* Told: a deflated page is the guest's again. */
	if (vb->op == VB_DEFLATE)
		balloon_release(&vb->balloon, vb->frames, vb->nr);
	vb->op = VB_IDLE;
	write_actual(vb);
	return true;
}

/*
 * One pass: finish the request in flight, then start the next towards
 * the target.  Runs from the timer interrupt, interrupts off.
 */
static void vballoon_pass(struct timer *t)
{
	struct vballoon *vb = container_of(t, struct vballoon, pass);

	if (vb->vdev->broken)
		return;
	if (vb->op != VB_IDLE && !finish_request(vb)) {
		wait_request(vb);
		return;
	}
	if (vb->vdev->broken)
		return;
	if (vb->reread || vb->vdev->polling)
		read_target(vb);
	if (vb->target > vb->balloon.nr_pages && vb->warned_target != vb->target)
		start_inflate(vb);
	else if (vb->target < vb->balloon.nr_pages)
		start_deflate(vb);
	if (vb->op != VB_IDLE)
		wait_request(vb);
	else if (vb->vdev->polling)
		schedule_pass(vb, VB_POLL_NS);
}

/* The inflate or deflate request was used: the next pass soon. */
static void vballoon_done(struct virtqueue *vq)
{
	schedule_pass(vq->vdev->priv, VB_PASS_GAP_NS);
}

static void vballoon_config_changed(struct virtio_device *vdev)
{
	struct vballoon *vb = vdev->priv;

	if (!vb)
		return;		/* still probing: ready reads the target */
	vb->reread = true;
	/* A new target may be one the guest can now give. */
	vb->warned_target = 0;
	if (vb->op == VB_IDLE)
		schedule_pass(vb, 0);
}

/* What the host reads on the stats queue: free and total, in bytes. */
static void fill_stats(struct vballoon *vb)
{
	vb->stat_buf[0].tag = VIRTIO_BALLOON_S_MEMFREE;
	vb->stat_buf[0].val = (u64)nr_free_pages() * PAGE_SIZE;
	vb->stat_buf[1].tag = VIRTIO_BALLOON_S_MEMTOT;
	vb->stat_buf[1].val = (u64)(nr_managed_pages() - vb->balloon.nr_pages) * PAGE_SIZE;
}

static void give_stats(struct vballoon *vb)
{
	struct vq_buf buf = { virt_to_phys(vb->stat_buf), sizeof(vb->stat_buf) };

	fill_stats(vb);
	if (virtqueue_add(vb->stats, &buf, 1, 0, vb->stat_buf) == 0)
		virtqueue_kick(vb->stats);
}

/* The device used the stats buffer: it wants them fresh (5.5.6.3). */
static void vballoon_stats_done(struct virtqueue *vq)
{
	struct vballoon *vb = vq->vdev->priv;
	void *token;
	unsigned int n = 0;

	while ((token = virtqueue_get_buf(vq, NULL))) {
		if (token != vb->stat_buf) {
			virtio_break_device(vb->vdev, "used a stats buffer never given");
			return;
		}
		n++;
	}
	if (n)
		give_stats(vb);
}

static int vballoon_probe(struct virtio_device *vdev)
{
	struct vballoon *vb;

	vb = alloc_pages(1);
	if (!vb)
		return -ENOMEM;
	memset(vb, 0, sizeof(*vb));
	vb->vdev = vdev;
	vdev->priv = vb;
	balloon_init(&vb->balloon, vdev->name, balloon_default_floor());
	vb->inflate = virtio_find_vq(vdev, 0, 8, vballoon_done, "inflate");
	vb->deflate = virtio_find_vq(vdev, 1, 8, vballoon_done, "deflate");
	if (!vb->inflate || !vb->deflate)
		return -ENODEV;
	if (virtio_has_feature(vdev, VIRTIO_BALLOON_F_STATS_VQ)) {
		vb->stats = virtio_find_vq(vdev, 2, 8, vballoon_stats_done, "stats");
		if (!vb->stats)
			return -ENODEV;
	}
	return 0;
}

/* After DRIVER_OK: the first stats, and the target the host set already. */
static void vballoon_ready(struct virtio_device *vdev)
{
	struct vballoon *vb = vdev->priv;
	unsigned long flags = local_irq_save();

	if (vb->stats)
		give_stats(vb);
	vb->reread = true;
	schedule_pass(vb, 0);
	local_irq_restore(flags);
}

static const struct virtio_driver virtio_balloon_driver = {
	.name = "virtio-balloon",
	.device_id = VIRTIO_ID_BALLOON,
	.features = (1ULL << VIRTIO_BALLOON_F_MUST_TELL_HOST) |
		    (1ULL << VIRTIO_BALLOON_F_STATS_VQ),
	.probe = vballoon_probe,
	.ready = vballoon_ready,
	.config_changed = vballoon_config_changed,
};
DEFINE_VIRTIO_DRIVER(virtio_balloon_driver);
