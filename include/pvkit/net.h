/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network stack: just enough ARP, IPv4, ICMP echo and UDP for echo
 * tests and network benchmarks (net/).
 *
 *	struct netdev *dev = net_cmdline_dev();	   net.dev=, else the first
 *
 *	net_configure_cmdline(dev);		   ip=, netmask=, gw=
 *	udp_bind(7, echo_rx, NULL);
 *	for (;;)
 *		net_poll();			   drivers without interrupts
 *
 * Addresses and ports are in host byte order in this API.  Frames are
 * handled as they arrive, in the driver's receive callback (an interrupt
 * or netdev_poll()); so are the UDP receive callbacks, which may call
 * udp_sendto().  The stack keeps interrupts off while it works: the only
 * concurrency on this one-CPU kernel is a driver interrupt.
 */
#ifndef _PVKIT_NET_H
#define _PVKIT_NET_H

#include <pvkit/types.h>
#include <pvkit/netdev.h>

#define IPV4(a, b, c, d) \
	(((u32)(a) << 24) | ((u32)(b) << 16) | ((u32)(c) << 8) | (u32)(d))
#define IPV4_BROADCAST		IPV4(255, 255, 255, 255)

/* QEMU user networking: the guest is 10.0.2.15/24 behind 10.0.2.2. */
#define NET_DEFAULT_IP		IPV4(10, 0, 2, 15)
#define NET_DEFAULT_NETMASK	IPV4(255, 255, 255, 0)
#define NET_DEFAULT_GATEWAY	IPV4(10, 0, 2, 2)

#define IPV4_HLEN		20	/* without options: all we send */
#define UDP_HLEN		8
#define ICMP_ECHO_HLEN		8
/* The largest payload that fits one 1500-byte MTU frame. */
#define UDP_MAX_PAYLOAD		(1500 - IPV4_HLEN - UDP_HLEN)
#define ICMP_MAX_PAYLOAD	(1500 - IPV4_HLEN - ICMP_ECHO_HLEN)

#define IPV4_STR_MAX		16	/* "255.255.255.255" and its NUL */

/*
 * Attaches the stack to dev with this address (gateway 0: none) and
 * starts taking its frames.  Configuring a device again replaces its
 * settings and empties its ARP cache.  0; -EINVAL on bad settings,
 * -ENOSPC when every interface slot is taken.
 */
int net_configure(struct netdev *dev, u32 ip, u32 netmask, u32 gateway);
/* The same from ip=, netmask=, gw= (defaults: NET_DEFAULT_*); guest only. */
int net_configure_cmdline(struct netdev *dev);
/*
 * The device net.dev= names (a device, eth1, or a driver, e1000: a Xen HVM
 * domU that keeps its emulated NIC has it beside netfront), else the
 * first; NULL (and a message) if there is none.  Guest only.
 */
struct netdev *net_cmdline_dev(void);
/* Detaches the stack: dev's frames are dropped again. */
void net_unconfigure(struct netdev *dev);
/* dev's settings; false if the stack is not attached to it. */
bool net_get_config(struct netdev *dev, u32 *ip, u32 *netmask, u32 *gateway);

/*
 * Polls every registered device, then runs the ARP retries and
 * timeouts.  Apps call it on each wake-up.
 */
void net_poll(void);

/* For tests: the stack's clock (ns), NULL for the kernel's. */
void net_set_clock(u64 (*now_ns)(void));

/* "a.b.c.d", nothing else; 0 or -EINVAL. */
int net_parse_ipv4(const char *s, u32 *ip);
/* Writes "a.b.c.d" to buf (IPV4_STR_MAX bytes) and returns it. */
char *net_format_ipv4(u32 ip, char *buf);
/* Removes a device from the registry (tests; unplug). */
void netdev_unregister(struct netdev *dev);

/* UDP */

struct udp_meta {
	struct netdev *dev;		/* it came in on */
	u32 src_ip, dst_ip;
	u16 src_port, dst_port;
};

/* Called for each datagram to the port; data is valid during the call. */
typedef void (*udp_rx_t)(void *ctx, const struct udp_meta *meta,
			 const void *data, size_t len);

/*
 * 0; -EINVAL if port is 0 or rx NULL, -EADDRINUSE if port is taken,
 * -ENOSPC if every socket slot is in use.
 */
int udp_bind(u16 port, udp_rx_t rx, void *ctx);
void udp_unbind(u16 port);
/*
 * Sends one datagram from the interface that routes dst_ip.  0 when it
 * was handed to the device or is waiting for the next hop's ARP reply
 * (the stack keeps one datagram per unresolved neighbour); when it was
 * dropped at once, counted in the stats: -EMSGSIZE (too big), -ENETUNREACH
 * (no route), -EIO (device error).
 */
