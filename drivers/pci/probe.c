// SPDX-License-Identifier: GPL-2.0
/*
 * Bring-up: pick the config mechanism (ECAM when ACPI's MCFG has a
 * window, else ports 0xcf8/0xcfc), walk every segment as the firmware
 * numbered it, route INTx by what the host bridge says the chipset is,
 * then bind drivers from the pci_drivers section.  Nothing is reassigned:
 * SeaBIOS has set bus numbers and BARs, and we only check them.
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/aml.h>
#include <pvkit/bootinfo.h>
#include <pvkit/init.h>
#include <pvkit/io.h>
#include <pvkit/irq.h>
#include <pvkit/mm.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>

#define pci_warn(d, fmt, ...) \
	pr_warn(PCI_DEV_FMT ": " fmt, PCI_DEV_ARGS(d), ##__VA_ARGS__)

extern const struct pci_driver __start_pci_drivers[], __stop_pci_drivers[];

static struct pci_dev *devices;
static struct pci_dev **devices_tail = &devices;

static enum pci_intx_routing routing;
static bool routing_known;

static void check_bars(struct pci_dev *d);

/* Sized once, and then checked against RAM. */
static void bars_ready(struct pci_dev *d)
{
	if (pci_read_bars(d))
		check_bars(d);
}

/*
 * What the scan left (subsystem ids, interrupt pin and so the INTx line,
 * the capability check), read once for a function some driver or walker
 * looks at: the boot reads no more of the others than who they are.
 */
#ifdef CONFIG_ACPI
/*
 * INTx by the firmware's own table: the _PRT entry of the root slot and
 * pin (a connected one: pci_route_intx_by() checks it).
 */
static int acpi_route(const struct pci_dev *d)
{
	u8 slot, pin;
	u16 flags;
	int gsi;

	gsi = pci_root_pin(d, &slot, &pin);
	if (!gsi)
		gsi = aml_prt_route(acpi_namespace(), slot, pin, &flags);
	/* Trigger and polarity as the firmware says (q35: level, high). */
	if (gsi >= 16 && arch_irq_set_type(gsi, flags))
		return -ENODEV;
	return gsi;
}

/*
 * Whether ACPI gives a _PRT pvkit can read and routes by, said once:
 * q35's, through its link devices GSIA-GSIH, and Xen HVM's, GSIs 16-47
 * named directly (hvmloader's PRTA, Xen's own wiring of slot and pin).
 * The line registers cannot name a GSI above 15, and hvmloader writes
 * them only for what it finds on bus 0 at boot; on Xen the ISA IRQ they
 * name (the PCI link's) is asserted beside the GSI, and stays masked.
 */
static bool acpi_routes(void)
{
	const struct aml_ns *ns = acpi_namespace();
	char path[5 * AML_MAX_DEPTH + 2];
	u16 flags;

	/* -ENOENT: no _PRT package was found (or none could be read). */
	if (!ns || aml_prt_route(ns, 0, 1, &flags) == -ENOENT)
		return false;
	aml_path_str(&ns->prt_dev, path, sizeof(path));
	pr_info("pci: INTx routed by the _PRT of %s\n", path);
	return true;
}
#else
#define acpi_route NULL

static bool acpi_routes(void)
{
	return false;
}
#endif

static void dev_ready(struct pci_dev *d)
{
	pci_dev_details(d);
	bars_ready(d);
}

void pci_dev_details(struct pci_dev *d)
{
	pci_read_details(d);
}

static enum pci_intx_routing intx_routing(void);

int pci_intx_irq(struct pci_dev *d)
{
	pci_dev_details(d);
	if (!d->intx_routed) {
		d->intx_irq = pci_route_intx_by(d, intx_routing(), acpi_route);
		d->intx_routed = true;
	}
	return d->intx_irq;
}

/* Those who walk the list look at everything: every device is made ready. */
struct pci_dev *pci_first(void)
{
	for (struct pci_dev *d = devices; d; d = d->next)
		dev_ready(d);
	return devices;
}

struct pci_dev *pci_get_slot(u16 seg, u8 bus, u8 slot, u8 func)
{
	for (struct pci_dev *d = devices; d; d = d->next) {
		if (d->segment == seg && d->bus == bus && d->slot == slot &&
		    d->func == func)
			return d;
	}
	return NULL;
}

static struct pci_dev *keep(struct pci_scan *s, const struct pci_dev *found)
{
	struct pci_dev *d = kmalloc(sizeof(*d));

	if (!d) {
		pci_warn(found, "out of memory, function dropped\n");
		return NULL;
	}
	*d = *found;
	d->next = NULL;
	*devices_tail = d;
	devices_tail = &d->next;
	return d;
}

static void scan(const struct pci_ops *ops, u16 seg, u8 first, u8 last)
{
	struct pci_scan s = {
		.ops = ops,
		.segment = seg,
		.first_bus = first,
		.last_bus = last,
		.add = keep,
	};

	pci_scan_segment(&s);
	pr_info("pci: segment %04x via %s: %u functions on %u buses%s\n", seg,
		ops->name, s.nr_found, s.nr_buses,
		s.nr_refused ? ", bridges refused (see above)" : "");
}

