/* SPDX-License-Identifier: BSD-3-Clause
 * test_multiworker: who owns what: subscriber pinning, return traffic,
 * many subscribers, port-block grants.
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

/* ------------------------------------------------------------------ */
/* Cases.                                                              */

/*
 * Subscriber pinning. For each worker o: a subscriber of o sends on the
 * other worker's queue; that worker only hands it off; o translates it and
 * sends it on its own TX queue; the subscriber and the session are in o's
 * tables only. The flow's next packet, on o's own queue, goes straight.
 */
static void
test_pinning(void **state)
{
	struct rig *r = rig_start(*state);
	unsigned int o;

	for (o = 0; o < 2; o++) {
		unsigned int b = !o;
		uint32_t sub = pick_sub(r, 1, o, 0);
		struct rte_ether_addr mac = rig_sub_mac(sub);
		struct cgn_stats s0[2];
		struct pkt p, want;
		struct frame f;
		uint32_t a;
		uint16_t port;

		snap(r, s0);
		p = udp_pkt(&MAC_NAT[S_IN], &mac, sub, 5000, Y1, 53);
		assert_int_equal(rig_inject(r, S_IN, b, &p), 0);
		/* The wrong worker: received, handed off, nothing else. */
		wpoll(r, b);
		assert_int_equal(r->wk[b]->nat.stats.rx[S_IN],
				 s0[b].rx[S_IN] + 1);
		assert_int_equal(r->wk[b]->nat.stats.handoff_out,
				 s0[b].handoff_out + 1);
		assert_int_equal(r->wk[b]->nat.stats.tx[S_OUT],
				 s0[b].tx[S_OUT]);
		assert_int_equal(rte_ring_count(r->ctx->handoff[b][o]), 1);
		assert_int_equal(r->wk[b]->nat.ct->used, 0);
		expect_nothing();
		/* The owner: taken from the ring, translated, sent on its
		 * own queue. */
		wpoll(r, o);
		assert_int_equal(r->wk[o]->nat.stats.handoff_in,
				 s0[o].handoff_in + 1);
		assert_int_equal(r->wk[o]->nat.stats.rx[S_IN], s0[o].rx[S_IN]);
		assert_int_equal(r->wk[o]->nat.stats.tx[S_OUT],
				 s0[o].tx[S_OUT] + 1);
		assert_int_equal(rte_ring_count(r->ctx->handoff[b][o]), 0);
		take_one(S_OUT, o, &f);
		a = f_src(&f);
		port = f_sport(&f);
		assert_true(in_pool(r, a));
		assert_int_equal(block_owner_of(r, a, port), o);
		want = p;
		want.dst = MAC_GW;
		want.src = MAC_NAT[S_OUT];
		want.saddr = a;
		want.sport = port;
		want.ttl = 63;
		check_frame("pinned in2out", &f, &want);
		assert_lives_on(r, o, IPPROTO_UDP, sub, 5000, Y1, 53);
		assert_int_equal(r->wk[b]->nat.ct->used, 0);

		/* The same flow on the owner's own queue: no handoff, the
		 * same mapping. */
		assert_int_equal(rig_inject(r, S_IN, o, &p), 0);
		wpoll(r, o);
		take_one(S_OUT, o, &f);
		check_frame("pinned in2out, owner's queue", &f, &want);
		assert_int_equal(r->wk[o]->nat.stats.handoff_out,
				 s0[o].handoff_out);
		assert_int_equal(r->wk[o]->nat.stats.handoff_in,
				 s0[o].handoff_in + 1);
		assert_int_equal(r->wk[o]->nat.ct->used, 1);
		assert_no_drops(r, s0);
		pump(r);
		cgn_worker_close_all(r->wk[o], r->now);
		pump(r);
		expect_nothing();
		assert_accounting(r);
	}
	rig_end(r);
}

static void
reply_at(struct rig *r, unsigned int at, unsigned int o, const struct pkt *p,
	 uint32_t sub, uint16_t sub_port, const char *what)
{
	struct rte_ether_addr mac = rig_sub_mac(sub);

	reply_at_mac(r, at, o, p, sub, &mac, sub_port, what);
}

