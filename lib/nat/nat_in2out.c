/* SPDX-License-Identifier: BSD-3-Clause
 * A new outbound flow: subscriber, endpoint-independent mapping or a new
 * one from the subscriber's port blocks, session; and the stages that
 * prefetch what it reads for a burst of new flows.
 */
#include "nat_in2out.h"

/*
 * May this packet start a session? Its source must be a subscriber, its
 * destination not shared space (or ours, unless hairpinning: then *flags
 * gets CT_F_HAIRPIN), TCP must open with a SYN, ICMP with an echo
 * request. CGN_DROP_MAX (admitted) or the drop reason.
 */
static enum cgn_drop
in2out_admitted(const struct nat_worker *w, const struct pkt_meta *pm,
		uint8_t *flags)
{
	const struct ct_key *k = &pm->key;

	if (!is_subscriber(w, k->a_addr) || k->a_addr == w->own[CGN_INSIDE])
		return CGN_DROP_in_src_not_subscriber;
	if ((k->b_addr & SHARED_MASK) == SHARED_NET ||
	    is_subscriber(w, k->b_addr))
		return CGN_DROP_in_dst_shared;
	if (nat_pool_addr_index(w->pool, k->b_addr) >= 0) {
		if (!w->hairpin)
			return CGN_DROP_no_hairpin;
		*flags |= CT_F_HAIRPIN;
	}
	if (pm->proto == IPPROTO_TCP &&
	    (pm->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG |
			      RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG)
		return CGN_DROP_tcp_not_syn;
	if (pm->proto == IPPROTO_ICMP &&
	    pm->icmp_type != RTE_IP_ICMP_ECHO_REQUEST)
		return CGN_DROP_icmp_unsupported;
	return CGN_DROP_MAX;
}

/*
 * The subscriber's mapping of the packet's inside endpoint: its
 * endpoint-independent one if there is one (EIM), else a new one from the
 * subscriber's port blocks. NAT_NONE with *why set when none can be had.
 */
static uint32_t
in2out_mapping(struct nat_worker *w, const struct pkt_meta *pm,
	       uint32_t sub_idx, uint64_t now, enum cgn_drop *why)
{
	struct nat_pool *pool = w->pool;
	const struct ct_key *k = &pm->key;
	uint32_t map_idx = NAT_NONE;
	enum nat_err err;

	w->new_rem_addr = k->b_addr; /* for nat_pool_chosen() */
	w->new_rem_port = k->b_port;
	if (w->eim) {
		map_idx = nat_map_lookup_in(pool, k->a_addr, k->a_port,
					    pm->proto);
		/* The out2in bucket nat_session_add() fills
		 * (nat_pool_chosen() does it for a new mapping).
		 */
		if (map_idx != NAT_NONE) {
			nat_pool_chosen(w, pool->maps[map_idx].out_addr,
					pool->maps[map_idx].out_port,
					pm->proto);
			return map_idx;
		}
	}
	map_idx = nat_map_create(pool, sub_idx, k->a_addr, k->a_port,
				 pm->proto, now, &err);
	if (map_idx == NAT_NONE) {
		nat_sub_maybe_free(pool, sub_idx);
		*why = nat_err_drop(err);
		return NAT_NONE;
	}
	w->stats.mappings_created++;
	return map_idx;
}

/*
 * Learn the subscriber's MAC from its traffic if we do not know it.
 * Neighbour entries are never deleted: once there, no need to look again
 * for this subscriber record.
 */
static void
learn_subscriber(struct nat_worker *w, struct rte_mbuf *m, uint32_t sub_idx,
		 uint32_t addr)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct nat_subscriber *sub = &w->pool->subs[sub_idx];

	if (w->in_gw != 0 || (sub->flags & NAT_SUB_NEIGH))
		return;
	if (nat_neigh_lookup(w->env.neigh, CGN_INSIDE, addr) == UINT32_MAX)
		nat_send_event(w, NAT_EV_LEARN, CGN_INSIDE, addr,
			       &e->src_addr);
	else
		sub->flags |= NAT_SUB_NEIGH;
}

/* A new outbound flow: the slow path of in2out. */
uint32_t
nat_create_in2out(struct nat_worker *w, struct rte_mbuf *m,
		  struct pkt_meta *pm, uint64_t now, enum cgn_drop *why)
{
	struct nat_pool *pool = w->pool;
	const struct ct_key *k = &pm->key;
	uint32_t sub_idx, map_idx, idx;
	uint8_t flags = 0;
	enum nat_err err;

