// SPDX-License-Identifier: GPL-2.0
/*
 * printk: formats into a line buffer and writes it to every registered
 * console when its level is below the console log level (loglevel=).
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/string.h>

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

static int emit(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf)) {
		/* Say the line was cut rather than lose that silently. */
		memcpy(buf + sizeof(buf) - 6, "[...]\n", 6);
		n = sizeof(buf);
	}
	console_write(buf, n);
	return n;
}

int vprintk(const char *fmt, va_list ap)
{
	int level = printk_level(&fmt);

	if (level >= console_loglevel)
		return 0;
	return emit(fmt, ap);
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
