// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI static table parser: RSDP -> RSDT/XSDT -> MADT, FADT, HPET, MCFG.
 *
 * Machine-independent on purpose: memory is reached only through the map
 * callback, so the host unit tests and the fuzzer run this very code over
 * buffers.  Tables come from firmware and are not trusted: fields are read
 * byte by byte at fixed offsets (no packed structs, no unaligned loads),
 * and every offset is checked against the length that was validated and
 * mapped, never against what some later field claims.
 *
 * Layouts are those of the ACPI specification (5.2.5 RSDP, 5.2.6 header,
 * 5.2.7/5.2.8 RSDT/XSDT, 5.2.9 FADT, 5.2.12 MADT), the IA-PC HPET
 * specification (HPET table) and the PCI Firmware specification (MCFG).
 */
#define pr_fmt(fmt) "acpi: " fmt

#include <pvkit/acpi.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>

/* RSDP */
#define RSDP_SIG		"RSD PTR "
#define RSDP_V1_LEN		20	/* what the v1 checksum covers */
#define RSDP_V2_LEN		36
#define RSDP_OEM_ID		9
#define RSDP_REVISION		15
#define RSDP_RSDT		16
#define RSDP_LENGTH		20
#define RSDP_XSDT		24
/* An RSDP is 36 bytes today; leave room for growth, refuse nonsense. */
#define RSDP_MAX_LEN		4096

/* The header every system description table starts with. */
#define SDT_SIG			0
#define SDT_LENGTH		4
#define SDT_REVISION		8
#define SDT_OEM_ID		10
#define SDT_HDR_LEN		36

/*
 * Root entries looked at: far more than any firmware has, few enough that
 * a hostile root table cannot make us map and checksum a table per byte.
 */
#define ROOT_MAX_ENTRIES	256

/* MADT */
#define MADT_LAPIC_ADDR		36
#define MADT_FLAGS		40
#define MADT_ENTRIES		44
#define MADT_PCAT_COMPAT	(1 << 0)

#define MADT_TYPE_LAPIC		0
#define MADT_TYPE_IOAPIC	1
#define MADT_TYPE_OVERRIDE	2
#define MADT_TYPE_LAPIC_ADDR	5
#define MADT_TYPE_X2APIC	9

#define LAPIC_ENABLED		(1 << 0)

/* FADT */
#define FADT_DSDT		40
#define FADT_SCI_INT		46
#define FADT_SMI_CMD		48
#define FADT_ACPI_ENABLE	52
#define FADT_PM1A_EVT		56
#define FADT_PM1B_EVT		60
#define FADT_PM1A_CNT		64
#define FADT_PM1B_CNT		68
#define FADT_GPE0_BLK		80
#define FADT_PM1_EVT_LEN	88
#define FADT_GPE0_LEN		92
#define FADT_PM_TMR_BLK		76
#define FADT_PM_TMR_LEN		91
#define FADT_BOOT_ARCH		109
#define FADT_FLAGS		112
#define FADT_V1_LEN		116	/* the ACPI 1.0 table ends after FLAGS */
#define FADT_X_DSDT		140
#define FADT_X_PM1A_EVT		148
#define FADT_X_PM1B_EVT		160
#define FADT_X_PM1A_CNT		172
#define FADT_X_PM1B_CNT		184
#define FADT_X_PM_TMR_BLK	208
#define FADT_X_GPE0_BLK		220
#define FADT_SLEEP_CTL		244
#define FADT_SLEEP_STS		256
#define FADT_PWR_BUTTON		(1 << 4)
#define FADT_TMR_VAL_EXT	(1 << 8)
#define FADT_HW_REDUCED		(1 << 20)

/* Generic Address Structure */
#define GAS_SPACE		0
#define GAS_WIDTH		1
#define GAS_ADDRESS		4
#define GAS_LEN			12
#define GAS_SPACE_MEMORY	0
#define GAS_SPACE_IO		1

/* HPET */
#define HPET_BASE		40	/* a GAS */
#define HPET_NUMBER		52
#define HPET_MIN_TICK		53
#define HPET_LEN		56

/* MCFG */
#define MCFG_ENTRIES		44
#define MCFG_ENTRY_LEN		16

