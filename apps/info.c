// SPDX-License-Identifier: GPL-2.0
/* info: what the kernel found at boot.  The default app. */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/bootinfo.h>
#include <pvkit/cmdline.h>
#include <pvkit/irq.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/platform.h>
#include <asm/page.h>
#include <asm/tsc.h>

static void print_memory(const struct boot_info *bi)
{
	console_printf("memory map: %u entries from %s, %llu MiB RAM\n", bi->nr_mem,
		       bi->loader, bootinfo_ram_total(bi) >> 20);
	for (unsigned int i = 0; i < bi->nr_mem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];

		console_printf("  [0x%012llx-0x%012llx] %s\n", r->addr,
			       r->addr + r->size - 1, boot_mem_type_name(r->type));
	}
	for (unsigned int i = 0; i < bi->nr_modules; i++)
		console_printf("module %u: %#llx, %llu bytes, \"%s\"\n", i,
			       bi->modules[i].addr, bi->modules[i].size,
			       bi->modules[i].cmdline);
	console_printf("free pages: %lu of %lu\n", nr_free_pages(), nr_managed_pages());
	if (bi->rsdp)
		console_printf("acpi: RSDP at %#llx\n", bi->rsdp);
	else
		console_printf("acpi: no RSDP found\n");
}

/*
 * With boot.mark=1 each step but the first began with an exit mark: the
 * nested KVM bed reports the step's exits under it ("entry" under its
 * own name, counted from the image's first exit).
 */
static void print_mark(unsigned int i)
{
	if (boot_marks && i)
		console_printf("  exits at mark 0x%02x", BOOT_MARK_BASE + i);
	else if (boot_marks)
		console_printf("  exits at entry");
	console_printf("\n");
}

static void print_boot_time(void)
{
	const char *source;
	u32 khz = tsc_khz(&source);
	u64 cycles = boot_cycles;

	console_printf("image: %lu bytes loaded at %#llx\n",
		       (unsigned long)(kernel_phys_end() - kernel_phys_start()),
		       kernel_phys_start());
	if (!khz) {
		console_printf("boot time: %llu cycles (TSC frequency unknown)\n", cycles);
		return;
	}
	console_printf("boot time: %llu cycles, %llu us (TSC %u kHz from %s)\n",
		       cycles, tsc_cycles_to_ns(cycles) / 1000, khz, source);
	for (unsigned int i = 0; i < nr_boot_phases; i++) {
		u64 start = i ? boot_phases[i - 1].end_tsc : boot_info.entry_tsc;

		console_printf("  %-14s %8llu us", boot_phases[i].name,
			       tsc_cycles_to_ns(boot_phases[i].end_tsc - start) / 1000);
		print_mark(i);
	}
	if (boot_marks)
		console_printf("  %-14s %11s  exits at mark 0x%02x\n", "app", "",
			       BOOT_MARK_BASE + nr_boot_phases);
}

static int info_main(void)
{
	platform_show();
	print_memory(&boot_info);
	console_printf("cmdline: \"%s\"\n", params_raw());
	console_printf("pci:\n");
	pci_show();
	console_printf("interrupts:\n");
	irq_show();
	print_boot_time();
	return EXIT_OK;
}
DEFINE_APP(info, "CPU, hypervisor, memory map, command line, boot time", info_main);
