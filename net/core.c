// SPDX-License-Identifier: GPL-2.0
/*
 * The netdev registry and the stack's core: interface configuration,
 * routing, polling, the clock and the counters.
 *
 * A device's counters are its driver's (frames moved, frames it dropped,
 * notifications, interrupts); the registry adds only the frames it turns
 * away itself: rx_dropped for a frame no stack takes, tx_dropped for one
 * it refuses before the driver sees it.
 */
#include <pvkit/smp.h>
#include <pvkit/spinlock.h>
#include <pvkit/string.h>
#include "net_priv.h"

static struct netdev *netdev_list;
static unsigned int netdev_count;	/* names handed out: eth0, eth1 ... */

struct net_stats net_counters;
struct net_iface net_ifaces[NET_MAX_IFACES];

/* Frames we build; one at a time, under net_lock(). */
static u8 tx_frame[ETH_MAX_FRAME] __aligned(8);

#ifdef __HOST_TEST__
/* One thread on the host (the fuzzers have no CPUs to play). */
#define net_this_cpu()	0U
#else
#define net_this_cpu()	smp_processor_id()
#endif

#if defined(CONFIG_SMP) && !defined(__HOST_TEST__)
/*
 * The stack's lock: one for all its state (interfaces, ARP caches,
 * sockets, counters, tx_frame), since a multi-queue device hands frames
 * in on several CPUs at once.  Interrupts off while it is held: a
 * driver's interrupt on the holder's CPU takes it too.  It nests on the
 * CPU that holds it (a UDP receive callback sends its reply), hence the
 * owner and the depth, which only the owner touches.
 */
static spinlock_t net_stack_lock = SPINLOCK_INIT;
static int net_lock_owner = -1;
static unsigned int net_lock_depth;

unsigned long net_lock(void)
{
	unsigned long flags = local_irq_save();
	int cpu = smp_processor_id();

	/* Only this CPU ever writes its own number there. */
	if (READ_ONCE(net_lock_owner) != cpu) {
		spin_lock(&net_stack_lock);
		WRITE_ONCE(net_lock_owner, cpu);
	}
	net_lock_depth++;
	return flags;
}

void net_unlock(unsigned long flags)
{
	if (!--net_lock_depth) {
		WRITE_ONCE(net_lock_owner, -1);
		spin_unlock(&net_stack_lock);
	}
	local_irq_restore(flags);
}
#endif

#ifdef __HOST_TEST__
/* No kernel clock on the host: time stands still unless a test sets it. */
static u64 net_no_clock(void)
{
	return 0;
}
#define NET_KERNEL_CLOCK	net_no_clock
#else
#define NET_KERNEL_CLOCK	ktime_get_ns
#endif

static u64 (*net_clock)(void) = NET_KERNEL_CLOCK;

void netdev_register(struct netdev *dev)
{
	struct netdev **pp;

	for (pp = &netdev_list; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			pr_warn("net: %s registered twice\n", dev->name);
			return;
		}
	}
	if (!dev->name[0])
		snprintf(dev->name, sizeof(dev->name), "eth%u", netdev_count);
	netdev_count++;
	if (!dev->mtu)
		dev->mtu = ETH_MAX_FRAME - ETH_HLEN;
	dev->next = NULL;
	*pp = dev;
	pr_info("net: %s (%s) mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u\n",
		dev->name, dev->driver ? dev->driver : "?", dev->mac[0],
		dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4], dev->mac[5],
		dev->mtu);
}

void netdev_unregister(struct netdev *dev)
{
	struct netdev **pp;

	net_unconfigure(dev);
	for (pp = &netdev_list; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			dev->next = NULL;
			return;
		}
	}
}

struct netdev *netdev_find(const char *name)
{
	for (struct netdev *dev = netdev_list; dev; dev = dev->next) {
		if (!strcmp(dev->name, name))
			return dev;
	}
	return NULL;
}

struct netdev *netdev_first(void)
{
	return netdev_list;
}

int netdev_transmit(struct netdev *dev, const void *frame, size_t len)
{
	/* The MTU counts the IP bytes; the Ethernet header comes on top. */
	unsigned int mtu = dev->mtu ? dev->mtu : ETH_MAX_FRAME - ETH_HLEN;

	if (dev->broken || !dev->ops || !dev->ops->transmit) {
		netdev_stat_inc(&dev->stats.tx_dropped);
		return -EIO;
	}
	if (len < ETH_HLEN || len > ETH_HLEN + mtu) {
		netdev_stat_inc(&dev->stats.tx_dropped);
		return -EMSGSIZE;
	}
	return dev->ops->transmit(dev, frame, len);
}

void netdev_poll(struct netdev *dev)
{
	if (!dev->broken && dev->ops && dev->ops->poll)
		dev->ops->poll(dev);
}

