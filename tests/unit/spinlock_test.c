// SPDX-License-Identifier: GPL-2.0
/*
 * The ticket spinlock (asm/spinlock.h) on the host's real CPUs: threads
 * incrementing one counter under the lock lose nothing (their waits
 * yield the host CPU, host_irq.c, so a loaded host does not stall them), trylock fails on
 * a held lock, and a waiter that spins long enough hands its wait to
 * pv_ops.lock.wait with the head it saw, and gets the lock once the
 * holder lets go.  With spin_kick_waiters (KVM PV unhalt), waiters that
 * really sleep until kicked are each woken by the unlock that hands them
 * the lock: no kick is lost, none goes to the wrong waiter.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
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

/* ---- sleeping waiters and kicks (arch/x86/kernel/spinlock.c) ---- */

#define KICK_THREADS	3
#define KICK_WAIT_NS	(5 * 1000000000LL)

/* The threads stand for CPUs: 0 is the test's own. */
static __thread unsigned int host_cpu;

unsigned int host_cpu_id(void)
{
	return host_cpu;
}

static int kicked[KICK_THREADS + 1], slept[KICK_THREADS + 1], kicks_to[KICK_THREADS + 1];
static int lost_wakeups;

/*
 * Sleeps as a halted vCPU does: the byte is checked once, then only a
 * kick ends the wait (or 5 s, counted as a lost wake-up).
 */
static void sleeping_wait(u8 *ptr, u8 val)
{
	long long deadline = now_ns() + KICK_WAIT_NS;

	if (__atomic_load_n(ptr, __ATOMIC_SEQ_CST) != val)
		return;
	__atomic_fetch_add(&slept[host_cpu], 1, __ATOMIC_RELAXED);
	while (!__atomic_exchange_n(&kicked[host_cpu], 0, __ATOMIC_ACQ_REL)) {
		if (now_ns() > deadline) {
			__atomic_fetch_add(&lost_wakeups, 1, __ATOMIC_RELAXED);
			return;
		}
		sched_yield();
	}
}

static void recording_kick(u32 cpu)
{
	if (cpu <= KICK_THREADS) {
		__atomic_fetch_add(&kicks_to[cpu], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&kicked[cpu], 1, __ATOMIC_RELEASE);
	}
}

static spinlock_t kick_lock = SPINLOCK_INIT;
static unsigned long kick_counter;

static void *kick_waiter(void *arg)
{
	host_cpu = (unsigned int)(unsigned long)arg;
	spin_lock(&kick_lock);
	WRITE_ONCE(kick_counter, READ_ONCE(kick_counter) + 1);
	spin_unlock(&kick_lock);
	return NULL;
}

/* Waiters (not yet in the queue: their tickets are taken as they come). */
static unsigned int lock_queue_len(spinlock_t *l)
{
	spinlock_t v = { .val = __atomic_load_n(&l->val, __ATOMIC_ACQUIRE) };

	return (u16)(v.tail - v.head);
}

static void kick_setup(void (**wait)(u8 *, u8), void (**kick)(u32))
{
	*wait = pv_ops.lock.wait;
	*kick = pv_ops.lock.kick;
	pv_ops.lock.wait = sleeping_wait;
	pv_ops.lock.kick = recording_kick;
	memset(kicked, 0, sizeof(kicked));
	memset(slept, 0, sizeof(slept));
	memset(kicks_to, 0, sizeof(kicks_to));
	lost_wakeups = 0;
	spin_kick_waiters = true;
}

static void kick_teardown(void (*wait)(u8 *, u8), void (*kick)(u32))
{
	spin_kick_waiters = false;
	pv_ops.lock.wait = wait;
	pv_ops.lock.kick = kick;
}

/*
 * The holder lets go only once all three sleep: each unlock after it is
 * the one that hands the next waiter its turn, and kicks exactly it.
 */
static void spinlock_unlock_kicks_each_sleeping_waiter(struct ktest *t)
{
	void (*wait)(u8 *, u8), (*kick)(u32);
	unsigned long before = spin_kicks_sent;
	pthread_t th[KICK_THREADS];
	long long deadline;
	int asleep = 0;

	kick_setup(&wait, &kick);
	kick_counter = 0;
	spin_lock(&kick_lock);
	for (unsigned long i = 1; i <= KICK_THREADS; i++)
		KT_ASSERT_EQ(t, pthread_create(&th[i - 1], NULL, kick_waiter, (void *)i), 0);
	deadline = now_ns() + KICK_WAIT_NS;
	while (now_ns() < deadline) {
		asleep = 0;
		for (int i = 1; i <= KICK_THREADS; i++)
			asleep += __atomic_load_n(&slept[i], __ATOMIC_RELAXED) > 0;
		if (asleep == KICK_THREADS && lock_queue_len(&kick_lock) == KICK_THREADS + 1)
			break;
		sched_yield();
	}
	KT_EXPECT_EQ(t, asleep, KICK_THREADS);
	spin_unlock(&kick_lock);
	for (int i = 0; i < KICK_THREADS; i++)
		pthread_join(th[i], NULL);
	kick_teardown(wait, kick);
	KT_EXPECT_EQ(t, kick_counter, (unsigned long)KICK_THREADS);
	KT_EXPECT_EQ(t, lost_wakeups, 0);
	KT_EXPECT_EQ(t, spin_kicks_sent - before, (unsigned long)KICK_THREADS);
	for (int i = 1; i <= KICK_THREADS; i++)
		KT_EXPECT_EQ(t, kicks_to[i], 1);
	KT_EXPECT_FALSE(t, spin_is_locked(&kick_lock));
}

static void *kick_incrementer(void *arg)
{
	host_cpu = (unsigned int)(unsigned long)arg;
	for (int i = 0; i < 2000; i++) {
		spin_lock(&kick_lock);
		WRITE_ONCE(kick_counter, READ_ONCE(kick_counter) + 1);
		/* Now and then off the CPU while holding it: the others sleep. */
		if (i % 100 == 0)
			sched_yield();
		spin_unlock(&kick_lock);
	}
	return NULL;
}

/* Contended hand-overs with sleeping waiters: exact, and nobody left asleep. */
static void spinlock_sleeping_waiters_counter_exact(struct ktest *t)
{
	void (*wait)(u8 *, u8), (*kick)(u32);
	pthread_t th[KICK_THREADS];
	int sleeps = 0;

	kick_setup(&wait, &kick);
	kick_counter = 0;
	for (unsigned long i = 1; i <= KICK_THREADS; i++)
		KT_ASSERT_EQ(t, pthread_create(&th[i - 1], NULL, kick_incrementer, (void *)i), 0);
	for (int i = 0; i < KICK_THREADS; i++)
		pthread_join(th[i], NULL);
	kick_teardown(wait, kick);
	for (int i = 1; i <= KICK_THREADS; i++)
		sleeps += slept[i];
	ktest_log(t, "%d sleeping waits", sleeps);
	KT_EXPECT_EQ(t, kick_counter, 2000UL * KICK_THREADS);
	KT_EXPECT_EQ(t, lost_wakeups, 0);
}

static const struct ktest_case spinlock_cases[] = {
	KTEST_CASE(spinlock_counter_exact_on_host_cpus),
	KTEST_CASE(spinlock_trylock),
	KTEST_CASE(spinlock_slow_path_uses_pv_wait),
	KTEST_CASE(spinlock_unlock_kicks_each_sleeping_waiter),
	KTEST_CASE(spinlock_sleeping_waiters_counter_exact),
	{}
};
KTEST_SUITE(host_spinlock, spinlock_cases);
