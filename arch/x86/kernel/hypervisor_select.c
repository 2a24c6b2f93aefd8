// SPDX-License-Identifier: GPL-2.0
/*
 * Which hypervisor are we on?  The selection is a pure function of what
 * CPUID answers over the registered descriptors, so tests/unit runs it
 * over tables of answers (with descriptors of its own for the backends).
 */
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <asm/hypervisor.h>
#include <asm/processor.h>

#define HV_LEAF_FIRST	0x40000000
#define HV_LEAF_LAST	0x4000ff00
#define HV_LEAF_STEP	0x100

const struct hypervisor_x86 x86_hyper_native = {
	.name = "native",
	.priority = 0,
};

/*
 * Recognised by name only: they run on the native ops (TCG has nothing to
 * enlighten, the others are not implemented yet).  The backends register
 * their own descriptors beside their code (kvm.c, arch/x86/xen); Xen
 * (100) and KVM (90) outrank Hyper-V, which they emulate alongside their
 * own interface; TCG ranks lowest.
 */
DEFINE_HYPERVISOR(x86_hyper_hyperv) = {
	.name = "hyperv", .signature = "Microsoft Hv", .priority = 40,
	.emulated = true,
};
DEFINE_HYPERVISOR(x86_hyper_vmware) = {
	.name = "vmware", .signature = "VMwareVMware", .priority = 50,
};
DEFINE_HYPERVISOR(x86_hyper_bhyve) = {
	.name = "bhyve", .signature = "bhyve bhyve ", .priority = 50,
};
DEFINE_HYPERVISOR(x86_hyper_acrn) = {
	.name = "acrn", .signature = "ACRNACRNACRN", .priority = 50,
};
DEFINE_HYPERVISOR(x86_hyper_tcg) = {
	.name = "tcg", .signature = "TCGTCGTCGTCG", .priority = 10,
};

/* Every DEFINE_HYPERVISOR of the image (the linker script, or ld on the host). */
extern const struct hypervisor_x86 __start_x86_hypervisors[], __stop_x86_hypervisors[];

#define for_each_hypervisor(hv) \
	for (const struct hypervisor_x86 *hv = __start_x86_hypervisors; \
	     hv < __stop_x86_hypervisors; hv++)

const struct hypervisor_x86 *hypervisor_by_name(const char *name)
{
	if (!strcmp(name, "none") || !strcmp(name, "native"))
		return &x86_hyper_native;
	for_each_hypervisor(hv) {
		if (!strcmp(hv->name, name))
			return hv;
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
	for_each_hypervisor(hv) {
		/* KVM's signature ends in two NULs: compare all 12 bytes. */
		if (!memcmp(sig, hv->signature, 12))
			return hv;
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
	 * a VM exit, and there are 256 possible bases.  A second base is
	 * there only above an interface others emulate (Hyper-V's).
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
		if (base == HV_LEAF_FIRST && hv && !hv->emulated &&
		    (!want || m->hv == want))
			break;
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
