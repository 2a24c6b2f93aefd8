// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (virtio 1.2, 5.3), port 0 only (no MULTIPORT): becomes
 * one of the kernel's consoles and, costing one notification a line,
 * takes over from the per-byte ones (the UART; drivers/tty/console.c).
 * Output is synchronous: a line is copied into a buffer, queued, and
 * reaped before the next, so nothing waits on interrupts.
 */
#include <pvkit/kernel.h>
#include <pvkit/console.h>
#include <pvkit/errno.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/virtio.h>
#include <asm/page.h>
#include <asm/processor.h>

#define TX_BUF	512

struct vcon {
	struct console con;
	struct virtio_device *vdev;
	struct virtqueue *tx;
	u8 buf[TX_BUF];
	unsigned long lost;
};

static void vcon_send(struct vcon *vc, const char *s, size_t n)
{
	struct vq_buf b = { virt_to_phys(vc->buf), n };

	memcpy(vc->buf, s, n);
	if (virtqueue_add(vc->tx, &b, 1, 0, vc)) {
		vc->lost += n;
		return;
	}
	virtqueue_kick(vc->tx);
	/* Bounded: a device that never answers costs a little time, not a hang. */
	for (long spins = 0; spins < 10000000; spins++) {
		if (virtqueue_get_buf(vc->tx, NULL))
			return;
		if (vc->vdev->broken)
			break;
		cpu_relax();
	}
	virtio_break_device(vc->vdev, "console output not consumed");
}

static void vcon_write(struct console *con, const char *s, size_t n)
{
	struct vcon *vc = container_of(con, struct vcon, con);
	unsigned long flags;

	if (vc->vdev->broken)
		return;
	flags = local_irq_save();
	while (n && !vc->vdev->broken) {
		size_t chunk = min(n, (size_t)TX_BUF);

		vcon_send(vc, s, chunk);
		s += chunk;
		n -= chunk;
	}
	local_irq_restore(flags);
}

/* A broken device gives the console back to the UART. */
static bool vcon_usable(struct console *con)
{
	return !container_of(con, struct vcon, con)->vdev->broken;
}

static int vcon_probe(struct virtio_device *vdev)
{
	struct vcon *vc = kzalloc(sizeof(*vc));

	if (!vc)
		return -ENOMEM;
	vc->vdev = vdev;
	vdev->priv = vc;
	/* Queue 1 is port 0's transmit queue; nothing is read from queue 0. */
	vc->tx = virtio_find_vq(vdev, 1, 64, NULL, "tx");
	if (!vc->tx)
		return -ENODEV;
	virtqueue_disable_cb(vc->tx);
	vc->con.name = "hvc0";
	vc->con.write = vcon_write;
	vc->con.usable = vcon_usable;
	return 0;
}

/* A console writes at once: only a live device (DRIVER_OK) may be told. */
static void vcon_ready(struct virtio_device *vdev)
{
	struct vcon *vc = vdev->priv;

	register_console(&vc->con);
	pr_info("%s: console on port 0\n", vdev->name);
	console_log_names();
}

static const struct virtio_driver virtio_console_driver = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.features = 0,
	.probe = vcon_probe,
	.ready = vcon_ready,
};
DEFINE_VIRTIO_DRIVER(virtio_console_driver);
