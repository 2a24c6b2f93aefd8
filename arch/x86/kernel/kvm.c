// SPDX-License-Identifier: GPL-2.0
/*
 * KVM enlightenments (Documentation/virt/kvm/x86/cpuid.rst and msr.rst;
 * the MSR numbers and feature bits come from linux-libc-dev's
 * <asm/kvm_para.h>): kvmclock as the clocksource, steal time, PV EOI,
 * and hypercalls (Documentation/virt/kvm/x86/hypercalls.rst).
 * PV TLB flush, PV send-IPI and PV unhalt need a second vCPU to mean
 * anything; they are reported, and wait for SMP.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
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
#include <asm/tsc.h>

struct kvm_guest_state kvm_guest;

/* Shared with the hypervisor: aligned as msr.rst asks. */
static struct vcpu_time_info kvmclock_info __aligned(64);
static struct kvm_steal_time steal_info __aligned(64);
static u32 pv_eoi_word __aligned(4);

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

static u64 kvmclock_read(struct clocksource *cs)
{
	return pvclock_read(&kvmclock_info, NULL);
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
	paravirt_write_msr(msr, virt_to_phys(&kvmclock_info) | KVM_MSR_ENABLED);
	pvclock_read(&kvmclock_info, &flags);
	kvm_guest.kvmclock = true;
	kvm_guest.kvmclock_stable = has(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) &&
				    (flags & PVCLOCK_TSC_STABLE_BIT);
	/* The TSC frequency comes with it: no calibration window needed. */
	tsc_set_khz(pvclock_tsc_khz(&kvmclock_info), "kvmclock");
	clocksource_register(&kvmclock_cs);
}

static u64 kvm_steal_clock(void)
{
	u32 version;
	u64 steal;

	do {
		version = READ_ONCE(steal_info.version);
		barrier();
		steal = READ_ONCE(steal_info.steal);
		barrier();
	} while ((version & 1) || version != READ_ONCE(steal_info.version));
	return steal;
}

static void steal_time_init(void)
{
	if (!has(KVM_FEATURE_STEAL_TIME))
		return;
	paravirt_write_msr(MSR_KVM_STEAL_TIME,
			   virt_to_phys(&steal_info) | KVM_MSR_ENABLED);
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
	u8 was_set;

	__asm__ __volatile__("lock btrl %2, %0\n\tsetc %1"
			     : "+m"(pv_eoi_word), "=qm"(was_set)
			     : "Ir"(KVM_PV_EOI_BIT) : "memory", "cc");
	if (was_set) {
		kvm_guest.pv_eoi_fast++;
		return;
	}
	kvm_guest.pv_eoi_slow++;
	native_apic_eoi();
}

static void pv_eoi_init(void)
{
	if (!has(KVM_FEATURE_PV_EOI))
		return;
	pv_eoi_word = 0;
	paravirt_write_msr(MSR_KVM_PV_EOI_EN, virt_to_phys(&pv_eoi_word) | KVM_MSR_ENABLED);
	pv_ops.apic.eoi = kvm_pv_eoi;
	kvm_guest.pv_eoi = true;
}

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
	{ KVM_FEATURE_PV_UNHALT, "pv_unhalt(SMP: pending)" },
	{ KVM_FEATURE_PV_TLB_FLUSH, "pv_tlb_flush(SMP: pending)" },
	{ KVM_FEATURE_PV_SEND_IPI, "pv_send_ipi(SMP: pending)" },
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

static void kvm_init_platform(void)
{
	struct cpuid_regs r;

	cpuid(hypervisor_cpuid_base() + 1, &r);
	kvm_guest.features = r.eax;
	kvm_guest.hints = r.edx;
	kvm_guest.vmmcall = cpu_hypercall_is_vmmcall();
	kvm_print_features();
	kvm_hypercall_init();
	kvmclock_init();
	steal_time_init();
	pv_eoi_init();
}

DEFINE_HYPERVISOR(x86_hyper_kvm) = {
	.name = "kvm",
	.signature = "KVMKVMKVM\0\0\0",
	.priority = 90,
	.init_platform = kvm_init_platform,
};
