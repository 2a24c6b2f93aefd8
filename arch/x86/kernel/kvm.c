// SPDX-License-Identifier: GPL-2.0
/*
 * KVM enlightenments (Documentation/virt/kvm/x86/cpuid.rst and msr.rst;
 * the MSR numbers and feature bits come from linux-libc-dev's
 * <asm/kvm_para.h>): kvmclock as the clocksource, steal time and PV EOI
 * on every vCPU, and hypercalls (Documentation/virt/kvm/x86/hypercalls.rst).
 * With more than one vCPU: PV send-IPI (one KVM_HC_SEND_IPI for a set of
 * vCPUs), PV TLB flush (preempted vCPUs flushed by KVM at their next
 * entry instead of by IPI), PV unhalt (a lock waiter halts; the unlocker
 * kicks it with KVM_HC_KICK_CPU) and PV sched yield (a cross-call waiting
 * on a preempted vCPU hands it our time slice).  Each can be turned off
 * on the command line: kvm.pv_ipi=0, kvm.pv_tlb_flush=0, kvm.pv_unhalt=0,
 * kvm.pv_sched_yield=0 (docs/smp.md).
 */
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/hypervisor.h>
#include <asm/kvm_guest.h>
#include <asm/kvm_para.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/pvclock.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <asm/tsc.h>
#include <linux/kvm_para.h>

struct kvm_guest_state kvm_guest;

/*
 * Hypercalls and steal time have no user but the multi-vCPU ops (SMP)
 * and the kvm suite (KTEST).  A one-CPU image without tests leaves both
 * off: kvm_hypercall() says -EOPNOTSUPP, no steal-time area is
 * registered (an MSR write, an exit, less at boot), and the hypercall
 * probe (3 x 64 timed additions) is not run.
 */
#if defined(CONFIG_SMP) || defined(CONFIG_KTEST)
#define KVM_SMP_OR_TESTS
#endif

/* Shared with the hypervisor: aligned as msr.rst asks; one per vCPU where per vCPU. */
static struct vcpu_time_info kvmclock_info[NR_CPUS] __aligned(64);
/* The CPUs that registered their own area; before that a CPU reads CPU 0's. */
static bool kvmclock_own[NR_CPUS];
static u32 kvmclock_msr;
static struct kvm_steal_time steal_info[NR_CPUS] __aligned(64);
static u32 pv_eoi_word[NR_CPUS] __aligned(4);

