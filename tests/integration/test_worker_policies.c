/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: ICMP errors, bypass, port policies, unsolicited SYNs,
 * deterministic NAT, PCP.
 * The flow helpers and main() are test_worker.c's; the rig is rig.h's.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "cgn.h"
#include "cgn_config.h"
#include "cgn_ctrl.h"
#include "nat_neigh.h"
#include "cgn_port.h"
#include "nat_stats.h"
#include "cgn_show.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "ct_tcp.h"
#include "nat_pool.h"
#include "frames.h"
#include "rig_assert.h"
#include "test_worker.h"

/* ------------------------------------------------------------------ */
/* ICMP errors (RFC 5508), bypass, port policies, TCP timers, SYNs.    */

/* The IP datagram of p (no Ethernet header) in buf; its length. */
static uint16_t
ip_bytes(uint8_t *buf, const struct pkt *p)
{
	uint8_t f[FRAME_MAX];
	uint16_t n = (uint16_t)(build(f, p) - ETH_LEN);

	memcpy(buf, f + ETH_LEN, n);
	return n;
}

/*
 * F28, F30: Destination Unreachable (port, and frag-needed with its MTU)
 * from a router outside about a UDP flow: the quoted packet is restored to
 * the inside endpoint, the outer destination becomes the subscriber, type,
 * code and MTU are kept, every checksum (outer IP, ICMP, quoted IP, quoted
 * UDP) is right. C19: the session is neither refreshed nor ended.
 */
static void
test_F28_icmp_error_out2in(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t q_out[FRAME_MAX], q_in[FRAME_MAX];
	uint16_t qlen, port;
	struct pkt p, in, want;
	struct ct_session *s;
	struct frame f;
	uint64_t seen;
	uint32_t a;
	int code;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	s = find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53);
	assert_non_null(s);
	seen = s->last_seen;
	for (code = 3; code <= 4; code++) {
		/* What Y1's side received from us, and what H1 sent. */
		struct pkt q = udp_pkt(&MAC_GW, &MAC_NAT[S_OUT], a, port, Y1,
				       53);

		q.ttl = 63;
		qlen = ip_bytes(q_out, &q);
		q = udp_pkt(&MAC_GW, &MAC_NAT[S_OUT], H1, 5000, Y1, 53);
		q.ttl = 63;
		ip_bytes(q_in, &q);
		/* Ether()/IP(src=Y2, dst=P)/ICMP(type=3, code=3|4,
		 *   nexthopmtu=1280)/IP(src=P, dst=Y1)/UDP(sport=p, dport=53)
		 */
		in = (struct pkt){ .dst = MAC_NAT[S_OUT], .src = MAC_GW,
				   .saddr = Y2, .daddr = a, .proto = IPPROTO_ICMP,
				   .icmp_type = 3, .icmp_code = (uint8_t)code,
				   .sport = 0, .dport = code == 4 ? 1280 : 0,
				   .payload = q_out, .plen = qlen };
		r->now += r->hz;
		inject(r, S_OUT, &in);
		pump(r);
		take_one(S_IN, &f);
		want = in;
		want.dst = MAC_H1;
		want.src = MAC_NAT[S_IN];
		want.daddr = H1;
		want.ttl = 63;
		want.payload = q_in;
		expect_frame("ICMP error out2in", &f, &want);
	}
	/* C19: still there, not refreshed by the errors. */
	s = find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53);
	assert_non_null(s);
	assert_int_equal(s->last_seen, seen);
	rig_end(r);
}

/* F29, C15: an ICMP error from inside about an inbound flow: outer source
 * and the quoted destination become the outside endpoint. */
