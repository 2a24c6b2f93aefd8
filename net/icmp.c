// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP (RFC 792): echo replies, and port unreachable for UDP nobody
 * listens to, rate limited.  Echo requests to a broadcast address and
 * other messages are counted and ignored.  Echo requests of our own
 * (icmp_ping()) and their replies, for an app that pings a peer.
 */
#include <pvkit/string.h>
#include "net_priv.h"

/* What RFC 792 quotes of the offending datagram: its header, 8 bytes more. */
#define ICMP_QUOTE_DATA	8

static icmp_reply_t echo_reply_rx;
static void *echo_reply_ctx;

/* To dst_mac when known (an answer), else through ARP to next_hop. */
static int icmp_output(struct net_iface *ifc, const u8 *dst_mac, u32 next_hop,
		       u32 dst_ip, u8 *frame, size_t len)
{
	struct icmp_hdr *icmp = (void *)(frame + NET_L4_OFF);
	int err;

	icmp->check = 0;
	icmp->check = cpu_to_be16(ip_checksum(icmp, len));
	err = ipv4_output(ifc, dst_mac, next_hop, dst_ip, IPPROTO_ICMP, frame, len);
	if (err)
		return err;
	net_counters.icmp.tx++;
	return 0;
}

/* Back to the neighbour it came from: no ARP round trip first. */
static int icmp_send(struct net_iface *ifc, const struct eth_hdr *eth,
		     u32 dst_ip, u8 *frame, size_t len)
{
	return icmp_output(ifc, eth->src, 0, dst_ip, frame, len);
}

void icmp_set_reply_handler(icmp_reply_t rx, void *ctx)
{
	unsigned long flags = net_lock();

	echo_reply_rx = rx;
	echo_reply_ctx = ctx;
	net_unlock(flags);
}

int icmp_ping(u32 dst_ip, u16 id, u16 seq, const void *data, size_t len)
{
	u8 *frame = net_tx_frame();
	struct icmp_hdr *icmp = (void *)(frame + NET_L4_OFF);
	struct net_iface *ifc;
	unsigned long flags;
	u32 next_hop;
	int ret;

	if (len > ICMP_MAX_PAYLOAD) {
		net_drop(NET_DROP_TX_TOO_BIG);
		return -EMSGSIZE;
	}
	flags = net_lock();
	ifc = net_route(dst_ip, &next_hop);
	if (!ifc) {
		ret = -ENETUNREACH;
	} else {
		icmp->type = ICMP_ECHO_REQUEST;
		icmp->code = 0;
		icmp->id = cpu_to_be16(id);
		icmp->seq = cpu_to_be16(seq);
		memcpy(icmp + 1, data, len);
		ret = icmp_output(ifc, NULL, next_hop, dst_ip, frame,
				  sizeof(*icmp) + len);
	}
	net_unlock(flags);
	return ret;
}

/* A reply to one of ours, to whoever asked for them; else ignored. */
static void icmp_echo_reply(const struct ipv4_hdr *ip, const u8 *msg, size_t len)
{
	const struct icmp_hdr *icmp = (const void *)msg;

	if (!echo_reply_rx) {
		net_drop(NET_DROP_ICMP_TYPE);
		return;
	}
	echo_reply_rx(echo_reply_ctx, be32_to_cpu(ip->saddr), be16_to_cpu(icmp->id),
		      be16_to_cpu(icmp->seq), msg + sizeof(*icmp), len - sizeof(*icmp));
}

/*
 * The reply is the request with its type changed: identifier, sequence
 * number and data come back exactly as they were.  Its source is our
 * own address even when the request went to a broadcast (RFC 1122).
 */
static void icmp_echo(struct net_iface *ifc, const struct eth_hdr *eth,
		      const struct ipv4_hdr *ip, const u8 *msg, size_t len)
{
	u8 *frame = net_tx_frame();
	struct icmp_hdr *reply = (void *)(frame + NET_L4_OFF);

	if (len > ETH_MAX_FRAME - NET_L4_OFF) {
		net_drop(NET_DROP_TX_TOO_BIG);
		return;
	}
	memcpy(reply, msg, len);
	reply->type = ICMP_ECHO_REPLY;
	reply->code = 0;
	if (!icmp_send(ifc, eth, be32_to_cpu(ip->saddr), frame, len))
		net_counters.echo_replies++;
}

void icmp_rx(struct net_iface *ifc, const struct eth_hdr *eth,
	     const struct ipv4_hdr *ip, const u8 *msg, size_t len)
{
	const struct icmp_hdr *icmp = (const void *)msg;
	u32 dst = be32_to_cpu(ip->daddr);

	if (len < sizeof(*icmp)) {
		net_drop(NET_DROP_ICMP_SHORT);
		return;
	}
	if (ip_checksum(msg, len)) {
		net_drop(NET_DROP_ICMP_CHECKSUM);
		return;
	}
	net_counters.icmp.rx++;
	if (icmp->type == ICMP_ECHO_REPLY)
		icmp_echo_reply(ip, msg, len);
	else if (icmp->type != ICMP_ECHO_REQUEST)
		net_drop(NET_DROP_ICMP_TYPE);
	else if (net_is_broadcast(ifc, dst))
		/* RFC 1122 3.2.2.6 allows silence: no smurf amplifier here. */
		net_drop(NET_DROP_ICMP_BROADCAST);
	else
		icmp_echo(ifc, eth, ip, msg, len);
}

/*
 * RFC 1812 4.3.2.8, RFC 1122 3.2.2: error messages are rate limited per
 * interface, a bucket of ICMP_ERR_BURST tokens refilled at one per
 * ICMP_ERR_INTERVAL_NS, so that a flood to a closed port is not answered
 * in kind.
 */
static bool icmp_error_allowed(struct net_iface *ifc)
{
	u64 now = net_now(), gained = (now - ifc->icmp_err_stamp) / ICMP_ERR_INTERVAL_NS;

	if (gained >= ICMP_ERR_BURST) {
		ifc->icmp_err_tokens = ICMP_ERR_BURST;
		ifc->icmp_err_stamp = now;
	} else if (gained) {
		ifc->icmp_err_tokens = min(ifc->icmp_err_tokens + (unsigned int)gained,
					   (unsigned int)ICMP_ERR_BURST);
		ifc->icmp_err_stamp += gained * ICMP_ERR_INTERVAL_NS;
	}
	if (!ifc->icmp_err_tokens) {
		net_drop(NET_DROP_ICMP_RATE);
		return false;
	}
	ifc->icmp_err_tokens--;
	return true;
}

/* ip_len: the offending datagram's bytes, header included, in the frame. */
void icmp_port_unreachable(struct net_iface *ifc, const struct eth_hdr *eth,
			   const struct ipv4_hdr *ip, size_t ip_len)
{
	u8 *frame = net_tx_frame();
	struct icmp_hdr *icmp = (void *)(frame + NET_L4_OFF);
	size_t hlen = (size_t)(ip->ver_ihl & 0xf) * 4;
	size_t quote = min(ip_len, hlen + ICMP_QUOTE_DATA);

	if (!icmp_error_allowed(ifc))
		return;
	icmp->type = ICMP_DEST_UNREACH;
	icmp->code = ICMP_PORT_UNREACH;
	icmp->id = 0;		/* unused in this message */
	icmp->seq = 0;
	memcpy(frame + NET_L4_OFF + sizeof(*icmp), ip, quote);
	icmp_send(ifc, eth, be32_to_cpu(ip->saddr), frame, sizeof(*icmp) + quote);
}
