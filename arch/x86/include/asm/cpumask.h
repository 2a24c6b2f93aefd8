/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of CPUs by index (struct percpu's cpu), as the IPI and TLB
 * shootdown ops take them: one hypercall can then reach several CPUs.
 */
#ifndef _ASM_X86_CPUMASK_H
#define _ASM_X86_CPUMASK_H

#include <pvkit/types.h>
#include <pvkit/acpi.h>

/* The host tests play several CPUs whatever the configuration. */
#if defined(CONFIG_SMP) || defined(__HOST_TEST__)
#define NR_CPUS			ACPI_MAX_CPUS
#else
#define NR_CPUS			1	/* the boot CPU only */
#endif

struct cpumask {
	u64 bits[(NR_CPUS + 63) / 64];
};

static inline void cpumask_set(struct cpumask *m, unsigned int cpu)
{
	if (cpu < NR_CPUS)
		m->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

static inline void cpumask_clear_cpu(struct cpumask *m, unsigned int cpu)
{
	if (cpu < NR_CPUS)
		m->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

static inline bool cpumask_test(const struct cpumask *m, unsigned int cpu)
{
	return cpu < NR_CPUS && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

static inline unsigned int cpumask_weight(const struct cpumask *m)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sizeof(m->bits) / sizeof(m->bits[0]); i++)
		n += __builtin_popcountll(m->bits[i]);
	return n;
}

#define for_each_cpu_in(c, m)						\
	for ((c) = 0; (c) < NR_CPUS; (c)++)				\
		if (cpumask_test((m), (c)))

#endif
