// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI table parser over synthetic tables: built in a static buffer
 * that stands for physical memory at IMAGE_BASE, with checksums computed
 * here, then parsed through a map callback that refuses anything outside
 * what was built.  Runs in the guest and on the host (tests/unit).
 */
#include <pvkit/acpi.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>
#include <pvkit/unaligned.h>

#define IMAGE_BASE	0x40000ULL
#define IMAGE_SIZE	16384

static u8 image[IMAGE_SIZE] __aligned(16);
static size_t image_used;
static struct acpi_info info;

static void image_reset(void)
{
	memset(image, 0, sizeof(image));
	image_used = 0;
}

/* Only what has been built can be mapped: the rest is "not memory". */
static const void *image_map(u64 phys, size_t len)
{
	u64 off;

	if (phys < IMAGE_BASE)
		return NULL;
	off = phys - IMAGE_BASE;
	if (off > image_used || len > image_used - off)
		return NULL;
	return image + off;
}

static u8 *at(u64 phys)
{
	return image + (phys - IMAGE_BASE);
}

static u64 image_alloc(size_t len)
{
	u64 phys = IMAGE_BASE + image_used;

	BUG_ON(len > IMAGE_SIZE - image_used);
	image_used = ALIGN_UP(image_used + len, 16);
	if (image_used > IMAGE_SIZE)
		image_used = IMAGE_SIZE;
	return phys;
}

/* Sets the byte at csum so that the len bytes at p add up to zero. */
static void fix_checksum(u8 *p, size_t len, size_t csum)
{
	u8 sum = 0;

	p[csum] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[csum] = (u8)-sum;
}

/* Table builder: a header, then bytes appended, then length and checksum. */
struct tb {
	u64 phys;
	u8 *p;
	u32 len;
};

static void tb_begin(struct tb *b, const char *sig, u8 revision)
{
	b->phys = IMAGE_BASE + image_used;
	b->p = at(b->phys);
	b->len = 36;
	BUG_ON(image_used + b->len > IMAGE_SIZE);
	memcpy(b->p, sig, 4);
	b->p[8] = revision;
	memcpy(b->p + 10, "PVKIT ", 6);
	memcpy(b->p + 16, "PVKTEST ", 8);
}

static u8 *tb_put(struct tb *b, size_t n)
{
	u8 *p = b->p + b->len;

	BUG_ON(image_used + b->len + n > IMAGE_SIZE);
	b->len += n;
	return p;
}

/* Declares len bytes (which may differ from what was built), seals. */
static u64 tb_end_len(struct tb *b, u32 len)
{
	put_le32(b->p + 4, len);
	fix_checksum(b->p, min(len, b->len), 9);
	image_alloc(b->len);
	return b->phys;
}

static u64 tb_end(struct tb *b)
{
	return tb_end_len(b, b->len);
}

static u64 make_root(const char *sig, const u64 *entries, unsigned int n)
{
	unsigned int size = sig[0] == 'X' ? 8 : 4;
	struct tb b;

	tb_begin(&b, sig, 1);
	for (unsigned int i = 0; i < n; i++) {
		u8 *e = tb_put(&b, size);

		if (size == 8)
			put_le64(e, entries[i]);
		else
			put_le32(e, (u32)entries[i]);
	}
	return tb_end(&b);
}

static u64 make_rsdp(u8 revision, u64 rsdt, u64 xsdt)
{
	u64 phys = image_alloc(36);
	u8 *p = at(phys);

	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "PVKIT ", 6);
	p[15] = revision;
	put_le32(p + 16, (u32)rsdt);
	fix_checksum(p, 20, 8);
	if (revision >= 2) {
		put_le32(p + 20, 36);
		put_le64(p + 24, xsdt);
		fix_checksum(p, 36, 32);
	}
	return phys;
}

/* MADT entries */

static void madt_begin(struct tb *b, u32 lapic_addr, u32 flags)
{
	tb_begin(b, "APIC", 4);
	put_le32(tb_put(b, 4), lapic_addr);
	put_le32(tb_put(b, 4), flags);
}

static void madt_lapic(struct tb *b, u8 uid, u8 apic_id, u32 flags)
{
	u8 *e = tb_put(b, 8);

	e[0] = 0;
	e[1] = 8;
	e[2] = uid;
	e[3] = apic_id;
	put_le32(e + 4, flags);
}

static void madt_x2apic(struct tb *b, u32 apic_id, u32 uid, u32 flags)
{
	u8 *e = tb_put(b, 16);

	e[0] = 9;
	e[1] = 16;
	put_le32(e + 4, apic_id);
	put_le32(e + 8, flags);
	put_le32(e + 12, uid);
}

static void madt_ioapic(struct tb *b, u8 id, u32 addr, u32 gsi_base)
{
	u8 *e = tb_put(b, 12);

	e[0] = 1;
	e[1] = 12;
	e[2] = id;
	put_le32(e + 4, addr);
	put_le32(e + 8, gsi_base);
}

static void madt_override(struct tb *b, u8 irq, u32 gsi, u16 flags)
{
	u8 *e = tb_put(b, 10);

	e[0] = 2;
	e[1] = 10;
	e[2] = 0;
	e[3] = irq;
	put_le32(e + 4, gsi);
	put_le16(e + 8, flags);
}

static void madt_lapic_addr(struct tb *b, u64 addr)
{
	u8 *e = tb_put(b, 12);

	e[0] = 5;
	e[1] = 12;
	put_le64(e + 4, addr);
}

/* The MADT of a small two-CPU PC, as QEMU describes one. */
static u64 make_pc_madt(void)
{
	struct tb b;

	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 1, 1);
	madt_ioapic(&b, 0, 0xfec00000, 0);
	madt_override(&b, 0, 2, 0);
	madt_override(&b, 9, 9, 0xd);
	return tb_end(&b);
}

