/* SPDX-License-Identifier: BSD-3-Clause
 * What the checksum tests share (cksum_util.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "cksum_util.h"

/* ------------------------------------------------------------------ */
/* Random numbers: splitmix64, reproducible.                           */

uint64_t rng_state;

uint64_t
rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
rnd32(void)
{
	return (uint32_t)(rnd64() >> 32);
}

/* Uniform in [lo, hi]. */
uint32_t
rnd_range(uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rnd64() % ((uint64_t)hi - lo + 1));
}

/* ------------------------------------------------------------------ */
/* Independent reference: RFC 1071 over big-endian words.              */

uint32_t
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

uint16_t
ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* ------------------------------------------------------------------ */
/* Packets: IPv4 header (with options) + TCP/UDP/ICMP echo.            */

/* From-scratch IP header checksum, as the field should read (host order). */
uint16_t
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
uint16_t
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

uint16_t
ref_l4(const struct pkt *p)
{
	return ref_l4_raw(p, true);
}

/* Does the packet verify (sum over everything, field included, is -0)? */
bool
ref_ip_ok(const struct pkt *p)
{
	return ref_fold(ref_sum(p->b, p->l4, 0)) == 0xffff;
}

bool
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
uint16_t
dpdk_ip(const struct pkt *p)
{
	struct pkt c;

	memcpy(c.b, p->b, p->l4);
	memset(c.b + IP_CK, 0, 2);
	return rte_ipv4_cksum((const struct rte_ipv4_hdr *)c.b);
}

uint16_t
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

/* Set both checksums to the canonical from-scratch values. */
void
fill_cksums(struct pkt *p)
{
	put16(p->b + IP_CK, ref_ip(p));
	put16(p->b + l4ck(p), ref_l4(p));
}

size_t
rnd_payload_len(void)
{
	/* Mostly small packets, some large; odd lengths included. */
	return rnd64() % 10 < 6 ? rnd_range(0, 63) : rnd_range(0, 1380);
}

/*
 * A random packet. Addresses and ports are host order; ports of ICMP:
 * sport is the identifier (dport unused), type echo request if !reply.
 */
void
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
/* The NAT side: session deltas and translation, as lib/nat does it. */

void
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

uint8_t
rnd_proto(void)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP };

	return protos[rnd64() % 3];
}

void
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
void
gen_in(struct pkt *p, const struct sess *s, size_t payload)
{
	gen_pkt(p, s->proto, rte_be_to_cpu_32(s->in_addr),
		rte_be_to_cpu_32(s->rem_addr), rte_be_to_cpu_16(s->in_port),
		rte_be_to_cpu_16(s->rem_port), payload, false);
}

/* An outside (reply) packet of a session. */
void
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
void
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

int
cksum_group_setup(void **state)
{
	const char *env = getenv("CKSUM_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x1624c0ffee768ULL;

	(void)state;
	rng_state = seed;
	printf("# test_cksum seed 0x%llx (set CKSUM_SEED to replay)\n",
	       (unsigned long long)seed);
	return 0;
}
