// SPDX-License-Identifier: GPL-2.0
/*
 * The ticket spinlock's slow paths (asm/spinlock.h).  Where the backend's
 * pv_ops.lock.wait really sleeps (KVM PV unhalt), the unlocker must wake
 * the waiter whose turn it gives: each CPU records the lock and the
 * ticket it sleeps for, and an unlock that finds the next ticket recorded
 * kicks that CPU.  Lost wake-ups are ruled out as in Dekker's algorithm:
 * the waiter writes its record, then (full barrier) reads the head before
 * sleeping; the unlocker writes the head, then (full barrier) reads the
 * records.  One of the two sees the other's write.
 */
#include <pvkit/kernel.h>
#include <asm/paravirt.h>
#include <asm/smp.h>
#include <asm/spinlock.h>

#ifdef __HOST_TEST__
/* On the host, threads stand for CPUs: spinlock_test.c numbers them. */
unsigned int host_cpu_id(void);
#define spin_cpu()	host_cpu_id()
#else
#define spin_cpu()	smp_processor_id()
#endif

bool spin_kick_waiters;
unsigned long spin_kicks_sent;
unsigned long spin_waits_slept;

struct spin_waiter {
	spinlock_t *lock;	/* NULL: not waiting */
	u16 want;		/* the ticket it waits for */
};

static struct spin_waiter waiters[NR_CPUS];
/* Records in place: an unlock with none skips the scan. */
static unsigned int nr_waiting;

/* want before lock: an unlocker that sees the lock sees its ticket. */
static void set_record(struct spin_waiter *w, spinlock_t *lock, u16 want)
{
	WRITE_ONCE(w->lock, NULL);
	barrier();
	WRITE_ONCE(w->want, want);
	barrier();
	WRITE_ONCE(w->lock, lock);
}

void spin_lock_wait(spinlock_t *lock, u16 want, u16 head)
{
	struct spin_waiter *w, outer;

	if (!READ_ONCE(spin_kick_waiters)) {
		pv_ops.lock.wait((u8 *)&lock->head, (u8)head);
		return;
	}
	w = &waiters[spin_cpu()];
	/* An interrupt handler may wait too: the interrupted record comes back after. */
	outer = *w;
	set_record(w, lock, want);
	/* A locked add: the record is visible before wait re-reads the head. */
	__atomic_fetch_add(&nr_waiting, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&spin_waits_slept, 1, __ATOMIC_RELAXED);
	pv_ops.lock.wait((u8 *)&lock->head, (u8)head);
	set_record(w, outer.lock, outer.want);
	__atomic_fetch_sub(&nr_waiting, 1, __ATOMIC_SEQ_CST);
}

void spin_unlock_kick(spinlock_t *lock, u16 next)
{
	/* A full barrier: the head is visible before the records are read. */
	__atomic_store_n(&lock->head, next, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&nr_waiting, __ATOMIC_SEQ_CST))
		return;
	for (unsigned int c = 0; c < NR_CPUS; c++) {
		const struct spin_waiter *w = &waiters[c];

		if (READ_ONCE(w->lock) == lock && READ_ONCE(w->want) == next) {
			__atomic_fetch_add(&spin_kicks_sent, 1, __ATOMIC_RELAXED);
			pv_ops.lock.kick(c);
			return;
		}
	}
}
