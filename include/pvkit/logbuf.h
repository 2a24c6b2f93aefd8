/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log kept in memory: a byte ring of whole lines (lib/logbuf.c).
 *
 * Positions count every byte ever written, so a reader's cursor says how
 * much it missed when the writer lapped it.  The oldest byte held (tail)
 * is always the start of a line: room is made by dropping whole lines.
 * One writer (printk, interrupts disabled or not) and readers that may
 * be interrupted by it: a read that the writer overwrote while it copied
 * is detected and retried from the oldest line.
 */
#ifndef _PVKIT_LOGBUF_H
#define _PVKIT_LOGBUF_H

#include <pvkit/types.h>

struct logbuf {
	char *buf;
	size_t size;
	u64 head;	/* bytes ever written; the next goes to head % size */
	u64 tail;	/* the oldest byte still held, a line's start */
};

#define LOGBUF_MIN_SIZE		16
#define LOGBUF_INIT(mem)	{ .buf = (mem), .size = sizeof(mem) }

/* What a line too long for the whole ring ends with after it is cut. */
#define LOGBUF_CUT		"[...]\n"

void logbuf_init(struct logbuf *lb, char *buf, size_t size);

/*
 * Appends n bytes, dropping the oldest lines to make room.  More than the
 * ring holds is cut to its size, ending in LOGBUF_CUT.  Returns the bytes
 * stored.
 */
size_t logbuf_write(struct logbuf *lb, const char *s, size_t n);

/*
 * Copies up to n bytes from *pos on into out and moves *pos past them;
 * 0 when *pos has caught up with the writer.  A cursor the writer lapped
 * (or lapped during the copy) continues at the oldest line held, and the
 * bytes skipped are added to *lost.  -EBUSY: the writer lapped every try.
 */
long logbuf_read(const struct logbuf *lb, u64 *pos, char *out, size_t n, u64 *lost);

/* The position of the oldest line held: where a full read starts. */
u64 logbuf_oldest(const struct logbuf *lb);

#endif
