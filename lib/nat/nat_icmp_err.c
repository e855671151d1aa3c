/* SPDX-License-Identifier: BSD-3-Clause
 * ICMP errors about our flows (RFC 5508): the quoted packet translated
 * back to what its sender sent, and undoing a translation to quote it.
 */
#include "nat_out2in.h"
#include "nat_owner.h"
#include "nat_tx.h"

/* The ports (or echo identifier) and checksum of a packet to untranslate
 * (nat_untranslate()); false when it is not TCP, UDP or echo. */
struct untr {
	struct rte_ipv4_hdr *ip;
	uint16_t *sp, *dp, *ck;
	uint8_t proto;
};

static bool
untr_fields(struct untr *u, struct rte_mbuf *m)
{
	uint8_t *l4;

	u->ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
					sizeof(struct rte_ether_hdr));
	l4 = (uint8_t *)u->ip + rte_ipv4_hdr_len(u->ip);
	u->proto = u->ip->next_proto_id;
	switch (u->proto) {
	case IPPROTO_TCP:
		u->sp = FIELD16(l4, struct rte_tcp_hdr, src_port);
		u->dp = FIELD16(l4, struct rte_tcp_hdr, dst_port);
		u->ck = FIELD16(l4, struct rte_tcp_hdr, cksum);
		return true;
	case IPPROTO_UDP:
		u->sp = FIELD16(l4, struct rte_udp_hdr, src_port);
		u->dp = FIELD16(l4, struct rte_udp_hdr, dst_port);
		u->ck = FIELD16(l4, struct rte_udp_hdr, dgram_cksum);
		return true;
	case IPPROTO_ICMP:
		if (l4[0] != RTE_IP_ICMP_ECHO_REQUEST &&
		    l4[0] != RTE_IP_ICMP_ECHO_REPLY)
			return false;
		/* The identifier is the port of both ends. */
		u->sp = u->dp = FIELD16(l4, struct rte_icmp_hdr, icmp_ident);
		u->ck = FIELD16(l4, struct rte_icmp_hdr, icmp_cksum);
		return true;
	default:
		return false;
	}
}

/* The session of an outbound (in2out view: a = our source) packet; its
 * source goes back to the inside endpoint. CT_NONE when none. */
static uint32_t
untr_source(struct nat_worker *w, struct untr *u)
{
	struct ct_key k = { .proto = u->proto, .a_addr = u->ip->src_addr,
			    .a_port = *u->sp, .b_addr = u->ip->dst_addr,
			    .b_port = u->proto == IPPROTO_ICMP ? 0 : *u->dp };
	const struct ct_session *s;
	uint32_t idx = ct_lookup(w->ct, CT_OUT2IN, &k, ct_hash(w->ct, &k));

	if (idx == CT_NONE)
		return CT_NONE;
	s = &w->ct->sessions[idx];
	u->ip->src_addr = s->in_addr;
	*u->sp = s->in_port;
	*u->ck = u->proto == IPPROTO_UDP ?
		nat_cksum_apply_udp(*u->ck, nat_cksum_neg(s->ck_l4)) :
		nat_cksum_apply(*u->ck, nat_cksum_neg(s->ck_l4));
	return idx;
}

/* An inbound packet: its destination goes back to the outside endpoint;
 * a hairpinned one's source too (E24). False when that cannot be told. */
static bool
untr_inbound(struct nat_worker *w, struct untr *u, enum cgn_side *from)
{
	struct ct_key k = { .proto = u->proto, .a_addr = u->ip->dst_addr,
			    .a_port = *u->dp, .b_addr = u->ip->src_addr,
			    .b_port = u->proto == IPPROTO_ICMP ? 0 : *u->sp };
	const struct ct_session *s;
	uint32_t idx = ct_lookup(w->ct, CT_IN2OUT, &k, ct_hash(w->ct, &k));

	*from = CGN_OUTSIDE;
	if (idx != CT_NONE) {
		s = &w->ct->sessions[idx];
		u->ip->dst_addr = s->out_addr;
		*u->dp = s->out_port;
		*u->ck = u->proto == IPPROTO_UDP ?
			nat_cksum_apply_udp(*u->ck, s->ck_l4) :
			nat_cksum_apply(*u->ck, s->ck_l4);
	}
	/* No session and not hairpinned: not translated (bypass). */
	if (nat_pool_addr_index(w->pool, u->ip->src_addr) < 0)
		return true;
	/* Hairpinned: the source was translated too (E24). */
	if (idx == CT_NONE || u->proto == IPPROTO_ICMP)
		return false;
	*from = CGN_INSIDE;
	return untr_source(w, u) != CT_NONE;
}

