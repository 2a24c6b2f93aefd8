// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the ACPI table parser (drivers/acpi/tables.c).
 *
 * Build and run from the top of the tree:
 *
 *   mkdir -p build/fuzz
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *	-fno-sanitize-recover=all -D__HOST_TEST__ -I include \
 *	-include tests/unit/host_rename.h \
 *	drivers/acpi/tables.c lib/string.c lib/vsprintf.c \
 *	tests/fuzz/acpi_fuzz.c -o build/fuzz/acpi_fuzz
 *   python3 tests/fuzz/make_acpi_seeds.py tests/fuzz/corpus/acpi
 *   mkdir -p build/fuzz/corpus
 *   build/fuzz/acpi_fuzz -max_total_time=60 build/fuzz/corpus \
 *	tests/fuzz/corpus/acpi
 *
 * (-fno-sanitize-recover=all makes UBSan findings fatal, so libFuzzer
 * sees them as crashes; new inputs go to the first corpus directory,
 * keeping the checked-in seeds as they are.)
 *
 * The input is a small "physical memory" image starting at address 0,
 * with the RSDP at offset 0.  The map callback gives out [phys, phys+len)
 * only when it lies inside the input, and then as a fresh heap copy of
 * exactly len bytes: AddressSanitizer then catches a read past the length
 * the parser asked for, not merely one past the end of the whole image.
 *
 * The definition blocks the tables name (the FADT's DSDT, the SSDTs) are
 * walked too, with and without their checksums checked.
 *
 * Every input is parsed twice: as it is, and with the checksums of the
 * RSDP, the root tables and the tables they list recomputed.  Mutations
 * almost always break a checksum, and without the second pass the fuzzer
 * would spend nearly all its time on the checksum test.
 */
#include <stdint.h>
#include <stdlib.h>
#include <pvkit/acpi.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parser's warnings, not wanted: the fuzzer prints enough. */
int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* ~1000 maps at most per parse (two roots of 256 entries); with room. */
#define MAX_MAPS	4096

static const u8 *image;
static size_t image_size;
static void *maps[MAX_MAPS];
static unsigned int nr_maps;

static const void *fuzz_map(u64 phys, size_t len)
{
	void *copy;

	if (phys > image_size || len > image_size - phys || !len)
		return NULL;
	if (nr_maps == MAX_MAPS)
		abort();		/* the parser maps without bound */
	copy = malloc(len);
	if (!copy)
		abort();
	memcpy(copy, image + phys, len);
	maps[nr_maps++] = copy;
	return copy;
}

static void unmap_all(void)
{
	while (nr_maps)
		free(maps[--nr_maps]);
}

static u32 rd32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 rd64(const u8 *p)
{
	return (u64)rd32(p) | (u64)rd32(p + 4) << 32;
}

static void fix_sum(u8 *p, size_t len, size_t at)
{
	u8 sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (u8)-sum;
}

/* Fixes the table at phys if its header and length fit; returns its length. */
static u32 fix_table(u8 *img, size_t size, u64 phys)
{
	u32 len;

	if (phys > size || size - phys < 36)
		return 0;
	len = rd32(img + phys + 4);
	if (len < 36 || len > size - phys)
		return 0;
	fix_sum(img + phys, len, 9);
	return len;
}

static void fix_root(u8 *img, size_t size, u64 root, unsigned int entry_len)
{
	u32 len = fix_table(img, size, root);

	for (u32 off = 36; len && off + entry_len <= len; off += entry_len) {
		const u8 *e = img + root + off;

		fix_table(img, size, entry_len == 8 ? rd64(e) : rd32(e));
	}
	/* entries fixed: the root last, in case they overlap it */
	fix_table(img, size, root);
}

static void fix_checksums(u8 *img, size_t size)
{
	u32 len;

	if (size < 20)
		return;
	fix_root(img, size, rd32(img + 16), 4);
	if (size >= 36 && img[15] >= 2)
		fix_root(img, size, rd64(img + 24), 8);
	fix_sum(img, 20, 8);
	if (size >= 36 && img[15] >= 2) {
		len = rd32(img + 20);
		if (len >= 36 && len <= size)
			fix_sum(img, len, 32);
	}
}

/* Every byte of a block handed over is read: ASan checks its length. */
static int walk_block(const u8 *p, u32 len, unsigned int index, void *data)
{
	unsigned int *calls = data;
	u8 sum = 0;

	if (len < 36 || len > ACPI_MAX_TABLE_LEN || index > ACPI_MAX_TABLES ||
	    ++*calls > 1 + ACPI_MAX_TABLES)
		abort();
	for (u32 i = 0; i < len; i++)
		sum += p[i];
	return sum == 0x5a;	/* now and then, a walk ended early */
}

static void walk_blocks(const struct acpi_info *info)
{
	unsigned int calls = 0;
	int ret = acpi_for_each_definition_block(info, fuzz_map, 0, walk_block,
						 &calls);

	if (ret != 0 && ret != 1 && ret != -EINVAL && ret != -ENOENT)
		abort();
	calls = 0;
	acpi_for_each_definition_block(info, fuzz_map, ACPI_BLOCK_CHECKSUM,
				       walk_block, &calls);
}

static void parse_image(const u8 *img, size_t size)
{
	struct acpi_info info;
	u16 flags;

	image = img;
	image_size = size;
	if (!acpi_parse(0, fuzz_map, &info)) {
		/* the results must keep within their arrays */
		if (info.nr_tables > ACPI_MAX_TABLES ||
		    info.nr_cpus > ACPI_MAX_CPUS ||
		    info.nr_ioapics > ACPI_MAX_IOAPICS ||
		    info.nr_overrides > ACPI_MAX_OVERRIDES ||
		    info.nr_mcfg > ACPI_MAX_MCFG)
			abort();
		acpi_find(&info, "APIC");
		for (unsigned int irq = 0; irq < 16; irq++)
			acpi_isa_irq_to_gsi(&info, (u8)irq, &flags);
		walk_blocks(&info);
	}
	unmap_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *copy;

	parse_image(data, size);
	if (!size)
		return 0;
	copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	fix_checksums(copy, size);
	parse_image(copy, size);
	free(copy);
	return 0;
}