/*
 * Return traffic at the worker that does not own the mapping: for each
 * owner o, a UDP reply, a TCP SYN-ACK and an ICMP echo reply injected on
 * the other worker's outside queue are handed to o and delivered to the
 * subscriber, every field and checksum checked. A packet to a port of o's
 * block that has no mapping is handed over too and dropped there as
 * out_no_mapping.
 */
static void
test_return_at_non_owner(void **state)
{
	struct rig *r = rig_start(*state);
	unsigned int o;

	for (o = 0; o < 2; o++) {
		unsigned int b = !o;
		uint32_t sub = pick_sub(r, 1, o, 1);
		struct rte_ether_addr mac = rig_sub_mac(sub);
		struct cgn_stats s0[2];
		struct pkt p;
		struct frame f;
		uint32_t a, at, ai;
		uint16_t port, tport, id;

		subscriber_arp(r, sub, &mac, b);
		/* UDP out through the owner, the reply in at the other. */
		p = udp_pkt(&MAC_NAT[S_IN], &mac, sub, 5000, Y1, 3478);
		assert_int_equal(rig_inject(r, S_IN, o, &p), 0);
		wpoll(r, o);
		take_one(S_OUT, o, &f);
		a = f_src(&f);
		port = f_sport(&f);
		assert_int_equal(block_owner_of(r, a, port), o);
		p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a, port);
		reply_at(r, b, o, &p, sub, 5000, "UDP reply at non-owner");
		/* And at the owner itself: the same result, no handoff. */
		reply_at(r, o, o, &p, sub, 5000, "UDP reply at owner");

		/* TCP: SYN out at the non-owner, SYN-ACK in at it too. */
		p = tcp_pkt(&MAC_NAT[S_IN], &mac, sub, 40000, Y2, 443, TH_SYN,
			    1000, 0);
		assert_int_equal(rig_inject(r, S_IN, b, &p), 0);
		pump(r);
		take_one(S_OUT, o, &f);
		at = f_src(&f);
		tport = f_sport(&f);
		assert_int_equal(at, a); /* paired pooling */
		assert_lives_on(r, o, IPPROTO_TCP, sub, 40000, Y2, 443);
		p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 443, at, tport,
			    TH_SYN | TH_ACK, 5000, 1001);
		reply_at(r, b, o, &p, sub, 40000, "TCP SYN-ACK at non-owner");

		/* ICMP echo: request out, reply in at the non-owner. */
		p = icmp_pkt(&MAC_NAT[S_IN], &mac, sub, Y1,
			     RTE_IP_ICMP_ECHO_REQUEST, 77, 1);
		assert_int_equal(rig_inject(r, S_IN, o, &p), 0);
		wpoll(r, o);
		take_one(S_OUT, o, &f);
		id = f_icmp_id(&f);
		assert_int_equal(f_src(&f), a);
		assert_int_equal(block_owner_of(r, a, id), o);
		p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, a,
			     RTE_IP_ICMP_ECHO_REPLY, id, 1);
		reply_at(r, b, o, &p, sub, 77, "ICMP echo reply at non-owner");

		/* A port of o's block with no mapping: handed to o, dropped
		 * there. */
		snap(r, s0);
		ai = (uint32_t)nat_pool_addr_index(r->wk[0]->nat.pool,
						   rte_cpu_to_be_32(a));
		p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a,
			    (uint16_t)(port ^ 1));
		assert_int_equal(r->ctx->block_owner[nat_block_of(
			r->wk[0]->nat.pool, ai, (uint16_t)(port ^ 1))], o);
		assert_int_equal(rig_inject(r, S_OUT, b, &p), 0);
		pump(r);
		expect_nothing();
		assert_int_equal(r->wk[b]->nat.stats.handoff_out,
				 s0[b].handoff_out + 1);
		assert_drop_only(r, o, &s0[o], CGN_DROP_out_no_mapping, 1);
		assert_drop_only(r, b, &s0[b], CGN_DROP_out_no_mapping, 0);
		assert_accounting(r);
	}
	rig_end(r);
}

/*
 * 200 subscribers, each with a UDP flow sent on queue i % 2; replies on
 * queue (i + 1) % 2 (or i % 3 == 0: the same queue). Both workers own
 * some; each session lives on the owner of its subscriber; each reply is
 * delivered to its subscriber, through the owner's queue; both workers
 * handed packets off; the counters add up per worker and in total.
 */
#define N_SUBS 200

