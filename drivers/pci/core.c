// SPDX-License-Identifier: GPL-2.0
/*
 * The machine-independent part of PCI: config accessors over struct
 * pci_ops, the capability walk, BAR sizing and decoding, the MSI-X
 * capability, id matching, INTx routing rules and the bus walk.  It
 * touches no hardware itself, so it also builds on the host, where the
 * unit tests and the fuzzer hand it fake config spaces.
 *
 * Config space is untrusted input: a capability list may loop or point
 * anywhere, a BAR may read back any pattern, a bridge may name any bus.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>

#define pci_warn(d, fmt, ...) \
	pr_warn(PCI_DEV_FMT ": " fmt, PCI_DEV_ARGS(d), ##__VA_ARGS__)

/* x86 physical addresses have at most 52 bits. */
#define PCI_MAX_PHYS_BITS	52
#define PCI_IO_SPACE_SIZE	0x10000

static u8 devfn_of(const struct pci_dev *d)
{
	return PCI_DEVFN(d->slot, d->func);
}

/* Natural alignment and inside what the mechanism reaches. */
static bool cfg_ok(const struct pci_dev *d, u16 off, unsigned int size)
{
	return d->ops && !(off & (size - 1)) &&
	       (u32)off + size <= d->ops->cfg_size;
}

/*
 * The command register changes only when software writes it (a reset
 * of the function aside, which nothing here does), and binding a driver
 * read it four times (BAR sizing, bus mastering, MSI-X), each a VM exit
 * under a hypervisor: after the first read it is kept, and every write
 * of it through these accessors updates what is kept.
 */
static bool command_kept(const struct pci_dev *d, u16 off, unsigned int size)
{
	return off == PCI_COMMAND && size == 2 && d->command_known;
}

static void keep_command(struct pci_dev *d, u16 off, unsigned int size, u32 val)
{
	if (off > PCI_COMMAND + 1 || off + size <= PCI_COMMAND)
		return;
	d->command_known = off == PCI_COMMAND && size >= 2;
	d->command = val;
}

static u32 cfg_read(struct pci_dev *d, u16 off, unsigned int size)
{
	u32 v;

	if (!cfg_ok(d, off, size))
		return 0xffffffff;
	if (command_kept(d, off, size))
		return d->command;
	v = d->ops->read(d->ops, d->segment, d->bus, devfn_of(d), off, size);
	/* All ones: nobody answers (now), nothing to keep. */
	if (off == PCI_COMMAND && size >= 2 && (u16)v != 0xffff)
		keep_command(d, off, size, v);
	return v;
}

static void cfg_write(struct pci_dev *d, u16 off, unsigned int size, u32 val)
{
	if (!cfg_ok(d, off, size))
		return;
	d->ops->write(d->ops, d->segment, d->bus, devfn_of(d), off, size, val);
	keep_command(d, off, size, val);
}

u8 pci_read8(struct pci_dev *d, u16 off)
{
	return cfg_read(d, off, 1);
}

u16 pci_read16(struct pci_dev *d, u16 off)
{
	return cfg_read(d, off, 2);
}

u32 pci_read32(struct pci_dev *d, u16 off)
{
	return cfg_read(d, off, 4);
}

void pci_write8(struct pci_dev *d, u16 off, u8 val)
{
	cfg_write(d, off, 1, val);
}

void pci_write16(struct pci_dev *d, u16 off, u16 val)
{
	cfg_write(d, off, 2, val);
}

void pci_write32(struct pci_dev *d, u16 off, u32 val)
{
	cfg_write(d, off, 4, val);
}

void pci_set_master(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);
	u16 want = cmd | PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY | PCI_COMMAND_IO;

	if (want != cmd)
		pci_write16(d, PCI_COMMAND, want);
}

