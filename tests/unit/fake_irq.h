/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deferred interrupt work on the host (fake_irq.c): irq_work_defer()
 * only records the work; a test runs it when it plays "the timer fired".
 */
#ifndef _TESTS_UNIT_FAKE_IRQ_H
#define _TESTS_UNIT_FAKE_IRQ_H

#include <pvkit/irq.h>

/* Runs the work deferred so far once each; returns how many ran. */
unsigned int fake_run_deferred(void);
unsigned int fake_nr_deferred(void);
void fake_irq_reset(void);
/*
 * timer_start() only records the timer too: this runs, once each, those
 * due at now (the test's clock); returns how many ran.
 */
unsigned int fake_run_timers(u64 now);
/* The CPU the last timer_start_on() named. */
extern unsigned int fake_timer_cpu;

#endif
