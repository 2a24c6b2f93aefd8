// SPDX-License-Identifier: GPL-2.0
/*
 * What the KVM backend enabled: kvmclock, steal time, PV EOI and
 * hypercalls.  Built with the backend (CONFIG_KVM_GUEST); the cases skip
 * where the hypervisor is not KVM, saying so.
 */
#include <pvkit/ktest.h>
#include <pvkit/irq.h>
#include <pvkit/kernel.h>
#include <pvkit/irqflags.h>
#include <pvkit/platform.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/hypervisor.h>
#include <asm/io.h>
#include <asm/irq_vectors.h>
#include <asm/kvm_guest.h>
#include <asm/paravirt.h>
#include <linux/kvm_para.h>

static bool on_kvm(struct ktest *t)
{
	if (strcmp(hypervisor_name(), "kvm")) {
		ktest_skip(t, "not running on KVM");
		return false;
	}
	return true;
}

static void kvmclock_is_the_clocksource(struct ktest *t)
{
	if (!on_kvm(t))
		return;
	KT_EXPECT_TRUE(t, kvm_guest.kvmclock);
	KT_EXPECT_STREQ(t, clocksource_current()->name, "kvm-clock");
}

static void steal_time_is_enabled_and_monotonic(struct ktest *t)
{
	u64 a, b;

	if (!on_kvm(t))
		return;
	KT_ASSERT_TRUE(t, kvm_guest.steal_time);
	a = pv_ops.time.steal_clock();
	msleep(20);
	b = pv_ops.time.steal_clock();
	KT_EXPECT_GE(t, b, a);
}

static volatile unsigned long ticks;

static void tick(struct clock_event_device *ce)
{
	ticks++;
}

/*
 * Takes n timer interrupts; returns the APIC EOI writes they cost.  Each
 * is waited for at most KTEST_WAIT_NS, spinning rather than halting (a
 * lost interrupt would halt the CPU for good); *lost counts those that
 * never came, and the first one lost ends the series.
 */
static unsigned long eoi_writes_for(struct clock_event_device *ce, int n,
				    unsigned int *lost)
{
	void (*saved)(struct clock_event_device *) = ce->event_handler;
	unsigned long before = apic_native_eoi_count();
	unsigned long flags = local_irq_save();

	ce->event_handler = tick;
	for (int i = 0; i < n; i++) {
		unsigned long want = ticks + 1;
		u64 start = ktime_get_ns();

		clockevent_program(ce, 100 * NSEC_PER_USEC);
		local_irq_enable();
		while (ticks < want && ktime_get_ns() - start < KTEST_WAIT_NS)
			cpu_relax();
		local_irq_disable();
		if (ticks < want) {
			(*lost)++;
			break;
		}
	}
	ce->event_handler = saved;
	clockevent_program(ce, 0);
	local_irq_restore(flags);
	return apic_native_eoi_count() - before;
}

#define MARK_PV_EOI	0xe0
#define MARK_NATIVE_EOI	0xe1
#define MARK_EOI_END	0xe2

static void pv_eoi_saves_eoi_exits(struct ktest *t)
{
	struct clock_event_device *ce = clockevent_current();
	unsigned long pv, native, fast;
	unsigned int lost = 0;
	void (*eoi)(void);

	if (!on_kvm(t))
		return;
	KT_ASSERT_TRUE(t, kvm_guest.pv_eoi);
	KT_ASSERT_NOT_NULL(t, ce);
	/*
	 * The marks let a trace on the host side count KVM's own exits for
	 * each half (tests/kvm/ does, and checks them: tests/tools/exits.py).
	 */
	console_printf("    # marks: %#x = 50 timer interrupts with PV EOI, %#x = 50 without\n",
		       MARK_PV_EOI, MARK_NATIVE_EOI);
	fast = kvm_guest.pv_eoi_fast;
	exit_mark(MARK_PV_EOI);
	pv = eoi_writes_for(ce, 50, &lost);
	exit_mark(MARK_NATIVE_EOI);
	fast = kvm_guest.pv_eoi_fast - fast;
	eoi = pv_ops.apic.eoi;
	pv_ops.apic.eoi = native_apic_eoi;
	native = eoi_writes_for(ce, 50, &lost);
	pv_ops.apic.eoi = eoi;
	exit_mark(MARK_EOI_END);
	console_printf("    # 50 timer interrupts: %lu EOI writes with PV EOI (%lu flagged by KVM), %lu without; %u never came\n",
		       pv, fast, native, lost);
	KT_EXPECT_EQ(t, lost, 0U);
	/*
	 * The KVM flavour that emulates our ring 0 (PVM on a host without
	 * SVM or VMX) accepts MSR_KVM_PV_EOI_EN but never sets the flag:
	 * there PV EOI saves nothing, and that is the hypervisor's answer,
	 * not ours.  Everywhere else the flag must save the writes.
	 */
	if (!fast && hypervisor_emulates_kernel(NULL)) {
		ktest_skip(t, "KVM flagged none of 50 interrupts for PV EOI (ring 0 emulated)");
		return;
	}
	KT_EXPECT_GE(t, native, 50);
	KT_EXPECT_LT(t, pv, native);
}

