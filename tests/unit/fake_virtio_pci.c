// SPDX-License-Identifier: GPL-2.0
/*
 * The fake modern virtio-pci function of fake_virtio_pci.h and the PCI
 * services its driver uses on the host: config space reads, BAR mapping,
 * MSI-X and INTx registration, port and MMIO access (HOST_FAKE_IO).
 */
#define HOST_FAKE_IO
#include <string.h>
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <pvkit/io.h>
#include <asm/io.h>
#include <linux/virtio_pci.h>
#include "fake_virtio_pci.h"

struct fake_vpci fake_vpci;

/* BAR 4: the common configuration, ISR, device and notify windows. */
#define BAR		4
#define COMMON_OFF	0x0000
#define ISR_OFF		0x1000
#define DEVICE_OFF	0x2000
#define NOTIFY_OFF	0x3000
#define WINDOW		0x1000
#define NOTIFY_MULT	4

static u8 bar_mem[0x4000] __aligned(4096);
static u8 cfg[256];

/* ---- config space: a vendor capability for each window ---- */

static void put_cap(u8 pos, u8 next, u8 type, u32 off, u8 len)
{
	cfg[pos] = PCI_CAP_ID_VNDR;
	cfg[pos + 1] = next;
	cfg[pos + 2] = len;
	cfg[pos + 3] = type;
	cfg[pos + VIRTIO_PCI_CAP_BAR] = BAR;
	memcpy(&cfg[pos + VIRTIO_PCI_CAP_OFFSET], &off, 4);
	memcpy(&cfg[pos + VIRTIO_PCI_CAP_LENGTH], &(u32){ WINDOW }, 4);
}

static void build_config_space(void)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	put_cap(0x40, 0x50, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFF, 16);
	put_cap(0x50, 0x60, VIRTIO_PCI_CAP_ISR_CFG, ISR_OFF, 16);
	put_cap(0x60, 0x78, VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFF, 20);
	memcpy(&cfg[0x60 + sizeof(struct virtio_pci_cap)], &(u32){ NOTIFY_MULT }, 4);
	put_cap(0x78, 0, VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_OFF, 16);
}

u8 pci_read8(struct pci_dev *d, u16 off)
{
	return off < sizeof(cfg) ? cfg[off] : 0xff;
}

u16 pci_read16(struct pci_dev *d, u16 off)
{
	return pci_read8(d, off) | pci_read8(d, off + 1) << 8;
}

u32 pci_read32(struct pci_dev *d, u16 off)
{
	return pci_read16(d, off) | (u32)pci_read16(d, off + 2) << 16;
}

void pci_write16(struct pci_dev *d, u16 off, u16 val)
{
}

void pci_set_master(struct pci_dev *d)
{
}

unsigned int pci_find_all_capabilities(struct pci_dev *d, u8 cap_id, struct pci_caps *all)
{
	all->nr = 0;
	for (u8 pos = cfg[PCI_CAPABILITY_LIST], n = 0; pos && n < 48; pos = cfg[pos + 1], n++) {
		if (cfg[pos] != cap_id || all->nr == all->max)
			continue;
		all->pos[all->nr] = pos;
		if (all->hdr)
			all->hdr[all->nr] = pci_read32(d, pos);
		all->nr++;
	}
	return all->nr;
}

void *pci_iomap(struct pci_dev *d, int bar, u64 offset, u64 len)
{
	return bar == BAR && offset + len <= sizeof(bar_mem) ? bar_mem + offset : NULL;
}

unsigned long long param_get_ull(const char *key, unsigned long long def)
{
	return def;
}

/* ---- MSI-X and INTx, as drivers/pci/msi.c and intx.c answer ---- */

int pci_msix_enable(struct pci_dev *d, unsigned int nvec)
{
	struct fake_vpci *f = &fake_vpci;

	if (f->status_at_msix == 0xff)
		f->status_at_msix = f->status;
	if (f->msix_nvec)
		return -EBUSY;
	if (!nvec)
		return -EINVAL;
	if (!f->table_size || nvec > f->table_size || nvec > ARRAY_SIZE(f->entry))
		return -ENODEV;
	f->msix_nvec = nvec;
	f->msix_enables++;
	return nvec;
}