/* Each segment the MCFG windows name, once. */
static void scan_ecam_segments(void)
{
	const struct acpi_info *acpi = acpi_get();

	for (unsigned int i = 0; acpi && i < acpi->nr_mcfg; i++) {
		u16 seg = acpi->mcfg[i].segment;
		bool seen = false;
		u8 first, last;

		for (unsigned int j = 0; j < i; j++)
			seen |= acpi->mcfg[j].segment == seg;
		if (!seen && pci_ecam_range(seg, &first, &last))
			scan(&pci_ecam_ops, seg, first, last);
	}
}

/* A memory BAR on top of RAM would have us map RAM as a device. */
static bool overlaps_ram(const struct pci_bar *b)
{
	for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
		const struct boot_mem_range *r = &boot_info.mem[i];

		if (r->type == BOOT_MEM_RAM && b->addr < r->addr + r->size &&
		    r->addr < b->addr + b->size)
			return true;
	}
	return false;
}

static void check_bar(struct pci_dev *d, int i)
{
	struct pci_bar *b = &d->bar[i];

	if (b->size && !b->io && b->addr && overlaps_ram(b)) {
		pci_warn(d, "bar%d %#llx+%#llx overlaps RAM, ignored\n", i,
			 b->addr, b->size);
		memset(b, 0, sizeof(*b));
	}
}

static void check_bars(struct pci_dev *d)
{
	for (int i = 0; i < PCI_NUM_BARS; i++)
		check_bar(d, i);
}

const struct pci_bar *pci_bar(struct pci_dev *d, int i)
{
	static const struct pci_bar none;

	if (i < 0 || i >= PCI_NUM_BARS)
		return &none;
	pci_read_bar(d, i);
	/* Also when MSI-X's check sized it (core.c knows no RAM). */
	check_bar(d, i);
	return &d->bar[i];
}

/*
 * The root bus's _PRT where ACPI has one pvkit can read (q35's, Xen
 * HVM's); else
 * QEMU's q35 wiring where its MCH is at 00:00.0 (booted without ACPI);
 * else the line registers the firmware wrote (pc's _PRT is built by a
 * loop, which the AML reader does not run).  Decided at the first INTx
 * routed, after the scan: the _PRT check reads the ACPI namespace.
 */
static enum pci_intx_routing intx_routing(void)
{
	struct pci_dev *host = pci_get_slot(0, 0, 0, 0);

	if (routing_known)
		return routing;
	routing_known = true;
	if (acpi_routes())
		routing = PCI_INTX_ACPI;
	else if (host && host->vendor == PCI_VENDOR_ID_INTEL &&
		 host->device == PCI_DEVICE_ID_Q35_MCH)
		routing = PCI_INTX_Q35;
	else
		routing = PCI_INTX_LINE_REGISTER;
	return routing;
}

static void bind(struct pci_dev *d)
{
	for (const struct pci_driver *drv = __start_pci_drivers;
	     drv < __stop_pci_drivers; drv++) {
		const struct pci_device_id *id = pci_match_id(drv->ids, d);
		int err;

		if (!id || !drv->probe)
			continue;
		if (!drv->on_demand)
			dev_ready(d);
		d->driver = drv;
		err = drv->probe(d, id);
		if (err) {
			pci_warn(d, "%s: probe failed (%d), left unbound\n",
				 drv->name, err);
			d->driver = NULL;
			d->driver_data = NULL;
		}
		return;
	}
}

static int pci_init(void)
{
	if (pci_ecam_init())
		scan_ecam_segments();
	else if (pci_conf1_present())
		scan(&pci_conf1_ops, 0, 0, 255);
	else
		pr_info("pci: no configuration mechanism, no PCI\n");
	for (struct pci_dev *d = devices; d; d = d->next)
		bind(d);
	return 0;
}
subsys_initcall(pci_init);

void *pci_iomap(struct pci_dev *d, int bar, u64 offset, u64 len)
{
	const struct pci_bar *b;

	if (bar < 0 || bar >= PCI_NUM_BARS)
		return NULL;
	/* One an on-demand driver sized with pci_bar(), else all of them. */
	if (!(d->bars_sized & (1U << bar)))
		bars_ready(d);
	check_bar(d, bar);
	b = &d->bar[bar];
	if (!b->size || b->io || !b->addr || !len || offset > b->size ||
	    len > b->size - offset)
		return NULL;
	return ioremap(b->addr + offset, len);
}

struct id_name {
	u16 vendor, device;
	const char *name;
};

