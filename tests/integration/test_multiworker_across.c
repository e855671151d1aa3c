/* SPDX-License-Identifier: BSD-3-Clause
 * test_multiworker: across the workers: static mappings, hairpinning, a full
 * handoff ring, mbuf leaks.
 * The helpers and main() are test_multiworker.c's; the rig is rig.h's.
 */
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "nat_neigh.h"
#include "nat_stats.h"
#include "ct_table.h"
#include "nat_pool.h"
#include "rig.h"
#include "test_multiworker.h"

/* The static mapping 203.0.113.1:80 (tcp) is worker o's (owner of
 * 100.64.0.5), not worker b's. */
static void
static_owned_by(struct rig *r, unsigned int o, unsigned int b)
{
	struct nat_static_key k = {
		.addr = rte_cpu_to_be_32(STATIC_OUT),
		.port = rte_cpu_to_be_16(80),
		.proto = IPPROTO_TCP,
	};
	void *data;

	assert_true(rte_hash_lookup_data(r->ctx->static_owner, &k, &data) >= 0);
	assert_int_equal((uintptr_t)data, o);
	assert_true(nat_map_lookup_out(r->wk[o]->nat.pool, k.addr, k.port,
				       IPPROTO_TCP) != NAT_NONE);
	assert_true(nat_map_lookup_out(r->wk[b]->nat.pool, k.addr, k.port,
				       IPPROTO_TCP) == NAT_NONE);
}

/* At worker b, to a port of 203.0.113.1 below the dynamic range and not
 * a static one. */
static void
static_unowned_port(struct rig *r, unsigned int b)
{
	struct cgn_stats s0[2];
	struct pkt p;

	/* Nobody owns it; dropped where it arrived. */
	snap(r, s0);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 33000, STATIC_OUT, 81,
		    TH_SYN, 1, 0);
	assert_int_equal(rig_inject(r, S_OUT, b, &p), 0);
	pump(r);
	expect_nothing();
	assert_int_equal(r->wk[b]->nat.stats.handoff_out, s0[b].handoff_out);
	assert_drop_only(r, b, &s0[b], CGN_DROP_out_no_mapping, 1);
}

/*
 * The static mapping 100.64.0.5:8080 <-> 203.0.113.1:80 (tcp) belongs to
 * the worker that owns 100.64.0.5. An inbound SYN at the other worker is
 * looked up in ctx->static_owner and handed over; the owner parks it while
 * the control thread ARPs for 100.64.0.5 (the request leaves through
 * worker 0), then delivers it. The SYN-ACK, sent on the other worker's
 * inside queue, is handed to the owner and leaves from 203.0.113.1:80.
 */
static void
test_static_at_other_worker(void **state)
{
	struct rig *r = rig_start(*state);
	unsigned int o = owner(r, H5), b = !o;
	struct cgn_stats s0[2];
	struct pkt p, want;
	struct frame f;
	uint8_t buf[64];

	print_message("100.64.0.5 is worker %u's\n", o);
	static_owned_by(r, o, b);
	snap(r, s0);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 33000, STATIC_OUT, 80,
		    TH_SYN, 777, 0);
	assert_int_equal(rig_inject(r, S_OUT, b, &p), 0);
	wpoll(r, b);
	assert_int_equal(r->wk[b]->nat.stats.handoff_out,
			 s0[b].handoff_out + 1);
	assert_int_equal(r->wk[b]->nat.ct->used, 0);
	wpoll(r, o);
	assert_int_equal(r->wk[o]->nat.stats.handoff_in, s0[o].handoff_in + 1);
	/* Held for ARP at the owner. */
	assert_int_equal(r->wk[o]->nat.pend_n, 1);
	expect_nothing();
	assert_accounting(r);
	cpoll(r);
	wpoll(r, 0);
	take_one(S_IN, 0, &f);
	if (arp_check("ARP request for 100.64.0.5", &f, &MAC_BCAST,
			  &MAC_NAT[S_IN], 1, &MAC_NAT[S_IN], NAT_IN, &MAC_ZERO,
			  H5))
		fail_msg("ARP request wrong");
	/* H5 answers, on the other worker's queue. */
	assert_int_equal(rig_inject_raw(r, S_IN, b, buf,
		build_arp(buf, &MAC_NAT[S_IN], &MAC_H5, 2, &MAC_H5, H5,
			      &MAC_NAT[S_IN], NAT_IN)), 0);
	pump(r);
	take_one(S_IN, o, &f);
	want = p;
	want.dst = MAC_H5;
	want.src = MAC_NAT[S_IN];
	want.daddr = H5;
	want.dport = 8080;
	want.ttl = 63;
	check_frame("static inbound SYN", &f, &want);
	assert_int_equal(r->wk[o]->nat.pend_n, 0);
	assert_lives_on(r, o, IPPROTO_TCP, H5, 8080, Y1, 33000);
	/* SYN-ACK on the other worker's inside queue. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H5, H5, 8080, Y1, 33000,
		    TH_SYN | TH_ACK, 9000, 778);
	assert_int_equal(rig_inject(r, S_IN, b, &p), 0);
	pump(r);
	take_one(S_OUT, o, &f);
	want = p;
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.saddr = STATIC_OUT;
	want.sport = 80;
	want.ttl = 63;
	check_frame("static SYN-ACK", &f, &want);
	/* The ACK at the other worker again. */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 33000, STATIC_OUT, 80,
		    TH_ACK, 778, 9001);
	reply_at_mac(r, b, o, &p, H5, &MAC_H5, 8080,
		     "static ACK at non-owner");
	assert_int_equal(r->wk[b]->nat.ct->used, 0);
	assert_no_drops(r, s0);
	static_unowned_port(r, b);
	rig_end(r);
}

