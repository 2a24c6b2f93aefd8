// SPDX-License-Identifier: GPL-2.0
/*
 * The ATA drivers against the fake devices of fake_ata.c: data moves
 * both ways and reaches the image, and every way a device can lie or
 * stall (a bad status, no DRQ, a device never ready, a bad checksum, an
 * NCQ tag it never got, a wrong FIS or byte count, a reset that never
 * ends) fails the request or the device with a message, within a bounded
 * time, never followed.  Plus the pure checks of libata.c.
 */
#include <string.h>
#include <pvkit/kernel.h>
#include <pvkit/blkdev.h>
#include <pvkit/errno.h>
#include <pvkit/ktest.h>
#include <pvkit/pci.h>
#include <asm/page.h>
#include "../../drivers/block/libata.h"
#include <pvkit/cmdline.h>
#include "fake_ata.h"
#include "host_mm.h"

static struct pci_dev piix = {
	.vendor = 0x8086, .device = 0x7010, .class_code = 1, .subclass = 1, .prog_if = 0x80,
	.bar[4] = { .addr = 0xc000, .size = 16, .io = true }, .ops = &fake_pci_cfg,
};

static struct pci_dev ich9 = {
	.vendor = 0x8086, .device = 0x2922, .class_code = 1, .subclass = 6, .prog_if = 1,
	.bar[5] = { .addr = 0xfebf0000, .size = 0x1000 }, .ops = &fake_pci_cfg,
};

/* The block layer appends: the newest device is the last. */
static struct blkdev *last_blkdev(void)
{
	struct blkdev *d = blkdev_first();

	while (d && d->next)
		d = d->next;
	return d;
}

/* The disk the probe registered, or NULL when it registered none. */
static struct blkdev *probe(const char *driver, struct pci_dev *d, const char *cmdline)
{
	struct blkdev *before = last_blkdev(), *dev;

	params_parse(cmdline, false);
	fake_pci_probe(driver, d);
	dev = last_blkdev();
	/* Probed disks stay on the block layer's list, as in the kernel: never freed. */
	return dev == before ? NULL : dev;
}

struct req {
	struct blk_request r;
	bool done;
};

static void req_done(struct blk_request *r)
{
	container_of(r, struct req, r)->done = true;
}

static int submit(struct blkdev *dev, struct req *q, enum blk_op op, u64 sector,
		  u32 n, void *buf)
{
	*q = (struct req){ .r = { .op = op, .sector = sector, .nr_sectors = n, .buf = buf,
				  .done = req_done } };
	return dev->ops->submit(dev, &q->r);
}

/* The fake whose interrupt a device takes: fake_ide_irq or fake_ahci_irq. */
static bool fake_ide_dev(struct blkdev *dev)
{
	return !strcmp(dev->driver, "ata-pio") || !strcmp(dev->driver, "ata-dma");
}

/* Interrupts (from the device's fake) and polls until q is done, at most rounds times. */
static void wait_for(struct blkdev *dev, struct req *q, int rounds)
{
	while (!q->done && rounds--) {
		if (!(fake_ide_dev(dev) ? fake_ide_irq() : fake_ahci_irq()))
			dev->ops->poll(dev);
	}
}

static int sync_io(struct blkdev *dev, enum blk_op op, u64 sector, u32 n, void *buf)
{
	struct req q;
	int err = submit(dev, &q, op, sector, n, buf);

	if (err)
		return err;
	if (dev->ops->kick)
		dev->ops->kick(dev);
	wait_for(dev, &q, 10000);
	return q.done ? q.r.status : 1;
}

/* The disk the fake shows, probed with this command line. */
static struct blkdev *fake_disk(struct ktest *t, bool ide, const char *cmdline)
{
	struct blkdev *dev;

	if (ide)
		fake_ide_reset();
	else
		fake_ahci_reset(strstr(cmdline, "no-ncq") != NULL);
	dev = ide ? probe("ata_piix", &piix, cmdline) : probe("ahci", &ich9, cmdline);
	KT_EXPECT_NOT_NULL(t, dev);
	return dev;
}

static struct blkdev *ide_disk(struct ktest *t, const char *cmdline)
{
	return fake_disk(t, true, cmdline);
}

static struct blkdev *ahci_disk(struct ktest *t, const char *cmdline)
{
	return fake_disk(t, false, cmdline);
}

/* ---- IDE ---- */