int udp_sendto(u16 src_port, u32 dst_ip, u16 dst_port, const void *data,
	       size_t len);

/* ICMP echo of our own: pinging a peer */

/* Called for each echo reply (from src_ip); data is valid during the call. */
typedef void (*icmp_reply_t)(void *ctx, u32 src_ip, u16 id, u16 seq,
			     const void *data, size_t len);

/* Echo replies go to rx (NULL: counted as NET_DROP_ICMP_TYPE, ignored). */
void icmp_set_reply_handler(icmp_reply_t rx, void *ctx);
/*
 * Sends an echo request with these id, sequence number and data to dst_ip;
 * what it returns is what udp_sendto() does (-EMSGSIZE beyond
 * ICMP_MAX_PAYLOAD).
 */
int icmp_ping(u32 dst_ip, u16 id, u16 seq, const void *data, size_t len);

/* Internet checksum (RFC 1071) */

/*
 * The ones' complement sum of buf read as big-endian 16-bit words, added
 * to sum.  Chain calls over the parts of a message: only the last part
 * may have an odd length (it is padded with a zero byte).
 */
u32 csum_partial(const void *buf, size_t len, u32 sum);
/* Folds a sum to 16 bits and complements it: the checksum field's value. */
u16 csum_fold(u32 sum);
/* csum_fold(csum_partial(buf, len, 0)): 0 over a message that checks out. */
u16 ip_checksum(const void *buf, size_t len);

/* Counters */

enum net_drop_reason {
	NET_DROP_ETH_SHORT,		/* shorter than an Ethernet header */
	NET_DROP_ETH_NOT_OURS,		/* unicast to another MAC, multicast */
	NET_DROP_ETH_TYPE,		/* neither IPv4 nor ARP */
	NET_DROP_ARP_SHORT,
	NET_DROP_ARP_FORMAT,		/* not Ethernet/IPv4, unknown op, multicast sender */
	NET_DROP_ARP_NOT_OURS,		/* asks for another address */
	NET_DROP_IP_SHORT,		/* shorter than an IPv4 header */
	NET_DROP_IP_VERSION,
	NET_DROP_IP_IHL,		/* header length below 20 bytes */
	NET_DROP_IP_TRUNCATED,		/* header or total length beyond the frame */
	NET_DROP_IP_LENGTH,		/* total length below the header length */
	NET_DROP_IP_CHECKSUM,
	NET_DROP_IP_FRAGMENT,		/* MF or an offset: no reassembly */
	NET_DROP_IP_BAD_SRC,		/* broadcast or multicast source */
	NET_DROP_IP_NOT_OURS,		/* to another address */
	NET_DROP_IP_PROTO,		/* neither ICMP nor UDP */
	NET_DROP_ICMP_SHORT,
	NET_DROP_ICMP_CHECKSUM,
	NET_DROP_ICMP_TYPE,		/* not an echo request, nor a reply anyone waits for */
	NET_DROP_UDP_SHORT,		/* less than a UDP header */
	NET_DROP_UDP_LENGTH,		/* length field < 8 or beyond the IP payload */
	NET_DROP_UDP_CHECKSUM,
	NET_DROP_UDP_NO_PORT,		/* nothing bound there */
	NET_DROP_TX_TOO_BIG,		/* a reply or datagram over the MTU */
	NET_DROP_TX_NO_ROUTE,
	NET_DROP_TX_DEVICE,		/* the driver refused the frame */
	NET_DROP_ARP_TIMEOUT,		/* the next hop never answered */
	NET_DROP_ARP_REPLACED,		/* a newer datagram took the waiting slot */
	NET_DROP_ARP_CONFLICT,		/* another MAC for a neighbour resolved: kept */
	NET_DROP_ARP_UNSOLICITED,	/* a reply to a question we did not ask */
	NET_DROP_ICMP_BROADCAST,	/* an echo request to a broadcast address */
	NET_DROP_ICMP_RATE,		/* an error message over the rate limit */
	NET_DROP_MAX
};

struct net_proto_stats {
	unsigned long rx, tx;
};

struct net_stats {
	/*
	 * rx: taken in, having passed validation; tx: handed to the
	 * device or waiting for an ARP answer (then dropped, counted).
	 */
	struct net_proto_stats arp, ipv4, icmp, udp;
	unsigned long echo_replies;
	unsigned long drops[NET_DROP_MAX];
};

void net_get_stats(struct net_stats *out);
void net_reset_stats(void);
unsigned long net_total_drops(const struct net_stats *s);
const char *net_drop_name(enum net_drop_reason why);
/* Prints the counters, and the drop reasons that are not zero. */
void net_print_stats(const char *prefix);

#endif
