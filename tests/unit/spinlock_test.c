// SPDX-License-Identifier: GPL-2.0
/*
 * The ticket spinlock (asm/spinlock.h) on the host's real CPUs: threads
 * incrementing one counter under the lock lose nothing (their waits
 * yield the host CPU, host_irq.c, so a loaded host does not stall them), trylock fails on
 * a held lock, and a waiter that spins long enough hands its wait to
 * pv_ops.lock.wait with the head it saw, and gets the lock once the
 * holder lets go.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <pvkit/ktest.h>
#include <asm/paravirt.h>
#include <asm/spinlock.h>

#define THREADS		4
#define ROUNDS		50000UL
#define BUDGET_NS	(2 * 1000000000LL)

static DEFINE_SPINLOCK(lock);
static unsigned long counter;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * ROUNDS locked increments, or fewer once BUDGET_NS ran out: on a loaded
 * host the thread whose ticket is next is often off the CPU, and every
 * other waiter stalls with it (docs/smp.md).  The total must be exact
 * whatever each thread managed.
 */
static void *increment(void *arg)
{
	long long deadline = now_ns() + BUDGET_NS;
	unsigned long i;

	for (i = 0; i < ROUNDS && now_ns() < deadline; i++) {
		spin_lock(&lock);
		WRITE_ONCE(counter, READ_ONCE(counter) + 1);
		spin_unlock(&lock);
	}
	*(unsigned long *)arg = i;
	return NULL;
}

static void spinlock_counter_exact_on_host_cpus(struct ktest *t)
{
	unsigned long done[THREADS], sum = 0;
	pthread_t th[THREADS];

	counter = 0;
	for (int i = 0; i < THREADS; i++)
		KT_ASSERT_EQ(t, pthread_create(&th[i], NULL, increment, &done[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		KT_EXPECT_GT(t, done[i], 0);
		sum += done[i];
	}
	ktest_log(t, "%d threads: %lu locked increments", THREADS, sum);
	KT_EXPECT_EQ(t, counter, sum);
	KT_EXPECT_FALSE(t, spin_is_locked(&lock));
}

static void spinlock_trylock(struct ktest *t)
{
	spinlock_t l = SPINLOCK_INIT;

	KT_EXPECT_TRUE(t, spin_trylock(&l));
	KT_EXPECT_TRUE(t, spin_is_locked(&l));
	KT_EXPECT_FALSE(t, spin_trylock(&l));
	spin_unlock(&l);
	KT_EXPECT_FALSE(t, spin_is_locked(&l));
	/* Past the u16 wrap of both halves. */
	for (int i = 0; i < 70000; i++) {
		spin_lock(&l);
		spin_unlock(&l);
	}
	KT_EXPECT_TRUE(t, spin_trylock(&l));
	spin_unlock(&l);
}

static spinlock_t held = SPINLOCK_INIT;
static u8 *wait_ptr;
static int wait_val = -1, waits;
static bool waiter_got_it;

/* Records its arguments, then waits as host_irq.c's op does. */
static void recording_wait(u8 *ptr, u8 val)
{
	__atomic_store_n(&wait_ptr, ptr, __ATOMIC_RELEASE);
	__atomic_store_n(&wait_val, val, __ATOMIC_RELEASE);
	__atomic_fetch_add(&waits, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(ptr, __ATOMIC_ACQUIRE) == val)
		sched_yield();
}

static void *waiter(void *arg)
{
	spin_lock(&held);
	WRITE_ONCE(waiter_got_it, true);
	spin_unlock(&held);
	return NULL;
}

static void spinlock_slow_path_uses_pv_wait(struct ktest *t)
{
	void (*saved)(u8 *ptr, u8 val) = pv_ops.lock.wait;
	pthread_t th;

	pv_ops.lock.wait = recording_wait;
	spin_lock(&held);
	KT_ASSERT_EQ(t, pthread_create(&th, NULL, waiter, NULL), 0);
	while (!__atomic_load_n(&waits, __ATOMIC_ACQUIRE))
		cpu_relax();
	KT_EXPECT_FALSE(t, READ_ONCE(waiter_got_it));
	spin_unlock(&held);
	pthread_join(th, NULL);
	pv_ops.lock.wait = saved;
	KT_EXPECT_TRUE(t, waiter_got_it);
	KT_EXPECT_TRUE(t, wait_ptr == (u8 *)&held.head);
	KT_EXPECT_EQ(t, wait_val, 0);	/* the head it saw: ticket 0 held */
}

static const struct ktest_case spinlock_cases[] = {
	KTEST_CASE(spinlock_counter_exact_on_host_cpus),
	KTEST_CASE(spinlock_trylock),
	KTEST_CASE(spinlock_slow_path_uses_pv_wait),
	{}
};
KTEST_SUITE(host_spinlock, spinlock_cases);