/* What TX queue q sent after a burst of test_many_subscribers(): each
 * subscriber's first packet, sent by its owner from the owner's block. */
static void
many_take_out(struct rig *r, unsigned int q, uint32_t *out_a,
	      uint16_t *out_p)
{
	static struct frame f[64];
	unsigned int n, k;

	n = rig_take(S_OUT, q, f, RTE_DIM(f));
	assert_true(n <= RTE_DIM(f));
	for (k = 0; k < n; k++) {
		uint32_t id = rd32(f[k].b + L4_OFF + 8);
		uint32_t sub = IP(100, 64, 1, 1) + id;

		assert_true(id < N_SUBS);
		assert_int_equal(out_a[id], 0);
		/* Sent by the subscriber's owner. */
		assert_int_equal(owner(r, sub), q);
		out_a[id] = f_src(&f[k]);
		out_p[id] = f_sport(&f[k]);
		assert_true(in_pool(r, out_a[id]));
		assert_int_equal(block_owner_of(r, out_a[id], out_p[id]), q);
		if (verify_cksums_buf("in2out", f[k].b, f[k].len))
			fail_msg("checksums");
	}
}

/* The replies out of inside TX queue q: each once, to its subscriber, by
 * its owner, rewritten and nothing else. Returns how many. */
static unsigned int
many_take_replies(struct rig *r, unsigned int q, bool *got)
{
	static struct frame f[64];
	unsigned int n, k, delivered = 0;

	n = rig_take(S_IN, q, f, RTE_DIM(f));
	assert_true(n <= RTE_DIM(f));
	for (k = 0; k < n; k++) {
		uint32_t id = rd32(f[k].b + L4_OFF + 8);
		uint32_t sub = IP(100, 64, 1, 1) + id;
		struct rte_ether_addr mac = rig_sub_mac(sub);
		struct pkt want;

		assert_true(id < N_SUBS);
		assert_false(got[id]);
		got[id] = true;
		assert_int_equal(owner(r, sub), q);
		want = udp_pkt(&mac, &MAC_NAT[S_IN], Y1, 53, sub,
			       (uint16_t)(20000 + id));
		want.payload = f[k].b + L4_OFF + 8;
		want.plen = 4;
		want.ttl = 63;
		check_frame("reply", &f[k], &want);
		delivered++;
	}
	return delivered;
}

static void
test_many_subscribers(void **state)
{
	struct rig *r = rig_start(*state);
	static uint32_t out_a[N_SUBS];
	static uint16_t out_p[N_SUBS];
	static bool got[N_SUBS];
	struct cgn_stats s0[2];
	unsigned int i, q, k, owned[2] = { 0, 0 }, delivered = 0;
	char as[20];

	memset(out_a, 0, sizeof(out_a));
	memset(got, 0, sizeof(got));
	snap(r, s0);
	for (i = 0; i < N_SUBS; i += 20) {
		for (k = i; k < i + 20; k++) {
			uint32_t sub = IP(100, 64, 1, 1) + k;
			struct rte_ether_addr mac = rig_sub_mac(sub);
			uint8_t tag[4];
			struct pkt p = udp_pkt(&MAC_NAT[S_IN], &mac, sub,
					       (uint16_t)(20000 + k), Y1, 53);

			wr32(tag, k);
			p.payload = tag;
			p.plen = sizeof(tag);
			assert_int_equal(rig_inject(r, S_IN, k % 2, &p), 0);
		}
		tick(r);
		for (q = 0; q < 2; q++)
			many_take_out(r, q, out_a, out_p);
		expect_nothing();
	}
	for (i = 0; i < N_SUBS; i++) {
		uint32_t sub = IP(100, 64, 1, 1) + i;
		unsigned int o = owner(r, sub);

		if (out_a[i] == 0)
			fail_msg("subscriber %s: nothing sent",
				 ipstr(sub, as));
		owned[o]++;
		assert_lives_on(r, o, IPPROTO_UDP, sub, (uint16_t)(20000 + i),
				Y1, 53);
	}
	print_message("subscribers: worker 0 owns %u, worker 1 owns %u\n",
		      owned[0], owned[1]);
	assert_true(owned[0] > 0 && owned[1] > 0);
	assert_int_equal(r->wk[0]->nat.ct->used, owned[0]);
	assert_int_equal(r->wk[1]->nat.ct->used, owned[1]);
	assert_no_drops(r, s0);

	/* Replies, half of them at the worker that does not own them. */
	for (i = 0; i < N_SUBS; i++) {
		uint8_t tag[4];
		struct pkt p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53,
				       out_a[i], out_p[i]);

		wr32(tag, i);
		p.payload = tag;
		p.plen = sizeof(tag);
		assert_int_equal(rig_inject(r, S_OUT,
					    i % 3 == 0 ? i % 2 : (i + 1) % 2,
					    &p), 0);
		if (i % 20 == 19) {
			tick(r);
			for (q = 0; q < 2; q++)
				delivered += many_take_replies(r, q, got);
			expect_nothing();
		}
	}
	assert_int_equal(delivered, N_SUBS);
	assert_no_drops(r, s0);
	for (i = 0; i < 2; i++) {
		assert_true(r->wk[i]->nat.stats.handoff_out >
			    s0[i].handoff_out);
		assert_true(r->wk[i]->nat.stats.handoff_in >
			    s0[i].handoff_in);
	}
	assert_int_equal(r->wk[0]->nat.stats.handoff_out +
			 r->wk[1]->nat.stats.handoff_out,
			 r->wk[0]->nat.stats.handoff_in +
			 r->wk[1]->nat.stats.handoff_in);
	assert_accounting(r);
	rig_end(r);
}

