// SPDX-License-Identifier: GPL-2.0
/*
 * SMP: every CPU the platform lists (the MADT, Xen's vCPUs) is online and runs on its own stack, GDT,
 * TSS and per-CPU data; IPIs to each CPU and to all but self arrive
 * exactly once; cross-calls run where they are sent; a ticket spinlock
 * keeps a shared counter exact under contention from every CPU; a TLB
 * shootdown makes every CPU see a changed mapping it had cached.
 */
#include <pvkit/acpi.h>
#include <pvkit/errno.h>
#include <pvkit/io.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/mm.h>
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/boot.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#define TORTURE_ROUNDS	100000UL
#define TORTURE_NS	(2 * NSEC_PER_SEC)
/* After the expected IPIs came: time for a duplicate to show up. */
#define IPI_SETTLE_MS	20

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

struct cpu_report {
	bool ran;
	unsigned int cpu;	/* smp_processor_id() there */
	u32 apic_id;		/* read from its local APIC */
	unsigned long stack;	/* an address on its stack */
	u64 gdt_base;
	u16 tr;
};

static struct cpu_report reports[NR_CPUS];

static void report(void *arg)
{
	struct cpu_report *r = &reports[smp_processor_id()];
	struct desc_ptr gdtr;
	u16 tr;

	__asm__ __volatile__("sgdt %0" : "=m"(gdtr));
	__asm__ __volatile__("str %0" : "=r"(tr));
	r->cpu = smp_processor_id();
	r->apic_id = apic_id();
	r->stack = (unsigned long)&gdtr;
	r->gdt_base = gdtr.base;
	r->tr = tr;
	WRITE_ONCE(r->ran, true);
}

static void every_cpu_reports(struct ktest *t)
{
	unsigned int c;

	bool own_tables;

	KT_EXPECT_EQ(t, nr_cpus_online, smp_cpus_described());
	memset(reports, 0, sizeof(reports));
	KT_ASSERT_EQ(t, smp_call_on_all(report, NULL), 0);
	/*
	 * A Xen PV CPU runs on the hypervisor's TSS and its GDT (which maps
	 * each vCPU's own page at an address of its own), and has no local
	 * APIC: the platform's ID (its vCPU) names it instead.
	 */
	own_tables = reports[0].tr == KERNEL_TSS;
	if (!own_tables || !apic_present())
		ktest_log(t, "descriptor tables %s, %s", own_tables ? "ours" : "the hypervisor's",
			  apic_present() ? "local APIC" : "no local APIC");
	for_each_online_cpu(c) {
		const struct percpu *p = &percpu_area[c];
		const struct cpu_report *r = &reports[c];

		ktest_log(t, "cpu %u: apic id %u", c, p->apic_id);
		KT_EXPECT_TRUE(t, r->ran);
		KT_EXPECT_EQ(t, r->cpu, c);
		KT_EXPECT_EQ(t, r->apic_id, apic_present() ? p->apic_id : APIC_ID_NONE);
		if (own_tables)
			KT_EXPECT_EQ(t, r->tr, KERNEL_TSS);
		for (unsigned int o = 0; o < c; o++) {
			KT_EXPECT_NE(t, percpu_area[o].apic_id, p->apic_id);
			if (!own_tables)
				KT_EXPECT_NE(t, reports[o].gdt_base, r->gdt_base);
		}
		if (!c)
			continue;
		/* Its own stack and descriptor tables, not the boot CPU's. */
		KT_EXPECT_GE(t, r->stack, (unsigned long)p->stack + AP_DF_STACK_SIZE);
		KT_EXPECT_LT(t, r->stack, (unsigned long)p->stack + AP_DF_STACK_SIZE +
			     AP_STACK_SIZE);
		if (own_tables)
			KT_EXPECT_EQ(t, r->gdt_base, (u64)p->tables.gdt);
	}
}

