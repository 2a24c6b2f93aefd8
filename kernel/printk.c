// SPDX-License-Identifier: GPL-2.0
/*
 * printk: formats into a line buffer and writes it to every registered
 * console when its level is below the console log level (loglevel=).
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>

static struct console *consoles;
static int console_loglevel = CONFIG_LOG_DEFAULT_LEVEL;

void register_console(struct console *con)
{
	struct console **pp = &consoles;

	while (*pp)
		pp = &(*pp)->next;
	con->next = NULL;
	*pp = con;
}

void console_write(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(c, s, n);
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

static void console_write_line(const char *s, size_t n)
{
	unsigned long flags = local_irq_save();
	int cpu = smp_processor_id();
	bool nested = READ_ONCE(console_owner) == cpu;

	if (!nested) {
		spin_lock(&console_lock);
		WRITE_ONCE(console_owner, cpu);
	}
	console_write(s, n);
	if (!nested) {
		WRITE_ONCE(console_owner, -1);
		spin_unlock(&console_lock);
	}
	local_irq_restore(flags);
}

/* Writes a formatted line; one that did not fit says so rather than lose that silently. */
static int emit_line(char *buf, int n)
{
	if (n >= LINE_MAX) {
		memcpy(buf + LINE_MAX - 6, "[...]\n", 6);
		n = LINE_MAX;
	}
	console_write_line(buf, n);
	return n;
}

static int emit(const char *fmt, va_list ap)
{
	char buf[LINE_MAX];

	return emit_line(buf, vsnprintf(buf, sizeof(buf), fmt, ap));
}

/* Log lines start with "[seconds.microseconds] " of the monotonic clock. */
static int emit_log(const char *fmt, va_list ap)
{
	char buf[LINE_MAX];
	u64 ns = ktime_get_ns();
	int n = snprintf(buf, sizeof(buf), "[%5llu.%06llu] ", ns / NSEC_PER_SEC,
			 ns % NSEC_PER_SEC / NSEC_PER_USEC);

	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	return emit_line(buf, n);
}

int vprintk(const char *fmt, va_list ap)
{
	int level = printk_level(&fmt);

	if (level >= console_loglevel)
		return 0;
	return emit_log(fmt, ap);
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