void netdev_receive(struct netdev *dev, const void *frame, size_t len)
{
	u64 me = 1ULL << (net_this_cpu() % 64);
	void (*rx)(struct netdev *dev, const void *frame, size_t len);

	/* Only this CPU sets or clears its bit, with interrupts off. */
	if (__atomic_load_n(&dev->receiving, __ATOMIC_RELAXED) & me) {
		if (!__atomic_fetch_add(&dev->stats.rx_nested, 1, __ATOMIC_RELAXED))
			pr_err("net: %s: %s received a frame while handing one up; dropped\n",
			       dev->name, dev->driver ? dev->driver : "?");
		netdev_stat_inc(&dev->stats.rx_dropped);
		return;
	}
	__atomic_fetch_or(&dev->receiving, me, __ATOMIC_RELAXED);
	/* Read once: the stack may be detached on another CPU meanwhile. */
	rx = READ_ONCE(dev->rx);
	if (rx)
		rx(dev, frame, len);
	else
		netdev_stat_inc(&dev->stats.rx_dropped);
	__atomic_fetch_and(&dev->receiving, ~me, __ATOMIC_RELAXED);
}

/* The receive callback of every device the stack is attached to. */
static void net_rx(struct netdev *dev, const void *frame, size_t len)
{
	unsigned long flags = net_lock();
	struct net_iface *ifc = dev_iface(dev);

	if (ifc && ifc->dev == dev)
		eth_rx(ifc, frame, len);
	else
		netdev_stat_inc(&dev->stats.rx_dropped);
	net_unlock(flags);
}

static bool netmask_valid(u32 mask)
{
	/* ones then zeros: the complement plus one is a power of two */
	u32 inv = ~mask;

	return (inv & (inv + 1)) == 0;
}

static struct net_iface *iface_for(struct netdev *dev)
{
	struct net_iface *free_slot = NULL;

	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		if (net_ifaces[i].dev == dev)
			return &net_ifaces[i];
		if (!net_ifaces[i].dev && !free_slot)
			free_slot = &net_ifaces[i];
	}
	return free_slot;
}

int net_configure(struct netdev *dev, u32 ip, u32 netmask, u32 gateway)
{
	struct net_iface *ifc;
	unsigned long flags;

	if (!ip || ip == IPV4_BROADCAST || !netmask_valid(netmask) ||
	    (gateway && (gateway & netmask) != (ip & netmask)))
		return -EINVAL;
	flags = net_lock();
	ifc = iface_for(dev);
	if (!ifc) {
		net_unlock(flags);
		return -ENOSPC;
	}
	ifc->dev = dev;
	ifc->ip = ip;
	ifc->netmask = netmask;
	ifc->gateway = gateway;
	ifc->mtu = min(dev->mtu ? dev->mtu : 1500U, 1500U);
	ifc->icmp_err_tokens = ICMP_ERR_BURST;
	ifc->icmp_err_stamp = net_now();
	arp_flush(ifc);
	dev->stack_data = ifc;
	dev->rx = net_rx;
	net_unlock(flags);
	return 0;
}

void net_unconfigure(struct netdev *dev)
{
	unsigned long flags = net_lock();
	struct net_iface *ifc = dev_iface(dev);

	if (ifc && ifc->dev == dev) {
		arp_flush(ifc);
		ifc->dev = NULL;
		dev->rx = NULL;
		dev->stack_data = NULL;
	}
	net_unlock(flags);
}

bool net_get_config(struct netdev *dev, u32 *ip, u32 *netmask, u32 *gateway)
{
	struct net_iface *ifc = dev_iface(dev);

	if (!ifc || ifc->dev != dev)
		return false;
	*ip = ifc->ip;
	*netmask = ifc->netmask;
	*gateway = ifc->gateway;
	return true;
}

void net_poll(void)
{
	unsigned long flags;
	u64 now;

	/* Receive outside the lock: net_rx takes it per frame. */
	for (struct netdev *dev = netdev_list; dev; dev = dev->next)
		netdev_poll(dev);
	flags = net_lock();
	now = net_now();
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		if (net_ifaces[i].dev)
			arp_tick(&net_ifaces[i], now);
	}
	net_unlock(flags);
}

void net_set_clock(u64 (*now_ns)(void))
{
	net_clock = now_ns ? now_ns : NET_KERNEL_CLOCK;
}

u64 net_now(void)
{
	return net_clock();
}

u8 *net_tx_frame(void)
{
	return tx_frame;
}

bool net_is_broadcast(const struct net_iface *ifc, u32 ip)
{
	return ip == IPV4_BROADCAST ||
	       (ifc->netmask != IPV4_BROADCAST && ip == (ifc->ip | ~ifc->netmask));
}

/*
 * The interface for dst_ip and the neighbour to hand the frame to: the
 * destination itself on a directly connected subnet, else the first
 * interface's gateway.  NULL when there is none, counted as a transmit
 * drop (every caller is about to send).
 */
