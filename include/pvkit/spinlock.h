/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spinlock_t from the architecture, and the irqsave forms for locks that
 * interrupt handlers take too (printk, the allocators): with interrupts
 * left on, a handler on the holder's CPU would spin on its own lock.
 */
#ifndef _PVKIT_SPINLOCK_H
#define _PVKIT_SPINLOCK_H

#include <asm/spinlock.h>
#include <pvkit/irqflags.h>

static inline unsigned long spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags = local_irq_save();

	spin_lock(lock);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock(lock);
	local_irq_restore(flags);
}

#endif
