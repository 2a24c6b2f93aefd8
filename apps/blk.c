// SPDX-License-Identifier: GPL-2.0
/*
 * blk: block devices, for people and for the host-side data checks.
 *
 *   app=blk                         list the devices
 *   blk=vda                         the device (default: the first)
 *   crc=OFFSET+LENGTH               print the CRC-32 of a byte range
 *   fill=OFFSET+LENGTH@SEED         write the seeded pattern, flush
 *   verify=OFFSET+LENGTH@SEED       read back and compare
 *   flush=no                        fill without the flush (to show that the
 *                                   host-side checks catch a missing flush)
 *   hold=SECONDS                    then wait that long before exiting: for a
 *                                   host that kills the machine at a line
 *                                   (tests/run kill_on), so the guest cannot
 *                                   exit first
 *
 * A fill is reported "done" only once the device acknowledged a flush
 * after the writes: that is the moment the data is durable.  A device
 * that offers no flush (or flush=no) gets "written, not flushed" and
 * the reason: no promise of durability is made then.
 *
 * Sizes take K, M, G suffixes and must be multiples of 512.  The output
 * lines are what tests/tools/blkimg.py check-log reads; they are printed
 * in that order: crc, fill, verify.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/blkdev.h>
#include <pvkit/cmdline.h>
#include <pvkit/crc32.h>
#include <pvkit/errno.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/page.h>

#define CHUNK_SECTORS	256		/* 128 KiB per request */
#define CHUNK_BYTES	(CHUNK_SECTORS * SECTOR_SIZE)

struct range {
	u64 off, len, seed;
	bool has_seed;
};

/* "4M" → 4194304; a trailing K/M/G multiplies. */
static int parse_size(const char *s, size_t n, u64 *out)
{
	char buf[32];
	unsigned long long v;
	u64 mult = 1;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	switch (buf[n - 1]) {
	case 'K': case 'k': mult = KiB; break;
	case 'M': case 'm': mult = MiB; break;
	case 'G': case 'g': mult = GiB; break;
	}
	if (mult != 1)
		buf[n - 1] = '\0';
	if (kstrtoull(buf, 0, &v))
		return -EINVAL;
	*out = v * mult;
	return 0;
}

static int parse_range(const char *key, bool want_seed, struct range *r)
{
	const char *v = param_get(key), *plus, *at;

	if (!v)
		return 1;
	plus = strchr(v, '+');
	at = strchr(v, '@');
	if (!plus || (want_seed && !at) || (!want_seed && at) ||
	    parse_size(v, plus - v, &r->off) ||
	    parse_size(plus + 1, (at ? at : v + strlen(v)) - plus - 1, &r->len) ||
	    (at && parse_size(at + 1, strlen(at + 1), &r->seed)) ||
	    r->off % SECTOR_SIZE || r->len % SECTOR_SIZE || !r->len) {
		console_printf("blk: bad %s=%s (want OFFSET+LENGTH%s, multiples of 512)\n",
			       key, v, want_seed ? "@SEED" : "");
		return -EINVAL;
	}
	r->has_seed = at != NULL;
	return 0;
}

static void list_devices(void)
{
	for (struct blkdev *d = blkdev_first(); d; d = d->next)
		console_printf("blk: %s: %llu sectors of %d bytes (%llu MiB), %s%s%s%s\n",
			       d->name, d->nr_sectors, SECTOR_SIZE, d->nr_sectors >> 11,
			       d->driver, d->read_only ? ", read-only" : "",
			       d->has_flush ? ", flush" : "", d->polled ? ", polled" : "");
}

typedef int (*chunk_fn)(struct blkdev *d, u8 *buf, u64 off, u32 len, void *ctx);

/* Walks the range in chunks; returns the first chunk function error. */
static int each_chunk(struct blkdev *d, const struct range *r, u8 *buf,
		      chunk_fn fn, void *ctx)
{
	/* As large as the buffer and the device allow. */
	u64 chunk = min((u64)CHUNK_BYTES, (u64)d->max_sectors * SECTOR_SIZE);

	for (u64 done = 0; done < r->len; done += chunk) {
		u32 len = min(chunk, r->len - done);
		int err = fn(d, buf, r->off + done, len, ctx);

		if (err)
			return err;
	}
	return 0;
}

static int crc_chunk(struct blkdev *d, u8 *buf, u64 off, u32 len, void *ctx)
{
	int err = blkdev_rw_sync(d, BLK_READ, off / SECTOR_SIZE, len / SECTOR_SIZE, buf);

	if (!err)
		*(u32 *)ctx = crc32(*(u32 *)ctx, buf, len);
	return err;
}

static int fill_chunk(struct blkdev *d, u8 *buf, u64 off, u32 len, void *ctx)
{
	pattern_fill(buf, len, *(u64 *)ctx, off);
	return blkdev_rw_sync(d, BLK_WRITE, off / SECTOR_SIZE, len / SECTOR_SIZE, buf);
}

struct verify_ctx {
	u64 seed;
	u64 bad;		/* first differing byte offset, or ~0 */
};

static int verify_chunk(struct blkdev *d, u8 *buf, u64 off, u32 len, void *ctx)
{
	struct verify_ctx *v = ctx;
	int err = blkdev_rw_sync(d, BLK_READ, off / SECTOR_SIZE, len / SECTOR_SIZE, buf);
	size_t at;

	if (err)
		return err;
	at = pattern_check(buf, len, v->seed, off);
	if (at < len && v->bad == ~0ULL)
		v->bad = off + at;
	return 0;
}