static void ide_pio_moves_data(struct ktest *t)
{
	struct blkdev *dev = ide_disk(t, "ata.mode=pio");
	u8 buf[3 * 512], back[3 * 512];

	if (!dev)
		return;
	KT_EXPECT_EQ(t, dev->nr_sectors, FAKE_SECTORS);
	KT_EXPECT_TRUE(t, dev->has_flush);
	KT_EXPECT_FALSE(t, dev->polled);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = i ^ 0x5a;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_WRITE, 5, 3, buf), BLK_OK);
	KT_EXPECT_MEMEQ(t, fake_ide.image + 5 * 512, buf, sizeof(buf));
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 4, 3, back), BLK_OK);
	KT_EXPECT_MEMEQ(t, back + 512, buf, 2 * 512);
	KT_EXPECT_EQ(t, sync_io(dev, BLK_FLUSH, 0, 0, NULL), BLK_OK);
	KT_EXPECT_EQ(t, fake_ide.cmds[0x34], 1);
	KT_EXPECT_EQ(t, fake_ide.cmds[0x24], 1);
	KT_EXPECT_EQ(t, fake_ide.cmds[0xea], 1);
	/* Every data word is a trap: 6 sectors of 256 words, and more. */
	KT_EXPECT_GT(t, dev->stats.traps, 6 * 256);
	KT_EXPECT_GE(t, dev->stats.interrupts, 6);
}

/* Interrupts off on the command line: the driver polls, data still moves. */
static void polled_moves_data(struct ktest *t, bool ide)
{
	struct blkdev *dev = fake_disk(t, ide, "ata.mode=pio ata.irq=off");
	u8 *image = ide ? fake_ide.image : fake_ahci.image;
	u8 back[2 * 512];

	if (!dev)
		return;
	KT_EXPECT_TRUE(t, dev->polled);
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 10, 2, back), BLK_OK);
	KT_EXPECT_MEMEQ(t, back, image + 10 * 512, sizeof(back));
	KT_EXPECT_EQ(t, dev->stats.interrupts, 0);
}

/* A device that takes a command and never ends it: failed at the deadline. */
static void never_ends_times_out(struct ktest *t, bool ide)
{
	struct blkdev *dev = fake_disk(t, ide, "ata.mode=pio");
	struct req q;
	u8 buf[512];

	if (!dev)
		return;
	fake_ide.never_ready = ide;
	fake_ahci.hold = !ide;
	KT_ASSERT_EQ(t, submit(dev, &q, BLK_READ, 0, 1, buf), 0);
	if (dev->ops->kick)
		dev->ops->kick(dev);
	wait_for(dev, &q, 100);
	KT_EXPECT_FALSE(t, q.done);
	fake_now_ns += 11ULL * 1000000000;
	dev->ops->poll(dev);
	KT_EXPECT_TRUE(t, q.done);
	KT_EXPECT_EQ(t, q.r.status, BLK_EBROKEN);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "did not complete") != NULL);
}

/*
 * A PIO read slower than the command deadline as a whole (every access is
 * 1 ms here: 48 sectors take about 12 s) but moving a sector well within
 * it each time: it completes, as on a Xen HVM device model under TCG.
 */
static void ide_slow_pio_is_not_hung(struct ktest *t)
{
	struct blkdev *dev = ide_disk(t, "ata.mode=pio ata.irq=off");
	static u8 back[48 * 512];

	if (!dev)
		return;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 8, 48, back), BLK_OK);
	KT_EXPECT_MEMEQ(t, back, fake_ide.image + 8 * 512, sizeof(back));
}

/*
 * The same through blkdev_rw_sync(), the whole request longer than the
 * block layer's 30 s backstop (3 ms an access: 64 sectors take about
 * 49 s, a sector 0.8 s): the driver's own deadline per sector rules, so
 * the read completes (xen-hvm-domu-ide-pio at load 10 was shut off so).
 */
static void ide_slow_pio_outlasts_sync_backstop(struct ktest *t)
{
	struct blkdev *dev = ide_disk(t, "ata.mode=pio ata.irq=off");
	static u8 back[FAKE_SECTORS * 512];
	u64 start = fake_now_ns;

	if (!dev)
		return;
	fake_ide.access_ns = 3000000;
	KT_EXPECT_EQ(t, blkdev_rw_sync(dev, BLK_READ, 0, FAKE_SECTORS, back), BLK_OK);
	fake_ide.access_ns = 0;
	KT_EXPECT_GT(t, fake_now_ns - start, 30ULL * 1000000000);
	KT_EXPECT_MEMEQ(t, back, fake_ide.image, sizeof(back));
}

