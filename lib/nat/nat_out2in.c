/* SPDX-License-Identifier: BSD-3-Clause
 * A new inbound flow to a mapping (filtering), packets that find no
 * session (ICMP 3/1, kept unsolicited SYNs answered 3/3).
 */
#include "nat_out2in.h"

/* Is an inbound packet from rem admitted to mapping mp by the filter? */
static bool
filter_admits(struct nat_worker *w, const struct nat_mapping *mp,
	      uint32_t rem_addr)
{
	uint32_t i;

	if (mp->flags & (NAT_MAP_STATIC | NAT_MAP_PCP))
		return true;
	switch (w->filtering) {
	case NAT_FILTER_EIF:
		return true;
	case NAT_FILTER_ADF:
		/* Has the inside endpoint sent to this address? */
		for (i = mp->sess_head; i != CT_NONE;
		     i = w->ct->cold[i].next)
			if (w->ct->sessions[i].rem_addr == rem_addr &&
			    !(w->ct->sessions[i].flags & CT_F_INBOUND))
				return true;
		return false;
	default:
		/* APDF admits only endpoints with a session, which the
		 * fast path already found.
		 */
		return false;
	}
}

/* A new inbound flow to an existing mapping: the slow path of out2in. */
uint32_t
nat_create_out2in(struct nat_worker *w, struct pkt_meta *pm, uint64_t now,
	      enum cgn_drop *why)
{
	const struct ct_key *k = &pm->key;
	struct nat_mapping *mp;
	uint32_t map_idx;

	if (nat_pool_addr_index(w->pool, k->a_addr) < 0) {
		*why = CGN_DROP_out_not_pool;
		return CT_NONE;
	}
	map_idx = nat_map_lookup_out(w->pool, k->a_addr, k->a_port,
				     pm->proto);
	if (map_idx == NAT_NONE) {
		*why = CGN_DROP_out_no_mapping;
		return CT_NONE;
	}
	mp = &w->pool->maps[map_idx];
	if (!filter_admits(w, mp, k->b_addr)) {
		*why = CGN_DROP_out_filtered;
		return CT_NONE;
	}
	if (pm->proto == IPPROTO_TCP &&
	    (pm->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG |
			      RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG) {
		*why = CGN_DROP_out_filtered;
		return CT_NONE;
	}
	if (pm->proto == IPPROTO_ICMP &&
	    pm->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		*why = CGN_DROP_out_no_mapping;
		return CT_NONE;
	}
	/* From another subscriber's mapping: replies hairpin back inside. */
	return nat_session_add(w, map_idx, k->b_addr, k->b_port,
			   CT_F_INBOUND |
			   (nat_pool_addr_index(w->pool, k->b_addr) >= 0 ?
			    CT_F_HAIRPIN : 0), now, why);
}

/*
 * Unsolicited inbound SYNs (RFC 5382 REQ-4, checklist D21), with
 * icmp.unsolicited_syn = "icmp": the SYN is kept for tcp_syn_inbound
 * (>= 6 s). If the inside host opens the same connection outbound in that
 * time (simultaneous open), the kept SYN is forgotten silently; otherwise
 * an ICMP port unreachable (3/3) about it goes to the sender. With "drop"
 * (the default) nothing is ever sent back.
 */
static bool
syn_hold(struct nat_worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
	 uint64_t now)
{
	struct nat_syn_hold *h;

	if (w->syn_n == NAT_SYN_HOLD)
		return false;
	h = &w->syn[(w->syn_head + w->syn_n++) % NAT_SYN_HOLD];
	h->m = m;
	h->key = pm->key;
	h->deadline = now + w->syn_wait;
	return true;
}

/* An outbound SYN for key k (in2out view, translated to out:port). */
void
nat_syn_hold_match(struct nat_worker *w, uint32_t out_addr, uint16_t out_port,
	       const struct ct_key *k)
{
	uint16_t i;

	for (i = 0; i < w->syn_n; i++) {
		struct nat_syn_hold *h = &w->syn[(w->syn_head + i) %
						 NAT_SYN_HOLD];

		if (h->m != NULL && h->key.a_addr == out_addr &&
		    h->key.a_port == out_port && h->key.b_addr == k->b_addr &&
		    h->key.b_port == k->b_port) {
			rte_pktmbuf_free(h->m);
			h->m = NULL; /* silently forgotten */
			w->stats.syn_hold_matched++;
		}
	}
}

void
nat_syn_hold_expire(struct nat_worker *w, uint64_t now, bool all)
{
	while (w->syn_n) {
		struct nat_syn_hold *h = &w->syn[w->syn_head];

		if (!all && h->m != NULL && now < h->deadline)
			break;
		if (h->m != NULL) {
			if (!all)
				nat_send_icmp_error(w, CGN_OUTSIDE, h->m,
						ICMP_DEST_UNREACH,
						ICMP_PORT_UNREACH, now);
			rte_pktmbuf_free(h->m);
		}
		w->syn_head = (uint16_t)((w->syn_head + 1) % NAT_SYN_HOLD);
		w->syn_n--;
	}
}

/* Could no mapping be made for this subscriber (RFC 6888 REQ-11)? Not
 * block_pending: a block is on its way, the next packet will do. */
static inline bool
mapping_refused(enum cgn_drop why)
{
	return why == CGN_DROP_pool_exhausted ||
	       why == CGN_DROP_ports_exhausted ||
	       why == CGN_DROP_session_limit || why == CGN_DROP_table_full ||
	       why == CGN_DROP_port_limit ||
	       why == CGN_DROP_mapping_rate;
}

/*
 * A packet that found no session and could not make one: dropped under
 * why. When the reason is that no mapping could be made for a subscriber,
 * it is told with ICMP 3/1, rate limited (F31); existing mappings are never
 * evicted for it. An unsolicited inbound SYN may be kept to answer 3/3
 * later (RFC 5382 REQ-4, D21).
 */
void
nat_no_session(struct nat_worker *w, enum ct_dir dir, struct rte_mbuf *m,
	   struct pkt_meta *pm, enum cgn_drop why, uint64_t now)
{
	if (dir == CT_IN2OUT && w->icmp_unreach && mapping_refused(why))
		nat_send_icmp_error(w, CGN_INSIDE, m, ICMP_DEST_UNREACH,
				ICMP_HOST_UNREACH, now);
	if (dir == CT_OUT2IN && w->syn_icmp && pm->proto == IPPROTO_TCP &&
	    (why == CGN_DROP_out_no_mapping || why == CGN_DROP_out_filtered) &&
	    (pm->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
		    RTE_TCP_SYN_FLAG && syn_hold(w, m, pm, now)) {
		w->stats.drop[why]++; /* kept only to quote it later */
		return;
	}
	drop(w, m, why);
}

/* out2in for one packet whose key is set: lookup, create, translate. */
void
nat_out2in_one(struct nat_worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
	   uint64_t now, bool hairpin)
{
	enum cgn_drop why = CGN_DROP_out_no_mapping;
	uint32_t idx;

	pm->hash = ct_hash(w->ct, &pm->key);
	idx = ct_lookup(w->ct, CT_OUT2IN, &pm->key, pm->hash);
	if (idx == CT_NONE)
		idx = nat_create_out2in(w, pm, now, &why);
	if (idx == CT_NONE) {
		drop(w, m, why);
		return;
	}
	translate_out2in(w, m, pm, &w->ct->sessions[idx], now, hairpin);
}
