// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI core over fake config spaces: functions held in arrays behind a
 * struct pci_ops, with BARs that answer the write-ones protocol through a
 * per-BAR mask of writable bits.  Capability walks (good, looping, out
 * of range), BAR decoding (I/O, 32- and 64-bit memory, a 64-bit BAR in
 * slot 5, sizes that are not powers of two), the MSI-X capability against
 * its BARs, id matching, INTx routing and the bus walk with bad bridges.
 * Runs in the guest and on the host (tests/unit).
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>
#include <pvkit/unaligned.h>

#define MAX_FNS		40

struct fake_fn {
	u8 bus, devfn;
	u8 cfg[PCI_CFG_SPACE_SIZE];
	u32 bar_mask[PCI_NUM_BARS];	/* writable bits of each BAR register */
};

static struct fake_fn fns[MAX_FNS];
static unsigned int nr_fns;
static unsigned long nr_reads;
static unsigned int bar_writes_decoding;	/* BAR writes with decode on */
static unsigned int bar_writes;			/* BAR writes in all */

static struct fake_fn *fake_find(u8 bus, u8 devfn)
{
	for (unsigned int i = 0; i < nr_fns; i++) {
		if (fns[i].bus == bus && fns[i].devfn == devfn)
			return &fns[i];
	}
	return NULL;
}

static u32 fake_read(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		     u16 off, unsigned int size)
{
	struct fake_fn *f = fake_find(bus, devfn);
	u32 v = 0;

	nr_reads++;
	if (seg || !f || off + size > PCI_CFG_SPACE_SIZE)
		return 0xffffffff;
	for (unsigned int i = 0; i < size; i++)
		v |= (u32)f->cfg[off + i] << (8 * i);
	return v;
}

static u8 fn_header(const struct fake_fn *f)
{
	return f->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK;
}

static void fake_write(const struct pci_ops *ops, u16 seg, u8 bus, u8 devfn,
		       u16 off, unsigned int size, u32 val)
{
	struct fake_fn *f = fake_find(bus, devfn);
	unsigned int nr_bars;

	if (seg || !f || off + size > PCI_CFG_SPACE_SIZE)
		return;
	nr_bars = fn_header(f) == PCI_HEADER_TYPE_BRIDGE ? 2 : 6;
	if (off >= PCI_BASE_ADDRESS_0 && off < PCI_BASE_ADDRESS_0 + 4 * nr_bars) {
		unsigned int i = (off - PCI_BASE_ADDRESS_0) / 4;
		u32 old = fake_read(ops, seg, bus, devfn, off & ~3, 4);
		u32 m = f->bar_mask[i];

		if (f->cfg[PCI_COMMAND] & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
			bar_writes_decoding++;
		bar_writes++;
		val = (old & ~m) | (val & m);
		size = 4;
		off &= ~3;
	}
	for (unsigned int i = 0; i < size; i++)
		f->cfg[off + i] = val >> (8 * i);
}

static const struct pci_ops fake_ops = {
	.name = "fake",
	.read = fake_read,
	.write = fake_write,
	.cfg_size = PCI_CFG_SPACE_SIZE,
};

static void fake_reset(void)
{
	memset(fns, 0, sizeof(fns));
	nr_fns = 0;
	nr_reads = 0;
	bar_writes_decoding = 0;
}

static struct fake_fn *fake_add(u8 bus, u8 slot, u8 func, u16 vendor,
				u16 device, u32 class_rev, u8 header)
{
	struct fake_fn *f = &fns[nr_fns++];

	BUG_ON(nr_fns > MAX_FNS);
	f->bus = bus;
	f->devfn = PCI_DEVFN(slot, func);
	put_le16(f->cfg + PCI_VENDOR_ID, vendor);
	put_le16(f->cfg + PCI_DEVICE_ID, device);
	put_le32(f->cfg + PCI_REVISION_ID, class_rev);
	f->cfg[PCI_HEADER_TYPE] = header;
	put_le16(f->cfg + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	return f;
}

static struct fake_fn *fake_dev(u8 bus, u8 slot, u8 func)
{
	return fake_add(bus, slot, func, 0x1af4, 0x1041, 0x02000001, 0);
}

/* A BAR decoding size bytes, answering the sizing protocol. */
static void set_bar(struct fake_fn *f, int i, u32 value, u64 size)
{
	u32 flags = value & (value & PCI_BASE_ADDRESS_SPACE_IO ? 0x3 : 0xf);

	put_le32(f->cfg + PCI_BASE_ADDRESS_0 + 4 * i, value);
	f->bar_mask[i] = (u32)~(size - 1) & ~flags &
			 (flags & PCI_BASE_ADDRESS_SPACE_IO ? ~0x3U : ~0xfU);
}

static void set_bar64(struct fake_fn *f, int i, u64 addr, u64 size, bool pref)
{
	u32 lo = (u32)addr | PCI_BASE_ADDRESS_MEM_TYPE_64 |
		 (pref ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);

	put_le32(f->cfg + PCI_BASE_ADDRESS_0 + 4 * i, lo);
	put_le32(f->cfg + PCI_BASE_ADDRESS_0 + 4 * (i + 1), addr >> 32);
	f->bar_mask[i] = (u32)~(size - 1) & ~0xfU;
	f->bar_mask[i + 1] = (u32)(~(size - 1) >> 32);
}

/* Capabilities chained in the order given: pos[i] holds ids[i]. */
static void set_caps(struct fake_fn *f, const u8 *pos, const u8 *ids,
		     unsigned int n)
{
	u8 head = fn_header(f) == PCI_HEADER_TYPE_CARDBUS ?
		  PCI_CB_CAPABILITY_LIST : PCI_CAPABILITY_LIST;

	f->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	f->cfg[head] = n ? pos[0] : 0;
	for (unsigned int i = 0; i < n; i++) {
		f->cfg[pos[i]] = ids[i];
		f->cfg[pos[i] + 1] = i + 1 < n ? pos[i + 1] : 0;
	}
}

/* A pci_dev set up from the fake function at bus:slot.func. */
static struct pci_dev dev;

static struct pci_dev *setup(u8 bus, u8 slot, u8 func)
{
	memset(&dev, 0, sizeof(dev));
	dev.bus = bus;
	dev.slot = slot;
	dev.func = func;
	dev.ops = &fake_ops;
	if (pci_setup_dev(&dev))
		return NULL;
	pci_read_details(&dev);
	pci_read_bars(&dev);
	return &dev;
}

static void caps_found_in_order(struct ktest *t)
{
	static const u8 pos[] = { 0x40, 0x50, 0x60, 0x84 };
	static const u8 ids[] = { PCI_CAP_ID_PM, PCI_CAP_ID_MSIX,
				  PCI_CAP_ID_VNDR, PCI_CAP_ID_VNDR };
	struct pci_dev *d;

	fake_reset();
	set_caps(fake_dev(0, 3, 0), pos, ids, 4);
	d = setup(0, 3, 0);
	KT_ASSERT_NOT_NULL(t, d);
	KT_EXPECT_EQ(t, pci_find_capability(d, PCI_CAP_ID_PM), 0x40);
	KT_EXPECT_EQ(t, pci_find_capability(d, PCI_CAP_ID_MSIX), 0x50);
	KT_EXPECT_EQ(t, pci_find_capability(d, PCI_CAP_ID_VNDR), 0x60);
	KT_EXPECT_EQ(t, pci_find_next_capability(d, 0x60, PCI_CAP_ID_VNDR), 0x84);
	KT_EXPECT_EQ(t, pci_find_next_capability(d, 0x84, PCI_CAP_ID_VNDR), 0);
	KT_EXPECT_EQ(t, pci_find_capability(d, PCI_CAP_ID_EXP), 0);
}

/* One walk: the status, the head, and one read a capability (id and next). */
static void caps_all_found_in_one_walk(struct ktest *t)
{
	static const u8 pos[] = { 0x40, 0x50, 0x60, 0x84 };
	static const u8 ids[] = { PCI_CAP_ID_VNDR, PCI_CAP_ID_MSIX,
				  PCI_CAP_ID_VNDR, PCI_CAP_ID_VNDR };
	u8 found[2];
	struct pci_caps all = { .max = ARRAY_SIZE(found), .pos = found };
	unsigned long before;

	fake_reset();
	set_caps(fake_dev(0, 3, 0), pos, ids, 4);
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	before = nr_reads;
	KT_EXPECT_EQ(t, pci_find_all_capabilities(&dev, PCI_CAP_ID_VNDR, &all), 2);
	KT_EXPECT_EQ(t, nr_reads - before, 2 + 4);
	KT_EXPECT_EQ(t, found[0], 0x40);
	KT_EXPECT_EQ(t, found[1], 0x60);	/* 0x84 is beyond max */
	KT_EXPECT_EQ(t, pci_find_all_capabilities(&dev, PCI_CAP_ID_EXP, &all), 0);
}

static void caps_need_the_status_bit(struct ktest *t)
{
	static const u8 pos[] = { 0x40 };
	static const u8 ids[] = { PCI_CAP_ID_MSIX };
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_caps(f, pos, ids, 1);
	f->cfg[PCI_STATUS] &= ~PCI_STATUS_CAP_LIST;
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_MSIX), 0);
}

