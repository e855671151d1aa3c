/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the RFC 1624 incremental checksum helpers
 * (lib/nat/nat_cksum.h), checklist items L46 and L47.
 *
 * Every packet is translated the way app/cgn_worker.c does it: the session
 * deltas are computed once (ck_ip from the address, ck_l4 from the address
 * and the port, or the ICMP identifier alone), then applied per packet,
 * the IP one together with the TTL decrement. The result is compared with
 * a from-scratch checksum from two independent references:
 *   - ref_*: a plain RFC 1071 sum over big-endian 16-bit words, written
 *     here, that knows nothing of nat_cksum.h;
 *   - DPDK's rte_ipv4_cksum() / rte_ipv4_udptcp_cksum() / rte_raw_cksum()
 *     (header inlines, no EAL needed).
 *
 * One's complement has two zeros, 0x0000 (+0) and 0xffff (-0). What each
 * protocol should carry:
 *   IP, TCP, ICMP: a checksum computed from scratch is ~sum, and the sum of
 *     data that is not all zero is never +0, so the field is never 0xffff.
 *     RFC 1624 section 3 shows eqn. 3, HC' = ~(~HC + ~m + m'), gives the
 *     same 0x0000 that a recompute gives where RFC 1141's eqn. 2 gave
 *     0xffff. So the incremental result must equal the recompute bit for
 *     bit, 0x0000 included; these tests assert exact equality.
 *   UDP: RFC 768, 0x0000 means "no checksum" and must stay 0x0000; a
 *     computed 0x0000 is sent as 0xffff. Again exact equality with the
 *     recompute (which does that mapping).
 *   A received TCP/IP field of 0xffff (the other zero; it verifies, but a
 *     correct sender never makes it) comes out of eqn. 3 as the canonical
 *     recompute value: asserted exactly as well.
 *
 * The random generator is seeded from $CKSUM_SEED if set, else a fixed
 * seed; the seed is printed so a failure can be replayed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "nat_cksum.h"

#define FUZZ_SESSIONS 25000
#define FUZZ_PKTS_PER_SESSION 4 /* 100000 packets per direction */
#define CONSTRUCT_CASES 2000

/* ------------------------------------------------------------------ */
/* Random numbers: splitmix64, reproducible.                           */

static uint64_t rng_state;

static uint64_t
rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
rnd32(void)
{
	return (uint32_t)(rnd64() >> 32);
}

/* Uniform in [lo, hi]. */
static uint32_t
rnd_range(uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rnd64() % ((uint64_t)hi - lo + 1));
}

/* ------------------------------------------------------------------ */
/* Byte access: the reference works on bytes, big-endian.              */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Raw (network order, as in memory) loads and stores, as the NAT does. */
static uint16_t
ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void
st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static uint32_t
ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void
st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* ------------------------------------------------------------------ */
/* Independent reference: RFC 1071 over big-endian words.              */

static uint32_t
ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		sum += (uint32_t)p[i] << 8 | p[i + 1];
		if (sum & 0x80000000u)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8; /* pad with a zero byte */
	return sum;
}

static uint16_t
ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

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

static size_t
l4_ck_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? TCP_CK :
	       proto == IPPROTO_UDP ? UDP_CK : ICMP_CK;
}

/* Offset of the port that the NAT rewrites: src (in2out) or dst. ICMP:
 * the query identifier in either direction.
 */
static size_t
port_off(const struct pkt *p, bool src)
{
	if (p->proto == IPPROTO_ICMP)
		return p->l4 + 4;
	return p->l4 + (src ? 0 : 2);
}

/* From-scratch IP header checksum, as the field should read (host order). */
static uint16_t
ref_ip(const struct pkt *p)
{
	uint32_t s = ref_sum(p->b, IP_CK, 0);

	s = ref_sum(p->b + IP_CK + 2, p->l4 - IP_CK - 2, s);
	return (uint16_t)~ref_fold(s);
}

/*
 * From-scratch L4 checksum (host order). udp_map: apply RFC 768's "a
 * computed 0 is sent as 0xffff"; without it the raw ~sum is returned.
 */
