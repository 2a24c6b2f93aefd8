// SPDX-License-Identifier: GPL-2.0
/* Ethernet II framing: demultiplex by EtherType, build headers. */
#include <pvkit/string.h>
#include "net_priv.h"

const u8 eth_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void eth_rx(struct net_iface *ifc, const u8 *frame, size_t len)
{
	const struct eth_hdr *eth = (const void *)frame;

	if (len < ETH_HLEN) {
		net_drop(NET_DROP_ETH_SHORT);
		return;
	}
	/* Multicast is not for us: we join no group. */
	if (memcmp(eth->dst, ifc->dev->mac, ETH_ALEN) &&
	    memcmp(eth->dst, eth_broadcast, ETH_ALEN)) {
		net_drop(NET_DROP_ETH_NOT_OURS);
		return;
	}
	switch (be16_to_cpu(eth->type)) {
	case ETH_P_ARP:
		arp_rx(ifc, frame + ETH_HLEN, len - ETH_HLEN);
		break;
	case ETH_P_IP:
		ipv4_rx(ifc, eth, frame + ETH_HLEN, len - ETH_HLEN);
		break;
	default:
		net_drop(NET_DROP_ETH_TYPE);
		break;
	}
}

/*
 * Fills in the header of frame (len bytes, header included) and sends it.
 * Short frames are padded with zeros to the Ethernet minimum, which real
 * and emulated NICs may not do themselves; frame must have room for it.
 */
int eth_output(struct net_iface *ifc, const u8 *dst, u16 type, u8 *frame,
	       size_t len)
{
	struct eth_hdr *eth = (void *)frame;

	memcpy(eth->dst, dst, ETH_ALEN);
	memcpy(eth->src, ifc->dev->mac, ETH_ALEN);
	eth->type = cpu_to_be16(type);
	if (len < ETH_ZLEN) {
		memset(frame + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	if (netdev_transmit(ifc->dev, frame, len)) {
		net_drop(NET_DROP_TX_DEVICE);
		return -EIO;
	}
	return 0;
}
