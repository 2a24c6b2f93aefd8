// SPDX-License-Identifier: GPL-2.0
/*
 * Clock event devices and the timer lists, one per CPU.  Each list is
 * kept sorted; the CPU's own device is programmed for its earliest
 * expiry, by that CPU only (another CPU that puts a timer first in the
 * list asks it to, by IPI).  A device may fire a little early (its
 * frequency is a measurement), so expiry is always judged by the
 * clocksource and an early interrupt just reprograms: timers never run
 * before their time.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/irqflags.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/processor.h>

/* The list is also what keeps narrow clocksources from wrapping unseen. */
#define KEEPALIVE_NS	(500 * NSEC_PER_MSEC)
/* How long a cancel waits for a callback running on another CPU. */
#define CANCEL_WAIT_NS	(5 * NSEC_PER_SEC)

/*
 * One CPU's list.  The lock is taken with interrupts off: the CPU's own
 * timer interrupt takes it.  running is the timer whose callback the CPU
 * runs now (the lock is dropped meanwhile), so that a cancel elsewhere
 * can wait for it without touching the timer after it returned.
 */
struct timer_base {
	spinlock_t lock;
	struct timer *head;
	struct timer *running;
	struct clock_event_device *ce;
	unsigned int cpu;
	unsigned long nr_events;
	unsigned long nr_runs;
};

static struct clock_event_device *events;
static struct clock_event_device *current_ce;
static struct timer_base bases[NR_CPUS];
static struct timer keepalive;

void clocksource_select(const char *want);

void clockevent_register(struct clock_event_device *ce)
{
	struct clock_event_device **pp = &events;

	while (*pp)
		pp = &(*pp)->next;
	ce->next = NULL;
	*pp = ce;
	pr_info("clockevent: %s, rating %d, %llu..%llu ns\n", ce->name,
		ce->rating, ce->min_delta_ns, ce->max_delta_ns);
}

struct clock_event_device *clockevent_current(void)
{
	return current_ce;
}

struct clock_event_device *clockevent_first(void)
{
	return events;
}

struct clock_event_device *clockevent_cpu(unsigned int cpu)
{
	return cpu < NR_CPUS ? READ_ONCE(bases[cpu].ce) : NULL;
}

unsigned long timer_cpu_events(unsigned int cpu)
{
	return cpu < NR_CPUS ? READ_ONCE(bases[cpu].nr_events) : 0;
}

unsigned long timer_cpu_runs(unsigned int cpu)
{
	return cpu < NR_CPUS ? READ_ONCE(bases[cpu].nr_runs) : 0;
}

struct clock_event_device *clockevent_find(const char *name)
{
	for (struct clock_event_device *ce = events; ce; ce = ce->next) {
		if (!strcmp(ce->name, name))
			return ce;
	}
	return NULL;
}

int clockevent_program(struct clock_event_device *ce, u64 delta_ns)
{
	delta_ns = max(delta_ns, ce->min_delta_ns);
	delta_ns = min(delta_ns, ce->max_delta_ns);
	return ce->set_next_event(ce, delta_ns);
}

static bool power_of_ten(unsigned long n)
{
	while (n && n % 10 == 0)
		n /= 10;
	return n == 1;
}

/*
 * A device that cannot be armed that soon (its target passed while it
 * was written: slow MMIO under a hypervisor) is asked again further
 * ahead, doubling from twice its minimum: an event a little late runs
 * the timers a little late, one that never comes stops them for good.
 * Called on the list's own CPU, with its lock held.
 */
static void program_next(struct timer_base *b)
{
	struct clock_event_device *ce = b->ce;
	unsigned long refused;
	u64 now, delta;

	if (!ce || !b->head)
		return;
	now = ktime_get_ns();
	if (!clockevent_program(ce, b->head->expires > now ? b->head->expires - now : 0))
		return;
	refused = __atomic_add_fetch(&ce->nr_refused, 1, __ATOMIC_RELAXED);
	for (delta = 2 * max(ce->min_delta_ns, 1000ULL); delta < ce->max_delta_ns; delta *= 2) {
		if (!clockevent_program(ce, delta))
			break;
	}
	if (delta >= ce->max_delta_ns && clockevent_program(ce, ce->max_delta_ns)) {
		pr_err("clockevent: %s cannot be armed at all: timers stop\n", ce->name);
		return;
	}
	/* The 1st, 10th, 100th ... refusal: a log line, not a flood. */
	if (power_of_ten(refused))
		pr_warn("clockevent: %s refused a target (%lu times); armed %llu ns ahead instead\n",
			ce->name, refused, min(delta, ce->max_delta_ns));
}

static struct timer_base *this_base(void)
{
	return &bases[smp_processor_id()];
}