/* Waits until every CPU's count reached want[], then a while longer. */
static void expect_ipi_counts(struct ktest *t, const unsigned long *want)
{
	u64 deadline = ktime_get_ns() + KTEST_WAIT_NS;
	unsigned int c;
	bool all;

	do {
		all = true;
		for_each_online_cpu(c)
			all &= smp_ipi_count(c) >= want[c];
		if (all)
			break;
		cpu_relax();
	} while (ktime_get_ns() < deadline);
	mdelay(IPI_SETTLE_MS);
	for_each_online_cpu(c)
		KT_EXPECT_EQ(t, smp_ipi_count(c), want[c]);
}

static void snapshot_ipi_counts(unsigned long *counts)
{
	unsigned int c;

	for_each_online_cpu(c)
		counts[c] = smp_ipi_count(c);
}

static void ipi_each_cpu_once(struct ktest *t)
{
	unsigned long want[NR_CPUS];
	unsigned int c;

	for_each_online_cpu(c) {
		snapshot_ipi_counts(want);
		want[c]++;
		smp_send_ipi(c);
		expect_ipi_counts(t, want);
	}
}

static void ipi_all_but_self_once(struct ktest *t)
{
	unsigned long want[NR_CPUS];
	unsigned int c, me = smp_processor_id();

	snapshot_ipi_counts(want);
	for_each_online_cpu(c)
		want[c] += c != me;
	smp_send_ipi_allbutself();
	expect_ipi_counts(t, want);
}

static unsigned int ran_on[NR_CPUS];

static void note_cpu(void *arg)
{
	ran_on[(unsigned long)arg] = smp_processor_id();
}

static void cross_call_runs_there(struct ktest *t)
{
	unsigned int c;

	for_each_online_cpu(c) {
		ran_on[c] = ~0U;
		KT_EXPECT_EQ(t, smp_call_on_cpu(c, note_cpu, (void *)(unsigned long)c), 0);
		KT_EXPECT_EQ(t, ran_on[c], c);
	}
	KT_EXPECT_EQ(t, smp_call_on_cpu(NR_CPUS, note_cpu, NULL), -ENODEV);
}

static DEFINE_SPINLOCK(torture_lock);
static unsigned long torture_counter;
static unsigned long torture_done[NR_CPUS];
static unsigned int torture_arrived;
static bool torture_started_together;

/* Bounded: a missing CPU shows as a failed case, not a hang. */
static bool start_together(void)
{
	return smp_meet(&torture_arrived, nr_cpus_online, KTEST_WAIT_NS);
}

/*
 * TORTURE_ROUNDS locked increments, or fewer if TORTURE_NS ran out: a
 * ticket lock hands over in order, and when the host deschedules the
 * vCPU whose turn it is (4 vCPU threads on a loaded 2-core host) every
 * other waiter stalls with it, down to a few hundred hand-overs a
 * second.  That is the overcommit problem PV spinlocks address; here it
 * only must not make the case time out.  Whatever number each CPU did,
 * the total must be their exact sum.
 */
static void torture(void *arg)
{
	u64 deadline = smp_tsc_deadline(TORTURE_NS);
	unsigned long i;

	if (!start_together())
		WRITE_ONCE(torture_started_together, false);
	for (i = 0; i < TORTURE_ROUNDS && rdtsc() < deadline; i++) {
		spin_lock(&torture_lock);
		/* A read and a write apart: lost updates if the lock failed. */
		WRITE_ONCE(torture_counter, READ_ONCE(torture_counter) + 1);
		spin_unlock(&torture_lock);
	}
	torture_done[smp_processor_id()] = i;
}

static void spinlock_counter_exact(struct ktest *t)
{
	u64 t0 = ktime_get_ns();
	unsigned long sum = 0, waits = spin_waits_slept, kicks = spin_kicks_sent;
	unsigned int c;

	torture_counter = 0;
	torture_arrived = 0;
	torture_started_together = true;
	memset(torture_done, 0, sizeof(torture_done));
	KT_ASSERT_EQ(t, smp_call_on_all(torture, NULL), 0);
	KT_EXPECT_TRUE(t, torture_started_together);
	for_each_online_cpu(c) {
		KT_EXPECT_GT(t, torture_done[c], 0);
		sum += torture_done[c];
	}
	ktest_log(t, "%u CPUs: %lu locked increments (at most %lu each) in %llu ms",
		  nr_cpus_online, sum, TORTURE_ROUNDS,
		  (ktime_get_ns() - t0) / NSEC_PER_MSEC);
	ktest_log(t, "lock waits slept %lu, kicks sent %lu", spin_waits_slept - waits,
		  spin_kicks_sent - kicks);
	KT_EXPECT_EQ(t, torture_counter, sum);
	KT_EXPECT_FALSE(t, spin_is_locked(&torture_lock));
	KT_EXPECT_TRUE(t, spin_trylock(&torture_lock));
	KT_EXPECT_FALSE(t, spin_trylock(&torture_lock));
	spin_unlock(&torture_lock);
}

