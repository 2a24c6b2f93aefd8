// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU clock events and timer lists: every CPU starts timers on itself and on every other CPU, and each
 * runs exactly once, on the CPU named, never before its time, even one
 * already due when started; a storm of timers across CPUs with cancels
 * keeps exact counts (a cancelled start never runs, every other start
 * runs once); a cancel waits for a callback running on another CPU; the
 * clock read on each CPU in turn never goes backwards.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/mm.h>
#include <pvkit/smp.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/processor.h>
#ifdef CONFIG_KVM_GUEST
#include <asm/kvm_guest.h>
#endif

#define PER_PAIR	3	/* timers each CPU starts on each CPU */
#define STORM_PER_CPU	64
#define SETTLE_MS	20	/* after the last expected run: time for a duplicate */

struct ttimer {
	struct timer t;
	unsigned int cpu;		/* where it must run */
	unsigned int fired;		/* runs, counted atomically */
	unsigned int ran_on;
	u64 ran_at;
	u64 ran_for;			/* its expiry when it ran (a callback may start it again) */
	int cancelled;			/* timer_cancel()'s answer, 0 if none */
};

static void ttimer_fn(struct timer *t)
{
	struct ttimer *tt = container_of(t, struct ttimer, t);

	tt->ran_at = ktime_get_ns();
	tt->ran_for = t->expires;
	tt->ran_on = smp_processor_id();
	__atomic_fetch_add(&tt->fired, 1, __ATOMIC_RELEASE);
}

/* Waits until want runs counted in all n timers, then SETTLE_MS more. */
static void wait_runs(struct ttimer *tt, unsigned int n, unsigned int want)
{
	u64 deadline = ktime_get_ns() + KTEST_WAIT_NS;
	unsigned int sum;

	do {
		sum = 0;
		for (unsigned int i = 0; i < n; i++)
			sum += __atomic_load_n(&tt[i].fired, __ATOMIC_ACQUIRE);
		if (sum >= want)
			break;
		msleep(1);
	} while (ktime_get_ns() < deadline);
	msleep(SETTLE_MS);
}

static void expect_ran(struct ktest *t, const struct ttimer *tt, unsigned int want_runs)
{
	KT_EXPECT_EQ(t, tt->fired, want_runs);
	if (!want_runs || tt->fired != want_runs)
		return;
	KT_EXPECT_EQ(t, tt->ran_on, tt->cpu);
	KT_EXPECT_GE(t, tt->t.fired_at, tt->ran_for);
	KT_EXPECT_GE(t, tt->ran_at, tt->ran_for);
}

/* The arrays below are indexed by CPU: the online ones must be 0..n-1. */
static bool cpus_dense(void)
{
	for (unsigned int c = 0; c < nr_cpus_online; c++) {
		if (!cpu_online(c))
			return false;
	}
	return true;
}

/* ---- every CPU starts timers on every CPU ---- */

/* pairs[(arming CPU * CPUs + target) * PER_PAIR + i], from the heap. */
static struct ttimer *pairs;
static int pair_err[NR_CPUS];

/*
 * 1 to 20 ms ahead, spread so that lists interleave; or, with arg set,
 * already due (i ms ago): the device is asked for its shortest delay,
 * which may have passed by the time it is set (Xen answers -ETIME), and
 * its event must come anyway, nothing else wakes an idle CPU.
 */
static void start_on_all(void *arg)
{
	unsigned int me = smp_processor_id(), n = nr_cpus_online, c;
	u64 now = ktime_get_ns();

	for (c = 0; c < n; c++) {
		for (unsigned int i = 0; i < PER_PAIR; i++) {
			struct ttimer *tt = &pairs[(me * n + c) * PER_PAIR + i];
			u64 ms = 1 + (me * 7 + c * 5 + i * 11) % 20;
			u64 at = arg ? now - i * NSEC_PER_MSEC : now + ms * NSEC_PER_MSEC;

			tt->cpu = c;
			if (timer_start_on(&tt->t, c, at, ttimer_fn))
				pair_err[me]++;
		}
	}
}

static void run_pairs(struct ktest *t, void *due)
{
	unsigned long events[NR_CPUS], runs[NR_CPUS];
	unsigned int n = nr_cpus_online, a, c;

	KT_ASSERT_TRUE(t, cpus_dense());
	pairs = kzalloc(n * n * PER_PAIR * sizeof(*pairs));
	KT_ASSERT_NOT_NULL(t, pairs);
	memset(pair_err, 0, sizeof(pair_err));
	for_each_online_cpu(c) {
		events[c] = timer_cpu_events(c);
		runs[c] = timer_cpu_runs(c);
	}
	/* One arming CPU at a time, the others idle (halted) meanwhile. */
	for (a = 0; a < n; a++)
		KT_EXPECT_EQ(t, smp_call_on_cpu(a, start_on_all, due), 0);
	wait_runs(pairs, n * n * PER_PAIR, n * n * PER_PAIR);
	for (a = 0; a < n; a++) {
		KT_EXPECT_EQ(t, pair_err[a], 0);
		for (unsigned int i = 0; i < n * PER_PAIR; i++)
			expect_ran(t, &pairs[a * n * PER_PAIR + i], 1);
	}
	/* Nothing of it is left on a list (a failed case may leave a run to come). */
	for (unsigned int i = 0; i < n * n * PER_PAIR; i++)
		timer_cancel(&pairs[i].t);
	kfree(pairs);
	/* Each CPU ran its own: its own device and interrupts, at least n * PER_PAIR runs. */
	for_each_online_cpu(c) {
		struct clock_event_device *ce = clockevent_cpu(c);

		ktest_log(t, "cpu %u (%s): %lu timer interrupts, %lu runs", c,
			  ce ? ce->name : "none", timer_cpu_events(c) - events[c],
			  timer_cpu_runs(c) - runs[c]);
		KT_EXPECT_NOT_NULL(t, ce);
		KT_EXPECT_GT(t, timer_cpu_events(c), events[c]);
		KT_EXPECT_GE(t, timer_cpu_runs(c) - runs[c], n * PER_PAIR);
	}
}