/* p as it must come out, hairpinned, to (daddr, dport) at mac, from
 * (saddr, sport). */
static struct pkt
hairpinned(const struct pkt *p, const struct rte_ether_addr *mac,
	   uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct pkt want = *p;

	want.dst = *mac;
	want.src = MAC_NAT[S_IN];
	want.saddr = saddr;
	want.sport = sport;
	want.daddr = daddr;
	want.dport = dport;
	want.ttl = 63;
	return want;
}

/*
 * Hairpinning between workers: H1 is worker A's, H2 worker B's. H2 sends
 * to H1's outside tuple; B translates it (H2's mapping), finds the
 * destination block is A's and hands it over as NAT_HO_HAIRPIN; A delivers
 * it to H1 with H2's outside tuple as source and the TTL decremented once.
 * Then the other way round.
 */
static void
test_hairpin_across_workers(void **state)
{
	struct rig *r = rig_start(*state);
	const unsigned int A = 0, B = 1;
	uint32_t h1 = pick_sub(r, 4, A, 0), h2 = pick_sub(r, 4, B, 0);
	struct rte_ether_addr m1 = rig_sub_mac(h1), m2 = rig_sub_mac(h2);
	struct cgn_stats s0[2];
	struct pkt p, want;
	struct frame f;
	uint32_t a1, a2, mi;
	uint16_t p1, p2;

	subscriber_arp(r, h1, &m1, B);
	subscriber_arp(r, h2, &m2, A);
	p = udp_pkt(&MAC_NAT[S_IN], &m1, h1, 5000, Y1, 3478);
	assert_int_equal(rig_inject(r, S_IN, A, &p), 0);
	wpoll(r, A);
	take_one(S_OUT, A, &f);
	a1 = f_src(&f);
	p1 = f_sport(&f);
	assert_int_equal(block_owner_of(r, a1, p1), A);

	/* H2 -> (a1, p1), on B's queue. */
	snap(r, s0);
	p = udp_pkt(&MAC_NAT[S_IN], &m2, h2, 6000, a1, p1);
	assert_int_equal(rig_inject(r, S_IN, B, &p), 0);
	wpoll(r, B);
	assert_int_equal(r->wk[B]->nat.stats.hairpinned, s0[B].hairpinned + 1);
	assert_int_equal(r->wk[B]->nat.stats.handoff_out,
			 s0[B].handoff_out + 1);
	assert_int_equal(rte_ring_count(r->ctx->handoff[B][A]), 1);
	expect_nothing();
	wpoll(r, A);
	assert_int_equal(r->wk[A]->nat.stats.handoff_in, s0[A].handoff_in + 1);
	take_one(S_IN, A, &f);
	mi = nat_map_lookup_in(r->wk[B]->nat.pool, rte_cpu_to_be_32(h2),
			       rte_cpu_to_be_16(6000), IPPROTO_UDP);
	assert_true(mi != NAT_NONE);
	a2 = rte_be_to_cpu_32(r->wk[B]->nat.pool->maps[mi].out_addr);
	p2 = rte_be_to_cpu_16(r->wk[B]->nat.pool->maps[mi].out_port);
	assert_true(in_pool(r, a2));
	assert_int_equal(block_owner_of(r, a2, p2), B);
	want = hairpinned(&p, &m1, a2, p2, h1, 5000);
	check_frame("hairpin H2 (worker B) -> H1 (worker A)", &f, &want);
	assert_no_drops(r, s0);
	assert_lives_on(r, B, IPPROTO_UDP, h2, 6000, a1, p1);
	assert_accounting(r);

	/* H1 -> (a2, p2), on A's queue, back to H2 through B. */
	snap(r, s0);
	p = udp_pkt(&MAC_NAT[S_IN], &m1, h1, 5000, a2, p2);
	assert_int_equal(rig_inject(r, S_IN, A, &p), 0);
	wpoll(r, A);
	assert_int_equal(r->wk[A]->nat.stats.hairpinned, s0[A].hairpinned + 1);
	assert_int_equal(r->wk[A]->nat.stats.handoff_out,
			 s0[A].handoff_out + 1);
	wpoll(r, B);
	take_one(S_IN, B, &f);
	want = hairpinned(&p, &m2, a1, p1, h2, 6000);
	check_frame("hairpin H1 (worker A) -> H2 (worker B)", &f, &want);
	assert_no_drops(r, s0);

	/* H2 at A's queue towards H1: two handoffs (to B as the subscriber's
	 * owner, back to A as the block's), still delivered. */
	snap(r, s0);
	p = udp_pkt(&MAC_NAT[S_IN], &m2, h2, 6000, a1, p1);
	assert_int_equal(rig_inject(r, S_IN, A, &p), 0);
	pump(r);
	take_one(S_IN, A, &f);
	want = hairpinned(&p, &m1, a2, p2, h1, 5000);
	check_frame("hairpin H2 via A, B, A", &f, &want);
	assert_int_equal(r->wk[A]->nat.stats.handoff_out,
			 s0[A].handoff_out + 1);
	assert_int_equal(r->wk[B]->nat.stats.handoff_out,
			 s0[B].handoff_out + 1);
	assert_no_drops(r, s0);
	rig_end(r);
}

