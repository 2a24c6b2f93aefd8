// SPDX-License-Identifier: GPL-2.0
/*
 * Clocksources and the monotonic clock.  The counter is read and the
 * delta since the last read accumulated, so a narrow counter (24-bit ACPI
 * PM timer, 32-bit HPET) keeps counting as long as it is read more often
 * than it wraps: the timer list makes sure of that (kernel/time/timer.c).
 */
#include <pvkit/kernel.h>
#include <pvkit/irqflags.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>

static struct clocksource *sources;
static struct clocksource *current_cs;
static u64 last_cycles, acc_cycles, base_ns;
/* ktime_get_ns() accumulates: one CPU at a time. */
static DEFINE_SPINLOCK(clock_lock);

static unsigned long host_stops;

void clock_note_host_stop(void)
{
	__atomic_fetch_add(&host_stops, 1, __ATOMIC_RELAXED);
}

unsigned long clock_host_stops(void)
{
	return __atomic_load_n(&host_stops, __ATOMIC_RELAXED);
}

u64 clocksource_cyc2ns(const struct clocksource *cs, u64 cycles)
{
	return (u64)(((unsigned __int128)cycles * cs->mult) >> 32);
}

void clocksource_register(struct clocksource *cs)
{
	struct clocksource **pp = &sources;

	BUG_ON(!cs->freq_hz);
	cs->mult = (NSEC_PER_SEC << 32) / cs->freq_hz;
	while (*pp)
		pp = &(*pp)->next;
	cs->next = NULL;
	*pp = cs;
	pr_info("clocksource: %s, %llu Hz, %u bits, rating %d\n", cs->name,
		cs->freq_hz, 64 - __builtin_clzll(cs->mask), cs->rating);
}

struct clocksource *clocksource_find(const char *name)
{
	for (struct clocksource *cs = sources; cs; cs = cs->next) {
		if (!strcmp(cs->name, name))
			return cs;
	}
	return NULL;
}

struct clocksource *clocksource_first(void)
{
	return sources;
}

struct clocksource *clocksource_current(void)
{
	return current_cs;
}

bool time_ready(void)
{
	return current_cs != NULL;
}

/* clocksource=NAME picks one; otherwise the highest rating wins. */
void clocksource_select(const char *want);
void clocksource_select(const char *want)
{
	struct clocksource *best = NULL;

	for (struct clocksource *cs = sources; cs; cs = cs->next) {
		if (want && !strcmp(cs->name, want)) {
			best = cs;
			break;
		}
		if (cs->rating > 0 && (!best || cs->rating > best->rating))
			best = cs;
	}
	if (want && (!best || strcmp(best->name, want)))
		pr_warn("clocksource: %s not available\n", want);
	if (!best)
		panic("clocksource: none usable");
	current_cs = best;
	last_cycles = best->read(best);
	acc_cycles = 0;
	pr_info("clocksource: using %s\n", best->name);
}

u64 ktime_get_ns(void)
{
	struct clocksource *cs = current_cs;
	unsigned long flags;
	u64 now, ns, delta;

	if (!cs)
		return 0;
	flags = spin_lock_irqsave(&clock_lock);
	now = cs->read(cs);
	delta = (now - last_cycles) & cs->mask;
	/*
	 * Another CPU may have read the counter a little later and moved
	 * last_cycles past our reading: a "delta" of nearly the whole mask
	 * is that, not a wrap, and time stands still for us instead.
	 */
	if (delta <= cs->mask / 2) {
		acc_cycles += delta;
		last_cycles = now;
	}
	ns = base_ns + clocksource_cyc2ns(cs, acc_cycles);
	spin_unlock_irqrestore(&clock_lock, flags);
	return ns;
}

void clocksource_set_freq(struct clocksource *cs, u64 freq_hz)
{
	unsigned long flags;

	BUG_ON(!freq_hz);
	flags = spin_lock_irqsave(&clock_lock);
	if (cs == current_cs) {
		u64 now = cs->read(cs), delta = (now - last_cycles) & cs->mask;

		if (delta <= cs->mask / 2) {
			acc_cycles += delta;
			last_cycles = now;
		}
		base_ns += clocksource_cyc2ns(cs, acc_cycles);
		acc_cycles = 0;
	}
	cs->freq_hz = freq_hz;
	cs->mult = (NSEC_PER_SEC << 32) / freq_hz;
	spin_unlock_irqrestore(&clock_lock, flags);
}
