// SPDX-License-Identifier: GPL-2.0
/*
 * Interface settings from the command line: ip=, netmask=, gw= (dotted
 * quads; gw=0.0.0.0 for none).  The defaults are QEMU user networking's.
 * net.dev= picks the device when there are several.
 * Guest only: the host tests configure with net_configure().
 */
#include <pvkit/cmdline.h>
#include <pvkit/string.h>
#include "net_priv.h"

static int param_ipv4(const char *key, u32 def, u32 *ip)
{
	const char *val = param_get(key);

	*ip = def;
	if (!val)
		return 0;
	if (net_parse_ipv4(val, ip)) {
		pr_err("net: %s=%s is not an IPv4 address\n", key, val);
		return -EINVAL;
	}
	return 0;
}

int net_configure_cmdline(struct netdev *dev)
{
	char ip_str[IPV4_STR_MAX], mask_str[IPV4_STR_MAX], gw_str[IPV4_STR_MAX];
	u32 ip, netmask, gateway;

	if (param_ipv4("ip", NET_DEFAULT_IP, &ip) ||
	    param_ipv4("netmask", NET_DEFAULT_NETMASK, &netmask) ||
	    param_ipv4("gw", NET_DEFAULT_GATEWAY, &gateway))
		return -EINVAL;
	net_format_ipv4(ip, ip_str);
	net_format_ipv4(netmask, mask_str);
	net_format_ipv4(gateway, gw_str);
	if (net_configure(dev, ip, netmask, gateway)) {
		pr_err("net: %s: cannot use ip %s netmask %s gw %s\n",
		       dev->name, ip_str, mask_str, gw_str);
		return -EINVAL;
	}
	pr_info("net: %s: ip %s netmask %s gw %s\n", dev->name, ip_str,
		mask_str, gw_str);
	return 0;
}

struct netdev *net_cmdline_dev(void)
{
	const char *want = param_get("net.dev");
	struct netdev *dev;

	if (!want) {
		dev = netdev_first();
		if (!dev)
			pr_err("net: no network device\n");
		return dev;
	}
	dev = netdev_find(want);
	for (struct netdev *d = netdev_first(); d && !dev; d = d->next) {
		if (d->driver && !strcmp(d->driver, want))
			dev = d;
	}
	if (!dev)
		pr_err("net: net.dev=%s: no such device or driver\n", want);
	return dev;
}
