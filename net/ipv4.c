// SPDX-License-Identifier: GPL-2.0
/*
 * IPv4 (RFC 791) for a host: validate what comes in, hand ICMP and UDP
 * up, build the header of what goes out.  No options are sent, no
 * fragments are reassembled (they are counted and dropped), nothing is
 * forwarded.
 *
 * The received TTL is not checked: a host only delivers, and RFC 1122
 * (3.2.1.7) forbids dropping a datagram for a low TTL; we never send one
 * with TTL 0.
 */
#include <pvkit/string.h>
#include "net_priv.h"

static u16 ip_id;

static bool ipv4_header_valid(const struct ipv4_hdr *ip, size_t len,
			      size_t *hlen, size_t *tot_len)
{
	if (len < IPV4_HLEN) {
		net_drop(NET_DROP_IP_SHORT);
		return false;
	}
	if (ip->ver_ihl >> 4 != 4) {
		net_drop(NET_DROP_IP_VERSION);
		return false;
	}
	*hlen = (size_t)(ip->ver_ihl & 0xf) * 4;
	*tot_len = be16_to_cpu(ip->tot_len);
	if (*hlen < IPV4_HLEN) {
		net_drop(NET_DROP_IP_IHL);
		return false;
	}
	/* Ethernet pads short frames: a frame may be longer, never shorter. */
	if (*hlen > len || *tot_len > len) {
		net_drop(NET_DROP_IP_TRUNCATED);
		return false;
	}
	if (*tot_len < *hlen) {
		net_drop(NET_DROP_IP_LENGTH);
		return false;
	}
	if (ip_checksum(ip, *hlen)) {
		net_drop(NET_DROP_IP_CHECKSUM);
		return false;
	}
	if (be16_to_cpu(ip->frag_off) & (IP_MF | IP_OFFSET)) {
		net_drop(NET_DROP_IP_FRAGMENT);
		return false;
	}
	return true;
}

static bool ipv4_addresses_valid(const struct net_iface *ifc,
				 const struct ipv4_hdr *ip)
{
	u32 src = be32_to_cpu(ip->saddr), dst = be32_to_cpu(ip->daddr);

	/* Nobody may answer to a broadcast or multicast source. */
	if (net_is_broadcast(ifc, src) || (src >> 28) == 0xe) {
		net_drop(NET_DROP_IP_BAD_SRC);
		return false;
	}
	if (dst != ifc->ip && !net_is_broadcast(ifc, dst)) {
		net_drop(NET_DROP_IP_NOT_OURS);
		return false;
	}
	return true;
}

void ipv4_rx(struct net_iface *ifc, const struct eth_hdr *eth,
	     const u8 *pkt, size_t len)
{
	const struct ipv4_hdr *ip = (const void *)pkt;
	size_t hlen, tot_len;

	if (!ipv4_header_valid(ip, len, &hlen, &tot_len) ||
	    !ipv4_addresses_valid(ifc, ip))
		return;
	net_counters.ipv4.rx++;
	switch (ip->protocol) {
	case IPPROTO_ICMP:
		icmp_rx(ifc, eth, ip, pkt + hlen, tot_len - hlen);
		break;
	case IPPROTO_UDP:
		udp_rx(ifc, eth, ip, pkt + hlen, tot_len - hlen);
		break;
	default:
		net_drop(NET_DROP_IP_PROTO);
		break;
	}
}

/* The sum of the pseudo-header UDP and TCP checksums cover (RFC 768). */
u32 ipv4_pseudo_sum(u32 src, u32 dst, u8 protocol, size_t len)
{
	u32 sum = 0;

	sum += src >> 16;
	sum += src & 0xffff;
	sum += dst >> 16;
	sum += dst & 0xffff;
	sum += protocol;
	sum += (u32)len;
	return sum;
}

/*
 * Sends frame, whose l4_len bytes of payload are in place at NET_L4_OFF,
 * to dst_ip: to dst_mac when the caller knows it (a reply goes back
 * where the request came from), else through ARP to next_hop.
 */
int ipv4_output(struct net_iface *ifc, const u8 *dst_mac, u32 next_hop,
		u32 dst_ip, u8 protocol, u8 *frame, size_t l4_len)
{
	struct ipv4_hdr *ip = (void *)(frame + NET_IP_OFF);
	size_t tot_len = IPV4_HLEN + l4_len;
	int ret;

	if (tot_len > ifc->mtu) {
		net_drop(NET_DROP_TX_TOO_BIG);
		return -EMSGSIZE;
	}
	ip->ver_ihl = 4 << 4 | IPV4_HLEN / 4;
	ip->tos = 0;
	ip->tot_len = cpu_to_be16((u16)tot_len);
	/* Never fragmented, but RFC 6864 still wants the ID to vary. */
	ip->id = cpu_to_be16(ip_id++);
	ip->frag_off = 0;
	ip->ttl = IP_TTL_DEFAULT;
	ip->protocol = protocol;
	ip->check = 0;
	ip->saddr = cpu_to_be32(ifc->ip);
	ip->daddr = cpu_to_be32(dst_ip);
	ip->check = cpu_to_be16(ip_checksum(ip, IPV4_HLEN));

	if (dst_mac)
		ret = eth_output(ifc, dst_mac, ETH_P_IP, frame, ETH_HLEN + tot_len);
	else if (net_is_broadcast(ifc, next_hop))
		ret = eth_output(ifc, eth_broadcast, ETH_P_IP, frame, ETH_HLEN + tot_len);
	else
		ret = arp_output(ifc, next_hop, frame, ETH_HLEN + tot_len);
	if (!ret)
		net_counters.ipv4.tx++;
	return ret;
}
