/* SPDX-License-Identifier: BSD-3-Clause
 * ICMP the box makes: errors about a packet (time exceeded, unreachable,
 * fragmentation needed), rate-limited, and echo replies.
 */
#include "nat_tx.h"

/* May the worker send one more ICMP message now? A token bucket. */
static bool
icmp_token(struct nat_worker *w, uint64_t now)
{
	uint64_t per = RTE_MAX(w->env.tsc_hz / w->icmp_per_sec, (uint64_t)1);

	if (now < w->icmp_last) {
		w->icmp_last = now; /* an injected clock went back */
	} else {
		uint64_t add = (now - w->icmp_last) / per;

		if (add > 0) {
			w->icmp_tokens = (uint32_t)RTE_MIN((uint64_t)ICMP_BURST,
							   w->icmp_tokens + add);
			w->icmp_last += add * per;
		}
	}
	if (w->icmp_tokens == 0)
		return false;
	w->icmp_tokens--;
	return true;
}

/*
 * Send an ICMP error about packet m (RFC 792, RFC 1812 4.3.2.3) from the
 * box's address on `side`, back to the sender's MAC. m is not consumed.
 * mtu: the next-hop MTU field of a 3/4 (RFC 1191), else 0.
 */
void
nat_icmp_error_mtu(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
	       uint8_t type, uint8_t code, uint16_t mtu, uint64_t now)
{
	struct rte_ether_hdr *oe = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)(oe + 1);
	uint16_t ohl = (uint16_t)rte_ipv4_hdr_len(oip);
	uint16_t olen = rte_be_to_cpu_16(oip->total_length);
	struct rte_ether_hdr *e;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *r;
	const void *q;
	uint16_t quote, len;

	/* Never about an ICMP error, a fragment other than the first, or
	 * a packet to or from a broadcast/multicast address.
	 */
	if (oip->next_proto_id == IPPROTO_ICMP) {
		const struct rte_icmp_hdr *oic =
			(const struct rte_icmp_hdr *)((const uint8_t *)oip +
						      ohl);
		if (oic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST &&
		    oic->icmp_type != RTE_IP_ICMP_ECHO_REPLY)
			return;
	}
	if ((rte_be_to_cpu_16(oip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) ||
	    rte_is_multicast_ether_addr(&oe->dst_addr))
		return;
	if (!icmp_token(w, now))
		return;
	r = rte_pktmbuf_alloc(w->env.mp);
	if (r == NULL)
		return;
	/* Quote the header and as much data as fits in 576 bytes, and in
	 * the link's MTU.
	 */
	quote = RTE_MIN(olen, (uint16_t)(576 - 28));
	quote = RTE_MIN(quote, (uint16_t)(w->mtu[side] - 28));
	len = (uint16_t)(sizeof(*e) + sizeof(*ip) + sizeof(*ic) + quote);
	e = (struct rte_ether_hdr *)rte_pktmbuf_append(r, len);
	if (e == NULL) {
		rte_pktmbuf_free(r);
		return;
	}
	rte_ether_addr_copy(&oe->src_addr, &e->dst_addr);
	rte_ether_addr_copy(&w->env.mac[side], &e->src_addr);
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(e + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*e)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = w->own[side];
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	ic->icmp_ident = 0;
	ic->icmp_seq_nb = rte_cpu_to_be_16(mtu);
	/* m may be a reassembled datagram in several segments. */
	q = rte_pktmbuf_read(m, sizeof(*oe), quote, ic + 1);
	if (q == NULL) {
		rte_pktmbuf_free(r);
		return;
	}
	if (q != ic + 1)
		memcpy(ic + 1, q, quote);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	r->hash.usr = 1;
	w->stats.generated++;
	tx_enqueue(w, side, r);
}

void
nat_send_icmp_error(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
		uint8_t type, uint8_t code, uint64_t now)
{
	nat_icmp_error_mtu(w, side, m, type, code, 0, now);
}

/* Answer an ICMP echo request to one of the box's addresses, in place. */
void
nat_answer_echo(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
	    struct rte_ipv4_hdr *ip)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip +
						      rte_ipv4_hdr_len(ip));
	uint32_t a;

	rte_ether_addr_copy(&e->src_addr, &e->dst_addr);
	rte_ether_addr_copy(&w->env.mac[side], &e->src_addr);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = nat_cksum_apply(ic->icmp_cksum, nat_cksum_fold(
		nat_cksum_word(RTE_BE16(RTE_IP_ICMP_ECHO_REQUEST << 8),
			       RTE_BE16(RTE_IP_ICMP_ECHO_REPLY << 8))));
	w->stats.consumed++;
	w->stats.generated++;
	m->hash.usr = 1;
	tx_enqueue(w, side, m);
}
