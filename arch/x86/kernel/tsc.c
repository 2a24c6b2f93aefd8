// SPDX-License-Identifier: GPL-2.0
/*
 * TSC frequency.  It is found on first use, not at boot: a PIT
 * measurement takes 10 ms, which would dwarf the boot itself.
 */
#include <pvkit/kernel.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#define PIT_HZ		1193182
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_B		0x61		/* bit 0: ch2 gate, bit 5: ch2 output */

static u32 khz;
static const char *khz_source = "unknown";

/* CPUID 0x15: TSC = crystal * ebx / eax; 0x16: base frequency in MHz. */
static u32 tsc_khz_cpuid(void)
{
	struct cpuid_regs r;

	if (boot_cpu.max_leaf >= 0x15) {
		cpuid(0x15, &r);
		if (r.eax && r.ebx && r.ecx)
			return (u64)r.ecx * r.ebx / r.eax / 1000;
	}
	if (boot_cpu.max_leaf >= 0x16) {
		cpuid(0x16, &r);
		if (r.eax & 0xffff)
			return (r.eax & 0xffff) * 1000;
	}
	return 0;
}

/* KVM/VMware's timing leaf 0x40000010: eax = TSC kHz. */
static u32 tsc_khz_hypervisor(void)
{
	struct cpuid_regs r;
	u32 leaf = boot_cpu.hv_base + 0x10;

	if (!boot_cpu.hv_base || boot_cpu.hv_max_leaf < leaf)
		return 0;
	cpuid(leaf, &r);
	return r.eax;
}

/* Counts TSC cycles while PIT channel 2 counts down 10 ms in mode 0. */
static u32 tsc_khz_pit(void)
{
	const u32 ms = 10, count = PIT_HZ * ms / 1000;
	u64 t0, t1;
	unsigned long spins = 0;

	outb((inb(PORT_B) & ~0x02) | 0x01, PORT_B);
	outb(0xb0, PIT_CMD);		/* channel 2, lo/hi byte, mode 0 */
	outb(count & 0xff, PIT_CH2);
	outb(count >> 8, PIT_CH2);
	t0 = rdtsc();
	while (!(inb(PORT_B) & 0x20)) {
		if (++spins > 100000000UL)
			return 0;	/* no PIT here */
	}
	t1 = rdtsc();
	return (t1 - t0) / ms;
}

u32 tsc_khz(const char **source)
{
	if (!khz) {
		if ((khz = tsc_khz_cpuid()))
			khz_source = "CPUID 0x15/0x16";
		else if ((khz = tsc_khz_hypervisor()))
			khz_source = "hypervisor CPUID leaf";
		else if ((khz = tsc_khz_pit()))
			khz_source = "PIT calibration";
	}
	if (source)
		*source = khz_source;
	return khz;
}

u64 tsc_cycles_to_ns(u64 cycles)
{
	u32 k = tsc_khz(NULL);

	if (!k)
		return 0;
	/* Split so that cycles * 1e6 cannot overflow for large counts. */
	return cycles / k * 1000000 + cycles % k * 1000000 / k;
}