/* FADT: len 116 is an ACPI 1.0 table, 276 an ACPI 6 one. */
static u64 make_fadt(u8 revision, u32 len, u32 pm_tmr, u8 x_space, u64 x_pm_tmr,
		     u32 flags)
{
	struct tb b;
	u8 *p;

	tb_begin(&b, "FACP", revision);
	tb_put(&b, len - 36);
	p = b.p;
	put_le16(p + 46, 9);
	put_le32(p + 76, pm_tmr);
	p[91] = pm_tmr ? 4 : 0;
	if (len >= 116) {
		put_le16(p + 109, 0x0003);
		put_le32(p + 112, flags);
	}
	if (len >= 220) {
		p[208] = x_space;
		p[209] = 32;
		put_le64(p + 212, x_pm_tmr);
	}
	return tb_end(&b);
}

static u64 make_hpet(u8 space, u64 addr)
{
	struct tb b;
	u8 *p;

	tb_begin(&b, "HPET", 1);
	tb_put(&b, 20);
	p = b.p;
	put_le32(p + 36, 0x8086a201);
	p[40] = space;
	p[41] = 64;
	put_le64(p + 44, addr);
	p[52] = 0;
	put_le16(p + 53, 0x80);
	return tb_end(&b);
}

struct mcfg_ent {
	u64 base;
	u16 segment;
	u8 start, end;
};

static u64 make_mcfg(const struct mcfg_ent *m, unsigned int n)
{
	struct tb b;

	tb_begin(&b, "MCFG", 1);
	tb_put(&b, 8);
	for (unsigned int i = 0; i < n; i++) {
		u8 *e = tb_put(&b, 16);

		put_le64(e, m[i].base);
		put_le16(e + 8, m[i].segment);
		e[10] = m[i].start;
		e[11] = m[i].end;
	}
	return tb_end(&b);
}

static const struct mcfg_ent q35_mcfg = { 0xb0000000, 0, 0, 255 };

/* A full set of tables; returns the RSDP. */
static u64 make_machine(u8 rsdp_revision)
{
	u64 t[4], rsdt, xsdt = 0;

	t[0] = make_fadt(3, 244, 0xb008, 1, 0x608, 1 << 8);
	t[1] = make_pc_madt();
	t[2] = make_hpet(0, 0xfed00000);
	t[3] = make_mcfg(&q35_mcfg, 1);
	rsdt = make_root("RSDT", t, 4);
	if (rsdp_revision >= 2)
		xsdt = make_root("XSDT", t, 4);
	return make_rsdp(rsdp_revision, rsdt, xsdt);
}

static void check_pc_machine(struct ktest *t)
{
	u16 flags;

	KT_EXPECT_EQ(t, info.nr_tables, 4);
	KT_EXPECT_STREQ(t, info.tables[0].sig, "FACP");
	KT_EXPECT_STREQ(t, info.tables[0].oem_id, "PVKIT ");
	KT_EXPECT_EQ(t, info.tables[0].revision, 3);
	KT_EXPECT_EQ(t, info.tables[0].len, 244);
	KT_EXPECT_STREQ(t, info.tables[3].sig, "MCFG");

	KT_EXPECT_TRUE(t, info.has_madt);
	KT_EXPECT_EQ(t, info.lapic_addr, 0xfee00000);
	KT_EXPECT_TRUE(t, info.pcat_compat);
	KT_EXPECT_EQ(t, info.nr_cpus, 2);
	KT_EXPECT_EQ(t, info.cpus[1].apic_id, 1);
	KT_EXPECT_TRUE(t, info.cpus[1].enabled);
	KT_EXPECT_EQ(t, info.nr_ioapics, 1);
	KT_EXPECT_EQ(t, info.ioapics[0].addr, 0xfec00000);
	KT_EXPECT_EQ(t, info.nr_overrides, 2);
	KT_EXPECT_EQ(t, acpi_isa_irq_to_gsi(&info, 0, &flags), 2);

	KT_EXPECT_TRUE(t, info.has_fadt);
	KT_EXPECT_EQ(t, info.sci_irq, 9);
	KT_EXPECT_EQ(t, info.boot_arch_flags, 3);
	KT_EXPECT_TRUE(t, info.has_pm_timer);
	KT_EXPECT_EQ(t, info.pm_timer_port, 0x608);
	KT_EXPECT_TRUE(t, info.pm_timer_32bit);

	KT_EXPECT_TRUE(t, info.has_hpet);
	KT_EXPECT_EQ(t, info.hpet_addr, 0xfed00000);
	KT_EXPECT_EQ(t, info.hpet_min_tick, 0x80);

	KT_EXPECT_EQ(t, info.nr_mcfg, 1);
	KT_EXPECT_EQ(t, info.mcfg[0].base, 0xb0000000);
	KT_EXPECT_EQ(t, info.mcfg[0].end_bus, 255);
	KT_EXPECT_EQ(t, info.nr_dropped, 0);
}

static void acpi_rsdp_v1_rsdt(struct ktest *t)
{
	u64 rsdp;

	image_reset();
	rsdp = make_machine(0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.rsdp_revision, 0);
	KT_EXPECT_STREQ(t, info.oem_id, "PVKIT ");
	KT_EXPECT_FALSE(t, info.xsdt);
	check_pc_machine(t);
}