int pci_msix_request(struct pci_dev *d, unsigned int entry, irq_handler_t handler,
		     void *data, const char *name)
{
	struct fake_vpci *f = &fake_vpci;

	if (entry >= (unsigned int)f->msix_nvec)
		return -EINVAL;
	if (f->entry[entry].handler)
		return -EBUSY;
	f->entry[entry].handler = handler;
	f->entry[entry].data = data;
	return 0x40 + entry;
}

void pci_msix_disable(struct pci_dev *d)
{
	fake_vpci.msix_nvec = 0;
	memset(fake_vpci.entry, 0, sizeof(fake_vpci.entry));
}

int pci_msix_set_dest(struct pci_dev *d, unsigned int entry, u32 apic)
{
	struct fake_vpci *f = &fake_vpci;

	return entry < (unsigned int)f->msix_nvec && f->entry[entry].handler ? 0 : -EINVAL;
}

int pci_request_intx(struct pci_dev *d, pci_intx_handler_t handler, void *data,
		     const char *name)
{
	if (fake_vpci.status_at_intx == 0xff)
		fake_vpci.status_at_intx = fake_vpci.status;
	if (!fake_vpci.intx)
		return -ENODEV;
	fake_vpci.intx_handler = handler;
	fake_vpci.intx_data = data;
	return 0;
}

/* ---- the device's common configuration (virtio 1.2, 4.1.4.3) ---- */

/* What the device holds for a vector written: one it cannot deliver reads back NO_VECTOR. */
static u16 take_vector(u16 v)
{
	struct fake_vpci *f = &fake_vpci;

	if (v >= f->table_size || (int)v == f->refuse)
		return FAKE_VPCI_NO_VECTOR;
	return v;
}

static void device_reset(void)
{
	struct fake_vpci *f = &fake_vpci;

	f->status = 0;
	f->numq = f->reset_numq;
	f->msix_config = FAKE_VPCI_NO_VECTOR;
	for (unsigned int i = 0; i < ARRAY_SIZE(f->q); i++) {
		f->q[i].size = i < f->numq ? 64 : 0;
		f->q[i].vector = FAKE_VPCI_NO_VECTOR;
		f->q[i].enable = 0;
	}
}

/* The queues a feature brings, each of the size the others have. */
static void features_ok_grow(void)
{
	struct fake_vpci *f = &fake_vpci;

	f->numq = f->features_ok_numq;
	for (unsigned int i = f->reset_numq; i < f->numq && i < ARRAY_SIZE(f->q); i++)
		f->q[i].size = 64;
}

static bool selected_ok(void)
{
	return fake_vpci.q_select < fake_vpci.numq && fake_vpci.q_select < FAKE_VPCI_MAX_QUEUES;
}

static u64 common_read(unsigned int off)
{
	struct fake_vpci *f = &fake_vpci;

	switch (off) {
	case VIRTIO_PCI_COMMON_MSIX:
		return f->msix_config;
	case VIRTIO_PCI_COMMON_NUMQ:
		if (f->status_at_numq == 0xff)
			f->status_at_numq = f->status;
		return f->numq;
	case VIRTIO_PCI_COMMON_STATUS:
		return f->status;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		return f->q_select;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		return selected_ok() ? f->q[f->q_select].size : 0;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return selected_ok() ? f->q[f->q_select].vector : FAKE_VPCI_NO_VECTOR;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		return selected_ok() ? f->q[f->q_select].enable : 0;
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return f->q_select;
	}
	return 0;
}

static void common_write(unsigned int off, u64 v)
{
	struct fake_vpci *f = &fake_vpci;

	switch (off) {
	case VIRTIO_PCI_COMMON_MSIX:
		f->msix_config = take_vector(v);
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		if (!v)
			device_reset();
		if ((v & ~f->status & VIRTIO_CONFIG_S_FEATURES_OK) && f->features_ok_numq)
			features_ok_grow();
		f->status = v;
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		f->q_select = v;
		break;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		if (selected_ok())
			f->q[f->q_select].size = v;
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		if (selected_ok())
			f->q[f->q_select].vector = take_vector(v);
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (selected_ok())
			f->q[f->q_select].enable = v;
		break;
	}
}

/* The high half of the device features: VERSION_1, all it offers. */
static u32 dfselect;

