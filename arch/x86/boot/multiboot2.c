// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot2 boot information (the Multiboot2 specification, 3.6): a
 * header of total_size and reserved, then 8-byte aligned tags of type and
 * size, ended by a tag of type 0.
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/bootinfo.h>
#include <pvkit/string.h>
#include <asm/boot.h>
#include <asm/page.h>

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_MODULE		3
#define MB2_TAG_MMAP		6
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15

struct mb2_tag {
	u32 type;
	u32 size;
};

struct mb2_mmap_entry {
	u64 addr;
	u64 len;
	u32 type;
	u32 reserved;
};

/* The RSDP handed over in an ACPI tag, in case the firmware's is not reachable. */
static u8 rsdp_copy[36] __aligned(16);

/* Before the console (struct x86_boot_entry): what is wrong goes into bi->mem_error. */
static void mb2_mmap(struct boot_info *bi, u32 type, const struct mb2_tag *tag, u32 size)
{
	const u32 *hdr = (const u32 *)(tag + 1);
	u32 entry_size = READ_ONCE(hdr[0]);
	const u8 *p = (const u8 *)(hdr + 2);
	const u8 *end = (const u8 *)tag + size;

	if (entry_size < sizeof(struct mb2_mmap_entry)) {
		snprintf(bi->mem_error, sizeof(bi->mem_error),
			 "multiboot2: memory map entry size %u is too small", entry_size);
		return;
	}
	for (; p + entry_size <= end; p += entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;

		bootinfo_add_mem(bi, e->addr, e->len, e->type);
	}
}

static void mb2_module(struct boot_info *bi, const struct mb2_tag *tag)
{
	const u32 *m = (const u32 *)(tag + 1);

	if (m[1] < m[0])
		return;
	bootinfo_add_module(bi, m[0], m[1] - m[0], (const char *)(m + 2));
}

static void mb2_acpi(struct boot_info *bi, u32 type, const struct mb2_tag *tag, u32 size)
{
	size_t len = size - sizeof(*tag);

	if (bi->rsdp && type == MB2_TAG_ACPI_OLD)
		return;		/* prefer the ACPI 2.0 one */
	memcpy(rsdp_copy, tag + 1, min(len, sizeof(rsdp_copy)));
	bi->rsdp = virt_to_phys(rsdp_copy);
}

typedef void (*mb2_tag_fn)(struct boot_info *bi, u32 type, const struct mb2_tag *tag,
			   u32 size);

/*
 * The tags after the information's header, to the end tag: fn for each
 * one of type (0: every one), with its type and size as read once and
 * checked here.  Returns the first tag whose size is bad, or NULL.
 */
static const struct mb2_tag *mb2_walk(struct boot_info *bi, const u8 *mbi, u32 type,
				      mb2_tag_fn fn)
{
	u32 total = READ_ONCE(*(const u32 *)mbi);
	const u8 *p = mbi + 8, *end = mbi + total;

	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *tag = (const void *)p;
		u32 tag_type = READ_ONCE(tag->type), size = READ_ONCE(tag->size);

		if (tag_type == MB2_TAG_END)
			break;
		if (size < sizeof(*tag) || p + size > end)
			return tag;
		if (!type || tag_type == type)
			fn(bi, tag_type, tag, size);
		p += ALIGN_UP(size, 8);
	}
	return NULL;
}

static void multiboot2_read_mem(struct boot_info *bi, u32 magic, u32 mbi_phys)
{
	const u8 *mbi = phys_to_virt(mbi_phys);
	const struct mb2_tag *bad;

	if (magic != MULTIBOOT2_BOOTLOADER_MAGIC)
		return;		/* multiboot2_parse() says so */
	bad = mb2_walk(bi, mbi, MB2_TAG_MMAP, mb2_mmap);
	if (bad)
		snprintf(bi->mem_error, sizeof(bi->mem_error),
			 "multiboot2: tag %u at %#lx has bad size %u", bad->type,
			 (unsigned long)((const u8 *)bad - mbi), bad->size);
}

static void mb2_tag(struct boot_info *bi, u32 type, const struct mb2_tag *tag, u32 size)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		bootinfo_set_cmdline(bi, (const char *)(tag + 1), size - sizeof(*tag));
		break;
	case MB2_TAG_MODULE:
		mb2_module(bi, tag);
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		mb2_acpi(bi, type, tag, size);
		break;
	}
}

static void multiboot2_parse(struct boot_info *bi, u32 magic, u32 mbi_phys)
{
	const u8 *mbi = phys_to_virt(mbi_phys);
	const struct mb2_tag *bad;

	bi->loader = "multiboot2";
	if (magic != MULTIBOOT2_BOOTLOADER_MAGIC)
		panic("multiboot2: bad magic %#x, expected %#x", magic,
		      MULTIBOOT2_BOOTLOADER_MAGIC);
	bad = mb2_walk(bi, mbi, 0, mb2_tag);
	if (bad)
		panic("multiboot2: tag %u at %#lx has bad size %u", bad->type,
		      (unsigned long)((const u8 *)bad - mbi), bad->size);

	/* The firmware's own copy is the one to use where there is one. */
	if (bi->rsdp == virt_to_phys(rsdp_copy)) {
		u64 bios = acpi_find_rsdp_bios();

		if (bios && !memcmp(phys_to_virt(bios), rsdp_copy, 20))
			bi->rsdp = bios;
	}
	if (!bi->nr_mem)
		panic("multiboot2: the loader gave no memory map");
}

DEFINE_BOOT_ENTRY(multiboot2_entry) = {
	.id = BOOT_ENTRY_MULTIBOOT2,
	.read_mem = multiboot2_read_mem,
	.parse = multiboot2_parse,
};