static void acpi_rsdp_v2_xsdt(struct ktest *t)
{
	const struct acpi_table_ref *ref;
	u64 rsdp;

	image_reset();
	rsdp = make_machine(2);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.rsdp_revision, 2);
	KT_EXPECT_TRUE(t, info.xsdt);
	check_pc_machine(t);
	KT_EXPECT_NOT_NULL(t, acpi_find(&info, "HPET"));
	KT_EXPECT_NULL(t, acpi_find(&info, "SRAT"));
	ref = acpi_find(&info, "APIC");
	KT_ASSERT_NOT_NULL(t, ref);
	KT_EXPECT_EQ(t, ref->phys, info.tables[1].phys);
	KT_EXPECT_EQ(t, ref->len, 44 + 2 * 8 + 12 + 2 * 10);
}

/* The XSDT wins over the RSDT, and a bad XSDT leaves the RSDT. */
/* An RSDT listing only a FADT and an XSDT listing only a MADT. */
static void make_two_roots(u64 *rsdt, u64 *xsdt)
{
	u64 fadt, madt;

	image_reset();
	fadt = make_fadt(1, 116, 0xb008, 0, 0, 0);
	madt = make_pc_madt();
	*rsdt = make_root("RSDT", &fadt, 1);
	*xsdt = make_root("XSDT", &madt, 1);
}

static void acpi_xsdt_preferred_rsdt_fallback(struct ktest *t)
{
	u64 rsdt, xsdt, rsdp;

	make_two_roots(&rsdt, &xsdt);
	rsdp = make_rsdp(2, rsdt, xsdt);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.xsdt);
	KT_EXPECT_TRUE(t, info.has_madt);
	KT_EXPECT_FALSE(t, info.has_fadt);

	at(xsdt)[9]++;			/* XSDT checksum now wrong */
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.xsdt);
	KT_EXPECT_TRUE(t, info.has_fadt);
	KT_EXPECT_FALSE(t, info.has_madt);
	KT_EXPECT_EQ(t, info.nr_tables, 1);
}

/*
 * Xen 4.17's PVH dom0 XSDT: whole, but named by the real-mode vector
 * f000:ff53 (53 ff 00 f0), and no RSDT.  Used only when nothing else is.
 */
static void acpi_misnamed_xsdt_is_the_last_resort(struct ktest *t)
{
	static const u8 ivt[4] = { 0x53, 0xff, 0x00, 0xf0 };
	u64 rsdt, xsdt, rsdp;

	make_two_roots(&rsdt, &xsdt);
	memcpy(at(xsdt), ivt, 4);
	fix_checksum(at(xsdt), 44, 9);
	rsdp = make_rsdp(2, rsdt, xsdt);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.xsdt);
	KT_EXPECT_FALSE(t, info.root_misnamed);
	KT_EXPECT_TRUE(t, info.has_fadt);
	KT_EXPECT_FALSE(t, info.has_madt);

	rsdp = make_rsdp(2, 0, xsdt);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.xsdt);
	KT_EXPECT_TRUE(t, info.root_misnamed);
	KT_EXPECT_TRUE(t, info.has_madt);
	KT_EXPECT_EQ(t, info.nr_tables, 1);

	/* Misnamed and broken: nothing. */
	at(xsdt)[9]++;
	KT_EXPECT_EQ(t, acpi_parse(rsdp, image_map, &info),-ENODEV);
}

static void acpi_madt_entries(struct ktest *t)
{
	u64 madt, rsdp;
	struct tb b;
	u8 *e;

	image_reset();
	madt_begin(&b, 0xfee00000, 0);
	madt_lapic(&b, 1, 0, 1);
	madt_lapic(&b, 2, 4, 0);		/* present but not enabled */
	madt_x2apic(&b, 0x1234, 77, 1);
	madt_ioapic(&b, 2, 0xfec00000, 0);
	madt_ioapic(&b, 3, 0xfec01000, 24);
	madt_override(&b, 0, 2, 0);
	madt_lapic_addr(&b, 0x1fee00000ULL);
	e = tb_put(&b, 6);			/* type 4, NMI: not ours */
	e[0] = 4;
	e[1] = 6;
	madt = tb_end(&b);
	rsdp = make_rsdp(0, make_root("RSDT", &madt, 1), 0);

	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.has_madt);
	KT_EXPECT_FALSE(t, info.pcat_compat);
	KT_EXPECT_EQ(t, info.lapic_addr, 0x1fee00000ULL);
	KT_ASSERT_EQ(t, info.nr_cpus, 3);
	KT_EXPECT_EQ(t, info.cpus[0].uid, 1);
	KT_EXPECT_TRUE(t, info.cpus[0].enabled);
	KT_EXPECT_EQ(t, info.cpus[1].apic_id, 4);
	KT_EXPECT_FALSE(t, info.cpus[1].enabled);
	KT_EXPECT_FALSE(t, info.cpus[1].x2apic);
	KT_EXPECT_EQ(t, info.cpus[2].apic_id, 0x1234);
	KT_EXPECT_EQ(t, info.cpus[2].uid, 77);
	KT_EXPECT_TRUE(t, info.cpus[2].x2apic);
	KT_ASSERT_EQ(t, info.nr_ioapics, 2);
	KT_EXPECT_EQ(t, info.ioapics[1].id, 3);
	KT_EXPECT_EQ(t, info.ioapics[1].addr, 0xfec01000);
	KT_EXPECT_EQ(t, info.ioapics[1].gsi_base, 24);
	KT_EXPECT_EQ(t, info.nr_overrides, 1);
	KT_EXPECT_EQ(t, info.nr_dropped, 0);
}

