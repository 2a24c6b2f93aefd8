/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_CONSOLE_H
#define _PVKIT_CONSOLE_H

#include <pvkit/types.h>

struct console {
	const char *name;
	void (*write)(struct console *con, const char *s, size_t n);
	/* Optional: waits until what was written has left (before exit). */
	void (*flush)(struct console *con);
	struct console *next;
};

void register_console(struct console *con);
void console_write(const char *s, size_t n);
void console_flush(void);

/* Brings up the first console(s) the platform has (drivers/tty). */
void early_console_init(void);

void serial8250_early_init(void);
void xen_early_console_init(void);

#endif
