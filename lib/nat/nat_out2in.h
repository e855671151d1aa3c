/* SPDX-License-Identifier: BSD-3-Clause
 * The out2in translation of a packet with a session, inline in the burst
 * loop; new inbound sessions, filtering and kept SYNs are nat_out2in.c.
 */
#ifndef NAT_OUT2IN_H
#define NAT_OUT2IN_H

#include "nat_path.h"
#include "nat_tx.h"

static __rte_always_inline void
translate_out2in(struct nat_worker *w, struct rte_mbuf *m,
		 struct pkt_meta *pm, struct ct_session *s, uint64_t now,
		 bool hairpin)
{
	struct rte_ipv4_hdr *ip = pm->ip;
	uint32_t d;

	if (pm->proto == IPPROTO_TCP)
		s->state = ct_tcp_next(s->state, CT_OUT2IN, pm->tcp_flags);
	/* Inbound packets do not refresh the mapping (RFC 4787 REQ-6
	 * allows either; outbound refresh is the safe default), except on
	 * sessions that inbound traffic created.
	 */
	if (s->flags & CT_F_INBOUND)
		s->last_seen = w->burst_tick;

	d = (hairpin ? 0 : ttl_dec(ip)) + nat_cksum_neg(s->ck_ip);
	ip->dst_addr = s->in_addr;
	ip->hdr_checksum = nat_cksum_apply32(ip->hdr_checksum, d);
	*pm->port_p = s->in_port;
	rewrite_l4(pm, nat_cksum_neg(s->ck_l4));

	if (w->in_gw != 0)
		to_next_hop(w, m, CGN_INSIDE, &w->nh_in_gw, w->in_gw, now);
	else
		to_next_hop(w, m, CGN_INSIDE, &s->nh_idx, s->in_addr, now);
}

#endif /* NAT_OUT2IN_H */
