// SPDX-License-Identifier: GPL-2.0
/* The boot-info record every entry point fills, and the command line. */
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/bootinfo.h>
#include <pvkit/cmdline.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <asm/page.h>
#include <asm/processor.h>

static void memmap_is_sorted_and_disjoint(struct ktest *t)
{
	const struct boot_info *bi = &boot_info;

	KT_ASSERT_GT(t, bi->nr_mem, 0);
	for (unsigned int i = 0; i < bi->nr_mem; i++) {
		KT_EXPECT_GT(t, bi->mem[i].size, 0);
		KT_EXPECT_GE(t, bi->mem[i].type, BOOT_MEM_RAM);
		if (i == 0)
			continue;
		/* RAM must not overlap anything: the allocator trusts it */
		if (bi->mem[i].type == BOOT_MEM_RAM || bi->mem[i - 1].type == BOOT_MEM_RAM)
			KT_EXPECT_LE(t, bi->mem[i - 1].addr + bi->mem[i - 1].size,
				     bi->mem[i].addr);
		KT_EXPECT_LE(t, bi->mem[i - 1].addr, bi->mem[i].addr);
	}
}

static void memmap_has_the_ram_we_run_in(struct ktest *t)
{
	const struct boot_info *bi = &boot_info;
	u64 start = kernel_phys_start(), end = kernel_phys_end();
	bool image_in_ram = false;

	for (unsigned int i = 0; i < bi->nr_mem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];

		if (r->type == BOOT_MEM_RAM && r->addr <= start &&
		    end <= r->addr + r->size)
			image_in_ram = true;
	}
	KT_EXPECT_TRUE(t, image_in_ram);
	/*
	 * No machine size is assumed (32 MiB to 8 GiB run in the matrix):
	 * the map's RAM holds the image and every page the allocator has.
	 */
	KT_EXPECT_GE(t, bootinfo_ram_total(bi), end - start);
	KT_EXPECT_GE(t, bootinfo_ram_total(bi), (u64)nr_free_pages() * PAGE_SIZE);
}

static void loader_and_entry_time_recorded(struct ktest *t)
{
	KT_ASSERT_NOT_NULL(t, boot_info.loader);
	KT_EXPECT_TRUE(t, !strcmp(boot_info.loader, "PVH") ||
		       !strcmp(boot_info.loader, "multiboot2") ||
		       !strcmp(boot_info.loader, "multiboot") ||
		       !strcmp(boot_info.loader, "Xen PV"));
	KT_EXPECT_GT(t, boot_info.entry_tsc, 0);
	KT_EXPECT_LT(t, boot_info.entry_tsc, rdtsc());
}

static void cmdline_round_trips(struct ktest *t)
{
	/* We run because the command line said app=selftest. */
	KT_EXPECT_STREQ(t, param_get("app"), "selftest");
	KT_EXPECT_STREQ(t, params_raw(), boot_info.cmdline);
	KT_EXPECT_NULL(t, param_get("no-such-parameter"));
}

/* Each parameter, printed back, parses to itself. */
static void cmdline_reparses_to_itself(struct ktest *t)
{
	for (unsigned int i = 0; i < params_count(); i++) {
		const struct cmdline_param *p = param_at(i);
		struct cmdline_param q;
		char buf[CMDLINE_KEY_MAX + CMDLINE_VAL_MAX + 4];

		snprintf(buf, sizeof(buf), p->has_val ? "%s=\"%s\"" : "%s",
			 p->key, p->val);
		KT_ASSERT_NOT_NULL(t, cmdline_next(buf, &q));
		KT_EXPECT_STREQ(t, q.key, p->key);
		KT_EXPECT_STREQ(t, q.val, p->val);
		KT_EXPECT_EQ(t, q.has_val, p->has_val);
	}
	KT_EXPECT_GT(t, params_count(), 0);
}

static void rsdp_is_valid_when_present(struct ktest *t)
{
	const u8 *p;
	u8 sum = 0;

	if (!boot_info.rsdp) {
		ktest_skip(t, "no ACPI RSDP on this platform");
		return;
	}
	p = phys_to_virt(boot_info.rsdp);
	KT_EXPECT_MEMEQ(t, p, "RSD PTR ", 8);
	for (int i = 0; i < 20; i++)
		sum += p[i];
	KT_EXPECT_EQ(t, sum, 0);
}

