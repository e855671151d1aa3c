/* SPDX-License-Identifier: BSD-3-Clause
 * The packet path of a worker lcore.
 *
 * A burst goes through three passes so that memory latency overlaps:
 *   1. parse and classify every packet, compute its session key and hash,
 *      prefetch the hash bucket;
 *   2. read the bucket, prefetch the candidate session; for in2out packets
 *      surely without one, prefetch in stages what a new session reads
 *      (prefetch_new_flows());
 *   3. verify the session and translate, or take the slow path (new
 *      session, own address, ICMP generation, drop).
 * Every packet ends forwarded, consumed or dropped under a named reason.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "cgn_frag.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "ct_tcp.h"
#include "nat_cksum.h"
#include "nat_pool.h"

#define SHARED_NET RTE_BE32(0x64400000) /* 100.64.0.0/10, RFC 6598 */
#define SHARED_MASK RTE_BE32(0xffc00000)
#define ICMP_PER_SEC 1000
#define ICMP_BURST 100
#define ICMP_DEST_UNREACH 3 /* RFC 792 */
#define ICMP_HOST_UNREACH 1 /* codes of 3 */
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4 /* RFC 1191 */
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

/*
 * rte_be_to_cpu_16() of a variable is an asm statement on x86 that the
 * compiler cannot fold into a load or a compare; the packet path's hot
 * lines use the builtin.
 */
static inline uint16_t
ntoh16(uint16_t x)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap16(x);
#else
	return x;
#endif
}

/* Address of a 16-bit header field, without -Waddress-of-packed-member. */
#define FIELD16(base, type, field) \
	((uint16_t *)((uintptr_t)(base) + offsetof(type, field)))

enum pkt_action {
	ACT_DONE = 0,   /* already dropped or consumed */
	ACT_LOOKUP,     /* translate: look the session up */
	ACT_ICMP_ERR,   /* an ICMP error: key from the quoted packet */
};

/*
 * What pass 1 learns of a packet for passes 2 and 3: one cache line (the
 * three passes go over CGN_BURST of them). Fields inside the first segment
 * are kept as offsets from ip (pm_ck(), pm_eip(), pm_el4()).
 */
struct pkt_meta {
	struct rte_ipv4_hdr *ip;
	uint16_t *port_p;  /* inside side's port (in2out src, out2in dst) */
	struct ct_key key;
	uint32_t hash;
	uint32_t cand;
	uint32_t home;     /* home bucket of hash (pass 1, for pass 2) */
	uint16_t ck_off;   /* L4 checksum field */
	/* ICMP errors: the quoted packet. */
	uint16_t eip_off;
	uint16_t el4_off;
	uint16_t el4len;   /* quoted transport bytes */
	uint8_t proto;
	uint8_t tcp_flags;
	uint8_t action;
	uint8_t icmp_type;
	uint8_t addr_todo; /* addr_checks() not run yet (parse()) */
};

static_assert(sizeof(struct pkt_meta) <= RTE_CACHE_LINE_SIZE,
	      "a packet's metadata in one cache line");

static inline uint16_t *
pm_ck(const struct pkt_meta *pm)
{
	return (uint16_t *)(void *)((uint8_t *)pm->ip + pm->ck_off);
}

static inline struct rte_ipv4_hdr *
pm_eip(const struct pkt_meta *pm)
{
	return (struct rte_ipv4_hdr *)(void *)((uint8_t *)pm->ip +
					       pm->eip_off);
}

static inline uint8_t *
pm_el4(const struct pkt_meta *pm)
{
	return (uint8_t *)pm->ip + pm->el4_off;
}

static inline void
drop(struct cgn_worker *w, struct rte_mbuf *m, enum cgn_drop why)
{
	w->stats.drop[why]++;
	rte_pktmbuf_free(m);
}

/* Queue a packet for transmission on a side. */
static inline void
tx_enqueue(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m)
{
	if (unlikely(w->ntx[side] == CGN_TX_BUF))
		cgn_worker_flush(w);
	w->txb[side][w->ntx[side]++] = m;
}

void
cgn_worker_flush(struct cgn_worker *w)
{
	unsigned int side;

	for (side = 0; side < CGN_SIDES; side++) {
		uint16_t n = w->ntx[side], sent, i;

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(w->ctx->link[side].port_id, w->txq,
					w->txb[side], n);
		for (i = sent; i < n; i++) {
			struct rte_mbuf *m = w->txb[side][i];

			/* Generated packets are not in the rx accounting. */
			if (m->hash.usr == 0) {
				w->stats.tx[side]--;
				w->stats.drop[CGN_DROP_tx_full]++;
			}
			rte_pktmbuf_free(m);
		}
		w->ntx[side] = 0;
	}
}

/* Tell the control thread something; losing it is harmless. */
static void
send_event(struct cgn_worker *w, uint8_t type, uint8_t side, uint32_t ip,
	   const struct rte_ether_addr *mac)
{
	struct cgn_event ev = { .type = type, .side = side, .ip = ip };

	if (mac != NULL)
		memcpy(ev.mac, mac->addr_bytes, 6);
	rte_ring_sp_enqueue_elem(w->ev_ring, &ev, sizeof(ev));
}

/* Next hop MAC for a neighbour index cached in *nh (looked up if unset). */
static inline bool
next_hop_mac(struct cgn_worker *w, uint32_t *nh, uint8_t side, uint32_t ip,
	     struct rte_ether_addr *mac)
{
	const struct nat_neigh *nb = &w->ctx->neigh;

	if (unlikely(*nh == UINT32_MAX)) {
		*nh = nat_neigh_lookup(nb, side, ip);
		if (*nh == UINT32_MAX) {
			send_event(w, CGN_EV_RESOLVE, side, ip, NULL);
			return false;
		}
	}
	if (unlikely(!nat_neigh_mac(nb, *nh, mac))) {
		send_event(w, CGN_EV_RESOLVE, side, ip, NULL);
		return false;
	}
	return true;
}

static void forward_too_big(struct cgn_worker *w, struct rte_mbuf *m,
			    enum cgn_side side,
			    const struct rte_ether_addr *mac, uint64_t now);

/*
 * Fill in the MACs and queue a forwarded packet for transmission. One
 * longer than the egress link's MTU is cut into fragments, or refused
 * when it says DF (F32, G33: forward_too_big()).
 */
static inline void
forward(struct cgn_worker *w, struct rte_mbuf *m, enum cgn_side side,
	const struct rte_ether_addr *mac, uint64_t now)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (unlikely(m->pkt_len > cgn_frag_frame_max(w->id, side))) {
		forward_too_big(w, m, side, mac, now);
		return;
	}
	rte_ether_addr_copy(mac, &e->dst_addr);
	rte_ether_addr_copy(&w->ctx->link[side].mac, &e->src_addr);
	w->stats.tx[side]++;
	m->hash.usr = 0;
	tx_enqueue(w, side, m);
}

/* to_next_hop() when the neighbour is not cached and known, or the frame
 * is longer than the MTU: the general path. */
static void __rte_noinline
to_next_hop_slow(struct cgn_worker *w, struct rte_mbuf *m, enum cgn_side side,
		 uint32_t *nh, uint32_t ip, uint64_t now)
{
	struct rte_ether_addr mac;
	struct cgn_pending *p;

	if (likely(next_hop_mac(w, nh, side, ip, &mac))) {
		forward(w, m, side, &mac, now);
		return;
	}
	if (w->pend_n == CGN_PENDING) {
		drop(w, m, CGN_DROP_neigh_unresolved);
		return;
	}
	p = &w->pend[(w->pend_head + w->pend_n++) % CGN_PENDING];
	p->m = m;
	p->ip = ip;
	p->side = (uint8_t)side;
	p->deadline = now + w->ctx->tsc_hz * CGN_PENDING_WAIT_MS / 1000;
}

/* Bytes 0-5 of a neighbour's mac_state word as it lies in memory. */
#define NB_MAC_MASK rte_le_to_cpu_64(UINT64_C(0x0000ffffffffffff))

/*
 * Send a translated packet to next hop ip on side, or park it while the
 * control thread resolves the address (like a kernel's ARP queue): it
 * leaves when the MAC is known, or is dropped as neigh_unresolved after
 * CGN_PENDING_WAIT_MS or when the queue is full.
 *
 * Inline, the usual case: the neighbour index is cached in *nh, its MAC is
 * valid and the frame fits the MTU. The destination MAC (bytes 0-5 of the
 * neighbour's word) and our source MAC are then written with one 8-byte
 * and one 4-byte store; anything else goes through to_next_hop_slow(),
 * which does what forward() always did.
 */
static inline void
to_next_hop(struct cgn_worker *w, struct rte_mbuf *m, enum cgn_side side,
	    uint32_t *nh, uint32_t ip, uint64_t now)
{
	uint32_t i = *nh;

	if (likely(i != UINT32_MAX)) {
		uint64_t v = __atomic_load_n(&w->nb_e[i].mac_state,
					     __ATOMIC_ACQUIRE);

		if (likely((v & NAT_NB_VALID) &&
			   m->pkt_len <= w->frame_max[side])) {
			uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
			uint64_t w0 = (v & NB_MAC_MASK) | w->smac_w0[side];

			memcpy(e, &w0, sizeof(w0));
			memcpy(e + 8, &w->smac_w1[side], sizeof(uint32_t));
			w->stats.tx[side]++;
			m->hash.usr = 0;
			tx_enqueue(w, side, m);
			return;
		}
	}
	to_next_hop_slow(w, m, side, nh, ip, now);
}

/* Send the parked packets whose next hop is now known. */
static void
drain_pending(struct cgn_worker *w, uint64_t now)
{
	uint16_t n = w->pend_n;

	while (n--) {
		struct cgn_pending p = w->pend[w->pend_head];
		uint32_t nh = UINT32_MAX;
		struct rte_ether_addr mac;

		w->pend_head = (uint16_t)((w->pend_head + 1) % CGN_PENDING);
		w->pend_n--;
		nh = nat_neigh_lookup(&w->ctx->neigh, p.side, p.ip);
		if (nh != UINT32_MAX && nat_neigh_mac(&w->ctx->neigh, nh, &mac))
			forward(w, p.m, p.side, &mac, now);
		else if (now > p.deadline)
			drop(w, p.m, CGN_DROP_neigh_unresolved);
		else
			w->pend[(w->pend_head + w->pend_n++) % CGN_PENDING] = p;
	}
}