static void ide_polled_moves_data(struct ktest *t)
{
	polled_moves_data(t, true);
}

static void ide_floating_bus_has_no_disk(struct ktest *t)
{
	fake_ide_reset();
	fake_ide.absent = true;
	KT_EXPECT_NULL(t, probe("ata_piix", &piix, ""));
	KT_EXPECT_EQ(t, fake_ide.cmds[0xec], 0);
}

static void ide_bad_identify_checksum_refused(struct ktest *t)
{
	fake_ide_reset();
	fake_ide.bad_checksum = true;
	KT_EXPECT_NULL(t, probe("ata_piix", &piix, ""));
	KT_EXPECT_TRUE(t, strstr(host_last_log, "checksum") != NULL);
}

static void ide_never_ready_at_probe_is_bounded(struct ktest *t)
{
	u64 start = fake_now_ns;

	fake_ide_reset();
	fake_ide.never_ready = true;
	KT_EXPECT_NULL(t, probe("ata_piix", &piix, ""));
	KT_EXPECT_EQ(t, fake_ide.cmds[0xec], 1);
	/* It gave up after its deadline, not much later. */
	KT_EXPECT_LT(t, fake_now_ns - start, 10ULL * 1000000000);
}

static void ide_error_status_is_eio(struct ktest *t)
{
	struct blkdev *dev = ide_disk(t, "ata.mode=pio");
	u8 buf[512] = { 0 };
	u64 start;

	if (!dev)
		return;
	fake_ide.fail = true;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 0, 1, buf), BLK_EIO);
	start = fake_now_ns;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_WRITE, 0, 1, buf), BLK_EIO);
	/* Refused at once, not after the command's deadline. */
	KT_EXPECT_LT(t, fake_now_ns - start, 1ULL * 1000000000);
	KT_EXPECT_EQ(t, sync_io(dev, BLK_FLUSH, 0, 0, NULL), BLK_EIO);
	/* A device error is not a broken protocol: the channel still works. */
	fake_ide.fail = false;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 0, 1, buf), BLK_OK);
}

static void ide_missing_drq_breaks(struct ktest *t)
{
	struct blkdev *dev = ide_disk(t, "ata.mode=pio");
	struct req q;
	u8 buf[512];

	if (!dev)
		return;
	fake_ide.no_drq = true;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 0, 1, buf), BLK_EBROKEN);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "no data request") != NULL);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "shut off") != NULL);
	fake_ide.no_drq = false;
	KT_EXPECT_EQ(t, submit(dev, &q, BLK_READ, 0, 1, buf), BLK_EBROKEN);
}

static void ide_command_that_never_ends_times_out(struct ktest *t)
{
	never_ends_times_out(t, true);
}

static void ide_busy_when_idle_breaks(struct ktest *t)
{
	struct blkdev *dev = ide_disk(t, "ata.mode=pio");
	u8 buf[512];

	if (!dev)
		return;
	fake_ide.busy_idle = true;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 0, 1, buf), BLK_EBROKEN);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "busy with no command") != NULL);
}

static void ide_queue_runs_in_order(struct ktest *t)
{
	struct blkdev *dev = ide_disk(t, "ata.mode=pio");
	struct req q[4];
	u8 buf[4][512];

	if (!dev)
		return;
	/* The channel takes one command at a time; the rest wait their turn. */
	for (int i = 0; i < 4; i++)
		KT_ASSERT_EQ(t, submit(dev, &q[i], BLK_READ, 20 + i, 1, buf[i]), 0);
	wait_for(dev, &q[3], 1000);
	for (int i = 0; i < 4; i++) {
		KT_EXPECT_TRUE(t, q[i].done);
		KT_EXPECT_EQ(t, q[i].r.status, BLK_OK);
		KT_EXPECT_MEMEQ(t, buf[i], fake_ide.image + (20 + i) * 512, 512);
	}
}

