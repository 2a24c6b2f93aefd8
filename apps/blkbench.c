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
 *                bench.cpus=1,2,4 bench.verify=1 bench.vspan=1M bench.poll=0
 *
 * bench.reqs=N ends the measured phase after N completions (or bench.time,
 * whichever comes first): a fixed amount of work, for counts a test can
 * assert.  bench.mark=1 brackets the measured phase with exit_mark()s
 * (MARK_MEASURE, MARK_END): in the nested KVM bed, KVM's own exits in it
 * are counted from its trace (tests/kvm/, tests/tools/exits.py
 * per-request), and the "blkbench: mark" line gives their requests.
 *
 * bench.cpus runs one submitter per CPU instead, each on its own queue
 * and region, after a data check (below, "Per-CPU submitters").
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
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include "bench_cpus.h"

#define MAX_QD		128
#define MARK_MEASURE	0xb0
#define MARK_END	0xbf
#define NO_SECTOR	(~0ULL)

struct bench {
	struct blkdev *dev;
	spinlock_t lock;		/* done_list, in_flight, lat, errors: done() may run on another CPU */
	bool write, random;
	u32 bs_sectors;
	u64 base;			/* first sector of its region */
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
	u8 *bufs;
	/* per-CPU mode (blkbench_cpus.c's part below) */
	unsigned int cpu;
	bool mode_write;		/* bench.mode's; pass() writes, then reads */
	unsigned long bad_words;
	u64 t_cycles;			/* its measured interval */
};

