/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the boot loader told us, normalised: every entry point (PVH,
 * multiboot2, ...) fills one of these and calls start_kernel().  All of it
 * is copied out of the loader's structures, whose memory the page
 * allocator may hand out later.
 */
#ifndef _PVKIT_BOOTINFO_H
#define _PVKIT_BOOTINFO_H

#include <pvkit/types.h>

#define BOOT_MEMMAP_MAX		64
#define BOOT_MODULES_MAX	8
#define BOOT_CMDLINE_MAX	1024

/* The e820 / hvm_memmap_table types, shared by every loader we know. */
enum boot_mem_type {
	BOOT_MEM_RAM = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI = 3,
	BOOT_MEM_NVS = 4,
	BOOT_MEM_UNUSABLE = 5,
	BOOT_MEM_DISABLED = 6,
	BOOT_MEM_PMEM = 7,
};

struct boot_mem_range {
	u64 addr;
	u64 size;
	u32 type;
};

struct boot_module {
	u64 addr;
	u64 size;
	char cmdline[128];
};

struct boot_info {
	const char *loader;		/* "PVH", "multiboot2" */
	char cmdline[BOOT_CMDLINE_MAX];
	bool cmdline_truncated;
	unsigned int nr_mem;
	struct boot_mem_range mem[BOOT_MEMMAP_MAX];
	unsigned int nr_mem_dropped;	/* entries past BOOT_MEMMAP_MAX */
	char mem_error[96];		/* why the loader's map could not be read */
	unsigned int nr_modules;
	struct boot_module modules[BOOT_MODULES_MAX];
	u64 rsdp;			/* physical address of the ACPI RSDP, or 0 */
	u64 entry_tsc;			/* TSC at the first instruction */
};

extern struct boot_info boot_info;

void bootinfo_add_mem(struct boot_info *bi, u64 addr, u64 size, u32 type);
void bootinfo_add_module(struct boot_info *bi, u64 addr, u64 size,
			 const char *cmdline);
void bootinfo_set_cmdline(struct boot_info *bi, const char *s, size_t max);
void bootinfo_finish(struct boot_info *bi);
const char *boot_mem_type_name(u32 type);
u64 bootinfo_ram_total(const struct boot_info *bi);
u64 bootinfo_ram_end(const struct boot_info *bi, u64 addr);

void __attribute__((noreturn)) start_kernel(struct boot_info *bi);

#endif
