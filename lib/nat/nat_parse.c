/* SPDX-License-Identifier: BSD-3-Clause
 * Pass 1: a packet's L2-L4 checks, its session key, the address checks
 * (own addresses, PCP, echo, bad sources and destinations, TTL) and
 * bypass.
 */
#include "nat_frag.h"
#include "nat_pcp.h"
#include "nat_tx.h"

/*
 * Is the IPv4 header checksum right? The NIC's word when it checked it;
 * otherwise, for the usual 20-byte header, five 32-bit words summed in 64
 * bits and folded (a one's-complement sum is the same over 16- or 32-bit
 * words), far cheaper than the generic byte loop; that loop for options.
 */
static inline bool
ipv4_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	      uint16_t ihl)
{
	uint64_t flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint32_t w[5], s32;
	uint64_t sum;

	if (flags == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return true;
	if (flags == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	if (unlikely(ihl != sizeof(*ip)))
		return rte_raw_cksum(ip, ihl) == 0xffff;
	memcpy(w, ip, sizeof(w)); /* the header is only 2-byte aligned */
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	/* Fold with end-around carry: the high half of x + (x rotated by
	 * half its width) is the one's-complement sum of its two halves
	 * (the carry out of the low half lands in the high half).
	 */
	sum += (sum >> 32) | (sum << 32);
	s32 = (uint32_t)(sum >> 32);
	s32 += (s32 >> 16) | (s32 << 16);
	return (s32 >> 16) == 0xffff;
}

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
		if (!in_prefixes(w->byp_net, w->byp_mask, w->n_byp,
				 ip->dst_addr) ||
		    !is_subscriber(w, ip->src_addr))
			return false;
	} else if (!in_prefixes(w->byp_net, w->byp_mask, w->n_byp,
				ip->src_addr) ||
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
			unsigned int o = nat_sub_owner(&w->env, ip->src_addr);

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
	if (unlikely(w->n_byp != 0) && bypass(w, side, m, ip, now))
		return true;
	return false;
}

/* nat_parse() refuses a packet at L4: the address checks come first. */
static bool
l4_drop(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
	struct pkt_meta *pm, enum cgn_drop why, uint64_t now)
{
	if (!addr_checks_due(w, side, m, pm, now))
		drop(w, m, why);
	return false;
}

/*
 * The IPv4 header of the common case, in the first 8 bytes as they lie in
 * memory: version 4 and a 20-byte header (byte 0 = 0x45), neither MF nor
 * a fragment offset (bytes 6-7, masked 0x3fff).
 */
#define IP_W0_MASK rte_le_to_cpu_64(UINT64_C(0xff3f0000000000ff))
#define IP_W0_PLAIN rte_le_to_cpu_64(UINT64_C(0x45))

/*
 * L2 of pass 1: an Ethernet frame to our MAC on side carrying IPv4 (ARP
 * goes to the control thread). Returns the IP header, or NULL when the
 * frame was taken.
 */
static __rte_always_inline struct rte_ipv4_hdr *
parse_l2(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m)
{
	struct rte_ether_hdr *e;
	uint64_t w0;

	if (unlikely(m->data_len < sizeof(*e))) {
		drop(w, m, CGN_DROP_eth_short);
		return NULL;
	}
	e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (unlikely(e->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		if (e->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			m->port = side;
			if (rte_ring_sp_enqueue(w->env.slow_ring, m) != 0) {
				drop(w, m, CGN_DROP_slow_ring_full);
				return NULL;
			}
			w->stats.consumed++;
			return NULL;
		}
		drop(w, m, CGN_DROP_eth_unsupported);
		return NULL;
	}
	/* Destination MAC: bytes 0-5 of the frame against env.mac[side]. */
	memcpy(&w0, e, sizeof(w0));
	if (unlikely((w0 & NB_MAC_MASK) != w->mac48[side])) {
		drop(w, m, CGN_DROP_eth_not_for_us);
		return NULL;
	}
	return (struct rte_ipv4_hdr *)(e + 1);
}

/*
 * The IPv4 header off the common case (options, fragments, TTL <= 1, a
 * short or multi-segment frame, or every packet where w->addr_defer is
 * false): every check, reassembly, then the address checks. Returns the
 * IP header (of the datagram, which replaces *mp, when a fragment
 * completed one) and its lengths, or NULL when the packet was taken.
 */
static struct rte_ipv4_hdr * __rte_noinline
parse_ip_slow(struct nat_worker *w, enum cgn_side side, struct rte_mbuf **mp,
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

/* The key's addresses: a is the inside side's (the source in2out, the
 * destination out2in); the packet is for a session lookup. */
static __rte_always_inline void
key_addrs(struct pkt_meta *pm, enum cgn_side side)
{
	if (side == CGN_INSIDE) {
		pm->key.a_addr = pm->ip->src_addr;
		pm->key.b_addr = pm->ip->dst_addr;
	} else {
		pm->key.a_addr = pm->ip->dst_addr;
		pm->key.b_addr = pm->ip->src_addr;
	}
	pm->action = ACT_LOOKUP;
}

/* The key from a TCP or UDP header: the inside side's port is the source
 * in2out, the destination out2in. */
static __rte_always_inline void
key_ports(struct pkt_meta *pm, enum cgn_side side, uint8_t *l4)
{
	uint16_t *sp = (uint16_t *)(void *)l4, *dp = sp + 1;

	key_addrs(pm, side);
	if (side == CGN_INSIDE) {
		pm->port_p = sp;
		pm->key.a_port = *sp;
		pm->key.b_port = *dp;
	} else {
		pm->port_p = dp;
		pm->key.a_port = *dp;
		pm->key.b_port = *sp;
	}
}

/* ICMP in pass 1: echo keyed by its identifier, errors by their quote
 * (parse_icmp_error()), other types dropped. */
static __rte_always_inline bool
parse_icmp(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
	   struct pkt_meta *pm, uint16_t ihl, uint8_t *l4, uint32_t l4len,
	   uint64_t now)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;

	if (unlikely(l4len < sizeof(*ic)))
		return l4_drop(w, side, m, pm, CGN_DROP_l4_malformed, now);
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
		return l4_drop(w, side, m, pm, CGN_DROP_icmp_unsupported, now);
	pm->icmp_type = ic->icmp_type;
	pm->ck_off = (uint16_t)(ihl + offsetof(struct rte_icmp_hdr,
						icmp_cksum));
	pm->port_p = FIELD16(l4, struct rte_icmp_hdr, icmp_ident);
	pm->key.a_port = ic->icmp_ident;
	pm->key.b_port = 0;
	key_addrs(pm, side);
	return true;
}

/*
 * L4 of pass 1: the transport header (l4len bytes of it in the first
 * segment) and the key (action ACT_LOOKUP); ICMP errors are keyed by their
 * quote (ACT_ICMP_ERR). Returns false when the packet was taken.
 */
static __rte_always_inline bool
parse_l4(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
	 struct pkt_meta *pm, uint16_t ihl, uint16_t tot, uint32_t l4len,
	 uint64_t now)
{
	uint8_t *l4 = (uint8_t *)pm->ip + ihl;

	switch (pm->proto) {
	case IPPROTO_TCP: {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		/* 20 <= data offset <= l4len (below 20 it wraps). */
		if (unlikely(l4len < sizeof(*th) ||
			     (uint32_t)(th->data_off >> 4) * 4 - sizeof(*th) >
			     l4len - sizeof(*th)))
			return l4_drop(w, side, m, pm, CGN_DROP_l4_malformed,
				       now);
		pm->tcp_flags = th->tcp_flags;
		pm->ck_off = (uint16_t)(ihl + offsetof(struct rte_tcp_hdr, cksum));
		key_ports(pm, side, l4);
		return true;
	}
	case IPPROTO_UDP: {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		/* 8 <= UDP length <= tot - ihl (>= l4len >= 8; below 8 the
		 * length wraps).
		 */
		if (unlikely(l4len < sizeof(*uh) ||
			     (uint32_t)ntoh16(uh->dgram_len) - sizeof(*uh) >
			     (uint32_t)(tot - ihl) - sizeof(*uh)))
			return l4_drop(w, side, m, pm, CGN_DROP_l4_malformed,
				       now);
		pm->ck_off = (uint16_t)(ihl + offsetof(struct rte_udp_hdr,
							dgram_cksum));
		key_ports(pm, side, l4);
		return true;
	}
	case IPPROTO_ICMP:
		return parse_icmp(w, side, m, pm, ihl, l4, l4len, now);
	default:
		return l4_drop(w, side, m, pm, CGN_DROP_l4_unsupported, now);
	}
}

/*
 * Pass 1 for one packet: validate L2-L4 and fill the lookup key.
 * Returns false when the packet was dropped or consumed (or held for
 * reassembly). A fragment that completes a datagram is replaced in *mp by
 * the datagram (several segments, the headers in the first one).
 * pm->addr_todo says whether nat_addr_checks() is still due.
 */
bool
nat_parse(struct nat_worker *w, enum cgn_side side, struct rte_mbuf **mp,
	  struct pkt_meta *pm, uint64_t now)
{
	struct rte_mbuf *m = *mp;
	const uint32_t eh = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip = parse_l2(w, side, m);
	uint16_t ihl, tot;
	uint32_t l4len;
	uint64_t w0;

	if (ip == NULL)
		return false;
	/*
	 * The common case: the whole datagram in the first segment, a
	 * 20-byte header, not a fragment, TTL > 1, lengths that agree.
	 * Then every check of parse_ip_slow() up to the checksum passes,
	 * and the address checks can wait (nat_addr_checks()).
	 */
	if (likely(m->data_len >= eh + sizeof(*ip) && w->addr_defer)) {
		memcpy(&w0, ip, sizeof(w0)); /* only 2-byte aligned */
		tot = ntoh16(ip->total_length);
		/* sizeof(*ip) <= tot <= data_len - eh, as one unsigned
		 * compare (a tot below 20 wraps l4len).
		 */
		l4len = (uint32_t)tot - sizeof(*ip);
		if (likely((w0 & IP_W0_MASK) == IP_W0_PLAIN &&
			   ip->time_to_live > 1 &&
			   l4len <= (uint32_t)m->data_len - eh -
				    sizeof(*ip))) {
			ihl = sizeof(*ip);
			if (unlikely(!ipv4_cksum_ok(m, ip, ihl))) {
				drop(w, m, CGN_DROP_ip_bad_cksum);
				return false;
			}
			if (m->pkt_len > eh + (uint32_t)tot)
				rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len -
							       eh - tot));
			pm->addr_todo = 1;
			goto l4;
		}
	}
	ip = parse_ip_slow(w, side, mp, pm, now, &ihl, &tot, &l4len);
	if (ip == NULL)
		return false;
	m = *mp;
l4:
	pm->ip = ip;
	pm->proto = ip->next_proto_id;
	{
		/* key.proto and its padding in one store */
		uint32_t pp = rte_le_to_cpu_32(pm->proto);

		memcpy(&pm->key.proto, &pp, sizeof(pp));
	}
	return parse_l4(w, side, m, pm, ihl, tot, l4len, now);
}
