// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's real ACPI tables, as found through boot_info.rsdp.  What
 * any PC must have is checked everywhere; what QEMU's pc and q35 machines
 * are known to provide (one IOAPIC at 0xfec00000, IRQ0 on GSI2, an HPET at
 * 0xfed00000, a PM timer) only where the tables say QEMU made them, so the
 * suite stays meaningful under other firmware.  Guest only.
 */
#include <asm/hypervisor.h>
#include <asm/page.h>
#include <pvkit/acpi.h>
#include <pvkit/aml.h>
#include <pvkit/bootinfo.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/string.h>

/* QEMU's default OEM ID in every table it builds. */
#define QEMU_OEM_ID	"BOCHS "

#define DIAG(fmt, ...)	console_printf("    # " fmt "\n", ##__VA_ARGS__)

static const char *acpi_platform_skip(void)
{
	return boot_info.rsdp ? NULL : "no ACPI RSDP from the boot loader";
}

static const struct acpi_info *platform(struct ktest *t)
{
	const struct acpi_info *info = acpi_get();

	if (!info)
		ktest_fail_msg(t, "ASSERTION", __FILE__, __LINE__,
			       "tables at RSDP %#llx did not parse",
			       boot_info.rsdp);
	return info;
}

/*
 * QEMU's tables for a PC (pc, q35).  Its microvm machine with ACPI gives
 * hardware-reduced ones: two I/O APICs, no PM timer, HPET or overrides.
 */
static bool made_by_qemu(struct ktest *t, const struct acpi_info *info)
{
	if (strcmp(info->oem_id, QEMU_OEM_ID)) {
		ktest_skip(t, "tables not made by QEMU");
		return false;
	}
	if (info->hw_reduced) {
		ktest_skip(t, "QEMU's hardware-reduced tables (microvm): no PC devices to expect");
		return false;
	}
	return true;
}

/* Second parse with a map of our own: acpi_get()'s result is the same. */
static const void *test_map(u64 phys, size_t len)
{
	if (phys >= DIRECT_MAP_SIZE || len > DIRECT_MAP_SIZE - phys)
		return NULL;
	return phys_to_virt(phys);
}

static void acpi_platform_root(struct ktest *t)
{
	static struct acpi_info again;
	const struct acpi_info *info = platform(t);
	char sigs[ACPI_MAX_TABLES * 5 + 1] = "";

	if (!info)
		return;
	for (unsigned int i = 0; i < info->nr_tables; i++) {
		const struct acpi_table_ref *ref = &info->tables[i];

		KT_EXPECT_NE(t, ref->phys, 0);
		KT_EXPECT_GE(t, ref->len, 36);
		strlcat(sigs, " ", sizeof(sigs));
		strlcat(sigs, ref->sig, sizeof(sigs));
	}
	DIAG("RSDP rev %u OEM \"%s\" via %s%s, %u tables:%s", info->rsdp_revision,
	     info->oem_id, info->xsdt ? "XSDT" : "RSDT",
	     info->root_misnamed ? " (misnamed)" : "", info->nr_tables, sigs);
	KT_EXPECT_NOT_NULL(t, acpi_find(info, "FACP"));
	KT_EXPECT_NOT_NULL(t, acpi_find(info, "APIC"));
	KT_EXPECT_EQ(t, info->nr_dropped, 0);
	/* ACPI 2.0+ firmware must be read through its XSDT */
	if (info->rsdp_revision >= 2)
		KT_EXPECT_TRUE(t, info->xsdt);

	KT_ASSERT_EQ(t, acpi_parse(boot_info.rsdp, test_map, &again), 0);
	KT_EXPECT_MEMEQ(t, &again, info, sizeof(again));
	KT_EXPECT_TRUE(t, acpi_get() == info);
}

static void acpi_platform_madt(struct ktest *t)
{
	const struct acpi_info *info = platform(t);
	unsigned int enabled = 0;

	if (!info)
		return;
	KT_ASSERT_TRUE(t, info->has_madt);
	for (unsigned int i = 0; i < info->nr_cpus; i++)
		enabled += info->cpus[i].enabled;
	DIAG("MADT: LAPIC %#llx, %u CPUs (%u enabled), %u IOAPICs, %u overrides%s",
	     info->lapic_addr, info->nr_cpus, enabled, info->nr_ioapics,
	     info->nr_overrides, info->pcat_compat ? ", 8259s" : "");
	for (unsigned int i = 0; i < info->nr_ioapics; i++)
		DIAG("IOAPIC %u at %#llx, GSI base %u", info->ioapics[i].id,
		     info->ioapics[i].addr, info->ioapics[i].gsi_base);
	/* the architectural address, which no PC firmware moves */
	KT_EXPECT_EQ(t, info->lapic_addr, 0xfee00000);
	KT_EXPECT_GE(t, enabled, 1);

	if (!made_by_qemu(t, info))
		return;
	KT_ASSERT_EQ(t, info->nr_ioapics, 1);
	KT_EXPECT_EQ(t, info->ioapics[0].addr, 0xfec00000);
	KT_EXPECT_EQ(t, info->ioapics[0].gsi_base, 0);
}