static inline bool
is_subscriber(const struct cgn_worker *w, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < w->n_sub; i++)
		if ((a & w->sub_mask[i]) == w->sub_net[i])
			return true;
	return false;
}

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

/* Is a source address one no host may use (RFC 1812 5.3.7)? */
static inline bool
bad_source(uint32_t a)
{
	uint8_t first = ((const uint8_t *)&a)[0];

	return a == 0 || first == 127 || first >= 224;
}

static inline bool
in_prefixes(const uint32_t *net, const uint32_t *mask, unsigned int n,
	    uint32_t a)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((a & mask[i]) == net[i])
			return true;
	return false;
}

/*
 * Bypass (RFC 6888 REQ-6, H38): traffic between a subscriber and a bypass
 * destination is routed, not translated: TTL decremented, nothing else.
 * Returns true when the packet was taken.
 */
static bool
bypass(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m,
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
			    w->ctx->link[CGN_OUTSIDE].gateway, now);
	else if (w->in_gw != 0)
		to_next_hop(w, m, CGN_INSIDE, &w->nh_in_gw, w->in_gw, now);
	else
		to_next_hop(w, m, CGN_INSIDE, &nh, ip->dst_addr, now);
	return true;
}

/* Is a destination one a router must not forward (RFC 1812 5.3.5, 5.3.7):
 * this network (0/8), loopback, multicast, reserved (240/4), broadcast?
 */
static inline bool
bad_destination(uint32_t a)
{
	uint8_t first = ((const uint8_t *)&a)[0];

	return first == 0 || first == 127 || first >= 224;
}

/* May the worker send one more ICMP message now? A token bucket. */
static bool
icmp_token(struct cgn_worker *w, uint64_t now)
{
	uint64_t per = RTE_MAX(w->ctx->tsc_hz / w->icmp_per_sec, (uint64_t)1);

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
static void
icmp_error_mtu(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m,
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
	r = rte_pktmbuf_alloc(w->ctx->mp);
	if (r == NULL)
		return;
	/* Quote the header and as much data as fits in 576 bytes, and in
	 * the link's MTU.
	 */
	quote = RTE_MIN(olen, (uint16_t)(576 - 28));
	quote = RTE_MIN(quote, (uint16_t)(cgn_frag_link_mtu(w->id, side) - 28));
	len = (uint16_t)(sizeof(*e) + sizeof(*ip) + sizeof(*ic) + quote);
	e = (struct rte_ether_hdr *)rte_pktmbuf_append(r, len);
	if (e == NULL) {
		rte_pktmbuf_free(r);
		return;
	}
	rte_ether_addr_copy(&oe->src_addr, &e->dst_addr);
	rte_ether_addr_copy(&w->ctx->link[side].mac, &e->src_addr);
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

static void
send_icmp_error(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m,
		uint8_t type, uint8_t code, uint64_t now)
{
	icmp_error_mtu(w, side, m, type, code, 0, now);
}

/*
 * Undo the translation of packet m, about to leave by `side`, so that an
 * ICMP error quotes it as its sender sent it (hosts match the quote to
 * their sockets): addresses, ports or echo identifier, TTL, checksums,
 * from this worker's sessions. *from: the side it came in by. False when
 * that cannot be told: no session here (a hairpinned packet whose
 * sender's session lives on another worker) or not TCP, UDP, echo.
 */
static bool
untranslate(struct cgn_worker *w, struct rte_mbuf *m, enum cgn_side side,
	    enum cgn_side *from)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint8_t *l4 = (uint8_t *)ip + rte_ipv4_hdr_len(ip);
	uint8_t proto = ip->next_proto_id;
	uint16_t *sp, *dp, *ck, zero = 0;
	const struct ct_session *s;
	struct ct_key k = { .proto = proto };
	uint32_t idx;

	switch (proto) {
	case IPPROTO_TCP:
		sp = FIELD16(l4, struct rte_tcp_hdr, src_port);
		dp = FIELD16(l4, struct rte_tcp_hdr, dst_port);
		ck = FIELD16(l4, struct rte_tcp_hdr, cksum);
		break;
	case IPPROTO_UDP:
		sp = FIELD16(l4, struct rte_udp_hdr, src_port);
		dp = FIELD16(l4, struct rte_udp_hdr, dst_port);
		ck = FIELD16(l4, struct rte_udp_hdr, dgram_cksum);
		break;
	case IPPROTO_ICMP:
		if (l4[0] != RTE_IP_ICMP_ECHO_REQUEST &&
		    l4[0] != RTE_IP_ICMP_ECHO_REPLY)
			return false;
		/* The identifier is the port of both ends. */
		sp = dp = FIELD16(l4, struct rte_icmp_hdr, icmp_ident);
		ck = FIELD16(l4, struct rte_icmp_hdr, icmp_cksum);
		break;
	default:
		return false;
	}
	if (side == CGN_OUTSIDE) {
		/* in2out: the source was (in_addr, in_port). */
		*from = CGN_INSIDE;
		k.a_addr = ip->src_addr;
		k.a_port = *sp;
		k.b_addr = ip->dst_addr;
		k.b_port = proto == IPPROTO_ICMP ? zero : *dp;
		idx = ct_lookup(w->ct, CT_OUT2IN, &k, ct_hash(w->ct, &k));
		if (idx == CT_NONE) {
			/* Not translated (bypass) when from a subscriber. */
			if (!is_subscriber(w, ip->src_addr))
				return false;
		} else {
			s = &w->ct->sessions[idx];
			ip->src_addr = s->in_addr;
			*sp = s->in_port;
			*ck = proto == IPPROTO_UDP ?
				nat_cksum_apply_udp(*ck, nat_cksum_neg(s->ck_l4)) :
				nat_cksum_apply(*ck, nat_cksum_neg(s->ck_l4));
		}
	} else {
		/* out2in: the destination was (out_addr, out_port). */
		*from = CGN_OUTSIDE;
		k.a_addr = ip->dst_addr;
		k.a_port = *dp;
		k.b_addr = ip->src_addr;
		k.b_port = proto == IPPROTO_ICMP ? zero : *sp;
		idx = ct_lookup(w->ct, CT_IN2OUT, &k, ct_hash(w->ct, &k));
		if (idx != CT_NONE) {
			s = &w->ct->sessions[idx];
			ip->dst_addr = s->out_addr;
			*dp = s->out_port;
			*ck = proto == IPPROTO_UDP ?
				nat_cksum_apply_udp(*ck, s->ck_l4) :
				nat_cksum_apply(*ck, s->ck_l4);
		}
		/* Hairpinned: the source was translated too (E24). */
		if (nat_pool_addr_index(w->pool, ip->src_addr) >= 0) {
			if (idx == CT_NONE || proto == IPPROTO_ICMP)
				return false;
			*from = CGN_INSIDE;
			k.a_addr = ip->src_addr;
			k.a_port = *sp;
			k.b_addr = ip->dst_addr;
			k.b_port = *dp;
			idx = ct_lookup(w->ct, CT_OUT2IN, &k,
					ct_hash(w->ct, &k));
			if (idx == CT_NONE)
				return false;
			s = &w->ct->sessions[idx];
			ip->src_addr = s->in_addr;
			*sp = s->in_port;
			*ck = proto == IPPROTO_UDP ?
				nat_cksum_apply_udp(*ck, nat_cksum_neg(s->ck_l4)) :
				nat_cksum_apply(*ck, nat_cksum_neg(s->ck_l4));
		}
		/* No session and not hairpinned: not translated (bypass). */
	}
	/* Every path decremented the TTL once. */
	ip->time_to_live++;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return true;
}

/*
 * A packet longer than the MTU of the link it leaves by (F32; RFC 4787
 * REQ-13, G33; RFC 1812 5.2.6): with DF set it is dropped and its sender
 * gets ICMP 3/4 with the MTU, from the box's address on the side it came
 * in by, rate limited (RFC 1191); without DF it leaves as fragments, in
 * order. The datagram counts once in tx: its first fragment carries the
 * count (hash.usr 0), so that cgn_worker_flush() takes it back if the NIC
 * refuses that one; the others are like generated packets.
 */
static void
forward_too_big(struct cgn_worker *w, struct rte_mbuf *m, enum cgn_side side,
		const struct rte_ether_addr *mac, uint64_t now)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	struct rte_mbuf **frags;
	enum cgn_side from;
	int n, i;

	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
		if (untranslate(w, m, side, &from))
			icmp_error_mtu(w, from, m, ICMP_DEST_UNREACH,
				       ICMP_FRAG_NEEDED,
				       cgn_frag_link_mtu(w->id, side), now);
		drop(w, m, CGN_DROP_df_too_big);
		return;
	}
	n = cgn_frag_fragment(w, m, side, &frags);
	if (n < 0) {
		drop(w, m, n == -ENOMEM ? CGN_DROP_nomem :
					  CGN_DROP_ip_fragment);
		return;
	}
	w->stats.tx[side]++;
	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *e = rte_pktmbuf_mtod(frags[i],
						struct rte_ether_hdr *);

		rte_ether_addr_copy(mac, &e->dst_addr);
		rte_ether_addr_copy(&w->ctx->link[side].mac, &e->src_addr);
		frags[i]->hash.usr = i != 0;
		tx_enqueue(w, side, frags[i]);
	}
}

void
cgn_worker_send_generated(struct cgn_worker *w, enum cgn_side side,
			  struct rte_mbuf *m)
{
	m->hash.usr = 1;
	w->stats.generated++;
	tx_enqueue(w, side, m);
}

