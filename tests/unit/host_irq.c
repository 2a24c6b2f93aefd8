// SPDX-License-Identifier: GPL-2.0
/*
 * pv_ops for host-built kernel code: the host has no interrupts, the
 * interrupt flag is only tracked (local_irq_save() and friends work).
 */
#include <asm/paravirt.h>

static unsigned long host_flags = 0x200;

static unsigned long host_save_fl(void) { return host_flags; }
static void host_restore_fl(unsigned long f) { host_flags = f; }
static void host_irq_disable(void) { host_flags = 0; }
static void host_irq_enable(void) { host_flags = 0x200; }

struct paravirt_ops pv_ops = {
	.irq = {
		.save_fl = host_save_fl,
		.restore_fl = host_restore_fl,
		.irq_disable = host_irq_disable,
		.irq_enable = host_irq_enable,
	},
};
