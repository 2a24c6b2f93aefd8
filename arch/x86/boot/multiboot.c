// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot (version 1) boot information, as QEMU's multiboot option ROM
 * gives it to pvkit.bin (the Multiboot specification 0.6.96, 3.3): flags
 * say which fields are valid; the memory map is a run of entries, each
 * led by its own size (not counting the size field).
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/bootinfo.h>
#include <pvkit/string.h>
#include <asm/boot.h>
#include <asm/page.h>

#define MB1_INFO_MEMORY		(1 << 0)
#define MB1_INFO_CMDLINE	(1 << 2)
#define MB1_INFO_MODS		(1 << 3)
#define MB1_INFO_MMAP		(1 << 6)

/* A memory map longer than this is not one a loader made. */
#define MB1_MMAP_MAX_BYTES	4096

struct mb1_info {
	u32 flags;
	u32 mem_lower;		/* KiB below 1 MiB */
	u32 mem_upper;		/* KiB above 1 MiB, up to the first hole */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;
	u32 mmap_addr;
} __packed;

struct mb1_module {
	u32 start;
	u32 end;
	u32 string;
	u32 reserved;
} __packed;

struct mb1_mmap_entry {
	u32 size;		/* of the rest of the entry */
	u64 addr;
	u64 len;
	u32 type;
} __packed;

/* Before the console (struct x86_boot_entry): what is wrong goes into bi->mem_error. */
static void mb1_mmap(struct boot_info *bi, const struct mb1_info *mbi)
{
	u32 len = READ_ONCE(mbi->mmap_length);
	const u8 *p = phys_to_virt(READ_ONCE(mbi->mmap_addr));
	const u8 *end = p + len;

	if (len > MB1_MMAP_MAX_BYTES) {
		snprintf(bi->mem_error, sizeof(bi->mem_error),
			 "multiboot: memory map of %u bytes", len);
		return;
	}
	while (p + sizeof(struct mb1_mmap_entry) <= end) {
		const struct mb1_mmap_entry *e = (const void *)p;
		u32 size = READ_ONCE(e->size);

		if (size < sizeof(*e) - sizeof(e->size)) {
			snprintf(bi->mem_error, sizeof(bi->mem_error),
				 "multiboot: memory map entry size %u is too small", size);
			return;
		}
		bootinfo_add_mem(bi, e->addr, e->len, e->type);
		p += size + sizeof(e->size);
	}
}

static void mb1_modules(struct boot_info *bi, const struct mb1_info *mbi)
{
	const struct mb1_module *m = phys_to_virt(mbi->mods_addr);

	for (u32 i = 0; i < mbi->mods_count && i < BOOT_MODULES_MAX; i++) {
		if (m[i].end < m[i].start)
			continue;
		bootinfo_add_module(bi, m[i].start, m[i].end - m[i].start,
				    m[i].string ? phys_to_virt(m[i].string) : "");
	}
}

/* A bad magic leaves the map to multiboot_parse(), which says so. */
static void multiboot_read_mem(struct boot_info *bi, u32 magic, u32 mbi_phys)
{
	const struct mb1_info *mbi = phys_to_virt(mbi_phys);
	u32 flags = READ_ONCE(mbi->flags);

	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		return;
	if (flags & MB1_INFO_MMAP)
		mb1_mmap(bi, mbi);
	/* Without a map, the two sizes the loader must give describe RAM. */
	if (!bi->nr_mem && !bi->mem_error[0] && (flags & MB1_INFO_MEMORY)) {
		bootinfo_add_mem(bi, 0, (u64)mbi->mem_lower << 10, BOOT_MEM_RAM);
		bootinfo_add_mem(bi, 1ULL << 20, (u64)mbi->mem_upper << 10, BOOT_MEM_RAM);
	}
}

static void multiboot_parse(struct boot_info *bi, u32 magic, u32 mbi_phys)
{
	const struct mb1_info *mbi = phys_to_virt(mbi_phys);
	u32 flags = READ_ONCE(mbi->flags);

	bi->loader = "multiboot";
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("multiboot: bad magic %#x, expected %#x", magic,
		      MULTIBOOT_BOOTLOADER_MAGIC);
	if (flags & MB1_INFO_CMDLINE)
		bootinfo_set_cmdline(bi, phys_to_virt(mbi->cmdline), BOOT_CMDLINE_MAX);
	if (flags & MB1_INFO_MODS)
		mb1_modules(bi, mbi);
	if (!bi->nr_mem)
		panic("multiboot: the loader gave no memory map");
	bi->rsdp = acpi_find_rsdp_bios();
}

DEFINE_BOOT_ENTRY(multiboot_entry) = {
	.id = BOOT_ENTRY_MULTIBOOT,
	.read_mem = multiboot_read_mem,
	.parse = multiboot_parse,
};
