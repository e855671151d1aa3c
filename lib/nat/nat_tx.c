/* SPDX-License-Identifier: BSD-3-Clause
 * Next hops (the neighbour table, the ARP wait queue), forwarding with
 * the MTU (fragments or ICMP 3/4), packets the box makes.
 */
#include <errno.h>

#include "nat_frag.h"
#include "nat_tx.h"

/* Tell the control thread something; losing it is harmless. */
void
nat_send_event(struct nat_worker *w, uint8_t type, uint8_t side, uint32_t ip,
	   const struct rte_ether_addr *mac)
{
	struct nat_event ev = { .type = type, .side = side, .ip = ip };

	if (mac != NULL)
		memcpy(ev.mac, mac->addr_bytes, 6);
	rte_ring_sp_enqueue_elem(w->env.ev_ring, &ev, sizeof(ev));
}

/* Next hop MAC for a neighbour index cached in *nh (looked up if unset). */
static inline bool
next_hop_mac(struct nat_worker *w, uint32_t *nh, uint8_t side, uint32_t ip,
	     struct rte_ether_addr *mac)
{
	const struct nat_neigh *nb = w->env.neigh;

	if (unlikely(*nh == UINT32_MAX)) {
		*nh = nat_neigh_lookup(nb, side, ip);
		if (*nh == UINT32_MAX) {
			nat_send_event(w, NAT_EV_RESOLVE, side, ip, NULL);
			return false;
		}
	}
	if (unlikely(!nat_neigh_mac(nb, *nh, mac))) {
		nat_send_event(w, NAT_EV_RESOLVE, side, ip, NULL);
		return false;
	}
	return true;
}

/*
 * Fill in the MACs and queue a forwarded packet for transmission. One
 * longer than the egress link's MTU is cut into fragments, or refused
 * when it says DF (F32, G33: nat_forward_too_big()).
 */
static inline void
nat_forward(struct nat_worker *w, struct rte_mbuf *m, enum cgn_side side,
	    const struct rte_ether_addr *mac, uint64_t now)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (unlikely(m->pkt_len > w->frame_max[side])) {
		nat_forward_too_big(w, m, side, mac, now);
		return;
	}
	rte_ether_addr_copy(mac, &e->dst_addr);
	rte_ether_addr_copy(&w->env.mac[side], &e->src_addr);
	w->stats.tx[side]++;
	m->hash.usr = 0;
	tx_enqueue(w, side, m);
}

/* to_next_hop() when the neighbour is not cached and known, or the frame
 * is longer than the MTU: the general path. */
void __rte_noinline
nat_to_next_hop_slow(struct nat_worker *w, struct rte_mbuf *m, enum cgn_side side,
		 uint32_t *nh, uint32_t ip, uint64_t now)
{
	struct rte_ether_addr mac;
	struct nat_pending *p;

	if (likely(next_hop_mac(w, nh, side, ip, &mac))) {
		nat_forward(w, m, side, &mac, now);
		return;
	}
	if (w->pend_n == NAT_PENDING) {
		drop(w, m, CGN_DROP_neigh_unresolved);
		return;
	}
	p = &w->pend[(w->pend_head + w->pend_n++) % NAT_PENDING];
	p->m = m;
	p->ip = ip;
	p->side = (uint8_t)side;
	p->deadline = now + w->env.tsc_hz * NAT_PENDING_WAIT_MS / 1000;
}

/* Send the parked packets whose next hop is now known. */
void
nat_drain_pending(struct nat_worker *w, uint64_t now)
{
	uint16_t n = w->pend_n;

	while (n--) {
		struct nat_pending p = w->pend[w->pend_head];
		uint32_t nh = UINT32_MAX;
		struct rte_ether_addr mac;

		w->pend_head = (uint16_t)((w->pend_head + 1) % NAT_PENDING);
		w->pend_n--;
		nh = nat_neigh_lookup(w->env.neigh, p.side, p.ip);
		if (nh != UINT32_MAX && nat_neigh_mac(w->env.neigh, nh, &mac))
			nat_forward(w, p.m, p.side, &mac, now);
		else if (now > p.deadline)
			drop(w, p.m, CGN_DROP_neigh_unresolved);
		else
			w->pend[(w->pend_head + w->pend_n++) % NAT_PENDING] = p;
	}
}

/*
 * A packet longer than the MTU of the link it leaves by (F32; RFC 4787
 * REQ-13, G33; RFC 1812 5.2.6): with DF set it is dropped and its sender
 * gets ICMP 3/4 with the MTU, from the box's address on the side it came
 * in by, rate limited (RFC 1191); without DF it leaves as fragments, in
 * order. The datagram counts once in tx: its first fragment carries the
 * count (hash.usr 0), so that cgn_worker_flush() takes it back if the NIC
 * refuses that one; the others are like generated packets.
 */
void
nat_forward_too_big(struct nat_worker *w, struct rte_mbuf *m, enum cgn_side side,
		const struct rte_ether_addr *mac, uint64_t now)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	struct rte_mbuf **frags;
	enum cgn_side from;
	int n, i;

	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
		if (nat_untranslate(w, m, side, &from))
			nat_icmp_error_mtu(w, from, m, ICMP_DEST_UNREACH,
				       ICMP_FRAG_NEEDED,
				       w->mtu[side], now);
		drop(w, m, CGN_DROP_df_too_big);
		return;
	}
	n = nat_frag_fragment(w, m, side, &frags);
	if (n < 0) {
		drop(w, m, n == -ENOMEM ? CGN_DROP_nomem :
					  CGN_DROP_ip_fragment);
		return;
	}
	w->stats.tx[side]++;
	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *e = rte_pktmbuf_mtod(frags[i],
						struct rte_ether_hdr *);

		rte_ether_addr_copy(mac, &e->dst_addr);
		rte_ether_addr_copy(&w->env.mac[side], &e->src_addr);
		frags[i]->hash.usr = i != 0;
		tx_enqueue(w, side, frags[i]);
	}
}

void
nat_send_generated(struct nat_worker *w, enum cgn_side side,
			  struct rte_mbuf *m)
{
	m->hash.usr = 1;
	w->stats.generated++;
	tx_enqueue(w, side, m);
}

void
nat_tx_queue(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m)
{
	tx_enqueue(w, side, m);
}
