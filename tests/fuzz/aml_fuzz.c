// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the AML reader (drivers/acpi/aml.c): the input is
 * a definition block (DSDT or SSDT), its header's length field set to
 * the input's size as the table parser would have checked it, given to
 * aml_parse_table() as a heap copy of exactly that size (so
 * AddressSanitizer sees a read one byte past it), and then whatever
 * was recorded is looked up the way the kernel does, and \_S5 scanned
 * for as the power-off does from an interrupt (aml_scan_s5()).  The
 * input is also decoded as a resource template on its own.
 *
 * Seeds: QEMU 7.2's DSDTs for pc, q35 and microvm (tests/fuzz/corpus/aml,
 * copies of tests/unit/fixtures/acpi).
 *   make fuzz && build/fuzz/aml_fuzz -max_total_time=60 build/fuzz/corpus/aml tests/fuzz/corpus/aml
 */
#include <stdint.h>
#include <stdlib.h>
#include <pvkit/acpi.h>
#include <pvkit/aml.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reader's warnings, not wanted: the fuzzer prints enough. */
int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

static struct aml_ns ns;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aml_crs crs;
	const struct aml_device *dev;
	u8 *copy;
	char path[6 + 5 * AML_MAX_DEPTH];
	u8 typa, typb;

	if (size > ACPI_MAX_TABLE_LEN)
		return 0;
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (size >= 8) {
		copy[4] = size & 0xff;
		copy[5] = size >> 8 & 0xff;
		copy[6] = size >> 16 & 0xff;
		copy[7] = size >> 24 & 0xff;
	}
	memset(&ns, 0, sizeof(ns));
	aml_parse_table(&ns, copy, (u32)size);
	/* The scan the power-off uses from an interrupt: in bounds, 3 bits. */
	if (!aml_scan_s5(copy, (u32)size, &typa, &typb) && (typa > 7 || typb > 7))
		abort();
	if (ns.nr_devices > AML_MAX_DEVICES)
		abort();
	for (unsigned int i = 0; i < ns.nr_devices; i++) {
		dev = &ns.devices[i];
		if (dev->crs.nr_mem > AML_MAX_RES || dev->crs.nr_io > AML_MAX_RES ||
		    dev->crs.nr_irq > AML_MAX_RES || dev->nr_evt > AML_MAX_EVT ||
		    dev->path.depth > AML_MAX_DEPTH || strlen(dev->hid) >= sizeof(dev->hid))
			abort();
		aml_path_str(&dev->path, path, sizeof(path));
		aml_ged_power_mask(&ns, dev);
		if (aml_find_path(&ns, &dev->path) != dev)
			abort();	/* a device recorded twice */
	}
	for (dev = aml_find_hid(&ns, "LNRO0005", NULL); dev;
	     dev = aml_find_hid(&ns, "LNRO0005", dev))
		;
	if (ns.nr_prt_pkgs > AML_MAX_PRT_PKGS || ns.nr_prt_links > AML_MAX_PRT_LINKS)
		abort();
	for (unsigned int i = 0; i < ns.nr_prt_pkgs; i++) {
		if (ns.prt_pkgs[i].nr > AML_MAX_PRT)
			abort();
		for (unsigned int j = 0; j < ns.prt_pkgs[i].nr; j++) {
			u8 link = ns.prt_pkgs[i].e[j].link;

			if (link != AML_PRT_NO_LINK && link >= ns.nr_prt_links)
				abort();
		}
	}
	/* Every slot and pin routed as the PCI code asks (and a few it never does). */
	for (unsigned int slot = 0; slot < 34; slot++)
		for (u8 pin = 0; pin <= 5; pin++) {
			u16 flags;
			int gsi = aml_prt_route(&ns, (u8)slot, pin, &flags);

			if (gsi > 0xffffff || (gsi >= 0 && (slot > 31 || !pin || pin > 4)))
				abort();
		}
	free(copy);

	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	aml_decode_crs(copy, (u32)size, &crs);
	free(copy);
	return 0;
}