static u64 next_rand(struct bench *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

static u64 next_sector(struct bench *b)
{
	u64 slots = b->span_sectors / b->bs_sectors, s;

	if (b->random)
		return b->base + next_rand(b) % slots * b->bs_sectors;
	s = b->seq_next;
	b->seq_next = (b->seq_next + b->bs_sectors) % (slots * b->bs_sectors);
	return b->base + s;
}

/* Runs in the interrupt (or poll), on any CPU: record, and queue for resubmission. */
static void bench_done(struct blk_request *req)
{
	struct bench *b = req->private;
	unsigned long flags = spin_lock_irqsave(&b->lock);

	b->in_flight--;
	if (req->status)
		b->errors++;
	if (b->measuring)
		hist_record(&b->lat, rdtsc() - req->submit_tsc);
	req->next = b->done_list;
	b->done_list = req;
	spin_unlock_irqrestore(&b->lock, flags);
}

/* Counted in flight before it is queued: its completion may come first. */
static int queue_counted(struct bench *b, struct blk_request *req)
{
	unsigned long flags = spin_lock_irqsave(&b->lock);

	b->in_flight++;
	spin_unlock_irqrestore(&b->lock, flags);
	if (!blkdev_queue(b->dev, req))
		return 0;
	flags = spin_lock_irqsave(&b->lock);
	b->in_flight--;
	spin_unlock_irqrestore(&b->lock, flags);
	return -EBUSY;
}

static int submit(struct bench *b, struct blk_request *req)
{
	req->op = b->write ? BLK_WRITE : BLK_READ;
	req->sector = next_sector(b);
	req->nr_sectors = b->bs_sectors;
	req->done = bench_done;
	req->private = b;
	return queue_counted(b, req);
}

static struct blk_request *take_done(struct bench *b)
{
	unsigned long flags = spin_lock_irqsave(&b->lock);
	struct blk_request *list = b->done_list;

	b->done_list = NULL;
	spin_unlock_irqrestore(&b->lock, flags);
	return list;
}

static void put_back(struct bench *b, struct blk_request *req)
{
	unsigned long flags = spin_lock_irqsave(&b->lock);

	req->next = b->done_list;	/* retry later */
	b->done_list = req;
	spin_unlock_irqrestore(&b->lock, flags);
}

/* Resubmits everything that completed, then one kick. */
static void refill(struct bench *b)
{
	struct blk_request *list = take_done(b);

	while (list) {
		struct blk_request *req = list;

		list = list->next;
		if (submit(b, req))
			put_back(b, req);
	}
	blkdev_kick(b->dev);
}

/* bench.poll=1: never halt, poll (interrupts still come). */
static bool poll_only;

/*
 * Until something completed: halt for the interrupt where this CPU's
 * completions raise one here, else poll.
 */
static void wait_some(struct bench *b, bool (*idle)(struct bench *b))
{
	unsigned long flags = local_irq_save();

	blkdev_poll(b->dev);
	if (idle(b) && !poll_only && blkdev_may_halt(b->dev))
		safe_halt();
	local_irq_restore(flags);
	if (idle(b))
		cpu_relax();
}

static bool nothing_done(struct bench *b)
{
	return !READ_ONCE(b->done_list);
}

static bool some_in_flight(struct bench *b)
{
	return READ_ONCE(b->in_flight);
}

/*
 * By the TSC where its rate is known: every CPU reads it without a lock
 * (the clock takes one).
 */
struct deadline {
	u64 tsc, ns;
};

static struct deadline deadline_in(u64 ns)
{
	return (struct deadline){ smp_tsc_deadline(ns), ktime_get_ns() + ns };
}

static bool passed(const struct deadline *d)
{
	if (d->tsc != ~0ULL)
		return rdtsc() > d->tsc;
	return ktime_get_ns() > d->ns;
}

static void run_for(struct bench *b, u64 ns)
{
	struct deadline end = deadline_in(ns);

	while (!passed(&end) && !READ_ONCE(b->errors) &&
	       !(b->measuring && b->limit && READ_ONCE(b->lat.count) >= b->limit)) {
		wait_some(b, nothing_done);
		refill(b);
	}
}

static void drain(struct bench *b)
{
	struct deadline end = deadline_in(5 * NSEC_PER_SEC);

	while (some_in_flight(b) && !passed(&end))
		wait_some(b, some_in_flight);
}

static u64 pct_us(struct bench *b, unsigned int p)
{
	return tsc_cycles_to_ns(hist_quantile(&b->lat, p, 100)) / 1000;
}

/*
 * ", traps/req N.NNN" for drivers that count every trapping port or MMIO
 * access (the emulated ones), else nothing: virtio's notifications are
 * its traps.
 */
static const char *traps_per_req(struct bench *b, u64 traps, u64 reqs)
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

/* The workload of bench.mode, bench.bs and bench.qd on dev; NULL after saying why. */
static struct bench *bench_new(struct blkdev *dev, unsigned int qd)
{
	const char *mode = param_get("bench.mode");
	u64 bs = parse_bytes("bench.bs", 4096);
	struct bench *b = kzalloc(sizeof(*b));

	if (!b)
		return NULL;
	b->lock = (spinlock_t)SPINLOCK_INIT;
	hist_init(&b->lat);
	b->dev = dev;
	mode = mode ? mode : "randread";
	b->write = !strcmp(mode, "write") || !strcmp(mode, "randwrite");
	b->mode_write = b->write;
	b->random = !strncmp(mode, "rand", 4);
	b->qd = min(max(qd, 1U), (unsigned int)MAX_QD);
	if (bs < SECTOR_SIZE || bs % SECTOR_SIZE || bs / SECTOR_SIZE > dev->max_sectors) {
		console_printf("blkbench: bad block size %llu\n", bs);
		return NULL;
	}
	b->bs_sectors = bs / SECTOR_SIZE;
	b->span_sectors = min(parse_bytes("bench.span", 64 * MiB) / SECTOR_SIZE,
			     dev->nr_sectors);
	if (b->span_sectors < b->bs_sectors) {
		console_printf("blkbench: device smaller than one block\n");
		return NULL;
	}
	b->bufs = alloc_pages(DIV_ROUND_UP(b->qd * bs, PAGE_SIZE));
	if (!b->bufs)
		return NULL;
	memset(b->bufs, 0x5a, b->qd * bs);	/* touched once, before timing */
	b->rng = 0x2545f4914f6cdd1dULL;
	for (unsigned int i = 0; i < b->qd; i++) {
		b->reqs[i].buf = b->bufs + i * bs;
		b->reqs[i].sector = NO_SECTOR;	/* free, not a completion (pass()) */
		b->reqs[i].next = b->done_list;
		b->done_list = &b->reqs[i];
	}
	return b;
}

static struct blkdev *bench_dev(void)
{
	const char *name = param_get("bench.dev");
	struct blkdev *dev = name ? blkdev_find(name) : blkdev_first();

	if (!dev)
		console_printf("blkbench: no block device\n");
	return dev;
}

static int blkbench_one(struct blkdev *dev)
{
	u64 warm = param_get_ull("bench.warmup_ms", 500) * NSEC_PER_MSEC;
	u64 secs = param_get_ull("bench.time", 3), t0, t1, reqs0, notes0, irqs0, traps0;
	bool marks = param_get_ull("bench.mark", 0);
	struct bench *b = bench_new(dev, min((unsigned int)param_get_ull("bench.qd", 1),
					      dev->queue_depth));
	u64 ns, reqs, iops;

	if (!b)
		return EXIT_FAIL;
	b->limit = param_get_ull("bench.reqs", 0);
	run_for(b, warm);		/* first touches, caches, device warm-up */
	if (marks)
		exit_mark(MARK_MEASURE);
	b->measuring = true;
	reqs0 = b->dev->stats.requests;
	notes0 = b->dev->stats.notifications;
	irqs0 = b->dev->stats.interrupts;
	traps0 = b->dev->stats.traps;
	t0 = ktime_get_ns();
	run_for(b, secs * NSEC_PER_SEC);
	t1 = ktime_get_ns();
	b->measuring = false;
	if (marks)
		exit_mark(MARK_END);
	reqs = b->dev->stats.requests - reqs0;
	drain(b);
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
		       pct_us(b, 50), pct_us(b, 99), pct_us(b, 100), b->lat.count,
		       (b->dev->stats.notifications - notes0) / reqs,
		       (b->dev->stats.notifications - notes0) * 1000 / reqs % 1000,
		       (b->dev->stats.interrupts - irqs0) / reqs,
		       (b->dev->stats.interrupts - irqs0) * 1000 / reqs % 1000,
		       traps_per_req(b, b->dev->stats.traps - traps0, reqs), b->dev->driver);
	if (marks)
		console_printf("blkbench: mark 0x%02x = %llu requests completed, %llu submitted\n",
			       MARK_MEASURE, b->lat.count, reqs);
	return EXIT_OK;
}