/* A map of its own for the helpers: the real one is what it is. */
static struct boot_info scratch;

static void scratch_map(const struct boot_mem_range *r, unsigned int n)
{
	memset(&scratch, 0, sizeof(scratch));
	for (unsigned int i = 0; i < n; i++)
		bootinfo_add_mem(&scratch, r[i].addr, r[i].size, r[i].type);
}

/*
 * What the boot's size check reads (arch/x86/boot/setup.c): the end of
 * the RAM holding an address, ranges joined where they touch or
 * overlap, in whatever order the loader gave them.
 */
static void memmap_ram_end_joins_ranges(struct ktest *t)
{
	static const struct boot_mem_range map[] = {
		{ 0x300000, 0x100000, BOOT_MEM_RAM },
		{ 0x280000, 0x80000, BOOT_MEM_RESERVED },
		{ 0x200000, 0x80000, BOOT_MEM_RAM },
		{ 0x100000, 0x100000, BOOT_MEM_RAM },
		{ 0x180000, 0x10000, BOOT_MEM_RAM },	/* inside another */
		{ 0, 0x9fc00, BOOT_MEM_RAM },
		{ 0xfffffffffff00000ULL, 0x200000, BOOT_MEM_RAM },	/* wraps */
	};
	/* An address, and where its RAM ends: itself where it is not RAM. */
	static const u64 cases[][2] = {
		{ 0x100000, 0x280000 }, { 0x27ffff, 0x280000 }, { 0x300000, 0x400000 },
		{ 0x50000, 0x9fc00 }, { 0x280000, 0x280000 }, { 0x400000, 0x400000 },
		{ 0xa0000, 0xa0000 }, { 0xfffffffffff80000ULL, ~0ULL },
	};

	scratch_map(map, ARRAY_SIZE(map));
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
		KT_EXPECT_EQ(t, bootinfo_ram_end(&scratch, cases[i][0]), cases[i][1]);
}

/* More entries than the map holds: the first are kept, the rest counted. */
static void memmap_overflow_is_counted(struct ktest *t)
{
	memset(&scratch, 0, sizeof(scratch));
	for (unsigned int i = 0; i < BOOT_MEMMAP_MAX + 6; i++)
		bootinfo_add_mem(&scratch, (u64)i << 20, 4096, BOOT_MEM_RAM);
	bootinfo_add_mem(&scratch, 0, 0, BOOT_MEM_RAM);	/* empty: not an entry */
	KT_EXPECT_EQ(t, scratch.nr_mem, BOOT_MEMMAP_MAX);
	KT_EXPECT_EQ(t, scratch.nr_mem_dropped, 6);
	KT_EXPECT_EQ(t, scratch.mem[BOOT_MEMMAP_MAX - 1].addr, (u64)(BOOT_MEMMAP_MAX - 1) << 20);
}

/* Nothing else ever touches this: what it holds is what the loader left. */
static u8 untouched_bss[8192] __aligned(4096);

static void loader_zeroed_bss(struct ktest *t)
{
	const volatile u8 *p = untouched_bss;
	unsigned int nonzero = 0;

	for (unsigned int i = 0; i < sizeof(untouched_bss); i++)
		nonzero += p[i] != 0;
	KT_EXPECT_EQ(t, nonzero, 0);
}

static const struct ktest_case bootinfo_cases[] = {
	KTEST_CASE(memmap_is_sorted_and_disjoint),
	KTEST_CASE(memmap_has_the_ram_we_run_in),
	KTEST_CASE(memmap_ram_end_joins_ranges),
	KTEST_CASE(memmap_overflow_is_counted),
	KTEST_CASE(loader_and_entry_time_recorded),
	KTEST_CASE(cmdline_round_trips),
	KTEST_CASE(cmdline_reparses_to_itself),
	KTEST_CASE(rsdp_is_valid_when_present),
	KTEST_CASE(loader_zeroed_bss),
	{}
};
KTEST_SUITE(bootinfo, bootinfo_cases);
