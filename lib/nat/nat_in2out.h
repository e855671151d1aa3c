/* SPDX-License-Identifier: BSD-3-Clause
 * The in2out translation of a packet with a session, inline in the burst
 * loop (nat_burst.c); new outbound sessions are nat_in2out.c.
 */
#ifndef NAT_IN2OUT_H
#define NAT_IN2OUT_H

#include "nat_path.h"
#include "nat_tx.h"

static __rte_always_inline void
translate_in2out(struct nat_worker *w, struct rte_mbuf *m,
		 struct pkt_meta *pm, struct ct_session *s, uint64_t now)
{
	struct rte_ipv4_hdr *ip = pm->ip;
	uint32_t d;

	if (pm->proto != IPPROTO_TCP) {
		s->last_seen = w->burst_tick;
	} else {
		uint8_t was = s->state;

		s->state = ct_tcp_next(was, CT_IN2OUT, pm->tcp_flags);
		/*
		 * An outbound RST does not refresh (RFC 7857 sec. 2.2, C15):
		 * only the first one, which starts the closing timer, so the
		 * session lives tcp_trans_close after it (D22) and no stream
		 * of RSTs keeps a mapping alive.
		 */
		if (!(pm->tcp_flags & RTE_TCP_RST_FLAG) ||
		    !(was & CT_TCP_RST))
			s->last_seen = w->burst_tick;
	}

	d = ttl_dec(ip) + s->ck_ip;
	ip->src_addr = s->out_addr;
	ip->hdr_checksum = nat_cksum_apply32(ip->hdr_checksum, d);
	*pm->port_p = s->out_port;
	rewrite_l4(pm, s->ck_l4);

	/* Hairpinning (RFC 4787 REQ-9): to one of our own mappings; known
	 * when the session was made, so no pool search per packet.
	 */
	if (unlikely(s->flags & CT_F_HAIRPIN)) {
		nat_hairpin_in2out(w, m, pm, s, now);
		return;
	}

	to_next_hop(w, m, CGN_OUTSIDE, &w->nh_out,
		    w->env.gw_out, now);
}

#endif /* NAT_IN2OUT_H */