/*
 * ---- Per-CPU submitters (bench.cpus=N[,N...]) ----
 *
 * One submitter per CPU, each on its own region of the disk (and, with a
 * multi-queue driver, on its CPU's queue), the others run by their idle
 * loop (smp_task_start()).  First each writes a pattern over the first
 * bench.vspan of its region, reads it back and checks it; the disk is
 * checked on the host too (tests/tools/blkpattern.py).  Then all measure
 * bench.mode at once for bench.time, and the IOPS are added up.
 */
#define CPUS_MAX		BLK_STAT_CPUS
#define CPUS_TIMEOUT_NS		(120 * NSEC_PER_SEC)
#define VERIFY_TIMEOUT_NS	(60 * NSEC_PER_SEC)

struct cpus_run {
	struct bench *b[CPUS_MAX];
	unsigned int n;
	unsigned int met[2];
	u64 vspan;			/* sectors each CPU writes and checks */
	u64 warm_ns, ns;
};

/* What CPU cpu writes to sector's i-th 64-bit word: the host computes the same. */
static u64 pattern(unsigned int cpu, u64 sector, unsigned int i)
{
	return (sector << 16 | i << 8 | 0xa5) ^ ((u64)(cpu + 1) * 0x9e3779b97f4a7c15ULL);
}

static void fill(struct bench *b, struct blk_request *req)
{
	u64 *w = req->buf;

	for (u32 s = 0; s < req->nr_sectors; s++)
		for (unsigned int i = 0; i < SECTOR_SIZE / 8; i++)
			*w++ = pattern(b->cpu, req->sector + s, i);
}

static void check(struct bench *b, struct blk_request *req)
{
	const u64 *w = req->buf;

	for (u32 s = 0; s < req->nr_sectors; s++)
		for (unsigned int i = 0; i < SECTOR_SIZE / 8; i++)
			b->bad_words += *w++ != pattern(b->cpu, req->sector + s, i);
}

/*
 * Each block of [base, base + vspan) once, qd deep: written with the
 * pattern, or read and checked.
 */
