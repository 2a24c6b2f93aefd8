// SPDX-License-Identifier: GPL-2.0
/* The netdev registry, interface settings, address parsing. */
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/ktest.h>
#include <pvkit/net.h>
#include <pvkit/string.h>
#include "net_test_util.h"

static struct fake_netdev reg_a, reg_b;

static int reg_transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct fake_netdev *f = container_of(dev, struct fake_netdev, dev);

	/* as a driver does: its own frames, its own failures */
	if (f->fail_tx) {
		dev->stats.tx_dropped++;
		return -EIO;
	}
	f->nr_frames++;
	dev->stats.tx_frames++;
	return 0;
}

static void reg_poll(struct netdev *dev)
{
	container_of(dev, struct fake_netdev, dev)->nr_polls++;
}

static const struct netdev_ops reg_ops = {
	.transmit = reg_transmit,
	.poll = reg_poll,
};

static void reg_init(struct fake_netdev *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	strlcpy(f->dev.name, name, sizeof(f->dev.name));
	f->dev.ops = &reg_ops;
	f->dev.mac[0] = 0x02;
}

static void register_find_first(struct ktest *t)
{
	struct netdev *before = netdev_first();

	reg_init(&reg_a, "ktest-a");
	reg_init(&reg_b, "ktest-b");
	netdev_register(&reg_a.dev);
	netdev_register(&reg_b.dev);
	KT_EXPECT_TRUE(t, netdev_find("ktest-a") == &reg_a.dev);
	KT_EXPECT_TRUE(t, netdev_find("ktest-b") == &reg_b.dev);
	KT_EXPECT_NULL(t, netdev_find("ktest-c"));
	/* registration order is kept: a real NIC found at boot stays first */
	KT_EXPECT_TRUE(t, netdev_first() == (before ? before : &reg_a.dev));
	KT_EXPECT_TRUE(t, reg_a.dev.next == &reg_b.dev);
	/* a device without an MTU gets Ethernet's */
	KT_EXPECT_EQ(t, reg_a.dev.mtu, 1500);
	/* twice is refused, the list stays sane */
	netdev_register(&reg_a.dev);
	KT_EXPECT_TRUE(t, reg_a.dev.next == &reg_b.dev);
	netdev_unregister(&reg_a.dev);
	netdev_unregister(&reg_b.dev);
	KT_EXPECT_NULL(t, netdev_find("ktest-a"));
	KT_EXPECT_NULL(t, netdev_find("ktest-b"));
	KT_EXPECT_TRUE(t, netdev_first() == before);
}

static void unnamed_gets_eth_name(struct ktest *t)
{
	reg_init(&reg_a, "");
	netdev_register(&reg_a.dev);
	KT_EXPECT_EQ(t, strncmp(reg_a.dev.name, "eth", 3), 0);
	KT_EXPECT_TRUE(t, netdev_find(reg_a.dev.name) == &reg_a.dev);
	netdev_unregister(&reg_a.dev);
}

static void transmit_counts_and_checks(struct ktest *t)
{
	static u8 frame[1600];

	reg_init(&reg_a, "ktest-a");
	netdev_register(&reg_a.dev);
	KT_EXPECT_EQ(t, netdev_transmit(&reg_a.dev, frame, 60), 0);
	KT_EXPECT_EQ(t, netdev_transmit(&reg_a.dev, frame, 1514), 0);
	KT_EXPECT_EQ(t, reg_a.dev.stats.tx_frames, 2);
	/* beyond the MTU, below a header, device refusing, device broken */
	KT_EXPECT_EQ(t, netdev_transmit(&reg_a.dev, frame, 1515), -EMSGSIZE);
	KT_EXPECT_EQ(t, netdev_transmit(&reg_a.dev, frame, 13), -EMSGSIZE);
	reg_a.fail_tx = true;
	KT_EXPECT_EQ(t, netdev_transmit(&reg_a.dev, frame, 60), -EIO);
	reg_a.fail_tx = false;
	reg_a.dev.broken = true;
	KT_EXPECT_EQ(t, netdev_transmit(&reg_a.dev, frame, 60), -EIO);
	/* the driver saw the 2 frames and failed 1; the registry refused 3 */
	KT_EXPECT_EQ(t, reg_a.nr_frames, 2);
	KT_EXPECT_EQ(t, reg_a.dev.stats.tx_frames, 2);
	KT_EXPECT_EQ(t, reg_a.dev.stats.tx_dropped, 1 + 3);
	netdev_unregister(&reg_a.dev);
}

static void receive_without_stack_drops(struct ktest *t)
{
	static const u8 frame[60];

	reg_init(&reg_a, "ktest-a");
	netdev_register(&reg_a.dev);
	/* rx_frames is the driver's to count; the drop is the registry's */
	netdev_receive(&reg_a.dev, frame, sizeof(frame));
	KT_EXPECT_EQ(t, reg_a.dev.stats.rx_frames, 0);
	KT_EXPECT_EQ(t, reg_a.dev.stats.rx_dropped, 1);
	netdev_unregister(&reg_a.dev);
}