static uint16_t
ref_l4_raw(const struct pkt *p, bool udp_map)
{
	size_t ck = p->l4 + l4_ck_off(p->proto);
	size_t l4len = p->len - p->l4;
	uint32_t s = 0;
	uint16_t c;

	if (p->proto != IPPROTO_ICMP) {
		s = ref_sum(p->b + 12, 8, 0); /* source and destination */
		s += p->proto;
		s += (uint32_t)l4len;
	}
	s = ref_sum(p->b + p->l4, ck - p->l4, s);
	s = ref_sum(p->b + ck + 2, p->len - ck - 2, s);
	c = (uint16_t)~ref_fold(s);
	if (udp_map && p->proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

static uint16_t
ref_l4(const struct pkt *p)
{
	return ref_l4_raw(p, true);
}

/* Does the packet verify (sum over everything, field included, is -0)? */
static bool
ref_ip_ok(const struct pkt *p)
{
	return ref_fold(ref_sum(p->b, p->l4, 0)) == 0xffff;
}

static bool
ref_l4_ok(const struct pkt *p)
{
	uint32_t s = 0;

	if (p->proto != IPPROTO_ICMP) {
		s = ref_sum(p->b + 12, 8, 0);
		s += p->proto;
		s += (uint32_t)(p->len - p->l4);
	}
	s = ref_sum(p->b + p->l4, p->len - p->l4, s);
	return ref_fold(s) == 0xffff;
}

/* The same two checksums by DPDK, as raw field values. */
static uint16_t
dpdk_ip(const struct pkt *p)
{
	struct pkt c;

	memcpy(c.b, p->b, p->l4);
	memset(c.b + IP_CK, 0, 2);
	return rte_ipv4_cksum((const struct rte_ipv4_hdr *)c.b);
}

static uint16_t
dpdk_l4(const struct pkt *p)
{
	static struct pkt c;

	memcpy(c.b, p->b, p->len);
	memset(c.b + p->l4 + l4_ck_off(p->proto), 0, 2);
	if (p->proto == IPPROTO_ICMP)
		return (uint16_t)~rte_raw_cksum(c.b + p->l4, p->len - p->l4);
	return rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)c.b,
				     c.b + p->l4);
}

static uint16_t
field(const struct pkt *p, size_t off)
{
	return get16(p->b + off);
}

static size_t
l4ck(const struct pkt *p)
{
	return p->l4 + l4_ck_off(p->proto);
}

/* Set both checksums to the canonical from-scratch values. */
static void
fill_cksums(struct pkt *p)
{
	put16(p->b + IP_CK, ref_ip(p));
	put16(p->b + l4ck(p), ref_l4(p));
}

static size_t
rnd_payload_len(void)
{
	/* Mostly small packets, some large; odd lengths included. */
	return rnd64() % 10 < 6 ? rnd_range(0, 63) : rnd_range(0, 1380);
}

/*
 * A random packet. Addresses and ports are host order; ports of ICMP:
 * sport is the identifier (dport unused), type echo request if !reply.
 */
static void
gen_pkt(struct pkt *p, uint8_t proto, uint32_t src, uint32_t dst,
	uint16_t sport, uint16_t dport, size_t payload, bool reply)
{
	size_t ihl = rnd_range(5, 15), l4hdr, i;

	p->proto = proto;
	p->l4 = ihl * 4;
	l4hdr = proto == IPPROTO_TCP ? rnd_range(5, 15) * 4 : 8;
	p->len = p->l4 + l4hdr + payload;
	for (i = 0; i < p->len; i++)
		p->b[i] = (uint8_t)rnd32();
	p->b[0] = (uint8_t)(0x40 | ihl);
	put16(p->b + 2, (uint16_t)p->len);
	p->b[8] = (uint8_t)rnd_range(2, 255); /* TTL, > 1 */
	p->b[9] = proto;
	put32(p->b + 12, src);
	put32(p->b + 16, dst);
	switch (proto) {
	case IPPROTO_TCP:
		put16(p->b + p->l4, sport);
		put16(p->b + p->l4 + 2, dport);
		p->b[p->l4 + 12] = (uint8_t)((l4hdr / 4) << 4);
		break;
	case IPPROTO_UDP:
		put16(p->b + p->l4, sport);
		put16(p->b + p->l4 + 2, dport);
		put16(p->b + p->l4 + 4, (uint16_t)(l4hdr + payload));
		break;
	default:
		p->b[p->l4] = reply ? 0 : 8;
		p->b[p->l4 + 1] = 0;
		put16(p->b + p->l4 + 4, sport);
		break;
	}
	fill_cksums(p);
}

/* ------------------------------------------------------------------ */
/* The NAT side: session deltas and translation, as app/cgn_worker.c.  */

struct sess {
	/* network order, as they sit in the packet */
	uint32_t in_addr, out_addr, rem_addr;
	uint16_t in_port, out_port, rem_port;
	uint8_t proto;
	uint16_t ck_ip, ck_l4;
};

