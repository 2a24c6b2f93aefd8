// SPDX-License-Identifier: GPL-2.0
/*
 * ARP (RFC 826) for IPv4 over Ethernet: answers requests for our
 * address, and resolves next hops into a small cache.  A frame to a
 * neighbour not yet resolved waits in its cache entry (one per entry, the
 * newest) while the request is repeated every ARP_RETRY_NS, at most
 * ARP_MAX_TRIES times; then it is dropped and the entry freed.
 *
 * A reply nobody asked for is ignored, and a resolved entry is never
 * given another MAC while its owner answers: an unsolicited claim cannot
 * redirect our traffic.  RFC 826's merge rule would take the new MAC at
 * once; instead a claim with another MAC keeps the old one and asks its
 * owner directly (ARP_PROBE, like Linux's NUD_PROBE), every ARP_RETRY_NS,
 * ARP_MAX_TRIES times: a neighbour that answers keeps its entry, one that
 * is gone (a peer restarted with a new NIC) has it freed, and the new
 * MAC is learnt from its next request.  A request for our address is
 * answered whatever MAC it comes from: a reply costs nothing.
 */
#include <pvkit/string.h>
#include "net_priv.h"

static const u8 zero_mac[ETH_ALEN];

static void arp_send(struct net_iface *ifc, u16 op, const u8 *eth_dst,
		     const u8 *tha, u32 tpa)
{
	/* ARP is short: its own buffer, so a waiting frame can stay put. */
	u8 frame[ETH_ZLEN] __aligned(8);
	struct arp_pkt *a = (void *)(frame + ETH_HLEN);

	a->htype = cpu_to_be16(ARP_HTYPE_ETHER);
	a->ptype = cpu_to_be16(ETH_P_IP);
	a->hlen = ETH_ALEN;
	a->plen = 4;
	a->op = cpu_to_be16(op);
	memcpy(a->sha, ifc->dev->mac, ETH_ALEN);
	a->spa = cpu_to_be32(ifc->ip);
	memcpy(a->tha, tha, ETH_ALEN);
	a->tpa = cpu_to_be32(tpa);
	if (!eth_output(ifc, eth_dst, ETH_P_ARP, frame, ETH_HLEN + sizeof(*a)))
		net_counters.arp.tx++;
}

/*
 * Asks who has e's address: everyone while it is unresolved, only the
 * MAC we have for it while it is probed (RFC 1122 2.3.2.1, unicast poll).
 */
static void arp_request(struct net_iface *ifc, struct arp_entry *e, u64 now)
{
	const u8 *dst = e->state == ARP_PROBE ? e->mac : eth_broadcast;

	arp_send(ifc, ARP_OP_REQUEST, dst, zero_mac, e->ip);
	e->tries++;
	e->stamp = now;
}

static bool arp_usable(const struct arp_entry *e)
{
	return e->state == ARP_RESOLVED || e->state == ARP_PROBE;
}

static struct arp_entry *arp_find(struct net_iface *ifc, u32 ip)
{
	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		if (ifc->arp[i].state != ARP_FREE && ifc->arp[i].ip == ip)
			return &ifc->arp[i];
	}
	return NULL;
}

static void arp_free(struct arp_entry *e, enum net_drop_reason why)
{
	if (e->pending_len)
		net_drop(why);
	e->pending_len = 0;
	e->state = ARP_FREE;
}

/*
 * Which entry to give up when the cache is full: the one resolved
 * longest ago, else the oldest question.  A neighbour still in use is
 * simply asked again.
 */
static bool arp_evict_first(const struct arp_entry *e, const struct arp_entry *than)
{
	if (arp_usable(e) != arp_usable(than))
		return arp_usable(e);
	return e->stamp < than->stamp;
}

static struct arp_entry *arp_alloc(struct net_iface *ifc, u32 ip)
{
	struct arp_entry *victim = NULL, *e;

	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		e = &ifc->arp[i];
		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		if (!victim || arp_evict_first(e, victim))
			victim = e;
	}
	arp_free(victim, NET_DROP_ARP_REPLACED);
	victim->ip = ip;
	victim->tries = 0;
	return victim;
}

/* The neighbour answered (or asked): record it, send what waited. */
static void arp_learn(struct net_iface *ifc, struct arp_entry *e, const u8 *mac)
{
	memcpy(e->mac, mac, ETH_ALEN);
	e->state = ARP_RESOLVED;
	e->tries = 0;
	e->stamp = net_now();
	if (e->pending_len) {
		eth_output(ifc, e->mac, ETH_P_IP, e->pending, e->pending_len);
		e->pending_len = 0;
	}
}

