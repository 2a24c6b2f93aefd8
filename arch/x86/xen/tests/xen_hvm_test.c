// SPDX-License-Identifier: GPL-2.0
/*
 * An HVM domU: the device model's emulated disks and NICs are gone once
 * pvkit has unplugged them, so the disks and networks xl gave us are
 * reachable only through blkfront and netfront.  The environment gives
 * the guest a disk and a vif, which xl offers both ways to an HVM guest:
 * as an emulated IDE disk and NIC, and as Xen split devices.
 */
#include <pvkit/ktest.h>
#include <pvkit/kernel.h>
#include <pvkit/pci.h>
#include <pvkit/string.h>
#include <asm/io.h>
#include <xen/xen.h>

#define XEN_PLATFORM_VENDOR	0x5853
#define XEN_PLATFORM_DEVICE	0x0001
#define PCI_CLASS_NETWORK	0x02

/* The primary IDE channel of the emulated PIIX. */
#define ATA_PRIMARY_DRIVE	0x1f6
#define ATA_PRIMARY_STATUS	0x1f7
#define ATA_DRIVE_MASTER	0xa0

static const char *not_hvm(void)
{
	return xen_hvm_device_model() ? NULL : "no Xen device model (not an HVM domU)";
}

static void platform_device_is_on_pci(struct ktest *t)
{
	struct pci_dev *found = NULL;

	for (struct pci_dev *d = pci_first(); d; d = d->next)
		if (d->vendor == XEN_PLATFORM_VENDOR && d->device == XEN_PLATFORM_DEVICE)
			found = d;
	KT_EXPECT_NOT_NULL(t, found);
	KT_EXPECT_STREQ(t, xen_mode_name(), "HVM");
}

static void emulated_nics_are_unplugged(struct ktest *t)
{
	unsigned int nics = 0;

	KT_ASSERT_EQ(t, xen_unplug_status(), XEN_UNPLUG_DONE);
	for (struct pci_dev *d = pci_first(); d; d = d->next) {
		if (d->class_code != PCI_CLASS_NETWORK)
			continue;
		ktest_log(t, "emulated NIC still on PCI: %04x:%04x at %02x:%02x.%x",
			  d->vendor, d->device, d->bus, d->slot, d->func);
		nics++;
	}
	KT_EXPECT_EQ(t, nics, 0);
}

/*
 * QEMU's IDE reads a status of 0 for a drive that is not there; the
 * disk it emulated for xvda would read ready (0x50).
 */
static void emulated_disks_are_unplugged(struct ktest *t)
{
	u8 status;

	KT_ASSERT_EQ(t, xen_unplug_status(), XEN_UNPLUG_DONE);
	outb(ATA_DRIVE_MASTER, ATA_PRIMARY_DRIVE);
	status = inb(ATA_PRIMARY_STATUS);
	ktest_log(t, "primary IDE master status %#x", status);
	KT_EXPECT_EQ(t, status, 0);
}

static const struct ktest_case xen_hvm_cases[] = {
	KTEST_CASE(platform_device_is_on_pci),
	KTEST_CASE(emulated_nics_are_unplugged),
	KTEST_CASE(emulated_disks_are_unplugged),
	{}
};
KTEST_SUITE_SKIP(xen_hvm, xen_hvm_cases, not_hvm);
