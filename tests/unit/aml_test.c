// SPDX-License-Identifier: GPL-2.0
/*
 * The AML reader (drivers/acpi/aml.c) and the FADT's power fields
 * (drivers/acpi/tables.c) over the tables QEMU 7.2 really builds for pc,
 * q35 and microvm (tests/unit/fixtures/acpi, README there), and over
 * hostile variants of them: every truncation, every PkgLength and name
 * made to overrun, nesting past the limit.  Each buffer is a heap copy
 * of exactly the table's length, so AddressSanitizer catches a read one
 * byte past it.
 */
#include <stdlib.h>
#include <string.h>
#include <pvkit/acpi.h>
#include <pvkit/aml.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>

#define INCBIN(sym, file)						\
	__asm__(".section .rodata\n.balign 16\n" #sym ":\n"		\
		".incbin \"" FIXTURE_DIR "/" file "\"\n" #sym "_end:\n.previous")
#define BLOB(sym) extern const unsigned char sym[], sym##_end[]

INCBIN(pc_dsdt, "pc/DSDT.dat");
INCBIN(q35_dsdt, "q35/DSDT.dat");
INCBIN(mvm_dsdt, "microvm/DSDT.dat");
INCBIN(xen_dsdt, "xen-hvm/DSDT.dat");
INCBIN(pc_facp, "pc/FACP.dat");
INCBIN(q35_facp, "q35/FACP.dat");
INCBIN(mvm_facp, "microvm/FACP.dat");
BLOB(pc_dsdt); BLOB(q35_dsdt); BLOB(mvm_dsdt); BLOB(xen_dsdt);
BLOB(pc_facp); BLOB(q35_facp); BLOB(mvm_facp);

static struct aml_ns ns;

/* A heap copy of len bytes with the header's length set to len. */
static unsigned char *copy(const unsigned char *p, size_t len)
{
	unsigned char *c = malloc(len);

	memcpy(c, p, len);
	if (len >= 8) {
		c[4] = len & 0xff;
		c[5] = len >> 8 & 0xff;
		c[6] = len >> 16 & 0xff;
		c[7] = len >> 24;
	}
	return c;
}

static int parse(const unsigned char *p, const unsigned char *end)
{
	size_t len = (size_t)(end - p);
	unsigned char *c = copy(p, len);
	int err;

	memset(&ns, 0, sizeof(ns));
	err = aml_parse_table(&ns, c, len);
	free(c);
	return err;
}

static const struct aml_device *by_name(const char *path)
{
	char buf[100];

	for (unsigned int i = 0; i < ns.nr_devices; i++) {
		aml_path_str(&ns.devices[i].path, buf, sizeof(buf));
		if (!strcmp(buf, path))
			return &ns.devices[i];
	}
	return NULL;
}

#define LEVEL_HIGH	(ACPI_INTI_TRIGGER_LEVEL | ACPI_INTI_POLARITY_HIGH)
#define EDGE_HIGH	(ACPI_INTI_TRIGGER_EDGE | ACPI_INTI_POLARITY_HIGH)

static void aml_microvm_devices(struct ktest *t)
{
	const struct aml_device *vr, *ged, *com;
	unsigned int n = 0;

	KT_ASSERT_EQ(t, parse(mvm_dsdt, mvm_dsdt_end), 0);
	KT_EXPECT_EQ(t, ns.nr_devices, 7);
	for (vr = aml_find_hid(&ns, "LNRO0005", NULL); vr;
	     vr = aml_find_hid(&ns, "LNRO0005", vr), n++) {
		KT_EXPECT_TRUE(t, vr->has_crs);
		KT_EXPECT_EQ(t, vr->crs.nr_mem, 1);
		KT_EXPECT_EQ(t, vr->crs.mem[0].len, 0x200);
		KT_EXPECT_EQ(t, vr->crs.nr_irq, 1);
		KT_EXPECT_EQ(t, vr->crs.irq[0].flags, LEVEL_HIGH);
		/* QEMU: transport n at 0xfeb00000 + 512 n, GSI 24 + n. */
		KT_EXPECT_EQ(t, vr->crs.mem[0].base,
			     0xfeb00000ULL + 0x200 * (vr->crs.irq[0].gsi - 24));
		KT_EXPECT_EQ(t, vr->uid, vr->crs.irq[0].gsi - 24);
	}
	KT_EXPECT_EQ(t, n, 2);
	vr = by_name("\\_SB_.VR23");
	KT_ASSERT_NOT_NULL(t, vr);
	KT_EXPECT_EQ(t, vr->crs.mem[0].base, 0xfeb02e00);
	KT_EXPECT_EQ(t, vr->crs.irq[0].gsi, 47);

	/* COM1's _HID is EISAID("PNP0501"), an integer. */
	com = aml_find_hid(&ns, "PNP0501", NULL);
	KT_ASSERT_NOT_NULL(t, com);
	KT_EXPECT_EQ(t, com->crs.nr_io, 1);
	KT_EXPECT_EQ(t, com->crs.io[0].base, 0x3f8);
	KT_EXPECT_EQ(t, com->crs.io[0].len, 8);
	KT_EXPECT_EQ(t, com->crs.irq[0].gsi, 4);
	KT_EXPECT_EQ(t, com->crs.irq[0].flags, EDGE_HIGH);
	KT_EXPECT_TRUE(t, com->has_sta);
	KT_EXPECT_EQ(t, com->sta, 0xf);

	ged = aml_find_hid(&ns, "ACPI0013", NULL);
	KT_ASSERT_NOT_NULL(t, ged);
	KT_EXPECT_EQ(t, ged->crs.nr_irq, 1);
	KT_EXPECT_EQ(t, ged->crs.irq[0].gsi, 9);
	KT_EXPECT_EQ(t, ged->crs.irq[0].flags, EDGE_HIGH);
	KT_EXPECT_TRUE(t, ged->has_region);
	KT_EXPECT_EQ(t, ged->region_space, 0);
	KT_EXPECT_EQ(t, ged->region_base, 0xfea00000);
	KT_EXPECT_EQ(t, ged->region_len, 4);
	/* _EVT: If ((Local0 & 2) == 2) Notify (PWRB, 0x80), PWRB PNP0C0C. */
	KT_EXPECT_EQ(t, aml_ged_power_mask(&ns, ged), 2);
	KT_EXPECT_EQ(t, aml_ged_power_mask(&ns, com), 0);

	KT_EXPECT_TRUE(t, ns.has_s5);
	KT_EXPECT_EQ(t, ns.s5_typa, 5);
}

static void aml_pc_devices(struct ktest *t)
{
	const struct aml_device *pci, *hpet, *kbd;

	KT_ASSERT_EQ(t, parse(pc_dsdt, pc_dsdt_end), 0);
	KT_EXPECT_NULL(t, aml_find_hid(&ns, "LNRO0005", NULL));
	KT_EXPECT_NULL(t, aml_find_hid(&ns, "ACPI0013", NULL));
	pci = aml_find_hid(&ns, "PNP0A03", NULL);
	KT_ASSERT_NOT_NULL(t, pci);
	/* DWordMemory windows: VGA, 32-bit above RAM; QWord above 4 GiB. */
	KT_EXPECT_EQ(t, pci->crs.nr_mem, 3);
	KT_EXPECT_EQ(t, pci->crs.mem[0].base, 0xa0000);
	KT_EXPECT_EQ(t, pci->crs.mem[0].len, 0x20000);
	KT_EXPECT_EQ(t, pci->crs.mem[2].base, 0x100000000ULL);
	/* IO (0xcf8) and two WordIO windows. */
	KT_EXPECT_EQ(t, pci->crs.nr_io, 3);
	KT_EXPECT_EQ(t, pci->crs.io[0].base, 0xcf8);
	KT_EXPECT_EQ(t, pci->crs.io[2].base, 0xd00);
	KT_EXPECT_EQ(t, pci->crs.io[2].len, 0xf300);
	hpet = aml_find_hid(&ns, "PNP0103", NULL);
	KT_ASSERT_NOT_NULL(t, hpet);
	KT_EXPECT_EQ(t, hpet->crs.mem[0].base, 0xfed00000);
	kbd = by_name("\\_SB_.PCI0.S08_.KBD_");
	KT_ASSERT_NOT_NULL(t, kbd);
	KT_EXPECT_STREQ(t, kbd->hid, "PNP0303");
	KT_EXPECT_EQ(t, kbd->crs.nr_io, 2);
	KT_EXPECT_EQ(t, kbd->crs.irq[0].gsi, 1);
	KT_EXPECT_TRUE(t, ns.has_s5);
	KT_EXPECT_EQ(t, ns.s5_typa, 0);
	KT_EXPECT_EQ(t, ns.s5_typb, 0);
}

static void aml_q35_devices(struct ktest *t)
{
	const struct aml_device *pci, *gsi;

	KT_ASSERT_EQ(t, parse(q35_dsdt, q35_dsdt_end), 0);
	pci = aml_find_hid(&ns, "PNP0A08", NULL);
	KT_ASSERT_NOT_NULL(t, pci);
	KT_EXPECT_EQ(t, pci->crs.nr_mem, 4);
	KT_EXPECT_EQ(t, pci->crs.mem[3].base, 0x100000000ULL);
	KT_EXPECT_EQ(t, pci->crs.mem[3].len, 0x800000000ULL);
	/* The GSI link devices: Interrupt (, Level, ActiveHigh) {16..23}. */
	gsi = by_name("\\_SB_.GSIH");
	KT_ASSERT_NOT_NULL(t, gsi);
	KT_EXPECT_STREQ(t, gsi->hid, "PNP0C0F");
	KT_EXPECT_EQ(t, gsi->crs.irq[0].gsi, 23);
	KT_EXPECT_EQ(t, gsi->crs.irq[0].flags, LEVEL_HIGH);
	KT_EXPECT_TRUE(t, ns.has_s5);
	KT_EXPECT_EQ(t, ns.s5_typa, 0);
}

/*
 * QEMU's ICH9 wiring (hw/pci-host/q35.c, hw/isa/lpc_ich9.c): slots up to
 * 0x18 and 0x1e take PIRQ E-H, rotated by slot except 0x1e; 0x19-0x1d and
 * 0x1f take PIRQ A-D by pin; PIRQ A-H are GSI 16-23.
 */
static int ich9_gsi(unsigned int slot, unsigned int pin)
{
	if (slot <= 0x18)
		return 20 + (int)((slot + pin - 1) & 3);
	if (slot == 0x1e)
		return 20 + (int)(pin - 1);
	return 16 + (int)(pin - 1);
}

/* Parses the DSDT: whether it gave a _PRT, \_SB_.PCI0's. */
static bool prt_of_pci0(const unsigned char *p, const unsigned char *end)
{
	char buf[100];

	if (parse(p, end) || !ns.has_prt)
		return false;
	aml_path_str(&ns.prt_dev, buf, sizeof(buf));
	return !strcmp(buf, "\\_SB_.PCI0");
}

/* Every slot from first and every pin routed as wired says, with flags. */
static void expect_routes(struct ktest *t, unsigned int first,
			  int (*wired)(unsigned int slot, unsigned int pin),
			  u16 want)
{
	u16 flags;

	for (unsigned int slot = first; slot < 32; slot++)
		for (unsigned int pin = 1; pin <= 4; pin++) {
			flags = 0;
			KT_EXPECT_EQ(t, aml_prt_route(&ns, (u8)slot, (u8)pin, &flags),
				     wired(slot, pin));
			KT_EXPECT_EQ(t, flags, want);
		}
}

/*
 * q35's _PRT is a method choosing PRTP (PIC mode) or PRTA (APIC mode) on
 * PICF, both Name()d packages declared before it, whose entries name the
 * GSIA-GSIH link devices declared after: every slot and pin is routed as
 * the machine is wired.
 */
static void aml_q35_prt(struct ktest *t)
{
	u16 flags;

	KT_ASSERT_TRUE(t, prt_of_pci0(q35_dsdt, q35_dsdt_end));
	KT_EXPECT_EQ(t, ns.nr_prt_pkgs, 2);
	KT_EXPECT_EQ(t, ns.prt_pkgs[1].nr, 128);
	expect_routes(t, 0, ich9_gsi, LEVEL_HIGH);
	KT_EXPECT_EQ(t, aml_prt_route(&ns, 3, 0, &flags), -ENODEV);
	KT_EXPECT_EQ(t, aml_prt_route(&ns, 3, 5, &flags), -ENODEV);
	KT_EXPECT_TRUE(t, aml_prt_links_only(&ns));
}

/*
 * Xen's wiring of PCI INTx (xen/include/asm-x86/hvm/irq.h,
 * hvm_pci_intx_gsi()): slot and pin to GSI 16-47, which the hypervisor
 * asserts whatever the guest's _PRT says.
 */
static int xen_gsi(unsigned int slot, unsigned int pin)
{
	return (int)((((slot << 2) + (slot >> 3) + pin - 1) & 31) + 16);
}

/*
 * hvmloader's DSDT for qemu-xen (Xen 4.17: tools/libacpi's
 * dsdt_anycpu_qemu_xen, tests/unit/fixtures/acpi/README.md): _PRT is
 * If (PICD) { Return (PRTA) } Return (PRTP), both packages declared
 * after it; PRTA names GSIs directly for slots 1-31, PRTP the link
 * devices LNKA-LNKD, whose _CRS is a method (the link's PIRQ register).
 * APIC mode is read: every slot and pin as Xen asserts it, level and
 * active low; slot 0 (the host bridge) has no entry.
 */
static void aml_xen_hvm_prt(struct ktest *t)
{
	u16 flags;

	KT_ASSERT_TRUE(t, prt_of_pci0(xen_dsdt, xen_dsdt_end));
	/* Return (PRTA) in the method: found from \_SB_.PCI0._PRT upward. */
	KT_EXPECT_TRUE(t, !memcmp(ns.prt_ref.seg[ns.prt_ref.depth - 1], "PRTA", 4));
	KT_EXPECT_EQ(t, ns.nr_prt_pkgs, 2);
	KT_EXPECT_EQ(t, ns.prt_pkgs[0].nr, 124);
	KT_EXPECT_EQ(t, ns.prt_pkgs[1].nr, 124);
	KT_EXPECT_FALSE(t, aml_prt_links_only(&ns));
	expect_routes(t, 1, xen_gsi, ACPI_INTI_TRIGGER_LEVEL | ACPI_INTI_POLARITY_LOW);
	KT_EXPECT_EQ(t, aml_prt_route(&ns, 0, 1, &flags), -ENODEV);
	/* PIC mode's links: named, but their _CRS is computed. */
	KT_ASSERT_NOT_NULL(t, by_name("\\_SB_.PCI0.LNKA"));
	KT_EXPECT_FALSE(t, by_name("\\_SB_.PCI0.LNKA")->has_crs);
	KT_EXPECT_STREQ(t, by_name("\\_SB_.PCI0.LNKA")->hid, "PNP0C0F");
	KT_EXPECT_TRUE(t, ns.has_s5);
	KT_EXPECT_EQ(t, ns.s5_typa, 0);
	/* As many devices as the guest's log says with the two SSDTs. */
	KT_EXPECT_EQ(t, ns.nr_devices, 54);
}

/*
 * pc's _PRT builds its package in a While loop: not read (the firmware's
 * line registers route pc), and no package of the routing shape is kept.
 */
static void aml_pc_prt_unread(struct ktest *t)
{
	u16 flags;

	KT_ASSERT_EQ(t, parse(pc_dsdt, pc_dsdt_end), 0);
	KT_EXPECT_FALSE(t, ns.has_prt);
	KT_EXPECT_EQ(t, aml_prt_route(&ns, 3, 1, &flags), -ENOENT);
	KT_EXPECT_FALSE(t, aml_prt_links_only(&ns));
}

/*
 * q35's DSDT with the pin of PRTA's first entry made Ones (0xff, the same
 * length): the package is refused whole with a warning, routing then
 * finds no table (-ENOENT: the caller falls back), and the rest of the
 * table is still read.
 */
static void aml_q35_prt_bad_entry(struct ktest *t)
{
	size_t len = (size_t)(q35_dsdt_end - q35_dsdt);
	unsigned char *c = copy(q35_dsdt, len);
	size_t at = 0;
	u16 flags;

	/* Package (4) { 0xFFFF (WordConst), Zero, GSIE, Zero } */
	for (size_t i = 0; i + 8 <= len && !at; i++)
		if (!memcmp(c + i, "\x0b\xff\xff\x00GSIE", 8))
			at = i;
	KT_ASSERT_TRUE(t, at != 0);
	c[at + 3] = 0xff;
	memset(&ns, 0, sizeof(ns));
	KT_EXPECT_EQ(t, aml_parse_table(&ns, c, (u32)len), 0);
	free(c);
	KT_EXPECT_TRUE(t, ns.has_prt);
	KT_EXPECT_EQ(t, ns.nr_prt_pkgs, 1);
	KT_EXPECT_EQ(t, aml_prt_route(&ns, 3, 1, &flags), -ENOENT);
	KT_EXPECT_NOT_NULL(t, by_name("\\_SB_.GSIH"));
}

/*
 * microvm's DSDT cut at every byte, its outer Scope (\_SB) shortened to
 * match so that the cut lands inside whatever object is there: the
 * reader fails cleanly (no read past the copy) except where the cut
 * falls between two objects: the empty scope and after each of the
 * scope's 7 devices.
 */
static void aml_every_truncation(struct ktest *t)
{
	size_t len = (size_t)(mvm_dsdt_end - mvm_dsdt);
	/* Scope at 36, 2-byte PkgLength at 37, "_SB_", devices from 43. */
	size_t scope_len = (size_t)(mvm_dsdt[37] & 0xf) | (size_t)mvm_dsdt[38] << 4;
	unsigned int ok = 0, bad = 0;

	KT_ASSERT_EQ(t, mvm_dsdt[36], 0x10);
	for (size_t n = 37; n < len; n++) {
		unsigned char *c = copy(mvm_dsdt, n);
		size_t cut = n - 37 < scope_len ? n - 37 : scope_len;
		int err;

		if (n > 38) {
			c[37] = (unsigned char)(0x40 | (cut & 0xf));
			c[38] = (unsigned char)(cut >> 4);
		}
		memset(&ns, 0, sizeof(ns));
		err = aml_parse_table(&ns, c, (u32)n);
		free(c);
		if (!err)
			ok++;
		else if (err == -EINVAL)
			bad++;
		KT_EXPECT_LE(t, ns.nr_devices, 7);
	}
	KT_EXPECT_EQ(t, ok, 8);
	KT_EXPECT_EQ(t, ok + bad, len - 37);
	KT_EXPECT_EQ(t, parse(mvm_dsdt, mvm_dsdt + 20), -EINVAL);
}

/* A table of header + body, lengths filled in. */
static int parse_body(const unsigned char *body, size_t n)
{
	unsigned char buf[512] = "SSDT";

	memcpy(buf + 36, body, n);
	return parse(buf, buf + 36 + n);
}

static void aml_hostile_lengths(struct ktest *t)
{
	/* Scope (\_SB) whose PkgLength runs past the table. */
	static const unsigned char long_scope[] = { 0x10, 0x3f, '\\', '_', 'S', 'B', '_' };
	/* A 2-byte PkgLength with reserved bits set. */
	static const unsigned char bad_pkg[] = { 0x10, 0x70, 0x00, '_', 'S', 'B', '_' };
	/* Name (X, Buffer) whose BufferSize is not a constant. */
	static const unsigned char buf_name[] = { 0x08, 'X', '_', '_', '_', 0x11, 0x06,
						  'Y', '_', '_', '_', 0x00 };
	/* An unterminated string. */
	static const unsigned char str[] = { 0x08, 'X', '_', '_', '_', 0x0d, 'a', 'b' };
	/* ^X at the root. */
	static const unsigned char above[] = { 0x08, '^', 'X', '_', '_', '_', 0x00 };
	/* A Store at declaration level: not measurable. */
	static const unsigned char store[] = { 0x70, 0x00, 0x60 };
	/* MultiNamePrefix claiming 255 segments. */
	static const unsigned char multi[] = { 0x08, 0x2f, 0xff, 'A', 'A', 'A', 'A', 0x00 };
	/*
	 * Xen's DSDT: Name (BUFB, Buffer () {...}), CreateWordField (BUFB,
	 * 0x01, IRQV) at declaration level, then a Device still seen.
	 */
	static const unsigned char create[] = {
		0x08, 'B', 'U', 'F', 'B', 0x11, 0x05, 0x0a, 0x02, 0x23, 0x00,
		0x8b, 'B', 'U', 'F', 'B', 0x01, 'I', 'R', 'Q', 'V',
		0x5b, 0x13, 'B', 'U', 'F', 'B', 0x00, 0x0a, 0x08, 'F', 'L', 'D', '_',
		0x5b, 0x82, 0x0b, 'L', 'N', 'K', 'A',
		0x08, '_', 'U', 'I', 'D', 0x01,
	};
	/* A method and an If, skipped whole; a Name after them still seen. */
	static const unsigned char skip[] = {
		0x14, 0x09, 'M', '_', '_', '_', 0x00, 0x70, 0x00, 0x60,
		0xa0, 0x03, 0x70, 0x00,
		0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0a, 0x05,
	};
	unsigned char deep[8 * 20];
	size_t n = 0;

	KT_EXPECT_EQ(t, parse_body(long_scope, sizeof(long_scope)), -EINVAL);
	KT_EXPECT_EQ(t, parse_body(bad_pkg, sizeof(bad_pkg)), -EINVAL);
	KT_EXPECT_EQ(t, parse_body(buf_name, sizeof(buf_name)), -EINVAL);
	KT_EXPECT_EQ(t, parse_body(str, sizeof(str)), -EINVAL);
	KT_EXPECT_EQ(t, parse_body(above, sizeof(above)), -EINVAL);
	KT_EXPECT_EQ(t, parse_body(store, sizeof(store)), -EINVAL);
	KT_EXPECT_EQ(t, parse_body(multi, sizeof(multi)), -EINVAL);
	KT_EXPECT_EQ(t, parse_body(create, sizeof(create)), 0);
	KT_EXPECT_EQ(t, ns.nr_devices, 1);
	KT_EXPECT_TRUE(t, ns.devices[0].has_uid);
	KT_EXPECT_EQ(t, parse_body(skip, sizeof(skip)), 0);
	KT_EXPECT_TRUE(t, ns.has_s5);
	KT_EXPECT_EQ(t, ns.s5_typa, 5);

	/* 20 nested Devices, past AML_MAX_DEPTH: refused, not recursed. */
	for (int i = 0; i < 20; i++) {
		size_t left = 20 - (size_t)i;

		deep[n++] = 0x5b;
		deep[n++] = 0x82;
		/* 2-byte PkgLength covering what follows. */
		deep[n] = 0x40 | ((left * 8 - 2) & 0xf);
		deep[n + 1] = (unsigned char)((left * 8 - 2) >> 4);
		n += 2;
		memcpy(deep + n, "DEV_", 4);
		deep[n + 3] = (unsigned char)('A' + i);
		n += 4;
	}
	KT_EXPECT_EQ(t, parse_body(deep, n), -EINVAL);
	KT_EXPECT_EQ(t, ns.nr_devices, AML_MAX_DEPTH);
}

/*
 * An SSDT after microvm's DSDT: a new device in \_SB, and a Scope that
 * adds a name to a device the DSDT declared (recorded on that device,
 * not a second one).
 */
static void aml_ssdt_adds_to_the_dsdt(struct ktest *t)
{
	static const unsigned char ssdt_body[] = {
		0x10, 0x22, '\\', '_', 'S', 'B', '_',		/* Scope (\_SB) */
		0x5b, 0x82, 0x1a, 'V', 'R', '2', '1',		/* Device (VR21) */
		0x08, '_', 'H', 'I', 'D', 0x0d,
		'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00,
		0x08, '_', 'S', 'T', 'A', 0x00,		/* _STA 0: absent */
		0x10, 0x11, 0x2e, '_', 'S', 'B', '_', 'V', 'R', '2', '3',
		0x08, '_', 'S', 'T', 'A', 0x0a, 0x0f,		/* Scope (_SB.VR23) */
	};
	unsigned char ssdt[36 + sizeof(ssdt_body)] = "SSDT";
	const struct aml_device *vr;
	unsigned char *dsdt = copy(mvm_dsdt, (size_t)(mvm_dsdt_end - mvm_dsdt));
	unsigned char *c;

	memcpy(ssdt + 36, ssdt_body, sizeof(ssdt_body));
	c = copy(ssdt, sizeof(ssdt));
	memset(&ns, 0, sizeof(ns));
	KT_EXPECT_EQ(t, aml_parse_table(&ns, dsdt, (u32)(mvm_dsdt_end - mvm_dsdt)), 0);
	KT_EXPECT_EQ(t, aml_parse_table(&ns, c, sizeof(ssdt)), 0);
	free(c);
	free(dsdt);
	KT_EXPECT_EQ(t, ns.nr_devices, 8);
	vr = by_name("\\_SB_.VR21");
	KT_ASSERT_NOT_NULL(t, vr);
	KT_EXPECT_STREQ(t, vr->hid, "LNRO0005");
	KT_EXPECT_TRUE(t, vr->has_sta);
	KT_EXPECT_EQ(t, vr->sta, 0);
	KT_EXPECT_FALSE(t, vr->has_crs);
	vr = by_name("\\_SB_.VR23");
	KT_ASSERT_NOT_NULL(t, vr);
	KT_EXPECT_TRUE(t, vr->has_sta);
	KT_EXPECT_EQ(t, vr->sta, 0xf);
	KT_EXPECT_EQ(t, vr->crs.mem[0].base, 0xfeb02e00);
}

/*
 * Name (X, Buffer (Buffer (Buffer (...)))), 100000 deep, each a 3-byte
 * PkgLength: a BufferSize must be a constant, refused at the first level
 * (read as a data object it was a recursion as deep as the nesting).
 */
static void aml_nested_buffer_sizes(struct ktest *t)
{
	enum { LEVELS = 100000, LEVEL_LEN = 4, INNER = 3 };
	size_t body = 5 + (size_t)LEVELS * LEVEL_LEN + INNER;
	size_t len = 36 + body;
	unsigned char *tab = calloc(1, len);
	size_t off = len - INNER;

	memcpy(tab, "SSDT", 4);
	tab[off] = 0x11;			/* innermost: Buffer (Zero) {} */
	tab[off + 1] = 0x02;
	tab[off + 2] = 0x00;
	for (int i = 0; i < LEVELS; i++) {
		size_t pkg;

		off -= LEVEL_LEN;
		pkg = len - (off + 1);		/* from the PkgLength to the end */
		tab[off] = 0x11;
		tab[off + 1] = (unsigned char)(0x80 | (pkg & 0xf));
		tab[off + 2] = (unsigned char)(pkg >> 4);
		tab[off + 3] = (unsigned char)(pkg >> 12);
	}
	memcpy(tab + 36, "\x08X___", 5);
	KT_ASSERT_EQ(t, off, 41);
	tab[4] = len & 0xff;
	tab[5] = len >> 8 & 0xff;
	tab[6] = len >> 16 & 0xff;
	memset(&ns, 0, sizeof(ns));
	KT_EXPECT_EQ(t, aml_parse_table(&ns, tab, (u32)len), -EINVAL);
	free(tab);
}

static void aml_resource_templates(struct ktest *t)
{
	/* IRQ (Level, ActiveLow, Shared) {5, 11}; FixedIO; end. */
	static const unsigned char irq[] = { 0x23, 0x20, 0x08, 0x18,
					     0x4b, 0x20, 0x00, 0x08, 0x79, 0x00 };
	/* Memory32Fixed whose length runs past the buffer. */
	static const unsigned char mem[] = { 0x86, 0x20, 0x00, 0x01, 0x00 };
	/* Extended interrupt claiming 5 GSIs in room for one. */
	static const unsigned char ext[] = { 0x89, 0x06, 0x00, 0x01, 0x05,
					     0x20, 0x00, 0x00, 0x00, 0x79, 0x00 };
	/* No end tag. */
	static const unsigned char noend[] = { 0x22, 0x10, 0x00 };
	struct aml_crs crs;

	KT_ASSERT_EQ(t, aml_decode_crs(irq, sizeof(irq), &crs), 0);
	KT_EXPECT_EQ(t, crs.nr_irq, 2);
	KT_EXPECT_EQ(t, crs.irq[0].gsi, 5);
	KT_EXPECT_EQ(t, crs.irq[1].gsi, 11);
	KT_EXPECT_EQ(t, crs.irq[0].flags,
		     ACPI_INTI_TRIGGER_LEVEL | ACPI_INTI_POLARITY_LOW);
	KT_EXPECT_EQ(t, crs.nr_io, 1);
	KT_EXPECT_EQ(t, crs.io[0].base, 0x20);
	KT_EXPECT_EQ(t, crs.io[0].len, 8);
	KT_EXPECT_EQ(t, aml_decode_crs(mem, sizeof(mem), &crs), -EINVAL);
	KT_EXPECT_EQ(t, aml_decode_crs(ext, sizeof(ext), &crs), -EINVAL);
	KT_EXPECT_EQ(t, aml_decode_crs(noend, sizeof(noend), &crs), -EINVAL);
}

/* The FADT's power fields, from QEMU's FADTs behind a made-up RSDT. */
static unsigned char image[4096];

static const void *image_map(u64 phys, size_t len)
{
	if (phys > sizeof(image) || len > sizeof(image) - phys)
		return NULL;
	return image + phys;
}

static void fix_sum(unsigned char *p, size_t len, size_t at)
{
	unsigned char sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (unsigned char)-sum;
}

static int parse_fadt(const unsigned char *f, const unsigned char *end,
		      struct acpi_info *info)
{
	size_t len = (size_t)(end - f);

	memset(image, 0, sizeof(image));
	memcpy(image, "RSD PTR ", 8);
	image[16] = 0x40;			/* RSDT at 0x40 */
	fix_sum(image, 20, 8);
	memcpy(image + 0x40, "RSDT", 4);
	image[0x44] = 40;
	image[0x40 + 36] = 0x80;		/* FADT at 0x80 */
	fix_sum(image + 0x40, 40, 9);
	memcpy(image + 0x80, f, len);
	return acpi_parse(0, image_map, info);
}

static void aml_fadt_power_fields(struct ktest *t)
{
	static struct acpi_info info;

	KT_ASSERT_EQ(t, parse_fadt(pc_facp, pc_facp_end, &info), 0);
	KT_EXPECT_TRUE(t, info.has_fadt);
	KT_EXPECT_FALSE(t, info.hw_reduced);
	KT_EXPECT_EQ(t, info.sci_irq, 9);
	KT_EXPECT_EQ(t, info.pm1a_evt, 0x600);
	KT_EXPECT_EQ(t, info.pm1_evt_len, 4);
	KT_EXPECT_EQ(t, info.pm1a_cnt, 0x604);
	KT_EXPECT_EQ(t, info.pm1b_cnt, 0);
	KT_EXPECT_EQ(t, info.smi_cmd, 0xb2);
	KT_EXPECT_EQ(t, info.acpi_enable, 0xf1);
	KT_EXPECT_EQ(t, info.gpe0_blk, 0xafe0);
	KT_EXPECT_EQ(t, info.gpe0_len, 4);
	KT_EXPECT_TRUE(t, info.fixed_power_button);
	KT_EXPECT_NE(t, info.dsdt, 0);

	KT_ASSERT_EQ(t, parse_fadt(q35_facp, q35_facp_end, &info), 0);
	KT_EXPECT_EQ(t, info.pm1a_cnt, 0x604);
	KT_EXPECT_EQ(t, info.gpe0_blk, 0x620);
	KT_EXPECT_EQ(t, info.gpe0_len, 16);
	KT_EXPECT_TRUE(t, info.fixed_power_button);

	/* microvm: hardware-reduced, sleep registers in GED's MMIO. */
	KT_ASSERT_EQ(t, parse_fadt(mvm_facp, mvm_facp_end, &info), 0);
	KT_EXPECT_TRUE(t, info.hw_reduced);
	KT_EXPECT_EQ(t, info.pm1a_cnt, 0);
	KT_EXPECT_FALSE(t, info.fixed_power_button);
	KT_EXPECT_EQ(t, info.sleep_ctl.addr, 0xfea00200);
	KT_EXPECT_FALSE(t, info.sleep_ctl.io);
	KT_EXPECT_EQ(t, info.sleep_ctl.width, 1);
	KT_EXPECT_EQ(t, info.sleep_sts.addr, 0xfea00201);
}

/* \_S5 by aml_scan_s5(), what the power-off uses from an interrupt */

/* The scan of a heap copy of exactly len bytes of p. */
static int scan_copy(const unsigned char *p, size_t len, u8 *a, u8 *b)
{
	unsigned char *c = copy(p, len);
	int err = aml_scan_s5(c, (u32)len, a, b);

	free(c);
	return err;
}

/*
 * QEMU's pc, q35 and microvm DSDTs: the scan gives the namespace
 * reader's SLP_TYPa and SLP_TYPb (pc and q35 0 and 0, microvm 5 and 0),
 * and cut anywhere it finds the Name only once its package is whole:
 * nothing before the name, a malformed one (-EINVAL) after it.
 */
static void scan_s5_as_the_reader(struct ktest *t, const unsigned char *p,
				  const unsigned char *end, u8 want_a)
{
	size_t len = (size_t)(end - p), at = 0, pkg_end;
	u8 a = 0xff, b = 0xff;

	KT_ASSERT_EQ(t, parse(p, end), 0);
	KT_ASSERT_TRUE(t, ns.has_s5);
	KT_EXPECT_EQ(t, ns.s5_typa, want_a);
	KT_EXPECT_EQ(t, scan_copy(p, len, &a, &b), 0);
	KT_EXPECT_EQ(t, a, ns.s5_typa);
	KT_EXPECT_EQ(t, b, ns.s5_typb);
	for (size_t i = 36; i + 4 <= len && !at; i++)
		if (!memcmp(p + i, "_S5_", 4))
			at = i;
	/* NameOp _S5_ PackageOp PkgLength (one byte in QEMU's) */
	KT_ASSERT_TRUE(t, at && p[at - 1] == 0x08 && p[at + 4] == 0x12 && p[at + 5] < 0x40);
	pkg_end = at + 5 + p[at + 5];
	for (size_t cut = 0; cut <= len; cut++) {
		int want = cut >= pkg_end ? 0 : cut >= at + 4 ? -EINVAL : -ENOENT;

		a = b = 0xff;
		KT_EXPECT_EQ(t, scan_copy(p, cut, &a, &b), want);
		if (!want) {
			KT_EXPECT_EQ(t, a, ns.s5_typa);
			KT_EXPECT_EQ(t, b, ns.s5_typb);
		}
	}
}

static void aml_scan_s5_qemu(struct ktest *t)
{
	scan_s5_as_the_reader(t, pc_dsdt, pc_dsdt_end, 0);
	scan_s5_as_the_reader(t, q35_dsdt, q35_dsdt_end, 0);
	scan_s5_as_the_reader(t, mvm_dsdt, mvm_dsdt_end, 5);
}

/* A definition block: a 36-byte header ("DSDT", its length) and aml. */
static size_t block(unsigned char *buf, const char *aml, size_t n)
{
	memset(buf, 0, 36);
	memcpy(buf, "DSDT", 4);
	buf[4] = (unsigned char)(36 + n);
	memcpy(buf + 36, aml, n);
	return 36 + n;
}

#define S5_OK(aml, want_a, want_b)	{ aml, sizeof(aml) - 1, 0, want_a, want_b }
#define S5_BAD(aml, err)		{ aml, sizeof(aml) - 1, err, 0, 0 }

static const struct {
	const char *aml;
	size_t n;
	int err;
	u8 a, b;
} s5_cases[] = {
	/* Package (2) { 5, 3 }, BytePrefix */
	S5_OK("\x08_S5_\x12\x06\x04\x0a\x05\x0a\x03\x00", 5, 3),
	/* Name (\_S5, Package () { One, Zero }) */
	S5_OK("\x08\x5c_S5_\x12\x04\x02\x01\x00", 1, 0),
	/* WordPrefix 0x107, DWordPrefix 0xe: the low three bits */
	S5_OK("\x08_S5_\x12\x0a\x02\x0b\x07\x01\x0c\x0e\x00\x00\x00", 7, 6),
	/* QWordPrefix and Ones */
	S5_OK("\x08_S5_\x12\x0c\x02\x0e\x02\x00\x00\x00\x00\x00\x00\x80\xff", 2, 7),
	/* one element: SLP_TYPb is SLP_TYPa */
	S5_OK("\x08_S5_\x12\x04\x01\x0a\x05", 5, 5),
	/* a two-byte PkgLength */
	S5_OK("\x08_S5_\x12\x46\x00\x02\x0a\x06\x00", 6, 0),
	/* a malformed one and then a good one: the good one */
	S5_OK("\x08_S5_\x12\x02\x00\x08_S5_\x12\x05\x02\x0a\x05\x00", 5, 0),
	/* two good ones: the last, as in the namespace */
	S5_OK("\x08_S5_\x12\x04\x02\x01\x01\x08_S5_\x12\x05\x02\x0a\x04\x00", 4, 0),
	/* no elements */
	S5_BAD("\x08_S5_\x12\x02\x00", -EINVAL),
	/* a string element */
	S5_BAD("\x08_S5_\x12\x07\x02\x0d" "ab\x00\x00", -EINVAL),
	/* PkgLength past the table, one byte and four */
	S5_BAD("\x08_S5_\x12\x3f\x02\x00\x00", -EINVAL),
	S5_BAD("\x08_S5_\x12\xcf\xff\xff\xff\x02\x00\x00", -EINVAL),
	/* a two-byte PkgLength with bits 4 and 5 of its lead byte set */
	S5_BAD("\x08_S5_\x12\x75\x00\x02\x00\x00", -EINVAL),
	/* PkgLength shorter than its own bytes */
	S5_BAD("\x08_S5_\x12\x80\x00\x02\x00\x00", -EINVAL),
	/* a WordPrefix cut by the package's end */
	S5_BAD("\x08_S5_\x12\x04\x02\x0b\x05\x00\x00", -EINVAL),
	/* an integer, not a package */
	S5_BAD("\x08_S5_\x0a\x05", -EINVAL),
	/* the name at the end of the table */
	S5_BAD("\x00\x08_S5_", -EINVAL),
	/* the bytes in a string, no NameOp: not a Name */
	S5_BAD("\x0d_S5_\x12\x04\x02\x0a\x05\x00", -ENOENT),
	/* a segment of a longer path (\_SB_._S5_) */
	S5_BAD("\x08\x2e_SB__S5_\x12\x04\x02\x0a\x05\x00", -ENOENT),
	/* nothing */
	S5_BAD("", -ENOENT),
};

/*
 * Each good block gives the namespace reader's sleep types; each
 * malformed one an error and the outputs untouched, cut anywhere too.
 */
static void aml_scan_s5_malformed(struct ktest *t)
{
	unsigned char buf[128];

	for (size_t i = 0; i < ARRAY_SIZE(s5_cases); i++) {
		size_t len = block(buf, s5_cases[i].aml, s5_cases[i].n);
		u8 a = 0xee, b = 0xee;

		KT_EXPECT_EQ(t, scan_copy(buf, len, &a, &b), s5_cases[i].err);
		KT_EXPECT_EQ(t, a, s5_cases[i].err ? 0xee : s5_cases[i].a);
		KT_EXPECT_EQ(t, b, s5_cases[i].err ? 0xee : s5_cases[i].b);
		if (!s5_cases[i].err) {
			parse(buf, buf + len);
			KT_EXPECT_TRUE(t, ns.has_s5);
			KT_EXPECT_EQ(t, ns.s5_typa, s5_cases[i].a);
			KT_EXPECT_EQ(t, ns.s5_typb, s5_cases[i].b);
		}
		for (size_t cut = 0; cut < len; cut++)
			scan_copy(buf, cut, &a, &b);
	}
	/* A Name in the header's bytes is no Name. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 20, "\x08_S5_\x12\x04\x02\x0a\x05\x00", 11);
	KT_EXPECT_EQ(t, scan_copy(buf, 36, &(u8){ 0 }, &(u8){ 0 }), -ENOENT);
}

static const struct ktest_case aml_cases[] = {
	KTEST_CASE(aml_microvm_devices),
	KTEST_CASE(aml_pc_devices),
	KTEST_CASE(aml_q35_devices),
	KTEST_CASE(aml_q35_prt),
	KTEST_CASE(aml_xen_hvm_prt),
	KTEST_CASE(aml_pc_prt_unread),
	KTEST_CASE(aml_q35_prt_bad_entry),
	KTEST_CASE(aml_every_truncation),
	KTEST_CASE(aml_hostile_lengths),
	KTEST_CASE(aml_ssdt_adds_to_the_dsdt),
	KTEST_CASE(aml_nested_buffer_sizes),
	KTEST_CASE(aml_resource_templates),
	KTEST_CASE(aml_fadt_power_fields),
	KTEST_CASE(aml_scan_s5_qemu),
	KTEST_CASE(aml_scan_s5_malformed),
	{}
};
KTEST_SUITE(host_aml, aml_cases);
