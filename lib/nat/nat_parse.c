/* SPDX-License-Identifier: BSD-3-Clause
 * Pass 1 off its common case (nat_parse.h has that, inline in the burst
 * loop): IP headers with options, fragments, TTL <= 1; ICMP; the
 * address checks (own addresses, PCP, echo, bad sources and
 * destinations, TTL) and bypass.
 */
#include "nat_frag.h"
#include "nat_parse.h"
#include "nat_pcp.h"

/*
 * Bypass (RFC 6888 REQ-6, H38): traffic between a subscriber and a bypass
 * destination is routed, not translated: TTL decremented, nothing else.
 * Returns true when the packet was taken.
 */
static bool
bypass(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
       struct rte_ipv4_hdr *ip, uint64_t now)
{
	uint32_t nh = UINT32_MAX;
	uint16_t old_w, new_w;

	if (side == CGN_INSIDE) {
		if (!in_prefixes(&w->byp, ip->dst_addr) ||
		    !is_subscriber(w, ip->src_addr))
			return false;
	} else if (!in_prefixes(&w->byp, ip->src_addr) ||
		   !is_subscriber(w, ip->dst_addr)) {
		return false;
	}
	old_w = *(uint16_t *)&ip->time_to_live;
	ip->time_to_live--;
	new_w = *(uint16_t *)&ip->time_to_live;
	ip->hdr_checksum = nat_cksum_apply(ip->hdr_checksum, nat_cksum_fold(
		nat_cksum_word(old_w, new_w)));
	w->stats.bypassed++;
	if (side == CGN_INSIDE)
		to_next_hop(w, m, CGN_OUTSIDE, &w->nh_out,
			    w->env.gw_out, now);
	else if (w->in_gw != 0)
		to_next_hop(w, m, CGN_INSIDE, &w->nh_in_gw, w->in_gw, now);
	else
		to_next_hop(w, m, CGN_INSIDE, &nh, ip->dst_addr, now);
	return true;
}

/*
 * An ICMP error (RFC 5508): validate it and key it by the packet it quotes,
 * which is one we sent in the other direction:
 *   from outside, the quote is an in2out packet of ours: key
 *     a = (quoted source, its port), b = (quoted destination, its port);
 *   from inside, the quote is an out2in packet of ours: key
 *     a = (quoted destination, its port), b = (quoted source, its port);
 * so the session lookup and the dispatch to the owning worker are those of
 * an ordinary packet of the session. Returns false when dropped.
 */
static bool
parse_icmp_error(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
		 struct pkt_meta *pm, uint8_t *l4, uint32_t l4len)
{
	struct rte_ipv4_hdr *eip;
	uint16_t eihl;
	uint8_t *el4;
	uint32_t el4len;
	uint16_t sport, dport;

	/* F27: the checksum covers the whole message; one that is not all
	 * in the first segment cannot be checked: dropped.
	 */
	if (unlikely(l4len != (uint32_t)(rte_be_to_cpu_16(pm->ip->total_length) -
					 rte_ipv4_hdr_len(pm->ip)) ||
		     rte_raw_cksum(l4, l4len) != 0xffff)) {
		drop(w, m, CGN_DROP_icmp_bad_cksum);
		return false;
	}
	if (l4len < 8 + sizeof(*eip)) {
		drop(w, m, CGN_DROP_l4_malformed);
		return false;
	}
	eip = (struct rte_ipv4_hdr *)(l4 + 8);
	eihl = (uint16_t)rte_ipv4_hdr_len(eip);
	/* F27: options in the quoted header are skipped (IHL > 5). */
	if ((eip->version_ihl >> 4) != 4 || eihl < sizeof(*eip) ||
	    l4len < 8u + eihl + 8u) {
		drop(w, m, CGN_DROP_l4_malformed);
		return false;
	}
	el4 = (uint8_t *)eip + eihl;
	el4len = l4len - 8 - eihl;
	switch (eip->next_proto_id) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		memcpy(&sport, el4, 2);
		memcpy(&dport, el4 + 2, 2);
		break;
	case IPPROTO_ICMP:
		/* Only a quoted echo has an identifier to map by. */
		if (el4[0] != RTE_IP_ICMP_ECHO_REQUEST &&
		    el4[0] != RTE_IP_ICMP_ECHO_REPLY) {
			drop(w, m, CGN_DROP_icmp_unsupported);
			return false;
		}
		memcpy(&sport, el4 + 4, 2);
		dport = 0;
		break;
	default:
		drop(w, m, CGN_DROP_icmp_unsupported);
		return false;
	}
	pm->icmp_type = l4[0];
	pm->eip_off = (uint16_t)((uint8_t *)eip - (uint8_t *)pm->ip);
	pm->el4_off = (uint16_t)(el4 - (uint8_t *)pm->ip);
	pm->el4len = (uint16_t)el4len;
	pm->proto = eip->next_proto_id;
	pm->key.proto = eip->next_proto_id;
	if (side == CGN_OUTSIDE) {
		pm->key.a_addr = eip->src_addr;
		pm->key.a_port = sport;
		pm->key.b_addr = eip->dst_addr;
		pm->key.b_port = dport;
	} else {
		pm->key.a_addr = eip->dst_addr;
		pm->key.a_port = eip->next_proto_id == IPPROTO_ICMP ? sport :
								      dport;
		pm->key.b_addr = eip->src_addr;
		pm->key.b_port = eip->next_proto_id == IPPROTO_ICMP ? 0 : sport;
	}
	pm->action = ACT_ICMP_ERR;
	return true;
}

