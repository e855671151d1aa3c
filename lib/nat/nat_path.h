/* SPDX-License-Identifier: BSD-3-Clause
 * What the packet path's files share (not an API): a packet's metadata
 * from pass 1, the checks every stage uses, and the functions they call
 * in one another (nat_worker.h lists which file does what).
 */
#ifndef NAT_PATH_H
#define NAT_PATH_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "ct_table.h"
#include "ct_tcp.h"
#include "nat_cksum.h"
#include "nat_pool.h"
#include "nat_worker.h"

#define SHARED_NET RTE_BE32(0x64400000) /* 100.64.0.0/10, RFC 6598 */
#define SHARED_MASK RTE_BE32(0xffc00000)
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
 * three passes go over NAT_BURST of them). Fields inside the first segment
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
	uint8_t addr_todo; /* nat_addr_checks() not run yet (nat_parse()) */
};

static_assert(sizeof(struct pkt_meta) <= RTE_CACHE_LINE_SIZE,
	      "a packet's metadata in one cache line");

/* Across the packet path's files (each says what it does where it is). */
bool nat_addr_checks(struct nat_worker *w, enum cgn_side side,
		     struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint64_t now);
void nat_handoff(struct nat_worker *w, unsigned int owner, struct rte_mbuf *m,
		 enum nat_handoff_kind kind);
bool nat_hairpin_elsewhere(struct nat_worker *w, struct rte_mbuf *m,
			   const struct pkt_meta *hp);
void nat_hairpin_in2out(struct nat_worker *w, struct rte_mbuf *m,
			const struct pkt_meta *pm, const struct ct_session *s,
			uint64_t now);
uint32_t nat_session_add(struct nat_worker *w, uint32_t map_idx,
			 uint32_t rem_addr, uint16_t rem_port, uint8_t flags,
			 uint64_t now, enum cgn_drop *why);
enum cgn_drop nat_err_drop(enum nat_err e);
void nat_pool_chosen(void *arg, uint32_t out_addr, uint16_t out_port,
		     uint8_t proto);
uint32_t nat_create_in2out(struct nat_worker *w, struct rte_mbuf *m,
			   struct pkt_meta *pm, uint64_t now,
			   enum cgn_drop *why);
void nat_prefetch_new_flows(const struct nat_worker *w,
			    const struct pkt_meta *meta, uint16_t n_pkts);
uint32_t nat_create_out2in(struct nat_worker *w, struct pkt_meta *pm,
			   uint64_t now, enum cgn_drop *why);
void nat_no_session(struct nat_worker *w, enum ct_dir dir, struct rte_mbuf *m,
		    struct pkt_meta *pm, enum cgn_drop why, uint64_t now);
void nat_out2in_one(struct nat_worker *w, struct rte_mbuf *m,
		    struct pkt_meta *pm, uint64_t now, bool hairpin);
void nat_syn_hold_match(struct nat_worker *w, uint32_t out_addr,
			uint16_t out_port, const struct ct_key *k);
void nat_syn_hold_expire(struct nat_worker *w, uint64_t now, bool all);
void nat_icmp_error_one(struct nat_worker *w, enum ct_dir dir,
			struct rte_mbuf *m, struct pkt_meta *pm, uint64_t now,
			bool hairpin);
void nat_icmp_error_mtu(struct nat_worker *w, enum cgn_side side,
			struct rte_mbuf *m, uint8_t type, uint8_t code,
			uint16_t mtu, uint64_t now);
void nat_send_icmp_error(struct nat_worker *w, enum cgn_side side,
			 struct rte_mbuf *m, uint8_t type, uint8_t code,
			 uint64_t now);
void nat_answer_echo(struct nat_worker *w, enum cgn_side side,
		     struct rte_mbuf *m, struct rte_ipv4_hdr *ip);
bool nat_untranslate(struct nat_worker *w, struct rte_mbuf *m,
		     enum cgn_side side, enum cgn_side *from);
void nat_to_next_hop_slow(struct nat_worker *w, struct rte_mbuf *m,
			  enum cgn_side side, uint32_t *nh, uint32_t ip,
			  uint64_t now);
void nat_send_event(struct nat_worker *w, uint8_t type, uint8_t side,
		    uint32_t ip, const struct rte_ether_addr *mac);
void nat_drain_pending(struct nat_worker *w, uint64_t now);
void nat_forward_too_big(struct nat_worker *w, struct rte_mbuf *m,
			 enum cgn_side side, const struct rte_ether_addr *mac,
			 uint64_t now);
void nat_expire_session(struct ct_table *t, uint32_t idx, void *arg);
int nat_owner_init(struct nat_worker *w, const struct nat_pool_params *pp,
		   int socket);

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
drop(struct nat_worker *w, struct rte_mbuf *m, enum cgn_drop why)
{
	w->stats.drop[why]++;
	rte_pktmbuf_free(m);
}


/* Is a source address one no host may use (RFC 1812 5.3.7)? */
static inline bool
bad_source(uint32_t a)
{
	uint8_t first = ((const uint8_t *)&a)[0];

	return a == 0 || first == 127 || first >= 224;
}

static inline bool
in_prefixes(const struct nat_prefixes *p, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if ((a & p->mask[i]) == p->net[i])
			return true;
	return false;
}

static inline bool
is_subscriber(const struct nat_worker *w, uint32_t a)
{
	return in_prefixes(&w->sub, a);
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

/* The address checks a packet has not had yet, if any; true when they
 * took it. */
static inline bool
addr_checks_due(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m,
		struct pkt_meta *pm, uint64_t now)
{
	if (likely(!pm->addr_todo))
		return false;
	pm->addr_todo = 0;
	return nat_addr_checks(w, side, m, pm->ip, now);
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

#endif /* NAT_PATH_H */
