// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's own ACPI tables, through the direct map, and the RSDP
 * where a legacy BIOS leaves it.  Kept apart from tables.c so that the
 * parser itself stays buildable on the host.
 */
#include <asm/page.h>
#include <pvkit/acpi.h>
#include <pvkit/aml.h>
#include <pvkit/bootinfo.h>
#include <pvkit/kernel.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>

static struct acpi_info acpi_info;
static bool acpi_parsed;
static bool acpi_ok;
static struct aml_ns *aml_ns;
static bool ns_read;

/* Firmware tables live in the first 4 GiB, all of it in the direct map. */
static const void *acpi_direct_map(u64 phys, size_t len)
{
	if (phys >= DIRECT_MAP_SIZE || len > DIRECT_MAP_SIZE - phys)
		return NULL;
	return phys_to_virt(phys);
}

const struct acpi_info *acpi_get(void)
{
	if (!acpi_parsed) {
		acpi_parsed = true;
		acpi_ok = boot_info.rsdp &&
			  !acpi_parse(boot_info.rsdp, acpi_direct_map, &acpi_info);
	}
	return acpi_ok ? &acpi_info : NULL;
}

/* What reading the namespace met: the namespace, and which blocks were read. */
struct ns_load {
	struct aml_ns *ns;
	u32 dsdt_len;		/* 0: the DSDT was not read */
	unsigned int ssdts;
};

/* One definition block into the namespace; its problems are aml.c's to tell. */
static int ns_load_block(const u8 *p, u32 len, unsigned int index, void *data)
{
	struct ns_load *l = data;

	aml_parse_table(l->ns, p, len);
	if (index)
		l->ssdts++;
	else
		l->dsdt_len = len;
	return 0;
}

const struct aml_ns *acpi_namespace(void)
{
	const struct acpi_info *info = acpi_get();
	struct ns_load l = {};

	if (ns_read)
		return aml_ns;
	ns_read = true;
	if (!info || !info->dsdt)
		return NULL;
	l.ns = kzalloc(sizeof(*l.ns));
	if (!l.ns) {
		pr_warn("acpi: no memory for the namespace\n");
		return NULL;
	}
	acpi_for_each_definition_block(info, acpi_direct_map,
				       ACPI_BLOCK_CHECKSUM, ns_load_block, &l);
	if (!l.dsdt_len) {
		kfree(l.ns);
		return NULL;
	}
	/* The DSDT's length tells which firmware's it is (docs/platform.md). */
	pr_info("acpi: namespace: %u devices from the DSDT (%u bytes) and %u SSDTs%s\n",
		l.ns->nr_devices, l.dsdt_len, l.ssdts,
		l.ns->has_s5 ? ", \\_S5" : "");
	aml_ns = l.ns;
	return aml_ns;
}

bool acpi_namespace_read(void)
{
	return ns_read;
}

/* What the \_S5 scan found over the blocks so far. */
struct s5_scan {
	u8 typ[2];
	bool found;
	bool bad;		/* some block's \_S5 malformed */
};

/* aml_scan_s5() over one block: the last \_S5 found wins, as in the namespace. */
static __attribute__((__cold__)) int s5_block(const u8 *p, u32 len,
					      unsigned int index, void *data)
{
	struct s5_scan *s = data;
	u8 a, b;
	int err = aml_scan_s5(p, len, &a, &b);

	if (!err) {
		s->typ[0] = a;
		s->typ[1] = b;
		s->found = true;
	} else if (err != -ENOENT) {
		s->bad = true;
	}
	return 0;
}

__attribute__((__cold__)) int acpi_scan_s5(u8 *typa, u8 *typb)
{
	const struct acpi_info *info = acpi_get();
	struct s5_scan s = {};
	int err;

	if (!info || !info->dsdt)
		return -ENOENT;
	err = acpi_for_each_definition_block(info, acpi_direct_map,
					     ACPI_BLOCK_CHECKSUM, s5_block, &s);
	if (s.found) {
		*typa = s.typ[0];
		*typb = s.typ[1];
		return 0;
	}
	return s.bad || err == -EINVAL ? -EINVAL : -ENOENT;
}

/*
 * Whether s (n bytes, 1-255) is in p: Horspool's search, which steps by
 * up to n bytes on the byte under the pattern's end.  A byte-by-byte
 * memchr() took some 80 k instructions for q35's 8 KiB DSDT.
 */
static bool bytes_in(const u8 *p, u32 len, const char *s, size_t n)
{
	u8 step[256];

	memset(step, (int)n, sizeof(step));
	for (size_t i = 0; i + 1 < n; i++)
		step[(u8)s[i]] = n - 1 - i;
	for (u32 i = 0; n <= len && i <= len - n; i += step[p[i + n - 1]]) {
		if (p[i + n - 1] == (u8)s[n - 1] && !memcmp(p + i, s, n))
			return true;
	}
	return false;
}

/* The _HID looked for in each block's bytes. */
struct hid_scan {
	const char *hid;
	size_t n;
};

static int hid_block(const u8 *p, u32 len, unsigned int index, void *data)
{
	const struct hid_scan *h = data;

	return bytes_in(p, len, h->hid, h->n);
}

/*
 * Whether some definition block may give a device the _HID hid.  The
 * reader evaluates nothing: a string _HID it finds is a string in the
 * AML, so a block without hid's bytes has no such device, which a scan
 * tells for a few per cent of what reading the namespace costs (q35's
 * 8 KiB DSDT has no virtio-mmio devices to find).  Ids of the EISA form
 * (7 characters: integers in the AML), ids with '?' (what the reader
 * makes of a byte it cannot print) and longer ones are not judged so.
 */
bool acpi_hid_maybe_declared(const char *hid)
{
	const struct acpi_info *info = acpi_get();
	struct hid_scan h = { .hid = hid, .n = strlen(hid) };

	if (!info || !info->dsdt)
		return false;
	if (h.n == 7 || !h.n || h.n > 255 || strchr(hid, '?'))
		return true;
	/* The bytes as mapped, unchecksummed: what is found is read checked. */
	return acpi_for_each_definition_block(info, acpi_direct_map, 0,
					      hid_block, &h) > 0;
}

const struct aml_device *acpi_find_hid(const char *hid, const struct aml_device *from)
{
	const struct aml_ns *ns;

	if (!from && !ns_read && !acpi_hid_maybe_declared(hid))
		return NULL;
	ns = acpi_namespace();
	return ns ? aml_find_hid(ns, hid, from) : NULL;
}

static bool rsdp_checksum_ok(const u8 *p)
{
	u8 sum = 0;

	for (int i = 0; i < 20; i++)
		sum += p[i];
	return sum == 0;
}

static u64 rsdp_scan(phys_addr_t start, size_t len)
{
	for (size_t off = 0; off + 20 <= len; off += 16) {
		const u8 *p = phys_to_virt(start + off);

		if (!memcmp(p, "RSD PTR ", 8) && rsdp_checksum_ok(p))
			return start + off;
	}
	return 0;
}

/*
 * Legacy BIOS places the RSDP in the first KiB of the EBDA or in
 * 0xe0000-0xfffff (ACPI 6.5, 5.2.5.1).  Used when the loader gave none.
 */
u64 acpi_find_rsdp_bios(void)
{
	u16 ebda_seg = *(const u16 *)phys_to_virt(0x40e);
	u64 rsdp = 0;

	if (ebda_seg && (ebda_seg << 4) < 0xa0000)
		rsdp = rsdp_scan((phys_addr_t)ebda_seg << 4, 1024);
	if (!rsdp)
		rsdp = rsdp_scan(0xe0000, 0x20000);
	return rsdp;
}