/* Where the first capability pointer lives, or 0 without a list. */
static u8 cap_list_head(struct pci_dev *d)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	if ((d->header_type & PCI_HEADER_TYPE_MASK) == PCI_HEADER_TYPE_CARDBUS)
		return PCI_CB_CAPABILITY_LIST;
	return PCI_CAPABILITY_LIST;
}

/*
 * Walks the list from its head to the first cap_id found after passing
 * the capability at after (0: from the start; -1 never matches), or with
 * all set to the end, gathering every cap_id there (all->max at most).
 * A pointer below 0x40 ends the list (0 is the proper end; anything else
 * there is the header, not a capability) and the low two bits are
 * reserved.  Each dword of 0x40-0xff can be visited once: a list that
 * comes back to a capability loops, and ends there.  So a caller going
 * through the list with pci_find_next_capability() also gets each
 * capability once and comes to an end.  *broken says whether the list
 * ended other than with a 0 pointer.  A capability's id, next pointer and
 * the two bytes after are one 32-bit read: each read is a VM exit under a
 * hypervisor.  A walk of the whole list (all) notes where MSI-X is: the
 * driver that walked it for its own capabilities asks for MSI-X next.
 */
static u8 walk_caps(struct pci_dev *d, u8 after, int cap_id, bool *broken,
		    struct pci_caps *all)
{
	u16 head = cap_list_head(d);
	u8 pos = head ? pci_read8(d, head) & ~3 : 0;
	bool passed = !after;
	u64 seen = 0;
	u8 msix = 0;

	*broken = false;
	/* One more than fits, to read the last one's 0 pointer. */
	for (unsigned int ttl = PCI_CAP_MAX + 1; ttl; ttl--) {
		u64 bit;
		u32 v;

		if (pos < PCI_STD_HEADER_SIZEOF) {
			*broken = pos != 0;
			/* The whole list seen: where MSI-X is, for later. */
			if (all && !*broken) {
				d->msix_cap = msix;
				d->caps_walked = true;
			}
			return 0;
		}
		bit = 1ULL << ((pos - PCI_STD_HEADER_SIZEOF) / 4);
		if (seen & bit)
			break;
		seen |= bit;
		v = pci_read32(d, pos + PCI_CAP_LIST_ID);
		if ((v & 0xff) == 0xff)	/* nothing answers: the device went away */
			break;
		if (passed && (int)(v & 0xff) == cap_id) {
			if (!all)
				return pos;
			if (all->nr < all->max) {
				if (all->hdr)
					all->hdr[all->nr] = v;
				all->pos[all->nr++] = pos;
			}
		}
		if (all && (v & 0xff) == PCI_CAP_ID_MSIX && !msix)
			msix = pos;
		passed |= pos == after;
		pos = (v >> 8) & ~3;
	}
	*broken = true;
	return 0;
}

/*
 * A broken list is reported once, by the first walk that meets it: the
 * scan does not walk every function's list (a read, a VM exit under a
 * hypervisor, a capability), only those a driver looks into.
 */
static u8 find_cap(struct pci_dev *d, u8 after, int cap_id,
		   struct pci_caps *all)
{
	bool broken;
	u8 pos = walk_caps(d, after, cap_id, &broken, all);

	if (broken && !d->caps_broken) {
		d->caps_broken = true;
		pci_warn(d, "capability list loops or leaves 0x40-0xff; cut short\n");
	}
	return pos;
}

u8 pci_find_capability(struct pci_dev *d, u8 cap_id)
{
	if (cap_id == PCI_CAP_ID_MSIX && d->caps_walked)
		return d->msix_cap;
	return find_cap(d, 0, cap_id, NULL);
}

unsigned int pci_find_all_capabilities(struct pci_dev *d, u8 cap_id,
				       struct pci_caps *all)
{
	all->nr = 0;
	find_cap(d, 0, cap_id, all);
	return all->nr;
}

u8 pci_find_next_capability(struct pci_dev *d, u8 pos, u8 cap_id)
{
	if (pos < PCI_STD_HEADER_SIZEOF || (pos & 3))
		return 0;
	return find_cap(d, pos, cap_id, NULL);
}