static volatile u64 *tlb_va;
static u64 seen[NR_CPUS];

static void read_mapping(void *arg)
{
	seen[smp_processor_id()] = *tlb_va;
}

static void expect_seen(struct ktest *t, u64 want)
{
	unsigned int c;

	memset(seen, 0, sizeof(seen));
	KT_ASSERT_EQ(t, smp_call_on_all(read_mapping, NULL), 0);
	for_each_online_cpu(c)
		KT_EXPECT_EQ(t, seen[c], want);
}

#define TLB_OLD	0x01d01d01d01d01dULL
#define TLB_NEW	0x0e110e110e110e11ULL

/*
 * Every CPU reads a page through a fresh mapping (so caches the
 * translation), the mapping is pointed at another page without a local
 * flush, then flushed on every CPU by IPI: every CPU must read the new page.
 */
static void tlb_shootdown(struct ktest *t)
{
	u64 *old = alloc_pages(1), *new = alloc_pages(1), *pte;

	KT_ASSERT_TRUE(t, old && new);
	*old = TLB_OLD;
	*new = TLB_NEW;
	tlb_va = remap_ram(virt_to_phys(old), PAGE_SIZE);
	KT_ASSERT_NOT_NULL(t, tlb_va);
	expect_seen(t, TLB_OLD);
	pte = lookup_pte((unsigned long)tlb_va);
	KT_ASSERT_NOT_NULL(t, pte);
	pv_ops.mmu.set_pte(pte, (*pte & ~PTE_ADDR_MASK) | virt_to_phys(new));
	KT_EXPECT_EQ(t, flush_tlb_one_all((unsigned long)tlb_va), 0);
	expect_seen(t, TLB_NEW);
	iounmap((void *)tlb_va, PAGE_SIZE);
	/* No CPU may keep a translation to pages about to be reused. */
	flush_tlb_one_all((unsigned long)tlb_va);
	free_pages(old, 1);
	free_pages(new, 1);
}

/*
 * The same while the other CPUs poll: runnable, so on an overcommitted
 * KVM host preempted while this one runs, and PV TLB flush leaves their
 * flush to KVM's next entry instead of an IPI.  They must read the new
 * page all the same.
 */
static void tlb_shootdown_polling_cpus(struct ktest *t)
{
	KT_ASSERT_EQ(t, smp_set_idle_poll(true), 0);
	tlb_shootdown(t);
	KT_EXPECT_EQ(t, smp_set_idle_poll(false), 0);
}

static const char *smp_skip(void)
{
	if (!smp_bringup_built())
		return "this platform's vCPU bring-up is not built yet (issue 15)";
	if (smp_cpus_described() >= 2)
		return NULL;
	if (!acpi_get() || !acpi_get()->has_madt)
		return "no ACPI MADT to find other CPUs in (MP tables are not read)";
	return "the platform describes 1 CPU";
}

static const struct ktest_case smp_cases[] = {
	KTEST_CASE(every_cpu_reports),
	KTEST_CASE(ipi_each_cpu_once),
	KTEST_CASE(ipi_all_but_self_once),
	KTEST_CASE(cross_call_runs_there),
	KTEST_CASE(spinlock_counter_exact),
	KTEST_CASE(tlb_shootdown),
	KTEST_CASE(tlb_shootdown_polling_cpus),
	{}
};
KTEST_SUITE_SKIP(smp, smp_cases, smp_skip);