static void
test_F29_icmp_error_in2out(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t q_in[FRAME_MAX], q_out[FRAME_MAX];
	struct pkt p, in, want, q;
	struct frame f;
	uint16_t qlen, port;
	uint32_t a;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	/* What H1 received (Y1 -> H1:5000) and what Y1 had sent. */
	q = udp_pkt(&MAC_H1, &MAC_NAT[S_IN], Y1, 53, H1, 5000);
	q.ttl = 63;
	qlen = ip_bytes(q_in, &q);
	q = udp_pkt(&MAC_H1, &MAC_NAT[S_IN], Y1, 53, a, port);
	q.ttl = 63;
	ip_bytes(q_out, &q);
	/* Ether()/IP(src=H1, dst=Y1)/ICMP(type=3, code=3)/IP(src=Y1,
	 *   dst=H1)/UDP(sport=53, dport=5000)
	 */
	in = (struct pkt){ .dst = MAC_NAT[S_IN], .src = MAC_H1, .saddr = H1,
			   .daddr = Y1, .proto = IPPROTO_ICMP, .icmp_type = 3,
			   .icmp_code = 3, .payload = q_in, .plen = qlen };
	inject(r, S_IN, &in);
	pump(r);
	take_one(S_OUT, &f);
	want = in;
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.saddr = a;
	want.ttl = 63;
	want.payload = q_out;
	expect_frame("ICMP error in2out", &f, &want);
	rig_end(r);
}

/* C15: outbound ICMP errors and repeated RSTs do not refresh a session;
 * the first RST starts the closing timer (D22). */
static void
test_C15_no_refresh(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t q_in[FRAME_MAX];
	struct ct_session *s;
	struct pkt p, in, q;
	uint64_t t;
	uint16_t port;
	uint32_t a;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	s = find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53);
	t = s->last_seen;
	r->now += 10 * r->hz;
	q = udp_pkt(&MAC_H1, &MAC_NAT[S_IN], Y1, 53, H1, 5000);
	in = (struct pkt){ .dst = MAC_NAT[S_IN], .src = MAC_H1, .saddr = H1,
			   .daddr = Y1, .proto = IPPROTO_ICMP, .icmp_type = 3,
			   .icmp_code = 3, .payload = q_in,
			   .plen = ip_bytes(q_in, &q) };
	inject(r, S_IN, &in);
	pump(r);
	take(S_OUT, NULL, 0);
	assert_int_equal(s->last_seen, t);
	/* TCP: the first RST refreshes (closing timer), the next does not. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_RST, 2, 0);
	r->now += 10 * r->hz;
	in2out(r, &p, &a, &port);
	s = find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80);
	t = ct_clock(table_of(r, s), r->now);
	assert_int_equal(s->last_seen, t);
	r->now += 10 * r->hz;
	in2out(r, &p, &a, &port);
	assert_int_equal(s->last_seen, t);
	rig_end(r);
}

/* F27: bad ICMP checksum dropped; an error about no flow of ours dropped;
 * IHL 6 in the quoted header still translated. */
static void
test_F27_icmp_error_checks(void **state)
{
	static const uint8_t opt[4] = { 1, 1, 1, 0 }; /* NOP NOP NOP EOL */
	struct rig *r = rig_start(*state);
	uint8_t q_out[FRAME_MAX], q_in[FRAME_MAX], b[FRAME_MAX];
	struct pkt p, in, want, q;
	struct frame f;
	uint16_t qlen, port, n;
	uint32_t a;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	q = udp_pkt(&MAC_GW, &MAC_NAT[S_OUT], a, port, Y1, 53);
	q.ip_opts = opt;
	q.ip_olen = 4;
	qlen = ip_bytes(q_out, &q);
	q.saddr = H1;
	q.sport = 5000;
	ip_bytes(q_in, &q);
	in = (struct pkt){ .dst = MAC_NAT[S_OUT], .src = MAC_GW, .saddr = Y2,
			   .daddr = a, .proto = IPPROTO_ICMP, .icmp_type = 11,
			   .payload = q_out, .plen = qlen };
	/* A broken ICMP checksum. */
	n = build(b, &in);
	b[L4_OFF + 2] ^= 0x55;
	expect_drop_raw(r, S_OUT, b, n, CGN_DROP_icmp_bad_cksum);
	/* About a flow we never had. */
	q = udp_pkt(&MAC_GW, &MAC_NAT[S_OUT], a, (uint16_t)(port ^ 1), Y1, 53);
	in.plen = ip_bytes(b, &q);
	in.payload = b;
	expect_drop(r, S_OUT, &in, CGN_DROP_icmp_no_session);
	/* IHL 6 quoted: translated. */
	in.payload = q_out;
	in.plen = qlen;
	inject(r, S_OUT, &in);
	pump(r);
	take_one(S_IN, &f);
	want = in;
	want.dst = MAC_H1;
	want.src = MAC_NAT[S_IN];
	want.daddr = H1;
	want.ttl = 63;
	want.payload = q_in;
	expect_frame("time exceeded, IHL 6 quoted", &f, &want);
	rig_end(r);
}