static bool in_device(struct blkdev *d, const struct range *r)
{
	u64 size = d->nr_sectors * SECTOR_SIZE;

	if (r->off <= size && r->len <= size - r->off)
		return true;
	console_printf("blk: %llu+%llu is beyond %s (%llu bytes)\n", r->off, r->len,
		       d->name, size);
	return false;
}

/*
 * The start of each result line, "blk: OP DEV OFF+LEN[ seed SEED]": one
 * format for every operation and outcome, the rest of the line after it.
 */
static __noinline void say_op(const char *op, struct blkdev *d, const struct range *r)
{
	console_printf("blk: %s %s %llu+%llu", op, d->name, r->off, r->len);
	if (r->has_seed)
		console_printf(" seed %llu", r->seed);
}

static __noinline int say_failed(const char *op, struct blkdev *d, const struct range *r, int err)
{
	say_op(op, d, r);
	console_printf(" failed: error %d\n", err);
	return EXIT_FAIL;
}

static int do_crc(struct blkdev *d, const struct range *r, u8 *buf)
{
	u32 crc = 0;
	int err = each_chunk(d, r, buf, crc_chunk, &crc);

	if (err)
		return say_failed("crc32", d, r, err);
	say_op("crc32", d, r);
	console_printf(" = 0x%08x\n", crc);
	return EXIT_OK;
}

/* Why a fill is not flushed, or NULL when it is. */
static const char *no_flush_reason(struct blkdev *d, bool flush)
{
	if (!flush)
		return "flush=no";
	if (!d->has_flush)
		return "the device offers no flush";
	return NULL;
}

static int do_fill(struct blkdev *d, const struct range *r, u8 *buf, bool flush)
{
	const char *why = no_flush_reason(d, flush);
	u64 seed = r->seed;
	int err = each_chunk(d, r, buf, fill_chunk, &seed);

	if (!err && !why)
		err = blkdev_rw_sync(d, BLK_FLUSH, 0, 0, NULL);
	if (err)
		return say_failed("fill", d, r, err);
	say_op("fill", d, r);
	if (why)
		console_printf(" written, not flushed (%s)\n", why);
	else
		console_printf(" done\n");
	return EXIT_OK;
}

/* flush=yes (the default) or flush=no; -EINVAL for anything else. */
static int parse_flush(bool *flush)
{
	const char *v = param_get("flush");

	*flush = true;
	if (!v || !strcmp(v, "yes"))
		return 0;
	if (!strcmp(v, "no")) {
		*flush = false;
		return 0;
	}
	console_printf("blk: bad flush=%s (want yes or no)\n", v);
	return -EINVAL;
}

static int do_verify(struct blkdev *d, const struct range *r, u8 *buf)
{
	struct verify_ctx v = { r->seed, ~0ULL };
	int err = each_chunk(d, r, buf, verify_chunk, &v);

	if (err)
		return say_failed("verify", d, r, err);
	say_op("verify", d, r);
	if (v.bad != ~0ULL) {
		console_printf(" MISMATCH at %llu\n", v.bad);
		return EXIT_FAIL;
	}
	console_printf(" ok\n");
	return EXIT_OK;
}

static void hold_for_the_host(void)
{
	unsigned long long s = param_get_ull("hold", 0);

	if (!s)
		return;
	s = min(s, 3600ULL);
	console_printf("blk: holding for %llu s before exiting\n", s);
	msleep(s * 1000);
}

static int blk_main(void)
{
	const char *name = param_get("blk");
	struct blkdev *d = name ? blkdev_find(name) : blkdev_first();
	struct range crc, fill, verify;
	int pc = parse_range("crc", false, &crc);
	int pf = parse_range("fill", true, &fill);
	int pv = parse_range("verify", true, &verify);
	int status = EXIT_OK;
	bool flush;
	u8 *buf;

	list_devices();
	if (pc < 0 || pf < 0 || pv < 0 || parse_flush(&flush))
		return EXIT_BADCMD;
	if (pc && pf && pv)
		return EXIT_OK;
	if (!d) {
		console_printf("blk: no device %s\n", name ? name : "at all");
		return EXIT_FAIL;
	}
	buf = alloc_pages(CHUNK_BYTES / PAGE_SIZE);
	if (!buf) {
		console_printf("blk: cannot allocate a %d KiB buffer: out of memory\n",
			       CHUNK_BYTES / 1024);
		return EXIT_FAIL;
	}
	if (!pc && (!in_device(d, &crc) || do_crc(d, &crc, buf)))
		status = EXIT_FAIL;
	if (!pf && (!in_device(d, &fill) || do_fill(d, &fill, buf, flush)))
		status = EXIT_FAIL;
	if (!pv && (!in_device(d, &verify) || do_verify(d, &verify, buf)))
		status = EXIT_FAIL;
	console_printf("blk: %s: %lu requests, %lu notifications, %lu interrupts",
		       d->name, d->stats.requests, d->stats.notifications,
		       d->stats.interrupts);
	if (d->counts_traps)
		console_printf(", %lu traps", d->stats.traps);
	console_printf("\n");
	free_pages(buf, CHUNK_BYTES / PAGE_SIZE);
	hold_for_the_host();
	return status;
}
DEFINE_APP(blk, "list block devices; crc=, fill=, verify= byte ranges", blk_main);