static const struct ktest_case ide_cases[] = {
	KTEST_CASE(ide_pio_moves_data),
	KTEST_CASE(ide_slow_pio_is_not_hung),
	KTEST_CASE(ide_slow_pio_outlasts_sync_backstop),
	KTEST_CASE(ide_polled_moves_data),
	KTEST_CASE(ide_floating_bus_has_no_disk),
	KTEST_CASE(ide_bad_identify_checksum_refused),
	KTEST_CASE(ide_never_ready_at_probe_is_bounded),
	KTEST_CASE(ide_error_status_is_eio),
	KTEST_CASE(ide_missing_drq_breaks),
	KTEST_CASE(ide_command_that_never_ends_times_out),
	KTEST_CASE(ide_busy_when_idle_breaks),
	KTEST_CASE(ide_queue_runs_in_order),
	{}
};
KTEST_SUITE(host_ata_piix, ide_cases);

/* ---- AHCI ---- */

static void ahci_ncq_batch_is_one_kick(struct ktest *t)
{
	struct blkdev *dev = ahci_disk(t, "");
	static u8 buf[8][1024], back[8][1024];
	struct req q[8];
	unsigned long traps;

	if (!dev)
		return;
	KT_EXPECT_EQ(t, dev->nr_sectors, FAKE_SECTORS);
	KT_EXPECT_STREQ(t, dev->driver, "ahci-ncq");
	fake_ahci.hold = true;
	for (int i = 0; i < 8; i++) {
		memset(buf[i], 0x30 + i, sizeof(buf[i]));
		KT_ASSERT_EQ(t, submit(dev, &q[i], BLK_WRITE, 2 * i, 2, buf[i]), 0);
	}
	traps = dev->stats.traps;
	dev->ops->kick(dev);
	/* Eight queued commands: one SActive and one Command Issue write. */
	KT_EXPECT_EQ(t, fake_ahci.sact_writes, 1);
	KT_EXPECT_EQ(t, fake_ahci.ci_writes - 1, 1);	/* the first was IDENTIFY's */
	KT_EXPECT_EQ(t, dev->stats.traps - traps, 2);
	fake_ahci_run();
	KT_EXPECT_TRUE(t, fake_ahci_irq());
	for (int i = 0; i < 8; i++) {
		KT_EXPECT_TRUE(t, q[i].done);
		KT_EXPECT_EQ(t, q[i].r.status, BLK_OK);
		KT_EXPECT_MEMEQ(t, fake_ahci.image + i * 1024, buf[i], 1024);
	}
	fake_ahci.hold = false;
	for (int i = 0; i < 8; i++)
		KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 2 * i, 2, back[i]), BLK_OK);
	KT_EXPECT_MEMEQ(t, back, buf, sizeof(buf));
}

/* An HBA without NCQ: READ/WRITE DMA EXT, one on the device at a time. */
static void ahci_without_ncq_one_at_a_time(struct ktest *t)
{
	struct blkdev *dev = ahci_disk(t, "fake.no-ncq");
	static u8 buf[3][1024], back[3 * 1024];
	struct req q[3];

	if (!dev)
		return;
	KT_EXPECT_STREQ(t, dev->driver, "ahci");
	for (int i = 0; i < 3; i++) {
		memset(buf[i], 0x60 + i, sizeof(buf[i]));
		KT_ASSERT_EQ(t, submit(dev, &q[i], BLK_WRITE, 30 + 2 * i, 2, buf[i]), 0);
	}
	dev->ops->kick(dev);
	wait_for(dev, &q[2], 100);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(t, q[i].r.status, BLK_OK);
	KT_EXPECT_EQ(t, fake_ahci.nonq_cmds, 3);
	KT_EXPECT_FALSE(t, fake_ahci.overlapped);
	KT_EXPECT_EQ(t, fake_ahci.sact_writes, 0);
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 30, 6, back), BLK_OK);
	KT_EXPECT_MEMEQ(t, back, buf, sizeof(back));
	/* A byte count that is not the command's breaks the port. */
	fake_ahci.prdbc_extra = 512;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 30, 2, back), BLK_EBROKEN);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "byte count") != NULL);
}

