/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVKIT_CONSOLE_H
#define _PVKIT_CONSOLE_H

#include <pvkit/types.h>

/*
 * A console that costs a trap to the hypervisor per byte (a UART, the
 * debug port: KVM emulates even a rep outsb a byte per exit) is written
 * only while no other usable console is registered: a console that takes
 * a line at once (virtio-console, Xen's) takes over from it, and gives
 * the line back should it break.
 */
#define CON_PER_BYTE	0x1

struct console {
	const char *name;
	unsigned int flags;
	void (*write)(struct console *con, const char *s, size_t n);
	/* Optional: waits until what was written has left (before exit). */
	void (*flush)(struct console *con);
	/* Optional: false once the console broke (its device shut off). */
	bool (*usable)(struct console *con);
	struct console *next;
};

void register_console(struct console *con);
void unregister_console(struct console *con);
void console_write(const char *s, size_t n);
void console_flush(void);
/* Logs the consoles the log goes to ("console: ttyS0"). */
void console_log_names(void);

/* Brings up the first console(s) the platform has (drivers/tty). */
void early_console_init(void);

void serial8250_early_init(void);
/* Whether a UART answers at COM1 (its scratch register); uses no .bss. */
bool serial8250_present(void);
/* Registers the debug console if the port answers; true if it did. */
bool debugcon_early_init(void);
/* Whether QEMU's debug console answers (its read-back); uses no .bss. */
bool debugcon_present(void);
void xen_early_console_init(void);

#endif