/*
 * Runs this CPU's timers expired when the interrupt came; called with
 * interrupts off.  One that expires meanwhile, or that its callback
 * starts again, waits for the next interrupt: a callback re-arming
 * itself a little ahead (deferred work) cannot keep this loop going.
 * The callback runs without the lock (it may start or cancel timers),
 * and the timer is not touched after it returned (it may be gone).
 */
static void run_timers(struct clock_event_device *ce)
{
	struct timer_base *b = this_base();
	u64 now;

	__atomic_fetch_add(&ce->nr_events, 1, __ATOMIC_RELAXED);
	spin_lock(&b->lock);
	b->nr_events++;
	now = ktime_get_ns();
	while (b->head && b->head->expires <= now) {
		struct timer *t = b->head;
		void (*fn)(struct timer *) = t->fn;

		b->head = t->next;
		t->pending = false;
		t->fired_at = ktime_get_ns();
		WRITE_ONCE(b->running, t);
		b->nr_runs++;
		spin_unlock(&b->lock);
		fn(t);
		spin_lock(&b->lock);
		__atomic_store_n(&b->running, NULL, __ATOMIC_RELEASE);
	}
	program_next(b);
	spin_unlock(&b->lock);
}

void timer_kick_interrupt(void)
{
	struct timer_base *b = this_base();

	spin_lock(&b->lock);
	program_next(b);
	spin_unlock(&b->lock);
}

static void insert(struct timer_base *b, struct timer *t)
{
	struct timer **pp = &b->head;

	while (*pp && (*pp)->expires <= t->expires)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	WRITE_ONCE(t->base, b);
	t->pending = true;
}