/*
 * A full handoff ring: 1100 packets of worker 0's subscriber arrive at
 * worker 1, which is polled until its RX queue is empty while worker 0 is
 * not polled. The ring takes its capacity, the rest is dropped as
 * handoff_full (freed); worker 0 then sends exactly what the ring held.
 */
static void
test_handoff_ring_full(void **state)
{
	struct rig *r = rig_start(*state);
	uint32_t sub = pick_sub(r, 5, 0, 0);
	struct rte_ether_addr mac = rig_sub_mac(sub);
	struct rte_ring *ho = r->ctx->handoff[1][0];
	unsigned int cap = rte_ring_get_capacity(ho), i, n = 1100, sent = 0;
	struct cgn_stats s0[2];
	struct pkt p;

	assert_true(cap < n);
	snap(r, s0);
	p = udp_pkt(&MAC_NAT[S_IN], &mac, sub, 5555, Y1, 53);
	for (i = 0; i < n; i++)
		assert_int_equal(rig_inject(r, S_IN, 1, &p), 0);
	for (i = 0; i < n / NAT_BURST + 2; i++)
		wpoll(r, 1);
	assert_int_equal(rte_ring_count(rig_rxr[S_IN][1]), 0);
	assert_int_equal(rte_ring_count(ho), cap);
	assert_int_equal(r->wk[1]->nat.stats.handoff_out,
			 s0[1].handoff_out + cap);
	assert_drop_only(r, 1, &s0[1], CGN_DROP_handoff_full, n - cap);
	assert_accounting(r);
	/* Nothing leaked: what is not in the ring went back to the pool. */
	assert_int_equal(rte_mempool_in_use_count(r->ctx->mp),
			 r->mp_base + cap);
	expect_nothing();
	for (i = 0; i < cap / NAT_BURST + 2; i++) {
		wpoll(r, 0);
		sent += rig_take(S_OUT, 0, NULL, 0);
	}
	assert_int_equal(sent, cap);
	assert_int_equal(rte_ring_count(ho), 0);
	assert_int_equal(r->wk[0]->nat.stats.handoff_in,
			 s0[0].handoff_in + cap);
	assert_int_equal(r->wk[0]->nat.stats.tx[S_OUT], s0[0].tx[S_OUT] + cap);
	assert_drop_only(r, 0, &s0[0], CGN_DROP_handoff_full, 0);
	assert_int_equal(r->wk[0]->nat.ct->used, 1);
	assert_accounting(r);
	rig_end(r);
}

