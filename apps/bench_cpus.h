/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What blkbench and netbench share for bench.cpus=N[,N...]: one
 * submitter per CPU, the secondary CPUs' run by their idle loop
 * (smp_task_start()).
 */
#ifndef _APPS_BENCH_CPUS_H
#define _APPS_BENCH_CPUS_H

#include <pvkit/types.h>

/*
 * The next count of the list at *list ("1,2,4"), which is moved past it;
 * 0 after saying why (as app) when it is malformed, or not 1 to max or
 * the CPUs online.
 */
unsigned int bench_cpus_next(const char *app, const char **list, unsigned int max);
/*
 * Until the tasks of CPUs 1 to n - 1 have returned, for timeout_ns at
 * most (by the TSC where its rate is known); false after naming each
 * that did not.
 */
bool bench_cpus_wait(const char *app, unsigned int n, u64 timeout_ns);

#endif
