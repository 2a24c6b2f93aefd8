// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench: block I/O throughput and latency through the block-device
 * interface, so the same run measures virtio-blk, Xen blkfront or an
 * emulated disk.
 *
 *   app=blkbench bench.mode=randread|randwrite|read|write
 *                bench.bs=4K bench.qd=32 bench.time=3 bench.span=64M
 *                bench.dev=vda bench.warmup=0.5
 *                bench.reqs=N bench.mark=1
 *
 * bench.reqs=N ends the measured phase after N completions (or bench.time,
 * whichever comes first): a fixed amount of work, for counts a test can
 * assert.  bench.mark=1 brackets the measured phase with exit_mark()s
 * (MARK_MEASURE, MARK_END): in the nested KVM bed, KVM's own exits in it
 * are counted from its trace (tests/kvm/, tests/tools/exits.py
 * per-request), and the "blkbench: mark" line gives their requests.
 *
 * Requests are kept bench.qd deep: completions (from interrupts) are
 * collected and resubmitted together with one kick, as an application
 * with its own event loop would.  It prints IOPS, MB/s, latency
 * percentiles, and notifications and interrupts per request (and, for
 * the emulated disks, every trapping port or MMIO access per request):
 * counts that do not depend on the machine's speed.
 *
 * Latency is fio's total latency ("lat"): from the request handed to the
 * block layer (blkdev_queue stamps it, before the kick) to its completion
 * seen (the done callback).  Every completion of the measured interval
 * is counted, in a histogram (lib/histogram.c, within 0.8%); the warm-up
 * runs the same workload for bench.warmup_ms first and counts nothing,
 * as fio's ramp_time: a request in flight when measuring starts counts
 * when it completes, one completing after the end is left out.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/blkdev.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/histogram.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#define MAX_QD		128
#define MARK_MEASURE	0xb0
#define MARK_END	0xbf

struct bench {
	struct blkdev *dev;
	bool write, random;
	u32 bs_sectors;
	u64 span_sectors;
	unsigned int qd;
	u64 rng;
	u64 seq_next;
	struct blk_request reqs[MAX_QD];
	struct blk_request *done_list;	/* completed, waiting to be resubmitted */
	unsigned int in_flight;
	bool measuring;
	unsigned long errors;		/* completions measured: lat.count */
	struct histogram lat;		/* TSC cycles */
	unsigned long limit;		/* bench.reqs: completions to measure, 0 = by time */
};

/* Allocated when the app runs: its 60 KiB would otherwise be .bss cleared at every boot. */
static struct bench *b;

static u64 next_rand(void)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

static u64 next_sector(void)
{
	u64 slots = b->span_sectors / b->bs_sectors, s;

	if (b->random)
		return next_rand() % slots * b->bs_sectors;
	s = b->seq_next;
	b->seq_next = (b->seq_next + b->bs_sectors) % (slots * b->bs_sectors);
	return s;
}

/* Runs in the interrupt (or poll): record, and queue for resubmission. */
static void bench_done(struct blk_request *req)
{
	b->in_flight--;
	if (req->status)
		b->errors++;
	if (b->measuring)
		hist_record(&b->lat, rdtsc() - req->submit_tsc);
	req->next = b->done_list;
	b->done_list = req;
}

static int submit(struct blk_request *req)
{
	req->op = b->write ? BLK_WRITE : BLK_READ;
	req->sector = next_sector();
	req->nr_sectors = b->bs_sectors;
	req->done = bench_done;
	if (blkdev_queue(b->dev, req))
		return -EBUSY;
	b->in_flight++;
	return 0;
}

/* Resubmits everything that completed, then one kick. */
static void refill(void)
{
	unsigned long flags = local_irq_save();
	struct blk_request *list = b->done_list;

	b->done_list = NULL;
	local_irq_restore(flags);
	while (list) {
		struct blk_request *req = list;

		list = list->next;
		flags = local_irq_save();
		if (submit(req)) {
			req->next = b->done_list;	/* retry later */
			b->done_list = req;
		}
		local_irq_restore(flags);
	}
	blkdev_kick(b->dev);
}

static void run_for(u64 ns)
{
	u64 end = ktime_get_ns() + ns;

	while (ktime_get_ns() < end && !b->errors &&
	       !(b->measuring && b->limit && b->lat.count >= b->limit)) {
		unsigned long flags = local_irq_save();

		blkdev_poll(b->dev);
		if (!b->done_list && !b->dev->polled)
			safe_halt();
		local_irq_restore(flags);
		refill();
	}
}

static void drain(void)
{
	u64 end = ktime_get_ns() + 5 * NSEC_PER_SEC;

	while (b->in_flight && ktime_get_ns() < end) {
		unsigned long flags = local_irq_save();

		blkdev_poll(b->dev);
		if (b->in_flight && !b->dev->polled)
			safe_halt();
		local_irq_restore(flags);
	}
}

static u64 pct_us(unsigned int p)
{
	return tsc_cycles_to_ns(hist_quantile(&b->lat, p, 100)) / 1000;
}

/*
 * ", traps/req N.NNN" for drivers that count every trapping port or MMIO
 * access (the emulated ones), else nothing: virtio's notifications are
 * its traps.
 */
static const char *traps_per_req(u64 traps, u64 reqs)
{
	static char buf[40];

	if (!b->dev->counts_traps)
		return "";
	snprintf(buf, sizeof(buf), ", traps/req %llu.%03llu", traps / reqs,
		 traps * 1000 / reqs % 1000);
	return buf;
}

