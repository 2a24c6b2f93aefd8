// SPDX-License-Identifier: GPL-2.0
/*
 * smp: the CPUs that are up, each answering a cross-call with the APIC ID
 * its local APIC reports; with two or more, phases between exit marks,
 * so that a hypervisor tracing this guest (tests/kvm/) can count its
 * exits per IPI (docs/smp.md): IPIS_PER_PHASE IPIs to CPU 1, as many
 * all-but-self IPIs, TLB shootdowns, multi-target IPIs; then, with the
 * other CPUs polling (runnable, so preempted while this one runs on an
 * overcommitted host), POLLED_PER_PHASE shootdowns and cross-calls; and
 * a fixed number of spinlock hand-overs between all CPUs.  Then the smp KTAP
 * suite (IPIs counted, the spinlock torture, the TLB shootdown).
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/ktest.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#define IPIS_PER_PHASE		100
#define MARK_IPI_ONE		0xc0
#define MARK_IPI_ALLBUT		0xc1
#define MARK_SHOOTDOWN		0xc2
#define MARK_IPI_MASK		0xc3
#define MARK_POLL_START		0xc4
#define MARK_SHOOTDOWN_POLL	0xc5
#define MARK_CALL_POLL		0xc6
#define MARK_LOCK		0xc7
#define MARK_PHASES_END		0xc8
/* Each costs a host time slice or more without the PV ops: fewer of them. */
#define POLLED_PER_PHASE	20
#define LOCK_ROUNDS		10
#define LOCK_HOLD_US		1000

static u32 answered[NR_CPUS];

