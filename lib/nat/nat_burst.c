/* SPDX-License-Identifier: BSD-3-Clause
 * The burst loop: a burst goes through three passes so that memory
 * latency overlaps (docs/ARCHITECTURE.md, "The packet path").
 */
#include "nat_in2out.h"
#include "nat_out2in.h"
#include "nat_owner.h"
#include "nat_parse.h"

/* How far ahead pass 3 prefetches out2in neighbour entries. */
#define NB_AHEAD 4

void
nat_burst(struct nat_worker *w, enum cgn_side side,
	      struct rte_mbuf **pkts, uint16_t n, uint64_t now,
	      unsigned int flags)
{
	enum ct_dir dir = side == CGN_INSIDE ? CT_IN2OUT : CT_OUT2IN;
	bool dispatch = w->env.n_workers > 1 && !(flags & NAT_HANDED);
	struct pkt_meta meta[NAT_BURST];
	struct ct_table *ct = w->ct;
	bool fresh = false; /* a packet surely without a session */
	uint16_t i;

	w->burst_tick = ct_clock(ct, now);
	if (flags & NAT_HANDED)
		w->stats.handoff_in += n;
	else
		w->stats.rx[side] += n;
	/* Pass 1: parse, hash, prefetch buckets. */
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		meta[i].action = ACT_DONE;
		if (!nat_parse(w, side, &pkts[i], &meta[i], now))
			continue;
		if (dispatch) {
			/* Subscriber pinning: a subscriber's sessions and
			 * blocks live on one worker; so do the port blocks'
			 * return traffic.
			 */
			int owner = side == CGN_INSIDE ?
				(int)nat_sub_owner(&w->env.rss,
						   w->env.n_workers,
						   meta[i].key.a_addr) :
				nat_out_owner(w, meta[i].key.a_addr,
					  meta[i].key.a_port, meta[i].proto);

			if (owner >= 0 && (unsigned int)owner != w->id) {
				meta[i].action = ACT_DONE;
				/* The worker it reached answers or drops what
				 * the address checks take, as it always did.
				 */
				if (addr_checks_due(w, side, pkts[i], &meta[i],
						    now))
					continue;
				nat_handoff(w, (unsigned int)owner, pkts[i],
					(enum nat_handoff_kind)side);
				continue;
			}
		}
		meta[i].hash = ct_hash(ct, &meta[i].key);
		meta[i].home = ct_home_index(ct, dir, meta[i].hash);
		ct_prefetch_home(ct, dir, meta[i].home);
	}
	/* Pass 2: candidates, prefetch sessions. */
	for (i = 0; i < n; i++) {
		if (meta[i].action == ACT_DONE)
			continue;
		meta[i].cand = ct_first_candidate_at(ct, dir, meta[i].hash,
						     meta[i].home);
		if (meta[i].cand != CT_NONE)
			rte_prefetch0(&ct->sessions[meta[i].cand]);
		else if (ct_surely_absent_at(ct, dir, meta[i].home))
			fresh = true;
	}
	if (fresh && dir == CT_IN2OUT)
		nat_prefetch_new_flows(w, meta, n);
	/* Pass 3: verify and translate, or the slow path. */
	for (i = 0; i < n; i++) {
		struct pkt_meta *pm = &meta[i];
		enum cgn_drop why = CGN_DROP_out_no_mapping;
		uint32_t idx = pm->cand;

		/* Out2in reads the inside host's neighbour entry (one per
		 * host, at random): prefetch it a few packets ahead, from the
		 * candidate session pass 2 prefetched (cand is only set for
		 * packets pass 2 looked at).
		 */
		if (dir == CT_OUT2IN && i + NB_AHEAD < n &&
		    meta[i + NB_AHEAD].action != ACT_DONE &&
		    meta[i + NB_AHEAD].cand != CT_NONE) {
			uint32_t nh =
				ct->sessions[meta[i + NB_AHEAD].cand].nh_idx;

			if (nh != CT_NONE)
				rte_prefetch0(&w->nb_e[nh]);
		}
		if (unlikely(pm->action != ACT_LOOKUP)) {
			if (pm->action == ACT_ICMP_ERR)
				nat_icmp_error_one(w, dir, pkts[i], pm, now,
					       flags & NAT_HAIRPIN);
			continue;
		}
		if (idx == CT_NONE ||
		    !ct_session_match(&ct->sessions[idx], dir, &pm->key))
			idx = ct_lookup(ct, dir, &pm->key, pm->hash);
		if (unlikely(idx == CT_NONE)) {
			/* No session: the address checks, then make one. */
			if (addr_checks_due(w, side, pkts[i], pm, now))
				continue;
			idx = dir == CT_IN2OUT ?
				nat_create_in2out(w, pkts[i], pm, now, &why) :
				nat_create_out2in(w, pm, now, &why);
			if (idx == CT_NONE) {
				nat_no_session(w, dir, pkts[i], pm, why, now);
				continue;
			}
		} else if (dir == CT_IN2OUT &&
			   unlikely(ct->sessions[idx].flags & CT_F_INBOUND) &&
			   addr_checks_due(w, side, pkts[i], pm, now)) {
			/* An inbound packet made the session: nothing says
			 * its remote is a destination we may send to, or
			 * not one to bypass (nat_addr_checks()).
			 */
			continue;
		}
		if (dir == CT_IN2OUT)
			translate_in2out(w, pkts[i], pm, &ct->sessions[idx],
					 now);
		else
			translate_out2in(w, pkts[i], pm, &ct->sessions[idx],
					 now, flags & NAT_HAIRPIN);
	}
}
