// SPDX-License-Identifier: GPL-2.0
/* Helpers the entry points use to fill the boot-info record. */
#include <pvkit/kernel.h>
#include <pvkit/bootinfo.h>
#include <pvkit/string.h>

/*
 * In .bss.early, which the linker script puts at the start of .bss: the
 * memory map is read into it before the machine is known to hold all of
 * .bss (arch/x86/boot/setup.c).
 */
struct boot_info boot_info __section(".bss.early");

/* Called before the console is up: what does not fit is counted, and reported by bootinfo_finish(). */
void bootinfo_add_mem(struct boot_info *bi, u64 addr, u64 size, u32 type)
{
	if (!size)
		return;
	if (bi->nr_mem >= BOOT_MEMMAP_MAX) {
		bi->nr_mem_dropped++;
		return;
	}
	bi->mem[bi->nr_mem++] = (struct boot_mem_range){ addr, size, type };
}

void bootinfo_add_module(struct boot_info *bi, u64 addr, u64 size,
			 const char *cmdline)
{
	struct boot_module *m;

	if (bi->nr_modules == BOOT_MODULES_MAX) {
		pr_warn("boot: more than %d modules, rest ignored\n", BOOT_MODULES_MAX);
		return;
	}
	m = &bi->modules[bi->nr_modules++];
	m->addr = addr;
	m->size = size;
	strlcpy(m->cmdline, cmdline ? cmdline : "", sizeof(m->cmdline));
}

/* s may not be terminated within max bytes: loaders are not trusted. */
void bootinfo_set_cmdline(struct boot_info *bi, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n >= sizeof(bi->cmdline)) {
		n = sizeof(bi->cmdline) - 1;
		bi->cmdline_truncated = true;
	}
	memcpy(bi->cmdline, s, n);
	bi->cmdline[n] = '\0';
}

/* Sorts the memory map by address; loaders do not promise an order. */
void bootinfo_finish(struct boot_info *bi)
{
	if (bi->nr_mem_dropped)
		pr_warn("boot: memory map has more than %d entries, %u dropped\n",
			BOOT_MEMMAP_MAX, bi->nr_mem_dropped);
	for (unsigned int i = 1; i < bi->nr_mem; i++) {
		struct boot_mem_range r = bi->mem[i];
		unsigned int j = i;

		for (; j > 0 && bi->mem[j - 1].addr > r.addr; j--)
			bi->mem[j] = bi->mem[j - 1];
		bi->mem[j] = r;
	}
}

const char *boot_mem_type_name(u32 type)
{
	static const char *const names[] = {
		[BOOT_MEM_RAM] = "RAM",
		[BOOT_MEM_RESERVED] = "reserved",
		[BOOT_MEM_ACPI] = "ACPI data",
		[BOOT_MEM_NVS] = "ACPI NVS",
		[BOOT_MEM_UNUSABLE] = "unusable",
		[BOOT_MEM_DISABLED] = "disabled",
		[BOOT_MEM_PMEM] = "persistent",
	};

	if (type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return "unknown";
}

u64 bootinfo_ram_total(const struct boot_info *bi)
{
	u64 total = 0;

	for (unsigned int i = 0; i < bi->nr_mem; i++) {
		if (bi->mem[i].type == BOOT_MEM_RAM)
			total += bi->mem[i].size;
	}
	return total;
}

/*
 * Where the RAM that holds addr ends: RAM ranges that touch or overlap
 * are one, in whatever order the map has them (it may not be sorted yet).
 * addr itself if it is not RAM.
 */
u64 bootinfo_ram_end(const struct boot_info *bi, u64 addr)
{
	u64 end = addr;
	bool grew = true;

	/* Each pass that grows takes in one more range: nr_mem passes at most. */
	for (unsigned int pass = 0; grew && pass < bi->nr_mem; pass++) {
		grew = false;
		for (unsigned int i = 0; i < bi->nr_mem; i++) {
			const struct boot_mem_range *r = &bi->mem[i];
			u64 r_end = r->addr + r->size;

			if (r_end < r->addr)	/* wraps: up to the top */
				r_end = ~0ULL;
			if (r->type == BOOT_MEM_RAM && r->addr <= end && r_end > end) {
				end = r_end;
				grew = true;
			}
		}
	}
	return end;
}