	*why = in2out_admitted(w, pm, &flags);
	if (*why != CGN_DROP_MAX)
		return CT_NONE;
	sub_idx = nat_sub_get(pool, k->a_addr, &err);
	if (sub_idx == NAT_NONE) {
		/* The subscriber table has a slot per port block: when it
		 * is full, the pool is out of blocks.
		 */
		*why = CGN_DROP_pool_exhausted;
		return CT_NONE;
	}
	if (pool->subs[sub_idx].n_sessions >= w->sessions_per_sub) {
		*why = CGN_DROP_session_limit;
		return CT_NONE;
	}
	map_idx = in2out_mapping(w, pm, sub_idx, now, why);
	if (map_idx == NAT_NONE)
		return CT_NONE;
	idx = nat_session_add(w, map_idx, k->b_addr, k->b_port, flags, now,
			      why);
	if (idx != CT_NONE && unlikely(w->syn_n != 0) &&
	    pm->proto == IPPROTO_TCP)
		nat_syn_hold_match(w, pool->maps[map_idx].out_addr,
				   pool->maps[map_idx].out_port, k);
	if (idx == CT_NONE) {
		if (pool->maps[map_idx].n_sessions == 0) {
			nat_map_release(pool, map_idx, now);
			w->stats.mappings_freed++;
		}
		return CT_NONE;
	}
	learn_subscriber(w, m, sub_idx, k->a_addr);
	return idx;
}

/*
 * Pass 2 for an in2out packet that looks like a new flow (no candidate in
 * its home bucket, and no entry spilled past it): prefetch the first lines nat_create_in2out() will read,
 * the subscriber index slot of its source address, the EIM index slot of
 * its inside endpoint, and the session and mapping records the free lists
 * give next, so that these misses overlap across the burst.
 */
static void __rte_noinline
prefetch_create_in2out(const struct nat_worker *w, const struct pkt_meta *pm)
{
	const struct ct_key *k = &pm->key;

	nat_sub_prefetch_slot(w->pool, k->a_addr);
	nat_map_prefetch_new(w->pool, w->eim, k->a_addr, k->a_port, pm->proto);
	ct_prefetch_free(w->ct);
}

/*
 * After pass 2, for the burst's in2out packets that look like new flows
 * (no candidate in the home bucket, and no entry spilled past it):
 * prefetch_create_in2out(), then the subscriber's record, its list of
 * port blocks, then the blocks and their port bitmaps
 * (nat_sub_prefetch_slot() and the stages after it), a stage at a time
 * over all of them, so that a burst of new flows waits about one memory
 * latency per stage rather than one per flow.
 */
void __rte_noinline
nat_prefetch_new_flows(const struct nat_worker *w, const struct pkt_meta *meta,
		   uint16_t n_pkts)
{
	const struct nat_pool *pool = w->pool;
	uint32_t sub[NAT_BURST];
	uint8_t fresh[NAT_BURST];
	unsigned int j, n = 0;
	uint16_t i;

	for (i = 0; i < n_pkts; i++) {
		if (meta[i].action != ACT_LOOKUP || meta[i].cand != CT_NONE ||
		    !ct_surely_absent_at(w->ct, CT_IN2OUT, meta[i].home))
			continue;
		prefetch_create_in2out(w, &meta[i]);
		fresh[n++] = (uint8_t)i;
	}
	for (j = 0; j < n; j++)
		sub[j] = nat_sub_prefetch_record(pool,
						 meta[fresh[j]].key.a_addr);
	for (j = 0; j < n; j++)
		if (sub[j] != NAT_NONE)
			nat_sub_prefetch_blocks(pool, sub[j]);
	for (j = 0; j < n; j++)
		if (sub[j] != NAT_NONE)
			nat_map_prefetch_ports(pool, sub[j],
					       meta[fresh[j]].key.a_port,
					       meta[fresh[j]].proto);
}

/* The pool runs short of blocks of an address: ask, at most every 100 ms. */
/*
 * The pool chose the outside endpoint of a new mapping (nat_chosen_fn):
 * prefetch the out2in bucket of the session nat_create_in2out() will add to
 * it, so that its miss overlaps the pool's index inserts.
 */
void
nat_pool_chosen(void *arg, uint32_t out_addr, uint16_t out_port, uint8_t proto)
{
	struct nat_worker *w = arg;
	struct ct_key ko = {
		.a_addr = out_addr, .b_addr = w->new_rem_addr,
		.a_port = out_port, .b_port = w->new_rem_port,
		.proto = proto,
	};

	ct_prefetch_bucket(w->ct, CT_OUT2IN, ct_hash(w->ct, &ko));
}
