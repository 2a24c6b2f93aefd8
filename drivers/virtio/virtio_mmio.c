// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio MMIO transport, version 2 (virtio 1.2, 4.2).  Devices are
 * named on the command line as QEMU's microvm machine (with acpi=off)
 * and Firecracker pass them: virtio_mmio.device=<size>@<base>:<irq>[:<id>],
 * one parameter per device; or in the ACPI namespace as LNRO0005
 * devices whose _CRS holds the window and the interrupt, as microvm
 * describes them with ACPI on.
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/aml.h>
#include <pvkit/cmdline.h>
#include <pvkit/errno.h>
#include <pvkit/init.h>
#include <pvkit/io.h>
#include <pvkit/irq.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/virtio.h>
#include <linux/virtio_mmio.h>

#define MMIO_MAGIC	0x74726976	/* "virt" */
#define MMIO_MAX_VQS	8

struct virtio_mmio {
	struct virtio_device vdev;
	volatile u8 *base;
	u64 phys;
	u32 size;
	int irq;
	struct virtqueue *vqs[MMIO_MAX_VQS];
};

static struct virtio_mmio *to_vm(struct virtio_device *vdev)
{
	return (struct virtio_mmio *)vdev;
}

static u32 rd(struct virtio_device *vdev, unsigned int reg)
{
	return readl(to_vm(vdev)->base + reg);
}

static void wr(struct virtio_device *vdev, unsigned int reg, u32 v)
{
	writel(v, to_vm(vdev)->base + reg);
}

static u8 mmio_get_status(struct virtio_device *vdev)
{
	return rd(vdev, VIRTIO_MMIO_STATUS);
}

static void mmio_set_status(struct virtio_device *vdev, u8 status)
{
	wr(vdev, VIRTIO_MMIO_STATUS, status);
}

static void mmio_reset(struct virtio_device *vdev)
{
	wr(vdev, VIRTIO_MMIO_STATUS, 0);
	for (int i = 0; i < 1000000 && rd(vdev, VIRTIO_MMIO_STATUS); i++)
		__asm__ __volatile__("pause");
}