static void ahci_flush_waits_for_the_queue(struct ktest *t)
{
	struct blkdev *dev = ahci_disk(t, "");
	struct req w[2], f;
	u8 buf[2][512];

	if (!dev)
		return;
	fake_ahci.hold = true;
	KT_ASSERT_EQ(t, submit(dev, &w[0], BLK_WRITE, 1, 1, buf[0]), 0);
	KT_ASSERT_EQ(t, submit(dev, &w[1], BLK_WRITE, 2, 1, buf[1]), 0);
	KT_ASSERT_EQ(t, submit(dev, &f, BLK_FLUSH, 0, 0, NULL), 0);
	dev->ops->kick(dev);
	/* Only the two queued writes went out: a non-queued flush waits. */
	KT_EXPECT_EQ(t, fake_ahci.ci_writes - 1, 1);
	fake_ahci_run();
	KT_EXPECT_TRUE(t, fake_ahci_irq());
	KT_EXPECT_TRUE(t, w[0].done && w[1].done);
	KT_EXPECT_FALSE(t, f.done);
	/* Completing them sent the flush, alone. */
	KT_EXPECT_EQ(t, fake_ahci.ci_writes - 1, 2);
	fake_ahci_run();
	KT_EXPECT_TRUE(t, fake_ahci_irq());
	KT_EXPECT_TRUE(t, f.done);
	KT_EXPECT_EQ(t, f.r.status, BLK_OK);
}

static void ahci_tag_not_issued_breaks(struct ktest *t)
{
	struct blkdev *dev = ahci_disk(t, "");
	struct req q;
	u8 buf[512];

	if (!dev)
		return;
	fake_ahci.sact_extra = 1U << 20;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_READ, 0, 1, buf), BLK_EBROKEN);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "not issued") != NULL);
	KT_EXPECT_EQ(t, submit(dev, &q, BLK_READ, 0, 1, buf), BLK_EBROKEN);
}

static void ahci_missing_d2h_fis_breaks(struct ktest *t)
{
	struct blkdev *dev = ahci_disk(t, "");

	if (!dev)
		return;
	fake_ahci.bad_d2h = true;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_FLUSH, 0, 0, NULL), BLK_EBROKEN);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "D2H") != NULL);
}

static void ahci_byte_count_out_of_range_breaks(struct ktest *t)
{
	struct blkdev *dev = ahci_disk(t, "");

	if (!dev)
		return;
	fake_ahci.prdbc_extra = 4096;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_FLUSH, 0, 0, NULL), BLK_EBROKEN);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "byte count") != NULL);
}

static void ahci_command_issue_not_issued_breaks(struct ktest *t)
{
	struct blkdev *dev = ahci_disk(t, "");

	if (!dev)
		return;
	fake_ahci.ci_extra = 1U << 9;
	KT_EXPECT_EQ(t, sync_io(dev, BLK_FLUSH, 0, 0, NULL), BLK_EBROKEN);
	KT_EXPECT_TRUE(t, strstr(host_last_log, "Command Issue") != NULL);
}

static void ahci_task_file_error_fails_all(struct ktest *t)
{
	struct blkdev *dev = ahci_disk(t, "");
	struct req q[3];
	u8 buf[3][512];

	if (!dev)
		return;
	fake_ahci.tfes = true;
	fake_ahci.hold = true;
	for (int i = 0; i < 3; i++)
		KT_ASSERT_EQ(t, submit(dev, &q[i], BLK_READ, i, 1, buf[i]), 0);
	dev->ops->kick(dev);
	fake_ahci_run();
	fake_ahci_irq();
	for (int i = 0; i < 3; i++) {
		KT_EXPECT_TRUE(t, q[i].done);
		KT_EXPECT_EQ(t, q[i].r.status, BLK_EBROKEN);
	}
	KT_EXPECT_TRUE(t, strstr(host_last_log, "error interrupt") != NULL);
}

static void ahci_command_that_never_ends_times_out(struct ktest *t)
{
	never_ends_times_out(t, false);
}

static void ahci_polled_moves_data(struct ktest *t)
{
	polled_moves_data(t, false);
}

static void ahci_reset_that_never_ends_is_bounded(struct ktest *t)
{
	u64 start = fake_now_ns;

	fake_ahci_reset(false);
	fake_ahci.hr_stuck = true;
	KT_EXPECT_NULL(t, probe("ahci", &ich9, ""));
	KT_EXPECT_TRUE(t, strstr(host_last_log, "reset did not finish") != NULL);
	KT_EXPECT_LT(t, fake_now_ns - start, 5ULL * 1000000000);
}

/*
 * No port shows a device: the controller is bound with no disk and not
 * written at all (QEMU's q35 has such a controller on every boot, and its
 * reset and port set-up were VM exits for nothing).
 */