static void
sess_deltas(struct sess *s)
{
	uint32_t d_ip = nat_cksum_addr(s->in_addr, s->out_addr);

	s->ck_ip = nat_cksum_fold(d_ip);
	if (s->proto == IPPROTO_ICMP)
		s->ck_l4 = nat_cksum_fold(nat_cksum_word(s->in_port,
							 s->out_port));
	else
		s->ck_l4 = nat_cksum_fold(d_ip + nat_cksum_word(s->in_port,
								s->out_port));
}

static uint32_t
ttl_dec(struct pkt *p)
{
	uint16_t old_w = ld16(p->b + 8), new_w;

	p->b[8]--;
	new_w = ld16(p->b + 8);
	/* The worker does not read the word: the delta is a constant. */
	assert_int_equal(nat_cksum_word(old_w, new_w), NAT_CKSUM_TTL_DEC);
	return NAT_CKSUM_TTL_DEC;
}

static void
rewrite_l4(struct pkt *p, uint16_t delta)
{
	uint8_t *ck = p->b + l4ck(p);

	if (p->proto == IPPROTO_UDP)
		st16(ck, nat_cksum_apply_udp(ld16(ck), delta));
	else
		st16(ck, nat_cksum_apply(ld16(ck), delta));
}

/* Inside -> outside: source address and port (or ICMP id). */
static void
nat_in2out(struct pkt *p, const struct sess *s, bool dec_ttl)
{
	uint32_t d = (dec_ttl ? ttl_dec(p) : 0) + s->ck_ip;

	st32(p->b + 12, s->out_addr);
	st16(p->b + IP_CK, nat_cksum_apply32(ld16(p->b + IP_CK), d));
	st16(p->b + port_off(p, true), s->out_port);
	rewrite_l4(p, s->ck_l4);
}

/* Outside -> inside: destination address and port (or ICMP id). */
static void
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
static void
nat_undo_in2out(struct pkt *p, const struct sess *s)
{
	st32(p->b + 12, s->in_addr);
	st16(p->b + IP_CK, nat_cksum_apply(ld16(p->b + IP_CK),
					   nat_cksum_neg(s->ck_ip)));
	st16(p->b + port_off(p, true), s->in_port);
	rewrite_l4(p, nat_cksum_neg(s->ck_l4));
}

static uint8_t
rnd_proto(void)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP };

	return protos[rnd64() % 3];
}

static void
rnd_sess(struct sess *s, uint8_t proto)
{
	uint32_t r = rnd32();

	memset(s, 0, sizeof(*s));
	s->proto = proto;
	s->in_addr = rte_cpu_to_be_32(rnd32());
	s->rem_addr = rte_cpu_to_be_32(rnd32());
	s->in_port = rte_cpu_to_be_16((uint16_t)rnd32());
	s->rem_port = proto == IPPROTO_ICMP ? 0 :
					      rte_cpu_to_be_16((uint16_t)rnd32());
	/* Edge cases now and then: same address, same port (port
	 * preservation), ports and words at 0x0000 / 0xffff.
	 */
	s->out_addr = r % 50 == 0 ? s->in_addr :
				    rte_cpu_to_be_32(rnd32());
	switch (r % 7) {
	case 0:
		s->out_port = s->in_port;
		break;
	case 1:
		s->out_port = (uint16_t)(r & 0x100 ? 0xffff : 0);
		break;
	default:
		s->out_port = rte_cpu_to_be_16((uint16_t)rnd32());
	}
	sess_deltas(s);
}

/* An inside packet of a session. */
static void
gen_in(struct pkt *p, const struct sess *s, size_t payload)
{
	gen_pkt(p, s->proto, rte_be_to_cpu_32(s->in_addr),
		rte_be_to_cpu_32(s->rem_addr), rte_be_to_cpu_16(s->in_port),
		rte_be_to_cpu_16(s->rem_port), payload, false);
}

/* An outside (reply) packet of a session. */
static void
gen_out(struct pkt *p, const struct sess *s, size_t payload)
{
	if (s->proto == IPPROTO_ICMP)
		gen_pkt(p, s->proto, rte_be_to_cpu_32(s->rem_addr),
			rte_be_to_cpu_32(s->out_addr),
			rte_be_to_cpu_16(s->out_port), 0, payload, true);
	else
		gen_pkt(p, s->proto, rte_be_to_cpu_32(s->rem_addr),
			rte_be_to_cpu_32(s->out_addr),
			rte_be_to_cpu_16(s->rem_port),
			rte_be_to_cpu_16(s->out_port), payload, true);
}