/*
 * The checks of a packet that depend only on its addresses (and on the
 * side it came in by), in their order: RFC 1812 bad source, the box's own
 * addresses (PCP, echo, else dropped), 100.64/10 sources from outside, bad
 * destinations, TTL, bypass. Returns true when the packet was taken
 * (dropped, consumed, answered, handed off or bypassed).
 *
 * nat_parse() runs them at once for a packet off the common case (IP options,
 * fragments, TTL <= 1, an L4 header it drops or an ICMP error, or a
 * configuration where w->addr_defer is false). For the others it leaves
 * them to nat_burst(), which runs them only where the packet could
 * differ from the one that made its session: when no session matches, when
 * the packet is handed to another worker, and for an in2out packet of a
 * session an inbound packet made (CT_F_INBOUND). A session's key holds
 * both addresses of the packets that match it, so a packet of a session
 * made by an in2out packet with the same key, or by an out2in packet with
 * the same key, has passed these checks already with the same result; and
 * out2in packets of a session made in2out pass them too, given what
 * addr_defer requires of the pool (cgn_worker_init(); see
 * pool_addrs_checkable()): the remote passed bad_destination() (so
 * bad_source()) and nat_create_in2out()'s 100.64/10 check, the pool address is
 * none of own, bypass, subscriber, 100.64/10, bad destination. Configuration
 * is fixed for the life of a worker, so the results do not change.
 */
bool
nat_addr_checks(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
	    struct rte_ipv4_hdr *ip, uint64_t now)
{
	uint16_t ihl = (uint16_t)rte_ipv4_hdr_len(ip);
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	uint8_t proto = ip->next_proto_id;
	uint8_t *l4 = (uint8_t *)ip + ihl;
	uint32_t l4len = (uint32_t)(tot - ihl);

	if (unlikely(bad_source(ip->src_addr))) {
		drop(w, m, CGN_DROP_ip_bad_src);
		return true;
	}
	if (unlikely(m->data_len < sizeof(struct rte_ether_hdr) + tot)) {
		/* Multi-segment: the L4 header must be in the first one. */
		l4len = m->data_len - sizeof(struct rte_ether_hdr) - ihl;
	}

	/* Addressed to the box itself? From the inside both its addresses
	 * answer; from the outside only the outside one (RFC 6598: the
	 * shared address must not be reachable, or answer, from outside).
	 */
	if (unlikely(ip->dst_addr == w->own[CGN_OUTSIDE] ||
		     (side == CGN_INSIDE &&
		      ip->dst_addr == w->own[CGN_INSIDE]))) {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;

		/* PCP (RFC 6887) to the inside address: served by the
		 * worker that owns the subscriber. */
		if (side == CGN_INSIDE && proto == IPPROTO_UDP &&
		    ip->dst_addr == w->own[CGN_INSIDE] && l4len >= 8 &&
		    *(uint16_t *)(void *)(l4 + 2) == RTE_BE16(NAT_PCP_PORT)) {
			unsigned int o = nat_sub_owner(&w->env.rss,
							w->env.n_workers,
							ip->src_addr);

			if (o != w->id) {
				nat_handoff(w, o, m, NAT_HO_INSIDE);
				return true;
			}
			w->stats.consumed++;
			nat_pcp_request(w, m, now);
			return true;
		}

		if (proto == IPPROTO_ICMP && l4len >= sizeof(*ic) &&
		    ic->icmp_type == RTE_IP_ICMP_ECHO_REQUEST &&
		    ic->icmp_code == 0 &&
		    tot == m->data_len - sizeof(struct rte_ether_hdr) &&
		    rte_raw_cksum(ic, l4len) == 0xffff) {
			nat_answer_echo(w, side, m, ip);
			return true;
		}
		drop(w, m, CGN_DROP_in_dst_own);
		return true;
	}
	if (side == CGN_OUTSIDE &&
	    unlikely((ip->src_addr & SHARED_MASK) == SHARED_NET)) {
		drop(w, m, CGN_DROP_out_src_shared);
		return true;
	}
	if (unlikely(bad_destination(ip->dst_addr))) {
		drop(w, m, CGN_DROP_dst_not_routable);
		return true;
	}
	if (unlikely(ip->time_to_live <= 1)) {
		nat_send_icmp_error(w, side, m, ICMP_TIME_EXCEEDED, 0, now);
		drop(w, m, CGN_DROP_ttl_exceeded);
		return true;
	}
	if (unlikely(w->byp.n != 0) && bypass(w, side, m, ip, now))
		return true;
	return false;
}