static void timers_every_cpu_on_every_cpu(struct ktest *t)
{
	run_pairs(t, NULL);
}

static void timers_already_due_run_once(struct ktest *t)
{
	run_pairs(t, t);
}

/* ---- a storm with cancels ---- */

/* storm[CPU * STORM_PER_CPU + i], from the heap. */
static struct ttimer *storm;
static unsigned int storm_arrived;
static unsigned int storm_late;

/*
 * Every CPU at once: STORM_PER_CPU timers spread over all CPUs, 0 to 3 ms
 * ahead (some due at once), then every third one cancelled: some still
 * pending on another CPU's list, some running there, some run.
 */
static void storm_fn(void *arg)
{
	unsigned int me = smp_processor_id(), n = nr_cpus_online;
	u64 now;

	if (!smp_meet(&storm_arrived, n, KTEST_WAIT_NS))
		__atomic_fetch_add(&storm_late, 1, __ATOMIC_RELAXED);
	now = ktime_get_ns();
	for (unsigned int i = 0; i < STORM_PER_CPU; i++) {
		struct ttimer *tt = &storm[me * STORM_PER_CPU + i];
		u64 us = (me * 131 + i * 977) % 3000;

		tt->cpu = (me + i) % n;
		timer_start_on(&tt->t, tt->cpu, now + us * NSEC_PER_USEC, ttimer_fn);
	}
	for (unsigned int i = 0; i < STORM_PER_CPU; i += 3) {
		struct ttimer *tt = &storm[me * STORM_PER_CPU + i];

		/* A few microseconds apart, so some cancels meet runs. */
		ndelay(20 * NSEC_PER_USEC);
		tt->cancelled = timer_cancel(&tt->t);
	}
}

static void timer_storm_with_cancels(struct ktest *t)
{
	unsigned int n = nr_cpus_online, want = 0, removed = 0, i;

	KT_ASSERT_TRUE(t, cpus_dense());
	storm = kzalloc(n * STORM_PER_CPU * sizeof(*storm));
	KT_ASSERT_NOT_NULL(t, storm);
	storm_arrived = 0;
	storm_late = 0;
	KT_ASSERT_EQ(t, smp_call_on_all(storm_fn, NULL), 0);
	KT_EXPECT_EQ(t, storm_late, 0);
	for (i = 0; i < n * STORM_PER_CPU; i++) {
		/* 1: taken off its list before it ran; 0: it had run. */
		KT_EXPECT_TRUE(t, storm[i].cancelled == 0 || storm[i].cancelled == 1);
		removed += storm[i].cancelled == 1;
		want += storm[i].cancelled != 1;
	}
	wait_runs(storm, n * STORM_PER_CPU, want);
	for (i = 0; i < n * STORM_PER_CPU; i++)
		expect_ran(t, &storm[i], storm[i].cancelled != 1);
	for (i = 0; i < n * STORM_PER_CPU; i++)
		timer_cancel(&storm[i].t);
	kfree(storm);
	ktest_log(t, "%u timers on %u CPUs: %u cancelled before they ran, %u ran", n * STORM_PER_CPU,
		  n, removed, want);
}

/* ---- cancel against a running callback ---- */

static struct ttimer slow;
static bool slow_started, slow_go, slow_done, slow_rearm;
static int slow_self_cancel;

/*
 * On another CPU: once the cancel is about to be made (slow_go), it runs
 * 20 ms more, so the cancel meets it running and must wait for it.  With
 * slow_rearm its first run starts it again, 50 ms ahead, at its end.
 */
static void slow_fn(struct timer *t)
{
	u64 deadline = ktime_get_ns() + KTEST_WAIT_NS;

	ttimer_fn(t);
	__atomic_store_n(&slow_started, true, __ATOMIC_RELEASE);
	slow_self_cancel = timer_cancel(t);
	while (!__atomic_load_n(&slow_go, __ATOMIC_ACQUIRE) && ktime_get_ns() < deadline)
		cpu_relax();
	mdelay(20);
	if (slow_rearm && __atomic_load_n(&slow.fired, __ATOMIC_ACQUIRE) == 1)
		timer_start(t, ktime_get_ns() + 50 * NSEC_PER_MSEC, slow_fn);
	__atomic_store_n(&slow_done, true, __ATOMIC_RELEASE);
}