/* Answer an ICMP echo request to one of the box's addresses, in place. */
static void
answer_echo(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m,
	    struct rte_ipv4_hdr *ip)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip +
						      rte_ipv4_hdr_len(ip));
	uint32_t a;

	rte_ether_addr_copy(&e->src_addr, &e->dst_addr);
	rte_ether_addr_copy(&w->ctx->link[side].mac, &e->src_addr);
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
parse_icmp_error(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m,
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

static void handoff(struct cgn_worker *w, unsigned int owner,
		    struct rte_mbuf *m, enum cgn_handoff_kind kind);

/*
 * The checks of a packet that depend only on its addresses (and on the
 * side it came in by), in their order: RFC 1812 bad source, the box's own
 * addresses (PCP, echo, else dropped), 100.64/10 sources from outside, bad
 * destinations, TTL, bypass. Returns true when the packet was taken
 * (dropped, consumed, answered, handed off or bypassed).
 *
 * parse() runs them at once for a packet off the common case (IP options,
 * fragments, TTL <= 1, an L4 header it drops or an ICMP error, or a
 * configuration where w->addr_defer is false). For the others it leaves
 * them to process_burst(), which runs them only where the packet could
 * differ from the one that made its session: when no session matches, when
 * the packet is handed to another worker, and for an in2out packet of a
 * session an inbound packet made (CT_F_INBOUND). A session's key holds
 * both addresses of the packets that match it, so a packet of a session
 * made by an in2out packet with the same key, or by an out2in packet with
 * the same key, has passed these checks already with the same result; and
 * out2in packets of a session made in2out pass them too, given what
 * addr_defer requires of the pool (cgn_worker_init(); see
 * pool_addrs_checkable()): the remote passed bad_destination() (so
 * bad_source()) and create_in2out()'s 100.64/10 check, the pool address is
 * none of own, bypass, subscriber, 100.64/10, bad destination. Configuration
 * is fixed for the life of a worker, so the results do not change.
 */
static bool
addr_checks(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m,
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
		    *(uint16_t *)(void *)(l4 + 2) == RTE_BE16(CGN_PCP_PORT)) {
			unsigned int o = cgn_sub_owner(w->ctx, ip->src_addr);

			if (o != w->id) {
				handoff(w, o, m, CGN_HO_INSIDE);
				return true;
			}
			w->stats.consumed++;
			cgn_pcp_request(w, m, now);
			return true;
		}

		if (proto == IPPROTO_ICMP && l4len >= sizeof(*ic) &&
		    ic->icmp_type == RTE_IP_ICMP_ECHO_REQUEST &&
		    ic->icmp_code == 0 &&
		    tot == m->data_len - sizeof(struct rte_ether_hdr) &&
		    rte_raw_cksum(ic, l4len) == 0xffff) {
			answer_echo(w, side, m, ip);
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
		send_icmp_error(w, side, m, ICMP_TIME_EXCEEDED, 0, now);
		drop(w, m, CGN_DROP_ttl_exceeded);
		return true;
	}
	if (unlikely(w->n_byp != 0) && bypass(w, side, m, ip, now))
		return true;
	return false;
}

/* The address checks a packet has not had yet, if any; true when they
 * took it. */
static inline bool
addr_checks_due(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m,
		struct pkt_meta *pm, uint64_t now)
{
	if (likely(!pm->addr_todo))
		return false;
	pm->addr_todo = 0;
	return addr_checks(w, side, m, pm->ip, now);
}

/* parse() refuses a packet at L4: the address checks come first. */
static bool
l4_drop(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf *m,
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
 * Pass 1 for one packet: validate L2-L4 and fill the lookup key.
 * Returns false when the packet was dropped or consumed (or held for
 * reassembly). A fragment that completes a datagram is replaced in *mp by
 * the datagram (several segments, the headers in the first one).
 * pm->addr_todo says whether addr_checks() is still due.
 */
static bool
parse(struct cgn_worker *w, enum cgn_side side, struct rte_mbuf **mp,
      struct pkt_meta *pm, uint64_t now)
{
	struct rte_mbuf *m = *mp;
	struct rte_ether_hdr *e;
	struct rte_ipv4_hdr *ip;
	uint16_t ihl, tot, frag;
	uint8_t *l4;
	uint32_t l4len;
	uint64_t w0;

	if (unlikely(m->data_len < sizeof(*e))) {
		drop(w, m, CGN_DROP_eth_short);
		return false;
	}
	e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (unlikely(e->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		if (e->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			m->port = side;
			if (rte_ring_sp_enqueue(w->slow_ring, m) != 0) {
				drop(w, m, CGN_DROP_slow_ring_full);
				return false;
			}
			w->stats.consumed++;
			return false;
		}
		drop(w, m, CGN_DROP_eth_unsupported);
		return false;
	}
	/* Destination MAC: bytes 0-5 of the frame against link[side].mac. */
	memcpy(&w0, e, sizeof(w0));
	if (unlikely((w0 & NB_MAC_MASK) != w->mac48[side])) {
		drop(w, m, CGN_DROP_eth_not_for_us);
		return false;
	}
	ip = (struct rte_ipv4_hdr *)(e + 1);
	/*
	 * The common case: the whole datagram in the first segment, a
	 * 20-byte header, not a fragment, TTL > 1, lengths that agree.
	 * Then every check below up to the checksum passes, and the
	 * address checks can wait (addr_checks()).
	 */
	if (likely(m->data_len >= sizeof(*e) + sizeof(*ip) && w->addr_defer)) {
		memcpy(&w0, ip, sizeof(w0)); /* only 2-byte aligned */
		tot = ntoh16(ip->total_length);
		/* sizeof(*ip) <= tot <= data_len - sizeof(*e), as one unsigned
		 * compare (a tot below 20 wraps l4len).
		 */
		l4len = (uint32_t)tot - sizeof(*ip);
		if (likely((w0 & IP_W0_MASK) == IP_W0_PLAIN &&
			   ip->time_to_live > 1 &&
			   l4len <= (uint32_t)m->data_len - sizeof(*e) -
				    sizeof(*ip))) {
			ihl = sizeof(*ip);
			if (unlikely(!ipv4_cksum_ok(m, ip, ihl))) {
				drop(w, m, CGN_DROP_ip_bad_cksum);
				return false;
			}
			if (m->pkt_len > sizeof(*e) + (uint32_t)tot)
				rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len -
							       sizeof(*e) - tot));
			pm->addr_todo = 1;
			goto l4;
		}
	}
	/* The whole IP header must be in the first segment. */
	if (unlikely(m->data_len < sizeof(*e) + sizeof(*ip) ||
		     (ip->version_ihl >> 4) != 4)) {
		drop(w, m, CGN_DROP_ip_malformed);
		return false;
	}
	ihl = (uint16_t)rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(ihl < sizeof(*ip) || tot < ihl ||
		     m->data_len < sizeof(*e) + ihl ||
		     m->pkt_len < sizeof(*e) + (uint32_t)tot)) {
		drop(w, m, CGN_DROP_ip_malformed);
		return false;
	}
	if (unlikely(!ipv4_cksum_ok(m, ip, ihl))) {
		drop(w, m, CGN_DROP_ip_bad_cksum);
		return false;
	}
	/* Drop Ethernet padding so lengths agree from here on. */
	if (m->pkt_len > sizeof(*e) + (uint32_t)tot)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - sizeof(*e) - tot));
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (unlikely(frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		/* G34: reassembled, fragments in any order; until the
		 * datagram is complete it is held (or dropped, counted).
		 * The whole datagram then goes on through the checks below
		 * as one packet: its lengths are in pkt_len and
		 * total_length; the first segment has its headers.
		 */
		m = cgn_frag_reassemble(w, m, ip, ihl, now);
		if (m == NULL)
			return false;
		*mp = m;
		e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		ip = (struct rte_ipv4_hdr *)(e + 1);
		ihl = (uint16_t)rte_ipv4_hdr_len(ip);
		tot = rte_be_to_cpu_16(ip->total_length);
	}
	pm->addr_todo = 0;
	if (addr_checks(w, side, m, ip, now))
		return false;
	l4len = (uint32_t)(tot - ihl);
	if (unlikely(m->data_len < sizeof(*e) + tot)) {
		/* Multi-segment: the L4 header must be in the first one. */
		l4len = m->data_len - sizeof(*e) - ihl;
	}

l4:
	pm->ip = ip;
	pm->proto = ip->next_proto_id;
	l4 = (uint8_t *)ip + ihl;
	{
		/* key.proto and its padding in one store */
		uint32_t pp = rte_le_to_cpu_32(pm->proto);

		memcpy(&pm->key.proto, &pp, sizeof(pp));
	}
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
		if (side == CGN_INSIDE) {
			pm->port_p = FIELD16(l4, struct rte_tcp_hdr, src_port);
			pm->key.a_port = th->src_port;
			pm->key.b_port = th->dst_port;
		} else {
			pm->port_p = FIELD16(l4, struct rte_tcp_hdr, dst_port);
			pm->key.a_port = th->dst_port;
			pm->key.b_port = th->src_port;
		}
		break;
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
		if (side == CGN_INSIDE) {
			pm->port_p = FIELD16(l4, struct rte_udp_hdr, src_port);
			pm->key.a_port = uh->src_port;
			pm->key.b_port = uh->dst_port;
		} else {
			pm->port_p = FIELD16(l4, struct rte_udp_hdr, dst_port);
			pm->key.a_port = uh->dst_port;
			pm->key.b_port = uh->src_port;
		}
		break;
	}
	case IPPROTO_ICMP: {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;

		if (unlikely(l4len < sizeof(*ic)))
			return l4_drop(w, side, m, pm, CGN_DROP_l4_malformed,
				       now);
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
			return l4_drop(w, side, m, pm,
				       CGN_DROP_icmp_unsupported, now);
		pm->icmp_type = ic->icmp_type;
		pm->ck_off = (uint16_t)(ihl + offsetof(struct rte_icmp_hdr,
							icmp_cksum));
		pm->port_p = FIELD16(l4, struct rte_icmp_hdr, icmp_ident);
		pm->key.a_port = ic->icmp_ident;
		pm->key.b_port = 0;
		break;
	}
	default:
		return l4_drop(w, side, m, pm, CGN_DROP_l4_unsupported, now);
	}
	if (side == CGN_INSIDE) {
		pm->key.a_addr = ip->src_addr;
		pm->key.b_addr = ip->dst_addr;
	} else {
		pm->key.a_addr = ip->dst_addr;
		pm->key.b_addr = ip->src_addr;
	}
	pm->action = ACT_LOOKUP;
	return true;
}

/*
 * Which worker owns an outside endpoint (network order)? The owner of its
 * port block, or of its static mapping; -1 when it is not ours at all (the
 * packet is then dropped where it is). The general way: out_owner().
 */