static void ahci_without_disks_is_not_reset(struct ktest *t)
{
	fake_ahci_reset(false);
	fake_ahci_no_disk();
	KT_EXPECT_NULL(t, probe("ahci", &ich9, ""));
	KT_EXPECT_EQ(t, fake_ahci.ghc_writes, 0);

	/* With the disk, the same controller is reset and its disk found. */
	fake_ahci_reset(false);
	KT_EXPECT_NOT_NULL(t, probe("ahci", &ich9, ""));
	KT_EXPECT_GT(t, fake_ahci.ghc_writes, 0);
}

static const struct ktest_case ahci_cases[] = {
	KTEST_CASE(ahci_ncq_batch_is_one_kick),
	KTEST_CASE(ahci_without_ncq_one_at_a_time),
	KTEST_CASE(ahci_flush_waits_for_the_queue),
	KTEST_CASE(ahci_tag_not_issued_breaks),
	KTEST_CASE(ahci_missing_d2h_fis_breaks),
	KTEST_CASE(ahci_byte_count_out_of_range_breaks),
	KTEST_CASE(ahci_command_issue_not_issued_breaks),
	KTEST_CASE(ahci_task_file_error_fails_all),
	KTEST_CASE(ahci_command_that_never_ends_times_out),
	KTEST_CASE(ahci_polled_moves_data),
	KTEST_CASE(ahci_reset_that_never_ends_is_bounded),
	KTEST_CASE(ahci_without_disks_is_not_reset),
	{}
};
KTEST_SUITE(host_ahci, ahci_cases);

/* ---- libata's checks ---- */

static void identify_decodes(struct ktest *t)
{
	struct ata_identity id;
	const char *why = NULL;
	u16 raw[256];

	fake_identify(raw);
	KT_ASSERT_EQ(t, ata_parse_identify(raw, &id, &why), 0);
	KT_EXPECT_EQ(t, id.nr_sectors, FAKE_SECTORS);
	KT_EXPECT_TRUE(t, id.flush);
	KT_EXPECT_TRUE(t, id.ncq);
	KT_EXPECT_EQ(t, id.ncq_depth, 32);
	KT_EXPECT_STREQ(t, id.serial, "FAKE0001");
	KT_EXPECT_STREQ(t, id.model, "PVKIT FAKE DISK");
}

/* Changes one word and signs the block again, as a lying device would. */
static int parse_with(u16 word, u16 val, const char **why)
{
	struct ata_identity id;
	u16 raw[256];
	u8 sum = 0;

	fake_identify(raw);
	raw[word] = val;
	raw[255] = 0xa5;
	for (int i = 0; i < 256; i++)
		sum += (raw[i] & 0xff) + (raw[i] >> 8);
	raw[255] |= (u8)-sum << 8;
	return ata_parse_identify(raw, &id, why);
}

static void identify_refuses_what_it_cannot_use(struct ktest *t)
{
	const char *why = NULL;

	KT_EXPECT_EQ(t, parse_with(0, 0x85c0, &why), -EINVAL);	/* ATAPI */
	KT_EXPECT_EQ(t, parse_with(83, 0x4000, &why), -EINVAL);	/* no LBA48 */
	KT_EXPECT_EQ(t, parse_with(100, 0, &why), -EINVAL);	/* no sectors */
	KT_EXPECT_EQ(t, parse_with(103, 1, &why), -EINVAL);	/* 2^48 sectors */
	KT_EXPECT_EQ(t, parse_with(76, 0xffff, &why), 0);	/* PATA: no NCQ */
}

static void status_checks(struct ktest *t)
{
	const char *why = NULL;

	KT_EXPECT_EQ(t, ata_check_status(0x50, false, &why), BLK_OK);
	KT_EXPECT_EQ(t, ata_check_status(0x58, true, &why), BLK_OK);
	KT_EXPECT_EQ(t, ata_check_status(0x51, false, &why), BLK_EIO);
	KT_EXPECT_EQ(t, ata_check_status(0x70, false, &why), BLK_EIO);
	KT_EXPECT_EQ(t, ata_check_status(0xd0, false, &why), BLK_EBROKEN);
	KT_EXPECT_EQ(t, ata_check_status(0x58, false, &why), BLK_EBROKEN);
	KT_EXPECT_EQ(t, ata_check_status(0x50, true, &why), BLK_EBROKEN);
	KT_EXPECT_EQ(t, ata_check_status(0xff, false, &why), BLK_EBROKEN);
}

static u8 status_value;

/* A status register that takes 1 ms to read, as the fakes' registers do. */
static u8 read_status(void *ctx)
{
	fake_now_ns += 1000000;
	return status_value;
}