/* A table whose header, length and checksum have been checked. */
struct sdt {
	const u8 *p;
	u64 phys;
	u32 len;
};

static u16 get_u16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 get_u32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 get_u64(const u8 *p)
{
	return (u64)get_u32(p) | (u64)get_u32(p + 4) << 32;
}

static u8 checksum(const u8 *p, size_t len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

/* Firmware strings are not NUL-terminated and may hold anything. */
static void copy_id(char *dst, const u8 *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[n] = '\0';
}

/* The map callback, refusing ranges that wrap around the address space. */
static const u8 *map_range(acpi_map_fn map, u64 phys, size_t len)
{
	if (phys + len < phys)
		return NULL;
	return map(phys, len);
}

/*
 * Maps the table at phys: its header first, to learn the length, then the
 * whole of it.  The length is checked before the second mapping and again
 * through it, so the caller may trust t->len for every later access; the
 * checksum too unless told not to.
 */
static int map_sdt_checked(acpi_map_fn map, u64 phys, struct sdt *t, bool sum)
{
	char sig[5];
	const u8 *p;
	u32 len;

	p = map_range(map, phys, SDT_HDR_LEN);
	if (!p) {
		pr_warn("table at %#llx cannot be mapped\n", phys);
		return -EINVAL;
	}
	copy_id(sig, p + SDT_SIG, 4);
	len = get_u32(p + SDT_LENGTH);
	if (len < SDT_HDR_LEN || len > ACPI_MAX_TABLE_LEN) {
		pr_warn("%s at %#llx: bad length %u\n", sig, phys, len);
		return -EINVAL;
	}
	p = map_range(map, phys, len);
	if (!p) {
		pr_warn("%s at %#llx: %u bytes cannot be mapped\n", sig, phys, len);
		return -EINVAL;
	}
	if (get_u32(p + SDT_LENGTH) != len) {
		pr_warn("%s at %#llx: length changed while mapping\n", sig, phys);
		return -EINVAL;
	}
	if (sum && checksum(p, len)) {
		pr_warn("%s at %#llx: bad checksum, ignored\n", sig, phys);
		return -EINVAL;
	}
	t->p = p;
	t->phys = phys;
	t->len = len;
	return 0;
}

static int map_sdt(acpi_map_fn map, u64 phys, struct sdt *t)
{
	return map_sdt_checked(map, phys, t, true);
}

static bool sdt_is(const struct sdt *t, const char *sig)
{
	return !memcmp(t->p + SDT_SIG, sig, 4);
}

/* MADT */

static bool madt_cpu(struct acpi_info *info, u32 apic_id, u32 uid, u32 flags,
		     bool x2apic)
{
	struct acpi_cpu *cpu;

	if (info->nr_cpus == ACPI_MAX_CPUS)
		return false;
	cpu = &info->cpus[info->nr_cpus++];
	cpu->apic_id = apic_id;
	cpu->uid = uid;
	cpu->enabled = flags & LAPIC_ENABLED;
	cpu->x2apic = x2apic;
	return true;
}

static bool madt_ioapic(struct acpi_info *info, const u8 *e)
{
	struct acpi_ioapic *io;

	if (info->nr_ioapics == ACPI_MAX_IOAPICS)
		return false;
	io = &info->ioapics[info->nr_ioapics++];
	io->id = e[2];
	io->addr = get_u32(e + 4);
	io->gsi_base = get_u32(e + 8);
	return true;
}

static bool madt_override(struct acpi_info *info, const u8 *e)
{
	struct acpi_override *ov;

	if (info->nr_overrides == ACPI_MAX_OVERRIDES)
		return false;
	ov = &info->overrides[info->nr_overrides++];
	ov->bus = e[2];
	ov->source_irq = e[3];
	ov->gsi = get_u32(e + 4);
	ov->flags = get_u16(e + 8);
	return true;
}

/* The smallest length an entry of each type we read may have. */
static unsigned int madt_min_len(u8 type)
{
	switch (type) {
	case MADT_TYPE_LAPIC:
		return 8;
	case MADT_TYPE_IOAPIC:
	case MADT_TYPE_LAPIC_ADDR:
		return 12;
	case MADT_TYPE_OVERRIDE:
		return 10;
	case MADT_TYPE_X2APIC:
		return 16;
	default:
		return 2;
	}
}

/* One entry of a known length; false when it was invalid or did not fit. */
static bool madt_entry(struct acpi_info *info, const u8 *e, unsigned int len)
{
	if (len < madt_min_len(e[0])) {
		pr_warn("MADT: type %u entry too short (%u bytes)\n", e[0], len);
		return false;
	}
	switch (e[0]) {
	case MADT_TYPE_LAPIC:
		return madt_cpu(info, e[3], e[2], get_u32(e + 4), false);
	case MADT_TYPE_X2APIC:
		return madt_cpu(info, get_u32(e + 4), get_u32(e + 12),
				get_u32(e + 8), true);
	case MADT_TYPE_IOAPIC:
		return madt_ioapic(info, e);
	case MADT_TYPE_OVERRIDE:
		return madt_override(info, e);
	case MADT_TYPE_LAPIC_ADDR:
		info->lapic_addr = get_u64(e + 4);
		return true;
	default:
		return true;	/* NMI sources, GIC, ...: not ours */
	}
}

static void parse_madt(struct acpi_info *info, const struct sdt *t)
{
	unsigned int dropped = 0;
	u32 off = MADT_ENTRIES;

	if (t->len < MADT_ENTRIES) {
		pr_warn("MADT: too short (%u bytes)\n", t->len);
		return;
	}
	info->has_madt = true;
	info->lapic_addr = get_u32(t->p + MADT_LAPIC_ADDR);
	info->pcat_compat = get_u32(t->p + MADT_FLAGS) & MADT_PCAT_COMPAT;

	while (off < t->len) {
		u32 left = t->len - off;
		const u8 *e = t->p + off;

		/* Without a sane length there is no next entry to go to. */
		if (left < 2) {
			pr_warn("MADT: stray byte at offset %u ignored\n", off);
			info->nr_dropped++;
			break;
		}
		if (e[1] < 2 || e[1] > left) {
			pr_warn("MADT: entry at offset %u has length %u (%u left), rest ignored\n",
				off, e[1], left);
			info->nr_dropped++;
			break;
		}
		if (!madt_entry(info, e, e[1]))
			dropped++;
		off += e[1];
	}
	if (dropped)
		pr_warn("MADT: %u entries invalid or over the limits\n", dropped);
	info->nr_dropped += dropped;
}

/* FADT */

/* The PM timer port from a GAS, or 0 when it is not in system I/O. */
static u32 gas_io_port(const u8 *gas)
{
	u64 addr = get_u64(gas + GAS_ADDRESS);

	if (gas[GAS_SPACE] != GAS_SPACE_IO || !addr || addr > 0xfffc)
		return 0;
	return (u32)addr;
}

static void fadt_pm_timer(struct acpi_info *info, const struct sdt *t, u32 flags)
{
	u32 port = 0;

	/* A hardware-reduced platform has no fixed hardware to speak of. */
	if (flags & FADT_HW_REDUCED)
		return;
	if (t->len >= FADT_X_PM_TMR_BLK + GAS_LEN) {
		const u8 *gas = t->p + FADT_X_PM_TMR_BLK;

		port = gas_io_port(gas);
		if (!port && get_u64(gas + GAS_ADDRESS))
			pr_warn("FADT: X_PM_TMR_BLK space %u address %#llx unusable\n",
				gas[GAS_SPACE], get_u64(gas + GAS_ADDRESS));
	}
	/* The 32-bit field is always system I/O, 4 bytes when present. */
	if (!port && t->p[FADT_PM_TMR_LEN] >= 4 &&
	    get_u32(t->p + FADT_PM_TMR_BLK) <= 0xfffc)
		port = get_u32(t->p + FADT_PM_TMR_BLK);
	if (!port)
		return;
	info->has_pm_timer = true;
	info->pm_timer_port = port;
	info->pm_timer_32bit = flags & FADT_TMR_VAL_EXT;
}

/* A 32-bit I/O block, or its X_ GAS when that is given and in I/O space. */
static u16 fadt_io_block(const struct sdt *t, unsigned int off, unsigned int x_off)
{
	u32 port = get_u32(t->p + off);

	if (t->len >= x_off + GAS_LEN && get_u64(t->p + x_off + GAS_ADDRESS)) {
		port = gas_io_port(t->p + x_off);
		if (!port)
			pr_warn("FADT: block at offset %u not in system I/O: unused\n",
				x_off);
	}
	return port <= 0xfffc ? (u16)port : 0;
}

static void fadt_reg(struct acpi_reg *r, const struct sdt *t, unsigned int off)
{
	const u8 *gas = t->p + off;
	u8 width;

	/* Nothing of the GAS is read before its length is known. */
	if (t->len < off + GAS_LEN || !get_u64(gas + GAS_ADDRESS))
		return;
	width = gas[GAS_WIDTH] / 8;
	if (gas[GAS_SPACE] > GAS_SPACE_IO || (width != 1 && width != 2 && width != 4)) {
		pr_warn("FADT: register at offset %u: space %u width %u unusable\n",
			off, gas[GAS_SPACE], gas[GAS_WIDTH]);
		return;
	}
	r->addr = get_u64(gas + GAS_ADDRESS);
	r->io = gas[GAS_SPACE] == GAS_SPACE_IO;
	r->width = width;
}

/* What sleep states and fixed events need, and where the AML is. */
static void fadt_power(struct acpi_info *info, const struct sdt *t, u32 flags)
{
	info->dsdt = get_u32(t->p + FADT_DSDT);
	if (t->len >= FADT_X_DSDT + 8 && get_u64(t->p + FADT_X_DSDT))
		info->dsdt = get_u64(t->p + FADT_X_DSDT);
	fadt_reg(&info->sleep_ctl, t, FADT_SLEEP_CTL);
	fadt_reg(&info->sleep_sts, t, FADT_SLEEP_STS);
	if (flags & FADT_HW_REDUCED)
		return;
	info->smi_cmd = get_u32(t->p + FADT_SMI_CMD) <= 0xffff ?
			get_u32(t->p + FADT_SMI_CMD) : 0;
	info->acpi_enable = t->p[FADT_ACPI_ENABLE];
	info->pm1a_evt = fadt_io_block(t, FADT_PM1A_EVT, FADT_X_PM1A_EVT);
	info->pm1b_evt = fadt_io_block(t, FADT_PM1B_EVT, FADT_X_PM1B_EVT);
	info->pm1a_cnt = fadt_io_block(t, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
	info->pm1b_cnt = fadt_io_block(t, FADT_PM1B_CNT, FADT_X_PM1B_CNT);
	info->pm1_evt_len = t->p[FADT_PM1_EVT_LEN];
	if (info->pm1_evt_len < 4 || info->pm1_evt_len & 1) {
		info->pm1a_evt = info->pm1b_evt = 0;
		info->pm1_evt_len = 0;
	}
	info->gpe0_blk = fadt_io_block(t, FADT_GPE0_BLK, FADT_X_GPE0_BLK);
	info->gpe0_len = info->gpe0_blk && !(t->p[FADT_GPE0_LEN] & 1) ?
			 t->p[FADT_GPE0_LEN] : 0;
	info->fixed_power_button = info->pm1a_evt && !(flags & FADT_PWR_BUTTON);
}

static void parse_fadt(struct acpi_info *info, const struct sdt *t)
{
	u32 flags;

	if (t->len < FADT_V1_LEN) {
		pr_warn("FADT: too short (%u bytes)\n", t->len);
		return;
	}
	info->has_fadt = true;
	info->sci_irq = get_u16(t->p + FADT_SCI_INT);
	/* Reserved in ACPI 1.0 (revision 1), where it may hold anything. */
	if (t->p[SDT_REVISION] >= 2)
		info->boot_arch_flags = get_u16(t->p + FADT_BOOT_ARCH);
	flags = get_u32(t->p + FADT_FLAGS);
	info->hw_reduced = flags & FADT_HW_REDUCED;
	fadt_pm_timer(info, t, flags);
	fadt_power(info, t, flags);
}

/* HPET */

static void parse_hpet(struct acpi_info *info, const struct sdt *t)
{
	const u8 *gas = t->p + HPET_BASE;
	u64 addr;

	if (t->len < HPET_LEN) {
		pr_warn("HPET: too short (%u bytes)\n", t->len);
		return;
	}
	addr = get_u64(gas + GAS_ADDRESS);
	if (gas[GAS_SPACE] != GAS_SPACE_MEMORY || !addr) {
		pr_warn("HPET: base in space %u address %#llx unusable\n",
			gas[GAS_SPACE], addr);
		return;
	}
	info->has_hpet = true;
	info->hpet_addr = addr;
	info->hpet_number = t->p[HPET_NUMBER];
	info->hpet_min_tick = get_u16(t->p + HPET_MIN_TICK);
}

/* MCFG */

static bool mcfg_entry(struct acpi_info *info, const u8 *e)
{
	struct acpi_mcfg *m;
	u64 base = get_u64(e);

	if (!base || e[10] > e[11]) {
		pr_warn("MCFG: bad entry base %#llx buses %u-%u\n",
			base, e[10], e[11]);
		return false;
	}
	if (info->nr_mcfg == ACPI_MAX_MCFG)
		return false;
	m = &info->mcfg[info->nr_mcfg++];
	m->base = base;
	m->segment = get_u16(e + 8);
	m->start_bus = e[10];
	m->end_bus = e[11];
	return true;
}

static void parse_mcfg(struct acpi_info *info, const struct sdt *t)
{
	unsigned int dropped = 0;
	u32 n, i;

	if (t->len < MCFG_ENTRIES) {
		pr_warn("MCFG: too short (%u bytes)\n", t->len);
		return;
	}
	n = (t->len - MCFG_ENTRIES) / MCFG_ENTRY_LEN;
	if ((t->len - MCFG_ENTRIES) % MCFG_ENTRY_LEN)
		pr_warn("MCFG: length %u is not a whole number of entries\n",
			t->len);
	for (i = 0; i < n; i++)
		if (!mcfg_entry(info, t->p + MCFG_ENTRIES + i * MCFG_ENTRY_LEN))
			dropped++;
	if (dropped)
		pr_warn("MCFG: %u entries invalid or over the limit\n", dropped);
	info->nr_dropped += dropped;
}

/* The root table and what it lists */

/* What one walk over the root table has met so far. */
struct root_walk {
	bool madt, fadt, hpet, mcfg;
	unsigned int unlisted;		/* good tables with no room in tables[] */
	unsigned int nulls;		/* null entries: one line for them all */
};

static void add_ref(struct acpi_info *info, const struct sdt *t,
		    struct root_walk *w)
{
	struct acpi_table_ref *ref;

	if (info->nr_tables == ACPI_MAX_TABLES) {
		w->unlisted++;
		info->nr_dropped++;
		return;
	}
	ref = &info->tables[info->nr_tables++];
	copy_id(ref->sig, t->p + SDT_SIG, 4);
	ref->phys = t->phys;
	ref->len = t->len;
	copy_id(ref->oem_id, t->p + SDT_OEM_ID, 6);
	ref->revision = t->p[SDT_REVISION];
}

/* Parses one kind of table; duplicates are listed but not parsed again. */
static void parse_once(struct acpi_info *info, const struct sdt *t,
		       const char *sig, bool *seen,
		       void (*parse)(struct acpi_info *, const struct sdt *))
{
	if (*seen) {
		pr_warn("second %s at %#llx ignored\n", sig, t->phys);
		return;
	}
	*seen = true;
	parse(info, t);
}

static void handle_table(struct acpi_info *info, acpi_map_fn map, u64 phys,
			 struct root_walk *w)
{
	struct sdt t;

	if (!phys) {
		w->nulls++;
		info->nr_dropped++;
		return;
	}
	if (map_sdt(map, phys, &t)) {
		info->nr_dropped++;
		return;
	}
	/* Unlisted for want of room is no reason not to use it. */
	add_ref(info, &t, w);
	if (sdt_is(&t, "APIC"))
		parse_once(info, &t, "MADT", &w->madt, parse_madt);
	else if (sdt_is(&t, "FACP"))
		parse_once(info, &t, "FADT", &w->fadt, parse_fadt);
	else if (sdt_is(&t, "HPET"))
		parse_once(info, &t, "HPET", &w->hpet, parse_hpet);
	else if (sdt_is(&t, "MCFG"))
		parse_once(info, &t, "MCFG", &w->mcfg, parse_mcfg);
}

/*
 * The RSDT (4-byte entries) or XSDT (8-byte entries).  The entries are
 * read from the root's own mapping, which the map contract keeps valid
 * while the tables they point to are mapped.
 */
static int parse_root(struct acpi_info *info, acpi_map_fn map, u64 phys,
		      const char *sig, unsigned int entry_len, bool any_sig)
{
	struct root_walk w = {};
	struct sdt root;
	u32 n, i;

	if (map_sdt(map, phys, &root))
		return -EINVAL;
	if (!sdt_is(&root, sig)) {
		char found[5];

		copy_id(found, root.p + SDT_SIG, 4);
		pr_warn("%s at %#llx has the wrong signature \"%s\"%s\n", sig, phys,
			found, any_sig ? "; length and checksum hold: used" : "");
		if (!any_sig)
			return -EINVAL;
	}
	n = (root.len - SDT_HDR_LEN) / entry_len;
	if ((root.len - SDT_HDR_LEN) % entry_len)
		pr_warn("%s: length %u is not a whole number of entries\n",
			sig, root.len);
	if (n > ROOT_MAX_ENTRIES) {
		pr_warn("%s: %u entries, only the first %u used\n",
			sig, n, ROOT_MAX_ENTRIES);
		info->nr_dropped += n - ROOT_MAX_ENTRIES;
		n = ROOT_MAX_ENTRIES;
	}
	for (i = 0; i < n; i++) {
		const u8 *e = root.p + SDT_HDR_LEN + i * entry_len;

		handle_table(info, map, entry_len == 8 ? get_u64(e) : get_u32(e),
			     &w);
	}
	if (w.nulls)
		pr_warn("%s: %u null entries ignored\n", sig, w.nulls);
	if (w.unlisted)
		pr_warn("%s: %u tables over the limit of %u not listed\n",
			sig, w.unlisted, ACPI_MAX_TABLES);
	return 0;
}

/*
 * The XSDT address of a revision 2+ RSDP whose extended checksum holds,
 * or 0: a bad v2 part still leaves the v1 part (and the RSDT) usable.
 */
static u64 rsdp_xsdt(acpi_map_fn map, u64 phys)
{
	const u8 *p;
	u32 len;

	p = map_range(map, phys, RSDP_V2_LEN);
	if (!p) {
		pr_warn("RSDP: v2 part cannot be mapped\n");
		return 0;
	}
	len = get_u32(p + RSDP_LENGTH);
	if (len < RSDP_V2_LEN || len > RSDP_MAX_LEN) {
		pr_warn("RSDP: bad length %u\n", len);
		return 0;
	}
	p = map_range(map, phys, len);
	if (!p) {
		pr_warn("RSDP: %u bytes cannot be mapped\n", len);
		return 0;
	}
	if (get_u32(p + RSDP_LENGTH) != len) {
		pr_warn("RSDP: length changed while mapping\n");
		return 0;
	}
	if (checksum(p, len)) {
		pr_warn("RSDP: bad extended checksum, XSDT ignored\n");
		return 0;
	}
	return get_u64(p + RSDP_XSDT);
}

int acpi_parse(u64 rsdp_phys, acpi_map_fn map, struct acpi_info *out)
{
	const u8 *p;
	u64 xsdt = 0;
	u32 rsdt;

	memset(out, 0, sizeof(*out));
	p = map_range(map, rsdp_phys, RSDP_V1_LEN);
	if (!p) {
		pr_warn("RSDP at %#llx cannot be mapped\n", rsdp_phys);
		return -EINVAL;
	}
	if (memcmp(p, RSDP_SIG, 8)) {
		pr_warn("no RSDP signature at %#llx\n", rsdp_phys);
		return -ENODEV;
	}
	if (checksum(p, RSDP_V1_LEN)) {
		pr_warn("RSDP at %#llx: bad checksum\n", rsdp_phys);
		return -EINVAL;
	}
	out->rsdp_revision = p[RSDP_REVISION];
	copy_id(out->oem_id, p + RSDP_OEM_ID, 6);
	rsdt = get_u32(p + RSDP_RSDT);
	if (out->rsdp_revision >= 2)
		xsdt = rsdp_xsdt(map, rsdp_phys);

	/* ACPI 2.0+: use the XSDT when there is one, the RSDT otherwise. */
	if (xsdt && !parse_root(out, map, xsdt, "XSDT", 8, false)) {
		out->xsdt = true;
		return 0;
	}
	if (rsdt && !parse_root(out, map, rsdt, "RSDT", 4, false))
		return 0;
	/*
	 * Last resort, as Linux (ACPICA does not check the root's signature):
	 * an XSDT that is whole but misnamed.  Xen 4.17 gives a PVH dom0
	 * such a one (fixed upstream in 2024, "xen/x86/pvh: handle ACPI RSDT
	 * table in PVH Dom0 build"), with no RSDT, when the firmware's RSDP is revision
	 * 0 (SeaBIOS): it copies the header of the "native XSDT" from the
	 * XSDT field that RSDP does not have, i.e. from address 0, the
	 * real-mode interrupt vectors.
	 */
	if (xsdt && !parse_root(out, map, xsdt, "XSDT", 8, true)) {
		out->xsdt = true;
		out->root_misnamed = true;
		return 0;
	}
	pr_warn("no usable RSDT or XSDT\n");
	return -ENODEV;
}

static int map_table(acpi_map_fn map, u64 phys, const u8 **p, u32 *len, bool sum)
{
	struct sdt t;
	int err = map_sdt_checked(map, phys, &t, sum);

	if (err)
		return err;
	*p = t.p;
	*len = t.len;
	return 0;
}

int acpi_map_table(acpi_map_fn map, u64 phys, const u8 **p, u32 *len)
{
	return map_table(map, phys, p, len, true);
}

int acpi_map_table_bytes(acpi_map_fn map, u64 phys, const u8 **p, u32 *len)
{
	return map_table(map, phys, p, len, false);
}

/*
 * One definition block: mapped whole, header and length checked, the
 * checksum too when asked, and the signature the one it was found by.
 */
static int map_block(acpi_map_fn map, u64 phys, const char *sig, bool sum,
		     struct sdt *t)
{
	if (map_sdt_checked(map, phys, t, sum))
		return -EINVAL;
	if (!sdt_is(t, sig)) {
		pr_warn("%s at %#llx has the wrong signature\n", sig, phys);
		return -EINVAL;
	}
	return 0;
}

int acpi_for_each_definition_block(const struct acpi_info *info,
				   acpi_map_fn map, unsigned int flags,
				   acpi_block_fn fn, void *data)
{
	bool sum = flags & ACPI_BLOCK_CHECKSUM;
	int n = (int)min(info->nr_tables, (unsigned int)ACPI_MAX_TABLES);
	unsigned int index = 0;
	int ret = 0;

	if (!info->dsdt)
		return -ENOENT;
	/* i = -1 is the DSDT, then the SSDTs in the root's order, each once. */
	for (int i = -1; i < n; i++) {
		u64 phys = i < 0 ? info->dsdt : info->tables[i].phys;
		unsigned int this = index;
		struct sdt t;
		int stop;

		if (i >= 0 && (strcmp(info->tables[i].sig, "SSDT") ||
			       phys == info->dsdt))
			continue;
		index++;
		if (map_block(map, phys, i < 0 ? "DSDT" : "SSDT", sum, &t)) {
			ret = -EINVAL;
			continue;
		}
		stop = fn(t.p, t.len, this, data);
		if (stop)
			return stop;
	}
	return ret;
}

const struct acpi_table_ref *acpi_find(const struct acpi_info *info,
				       const char *sig)
{
	for (unsigned int i = 0; i < info->nr_tables; i++)
		if (!strcmp(info->tables[i].sig, sig))
			return &info->tables[i];
	return NULL;
}

u32 acpi_isa_irq_to_gsi(const struct acpi_info *info, u8 irq, u16 *flags)
{
	u16 f = 0;
	u32 gsi = irq;

	for (unsigned int i = 0; i < info->nr_overrides; i++) {
		const struct acpi_override *ov = &info->overrides[i];

		if (ov->bus == 0 && ov->source_irq == irq) {
			gsi = ov->gsi;
			f = ov->flags;
			break;
		}
	}
	if (flags)
		*flags = f;
	return gsi;
}