static int __rte_noinline
out_owner_slow(const struct cgn_worker *w, uint32_t addr, uint16_t port,
	       uint8_t proto)
{
	const struct cgn_ctx *ctx = w->ctx;
	const struct nat_pool *pool = w->pool;
	int32_t ai = nat_pool_addr_index(pool, addr);
	uint16_t ph = rte_be_to_cpu_16(port);
	uint32_t blk;

	if (ai < 0)
		return -1;
	blk = nat_port_block(pool, (uint32_t)ai, ph);
	if (blk != NAT_NONE)
		return __atomic_load_n(&ctx->block_owner[blk],
				       __ATOMIC_RELAXED);
	if (pool->det_bm != NULL) {
		uint32_t in_h;

		/* RFC 7422 f2: the range names its subscriber. */
		if (cgn_config_det_reverse(ctx->cfg, rte_be_to_cpu_32(addr), ph,
					   &in_h) == 0)
			return (int)cgn_sub_owner(ctx, rte_cpu_to_be_32(in_h));
	}
	if (ctx->static_owner != NULL) {
		struct cgn_static_key k = { .addr = addr, .port = port,
					    .proto = proto };
		void *data;

		if (rte_hash_lookup_data(ctx->static_owner, &k, &data) >= 0)
			return (int)(uintptr_t)data;
	}
	return -1;
}

/*
 * out_owner_slow() without a bisection or a division for the usual case,
 * a pool address and a port of a regular block (tables of
 * out_owner_init()).
 */
static inline int
out_owner(const struct cgn_worker *w, uint32_t addr, uint16_t port,
	  uint8_t proto)
{
	uint32_t off = rte_be_to_cpu_32(addr) - w->o2i_base;
	uint32_t po = (uint32_t)ntoh16(port) - w->o2i_port_lo;

	if (likely(off < w->o2i_span && po < w->o2i_reg_ports)) {
		int32_t b0 = w->o2i_blk0[off];

		if (likely(b0 >= 0))
			return __atomic_load_n(&w->block_owner[(uint32_t)b0 +
				(uint32_t)((po * w->o2i_div) >> 32)],
				__ATOMIC_RELAXED);
	}
	return out_owner_slow(w, addr, port, proto);
}

/* Give a packet to the worker that owns it. */
static void
handoff(struct cgn_worker *w, unsigned int owner, struct rte_mbuf *m,
	enum cgn_handoff_kind kind)
{
	m->port = (uint16_t)kind;
	if (unlikely(rte_ring_sp_enqueue(w->ctx->handoff[w->id][owner],
					 m) != 0)) {
		drop(w, m, CGN_DROP_handoff_full);
		return;
	}
	w->stats.handoff_out++;
}

/*
 * A translated in2out packet to one of our mappings (key in hp, out2in
 * view) whose port block another worker holds: give it to that worker as
 * kind "hairpin". Returns true when it was handed off.
 */
static bool
hairpin_elsewhere(struct cgn_worker *w, struct rte_mbuf *m,
		  const struct pkt_meta *hp)
{
	struct rte_ether_hdr *e;
	int owner;

	if (w->ctx->n_workers == 1)
		return false;
	owner = out_owner(w, hp->key.a_addr, hp->key.a_port, hp->key.proto);
	if (owner < 0 || (unsigned int)owner == w->id)
		return false;
	/* The receiver parses it as an outside packet: the outside MAC. */
	e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&w->ctx->link[CGN_OUTSIDE].mac, &e->dst_addr);
	handoff(w, (unsigned int)owner, m, CGN_HO_HAIRPIN);
	return true;
}

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

