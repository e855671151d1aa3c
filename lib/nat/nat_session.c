/* SPDX-License-Identifier: BSD-3-Clause
 * A session of a mapping: its checksum deltas, its place in the table
 * and in its mapping's list.
 */
#include "nat_path.h"

/* RFC 1624 deltas for a session, in2out direction. */
static void
session_deltas(struct ct_session *s)
{
	uint32_t d_ip = nat_cksum_addr(s->in_addr, s->out_addr);

	s->ck_ip = nat_cksum_fold(d_ip);
	if (s->proto == IPPROTO_ICMP) /* no pseudo-header: identifier only */
		s->ck_l4 = nat_cksum_fold(nat_cksum_word(s->in_port,
							 s->out_port));
	else
		s->ck_l4 = nat_cksum_fold(d_ip + nat_cksum_word(s->in_port,
								s->out_port));
}

enum cgn_drop
nat_err_drop(enum nat_err e)
{
	switch (e) {
	case NAT_ERR_POOL_EXHAUSTED: return CGN_DROP_pool_exhausted;
	case NAT_ERR_PORTS_EXHAUSTED: return CGN_DROP_ports_exhausted;
	case NAT_ERR_BLOCK_PENDING: return CGN_DROP_block_pending;
	case NAT_ERR_PORT_LIMIT: return CGN_DROP_port_limit;
	case NAT_ERR_RATE_LIMIT: return CGN_DROP_mapping_rate;
	default: return CGN_DROP_table_full;
	}
}

/* Add a session for mapping map_idx with the remote endpoint of key. */
uint32_t
nat_session_add(struct nat_worker *w, uint32_t map_idx, uint32_t rem_addr,
	    uint16_t rem_port, uint8_t flags, uint64_t now,
	    enum cgn_drop *why)
{
	struct nat_pool *pool = w->pool;
	struct nat_mapping *mp = &pool->maps[map_idx];
	struct nat_subscriber *sub = &pool->subs[mp->sub_idx];
	struct ct_session *s;
	uint32_t idx;

	if (sub->n_sessions >= w->sessions_per_sub) {
		*why = CGN_DROP_session_limit;
		return CT_NONE;
	}
	idx = ct_alloc(w->ct);
	if (idx == CT_NONE) {
		*why = CGN_DROP_table_full;
		return CT_NONE;
	}
	s = &w->ct->sessions[idx];
	s->in_addr = mp->in_addr;
	s->in_port = mp->in_port;
	s->out_addr = mp->out_addr;
	s->out_port = mp->out_port;
	s->rem_addr = rem_addr;
	s->rem_port = rem_port;
	s->proto = mp->proto;
	s->flags = flags;
	s->last_seen = ct_clock(w->ct, now);
	session_deltas(s);
	if (ct_insert(w->ct, idx) < 0) {
		*why = CGN_DROP_table_full;
		return CT_NONE;
	}
	w->ct->cold[idx].map_idx = map_idx;
	w->ct->cold[idx].next = mp->sess_head;
	mp->sess_head = idx;
	mp->n_sessions++;
	sub->n_sessions++;
	w->stats.sessions_created++;
	return idx;
}