/*
 * Undo the translation of packet m, about to leave by `side`, so that an
 * ICMP error quotes it as its sender sent it (hosts match the quote to
 * their sockets): addresses, ports or echo identifier, TTL, checksums,
 * from this worker's sessions. *from: the side it came in by. False when
 * that cannot be told: no session here (a hairpinned packet whose
 * sender's session lives on another worker) or not TCP, UDP, echo.
 */
bool
nat_untranslate(struct nat_worker *w, struct rte_mbuf *m, enum cgn_side side,
		enum cgn_side *from)
{
	struct untr u;

	if (!untr_fields(&u, m))
		return false;
	if (side == CGN_OUTSIDE) {
		/* in2out: the source was (in_addr, in_port); not translated
		 * (bypass) when from a subscriber without a session. */
		*from = CGN_INSIDE;
		if (untr_source(w, &u) == CT_NONE &&
		    !is_subscriber(w, u.ip->src_addr))
			return false;
	} else if (!untr_inbound(w, &u, from)) {
		return false;
	}
	/* Every path decremented the TTL once. */
	u.ip->time_to_live++;
	u.ip->hdr_checksum = 0;
	u.ip->hdr_checksum = rte_ipv4_cksum(u.ip);
	return true;
}

/*
 * Rewrite the quoted packet of an ICMP error: address *a_p becomes a, the
 * port or identifier *port_p becomes port, the quoted checksums follow
 * (l4_delta for the transport checksum, when it was quoted), and the ICMP
 * checksum takes in every rewritten word (RFC 5508 REQ-4; L46). All the
 * fields sit at even offsets from the ICMP header.
 */
static void
rewrite_quote(struct pkt_meta *pm, bool quoted_dst, uint32_t a,
	      uint16_t *port_p, uint16_t port, uint16_t l4_delta)
{
	uint8_t *a_p = (uint8_t *)pm_eip(pm) + (quoted_dst ?
		offsetof(struct rte_ipv4_hdr, dst_addr) :
		offsetof(struct rte_ipv4_hdr, src_addr));
	uint32_t old_a;
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)pm->ip +
						      rte_ipv4_hdr_len(pm->ip));
	struct rte_ipv4_hdr *eip = pm_eip(pm);
	uint32_t d_icmp = 0;
	uint16_t old, ck_off = 0;
	uint16_t *ck;

	memcpy(&old_a, a_p, sizeof(old_a)); /* only 2-byte aligned */
	old = eip->hdr_checksum;
	eip->hdr_checksum = nat_cksum_apply(old,
		nat_cksum_fold(nat_cksum_addr(old_a, a)));
	d_icmp += nat_cksum_word(old, eip->hdr_checksum);
	d_icmp += nat_cksum_addr(old_a, a);
	memcpy(a_p, &a, sizeof(a));
	d_icmp += nat_cksum_word(*port_p, port);
	*port_p = port;
	switch (pm->proto) {
	case IPPROTO_UDP: ck_off = 6; break;
	case IPPROTO_TCP: ck_off = 16; break;
	default: ck_off = 2; break; /* ICMP echo */
	}
	if (pm->el4len >= ck_off + 2u) {
		ck = (uint16_t *)(void *)(pm_el4(pm) + ck_off);
		old = *ck;
		if (pm->proto == IPPROTO_UDP)
			*ck = nat_cksum_apply_udp(old, l4_delta);
		else
			*ck = nat_cksum_apply(old, l4_delta);
		d_icmp += nat_cksum_word(old, *ck);
	}
	ic->icmp_cksum = nat_cksum_apply(ic->icmp_cksum, nat_cksum_fold(d_icmp));
}

/* The quoted packet's port (or echo identifier) on a given end. */
static inline uint16_t *
quote_port(struct pkt_meta *pm, bool source)
{
	if (pm->proto == IPPROTO_ICMP)
		return (uint16_t *)(void *)(pm_el4(pm) + 4);
	return (uint16_t *)(void *)(pm_el4(pm) + (source ? 0 : 2));
}