static u64 mmio_read(const volatile void *a, unsigned int size)
{
	const u8 *p = (const u8 *)a;
	u64 v = 0;

	if (p >= bar_mem + COMMON_OFF && p < bar_mem + COMMON_OFF + WINDOW) {
		unsigned int off = p - bar_mem - COMMON_OFF;

		if (off == VIRTIO_PCI_COMMON_DF)
			return dfselect == 1 ? 1 << (VIRTIO_F_VERSION_1 - 32) : 0;
		return common_read(off);
	}
	if (p == bar_mem + ISR_OFF) {
		v = fake_vpci.isr;
		fake_vpci.isr = 0;	/* read to clear */
		return v;
	}
	memcpy(&v, p, size);
	return v;
}

static void mmio_write(volatile void *a, u64 v, unsigned int size)
{
	u8 *p = (u8 *)a;

	if (p >= bar_mem + COMMON_OFF && p < bar_mem + COMMON_OFF + WINDOW) {
		unsigned int off = p - bar_mem - COMMON_OFF;

		if (off == VIRTIO_PCI_COMMON_DFSELECT)
			dfselect = v;
		common_write(off, v);
		return;
	}
	if (p >= bar_mem + NOTIFY_OFF && p < bar_mem + NOTIFY_OFF + WINDOW) {
		unsigned int q = (p - bar_mem - NOTIFY_OFF) / NOTIFY_MULT;

		if (q < FAKE_VPCI_MAX_QUEUES)
			fake_vpci.q[q].notified++;
		return;
	}
	memcpy(p, &v, size);
}

u8 readb(const volatile void *a) { return mmio_read(a, 1); }
u16 readw(const volatile void *a) { return mmio_read(a, 2); }
u32 readl(const volatile void *a) { return mmio_read(a, 4); }
u64 readq(const volatile void *a) { return mmio_read(a, 8); }
void writeb(u8 v, volatile void *a) { mmio_write(a, v, 1); }
void writew(u16 v, volatile void *a) { mmio_write(a, v, 2); }
void writel(u32 v, volatile void *a) { mmio_write(a, v, 4); }
void writeq(u64 v, volatile void *a) { mmio_write(a, v, 8); }

/* No I/O BAR: the legacy transport is never reached on a modern-only device. */
u8 inb(u16 port) { return 0xff; }
u16 inw(u16 port) { return 0xffff; }
u32 inl(u16 port) { return ~0U; }
void outb(u8 v, u16 port) { }
void outw(u16 v, u16 port) { }
void outl(u32 v, u16 port) { }

/* ---- the test's side ---- */

void fake_vpci_init(unsigned int numq, unsigned int table_size, int refuse, bool intx)
{
	struct fake_vpci *f = &fake_vpci;

	memset(f, 0, sizeof(*f));
	memset(bar_mem, 0, sizeof(bar_mem));
	build_config_space();
	f->numq = numq;
	f->reset_numq = numq;
	f->status_at_numq = 0xff;
	f->status_at_msix = 0xff;
	f->status_at_intx = 0xff;
	f->table_size = table_size;
	f->refuse = refuse;
	f->intx = intx;
	f->pci.vendor = 0x1af4;
	f->pci.device = 0x1040 + FAKE_VPCI_DEVICE_ID;
	f->pci.bar[BAR].size = sizeof(bar_mem);
	device_reset();
}

void fake_vpci_grow_at_features_ok(unsigned int numq)
{
	fake_vpci.features_ok_numq = numq;
}

extern const struct pci_driver __start_pci_drivers[], __stop_pci_drivers[];

int fake_vpci_probe(void)
{
	for (const struct pci_driver *drv = __start_pci_drivers; drv < __stop_pci_drivers; drv++)
		if (!strcmp(drv->name, "virtio-pci"))
			return drv->probe(&fake_vpci.pci, drv->ids);
	return -ENODEV;
}

bool fake_vpci_signal(unsigned int index)
{
	struct fake_vpci *f = &fake_vpci;
	u16 v = f->q[index].vector;

	if (f->msix_nvec) {
		if (v >= f->msix_nvec || !f->entry[v].handler)
			return false;
		f->entry[v].handler(f->entry[v].data);
		return true;
	}
	if (!f->intx_handler)
		return false;
	f->isr |= 1;		/* the queue interrupt bit */
	return f->intx_handler(f->intx_data);
}