/* Goes through every capability cap_id as a driver would. */
static unsigned int count_caps(struct pci_dev *d, u8 cap_id)
{
	unsigned int n = 0;

	for (u8 pos = pci_find_capability(d, cap_id); pos && n < 1000;
	     pos = pci_find_next_capability(d, pos, cap_id))
		n++;
	return n;
}

static void caps_loop_is_cut(struct ktest *t)
{
	static const u8 pos[] = { 0x40, 0x50, 0x60 };
	static const u8 ids[] = { PCI_CAP_ID_VNDR, PCI_CAP_ID_VNDR, PCI_CAP_ID_MSI };
	struct fake_fn *f;
	unsigned long before;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_caps(f, pos, ids, 3);
	f->cfg[0x61] = 0x40;		/* 0x60 points back to the start */
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	before = nr_reads;
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_EXP), 0);
	/* Status, then two reads per capability, each seen once. */
	KT_EXPECT_LE(t, nr_reads - before, 1 + 2 * 3 + 1);
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_MSI), 0x60);
	KT_EXPECT_EQ(t, pci_find_next_capability(&dev, 0x60, PCI_CAP_ID_VNDR), 0);
	/* A driver's loop over the list ends, each capability once. */
	KT_EXPECT_EQ(t, count_caps(&dev, PCI_CAP_ID_VNDR), 2);

	f->cfg[0x41] = 0x40;		/* a capability pointing at itself */
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_EXP), 0);
	KT_EXPECT_EQ(t, pci_find_next_capability(&dev, 0x40, PCI_CAP_ID_VNDR), 0);
	KT_EXPECT_EQ(t, count_caps(&dev, PCI_CAP_ID_VNDR), 1);
}

/* 48 capabilities fill 0x40-0xff: all of them are found. */
static void caps_full_list_is_walked(struct ktest *t)
{
	u8 pos[PCI_CAP_MAX], ids[PCI_CAP_MAX];

	for (unsigned int i = 0; i < PCI_CAP_MAX; i++) {
		pos[i] = 0xfc - 4 * i;	/* backwards, for good measure */
		ids[i] = PCI_CAP_ID_VNDR;
	}
	ids[PCI_CAP_MAX - 1] = PCI_CAP_ID_MSIX;
	fake_reset();
	set_caps(fake_dev(0, 3, 0), pos, ids, PCI_CAP_MAX);
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	KT_EXPECT_EQ(t, count_caps(&dev, PCI_CAP_ID_VNDR), PCI_CAP_MAX - 1);
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_MSIX), 0x40);
}

