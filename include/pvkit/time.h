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
/* A new rate for cs from now on; the time told so far stays as it was. */
void clocksource_set_freq(struct clocksource *cs, u64 freq_hz);
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
/*
 * Each CPU has its own such device (the local APIC's timer): set_next_event
 * and the interrupt are the calling CPU's own, so every CPU may use it for
 * its own timer list.  A device without it (HPET, PIT, Xen's timer bound to
 * vCPU 0) serves the boot CPU only.
 */
#define CLOCK_EVT_PERCPU	(1U << 1)

struct clock_event_device {
	const char *name;
	int rating;
	unsigned int features;
	u64 min_delta_ns, max_delta_ns;
	/*
	 * Interrupt delta_ns from now (clamped by the caller); 0 or a negative
	 * errno.  A per-CPU device programs the calling CPU's own.
	 */
	int (*set_next_event)(struct clock_event_device *ce, u64 delta_ns);
	/* Called from the device's interrupt. */
	void (*event_handler)(struct clock_event_device *ce);
	unsigned long nr_events;	/* all CPUs' */
	unsigned long nr_refused;	/* targets set_next_event could not take */
	struct clock_event_device *next;
};

void clockevent_register(struct clock_event_device *ce);
struct clock_event_device *clockevent_current(void);
struct clock_event_device *clockevent_find(const char *name);
struct clock_event_device *clockevent_first(void);
/* The device that drives cpu's timer list (CPU 0's is clockevent_current()), or NULL. */
struct clock_event_device *clockevent_cpu(unsigned int cpu);
/* Programs ce, clamping delta_ns into its range. */
int clockevent_program(struct clock_event_device *ce, u64 delta_ns);

struct timer_base;

/*
 * A timer runs on the CPU whose list it is on: the one that started it,
 * or the one timer_start_on() named, in that CPU's clock event interrupt
 * with interrupts off.  A zeroed timer is ready for use.
 */
struct timer {
	u64 expires;			/* ktime_get_ns() value */
	void (*fn)(struct timer *t);
	struct timer *next;
	struct timer_base *base;	/* the list it is (or was last) on */
	bool pending;
	u64 fired_at;			/* when fn was called */
};

/* On this CPU; a timer pending anywhere is moved. */
void timer_start(struct timer *t, u64 expires_ns, void (*fn)(struct timer *));
/*
 * On cpu: 0, or -ENODEV if cpu is not online or has no clock event
 * device of its own (the timer is then left as it was).
 */
int timer_start_on(struct timer *t, unsigned int cpu, u64 expires_ns,
		   void (*fn)(struct timer *));
/*
 * Takes the timer off its list: 1 if it was pending (that start will not
 * run), 0 if not.  Either way a callback of it running on another CPU has
 * returned when this does (Linux's del_timer_sync).  -EBUSY: not
 * pending and its callback is what runs here (called from it), so it
 * cannot be waited for; -ETIMEDOUT: the callback on another CPU did not
 * return within 5 s (the timer is off its list all the same).
 */
int timer_cancel(struct timer *t);
/* Runs on each secondary CPU as it starts: its own clock event device. */
void timer_cpu_init(void);
/* The CPU was asked to look at its list (another CPU put a timer first in it). */
void timer_kick_interrupt(void);
/* Timer interrupts cpu has taken; callbacks it has run. */
unsigned long timer_cpu_events(unsigned int cpu);
unsigned long timer_cpu_runs(unsigned int cpu);

void ndelay(u64 ns);
void udelay(unsigned long us);
void mdelay(unsigned long ms);
/* Sleeping waits: the CPU halts until the timer interrupt. */
void nsleep(u64 ns);
void msleep(unsigned long ms);

/* Registers the architecture's devices, selects, starts the timer list. */
void time_init(void);
void arch_time_init(void);
/* Sets up the time devices left for when they are asked for (tests, benchmarks). */
void arch_time_complete(void);

#endif
