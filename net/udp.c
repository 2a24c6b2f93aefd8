// SPDX-License-Identifier: GPL-2.0
/*
 * UDP (RFC 768): a small table of bound ports with receive callbacks,
 * and sendto.  Checksums are verified when the sender computed one (not
 * zero) and always computed on transmit.
 */
#include <pvkit/string.h>
#include "net_priv.h"

#define UDP_MAX_SOCKETS	8

struct udp_socket {
	u16 port;		/* 0: free */
	udp_rx_t rx;
	void *ctx;
};

static struct udp_socket udp_sockets[UDP_MAX_SOCKETS];

static struct udp_socket *udp_lookup(u16 port)
{
	for (unsigned int i = 0; i < UDP_MAX_SOCKETS; i++) {
		if (udp_sockets[i].port == port)
			return &udp_sockets[i];
	}
	return NULL;
}

int udp_bind(u16 port, udp_rx_t rx, void *ctx)
{
	struct udp_socket *s;
	unsigned long flags;
	int busy;

	if (!port || !rx)
		return -EINVAL;
	flags = net_lock();
	if (udp_lookup(port)) {
		s = NULL;
		busy = -EADDRINUSE;
	} else {
		s = udp_lookup(0);
		busy = -ENOSPC;
	}
	if (s) {
		s->rx = rx;
		s->ctx = ctx;
		s->port = port;
	}
	net_unlock(flags);
	return s ? 0 : busy;
}

void udp_unbind(u16 port)
{
	unsigned long flags = net_lock();
	struct udp_socket *s = port ? udp_lookup(port) : NULL;

	if (s)
		memset(s, 0, sizeof(*s));
	net_unlock(flags);
}

void udp_reset(void)
{
	memset(udp_sockets, 0, sizeof(udp_sockets));
}

/* The length field is read once: *ulen is what was checked, and used. */
static bool udp_valid(const struct ipv4_hdr *ip, const struct udp_hdr *uh,
		      size_t len, size_t *ulen_out)
{
	size_t ulen;
	u32 sum;

	if (len < sizeof(*uh)) {
		net_drop(NET_DROP_UDP_SHORT);
		return false;
	}
	ulen = be16_to_cpu(uh->len);
	if (ulen < sizeof(*uh) || ulen > len) {
		net_drop(NET_DROP_UDP_LENGTH);
		return false;
	}
	*ulen_out = ulen;
	if (!uh->check)
		return true;
	sum = ipv4_pseudo_sum(be32_to_cpu(ip->saddr), be32_to_cpu(ip->daddr),
			      IPPROTO_UDP, ulen);
	if (csum_fold(csum_partial(uh, ulen, sum))) {
		net_drop(NET_DROP_UDP_CHECKSUM);
		return false;
	}
	return true;
}

void udp_rx(struct net_iface *ifc, const struct eth_hdr *eth,
	    const struct ipv4_hdr *ip, const u8 *dgram, size_t len)
{
	const struct udp_hdr *uh = (const void *)dgram;
	struct udp_meta meta;
	struct udp_socket *s;
	size_t ulen;

	if (!udp_valid(ip, uh, len, &ulen))
		return;
	net_counters.udp.rx++;
	meta.dev = ifc->dev;
	meta.src_ip = be32_to_cpu(ip->saddr);
	meta.dst_ip = be32_to_cpu(ip->daddr);
	meta.src_port = be16_to_cpu(uh->sport);
	meta.dst_port = be16_to_cpu(uh->dport);
	s = meta.dst_port ? udp_lookup(meta.dst_port) : NULL;
	if (!s) {
		net_drop(NET_DROP_UDP_NO_PORT);
		/* RFC 1122 3.2.2: no errors about broadcasts, nor to nobody. */
		if (!net_is_broadcast(ifc, meta.dst_ip) && meta.src_ip)
			icmp_port_unreachable(ifc, eth, ip,
					      (size_t)(dgram - (const u8 *)ip) + len);
		return;
	}
	s->rx(s->ctx, &meta, dgram + sizeof(*uh), ulen - sizeof(*uh));
}

static int udp_output(struct net_iface *ifc, u32 next_hop, u16 src_port,
		      u32 dst_ip, u16 dst_port, const void *data, size_t len)
{
	u8 *frame = net_tx_frame();
	struct udp_hdr *uh = (void *)(frame + NET_L4_OFF);
	size_t ulen = sizeof(*uh) + len;
	u32 sum;
	u16 check;
	int err;

	if (len > UDP_MAX_PAYLOAD || ulen > ifc->mtu - IPV4_HLEN) {
		net_drop(NET_DROP_TX_TOO_BIG);
		return -EMSGSIZE;
	}
	uh->sport = cpu_to_be16(src_port);
	uh->dport = cpu_to_be16(dst_port);
	uh->len = cpu_to_be16((u16)ulen);
	uh->check = 0;
	memcpy(uh + 1, data, len);
	sum = ipv4_pseudo_sum(ifc->ip, dst_ip, IPPROTO_UDP, ulen);
	check = csum_fold(csum_partial(uh, ulen, sum));
	/* 0 would say "no checksum": RFC 768 sends its other form. */
	uh->check = cpu_to_be16(check ? check : 0xffff);
	err = ipv4_output(ifc, NULL, next_hop, dst_ip, IPPROTO_UDP, frame, ulen);
	if (err)
		return err;
	net_counters.udp.tx++;
	return 0;
}

int udp_sendto(u16 src_port, u32 dst_ip, u16 dst_port, const void *data,
	       size_t len)
{
	struct net_iface *ifc;
	unsigned long flags;
	u32 next_hop;
	int ret;

	flags = net_lock();
	ifc = net_route(dst_ip, &next_hop);
	if (!ifc) {
		ret = -ENETUNREACH;
	} else {
		ret = udp_output(ifc, next_hop, src_port, dst_ip, dst_port,
				 data, len);
	}
	net_unlock(flags);
	return ret;
}
