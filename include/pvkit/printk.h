/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_PRINTK_H
#define _PVKIT_PRINTK_H

#include <stdarg.h>
#include <pvkit/types.h>
#include <pvkit/compiler.h>

/* Log levels as in Linux: "\001" followed by the level digit. */
#define KERN_SOH	"\001"
#define KERN_EMERG	KERN_SOH "0"
#define KERN_ALERT	KERN_SOH "1"
#define KERN_CRIT	KERN_SOH "2"
#define KERN_ERR	KERN_SOH "3"
#define KERN_WARNING	KERN_SOH "4"
#define KERN_NOTICE	KERN_SOH "5"
#define KERN_INFO	KERN_SOH "6"
#define KERN_DEBUG	KERN_SOH "7"

#define LOGLEVEL_DEFAULT	4	/* a message without a level */

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);

/*
 * Output that is the product of an app or of the test framework (KTAP),
 * not a log message: written whatever the log level.
 */
int console_printf(const char *fmt, ...) __printf(1, 2);

void console_set_loglevel(int level);
int console_get_loglevel(void);

/*
 * quiet: the console shows only warnings and worse; every line below the
 * log level is still kept in the log ring, which log_dump() writes to the
 * console (app=dmesg; kernel_exit() on a panic when lines were withheld).
 */
void console_set_quiet(bool on);
bool console_quiet(void);
/* Returns the lines it wrote. */
unsigned long log_dump(void);
unsigned long log_withheld(void);
struct logbuf;
/* The ring itself, for a reader of its own (logbuf_read()). */
const struct logbuf *log_ring_get(void);

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

/*
 * A message of a level the configuration leaves out (CONFIG_LOG_LEVEL_BUILD)
 * is still type-checked, but neither its text nor the call is compiled.
 */
#ifndef CONFIG_LOG_LEVEL_BUILD
#define CONFIG_LOG_LEVEL_BUILD	8
#endif
/* Whether a level is compiled in: code that only prepares such a line asks. */
#define printk_level_built(level)	((level) < CONFIG_LOG_LEVEL_BUILD)
#define no_printk(fmt, ...)	({ if (0) printk(fmt, ##__VA_ARGS__); 0; })
#define printk_at(level, fmt, ...) \
	(printk_level_built(level) ? printk(fmt, ##__VA_ARGS__) : \
					   no_printk(fmt, ##__VA_ARGS__))

#define pr_emerg(fmt, ...)	printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)	printk_at(5, KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk_at(6, KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	printk_at(7, KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)

#endif
