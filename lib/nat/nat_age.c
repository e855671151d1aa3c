/* SPDX-License-Identifier: BSD-3-Clause
 * Aging, the periodic tick and closing every session at shutdown.
 */
#include "nat_frag.h"
#include "nat_pcp.h"
#include "nat_tx.h"

/* Expire one session; free its mapping when it was the last user. */
void
nat_expire_session(struct ct_table *t, uint32_t idx, void *arg)
{
	struct nat_worker *w = arg;
	struct nat_pool *pool = w->pool;
	struct nat_mapping *mp = &pool->maps[t->cold[idx].map_idx];
	uint32_t *pp;

	for (pp = &mp->sess_head; *pp != CT_NONE; pp = &t->cold[*pp].next)
		if (*pp == idx) {
			*pp = t->cold[idx].next;
			break;
		}
	mp->n_sessions--;
	pool->subs[mp->sub_idx].n_sessions--;
	ct_remove(t, idx);
	w->stats.sessions_expired++;
	if (mp->n_sessions == 0) {
		uint32_t sub_idx = mp->sub_idx;

		if (!(mp->flags & (NAT_MAP_STATIC | NAT_MAP_PCP))) {
			nat_map_release(pool, (uint32_t)(mp - pool->maps),
					w->age_now);
			w->stats.mappings_freed++;
		} else if (mp->flags & NAT_MAP_PCP) {
			/* Kept for its PCP lifetime (nat_pcp_age). */
		} else {
			nat_sub_maybe_free(pool, sub_idx);
		}
	}
}

uint32_t
nat_age(struct nat_worker *w, uint64_t now, uint32_t budget)
{
	w->age_now = now;
	return ct_scan(w->ct, now, budget, nat_expire_session, w);
}

void
nat_tick(struct nat_worker *w, uint64_t now)
{
	nat_age(w, now, w->age_budget);
	nat_pool_tick(w->pool, now, 64); /* ports out of hold-down */
	if (w->pcp_n != 0)
		nat_pcp_age(w, now, false);
	if (w->syn_n != 0)
		nat_syn_hold_expire(w, now, false);
}

void
nat_poll(struct nat_worker *w, uint64_t now)
{
	if (unlikely(w->pend_n != 0))
		nat_drain_pending(w, now);
	/* Reassembly: datagrams past fragments.timeout, the death row. */
	nat_frag_poll(w, now);
}

void
nat_close_all(struct nat_worker *w, uint64_t now)
{
	uint32_t i;

	w->age_now = now;
	for (i = 0; i < w->ct->capacity; i++)
		if (w->ct->sessions[i].proto != 0)
			nat_expire_session(w->ct, i, w);
	nat_pcp_age(w, now, true);
	nat_pool_end_holds(w->pool, now);
	nat_syn_hold_expire(w, now, true);
	/* Fragments still waiting for the rest of their datagram. */
	nat_frag_poll(w, UINT64_MAX);
	/* Nothing will resolve the packets still waiting for ARP now. */
	while (w->pend_n) {
		drop(w, w->pend[w->pend_head].m, CGN_DROP_neigh_unresolved);
		w->pend_head = (uint16_t)((w->pend_head + 1) % NAT_PENDING);
		w->pend_n--;
	}
}
