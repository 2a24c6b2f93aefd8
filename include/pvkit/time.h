/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time: clocksources (free-running counters, the best one is the
 * monotonic clock), clock event devices (one-shot interrupt sources, the
 * best one drives the timer list) and timers, delays and sleeps on top.
 */
#ifndef _PVKIT_TIME_H
#define _PVKIT_TIME_H

#include <pvkit/types.h>

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

struct clocksource {
	const char *name;
	int rating;			/* highest is selected; 0: never */
	u64 (*read)(struct clocksource *cs);
	u64 mask;			/* the counter's width */
	u64 freq_hz;
	/* Filled at registration: ns = (cycles * mult) >> 32. */
	u64 mult;
	struct clocksource *next;
};

void clocksource_register(struct clocksource *cs);
struct clocksource *clocksource_current(void);
struct clocksource *clocksource_find(const char *name);
struct clocksource *clocksource_first(void);	/* walk with ->next */
u64 clocksource_cyc2ns(const struct clocksource *cs, u64 cycles);

/* Nanoseconds since the clock started; never goes backwards. */
u64 ktime_get_ns(void);
bool time_ready(void);

/*
 * The hypervisor paused the machine and said so through its clock
 * (kvmclock's PVCLOCK_GUEST_STOPPED: QEMU's stop and cont, the end of a
 * live migration).  The clocks do not count such a pause; this counts the
 * pauses.  The clocksource that sees one calls clock_note_host_stop().
 */
void clock_note_host_stop(void);
unsigned long clock_host_stops(void);

#define CLOCK_EVT_ONESHOT	(1U << 0)

struct clock_event_device {
	const char *name;
	int rating;
	unsigned int features;
	u64 min_delta_ns, max_delta_ns;
	/* Interrupt delta_ns from now (clamped by the caller); 0 or a negative errno. */
	int (*set_next_event)(struct clock_event_device *ce, u64 delta_ns);
	/* Called from the device's interrupt. */
	void (*event_handler)(struct clock_event_device *ce);
	unsigned long nr_events;
	unsigned long nr_refused;	/* targets set_next_event could not take */
	struct clock_event_device *next;
};

void clockevent_register(struct clock_event_device *ce);
struct clock_event_device *clockevent_current(void);
struct clock_event_device *clockevent_find(const char *name);
struct clock_event_device *clockevent_first(void);
/* Programs ce, clamping delta_ns into its range. */
int clockevent_program(struct clock_event_device *ce, u64 delta_ns);

struct timer {
	u64 expires;			/* ktime_get_ns() value */
	void (*fn)(struct timer *t);
	struct timer *next;
	bool pending;
	u64 fired_at;			/* when fn was called */
};

void timer_start(struct timer *t, u64 expires_ns, void (*fn)(struct timer *));
void timer_cancel(struct timer *t);

void ndelay(u64 ns);
void udelay(unsigned long us);
void mdelay(unsigned long ms);
/* Sleeping waits: the CPU halts until the timer interrupt. */
void nsleep(u64 ns);
void msleep(unsigned long ms);

/* Registers the architecture's devices, selects, starts the timer list. */
void time_init(void);
void arch_time_init(void);

#endif