/* QEMU wires the PIT (IRQ0) to IOAPIC pin 2 and says so in an override. */
static void acpi_platform_irq0_override(struct ktest *t)
{
	const struct acpi_info *info = platform(t);
	bool found = false;
	u16 flags;

	if (!info)
		return;
	for (unsigned int i = 0; i < info->nr_overrides; i++) {
		const struct acpi_override *ov = &info->overrides[i];

		DIAG("override: bus %u IRQ %u -> GSI %u flags %#x", ov->bus,
		     ov->source_irq, ov->gsi, ov->flags);
		if (ov->bus == 0 && ov->source_irq == 0)
			found = true;
	}
	if (!made_by_qemu(t, info))
		return;
	KT_EXPECT_TRUE(t, found);
	KT_EXPECT_EQ(t, acpi_isa_irq_to_gsi(info, 0, &flags), 2);
	/* an ISA line QEMU does not override maps to itself */
	KT_EXPECT_EQ(t, acpi_isa_irq_to_gsi(info, 1, &flags), 1);
	KT_EXPECT_EQ(t, flags, 0);
}

static void acpi_platform_fadt(struct ktest *t)
{
	const struct acpi_info *info = platform(t);

	if (!info)
		return;
	KT_ASSERT_TRUE(t, info->has_fadt);
	DIAG("FADT: %sSCI %u, boot flags %#x, PM timer %s%#x (%u-bit)",
	     info->hw_reduced ? "hardware-reduced, " : "",
	     info->sci_irq, info->boot_arch_flags,
	     info->has_pm_timer ? "port " : "none ", info->pm_timer_port,
	     info->pm_timer_32bit ? 32 : 24);
	if (!made_by_qemu(t, info))
		return;
	KT_EXPECT_TRUE(t, info->has_pm_timer);
	KT_EXPECT_NE(t, info->pm_timer_port, 0);
	KT_EXPECT_LT(t, info->sci_irq, 16);
}

static void acpi_platform_hpet(struct ktest *t)
{
	const struct acpi_info *info = platform(t);

	if (!info)
		return;
	/* a listed HPET table must have given a usable base */
	KT_EXPECT_EQ(t, info->has_hpet, acpi_find(info, "HPET") != NULL);
	if (info->has_hpet)
		DIAG("HPET %u at %#llx, min tick %u", info->hpet_number,
		     info->hpet_addr, info->hpet_min_tick);
	if (!made_by_qemu(t, info))
		return;
	/* Xen hands its dom0 the machine's tables less those it keeps. */
	if (!info->has_hpet && !strcmp(x86_hyper.hv->name, "xen")) {
		ktest_skip(t, "no HPET table: Xen keeps the HPET and leaves it out of dom0's tables");
		return;
	}
	KT_EXPECT_TRUE(t, info->has_hpet);
	KT_EXPECT_EQ(t, info->hpet_addr, 0xfed00000);
}

/*
 * PCIe machines (q35) list an MCFG, plain PCI ones (pc) do not: whether
 * there should be windows is decided by the table list, not the machine.
 */
static void acpi_platform_mcfg(struct ktest *t)
{
	const struct acpi_info *info = platform(t);

	if (!info)
		return;
	if (!acpi_find(info, "MCFG")) {
		DIAG("no MCFG table");
		KT_EXPECT_EQ(t, info->nr_mcfg, 0);
		return;
	}
	KT_ASSERT_GT(t, info->nr_mcfg, 0);
	for (unsigned int i = 0; i < info->nr_mcfg; i++) {
		const struct acpi_mcfg *m = &info->mcfg[i];

		DIAG("MCFG: segment %u buses %u-%u at %#llx", m->segment,
		     m->start_bus, m->end_bus, m->base);
		KT_EXPECT_NE(t, m->base, 0);
		KT_EXPECT_LE(t, m->start_bus, m->end_bus);
		/* 1 MiB of configuration space per bus */
		KT_EXPECT_TRUE(t, IS_ALIGNED(m->base, MiB));
	}
}