static void wait_is_bounded(struct ktest *t)
{
	u64 deadline;
	u8 st;

	status_value = 0x80;
	deadline = fake_now_ns + 50ULL * 1000000;
	KT_EXPECT_EQ(t, ata_wait(read_status, NULL, 0x80, 0, deadline, &st), -ETIMEDOUT);
	KT_EXPECT_LT(t, fake_now_ns, deadline + 10ULL * 1000000);
	status_value = 0xff;
	KT_EXPECT_EQ(t, ata_wait(read_status, NULL, 0x80, 0, fake_now_ns + 1000000000, &st),
		     -ENODEV);
	status_value = 0x50;
	KT_EXPECT_EQ(t, ata_wait(read_status, NULL, 0x80, 0, 0, &st), 0);
}

static void prd_tables(struct ktest *t)
{
	struct ata_prd prd[4];
	struct ahci_prd aprd[2];

	/* 0x12000 bytes from 0x1f000: split at 0x20000 and 0x30000. */
	KT_ASSERT_EQ(t, ata_fill_prd(prd, 4, 0x1f000, 0x12000), 3);
	KT_EXPECT_EQ(t, prd[0].addr, 0x1f000);
	KT_EXPECT_EQ(t, prd[0].flags_len, 0x1000);
	KT_EXPECT_EQ(t, prd[1].flags_len, 0);		/* 64 KiB */
	KT_EXPECT_EQ(t, prd[2].flags_len, ATA_PRD_EOT | 0x1000);
	KT_EXPECT_EQ(t, ata_fill_prd(prd, 2, 0x1f000, 0x12000), -EINVAL);
	KT_EXPECT_EQ(t, ata_fill_prd(prd, 4, 0xfffff000, 0x2000), -EINVAL);
	KT_EXPECT_EQ(t, ata_fill_prd(prd, 4, 0x1000, 0), -EINVAL);
	KT_EXPECT_EQ(t, ata_fill_prd(prd, 4, 0x1000, 511), -EINVAL);
	KT_ASSERT_EQ(t, ahci_fill_prd(aprd, 2, 0x100000000ULL, 0x500000, true), 2);
	KT_EXPECT_EQ(t, aprd[0].addr_hi, 1);
	KT_EXPECT_EQ(t, aprd[0].dbc, 0x3fffff);
	KT_EXPECT_EQ(t, aprd[1].dbc, 0xfffff);
	KT_EXPECT_EQ(t, ahci_fill_prd(aprd, 2, 0x100000000ULL, 512, false), -EINVAL);
	KT_EXPECT_EQ(t, ahci_fill_prd(aprd, 1, 0, 0x500000, true), -EINVAL);
}

static void ncq_completion(struct ktest *t)
{
	const char *why = NULL;

	KT_EXPECT_EQ(t, ahci_ncq_done(0xf0, 0x30, &why), 0xc0);
	KT_EXPECT_EQ(t, ahci_ncq_done(0xf0, 0xf0, &why), 0);
	KT_EXPECT_EQ(t, ahci_ncq_done(0xf0, 0x1f0, &why), -EPROTO);
	KT_EXPECT_NOT_NULL(t, why);
}

static void d2h_fis_checks(struct ktest *t)
{
	const char *why = NULL;
	u8 fis[20] = { AHCI_FIS_D2H, 0, 0x50 };

	KT_EXPECT_EQ(t, ahci_check_d2h(fis, &why), BLK_OK);
	fis[2] = 0x51;
	KT_EXPECT_EQ(t, ahci_check_d2h(fis, &why), BLK_EIO);
	fis[2] = 0x58;
	KT_EXPECT_EQ(t, ahci_check_d2h(fis, &why), BLK_EBROKEN);
	fis[0] = 0x27;
	fis[2] = 0x50;
	KT_EXPECT_EQ(t, ahci_check_d2h(fis, &why), BLK_EBROKEN);
}

static const struct ktest_case libata_cases[] = {
	KTEST_CASE(identify_decodes),
	KTEST_CASE(identify_refuses_what_it_cannot_use),
	KTEST_CASE(status_checks),
	KTEST_CASE(wait_is_bounded),
	KTEST_CASE(prd_tables),
	KTEST_CASE(ncq_completion),
	KTEST_CASE(d2h_fis_checks),
	{}
};
KTEST_SUITE(host_libata, libata_cases);