static const struct rig_opts opts_bypass = {
	.extra = "bypass = [\"198.18.0.0/16\"];",
};

/* H38: to and from a bypass destination: routed, not translated. */
static void
test_H38_bypass(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p, want;
	struct frame f;

	/* Ether()/IP(src=H1, dst="198.18.0.7")/UDP(sport=5000, dport=53) */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, IP(198, 18, 0, 7), 53);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_OUT, &f);
	want = p;
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.ttl = 63;
	expect_frame("bypass out", &f, &want);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(198, 18, 0, 7), 53, H1, 5000);
	inject(r, S_OUT, &p);
	pump(r);
	take_one(S_IN, &f);
	want = p;
	want.dst = MAC_H1;
	want.src = MAC_NAT[S_IN];
	want.ttl = 63;
	expect_frame("bypass in", &f, &want);
	assert_int_equal(rig_ct_used(r), 0);
	assert_int_equal(rig_stats(r)->bypassed, 2);
	/* Other destinations are still translated. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_OUT, &f);
	assert_true(in_pool(r, f_src(&f)));
	rig_end(r);
}

/*
 * H38: a session an inbound packet from a bypass address made (the pool
 * address it went to is no subscriber, so it was not bypassed, and EIF
 * admitted it). The subscriber's packets back to that address match the
 * session's key and are still bypassed, never translated.
 */
static void
test_H38_bypass_inbound_session(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p, want;
	struct frame f;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(198, 18, 0, 7), 53, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	assert_non_null(find_session(r, IPPROTO_UDP, H1, 5000,
				     IP(198, 18, 0, 7), 53));
	assert_int_equal(rig_stats(r)->bypassed, 0);

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, IP(198, 18, 0, 7), 53);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_OUT, &f);
	want = p;
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.ttl = 63;
	expect_frame("bypass out, session or not", &f, &want);
	expect_nothing();
	assert_int_equal(rig_stats(r)->bypassed, 1);
	assert_accounting(r);
	rig_end(r);
}

/* UDP 120 s + hold 120 s stays under the 300 s after which the control
 * thread re-confirms its neighbours (that ARP is tested elsewhere). */
static const struct rig_opts opts_hold = {
	.pool = "203.0.113.8", .ports = "1024-1087", .block_size = 64,
	.max_blocks = 1, .no_static = true, .hold_down = 120,
	.udp_timeout = 120,
};

/*
 * With several workers, a pool of fewer blocks than 16 per worker has none
 * to deal out at start (cgn_blocks_init gives each worker
 * min(CGN_BLOCK_KEEP, blocks / workers), the control thread keeps the
 * rest): the subscriber's worker asks for one, its first packet is dropped
 * as block_pending (transient: no ICMP), the control thread grants a block
 * and the worker takes it on its next timer tick, a millisecond later.
 * With one worker, which holds every block from the start: nothing.
 */
