// SPDX-License-Identifier: GPL-2.0
/*
 * printk and the console model: quiet keeps info lines off the consoles
 * but in the log ring; a per-byte console stands by while a console that
 * takes a line at once is usable, and gets the line back when it breaks.
 * Fake consoles record which of the test's lines they were given.  While
 * they are registered the real console may get nothing (it stands by), so
 * interrupts are off and nothing is checked until they are gone.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/irqflags.h>
#include <pvkit/ktest.h>
#include <pvkit/logbuf.h>
#include <pvkit/string.h>

struct fake_console {
	struct console con;
	bool broken;
	unsigned int seen;	/* bit i: a write held marks[i] */
};

static const char *const marks[] = { "ktest-printk-info", "ktest-printk-warn",
				     "ktest-console-one", "ktest-console-two",
				     "ktest-console-three" };

static bool holds(const char *s, size_t n, const char *word)
{
	size_t len = strlen(word);

	for (size_t i = 0; i + len <= n; i++) {
		if (!memcmp(s + i, word, len))
			return true;
	}
	return false;
}

static void fake_write(struct console *con, const char *s, size_t n)
{
	struct fake_console *f = container_of(con, struct fake_console, con);

	for (unsigned int i = 0; i < ARRAY_SIZE(marks); i++) {
		if (holds(s, n, marks[i]))
			f->seen |= 1u << i;
	}
}

static bool fake_usable(struct console *con)
{
	return !container_of(con, struct fake_console, con)->broken;
}

#define FAKE_CONSOLE(cname, cflags) {					\
	.con = { .name = cname, .flags = cflags, .write = fake_write,	\
		 .usable = fake_usable },				\
}

/* Which marks the log ring holds from pos on, line by line. */
static unsigned int ring_marks(u64 pos)
{
	struct fake_console reader = FAKE_CONSOLE("ktest-ring", 0);
	u64 lost = 0;
	char line[600];
	long n;

	/* Chunks overlap by a mark's length, so none is missed at an edge. */
	while ((n = logbuf_read(log_ring_get(), &pos, line, sizeof(line), &lost)) > 0) {
		fake_write(&reader.con, line, n);
		if (n == sizeof(line))
			pos -= 32;
	}
	return reader.seen;
}

static void printk_quiet_keeps_info_in_the_log(struct ktest *t)
{
	struct fake_console line = FAKE_CONSOLE("ktest-line", 0);
	bool was_quiet = console_quiet();
	u64 from = logbuf_oldest(log_ring_get());
	unsigned long flags;

	if (console_get_loglevel() <= 6) {
		ktest_skip(t, "loglevel= keeps info lines out of the log too");
		return;
	}
	flags = local_irq_save();
	register_console(&line.con);
	console_set_quiet(true);
	pr_info("%s\n", marks[0]);
	pr_warn("%s\n", marks[1]);
	console_set_quiet(was_quiet);
	unregister_console(&line.con);
	local_irq_restore(flags);
	KT_EXPECT_EQ(t, line.seen, 1u << 1);		/* the warning only */
	KT_EXPECT_EQ(t, ring_marks(from), 3u);		/* the log has both */
}

/*
 * The per-byte fake first alone: whether it is written then says whether
 * the machine has a line console of its own (virtio-console, Xen's),
 * which keeps it standing by after the fake line console broke too.
 */
static void printk_per_byte_console_stands_by(struct ktest *t)
{
	struct fake_console bytes = FAKE_CONSOLE("ktest-bytes", CON_PER_BYTE);
	struct fake_console line = FAKE_CONSOLE("ktest-line", 0);
	unsigned int alone;
	unsigned long flags;

	flags = local_irq_save();
	register_console(&bytes.con);
	console_printf("%s\n", marks[2]);
	alone = bytes.seen;
	register_console(&line.con);
	console_printf("%s\n", marks[3]);
	line.broken = true;
	console_printf("%s\n", marks[4]);
	unregister_console(&line.con);
	unregister_console(&bytes.con);
	local_irq_restore(flags);
	KT_EXPECT_EQ(t, line.seen, 1u << 3);
	/* Nothing while the line console worked; the last line if it is the only one. */
	KT_EXPECT_EQ(t, bytes.seen, alone ? (1u << 2 | 1u << 4) : 0u);
	ktest_log(t, "%s line console of the machine's own", alone ? "no" : "a");
}

static const struct ktest_case printk_cases[] = {
	KTEST_CASE(printk_quiet_keeps_info_in_the_log),
	KTEST_CASE(printk_per_byte_console_stands_by),
	{}
};
KTEST_SUITE(printk, printk_cases);
