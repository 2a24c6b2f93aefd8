// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen console for the initial domain: console_io writes go straight
 * to Xen's own console (its serial line), which Xen owns, so dom0 cannot
 * drive the UART itself.  A domU's console is a shared ring (not yet).
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <xen/hypercall.h>
#include <xen/xen.h>

static void xen_console_write(struct console *con, const char *s, size_t n)
{
	while (n) {
		int chunk = n > 512 ? 512 : n;

		if (HYPERVISOR_console_io(CONSOLEIO_write, chunk, s) < 0)
			return;
		s += chunk;
		n -= chunk;
	}
}

static struct console xen_console = {
	.name = "xencons",
	.write = xen_console_write,
};

void xen_early_console_init(void)
{
	if (!xen_cpuid_base() || !xen_initial_domain())
		return;
	xen_init_hypercalls();
	register_console(&xen_console);
}