static void
await_block(struct rig *r, const struct pkt *p)
{
	struct cgn_stats before;

	if (r->nw == 1)
		return;
	before = *rig_stats(r);
	inject(r, S_IN, p);
	pump(r);
	expect_nothing();
	assert_drop_only(r, &before, CGN_DROP_block_pending, 1);
	r->now += r->hz / 1000;
	pump(r);
	expect_nothing();
	assert_accounting(r);
}

/* A8: a released port is not given out again for hold_down (120 s); the
 * block goes back (and is logged) only when the hold ends. */
static void
test_A8_hold_down(void **state)
{
	struct rig *r = rig_start(*state);
	uint16_t port[64], y;
	bool used[64] = { false };
	unsigned int i;
	struct pkt p;
	uint32_t x;

	/* (two workers: the one block is the control thread's at first) */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	await_block(r, &p);
	/* 64 mappings take the whole block. */
	for (i = 0; i < 64; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, (uint16_t)(5000 + i),
			    Y1, 53);
		in2out(r, &p, &x, &port[i]);
		used[port[i] - 1024] = true;
	}
	/* They all expire (UDP 120 s). */
	r->now += 121 * r->hz;
	rig_age(r, r->now, 1u << 20);
	assert_int_equal(rig_ct_used(r), 0);
	/* Held: a new mapping finds no port; the block is still H1's. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 6000, Y1, 53);
	expect_refused(r, &p, &MAC_H1, H1, CGN_DROP_ports_exhausted);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 1);
	/* 119 s later: still held. */
	r->now += 119 * r->hz;
	pump(r);
	expect_refused(r, &p, &MAC_H1, H1, CGN_DROP_ports_exhausted);
	/* Past 120 s: free again, the block went back and came back. */
	r->now += 2 * r->hz;
	pump(r);
	in2out(r, &p, &x, &y);
	assert_true(y >= 1024 && y <= 1087);
	(void)used;
	rig_end(r);
}

static const struct rig_opts opts_preserve = {
	.preserve = true, .no_static = true,
};

/* Port preservation and parity (A4): the inside port is kept when free. */
static void
test_A4_preservation_parity(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint16_t y0, y1, y2;
	uint32_t x;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 53);
	in2out(r, &p, &x, &y0);
	/* With several workers a worker holds only some blocks of each
	 * address (the control thread keeps the rest); the inside port is
	 * kept only when its block is one this worker holds or is granted
	 * anyway. Not so here: parity only. */
	if (r->nw == 1)
		assert_int_equal(y0, 40000);
	else
		assert_int_equal(y0 % 2, 0);
	/* H2's 40000 is taken on that address (if paired with it): its
	 * port keeps the parity at least. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40000, Y1, 53);
	in2out(r, &p, &x, &y1);
	assert_int_equal(y1 % 2, 0);
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40001, Y1, 53);
	in2out(r, &p, &x, &y2);
	assert_int_equal(y2 % 2, 1);
	rig_end(r);
}

static const struct rig_opts opts_syn_icmp = {
	.extra = "icmp: { unsolicited_syn = \"icmp\"; };",
	.preserve = true,
};

/* D21: an unsolicited SYN gets nothing for tcp_syn_inbound (6 s), then
 * ICMP 3/3; one that an outbound SYN meets in time is forgotten. */