/*
 * The DSDT the FADT names is read (the SSDTs too), and QEMU's says
 * what its machine has: \_S5 everywhere; a PCI host bridge and the
 * fixed-feature power button on pc and q35; a GED whose _EVT notifies a
 * power button on microvm (its LNRO0005 devices: qemu-tcg-*-mmio-acpi).
 */
static void acpi_platform_namespace(struct ktest *t)
{
	const struct acpi_info *info = platform(t);
	const struct aml_device *ged;
	const struct aml_ns *ns;

	if (!info)
		return;
	if (!info->has_fadt || !info->dsdt) {
		ktest_skip(t, "no FADT or no DSDT");
		return;
	}
	ns = acpi_namespace();
	KT_ASSERT_NOT_NULL(t, ns);
	DIAG("namespace: %u devices, \\_S5 %s (SLP_TYP %u/%u)", ns->nr_devices,
	     ns->has_s5 ? "present" : "absent", ns->s5_typa, ns->s5_typb);
	/* Xen's PVH DSDT declares no Device at all: no count to expect. */
	KT_EXPECT_EQ(t, ns->nr_dropped, 0);
	if (strcmp(info->oem_id, QEMU_OEM_ID)) {
		ktest_skip(t, "tables not made by QEMU");
		return;
	}
	KT_EXPECT_GT(t, ns->nr_devices, 0);
	KT_EXPECT_TRUE(t, ns->has_s5);
	if (info->hw_reduced) {
		ged = aml_find_hid(ns, "ACPI0013", NULL);
		KT_ASSERT_NOT_NULL(t, ged);
		KT_EXPECT_NE(t, aml_ged_power_mask(ns, ged), 0);
		return;
	}
	KT_EXPECT_TRUE(t, aml_find_hid(ns, "PNP0A03", NULL) ||
			  aml_find_hid(ns, "PNP0A08", NULL));
	KT_EXPECT_TRUE(t, info->fixed_power_button);
}

/*
 * acpi_find_hid() reads the namespace only where a table may declare the
 * id (virtio-mmio's LNRO0005 on q35 and pc: not): its answer must be
 * the namespace's, and the scan must never deny a device the reader
 * finds.  QEMU's tables name LNRO0005 only in its devices.
 */
static void acpi_platform_hid_scan(struct ktest *t)
{
	const struct acpi_info *info = platform(t);
	const struct aml_ns *ns;
	bool mmio;

	if (!info)
		return;
	if (!info->dsdt) {
		ktest_skip(t, "no DSDT");
		return;
	}
	ns = acpi_namespace();
	KT_ASSERT_NOT_NULL(t, ns);
	for (unsigned int i = 0; i < ns->nr_devices; i++) {
		const char *hid = ns->devices[i].hid;

		if (!hid[0])
			continue;
		KT_EXPECT_TRUE(t, acpi_hid_maybe_declared(hid));
		KT_EXPECT_EQ(t, acpi_find_hid(hid, NULL), aml_find_hid(ns, hid, NULL));
	}
	mmio = aml_find_hid(ns, "LNRO0005", NULL) != NULL;
	DIAG("LNRO0005: %s, scan says %s", mmio ? "declared" : "none",
	     acpi_hid_maybe_declared("LNRO0005") ? "maybe" : "none");
	KT_EXPECT_TRUE(t, !mmio || acpi_hid_maybe_declared("LNRO0005"));
	if (!strcmp(info->oem_id, QEMU_OEM_ID))
		KT_EXPECT_EQ(t, acpi_hid_maybe_declared("LNRO0005"), mmio);
	KT_EXPECT_FALSE(t, acpi_hid_maybe_declared("NONE0042"));
}

static const struct ktest_case acpi_platform_cases[] = {
	KTEST_CASE(acpi_platform_root),
	KTEST_CASE(acpi_platform_madt),
	KTEST_CASE(acpi_platform_irq0_override),
	KTEST_CASE(acpi_platform_fadt),
	KTEST_CASE(acpi_platform_hpet),
	KTEST_CASE(acpi_platform_mcfg),
	KTEST_CASE(acpi_platform_namespace),
	KTEST_CASE(acpi_platform_hid_scan),
	{}
};
KTEST_SUITE_SKIP(acpi_platform, acpi_platform_cases, acpi_platform_skip);