static void acpi_isa_irq_overrides(struct ktest *t)
{
	u64 madt, rsdp;
	u16 flags = 0xffff;
	struct tb b;

	image_reset();
	madt_begin(&b, 0xfee00000, 1);
	madt_override(&b, 0, 2, 0);
	madt_override(&b, 9, 20, ACPI_INTI_POLARITY_LOW | ACPI_INTI_TRIGGER_LEVEL);
	madt = tb_end(&b);
	rsdp = make_rsdp(0, make_root("RSDT", &madt, 1), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);

	KT_EXPECT_EQ(t, acpi_isa_irq_to_gsi(&info, 0, &flags), 2);
	KT_EXPECT_EQ(t, flags, 0);
	KT_EXPECT_EQ(t, acpi_isa_irq_to_gsi(&info, 9, &flags), 20);
	KT_EXPECT_EQ(t, flags & ACPI_INTI_POLARITY_MASK, ACPI_INTI_POLARITY_LOW);
	KT_EXPECT_EQ(t, flags & ACPI_INTI_TRIGGER_MASK, ACPI_INTI_TRIGGER_LEVEL);
	flags = 0xffff;
	KT_EXPECT_EQ(t, acpi_isa_irq_to_gsi(&info, 4, &flags), 4);
	KT_EXPECT_EQ(t, flags, 0);
	KT_EXPECT_EQ(t, acpi_isa_irq_to_gsi(&info, 2, NULL), 2);
}

/* One FADT in an RSDT, parsed; the RSDP is returned. */
static u64 fadt_only(u8 revision, u32 len, u32 pm_tmr, u8 x_space,
		     u64 x_pm_tmr, u32 flags)
{
	u64 fadt = make_fadt(revision, len, pm_tmr, x_space, x_pm_tmr, flags);

	return make_rsdp(0, make_root("RSDT", &fadt, 1), 0);
}

