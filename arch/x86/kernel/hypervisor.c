// SPDX-License-Identifier: GPL-2.0
/*
 * Which hypervisor are we on?  The selection is a pure function of what
 * CPUID answers, so tests/unit runs it over tables of answers.
 */
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <pvkit/cmdline.h>
#include <pvkit/platform.h>
#include <asm/hypervisor.h>
#include <asm/kvm_guest.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

#define HV_LEAF_FIRST	0x40000000
#define HV_LEAF_LAST	0x4000ff00
#define HV_LEAF_STEP	0x100

const struct hypervisor_x86 x86_hyper_native = {
	.name = "native",
	.priority = 0,
};

/*
 * Recognised by name.  The ones without init_platform run on the native
 * ops: TCG has nothing to enlighten, the others are not implemented yet.
 * Xen and KVM outrank Hyper-V, which they emulate alongside their own
 * interface; TCG ranks lowest.
 */
const struct hypervisor_x86 x86_hyper_kvm = {
	.name = "kvm", .signature = "KVMKVMKVM\0\0\0", .priority = 90,
#if defined(CONFIG_KVM_GUEST) && !defined(__HOST_TEST__)
	.init_platform = kvm_init_platform,
#endif
};

#if !defined(CONFIG_XEN) || defined(__HOST_TEST__)
/* Recognised, with the native ops, when the Xen backend is not built. */
const struct hypervisor_x86 x86_hyper_xen = {
	.name = "xen", .signature = "XenVMMXenVMM", .priority = 100,
};
#endif
static const struct hypervisor_x86 x86_hyper_hyperv = {
	.name = "hyperv", .signature = "Microsoft Hv", .priority = 40,
};
static const struct hypervisor_x86 x86_hyper_vmware = {
	.name = "vmware", .signature = "VMwareVMware", .priority = 50,
};
static const struct hypervisor_x86 x86_hyper_bhyve = {
	.name = "bhyve", .signature = "bhyve bhyve ", .priority = 50,
};
static const struct hypervisor_x86 x86_hyper_acrn = {
	.name = "acrn", .signature = "ACRNACRNACRN", .priority = 50,
};
static const struct hypervisor_x86 x86_hyper_tcg = {
	.name = "tcg", .signature = "TCGTCGTCGTCG", .priority = 10,
};

static const struct hypervisor_x86 *const hypervisors[] = {
	&x86_hyper_xen, &x86_hyper_kvm, &x86_hyper_hyperv, &x86_hyper_vmware,
	&x86_hyper_bhyve, &x86_hyper_acrn, &x86_hyper_tcg,
};

struct hypervisor_match x86_hyper = { .hv = &x86_hyper_native };

const struct hypervisor_x86 *hypervisor_by_name(const char *name)
{
	if (!strcmp(name, "none") || !strcmp(name, "native"))
		return &x86_hyper_native;
	for (unsigned int i = 0; i < ARRAY_SIZE(hypervisors); i++) {
		if (!strcmp(hypervisors[i]->name, name))
			return hypervisors[i];
	}
	return NULL;
}

static void signature_of(const struct cpuid_regs *r, char sig[13])
{
	memcpy(sig, &r->ebx, 4);
	memcpy(sig + 4, &r->ecx, 4);
	memcpy(sig + 8, &r->edx, 4);
	sig[12] = '\0';
}

static const struct hypervisor_x86 *by_signature(const char *sig)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(hypervisors); i++) {
		/* KVM's signature ends in two NULs: compare all 12 bytes. */
		if (!memcmp(sig, hypervisors[i]->signature, 12))
			return hypervisors[i];
	}
	return NULL;
}

/* A leaf base answers when its max leaf lies within its own range. */
static bool base_answers(u32 base, const struct cpuid_regs *r)
{
	return r->eax >= base && r->eax < base + HV_LEAF_STEP;
}

void hypervisor_select(cpuid_fn cpuid, const char *override,
		       struct hypervisor_match *m)
{
	const struct hypervisor_x86 *want = NULL;
	struct cpuid_regs r;

	*m = (struct hypervisor_match){ .hv = &x86_hyper_native };
	if (override && *override) {
		want = hypervisor_by_name(override);
		if (!want)
			m->note = "unknown name in hypervisor=, detecting";
	}

