// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory log ring (include/pvkit/logbuf.h).  The writer first
 * moves tail past the lines it is about to overwrite, then writes, then
 * publishes head; a reader copies and then checks that tail did not pass
 * what it copied.  On x86 (stores and loads each in order) compiler
 * barriers are enough for that, and the only concurrency is an interrupt.
 */
#include <pvkit/kernel.h>
#include <pvkit/errno.h>
#include <pvkit/logbuf.h>
#include <pvkit/string.h>

/* A writer that laps the reader on every try gets the reader nowhere. */
#define READ_TRIES	4

void logbuf_init(struct logbuf *lb, char *buf, size_t size)
{
	BUG_ON(size < LOGBUF_MIN_SIZE);
	lb->buf = buf;
	lb->size = size;
	lb->head = lb->tail = 0;
}

/* The position just past the first newline at or after pos, or head. */
static u64 next_line(const struct logbuf *lb, u64 pos)
{
	while (pos < lb->head) {
		if (lb->buf[pos++ % lb->size] == '\n')
			break;
	}
	return pos;
}

static void copy_in(struct logbuf *lb, u64 pos, const char *s, size_t n)
{
	size_t at = pos % lb->size;
	size_t first = min(n, lb->size - at);

	memcpy(lb->buf + at, s, first);
	memcpy(lb->buf, s + first, n - first);
}

static void copy_out(const struct logbuf *lb, u64 pos, char *out, size_t n)
{
	size_t at = pos % lb->size;
	size_t first = min(n, lb->size - at);

	memcpy(out, lb->buf + at, first);
	memcpy(out + first, lb->buf, n - first);
}

size_t logbuf_write(struct logbuf *lb, const char *s, size_t n)
{
	size_t cut = sizeof(LOGBUF_CUT) - 1;
	u64 tail = lb->tail;
	bool too_long = n > lb->size;

	if (too_long)
		n = lb->size;
	while (lb->size - (lb->head - tail) < n)
		tail = next_line(lb, tail);
	/* Readers learn that the old lines are gone before they change. */
	WRITE_ONCE(lb->tail, tail);
	barrier();
	if (too_long) {
		copy_in(lb, lb->head, s, n - cut);
		copy_in(lb, lb->head + n - cut, LOGBUF_CUT, cut);
	} else {
		copy_in(lb, lb->head, s, n);
	}
	barrier();
	WRITE_ONCE(lb->head, lb->head + n);
	return n;
}

long logbuf_read(const struct logbuf *lb, u64 *pos, char *out, size_t n, u64 *lost)
{
	u64 p = *pos;

	for (int i = 0; i < READ_TRIES; i++) {
		u64 head = READ_ONCE(lb->head);
		u64 tail = READ_ONCE(lb->tail);
		size_t len;

		if (p > head)
			p = head;	/* not a cursor of this ring: start over at its end */
		if (p < tail) {
			*lost += tail - p;
			p = tail;
		}
		len = min((u64)n, head - p);
		barrier();
		copy_out(lb, p, out, len);
		barrier();
		if (READ_ONCE(lb->tail) <= p) {
			*pos = p + len;
			return len;
		}
	}
	*pos = p;
	return -EBUSY;
}

u64 logbuf_oldest(const struct logbuf *lb)
{
	return READ_ONCE(lb->tail);
}
