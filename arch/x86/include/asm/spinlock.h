/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ticket spinlocks: a CPU takes the next ticket (tail) and waits until the
 * ticket being served (head) is its own, so waiters are served in order.
 * A waiter that has spun SPIN_THRESHOLD times hands the wait to
 * pv_ops.lock.wait, "sleep while the head's low byte is unchanged": the
 * native op spins on, a hypervisor's may halt the vCPU (KVM PV unhalt).
 * Such a backend sets spin_kick_waiters: a waiter then records, per CPU,
 * the lock and the ticket it waits for before it sleeps (spinlock.c), and
 * an unlock that hands the lock to a recorded waiter kicks that CPU
 * through pv_ops.lock.kick.  Without it, unlock is one plain store.
 *
 * Nothing here disables interrupts: a lock also taken by an interrupt
 * handler must be taken with spin_lock_irqsave() (<pvkit/spinlock.h>).
 */
#ifndef _ASM_X86_SPINLOCK_H
#define _ASM_X86_SPINLOCK_H

#include <pvkit/types.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

typedef union {
	u32 val;
	struct {
		u16 head;	/* the ticket being served */
		u16 tail;	/* the next ticket to hand out */
	};
} spinlock_t;

#define SPINLOCK_INIT		{ .val = 0 }
#define DEFINE_SPINLOCK(x)	spinlock_t x = SPINLOCK_INIT
#define SPIN_THRESHOLD		(1U << 10)

/* Set before any other CPU runs, by a backend whose lock.wait sleeps. */
extern bool spin_kick_waiters;
/* Kicks sent by unlocks (spinlock.c), for the tests and benchmarks. */
extern unsigned long spin_kicks_sent;
/* The slow paths (spinlock.c): a long wait, and an unlock that may kick. */
void spin_lock_wait(spinlock_t *lock, u16 want, u16 head);
void spin_unlock_kick(spinlock_t *lock, u16 next);

#if !defined(CONFIG_SMP) && !defined(__HOST_TEST__)
/*
 * One CPU: nobody else can hold a lock, and a handler that could
 * interrupt the holder is kept out by the irqsave forms, so taking a lock
 * only counts it (spin_is_locked, spin_trylock) and orders the compiler.
 */
static inline void spin_lock(spinlock_t *lock)
{
	WRITE_ONCE(lock->tail, lock->tail + 1);
	barrier();
}

static inline bool spin_trylock(spinlock_t *lock)
{
	if (lock->head != lock->tail)
		return false;
	spin_lock(lock);
	return true;
}

static inline void spin_unlock(spinlock_t *lock)
{
	barrier();
	WRITE_ONCE(lock->head, lock->head + 1);
}
#else
static inline void spin_lock(spinlock_t *lock)
{
	u16 me = __atomic_fetch_add(&lock->tail, 1, __ATOMIC_RELAXED);

	for (;;) {
		u16 head = 0;

		for (unsigned int i = 0; i < SPIN_THRESHOLD; i++) {
			head = __atomic_load_n(&lock->head, __ATOMIC_ACQUIRE);
			if (head == me)
				return;
			cpu_relax();
		}
		spin_lock_wait(lock, me, head);
	}
}

/* Takes the lock only if nobody holds or waits for it; true if taken. */
static inline bool spin_trylock(spinlock_t *lock)
{
	spinlock_t old, new;

	old.val = __atomic_load_n(&lock->val, __ATOMIC_RELAXED);
	if (old.head != old.tail)
		return false;
	new = old;
	new.tail++;
	return __atomic_compare_exchange_n(&lock->val, &old.val, new.val, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *lock)
{
	/* Only the holder writes head: no read-modify-write needed. */
	u16 next = lock->head + 1;

	if (__builtin_expect(spin_kick_waiters, 0))
		spin_unlock_kick(lock, next);
	else
		__atomic_store_n(&lock->head, next, __ATOMIC_RELEASE);
}
#endif

static inline bool spin_is_locked(spinlock_t *lock)
{
	spinlock_t v = { .val = __atomic_load_n(&lock->val, __ATOMIC_RELAXED) };

	return v.head != v.tail;
}

#endif
