// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio core's device initialisation (virtio 1.2, 3.1.1) with a real
 * driver on the fake transport: a driver may notify the device only once
 * DRIVER_OK is set, so virtio-net's receive buffers, posted in probe, are
 * told to the device from its ready() hook.
 */
#include <string.h>
#include <pvkit/ktest.h>
#include <pvkit/netdev.h>
#include <pvkit/virtio.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_config.h>
#include "fake_virtio.h"

static struct fake_dev net_dev;

static void net_rx_is_kicked_after_driver_ok(struct ktest *t)
{
	fake_init_device(&net_dev, VIRTIO_ID_NET, 1ULL << VIRTIO_F_VERSION_1);
	KT_ASSERT_EQ(t, virtio_register_device(&net_dev.vdev), 0);
	KT_EXPECT_TRUE(t, net_dev.vdev.config->get_status(&net_dev.vdev) &
		       VIRTIO_CONFIG_S_DRIVER_OK);
	KT_EXPECT_GT(t, net_dev.notified, 0);
	KT_EXPECT_EQ(t, net_dev.notified_early, 0);
	KT_EXPECT_NOT_NULL(t, net_dev.vdev.priv);
}

static struct ktest_case virtio_probe_cases[] = {
	KTEST_CASE(net_rx_is_kicked_after_driver_ok),
	{}
};
KTEST_SUITE(host_virtio_probe, virtio_probe_cases);
