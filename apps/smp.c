// SPDX-License-Identifier: GPL-2.0
/*
 * smp: the CPUs that are up, each answering a cross-call with the APIC ID
 * its local APIC reports, then the smp KTAP suite (IPIs counted, the
 * spinlock torture, the TLB shootdown).
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <asm/apic.h>

static u32 answered[NR_CPUS];

static void answer(void *arg)
{
	answered[smp_processor_id()] = apic_id();
}

static int smp_main(void)
{
	unsigned int c;

	console_printf("smp: %u of %u CPUs online\n", nr_cpus_online,
		       smp_cpus_described());
	for_each_online_cpu(c) {
		answered[c] = APIC_ID_NONE;
		if (smp_call_on_cpu(c, answer, NULL))
			console_printf("smp: cpu %u did not answer\n", c);
		else
			console_printf("smp: cpu %u apic id %u\n", c, answered[c]);
	}
	return ktest_run("smp") ? EXIT_FAIL : EXIT_OK;
}
DEFINE_APP(smp, "bring-up, IPIs, spinlock and TLB shootdown on every CPU", smp_main);