static void acpi_fadt_pm_timer(struct ktest *t)
{
	/* X_PM_TMR_BLK in system I/O wins over PM_TMR_BLK */
	image_reset();
	KT_ASSERT_EQ(t, acpi_parse(fadt_only(4, 276, 0xb008, 1, 0x608, 0),
				   image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.has_pm_timer);
	KT_EXPECT_EQ(t, info.pm_timer_port, 0x608);
	KT_EXPECT_FALSE(t, info.pm_timer_32bit);

	/* X_PM_TMR_BLK empty: the 32-bit field */
	image_reset();
	KT_ASSERT_EQ(t, acpi_parse(fadt_only(4, 276, 0xb008, 0, 0, 1 << 8),
				   image_map, &info), 0);
	KT_EXPECT_EQ(t, info.pm_timer_port, 0xb008);
	KT_EXPECT_TRUE(t, info.pm_timer_32bit);

	/* X_PM_TMR_BLK in memory space: not usable, the 32-bit field is */
	image_reset();
	KT_ASSERT_EQ(t, acpi_parse(fadt_only(4, 276, 0xb008, 0, 0xfe000000, 0),
				   image_map, &info), 0);
	KT_EXPECT_EQ(t, info.pm_timer_port, 0xb008);

	/* only an unusable X_PM_TMR_BLK: no PM timer */
	image_reset();
	KT_ASSERT_EQ(t, acpi_parse(fadt_only(4, 276, 0, 0, 0xfe000000, 0),
				   image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.has_fadt);
	KT_EXPECT_FALSE(t, info.has_pm_timer);

	/* hardware-reduced ACPI: no fixed hardware, no PM timer */
	image_reset();
	KT_ASSERT_EQ(t, acpi_parse(fadt_only(5, 276, 0xb008, 1, 0x608, 1 << 20),
				   image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.has_pm_timer);
	KT_EXPECT_TRUE(t, info.hw_reduced);
}

static void acpi_fadt_v1(struct ktest *t)
{
	image_reset();
	KT_ASSERT_EQ(t, acpi_parse(fadt_only(1, 116, 0xb008, 0, 0, 1 << 8),
				   image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.has_fadt);
	KT_EXPECT_EQ(t, info.sci_irq, 9);
	KT_EXPECT_EQ(t, info.boot_arch_flags, 0);	/* reserved in 1.0 */
	KT_EXPECT_TRUE(t, info.has_pm_timer);
	KT_EXPECT_EQ(t, info.pm_timer_port, 0xb008);
	KT_EXPECT_TRUE(t, info.pm_timer_32bit);

	/* shorter than ACPI 1.0's: listed, not parsed */
	image_reset();
	KT_ASSERT_EQ(t, acpi_parse(fadt_only(1, 100, 0xb008, 0, 0, 0),
				   image_map, &info), 0);
	KT_EXPECT_EQ(t, info.nr_tables, 1);
	KT_EXPECT_FALSE(t, info.has_fadt);
	KT_EXPECT_FALSE(t, info.has_pm_timer);
}

static void acpi_hpet_and_mcfg(struct ktest *t)
{
	static const struct mcfg_ent m[] = {
		{ 0xb0000000, 0, 0, 255 },
		{ 0xc0000000, 1, 8, 4 },		/* start > end */
		{ 0, 2, 0, 255 },			/* no base */
		{ 0xd0000000, 3, 0, 15 },
		{ 0xd1000000, 4, 0, 15 },
		{ 0xd2000000, 5, 0, 15 },
		{ 0xd3000000, 6, 0, 15 },		/* fifth good one */
	};
	u64 tables[3], rsdp;

	image_reset();
	tables[0] = make_hpet(1, 0xfed00000);	/* I/O space: unusable */
	tables[1] = make_mcfg(m, ARRAY_SIZE(m));
	tables[2] = make_hpet(0, 0xfed00000);	/* a second HPET: ignored */
	rsdp = make_rsdp(0, make_root("RSDT", tables, 3), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.has_hpet);
	KT_EXPECT_EQ(t, info.nr_tables, 3);
	KT_ASSERT_EQ(t, info.nr_mcfg, ACPI_MAX_MCFG);
	KT_EXPECT_EQ(t, info.mcfg[1].segment, 3);
	KT_EXPECT_EQ(t, info.mcfg[3].base, 0xd2000000);
	KT_EXPECT_EQ(t, info.nr_dropped, 3);
}

static void acpi_bad_rsdp(struct ktest *t)
{
	u64 rsdp;

	image_reset();
	rsdp = make_machine(0);
	at(rsdp)[8]++;
	KT_EXPECT_EQ(t, acpi_parse(rsdp, image_map, &info),-EINVAL);
	KT_EXPECT_EQ(t, info.nr_tables, 0);
	KT_EXPECT_FALSE(t, info.has_madt);

	at(rsdp)[8]--;
	at(rsdp)[0] = 'r';
	KT_EXPECT_EQ(t, acpi_parse(rsdp, image_map, &info),-ENODEV);
	KT_EXPECT_EQ(t, acpi_parse(0, image_map, &info),-EINVAL);
	KT_EXPECT_EQ(t, acpi_parse(IMAGE_BASE + IMAGE_SIZE, image_map, &info),-EINVAL);
	KT_EXPECT_EQ(t, acpi_parse(~0ULL - 4, image_map, &info),-EINVAL);
}

/* A v2 RSDP whose extended part is bad still gives the RSDT. */
static void acpi_rsdp_v2_bad_extended(struct ktest *t)
{
	u64 rsdp;

	image_reset();
	rsdp = make_machine(2);
	at(rsdp)[33] = 0x55;		/* reserved byte: extended sum now wrong */
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.xsdt);
	KT_EXPECT_EQ(t, info.nr_tables, 4);

	put_le32(at(rsdp) + 20, 0xffffffff);	/* absurd length, sums fixed */
	fix_checksum(at(rsdp), 36, 32);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.xsdt);

	put_le32(at(rsdp) + 20, 20);		/* shorter than a v2 RSDP */
	fix_checksum(at(rsdp), 36, 32);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.xsdt);
	KT_EXPECT_TRUE(t, info.has_madt);
}

static void acpi_bad_table_checksum(struct ktest *t)
{
	u64 tables[2], rsdt, rsdp;
	const u8 *p;
	u32 len, want;

	image_reset();
	tables[0] = make_pc_madt();
	tables[1] = make_hpet(0, 0xfed00000);
	at(tables[0])[40] ^= 1;		/* flip PCAT_COMPAT, sum not fixed */
	rsdp = make_rsdp(0, make_root("RSDT", tables, 2), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.has_madt);
	KT_EXPECT_EQ(t, info.nr_cpus, 0);
	KT_EXPECT_NULL(t, acpi_find(&info, "APIC"));
	KT_EXPECT_EQ(t, info.nr_tables, 1);
	KT_EXPECT_TRUE(t, info.has_hpet);
	KT_EXPECT_EQ(t, info.nr_dropped, 1);
	/* mapped for a scan all the same, its length as the header says */
	KT_EXPECT_EQ(t, acpi_map_table(image_map, tables[0], &p, &len), -EINVAL);
	KT_ASSERT_EQ(t, acpi_map_table_bytes(image_map, tables[0], &p, &len), 0);
	memcpy(&want, at(tables[0]) + 4, 4);
	KT_EXPECT_EQ(t, len, want);
	KT_EXPECT_TRUE(t, p == at(tables[0]));

	/* the root itself: no usable root table */
	rsdt = make_root("RSDT", &tables[1], 1);
	at(rsdt)[9] ^= 0x80;
	rsdp = make_rsdp(0, rsdt, 0);
	KT_EXPECT_EQ(t, acpi_parse(rsdp, image_map, &info),-ENODEV);
	KT_EXPECT_FALSE(t, info.has_hpet);
}

static void acpi_table_length_limits(struct ktest *t)
{
	u64 tables[4], rsdp;
	struct tb b;

	image_reset();
	tb_begin(&b, "APIC", 1);
	tables[0] = tb_end_len(&b, 20);			/* shorter than a header */
	tb_begin(&b, "APIC", 1);
	tables[1] = tb_end_len(&b, ACPI_MAX_TABLE_LEN + 1);	/* over the cap */
	tb_begin(&b, "APIC", 1);
	tb_put(&b, 64);
	tables[2] = tb_end_len(&b, 4096);		/* past mapped memory */
	tables[3] = make_hpet(0, 0xfed00000);
	rsdp = make_rsdp(0, make_root("RSDT", tables, 4), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_FALSE(t, info.has_madt);
	KT_EXPECT_EQ(t, info.nr_tables, 1);
	KT_EXPECT_EQ(t, info.nr_dropped, 3);
	KT_EXPECT_TRUE(t, info.has_hpet);

	/* A root table too short to be one: nothing usable. */
	tb_begin(&b, "RSDT", 1);
	rsdp = make_rsdp(0, tb_end_len(&b, 35), 0);
	KT_EXPECT_EQ(t, acpi_parse(rsdp, image_map, &info),-ENODEV);
}

/*
 * After the bad entry sits a well-formed LAPIC entry: a parser that went
 * on would count a third CPU.
 */
static void acpi_madt_zero_length_entry(struct ktest *t)
{
	u64 madt, rsdp;
	struct tb b;

	image_reset();
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 1, 1);
	tb_put(&b, 2);				/* type 0, length 0 */
	madt_lapic(&b, 2, 2, 1);
	madt = tb_end(&b);
	rsdp = make_rsdp(0, make_root("RSDT", &madt, 1), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.has_madt);
	KT_EXPECT_EQ(t, info.nr_cpus, 2);
	KT_EXPECT_EQ(t, info.nr_dropped, 1);

	/* length 1 is no better */
	at(madt)[44 + 16 + 1] = 1;
	fix_checksum(at(madt), 44 + 26, 9);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.nr_cpus, 2);
	KT_EXPECT_EQ(t, info.nr_dropped, 1);
}