static void pass(struct bench *b, u64 vspan, bool write)
{
	struct deadline end = deadline_in(VERIFY_TIMEOUT_NS);
	u64 next = 0, done = 0, blocks = vspan / b->bs_sectors;
	struct blk_request *idle = take_done(b), *req;	/* idle: free, NO_SECTOR */

	b->write = write;
	while (done < blocks && !READ_ONCE(b->errors) && !passed(&end)) {
		struct blk_request *list = take_done(b);

		/* Completions first, then the free ones. */
		while (list || idle) {
			bool completed = list;

			req = list ? list : idle;
			if (completed)
				list = list->next;
			else
				idle = idle->next;
			if (completed) {
				if (!write && !req->status)
					check(b, req);
				done++;
			}
			req->sector = NO_SECTOR;
			if (next == blocks)
				goto keep;
			*req = (struct blk_request){ .op = write ? BLK_WRITE : BLK_READ,
				.sector = b->base + next * b->bs_sectors,
				.nr_sectors = b->bs_sectors, .buf = req->buf,
				.done = bench_done, .private = b };
			if (write)
				fill(b, req);
			if (!queue_counted(b, req)) {
				next++;
				continue;
			}
			req->sector = NO_SECTOR;	/* the queue is full: after a completion */
keep:
			req->next = idle;
			idle = req;
			if (!list)
				break;
		}
		blkdev_kick(b->dev);
		if (done < blocks)
			wait_some(b, nothing_done);
	}
	drain(b);
	while (idle) {
		req = idle;
		idle = idle->next;
		put_back(b, req);
	}
	if (done < blocks && !b->errors)
		b->errors++;
}

static void cpu_work(struct bench *b, struct cpus_run *r)
{
	if (r->vspan) {
		pass(b, r->vspan, true);
		pass(b, r->vspan, false);
	}
	b->write = b->mode_write;
	smp_meet(&r->met[0], r->n, CPUS_TIMEOUT_NS);
	run_for(b, r->warm_ns);
	smp_meet(&r->met[1], r->n, CPUS_TIMEOUT_NS);
	b->measuring = true;
	b->t_cycles = rdtsc();
	run_for(b, r->ns);
	b->t_cycles = rdtsc() - b->t_cycles;
	b->measuring = false;
	drain(b);
}

static struct cpus_run *current_run;

static void cpu_task(void *arg)
{
	cpu_work(arg, current_run);
}

/* Each CPU's region: the span split in N, whole blocks. */
static int cpus_setup(struct blkdev *dev, struct cpus_run *r, unsigned int n)
{
	unsigned int nq = max(dev->nr_queues, 1U);
	/* Each queue's requests, shared out among the CPUs that submit on it. */
	unsigned int share = DIV_ROUND_UP(n, nq);
	unsigned int qd = min((unsigned int)param_get_ull("bench.qd", 1),
			      dev->queue_depth / nq / share);

	r->n = n;
	for (unsigned int c = 0; c < n; c++) {
		struct bench *b = bench_new(dev, qd);
		u64 region;

		if (!b)
			return -ENOMEM;
		region = b->span_sectors / n / b->bs_sectors * b->bs_sectors;
		if (!region || r->vspan > region) {
			console_printf("blkbench: span too small for %u CPUs\n", n);
			return -EINVAL;
		}
		b->cpu = c;
		b->base = c * region;
		b->span_sectors = region;
		b->rng += c;
		b->limit = 0;
		r->b[c] = b;
		r->vspan = r->vspan / b->bs_sectors * b->bs_sectors;
	}
	return 0;
}

static void print_per_req(const char *what, u64 n, u64 reqs)
{
	console_printf(", %s/req %llu.%03llu", what, n / reqs, n * 1000 / reqs % 1000);
}

static int cpus_report(struct blkdev *dev, struct cpus_run *r, u64 reqs, u64 notes, u64 irqs)
{
	u64 iops = 0, count = 0;
	unsigned long errors = 0, bad = 0;

	for (unsigned int c = 0; c < r->n; c++) {
		struct bench *b = r->b[c];

		errors += b->errors;
		bad += b->bad_words;
		count += b->lat.count;
		if (b->t_cycles)
			iops += b->lat.count * NSEC_PER_SEC / tsc_cycles_to_ns(b->t_cycles);
		if (r->vspan)
			console_printf("blkbench: cpu %u wrote, read back and checked sectors %llu+%llu: %lu bad words\n",
				       c, r->b[c]->base, r->vspan, b->bad_words);
	}
	if (errors || bad || !count || !reqs) {
		console_printf("blkbench: cpus=%u: %lu errors, %lu bad words, %llu completions\n",
			       r->n, errors, bad, count);
		return EXIT_FAIL;
	}
	console_printf("blkbench: %s cpus=%u %s%s bs=%u qd=%u/cpu: %llu IOPS (",
		       dev->name, r->n, r->b[0]->random ? "rand" : "seq",
		       r->b[0]->write ? "write" : "read", r->b[0]->bs_sectors * SECTOR_SIZE,
		       r->b[0]->qd, iops);
	for (unsigned int c = 0; c < r->n; c++)
		console_printf("%scpu%u %llu", c ? " " : "", c, r->b[c]->lat.count * NSEC_PER_SEC /
			       tsc_cycles_to_ns(r->b[c]->t_cycles));
	console_printf(")");
	print_per_req("notifications", notes, reqs);
	print_per_req("interrupts", irqs, reqs);
	console_printf(" (%s, %u queues)\n", dev->driver, max(dev->nr_queues, 1U));
	return EXIT_OK;
}