static u64 mmio_get_features(struct virtio_device *vdev)
{
	u64 f;

	wr(vdev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = rd(vdev, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(vdev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (u64)rd(vdev, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

static void mmio_set_features(struct virtio_device *vdev, u64 f)
{
	wr(vdev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vdev, VIRTIO_MMIO_DRIVER_FEATURES, (u32)f);
	wr(vdev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vdev, VIRTIO_MMIO_DRIVER_FEATURES, f >> 32);
}

static bool config_in_range(struct virtio_mmio *vm, unsigned int off, unsigned int len)
{
	return off + len >= off && VIRTIO_MMIO_CONFIG + off + len <= vm->size;
}

static void mmio_get_config(struct virtio_device *vdev, unsigned int off,
			    void *buf, unsigned int len)
{
	struct virtio_mmio *vm = to_vm(vdev);
	u8 *out = buf;

	if (!config_in_range(vm, off, len)) {
		memset(buf, 0, len);
		return;
	}
	if (len % 4 == 0 && off % 4 == 0) {
		for (unsigned int i = 0; i < len; i += 4) {
			u32 v = readl(vm->base + VIRTIO_MMIO_CONFIG + off + i);

			memcpy(out + i, &v, 4);
		}
		return;
	}
	for (unsigned int i = 0; i < len; i++)
		out[i] = readb(vm->base + VIRTIO_MMIO_CONFIG + off + i);
}

static void mmio_set_config(struct virtio_device *vdev, unsigned int off,
			    const void *buf, unsigned int len)
{
	struct virtio_mmio *vm = to_vm(vdev);
	const u8 *in = buf;

	if (!config_in_range(vm, off, len))
		return;
	for (unsigned int i = 0; i < len; i++)
		writeb(in[i], vm->base + VIRTIO_MMIO_CONFIG + off + i);
}

static u32 mmio_generation(struct virtio_device *vdev)
{
	return rd(vdev, VIRTIO_MMIO_CONFIG_GENERATION);
}

static unsigned int mmio_queue_max(struct virtio_device *vdev, unsigned int index)
{
	wr(vdev, VIRTIO_MMIO_QUEUE_SEL, index);
	if (rd(vdev, VIRTIO_MMIO_QUEUE_READY))
		return 0;		/* already in use */
	return rd(vdev, VIRTIO_MMIO_QUEUE_NUM_MAX);
}

static void wr64(struct virtio_device *vdev, unsigned int lo, u64 v)
{
	wr(vdev, lo, (u32)v);
	wr(vdev, lo + 4, v >> 32);
}

static int mmio_setup_vq(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtio_mmio *vm = to_vm(vdev);

	/*
	 * The interrupt handler looks at the queues with a callback; one
	 * its driver polls (virtio-net's control queue) may be past them.
	 */
	if (vq->callback && vq->index >= MMIO_MAX_VQS)
		return -EINVAL;
	if (vq->callback)
		vm->vqs[vq->index] = vq;
	wr(vdev, VIRTIO_MMIO_QUEUE_SEL, vq->index);
	wr(vdev, VIRTIO_MMIO_QUEUE_NUM, vq->num);
	wr64(vdev, VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc_phys);
	wr64(vdev, VIRTIO_MMIO_QUEUE_AVAIL_LOW, vq->driver_phys);
	wr64(vdev, VIRTIO_MMIO_QUEUE_USED_LOW, vq->device_phys);
	wr(vdev, VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

static void mmio_notify(struct virtqueue *vq)
{
	wr(vq->vdev, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
}

static const struct virtio_config_ops mmio_ops = {
	.name = "mmio",
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.reset = mmio_reset,
	.get_features = mmio_get_features,
	.set_features = mmio_set_features,
	.get_config = mmio_get_config,
	.set_config = mmio_set_config,
	.generation = mmio_generation,
	.queue_max_size = mmio_queue_max,
	.setup_vq = mmio_setup_vq,
	.notify = mmio_notify,
	.transport_features = (1ULL << VIRTIO_F_VERSION_1) |
			      (1ULL << VIRTIO_F_RING_PACKED) |
			      (1ULL << VIRTIO_RING_F_EVENT_IDX) |
			      (1ULL << VIRTIO_RING_F_INDIRECT_DESC),
};

/* Acknowledging the status is what lowers the (level) interrupt. */
static void mmio_interrupt(void *data)
{
	struct virtio_mmio *vm = data;
	u32 status = rd(&vm->vdev, VIRTIO_MMIO_INTERRUPT_STATUS);

	wr(&vm->vdev, VIRTIO_MMIO_INTERRUPT_ACK, status);
	if (status & VIRTIO_MMIO_INT_CONFIG)
		virtio_config_changed(&vm->vdev);
	if (!(status & VIRTIO_MMIO_INT_VRING))
		return;
	for (unsigned int i = 0; i < MMIO_MAX_VQS; i++) {
		if (vm->vqs[i])
			virtqueue_interrupt(vm->vqs[i]);
	}
}

/* "<size>@<base>:<irq>[:<id>]", size with an optional K/M suffix. */
static int parse_device(const char *s, u64 *size, u64 *base, u32 *irq)
{
	char buf[80], *at, *colon, *colon2;
	unsigned long long v, mult = 1;
	size_t n;

	strlcpy(buf, s, sizeof(buf));
	at = strchr(buf, '@');
	colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon)
		return -EINVAL;
	*at = *colon = '\0';
	colon2 = strchr(colon + 1, ':');
	if (colon2)
		*colon2 = '\0';
	n = strlen(buf);
	if (n && (buf[n - 1] == 'K' || buf[n - 1] == 'k')) {
		mult = 1024;
		buf[n - 1] = '\0';
	}
	if (kstrtoull(buf, 0, &v) || !v)
		return -EINVAL;
	*size = v * mult;
	if (kstrtoull(at + 1, 0, &v))
		return -EINVAL;
	*base = v;
	if (kstrtoull(colon + 1, 0, &v) || v > 255)
		return -EINVAL;
	*irq = v;
	return 0;
}

/* Windows probed already: the command line and the DSDT may both list one. */
#define MMIO_MAX_DEVICES	32
static u64 probed[MMIO_MAX_DEVICES];
static unsigned int nr_probed;

static bool claim(u64 base)
{
	for (unsigned int i = 0; i < nr_probed; i++)
		if (probed[i] == base)
			return false;
	if (nr_probed == MMIO_MAX_DEVICES) {
		pr_warn("virtio-mmio: more than %u devices: %#llx ignored\n",
			MMIO_MAX_DEVICES, base);
		return false;
	}
	probed[nr_probed++] = base;
	return true;
}

static void probe_at(u64 base, u64 size, u32 irq)
{
	struct virtio_mmio *vm;

	if (!claim(base))
		return;
	vm = kzalloc(sizeof(*vm));
	if (!vm)
		return;
	vm->base = ioremap(base, size);
	vm->phys = base;
	vm->size = size;
	if (!vm->base || readl(vm->base + VIRTIO_MMIO_MAGIC_VALUE) != MMIO_MAGIC) {
		pr_warn("virtio-mmio: nothing at %#llx\n", base);
		return;
	}
	if (readl(vm->base + VIRTIO_MMIO_VERSION) != 2) {
		pr_warn("virtio-mmio: %#llx is version %u; only 2 is supported "
			"(QEMU: -global virtio-mmio.force-legacy=false)\n", base,
			readl(vm->base + VIRTIO_MMIO_VERSION));
		return;
	}
	vm->vdev.id = readl(vm->base + VIRTIO_MMIO_DEVICE_ID);
	if (!vm->vdev.id)
		return;			/* an empty slot */
	vm->vdev.vendor = readl(vm->base + VIRTIO_MMIO_VENDOR_ID);
	vm->vdev.config = &mmio_ops;
	vm->irq = irq;
	vm->vdev.transport = vm;
	if (request_irq(irq, mmio_interrupt, vm, "virtio-mmio")) {
		pr_warn("virtio-mmio: %#llx: no IRQ %u, polling\n", base, irq);
		vm->vdev.polling = true;
	}
	virtio_register_device(&vm->vdev);
}

static bool size_ok(u64 size)
{
	return size >= VIRTIO_MMIO_CONFIG && size <= 0x10000;
}

static void probe_one(const char *spec)
{
	u64 size, base;
	u32 irq;

	if (parse_device(spec, &size, &base, &irq) || !size_ok(size)) {
		pr_warn("virtio-mmio: cannot use virtio_mmio.device=%s\n", spec);
		return;
	}
	probe_at(base, size, irq);
}

/*
 * A LNRO0005 device: its first memory window and first interrupt, with
 * the interrupt's trigger and polarity (microvm: GSI 24 and up on its
 * second I/O APIC, level, active high).  _STA, when given, must say
 * present.
 */
static void probe_acpi_device(const struct aml_device *dev)
{
	const struct aml_crs *crs = &dev->crs;
	char name[6 + 5 * AML_MAX_DEPTH];
	u32 irq;

	aml_path_str(&dev->path, name, sizeof(name));
	if (dev->has_sta && !(dev->sta & 1))
		return;
	if (!dev->has_crs || !crs->nr_mem || !crs->nr_irq ||
	    !size_ok(crs->mem[0].len) || crs->irq[0].gsi > 255) {
		pr_warn("virtio-mmio: %s: no usable window and interrupt in _CRS\n",
			name);
		return;
	}
	irq = crs->irq[0].gsi;
	if (irq >= 16 && arch_irq_set_type(irq, crs->irq[0].flags))
		pr_warn("virtio-mmio: %s: GSI %u's type not kept\n", name, irq);
	pr_info("virtio-mmio: %s: %#llx+%#llx, GSI %u, from ACPI\n", name,
		crs->mem[0].base, crs->mem[0].len, irq);
	probe_at(crs->mem[0].base, crs->mem[0].len, irq);
}

static int virtio_mmio_init(void)
{
	const struct aml_device *dev;

	for (unsigned int i = 0; i < params_count(); i++) {
		const struct cmdline_param *p = param_at(i);

		if (!strcmp(p->key, "virtio_mmio.device"))
			probe_one(p->val);
	}
	for (dev = acpi_find_hid("LNRO0005", NULL); dev;
	     dev = acpi_find_hid("LNRO0005", dev))
		probe_acpi_device(dev);
	return 0;
}
subsys_initcall(virtio_mmio_init);