static void acpi_madt_entry_past_end(struct ktest *t)
{
	u64 madt, rsdp;
	struct tb b;
	u8 *e;

	image_reset();
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_ioapic(&b, 0, 0xfec00000, 0);
	/* The table ends 4 bytes into this IOAPIC entry; its tail and a
	 * whole LAPIC entry follow in memory, outside the table. */
	madt_ioapic(&b, 1, 0xfec01000, 24);
	madt_lapic(&b, 7, 7, 1);
	madt = tb_end_len(&b, 44 + 8 + 12 + 4);
	rsdp = make_rsdp(0, make_root("RSDT", &madt, 1), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.has_madt);
	KT_EXPECT_EQ(t, info.nr_cpus, 1);
	KT_EXPECT_EQ(t, info.nr_ioapics, 1);
	KT_EXPECT_EQ(t, info.nr_dropped, 1);

	/* A lone byte at the end: not even an entry header. */
	image_reset();
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	e = tb_put(&b, 1);
	*e = 0;
	madt = tb_end(&b);
	rsdp = make_rsdp(0, make_root("RSDT", &madt, 1), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.nr_cpus, 1);
	KT_EXPECT_EQ(t, info.nr_dropped, 1);
}

/* Known entries shorter than their type: skipped, walk goes on. */
static void acpi_madt_short_entry(struct ktest *t)
{
	u64 madt, rsdp;
	struct tb b;
	u8 *e;

	image_reset();
	madt_begin(&b, 0xfee00000, 1);
	e = tb_put(&b, 6);			/* an IOAPIC entry of 6 bytes */
	e[0] = 1;
	e[1] = 6;
	madt_lapic(&b, 0, 0, 1);
	madt = tb_end(&b);
	rsdp = make_rsdp(0, make_root("RSDT", &madt, 1), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.nr_ioapics, 0);
	KT_EXPECT_EQ(t, info.nr_cpus, 1);
	KT_EXPECT_EQ(t, info.nr_dropped, 1);
}

static void acpi_madt_too_many_entries(struct ktest *t)
{
	const unsigned int cpus = ACPI_MAX_CPUS + 6;
	const unsigned int ioapics = ACPI_MAX_IOAPICS + 2;
	const unsigned int overrides = ACPI_MAX_OVERRIDES + 3;
	u64 madt, rsdp;
	struct tb b;

	image_reset();
	madt_begin(&b, 0xfee00000, 1);
	for (unsigned int i = 0; i < cpus; i++)
		madt_lapic(&b, i, i, 1);
	for (unsigned int i = 0; i < ioapics; i++)
		madt_ioapic(&b, i, 0xfec00000 + i * 0x1000, i * 24);
	for (unsigned int i = 0; i < overrides; i++)
		madt_override(&b, i, i + 100, 5);
	madt = tb_end(&b);
	rsdp = make_rsdp(0, make_root("RSDT", &madt, 1), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.nr_cpus, ACPI_MAX_CPUS);
	KT_EXPECT_EQ(t, info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	KT_EXPECT_EQ(t, info.nr_ioapics, ACPI_MAX_IOAPICS);
	/* had the CPUs overflowed, they would be sitting in ioapics[] */
	KT_EXPECT_EQ(t, info.ioapics[0].addr, 0xfec00000);
	KT_EXPECT_EQ(t, info.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base,
		     (ACPI_MAX_IOAPICS - 1) * 24);
	KT_EXPECT_EQ(t, info.nr_overrides, ACPI_MAX_OVERRIDES);
	KT_EXPECT_EQ(t, info.overrides[0].gsi, 100);
	KT_EXPECT_FALSE(t, info.has_hpet);
	KT_EXPECT_EQ(t, info.nr_mcfg, 0);
	KT_EXPECT_EQ(t, info.nr_dropped, 6 + 2 + 3);
}

static void acpi_rsdt_partial_entry(struct ktest *t)
{
	u64 tables[2], rsdt, rsdp;
	struct tb b;

	image_reset();
	tables[0] = make_pc_madt();
	tables[1] = make_hpet(0, 0xfed00000);
	tb_begin(&b, "RSDT", 1);
	put_le32(tb_put(&b, 4), (u32)tables[0]);
	put_le32(tb_put(&b, 4), (u32)tables[1]);
	put_le16(tb_put(&b, 2), 0xffff);		/* half an entry */
	rsdt = tb_end(&b);
	rsdp = make_rsdp(0, rsdt, 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.nr_tables, 2);
	KT_EXPECT_TRUE(t, info.has_madt);
	KT_EXPECT_TRUE(t, info.has_hpet);
	KT_EXPECT_EQ(t, info.nr_dropped, 0);
}

static void acpi_xsdt_unmappable_entries(struct ktest *t)
{
	u64 entries[6], xsdt, rsdp;

	image_reset();
	entries[0] = 0;				/* null */
	entries[1] = 0x100000000000ULL;		/* nowhere */
	entries[2] = ~0ULL - 8;			/* would wrap around */
	entries[3] = make_pc_madt();
	entries[4] = 0;				/* set below */
	entries[5] = make_hpet(0, 0xfed00000);
	xsdt = make_root("XSDT", entries, 6);
	rsdp = make_rsdp(2, 0, xsdt);
	/* a header cut off by the end of memory */
	put_le64(at(xsdt) + 36 + 4 * 8, IMAGE_BASE + image_used - 20);
	fix_checksum(at(xsdt), 36 + 6 * 8, 9);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.xsdt);
	KT_EXPECT_EQ(t, info.nr_tables, 2);
	KT_EXPECT_TRUE(t, info.has_madt);
	KT_EXPECT_TRUE(t, info.has_hpet);
	KT_EXPECT_EQ(t, info.nr_dropped, 4);

	/* An XSDT that cannot be mapped and no RSDT: nothing usable. */
	rsdp = make_rsdp(2, 0, 0xfffff000ULL);
	KT_EXPECT_EQ(t, acpi_parse(rsdp, image_map, &info),-ENODEV);
}

