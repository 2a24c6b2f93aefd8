// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for virtio-blk (drivers/block/virtio_blk.c) and the
 * block layer over the fake virtio transport: the input is a script of
 * submissions, an honest device serving a disk in memory, a hostile one
 * (any used id or length, any status byte), polls, interrupts and
 * shutdowns.  Whatever the device does:
 *   - every request completes at most once, with a status of the set;
 *   - a read that completes OK holds the bytes the device served for it
 *     (no request gets another's data);
 *   - nothing is lost: at the end, an honest device finishes the rest, or
 *     a device that was shut off has failed everything in flight.
 *
 * Split rings (with and without indirect descriptors and event indices);
 * the packed ring's device side is in virtqueue_fuzz.  Memory comes from
 * an arena reset for each input, so a driver instance per input leaks
 * nothing.  Run: build/fuzz/virtio_blk_fuzz -max_total_time=60
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/blkdev.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <linux/virtio_blk.h>
#include "../unit/fake_virtio.h"

#define NREQ		16
#define REQ_BYTES	4096
#define DISK_SECTORS	64
#define ARENA_BYTES	(4 << 20)

enum { IDLE, QUEUED, DONE };

static struct fake_dev dev;
static u8 disk[DISK_SECTORS * SECTOR_SIZE];
static u8 bufs[NREQ][REQ_BYTES];
static u8 served[NREQ][REQ_BYTES];	/* what the device gave each read */
static struct blk_request reqs[NREQ];
static int state[NREQ];

/* ---- the kernel's environment ---- */

static u8 arena[ARENA_BYTES] __aligned(4096);
static size_t arena_used;

static void *arena_alloc(size_t size, size_t align)
{
	size_t at = ALIGN_UP(arena_used, align);

	if (at + size > sizeof(arena))
		return NULL;
	arena_used = at + size;
	return arena + at;
}

void *kmalloc(size_t size) { return arena_alloc(size, 16); }
void kfree(void *p) { }
void *alloc_pages(unsigned long n) { return arena_alloc(n * PAGE_SIZE, PAGE_SIZE); }
void free_pages(void *va, unsigned long n) { }

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

static u64 now_ns;

u64 ktime_get_ns(void)
{
	return now_ns;
}

int printk(const char *fmt, ...)
{
	return 0;
}

void panic(const char *fmt, ...)
{
	__builtin_trap();
}

int console_printf(const char *fmt, ...)
{
	return 0;
}

/* ---- the device ---- */

static int buf_index(u64 addr)
{
	u8 *p = phys_to_virt(addr);

	if (p < bufs[0] || p >= (u8 *)bufs + sizeof(bufs))
		return -1;
	return (p - bufs[0]) / REQ_BYTES;
}

/* The chain's descriptors in order, direct or through an indirect table. */
static unsigned int chain_descs(u16 head, struct vring_desc *out, unsigned int max)
{
	struct virtqueue *vq = dev.vq;
	struct vring_desc *table = vq->desc;
	unsigned int n = 0, limit = vq->num;
	u16 i = head;

	if (table[head].flags & VRING_DESC_F_INDIRECT) {
		table = phys_to_virt(table[head].addr);
		limit = vq->desc[head].len / 16;
		i = 0;
	}
	while (n < max && n < limit && i < limit) {
		out[n++] = table[i];
		if (!(table[i].flags & VRING_DESC_F_NEXT))
			break;
		i = table[i].next;
	}
	return n;
}

/* Serves pending request p honestly, or with the status byte given. */
static void serve(unsigned int p, int status)
{
	struct vring_desc d[3];
	unsigned int n = chain_descs(dev.pending[p].id, d, 3);
	struct virtio_blk_outhdr *hdr = phys_to_virt(d[0].addr);
	u8 *st = phys_to_virt(d[n - 1].addr);

	if (n == 3 && hdr->sector < DISK_SECTORS &&
	    d[1].len <= (DISK_SECTORS - hdr->sector) * SECTOR_SIZE) {
		u8 *data = phys_to_virt(d[1].addr);
		u8 *at = disk + hdr->sector * SECTOR_SIZE;
		int i = buf_index(d[1].addr);

		if (hdr->type == VIRTIO_BLK_T_IN) {
			memcpy(data, at, d[1].len);
			if (i >= 0)
				memcpy(served[i], at, d[1].len);
		} else if (hdr->type == VIRTIO_BLK_T_OUT) {
			memcpy(at, data, d[1].len);
		}
	}
	*st = status < 0 ? VIRTIO_BLK_S_OK : status;
	fake_complete(&dev, p, -1);
}

/* ---- the driver's user ---- */

static void done(struct blk_request *req)
{
	unsigned int i = req - reqs;

	if (i >= NREQ || state[i] != QUEUED)
		abort();		/* completed twice, or never queued */
	if (req->status != BLK_OK && req->status != BLK_EIO &&
	    req->status != BLK_EUNSUPP && req->status != BLK_EBROKEN)
		abort();
	if (req->status == BLK_OK && req->op == BLK_READ &&
	    memcmp(bufs[i], served[i], req->nr_sectors * SECTOR_SIZE))
		abort();		/* another request's data, or none */
	state[i] = DONE;
}

static void submit(struct blkdev *d, const u8 *op)
{
	unsigned int i = op[1] % NREQ;
	static const enum blk_op ops[] = { BLK_READ, BLK_WRITE, BLK_FLUSH };

	if (state[i] == QUEUED)
		return;
	memset(served[i], 0xee, sizeof(served[i]));
	memset(bufs[i], op[3], sizeof(bufs[i]));
	reqs[i] = (struct blk_request){
		.op = ops[op[2] % 3], .sector = op[3] % DISK_SECTORS,
		.nr_sectors = op[2] / 3 % 8 + 1, .buf = bufs[i], .done = done,
	};
	if (blkdev_queue(d, &reqs[i]) == 0)
		state[i] = QUEUED;
	if (op[2] & 0x80)
		blkdev_kick(d);
}

static const struct virtio_driver *blk_driver(void)
{
	extern const struct virtio_driver *const __start_virtio_drivers[];
	extern const struct virtio_driver *const __stop_virtio_drivers[];

	for (const struct virtio_driver *const *p = __start_virtio_drivers;
	     p < __stop_virtio_drivers; p++) {
		if ((*p)->device_id == VIRTIO_ID_BLOCK)
			return *p;
	}
	abort();
}

/* The driver on a fresh device; its block device. */
static struct blkdev *probe(u8 flags)
{
	static const u8 offered[] = {	/* by the low bits of flags */
		VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX, VIRTIO_BLK_F_FLUSH,
	};
	u64 features = 1ULL << VIRTIO_F_VERSION_1, capacity = DISK_SECTORS;

	for (unsigned int i = 0; i < ARRAY_SIZE(offered); i++) {
		if (flags & 1 << i)
			features |= 1ULL << offered[i];
	}
	fake_init_device(&dev, VIRTIO_ID_BLOCK, features);
	dev.vdev.features = features;
	dev.vdev.polling = true;
	dev.queue_max[0] = 4 << (flags >> 3 & 3);	/* 4 .. 32 */
	memcpy(dev.config, &capacity, sizeof(capacity));
	if (blk_driver()->probe(&dev.vdev))
		return NULL;
	return blkdev_first();
}

static void step(struct blkdev *d, const u8 *op)
{
	switch (op[0] % 7) {
	case 0:
		submit(d, op);
		break;
	case 1:			/* honest */
		fake_take(&dev);
		if (dev.nr_pending)
			serve(op[1] % dev.nr_pending, -1);
		break;
	case 2:			/* any status byte */
		fake_take(&dev);
		if (dev.nr_pending)
			serve(op[1] % dev.nr_pending, op[2]);
		break;
	case 3:			/* any used entry */
		fake_used_raw(&dev, op[1] % 64, op[2] | op[3] << 8);
		break;
	case 4:
		blkdev_poll(d);
		break;
	case 5:
		virtqueue_interrupt(dev.vq);
		break;
	case 6:
		if (op[1] == 0xff)
			d->ops->shutdown(d, "fuzz");
		else
			now_ns += op[1] * 1000000ULL;
		break;
	}
}

/* Nothing lost: an honest device finishes the rest, or all failed. */
static void finish(struct blkdev *d)
{
	blkdev_kick(d);
	for (int round = 0; round < 4 * NREQ && !dev.vdev.broken; round++) {
		fake_take(&dev);
		if (!dev.nr_pending)
			break;
		serve(0, -1);
	}
	blkdev_poll(d);
	for (unsigned int i = 0; i < NREQ; i++) {
		if (state[i] == QUEUED)
			abort();	/* served (or shut off), yet still waiting */
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct blkdev *d;

	if (size < 1)
		return 0;
	arena_used = 0;
	memset(state, 0, sizeof(state));
	memset(disk, 0x5a, sizeof(disk));
	d = probe(data[0]);
	if (!d)
		abort();
	for (size_t p = 1; p + 4 <= size; p += 4)
		step(d, data + p);
	finish(d);
	blkdev_unregister(d);
	return 0;
}
