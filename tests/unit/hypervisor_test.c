// SPDX-License-Identifier: GPL-2.0
/*
 * Hypervisor selection over tables of CPUID answers: what each
 * hypervisor (or a combination, or a broken one) answers, and which
 * backend must win, with and without hypervisor= on the command line.
 */
#include <pvkit/ktest.h>
#include <pvkit/string.h>
#include <asm/hypervisor.h>
#include <asm/processor.h>

/* eax and ecx as given; ebx, ecx, edx from the 12 signature bytes when sig is set. */
struct answer {
	u32 leaf;
	u32 eax, ecx;
	const char *sig;
};

static const struct answer *table;

/*
 * The backends' descriptors live with their code (kvm.c, arch/x86/xen),
 * which the host does not build: these stand in for them, with their
 * names, signatures and ranks.  The ones recognised by name only come
 * from hypervisor_select.c itself.
 */
DEFINE_HYPERVISOR(host_hyper_kvm) = {
	.name = "kvm", .signature = "KVMKVMKVM\0\0\0", .priority = 90,
};
DEFINE_HYPERVISOR(host_hyper_xen) = {
	.name = "xen", .signature = "XenVMMXenVMM", .priority = 100,
};

#define SIG(max, s)	.eax = (max), .sig = (s)
#define HV_BIT		.ecx = 1U << 31

static unsigned int hv_leaves_asked;	/* CPUIDs of the hypervisor range */

static void table_cpuid(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	hv_leaves_asked += leaf >= 0x40000000 && leaf <= 0x4fffffff;
	for (const struct answer *a = table; a->leaf; a++) {
		if (a->leaf != leaf)
			continue;
		*r = (struct cpuid_regs){ .eax = a->eax, .ecx = a->ecx };
		if (a->sig) {
			memcpy(&r->ebx, a->sig, 4);
			memcpy(&r->ecx, a->sig + 4, 4);
			memcpy(&r->edx, a->sig + 8, 4);
		}
		return;
	}
	*r = (struct cpuid_regs){ 0 };
}

static const char *pick(const struct answer *answers, const char *override,
			struct hypervisor_match *m)
{
	table = answers;
	hypervisor_select(table_cpuid, override, m);
	return m->hv->name;
}

static const struct answer bare_metal[] = {
	{ .leaf = 1, .ecx = 0 },
	{ .leaf = 0x40000000, SIG(0x40000001, "KVMKVMKVM\0\0\0") },	/* ignored: no bit */
	{}
};

static const struct answer kvm[] = {
	{ .leaf = 1, HV_BIT },
	{ .leaf = 0x40000000, SIG(0x40000001, "KVMKVMKVM\0\0\0") },
	{}
};

static const struct answer kvm_with_hyperv[] = {
	{ .leaf = 1, HV_BIT },
	{ .leaf = 0x40000000, SIG(0x4000000a, "Microsoft Hv") },
	{ .leaf = 0x40000100, SIG(0x40000101, "KVMKVMKVM\0\0\0") },
	{}
};

static const struct answer xen_with_viridian[] = {
	{ .leaf = 1, HV_BIT },
	{ .leaf = 0x40000000, SIG(0x40000005, "Microsoft Hv") },
	{ .leaf = 0x40000100, SIG(0x40000105, "XenVMMXenVMM") },
	{}
};

static const struct answer tcg[] = {
	{ .leaf = 1, HV_BIT },
	{ .leaf = 0x40000000, SIG(0x40000001, "TCGTCGTCGTCG") },
	{}
};

static const struct answer unknown[] = {
	{ .leaf = 1, HV_BIT },
	{ .leaf = 0x40000000, SIG(0x40000003, "SomethingNew") },
	{}
};

/* max leaf below the base: the leaf is not really there. */
static const struct answer bogus_max[] = {
	{ .leaf = 1, HV_BIT },
	{ .leaf = 0x40000000, SIG(0x0000000d, "KVMKVMKVM\0\0\0") },
	{}
};

/* A gap at 0x40000000 ends the walk: what lies beyond is not looked at. */
static const struct answer gap[] = {
	{ .leaf = 1, HV_BIT },
	{ .leaf = 0x40000100, SIG(0x40000101, "KVMKVMKVM\0\0\0") },
	{}
};