static void acpi_too_many_tables(struct ktest *t)
{
	u64 entries[ACPI_MAX_TABLES + 8], rsdp;
	struct tb b;
	unsigned int i;

	image_reset();
	for (i = 0; i < ARRAY_SIZE(entries) - 1; i++) {
		tb_begin(&b, "SSDT", 1);
		entries[i] = tb_end(&b);
	}
	/* the one that matters comes last, past the listing limit */
	entries[i] = make_hpet(0, 0xfed00000);
	rsdp = make_rsdp(2, 0, make_root("XSDT", entries, ARRAY_SIZE(entries)));
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.nr_tables, ACPI_MAX_TABLES);
	KT_EXPECT_EQ(t, info.nr_dropped, 8);
	KT_EXPECT_TRUE(t, info.has_hpet);
	KT_EXPECT_NULL(t, acpi_find(&info, "HPET"));
}

/* A root listing more than the parser will walk: the rest is counted. */
static void acpi_root_entry_limit(struct ktest *t)
{
	static u64 entries[300];
	u64 rsdp;

	image_reset();
	memset(entries, 0, sizeof(entries));
	entries[0] = make_hpet(0, 0xfed00000);
	entries[299] = make_pc_madt();		/* never reached */
	rsdp = make_rsdp(0, make_root("RSDT", entries, 300), 0);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_TRUE(t, info.has_hpet);
	KT_EXPECT_FALSE(t, info.has_madt);
	KT_EXPECT_EQ(t, info.nr_tables, 1);
	/* 255 null entries walked, 44 never looked at */
	KT_EXPECT_EQ(t, info.nr_dropped, 299);
}

/*
 * Memory that changes between the header's mapping and the table's: the
 * length validated first is the one used, and a mismatch rejects it.
 */
static u64 liar_phys;
static u8 liar_hdr[36];

static const void *liar_map(u64 phys, size_t len)
{
	if (phys == liar_phys && len == sizeof(liar_hdr))
		return liar_hdr;
	return image_map(phys, len);
}

static void acpi_length_changes_while_mapping(struct ktest *t)
{
	u64 tables[2], rsdp;

	image_reset();
	tables[0] = make_pc_madt();
	tables[1] = make_hpet(0, 0xfed00000);
	rsdp = make_rsdp(0, make_root("RSDT", tables, 2), 0);
	liar_phys = tables[0];
	memcpy(liar_hdr, at(tables[0]), sizeof(liar_hdr));
	put_le32(liar_hdr + 4, 60);		/* the table says 92 */
	KT_ASSERT_EQ(t, acpi_parse(rsdp, liar_map, &info), 0);
	KT_EXPECT_FALSE(t, info.has_madt);
	KT_EXPECT_TRUE(t, info.has_hpet);
	KT_EXPECT_EQ(t, info.nr_dropped, 1);
}

/*
 * The walk over the definition blocks: host only, where the same code
 * runs over the same builders; in the guest, the namespace, \_S5 and
 * _HID lookups walk the machine's own blocks (and the image keeps its
 * size budget).
 */
#ifdef __HOST_TEST__
/* Definition blocks: what acpi_for_each_definition_block() handed over. */
struct blocks_seen {
	unsigned int n;
	u64 phys[8];
	unsigned int index[8];
	unsigned int stop_at;		/* return 7 at this call (1-based), 0: never */
};

static int note_block(const u8 *p, u32 len, unsigned int index, void *data)
{
	struct blocks_seen *s = data;

	if (s->n < ARRAY_SIZE(s->phys)) {
		s->phys[s->n] = IMAGE_BASE + (u64)(p - image);
		s->index[s->n] = index;
	}
	/* The whole block is handed over, its header's length the one given. */
	if (len != ((u32)p[4] | (u32)p[5] << 8 | (u32)p[6] << 16 | (u32)p[7] << 24))
		return -1;
	return ++s->n == s->stop_at ? 7 : 0;
}

static u64 make_block(const char *sig, unsigned int body)
{
	struct tb b;

	tb_begin(&b, sig, 2);
	memset(tb_put(&b, body), 0xa3, body);
	return tb_end(&b);
}

/* A FADT naming dsdt, the tables listed after it in an XSDT; the RSDP. */
static u64 make_blocks_machine(u64 dsdt, const u64 *tables, unsigned int n)
{
	u64 t[8];
	u8 *fadt;

	t[0] = make_fadt(3, 244, 0xb008, 1, 0x608, 1 << 8);
	fadt = at(t[0]);
	put_le32(fadt + 40, (u32)dsdt);
	fix_checksum(fadt, 244, 9);
	for (unsigned int i = 0; i < n; i++)
		t[i + 1] = tables[i];
	return make_rsdp(2, 0, make_root("XSDT", t, n + 1));
}

