// SPDX-License-Identifier: GPL-2.0
/*
 * What CPUID says about the boot CPU: vendor, model, the leaves it has.
 * The hypervisor leaves are hypervisor.c's.
 */
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <asm/boot.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

struct cpuinfo_x86 boot_cpu;

/*
 * CPUID is a VM exit under a hypervisor, and the boot asks some leaves in
 * several places (hypervisor detection, the CPU's facts, the hypercall
 * instruction, the TSC): the boot CPU's answers are kept.  For what is
 * the same on every CPU at every moment only: not leaf 1's APIC ID or
 * OSXSAVE bit, leaves 0xb and 0xd, sub-leaves.
 */
#define BOOT_CPUID_LEAVES	16

static struct {
	u32 leaf;
	struct cpuid_regs r;
} boot_leaves[BOOT_CPUID_LEAVES];
static unsigned int nr_boot_leaves;

/*
 * The 32-bit entry (PVH, multiboot) asked 0x80000000 and 0x80000001 for
 * long mode already; its answers are used when it ran (a valid maximum
 * extended leaf has bit 31 set, the 0s left by other entries have not).
 */
static bool entry_asked(u32 leaf, struct cpuid_regs *r)
{
	u32 max = boot_cpuid_ext[0];
	const u32 *w = &boot_cpuid_ext[4 * (leaf & 1)];

	if ((leaf != 0x80000000 && leaf != 0x80000001) ||
	    !(max & 0x80000000) || leaf > max)
		return false;
	*r = (struct cpuid_regs){ w[0], w[1], w[2], w[3] };
	return true;
}

void boot_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	for (unsigned int i = 0; i < nr_boot_leaves && !subleaf; i++) {
		if (boot_leaves[i].leaf == leaf) {
			*r = boot_leaves[i].r;
			return;
		}
	}
	if (subleaf || !entry_asked(leaf, r))
		paravirt_cpuid(leaf, subleaf, r);
	if (!subleaf && nr_boot_leaves < BOOT_CPUID_LEAVES) {
		boot_leaves[nr_boot_leaves].leaf = leaf;
		boot_leaves[nr_boot_leaves++].r = *r;
	}
}

static void regs_to_string(char *dst, const u32 *words, int n)
{
	memcpy(dst, words, n * 4);
	dst[n * 4] = '\0';
}

static void detect_model(struct cpuinfo_x86 *c)
{
	struct cpuid_regs r;

	boot_cpuid(1, 0, &r);
	c->features_ecx = r.ecx;
	c->features_edx = r.edx;
	c->family = (r.eax >> 8) & 0xf;
	c->model = (r.eax >> 4) & 0xf;
	c->stepping = r.eax & 0xf;
	if (c->family == 0xf)
		c->family += (r.eax >> 20) & 0xff;
	if (c->family >= 6)
		c->model |= ((r.eax >> 16) & 0xf) << 4;

	boot_cpuid(0x80000000, 0, &r);
	c->max_ext_leaf = r.eax;
}

/* The brand string: three leaves, read when someone shows it. */
const char *cpu_model_name(void)
{
	struct cpuinfo_x86 *c = &boot_cpu;
	struct cpuid_regs r;
	u32 words[12];
	char *s;

	if (c->model_name[0])
		return c->model_name;
	if (c->max_ext_leaf < 0x80000004) {
		strlcpy(c->model_name, "unknown", sizeof(c->model_name));
		return c->model_name;
	}
	for (int i = 0; i < 3; i++) {
		cpuid(0x80000002 + i, &r);
		words[i * 4] = r.eax;
		words[i * 4 + 1] = r.ebx;
		words[i * 4 + 2] = r.ecx;
		words[i * 4 + 3] = r.edx;
	}
	regs_to_string(c->model_name, words, 12);
	for (s = c->model_name; *s == ' '; s++)
		;
	memmove(c->model_name, s, strlen(s) + 1);
	if (!c->model_name[0])
		strlcpy(c->model_name, "unknown", sizeof(c->model_name));
	return c->model_name;
}

void cpu_detect(void)
{
	struct cpuinfo_x86 *c = &boot_cpu;
	struct cpuid_regs r;
	u32 words[3];

	boot_cpuid(0, 0, &r);
	c->max_leaf = r.eax;
	words[0] = r.ebx;
	words[1] = r.edx;
	words[2] = r.ecx;
	regs_to_string(c->vendor, words, 3);
	detect_model(c);
}

/*
 * SVM's hypercall instruction is vmmcall, VMX's vmcall; the other one
 * traps as #UD and is at best emulated.  KVM and Xen both take the one of
 * the CPU's vendor.  CPUID 0 itself: this may run before cpu_detect().
 */
bool cpu_hypercall_is_vmmcall(void)
{
	struct cpuid_regs r;
	char vendor[12];

	boot_cpuid(0, 0, &r);
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	return !memcmp(vendor, "AuthenticAMD", 12) || !memcmp(vendor, "HygonGenuine", 12);
}