/*
 * Port blocks: one pool address, 40 blocks (ports 1024-11263, 256 each).
 * cgn_blocks_init gives each worker 16 (CGN_BLOCK_KEEP) and keeps 8.
 * Worker 1's subscribers take one block each without the control thread
 * running: at 2 left (CGN_BLOCK_LOW) it asks; the 17th subscriber is
 * dropped as block_pending. The control thread then grants the 8 it has
 * (block_owner -> 1, global_free -> 0); a millisecond later worker 1 has
 * taken them and the 17th subscriber's flow goes through from a granted
 * block, whose return traffic, arriving at worker 0, is steered to worker
 * 1. After the UDP timeout the sessions expire (and the ports' hold-down
 * ends), and worker 1 gives the blocks beyond 16 back (blocks_returned,
 * global_free back to 8); then worker 0 can be granted them.
 */
static const struct rig_opts opts_blocks = {
	.pool = "203.0.113.1/32",
	.ports = "1024-11263",
	.block_size = 256,
	.max_blocks = 1,
};

/* The state of test_block_grants() between its steps. */
struct grants {
	unsigned int A, B;          /* the worker that runs out; the other */
	struct cgn_worker *wa;
	uint32_t subs[17];
	uint16_t ports[17];
	struct cgn_stats s0[2];
	struct pkt p;
	uint64_t granted0;
};

/* At start: 40 blocks, 16 with each worker, 8 with control. */
static void
grants_start(struct rig *r, const struct grants *g)
{
	struct cgn_worker *wa = g->wa;
	uint32_t blk;

	assert_int_equal(r->ctx->blocks_per_addr, 40);
	assert_int_equal(r->ctx->n_blocks, 40);
	assert_int_equal(r->ctx->global_free[0], 8);
	assert_int_equal(r->wk[0]->nat.pool->addrs[0].n_free, CGN_BLOCK_KEEP);
	assert_int_equal(wa->nat.pool->addrs[0].n_free, CGN_BLOCK_KEEP);
	for (blk = 0; blk < 32; blk++)
		assert_int_equal(r->ctx->block_owner[blk], blk / 16);
	assert_int_equal(rig_check_blocks(r), 0);

}

/* 16 subscribers of worker A take its 16 blocks; the 17th must wait for
 * a block (asked for, not yet granted). */