/* Its local APIC's ID; without one (Xen PV) the platform's ID for it. */
static void answer(void *arg)
{
	answered[smp_processor_id()] = apic_present() ? apic_id() : this_cpu()->apic_id;
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

/* One IPI to every other CPU at once (one hypercall with PV send-IPI). */
static bool ipi_mask_phase(void)
{
	unsigned long want[NR_CPUS] = { 0 };
	struct cpumask others = { { 0 } };
	unsigned int c, me = smp_processor_id();

	for_each_online_cpu(c) {
		if (c != me)
			cpumask_set(&others, c);
	}
	for (int i = 0; i < IPIS_PER_PHASE; i++) {
		for_each_online_cpu(c)
			want[c] = smp_ipi_count(c) + (c != me);
		smp_send_ipi_mask(&others);
		if (!wait_ipis(want))
			return false;
	}
	return true;
}

static bool shootdown_phase(int n)
{
	for (int i = 0; i < n; i++) {
		if (flush_tlb_one_all((unsigned long)&answered))
			return false;
	}
	return true;
}

static void nothing(void *arg)
{
}

static bool call_phase(int n)
{
	for (int i = 0; i < n; i++) {
		if (smp_call_on_all(nothing, NULL))
			return false;
	}
	return true;
}

static unsigned long ipis_taken(void)
{
	unsigned long n = 0;
	unsigned int c;

	for_each_online_cpu(c)
		n += smp_ipi_count(c);
	return n;
}

static DEFINE_SPINLOCK(handover_lock);
static unsigned long handover_counter;
static unsigned int handover_arrived;
static bool handover_together;

/*
 * Every CPU waits for the others, then takes the lock LOCK_ROUNDS times
 * and holds it LOCK_HOLD_US each time (on the TSC: the clock has a lock
 * of its own): a fixed number of hand-overs, whose time (and kicks) the
 * phase reports.  The holds add up to many of the host's time slices,
 * so on an overcommitted host the holder is preempted, and the others
 * wait for it: spinning away their slices, or halted until kicked.
 */
static void handovers(void *arg)
{
	u64 hold = (u64)tsc_khz(NULL) * LOCK_HOLD_US / 1000;

	if (!smp_meet(&handover_arrived, nr_cpus_online, KTEST_WAIT_NS))
		WRITE_ONCE(handover_together, false);
	for (int i = 0; i < LOCK_ROUNDS; i++) {
		u64 until;

		spin_lock(&handover_lock);
		WRITE_ONCE(handover_counter, READ_ONCE(handover_counter) + 1);
		for (until = rdtsc() + hold; rdtsc() < until;)
			cpu_relax();
		spin_unlock(&handover_lock);
	}
}

struct phase {
	u8 mark;
	bool ok;
	unsigned long ipis;	/* call-function IPIs the CPUs took */
	u64 ns;
};

static void phase_begin(struct phase *ph, u8 mark)
{
	ph->mark = mark;
	exit_mark(mark);
	ph->ipis = ipis_taken();
	ph->ns = ktime_get_ns();
}

static void phase_end(struct phase *ph, bool ok)
{
	ph->ns = ktime_get_ns() - ph->ns;
	ph->ipis = ipis_taken() - ph->ipis;
	ph->ok = ok;
}

/* The other CPUs poll instead of halting during these two phases. */
static bool polled_phases(struct phase *flush, struct phase *call)
{
	bool ok;

	exit_mark(MARK_POLL_START);
	ok = !smp_set_idle_poll(true);
	if (!ok)
		console_printf("smp: the other CPUs did not start polling\n");
	phase_begin(flush, MARK_SHOOTDOWN_POLL);
	phase_end(flush, ok && shootdown_phase(POLLED_PER_PHASE));
	phase_begin(call, MARK_CALL_POLL);
	phase_end(call, ok && call_phase(POLLED_PER_PHASE));
	ok &= !smp_set_idle_poll(false);
	return ok;
}

static bool lock_phase(struct phase *ph, unsigned long *kicks)
{
	unsigned long before;
	bool ok;

	handover_counter = 0;
	handover_arrived = 0;
	handover_together = true;
	before = READ_ONCE(spin_kicks_sent);
	phase_begin(ph, MARK_LOCK);
	ok = !smp_call_on_all(handovers, NULL);
	phase_end(ph, ok);
	*kicks = READ_ONCE(spin_kicks_sent) - before;
	return ok && handover_together &&
	       handover_counter == (unsigned long)LOCK_ROUNDS * nr_cpus_online;
}

static const char *failed(bool ok)
{
	return ok ? "" : " (failed)";
}

static bool exit_phases(void)
{
	unsigned int others = nr_cpus_online - 1;
	struct phase mask, flush_poll, call_poll, lock;
	unsigned long kicks;
	bool one, allbut, flush, polled, locked;

	exit_mark(MARK_IPI_ONE);
	one = ipi_phase(false);
	exit_mark(MARK_IPI_ALLBUT);
	allbut = ipi_phase(true);
	exit_mark(MARK_SHOOTDOWN);
	flush = shootdown_phase(IPIS_PER_PHASE);
	phase_begin(&mask, MARK_IPI_MASK);
	phase_end(&mask, ipi_mask_phase());
	polled = polled_phases(&flush_poll, &call_poll);
	locked = lock_phase(&lock, &kicks);
	exit_mark(MARK_PHASES_END);
	console_printf("smp: mark %#x = %d IPIs to cpu 1%s\n", MARK_IPI_ONE,
		       IPIS_PER_PHASE, one ? "" : " (not all arrived)");
	console_printf("smp: mark %#x = %d all-but-self IPIs to %u CPUs%s\n",
		       MARK_IPI_ALLBUT, IPIS_PER_PHASE, others,
		       allbut ? "" : " (not all arrived)");
	console_printf("smp: mark %#x = %d TLB shootdowns on %u CPUs%s\n",
		       MARK_SHOOTDOWN, IPIS_PER_PHASE, nr_cpus_online, failed(flush));
	console_printf("smp: mark %#x = %d IPIs to %u CPUs each, %lu taken%s\n",
		       mask.mark, IPIS_PER_PHASE, others, mask.ipis, failed(mask.ok));
	console_printf("smp: mark %#x = %d TLB shootdowns on %u polling CPUs, %lu IPIs taken, %llu ms%s\n",
		       flush_poll.mark, POLLED_PER_PHASE, others, flush_poll.ipis,
		       flush_poll.ns / NSEC_PER_MSEC, failed(flush_poll.ok));
	console_printf("smp: mark %#x = %d cross-calls to %u polling CPUs, %lu IPIs taken, %llu ms%s\n",
		       call_poll.mark, POLLED_PER_PHASE, others, call_poll.ipis,
		       call_poll.ns / NSEC_PER_MSEC, failed(call_poll.ok));
	console_printf("smp: mark %#x = %lu lock hand-overs on %u CPUs, %lu kicks, %llu ms%s\n",
		       lock.mark, handover_counter, nr_cpus_online, kicks,
		       lock.ns / NSEC_PER_MSEC, failed(locked));
	return one && allbut && flush && mask.ok && polled && locked;
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
	return ktest_run("smp,smp_timers,xen_pv_smp") || !ok ? EXIT_FAIL : EXIT_OK;
}
DEFINE_APP(smp, "bring-up, IPIs, spinlock and TLB shootdown on every CPU", smp_main);
