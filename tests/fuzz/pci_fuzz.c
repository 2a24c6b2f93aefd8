// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the PCI config-space parsing (drivers/pci/core.c):
 * the bus walk through bridges, header and BAR decoding with the sizing
 * protocol, the capability list walk and the MSI-X capability.
 *
 * Build and run from the top of the tree:
 *
 *   mkdir -p build/fuzz/corpus/pci
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *	-fno-sanitize-recover=all -D__HOST_TEST__ -I include \
 *	-I arch/x86/include -include tests/unit/host_rename.h \
 *	drivers/pci/core.c lib/string.c lib/vsprintf.c \
 *	tests/fuzz/pci_fuzz.c -o build/fuzz/pci_fuzz
 *   build/fuzz/pci_fuzz -max_total_time=60 build/fuzz/corpus/pci
 *
 * The input is XORed over a built-in machine of NR_FNS functions (a host
 * bridge, bridges two deep, devices with capability lists, 64-bit BARs,
 * MSI-X tables, a multi-function device, a CardBus bridge), so an empty
 * input already reaches every path and needs no seed corpus; each byte
 * flips bits of one function's location, config space or BAR masks.
 * A record is:
 *
 *	u8 bus, u8 devfn, u8 cfg[256], u32 bar_mask[6] (little-endian)
 *
 * bar_mask says which bits of each BAR register keep what is written,
 * which is how a BAR answers the write-ones sizing protocol.  Every
 * function's config space is a heap block of exactly 256 bytes, and the
 * fake reads it without a bounds check of its own, so AddressSanitizer
 * sees any access the core lets through beyond it; a misaligned access
 * aborts.  What the core returns is checked against what it promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>
#include <pvkit/unaligned.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The core's warnings, not wanted: the fuzzer prints enough. */
int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

#define NR_FNS		12
#define CFG		PCI_CFG_SPACE_SIZE
#define REC_SIZE	(2 + CFG + 4 * PCI_NUM_BARS)

struct fn {
	u8 bus, devfn;
	u8 *cfg;			/* CFG bytes on the heap */
	u32 mask[PCI_NUM_BARS];
};

static u8 template[NR_FNS * REC_SIZE];
static struct fn fns[NR_FNS];

static struct fn *lookup(u8 bus, u8 devfn)
{
	for (unsigned int i = 0; i < NR_FNS; i++) {
		if (fns[i].bus == bus && fns[i].devfn == devfn)
			return &fns[i];
	}
	return NULL;
}

static u32 fake_read(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		     u16 off, unsigned int size)
{
	struct fn *f = lookup(bus, devfn);
	u32 v = 0;

	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
		abort();
	if (seg || !f)
		return 0xffffffff;
	for (unsigned int i = 0; i < size; i++)
		v |= (u32)f->cfg[off + i] << (8 * i);
	return v;
}

static void fake_write(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		       u16 off, unsigned int size, u32 val)
{
	struct fn *f = lookup(bus, devfn);

	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
		abort();
	if (seg || !f)
		return;
	/* A whole BAR register keeps only its writable bits. */
	if (size == 4 && off >= PCI_BASE_ADDRESS_0 &&
	    off < PCI_BASE_ADDRESS_0 + 4 * pci_nr_bars(f->cfg[PCI_HEADER_TYPE])) {
		unsigned int i = (off - PCI_BASE_ADDRESS_0) / 4;
		u32 old = fake_read(ops, seg, bus, devfn, off, 4);

		val = (old & ~f->mask[i]) | (val & f->mask[i]);
	}
	for (unsigned int i = 0; i < size; i++)
		f->cfg[off + i] = val >> (8 * i);
}

static const struct pci_ops fake_ops = {
	.name = "fuzz",
	.read = fake_read,
	.write = fake_write,
	.cfg_size = CFG,
};

/* The built-in machine. */
static u8 *rec(unsigned int i)
{
	return template + i * REC_SIZE;
}

