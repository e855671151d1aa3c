/* SPDX-License-Identifier: BSD-3-Clause
 * Integration tests: the PCP server (RFC 6887, lib/nat/nat_pcp.c) through the
 * REAL worker packet path, checklist H39, the parts test_worker.c's
 * test_H39_pcp_map does not cover:
 *   ANNOUNCE (sec. 14.1): answered with SUCCESS, lifetime 0, the server's
 *       epoch time (seconds since start, sec. 8.5), nothing mapped; the
 *       header checks before it (UNSUPP_VERSION, ADDRESS_MISMATCH) and a
 *       response sent to the server (R bit set) silently dropped;
 *   options (sec. 7.3): a mandatory option (code < 128) the server does not
 *       support is refused with UNSUPP_OPTION, the request's data sent
 *       back, nothing mapped; an optional one (code >= 128) is ignored and
 *       the mapping made; a MAP too short for its opcode data is
 *       MALFORMED_REQUEST;
 *   the lifetime cap (sec. 15): a MAP asking for more than 86400 s is
 *       granted 86400 s, and the mapping ends then (it is there at 86399 s,
 *       gone at 86401 s); a lifetime under the cap is granted as asked.
 *
 * The rig is rig.h's (a NAT built with app/cgn_nat.h, as main.c builds it,
 * on two ethdevs made with rte_eth_from_rings(), driven from one thread
 * with an injected clock); frames are built and checked by frames.c. Every response is
 * checked as a frame (addresses, ports, length, every checksum) and then
 * byte by byte as PCP. After every test the counters add up and no mbuf is
 * left in use.
 *
 *   test_pcp ['test_H39_pcp_announce' ...]   fnmatch(3) patterns
 * Environment: CGN_IT_WORKERS=2 (two workers: requests are handed to the
 * subscriber's worker), CGN_IT_SEED, CGN_IT_PCAP=DIR as test_worker.c.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "cgn.h"
#include "cgn_worker.h"
#include "nat_pool.h"
#include "frames.h"
#include "rig_assert.h"

#define PCP_PORT 5351
#define PCP_CLIENT_PORT 40000
#define PCP_HDR 24
#define PCP_MAP 36
#define PCP_CAP 86400           /* the longest lifetime the server grants */

enum { OP_ANNOUNCE = 0, OP_MAP = 1, OP_PEER = 2 };
enum { R_SUCCESS = 0, R_UNSUPP_VERSION = 1, R_MALFORMED = 3,
       R_UNSUPP_OPTION = 5, R_ADDRESS_MISMATCH = 12 };

/* As test_worker.c: drain, close everything, all accounted for. */
static void
rig_end(struct rig *r)
{
	unsigned int i;

	pump(r);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	assert_accounting(r);
	for (i = 0; i < r->nw; i++)
		cgn_worker_close_all(r->wk[i], r->now);
	pump(r);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	assert_int_equal(rig_ct_used(r), 0);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	assert_accounting(r);
	assert_int_equal(rte_mempool_in_use_count(r->ctx->mp), r->mp_base);
}

/* Move the clock on by `s` seconds; what the box sends of its own then
 * (ARP to confirm its neighbours) is not what these tests look at. */
static void
advance_tsc(struct rig *r, uint64_t tsc)
{
	r->now += tsc;
	pump(r);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
}

static void
advance(struct rig *r, uint64_t s)
{
	advance_tsc(r, s * r->hz);
}

/* The common request header (sec. 7.1) of `client`: version 2. */
static uint16_t
pcp_hdr(uint8_t *b, uint8_t version, uint8_t opcode, uint32_t life,
	uint32_t client)
{
	memset(b, 0, PCP_HDR);
	b[0] = version;
	b[1] = opcode;
	wr32(b + 4, life);
	b[18] = 0xff;           /* ::ffff:client (sec. 5) */
	b[19] = 0xff;
	wr32(b + 20, client);
	return PCP_HDR;
}

/* MAP (sec. 11.1) for the client's internal port iport. */
static uint16_t
pcp_map(uint8_t *b, uint32_t life, uint32_t client, uint8_t proto,
	uint16_t iport)
{
	uint8_t *op = b + PCP_HDR;

	pcp_hdr(b, 2, OP_MAP, life, client);
	memset(op, 0, PCP_MAP);
	memset(op, 0xa5, 12);   /* nonce */
	op[12] = proto;
	wr16(op + 16, iport);
	return PCP_HDR + PCP_MAP;
}

/* Append an option (sec. 7.3) of `dlen` data bytes (a multiple of 4). */
static uint16_t
pcp_opt(uint8_t *b, uint16_t len, uint8_t code, uint16_t dlen)
{
	b[len] = code;
	b[len + 1] = 0;
	wr16(b + len + 2, dlen);
	memset(b + len + 4, 0x11, dlen);
	return (uint16_t)(len + 4 + dlen);
}

/* Send a PCP request from H1:40000 to the NAT's inside address; expect
 * one response of rlen PCP bytes to H1:40000, checked as a frame, copied
 * to rsp. */
