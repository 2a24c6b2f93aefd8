// SPDX-License-Identifier: GPL-2.0
#include <pvkit/kernel.h>
#include <pvkit/console.h>


void early_console_init(void)
{
#ifdef CONFIG_SERIAL_8250
	serial8250_early_init();
#endif
#ifdef CONFIG_XEN
	xen_early_console_init();
#endif
}