	cpuid(1, 0, &r);
	m->hypervisor_bit = r.ecx & (1u << 31);
	if (!m->hypervisor_bit)
		goto out;
	/*
	 * Hypervisors fill the bases from 0x40000000 up without gaps, so
	 * the first base that does not answer ends the walk: each CPUID is
	 * a VM exit, and there are 256 possible bases.
	 */
	for (u32 base = HV_LEAF_FIRST; base <= HV_LEAF_LAST; base += HV_LEAF_STEP) {
		const struct hypervisor_x86 *hv;
		char sig[13];

		cpuid(base, 0, &r);
		if (!base_answers(base, &r))
			break;
		signature_of(&r, sig);
		if (base == HV_LEAF_FIRST)
			memcpy(m->first_signature, sig, sizeof(sig));
		hv = by_signature(sig);
		if (hv && (want ? hv == want : hv->priority > m->hv->priority)) {
			m->hv = hv;
			m->base = base;
			m->max_leaf = r.eax;
		}
	}
out:
	if (want && m->hv != want) {
		/* Forcing ops for a hypervisor that is not there would crash. */
		if (want != &x86_hyper_native)
			m->note = "the hypervisor named by hypervisor= is not offered";
		m->hv = &x86_hyper_native;
		m->base = 0;
		m->max_leaf = 0;
	}
}

#ifndef __HOST_TEST__
const char *hypervisor_name(void)
{
	return x86_hyper.hv->name;
}

/*
 * Cycles for 64 dependent register additions, the least of three runs (the
 * first may pay for TCG translating the block or for a page fault).  On a
 * CPU, or under hardware-assisted virtualisation, that is about 64 cycles
 * plus rdtsc's own cost, and under TCG a few hundred; a hypervisor that
 * runs the guest kernel in an instruction emulator (KVM's PVM flavour on
 * a host without SVM or VMX) takes about 2000 cycles per instruction.
 */
static u64 add_chain_cycles(void)
{
	u64 best = ~0ULL;

	for (int i = 0; i < 3; i++) {
		u64 t = rdtsc(), v = 1;

		__asm__ __volatile__(".rept 64\n\taddq %0, %0\n\t.endr" : "+r"(v));
		t = rdtsc() - t;
		best = min(best, t);
	}
	return best;
}

/*
 * Whether the hypervisor emulates the instructions of our ring 0 instead
 * of letting the CPU run them.  Such a hypervisor is slow in ways the
 * benchmarks must name, and KVM's emulator cannot deliver a software
 * interrupt (int3, int n) in long mode: it stops the VM with "emulation
 * failure".  Measured once; 100 cycles per instruction separates the
 * cases by more than an order of magnitude on either side.
 */
bool hypervisor_emulates_kernel(u64 *cycles)
{
	static u64 measured;

	if (!measured)
		measured = add_chain_cycles() ?: 1;
	if (cycles)
		*cycles = measured;
	return measured > 64 * 100;
}

void platform_show(void)
{
	const struct cpuinfo_x86 *c = &boot_cpu;
	const struct hypervisor_match *m = &x86_hyper;
	u64 chain;

	console_printf("cpu: %s, %s (family %#x model %#x stepping %u)\n",
		       c->vendor, c->model_name, c->family, c->model, c->stepping);
	if (!m->hypervisor_bit)
		console_printf("hypervisor: %s (CPUID.1:ECX[31] clear)\n", m->hv->name);
	else if (!m->base)
		console_printf("hypervisor: %s (signature at 0x40000000: \"%s\")\n",
			       m->hv->name, m->first_signature);
	else
		console_printf("hypervisor: %s (signature \"%s\" at %#x, max leaf %#x)\n",
			       m->hv->name, m->hv->signature, m->base, m->max_leaf);
	if (hypervisor_emulates_kernel(&chain))
		console_printf("hypervisor: emulates the kernel's instructions (%llu cycles for 64 register adds)\n",
			       chain);
}

/* Through pv_ops: a Xen PV guest's plain cpuid may not reach Xen. */
static void cpuid_insn(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	pv_ops.cpu.cpuid(leaf, subleaf, r);
}

void init_hypervisor_platform(void)
{
	const char *override = param_get("hypervisor");

	hypervisor_select(cpuid_insn, override, &x86_hyper);
	if (x86_hyper.note)
		pr_warn("hypervisor: %s (hypervisor=%s)\n", x86_hyper.note, override);
	if (x86_hyper.hv->init_platform)
		x86_hyper.hv->init_platform();
	paravirt_report(x86_hyper.hv->name);
	paravirt_patch_calls();
}
#endif