static void caps_outside_0x40_0xff_end_the_walk(struct ktest *t)
{
	static const u8 pos[] = { 0x40, 0x50 };
	static const u8 ids[] = { PCI_CAP_ID_PM, PCI_CAP_ID_MSIX };
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_caps(f, pos, ids, 2);
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));

	f->cfg[PCI_CAPABILITY_LIST] = 0x20;	/* into the header */
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_PM), 0);
	f->cfg[PCI_CAPABILITY_LIST] = 0x43;	/* reserved low bits are masked */
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_PM), 0x40);
	f->cfg[0x41] = 0x3c;			/* next points into the header */
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_MSIX), 0);
	f->cfg[0x41] = 0x50;
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_MSIX), 0x50);
	/* A bad starting point for find_next is refused outright. */
	KT_EXPECT_EQ(t, pci_find_next_capability(&dev, 0x10, PCI_CAP_ID_MSIX), 0);
	KT_EXPECT_EQ(t, pci_find_next_capability(&dev, 0x41, PCI_CAP_ID_MSIX), 0);
	/* A capability reading all ones: the function went away. */
	f->cfg[0x50] = 0xff;
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_MSIX), 0);
}

static void cardbus_caps_start_at_0x14(struct ktest *t)
{
	static const u8 pos[] = { 0x80 };
	static const u8 ids[] = { PCI_CAP_ID_PM };

	fake_reset();
	set_caps(fake_add(0, 4, 0, 0x104c, 0xac50, 0x06070000,
			  PCI_HEADER_TYPE_CARDBUS), pos, ids, 1);
	KT_ASSERT_NOT_NULL(t, setup(0, 4, 0));
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_PM), 0x80);
}

static void config_accessors_check_alignment(struct ktest *t)
{
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	KT_EXPECT_EQ(t, pci_read16(&dev, PCI_VENDOR_ID), 0x1af4);
	KT_EXPECT_EQ(t, pci_read32(&dev, PCI_VENDOR_ID), 0x10411af4);
	KT_EXPECT_EQ(t, pci_read8(&dev, PCI_DEVICE_ID + 1), 0x10);
	KT_EXPECT_EQ(t, pci_read16(&dev, 0x01), 0xffff);
	KT_EXPECT_EQ(t, pci_read32(&dev, 0x02), 0xffffffff);
	KT_EXPECT_EQ(t, pci_read32(&dev, 0x100), 0xffffffff);
	KT_EXPECT_EQ(t, pci_read8(&dev, 0xff), 0);
	pci_write16(&dev, 0x41, 0xbeef);	/* unaligned: dropped */
	KT_EXPECT_EQ(t, f->cfg[0x41], 0);
	KT_EXPECT_EQ(t, f->cfg[0x42], 0);
	pci_write32(&dev, 0x40, 0x12345678);
	KT_EXPECT_EQ(t, pci_read16(&dev, 0x42), 0x1234);
}

static void header_fields_read(struct ktest *t)
{
	struct fake_fn *f;

	fake_reset();
	f = fake_add(0, 5, 2, 0x8086, 0x2922, 0x01060102, 0);
	put_le16(f->cfg + PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	put_le16(f->cfg + PCI_SUBSYSTEM_ID, 0x1100);
	f->cfg[PCI_INTERRUPT_PIN] = 2;
	KT_ASSERT_NOT_NULL(t, setup(0, 5, 2));
	KT_EXPECT_EQ(t, dev.vendor, 0x8086);
	KT_EXPECT_EQ(t, dev.device, 0x2922);
	KT_EXPECT_EQ(t, dev.class_code, 0x01);
	KT_EXPECT_EQ(t, dev.subclass, 0x06);
	KT_EXPECT_EQ(t, dev.prog_if, 0x01);
	KT_EXPECT_EQ(t, dev.revision, 0x02);
	KT_EXPECT_EQ(t, dev.subsystem_vendor, 0x1af4);
	KT_EXPECT_EQ(t, dev.subsystem_device, 0x1100);
	KT_EXPECT_EQ(t, dev.intx_pin, 2);
	KT_EXPECT_EQ(t, dev.intx_irq, -1);
	f->cfg[PCI_INTERRUPT_PIN] = 7;		/* no INTG */
	KT_ASSERT_NOT_NULL(t, setup(0, 5, 2));
	KT_EXPECT_EQ(t, dev.intx_pin, 0);
	KT_EXPECT_NULL(t, setup(0, 5, 3));	/* nobody there */
	put_le16(f->cfg + PCI_VENDOR_ID, 0);
	KT_EXPECT_NULL(t, setup(0, 5, 2));
}

static void bars_of_every_kind(struct ktest *t)
{
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_bar(f, 0, 0xc041, 0x40);			/* I/O */
	set_bar(f, 1, 0xfebf1000, 0x1000);		/* 32-bit memory */
	set_bar64(f, 2, 0x800000000ULL, 0x4000, true);	/* 64-bit above 4G */
	/* bar4 and bar5 not implemented: they read 0 whatever is written. */
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));

	KT_EXPECT_TRUE(t, dev.bar[0].io);
	KT_EXPECT_EQ(t, dev.bar[0].addr, 0xc040);
	KT_EXPECT_EQ(t, dev.bar[0].size, 0x40);

	KT_EXPECT_FALSE(t, dev.bar[1].io);
	KT_EXPECT_FALSE(t, dev.bar[1].is64);
	KT_EXPECT_EQ(t, dev.bar[1].addr, 0xfebf1000);
	KT_EXPECT_EQ(t, dev.bar[1].size, 0x1000);

	KT_EXPECT_TRUE(t, dev.bar[2].is64);
	KT_EXPECT_TRUE(t, dev.bar[2].prefetch);
	KT_EXPECT_EQ(t, dev.bar[2].addr, 0x800000000ULL);
	KT_EXPECT_EQ(t, dev.bar[2].size, 0x4000);
	KT_EXPECT_EQ(t, dev.bar[3].size, 0);	/* the upper half of bar2 */
	KT_EXPECT_EQ(t, dev.bar[4].size, 0);
	KT_EXPECT_EQ(t, dev.bar[5].size, 0);
}

/*
 * Sets up the fake device at 00:03.0 and checks that its config space
 * is as before: every BAR sized and put back.
 */
static void setup_leaves_config(struct ktest *t, const struct fake_fn *f)
{
	u8 before[PCI_CFG_SPACE_SIZE];

	memcpy(before, f->cfg, sizeof(before));
	bar_writes = bar_writes_decoding = 0;
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	KT_EXPECT_MEMEQ(t, f->cfg, before, sizeof(before));
}