/* Both checksums of p equal both references, and p verifies. */
static void
check_pkt(const struct pkt *p, const char *what, unsigned long n)
{
	uint16_t ip = field(p, IP_CK), l4 = field(p, l4ck(p));
	uint16_t r_ip = ref_ip(p), r_l4 = ref_l4(p);
	uint16_t raw_ip = ld16(p->b + IP_CK), raw_l4 = ld16(p->b + l4ck(p));

	if (ip != r_ip || l4 != r_l4 || raw_ip != dpdk_ip(p) ||
	    raw_l4 != dpdk_l4(p) || !ref_ip_ok(p) || !ref_l4_ok(p))
		print_error("%s #%lu: proto %u len %zu l4 %zu: ip 0x%04x "
			    "(ref 0x%04x) l4 0x%04x (ref 0x%04x)\n", what, n,
			    p->proto, p->len, p->l4, ip, r_ip, l4, r_l4);
	assert_int_equal(ip, r_ip);
	assert_int_equal(l4, r_l4);
	assert_int_equal(raw_ip, dpdk_ip(p));
	assert_int_equal(raw_l4, dpdk_l4(p));
	assert_true(ref_ip_ok(p));
	assert_true(ref_l4_ok(p));
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

/* The reference agrees with DPDK on fresh packets (sanity of both). */
static void
test_reference_agrees_with_dpdk(void **state)
{
	struct pkt p;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		gen_pkt(&p, rnd_proto(), rnd32(), rnd32(), (uint16_t)rnd32(),
			(uint16_t)rnd32(), rnd_payload_len(), false);
		check_pkt(&p, "fresh", (unsigned long)i);
	}
}

/*
 * nat_cksum_fold() (rotate and add) against the two rounds of
 * (sum & 0xffff) + (sum >> 16) it replaced, for every 32-bit sum.
 */
static void
test_fold_exhaustive(void **state)
{
	uint32_t sum = 0, r;

	(void)state;
	do {
		r = (sum & 0xffff) + (sum >> 16);
		r = (r & 0xffff) + (r >> 16);
		if (nat_cksum_fold(sum) != r)
			fail_msg("fold(0x%08x) = 0x%04x, not 0x%04x", sum,
				 nat_cksum_fold(sum), r);
	} while (++sum != 0);
}

/* Fold, word, neg and apply on known values; RFC 1624's own example. */
static void
test_helpers_known_values(void **state)
{
	uint32_t hc;

	(void)state;
	assert_int_equal(nat_cksum_fold(0), 0);
	assert_int_equal(nat_cksum_fold(0xffff), 0xffff);
	assert_int_equal(nat_cksum_fold(0x10000), 1);
	assert_int_equal(nat_cksum_fold(0x1fffe), 0xffff);
	assert_int_equal(nat_cksum_fold(0xffffffffu), 0xffff);
	assert_int_equal(nat_cksum_fold(0x2fffdu), 0xffff);
	/* An unchanged word contributes -0. */
	assert_int_equal(nat_cksum_word(0x1234, 0x1234), 0xffff);
	assert_int_equal(nat_cksum_fold(nat_cksum_addr(0xdeadbeef,
							0xdeadbeef)), 0xffff);
	assert_int_equal(nat_cksum_neg(0x1234), 0xedcb);
	assert_int_equal(nat_cksum_neg(nat_cksum_neg(0xabcd)), 0xabcd);

	/* RFC 1624 section 3: the other header octets sum to 0xCD7A, field
	 * m = 0x5555 becomes 0x3285; HC = 0xDD2F. Recomputation gives
	 * 0x0000, eqn. 3 gives 0x0000 (eqn. 2 of RFC 1141 gave 0xFFFF).
	 */
	assert_int_equal((uint16_t)~ref_fold(0xcd7a + 0x5555), 0xdd2f);
	assert_int_equal((uint16_t)~ref_fold(0xcd7a + 0x3285), 0x0000);
	assert_int_equal(nat_cksum_apply(0xdd2f,
		nat_cksum_fold(nat_cksum_word(0x5555, 0x3285))), 0x0000);
	/* Byte order does not matter: the same in swapped order. */
	assert_int_equal(nat_cksum_apply(0x2fdd,
		nat_cksum_fold(nat_cksum_word(0x5555, 0x8532))), 0x0000);

	/* An unchanged field (delta -0) leaves every canonical checksum,
	 * 0x0000 included, as it is (RFC 1624 erratum 4782's worry).
	 */
	for (hc = 0; hc < 0xffff; hc++)
		assert_int_equal(nat_cksum_apply((uint16_t)hc, 0xffff), hc);
	/* A delta of +0 too. */
	for (hc = 0; hc < 0xffff; hc++)
		assert_int_equal(nat_cksum_apply((uint16_t)hc, 0), hc);

	/* UDP: none stays none, whatever the delta. */
	assert_int_equal(nat_cksum_apply_udp(0, 0x1234), 0);
	assert_int_equal(nat_cksum_apply_udp(0, 0xffff), 0);
	assert_int_equal(nat_cksum_apply_udp(0, 0), 0);
}