static void icmp_error_out2in(struct nat_worker *w, struct rte_mbuf *m,
			      struct pkt_meta *pm, struct ct_session *s,
			      uint64_t now, bool hairpin);

/*
 * An ICMP error from inside about a flow of ours (RFC 5508 REQ-5, F29): the
 * outer source and the quoted destination become the outside endpoint. The
 * session is neither refreshed nor ended (C15, C18, C19).
 */
static void
icmp_error_in2out(struct nat_worker *w, struct rte_mbuf *m,
		  struct pkt_meta *pm, struct ct_session *s, uint64_t now)
{
	struct rte_ipv4_hdr *ip = pm->ip;
	uint32_t d;

	rewrite_quote(pm, true, s->out_addr,
		      quote_port(pm, pm->proto == IPPROTO_ICMP), s->out_port,
		      s->ck_l4);
	d = ttl_dec(ip) + nat_cksum_addr(ip->src_addr, s->out_addr);
	ip->src_addr = s->out_addr;
	ip->hdr_checksum = nat_cksum_apply32(ip->hdr_checksum, d);

	/* E25: an error about a hairpinned flow goes back inside. */
	if (unlikely(w->hairpin && nat_pool_addr_index(w->pool,
						       ip->dst_addr) >= 0)) {
		struct pkt_meta hp = *pm;
		enum cgn_drop why = CGN_DROP_icmp_no_session;
		uint32_t idx;

		hp.key.a_addr = pm_eip(pm)->src_addr;
		hp.key.a_port = *quote_port(pm, true);
		hp.key.b_addr = pm_eip(pm)->dst_addr;
		hp.key.b_port = pm->proto == IPPROTO_ICMP ? 0 :
				*quote_port(pm, false);
		w->stats.hairpinned++;
		if (nat_hairpin_elsewhere(w, m, &hp))
			return;
		idx = ct_lookup(w->ct, CT_OUT2IN, &hp.key,
				ct_hash(w->ct, &hp.key));
		if (idx == CT_NONE) {
			drop(w, m, why);
			return;
		}
		icmp_error_out2in(w, m, &hp, &w->ct->sessions[idx], now, true);
		return;
	}
	to_next_hop(w, m, CGN_OUTSIDE, &w->nh_out,
		    w->env.gw_out, now);
}

/*
 * An ICMP error from outside about a flow of ours (RFC 5508 REQ-4, F28):
 * the quoted source and the outer destination become the inside endpoint;
 * type, code and the rest (the MTU of a frag-needed) are kept. Any router
 * may send one: ICMP is not filtered by source (F30).
 */
static void
icmp_error_out2in(struct nat_worker *w, struct rte_mbuf *m,
		  struct pkt_meta *pm, struct ct_session *s, uint64_t now,
		  bool hairpin)
{
	struct rte_ipv4_hdr *ip = pm->ip;
	uint32_t d;

	rewrite_quote(pm, false, s->in_addr,
		      quote_port(pm, true), s->in_port,
		      nat_cksum_neg(s->ck_l4));
	d = (hairpin ? 0 : ttl_dec(ip)) + nat_cksum_addr(ip->dst_addr,
							 s->in_addr);
	ip->dst_addr = s->in_addr;
	ip->hdr_checksum = nat_cksum_apply32(ip->hdr_checksum, d);
	if (w->in_gw != 0)
		to_next_hop(w, m, CGN_INSIDE, &w->nh_in_gw, w->in_gw, now);
	else
		to_next_hop(w, m, CGN_INSIDE, &s->nh_idx, s->in_addr, now);
}

/* Pass 3 for an ICMP error: translated with its session, never makes one
 * (C18). */
void __rte_noinline
nat_icmp_error_one(struct nat_worker *w, enum ct_dir dir, struct rte_mbuf *m,
	       struct pkt_meta *pm, uint64_t now, bool hairpin)
{
	struct ct_table *ct = w->ct;
	uint32_t idx = pm->cand;

	if (idx == CT_NONE ||
	    !ct_session_match(&ct->sessions[idx], dir, &pm->key))
		idx = ct_lookup(ct, dir, &pm->key, pm->hash);
	if (idx == CT_NONE)
		drop(w, m, CGN_DROP_icmp_no_session);
	else if (dir == CT_IN2OUT)
		icmp_error_in2out(w, m, pm, &ct->sessions[idx], now);
	else
		icmp_error_out2in(w, m, pm, &ct->sessions[idx], now, hairpin);
}