static void bar_sizing_restores_and_stops_decode(struct ktest *t)
{
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_bar(f, 0, 0xc001, 0x20);
	set_bar(f, 1, 0xfebf0000, 0x10000);
	set_bar64(f, 2, 0xfe000000, 0x800000, true);
	setup_leaves_config(t, f);
	KT_EXPECT_EQ(t, bar_writes_decoding, 0);
	KT_EXPECT_EQ(t, dev.bar[2].size, 0x800000);
}

/*
 * A BAR register reading 0 is not implemented, or a 32-bit memory BAR
 * left at address 0 (unassigned: size bits writable), which nothing here
 * would move: not written at all (two exits under a hypervisor saved).
 * BAR0 sized and restored, the others only read; with no BAR at all the
 * decode stays on, not a write.
 */
static void unimplemented_bars_are_not_written(struct ktest *t)
{
	fake_reset();
	set_bar(fake_dev(0, 3, 0), 0, 0xfebf0000, 0x1000);
	set_bar(&fns[0], 1, 0, 0x1000);
	setup_leaves_config(t, &fns[0]);
	KT_EXPECT_EQ(t, bar_writes, 2);
	KT_EXPECT_EQ(t, dev.bar[0].size, 0x1000);
	KT_EXPECT_EQ(t, dev.bar[1].size, 0);

	fake_reset();
	fake_dev(0, 3, 0);
	nr_reads = 0;
	setup_leaves_config(t, &fns[0]);
	KT_EXPECT_EQ(t, bar_writes, 0);
	/* ids, class, header, subsystem, pin, the six BARs */
	KT_EXPECT_EQ(t, nr_reads, 5 + 6);
}

#ifdef __HOST_TEST__
/*
 * Logic over the fake configuration space alone: the host run covers it,
 * and the image (its size budget) leaves it out.
 */
/* A function set up as the scan does, its BARs not sized. */
static struct pci_dev *setup_unsized(u8 slot)
{
	memset(&dev, 0, sizeof(dev));
	dev.slot = slot;
	dev.ops = &fake_ops;
	return pci_setup_dev(&dev) ? NULL : &dev;
}

/* pci_read_bar(i) does (or did) its work and finds addr+size there. */
static void expect_bar(struct ktest *t, int i, bool now, u64 addr, u64 size)
{
	KT_EXPECT_EQ(t, pci_read_bar(&dev, i), now);
	KT_EXPECT_EQ(t, dev.bar[i].addr, addr);
	KT_EXPECT_EQ(t, dev.bar[i].size, size);
}

/*
 * A driver on demand (AHCI maps BAR 5 only): the registers below are
 * read, not written, only BAR 5 sized, decode off meanwhile, and the
 * config space as before.  The upper half of a 64-bit BAR is no BAR.
 */
static void one_bar_sized_on_demand(struct ktest *t)
{
	u8 before[PCI_CFG_SPACE_SIZE];
	unsigned long reads;
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_bar(f, 0, 0xc001, 0x20);
	set_bar64(f, 1, 0xfe000000, 0x4000, false);
	set_bar(f, 5, 0xfebf1000, 0x1000);
	memcpy(before, f->cfg, sizeof(before));
	KT_ASSERT_NOT_NULL(t, setup_unsized(3));
	bar_writes = bar_writes_decoding = 0;
	reads = nr_reads;
	expect_bar(t, 5, true, 0xfebf1000, 0x1000);
	expect_bar(t, 5, false, 0xfebf1000, 0x1000);	/* once */
	/*
	 * BAR 4 (no 64-bit lower half), BAR 5, the command, the mask (the
	 * fake reads once more for each BAR write it merges).
	 */
	KT_EXPECT_EQ(t, nr_reads - reads - bar_writes, 4);
	KT_EXPECT_EQ(t, bar_writes + bar_writes_decoding, 2);
	KT_EXPECT_EQ(t, dev.bar[0].size, 0);		/* not sized */
	/* BAR 2 is bar 1's upper half: nothing written, no BAR. */
	expect_bar(t, 2, true, 0, 0);
	KT_EXPECT_EQ(t, bar_writes, 2);
	expect_bar(t, 1, true, 0xfe000000, 0x4000);
	KT_EXPECT_TRUE(t, dev.bar[1].is64);
	expect_bar(t, 2, false, 0, 0);
	KT_EXPECT_FALSE(t, pci_read_bar(&dev, 6));
	KT_EXPECT_MEMEQ(t, f->cfg, before, sizeof(before));

	/* Two 64-bit BARs in a row: 0-1 and 2-3; register 3 is a half. */
	fake_reset();
	f = fake_dev(0, 3, 0);
	set_bar64(f, 0, 0xfe000000, 0x4000, false);
	set_bar64(f, 2, 0xfe100000, 0x4000, true);
	set_bar(f, 4, 0xfebf1000, 0x1000);
	KT_ASSERT_NOT_NULL(t, setup_unsized(3));
	expect_bar(t, 3, true, 0, 0);
	expect_bar(t, 2, true, 0xfe100000, 0x4000);
	expect_bar(t, 4, true, 0xfebf1000, 0x1000);
	expect_bar(t, 1, true, 0, 0);
}
#endif

static void bar64_in_slot5_is_refused(struct ktest *t)
{
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_bar(f, 4, 0xfebf0000, 0x1000);
	put_le32(f->cfg + PCI_BASE_ADDRESS_0 + 20, 0xfebf2000 | PCI_BASE_ADDRESS_MEM_TYPE_64);
	f->bar_mask[5] = 0xfffff000;
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	KT_EXPECT_EQ(t, dev.bar[4].size, 0x1000);
	KT_EXPECT_EQ(t, dev.bar[5].size, 0);

	/* A bridge has two BARs: a 64-bit BAR 1 runs off its end too. */
	fake_reset();
	f = fake_add(0, 2, 0, 0x1b36, 0x0001, 0x06040000, PCI_HEADER_TYPE_BRIDGE);
	set_bar64(f, 1, 0xfe000000, 0x1000, false);
	KT_ASSERT_NOT_NULL(t, setup(0, 2, 0));
	KT_EXPECT_EQ(t, dev.bar[1].size, 0);
}