/*
 * Every canonical checksum and many deltas: applying d then ~d gives the
 * checksum back, and the result of d is never -0 (0xffff) for TCP/IP and
 * never +0 for UDP.
 */
static void
test_apply_neg_exhaustive(void **state)
{
	uint32_t hc;
	int k;

	(void)state;
	for (k = 0; k < 48; k++) {
		uint16_t d = k == 0 ? 0 : k == 1 ? 0xffff : k == 2 ? 1 :
			     k == 3 ? 0xfffe : (uint16_t)rnd32();

		for (hc = 0; hc < 0xffff; hc++) {
			uint16_t c = nat_cksum_apply((uint16_t)hc, d);
			uint16_t u;

			assert_int_not_equal(c, 0xffff);
			assert_int_equal(nat_cksum_apply(c, nat_cksum_neg(d)),
					 hc);
			/* UDP carries [1, 0xffff]: 0 is "none". */
			u = nat_cksum_apply_udp((uint16_t)(hc ? hc : 0xffff), d);
			assert_int_not_equal(u, 0);
			assert_int_equal(nat_cksum_apply_udp(u,
							     nat_cksum_neg(d)),
					 hc ? hc : 0xffff);
		}
	}
}

/*
 * NAT_CKSUM_TTL_DEC is the delta of every TTL decrement (TTL 1-255, any
 * protocol byte, the word loaded as the worker loads it), and
 * nat_cksum_apply32() with an unfolded delta equals nat_cksum_apply() with
 * the folded one, for every checksum and a spread of deltas up to the
 * largest the worker makes (TTL + a folded delta + two address words).
 */
static void
test_ttl_const_and_apply32(void **state)
{
	uint32_t ttl, proto, hc, i;
	uint8_t b[2];

	(void)state;
	for (ttl = 1; ttl < 256; ttl++) {
		for (proto = 0; proto < 256; proto++) {
			uint16_t old_w, new_w;

			b[0] = (uint8_t)ttl;
			b[1] = (uint8_t)proto;
			memcpy(&old_w, b, 2);
			b[0]--;
			memcpy(&new_w, b, 2);
			assert_int_equal(nat_cksum_word(old_w, new_w),
					 NAT_CKSUM_TTL_DEC);
		}
	}
	for (hc = 0; hc <= 0xffff; hc++) {
		for (i = 0; i < 64; i++) {
			uint32_t d = i < 4 ? (uint32_t[]){ 0, 0xffff, 0x10000,
					0xfffe + 0xffff + 2 * 0x1fffe }[i] :
				(uint32_t)(rnd64() % (0xfffe + 0xffff +
						      2 * 0x1fffe + 1));

			assert_int_equal(nat_cksum_apply32((uint16_t)hc, d),
				nat_cksum_apply((uint16_t)hc,
						nat_cksum_fold(d)));
		}
	}
}

/*
 * L46/L47 fuzz, in2out: 100000 random packets over 25000 random sessions
 * (deltas computed once per session), source address + port/identifier
 * rewritten, TTL decremented. Both checksums equal both references.
 */
