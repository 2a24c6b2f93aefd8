// SPDX-License-Identifier: GPL-2.0
/* bench.cpus: the count list and the wait for the other CPUs (bench_cpus.h). */
#include <pvkit/kernel.h>
#include <pvkit/smp.h>
#include <pvkit/time.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include "bench_cpus.h"

unsigned int bench_cpus_next(const char *app, const char **list, unsigned int max)
{
	const char *s = *list;
	unsigned int n = 0;

	while (*s >= '0' && *s <= '9' && n <= max)
		n = n * 10 + (*s++ - '0');
	if (*s == ',')
		s++;
	else if (*s)
		n = 0;
	*list = s;
	max = min(max, nr_cpus_online);
	if (!n || n > max) {
		console_printf("%s: bench.cpus: %u CPUs wanted, 1 to %u online\n", app, n, max);
		return 0;
	}
	return n;
}

bool bench_cpus_wait(const char *app, unsigned int n, u64 timeout_ns)
{
	u64 end = smp_tsc_deadline(timeout_ns), end_ns = ktime_get_ns() + timeout_ns;
	bool ok = true;

	for (unsigned int c = 1; c < n; c++) {
		/* The TSC needs no lock; without its rate, the clock (it takes one). */
		while (!smp_task_done(c) &&
		       (end != ~0ULL ? rdtsc() < end : ktime_get_ns() < end_ns))
			cpu_relax();
		if (!smp_task_done(c)) {
			console_printf("%s: cpu %u did not finish\n", app, c);
			ok = false;
		}
	}
	return ok;
}