static void run_slow(struct ktest *t, bool rearm)
{
	unsigned int target = nr_cpus_online - 1;
	u64 deadline = ktime_get_ns() + KTEST_WAIT_NS;
	int ret;

	memset(&slow, 0, sizeof(slow));
	slow.cpu = target;
	slow_started = slow_go = slow_done = false;
	slow_rearm = rearm;
	KT_ASSERT_EQ(t, timer_start_on(&slow.t, target, ktime_get_ns(), slow_fn), 0);
	while (!__atomic_load_n(&slow_started, __ATOMIC_ACQUIRE) && ktime_get_ns() < deadline)
		cpu_relax();
	KT_ASSERT_TRUE(t, slow_started);
	__atomic_store_n(&slow_go, true, __ATOMIC_RELEASE);
	ret = timer_cancel(&slow.t);
	KT_EXPECT_TRUE(t, __atomic_load_n(&slow_done, __ATOMIC_ACQUIRE));
	KT_EXPECT_FALSE(t, slow.t.pending);
	/* From the callback itself: not pending, running there, cannot wait. */
	KT_EXPECT_EQ(t, slow_self_cancel, -EBUSY);
	/* Past the time the start again was for. */
	msleep(rearm ? 50 + SETTLE_MS : SETTLE_MS);
	if (!rearm) {
		KT_EXPECT_EQ(t, ret, 0);
		expect_ran(t, &slow, 1);
		return;
	}
	/*
	 * Started again by its callback: pending once that returned, so
	 * taken off (1) and never run again.  Only a cancel delayed past
	 * the callback's end and the 50 ms after it (this vCPU descheduled by
	 * the host) finds it run twice (0).
	 */
	ktest_log(t, "cancel of a timer its running callback starts again: %d", ret);
	KT_EXPECT_TRUE(t, ret == 0 || ret == 1);
	expect_ran(t, &slow, ret == 1 ? 1 : 2);
}

static void cancel_waits_for_running_callback(struct ktest *t)
{
	run_slow(t, false);
	run_slow(t, true);
}

/* ---- the clock on each CPU in turn ---- */

#define CLOCK_ROUNDS	200

struct clock_reading {
	u64 ns;
	u64 raw;
};

static struct clock_reading reading;

static void read_clock(void *arg)
{
	struct clocksource *cs = arg;

	reading.raw = cs->read(cs);
	reading.ns = ktime_get_ns();
}

/*
 * Read on each CPU in turn, one after the other: each reading must be at
 * least the previous CPU's.  The clocksource's own counter is checked
 * too where it is 64 bits wide (narrower ones wrap, and the ns clock
 * above clamps): with kvmclock that is each CPU's own area.
 */
static void clock_monotonic_across_cpus(struct ktest *t)
{
	struct clocksource *cs = clocksource_current();
	struct clock_reading last = { 0 };
	unsigned int back_ns = 0, back_raw = 0, c;
	bool raw = cs && cs->mask == ~0ULL;

	KT_ASSERT_NOT_NULL(t, cs);
#ifdef CONFIG_KVM_GUEST
	if (!strcmp(cs->name, "kvm-clock"))
		KT_EXPECT_EQ(t, kvm_guest.kvmclock_areas, nr_cpus_online);
#endif
	for (unsigned int r = 0; r < CLOCK_ROUNDS; r++) {
		for_each_online_cpu(c) {
			KT_ASSERT_EQ(t, smp_call_on_cpu(c, read_clock, cs), 0);
			back_ns += reading.ns < last.ns;
			back_raw += raw && reading.raw < last.raw;
			last = reading;
		}
	}
	ktest_log(t, "%s: %u rounds on %u CPUs, %u steps back (ns), %u (counter%s)", cs->name,
		  CLOCK_ROUNDS, nr_cpus_online, back_ns, back_raw, raw ? "" : " not checked");
	KT_EXPECT_EQ(t, back_ns, 0);
	KT_EXPECT_EQ(t, back_raw, 0);
}

/*
 * Skipped only where the platform has no per-CPU device at all (none
 * registered): where it has one, a CPU without it is a failure.
 */
static const char *smp_timers_skip(void)
{
	if (nr_cpus_online < 2)
		return "one CPU online";
	for (struct clock_event_device *ce = clockevent_first(); ce; ce = ce->next) {
		if (ce->features & CLOCK_EVT_PERCPU)
			return NULL;
	}
	return "no per-CPU clock event device on this platform";
}

static const struct ktest_case smp_timers_cases[] = {
	KTEST_CASE(timers_every_cpu_on_every_cpu),
	KTEST_CASE(timers_already_due_run_once),
	KTEST_CASE(timer_storm_with_cancels),
	KTEST_CASE(cancel_waits_for_running_callback),
	KTEST_CASE(clock_monotonic_across_cpus),
	{}
};
KTEST_SUITE_SKIP(smp_timers, smp_timers_cases, smp_timers_skip);
