// SPDX-License-Identifier: GPL-2.0
/*
 * HVM beside PVH: both run on our own page tables and enter the same way,
 * but an HVM guest also has a device model (QEMU in a service domain)
 * that emulates a PC, and the same disks and NICs appear twice: once
 * emulated, once as Xen split devices.  The Xen platform PCI device of
 * that device model answers the unplug protocol on I/O ports 0x10-0x13
 * (docs/misc/hvm-emulated-unplug.pandoc in Xen's tree); PVH has no device
 * model and those ports read as all ones.  The emulated disks and NICs
 * are unplugged before any bus is enumerated, so that only the split
 * drivers reach the disks and networks.
 */
#include <pvkit/kernel.h>
#include <pvkit/cmdline.h>
#include <asm/io.h>
#include <xen/xen.h>
#include "xen-ops.h"

#define XEN_IOPORT_MAGIC	0x10	/* read: 16-bit magic */
#define XEN_IOPORT_UNPLUG	0x10	/* write: 16-bit mask of devices */
#define XEN_IOPORT_BUILDNUM	0x10	/* write: 32-bit build number */
#define XEN_IOPORT_PROTOVER	0x12	/* read: 8-bit protocol version */
#define XEN_IOPORT_PRODNUM	0x12	/* write: 16-bit product number */

#define XEN_PLATFORM_MAGIC		0x49d2
#define XEN_PLATFORM_MAGIC_BLOCKED	0xd249	/* dom0 refuses our build */

#define XEN_UNPLUG_ALL_DISKS	(1U << 0)	/* IDE and SCSI, not CD drives */
#define XEN_UNPLUG_ALL_NICS	(1U << 1)
#define XEN_UNPLUG_NVME_DISKS	(1U << 3)

/* pvkit is in no registry of drivers (public/hvm/pvdrivers.h): "experimental". */
#define PVKIT_PRODUCT		0xffff
#define PVKIT_BUILD		1

static bool device_model;
static enum xen_unplug_result unplug_result = XEN_UNPLUG_NONE;

bool xen_hvm_device_model(void)
{
	return device_model;
}

enum xen_unplug_result xen_unplug_status(void)
{
	return unplug_result;
}

/*
 * Only a domU asks: the initial domain reaches real ports, where 0x10
 * may belong to something else entirely.
 */
void xen_hvm_detect_device_model(void)
{
	if (xen_pv_domain() || xen_initial_domain())
		return;
	device_model = inw(XEN_IOPORT_MAGIC) == XEN_PLATFORM_MAGIC;
}

static const char *const unplug_names[] = {
	[XEN_UNPLUG_NONE] = "no device model",
	[XEN_UNPLUG_DONE] = "emulated disks and NICs unplugged",
	[XEN_UNPLUG_KEPT] = "emulated devices kept (xen_unplug=0)",
	[XEN_UNPLUG_BLOCKED] = "dom0 blocks this driver build; emulated devices kept, split disks and NICs not used",
	[XEN_UNPLUG_PROTOCOL] = "unknown unplug protocol version; emulated devices kept",
};

const char *xen_unplug_result_name(void)
{
	return unplug_names[unplug_result];
}

/*
 * Protocol version 1 first wants the product and build; a magic that
 * reads back changed then means dom0 blocked this build: the emulated
 * devices stay, and the split drivers must not load (xenbus leaves vbd
 * and vif alone).  Version 0 goes straight to the unplug; a version the
 * document does not define is left alone.
 */
void xen_hvm_unplug_emulated(void)
{
	u8 version;

	if (!device_model)
		return;
	if (!param_get_ull("xen_unplug", 1)) {
		unplug_result = XEN_UNPLUG_KEPT;
		return;
	}
	version = inb(XEN_IOPORT_PROTOVER);
	if (version > 1) {
		unplug_result = XEN_UNPLUG_PROTOCOL;
		return;
	}
	if (version == 1) {
		outw(PVKIT_PRODUCT, XEN_IOPORT_PRODNUM);
		outl(PVKIT_BUILD, XEN_IOPORT_BUILDNUM);
		if (inw(XEN_IOPORT_MAGIC) != XEN_PLATFORM_MAGIC) {
			unplug_result = XEN_UNPLUG_BLOCKED;
			return;
		}
	}
	outw(XEN_UNPLUG_ALL_DISKS | XEN_UNPLUG_ALL_NICS | XEN_UNPLUG_NVME_DISKS,
	     XEN_IOPORT_UNPLUG);
	unplug_result = XEN_UNPLUG_DONE;
}