static void bar_sizes_must_be_powers_of_two(struct ktest *t)
{
	struct pci_bar b;
	const char *why;

	/* A hole in the mask: no single size fits. */
	KT_EXPECT_EQ(t, pci_decode_bar(0xfe000000, 0xfff0f000, 0, 0, &b, &why), -EINVAL);
	KT_EXPECT_NOT_NULL(t, why);
	KT_EXPECT_EQ(t, b.size, 0);
	KT_EXPECT_EQ(t, pci_decode_bar(0xc001, 0xffffff3d, 0, 0, &b, &why), -EINVAL);
	/* 64-bit, mask with a hole in the upper half. */
	KT_EXPECT_EQ(t, pci_decode_bar(0x4, 0, 0x10, 0xfffffff0, &b, &why), 0);
	KT_EXPECT_EQ(t, b.size, 1ULL << 36);
	KT_EXPECT_EQ(t, pci_decode_bar(0x4, 0, 0x1, 0xfff0fff0, &b, &why), -EINVAL);
	/* Fine ones. */
	KT_EXPECT_EQ(t, pci_decode_bar(0xfe000000, 0xff000000, 0, 0, &b, &why), 0);
	KT_EXPECT_EQ(t, b.size, 0x1000000);
	KT_EXPECT_EQ(t, pci_decode_bar(0x4, 0, 0, 0xffffffff, &b, &why), 0);
	KT_EXPECT_EQ(t, b.size, 1ULL << 32);
	KT_EXPECT_TRUE(t, b.is64);
}

static void bar_addresses_are_checked(struct ktest *t)
{
	struct pci_bar b;
	const char *why;

	/* Misaligned memory and I/O. */
	KT_EXPECT_EQ(t, pci_decode_bar(0xfebf1800, 0xfffff000, 0, 0, &b, &why), -EINVAL);
	KT_EXPECT_EQ(t, pci_decode_bar(0xc011, 0xffffffe1, 0, 0, &b, &why), -EINVAL);
	/* I/O past 64 KiB. */
	KT_EXPECT_EQ(t, pci_decode_bar(0x10001, 0xffffff01, 0, 0, &b, &why), -EINVAL);
	/* A 16-bit I/O decoder reads the upper half as 0: still fine. */
	KT_EXPECT_EQ(t, pci_decode_bar(0xc001, 0x0000ffe1, 0, 0, &b, &why), 0);
	KT_EXPECT_EQ(t, b.size, 0x20);
	KT_EXPECT_TRUE(t, b.io);
	/* Memory type 3 is reserved. */
	KT_EXPECT_EQ(t, pci_decode_bar(0xfe000006, 0xfffff006, 0, 0, &b, &why), -EINVAL);
	/* Beyond 52 address bits. */
	KT_EXPECT_EQ(t, pci_decode_bar(0x4, 0xfffff004, 0xfff00000, 0xffffffff,
				       &b, &why), -EINVAL);
	/* Address bits the BAR does not implement. */
	KT_EXPECT_EQ(t, pci_decode_bar(0x4, 0xfffff004, 0x10, 0xf, &b, &why), -EINVAL);
	/* Nothing implemented: no BAR, no complaint. */
	KT_EXPECT_EQ(t, pci_decode_bar(0, 0, 0, 0, &b, &why), 1);
	KT_EXPECT_EQ(t, pci_decode_bar(1, 1, 0, 0, &b, &why), 1);
	KT_EXPECT_NULL(t, why);
	/* Unassigned (address 0) but sized: kept, for what it is worth. */
	KT_EXPECT_EQ(t, pci_decode_bar(0, 0xfffff000, 0, 0, &b, &why), 0);
	KT_EXPECT_EQ(t, b.addr, 0);
	KT_EXPECT_EQ(t, b.size, 0x1000);
}

/* An MSI-X capability at 0x40: table and PBA offsets with their BIRs. */
static struct fake_fn *msix_fn(u16 qsize, u32 table, u32 pba)
{
	static const u8 pos[] = { 0x40 };
	static const u8 ids[] = { PCI_CAP_ID_MSIX };
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_bar(f, 0, 0xfe800000, 0x20000);
	set_bar(f, 2, 0xc001, 0x20);
	set_bar(f, 3, 0xfebf4000, 0x4000);
	set_caps(f, pos, ids, 1);
	put_le16(f->cfg + 0x40 + PCI_MSIX_FLAGS, qsize - 1);
	put_le32(f->cfg + 0x40 + PCI_MSIX_TABLE, table);
	put_le32(f->cfg + 0x40 + PCI_MSIX_PBA, pba);
	return f;
}

static int decode_msix(struct pci_msix_info *info)
{
	if (!setup(0, 3, 0))
		return -2;
	return pci_msix_decode(&dev, info);
}

static void msix_capability_decodes(struct ktest *t)
{
	struct pci_msix_info info;

	/* e1000e's layout: table at bar3 + 0, PBA at bar3 + 0x2000. */
	msix_fn(5, 0x3, 0x2003);
	KT_ASSERT_EQ(t, decode_msix(&info), 0);
	KT_EXPECT_EQ(t, info.pos, 0x40);
	KT_EXPECT_EQ(t, info.table_size, 5);
	KT_EXPECT_EQ(t, info.table_bar, 3);
	KT_EXPECT_EQ(t, info.table_offset, 0);
	KT_EXPECT_EQ(t, info.pba_bar, 3);
	KT_EXPECT_EQ(t, info.pba_offset, 0x2000);
	/* Table and PBA in different BARs. */
	msix_fn(2048, 0x0, 0x10003);
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);	/* PBA beyond bar3 */
	msix_fn(2048, 0x0, 0x3);
	KT_ASSERT_EQ(t, decode_msix(&info), 0);
	KT_EXPECT_EQ(t, info.table_size, 2048);
}