/*
 * Everything at once, then all sessions closed on both workers while
 * packets are still parked for ARP and on the handoff rings: no mbuf left
 * in use, counters add up (rig_end). Garbage, echo to the box, UDP and TCP
 * on both queues, replies at the other worker before the control thread
 * has learned the subscribers' MACs.
 */
static void
test_no_mbuf_leak(void **state)
{
	struct rig *r = rig_start(*state);
	static struct frame f[256];
	uint8_t b[FRAME_MAX];
	unsigned int i, q, held;
	struct pkt p;

	for (i = 0; i < 64; i++) {
		uint32_t sub = IP(100, 64, 6, 1) + i;
		struct rte_ether_addr mac = rig_sub_mac(sub);

		p = udp_pkt(&MAC_NAT[S_IN], &mac, sub, 1000, Y1, 53);
		assert_int_equal(rig_inject(r, S_IN, i % 2, &p), 0);
		p = tcp_pkt(&MAC_NAT[S_IN], &mac, sub, 1001, Y2, 80, TH_SYN,
			    1, 0);
		assert_int_equal(rig_inject(r, S_IN, (i + 1) % 2, &p), 0);
		p = icmp_pkt(&MAC_NAT[S_IN], &mac, sub, NAT_IN,
			     RTE_IP_ICMP_ECHO_REQUEST, 1, 1);
		assert_int_equal(rig_inject(r, S_IN, i % 2, &p), 0);
		memset(b, (int)i, 64);
		assert_int_equal(rig_inject_raw(r, i % 2 ? S_IN : S_OUT,
						(i / 2) % 2, b,
						(uint16_t)(i + 1)), 0);
	}
	/* Workers only: the control thread learns nothing yet. */
	for (i = 0; i < 8; i++) {
		wpoll(r, 0);
		wpoll(r, 1);
	}
	/* Replies to everything that went out, at the other worker. */
	for (q = 0; q < 2; q++) {
		unsigned int n = rig_take(S_OUT, q, f, RTE_DIM(f)), k;

		assert_true(n > 0 && n <= RTE_DIM(f));
		for (k = 0; k < n; k++) {
			assert_int_equal(f_type(&f[k]), RTE_ETHER_TYPE_IPV4);
			p = f_proto(&f[k]) == IPPROTO_TCP ?
				tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, f_dst(&f[k]),
					f_dport(&f[k]), f_src(&f[k]),
					f_sport(&f[k]), TH_SYN | TH_ACK, 7, 2) :
				udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, f_dst(&f[k]),
					f_dport(&f[k]), f_src(&f[k]),
					f_sport(&f[k]));
			assert_int_equal(rig_inject(r, S_OUT, !q, &p), 0);
		}
	}
	for (i = 0; i < 8; i++) {
		wpoll(r, 0);
		wpoll(r, 1);
	}
	held = r->wk[0]->nat.pend_n + r->wk[1]->nat.pend_n;
	print_message("%u replies parked for ARP\n", held);
	assert_int_equal(held, 128);
	/* And some on a handoff ring: worker 1 polled, worker 0 not. */
	for (i = 0; i < 10; i++) {
		uint32_t sub = pick_sub(r, 7, 0, i);
		struct rte_ether_addr mac = rig_sub_mac(sub);

		p = udp_pkt(&MAC_NAT[S_IN], &mac, sub, 1000, Y1, 53);
		assert_int_equal(rig_inject(r, S_IN, 1, &p), 0);
	}
	wpoll(r, 1);
	assert_int_equal(rte_ring_count(r->ctx->handoff[1][0]), 10);
	assert_accounting(r);
	assert_true(rte_mempool_in_use_count(r->ctx->mp) > r->mp_base);
	/* Close everything now: parked packets are dropped
	 * (neigh_unresolved); rig_end() drains the handoff ring and checks
	 * that every mbuf came back. */
	cgn_worker_close_all(r->wk[0], r->now);
	cgn_worker_close_all(r->wk[1], r->now);
	assert_int_equal(r->wk[0]->nat.pend_n + r->wk[1]->nat.pend_n, 0);
	assert_int_equal(r->wk[0]->nat.stats.drop[CGN_DROP_neigh_unresolved] +
			 r->wk[1]->nat.stats.drop[CGN_DROP_neigh_unresolved],
			 held);
	rig_end(r);
}

const struct CMUnitTest mw_across[] = {
	T(test_static_at_other_worker),
	T(test_hairpin_across_workers),
	T(test_handoff_ring_full),
	T(test_no_mbuf_leak),
};
const unsigned int mw_across_n = RTE_DIM(mw_across);