static int run_cpus(struct blkdev *dev, unsigned int n)
{
	struct cpus_run *r = kzalloc(sizeof(*r));
	u64 reqs0 = dev->stats.requests, notes0 = dev->stats.notifications;
	u64 irqs0 = dev->stats.interrupts;
	int err = EXIT_FAIL;

	if (!r)
		return EXIT_FAIL;
	r->vspan = param_get_ull("bench.verify", 1) ?
		   parse_bytes("bench.vspan", 1 * MiB) / SECTOR_SIZE : 0;
	r->warm_ns = param_get_ull("bench.warmup_ms", 500) * NSEC_PER_MSEC;
	r->ns = param_get_ull("bench.time", 3) * NSEC_PER_SEC;
	if (cpus_setup(dev, r, n))
		return EXIT_FAIL;
	current_run = r;
	for (unsigned int c = 1; c < n; c++) {
		if (smp_task_start(c, cpu_task, r->b[c])) {
			console_printf("blkbench: cpu %u cannot take a task\n", c);
			return EXIT_FAIL;
		}
	}
	cpu_work(r->b[0], r);
	if (!bench_cpus_wait("blkbench", n, r->ns + r->warm_ns + 2 * CPUS_TIMEOUT_NS))
		return EXIT_FAIL;
	if (r->vspan && dev->has_flush && blkdev_rw_sync(dev, BLK_FLUSH, 0, 0, NULL))
		console_printf("blkbench: flush failed\n");
	err = cpus_report(dev, r, dev->stats.requests - reqs0,
			  dev->stats.notifications - notes0, dev->stats.interrupts - irqs0);
	/* The buffers stay: a CPU that did not finish may still use them. */
	return err;
}

static void cpus_counts(struct blkdev *dev)
{
	for (unsigned int q = 0; q < dev->nr_queues; q++) {
		const struct blkdev_queue_stats *qs = &dev->queue_stats[q];

		console_printf("blkbench: queue %u (cpu %d): %lu requests, %lu notifications, %lu interrupts (%lu elsewhere), %lu wake-up IPIs\n",
			       q, qs->cpu, qs->requests, qs->notifications, qs->interrupts,
			       qs->elsewhere, qs->wakeups);
	}
	for (unsigned int c = 0; c < min(nr_cpus_online, (unsigned int)BLK_STAT_CPUS); c++)
		console_printf("blkbench: cpu %u: %lu interrupts\n", c,
			       dev->stats.cpu_interrupts[c]);
}

/* bench.cpus=1,2,4: each count in turn, in this boot, side by side. */
static int blkbench_cpus(struct blkdev *dev)
{
	const char *list = param_get("bench.cpus");
	int err = EXIT_OK;

	if (!dev->nr_queues) {
		console_printf("blkbench: %s (%s) takes requests from one CPU only\n",
			       dev->name, dev->driver);
		return EXIT_FAIL;
	}
	while (*list && err == EXIT_OK) {
		unsigned int n = bench_cpus_next("blkbench", &list, CPUS_MAX);

		if (!n)
			return EXIT_FAIL;
		err = run_cpus(dev, n);
	}
	cpus_counts(dev);
	return err;
}

static int blkbench_main(void)
{
	struct blkdev *dev = bench_dev();

	if (!dev)
		return EXIT_FAIL;
	poll_only = param_get_ull("bench.poll", 0);
	if (param_get("bench.cpus"))
		return blkbench_cpus(dev);
	return blkbench_one(dev);
}
DEFINE_APP(blkbench, "block IOPS, throughput, latency, notifications per request", blkbench_main);