static void msix_capability_checked_against_bars(struct ktest *t)
{
	struct pci_msix_info info;

	msix_fn(5, 0x3ff8 | 3, 0x2003);		/* table runs off bar3 */
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);
	msix_fn(2048, 0x3, 0x3003);		/* 32 KiB of table in 16 KiB */
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);
	msix_fn(5, 0x6, 0x2003);		/* BIR 6 does not exist */
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);
	msix_fn(5, 0x7, 0x2003);
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);
	msix_fn(5, 0x2, 0x2003);		/* bar2 is I/O */
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);
	msix_fn(5, 0x1, 0x2003);		/* bar1 is not there */
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);
	msix_fn(5, 0x3, 0x0043);		/* PBA inside the table */
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);
	msix_fn(100, 0x0, 0x3ff8 | 3);		/* 16 bytes of PBA in the last 8 */
	KT_EXPECT_EQ(t, decode_msix(&info), -EINVAL);
	msix_fn(64, 0x0, 0x3ff8 | 3);		/* 8 bytes: fits */
	KT_EXPECT_EQ(t, decode_msix(&info), 0);
	msix_fn(5, 0x3, 0x0053);		/* PBA right after the table */
	KT_EXPECT_EQ(t, decode_msix(&info), 0);
}

static void msix_capability_must_fit_config_space(struct ktest *t)
{
	static const u8 pos[] = { 0x40, 0xf8 };
	static const u8 ids[] = { PCI_CAP_ID_PM, PCI_CAP_ID_MSIX };
	struct pci_msix_info info;
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	set_bar(f, 0, 0xfe800000, 0x20000);
	set_caps(f, pos, ids, 2);
	put_le16(f->cfg + 0xf8 + PCI_MSIX_FLAGS, 0);
	put_le32(f->cfg + 0xf8 + PCI_MSIX_TABLE, 0);
	/* The PBA offset would be at 0x100: outside. */
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	KT_EXPECT_EQ(t, pci_find_capability(&dev, PCI_CAP_ID_MSIX), 0xf8);
	KT_EXPECT_EQ(t, pci_msix_decode(&dev, &info), -EINVAL);
}

static void ids_match(struct ktest *t)
{
	static const struct pci_device_id ids[] = {
		{ 0x8086, 0x10d3 },
		{ 0x1af4, PCI_ANY_ID },
		{ 0, 0 },
		{ 0x1234, 0x11e8 },		/* after the end: never seen */
	};
	static const struct pci_device_id any[] = {
		{ PCI_ANY_ID, PCI_ANY_ID },
		{ 0, 0 },
	};
	struct pci_dev d = { .vendor = 0x1af4, .device = 0x1042 };

	KT_EXPECT_TRUE(t, pci_match_id(ids, &d) == &ids[1]);
	d.vendor = 0x8086;
	KT_EXPECT_NULL(t, pci_match_id(ids, &d));
	d.device = 0x10d3;
	KT_EXPECT_TRUE(t, pci_match_id(ids, &d) == &ids[0]);
	d.vendor = 0x1234;
	d.device = 0x11e8;
	KT_EXPECT_NULL(t, pci_match_id(ids, &d));
	KT_EXPECT_TRUE(t, pci_match_id(any, &d) == &any[0]);
	KT_EXPECT_NULL(t, pci_match_id(NULL, &d));
}

static void intx_routes_by_line_register(struct ktest *t)
{
	struct fake_fn *f;

	fake_reset();
	f = fake_dev(0, 3, 0);
	f->cfg[PCI_INTERRUPT_PIN] = 1;
	f->cfg[PCI_INTERRUPT_LINE] = 11;
	KT_ASSERT_NOT_NULL(t, setup(0, 3, 0));
	KT_EXPECT_EQ(t, pci_route_intx(&dev, PCI_INTX_LINE_REGISTER), 11);
	f->cfg[PCI_INTERRUPT_LINE] = 0xff;	/* not connected */
	KT_EXPECT_EQ(t, pci_route_intx(&dev, PCI_INTX_LINE_REGISTER), -ENODEV);
	f->cfg[PCI_INTERRUPT_LINE] = 0;
	KT_EXPECT_EQ(t, pci_route_intx(&dev, PCI_INTX_LINE_REGISTER), -ENODEV);
	f->cfg[PCI_INTERRUPT_LINE] = 16;
	KT_EXPECT_EQ(t, pci_route_intx(&dev, PCI_INTX_LINE_REGISTER), -ENODEV);
	f->cfg[PCI_INTERRUPT_LINE] = 10;
	dev.intx_pin = 0;			/* no pin, no line */
	KT_EXPECT_EQ(t, pci_route_intx(&dev, PCI_INTX_LINE_REGISTER), -ENODEV);
}

/* Counts n interrupts, one in every `every` claimed (0: none); true if one was the last straw. */
static bool intx_count_n(struct pci_intx_count *c, unsigned int n, unsigned int every)
{
	bool stuck = false;

	for (unsigned int i = 1; i <= n; i++)
		stuck |= pci_intx_stuck(c, every && !(i % every));
	return stuck;
}

/* A line nobody claims is given up at the budget, not one interrupt before. */
static void intx_unclaimed_is_stuck(struct ktest *t)
{
	struct pci_intx_count c = { 0 };

	KT_EXPECT_FALSE(t, intx_count_n(&c, PCI_INTX_STUCK_BUDGET - 1, 0));
	KT_EXPECT_TRUE(t, pci_intx_stuck(&c, false));
	KT_EXPECT_EQ(t, c.unclaimed, (unsigned long)PCI_INTX_STUCK_BUDGET);
}

/*
 * A line one function holds up while another claims one interrupt in a
 * thousand is still given up (a run of unclaimed ones would start again
 * at every claim); one whose devices claim 2% of them is not.
 */
static void intx_mostly_unclaimed_is_stuck(struct ktest *t)
{
	struct pci_intx_count c = { 0 };

	KT_EXPECT_TRUE(t, intx_count_n(&c, PCI_INTX_STUCK_BUDGET, 1000));
	memset(&c, 0, sizeof(c));
	KT_EXPECT_FALSE(t, intx_count_n(&c, 10 * PCI_INTX_STUCK_BUDGET, 50));
}