static void
test_D21_unsolicited_syn(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t orig[FRAME_MAX];
	struct pkt p, syn;
	struct frame f;
	uint16_t olen, port;
	uint32_t a;

	/* Learn H1's outside address with a UDP flow. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	/* Unsolicited: Ether()/IP(src=Y1, dst=P)/TCP(sport=80, dport=40000,
	 *   flags="S") */
	syn = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, 40000, TH_SYN, 7, 0);
	olen = (uint16_t)(build(orig, &syn) - ETH_LEN);
	expect_drop(r, S_OUT, &syn, CGN_DROP_out_no_mapping);
	r->now += 5 * r->hz;
	pump(r);
	expect_nothing();
	r->now += 2 * r->hz;
	pump(r);
	take_one(S_OUT, &f);
	check_icmp_error("3/3 for an unsolicited SYN", &f, &MAC_GW, S_OUT, Y1,
			 3, 3, orig + ETH_LEN, olen);
	/* Again, but H1 opens the same connection within the window
	 * (simultaneous open; the port is preserved, being free in the block
	 * H1's UDP port 5000 came from): no ICMP ever. */
	syn.dport = 5002;
	expect_drop(r, S_OUT, &syn, CGN_DROP_out_no_mapping);
	r->now += r->hz;
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5002, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	assert_int_equal(port, 5002);
	assert_int_equal(rig_stats(r)->syn_hold_matched, 1);
	r->now += 10 * r->hz;
	pump(r);
	expect_nothing();
	rig_end(r);
}

/* 32 blocks of 64 ports on one address, one block per subscriber. */
static const struct rig_opts opts_a6 = {
	.pool = "203.0.113.8", .ports = "1024-3071", .block_size = 64,
	.max_blocks = 1, .no_static = true,
};

/*
 * A6 (RFC 4787 REQ-11, MUST): mapping and filtering behave the same with
 * the pool nearly full. 30 other subscribers take 30 of the 32 blocks
 * (balanced over the workers, whose shares of the pool are equal), H1 the
 * 31st: 97% in use. Then A1 (EIM) and B10 (EIF) are checked as with an
 * empty pool, and nothing of the others was disturbed.
 */
static void
test_A6_under_load(void **state)
{
	struct rig *r = rig_start(*state);
	uint32_t fill[30], fa[30], a, x;
	uint16_t fport[30], port, y;
	unsigned int n = 0, per[RIG_MAXQ] = { 0 }, i, k;
	struct pkt p;

	for (k = 1; n < RTE_DIM(fill) && k < 250; k++) {
		uint32_t h = IP(100, 64, 2, k);
		unsigned int o = cgn_sub_owner(r->ctx, rte_cpu_to_be_32(h));

		if (per[o] >= RTE_DIM(fill) / r->nw)
			continue;
		per[o]++;
		fill[n++] = h;
	}
	assert_int_equal(n, RTE_DIM(fill));
	for (i = 0; i < n; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, fill[i], 7000, Y1, 53);
		in2out(r, &p, &fa[i], &fport[i]);
	}
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 30);
	/* A1 at 97%: the same outside endpoint to two destinations. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 3478);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y2, 80);
	in2out(r, &p, &x, &y);
	assert_int_equal(x, a);
	assert_int_equal(y, port);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 31);
	/* B10 (EIF) at 97%: a third endpoint gets in. */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(198, 19, 0, 30), 9999, a,
		    port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	/* Everyone else's mapping is untouched. */
	for (i = 0; i < n; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, fill[i], 7000, Y1, 53);
		in2out(r, &p, &x, &y);
		assert_int_equal(x, fa[i]);
		assert_int_equal(y, fport[i]);
	}
	rig_end(r);
}

/*
 * J44: deterministic NAT (RFC 7422) with the RFC's own worked example
 * (our addresses: I = 100.64.0.0/28, O = 203.0.113.1, C = 14, D = 2,
 * R = 0-1023): each host gets 4032 ports, .1 gets 1024-5055, .14 gets
 * 53440-57471, the dynamic pool is 57472-65535, 203.0.113.1:2001 is .1's.
 * f1 and f2 as the CLI and telemetry show them, then the data path: a
 * host's flows leave from its range, replies come back, and no port block
 * (and no log line) is used until the range overflows.
 */