static void acpi_definition_blocks_in_order(struct ktest *t)
{
	struct blocks_seen seen = {};
	u64 dsdt, tables[4], rsdp;

	image_reset();
	dsdt = make_block("DSDT", 40);
	tables[0] = make_block("SSDT", 8);
	tables[1] = make_hpet(0, 0xfed00000);
	tables[2] = make_block("SSDT", 16);
	tables[3] = make_pc_madt();
	rsdp = make_blocks_machine(dsdt, tables, 4);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	KT_EXPECT_EQ(t, info.dsdt, dsdt);
	KT_EXPECT_EQ(t, acpi_for_each_definition_block(&info, image_map,
			ACPI_BLOCK_CHECKSUM, note_block, &seen), 0);
	KT_ASSERT_EQ(t, seen.n, 3);
	KT_EXPECT_EQ(t, seen.phys[0], dsdt);
	KT_EXPECT_EQ(t, seen.phys[1], tables[0]);
	KT_EXPECT_EQ(t, seen.phys[2], tables[2]);
	for (unsigned int i = 0; i < 3; i++)
		KT_EXPECT_EQ(t, seen.index[i], i);

	/* A non-zero return ends the walk and is what the walk returns. */
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 2;
	KT_EXPECT_EQ(t, acpi_for_each_definition_block(&info, image_map,
			ACPI_BLOCK_CHECKSUM, note_block, &seen), 7);
	KT_EXPECT_EQ(t, seen.n, 2);

	/* No DSDT: nothing handed over. */
	info.dsdt = 0;
	memset(&seen, 0, sizeof(seen));
	KT_EXPECT_EQ(t, acpi_for_each_definition_block(&info, image_map, 0,
			note_block, &seen), -ENOENT);
	KT_EXPECT_EQ(t, seen.n, 0);
}

/*
 * Blocks gone bad after the root was read: a checksum that no longer
 * holds skips the block when checksums are asked for (the bytes are still
 * handed over when they are not), a DSDT pointer to a table of another
 * signature or past memory is skipped, and the rest is still walked.
 */
static void acpi_definition_blocks_bad(struct ktest *t)
{
	struct blocks_seen seen = {};
	u64 dsdt, tables[3], rsdp;

	image_reset();
	dsdt = make_block("DSDT", 40);
	tables[0] = make_block("SSDT", 8);
	tables[1] = make_block("SSDT", 16);
	tables[2] = make_block("SSDT", 24);
	rsdp = make_blocks_machine(dsdt, tables, 3);
	KT_ASSERT_EQ(t, acpi_parse(rsdp, image_map, &info), 0);
	at(tables[1])[40]++;
	KT_EXPECT_EQ(t, acpi_for_each_definition_block(&info, image_map,
			ACPI_BLOCK_CHECKSUM, note_block, &seen), -EINVAL);
	KT_ASSERT_EQ(t, seen.n, 3);
	KT_EXPECT_EQ(t, seen.phys[1], tables[0]);
	KT_EXPECT_EQ(t, seen.phys[2], tables[2]);
	KT_EXPECT_EQ(t, seen.index[2], 3);
	memset(&seen, 0, sizeof(seen));
	KT_EXPECT_EQ(t, acpi_for_each_definition_block(&info, image_map, 0,
			note_block, &seen), 0);
	KT_EXPECT_EQ(t, seen.n, 4);

	/* The FADT points at an SSDT, then at nothing mappable. */
	info.dsdt = tables[0];
	memset(&seen, 0, sizeof(seen));
	KT_EXPECT_EQ(t, acpi_for_each_definition_block(&info, image_map, 0,
			note_block, &seen), -EINVAL);
	KT_EXPECT_EQ(t, seen.n, 2);		/* tables[0] once, as an SSDT */
	KT_EXPECT_EQ(t, seen.phys[0], tables[1]);
	info.dsdt = 0xfffff000ULL;
	memset(&seen, 0, sizeof(seen));
	KT_EXPECT_EQ(t, acpi_for_each_definition_block(&info, image_map, 0,
			note_block, &seen), -EINVAL);
	KT_EXPECT_EQ(t, seen.n, 3);
}
#endif

static const struct ktest_case acpi_cases[] = {
	KTEST_CASE(acpi_rsdp_v1_rsdt),
	KTEST_CASE(acpi_rsdp_v2_xsdt),
	KTEST_CASE(acpi_xsdt_preferred_rsdt_fallback),
	KTEST_CASE(acpi_misnamed_xsdt_is_the_last_resort),
	KTEST_CASE(acpi_madt_entries),
	KTEST_CASE(acpi_isa_irq_overrides),
	KTEST_CASE(acpi_fadt_pm_timer),
	KTEST_CASE(acpi_fadt_v1),
	KTEST_CASE(acpi_hpet_and_mcfg),
	KTEST_CASE(acpi_bad_rsdp),
	KTEST_CASE(acpi_rsdp_v2_bad_extended),
	KTEST_CASE(acpi_bad_table_checksum),
	KTEST_CASE(acpi_table_length_limits),
	KTEST_CASE(acpi_madt_zero_length_entry),
	KTEST_CASE(acpi_madt_entry_past_end),
	KTEST_CASE(acpi_madt_short_entry),
	KTEST_CASE(acpi_madt_too_many_entries),
	KTEST_CASE(acpi_rsdt_partial_entry),
	KTEST_CASE(acpi_xsdt_unmappable_entries),
	KTEST_CASE(acpi_too_many_tables),
	KTEST_CASE(acpi_root_entry_limit),
	KTEST_CASE(acpi_length_changes_while_mapping),
#ifdef __HOST_TEST__
	KTEST_CASE(acpi_definition_blocks_in_order),
	KTEST_CASE(acpi_definition_blocks_bad),
#endif
	{}
};
KTEST_SUITE(acpi_tables, acpi_cases);
