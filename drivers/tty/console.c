// SPDX-License-Identifier: GPL-2.0
#include <pvkit/kernel.h>
#include <pvkit/console.h>

/*
 * Each driver probes for its own device.  Of the two per-byte consoles
 * the debug console wins, having no status to poll and no CR to add; a
 * console that takes a line at once (Xen's here, virtio-console later)
 * takes over from it (CON_PER_BYTE, kernel/printk.c).
 */
void early_console_init(void)
{
	bool debugcon = false;

#ifdef CONFIG_DEBUGCON
	debugcon = debugcon_early_init();
#endif
#ifdef CONFIG_SERIAL_8250
	if (!debugcon)
		serial8250_early_init();
#endif
#ifdef CONFIG_XEN
	xen_early_console_init();
#endif
}