static const struct rig_opts opts_det = {
	.pool = "203.0.113.1", .block_size = 64, .max_blocks = 4,
	.no_static = true, .det = true,
	.extra = "deterministic: { inside = \"100.64.0.0/28\"; "
		 "compression_ratio = 14; dynamic_pool_factor = 2; "
		 "reserved_ports = \"0-1023\"; };",
};

static void
test_J44_deterministic(void **state)
{
	struct rig *r = rig_start(*state);
	char line[128];
	struct pkt p;
	uint32_t a;
	uint16_t port;
	unsigned int i;

	/* f1 and f2, as `show deterministic` prints them. */
	assert_int_equal(cgn_show_det(r->ctx, IP(100, 64, 0, 1), -1, line,
				      sizeof(line)), 0);
	assert_string_equal(line, "100.64.0.1 -> 203.0.113.1 ports 1024-5055");
	assert_int_equal(cgn_show_det(r->ctx, IP(100, 64, 0, 14), -1, line,
				      sizeof(line)), 0);
	assert_string_equal(line,
			    "100.64.0.14 -> 203.0.113.1 ports 53440-57471");
	assert_int_equal(cgn_show_det(r->ctx, IP(203, 0, 113, 1), 2001, line,
				      sizeof(line)), 0);
	assert_string_equal(line, "203.0.113.1:2001 -> 100.64.0.1");
	assert_int_equal(cgn_show_det(r->ctx, IP(203, 0, 113, 1), 60000,
				      line, sizeof(line)), -1);
	assert_int_equal(r->cfg.pool.port_lo, 57472);
	assert_int_equal(r->cfg.pool.port_hi, 65535);

	/* H1 = 100.64.0.2: the second host, ports 5056-9087. */
	for (i = 0; i < 20; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, (uint16_t)(7000 + i),
			    Y1, 53);
		in2out(r, &p, &a, &port);
		assert_int_equal(a, IP(203, 0, 113, 1));
		assert_true(port >= 5056 && port <= 9087);
		p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
		out2in(r, &p, &MAC_H1, H1, (uint16_t)(7000 + i));
	}
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	assert_int_equal(rig_stats(r)->blocks_allocated, 0);
	/* A host outside I is translated from the dynamic pool. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, IP(100, 64, 1, 9), 7000, Y1, 53);
	in2out(r, &p, &a, &port);
	assert_true(port >= 57472);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 1);
	rig_end(r);
}

/* A PCP (RFC 6887) MAP request of H1 for internal port iport. */
static uint16_t
pcp_map_req(uint8_t *b, uint8_t opcode, uint32_t life, uint32_t client,
	    uint8_t proto, uint16_t iport)
{
	memset(b, 0, 60);
	b[0] = 2;
	b[1] = opcode;
	wr32(b + 4, life);
	b[18] = 0xff;
	b[19] = 0xff;
	wr32(b + 20, client);
	memset(b + 24, 0xa5, 12);        /* nonce */
	b[36] = proto;
	wr16(b + 40, iport);
	return 60;
}

/* Send a PCP request from H1; the response's PCP bytes, checked as a
 * frame (addresses, ports, every checksum) but for the PCP payload. */
static void
pcp_exchange(struct rig *r, const uint8_t *req, uint16_t len, uint8_t *rsp)
{
	struct pkt p, want;
	struct frame f;

	/* Ether()/IP(src=H1, dst="100.64.0.1")/UDP(sport=40000,
	 *   dport=5351)/PCP */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, NAT_IN, 5351);
	p.payload = req;
	p.plen = len;
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	assert_true(f.len >= L4_OFF + 8 + 60);
	memcpy(rsp, f.b + L4_OFF + 8, 60);
	want = udp_pkt(&MAC_H1, &MAC_NAT[S_IN], NAT_IN, 5351, H1, 40000);
	want.payload = rsp;
	want.plen = 60;
	want.ttl = 64;
	want.ip_id = rd16(f.b + 18);
	expect_frame("PCP response", &f, &want);
}

