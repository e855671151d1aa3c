/* SPDX-License-Identifier: BSD-3-Clause
 * Pass 1 of the burst loop for the common case, inline in it: L2, a plain
 * IPv4 header, TCP and UDP, the session key. The rest is nat_parse.c.
 */
#ifndef NAT_PARSE_H
#define NAT_PARSE_H

#include "nat_tx.h"

struct rte_ipv4_hdr *nat_parse_ip_slow(struct nat_worker *w,
				       enum cgn_side side,
				       struct rte_mbuf **mp,
				       struct pkt_meta *pm, uint64_t now,
				       uint16_t *ihl_p, uint16_t *tot_p,
				       uint32_t *l4len_p);
bool nat_parse_icmp(struct nat_worker *w, enum cgn_side side,
		    struct rte_mbuf *m, struct pkt_meta *pm, uint16_t ihl,
		    uint8_t *l4, uint32_t l4len, uint64_t now);
bool nat_l4_drop(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
		 struct pkt_meta *pm, enum cgn_drop why, uint64_t now);

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
			return nat_l4_drop(w, side, m, pm, CGN_DROP_l4_malformed,
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
			return nat_l4_drop(w, side, m, pm, CGN_DROP_l4_malformed,
				       now);
		pm->ck_off = (uint16_t)(ihl + offsetof(struct rte_udp_hdr,
							dgram_cksum));
		key_ports(pm, side, l4);
		return true;
	}
	case IPPROTO_ICMP:
		return nat_parse_icmp(w, side, m, pm, ihl, l4, l4len, now);
	default:
		return nat_l4_drop(w, side, m, pm, CGN_DROP_l4_unsupported, now);
	}
}

/*
 * Pass 1 for one packet: validate L2-L4 and fill the lookup key.
 * Returns false when the packet was dropped or consumed (or held for
 * reassembly). A fragment that completes a datagram is replaced in *mp by
 * the datagram (several segments, the headers in the first one).
 * pm->addr_todo says whether nat_addr_checks() is still due.
 */
static __rte_always_inline bool
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
	 * Then every check of nat_parse_ip_slow() up to the checksum passes,
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
	ip = nat_parse_ip_slow(w, side, mp, pm, now, &ihl, &tot, &l4len);
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

#endif /* NAT_PARSE_H */