static void
test_fuzz_in2out(void **state)
{
	unsigned long n = 0, odd = 0, zero_ip = 0, zero_l4 = 0, udp_none = 0;
	unsigned long protos[3] = { 0 };
	struct pkt p;
	struct sess s;
	int i, j;

	(void)state;
	for (i = 0; i < FUZZ_SESSIONS; i++) {
		rnd_sess(&s, rnd_proto());
		for (j = 0; j < FUZZ_PKTS_PER_SESSION; j++, n++) {
			bool none;
			uint8_t ttl;

			gen_in(&p, &s, rnd_payload_len());
			none = p.proto == IPPROTO_UDP && rnd64() % 16 == 0;
			if (none)
				put16(p.b + l4ck(&p), 0);
			ttl = p.b[8];
			nat_in2out(&p, &s, true);
			assert_int_equal(p.b[8], ttl - 1);
			assert_int_equal(ld32(p.b + 12), s.out_addr);
			assert_int_equal(ld16(p.b + port_off(&p, true)),
					 s.out_port);
			if (none) {
				/* L47: no checksum stays no checksum. */
				assert_int_equal(field(&p, l4ck(&p)), 0);
				assert_int_equal(field(&p, IP_CK), ref_ip(&p));
				assert_true(ref_ip_ok(&p));
				udp_none++;
			} else {
				check_pkt(&p, "in2out", n);
			}
			odd += (p.len - p.l4) & 1;
			zero_ip += field(&p, IP_CK) == 0;
			zero_l4 += !none && field(&p, l4ck(&p)) == 0;
			protos[p.proto == IPPROTO_TCP ? 0 :
			       p.proto == IPPROTO_UDP ? 1 : 2]++;
		}
	}
	print_message("in2out: %lu packets (tcp %lu udp %lu icmp %lu), "
		      "%lu odd L4 lengths, %lu udp without checksum, "
		      "%lu/%lu zero results ip/l4\n", n, protos[0], protos[1],
		      protos[2], odd, udp_none, zero_ip, zero_l4);
	assert_true(n >= 100000);
	assert_true(odd > n / 4);
	assert_true(udp_none > 0);
	assert_true(protos[0] > n / 4 && protos[1] > n / 4 &&
		    protos[2] > n / 4);
}

/* The same fuzz for replies: destination rewritten with the negated
 * deltas, TTL decremented.
 */
static void
test_fuzz_out2in(void **state)
{
	unsigned long n = 0;
	struct pkt p;
	struct sess s;
	int i, j;

	(void)state;
	for (i = 0; i < FUZZ_SESSIONS; i++) {
		rnd_sess(&s, rnd_proto());
		for (j = 0; j < FUZZ_PKTS_PER_SESSION; j++, n++) {
			bool none;

			gen_out(&p, &s, rnd_payload_len());
			none = p.proto == IPPROTO_UDP && rnd64() % 16 == 0;
			if (none)
				put16(p.b + l4ck(&p), 0);
			nat_out2in(&p, &s, true);
			assert_int_equal(ld32(p.b + 16), s.in_addr);
			assert_int_equal(ld16(p.b + port_off(&p, false)),
					 s.in_port);
			if (none) {
				assert_int_equal(field(&p, l4ck(&p)), 0);
				assert_true(ref_ip_ok(&p));
			} else {
				check_pkt(&p, "out2in", n);
			}
		}
	}
	assert_true(n >= 100000);
}

/*
 * The negated delta undoes the delta: translating and translating back
 * restores every byte, checksums included (canonical checksums, UDP
 * without checksum, and UDP whose computed checksum was 0 so it carries
 * 0xffff).
 */
static void
test_roundtrip_restores_bytes(void **state)
{
	struct pkt p, orig;
	struct sess s;
	unsigned long n;

	(void)state;
	for (n = 0; n < 100000; n++) {
		rnd_sess(&s, rnd_proto());
		gen_in(&p, &s, rnd_payload_len());
		if (p.proto == IPPROTO_UDP && n % 16 == 0)
			put16(p.b + l4ck(&p), 0);
		orig = p;
		nat_in2out(&p, &s, false);
		if (!(p.proto == IPPROTO_UDP && field(&orig, l4ck(&orig)) == 0))
			check_pkt(&p, "roundtrip fwd", n);
		nat_undo_in2out(&p, &s);
		assert_int_equal(p.len, orig.len);
		assert_memory_equal(p.b, orig.b, orig.len);
	}
}

/* UDP packets whose computed checksum is 0 (so they carry 0xffff). */
static void
make_udp_ffff(struct pkt *p, struct sess *s, bool reply)
{
	uint16_t c0;

	/* Choose the inside port so the checksum sums to -0. */
	if (reply)
		gen_out(p, s, rnd_payload_len());
	else
		gen_in(p, s, rnd_payload_len());
	put16(p->b + port_off(p, !reply), 0);
	c0 = ref_l4_raw(p, false);
	put16(p->b + port_off(p, !reply), c0);
	assert_int_equal(ref_l4_raw(p, false), 0);
	put16(p->b + IP_CK, ref_ip(p));
	put16(p->b + l4ck(p), ref_l4(p));
	assert_int_equal(field(p, l4ck(p)), 0xffff);
	assert_int_equal(ld16(p->b + l4ck(p)), dpdk_l4(p));
}

/*
 * L47: a translation whose recomputed UDP checksum is 0x0000 must put
 * 0xffff on the wire. Cases are built on purpose: the outside port is
 * chosen so that the translated packet sums to -0. Both directions; and
 * packets that arrive with 0xffff (computed 0) are translated right.
 */
