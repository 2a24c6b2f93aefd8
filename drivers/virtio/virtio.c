// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio core: device status, feature negotiation and driver
 * binding (virtio 1.2, 3.1), shared by every transport.
 */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <pvkit/virtio.h>
#include <asm/smp.h>

extern const struct virtio_driver *const __start_virtio_drivers[];
extern const struct virtio_driver *const __stop_virtio_drivers[];

/* What the ring code implements, whatever the transport. */
#define RING_FEATURES	((1ULL << VIRTIO_RING_F_INDIRECT_DESC) |	\
			 (1ULL << VIRTIO_RING_F_EVENT_IDX) |		\
			 ((u64)VIRTIO_RING_PACKED << VIRTIO_F_RING_PACKED) | \
			 (1ULL << VIRTIO_F_VERSION_1))

static struct virtio_device *devices;
static unsigned int nr_devices;

struct virtio_device *virtio_first(void)
{
	return devices;
}

static const struct virtio_driver *find_driver(u32 id)
{
	for (const struct virtio_driver *const *d = __start_virtio_drivers;
	     d < __stop_virtio_drivers; d++) {
		if ((*d)->device_id == id)
			return *d;
	}
	return NULL;
}

void virtio_break_device(struct virtio_device *vdev, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (vdev->broken)
		return;
	vdev->broken = true;
	pr_err("%s: device broke the protocol: %s; shutting it off\n", vdev->name, msg);
	/* A reset device no longer touches the rings or the buffers. */
	vdev->config->reset(vdev);
}

void virtio_config_changed(struct virtio_device *vdev)
{
	/* Before DRIVER_OK the driver reads its configuration anyway. */
	if (vdev->driver && vdev->driver->config_changed && !vdev->broken)
		vdev->driver->config_changed(vdev);
}

void virtio_cread(struct virtio_device *vdev, unsigned int off, void *buf,
		  unsigned int len)
{
	u32 gen;
	int tries = 0;

	do {
		gen = vdev->config->generation(vdev);
		vdev->config->get_config(vdev, off, buf, len);
	} while (gen != vdev->config->generation(vdev) && ++tries < 100);
}

/*
 * The status bits are the driver's to set, and it knows what it set since
 * the reset: they are kept in *status, not read back before each write
 * (a VM exit each under a hypervisor).  FEATURES_OK is still read back,
 * as the device may refuse it.
 */
static void add_status(struct virtio_device *vdev, u8 *status, u8 bits)
{
	*status |= bits;
	vdev->config->set_status(vdev, *status);
}

static int negotiate(struct virtio_device *vdev, const struct virtio_driver *drv,
		     u8 *status)
{
	u64 offered = vdev->config->get_features(vdev);
	u64 wanted = drv->features | (RING_FEATURES & vdev->config->transport_features);

	if (!virtio_is_legacy(vdev) && !(offered & (1ULL << VIRTIO_F_VERSION_1))) {
		pr_err("%s: modern transport without VERSION_1\n", vdev->name);
		return -ENODEV;
	}
	vdev->features = offered & wanted;
	vdev->config->set_features(vdev, vdev->features);
	if (virtio_is_legacy(vdev))
		return 0;
	add_status(vdev, status, VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(vdev->config->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		pr_err("%s: device did not accept features %#llx\n", vdev->name,
		       vdev->features);
		return -ENODEV;
	}
	return 0;
}

int virtio_register_device(struct virtio_device *vdev)
{
	const struct virtio_driver *drv = find_driver(vdev->id);
	struct virtio_device **pp = &devices;
	u8 status = 0;		/* what a reset device holds */
	int err;

	snprintf(vdev->name, sizeof(vdev->name), "virtio%u", nr_devices++);
	while (*pp)
		pp = &(*pp)->next;
	*pp = vdev;
	if (!drv) {
		pr_info("%s: device id %u over %s: no driver\n", vdev->name,
			vdev->id, vdev->config->name);
		return 0;
	}
	vdev->config->reset(vdev);
	add_status(vdev, &status, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	err = negotiate(vdev, drv, &status);
	if (err)
		goto fail;
	vdev->driver = drv;
	err = drv->probe(vdev);
	if (err)
		goto fail;
	add_status(vdev, &status, VIRTIO_CONFIG_S_DRIVER_OK);
	if (drv->ready)
		drv->ready(vdev);
	pr_info("%s: %s over %s, features %#llx%s\n", vdev->name, drv->name,
		vdev->config->name, vdev->features, vdev->polling ? ", polled" : "");
	return 0;
fail:
	add_status(vdev, &status, VIRTIO_CONFIG_S_FAILED);
	vdev->driver = NULL;
	return err < 0 ? err : -ENODEV;
}

int virtio_set_vq_affinity(struct virtqueue *vq, unsigned int cpu)
{
	if (!vq->vdev->config->set_vq_affinity)
		return -EOPNOTSUPP;
	return vq->vdev->config->set_vq_affinity(vq, cpu);
}

#if defined(CONFIG_VIRTIO_MQ) || defined(__HOST_TEST__)
int virtio_bind_queue(struct virtqueue *const *vqs, unsigned int n, unsigned int index)
{
	struct virtio_device *vdev = vqs[0]->vdev;
	int err = 0;

	/*
	 * CPUs come online in order: 0 .. nr_cpus_online - 1, but a Xen vCPU
	 * taken offline at a resume (smp_mark_offline()) leaves a gap.
	 */
	if (!index || index >= nr_cpus_online || !cpu_online(index))
		return vdev->polling ? -1 : 0;
	for (unsigned int i = 0; i < n && !err; i++)
		err = virtio_set_vq_affinity(vqs[i], index);
	if (!err)
		return index;
	pr_info("%s: queue %s%u's interrupt%s on CPU 0 (%d)\n", vdev->name,
		n > 1 ? "pair " : "", index, n > 1 ? "s stay" : " stays", err);
	return vdev->polling ? -1 : 0;
}
#endif

struct virtqueue *virtio_find_vq(struct virtio_device *vdev, unsigned int index,
				 unsigned int max_num, vq_callback_t cb,
				 const char *name)
{
	unsigned int dev_max = vdev->config->queue_max_size(vdev, index);
	unsigned int num = dev_max;
	struct virtqueue *vq;

	if (!dev_max)
		return NULL;
	/* A legacy device fixes the size; a modern one takes what we choose. */
	if (!virtio_is_legacy(vdev)) {
		num = min(dev_max, max_num);
		if (!virtio_has_feature(vdev, VIRTIO_F_RING_PACKED))
			num = 1U << (31 - __builtin_clz(num));
	}
	vq = virtqueue_create(vdev, index, num, cb, name);
	if (!vq)
		return NULL;
	if (vdev->config->setup_vq(vdev, vq)) {
		pr_err("%s: cannot set up queue %u\n", vdev->name, index);
		return NULL;	/* the ring memory stays: the device may have seen it */
	}
	return vq;
}
