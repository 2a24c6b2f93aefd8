// SPDX-License-Identifier: GPL-2.0
/*
 * Clock event devices and the timer list.  The list is kept sorted; the
 * selected device is programmed for the earliest expiry.  A device may
 * fire a little early (its frequency is a measurement), so expiry is
 * always judged by the clocksource and an early interrupt just
 * reprograms: timers never run before their time.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/irqflags.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/processor.h>

/* The list is also what keeps narrow clocksources from wrapping unseen. */
#define KEEPALIVE_NS	(500 * NSEC_PER_MSEC)

static struct clock_event_device *events;
static struct clock_event_device *current_ce;
static struct timer *timers;
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
 */
static void program_next(void)
{
	struct clock_event_device *ce = current_ce;
	u64 now, delta;

	if (!ce || !timers)
		return;
	now = ktime_get_ns();
	if (!clockevent_program(ce, timers->expires > now ? timers->expires - now : 0))
		return;
	ce->nr_refused++;
	for (delta = 2 * max(ce->min_delta_ns, 1000ULL); delta < ce->max_delta_ns; delta *= 2) {
		if (!clockevent_program(ce, delta))
			break;
	}
	if (delta >= ce->max_delta_ns && clockevent_program(ce, ce->max_delta_ns)) {
		pr_err("clockevent: %s cannot be armed at all: timers stop\n", ce->name);
		return;
	}
	/* The 1st, 10th, 100th ... refusal: a log line, not a flood. */
	if (power_of_ten(ce->nr_refused))
		pr_warn("clockevent: %s refused a target (%lu times); armed %llu ns ahead instead\n",
			ce->name, ce->nr_refused, min(delta, ce->max_delta_ns));
}

/*
 * Runs the timers expired when the interrupt came; called with
 * interrupts off.  One that expires meanwhile, or that its callback
 * starts again, waits for the next interrupt: a callback re-arming
 * itself a little ahead (deferred work) cannot keep this loop going.
 */
static void run_timers(struct clock_event_device *ce)
{
	u64 now = ktime_get_ns();

	ce->nr_events++;
	while (timers && timers->expires <= now) {
		struct timer *t = timers;

		timers = t->next;
		t->pending = false;
		t->fired_at = ktime_get_ns();
		t->fn(t);
	}
	program_next();
}

static void insert(struct timer *t)
{
	struct timer **pp = &timers;

	while (*pp && (*pp)->expires <= t->expires)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->pending = true;
}

static void unlink(struct timer *t)
{
	for (struct timer **pp = &timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->pending = false;
}

void timer_start(struct timer *t, u64 expires_ns, void (*fn)(struct timer *))
{
	unsigned long flags = local_irq_save();

	if (t->pending)
		unlink(t);
	t->expires = expires_ns;
	t->fn = fn;
	insert(t);
	if (timers == t)
		program_next();
	local_irq_restore(flags);
}

void timer_cancel(struct timer *t)
{
	unsigned long flags = local_irq_save();

	if (t->pending)
		unlink(t);
	local_irq_restore(flags);
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
	pr_info("clockevent: using %s\n", best->name);
}

void time_init(void)
{
	arch_time_init();
	clocksource_select(param_get("clocksource"));
	clockevent_select(param_get("clockevent"));
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

	if (!current_ce) {
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