static void
test_udp_zero_result_sent_as_ffff(void **state)
{
	struct pkt p, q;
	struct sess s;
	int i;

	(void)state;
	for (i = 0; i < CONSTRUCT_CASES; i++) {
		uint16_t c0, before;

		/* in2out: find the outside port. */
		rnd_sess(&s, IPPROTO_UDP);
		gen_in(&p, &s, rnd_payload_len());
		q = p;
		st32(q.b + 12, s.out_addr);
		put16(q.b + q.l4, 0);
		c0 = ref_l4_raw(&q, false);
		s.out_port = rte_cpu_to_be_16(c0);
		sess_deltas(&s);
		put16(q.b + q.l4, c0);
		assert_int_equal(ref_l4_raw(&q, false), 0x0000);
		assert_int_equal(ref_l4(&q), 0xffff);

		before = ld16(p.b + l4ck(&p));
		/* Plain eqn. 3 gives +0 here; UDP must send -0. */
		assert_int_equal(nat_cksum_apply(before, s.ck_l4), 0x0000);
		nat_in2out(&p, &s, true);
		assert_int_equal(field(&p, l4ck(&p)), 0xffff);
		check_pkt(&p, "udp ffff in2out", (unsigned long)i);

		/* out2in: the inside port makes the restored packet sum to
		 * -0; translate a reply and expect 0xffff.
		 */
		rnd_sess(&s, IPPROTO_UDP);
		gen_out(&p, &s, rnd_payload_len());
		q = p;
		st32(q.b + 16, s.in_addr);
		put16(q.b + q.l4 + 2, 0);
		c0 = ref_l4_raw(&q, false);
		s.in_port = rte_cpu_to_be_16(c0);
		sess_deltas(&s);
		nat_out2in(&p, &s, true);
		assert_int_equal(field(&p, l4ck(&p)), 0xffff);
		check_pkt(&p, "udp ffff out2in", (unsigned long)i);

		/* Packets arriving with 0xffff, both directions. */
		rnd_sess(&s, IPPROTO_UDP);
		make_udp_ffff(&p, &s, false);
		s.in_port = ld16(p.b + p.l4);
		sess_deltas(&s);
		nat_in2out(&p, &s, true);
		check_pkt(&p, "udp from ffff in2out", (unsigned long)i);
		rnd_sess(&s, IPPROTO_UDP);
		make_udp_ffff(&p, &s, true);
		s.out_port = ld16(p.b + p.l4 + 2);
		sess_deltas(&s);
		nat_out2in(&p, &s, true);
		check_pkt(&p, "udp from ffff out2in", (unsigned long)i);
	}
}

/*
 * RFC 1624 section 3 for TCP, ICMP and the IP header: where the
 * recomputed checksum is 0x0000, the incremental one must be 0x0000 as
 * well, not 0xffff. Built on purpose: the outside port/identifier (L4)
 * and the IP identification (IP header) are chosen so the translated
 * packet sums to -0.
 */
static void
test_zero_result_tcp_icmp_ip(void **state)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_ICMP };
	struct pkt p, q;
	struct sess s;
	int i;
	unsigned int k;

	(void)state;
	for (i = 0; i < CONSTRUCT_CASES; i++) {
		for (k = 0; k < 2; k++) {
			uint16_t c0;

			rnd_sess(&s, protos[k]);
			gen_in(&p, &s, rnd_payload_len());
			/* The IP identification: q is the translated header
			 * with id 0; the id that makes it sum to -0 goes in
			 * both.
			 */
			q = p;
			st32(q.b + 12, s.out_addr);
			q.b[8]--;
			put16(q.b + 4, 0);
			put16(q.b + IP_CK, 0);
			c0 = (uint16_t)~ref_fold(ref_sum(q.b, q.l4, 0));
			put16(p.b + 4, c0);
			put16(q.b + 4, c0);
			assert_int_equal(ref_ip(&q), 0x0000);
			/* The outside port / identifier, likewise. */
			put16(q.b + port_off(&q, true), 0);
			c0 = ref_l4_raw(&q, false);
			s.out_port = rte_cpu_to_be_16(c0);
			sess_deltas(&s);
			put16(q.b + port_off(&q, true), c0);
			assert_int_equal(ref_l4(&q), 0x0000);
			fill_cksums(&p);
			assert_true(ref_ip_ok(&p) && ref_l4_ok(&p));

			nat_in2out(&p, &s, true);
			assert_int_equal(field(&p, IP_CK), 0x0000);
			assert_int_equal(field(&p, l4ck(&p)), 0x0000);
			check_pkt(&p, "zero result", (unsigned long)i);
		}
	}
}

