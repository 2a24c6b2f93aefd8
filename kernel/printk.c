// SPDX-License-Identifier: GPL-2.0
/*
 * printk: formats into a line buffer, keeps every line below the log
 * level (loglevel=) in the log ring (dmesg), and writes it to every
 * registered console unless quiet holds it back: then the console gets
 * only warnings and worse, and the rest is read with app=dmesg or shown
 * when the kernel panics.  Apps' and KTAP output (console_printf) is not
 * log: it always goes to the console, and not into the ring.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/logbuf.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>

static struct console *consoles;
static int console_loglevel = CONFIG_LOG_DEFAULT_LEVEL;
#ifdef CONFIG_QUIET
static bool quiet = true;
#else
static bool quiet;
#endif
/* Log lines quiet kept from the console: a panic shows the log then. */
static unsigned long nr_withheld;

#ifdef CONFIG_LOG_RING
static char log_mem[1 << CONFIG_LOG_BUF_SHIFT];
static struct logbuf log_ring = LOGBUF_INIT(log_mem);
#endif

void register_console(struct console *con)
{
	struct console **pp = &consoles;

	while (*pp)
		pp = &(*pp)->next;
	con->next = NULL;
	*pp = con;
}

/* For a test's console: gone at once, nothing waits on it. */
void unregister_console(struct console *con)
{
	for (struct console **pp = &consoles; *pp; pp = &(*pp)->next) {
		if (*pp == con) {
			*pp = con->next;
			return;
		}
	}
}

static bool console_usable(struct console *c)
{
	return !c->usable || c->usable(c);
}

/* Whether c gets what is written now (see CON_PER_BYTE). */
static bool console_active(struct console *c)
{
	if (!console_usable(c))
		return false;
	if (!(c->flags & CON_PER_BYTE))
		return true;
	for (struct console *o = consoles; o; o = o->next) {
		if (!(o->flags & CON_PER_BYTE) && console_usable(o))
			return false;
	}
	return true;
}

void console_write(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next) {
		if (console_active(c))
			c->write(c, s, n);
	}
}

void console_log_names(void)
{
	char names[64] = "";
	size_t at = 0;

	if (!printk_level_built(6))
		return;
	for (struct console *c = consoles; c && at < sizeof(names); c = c->next) {
		if (console_active(c))
			at += snprintf(names + at, sizeof(names) - at, "%s%s",
				       at ? ", " : "", c->name);
	}
	pr_info("console: %s\n", at ? names : "none");
}

void console_flush(void)
{
	for (struct console *c = consoles; c; c = c->next)
		if (c->flush)
			c->flush(c);
}

void console_set_loglevel(int level)
{
	console_loglevel = level;
}

int console_get_loglevel(void)
{
	return console_loglevel;
}

void console_set_quiet(bool on)
{
	quiet = on;
}

bool console_quiet(void)
{
	return quiet;
}

/* Splits off a KERN_<LEVEL> prefix; returns the level. */
static int printk_level(const char **fmt)
{
	const char *f = *fmt;

	if (f[0] == KERN_SOH[0] && f[1] >= '0' && f[1] <= '7') {
		*fmt = f + 2;
		return f[1] - '0';
	}
	return LOGLEVEL_DEFAULT;
}

#define LINE_MAX	512

/*
 * One CPU writes to the consoles at a time, so lines from several CPUs do
 * not interleave.  The holder's own nested write (a fault in a console
 * driver reported by the panic path) goes through without the lock.
 */
static DEFINE_SPINLOCK(console_lock);
static int console_owner = -1;

/* Whether this call took the lock (false: this CPU holds it already). */
static bool console_lock_enter(unsigned long *flags)
{
	int cpu;

	*flags = local_irq_save();
	cpu = smp_processor_id();
	if (READ_ONCE(console_owner) == cpu)
		return false;
	spin_lock(&console_lock);
	WRITE_ONCE(console_owner, cpu);
	return true;
}

static void console_lock_leave(bool took, unsigned long flags)
{
	if (took) {
		WRITE_ONCE(console_owner, -1);
		spin_unlock(&console_lock);
	}
	local_irq_restore(flags);
}