static void
grants_fill(struct rig *r, struct grants *g)
{
	const unsigned int A = g->A;
	struct cgn_worker *wa = g->wa;
	uint32_t *subs = g->subs, i;
	uint16_t *ports = g->ports;
	struct cgn_stats *s0 = g->s0;
	struct frame f;

	for (i = 0; i < 17; i++)
		subs[i] = pick_sub(r, 2, A, i);
	snap(r, s0);
	/* 16 subscribers of worker A, one block each; control not polled. */
	for (i = 0; i < 16; i++) {
		struct rte_ether_addr mac = rig_sub_mac(subs[i]);

		g->p = udp_pkt(&MAC_NAT[S_IN], &mac, subs[i], 7000, Y1, 53);
		assert_int_equal(rig_inject(r, S_IN, A, &g->p), 0);
		wpoll(r, A);
		take_one(S_OUT, A, &f);
		ports[i] = f_sport(&f);
		assert_int_equal(f_src(&f), STATIC_OUT);
		assert_true(ports[i] >= 1024 && ports[i] < 1024 + 32 * 256);
		assert_int_equal(block_owner_of(r, STATIC_OUT, ports[i]), A);
	}
	assert_int_equal(wa->nat.pool->addrs[0].n_free, 0);
	assert_int_equal(wa->nat.pool->n_blocks_used, 16);
	assert_int_equal(r->ctrl->stats.block_requests, 0);
	/* The 17th: no block here yet, one was asked for. */
	{
		struct rte_ether_addr mac = rig_sub_mac(subs[16]);

		g->p = udp_pkt(&MAC_NAT[S_IN], &mac, subs[16], 7000, Y1, 53);
		assert_int_equal(rig_inject(r, S_IN, A, &g->p), 0);
		wpoll(r, A);
		/* A block is on its way: transient, so no ICMP 3/1 (F31
		 * is for mappings that cannot be made). */
		expect_nothing();
		assert_drop_only(r, A, &s0[A], CGN_DROP_block_pending, 1);
	}
}

/* Control grants its 8 blocks to A; the 17th goes through from one; the
 * return traffic to A's blocks, at B, is steered to A. */
static void
grants_granted(struct rig *r, struct grants *g)
{
	const unsigned int A = g->A, B = g->B;
	struct cgn_worker *wa = g->wa;
	uint32_t *subs = g->subs, blk;
	uint16_t *ports = g->ports;
	struct cgn_stats *s0 = g->s0;
	uint64_t granted0;
	struct pkt want;
	struct frame f;

	/* The control thread grants what it has, to worker A. */
	granted0 = g->granted0 = r->ctrl->stats.blocks_granted;
	cpoll(r);
	assert_true(r->ctrl->stats.block_requests >= 1);
	assert_int_equal(r->ctrl->stats.blocks_granted, granted0 + 8);
	assert_int_equal(r->ctx->global_free[0], 0);
	for (blk = 32; blk < 40; blk++)
		assert_int_equal(r->ctx->block_owner[blk], A);
	assert_int_equal(rig_check_blocks(r), 0);
	/* A takes them on its next timer tick; the 17th goes through now,
	 * from a granted block. */
	tick(r);
	assert_int_equal(wa->nat.pool->addrs[0].n_free, 8);
	assert_int_equal(rte_ring_count(wa->grant_ring), 0);
	assert_int_equal(rig_inject(r, S_IN, A, &g->p), 0);
	wpoll(r, A);
	take_one(S_OUT, A, &f);
	ports[16] = f_sport(&f);
	assert_true(ports[16] >= 1024 + 32 * 256 && ports[16] <= 11263);
	want = g->p;
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.saddr = STATIC_OUT;
	want.sport = ports[16];
	want.ttl = 63;
	check_frame("flow from a granted block", &f, &want);
	assert_int_equal(wa->nat.pool->addrs[0].n_free, 7);
	assert_drop_only(r, A, &s0[A], CGN_DROP_block_pending, 1);
	assert_drop_only(r, B, &s0[B], CGN_DROP_block_pending, 0);

	/* Return traffic to the granted block, at worker B: steered to A. */
	pump(r); /* control learns the subscribers' MACs */
	g->p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, STATIC_OUT, ports[16]);
	reply_at(r, B, A, &g->p, subs[16], 7000, "reply to a granted block");
	/* And to one of A's first blocks, at B. */
	g->p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, STATIC_OUT, ports[3]);
	reply_at(r, B, A, &g->p, subs[3], 7000, "reply to an initial block");
}

/* The sessions expire, the blocks beyond CGN_BLOCK_KEEP go back to
 * control, and a returned block is no one's mapping any more. */
