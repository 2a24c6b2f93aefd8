// SPDX-License-Identifier: GPL-2.0
/*
 * pv_ops for host-built kernel code: the host has no interrupts, the
 * interrupt flag is only tracked (local_irq_save() and friends work);
 * a spinlock waiter spins as on native.
 */
#include <sched.h>
#include <asm/paravirt.h>

static unsigned long host_flags = 0x200;

static unsigned long host_save_fl(void) { return host_flags; }
static void host_restore_fl(unsigned long f) { host_flags = f; }
static void host_irq_disable(void) { host_flags = 0; }
static void host_irq_enable(void) { host_flags = 0x200; }

/*
 * Yields the host CPU while the byte is unchanged: with more threads than
 * free cores, a spinning waiter would keep the holder (or the next in
 * line) off the CPU, as a vCPU does without PV spinlocks.
 */
static void host_lock_wait(u8 *ptr, u8 val)
{
	while (__atomic_load_n(ptr, __ATOMIC_ACQUIRE) == val)
		sched_yield();
}

struct paravirt_ops pv_ops = {
	.irq = {
		.save_fl = host_save_fl,
		.restore_fl = host_restore_fl,
		.irq_disable = host_irq_disable,
		.irq_enable = host_irq_enable,
	},
	.lock = {
		.wait = host_lock_wait,
	},
};
