// SPDX-License-Identifier: GPL-2.0
/* The fake of fake_irq.h: a short list of deferred work, run on demand. */
#include <stdlib.h>
#include "fake_irq.h"

#define MAX_DEFERRED	8
#define MAX_TIMERS	8

static struct timer *timers[MAX_TIMERS];
static unsigned int nr_timers;

static void timer_unlist(struct timer *t)
{
	for (unsigned int i = 0; i < nr_timers; i++) {
		if (timers[i] == t) {
			timers[i] = timers[--nr_timers];
			break;
		}
	}
	t->pending = false;
}

void timer_start(struct timer *t, u64 expires_ns, void (*fn)(struct timer *))
{
	if (!t->pending) {
		if (nr_timers == MAX_TIMERS)
			abort();
		timers[nr_timers++] = t;
	}
	t->pending = true;
	t->expires = expires_ns;
	t->fn = fn;
}

/* One list for every CPU: the CPU is recorded, for a test to check. */
unsigned int fake_timer_cpu;

int timer_start_on(struct timer *t, unsigned int cpu, u64 expires_ns,
		   void (*fn)(struct timer *))
{
	timer_start(t, expires_ns, fn);
	fake_timer_cpu = cpu;
	return 0;
}

int timer_cancel(struct timer *t)
{
	bool was = t->pending;

	timer_unlist(t);
	return was;
}

unsigned int fake_run_timers(u64 now)
{
	struct timer *due[MAX_TIMERS];
	unsigned int n = 0;

	/* What a callback starts again waits for the next run. */
	for (unsigned int i = 0; i < nr_timers; i++) {
		if (timers[i]->expires <= now)
			due[n++] = timers[i];
	}
	for (unsigned int i = 0; i < n; i++)
		timer_unlist(due[i]);
	for (unsigned int i = 0; i < n; i++) {
		due[i]->fired_at = now;
		due[i]->fn(due[i]);
	}
	return n;
}

static struct irq_work *deferred[MAX_DEFERRED];
static unsigned int nr_deferred;

void irq_work_defer(struct irq_work *w, void (*fn)(struct irq_work *w))
{
	if (w->timer.pending)
		return;
	if (nr_deferred == MAX_DEFERRED)
		abort();
	w->fn = fn;
	w->timer.pending = true;
	deferred[nr_deferred++] = w;
}

void irq_work_cancel(struct irq_work *w)
{
	for (unsigned int i = 0; i < nr_deferred; i++) {
		if (deferred[i] == w) {
			deferred[i] = deferred[--nr_deferred];
			break;
		}
	}
	w->timer.pending = false;
}

unsigned int fake_run_deferred(void)
{
	struct irq_work *now[MAX_DEFERRED];
	unsigned int n = nr_deferred;

	/* What a callback defers again waits for the next run. */
	for (unsigned int i = 0; i < n; i++) {
		now[i] = deferred[i];
		now[i]->timer.pending = false;
	}
	nr_deferred = 0;
	for (unsigned int i = 0; i < n; i++)
		now[i]->fn(now[i]);
	return n;
}

unsigned int fake_nr_deferred(void)
{
	return nr_deferred;
}

void fake_irq_reset(void)
{
	while (nr_deferred)
		deferred[--nr_deferred]->timer.pending = false;
	while (nr_timers)
		timers[--nr_timers]->pending = false;
}