struct net_iface *net_route(u32 dst_ip, u32 *next_hop)
{
	struct net_iface *ifc;

	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		ifc = &net_ifaces[i];
		if (ifc->dev && (dst_ip == IPV4_BROADCAST ||
				 (dst_ip & ifc->netmask) == (ifc->ip & ifc->netmask))) {
			*next_hop = dst_ip;
			return ifc;
		}
	}
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		ifc = &net_ifaces[i];
		if (ifc->dev && ifc->gateway) {
			*next_hop = ifc->gateway;
			return ifc;
		}
	}
	net_drop(NET_DROP_TX_NO_ROUTE);
	return NULL;
}

/* Counters */

static const char *const drop_names[NET_DROP_MAX] = {
	[NET_DROP_ETH_SHORT] = "eth_short",
	[NET_DROP_ETH_NOT_OURS] = "eth_not_ours",
	[NET_DROP_ETH_TYPE] = "eth_type",
	[NET_DROP_ARP_SHORT] = "arp_short",
	[NET_DROP_ARP_FORMAT] = "arp_format",
	[NET_DROP_ARP_NOT_OURS] = "arp_not_ours",
	[NET_DROP_IP_SHORT] = "ip_short",
	[NET_DROP_IP_VERSION] = "ip_version",
	[NET_DROP_IP_IHL] = "ip_ihl",
	[NET_DROP_IP_TRUNCATED] = "ip_truncated",
	[NET_DROP_IP_LENGTH] = "ip_length",
	[NET_DROP_IP_CHECKSUM] = "ip_checksum",
	[NET_DROP_IP_FRAGMENT] = "ip_fragment",
	[NET_DROP_IP_BAD_SRC] = "ip_bad_src",
	[NET_DROP_IP_NOT_OURS] = "ip_not_ours",
	[NET_DROP_IP_PROTO] = "ip_proto",
	[NET_DROP_ICMP_SHORT] = "icmp_short",
	[NET_DROP_ICMP_CHECKSUM] = "icmp_checksum",
	[NET_DROP_ICMP_TYPE] = "icmp_type",
	[NET_DROP_UDP_SHORT] = "udp_short",
	[NET_DROP_UDP_LENGTH] = "udp_length",
	[NET_DROP_UDP_CHECKSUM] = "udp_checksum",
	[NET_DROP_UDP_NO_PORT] = "udp_no_port",
	[NET_DROP_TX_TOO_BIG] = "tx_too_big",
	[NET_DROP_TX_NO_ROUTE] = "tx_no_route",
	[NET_DROP_TX_DEVICE] = "tx_device",
	[NET_DROP_ARP_TIMEOUT] = "arp_timeout",
	[NET_DROP_ARP_REPLACED] = "arp_replaced",
	[NET_DROP_ARP_CONFLICT] = "arp_conflict",
	[NET_DROP_ARP_UNSOLICITED] = "arp_unsolicited",
	[NET_DROP_ICMP_BROADCAST] = "icmp_broadcast",
	[NET_DROP_ICMP_RATE] = "icmp_rate",
};

const char *net_drop_name(enum net_drop_reason why)
{
	if ((unsigned int)why >= NET_DROP_MAX || !drop_names[why])
		return "?";
	return drop_names[why];
}

void net_get_stats(struct net_stats *out)
{
	unsigned long flags = net_lock();

	*out = net_counters;
	net_unlock(flags);
}

void net_reset_stats(void)
{
	unsigned long flags = net_lock();

	memset(&net_counters, 0, sizeof(net_counters));
	net_unlock(flags);
}

unsigned long net_total_drops(const struct net_stats *s)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < NET_DROP_MAX; i++)
		n += s->drops[i];
	return n;
}

void net_print_stats(const char *prefix)
{
	struct net_stats s;

	net_get_stats(&s);
	console_printf("%sarp rx %lu tx %lu, ipv4 rx %lu tx %lu, icmp rx %lu tx %lu, udp rx %lu tx %lu, echo replies %lu, drops %lu\n",
		       prefix, s.arp.rx, s.arp.tx, s.ipv4.rx, s.ipv4.tx,
		       s.icmp.rx, s.icmp.tx, s.udp.rx, s.udp.tx, s.echo_replies,
		       net_total_drops(&s));
	for (unsigned int i = 0; i < NET_DROP_MAX; i++) {
		if (s.drops[i])
			console_printf("%s  dropped %s: %lu\n", prefix,
				       net_drop_name(i), s.drops[i]);
	}
}

/* Addresses */

int net_parse_ipv4(const char *s, u32 *ip)
{
	u32 addr = 0;

	for (int part = 0; part < 4; part++) {
		unsigned int val = 0, digits = 0;

		if (part && *s++ != '.')
			return -EINVAL;
		/* at most three digits: no "0010", no overflow */
		while (*s >= '0' && *s <= '9' && digits < 4) {
			val = val * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || val > 255)
			return -EINVAL;
		addr = addr << 8 | val;
	}
	if (*s)
		return -EINVAL;
	*ip = addr;
	return 0;
}

char *net_format_ipv4(u32 ip, char *buf)
{
	snprintf(buf, IPV4_STR_MAX, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
	return buf;
}