static void
grants_expire(struct rig *r, struct grants *g)
{
	const unsigned int B = g->B;
	struct cgn_worker *wa = g->wa;
	uint16_t *ports = g->ports;
	struct cgn_stats *s0 = g->s0;
	uint32_t a, i, k;

	/* The sessions expire after the UDP timeout, the ports after their
	 * hold-down (RFC 6888 REQ-8, if configured: the clock jumps a minute
	 * every second of ticks until it is over); then A keeps 16 free
	 * blocks and gives the other 8 back. */
	assert_int_equal(r->ctrl->stats.blocks_returned, 0);
	r->now += (uint64_t)(r->cfg.timeouts.udp + 1) * r->hz;
	for (i = 0; i < 30000 && (wa->nat.ct->used != 0 ||
				  wa->nat.pool->n_blocks_used != 0 ||
				  r->ctrl->stats.blocks_returned < 8); i++) {
		if (i % 1000 == 999)
			r->now += 60 * r->hz;
		tick(r);
		assert_int_equal(answer_arps(r), 0);
	}
	for (k = 0; k < 10; k++) {
		tick(r);
		assert_int_equal(answer_arps(r), 0);
	}
	print_message("sessions expired and blocks returned after %u ticks\n",
		      i);
	assert_int_equal(wa->nat.ct->used, 0);
	assert_int_equal(wa->nat.pool->n_blocks_used, 0);
	assert_int_equal(r->ctrl->stats.blocks_returned, 8);
	assert_int_equal(wa->nat.pool->addrs[0].n_free, CGN_BLOCK_KEEP);
	assert_int_equal(r->ctx->global_free[0], 8);
	assert_int_equal(r->wk[B]->nat.pool->addrs[0].n_free, CGN_BLOCK_KEEP);
	assert_int_equal(rig_check_blocks(r), 0);
	/* A returned block is no one's mapping any more. */
	a = STATIC_OUT;
	g->p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, ports[16]);
	snap(r, s0);
	assert_int_equal(rig_inject(r, S_OUT, B, &g->p), 0);
	pump(r);
	expect_nothing();
	assert_int_equal(cgn_stats_dropped(&r->wk[0]->nat.stats) +
			 cgn_stats_dropped(&r->wk[1]->nat.stats),
			 cgn_stats_dropped(&s0[0]) +
			 cgn_stats_dropped(&s0[1]) + 1);
	assert_int_equal(r->wk[0]->nat.stats.drop[CGN_DROP_out_no_mapping] +
			 r->wk[1]->nat.stats.drop[CGN_DROP_out_no_mapping],
			 s0[0].drop[CGN_DROP_out_no_mapping] +
			 s0[1].drop[CGN_DROP_out_no_mapping] + 1);
}

static void
test_block_grants(void **state)
{
	struct rig *r = rig_start(*state);
	struct grants g = { .A = 1, .B = 0, .wa = r->wk[1] };
	const unsigned int A = g.A, B = g.B;
	uint64_t granted0;
	struct frame f;
	struct pkt p;
	uint32_t blk, i;

	grants_start(r, &g);
	grants_fill(r, &g);
	grants_granted(r, &g);
	grants_expire(r, &g);
	granted0 = g.granted0;
	/* And the blocks can be granted again: to B this time. */
	for (i = 0; i < 17; i++) {
		uint32_t sub = pick_sub(r, 3, B, i);
		struct rte_ether_addr mac = rig_sub_mac(sub);

		p = udp_pkt(&MAC_NAT[S_IN], &mac, sub, 7001, Y1, 53);
		assert_int_equal(rig_inject(r, S_IN, A, &p), 0);
		tick(r);
		assert_int_equal(rig_take(S_OUT, B, &f, 1), 1);
		assert_int_equal(f_src(&f), STATIC_OUT);
		assert_int_equal(answer_arps(r), 0);
	}
	assert_int_equal(r->ctrl->stats.blocks_granted, granted0 + 16);
	assert_int_equal(r->ctx->global_free[0], 0);
	assert_int_equal(rig_check_blocks(r), 0);
	{
		unsigned int n_a = 0, n_b = 0;

		for (blk = 0; blk < 40; blk++) {
			n_a += r->ctx->block_owner[blk] == A;
			n_b += r->ctx->block_owner[blk] == B;
		}
		assert_int_equal(n_a, 16);
		assert_int_equal(n_b, 24);
	}
	rig_end(r);
}

const struct CMUnitTest mw_owners[] = {
	T(test_pinning),
	T(test_return_at_non_owner),
	T(test_many_subscribers),
	TO(test_block_grants, &opts_blocks),
};
const unsigned int mw_owners_n = RTE_DIM(mw_owners);