static void no_hypervisor_bit_means_native(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(bare_metal, NULL, &m), "native");
	KT_EXPECT_FALSE(t, m.hypervisor_bit);
	KT_EXPECT_EQ(t, m.base, 0);
}

static void kvm_is_recognised(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(kvm, NULL, &m), "kvm");
	KT_EXPECT_EQ(t, m.base, 0x40000000);
	KT_EXPECT_EQ(t, m.max_leaf, 0x40000001);
}

/* Found at the first base, and its interface is nobody's emulation: done. */
static const struct answer kvm_then_more[] = {
	{ .leaf = 1, HV_BIT },
	{ .leaf = 0x40000000, SIG(0x40000001, "KVMKVMKVM\0\0\0") },
	{ .leaf = 0x40000100, SIG(0x40000105, "XenVMMXenVMM") },
	{}
};

static void kvm_at_the_first_base_ends_the_walk(struct ktest *t)
{
	struct hypervisor_match m;

	hv_leaves_asked = 0;
	KT_EXPECT_STREQ(t, pick(kvm_then_more, NULL, &m), "kvm");
	KT_EXPECT_EQ(t, hv_leaves_asked, 1);
	/* Hyper-V's interface at the first base: the next one is asked. */
	hv_leaves_asked = 0;
	KT_EXPECT_STREQ(t, pick(kvm_with_hyperv, NULL, &m), "kvm");
	KT_EXPECT_EQ(t, hv_leaves_asked, 3);
}

static void kvm_outranks_hyperv_it_emulates(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(kvm_with_hyperv, NULL, &m), "kvm");
	KT_EXPECT_EQ(t, m.base, 0x40000100);
	KT_EXPECT_STREQ(t, m.first_signature, "Microsoft Hv");
}

static void xen_outranks_viridian(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(xen_with_viridian, NULL, &m), "xen");
	KT_EXPECT_EQ(t, m.base, 0x40000100);
}

static void override_picks_an_offered_one(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(xen_with_viridian, "hyperv", &m), "hyperv");
	KT_EXPECT_EQ(t, m.base, 0x40000000);
	KT_EXPECT_NULL(t, m.note);
}

static void override_none_forces_native(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(kvm, "none", &m), "native");
	KT_EXPECT_NULL(t, m.note);
	/* the raw facts are still recorded */
	KT_EXPECT_TRUE(t, m.hypervisor_bit);
}

static void override_of_absent_one_is_refused(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(kvm, "xen", &m), "native");
	KT_EXPECT_NOT_NULL(t, m.note);
}

static void unknown_override_name_still_detects(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(kvm, "qnx", &m), "kvm");
	KT_EXPECT_NOT_NULL(t, m.note);
}

static void tcg_is_named(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(tcg, NULL, &m), "tcg");
}

static void unknown_signature_is_native_but_recorded(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(unknown, NULL, &m), "native");
	KT_EXPECT_STREQ(t, m.first_signature, "SomethingNew");
}

static void leaf_with_bogus_max_is_ignored(struct ktest *t)
{
	struct hypervisor_match m;

	KT_EXPECT_STREQ(t, pick(bogus_max, NULL, &m), "native");
	KT_EXPECT_STREQ(t, pick(gap, NULL, &m), "native");
}

static const struct ktest_case hv_cases[] = {
	KTEST_CASE(no_hypervisor_bit_means_native),
	KTEST_CASE(kvm_is_recognised),
	KTEST_CASE(kvm_outranks_hyperv_it_emulates),
	KTEST_CASE(kvm_at_the_first_base_ends_the_walk),
	KTEST_CASE(xen_outranks_viridian),
	KTEST_CASE(override_picks_an_offered_one),
	KTEST_CASE(override_none_forces_native),
	KTEST_CASE(override_of_absent_one_is_refused),
	KTEST_CASE(unknown_override_name_still_detects),
	KTEST_CASE(tcg_is_named),
	KTEST_CASE(unknown_signature_is_native_but_recorded),
	KTEST_CASE(leaf_with_bogus_max_is_ignored),
	{}
};
KTEST_SUITE(host_hypervisor_detect, hv_cases);