static void intx_routes_on_q35(struct ktest *t)
{
	struct pci_dev root = { .slot = 2 }, below = { .slot = 4, .parent = &root };
	struct pci_dev d = { .bus = 0 };

	/* PIRQ E-H rotated by slot, for slots up to 0x18. */
	d.slot = 3;
	d.intx_pin = 1;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), 23);
	d.intx_pin = 2;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), 20);
	d.slot = 0x18;
	d.intx_pin = 1;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), 20);
	/* PIRQ A-D by pin in 0x19-0x1d and 0x1f, E-H by pin in 0x1e. */
	d.slot = 0x1f;
	d.intx_pin = 2;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), 17);
	d.slot = 0x1d;
	d.intx_pin = 4;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), 19);
	d.slot = 0x1e;
	d.intx_pin = 3;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), 22);
	/* Behind a bridge in slot 2: slot 3 INTA is the bridge's INTD. */
	d.bus = 1;
	d.slot = 3;
	d.intx_pin = 1;
	d.parent = &root;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), 16 + 4 + ((2 + 3) & 3));
	/* Two bridges: slot 0 INTB -> INTB at slot 4 -> INTB + 4 at slot 2. */
	d.bus = 2;
	d.slot = 0;
	d.intx_pin = 2;
	d.parent = &below;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35),
		     16 + 4 + ((2 + pci_swizzle(4, 2) - 1) & 3));
	/* A root bus other than 0 is not the ICH9's. */
	d.parent = NULL;
	d.bus = 0x80;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), -ENODEV);
	d.intx_pin = 0;
	d.bus = 0;
	KT_EXPECT_EQ(t, pci_route_intx(&d, PCI_INTX_Q35), -ENODEV);
	KT_EXPECT_EQ(t, pci_swizzle(0, 1), 1);
	KT_EXPECT_EQ(t, pci_swizzle(1, 4), 1);
	KT_EXPECT_EQ(t, pci_swizzle(8, 2), 2);
	KT_EXPECT_EQ(t, pci_swizzle(7, 2), 1);
}

/* The walk's results, kept in order. */
static struct pci_dev found[MAX_FNS];
static unsigned int nr_found;

static struct pci_dev *keep(struct pci_scan *s, const struct pci_dev *d)
{
	if (nr_found == MAX_FNS)
		return NULL;
	found[nr_found] = *d;
	return &found[nr_found++];
}

static void walk(struct pci_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->ops = &fake_ops;
	s->first_bus = 0;
	s->last_bus = 255;
	s->add = keep;
	nr_found = 0;
	pci_scan_segment(s);
}

static struct fake_fn *bridge(u8 bus, u8 slot, u8 sec, u8 sub)
{
	struct fake_fn *f = fake_add(bus, slot, 0, 0x1b36, 0x0001, 0x06040000,
				     PCI_HEADER_TYPE_BRIDGE);

	f->cfg[PCI_PRIMARY_BUS] = bus;
	f->cfg[PCI_SECONDARY_BUS] = sec;
	f->cfg[PCI_SUBORDINATE_BUS] = sub;
	return f;
}

static int found_at(u8 bus, u8 slot, u8 func)
{
	for (unsigned int i = 0; i < nr_found; i++) {
		if (found[i].bus == bus && found[i].slot == slot &&
		    found[i].func == func)
			return i;
	}
	return -ENOENT;
}

static void walk_follows_bridges_depth_first(struct ktest *t)
{
	struct pci_scan s;
	int i;

	fake_reset();
	fake_add(0, 0, 0, 0x8086, 0x29c0, 0x06000000, 0);
	fake_add(0, 1, 0, 0x8086, 0x7000, 0x06010000, PCI_HEADER_MULTI_FUNC);
	fake_add(0, 1, 1, 0x8086, 0x7010, 0x01018000, 0);
	fake_add(0, 1, 3, 0x8086, 0x7113, 0x06800000, 0);	/* .2 absent */
	bridge(0, 2, 1, 2);
	fake_dev(1, 3, 0);
	bridge(1, 4, 2, 2);
	fake_dev(2, 0, 0)->cfg[PCI_INTERRUPT_PIN] = 2;
	fake_dev(0, 5, 0);
	fake_dev(0, 5, 1);		/* 05.0 is single-function: not seen */
	fake_dev(0, 31, 0);
	walk(&s);

	KT_EXPECT_EQ(t, s.nr_found, 10);
	KT_EXPECT_EQ(t, s.nr_buses, 3);
	KT_EXPECT_EQ(t, s.nr_refused, 0);
	KT_ASSERT_EQ(t, nr_found, 10);
	/* Depth-first: what is behind 00:02.0 comes before 00:05.0. */
	KT_EXPECT_EQ(t, found_at(0, 1, 3), 3);
	KT_EXPECT_EQ(t, found_at(0, 2, 0), 4);
	KT_EXPECT_EQ(t, found_at(1, 3, 0), 5);
	KT_EXPECT_EQ(t, found_at(1, 4, 0), 6);
	KT_EXPECT_EQ(t, found_at(2, 0, 0), 7);
	KT_EXPECT_EQ(t, found_at(0, 5, 0), 8);
	KT_EXPECT_EQ(t, found_at(0, 5, 1), -ENOENT);
	KT_EXPECT_EQ(t, found_at(0, 1, 2), -ENOENT);
	KT_EXPECT_EQ(t, found_at(0, 31, 0), 9);
	/* Parents and bus ranges. */
	KT_EXPECT_TRUE(t, found[5].parent == &found[4]);
	KT_EXPECT_TRUE(t, found[7].parent == &found[6]);
	KT_EXPECT_TRUE(t, found[6].parent == &found[4]);
	KT_EXPECT_NULL(t, found[4].parent);
	KT_EXPECT_EQ(t, found[4].secondary, 1);
	KT_EXPECT_EQ(t, found[4].subordinate, 2);
	/* 02:00.0 INTB -> INTB at 01:04 -> INTB + 4 = INTB at 00:02 -> PIRQ H. */
	i = found_at(2, 0, 0);
	KT_ASSERT_TRUE(t, i >= 0);
	pci_read_details(&found[i]);		/* the pin */
	KT_EXPECT_EQ(t, pci_route_intx(&found[i], PCI_INTX_Q35), 23);
}

/*
 * The scan reads three registers of a function (ids, class and revision,
 * header type) and one of an empty slot or function, each a VM exit under
 * a hypervisor; it does not look at functions 1-7 of a single-function
 * device.  The subsystem, pin and capabilities come with pci_read_details().
 */