/* What QEMU offers, by id; the rest is named by class. */
static const struct id_name known[] = {
	{ 0x8086, 0x1237, "i440FX host" },
	{ 0x8086, 0x7000, "PIIX3 ISA" },
	{ 0x8086, 0x7010, "PIIX3 IDE" },
	{ 0x8086, 0x7020, "PIIX3 USB" },
	{ 0x8086, 0x7113, "PIIX4 ACPI" },
	{ 0x8086, 0x29c0, "q35 host" },
	{ 0x8086, 0x2918, "ICH9 LPC" },
	{ 0x8086, 0x2922, "ICH9 AHCI" },
	{ 0x8086, 0x2930, "ICH9 SMBus" },
	{ 0x8086, 0x100e, "e1000" },
	{ 0x8086, 0x10d3, "e1000e" },
	{ 0x1234, 0x1111, "bochs VGA" },
	{ 0x1234, 0x11e8, "edu" },
	{ 0x1b36, 0x0001, "pci-bridge" },
	{ 0x1b36, 0x0005, "pci-testdev" },
	{ 0x1b36, 0x000c, "pcie-root-port" },
	{ 0x1b36, 0x000d, "qemu-xhci" },
	{ 0x1b36, 0x000e, "pcie-pci-bridge" },
	{ 0x1b36, 0x0010, "nvme" },
};

/* Virtio device types, as the modern ids (0x1040 + type) number them. */
static const char *const virtio_names[] = {
	[1] = "virtio-net", [2] = "virtio-blk", [3] = "virtio-console",
	[4] = "virtio-rng", [5] = "virtio-balloon", [8] = "virtio-scsi",
	[9] = "virtio-9p", [16] = "virtio-gpu", [18] = "virtio-input",
	[19] = "virtio-vsock", [26] = "virtio-fs",
};

/* Transitional ids 0x1000-0x1009 in the order of their types. */
static const u8 virtio_transitional_type[] = { 1, 2, 5, 3, 8, 4, 0, 0, 0, 9 };

static const char *virtio_name(u16 device)
{
	unsigned int type = 0;

	if (device >= 0x1040 && device <= 0x107f)
		type = device - 0x1040;
	else if (device >= 0x1000 && device < 0x1000 + sizeof(virtio_transitional_type))
		type = virtio_transitional_type[device - 0x1000];
	if (type < ARRAY_SIZE(virtio_names) && virtio_names[type])
		return virtio_names[type];
	return "virtio";
}

static const char *class_name(const struct pci_dev *d)
{
	switch (d->class_code) {
	case 0x01:
		switch (d->subclass) {
		case 0x00: return "SCSI";
		case 0x01: return "IDE";
		case 0x06: return "SATA";
		case 0x08: return "NVMe";
		}
		return "storage";
	case 0x02: return "network";
	case 0x03: return "display";
	case 0x04: return "multimedia";
	case 0x05: return "memory";
	case 0x06:
		switch (d->subclass) {
		case 0x00: return "host bridge";
		case 0x01: return "ISA bridge";
		case 0x04: return "PCI bridge";
		case 0x07: return "CardBus bridge";
		}
		return "bridge";
	case 0x07: return "communication";
	case 0x08: return "system";
	case 0x0c:
		switch (d->subclass) {
		case 0x03: return "USB";
		case 0x05: return "SMBus";
		}
		return "serial bus";
	}
	return "other";
}

static const char *dev_name(const struct pci_dev *d)
{
	if (d->vendor == 0x1af4)
		return virtio_name(d->device);
	for (unsigned int i = 0; i < ARRAY_SIZE(known); i++) {
		if (known[i].vendor == d->vendor && known[i].device == d->device)
			return known[i].name;
	}
	return class_name(d);
}

static size_t show_bars(const struct pci_dev *d, char *buf, size_t len)
{
	size_t n = 0;

	for (int i = 0; i < PCI_NUM_BARS && n < len; i++) {
		const struct pci_bar *b = &d->bar[i];

		if (!b->size)
			continue;
		n += snprintf(buf + n, len - n, " bar%d %s%s %#llx+%#llx", i,
			      b->io ? "io" : b->is64 ? "mem64" : "mem",
			      b->prefetch ? " pref" : "", b->addr, b->size);
	}
	return min(n, len);
}

void pci_show(void)
{
	char line[320];

	if (!devices) {
		console_printf("pci: no devices\n");
		return;
	}
	for (struct pci_dev *d = devices; d; d = d->next) {
		size_t n = snprintf(line, sizeof(line),
				    PCI_DEV_FMT " %04x:%04x class %02x.%02x.%02x %s",
				    PCI_DEV_ARGS(d), d->vendor, d->device,
				    d->class_code, d->subclass, d->prog_if,
				    dev_name(d));

		if (n < sizeof(line) && d->driver)
			n += snprintf(line + n, sizeof(line) - n, " (driver %s)",
				      d->driver->name);
		dev_ready(d);
		if (n < sizeof(line))
			n += show_bars(d, line + n, sizeof(line) - n);
		if (n < sizeof(line) && d->secondary)
			n += snprintf(line + n, sizeof(line) - n, " bus %02x-%02x",
				      d->secondary, d->subordinate);
		if (n < sizeof(line) && pci_intx_irq(d) >= 0)
			snprintf(line + n, sizeof(line) - n, " irq %d", d->intx_irq);
		console_printf("%s\n", line);
	}
}