/* nat_parse() refuses a packet at L4: the address checks come first. */
bool __rte_noinline
nat_l4_drop(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
	    struct pkt_meta *pm, enum cgn_drop why, uint64_t now)
{
	if (!addr_checks_due(w, side, m, pm, now))
		drop(w, m, why);
	return false;
}

/*
 * The IPv4 header off the common case (options, fragments, TTL <= 1, a
 * short or multi-segment frame, or every packet where w->addr_defer is
 * false): every check, reassembly, then the address checks. Returns the
 * IP header (of the datagram, which replaces *mp, when a fragment
 * completed one) and its lengths, or NULL when the packet was taken.
 */
struct rte_ipv4_hdr * __rte_noinline
nat_parse_ip_slow(struct nat_worker *w, enum cgn_side side, struct rte_mbuf **mp,
	      struct pkt_meta *pm, uint64_t now, uint16_t *ihl_p,
	      uint16_t *tot_p, uint32_t *l4len_p)
{
	const uint32_t eh = sizeof(struct rte_ether_hdr);
	struct rte_mbuf *m = *mp;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, eh);
	uint16_t ihl, tot, frag;

	/* The whole IP header must be in the first segment. */
	if (unlikely(m->data_len < eh + sizeof(*ip) ||
		     (ip->version_ihl >> 4) != 4))
		goto malformed;
	ihl = (uint16_t)rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(ihl < sizeof(*ip) || tot < ihl || m->data_len < eh + ihl ||
		     m->pkt_len < eh + (uint32_t)tot))
		goto malformed;
	if (unlikely(!ipv4_cksum_ok(m, ip, ihl))) {
		drop(w, m, CGN_DROP_ip_bad_cksum);
		return NULL;
	}
	/* Drop Ethernet padding so lengths agree from here on. */
	if (m->pkt_len > eh + (uint32_t)tot)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - eh - tot));
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (unlikely(frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		/* G34: reassembled, fragments in any order; until the
		 * datagram is complete it is held (or dropped, counted).
		 * The whole datagram then goes on through the checks below
		 * as one packet: its lengths are in pkt_len and
		 * total_length; the first segment has its headers.
		 */
		m = nat_frag_reassemble(w, m, ip, ihl, now);
		if (m == NULL)
			return NULL;
		*mp = m;
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, eh);
		ihl = (uint16_t)rte_ipv4_hdr_len(ip);
		tot = rte_be_to_cpu_16(ip->total_length);
	}
	pm->addr_todo = 0;
	if (nat_addr_checks(w, side, m, ip, now))
		return NULL;
	*l4len_p = (uint32_t)(tot - ihl);
	if (unlikely(m->data_len < eh + tot)) {
		/* Multi-segment: the L4 header must be in the first one. */
		*l4len_p = m->data_len - eh - ihl;
	}
	*ihl_p = ihl;
	*tot_p = tot;
	return ip;
malformed:
	drop(w, m, CGN_DROP_ip_malformed);
	return NULL;
}

/* ICMP in pass 1: echo keyed by its identifier, errors by their quote
 * (parse_icmp_error()), other types dropped. */
bool __rte_noinline
nat_parse_icmp(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
	   struct pkt_meta *pm, uint16_t ihl, uint8_t *l4, uint32_t l4len,
	   uint64_t now)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;

	if (unlikely(l4len < sizeof(*ic)))
		return nat_l4_drop(w, side, m, pm, CGN_DROP_l4_malformed, now);
	if (ic->icmp_type == ICMP_DEST_UNREACH ||
	    ic->icmp_type == ICMP_TIME_EXCEEDED ||
	    ic->icmp_type == ICMP_PARAM_PROBLEM) {
		/* Keyed by the quote, not by these addresses. */
		if (addr_checks_due(w, side, m, pm, now))
			return false;
		return parse_icmp_error(w, side, m, pm, l4, l4len);
	}
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST &&
	    ic->icmp_type != RTE_IP_ICMP_ECHO_REPLY)
		return nat_l4_drop(w, side, m, pm, CGN_DROP_icmp_unsupported, now);
	pm->icmp_type = ic->icmp_type;
	pm->ck_off = (uint16_t)(ihl + offsetof(struct rte_icmp_hdr,
						icmp_cksum));
	pm->port_p = FIELD16(l4, struct rte_icmp_hdr, icmp_ident);
	pm->key.a_port = ic->icmp_ident;
	pm->key.b_port = 0;
	key_addrs(pm, side);
	return true;
}