/* Not a neighbour to remember: nobody (a probe), ourselves, a broadcast. */
static bool arp_sender_valid(const struct net_iface *ifc, u32 spa)
{
	return spa && spa != ifc->ip && !net_is_broadcast(ifc, spa);
}

/* Another MAC for e: the claim is refused, e's owner asked, a question answered. */
static void arp_conflict(struct net_iface *ifc, struct arp_entry *e,
			 const struct arp_pkt *a, u16 op, u32 tpa)
{
	net_drop(NET_DROP_ARP_CONFLICT);
	if (e->state == ARP_RESOLVED) {
		e->state = ARP_PROBE;
		e->tries = 0;
		arp_request(ifc, e, net_now());
	}
	if (op == ARP_OP_REQUEST && tpa == ifc->ip)
		arp_send(ifc, ARP_OP_REPLY, a->sha, a->sha, e->ip);
}

void arp_rx(struct net_iface *ifc, const u8 *pkt, size_t len)
{
	const struct arp_pkt *a = (const void *)pkt;
	struct arp_entry *e;
	bool merged = false, learn;
	u32 spa, tpa;
	u16 op;

	if (len < sizeof(*a)) {
		net_drop(NET_DROP_ARP_SHORT);
		return;
	}
	op = be16_to_cpu(a->op);
	if (be16_to_cpu(a->htype) != ARP_HTYPE_ETHER ||
	    be16_to_cpu(a->ptype) != ETH_P_IP || a->hlen != ETH_ALEN ||
	    a->plen != 4 || (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) ||
	    (a->sha[0] & 1)) {
		net_drop(NET_DROP_ARP_FORMAT);
		return;
	}
	spa = be32_to_cpu(a->spa);
	tpa = be32_to_cpu(a->tpa);
	learn = arp_sender_valid(ifc, spa);

	/*
	 * RFC 826: update a sender we know, whoever the packet is for; but
	 * a neighbour resolved keeps its MAC while its owner answers there:
	 * anyone on the link could claim it.
	 */
	e = learn ? arp_find(ifc, spa) : NULL;
	if (e && arp_usable(e) && memcmp(e->mac, a->sha, ETH_ALEN)) {
		arp_conflict(ifc, e, a, op, tpa);
		return;
	}
	if (e) {
		arp_learn(ifc, e, a->sha);
		merged = true;
	}
	if (tpa != ifc->ip) {
		net_drop(NET_DROP_ARP_NOT_OURS);
		return;
	}
	if (op == ARP_OP_REPLY && learn && !merged) {
		/* Nobody asked: it may not take a cache slot. */
		net_drop(NET_DROP_ARP_UNSOLICITED);
		return;
	}
	net_counters.arp.rx++;
	/* It is asking us: we shall want to answer it. */
	if (learn && !merged)
		arp_learn(ifc, arp_alloc(ifc, spa), a->sha);
	/* Probes (sender 0.0.0.0, RFC 5227) get their answer too. */
	if (op == ARP_OP_REQUEST)
		arp_send(ifc, ARP_OP_REPLY, a->sha, a->sha, spa);
}

/* Sends frame (Ethernet header to fill in) to the neighbour next_hop. */
int arp_output(struct net_iface *ifc, u32 next_hop, u8 *frame, size_t len)
{
	struct arp_entry *e = arp_find(ifc, next_hop);
	bool ask = !e;

	if (WARN_ON(len > ETH_MAX_FRAME)) {
		net_drop(NET_DROP_TX_TOO_BIG);
		return -EMSGSIZE;
	}
	if (e && arp_usable(e))
		return eth_output(ifc, e->mac, ETH_P_IP, frame, len);
	if (ask) {
		e = arp_alloc(ifc, next_hop);
		e->state = ARP_INCOMPLETE;
	} else if (e->pending_len) {
		net_drop(NET_DROP_ARP_REPLACED);
	}
	/* In place before asking, however fast the answer comes. */
	memcpy(e->pending, frame, len);
	e->pending_len = (u16)len;
	if (ask)
		arp_request(ifc, e, net_now());
	return 0;
}

void arp_tick(struct net_iface *ifc, u64 now)
{
	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &ifc->arp[i];
		u64 age = now - e->stamp;

		if ((e->state == ARP_INCOMPLETE || e->state == ARP_PROBE) &&
		    age >= ARP_RETRY_NS) {
			if (e->tries >= ARP_MAX_TRIES)
				arp_free(e, NET_DROP_ARP_TIMEOUT);
			else
				arp_request(ifc, e, now);
		} else if (e->state == ARP_RESOLVED && age >= ARP_VALID_NS) {
			arp_free(e, NET_DROP_ARP_TIMEOUT);
		}
	}
}

void arp_flush(struct net_iface *ifc)
{
	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++)
		arp_free(&ifc->arp[i], NET_DROP_ARP_TIMEOUT);
}