static u8 *t_fn(unsigned int i, u8 bus, u8 slot, u8 func, u16 vendor,
		u16 device, u32 class_rev, u8 header, u8 pin)
{
	u8 *r = rec(i), *c = r + 2;

	r[0] = bus;
	r[1] = PCI_DEVFN(slot, func);
	put_le16(c + PCI_VENDOR_ID, vendor);
	put_le16(c + PCI_DEVICE_ID, device);
	put_le16(c + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	put_le32(c + PCI_REVISION_ID, class_rev);
	c[PCI_HEADER_TYPE] = header;
	c[PCI_INTERRUPT_PIN] = pin;
	c[PCI_INTERRUPT_LINE] = pin ? 10 + (slot & 1) : 0xff;
	return c;
}

static void t_bar(unsigned int i, int bar, u32 value, u64 size)
{
	u8 *r = rec(i);
	u32 keep = value & PCI_BASE_ADDRESS_SPACE_IO ? 0x3 : 0xf;

	put_le32(r + 2 + PCI_BASE_ADDRESS_0 + 4 * bar, value);
	put_le32(r + 2 + CFG + 4 * bar, (u32)~(size - 1) & ~keep);
	if ((value & (PCI_BASE_ADDRESS_SPACE_IO | PCI_BASE_ADDRESS_MEM_TYPE_MASK)) ==
	    PCI_BASE_ADDRESS_MEM_TYPE_64 && bar < 5) {
		put_le32(r + 2 + PCI_BASE_ADDRESS_0 + 4 * (bar + 1), 0);
		put_le32(r + 2 + CFG + 4 * (bar + 1), (u32)(~(size - 1) >> 32));
	}
}

/* Capabilities at pos[] with ids[], chained in order from head. */
static void t_caps(u8 *c, u8 head, const u8 *pos, const u8 *ids, unsigned int n)
{
	c[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	c[head] = pos[0];
	for (unsigned int i = 0; i < n; i++) {
		c[pos[i]] = ids[i];
		c[pos[i] + 1] = i + 1 < n ? pos[i + 1] : 0;
	}
}

static void t_msix(u8 *c, u8 pos, u16 entries, u32 table, u32 pba)
{
	put_le16(c + pos + PCI_MSIX_FLAGS, entries - 1);
	put_le32(c + pos + PCI_MSIX_TABLE, table);
	put_le32(c + pos + PCI_MSIX_PBA, pba);
}

static void t_bridge(u8 *c, u8 bus, u8 sec, u8 sub)
{
	c[PCI_PRIMARY_BUS] = bus;
	c[PCI_SECONDARY_BUS] = sec;
	c[PCI_SUBORDINATE_BUS] = sub;
}

static void build_template(void)
{
	static const u8 br_pos[] = { 0x40, 0x50 };
	static const u8 br_ids[] = { PCI_CAP_ID_EXP, PCI_CAP_ID_MSI };
	static const u8 dev_pos[] = { 0x40, 0x50, 0x60, 0x70, 0x84 };
	static const u8 dev_ids[] = { PCI_CAP_ID_PM, PCI_CAP_ID_MSIX,
				      PCI_CAP_ID_VNDR, PCI_CAP_ID_VNDR,
				      PCI_CAP_ID_VNDR };
	static const u8 nic_pos[] = { 0xc8, 0xd0, 0xe0, 0xa0 };
	static const u8 nic_ids[] = { PCI_CAP_ID_PM, PCI_CAP_ID_MSI,
				      PCI_CAP_ID_EXP, PCI_CAP_ID_MSIX };
	static const u8 cb_pos[] = { 0x80 };
	static const u8 cb_ids[] = { PCI_CAP_ID_PM };
	u8 *c;

	t_fn(0, 0, 0, 0, 0x8086, 0x29c0, 0x06000000, 0, 0);

	c = t_fn(1, 0, 1, 0, 0x1b36, 0x0001, 0x06040000, PCI_HEADER_TYPE_BRIDGE, 1);
	t_bridge(c, 0, 1, 2);
	t_bar(1, 0, 0xfe684004, 0x100);
	t_caps(c, PCI_CAPABILITY_LIST, br_pos, br_ids, 2);

	c = t_fn(2, 1, 3, 0, 0x1af4, 0x1041, 0x02000001, 0, 1);
	t_bar(2, 0, 0xc001, 0x40);
	t_bar(2, 1, 0xfebf1000, 0x1000);
	t_bar(2, 4, 0xfe00000c, 0x4000);
	t_caps(c, PCI_CAPABILITY_LIST, dev_pos, dev_ids, 5);
	t_msix(c, 0x50, 4, 0x1, 0x801);

	c = t_fn(3, 1, 4, 0, 0x1b36, 0x0001, 0x06040000, PCI_HEADER_TYPE_BRIDGE, 1);
	t_bridge(c, 1, 2, 2);

	c = t_fn(4, 2, 0, 0, 0x8086, 0x10d3, 0x02000000, PCI_HEADER_MULTI_FUNC, 1);
	t_bar(4, 0, 0xfe640000, 0x20000);
	t_bar(4, 1, 0xfe660000, 0x20000);
	t_bar(4, 2, 0xd0c1, 0x20);
	t_bar(4, 3, 0xfe680000, 0x4000);
	t_caps(c, PCI_CAPABILITY_LIST, nic_pos, nic_ids, 4);
	t_msix(c, 0xa0, 5, 0x3, 0x2003);

	t_fn(5, 2, 0, 1, 0x8086, 0x10d3, 0x02000000, 0, 2);

	t_fn(6, 0, 0x1f, 0, 0x8086, 0x2918, 0x06010002, PCI_HEADER_MULTI_FUNC, 0);
	t_fn(7, 0, 0x1f, 2, 0x8086, 0x2922, 0x01060102, 0, 1);
	t_bar(7, 4, 0xd101, 0x20);
	t_bar(7, 5, 0xfe687000, 0x1000);

	c = t_fn(8, 0, 2, 0, 0x104c, 0xac50, 0x06070000, PCI_HEADER_TYPE_CARDBUS, 1);
	t_caps(c, PCI_CB_CAPABILITY_LIST, cb_pos, cb_ids, 1);
	t_bar(8, 0, 0xfe690000, 0x1000);

	/* A 64-bit BAR in the last slot. */
	t_fn(9, 0, 5, 0, 0x1234, 0x11e8, 0x00ff0000, 0, 1);
	t_bar(9, 0, 0xfe400000, 0x100000);
	t_bar(9, 5, 0xfe50000c, 0x1000);

	/* Records 10 and 11: nobody there until the input says so. */
	t_fn(10, 3, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xff, 0);
	t_fn(11, 4, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xff, 0);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void load(const u8 *data, size_t size)
{
	u8 image[sizeof(template)];

	memcpy(image, template, sizeof(image));
	for (size_t i = 0; i < size; i++)
		image[i % sizeof(image)] ^= data[i];
	for (unsigned int i = 0; i < NR_FNS; i++) {
		const u8 *r = image + i * REC_SIZE;

		fns[i].bus = r[0];
		fns[i].devfn = r[1];
		memcpy(fns[i].cfg, r + 2, CFG);
		for (int b = 0; b < PCI_NUM_BARS; b++)
			fns[i].mask[b] = get32(r + 2 + CFG + 4 * b);
	}
}

/* What the walk kept, in order. */
static struct pci_dev found[NR_FNS + 1];
static unsigned int nr_found;

static struct pci_dev *keep(struct pci_scan *s, const struct pci_dev *d)
{
	if (nr_found == ARRAY_SIZE(found))
		abort();		/* more functions than exist */
	found[nr_found] = *d;
	return &found[nr_found++];
}

static void check_bar(const struct pci_bar *b)
{
	if (!b->size)
		return;
	if (b->size & (b->size - 1) || b->addr & (b->size - 1))
		abort();
	if (b->io && (b->is64 || b->prefetch || b->addr + b->size > 0x10000))
		abort();
	if (!b->io && b->addr + b->size - 1 >= 1ULL << 52)
		abort();
}

static void check_bars(const struct pci_dev *d)
{
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		check_bar(&d->bar[i]);
		/* A 64-bit BAR takes the next slot with it; none in slot 5. */
		if (d->bar[i].is64 && (i == 5 || d->bar[i + 1].size))
			abort();
	}
}

static void check_cap(struct pci_dev *d, u8 pos, u8 id)
{
	if (!pos)
		return;
	if (pos < PCI_STD_HEADER_SIZEOF || (pos & 3) || pci_read8(d, pos) != id)
		abort();
}

static void walk_caps(struct pci_dev *d, u8 probe)
{
	static const u8 ids[] = { PCI_CAP_ID_PM, PCI_CAP_ID_MSI, PCI_CAP_ID_VNDR,
				  PCI_CAP_ID_EXP, PCI_CAP_ID_MSIX, 0, 0xff };
	unsigned int n = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++)
		check_cap(d, pci_find_capability(d, ids[i]), ids[i]);
	/* As a driver goes through its vendor capabilities: it must end. */
	for (u8 pos = pci_find_capability(d, PCI_CAP_ID_VNDR); pos;
	     pos = pci_find_next_capability(d, pos, PCI_CAP_ID_VNDR)) {
		check_cap(d, pos, PCI_CAP_ID_VNDR);
		if (++n > PCI_CAP_MAX)
			abort();
	}
	/* All of one kind in one walk: the same ones. */
	{
		u8 pos[PCI_CAP_MAX];
		struct pci_caps all = { .max = ARRAY_SIZE(pos), .pos = pos };
		unsigned int nr = pci_find_all_capabilities(d, PCI_CAP_ID_VNDR, &all);

		if (nr != n || nr > PCI_CAP_MAX)
			abort();
		for (unsigned int i = 0; i < nr; i++)
			check_cap(d, pos[i], PCI_CAP_ID_VNDR);
	}
	/* From anywhere at all. */
	check_cap(d, pci_find_next_capability(d, probe, probe & 0x1f),
		  probe & 0x1f);
}

static bool in_bar(const struct pci_dev *d, u8 bar, u64 off, u64 len)
{
	const struct pci_bar *b = &d->bar[bar];

	return bar < PCI_NUM_BARS && b->size && !b->io && off + len <= b->size;
}

static void check_msix(struct pci_dev *d)
{
	struct pci_msix_info m;

	if (pci_msix_decode(d, &m))
		return;
	if (m.table_size < 1 || m.table_size > 2048 ||
	    !in_bar(d, m.table_bar, m.table_offset, m.table_size * 16ULL) ||
	    !in_bar(d, m.pba_bar, m.pba_offset, DIV_ROUND_UP(m.table_size, 64) * 8) ||
	    pci_read8(d, m.pos) != PCI_CAP_ID_MSIX)
		abort();
}

static void check_route(struct pci_dev *d)
{
	int line = pci_route_intx(d, PCI_INTX_LINE_REGISTER);
	int gsi = pci_route_intx(d, PCI_INTX_Q35);

	if (line < 0 && line != -ENODEV)
		abort();
	if (gsi < 0 && gsi != -ENODEV && gsi != -EINVAL)
		abort();
	if (line >= 0 && (line < 1 || line > 15))
		abort();
	if (gsi >= 0 && (gsi < 16 || gsi > 23))
		abort();
	if (!d->intx_pin && (line >= 0 || gsi >= 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pci_device_id ids[] = {
		{ 0x1af4, PCI_ANY_ID }, { PCI_ANY_ID, 0x10d3 }, { 0, 0 },
	};
	static bool ready;
	struct pci_scan s = {
		.ops = &fake_ops,
		.first_bus = 0,
		.last_bus = size ? data[0] | 0x03 : 0xff,
		.add = keep,
	};
	struct pci_bar bar;
	const char *why;

	if (!ready) {
		build_template();
		for (unsigned int i = 0; i < NR_FNS; i++) {
			fns[i].cfg = malloc(CFG);
			if (!fns[i].cfg)
				abort();
		}
		ready = true;
	}
	load(data, size);
	nr_found = 0;
	pci_scan_segment(&s);
	if (s.nr_found != nr_found || nr_found > NR_FNS || s.nr_buses > 256)
		abort();
	for (unsigned int i = 0; i < nr_found; i++) {
		struct pci_dev *d = &found[i];

		pci_read_details(d);
		check_bars(d);
		walk_caps(d, size > 1 ? data[1] : 0);
		check_msix(d);
		check_route(d);
		pci_match_id(ids, d);
		/* Parents are kept bridges, walked before their children. */
		if (d->parent && (d->parent < found || d->parent >= d ||
				  d->bus < d->parent->secondary ||
				  d->bus > d->parent->subordinate))
			abort();
	}
	/* The decoder on raw words from the input as well. */
	if (size >= 16) {
		if (pci_decode_bar(get32(data), get32(data + 4), get32(data + 8),
				   get32(data + 12), &bar, &why) == 0)
			check_bar(&bar);
		else if (bar.size)
			abort();
	}
	return 0;
}