static void unlink(struct timer_base *b, struct timer *t)
{
	for (struct timer **pp = &b->head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->pending = false;
}

/* A timer never started is CPU 0's, so that its lock serialises first starts. */
static struct timer_base *base_of(struct timer *t)
{
	struct timer_base *b = READ_ONCE(t->base);

	return b ? b : &bases[0];
}

/*
 * t->base changes only under the lock of the list it leaves (and of the
 * one it joins), so once that lock is held and t->base still names it,
 * it stays.  Interrupts are off on return.
 */
static struct timer_base *lock_base(struct timer *t, unsigned long *flags)
{
	for (;;) {
		struct timer_base *b = base_of(t);

		*flags = spin_lock_irqsave(&b->lock);
		if (base_of(t) == b)
			return b;
		spin_unlock_irqrestore(&b->lock, *flags);
	}
}

/* Both lists, the lower CPU's lock first; returns the one t is on. */
static struct timer_base *lock_bases(struct timer *t, struct timer_base *to,
				     unsigned long *flags)
{
	for (;;) {
		struct timer_base *from = base_of(t);
		struct timer_base *lo = from->cpu < to->cpu ? from : to;
		struct timer_base *hi = lo == from ? to : from;

		*flags = spin_lock_irqsave(&lo->lock);
		if (hi != lo)
			spin_lock(&hi->lock);
		if (base_of(t) == from)
			return from;
		if (hi != lo)
			spin_unlock(&hi->lock);
		spin_unlock_irqrestore(&lo->lock, *flags);
	}
}

static void unlock_bases(struct timer_base *from, struct timer_base *to, unsigned long flags)
{
	if (from != to)
		spin_unlock(&from->lock);
	spin_unlock_irqrestore(&to->lock, flags);
}

/* Asks cpu to program its device for its list's new first timer. */
static void kick(unsigned int cpu)
{
#ifdef CONFIG_SMP
	smp_send_timer_kick(cpu);
#endif
}

static void arm(struct timer *t, struct timer_base *to, u64 expires_ns,
		void (*fn)(struct timer *))
{
	unsigned long flags;
	struct timer_base *from = lock_bases(t, to, &flags);
	unsigned int me = smp_processor_id();
	bool first;

	if (t->pending)
		unlink(from, t);
	t->expires = expires_ns;
	t->fn = fn;
	insert(to, t);
	first = to->head == t;
	if (first && to->cpu == me)
		program_next(to);
	unlock_bases(from, to, flags);
	if (first && to->cpu != me)
		kick(to->cpu);
}

void timer_start(struct timer *t, u64 expires_ns, void (*fn)(struct timer *))
{
	arm(t, this_base(), expires_ns, fn);
}

int timer_start_on(struct timer *t, unsigned int cpu, u64 expires_ns,
		   void (*fn)(struct timer *))
{
	if (!cpu_online(cpu) || !clockevent_cpu(cpu))
		return -ENODEV;
	arm(t, &bases[cpu], expires_ns, fn);
	return 0;
}

/* The list whose CPU runs t's callback now, if any. */
static struct timer_base *running_base(struct timer *t)
{
	for (unsigned int c = 0; c < NR_CPUS; c++) {
		if (__atomic_load_n(&bases[c].running, __ATOMIC_ACQUIRE) == t)
			return &bases[c];
	}
	return NULL;
}

static int wait_not_running(struct timer *t, struct timer_base *rb)
{
	u64 deadline = ktime_get_ns() + CANCEL_WAIT_NS;

	while (__atomic_load_n(&rb->running, __ATOMIC_ACQUIRE) == t) {
		if (ktime_get_ns() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

int timer_cancel(struct timer *t)
{
	unsigned long flags;
	struct timer_base *b = lock_base(t, &flags), *rb;
	int was = t->pending;

	if (was)
		unlink(b, t);
	spin_unlock_irqrestore(&b->lock, flags);
	rb = running_base(t);
	if (!rb)
		return was;
	if (rb->cpu == smp_processor_id())
		return was ? was : -EBUSY;
	if (wait_not_running(t, rb))
		return -ETIMEDOUT;
	/* Its callback may have started it again before it returned. */
	b = lock_base(t, &flags);
	if (t->pending) {
		unlink(b, t);
		was = 1;
	}
	spin_unlock_irqrestore(&b->lock, flags);
	return was;
}

/*
 * A counter whose half range lasts less than a year must be read more
 * often than it wraps; a 64-bit one (the TSC, kvmclock, the HPET) need
 * not, and then the device is not armed at boot at all: a clock event
 * device that must be measured first (the LAPIC timer) is measured when
 * a timer is first started.
 */
static bool clocksource_wraps(const struct clocksource *cs)
{
	return cs->mask / 2 / cs->freq_hz < 365ULL * 24 * 3600;
}

static void keepalive_fn(struct timer *t)
{
	timer_start(t, t->expires + KEEPALIVE_NS, keepalive_fn);
}

static void clockevent_select(const char *want)
{
	struct clock_event_device *best = NULL;

	for (struct clock_event_device *ce = events; ce; ce = ce->next) {
		if (want && !strcmp(ce->name, want)) {
			best = ce;
			break;
		}
		if (ce->rating > 0 && (!best || ce->rating > best->rating))
			best = ce;
	}
	if (want && (!best || strcmp(best->name, want)))
		pr_warn("clockevent: %s not available\n", want);
	current_ce = best;
	if (!best) {
		pr_warn("clockevent: none; sleeps become busy waits\n");
		return;
	}
	best->event_handler = run_timers;
	WRITE_ONCE(bases[0].ce, best);
	pr_info("clockevent: using %s\n", best->name);
}

/*
 * A secondary CPU's device: the boot CPU's if that one is per CPU, else
 * the best-rated per-CPU one (the LAPIC timer where the boot CPU has
 * Xen's, the HPET's or the PIT's), else none: no timers run there.
 */
static struct clock_event_device *percpu_choice(void)
{
	struct clock_event_device *best = NULL;

	if (current_ce && (current_ce->features & CLOCK_EVT_PERCPU))
		return current_ce;
	for (struct clock_event_device *ce = events; ce; ce = ce->next) {
		if ((ce->features & CLOCK_EVT_PERCPU) && ce->rating > 0 &&
		    (!best || ce->rating > best->rating))
			best = ce;
	}
	return best;
}

void timer_cpu_init(void)
{
	struct timer_base *b = this_base();
	struct clock_event_device *ce = percpu_choice();

	if (!ce) {
		pr_warn("clockevent: cpu %u has no device of its own: no timers there\n",
			b->cpu);
		return;
	}
	if (!ce->event_handler)
		ce->event_handler = run_timers;
	WRITE_ONCE(b->ce, ce);
}

void time_init(void)
{
	for (unsigned int c = 0; c < NR_CPUS; c++)
		bases[c].cpu = c;
	arch_time_init();
	clocksource_select(param_get("clocksource"));
	clockevent_select(param_get("clockevent"));
	if (clocksource_wraps(clocksource_current()))
		timer_start(&keepalive, ktime_get_ns() + KEEPALIVE_NS, keepalive_fn);
}

void ndelay(u64 ns)
{
	u64 end = ktime_get_ns() + ns;

	while (ktime_get_ns() < end)
		cpu_relax();
}

void udelay(unsigned long us)
{
	ndelay(us * NSEC_PER_USEC);
}

void mdelay(unsigned long ms)
{
	ndelay(ms * NSEC_PER_MSEC);
}

static void wake(struct timer *t)
{
}

/*
 * Halts until the timer has run.  safe_halt enables interrupts and halts
 * in one step, so the wake-up cannot slip in between the check and hlt.
 */
void nsleep(u64 ns)
{
	struct timer t = { 0 };
	unsigned long flags;

	if (!clockevent_cpu(smp_processor_id())) {
		ndelay(ns);
		return;
	}
	flags = local_irq_save();
	timer_start(&t, ktime_get_ns() + ns, wake);
	while (t.pending) {
		safe_halt();
		local_irq_disable();
	}
	local_irq_restore(flags);
}

void msleep(unsigned long ms)
{
	nsleep(ms * NSEC_PER_MSEC);
}
