/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the network stack: wire formats, the interface state and the
 * calls between the protocol files.  Wire formats are packed structures
 * laid over the frame, fields in network byte order; every header is
 * length-checked against the frame before it is laid over it.
 */
#ifndef _NET_NET_PRIV_H
#define _NET_NET_PRIV_H

#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/net.h>
#include <pvkit/netdev.h>
#include <pvkit/time.h>

/* Values in network byte order: only ever read through the helpers. */
typedef u16 __be16;
typedef u32 __be32;

static inline u16 be16_to_cpu(__be16 v)
{
	return __builtin_bswap16(v);
}

static inline u32 be32_to_cpu(__be32 v)
{
	return __builtin_bswap32(v);
}

#define cpu_to_be16(v)	be16_to_cpu(v)
#define cpu_to_be32(v)	be32_to_cpu(v)

#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ETH_ZLEN	60	/* the shortest frame on the wire, FCS aside */

struct eth_hdr {
	u8 dst[ETH_ALEN];
	u8 src[ETH_ALEN];
	__be16 type;
} __packed;

#define ARP_HTYPE_ETHER	1
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2

/* RFC 826, for Ethernet and IPv4 only. */
struct arp_pkt {
	__be16 htype, ptype;
	u8 hlen, plen;
	__be16 op;
	u8 sha[ETH_ALEN];
	__be32 spa;
	u8 tha[ETH_ALEN];
	__be32 tpa;
} __packed;

#define IPPROTO_ICMP	1
#define IPPROTO_UDP	17

#define IP_MF		0x2000
#define IP_OFFSET	0x1fff
#define IP_TTL_DEFAULT	64

/* RFC 791 */
struct ipv4_hdr {
	u8 ver_ihl;
	u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	u8 ttl;
	u8 protocol;
	__be16 check;
	__be32 saddr, daddr;
} __packed;

#define ICMP_ECHO_REPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_PORT_UNREACH	3	/* code of ICMP_DEST_UNREACH */
#define ICMP_ECHO_REQUEST	8

/* RFC 792: type, code, checksum and the 4 bytes whose use depends on type. */
struct icmp_hdr {
	u8 type, code;
	__be16 check;
	__be16 id, seq;
} __packed;

/* RFC 768 */
struct udp_hdr {
	__be16 sport, dport;
	__be16 len;
	__be16 check;
} __packed;

BUILD_BUG_ON(sizeof(struct eth_hdr) != ETH_HLEN);
BUILD_BUG_ON(sizeof(struct arp_pkt) != 28);
BUILD_BUG_ON(sizeof(struct ipv4_hdr) != IPV4_HLEN);
BUILD_BUG_ON(sizeof(struct icmp_hdr) != ICMP_ECHO_HLEN);
BUILD_BUG_ON(sizeof(struct udp_hdr) != UDP_HLEN);

/* Where the payloads we build start in a frame. */
#define NET_IP_OFF	ETH_HLEN
#define NET_L4_OFF	(ETH_HLEN + IPV4_HLEN)

#define ARP_CACHE_SIZE	8
#define ARP_RETRY_NS	(1000 * NSEC_PER_MSEC)	/* between requests */
#define ARP_MAX_TRIES	3			/* then the next hop is down */
#define ARP_VALID_NS	(300 * NSEC_PER_SEC)	/* re-ask after five minutes */

enum arp_state {
	ARP_FREE,
	ARP_INCOMPLETE,		/* asked, no answer yet */
	ARP_RESOLVED,
	ARP_PROBE,		/* resolved, another MAC claimed it: its own asked again */
};

struct arp_entry {
	u32 ip;
	u8 mac[ETH_ALEN];
	u8 state;
	u8 tries;
	u64 stamp;		/* last request sent, or when resolved */
	/* The frame waiting for the answer, destination MAC to fill in. */
	u16 pending_len;
	u8 pending[ETH_MAX_FRAME];
};

#define NET_MAX_IFACES	2

/* ICMP errors: a burst, then ten a second (icmp.c). */
#define ICMP_ERR_BURST		10
#define ICMP_ERR_INTERVAL_NS	(100 * NSEC_PER_MSEC)

struct net_iface {
	struct netdev *dev;		/* NULL: slot free */
	u32 ip, netmask, gateway;
	unsigned int mtu;		/* IP bytes per frame, at most 1500 */
	unsigned int icmp_err_tokens;	/* ICMP errors we may send now */
	u64 icmp_err_stamp;		/* when the tokens were last counted */
	struct arp_entry arp[ARP_CACHE_SIZE];
};

static inline struct net_iface *dev_iface(struct netdev *dev)
{
	return dev->stack_data;
}

/*
 * The stack's one lock (core.c): interrupts off, since a driver may hand
 * a frame in from its interrupt while an app is in udp_sendto(), and a
 * spinlock, since a multi-queue driver does so on several CPUs.  Nests
 * on the CPU that holds it.  The host build (tests, fuzzing) has no
 * interrupts and one thread.
 */
#ifdef __HOST_TEST__
static inline unsigned long net_lock(void)
{
	return 0;
}

static inline void net_unlock(unsigned long flags)
{
}
#elif !defined(CONFIG_SMP)
#include <pvkit/irqflags.h>

/* One CPU: interrupts off is the whole lock, and it nests. */
static inline unsigned long net_lock(void)
{
	return local_irq_save();
}

static inline void net_unlock(unsigned long flags)
{
	local_irq_restore(flags);
}
#else
unsigned long net_lock(void);
void net_unlock(unsigned long flags);
#endif

/* core.c */
extern struct net_stats net_counters;
extern struct net_iface net_ifaces[NET_MAX_IFACES];
u64 net_now(void);
struct net_iface *net_route(u32 dst_ip, u32 *next_hop);
bool net_is_broadcast(const struct net_iface *ifc, u32 ip);
u8 *net_tx_frame(void);

static inline void net_drop(enum net_drop_reason why)
{
	net_counters.drops[why]++;
}

/* eth.c */
extern const u8 eth_broadcast[ETH_ALEN];
void eth_rx(struct net_iface *ifc, const u8 *frame, size_t len);
int eth_output(struct net_iface *ifc, const u8 *dst, u16 type, u8 *frame,
	       size_t len);

/* arp.c */
void arp_rx(struct net_iface *ifc, const u8 *pkt, size_t len);
int arp_output(struct net_iface *ifc, u32 next_hop, u8 *frame, size_t len);
void arp_tick(struct net_iface *ifc, u64 now);
void arp_flush(struct net_iface *ifc);

/* ipv4.c */
void ipv4_rx(struct net_iface *ifc, const struct eth_hdr *eth,
	     const u8 *pkt, size_t len);
int ipv4_output(struct net_iface *ifc, const u8 *dst_mac, u32 next_hop,
		u32 dst_ip, u8 protocol, u8 *frame, size_t l4_len);
u32 ipv4_pseudo_sum(u32 src, u32 dst, u8 protocol, size_t len);

/* icmp.c */
void icmp_rx(struct net_iface *ifc, const struct eth_hdr *eth,
	     const struct ipv4_hdr *ip, const u8 *msg, size_t len);
void icmp_port_unreachable(struct net_iface *ifc, const struct eth_hdr *eth,
			   const struct ipv4_hdr *ip, size_t ip_len);

/* udp.c */
void udp_rx(struct net_iface *ifc, const struct eth_hdr *eth,
	    const struct ipv4_hdr *ip, const u8 *dgram, size_t len);
void udp_reset(void);

#endif