static void count(unsigned long *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static bool has(unsigned int feature)
{
	return kvm_guest.features & (1U << feature);
}

/*
 * Number in rax, arguments in rbx, rcx, rdx, rsi, the result in rax;
 * KVM changes nothing else.  The instruction is the CPU vendor's.
 */
long kvm_hypercall(unsigned int nr, unsigned long a0, unsigned long a1,
		   unsigned long a2, unsigned long a3)
{
	long ret;

	if (!kvm_guest.hypercalls)
		return -EOPNOTSUPP;
	if (kvm_guest.vmmcall)
		__asm__ __volatile__("vmmcall"
				     : "=a"(ret)
				     : "a"((unsigned long)nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
				     : "memory");
	else
		__asm__ __volatile__("vmcall"
				     : "=a"(ret)
				     : "a"((unsigned long)nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
				     : "memory");
	return ret;
}

/*
 * Each CPU reads its own area, as Linux does: KVM updates a vCPU's record
 * when that vCPU enters, so the record matches the TSC it runs on.
 * Without the stable bit pvclock_read() clamps across CPUs.  A pause by
 * the host (KVM_KVMCLOCK_CTRL: QEMU's stop, the resume after a live
 * migration) is flagged in every vCPU's area; it is told once, from the
 * boot CPU's, and the others' flags are just cleared.
 */
static u64 kvmclock_read(struct clocksource *cs)
{
	unsigned int cpu = smp_processor_id();
	struct vcpu_time_info *ti = &kvmclock_info[kvmclock_own[cpu] ? cpu : 0];
	u8 flags;
	u64 ns = pvclock_read(ti, &flags);

	if ((flags & PVCLOCK_GUEST_STOPPED) && pvclock_clear_stopped(ti) &&
	    ti == &kvmclock_info[0])
		clock_note_host_stop();
	return ns;
}

/* Runs on the CPU, before anything there reads the clock. */
static void kvmclock_cpu_init(unsigned int cpu)
{
	if (!kvmclock_msr)
		return;
	paravirt_write_msr(kvmclock_msr, virt_to_phys(&kvmclock_info[cpu]) | KVM_MSR_ENABLED);
	WRITE_ONCE(kvmclock_own[cpu], true);
	__atomic_fetch_add(&kvm_guest.kvmclock_areas, 1, __ATOMIC_RELAXED);
}

static struct clocksource kvmclock_cs = {
	.name = "kvm-clock",
	.rating = 400,
	.read = kvmclock_read,
	.mask = ~0ULL,
	.freq_hz = NSEC_PER_SEC,	/* it counts nanoseconds */
};

static void kvmclock_init(void)
{
	u32 msr;
	u8 flags;

	if (has(KVM_FEATURE_CLOCKSOURCE2))
		msr = MSR_KVM_SYSTEM_TIME_NEW;
	else if (has(KVM_FEATURE_CLOCKSOURCE))
		msr = MSR_KVM_SYSTEM_TIME;
	else
		return;
	kvmclock_msr = msr;
	kvmclock_cpu_init(0);
	pvclock_read(&kvmclock_info[0], &flags);
	kvm_guest.kvmclock = true;
	kvm_guest.kvmclock_stable = has(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) &&
				    (flags & PVCLOCK_TSC_STABLE_BIT);
	/* The TSC frequency comes with it: no calibration window needed. */
	tsc_set_khz(pvclock_tsc_khz(&kvmclock_info[0]), "kvmclock");
	clocksource_register(&kvmclock_cs);
}

static u64 kvm_steal_clock(void)
{
	const struct kvm_steal_time *st = &steal_info[smp_processor_id()];
	u32 version;
	u64 steal;

	do {
		version = READ_ONCE(st->version);
		barrier();
		steal = READ_ONCE(st->steal);
		barrier();
	} while ((version & 1) || version != READ_ONCE(st->version));
	return steal;
}

static void steal_time_init(void)
{
#ifndef KVM_SMP_OR_TESTS
	return;
#endif
	if (!has(KVM_FEATURE_STEAL_TIME))
		return;
	pv_ops.time.steal_clock = kvm_steal_clock;
	kvm_guest.steal_time = true;
}

/*
 * KVM sets the bit when it injects an interrupt whose EOI it can do by
 * itself; clearing it is then the whole EOI, with no exit.  The clear
 * must be atomic against the hypervisor's write.
 */
static void kvm_pv_eoi(void)
{
	u32 *word = &pv_eoi_word[smp_processor_id()];
	u8 was_set;

	__asm__ __volatile__("lock btrl %2, %0\n\tsetc %1"
			     : "+m"(*word), "=qm"(was_set)
			     : "Ir"(KVM_PV_EOI_BIT) : "memory", "cc");
	if (was_set) {
		count(&kvm_guest.pv_eoi_fast);
		return;
	}
	count(&kvm_guest.pv_eoi_slow);
	native_apic_eoi();
}

static void pv_eoi_init(void)
{
	if (!has(KVM_FEATURE_PV_EOI))
		return;
	pv_ops.apic.eoi = kvm_pv_eoi;
	kvm_guest.pv_eoi = true;
}

/* Each vCPU registers its own areas: the boot CPU's at init, the others' as they start. */
static void kvm_cpu_init(unsigned int cpu)
{
	if (cpu)
		kvmclock_cpu_init(cpu);
	if (kvm_guest.steal_time)
		paravirt_write_msr(MSR_KVM_STEAL_TIME,
				   virt_to_phys(&steal_info[cpu]) | KVM_MSR_ENABLED);
	if (kvm_guest.pv_eoi) {
		pv_eoi_word[cpu] = 0;
		paravirt_write_msr(MSR_KVM_PV_EOI_EN,
				   virt_to_phys(&pv_eoi_word[cpu]) | KVM_MSR_ENABLED);
	}
}

/* ---- the multi-vCPU ops ---- */

#ifdef CONFIG_SMP

static long send_ipi_cluster(const struct kvm_ipi_cluster *c, void *ctx)
{
	u8 vector = *(const u8 *)ctx;

	count(&kvm_guest.ipi_hypercalls);
	return kvm_hypercall(KVM_HC_SEND_IPI, c->bitmap[0], c->bitmap[1], c->min,
			     APIC_DM_FIXED | vector);
}

/*
 * One hypercall for every 128 APIC IDs, whatever the number of targets.
 * Where KVM refuses one (it would have to be broken: the feature is
 * offered), the rest go through the APIC, and so does every IPI after.
 */
static void kvm_send_ipi_mask(const struct cpumask *mask, u8 vector)
{
	u32 ids[NR_CPUS];
	unsigned int n = 0, sent, c;
	long err;

	for_each_cpu_in(c, mask)
		ids[n++] = percpu_area[c].apic_id;
	sent = kvm_ipi_clusters(ids, n, send_ipi_cluster, &vector, &err);
	if (sent == n)
		return;
	pr_err("kvm: KVM_HC_SEND_IPI failed (%ld): IPIs go through the APIC from now on\n", err);
	pv_ops.apic.send_ipi_mask = native_send_ipi_mask;
	for (unsigned int i = sent; i < n; i++) {
		count(&kvm_guest.ipi_fallbacks);
		pv_ops.apic.send_ipi(ids[i], vector);
	}
}

static bool vcpu_preempted(u32 cpu)
{
	return cpu < NR_CPUS &&
	       (__atomic_load_n(&steal_info[cpu].preempted, __ATOMIC_RELAXED) & KVM_VCPU_PREEMPTED);
}

/* Linux's kvm_flush_tlb_multi: the preempted vCPUs are flushed by KVM. */
static int kvm_flush_tlb_multi(const struct cpumask *mask, unsigned long va)
{
	struct cpumask rest = *mask;
	unsigned int c;

	for_each_cpu_in(c, mask) {
		if (kvm_flush_deferred(&steal_info[c].preempted)) {
			cpumask_clear_cpu(&rest, c);
			count(&kvm_guest.flushes_deferred);
		}
	}
	return cpumask_weight(&rest) ? native_flush_tlb_multi(&rest, va) : 0;
}

/*
 * Linux's kvm_wait: halt until kicked, unless the byte changed.  With
 * interrupts on, the check and the halt are made atomic by sti; hlt, so
 * that an interrupt handler's own lock wait cannot leave us halted with
 * nobody to kick us; with them off, KVM wakes a halted vCPU on a kick.
 */
static void kvm_wait(u8 *ptr, u8 val)
{
	if (irqs_disabled()) {
		if (READ_ONCE(*ptr) == val) {
			count(&kvm_guest.lock_halts);
			pv_ops.cpu.halt();
		}
		return;
	}
	local_irq_disable();
	if (READ_ONCE(*ptr) == val) {
		count(&kvm_guest.lock_halts);
		safe_halt();
	} else {
		local_irq_enable();
	}
}

static void kvm_kick_cpu(u32 cpu)
{
	if (cpu >= NR_CPUS)
		return;
	count(&kvm_guest.lock_kicks);
	kvm_hypercall(KVM_HC_KICK_CPU, 0, percpu_area[cpu].apic_id, 0, 0);
}

static void kvm_yield_to(u32 cpu)
{
	if (!vcpu_preempted(cpu))
		return;
	count(&kvm_guest.yields);
	kvm_hypercall(KVM_HC_SCHED_YIELD, percpu_area[cpu].apic_id, 0, 0, 0);
}

/* What an op needs besides its feature bit. */
#define NEEDS_HYPERCALLS	(1U << 0)
#define NEEDS_STEAL_TIME	(1U << 1)
#define NOT_REALTIME		(1U << 2)	/* Linux's choice under KVM_HINTS_REALTIME */

/* Why an op stays native, or NULL if it can be installed. */
static const char *smp_op_unusable(unsigned int feature, const char *param,
				   unsigned int needs)
{
	if (smp_cpus_described() < 2)
		return "1 CPU";
	if (!has(feature))
		return "not offered";
	if ((needs & NOT_REALTIME) && (kvm_guest.hints & (1U << KVM_HINTS_REALTIME)))
		return "realtime hint";
	if ((needs & NEEDS_HYPERCALLS) && !kvm_guest.hypercalls)
		return "hypercalls off";
	if ((needs & NEEDS_STEAL_TIME) && !kvm_guest.steal_time)
		return "no steal time";
	if (!param_get_ull(param, 1))
		return "off on the command line";
	return NULL;
}

/*
 * "pv-op (how)" if installed, else "native (why not)", after a label;
 * returns what it wrote (never past len - 1, so the next one appends).
 */
static size_t describe_op(char *line, size_t len, const char *label, const char *why,
			  const char *pv, const char *native)
{
	size_t n;

	if (!why)
		n = snprintf(line, len, "%s %s", label, pv);
	else
		n = snprintf(line, len, "%s %s (%s)", label, native, why);
	return min(n, len - 1);
}

static void kvm_smp_ops_init(void)
{
	const char *why[4];
	char line[256];
	size_t n = 0;

	why[0] = smp_op_unusable(KVM_FEATURE_PV_UNHALT, "kvm.pv_unhalt",
				 NEEDS_HYPERCALLS | NOT_REALTIME);
	why[1] = smp_op_unusable(KVM_FEATURE_PV_SEND_IPI, "kvm.pv_ipi", NEEDS_HYPERCALLS);
	why[2] = smp_op_unusable(KVM_FEATURE_PV_TLB_FLUSH, "kvm.pv_tlb_flush",
				 NEEDS_STEAL_TIME | NOT_REALTIME);
	why[3] = smp_op_unusable(KVM_FEATURE_PV_SCHED_YIELD, "kvm.pv_sched_yield",
				 NEEDS_HYPERCALLS | NEEDS_STEAL_TIME | NOT_REALTIME);
	if (!why[0]) {
		pv_ops.lock.wait = kvm_wait;
		pv_ops.lock.kick = kvm_kick_cpu;
		spin_kick_waiters = true;
		kvm_guest.pv_unhalt = true;
	}
	if (!why[1]) {
		pv_ops.apic.send_ipi_mask = kvm_send_ipi_mask;
		kvm_guest.pv_send_ipi = true;
	}
	if (!why[2]) {
		pv_ops.mmu.flush_tlb_multi = kvm_flush_tlb_multi;
		kvm_guest.pv_tlb_flush = true;
	}
	if (!why[3]) {
		pv_ops.lock.yield_to = kvm_yield_to;
		kvm_guest.pv_sched_yield = true;
	}
	if (!printk_level_built(6))
		return;
	n += describe_op(line + n, sizeof(line) - n, "lock", why[0],
			 "pv-unhalt (halt, KVM_HC_KICK_CPU)", "spin");
	n += describe_op(line + n, sizeof(line) - n, ", ipi", why[1],
			 "pv-send-ipi (KVM_HC_SEND_IPI)", "apic");
	n += describe_op(line + n, sizeof(line) - n, ", tlb", why[2],
			 "pv-tlb-flush (preempted vCPUs skipped)", "ipi");
	describe_op(line + n, sizeof(line) - n, ", yield", why[3],
		    "pv-sched-yield (KVM_HC_SCHED_YIELD)", "none");
	pr_info("kvm: smp ops: %s\n", line);
}
#else
/* One CPU: no IPIs, remote flushes, lock waiters or vCPUs to yield to. */
static void kvm_smp_ops_init(void)
{
}
#endif

static const struct {
	unsigned int bit;
	const char *name;
} kvm_feature_names[] = {
	{ KVM_FEATURE_CLOCKSOURCE, "clocksource" },
	{ KVM_FEATURE_NOP_IO_DELAY, "nop_io_delay" },
	{ KVM_FEATURE_CLOCKSOURCE2, "clocksource2" },
	{ KVM_FEATURE_ASYNC_PF, "async_pf" },
	{ KVM_FEATURE_STEAL_TIME, "steal_time" },
	{ KVM_FEATURE_PV_EOI, "pv_eoi" },
	{ KVM_FEATURE_PV_UNHALT, "pv_unhalt" },
	{ KVM_FEATURE_PV_TLB_FLUSH, "pv_tlb_flush" },
	{ KVM_FEATURE_PV_SEND_IPI, "pv_send_ipi" },
	{ KVM_FEATURE_POLL_CONTROL, "poll_control" },
	{ KVM_FEATURE_PV_SCHED_YIELD, "pv_sched_yield" },
	{ KVM_FEATURE_MSI_EXT_DEST_ID, "msi_ext_dest_id" },
	{ KVM_FEATURE_CLOCKSOURCE_STABLE_BIT, "clocksource_stable" },
};

static void kvm_print_features(void)
{
	char line[320];
	size_t n = 0;

	if (!printk_level_built(6))
		return;
	line[0] = '\0';
	for (unsigned int i = 0; i < ARRAY_SIZE(kvm_feature_names); i++) {
		if (has(kvm_feature_names[i].bit))
			n += snprintf(line + n, sizeof(line) - n, " %s",
				      kvm_feature_names[i].name);
		if (n >= sizeof(line))
			break;
	}
	pr_info("kvm: features %#x hints %#x:%s\n", kvm_guest.features,
		kvm_guest.hints, line);
}

#ifdef KVM_SMP_OR_TESTS
/*
 * Where KVM runs our ring 0 in its instruction emulator (PVM on a host
 * without SVM or VMX, docs/platform.md), the emulator's answer to a
 * vmcall is to rewrite it into the vendor's instruction and run it
 * again: the same vmcall, for ever (seen: the vCPU spins at the vmcall
 * with rax unchanged).  There no hypercall is issued at all.
 */
static void kvm_hypercall_init(void)
{
	if (hypervisor_emulates_kernel(NULL)) {
		pr_info("kvm: hypercalls off: ring 0 is emulated and its emulator loops on %s\n",
			kvm_guest.vmmcall ? "vmmcall" : "vmcall");
		return;
	}
	kvm_guest.hypercalls = true;
	pr_info("kvm: hypercalls by %s\n", kvm_guest.vmmcall ? "vmmcall" : "vmcall");
}
#endif

static void kvm_init_platform(void)
{
	struct cpuid_regs r;

	cpuid(hypervisor_cpuid_base() + 1, &r);
	kvm_guest.features = r.eax;
	kvm_guest.hints = r.edx;
	kvm_print_features();
#ifdef KVM_SMP_OR_TESTS
	kvm_guest.vmmcall = cpu_hypercall_is_vmmcall();
	kvm_hypercall_init();
#endif
	kvmclock_init();
	steal_time_init();
	pv_eoi_init();
	kvm_cpu_init(0);
	x86_init.cpu_init = kvm_cpu_init;
	kvm_smp_ops_init();
}

DEFINE_HYPERVISOR(x86_hyper_kvm) = {
	.name = "kvm",
	.signature = "KVMKVMKVM\0\0\0",
	.priority = 90,
	.init_platform = kvm_init_platform,
};