static void walk_reads_only_what_it_needs(struct ktest *t)
{
	static const u8 pos[] = { 0x40 }, ids[] = { PCI_CAP_ID_MSI };
	struct pci_scan s;
	struct fake_fn *f;
	unsigned int writes = bar_writes;

	fake_reset();
	f = fake_dev(0, 3, 0);
	f->cfg[PCI_INTERRUPT_PIN] = 1;
	put_le16(f->cfg + PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	set_caps(f, pos, ids, 1);
	fake_dev(0, 3, 1);		/* 03.0 is single-function: not read */
	fake_add(0, 4, 0, 0x8086, 0x7000, 0x06010000, PCI_HEADER_MULTI_FUNC);
	walk(&s);
	KT_ASSERT_EQ(t, nr_found, 2);
	/* One read a slot and for 04.1-04.7, two more for each found. */
	KT_EXPECT_EQ(t, nr_reads, 32 + 7 + 2 * 2);
	KT_EXPECT_EQ(t, bar_writes, writes);
	KT_EXPECT_EQ(t, found[0].intx_pin, 0);
	KT_EXPECT_EQ(t, found[0].subsystem_vendor, 0);
	KT_EXPECT_TRUE(t, pci_read_details(&found[0]));
	KT_EXPECT_EQ(t, found[0].intx_pin, 1);
	KT_EXPECT_EQ(t, found[0].subsystem_vendor, 0x1af4);
	KT_EXPECT_FALSE(t, pci_read_details(&found[0]));
}

static void walk_skips_bad_bridges(struct ktest *t)
{
	struct pci_scan s;

	fake_reset();
	bridge(0, 1, 0, 0);		/* not configured */
	bridge(0, 2, 0, 3);		/* secondary = its own bus: a loop */
	bridge(0, 3, 5, 4);		/* secondary above subordinate */
	bridge(0, 4, 1, 3);		/* fine */
	bridge(0, 5, 1, 1);		/* bus 1 again */
	bridge(1, 0, 1, 1);		/* on bus 1, back to bus 1 */
	bridge(1, 1, 0, 9);		/* on bus 1, back to bus 0 */
	bridge(1, 2, 2, 9);		/* beyond its parent's range (1-3) */
	bridge(1, 3, 3, 3);		/* fine */
	fake_dev(3, 0, 0);
	fake_dev(2, 0, 0);		/* reachable only through 01:02.0 */
	walk(&s);

	KT_EXPECT_EQ(t, s.nr_buses, 3);
	KT_EXPECT_EQ(t, s.nr_refused, 7);
	KT_EXPECT_GE(t, found_at(3, 0, 0), 0);
	KT_EXPECT_EQ(t, found_at(2, 0, 0), -ENOENT);
	KT_EXPECT_EQ(t, s.nr_found, 10);
}

static void walk_stays_in_the_window(struct ktest *t)
{
	struct pci_scan s;

	fake_reset();
	bridge(0, 1, 0x10, 0x10);
	fake_dev(0x10, 0, 0);
	memset(&s, 0, sizeof(s));
	s.ops = &fake_ops;
	s.last_bus = 0x0f;
	s.add = keep;
	nr_found = 0;
	pci_scan_segment(&s);
	KT_EXPECT_EQ(t, s.nr_found, 1);
	KT_EXPECT_EQ(t, s.nr_refused, 1);
}

/* Bridges stacked deeper than PCI_MAX_DEPTH: the walk stops there. */
static void walk_depth_is_bounded(struct ktest *t)
{
	struct pci_scan s;

	fake_reset();
	for (unsigned int b = 0; b < PCI_MAX_DEPTH + 4; b++)
		bridge(b, 0, b + 1, 255);
	walk(&s);
	KT_EXPECT_EQ(t, s.nr_buses, PCI_MAX_DEPTH + 1);
	KT_EXPECT_EQ(t, s.nr_found, PCI_MAX_DEPTH + 1);
	KT_EXPECT_EQ(t, s.nr_refused, 1);
	/* The deepest still routes; a chain of parents that loops does not. */
	KT_ASSERT_EQ(t, nr_found, PCI_MAX_DEPTH + 1);
	found[PCI_MAX_DEPTH].intx_pin = 1;
	KT_EXPECT_GE(t, pci_route_intx(&found[PCI_MAX_DEPTH], PCI_INTX_Q35), 16);
	found[0].parent = &found[PCI_MAX_DEPTH];
	KT_EXPECT_EQ(t, pci_route_intx(&found[PCI_MAX_DEPTH], PCI_INTX_Q35), -EINVAL);
}

static const struct ktest_case pci_config_cases[] = {
	KTEST_CASE(caps_found_in_order),
	KTEST_CASE(caps_all_found_in_one_walk),
	KTEST_CASE(caps_need_the_status_bit),
	KTEST_CASE(caps_loop_is_cut),
	KTEST_CASE(caps_full_list_is_walked),
	KTEST_CASE(caps_outside_0x40_0xff_end_the_walk),
	KTEST_CASE(cardbus_caps_start_at_0x14),
	KTEST_CASE(config_accessors_check_alignment),
	KTEST_CASE(header_fields_read),
	KTEST_CASE(bars_of_every_kind),
	KTEST_CASE(bar_sizing_restores_and_stops_decode),
	KTEST_CASE(unimplemented_bars_are_not_written),
#ifdef __HOST_TEST__
	KTEST_CASE(one_bar_sized_on_demand),
#endif
	KTEST_CASE(bar64_in_slot5_is_refused),
	KTEST_CASE(bar_sizes_must_be_powers_of_two),
	KTEST_CASE(bar_addresses_are_checked),
	KTEST_CASE(msix_capability_decodes),
	KTEST_CASE(msix_capability_checked_against_bars),
	KTEST_CASE(msix_capability_must_fit_config_space),
	KTEST_CASE(ids_match),
	KTEST_CASE(intx_routes_by_line_register),
	KTEST_CASE(intx_routes_on_q35),
	KTEST_CASE(intx_unclaimed_is_stuck),
	KTEST_CASE(intx_mostly_unclaimed_is_stuck),
	KTEST_CASE(walk_follows_bridges_depth_first),
	KTEST_CASE(walk_reads_only_what_it_needs),
	KTEST_CASE(walk_skips_bad_bridges),
	KTEST_CASE(walk_stays_in_the_window),
	KTEST_CASE(walk_depth_is_bounded),
	{}
};
KTEST_SUITE(pci_config, pci_config_cases);
