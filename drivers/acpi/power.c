// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI power-off (S5) and the power button, without an interpreter.
 *
 * Power-off writes \_S5's SLP_TYPa with SLP_EN to PM1a_CNT (and SLP_TYPb
 * to PM1b_CNT), or, on a hardware-reduced platform (QEMU's microvm), to
 * the FADT's sleep control register (ACPI 6.5, 4.8.3.7 and 7.4.2).
 *
 * The power button is either the fixed-feature one (FADT PWR_BUTTON
 * clear: PWRBTN_STS/PWRBTN_EN in the PM1 event blocks, signalled by the
 * SCI; pc and q35) or, on a hardware-reduced platform, a Generic Event
 * Device (ACPI0013) whose interrupt comes from its _CRS and whose _EVT
 * tests bits of the event selector register it declares as an
 * OperationRegion (microvm; QEMU's hw/acpi/generic_event_device.c: the
 * read returns and clears the selector).  The bit of the power button is
 * the one _EVT notifies a PNP0C0C device for, read from the AML.  Either
 * way a press becomes shutdown_request(SHUTDOWN_POWEROFF).
 */
#define pr_fmt(fmt) "acpi: " fmt

#include <asm/io.h>
#include <asm/processor.h>
#include <pvkit/acpi.h>
#include <pvkit/aml.h>
#include <pvkit/console.h>
#include <pvkit/init.h>
#include <pvkit/io.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/kernel.h>
#include <pvkit/shutdown.h>
#include <pvkit/time.h>

#define PM1_PWRBTN		(1 << 8)	/* status and enable */
#define PM1_CNT_SCI_EN		(1 << 0)
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP		(7 << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN		(1 << 13)
#define SLEEP_CTL_SLP_TYP_SHIFT	2
#define SLEEP_CTL_SLP_EN	(1 << 5)

/* SCIs with no status of ours before the line is masked as stuck. */
#define SCI_STRAY_MAX		1000

/* The firmware's SMI handler switches to ACPI mode within this. */
#define ACPI_ENABLE_WAIT_MS	300
/* QEMU ends at once; real hardware within a second or two. */
#define POWER_OFF_WAIT_MS	2000

static const struct acpi_info *info;
static u8 slp_typa, slp_typb;
static bool s5_read, s5_ok;
static volatile u8 *sleep_ctl;
static volatile u8 *ged_sel;
static u32 ged_mask;
static unsigned long sci_stray;

static void pm1_cnt_sleep(u16 port, u8 typ)
{
	u16 cnt = inw(port) & ~(PM1_CNT_SLP_TYP | PM1_CNT_SLP_EN);

	cnt |= (u16)typ << PM1_CNT_SLP_TYP_SHIFT;
	outw(cnt, port);
	outw(cnt | PM1_CNT_SLP_EN, port);
}

/*
 * Name (\_S5, Package {...}) found in the DSDT's and SSDTs' bytes, which
 * allocates nothing: the same sleep types as the namespace's for QEMU's
 * pc, q35 and microvm tables (host_aml).
 */
static __attribute__((__cold__)) bool s5_scan(void)
{
	int err = acpi_scan_s5(&slp_typa, &slp_typb);

	if (err) {
		pr_err("no usable \\_S5 in the tables' bytes (%d): cannot power off\n", err);
		return false;
	}
	pr_info("\\_S5 found by a scan of the tables (from an interrupt)\n");
	s5_ok = true;
	return true;
}

/*
 * \_S5's sleep types, read when first needed, at the power-off: the
 * namespace is most of the guest's own boot work on pc and q35 (675 k of
 * q35's 799 k instructions) and nothing else there needs it before the
 * app.  Reading it allocates, which an interrupt must not (the heap has
 * no lock): from the shutdown's grace timer, with the namespace not read
 * yet, the tables' bytes are scanned for the Name instead (s5_scan()).
 */
static bool s5_get(void)
{
	const struct aml_ns *ns;

	if (s5_read)
		return s5_ok;
	s5_read = true;
	if (irqs_disabled() && !acpi_namespace_read())
		return s5_scan();
	ns = acpi_namespace();
	if (!ns || !ns->has_s5) {
		pr_err("no \\_S5 in the namespace: cannot power off\n");
		return false;
	}
	slp_typa = ns->s5_typa;
	slp_typb = ns->s5_typb;
	s5_ok = true;
	return true;
}

static void acpi_power_off(void)
{
	u64 deadline;

	if (!s5_get())
		return;
	pr_info("entering S5 (SLP_TYP %u)\n", slp_typa);
	console_flush();
	if (sleep_ctl) {
		writeb((u8)(slp_typa << SLEEP_CTL_SLP_TYP_SHIFT | SLEEP_CTL_SLP_EN),
		       sleep_ctl);
	} else {
		pm1_cnt_sleep(info->pm1a_cnt, slp_typa);
		if (info->pm1b_cnt)
			pm1_cnt_sleep(info->pm1b_cnt, slp_typb);
	}
	deadline = ktime_get_ns() + (u64)POWER_OFF_WAIT_MS * NSEC_PER_MSEC;
	while (ktime_get_ns() < deadline)
		cpu_relax();
	pr_err("still running %u ms after the S5 write\n", POWER_OFF_WAIT_MS);
}

/* The sleep control register of a hardware-reduced FADT, 1 byte wide. */
static bool map_sleep_ctl(void)
{
	const struct acpi_reg *r = &info->sleep_ctl;

	if (!r->addr || r->io || r->width != 1) {
		pr_warn("no usable sleep control register: no S5\n");
		return false;
	}
	sleep_ctl = ioremap(r->addr, 1);
	return sleep_ctl != NULL;
}

static void setup_power_off(void)
{
	if (info->hw_reduced ? !map_sleep_ctl() : !info->pm1a_cnt)
		return;
	if (set_power_off_handler(acpi_power_off))
		pr_info("S5 not used: the platform powers off its own way\n");
}

static void power_button_pressed(void)
{
	pr_info("power button pressed\n");
	shutdown_request(SHUTDOWN_POWEROFF, "ACPI power button");
}

/* PM1 status or enable: the A block, and the B block when there is one. */
static u16 pm1_read(unsigned int off)
{
	u16 v = inw(info->pm1a_evt + off);

	if (info->pm1b_evt)
		v |= inw(info->pm1b_evt + off);
	return v;
}

static void pm1_write(unsigned int off, u16 v)
{
	outw(v, info->pm1a_evt + off);
	if (info->pm1b_evt)
		outw(v, info->pm1b_evt + off);
}

/*
 * No general-purpose event is handled here: all are disabled and their
 * status cleared, so that none keeps the level-triggered SCI up.  Their
 * enables are clear at reset and no firmware that boots us sets one, so
 * this waits for an SCI that is not the power button's: it took a port
 * write a byte of the block (16 exits on q35) at every boot.
 */
static void gpe_quiet(void)
{
	unsigned int half = info->gpe0_len / 2;

	for (unsigned int i = 0; i < half; i++) {
		outb(0, info->gpe0_blk + half + i);
		outb(0xff, info->gpe0_blk + i);
	}
}

static void sci_interrupt(void *data)
{
	u16 sts = pm1_read(0);

	if (sts & PM1_PWRBTN) {
		pm1_write(0, PM1_PWRBTN);	/* write 1 to clear */
		power_button_pressed();
		return;
	}
	if (!sci_stray)
		gpe_quiet();
	/* Level-triggered: a source we do not clear would hold it up. */
	if (++sci_stray == SCI_STRAY_MAX) {
		pr_warn("SCI %u: %u interrupts with no event of ours (PM1 status %#x): masked\n",
			info->sci_irq, SCI_STRAY_MAX, sts);
		arch_irq_mask(info->sci_irq, true);
	}
}

/* Legacy to ACPI mode (ACPI 6.5, 16.3.1), when the firmware left it. */
static bool acpi_mode(void)
{
	u64 deadline;

	if (inw(info->pm1a_cnt) & PM1_CNT_SCI_EN)
		return true;
	if (!info->smi_cmd || !info->acpi_enable) {
		pr_warn("SCI_EN clear and no way to set it\n");
		return false;
	}
	outb(info->acpi_enable, info->smi_cmd);
	deadline = ktime_get_ns() + (u64)ACPI_ENABLE_WAIT_MS * NSEC_PER_MSEC;
	while (!(inw(info->pm1a_cnt) & PM1_CNT_SCI_EN)) {
		if (ktime_get_ns() >= deadline) {
			pr_warn("the firmware did not enter ACPI mode in %u ms\n",
				ACPI_ENABLE_WAIT_MS);
			return false;
		}
		cpu_relax();
	}
	return true;
}

static void setup_fixed_button(void)
{
	unsigned int en = info->pm1_evt_len / 2;

	if (!info->pm1a_cnt || !acpi_mode())
		return;
	/*
	 * Only the power button's event enabled, a press from before cleared:
	 * the other fixed events' status raises no SCI while they are off.
	 */
	pm1_write(0, PM1_PWRBTN);
	pm1_write(en, PM1_PWRBTN);
	if (request_irq(info->sci_irq, sci_interrupt, NULL, "acpi-sci")) {
		pm1_write(en, 0);
		pr_warn("SCI %u cannot be requested: no power button\n",
			info->sci_irq);
		return;
	}
	pr_info("power button: fixed feature on SCI %u\n", info->sci_irq);
}

static void ged_interrupt(void *data)
{
	u32 sel = readl(ged_sel);	/* reading clears it */

	if (sel & ged_mask)
		power_button_pressed();
}

static void setup_ged(const struct aml_ns *ns)
{
	const struct aml_device *ged = aml_find_hid(ns, "ACPI0013", NULL);
	u32 irq;

	if (!ged)
		return;
	ged_mask = aml_ged_power_mask(ns, ged);
	if (!ged_mask) {
		pr_info("GED: no power button event in its _EVT\n");
		return;
	}
	if (!ged->has_crs || !ged->crs.nr_irq || !ged->has_region ||
	    ged->region_space != 0 || ged->region_len < 4) {
		pr_warn("GED: no interrupt or selector register: no power button\n");
		return;
	}
	ged_sel = ioremap(ged->region_base, 4);
	if (!ged_sel)
		return;
	irq = ged->crs.irq[0].gsi;
	if (irq >= 16 && arch_irq_set_type(irq, ged->crs.irq[0].flags))
		return;
	if (request_irq(irq, ged_interrupt, NULL, "acpi-ged")) {
		pr_warn("GED: IRQ %u cannot be requested: no power button\n", irq);
		return;
	}
	pr_info("power button: GED event %#x on IRQ %u\n", ged_mask, irq);
}

static int acpi_power_init(void)
{
	const struct aml_ns *ns;

	info = acpi_get();
	if (!info || !info->has_fadt || !info->dsdt)
		return 0;
	setup_power_off();
	if (info->hw_reduced) {
		/* The GED is found in the namespace: read now. */
		ns = acpi_namespace();
		if (ns)
			setup_ged(ns);
	} else if (info->fixed_power_button) {
		setup_fixed_button();
	}
	return 0;
}
device_initcall(acpi_power_init);