static void poll_reaches_devices(struct ktest *t)
{
	reg_init(&reg_a, "ktest-a");
	reg_init(&reg_b, "ktest-b");
	netdev_register(&reg_a.dev);
	netdev_register(&reg_b.dev);
	netdev_poll(&reg_a.dev);
	KT_EXPECT_EQ(t, reg_a.nr_polls, 1);
	net_poll();
	KT_EXPECT_EQ(t, reg_a.nr_polls, 2);
	KT_EXPECT_EQ(t, reg_b.nr_polls, 1);
	/* a broken device is left alone */
	reg_b.dev.broken = true;
	net_poll();
	KT_EXPECT_EQ(t, reg_b.nr_polls, 1);
	netdev_unregister(&reg_a.dev);
	netdev_unregister(&reg_b.dev);
}

static void configure_checks_settings(struct ktest *t)
{
	u32 ip, mask, gw;

	reg_init(&reg_a, "ktest-a");
	KT_EXPECT_FALSE(t, net_get_config(&reg_a.dev, &ip, &mask, &gw));
	KT_EXPECT_EQ(t, net_configure(&reg_a.dev, 0, OUR_MASK, GW_IP), -EINVAL);
	KT_EXPECT_EQ(t, net_configure(&reg_a.dev, OUR_IP, IPV4(255, 0, 255, 0), 0), -EINVAL);
	KT_EXPECT_EQ(t, net_configure(&reg_a.dev, OUR_IP, OUR_MASK, IPV4(10, 0, 3, 1)), -EINVAL);
	KT_EXPECT_NULL(t, reg_a.dev.rx);
	KT_ASSERT_EQ(t, net_configure(&reg_a.dev, OUR_IP, OUR_MASK, GW_IP), 0);
	KT_EXPECT_NOT_NULL(t, reg_a.dev.rx);
	KT_EXPECT_TRUE(t, net_get_config(&reg_a.dev, &ip, &mask, &gw));
	KT_EXPECT_EQ(t, ip, OUR_IP);
	KT_EXPECT_EQ(t, mask, OUR_MASK);
	KT_EXPECT_EQ(t, gw, GW_IP);
	/* no gateway, a /32 and a /0 are fine */
	KT_EXPECT_EQ(t, net_configure(&reg_a.dev, OUR_IP, IPV4(255, 255, 255, 255), 0), 0);
	KT_EXPECT_EQ(t, net_configure(&reg_a.dev, OUR_IP, 0, GW_IP), 0);
	net_unconfigure(&reg_a.dev);
	KT_EXPECT_NULL(t, reg_a.dev.rx);
	KT_EXPECT_FALSE(t, net_get_config(&reg_a.dev, &ip, &mask, &gw));
}

static void parse_ipv4(struct ktest *t)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "1..2.3",
		"1.2.3.", ".1.2.3", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4x",
		"0001.2.3.4", "1.2.3.-4", "1,2,3,4", "99999999999.1.1.1",
	};
	u32 ip = 0;

	KT_EXPECT_EQ(t, net_parse_ipv4("10.0.2.15", &ip), 0);
	KT_EXPECT_EQ(t, ip, IPV4(10, 0, 2, 15));
	KT_EXPECT_EQ(t, net_parse_ipv4("255.255.255.255", &ip), 0);
	KT_EXPECT_EQ(t, ip, IPV4_BROADCAST);
	KT_EXPECT_EQ(t, net_parse_ipv4("0.0.0.0", &ip), 0);
	KT_EXPECT_EQ(t, ip, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		ip = 0x12345678;
		if (!__KT_CMP(t, "EXPECTATION", net_parse_ipv4(bad[i], &ip), ==, -EINVAL))
			ktest_fail_msg(t, "EXPECTATION", __FILE__, __LINE__,
				       "\"%s\" was accepted", bad[i]);
		KT_EXPECT_EQ(t, ip, 0x12345678);
	}
}

static void format_ipv4(struct ktest *t)
{
	char buf[IPV4_STR_MAX];

	KT_EXPECT_STREQ(t, net_format_ipv4(IPV4(10, 0, 2, 15), buf), "10.0.2.15");
	KT_EXPECT_STREQ(t, net_format_ipv4(IPV4_BROADCAST, buf), "255.255.255.255");
	KT_EXPECT_STREQ(t, net_format_ipv4(0, buf), "0.0.0.0");
}

static void drop_names(struct ktest *t)
{
	for (unsigned int i = 0; i < NET_DROP_MAX; i++)
		KT_EXPECT_NE(t, strcmp(net_drop_name(i), "?"), 0);
	KT_EXPECT_STREQ(t, net_drop_name(NET_DROP_MAX), "?");
	KT_EXPECT_STREQ(t, net_drop_name(NET_DROP_IP_FRAGMENT), "ip_fragment");
}

static const struct ktest_case core_cases[] = {
	KTEST_CASE(register_find_first),
	KTEST_CASE(unnamed_gets_eth_name),
	KTEST_CASE(transmit_counts_and_checks),
	KTEST_CASE(receive_without_stack_drops),
	KTEST_CASE(poll_reaches_devices),
	KTEST_CASE(configure_checks_settings),
	KTEST_CASE(parse_ipv4),
	KTEST_CASE(format_ipv4),
	KTEST_CASE(drop_names),
	{}
};
KTEST_SUITE(net_core, core_cases);