static u64 parse_bytes(const char *key, u64 def)
{
	const char *v = param_get(key);
	unsigned long long n;
	u64 mult = 1;
	char buf[24];
	size_t len;

	if (!v)
		return def;
	strlcpy(buf, v, sizeof(buf));
	len = strlen(buf);
	if (len && (buf[len - 1] == 'K' || buf[len - 1] == 'M' || buf[len - 1] == 'G')) {
		mult = buf[len - 1] == 'K' ? KiB : buf[len - 1] == 'M' ? MiB : GiB;
		buf[len - 1] = '\0';
	}
	return kstrtoull(buf, 0, &n) ? def : n * mult;
}

static int setup(void)
{
	const char *name = param_get("bench.dev");
	const char *mode = param_get("bench.mode");
	u64 bs = parse_bytes("bench.bs", 4096);
	u8 *bufs;

	b = kzalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	hist_init(&b->lat);
	b->dev = name ? blkdev_find(name) : blkdev_first();
	if (!b->dev) {
		console_printf("blkbench: no block device\n");
		return -ENODEV;
	}
	mode = mode ? mode : "randread";
	b->write = !strcmp(mode, "write") || !strcmp(mode, "randwrite");
	b->random = !strncmp(mode, "rand", 4);
	b->qd = min((unsigned int)param_get_ull("bench.qd", 1), b->dev->queue_depth);
	b->qd = min(max(b->qd, 1U), (unsigned int)MAX_QD);
	if (bs < SECTOR_SIZE || bs % SECTOR_SIZE || bs / SECTOR_SIZE > b->dev->max_sectors) {
		console_printf("blkbench: bad block size %llu\n", bs);
		return -EINVAL;
	}
	b->bs_sectors = bs / SECTOR_SIZE;
	b->span_sectors = min(parse_bytes("bench.span", 64 * MiB) / SECTOR_SIZE,
			     b->dev->nr_sectors);
	if (b->span_sectors < b->bs_sectors) {
		console_printf("blkbench: device smaller than one block\n");
		return -EINVAL;
	}
	bufs = alloc_pages(DIV_ROUND_UP(b->qd * bs, PAGE_SIZE));
	if (!bufs)
		return -ENOMEM;
	memset(bufs, 0x5a, b->qd * bs);	/* touched once, before timing */
	b->rng = 0x2545f4914f6cdd1dULL;
	for (unsigned int i = 0; i < b->qd; i++) {
		b->reqs[i].buf = bufs + i * bs;
		b->reqs[i].next = b->done_list;
		b->done_list = &b->reqs[i];
	}
	return 0;
}

static int blkbench_main(void)
{
	u64 warm = param_get_ull("bench.warmup_ms", 500) * NSEC_PER_MSEC;
	u64 secs = param_get_ull("bench.time", 3), t0, t1, reqs0, notes0, irqs0, traps0;
	bool marks = param_get_ull("bench.mark", 0);
	u64 ns, reqs, iops;

	if (setup())
		return EXIT_FAIL;
	b->limit = param_get_ull("bench.reqs", 0);
	run_for(warm);			/* first touches, caches, device warm-up */
	if (marks)
		exit_mark(MARK_MEASURE);
	b->measuring = true;
	reqs0 = b->dev->stats.requests;
	notes0 = b->dev->stats.notifications;
	irqs0 = b->dev->stats.interrupts;
	traps0 = b->dev->stats.traps;
	t0 = ktime_get_ns();
	run_for(secs * NSEC_PER_SEC);
	t1 = ktime_get_ns();
	b->measuring = false;
	if (marks)
		exit_mark(MARK_END);
	reqs = b->dev->stats.requests - reqs0;
	drain();
	if (b->errors || !b->lat.count) {
		console_printf("blkbench: %lu errors, %llu completions\n", b->errors, b->lat.count);
		return EXIT_FAIL;
	}
	ns = t1 - t0;
	iops = b->lat.count * NSEC_PER_SEC / ns;
	console_printf("blkbench: %s %s%s bs=%u qd=%u: %llu IOPS, %llu.%02llu MB/s, "
		       "latency us p50 %llu p99 %llu max %llu (%llu completions), "
		       "notifications/req %llu.%03llu, interrupts/req %llu.%03llu%s (%s)\n",
		       b->dev->name, b->random ? "rand" : "seq", b->write ? "write" : "read",
		       b->bs_sectors * SECTOR_SIZE, b->qd, iops,
		       iops * b->bs_sectors * SECTOR_SIZE / 1000000,
		       iops * b->bs_sectors * SECTOR_SIZE / 10000 % 100,
		       pct_us(50), pct_us(99), pct_us(100), b->lat.count,
		       (b->dev->stats.notifications - notes0) / reqs,
		       (b->dev->stats.notifications - notes0) * 1000 / reqs % 1000,
		       (b->dev->stats.interrupts - irqs0) / reqs,
		       (b->dev->stats.interrupts - irqs0) * 1000 / reqs % 1000,
		       traps_per_req(b->dev->stats.traps - traps0, reqs), b->dev->driver);
	if (marks)
		console_printf("blkbench: mark 0x%02x = %llu requests completed, %llu submitted\n",
			       MARK_MEASURE, b->lat.count, reqs);
	return EXIT_OK;
}
DEFINE_APP(blkbench, "block IOPS, throughput, latency, notifications per request", blkbench_main);
