// SPDX-License-Identifier: GPL-2.0
/*
 * What CPUID says about the boot CPU: vendor, model, the leaves it has.
 * The hypervisor leaves are hypervisor.c's.
 */
#include <pvkit/kernel.h>
#include <pvkit/string.h>
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

/*
 * Not static: the 32-bit entry (PVH, multiboot) puts its answers for
 * 0x80000000 and 0x80000001 (asked for long mode) in the first two
 * entries and sets nr_boot_leaves to 2 (arch/x86/boot/head_64.S); the
 * C code asks 0x80000000 again.  Other entries leave it 0.
 */
struct boot_cpuid_leaf boot_leaves[BOOT_CPUID_LEAVES];
unsigned int nr_boot_leaves;

void boot_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	for (unsigned int i = 0; i < nr_boot_leaves && !subleaf; i++) {
		if (boot_leaves[i].leaf == leaf) {
			*r = boot_leaves[i].r;
			return;
		}
	}
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