static void console_write_line(const char *s, size_t n)
{
	unsigned long flags;
	bool took = console_lock_enter(&flags);

	console_write(s, n);
	console_lock_leave(took, flags);
}

/* A formatted line's length; one that did not fit says so rather than lose that silently. */
static int cut_line(char *buf, int size, int n)
{
	if (n >= size) {
		memcpy(buf + size - 6, "[...]\n", 6);
		n = size;
	}
	return n;
}

static int emit(const char *fmt, va_list ap)
{
	char buf[LINE_MAX];
	int n = cut_line(buf, sizeof(buf), vsnprintf(buf, sizeof(buf), fmt, ap));

	console_write_line(buf, n);
	return n;
}

/* The levels a quiet console still shows: KERN_WARNING and worse. */
#define QUIET_LOGLEVEL	5

/*
 * Log lines start with "[seconds.microseconds] " of the monotonic clock;
 * the ring's copy has "<level>" before that, as Linux's dmesg -r shows.
 */
static int emit_log(int level, const char *fmt, va_list ap)
{
	char buf[LINE_MAX + 3];
	char *line = buf + 3;
	u64 ns = ktime_get_ns();
	int n = snprintf(line, LINE_MAX, "[%5llu.%06llu] ", ns / NSEC_PER_SEC,
			 ns % NSEC_PER_SEC / NSEC_PER_USEC);
	unsigned long flags;
	bool took;

	n = cut_line(line, LINE_MAX, n + vsnprintf(line + n, LINE_MAX - n, fmt, ap));
	buf[0] = '<';
	buf[1] = '0' + level;
	buf[2] = '>';
	took = console_lock_enter(&flags);
#ifdef CONFIG_LOG_RING
	logbuf_write(&log_ring, buf, n + 3);
#endif
	if (quiet && level >= QUIET_LOGLEVEL)
		nr_withheld++;
	else
		console_write(line, n);
	console_lock_leave(took, flags);
	return n;
}

int vprintk(const char *fmt, va_list ap)
{
	int level = printk_level(&fmt);

	if (level >= console_loglevel)
		return 0;
	return emit_log(level, fmt, ap);
}

#ifdef CONFIG_LOG_RING
/* Writes the whole lines at the start of buf, one console write each; the bytes written. */
static size_t write_lines(const char *buf, size_t n, unsigned long *lines)
{
	size_t done = 0;

	for (const char *nl; (nl = memchr(buf + done, '\n', n - done)); (*lines)++) {
		console_write_line(buf + done, nl + 1 - (buf + done));
		done = nl + 1 - buf;
	}
	return done;
}

unsigned long log_dump(void)
{
	u64 pos = logbuf_oldest(&log_ring), lost = 0;
	unsigned long lines = 0;
	/* The longest line the ring holds, with its "<N>", fits. */
	char buf[LINE_MAX + 4];
	size_t have = 0, done;
	long n;

	if (pos)
		console_printf("dmesg: the first %llu bytes of the log were overwritten\n", pos);
	while ((n = logbuf_read(&log_ring, &pos, buf + have, sizeof(buf) - have, &lost)) > 0) {
		have += n;
		done = write_lines(buf, have, &lines);
		if (!done && have == sizeof(buf)) {
			console_write_line(buf, have);	/* no newline in a whole buffer */
			done = have;
		}
		memmove(buf, buf + done, have - done);
		have -= done;
	}
	if (have)
		console_write(buf, have);
	if (n < 0)
		console_printf("dmesg: the log is written faster than it is read: stopped\n");
	if (lost)
		console_printf("dmesg: %llu bytes were overwritten while reading\n", lost);
	return lines;
}

const struct logbuf *log_ring_get(void)
{
	return &log_ring;
}
#else
unsigned long log_dump(void)
{
	console_printf("(this image keeps no log in memory: CONFIG_LOG_RING is off)\n");
	return 0;
}
#endif

unsigned long log_withheld(void)
{
	return nr_withheld;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

int console_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = emit(fmt, ap);
	va_end(ap);
	return n;
}