static void
pcp_exchange(struct rig *r, const uint8_t *req, uint16_t len, uint8_t *rsp,
	     uint16_t rlen)
{
	struct pkt p, want;
	struct frame f;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, PCP_CLIENT_PORT, NAT_IN,
		    PCP_PORT);
	p.payload = req;
	p.plen = len;
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	assert_int_equal(f.len, L4_OFF + 8 + rlen);
	memcpy(rsp, f.b + L4_OFF + 8, rlen);
	want = udp_pkt(&MAC_H1, &MAC_NAT[S_IN], NAT_IN, PCP_PORT, H1,
		       PCP_CLIENT_PORT);
	want.payload = rsp;
	want.plen = rlen;
	want.ttl = 64;
	want.ip_id = rd16(f.b + 18);
	expect_frame("PCP response", &f, &want);
	expect_nothing();
}

/* The response header (sec. 7.2) for opcode with result rc, lifetime. */
static void
check_rsp_hdr(const uint8_t *rsp, uint8_t opcode, uint8_t rc, uint32_t life)
{
	static const uint8_t zero[12];

	assert_int_equal(rsp[0], 2);
	assert_int_equal(rsp[1], 0x80 | opcode);
	assert_int_equal(rsp[2], 0);
	assert_int_equal(rsp[3], rc);
	assert_int_equal(rd32(rsp + 4), life);
	assert_memory_equal(rsp + 12, zero, sizeof(zero));
}

/* Seconds since the NAT started, as the server must report them. */
static uint32_t
uptime_s(const struct rig *r)
{
	return (uint32_t)((r->now - r->ctx->start_tsc) / r->hz);
}

/*
 * ANNOUNCE: SUCCESS, lifetime 0 whatever was asked, the epoch time moving
 * with the clock, no mapping made; version and client address checked
 * first; a response sent to the server is dropped without an answer.
 */
static void
test_H39_pcp_announce(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t req[64], rsp[64];
	uint32_t maps = rig_pool_sum(r, POOL_MAPS);
	uint32_t subs = rig_pool_sum(r, POOL_SUBS), e1, e2;
	struct pkt p;
	uint16_t len;

	advance(r, 1000);
	len = pcp_hdr(req, 2, OP_ANNOUNCE, 0, H1);
	pcp_exchange(r, req, len, rsp, PCP_HDR);
	check_rsp_hdr(rsp, OP_ANNOUNCE, R_SUCCESS, 0);
	e1 = rd32(rsp + 8);
	assert_int_equal(e1, uptime_s(r));
	assert_true(e1 >= 1000);
	/* A lifetime in the request is not echoed: ANNOUNCE grants none. */
	advance(r, 250);
	len = pcp_hdr(req, 2, OP_ANNOUNCE, 3600, H1);
	pcp_exchange(r, req, len, rsp, PCP_HDR);
	check_rsp_hdr(rsp, OP_ANNOUNCE, R_SUCCESS, 0);
	e2 = rd32(rsp + 8);
	assert_int_equal(e2 - e1, 250);
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), maps);
	assert_int_equal(rig_pool_sum(r, POOL_SUBS), subs);
	/* Version 1: UNSUPP_VERSION, the request's 24 bytes back. */
	len = pcp_hdr(req, 1, OP_ANNOUNCE, 0, H1);
	pcp_exchange(r, req, len, rsp, PCP_HDR);
	assert_int_equal(rsp[1], 0x80 | OP_ANNOUNCE);
	assert_int_equal(rsp[3], R_UNSUPP_VERSION);
	/* From H1, claiming to be H2: ADDRESS_MISMATCH. */
	len = pcp_hdr(req, 2, OP_ANNOUNCE, 0, H2);
	pcp_exchange(r, req, len, rsp, PCP_HDR);
	assert_int_equal(rsp[3], R_ADDRESS_MISMATCH);
	/* A response (R bit) sent to the server: no answer (sec. 8.3). */
	len = pcp_hdr(req, 2, 0x80 | OP_ANNOUNCE, 0, H1);
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, PCP_CLIENT_PORT, NAT_IN,
		    PCP_PORT);
	p.payload = req;
	p.plen = len;
	inject(r, S_IN, &p);
	pump(r);
	expect_nothing();
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), maps);
	rig_end(r);
}

/*
 * Options: a mandatory one the server lacks refuses the request and maps
 * nothing; an optional one is ignored; a MAP cut short is malformed.
 */
