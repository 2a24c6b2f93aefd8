/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Block devices: what apps see of virtio-blk, Xen blkfront, ATA/AHCI.
 * A request is a contiguous run of 512-byte sectors to or from one
 * buffer that is physically contiguous (page allocator memory or
 * kmalloc), so that drivers can hand its physical address to the
 * device.  Requests are asynchronous: submit, then the completion
 * callback runs (from an interrupt or from blkdev_poll()).
 */
#ifndef _PVKIT_BLKDEV_H
#define _PVKIT_BLKDEV_H

#include <pvkit/errno.h>
#include <pvkit/types.h>

#define SECTOR_SIZE	512
#define BLK_MAX_QUEUES	8
#define BLK_STAT_CPUS	8

enum blk_op {
	BLK_READ,
	BLK_WRITE,
	BLK_FLUSH,
	BLK_DISCARD,
	BLK_WRITE_ZEROES,
	BLK_GET_ID,		/* buf gets up to 20 bytes of serial number */
};

/* A request's status: 0 or a negative errno, named for the block layer. */
enum blk_status {
	BLK_OK = 0,
	BLK_EIO = -EIO,		/* the device reported an error */
	BLK_EUNSUPP = -EOPNOTSUPP,	/* the device does not do this */
	BLK_EBROKEN = -EPROTO,	/* the device broke the protocol and was shut off */
	BLK_EINVAL = -EINVAL,	/* out of range, misaligned */
	BLK_EBUSY = -EBUSY,	/* no room in the queue now: retry after a completion */
};

struct blk_request;
typedef void (*blk_done_t)(struct blk_request *req);

struct blk_request {
	enum blk_op op;
	u64 sector;
	u32 nr_sectors;
	void *buf;
	int status;			/* enum blk_status, set before done() */
	blk_done_t done;
	void *private;			/* the submitter's */
	u64 submit_tsc;			/* for latency figures */
	/* driver bookkeeping */
	void *driver_data;
	struct blk_request *next;
};

/* A driver hands a request back: its status, then its submitter's callback. */
static inline void blk_complete(struct blk_request *req, int status)
{
	req->status = status;
	if (req->done)
		req->done(req);
}

struct blkdev;

struct blkdev_ops {
	/* Queues req; returns 0, or a status without calling done(). */
	int (*submit)(struct blkdev *dev, struct blk_request *req);
	/* Tells the device about what was queued (optional: submit may do it). */
	void (*kick)(struct blkdev *dev);
	/* Reaps completions without waiting for an interrupt. */
	void (*poll)(struct blkdev *dev);
	/*
	 * Optional: whether the completions of what this CPU submits raise
	 * an interrupt on this CPU, so that it may halt until they come.
	 * Without it, only CPU 0 takes a device's interrupts.
	 */
	bool (*irq_here)(struct blkdev *dev);
	/*
	 * Gives up on the device: it is stopped, requests in flight fail.  A
	 * device that cannot be confirmed stopped keeps its requests (the
	 * driver says so): their buffers are never handed back while it may
	 * still write them.
	 */
	void (*shutdown)(struct blkdev *dev, const char *why);
};

struct blkdev_stats {
	unsigned long requests;
	unsigned long notifications;	/* doorbell writes / event-channel kicks */
	unsigned long interrupts;
	/*
	 * Port and MMIO accesses that trap to the hypervisor, for drivers
	 * of emulated devices that count every one (ATA, AHCI): the cost of
	 * a request in exits, whatever the machine's speed.
	 */
	unsigned long traps;
	/* Interrupts taken on each of the first BLK_STAT_CPUS CPUs (multi-queue drivers). */
	unsigned long cpu_interrupts[BLK_STAT_CPUS];
};

/* One request queue of a multi-queue device, and the CPU its interrupt goes to. */
struct blkdev_queue_stats {
	unsigned long requests;
	unsigned long notifications;
	unsigned long interrupts;
	unsigned long elsewhere;	/* interrupts taken on a CPU other than cpu */
	unsigned long wakeups;		/* IPIs to CPUs whose requests it completed */
	int cpu;			/* -1: no interrupt of its own */
};

/* Counters that CPUs submitting at once share. */
static inline void blk_stat_add(unsigned long *counter, unsigned long n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

struct blkdev {
	char name[16];			/* "vda", "xvda", "sda" */
	const char *driver;		/* "virtio-blk", ... */
	u64 nr_sectors;
	bool read_only;
	unsigned int queue_depth;	/* requests that can be in flight */
	unsigned int max_sectors;	/* per request */
	bool has_flush, has_discard, has_write_zeroes;
	bool polled;			/* no interrupts: waiters must poll */
	bool counts_traps;		/* stats.traps is kept */
	/*
	 * The longest one sector may take where the driver bounds each sector
	 * by a deadline of its own (PIO: every word an exit); 0 otherwise.
	 */
	u64 sector_time_ns;
	const struct blkdev_ops *ops;
	struct blkdev_stats stats;
	/* Multi-queue drivers: the queues, each with its own counts (0: one queue). */
	unsigned int nr_queues;
	struct blkdev_queue_stats queue_stats[BLK_MAX_QUEUES];
	void *driver_data;
	struct blkdev *next;
};

/* Drivers register; names are given by the driver ("vd" + letter). */
void blkdev_register(struct blkdev *dev);
/* The driver takes it away (nothing may be in flight). */
void blkdev_unregister(struct blkdev *dev);
struct blkdev *blkdev_find(const char *name);
struct blkdev *blkdev_first(void);
/* The next free name with this prefix: "vda", "vdb", ... */
void blkdev_name(char *buf, size_t len, const char *prefix);

/* Checks the request against the device and queues it; 0 or a status. */
int blkdev_queue(struct blkdev *dev, struct blk_request *req);
/* Tells the device about everything queued since the last kick. */
void blkdev_kick(struct blkdev *dev);
/* blkdev_queue() and blkdev_kick(). */
int blkdev_submit(struct blkdev *dev, struct blk_request *req);
void blkdev_poll(struct blkdev *dev);
/*
 * Whether a waiter on this CPU may halt until its completions come: the
 * device has interrupts and routes those of this CPU's requests here.
 * Otherwise it polls (blkdev_poll()).
 */
bool blkdev_may_halt(struct blkdev *dev);
/* Submits and waits (halting between interrupts); returns the status. */
int blkdev_rw_sync(struct blkdev *dev, enum blk_op op, u64 sector,
		   u32 nr_sectors, void *buf);

#endif
