// SPDX-License-Identifier: GPL-2.0
/*
 * What CPUID says about the boot CPU: vendor, model and the raw
 * hypervisor signature.  The hypervisor leaves live at 0x40000000 +
 * 0x100 * i (Xen moves up one step when it also offers Hyper-V's).
 */
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <asm/processor.h>

struct cpuinfo_x86 boot_cpu;

static void regs_to_string(char *dst, const u32 *words, int n)
{
	memcpy(dst, words, n * 4);
	dst[n * 4] = '\0';
}

static void detect_model(struct cpuinfo_x86 *c)
{
	struct cpuid_regs r;
	u32 words[12];
	char *s;

	cpuid(1, &r);
	c->family = (r.eax >> 8) & 0xf;
	c->model = (r.eax >> 4) & 0xf;
	c->stepping = r.eax & 0xf;
	if (c->family == 0xf)
		c->family += (r.eax >> 20) & 0xff;
	if (c->family >= 6)
		c->model |= ((r.eax >> 16) & 0xf) << 4;
	c->hypervisor_bit = r.ecx & (1u << 31);

	cpuid(0x80000000, &r);
	c->max_ext_leaf = r.eax;
	if (c->max_ext_leaf < 0x80000004) {
		strlcpy(c->model_name, "unknown", sizeof(c->model_name));
		return;
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
}

/*
 * The first leaf base whose signature is non-empty; a real hypervisor
 * answers with its maximum leaf at or above the base.
 */
static void detect_hypervisor_raw(struct cpuinfo_x86 *c)
{
	struct cpuid_regs r;
	u32 words[3];

	if (!c->hypervisor_bit)
		return;
	for (u32 base = 0x40000000; base < 0x40010000; base += 0x100) {
		cpuid(base, &r);
		if (r.eax < base || r.eax > base + 0xff)
			continue;
		words[0] = r.ebx;
		words[1] = r.ecx;
		words[2] = r.edx;
		regs_to_string(c->hv_signature, words, 3);
		c->hv_base = base;
		c->hv_max_leaf = r.eax;
		return;
	}
}

void cpu_detect(void)
{
	struct cpuinfo_x86 *c = &boot_cpu;
	struct cpuid_regs r;
	u32 words[3];

	cpuid(0, &r);
	c->max_leaf = r.eax;
	words[0] = r.ebx;
	words[1] = r.edx;
	words[2] = r.ecx;
	regs_to_string(c->vendor, words, 3);
	detect_model(c);
	detect_hypervisor_raw(c);
}