static void
test_H39_pcp_options(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t req[128], rsp[128];
	uint32_t maps = rig_pool_sum(r, POOL_MAPS), ea;
	uint16_t len, eport;
	struct pkt p;

	/* THIRD_PARTY (1, 16 bytes): mandatory, not offered. */
	len = pcp_map(req, 600, H1, IPPROTO_UDP, 6000);
	len = pcp_opt(req, len, 1, 16);
	pcp_exchange(r, req, len, rsp, len);
	check_rsp_hdr(rsp, OP_MAP, R_UNSUPP_OPTION, 30);
	/* An error carries the request's opcode data and options back. */
	assert_memory_equal(rsp + PCP_HDR, req + PCP_HDR, len - PCP_HDR);
	assert_int_equal(rig_map_lookup_in(r, rte_cpu_to_be_32(H1), rte_cpu_to_be_16(6000),
					   IPPROTO_UDP), NAT_NONE);
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), maps);
	/* PREFER_FAILURE (2, no data): mandatory too. */
	len = pcp_map(req, 600, H1, IPPROTO_UDP, 6000);
	len = pcp_opt(req, len, 2, 0);
	pcp_exchange(r, req, len, rsp, len);
	check_rsp_hdr(rsp, OP_MAP, R_UNSUPP_OPTION, 30);
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), maps);
	/* A MAP with 12 of its 36 bytes: MALFORMED_REQUEST. */
	len = pcp_map(req, 600, H1, IPPROTO_UDP, 6000);
	pcp_exchange(r, req, PCP_HDR + 12, rsp, PCP_HDR + 12);
	assert_int_equal(rsp[3], R_MALFORMED);
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), maps);
	/* Code 200 (optional, unknown): ignored; the mapping is made and
	 * the response has no options. */
	len = pcp_map(req, 600, H1, IPPROTO_UDP, 6000);
	len = pcp_opt(req, len, 200, 4);
	pcp_exchange(r, req, len, rsp, PCP_HDR + PCP_MAP);
	check_rsp_hdr(rsp, OP_MAP, R_SUCCESS, 600);
	eport = rd16(rsp + PCP_HDR + 18);
	ea = rd32(rsp + PCP_HDR + 32);
	assert_true(in_pool(r, ea));
	assert_int_not_equal(rig_map_lookup_in(r, rte_cpu_to_be_32(H1), rte_cpu_to_be_16(6000),
					       IPPROTO_UDP), NAT_NONE);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 9999, ea, eport);
	inject(r, S_OUT, &p);
	pump(r);
	{
		struct frame f;

		take_one(S_IN, &f);
		assert_int_equal(f_dst(&f), H1);
		assert_int_equal(f_dport(&f), 6000);
	}
	rig_end(r);
}

/* Is H1:6000/UDP mapped after moving the clock to `at` s of its grant? */
static bool
mapped_at(struct rig *r, uint64_t granted, uint64_t at)
{
	advance_tsc(r, granted + at * r->hz - r->now);
	return rig_map_lookup_in(r, rte_cpu_to_be_32(H1), rte_cpu_to_be_16(6000),
				 IPPROTO_UDP) != NAT_NONE;
}

/*
 * Lifetime: asked for 1,000,000 s, granted 86400 s, and the mapping ends
 * then; asked for 3600 s (under the cap), granted 3600 s.
 */
static void
test_H39_pcp_lifetime_cap(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t req[64], rsp[64];
	uint16_t len, eport;
	uint64_t t0;
	uint32_t ea;
	struct pkt p;

	len = pcp_map(req, 1000000, H1, IPPROTO_UDP, 6000);
	t0 = r->now;
	pcp_exchange(r, req, len, rsp, len);
	check_rsp_hdr(rsp, OP_MAP, R_SUCCESS, PCP_CAP);
	eport = rd16(rsp + PCP_HDR + 18);
	ea = rd32(rsp + PCP_HDR + 32);
	assert_true(mapped_at(r, t0, PCP_CAP - 1));
	assert_false(mapped_at(r, t0, PCP_CAP + 1));
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 9999, ea, eport);
	inject(r, S_OUT, &p);
	pump(r);
	expect_nothing();
	/* Under the cap: as asked, and ended then. */
	len = pcp_map(req, 3600, H1, IPPROTO_UDP, 6000);
	t0 = r->now;
	pcp_exchange(r, req, len, rsp, len);
	check_rsp_hdr(rsp, OP_MAP, R_SUCCESS, 3600);
	assert_true(mapped_at(r, t0, 3599));
	assert_false(mapped_at(r, t0, 3601));
	rig_end(r);
}

/* ------------------------------------------------------------------ */

#define T(fn) cmocka_unit_test_setup_teardown(fn, rig_setup, rig_teardown)

static const struct CMUnitTest all_tests[] = {
	T(test_H39_pcp_announce),
	T(test_H39_pcp_options),
	T(test_H39_pcp_lifetime_cap),
};

int
main(int argc, char **argv)
{
	static struct CMUnitTest run[RTE_DIM(all_tests)];
	unsigned int n;
	int k;

	frames_vprint = vprint_error; /* checks report through cmocka */
	n = rig_select(argc, argv, all_tests, RTE_DIM(all_tests), run);
	if (n == 0)
		return 1;
	if (rig_main(argv[0], &(struct rig_proc){ .tag = "pcp" }) != 0)
		return 1;
	k = _cmocka_run_group_tests("pcp", run, n, NULL, NULL);
	return rig_main_end(k);
}