/*
 * H39 (RFC 6888 REQ-9, RFC 6887): a subscriber asks for a mapping with
 * PCP MAP; the answer names the outside address and port; the mapping
 * admits anyone inbound even under address-and-port-dependent filtering,
 * until it is deleted (lifetime 0) or its lifetime ends. Errors for a
 * client address that is not the sender's and an unsupported opcode.
 */
static void
test_H39_pcp_map(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t req[64], rsp[64];
	uint16_t len, eport;
	uint32_t ea;
	struct pkt p;

	len = pcp_map_req(req, 1, 120, H1, IPPROTO_UDP, 6000);
	pcp_exchange(r, req, len, rsp);
	assert_int_equal(rsp[0], 2);
	assert_int_equal(rsp[1], 0x81);
	assert_int_equal(rsp[3], 0);             /* SUCCESS */
	assert_int_equal(rd32(rsp + 4), 120);    /* lifetime */
	assert_memory_equal(rsp + 24, req + 24, 12); /* nonce */
	assert_int_equal(rsp[36], IPPROTO_UDP);
	assert_int_equal(rd16(rsp + 40), 6000);
	eport = rd16(rsp + 42);
	assert_int_equal(rd16(rsp + 54), 0xffff);
	ea = rd32(rsp + 56);
	assert_true(in_pool(r, ea));
	/* Anyone may now reach H1:6000, whatever the filtering. */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 9999, ea, eport);
	out2in(r, &p, &MAC_H1, H1, 6000);
	/* H1's own traffic from 6000 leaves from the same endpoint. */
	{
		uint32_t a;
		uint16_t port;

		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 6000, Y1, 53);
		in2out(r, &p, &a, &port);
		assert_int_equal(a, ea);
		assert_int_equal(port, eport);
	}
	/* Delete: lifetime 0. */
	len = pcp_map_req(req, 1, 0, H1, IPPROTO_UDP, 6000);
	pcp_exchange(r, req, len, rsp);
	assert_int_equal(rsp[3], 0);
	/* Its sessions live on, but a new remote is filtered again. */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(198, 19, 0, 99), 1, ea, eport);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_filtered);
	/* A TCP mapping that ends with its lifetime. */
	len = pcp_map_req(req, 1, 60, H1, IPPROTO_TCP, 8080);
	pcp_exchange(r, req, len, rsp);
	assert_int_equal(rsp[3], 0);
	eport = rd16(rsp + 42);
	r->now += 61 * r->hz;
	pump(r);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 9999, ea, eport, TH_SYN, 1, 0);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_no_mapping);
	/* ADDRESS_MISMATCH (12): the client field is not the sender. */
	len = pcp_map_req(req, 1, 60, H2, IPPROTO_UDP, 6001);
	pcp_exchange(r, req, len, rsp);
	assert_int_equal(rsp[3], 12);
	/* UNSUPP_OPCODE (4): PEER. */
	len = pcp_map_req(req, 2, 60, H1, IPPROTO_UDP, 6001);
	pcp_exchange(r, req, len, rsp);
	assert_int_equal(rsp[3], 4);
	rig_end(r);
}

const struct CMUnitTest tw_policies[] = {
	T(test_F28_icmp_error_out2in),
	T(test_F29_icmp_error_in2out),
	T(test_F27_icmp_error_checks),
	TO(test_H38_bypass, &opts_bypass),
	TO(test_H38_bypass_inbound_session, &opts_bypass),
	TO(test_A8_hold_down, &opts_hold),
	TO(test_A4_preservation_parity, &opts_preserve),
	TO(test_D21_unsolicited_syn, &opts_syn_icmp),
	TO(test_A6_under_load, &opts_a6),
	TO(test_J44_deterministic, &opts_det),
	T(test_C15_no_refresh),
	TO(test_H39_pcp_map, &opts_apdf),
};
const unsigned int tw_policies_n = RTE_DIM(tw_policies);