#define MARK_HYPERCALLS		0xe3
#define MARK_HYPERCALLS_END	0xe4
#define UNKNOWN_HYPERCALL	1000

/*
 * KVM refuses a number it does not know; each call is one exit of the
 * vendor's hypercall kind (the nested bed counts them: tests/kvm/).
 */
static bool hypercalls_on(struct ktest *t)
{
	if (!on_kvm(t))
		return false;
	if (!kvm_guest.hypercalls) {
		ktest_skip(t, "KVM's ring-0 emulator loops on the hypercall instruction (PVM, docs/platform.md)");
		return false;
	}
	return true;
}

static void kvm_hypercall_refuses_unknown_number(struct ktest *t)
{
	if (!hypercalls_on(t))
		return;
	console_printf("    # marks: %#x = 10 hypercalls (%s)\n", MARK_HYPERCALLS,
		       kvm_guest.vmmcall ? "vmmcall" : "vmcall");
	exit_mark(MARK_HYPERCALLS);
	for (int i = 0; i < 10; i++)
		KT_EXPECT_EQ(t, kvm_hypercall(UNKNOWN_HYPERCALL, i, 0, 0, 0), (long)-KVM_ENOSYS);
	exit_mark(MARK_HYPERCALLS_END);
}

static void count_hit(void *data)
{
	(*(volatile unsigned long *)data)++;
}

/* KVM_HC_SEND_IPI to ourselves: one interrupt, and KVM says it sent one. */
static void kvm_hypercall_sends_an_ipi(struct ktest *t)
{
	static volatile unsigned long hits;
	unsigned long flags;
	u64 start;
	long sent;
	u32 self;
	int v;

	if (!hypercalls_on(t))
		return;
	self = apic_id();		/* a Xen PV guest has no APIC to ask */
	if (!(kvm_guest.features & (1U << KVM_FEATURE_PV_SEND_IPI))) {
		ktest_skip(t, "KVM does not offer PV send-IPI");
		return;
	}
	hits = 0;
	v = irq_alloc_vector(count_hit, (void *)&hits, "ktest-ipi");
	KT_ASSERT_GE(t, v, FIRST_DEVICE_VECTOR);
	flags = local_irq_save();
	/* Bit 0 of the bitmap is APIC ID `self`; fixed delivery of vector v. */
	sent = kvm_hypercall(KVM_HC_SEND_IPI, 1, 0, self, v);
	local_irq_enable();
	/* Late is the host's business: wait for it as for any interrupt. */
	start = ktime_get_ns();
	while (!hits && ktime_get_ns() - start < KTEST_WAIT_NS)
		cpu_relax();
	local_irq_restore(flags);
	KT_EXPECT_EQ(t, sent, 1L);
	KT_EXPECT_EQ(t, hits, 1UL);
	/* An IPI still on its way would land on a freed vector: keep it then. */
	if (hits)
		irq_free_vector(v);
}

static const struct ktest_case kvm_cases[] = {
	KTEST_CASE(kvmclock_is_the_clocksource),
	KTEST_CASE(steal_time_is_enabled_and_monotonic),
	KTEST_CASE(pv_eoi_saves_eoi_exits),
	KTEST_CASE(kvm_hypercall_refuses_unknown_number),
	KTEST_CASE(kvm_hypercall_sends_an_ipi),
	{}
};
KTEST_SUITE(kvm, kvm_cases);