/*
 * A TCP (or ICMP) checksum field of 0xffff, and an IP header checksum of
 * 0xffff: the other zero. Such a packet verifies (its canonical checksum
 * is 0x0000); the translated one must carry the canonical recomputed
 * value and verify.
 */
static void
test_field_ffff_tcp_icmp_ip(void **state)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_ICMP };
	struct pkt p;
	struct sess s;
	int i;
	unsigned int k;

	(void)state;
	for (i = 0; i < CONSTRUCT_CASES; i++) {
		for (k = 0; k < 2; k++) {
			uint16_t c0;

			rnd_sess(&s, protos[k]);
			gen_in(&p, &s, rnd_payload_len());
			/* Inside port and IP id chosen for canonical 0. */
			put16(p.b + port_off(&p, true), 0);
			c0 = ref_l4_raw(&p, false);
			put16(p.b + port_off(&p, true), c0);
			s.in_port = rte_cpu_to_be_16(c0);
			sess_deltas(&s);
			put16(p.b + 4, 0);
			c0 = ref_ip(&p);
			put16(p.b + 4, c0);
			fill_cksums(&p);
			assert_int_equal(field(&p, IP_CK), 0x0000);
			assert_int_equal(field(&p, l4ck(&p)), 0x0000);
			/* Now the other zero in both fields. */
			put16(p.b + IP_CK, 0xffff);
			put16(p.b + l4ck(&p), 0xffff);
			assert_true(ref_ip_ok(&p) && ref_l4_ok(&p));

			nat_in2out(&p, &s, true);
			check_pkt(&p, "field ffff in2out", (unsigned long)i);

			/* The same as a reply. */
			rnd_sess(&s, protos[k]);
			gen_out(&p, &s, rnd_payload_len());
			put16(p.b + port_off(&p, false), 0);
			c0 = ref_l4_raw(&p, false);
			put16(p.b + port_off(&p, false), c0);
			s.out_port = rte_cpu_to_be_16(c0);
			sess_deltas(&s);
			put16(p.b + 4, 0);
			put16(p.b + 4, ref_ip(&p));
			fill_cksums(&p);
			assert_int_equal(field(&p, l4ck(&p)), 0x0000);
			put16(p.b + IP_CK, 0xffff);
			put16(p.b + l4ck(&p), 0xffff);
			assert_true(ref_ip_ok(&p) && ref_l4_ok(&p));
			nat_out2in(&p, &s, true);
			check_pkt(&p, "field ffff out2in", (unsigned long)i);
		}
	}
}

/* Every L4 length from 0 to 200 payload bytes, odd ones included, for
 * each protocol and direction (the odd trailing byte is padded with zero
 * and does not take part in the delta).
 */
static void
test_odd_lengths(void **state)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP };
	struct pkt p;
	struct sess s;
	size_t len;
	unsigned int k;
	int rep;

	(void)state;
	for (k = 0; k < 3; k++)
		for (len = 0; len <= 200; len++)
			for (rep = 0; rep < 20; rep++) {
				rnd_sess(&s, protos[k]);
				gen_in(&p, &s, len);
				nat_in2out(&p, &s, true);
				check_pkt(&p, "odd in2out", len);
				gen_out(&p, &s, len);
				nat_out2in(&p, &s, true);
				check_pkt(&p, "odd out2in", len);
			}
}

static int
group_setup(void **state)
{
	const char *env = getenv("CKSUM_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x1624c0ffee768ULL;

	(void)state;
	rng_state = seed;
	printf("# test_cksum seed 0x%llx (set CKSUM_SEED to replay)\n",
	       (unsigned long long)seed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_agrees_with_dpdk),
		cmocka_unit_test(test_fold_exhaustive),
		cmocka_unit_test(test_helpers_known_values),
		cmocka_unit_test(test_apply_neg_exhaustive),
		cmocka_unit_test(test_ttl_const_and_apply32),
		cmocka_unit_test(test_fuzz_in2out),
		cmocka_unit_test(test_fuzz_out2in),
		cmocka_unit_test(test_roundtrip_restores_bytes),
		cmocka_unit_test(test_udp_zero_result_sent_as_ffff),
		cmocka_unit_test(test_zero_result_tcp_icmp_ip),
		cmocka_unit_test(test_field_ffff_tcp_icmp_ip),
		cmocka_unit_test(test_odd_lengths),
	};

	return cmocka_run_group_tests_name("cksum", tests, group_setup, NULL);
}