/* A run of ones from the size bit up: m + size is then a power of two. */
static bool mask_contiguous(u64 m, u64 size)
{
	u64 top = m + size;

	return (top & (top - 1)) == 0;
}

static int decode_io(u32 lo, u32 lo_mask, struct pci_bar *bar,
		     const char **why)
{
	u32 m = lo_mask & PCI_BASE_ADDRESS_IO_MASK;
	u32 size;

	if (!m)
		return 1;
	/* A 16-bit decoder may hardwire the upper half to 0. */
	if (!(m & 0xffff0000))
		m |= 0xffff0000;
	size = m & -m;
	if (!mask_contiguous(m, size)) {
		*why = "size is not a power of two";
		return -EINVAL;
	}
	bar->io = true;
	bar->addr = lo & PCI_BASE_ADDRESS_IO_MASK;
	bar->size = size;
	if (bar->addr & (size - 1)) {
		*why = "address not aligned to the size";
		return -EINVAL;
	}
	if (bar->addr + size > PCI_IO_SPACE_SIZE) {
		*why = "beyond the 64 KiB I/O space";
		return -EINVAL;
	}
	return 0;
}

static int decode_mem(u32 lo, u32 lo_mask, u32 hi, u32 hi_mask,
		      struct pci_bar *bar, const char **why)
{
	u32 type = lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK;
	u64 m, size, addr;

	if (type == PCI_BASE_ADDRESS_MEM_TYPE_MASK) {
		*why = "reserved memory type";
		return -EINVAL;
	}
	bar->is64 = type == PCI_BASE_ADDRESS_MEM_TYPE_64;
	bar->prefetch = lo & PCI_BASE_ADDRESS_MEM_PREFETCH;
	m = lo_mask & PCI_BASE_ADDRESS_MEM_MASK;
	addr = lo & PCI_BASE_ADDRESS_MEM_MASK;
	if (bar->is64) {
		m |= (u64)hi_mask << 32;
		addr |= (u64)hi << 32;
	}
	if (!m)
		return 1;
	size = m & -m;
	if (!mask_contiguous(m, size)) {
		*why = "size is not a power of two";
		return -EINVAL;
	}
	bar->addr = addr;
	bar->size = size;
	if (addr & (size - 1)) {
		*why = "address not aligned to the size";
		return -EINVAL;
	}
	if (addr & ~m) {
		*why = "address has bits the BAR cannot hold";
		return -EINVAL;
	}
	if (addr + size - 1 >= 1ULL << PCI_MAX_PHYS_BITS) {
		*why = "beyond the physical address space";
		return -EINVAL;
	}
	return 0;
}

int pci_decode_bar(u32 lo, u32 lo_mask, u32 hi, u32 hi_mask,
		   struct pci_bar *bar, const char **why)
{
	int ret;

	memset(bar, 0, sizeof(*bar));
	*why = NULL;
	if (lo & PCI_BASE_ADDRESS_SPACE_IO)
		ret = decode_io(lo, lo_mask, bar, why);
	else
		ret = decode_mem(lo, lo_mask, hi, hi_mask, bar, why);
	if (ret)
		memset(bar, 0, sizeof(*bar));
	return ret;
}

/*
 * Writes all ones, reads what sticks, puts orig (what the register held)
 * back, unless it reads orig again (a register that keeps nothing): the
 * write would be one exit more under a hypervisor.
 */
static u32 size_probe(struct pci_dev *d, u16 off, u32 orig)
{
	u32 mask;

	pci_write32(d, off, 0xffffffff);
	mask = pci_read32(d, off);
	if (mask != orig)
		pci_write32(d, off, orig);
	return mask;
}

