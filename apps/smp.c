// SPDX-License-Identifier: GPL-2.0
/*
 * smp: the CPUs that are up, each answering a cross-call with the APIC ID
 * its local APIC reports; with two or more, three phases between exit
 * marks, so that a hypervisor tracing this guest (tests/kvm/) can count
 * its exits per IPI: IPIS_PER_PHASE IPIs to CPU 1, as many all-but-self
 * IPIs, as many TLB shootdowns; then the smp KTAP suite (IPIs counted, the
 * spinlock torture, the TLB shootdown).
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/processor.h>

#define IPIS_PER_PHASE		100
#define MARK_IPI_ONE		0xc0
#define MARK_IPI_ALLBUT		0xc1
#define MARK_SHOOTDOWN		0xc2
#define MARK_PHASES_END		0xc3

static u32 answered[NR_CPUS];

static void answer(void *arg)
{
	answered[smp_processor_id()] = apic_id();
}

/* Until every other CPU counted want[] IPIs; false if one did not in time. */
static bool wait_ipis(const unsigned long *want)
{
	u64 deadline = ktime_get_ns() + KTEST_WAIT_NS;
	unsigned int c;

	for_each_online_cpu(c) {
		while (smp_ipi_count(c) < want[c]) {
			if (ktime_get_ns() > deadline)
				return false;
			cpu_relax();
		}
	}
	return true;
}

/* One IPI at a time, each waited for, so that the exits are per IPI. */
static bool ipi_phase(bool all_but_self)
{
	unsigned long want[NR_CPUS] = { 0 };
	unsigned int c, me = smp_processor_id();

	for (int i = 0; i < IPIS_PER_PHASE; i++) {
		for_each_online_cpu(c)
			want[c] = smp_ipi_count(c) + (all_but_self ? c != me : c == 1);
		if (all_but_self)
			smp_send_ipi_allbutself();
		else
			smp_send_ipi(1);
		if (!wait_ipis(want))
			return false;
	}
	return true;
}

static bool shootdown_phase(void)
{
	for (int i = 0; i < IPIS_PER_PHASE; i++) {
		if (flush_tlb_one_all((unsigned long)&answered))
			return false;
	}
	return true;
}

static bool exit_phases(void)
{
	bool one, allbut, flush;

	exit_mark(MARK_IPI_ONE);
	one = ipi_phase(false);
	exit_mark(MARK_IPI_ALLBUT);
	allbut = ipi_phase(true);
	exit_mark(MARK_SHOOTDOWN);
	flush = shootdown_phase();
	exit_mark(MARK_PHASES_END);
	console_printf("smp: mark %#x = %d IPIs to cpu 1%s\n", MARK_IPI_ONE,
		       IPIS_PER_PHASE, one ? "" : " (not all arrived)");
	console_printf("smp: mark %#x = %d all-but-self IPIs to %u CPUs%s\n",
		       MARK_IPI_ALLBUT, IPIS_PER_PHASE, nr_cpus_online - 1,
		       allbut ? "" : " (not all arrived)");
	console_printf("smp: mark %#x = %d TLB shootdowns on %u CPUs%s\n",
		       MARK_SHOOTDOWN, IPIS_PER_PHASE, nr_cpus_online,
		       flush ? "" : " (failed)");
	return one && allbut && flush;
}

static int smp_main(void)
{
	bool ok = true;
	unsigned int c;

	console_printf("smp: %u of %u CPUs online\n", nr_cpus_online,
		       smp_cpus_described());
	for_each_online_cpu(c) {
		answered[c] = APIC_ID_NONE;
		if (smp_call_on_cpu(c, answer, NULL)) {
			console_printf("smp: cpu %u did not answer\n", c);
			ok = false;
		} else {
			console_printf("smp: cpu %u apic id %u\n", c, answered[c]);
		}
	}
	if (nr_cpus_online > 1)
		ok &= exit_phases();
	return ktest_run("smp") || !ok ? EXIT_FAIL : EXIT_OK;
}
DEFINE_APP(smp, "bring-up, IPIs, spinlock and TLB shootdown on every CPU", smp_main);