static enum cgn_drop
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
static uint32_t
session_add(struct cgn_worker *w, uint32_t map_idx, uint32_t rem_addr,
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

static void pool_chosen(void *arg, uint32_t out_addr, uint16_t out_port,
			uint8_t proto);
static void syn_hold_match(struct cgn_worker *w, uint32_t out_addr,
			   uint16_t out_port, const struct ct_key *k);

/* A new outbound flow: the slow path of in2out. */
static uint32_t
create_in2out(struct cgn_worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
	      uint64_t now, enum cgn_drop *why)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct nat_pool *pool = w->pool;
	const struct ct_key *k = &pm->key;
	uint32_t sub_idx, map_idx = NAT_NONE, idx;
	uint8_t flags = 0;
	enum nat_err err;

	if (!is_subscriber(w, k->a_addr) || k->a_addr == w->own[CGN_INSIDE]) {
		*why = CGN_DROP_in_src_not_subscriber;
		return CT_NONE;
	}
	if ((k->b_addr & SHARED_MASK) == SHARED_NET ||
	    is_subscriber(w, k->b_addr)) {
		*why = CGN_DROP_in_dst_shared;
		return CT_NONE;
	}
	if (nat_pool_addr_index(pool, k->b_addr) >= 0) {
		if (!w->hairpin) {
			*why = CGN_DROP_no_hairpin;
			return CT_NONE;
		}
		flags |= CT_F_HAIRPIN;
	}
	if (pm->proto == IPPROTO_TCP &&
	    (pm->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG |
			      RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG) {
		*why = CGN_DROP_tcp_not_syn;
		return CT_NONE;
	}
	if (pm->proto == IPPROTO_ICMP &&
	    pm->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		*why = CGN_DROP_icmp_unsupported;
		return CT_NONE;
	}
	sub_idx = nat_sub_get(pool, k->a_addr, &err);
	if (sub_idx == NAT_NONE) {
		/* The subscriber table has a slot per port block: when it
		 * is full, the pool is out of blocks.
		 */
		*why = CGN_DROP_pool_exhausted;
		return CT_NONE;
	}
	if (pool->subs[sub_idx].n_sessions >= w->sessions_per_sub) {
		*why = CGN_DROP_session_limit;
		return CT_NONE;
	}
	w->new_rem_addr = k->b_addr; /* for pool_chosen() */
	w->new_rem_port = k->b_port;
	/* 1) Endpoint-independent mapping: reuse the inside endpoint's. */
	if (w->eim) {
		map_idx = nat_map_lookup_in(pool, k->a_addr, k->a_port,
					    pm->proto);
		/* The out2in bucket session_add() fills (pool_chosen()
		 * does it for a new mapping).
		 */
		if (map_idx != NAT_NONE)
			pool_chosen(w, pool->maps[map_idx].out_addr,
				    pool->maps[map_idx].out_port, pm->proto);
	}
	/* 2) Otherwise make one from the subscriber's port blocks. */
	if (map_idx == NAT_NONE) {
		map_idx = nat_map_create(pool, sub_idx, k->a_addr, k->a_port,
					 pm->proto, now, &err);
		if (map_idx == NAT_NONE) {
			nat_sub_maybe_free(pool, sub_idx);
			*why = nat_err_drop(err);
			return CT_NONE;
		}
		w->stats.mappings_created++;
	}
	idx = session_add(w, map_idx, k->b_addr, k->b_port, flags, now, why);
	if (idx != CT_NONE && unlikely(w->syn_n != 0) &&
	    pm->proto == IPPROTO_TCP)
		syn_hold_match(w, pool->maps[map_idx].out_addr,
			       pool->maps[map_idx].out_port, k);
	if (idx == CT_NONE) {
		if (pool->maps[map_idx].n_sessions == 0) {
			nat_map_release(pool, map_idx, now);
			w->stats.mappings_freed++;
		}
		return CT_NONE;
	}
	/* Learn the subscriber's MAC from its traffic if we do not know it.
	 * Neighbour entries are never deleted: once there, no need to look
	 * again for this subscriber record.
	 */
	if (w->in_gw == 0 && !(pool->subs[sub_idx].flags & NAT_SUB_NEIGH)) {
		if (nat_neigh_lookup(&w->ctx->neigh, CGN_INSIDE, k->a_addr) ==
		    UINT32_MAX)
			send_event(w, CGN_EV_LEARN, CGN_INSIDE, k->a_addr,
				   &e->src_addr);
		else
			pool->subs[sub_idx].flags |= NAT_SUB_NEIGH;
	}
	return idx;
}

/* Is an inbound packet from rem admitted to mapping mp by the filter? */
static bool
filter_admits(struct cgn_worker *w, const struct nat_mapping *mp,
	      uint32_t rem_addr)
{
	uint32_t i;

	if (mp->flags & (NAT_MAP_STATIC | NAT_MAP_PCP))
		return true;
	switch (w->filtering) {
	case CGN_FILTER_EIF:
		return true;
	case CGN_FILTER_ADF:
		/* Has the inside endpoint sent to this address? */
		for (i = mp->sess_head; i != CT_NONE;
		     i = w->ct->cold[i].next)
			if (w->ct->sessions[i].rem_addr == rem_addr &&
			    !(w->ct->sessions[i].flags & CT_F_INBOUND))
				return true;
		return false;
	default:
		/* APDF admits only endpoints with a session, which the
		 * fast path already found.
		 */
		return false;
	}
}

/* A new inbound flow to an existing mapping: the slow path of out2in. */
static uint32_t
create_out2in(struct cgn_worker *w, struct pkt_meta *pm, uint64_t now,
	      enum cgn_drop *why)
{
	const struct ct_key *k = &pm->key;
	struct nat_mapping *mp;
	uint32_t map_idx;

	if (nat_pool_addr_index(w->pool, k->a_addr) < 0) {
		*why = CGN_DROP_out_not_pool;
		return CT_NONE;
	}
	map_idx = nat_map_lookup_out(w->pool, k->a_addr, k->a_port,
				     pm->proto);
	if (map_idx == NAT_NONE) {
		*why = CGN_DROP_out_no_mapping;
		return CT_NONE;
	}
	mp = &w->pool->maps[map_idx];
	if (!filter_admits(w, mp, k->b_addr)) {
		*why = CGN_DROP_out_filtered;
		return CT_NONE;
	}
	if (pm->proto == IPPROTO_TCP &&
	    (pm->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG |
			      RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG) {
		*why = CGN_DROP_out_filtered;
		return CT_NONE;
	}
	if (pm->proto == IPPROTO_ICMP &&
	    pm->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		*why = CGN_DROP_out_no_mapping;
		return CT_NONE;
	}
	/* From another subscriber's mapping: replies hairpin back inside. */
	return session_add(w, map_idx, k->b_addr, k->b_port,
			   CT_F_INBOUND |
			   (nat_pool_addr_index(w->pool, k->b_addr) >= 0 ?
			    CT_F_HAIRPIN : 0), now, why);
}

/* Decrement TTL (> 1 here); returns the IP checksum delta for it, a
 * constant (NAT_CKSUM_TTL_DEC). */
static inline uint32_t
ttl_dec(struct rte_ipv4_hdr *ip)
{
	ip->time_to_live--;
	return NAT_CKSUM_TTL_DEC;
}

static inline void
rewrite_l4(struct pkt_meta *pm, uint16_t delta)
{
	uint16_t *ck = pm_ck(pm);

	if (pm->proto == IPPROTO_UDP)
		*ck = nat_cksum_apply_udp(*ck, delta);
	else
		*ck = nat_cksum_apply(*ck, delta);
}

static void translate_out2in(struct cgn_worker *w, struct rte_mbuf *m,
			     struct pkt_meta *pm, struct ct_session *s,
			     uint64_t now, bool hairpin);

static void out2in_one(struct cgn_worker *w, struct rte_mbuf *m,
		       struct pkt_meta *pm, uint64_t now, bool hairpin);

static void
translate_in2out(struct cgn_worker *w, struct rte_mbuf *m,
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
		struct pkt_meta hp = *pm;

		hp.key.a_addr = ip->dst_addr;
		hp.key.b_addr = ip->src_addr;
		hp.key.b_port = s->out_port;
		if (pm->proto == IPPROTO_TCP)
			hp.port_p = FIELD16(pm->port_p, struct rte_tcp_hdr, dst_port);
		else if (pm->proto == IPPROTO_UDP)
			hp.port_p = FIELD16(pm->port_p, struct rte_udp_hdr, dst_port);
		hp.key.a_port = *hp.port_p;
		if (pm->proto == IPPROTO_ICMP) {
			/* Echo to a public address of ours: the identifier
			 * names the mapping on both ends.
			 */
			hp.key.b_port = 0;
		}
		w->stats.hairpinned++;
		if (hairpin_elsewhere(w, m, &hp))
			return;
		out2in_one(w, m, &hp, now, true);
		return;
	}

	to_next_hop(w, m, CGN_OUTSIDE, &w->nh_out,
		    w->ctx->link[CGN_OUTSIDE].gateway, now);
}

static __rte_always_inline void
translate_out2in(struct cgn_worker *w, struct rte_mbuf *m,
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

static void icmp_error_out2in(struct cgn_worker *w, struct rte_mbuf *m,
			      struct pkt_meta *pm, struct ct_session *s,
			      uint64_t now, bool hairpin);

/*
 * An ICMP error from inside about a flow of ours (RFC 5508 REQ-5, F29): the
 * outer source and the quoted destination become the outside endpoint. The
 * session is neither refreshed nor ended (C15, C18, C19).
 */
static void
icmp_error_in2out(struct cgn_worker *w, struct rte_mbuf *m,
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
		if (hairpin_elsewhere(w, m, &hp))
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
		    w->ctx->link[CGN_OUTSIDE].gateway, now);
}

/*
 * An ICMP error from outside about a flow of ours (RFC 5508 REQ-4, F28):
 * the quoted source and the outer destination become the inside endpoint;
 * type, code and the rest (the MTU of a frag-needed) are kept. Any router
 * may send one: ICMP is not filtered by source (F30).
 */
static void
icmp_error_out2in(struct cgn_worker *w, struct rte_mbuf *m,
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

/*
 * Unsolicited inbound SYNs (RFC 5382 REQ-4, checklist D21), with
 * icmp.unsolicited_syn = "icmp": the SYN is kept for tcp_syn_inbound
 * (>= 6 s). If the inside host opens the same connection outbound in that
 * time (simultaneous open), the kept SYN is forgotten silently; otherwise
 * an ICMP port unreachable (3/3) about it goes to the sender. With "drop"
 * (the default) nothing is ever sent back.
 */
static bool
syn_hold(struct cgn_worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
	 uint64_t now)
{
	struct cgn_syn_hold *h;

	if (w->syn_n == CGN_SYN_HOLD)
		return false;
	h = &w->syn[(w->syn_head + w->syn_n++) % CGN_SYN_HOLD];
	h->m = m;
	h->key = pm->key;
	h->deadline = now + w->syn_wait;
	return true;
}

/* An outbound SYN for key k (in2out view, translated to out:port). */
static void
syn_hold_match(struct cgn_worker *w, uint32_t out_addr, uint16_t out_port,
	       const struct ct_key *k)
{
	uint16_t i;

	for (i = 0; i < w->syn_n; i++) {
		struct cgn_syn_hold *h = &w->syn[(w->syn_head + i) %
						 CGN_SYN_HOLD];

		if (h->m != NULL && h->key.a_addr == out_addr &&
		    h->key.a_port == out_port && h->key.b_addr == k->b_addr &&
		    h->key.b_port == k->b_port) {
			rte_pktmbuf_free(h->m);
			h->m = NULL; /* silently forgotten */
			w->stats.syn_hold_matched++;
		}
	}
}

static void
syn_hold_expire(struct cgn_worker *w, uint64_t now, bool all)
{
	while (w->syn_n) {
		struct cgn_syn_hold *h = &w->syn[w->syn_head];

		if (!all && h->m != NULL && now < h->deadline)
			break;
		if (h->m != NULL) {
			if (!all)
				send_icmp_error(w, CGN_OUTSIDE, h->m,
						ICMP_DEST_UNREACH,
						ICMP_PORT_UNREACH, now);
			rte_pktmbuf_free(h->m);
		}
		w->syn_head = (uint16_t)((w->syn_head + 1) % CGN_SYN_HOLD);
		w->syn_n--;
	}
}

/* Could no mapping be made for this subscriber (RFC 6888 REQ-11)? Not
 * block_pending: a block is on its way, the next packet will do. */
static inline bool
mapping_refused(enum cgn_drop why)
{
	return why == CGN_DROP_pool_exhausted ||
	       why == CGN_DROP_ports_exhausted ||
	       why == CGN_DROP_session_limit || why == CGN_DROP_table_full ||
	       why == CGN_DROP_port_limit ||
	       why == CGN_DROP_mapping_rate;
}

/*
 * A packet that found no session and could not make one: dropped under
 * why. When the reason is that no mapping could be made for a subscriber,
 * it is told with ICMP 3/1, rate limited (F31); existing mappings are never
 * evicted for it. An unsolicited inbound SYN may be kept to answer 3/3
 * later (RFC 5382 REQ-4, D21).
 */
static void
no_session(struct cgn_worker *w, enum ct_dir dir, struct rte_mbuf *m,
	   struct pkt_meta *pm, enum cgn_drop why, uint64_t now)
{
	if (dir == CT_IN2OUT && w->icmp_unreach && mapping_refused(why))
		send_icmp_error(w, CGN_INSIDE, m, ICMP_DEST_UNREACH,
				ICMP_HOST_UNREACH, now);
	if (dir == CT_OUT2IN && w->syn_icmp && pm->proto == IPPROTO_TCP &&
	    (why == CGN_DROP_out_no_mapping || why == CGN_DROP_out_filtered) &&
	    (pm->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
		    RTE_TCP_SYN_FLAG && syn_hold(w, m, pm, now)) {
		w->stats.drop[why]++; /* kept only to quote it later */
		return;
	}
	drop(w, m, why);
}

/* out2in for one packet whose key is set: lookup, create, translate. */
static void
out2in_one(struct cgn_worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
	   uint64_t now, bool hairpin)
{
	enum cgn_drop why = CGN_DROP_out_no_mapping;
	uint32_t idx;

	pm->hash = ct_hash(w->ct, &pm->key);
	idx = ct_lookup(w->ct, CT_OUT2IN, &pm->key, pm->hash);
	if (idx == CT_NONE)
		idx = create_out2in(w, pm, now, &why);
	if (idx == CT_NONE) {
		drop(w, m, why);
		return;
	}
	translate_out2in(w, m, pm, &w->ct->sessions[idx], now, hairpin);
}

/* Pass 3 for an ICMP error: translated with its session, never makes one
 * (C18). */
static void __rte_noinline
icmp_error_one(struct cgn_worker *w, enum ct_dir dir, struct rte_mbuf *m,
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

/*
 * Pass 2 for an in2out packet that looks like a new flow (no candidate in
 * its home bucket, and no entry spilled past it): prefetch the first lines create_in2out() will read,
 * the subscriber index slot of its source address, the EIM index slot of
 * its inside endpoint, and the session and mapping records the free lists
 * give next, so that these misses overlap across the burst.
 */
static void __rte_noinline
prefetch_create_in2out(const struct cgn_worker *w, const struct pkt_meta *pm)
{
	const struct nat_pool *pool = w->pool;
	const struct ct_table *ct = w->ct;
	const struct ct_key *k = &pm->key;
	uint32_t h;

	nat_sub_prefetch_slot(pool, k->a_addr);
	if (w->eim) {
		h = nat_map_hash(pool, k->a_addr, k->a_port, pm->proto);
		rte_prefetch0(&pool->map_in.slot[nat_index_home(&pool->map_in,
								h)]);
	}
	if (pool->map_free != NAT_NONE)
		rte_prefetch0(&pool->maps[pool->map_free]);
	if (ct->free_head != CT_NONE) {
		rte_prefetch0(&ct->sessions[ct->free_head]);
		rte_prefetch0(&ct->cold[ct->free_head]);
	}
}

/*
 * After pass 2, for the burst's in2out packets that look like new flows
 * (no candidate in the home bucket, and no entry spilled past it):
 * prefetch_create_in2out(), then the subscriber's record, its list of
 * port blocks, then the blocks and their port bitmaps
 * (nat_sub_prefetch_slot() and the stages after it), a stage at a time
 * over all of them, so that a burst of new flows waits about one memory
 * latency per stage rather than one per flow.
 */
static void __rte_noinline
prefetch_new_flows(const struct cgn_worker *w, const struct pkt_meta *meta,
		   uint16_t n_pkts)
{
	const struct nat_pool *pool = w->pool;
	uint32_t sub[CGN_BURST];
	uint8_t fresh[CGN_BURST];
	unsigned int j, n = 0;
	uint16_t i;

	for (i = 0; i < n_pkts; i++) {
		if (meta[i].action != ACT_LOOKUP || meta[i].cand != CT_NONE ||
		    !ct_surely_absent_at(w->ct, CT_IN2OUT, meta[i].home))
			continue;
		prefetch_create_in2out(w, &meta[i]);
		fresh[n++] = (uint8_t)i;
	}
	for (j = 0; j < n; j++)
		sub[j] = nat_sub_prefetch_record(pool,
						 meta[fresh[j]].key.a_addr);
	for (j = 0; j < n; j++)
		if (sub[j] != NAT_NONE)
			nat_sub_prefetch_blocks(pool, sub[j]);
	for (j = 0; j < n; j++)
		if (sub[j] != NAT_NONE)
			nat_map_prefetch_ports(pool, sub[j],
					       meta[fresh[j]].key.a_port,
					       meta[fresh[j]].proto);
}

/* How far ahead pass 3 prefetches out2in neighbour entries. */
#define NB_AHEAD 4

#define PROC_HANDED  0x1 /* came from another worker: do not hand off */
#define PROC_HAIRPIN 0x2 /* translated in2out packet, now out2in */

static void
process_burst(struct cgn_worker *w, enum cgn_side side,
	      struct rte_mbuf **pkts, uint16_t n, uint64_t now,
	      unsigned int flags)
{
	enum ct_dir dir = side == CGN_INSIDE ? CT_IN2OUT : CT_OUT2IN;
	bool dispatch = w->ctx->n_workers > 1 && !(flags & PROC_HANDED);
	struct pkt_meta meta[CGN_BURST];
	struct ct_table *ct = w->ct;
	bool fresh = false; /* a packet surely without a session */
	uint16_t i;

	w->burst_tick = ct_clock(ct, now);
	if (flags & PROC_HANDED)
		w->stats.handoff_in += n;
	else
		w->stats.rx[side] += n;
	/* Pass 1: parse, hash, prefetch buckets. */
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		meta[i].action = ACT_DONE;
		if (!parse(w, side, &pkts[i], &meta[i], now))
			continue;
		if (dispatch) {
			/* Subscriber pinning: a subscriber's sessions and
			 * blocks live on one worker; so do the port blocks'
			 * return traffic.
			 */
			int owner = side == CGN_INSIDE ?
				(int)cgn_sub_owner(w->ctx, meta[i].key.a_addr) :
				out_owner(w, meta[i].key.a_addr,
					  meta[i].key.a_port, meta[i].proto);

			if (owner >= 0 && (unsigned int)owner != w->id) {
				meta[i].action = ACT_DONE;
				/* The worker it reached answers or drops what
				 * the address checks take, as it always did.
				 */
				if (addr_checks_due(w, side, pkts[i], &meta[i],
						    now))
					continue;
				handoff(w, (unsigned int)owner, pkts[i],
					(enum cgn_handoff_kind)side);
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
		prefetch_new_flows(w, meta, n);
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
				icmp_error_one(w, dir, pkts[i], pm, now,
					       flags & PROC_HAIRPIN);
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
				create_in2out(w, pkts[i], pm, now, &why) :
				create_out2in(w, pm, now, &why);
			if (idx == CT_NONE) {
				no_session(w, dir, pkts[i], pm, why, now);
				continue;
			}
		} else if (dir == CT_IN2OUT &&
			   unlikely(ct->sessions[idx].flags & CT_F_INBOUND) &&
			   addr_checks_due(w, side, pkts[i], pm, now)) {
			/* An inbound packet made the session: nothing says
			 * its remote is a destination we may send to, or
			 * not one to bypass (addr_checks()).
			 */
			continue;
		}
		if (dir == CT_IN2OUT)
			translate_in2out(w, pkts[i], pm, &ct->sessions[idx],
					 now);
		else
			translate_out2in(w, pkts[i], pm, &ct->sessions[idx],
					 now, flags & PROC_HAIRPIN);
	}
}

void
cgn_worker_process(struct cgn_worker *w, enum cgn_side side,
		   struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	process_burst(w, side, pkts, n, now, 0);
}

/* Packets other workers handed to this one. */
static void
drain_handoffs(struct cgn_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[CGN_BURST], *by_kind[3][CGN_BURST];
	uint16_t nk[3];
	unsigned int j, i, n;

	for (j = 0; j < w->ctx->n_workers; j++) {
		if (j == w->id)
			continue;
		n = rte_ring_sc_dequeue_burst(w->ctx->handoff[j][w->id],
					      (void **)pkts, CGN_BURST, NULL);
		if (n == 0)
			continue;
		nk[0] = nk[1] = nk[2] = 0;
		for (i = 0; i < n; i++) {
			unsigned int k = pkts[i]->port <= CGN_HO_HAIRPIN ?
					 pkts[i]->port : CGN_HO_OUTSIDE;

			by_kind[k][nk[k]++] = pkts[i];
		}
		if (nk[CGN_HO_INSIDE])
			process_burst(w, CGN_INSIDE, by_kind[CGN_HO_INSIDE],
				      nk[CGN_HO_INSIDE], now, PROC_HANDED);
		if (nk[CGN_HO_OUTSIDE])
			process_burst(w, CGN_OUTSIDE, by_kind[CGN_HO_OUTSIDE],
				      nk[CGN_HO_OUTSIDE], now, PROC_HANDED);
		if (nk[CGN_HO_HAIRPIN])
			process_burst(w, CGN_OUTSIDE, by_kind[CGN_HO_HAIRPIN],
				      nk[CGN_HO_HAIRPIN], now,
				      PROC_HANDED | PROC_HAIRPIN);
	}
}

/* Blocks the control thread granted; surplus blocks given back. */
static void
exchange_blocks(struct cgn_worker *w)
{
	uint32_t blk[16], a, b;
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst_elem(w->grant_ring, blk, sizeof(blk[0]),
					   RTE_DIM(blk), NULL);
	for (i = 0; i < n; i++) {
		nat_pool_block_give(w->pool, blk[i]);
		w->need_tsc[blk[i] / w->pool->blocks_per_addr] = 0;
	}
	if (w->block_keep == UINT32_MAX)
		return;
	/* Look at one address per call. */
	a = w->return_cursor;
	if (++w->return_cursor == w->pool->p.n_addrs)
		w->return_cursor = 0;
	while ((b = nat_pool_block_take(w->pool, a, w->block_keep)) !=
	       NAT_NONE) {
		if (rte_ring_sp_enqueue_elem(w->free_ring, &b, sizeof(b)) != 0) {
			nat_pool_block_give(w->pool, b);
			break;
		}
	}
}

/* Expire one session; free its mapping when it was the last user. */
static void
expire_session(struct ct_table *t, uint32_t idx, void *arg)
{
	struct cgn_worker *w = arg;
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
			/* Kept for its PCP lifetime (cgn_pcp_age). */
		} else {
			nat_sub_maybe_free(pool, sub_idx);
		}
	}
}

uint32_t
cgn_worker_age(struct cgn_worker *w, uint64_t now, uint32_t budget)
{
	w->age_now = now;
	return ct_scan(w->ct, now, budget, expire_session, w);
}

void
cgn_worker_close_all(struct cgn_worker *w, uint64_t now)
{
	uint32_t i;

	w->age_now = now;
	for (i = 0; i < w->ct->capacity; i++)
		if (w->ct->sessions[i].proto != 0)
			expire_session(w->ct, i, w);
	cgn_pcp_age(w, now, true);
	nat_pool_end_holds(w->pool, now);
	syn_hold_expire(w, now, true);
	/* Fragments still waiting for the rest of their datagram. */
	cgn_frag_poll(w, UINT64_MAX);
	/* Nothing will resolve the packets still waiting for ARP now. */
	while (w->pend_n) {
		drop(w, w->pend[w->pend_head].m, CGN_DROP_neigh_unresolved);
		w->pend_head = (uint16_t)((w->pend_head + 1) % CGN_PENDING);
		w->pend_n--;
	}
}

void
cgn_worker_poll(struct cgn_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[CGN_BURST];
	unsigned int side;
	uint16_t n;

	for (side = 0; side < CGN_SIDES; side++) {
		n = rte_eth_rx_burst(w->ctx->link[side].port_id, w->rxq, pkts,
				     CGN_BURST);
		if (n > 0)
			cgn_worker_process(w, side, pkts, n, now);
	}
	if (w->ctx->n_workers > 1)
		drain_handoffs(w, now);
	if (unlikely(w->pend_n != 0))
		drain_pending(w, now);
	/* Packets the control thread made (ARP). */
	n = (uint16_t)rte_ring_sc_dequeue_burst(w->tx_ring, (void **)pkts,
						CGN_BURST, NULL);
	while (n--) {
		struct rte_mbuf *m = pkts[n];

		m->hash.usr = 1;
		tx_enqueue(w, m->port == CGN_INSIDE ? CGN_INSIDE : CGN_OUTSIDE,
			   m);
	}
	if (unlikely(now >= w->next_age)) {
		w->next_age = now + w->age_interval;
		cgn_worker_age(w, now, w->age_budget);
		exchange_blocks(w);
		nat_pool_tick(w->pool, now, 64); /* ports out of hold-down */
		if (w->pcp_n != 0)
			cgn_pcp_age(w, now, false);
		if (w->syn_n != 0)
			syn_hold_expire(w, now, false);
	}
	/* Reassembly: datagrams past fragments.timeout, the death row. */
	cgn_frag_poll(w, now);
	cgn_worker_flush(w);
}

int
cgn_worker_main(void *arg)
{
	struct cgn_worker *w = arg;

	while (!cgn_quitting(w->ctx))
		cgn_worker_poll(w, rte_rdtsc());
	cgn_worker_flush(w);
	return 0;
}

static void
pool_log(void *arg, const struct nat_log_event *ev)
{
	struct cgn_worker *w = arg;

	if (rte_ring_mp_enqueue_elem(w->ctx->log_ring, (void *)(uintptr_t)ev,
				     sizeof(*ev)) != 0)
		w->stats.log_ring_full++;
	if (ev->type == NAT_LOG_BLOCK_ALLOC)
		w->stats.blocks_allocated++;
	else
		w->stats.blocks_released++;
}

/* The pool runs short of blocks of an address: ask, at most every 100 ms. */
/*
 * The pool chose the outside endpoint of a new mapping (nat_chosen_fn):
 * prefetch the out2in bucket of the session create_in2out() will add to
 * it, so that its miss overlaps the pool's index inserts.
 */
static void
pool_chosen(void *arg, uint32_t out_addr, uint16_t out_port, uint8_t proto)
{
	struct cgn_worker *w = arg;
	struct ct_key ko = {
		.a_addr = out_addr, .b_addr = w->new_rem_addr,
		.a_port = out_port, .b_port = w->new_rem_port,
		.proto = proto,
	};

	ct_prefetch_bucket(w->ct, CT_OUT2IN, ct_hash(w->ct, &ko));
}

static void
pool_need(void *arg, uint32_t addr_idx)
{
	struct cgn_worker *w = arg;
	uint64_t now = rte_rdtsc();

	if (w->need_tsc[addr_idx] != 0 &&
	    now - w->need_tsc[addr_idx] < w->ctx->tsc_hz / 10)
		return;
	w->need_tsc[addr_idx] = now;
	send_event(w, CGN_EV_NEED_BLOCKS, 0, addr_idx, NULL);
}

/* RFC 7422 f1 for the pool (deterministic mode). */
static int
pool_det_f1(void *arg, uint32_t in_addr, uint32_t *out_addr_h, uint16_t *lo,
	    uint16_t *hi)
{
	const struct cgn_worker *w = arg;

	return cgn_config_det_forward(w->ctx->cfg, rte_be_to_cpu_32(in_addr),
				      out_addr_h, lo, hi);
}

/* Most addresses a table of out_owner_init() may span (4 MiB). */
#define O2I_SPAN_MAX (1u << 20)

/*
 * out_owner()'s tables, checked against the pool's own functions: any
 * disagreement and that part of the fast path stays off (o2i_span or
 * o2i_reg_ports 0), so that out_owner() always says what out_owner_slow()
 * says. 0 or -ENOMEM.
 */
static int
out_owner_init(struct cgn_worker *w, int socket)
{
	const struct cgn_config *cfg = w->ctx->cfg;
	const struct nat_pool *pool = w->pool;
	uint32_t n = cfg->pool.n_addrs, bs = cfg->pool.block_size;
	uint32_t k, lo = UINT32_MAX, hi = 0, span, bpa;
	unsigned int p;

	w->block_owner = w->ctx->block_owner;
	w->o2i_span = 0;
	w->o2i_reg_ports = 0;
	if (n == 0 || bs == 0 || w->ctx->n_workers == 1)
		return 0; /* out_owner() is for dispatch only */
	for (k = 0; k < n; k++) {
		uint32_t a = cgn_config_pool_addr(cfg, k);

		lo = RTE_MIN(lo, a);
		hi = RTE_MAX(hi, a);
	}
	span = hi - lo + 1;
	bpa = w->ctx->blocks_per_addr;
	if (span == 0 || span > O2I_SPAN_MAX ||
	    (uint64_t)n * bpa > INT32_MAX)
		return 0;
	w->o2i_blk0 = rte_malloc_socket("cgn_o2i", sizeof(int32_t) * span, 0,
					socket);
	if (w->o2i_blk0 == NULL)
		return -ENOMEM;
	for (k = 0; k < span; k++) {
		int32_t ai = nat_pool_addr_index(pool, rte_cpu_to_be_32(lo + k));

		w->o2i_blk0[k] = ai < 0 ? -1 : (int32_t)((uint32_t)ai * bpa);
	}
	w->o2i_base = lo;
	w->o2i_span = span;

	/* Blocks: regular ports only; checked port by port on address 0,
	 * and the stride on address 1. */
	w->o2i_port_lo = cfg->pool.port_lo;
	w->o2i_div = (UINT64_C(1) << 32) / bs + 1;
	w->o2i_reg_ports = cfg->pool.port_hi >= cfg->pool.port_lo ?
		((uint32_t)cfg->pool.port_hi - cfg->pool.port_lo + 1) / bs * bs :
		0;
	if (n > 1 && w->o2i_reg_ports != 0 &&
	    nat_port_block(pool, 1, cfg->pool.port_lo) != bpa)
		w->o2i_reg_ports = 0;
	for (p = 0; p <= UINT16_MAX && w->o2i_reg_ports != 0; p++) {
		uint32_t po = (uint32_t)p - w->o2i_port_lo;

		if (po < w->o2i_reg_ports &&
		    nat_port_block(pool, 0, (uint16_t)p) !=
		    (uint32_t)((po * w->o2i_div) >> 32))
			w->o2i_reg_ports = 0;
	}
	return 0;
}

/*
 * May parse() leave the address checks of the common case to a session
 * miss (addr_checks())? Only when no pool address (every mapping's outside
 * address is one) is an address they treat apart: then an out2in packet
 * of a session made by an in2out one passes them as its maker did.
 * cgn_config_load() refuses most such pools; this does not rely on it.
 * addrs: host order.
 */
static bool
pool_addrs_checkable(const struct cgn_worker *w, const uint32_t *addrs,
		     uint32_t n)
{
	uint32_t k;

	for (k = 0; k < n; k++) {
		uint32_t a = rte_cpu_to_be_32(addrs[k]);

		if (bad_source(a) || bad_destination(a) ||
		    (a & SHARED_MASK) == SHARED_NET ||
		    a == w->own[CGN_OUTSIDE] || is_subscriber(w, a) ||
		    in_prefixes(w->byp_net, w->byp_mask, w->n_byp, a))
			return false;
	}
	return true;
}

static void
pool_need_low(void *arg, uint32_t addr_idx)
{
	(void)arg;
	(void)addr_idx;
}

/* The largest session timeout, in TSC cycles: it sets the table's tick. */
static uint64_t
session_max_timeout(const struct cgn_config *cfg, const struct cgn_ctx *ctx)
{
	uint64_t m = RTE_MAX(cfg->timeouts.udp, cfg->timeouts.tcp_established);

	m = RTE_MAX(m, (uint64_t)cfg->timeouts.tcp_trans_open);
	m = RTE_MAX(m, (uint64_t)cfg->timeouts.tcp_trans_close);
	m = RTE_MAX(m, (uint64_t)cfg->timeouts.icmp);
	return m * ctx->tsc_hz;
}

int
cgn_worker_init(struct cgn_worker *w, struct cgn_ctx *ctx, unsigned int id,
		int socket)
{
	const struct cgn_config *cfg = ctx->cfg;
	struct nat_pool_params pp;
	char name[RTE_RING_NAMESIZE];
	uint32_t *addrs, max_sess;
	unsigned int i;
	uint32_t k;
	int rc;

	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->id = id;
	w->rxq = (uint16_t)id;
	w->txq = (uint16_t)id;
	w->own[CGN_INSIDE] = ctx->link[CGN_INSIDE].addr;
	w->own[CGN_OUTSIDE] = ctx->link[CGN_OUTSIDE].addr;
	for (i = 0; i < cfg->n_subscribers; i++) {
		uint32_t mask = cfg->subscribers[i].len ?
			~0u << (32 - cfg->subscribers[i].len) : 0;

		w->sub_mask[i] = rte_cpu_to_be_32(mask);
		w->sub_net[i] = rte_cpu_to_be_32(cfg->subscribers[i].addr);
	}
	w->n_sub = cfg->n_subscribers;
	w->in_gw = cfg->inside.gateway ? rte_cpu_to_be_32(cfg->inside.gateway) :
					 0;
	w->nh_out = UINT32_MAX;
	w->icmp_tokens = ICMP_BURST;
	w->icmp_unreach = cfg->icmp.unreachable_on_no_mapping;
	w->syn_icmp = cfg->icmp.unsolicited_syn == CGN_SYN_ICMP;
	w->syn_wait = (uint64_t)cfg->timeouts.tcp_syn_inbound * ctx->tsc_hz;
	w->icmp_per_sec = cfg->icmp.rate ? cfg->icmp.rate : 1;
	for (i = 0; i < cfg->n_bypass; i++) {
		uint32_t mask = cfg->bypass[i].len ?
			~0u << (32 - cfg->bypass[i].len) : 0;

		w->byp_mask[i] = rte_cpu_to_be_32(mask);
		w->byp_net[i] = rte_cpu_to_be_32(cfg->bypass[i].addr);
	}
	w->n_byp = cfg->n_bypass;
	w->nh_in_gw = UINT32_MAX;
	w->eim = cfg->pool.mapping == CGN_MAP_EIM;
	w->filtering = (uint8_t)cfg->pool.filtering;
	w->hairpin = cfg->pool.hairpinning;
	w->sessions_per_sub = cfg->limits.sessions_per_subscriber;

	/* limits.max_sessions is for the box: each worker gets its share. */
	max_sess = (cfg->limits.max_sessions + ctx->n_workers - 1) /
		   ctx->n_workers;
	snprintf(name, sizeof(name), "cgn_ct%u", id);
	w->ct = ct_table_create(name, max_sess, session_max_timeout(cfg, ctx),
				socket);
	if (w->ct == NULL)
		return -ENOMEM;
	w->ct->timeout[CT_TO_UDP] = cfg->timeouts.udp * ctx->tsc_hz;
	w->ct->timeout[CT_TO_TCP_EST] = cfg->timeouts.tcp_established *
					ctx->tsc_hz;
	w->ct->timeout[CT_TO_TCP_TRANS] = (uint64_t)cfg->timeouts.tcp_trans_open *
					  ctx->tsc_hz;
	w->ct->timeout[CT_TO_TCP_CLOSE] =
		(uint64_t)cfg->timeouts.tcp_trans_close * ctx->tsc_hz;
	w->ct->timeout[CT_TO_ICMP] = cfg->timeouts.icmp * ctx->tsc_hz;
	/* Sweep the whole table about every 10 s, a little every ms. */
	w->age_interval = ctx->tsc_hz / 1000;
	w->age_budget = RTE_MAX(max_sess / 10000, 16u);

	addrs = rte_malloc(NULL, sizeof(uint32_t) * cfg->pool.n_addrs, 0);
	if (addrs == NULL)
		return -ENOMEM;
	for (k = 0; k < cfg->pool.n_addrs; k++)
		addrs[k] = cgn_config_pool_addr(cfg, k);
	w->addr_defer = pool_addrs_checkable(w, addrs, cfg->pool.n_addrs);
	pp = (struct nat_pool_params){
		.addrs = addrs,
		.n_addrs = cfg->pool.n_addrs,
		.port_lo = cfg->pool.port_lo,
		.port_hi = cfg->pool.port_hi,
		.block_size = cfg->pool.block_size,
		.max_blocks_per_sub = cfg->pool.max_blocks_per_subscriber,
		/* A subscriber holds a block or a static mapping, so there
		 * are never more of them than blocks plus statics.
		 */
		.max_subscribers = RTE_MIN(max_sess,
			cfg->pool.n_addrs * (((uint32_t)cfg->pool.port_hi -
			cfg->pool.port_lo + 1) / cfg->pool.block_size)) +
			cfg->n_statics,
		.max_mappings = max_sess + cfg->n_statics,
		.eim = w->eim,
		.socket = socket,
		.log = pool_log,
		.log_arg = w,
		.chosen = pool_chosen,
		.chosen_arg = w,
		/* Blocks come from the control thread's block manager. */
		.start_empty = true,
		.low_water = CGN_BLOCK_LOW,
		.need = pool_need,
		/* Low blocks are split among the workers at start and not
		 * rebalanced (there are few of them): nothing to ask for.
		 */
		.need_low = pool_need_low,
		.global_free = ctx->global_free,
		.port_preservation = cfg->pool.port_preservation,
		.port_parity = cfg->pool.port_parity,
		.low_lo = cfg->pool.low_lo,
		.low_hi = cfg->pool.low_hi,
		.tsc_hz = ctx->tsc_hz,
		.hold_down = cfg->pool.hold_down,
		.hold_down_max = cfg->pool.hold_down_max,
		.port_limit = { cfg->limits.ports_per_subscriber.tcp,
				cfg->limits.ports_per_subscriber.udp,
				cfg->limits.ports_per_subscriber.icmp },
		.map_rate = cfg->limits.mappings_per_second,
	};
	if (cfg->pool.mode == CGN_POOL_DETERMINISTIC) {
		pp.det_f1 = pool_det_f1;
		pp.det_arg = w;
		pp.det_first_host = cfg->deterministic.first_host;
		pp.det_hosts = cfg->deterministic.n_hosts;
		pp.det_ports = cfg->deterministic.ports_per_sub;
	}
	snprintf(name, sizeof(name), "cgn_pool%u", id);
	w->pool = nat_pool_create(name, &pp);
	rte_free(addrs);
	if (w->pool == NULL)
		return -ENOMEM;

	snprintf(name, sizeof(name), "cgn_slow%u", id);
	w->slow_ring = rte_ring_create(name, 1024, socket,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cgn_ev%u", id);
	w->ev_ring = rte_ring_create_elem(name, sizeof(struct cgn_event), 4096,
					  socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cgn_tx%u", id);
	w->tx_ring = rte_ring_create(name, 1024, socket,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cgn_grant%u", id);
	w->grant_ring = rte_ring_create_elem(name, sizeof(uint32_t), 1024,
					     socket,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cgn_free%u", id);
	w->free_ring = rte_ring_create_elem(name, sizeof(uint32_t), 1024,
					    socket,
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->need_tsc = rte_zmalloc_socket(NULL,
					 sizeof(uint64_t) * cfg->pool.n_addrs,
					 0, socket);
	w->block_keep = ctx->n_workers == 1 ? UINT32_MAX : CGN_BLOCK_KEEP;
	if (w->slow_ring == NULL || w->ev_ring == NULL || w->tx_ring == NULL ||
	    w->grant_ring == NULL || w->free_ring == NULL || w->need_tsc == NULL)
		return -ENOMEM;
	/* Reassembly table, death row, indirect mbufs (one per worker). */
	rc = cgn_frag_init(w, socket);
	if (rc == 0)
		rc = out_owner_init(w, socket);
	if (rc != 0)
		return rc;
	w->nb_e = ctx->neigh.e;
	for (i = 0; i < CGN_SIDES; i++) {
		uint8_t b[8] = { 0 };

		memcpy(b + 6, ctx->link[i].mac.addr_bytes, 2);
		memcpy(&w->smac_w0[i], b, sizeof(b));
		memcpy(&w->smac_w1[i], ctx->link[i].mac.addr_bytes + 2,
		       sizeof(uint32_t));
		memset(b, 0, sizeof(b));
		memcpy(b, ctx->link[i].mac.addr_bytes, 6);
		memcpy(&w->mac48[i], b, sizeof(b));
		w->frame_max[i] = cgn_frag_frame_max(id, (enum cgn_side)i);
	}
	return 0;
}

void
cgn_worker_fini(struct cgn_worker *w)
{
	struct rte_mbuf *m;

	syn_hold_expire(w, 0, true);
	cgn_frag_fini(w);
	while (w->pend_n) {
		rte_pktmbuf_free(w->pend[w->pend_head].m);
		w->pend_head = (uint16_t)((w->pend_head + 1) % CGN_PENDING);
		w->pend_n--;
	}

	if (w->slow_ring != NULL)
		while (rte_ring_dequeue(w->slow_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	if (w->tx_ring != NULL)
		while (rte_ring_dequeue(w->tx_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	rte_ring_free(w->slow_ring);
	rte_ring_free(w->ev_ring);
	rte_ring_free(w->tx_ring);
	rte_ring_free(w->grant_ring);
	rte_ring_free(w->free_ring);
	rte_free(w->need_tsc);
	rte_free(w->o2i_blk0);
	nat_pool_free(w->pool);
	ct_table_free(w->ct);
	w->slow_ring = w->ev_ring = w->tx_ring = NULL;
	w->grant_ring = w->free_ring = NULL;
	w->need_tsc = NULL;
	w->pool = NULL;
	w->ct = NULL;
}

int
cgn_worker_add_statics(struct cgn_worker *w, char *err, size_t errlen)
{
	const struct cgn_config *cfg = w->ctx->cfg;
	unsigned int i;

	for (i = 0; i < cfg->n_statics; i++) {
		const struct cgn_static_map *sm = &cfg->statics[i];
		struct cgn_static_key k = {
			.addr = rte_cpu_to_be_32(sm->out_addr),
			.port = rte_cpu_to_be_16(sm->out_port),
			.proto = sm->proto,
		};
		enum nat_err e;

		if (cgn_sub_owner(w->ctx, rte_cpu_to_be_32(sm->in_addr)) != w->id)
			continue;
		if (w->ctx->static_owner != NULL &&
		    rte_hash_add_key_data(w->ctx->static_owner, &k,
					  (void *)(uintptr_t)w->id) < 0) {
			snprintf(err, errlen, "%s:%d: static mapping: no room",
				 cfg->path, sm->line);
			return -1;
		}
		if (nat_map_add_static(w->pool, sm->proto,
				       rte_cpu_to_be_32(sm->in_addr),
				       rte_cpu_to_be_16(sm->in_port),
				       rte_cpu_to_be_32(sm->out_addr),
				       rte_cpu_to_be_16(sm->out_port),
				       &e) == NAT_NONE) {
			snprintf(err, errlen, "%s:%d: static mapping: %s",
				 cfg->path, sm->line, nat_err_str(e));
			return -1;
		}
	}
	return 0;
}

int
cgn_shared_init(struct cgn_ctx *ctx, char *err, size_t errlen)
{
	const struct cgn_config *cfg = ctx->cfg;
	struct rte_hash_parameters hp = {
		.name = "cgn_static_owner",
		.entries = RTE_MAX(cfg->n_statics, 8u),
		.key_len = sizeof(struct cgn_static_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	char name[RTE_RING_NAMESIZE];
	unsigned int i, j;

	{
		/* The same count nat_pool_create() will make, low blocks
		 * included.
		 */
		struct nat_pool_params pp = {
			.port_lo = cfg->pool.port_lo,
			.port_hi = cfg->pool.port_hi,
			.block_size = cfg->pool.block_size,
			.low_lo = cfg->pool.low_lo,
			.low_hi = cfg->pool.low_hi,
		};

		ctx->blocks_per_addr = nat_blocks_per_addr(&pp);
	}
	ctx->n_blocks = cfg->pool.n_addrs * ctx->blocks_per_addr;
	ctx->block_owner = rte_zmalloc(NULL, ctx->n_blocks, 0);
	ctx->global_free = rte_zmalloc(NULL, sizeof(uint32_t) *
					     cfg->pool.n_addrs, 0);
	ctx->static_owner = rte_hash_create(&hp);
	if (ctx->block_owner == NULL || ctx->global_free == NULL ||
	    ctx->static_owner == NULL) {
		snprintf(err, errlen, "out of memory for the block owners");
		return -1;
	}
	for (i = 0; i < ctx->n_workers && ctx->n_workers > 1; i++)
		for (j = 0; j < ctx->n_workers; j++) {
			if (i == j)
				continue;
			snprintf(name, sizeof(name), "cgn_ho%u_%u", i, j);
			ctx->handoff[i][j] = rte_ring_create(name,
				CGN_HANDOFF_RING, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (ctx->handoff[i][j] == NULL) {
				snprintf(err, errlen, "cannot create ring %s",
					 name);
				return -1;
			}
		}
	return 0;
}

void
cgn_shared_fini(struct cgn_ctx *ctx)
{
	struct rte_mbuf *m;
	unsigned int i, j;

	for (i = 0; i < CGN_MAX_WORKERS; i++)
		for (j = 0; j < CGN_MAX_WORKERS; j++) {
			if (ctx->handoff[i][j] == NULL)
				continue;
			while (rte_ring_dequeue(ctx->handoff[i][j],
						(void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(ctx->handoff[i][j]);
			ctx->handoff[i][j] = NULL;
		}
	rte_hash_free(ctx->static_owner);
	rte_free(ctx->block_owner);
	rte_free(ctx->global_free);
	ctx->static_owner = NULL;
	ctx->block_owner = NULL;
	ctx->global_free = NULL;
}