static bool is_mem64(u32 lo)
{
	return !(lo & PCI_BASE_ADDRESS_SPACE_IO) &&
	       (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
}

/*
 * BAR i, whose register holds lo (read already), with decode off.  A
 * register reading 0 is a BAR not implemented or a 32-bit memory BAR
 * the firmware left at address 0 (an I/O BAR reads bit 0 set, a 64-bit
 * or prefetchable one its type bits).  Nothing is reassigned here, so
 * neither can be used: no sizing, two exits saved (the all-ones write and
 * its read back); four BARs of six on AHCI, three on a modern virtio
 * device.  Returns the registers used, 1 or 2.
 */
static int size_bar(struct pci_dev *d, int i, int nr_bars, u32 lo,
		    struct pci_bar *bar)
{
	u16 off = PCI_BASE_ADDRESS_0 + 4 * i;
	u32 lo_mask, hi = 0, hi_mask = 0;
	const char *why;
	int used = 1;

	if (!lo) {
		memset(bar, 0, sizeof(*bar));
		return 1;
	}
	lo_mask = size_probe(d, off, lo);
	if (is_mem64(lo)) {
		if (i + 1 >= nr_bars) {
			memset(bar, 0, sizeof(*bar));
			pci_warn(d, "bar%d: 64-bit BAR in the last slot, ignored\n", i);
			return 1;
		}
		hi = pci_read32(d, off + 4);
		/*
		 * With a size bit in the low half the BAR is below 4 GiB in
		 * size and the address bits above are all its own: the upper
		 * half is not sized (three exits saved a 64-bit BAR).
		 */
		if (lo_mask & PCI_BASE_ADDRESS_MEM_MASK)
			hi_mask = 0xffffffff;
		else
			hi_mask = size_probe(d, off + 4, hi);
		used = 2;
	}
	if (pci_decode_bar(lo, lo_mask, hi, hi_mask, bar, &why) < 0)
		pci_warn(d, "bar%d: %s (%#x/%#x), ignored\n", i, why, lo, lo_mask);
	return used;
}

int pci_size_bar(struct pci_dev *d, int i, int nr_bars, struct pci_bar *bar)
{
	return size_bar(d, i, nr_bars, pci_read32(d, PCI_BASE_ADDRESS_0 + 4 * i), bar);
}

/* How many BAR registers a header type has. */
int pci_nr_bars(u8 header_type)
{
	switch (header_type & PCI_HEADER_TYPE_MASK) {
	case PCI_HEADER_TYPE_NORMAL:
		return 6;
	case PCI_HEADER_TYPE_BRIDGE:
		return 2;
	case PCI_HEADER_TYPE_CARDBUS:
		return 1;
	}
	return 0;
}

/*
 * Reads the BAR registers into lo[], skipping the upper halves of 64-bit
 * BARs (left 0 there).
 */
static void read_bar_regs(struct pci_dev *d, int nr, u32 *lo)
{
	for (int i = 0; i < nr; i++) {
		lo[i] = pci_read32(d, PCI_BASE_ADDRESS_0 + 4 * i);
		if (is_mem64(lo[i]) && i + 1 < nr)
			lo[++i] = 0;
	}
}

/*
 * Whether register i starts a BAR (is not the upper half of a 64-bit
 * one), reading down from i - 1 only as far as needed: a register that
 * does not look like a 64-bit BAR's lower half is followed by a BAR of
 * its own whatever it is.  Below a run of such look-alikes starting at j
 * (a start: j is 0 or follows one that does not look so), j, j + 2, ...
 * are the starts.  AHCI's BAR 5 takes one read (BAR 4 is I/O), not five.
 */
static bool bar_starts(struct pci_dev *d, int i)
{
	int j = i;

	while (j > 0 && is_mem64(pci_read32(d, PCI_BASE_ADDRESS_0 + 4 * (j - 1))))
		j--;
	return (i - j) % 2 == 0;
}

/*
 * Decode off while a BAR is sized, so the all-ones address never
 * decodes; returns what to put back with decode_restore().
 */
static u16 decode_off(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);

	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
		pci_write16(d, PCI_COMMAND,
			    cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	return cmd;
}

static void decode_restore(struct pci_dev *d, u16 cmd)
{
	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
		pci_write16(d, PCI_COMMAND, cmd);
}

/* A function whose BARs all read 0 keeps its decode (two exits saved). */
static void read_bars(struct pci_dev *d)
{
	int nr = pci_nr_bars(d->header_type);
	u32 lo[PCI_NUM_BARS] = { 0 }, any = 0;
	u16 cmd;

	memset(d->bar, 0, sizeof(d->bar));
	read_bar_regs(d, nr, lo);
	for (int i = 0; i < nr; i++)
		any |= lo[i];
	if (!any)
		return;
	cmd = decode_off(d);
	for (int i = 0; i < nr; )
		i += size_bar(d, i, nr, lo[i], &d->bar[i]);
	decode_restore(d, cmd);
}

bool pci_read_bars(struct pci_dev *d)
{
	if (d->bars_read)
		return false;
	read_bars(d);
	d->bars_read = true;
	d->bars_sized = (1U << PCI_NUM_BARS) - 1;
	return true;
}

/*
 * BAR i alone, for a driver that maps only it: registers below are read
 * (bar_starts()) to tell whether i is a BAR of its own, and only i is
 * sized.  An upper half of a 64-bit BAR, or a register beyond the
 * header's BARs, is no BAR (size 0).
 */
bool pci_read_bar(struct pci_dev *d, int i)
{
	int nr = pci_nr_bars(d->header_type);
	u32 lo;
	u16 cmd;

	if (i < 0 || i >= PCI_NUM_BARS || (d->bars_sized & (1U << i)))
		return false;
	d->bars_sized |= 1U << i;
	memset(&d->bar[i], 0, sizeof(d->bar[i]));
	if (i >= nr || !bar_starts(d, i))
		return true;
	lo = pci_read32(d, PCI_BASE_ADDRESS_0 + 4 * i);
	if (!lo)
		return true;
	cmd = decode_off(d);
	/* A 64-bit BAR's upper half is no BAR of its own. */
	if (size_bar(d, i, nr, lo, &d->bar[i]) == 2) {
		d->bars_sized |= 1U << (i + 1);
		memset(&d->bar[i + 1], 0, sizeof(d->bar[i + 1]));
	}
	decode_restore(d, cmd);
	return true;
}

static void read_subsystem(struct pci_dev *d)
{
	u32 id;

	switch (d->header_type & PCI_HEADER_TYPE_MASK) {
	case PCI_HEADER_TYPE_NORMAL:
		/* Both in one read: one exit instead of two. */
		id = pci_read32(d, PCI_SUBSYSTEM_VENDOR_ID);
		d->subsystem_vendor = id & 0xffff;
		d->subsystem_device = id >> 16;
		break;
	case PCI_HEADER_TYPE_CARDBUS:
		d->subsystem_vendor = pci_read16(d, PCI_CB_SUBSYSTEM_VENDOR_ID);
		d->subsystem_device = pci_read16(d, PCI_CB_SUBSYSTEM_ID);
		break;
	default:
		/* A bridge has them in a capability, if anywhere. */
		d->subsystem_vendor = d->subsystem_device = 0;
	}
}

/*
 * Revision and class (0x08) and the header type (0x0e, bits 48-55): one
 * access where the ops read two dwords at once (ECAM), else two.
 */
static u64 read_class_header(struct pci_dev *d)
{
	if (d->ops->read64 && cfg_ok(d, PCI_REVISION_ID, 8))
		return d->ops->read64(d->ops, d->segment, d->bus, devfn_of(d),
				      PCI_REVISION_ID);
	return pci_read32(d, PCI_REVISION_ID) |
	       (u64)pci_read8(d, PCI_HEADER_TYPE) << 48;
}

/*
 * The scan reads what says who a function is and whether it is a bridge:
 * three configuration accesses, each a VM exit under a hypervisor (two
 * through ports 0xcf8/0xcfc), two through ECAM.  The rest waits for
 * pci_read_details().
 */
int pci_setup_dev(struct pci_dev *d)
{
	u32 id = pci_read32(d, PCI_VENDOR_ID);
	u64 class;

	d->vendor = id & 0xffff;
	d->device = id >> 16;
	/* All ones: nobody there.  Vendor 0 is not assigned either. */
	if (d->vendor == 0xffff || d->vendor == 0)
		return -ENODEV;
	class = read_class_header(d);
	d->revision = class & 0xff;
	d->prog_if = (class >> 8) & 0xff;
	d->subclass = (class >> 16) & 0xff;
	d->class_code = (class >> 24) & 0xff;
	d->header_type = class >> 48;
	d->intx_pin = 0;
	d->intx_irq = -1;
	d->intx_routed = false;
	d->subsystem_vendor = d->subsystem_device = 0;
	d->bars_read = false;
	d->bars_sized = 0;
	d->details_read = false;
	d->caps_broken = false;
	d->caps_walked = false;
	d->msix_cap = 0;
	d->command_known = false;
	return 0;
}

bool pci_read_details(struct pci_dev *d)
{
	if (d->details_read)
		return false;
	d->details_read = true;
	if (!pci_nr_bars(d->header_type))
		pci_warn(d, "unknown header type %#x: no BARs read\n",
			 d->header_type);
	read_subsystem(d);
	d->intx_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	if (d->intx_pin > 4) {
		pci_warn(d, "interrupt pin %u is not INTA-INTD, ignored\n",
			 d->intx_pin);
		d->intx_pin = 0;
	}
	return true;
}

/* The range [off, off + len) inside memory BAR bar? */
static bool in_mem_bar(struct pci_dev *d, u8 bar, u64 off, u64 len)
{
	const struct pci_bar *b;

	if (bar >= PCI_NUM_BARS)
		return false;
	/* An on-demand driver (pci_driver) that did not size it: all of them. */
	if (!(d->bars_sized & (1U << bar)))
		pci_read_bars(d);
	b = &d->bar[bar];
	return b->size && !b->io && off <= b->size && len <= b->size - off;
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

int pci_msix_decode(struct pci_dev *d, struct pci_msix_info *info)
{
	u8 pos = pci_find_capability(d, PCI_CAP_ID_MSIX);
	u32 table, pba;
	u64 table_len, pba_len;

	if (!pos)
		return -ENODEV;
	if (pos + PCI_MSIX_CAP_SIZE > PCI_CFG_SPACE_SIZE) {
		pci_warn(d, "MSI-X capability at %#x runs off config space\n", pos);
		return -EINVAL;
	}
	info->pos = pos;
	info->flags = pci_read16(d, pos + PCI_MSIX_FLAGS);
	info->table_size = (info->flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	table = pci_read32(d, pos + PCI_MSIX_TABLE);
	pba = pci_read32(d, pos + PCI_MSIX_PBA);
	info->table_bar = table & PCI_MSIX_BIR_MASK;
	info->table_offset = table & ~PCI_MSIX_BIR_MASK;
	info->pba_bar = pba & PCI_MSIX_BIR_MASK;
	info->pba_offset = pba & ~PCI_MSIX_BIR_MASK;
	table_len = (u64)info->table_size * PCI_MSIX_ENTRY_SIZE;
	pba_len = DIV_ROUND_UP(info->table_size, 64) * 8;
	if (!in_mem_bar(d, info->table_bar, info->table_offset, table_len)) {
		pci_warn(d, "MSI-X table (bar%u + %#x, %u entries) is not inside a memory BAR\n",
			 info->table_bar, info->table_offset, info->table_size);
		return -EINVAL;
	}
	if (!in_mem_bar(d, info->pba_bar, info->pba_offset, pba_len)) {
		pci_warn(d, "MSI-X PBA (bar%u + %#x) is not inside a memory BAR\n",
			 info->pba_bar, info->pba_offset);
		return -EINVAL;
	}
	if (info->table_bar == info->pba_bar &&
	    ranges_overlap(info->table_offset, table_len, info->pba_offset,
			   pba_len)) {
		pci_warn(d, "MSI-X table and PBA overlap\n");
		return -EINVAL;
	}
	return 0;
}

static bool id_matches(const struct pci_device_id *id, const struct pci_dev *d)
{
	return (id->vendor == PCI_ANY_ID || id->vendor == d->vendor) &&
	       (id->device == PCI_ANY_ID || id->device == d->device);
}

const struct pci_device_id *pci_match_id(const struct pci_device_id *ids,
					 const struct pci_dev *d)
{
	for (; ids && (ids->vendor || ids->device); ids++) {
		if (id_matches(ids, d))
			return ids;
	}
	return NULL;
}

/*
 * QEMU's q35 _PRT, which its ICH9 model wires to match: slots up to 0x18
 * and 0x1e take PIRQ E-H rotated by slot (0x1e without rotation), slots
 * 0x19-0x1d and 0x1f take PIRQ A-D by pin.  PIRQ A-H are GSI 16-23.
 */
static int q35_pirq(u8 slot, u8 pin)
{
	u8 i = pin - 1;

	if (slot <= 0x18)
		return 4 + ((slot + i) & 3);
	if (slot == 0x1e)
		return 4 + i;
	return i;
}

int pci_root_pin(const struct pci_dev *d, u8 *slot, u8 *pin)
{
	const struct pci_dev *top = d;
	unsigned int depth = 0;

	*slot = d->slot;
	*pin = d->intx_pin;
	for (const struct pci_dev *br = d->parent; br; br = br->parent) {
		if (++depth > PCI_MAX_DEPTH)
			return -EINVAL;
		*pin = pci_swizzle(*slot, *pin);
		*slot = br->slot;
		top = br;
	}
	if (top->segment || top->bus)
		return -ENODEV;
	return 0;
}

static int q35_route(const struct pci_dev *d)
{
	u8 slot, pin;
	int err = pci_root_pin(d, &slot, &pin);

	return err ? err : 16 + q35_pirq(slot, pin);
}

int pci_route_intx_by(struct pci_dev *d, enum pci_intx_routing how,
		      int (*firmware)(const struct pci_dev *d))
{
	u8 line;

	if (d->intx_pin < 1 || d->intx_pin > 4)
		return -ENODEV;
	switch (how) {
	case PCI_INTX_Q35:
		return q35_route(d);
	case PCI_INTX_LINE_REGISTER:
		/* The BIOS routed it; 0xff is "not connected", 0 is the timer. */
		line = pci_read8(d, PCI_INTERRUPT_LINE);
		return line >= 1 && line < 16 ? line : -ENODEV;
	case PCI_INTX_ACPI:
		return firmware ? firmware(d) : -EINVAL;
	}
	return -EINVAL;
}

static bool bus_visited(struct pci_scan *s, u8 bus)
{
	return s->visited[bus / 32] & (1U << (bus % 32));
}

static void mark_visited(struct pci_scan *s, u8 bus)
{
	s->visited[bus / 32] |= 1U << (bus % 32);
}

/*
 * Which bus behind bridge d to walk, or -ENODEV.  The bus numbers are the
 * firmware's: a secondary bus must lie above the bridge's own bus, within
 * its subordinate, within the parent bridge's range and what the config
 * mechanism reaches, and not have been walked already.
 */
static int bridge_target(struct pci_scan *s, struct pci_dev *d, int depth)
{
	u8 sec = pci_read8(d, PCI_SECONDARY_BUS);
	u8 sub = pci_read8(d, PCI_SUBORDINATE_BUS);
	const struct pci_dev *up = d->parent;
	const char *why = NULL;

	if (!sec && !sub)
		why = "not configured";
	else if (sec <= d->bus)
		why = "secondary bus not above the bridge's own";
	else if (sec > sub)
		why = "secondary bus above the subordinate";
	else if (sec < s->first_bus || sec > s->last_bus)
		why = "secondary bus outside the config window";
	else if (up && (sec < up->secondary || sub > up->subordinate))
		why = "bus range outside the parent bridge's";
	else if (bus_visited(s, sec))
		why = "secondary bus already walked";
	else if (depth >= PCI_MAX_DEPTH)
		why = "bridges nested too deep";
	if (why) {
		pci_warn(d, "bridge to bus %02x-%02x skipped: %s\n", sec, sub, why);
		s->nr_refused++;
		return -ENODEV;
	}
	d->secondary = sec;
	d->subordinate = sub;
	return sec;
}

/* What probe_function() found, small: the walk recurses with it. */
struct found {
	struct pci_dev *kept;
	u8 header_type;
	int secondary;		/* the bus behind a bridge to walk, or < 0 */
};

/*
 * Reads one function into a pci_dev on this frame, which has returned
 * before the walk goes deeper: only struct found stays on the stack per
 * level.  Returns false when nothing answers.
 */
static bool probe_function(struct pci_scan *s, u8 bus, u8 devfn,
			   struct pci_dev *parent, int depth, struct found *f)
{
	struct pci_dev d = {
		.segment = s->segment,
		.bus = bus,
		.slot = PCI_SLOT(devfn),
		.func = PCI_FUNC(devfn),
		.ops = s->ops,
		.parent = parent,
		.intx_irq = -1,
	};
	struct pci_dev *bridge;

	if (pci_setup_dev(&d))
		return false;
	s->nr_found++;
	f->kept = s->add(s, &d);
	f->header_type = d.header_type;
	f->secondary = -1;
	if ((d.header_type & PCI_HEADER_TYPE_MASK) == PCI_HEADER_TYPE_BRIDGE) {
		/* Without a kept copy, what is behind has no parent to route by. */
		bridge = f->kept ? f->kept : &d;
		f->secondary = bridge_target(s, bridge, depth);
		if (!f->kept && f->secondary >= 0)
			pci_warn(&d, "bridge not kept: devices behind it get no INTx\n");
	}
	return true;
}

static void scan_bus(struct pci_scan *s, u8 bus, struct pci_dev *parent,
		     int depth)
{
	struct found f;

	mark_visited(s, bus);
	s->nr_buses++;
	for (u8 slot = 0; slot < 32; slot++) {
		for (u8 func = 0; func < 8; func++) {
			if (!probe_function(s, bus, PCI_DEVFN(slot, func), parent,
					    depth, &f)) {
				if (!func)
					break;	/* no function 0: empty slot */
				continue;
			}
			if (f.secondary >= 0)
				scan_bus(s, f.secondary, f.kept, depth + 1);
			if (!func && !(f.header_type & PCI_HEADER_MULTI_FUNC))
				break;
		}
	}
}

void pci_scan_segment(struct pci_scan *s)
{
	memset(s->visited, 0, sizeof(s->visited));
	s->nr_found = s->nr_buses = s->nr_refused = 0;
	if (s->first_bus > s->last_bus)
		return;
	scan_bus(s, s->first_bus, NULL, 0);
}

/*
 * Counted over windows of PCI_INTX_STUCK_BUDGET interrupts, not in a row:
 * a function that claims one now and then must not keep a line another
 * one holds up from being given up.
 */
bool pci_intx_stuck(struct pci_intx_count *c, bool claimed)
{
	bool stuck;

	if (claimed)
		c->claimed_in_window++;
	else
		c->unclaimed++;
	if (++c->in_window < PCI_INTX_STUCK_BUDGET)
		return false;
	stuck = c->claimed_in_window <= PCI_INTX_STUCK_CLAIMED;
	c->in_window = c->claimed_in_window = 0;
	return stuck;
}
