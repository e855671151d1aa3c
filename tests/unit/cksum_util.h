/* SPDX-License-Identifier: BSD-3-Clause
 * What the checksum tests (test_cksum_*.c) share: a reproducible random
 * generator, byte access, an independent RFC 1071 reference, random
 * packets, and the NAT side (session deltas and translation). The
 * checksum rules they check are described in test_cksum_helpers.c.
 */
#ifndef CKSUM_UTIL_H
#define CKSUM_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "nat_cksum.h"

#define FUZZ_SESSIONS 25000
#define FUZZ_PKTS_PER_SESSION 4 /* 100000 packets per direction */
#define CONSTRUCT_CASES 2000

/* ------------------------------------------------------------------ */
/* Random numbers: splitmix64, reproducible.                           */

extern uint64_t rng_state;

uint64_t rnd64(void);
uint32_t rnd32(void);
/* Uniform in [lo, hi]. */
uint32_t rnd_range(uint32_t lo, uint32_t hi);

/* ------------------------------------------------------------------ */
/* Byte access: the reference works on bytes, big-endian.              */

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Raw (network order, as in memory) loads and stores, as the NAT does. */
static inline uint16_t
ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline void
st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static inline uint32_t
ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline void
st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* ------------------------------------------------------------------ */
/* Independent reference: RFC 1071 over big-endian words.              */

uint32_t ref_sum(const uint8_t *p, size_t n, uint32_t sum);
uint16_t ref_fold(uint32_t sum);

/* ------------------------------------------------------------------ */
/* Packets: IPv4 header (with options) + TCP/UDP/ICMP echo.            */

#define IP_CK 10
#define TCP_CK 16
#define UDP_CK 6
#define ICMP_CK 2

struct pkt {
	uint8_t b[2048] __attribute__((aligned(16)));
	size_t len;  /* total length */
	size_t l4;   /* offset of the L4 header */
	uint8_t proto;
};

static inline size_t
l4_ck_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? TCP_CK :
	       proto == IPPROTO_UDP ? UDP_CK : ICMP_CK;
}

/* Offset of the port that the NAT rewrites: src (in2out) or dst. ICMP:
 * the query identifier in either direction.
 */
static inline size_t
port_off(const struct pkt *p, bool src)
{
	if (p->proto == IPPROTO_ICMP)
		return p->l4 + 4;
	return p->l4 + (src ? 0 : 2);
}

static inline uint16_t
field(const struct pkt *p, size_t off)
{
	return get16(p->b + off);
}

static inline size_t
l4ck(const struct pkt *p)
{
	return p->l4 + l4_ck_off(p->proto);
}

/* From-scratch IP header checksum, as the field should read (host order). */
uint16_t ref_ip(const struct pkt *p);

/*
 * From-scratch L4 checksum (host order). udp_map: apply RFC 768's "a
 * computed 0 is sent as 0xffff"; without it the raw ~sum is returned.
 */
uint16_t ref_l4_raw(const struct pkt *p, bool udp_map);
uint16_t ref_l4(const struct pkt *p);

/* Does the packet verify (sum over everything, field included, is -0)? */
bool ref_ip_ok(const struct pkt *p);
bool ref_l4_ok(const struct pkt *p);

/* The same two checksums by DPDK, as raw field values. */
uint16_t dpdk_ip(const struct pkt *p);
uint16_t dpdk_l4(const struct pkt *p);

/* Set both checksums to the canonical from-scratch values. */
void fill_cksums(struct pkt *p);

size_t rnd_payload_len(void);

/*
 * A random packet. Addresses and ports are host order; ports of ICMP:
 * sport is the identifier (dport unused), type echo request if !reply.
 */
void gen_pkt(struct pkt *p, uint8_t proto, uint32_t src, uint32_t dst,
	     uint16_t sport, uint16_t dport, size_t payload, bool reply);

/* ------------------------------------------------------------------ */
/* The NAT side: session deltas and translation, as lib/nat does it. */

struct sess {
	/* network order, as they sit in the packet */
	uint32_t in_addr, out_addr, rem_addr;
	uint16_t in_port, out_port, rem_port;
	uint8_t proto;
	uint16_t ck_ip, ck_l4;
};

void sess_deltas(struct sess *s);

static inline uint32_t
ttl_dec(struct pkt *p)
{
	uint16_t old_w = ld16(p->b + 8), new_w;

	p->b[8]--;
	new_w = ld16(p->b + 8);
	/* The worker does not read the word: the delta is a constant. */
	assert_int_equal(nat_cksum_word(old_w, new_w), NAT_CKSUM_TTL_DEC);
	return NAT_CKSUM_TTL_DEC;
}

static inline void
rewrite_l4(struct pkt *p, uint16_t delta)
{
	uint8_t *ck = p->b + l4ck(p);

	if (p->proto == IPPROTO_UDP)
		st16(ck, nat_cksum_apply_udp(ld16(ck), delta));
	else
		st16(ck, nat_cksum_apply(ld16(ck), delta));
}

/* Inside -> outside: source address and port (or ICMP id). */
static inline void
nat_in2out(struct pkt *p, const struct sess *s, bool dec_ttl)
{
	uint32_t d = (dec_ttl ? ttl_dec(p) : 0) + s->ck_ip;

	st32(p->b + 12, s->out_addr);
	st16(p->b + IP_CK, nat_cksum_apply32(ld16(p->b + IP_CK), d));
	st16(p->b + port_off(p, true), s->out_port);
	rewrite_l4(p, s->ck_l4);
}

/* Outside -> inside: destination address and port (or ICMP id). */
static inline void
nat_out2in(struct pkt *p, const struct sess *s, bool dec_ttl)
{
	uint32_t d = (dec_ttl ? ttl_dec(p) : 0) + nat_cksum_neg(s->ck_ip);

	st32(p->b + 16, s->in_addr);
	st16(p->b + IP_CK, nat_cksum_apply32(ld16(p->b + IP_CK), d));
	st16(p->b + port_off(p, false), s->in_port);
	rewrite_l4(p, nat_cksum_neg(s->ck_l4));
}

/*
 * The undo of nat_in2out (without TTL) on the same fields: what the
 * reverse delta must do to restore the original bytes.
 */
static inline void
nat_undo_in2out(struct pkt *p, const struct sess *s)
{
	st32(p->b + 12, s->in_addr);
	st16(p->b + IP_CK, nat_cksum_apply(ld16(p->b + IP_CK),
					   nat_cksum_neg(s->ck_ip)));
	st16(p->b + port_off(p, true), s->in_port);
	rewrite_l4(p, nat_cksum_neg(s->ck_l4));
}

uint8_t rnd_proto(void);
void rnd_sess(struct sess *s, uint8_t proto);

/* An inside packet of a session. */
void gen_in(struct pkt *p, const struct sess *s, size_t payload);

/* An outside (reply) packet of a session. */
void gen_out(struct pkt *p, const struct sess *s, size_t payload);

/* Both checksums of p equal both references, and p verifies. */
void check_pkt(const struct pkt *p, const char *what, unsigned long n);

/* cmocka group setup: seeds the generator from $CKSUM_SEED or a fixed
 * seed, and prints it so that a failure can be replayed. */
int cksum_group_setup(void **state);

#endif /* CKSUM_UTIL_H */
