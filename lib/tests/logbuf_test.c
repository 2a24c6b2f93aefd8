// SPDX-License-Identifier: GPL-2.0
#include <pvkit/ktest.h>
#include <pvkit/logbuf.h>
#include <pvkit/string.h>

/* Reads everything from *pos on into out (NUL-terminated); the bytes read. */
static size_t read_all(const struct logbuf *lb, u64 *pos, char *out, size_t n,
		       size_t chunk, u64 *lost)
{
	size_t got = 0;
	long r;

	while (got + chunk < n && (r = logbuf_read(lb, pos, out + got, chunk, lost)) > 0)
		got += r;
	out[got] = '\0';
	return got;
}

/* A fresh ring of size bytes in mem holding the strings of lines[]. */
#define RING_WITH(lb, mem, ...) ring_with(lb, mem, sizeof(mem),		\
	(const char *[]){ __VA_ARGS__ }, sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *))

static void ring_with(struct logbuf *lb, char *mem, size_t size,
		      const char **lines, size_t n)
{
	logbuf_init(lb, mem, size);
	for (size_t i = 0; i < n; i++)
		logbuf_write(lb, lines[i], strlen(lines[i]));
}

/* Everything the ring holds, from its oldest line on, as a string. */
static const char *held(const struct logbuf *lb, char *out, size_t n)
{
	u64 pos = logbuf_oldest(lb), lost = 0;

	read_all(lb, &pos, out, n, 5, &lost);
	return out;
}

static void logbuf_keeps_lines_in_order(struct ktest *t)
{
	char mem[64], out[80];
	struct logbuf lb;
	u64 pos, lost = 0;

	RING_WITH(&lb, mem, "one\n", "two\n");
	pos = logbuf_oldest(&lb);
	KT_EXPECT_EQ(t, read_all(&lb, &pos, out, sizeof(out), 3, &lost), 8);
	KT_EXPECT_STREQ(t, out, "one\ntwo\n");
	KT_EXPECT_EQ(t, lost, 0);
	KT_EXPECT_EQ(t, logbuf_read(&lb, &pos, out, sizeof(out), &lost), 0);
}

/* Wrapping drops whole lines from the front, never half of one. */
static void logbuf_wrap_drops_oldest_whole_lines(struct ktest *t)
{
	char mem[16], out[40];
	struct logbuf lb;

	/* The last needs 6 more bytes than are free. */
	RING_WITH(&lb, mem, "aaaa\n", "bbbb\n", "cccc\n", "dddddd\n");
	KT_EXPECT_EQ(t, logbuf_oldest(&lb), 10);
	KT_EXPECT_STREQ(t, held(&lb, out, sizeof(out)), "cccc\ndddddd\n");
	for (int i = 0; i < 20; i++)
		logbuf_write(&lb, "xyz\n", 4);
	KT_EXPECT_STREQ(t, held(&lb, out, sizeof(out)), "xyz\nxyz\nxyz\nxyz\n");
}

/* A line longer than the ring keeps its start and says it was cut. */
static void logbuf_cuts_a_line_longer_than_the_ring(struct ktest *t)
{
	char mem[16], out[40];
	struct logbuf lb;

	logbuf_init(&lb, mem, sizeof(mem));
	logbuf_write(&lb, "old\n", 4);
	KT_EXPECT_EQ(t, logbuf_write(&lb, "0123456789abcdefghij\n", 21), 16);
	KT_EXPECT_STREQ(t, held(&lb, out, sizeof(out)), "0123456789[...]\n");
	/* The next line pushes the cut one out whole. */
	logbuf_write(&lb, "new\n", 4);
	KT_EXPECT_STREQ(t, held(&lb, out, sizeof(out)), "new\n");
}

/* A line without a newline is dropped with the line that ends it. */
static void logbuf_unterminated_text_counts_as_one_line(struct ktest *t)
{
	char mem[16], out[40];
	struct logbuf lb;

	RING_WITH(&lb, mem, "ab", "cd\n", "0123456789\n", "z\n");
	KT_EXPECT_STREQ(t, held(&lb, out, sizeof(out)), "0123456789\nz\n");
}

/*
 * A reader part-way through a line that the writer then laps: its next
 * read reports the bytes it missed and goes on at a line's start.
 */
static void logbuf_reader_lapped_between_reads(struct ktest *t)
{
	char mem[16], out[40];
	struct logbuf lb;
	u64 pos, lost = 0;

	RING_WITH(&lb, mem, "first\n", "second\n");
	pos = logbuf_oldest(&lb);
	KT_EXPECT_EQ(t, logbuf_read(&lb, &pos, out, 3, &lost), 3);
	KT_EXPECT_MEMEQ(t, out, "fir", 3);
	logbuf_write(&lb, "third\n", 6);	/* drops "first" */
	KT_EXPECT_EQ(t, logbuf_read(&lb, &pos, out, 7, &lost), 7);
	KT_EXPECT_MEMEQ(t, out, "second\n", 7);
	KT_EXPECT_EQ(t, lost, 3);
	/* Lapped by more than the ring's size. */
	for (int i = 0; i < 10; i++)
		logbuf_write(&lb, "fill\n", 5);
	lost = 0;
	read_all(&lb, &pos, out, sizeof(out), 16, &lost);
	KT_EXPECT_STREQ(t, out, "fill\nfill\nfill\n");
	KT_EXPECT_EQ(t, lost, 6 + 35);
}

/* Lines written while a reader goes along are read too, in order. */
static void logbuf_reader_follows_the_writer(struct ktest *t)
{
	char mem[32], out[8], line[8];
	struct logbuf lb;
	u64 pos = 0, lost = 0;
	long r;

	logbuf_init(&lb, mem, sizeof(mem));
	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "%03d\n", i);
		logbuf_write(&lb, line, 4);
		r = logbuf_read(&lb, &pos, out, sizeof(out), &lost);
		KT_ASSERT_EQ(t, r, 4);
		KT_EXPECT_MEMEQ(t, out, line, 4);
	}
	KT_EXPECT_EQ(t, lost, 0);
	KT_EXPECT_EQ(t, pos, 400);
}

/* A cursor from the future (not of this ring) is not trusted. */
static void logbuf_cursor_past_the_end(struct ktest *t)
{
	char mem[16], out[8];
	struct logbuf lb;
	u64 pos = 1000, lost = 0;

	logbuf_init(&lb, mem, sizeof(mem));
	logbuf_write(&lb, "x\n", 2);
	KT_EXPECT_EQ(t, logbuf_read(&lb, &pos, out, sizeof(out), &lost), 0);
	KT_EXPECT_EQ(t, pos, 2);
}

static const struct ktest_case logbuf_cases[] = {
	KTEST_CASE(logbuf_keeps_lines_in_order),
	KTEST_CASE(logbuf_wrap_drops_oldest_whole_lines),
	KTEST_CASE(logbuf_cuts_a_line_longer_than_the_ring),
	KTEST_CASE(logbuf_unterminated_text_counts_as_one_line),
	KTEST_CASE(logbuf_reader_lapped_between_reads),
	KTEST_CASE(logbuf_reader_follows_the_writer),
	KTEST_CASE(logbuf_cursor_past_the_end),
	{}
};
KTEST_SUITE(lib_logbuf, logbuf_cases);
