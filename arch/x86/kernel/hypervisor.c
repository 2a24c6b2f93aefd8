// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor backend chosen at boot (hypervisor_select.c picks it),
 * started, and described for the info app.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/platform.h>
#include <asm/hypervisor.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

struct hypervisor_match x86_hyper = { .hv = &x86_hyper_native };

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
		       c->vendor, cpu_model_name(), c->family, c->model, c->stepping);
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

void init_hypervisor_platform(void)
{
	const char *override = param_get("hypervisor");

	hypervisor_select(boot_cpuid, override, &x86_hyper);
	if (x86_hyper.note)
		pr_warn("hypervisor: %s (hypervisor=%s)\n", x86_hyper.note, override);
	if (x86_hyper.hv->init_platform)
		x86_hyper.hv->init_platform();
	paravirt_report(x86_hyper.hv->name);
	paravirt_patch_calls();
}
