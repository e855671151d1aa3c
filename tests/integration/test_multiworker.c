/* SPDX-License-Identifier: BSD-3-Clause
 * Integration tests: two workers, one thread, an injected clock.
 *
 * A NAT with TWO workers is built as app/main.c builds it (rig.c, with
 * app/cgn_nat.h) on two
 * ring ethdevs with two RX and two TX queues each: queue q of a port is
 * worker q's. A frame "arrives at worker q" when it is enqueued on
 * rig_rxr[side][q]; what worker q sends is read from rig_txr[side][q].
 * Nothing runs concurrently: the test calls cgn_worker_poll(w0 or w1, now)
 * and cgn_ctrl_poll() itself, in the order each case needs, so the handoff
 * between the workers (ctx->handoff[from][to]) can be watched step by step.
 *
 * Cases:
 *   pinning          a subscriber's packets at the other worker are handed
 *                    to its owner (cgn_sub_owner), which translates them
 *                    and sends them on its own TX queue; its subscriber
 *                    record and sessions exist on the owner only
 *   return traffic   replies to an owner's mapping (UDP, TCP, ICMP echo)
 *                    arriving at the other worker are handed to the owner
 *                    and delivered, every field and checksum checked
 *   many subscribers 200 subscribers over both workers
 *   block grants     a worker runs out of port blocks of an address, asks,
 *                    is granted more (block_owner, global_free), gives the
 *                    surplus back once the sessions expired; out2in for a
 *                    granted block goes to its new owner
 *   static mapping   inbound to 203.0.113.1:80 at the worker that does not
 *                    own 100.64.0.5 goes to the owner (ctx->static_owner)
 *   hairpinning      between subscribers of different workers
 *                    (NAT_HO_HAIRPIN)
 *   handoff full     a full handoff ring drops under handoff_full
 *
 * After every case (rig_end): everything drained, every session closed,
 * then per worker rx + handoff_in == tx + consumed + dropped + handoff_out,
 * in total rx == tx + consumed + dropped, every port block accounted for
 * exactly once (rig_check_blocks), and rte_mempool_in_use_count() back at
 * its start-up value.
 *
 *   test_multiworker ['test_block*' ...]   fnmatch(3) patterns
 *   CGN_IT_SEED=N   rte_srand() seed; default 1
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



/* ------------------------------------------------------------------ */
/* Polling.                                                            */

static void
wpoll(struct rig *r, unsigned int i)
{
	cgn_worker_poll(r->wk[i], r->now);
}

static void
cpoll(struct rig *r)
{
	cgn_ctrl_poll(r->ctrl, r->now);
}

/* Everything a burst causes: handoffs, control's replies, the ARP queue.
 * The clock does not move. */
static void
pump(struct rig *r)
{
	unsigned int k;

	for (k = 0; k < 3; k++) {
		wpoll(r, 0);
		wpoll(r, 1);
		cpoll(r);
	}
	wpoll(r, 0);
	wpoll(r, 1);
}

/* One millisecond later, and a pump: the workers' timer work (aging,
 * taking granted blocks, giving surplus back) runs once a millisecond. */
static void
tick(struct rig *r)
{
	r->now += r->hz / 1000;
	pump(r);
}

/* ------------------------------------------------------------------ */
/* Checks.                                                             */

#define check_frame(what, got, want) do {				\
	int bad_ = frame_check((what), (got), (want));		\
	if (bad_)							\
		fail_msg("%s: %d field(s) wrong", (what), bad_);	\
} while (0)

static unsigned int
take_all(int side, struct frame *out, unsigned int max)
{
	unsigned int q, n = 0;

	for (q = 0; q < RIG_MAXQ; q++)
		n += rig_take(side, q, out ? out + RTE_MIN(n, max) : NULL,
			      max > n ? max - n : 0);
	return n;
}

/* Exactly one frame, on TX queue q of side; nothing on any other queue. */
static void
take_one(int side, unsigned int q, struct frame *f)
{
	unsigned int s, k, n[CGN_SIDES][RIG_MAXQ], bad = 0;

	for (s = 0; s < CGN_SIDES; s++)
		for (k = 0; k < RIG_MAXQ; k++) {
			bool here = (int)s == side && k == q;

			n[s][k] = rig_take((int)s, k, here ? f : NULL,
					   here ? 1 : 0);
			if (n[s][k] != (here ? 1u : 0u))
				bad++;
		}
	if (bad)
		fail_msg("expected 1 frame on %s queue %u only; got inside "
			 "%u/%u, outside %u/%u (queue 0/1)",
			 side == S_IN ? "inside" : "outside", q, n[0][0],
			 n[0][1], n[1][0], n[1][1]);
}

#define expect_nothing() expect_nothing_(__LINE__)

static void
expect_nothing_(int line)
{
	struct frame f[2];
	unsigned int ni = take_all(S_IN, &f[0], 1);
	unsigned int no = take_all(S_OUT, &f[1], 1);
	char a[20], b[20];

	if (ni)
		print_error("inside: type %04x %s -> %s\n", f_type(&f[0]),
			    ipstr(f_src(&f[0]), a),
			    ipstr(f_dst(&f[0]), b));
	if (no)
		print_error("outside: type %04x %s -> %s\n", f_type(&f[1]),
			    ipstr(f_src(&f[1]), a),
			    ipstr(f_dst(&f[1]), b));
	if (ni || no)
		fail_msg("line %d: expected no output, got %u inside, %u "
			 "outside", line, ni, no);
}

static void
assert_accounting(const struct rig *r)
{
	if (rig_check_accounting(r, false) != 0)
		fail_msg("counters do not add up (see above)");
}

/* The drop counters of worker i moved by n under why, and nowhere else. */
static void
assert_drop_only(const struct rig *r, unsigned int i,
		 const struct cgn_stats *before, enum cgn_drop why, uint64_t n)
{
	const struct cgn_stats *s = &r->wk[i]->nat.stats;
	unsigned int k;
	int bad = 0;

	for (k = 0; k < CGN_DROP_MAX; k++) {
		uint64_t d = s->drop[k] - before->drop[k];
		uint64_t want = k == (unsigned int)why ? n : 0;

		if (d != want) {
			print_error("worker %u: drop %s moved by %" PRIu64
				    ", expected %" PRIu64 "\n", i,
				    cgn_drop_names[k], d, want);
			bad++;
		}
	}
	if (bad)
		fail_msg("worker %u drop counters: %d wrong", i, bad);
}

static void
assert_no_drops(const struct rig *r, const struct cgn_stats before[2])
{
	unsigned int i, k;

	for (i = 0; i < 2; i++)
		for (k = 0; k < CGN_DROP_MAX; k++)
			if (r->wk[i]->nat.stats.drop[k] != before[i].drop[k])
				fail_msg("worker %u: drop %s moved by %" PRIu64,
					 i, cgn_drop_names[k],
					 r->wk[i]->nat.stats.drop[k] -
					 before[i].drop[k]);
}

static void
snap(const struct rig *r, struct cgn_stats s[2])
{
	s[0] = r->wk[0]->nat.stats;
	s[1] = r->wk[1]->nat.stats;
}

static unsigned int
owner(const struct rig *r, uint32_t sub)
{
	return cgn_sub_owner(r->ctx, rte_cpu_to_be_32(sub));
}

/* The n-th subscriber address (100.64.base.x, upwards) owned by worker o. */
static uint32_t
pick_sub(const struct rig *r, uint8_t base, unsigned int o, unsigned int n)
{
	uint32_t a;

	for (a = IP(100, 64, base, 2); a < IP(100, 64, base + 8, 0); a++) {
		if ((a & 0xff) == 0 || (a & 0xff) == 255 || a == H5)
			continue;
		if (owner(r, a) == o && n-- == 0)
			return a;
	}
	fail_msg("no subscriber for worker %u", o);
	return 0;
}

/* In2out session of worker i, or NULL. */
static struct ct_session *
find_session(const struct rig *r, unsigned int i, uint8_t proto,
	     uint32_t in_a, uint16_t in_p, uint32_t rem_a, uint16_t rem_p)
{
	struct ct_key k = {
		.a_addr = rte_cpu_to_be_32(in_a),
		.b_addr = rte_cpu_to_be_32(rem_a),
		.a_port = rte_cpu_to_be_16(in_p),
		.b_port = rte_cpu_to_be_16(rem_p),
		.proto = proto,
	};
	const struct ct_table *ct = r->wk[i]->nat.ct;
	uint32_t idx = ct_lookup(ct, CT_IN2OUT, &k, ct_hash(ct, &k));

	return idx == CT_NONE ? NULL : &ct->sessions[idx];
}

/* The session and the subscriber are on worker o, not on the other one. */
static void
assert_lives_on(const struct rig *r, unsigned int o, uint8_t proto,
		uint32_t in_a, uint16_t in_p, uint32_t rem_a, uint16_t rem_p)
{
	char a[20];

	if (find_session(r, o, proto, in_a, in_p, rem_a, rem_p) == NULL)
		fail_msg("%s:%u: no session on its owner, worker %u",
			 ipstr(in_a, a), in_p, o);
	if (find_session(r, !o, proto, in_a, in_p, rem_a, rem_p) != NULL)
		fail_msg("%s:%u: a session on worker %u, not its owner",
			 ipstr(in_a, a), in_p, !o);
	if (nat_sub_lookup(r->wk[o]->nat.pool, rte_cpu_to_be_32(in_a)) == NAT_NONE)
		fail_msg("%s: no subscriber record on its owner, worker %u",
			 ipstr(in_a, a), o);
	if (nat_sub_lookup(r->wk[!o]->nat.pool, rte_cpu_to_be_32(in_a)) !=
	    NAT_NONE)
		fail_msg("%s: a subscriber record on worker %u, not its owner",
			 ipstr(in_a, a), !o);
}

/* Which worker holds the port block of an outside (address, port)? */
static unsigned int
block_owner_of(const struct rig *r, uint32_t out_a, uint16_t out_p)
{
	const struct nat_pool *p = r->wk[0]->nat.pool;
	int32_t ai = nat_pool_addr_index(p, rte_cpu_to_be_32(out_a));

	assert_true(ai >= 0);
	return r->ctx->block_owner[nat_block_of(p, (uint32_t)ai, out_p)];
}

/*
 * Take everything sent; answer the control thread's ARP requests (re-
 * confirmation of old entries once the clock jumped) as the gateway or
 * the subscribers would. Returns the number of frames that were not ARP.
 */
static unsigned int
answer_arps(struct rig *r)
{
	static struct frame f[64];
	unsigned int s, q, n, k, other = 0;
	uint8_t b[64];

	for (s = 0; s < CGN_SIDES; s++)
		for (q = 0; q < RIG_MAXQ; q++) {
			n = rig_take((int)s, q, f, RTE_DIM(f));
			for (k = 0; k < n; k++) {
				struct rte_ether_addr mac;
				uint32_t tpa, me = s == S_IN ? NAT_IN : NAT_OUT;

				if (k >= RTE_DIM(f) ||
				    f_type(&f[k]) != RTE_ETHER_TYPE_ARP ||
				    rd16(f[k].b + 20) != 1) {
					other++;
					continue;
				}
				tpa = rd32(f[k].b + 38);
				mac = s == S_OUT ? MAC_GW : tpa == H5 ? MAC_H5 :
				      rig_sub_mac(tpa);
				assert_int_equal(rig_inject_raw(r, (int)s, q, b,
					build_arp(b, &MAC_NAT[s], &mac, 2,
						      &mac, tpa, &MAC_NAT[s],
						      me)), 0);
			}
		}
	return other;
}

/* ------------------------------------------------------------------ */
/* Bring-up.                                                           */

/* A subscriber ARPs for the inside address on queue q; the reply leaves
 * through worker 0 (the control thread sends through worker 0's TX). */
static void
subscriber_arp(struct rig *r, uint32_t ip, const struct rte_ether_addr *mac,
	       unsigned int q)
{
	struct rte_ether_addr got;
	struct frame f;
	uint8_t b[64];

	assert_int_equal(rig_inject_raw(r, S_IN, q, b,
		build_arp(b, &MAC_BCAST, mac, 1, mac, ip, &MAC_ZERO,
			      NAT_IN)), 0);
	pump(r);
	take_one(S_IN, 0, &f);
	if (arp_check("ARP reply for 100.64.0.1", &f, mac, &MAC_NAT[S_IN],
			  2, &MAC_NAT[S_IN], NAT_IN, mac, ip))
		fail_msg("ARP reply wrong");
	assert_true(neigh_mac(r, S_IN, ip, &got));
	assert_memory_equal(got.addr_bytes, mac->addr_bytes, 6);
}

/* Answer control's ARP request for the gateway (it leaves on worker 0's
 * queue; the reply comes in on worker 1's). */
static void
l2_up(struct rig *r)
{
	struct rte_ether_addr got;
	struct frame f;
	uint8_t b[64];

	wpoll(r, 0);
	take_one(S_OUT, 0, &f);
	if (arp_check("ARP request for the gateway", &f, &MAC_BCAST,
			  &MAC_NAT[S_OUT], 1, &MAC_NAT[S_OUT], NAT_OUT,
			  &MAC_ZERO, GW))
		fail_msg("ARP request wrong");
	assert_int_equal(rig_inject_raw(r, S_OUT, 1, b,
		build_arp(b, &MAC_NAT[S_OUT], &MAC_GW, 2, &MAC_GW, GW,
			      &MAC_NAT[S_OUT], NAT_OUT)), 0);
	pump(r);
	expect_nothing();
	assert_true(neigh_mac(r, S_OUT, GW, &got));
	assert_memory_equal(got.addr_bytes, MAC_GW.addr_bytes, 6);
	assert_accounting(r);
}

static int
setup(void **state)
{
	struct rig_opts o = { 0 };

	if (*state != NULL)
		o = *(const struct rig_opts *)*state;
	/* Hold-down and port preservation as the config has them. */
	o.pool_defaults = true;
	if (rig_build(&g_rig, &o) != 0 || g_rig.nw != 2) {
		rig_free(&g_rig);
		return -1;
	}
	*state = &g_rig;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rig_free(&g_rig);
	return 0;
}

static struct rig *
rig_start(void *state)
{
	struct rig *r = state;

	l2_up(r);
	return r;
}

/*
 * End of a case: drain; counters add up; close every session on both
 * workers; drain (the timer work too); nothing left anywhere, blocks all
 * accounted for, no mbuf in use beyond start-up.
 */
static void
rig_end(struct rig *r)
{
	unsigned int i;

	pump(r);
	take_all(S_IN, NULL, 0);
	take_all(S_OUT, NULL, 0);
	assert_int_equal(rig_handoff_in_flight(r), 0);
	assert_accounting(r);
	for (i = 0; i < r->nw; i++)
		cgn_worker_close_all(r->wk[i], r->now);
	for (i = 0; i < 3; i++)
		tick(r);
	take_all(S_IN, NULL, 0);
	take_all(S_OUT, NULL, 0);
	for (i = 0; i < r->nw; i++) {
		assert_int_equal(r->wk[i]->nat.ct->used, 0);
		assert_int_equal(r->wk[i]->nat.pool->n_blocks_used, 0);
		assert_int_equal(r->wk[i]->nat.pend_n, 0);
	}
	assert_int_equal(rig_handoff_in_flight(r), 0);
	assert_accounting(r);
	if (rig_check_blocks(r) != 0)
		fail_msg("port blocks not all accounted for (see above)");
	assert_int_equal(rte_mempool_in_use_count(r->ctx->mp), r->mp_base);
}

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
		assert_int_equal(r->wk[b]->nat.stats.rx[S_IN], s0[b].rx[S_IN] + 1);
		assert_int_equal(r->wk[b]->nat.stats.handoff_out,
				 s0[b].handoff_out + 1);
		assert_int_equal(r->wk[b]->nat.stats.tx[S_OUT], s0[b].tx[S_OUT]);
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

/* A reply from (ra, rp) to (a, port), received by worker `at`, must come
 * out of worker o's inside queue to sub, rewritten and nothing else. */
static void
reply_at_mac(struct rig *r, unsigned int at, unsigned int o,
	     const struct pkt *p, uint32_t sub,
	     const struct rte_ether_addr *submac, uint16_t sub_port,
	     const char *what)
{
	struct rte_ether_addr mac = *submac;
	struct cgn_stats s0[2];
	struct pkt want = *p;
	struct frame f;

	snap(r, s0);
	assert_int_equal(rig_inject(r, S_OUT, at, p), 0);
	wpoll(r, at);
	if (at != o) {
		assert_int_equal(r->wk[at]->nat.stats.handoff_out,
				 s0[at].handoff_out + 1);
		assert_int_equal(r->wk[at]->nat.stats.tx[S_IN], s0[at].tx[S_IN]);
		expect_nothing();
		wpoll(r, o);
		assert_int_equal(r->wk[o]->nat.stats.handoff_in,
				 s0[o].handoff_in + 1);
	}
	assert_int_equal(r->wk[o]->nat.stats.tx[S_IN], s0[o].tx[S_IN] + 1);
	take_one(S_IN, o, &f);
	want.dst = mac;
	want.src = MAC_NAT[S_IN];
	want.daddr = sub;
	if (p->proto == IPPROTO_ICMP)
		want.sport = sub_port;
	else
		want.dport = sub_port;
	want.ttl = 63;
	check_frame(what, &f, &want);
	assert_no_drops(r, s0);
	assert_accounting(r);
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

static void
test_many_subscribers(void **state)
{
	struct rig *r = rig_start(*state);
	static uint32_t out_a[N_SUBS];
	static uint16_t out_p[N_SUBS];
	static bool got[N_SUBS];
	static struct frame f[64];
	struct cgn_stats s0[2];
	unsigned int i, q, n, k, owned[2] = { 0, 0 }, delivered = 0;
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
		for (q = 0; q < 2; q++) {
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
				assert_int_equal(block_owner_of(r, out_a[id],
								out_p[id]), q);
				if (verify_cksums_buf("in2out", f[k].b,
						      f[k].len))
					fail_msg("checksums");
			}
		}
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
			for (q = 0; q < 2; q++) {
				n = rig_take(S_IN, q, f, RTE_DIM(f));
				assert_true(n <= RTE_DIM(f));
				for (k = 0; k < n; k++) {
					uint32_t id = rd32(f[k].b + L4_OFF +
							   8);
					uint32_t sub = IP(100, 64, 1, 1) + id;
					struct rte_ether_addr mac =
						rig_sub_mac(sub);
					struct pkt want;

					assert_true(id < N_SUBS);
					assert_false(got[id]);
					got[id] = true;
					assert_int_equal(owner(r, sub), q);
					want = udp_pkt(&mac, &MAC_NAT[S_IN],
						       Y1, 53, sub,
						       (uint16_t)(20000 + id));
					want.payload = f[k].b + L4_OFF + 8;
					want.plen = 4;
					want.ttl = 63;
					check_frame("reply", &f[k], &want);
					delivered++;
				}
			}
			expect_nothing();
		}
	}
	assert_int_equal(delivered, N_SUBS);
	assert_no_drops(r, s0);
	for (i = 0; i < 2; i++) {
		assert_true(r->wk[i]->nat.stats.handoff_out > s0[i].handoff_out);
		assert_true(r->wk[i]->nat.stats.handoff_in > s0[i].handoff_in);
	}
	assert_int_equal(r->wk[0]->nat.stats.handoff_out +
			 r->wk[1]->nat.stats.handoff_out,
			 r->wk[0]->nat.stats.handoff_in + r->wk[1]->nat.stats.handoff_in);
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

static void
test_block_grants(void **state)
{
	struct rig *r = rig_start(*state);
	const unsigned int A = 1, B = 0;
	struct cgn_worker *wa = r->wk[A];
	uint32_t subs[17], a, blk, i, k;
	uint16_t ports[17];
	struct cgn_stats s0[2];
	struct pkt p, want;
	struct frame f;
	uint64_t granted0;

	assert_int_equal(r->ctx->blocks_per_addr, 40);
	assert_int_equal(r->ctx->n_blocks, 40);
	assert_int_equal(r->ctx->global_free[0], 8);
	assert_int_equal(r->wk[0]->nat.pool->addrs[0].n_free, CGN_BLOCK_KEEP);
	assert_int_equal(wa->nat.pool->addrs[0].n_free, CGN_BLOCK_KEEP);
	for (blk = 0; blk < 32; blk++)
		assert_int_equal(r->ctx->block_owner[blk], blk / 16);
	assert_int_equal(rig_check_blocks(r), 0);

	for (i = 0; i < 17; i++)
		subs[i] = pick_sub(r, 2, A, i);
	snap(r, s0);
	/* 16 subscribers of worker A, one block each; control not polled. */
	for (i = 0; i < 16; i++) {
		struct rte_ether_addr mac = rig_sub_mac(subs[i]);

		p = udp_pkt(&MAC_NAT[S_IN], &mac, subs[i], 7000, Y1, 53);
		assert_int_equal(rig_inject(r, S_IN, A, &p), 0);
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

		p = udp_pkt(&MAC_NAT[S_IN], &mac, subs[16], 7000, Y1, 53);
		assert_int_equal(rig_inject(r, S_IN, A, &p), 0);
		wpoll(r, A);
		/* A block is on its way: transient, so no ICMP 3/1 (F31
		 * is for mappings that cannot be made). */
		expect_nothing();
		assert_drop_only(r, A, &s0[A], CGN_DROP_block_pending, 1);
	}
	/* The control thread grants what it has, to worker A. */
	granted0 = r->ctrl->stats.blocks_granted;
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
	assert_int_equal(rig_inject(r, S_IN, A, &p), 0);
	wpoll(r, A);
	take_one(S_OUT, A, &f);
	ports[16] = f_sport(&f);
	assert_true(ports[16] >= 1024 + 32 * 256 && ports[16] <= 11263);
	want = p;
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
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, STATIC_OUT, ports[16]);
	reply_at(r, B, A, &p, subs[16], 7000, "reply to a granted block");
	/* And to one of A's first blocks, at B. */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, STATIC_OUT, ports[3]);
	reply_at(r, B, A, &p, subs[3], 7000, "reply to an initial block");

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
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, ports[16]);
	snap(r, s0);
	assert_int_equal(rig_inject(r, S_OUT, B, &p), 0);
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
	struct nat_static_key k = {
		.addr = rte_cpu_to_be_32(STATIC_OUT),
		.port = rte_cpu_to_be_16(80),
		.proto = IPPROTO_TCP,
	};
	struct cgn_stats s0[2];
	struct pkt p, want;
	struct frame f;
	void *data;
	uint8_t buf[64];

	print_message("100.64.0.5 is worker %u's\n", o);
	assert_true(rte_hash_lookup_data(r->ctx->static_owner, &k, &data) >= 0);
	assert_int_equal((uintptr_t)data, o);
	assert_true(nat_map_lookup_out(r->wk[o]->nat.pool, k.addr, k.port,
				       IPPROTO_TCP) != NAT_NONE);
	assert_true(nat_map_lookup_out(r->wk[b]->nat.pool, k.addr, k.port,
				       IPPROTO_TCP) == NAT_NONE);
	snap(r, s0);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 33000, STATIC_OUT, 80,
		    TH_SYN, 777, 0);
	assert_int_equal(rig_inject(r, S_OUT, b, &p), 0);
	wpoll(r, b);
	assert_int_equal(r->wk[b]->nat.stats.handoff_out, s0[b].handoff_out + 1);
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
	/* A port below the dynamic range that is not a static one: nobody
	 * owns it; dropped where it arrived. */
	snap(r, s0);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 33000, STATIC_OUT, 81,
		    TH_SYN, 1, 0);
	assert_int_equal(rig_inject(r, S_OUT, b, &p), 0);
	pump(r);
	expect_nothing();
	assert_int_equal(r->wk[b]->nat.stats.handoff_out, s0[b].handoff_out);
	assert_drop_only(r, b, &s0[b], CGN_DROP_out_no_mapping, 1);
	rig_end(r);
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
	assert_int_equal(r->wk[B]->nat.stats.handoff_out, s0[B].handoff_out + 1);
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
	want = p;
	want.dst = m1;
	want.src = MAC_NAT[S_IN];
	want.saddr = a2;
	want.sport = p2;
	want.daddr = h1;
	want.dport = 5000;
	want.ttl = 63;
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
	assert_int_equal(r->wk[A]->nat.stats.handoff_out, s0[A].handoff_out + 1);
	wpoll(r, B);
	take_one(S_IN, B, &f);
	want = p;
	want.dst = m2;
	want.src = MAC_NAT[S_IN];
	want.saddr = a1;
	want.sport = p1;
	want.daddr = h2;
	want.dport = 6000;
	want.ttl = 63;
	check_frame("hairpin H1 (worker A) -> H2 (worker B)", &f, &want);
	assert_no_drops(r, s0);

	/* H2 at A's queue towards H1: two handoffs (to B as the subscriber's
	 * owner, back to A as the block's), still delivered. */
	snap(r, s0);
	p = udp_pkt(&MAC_NAT[S_IN], &m2, h2, 6000, a1, p1);
	assert_int_equal(rig_inject(r, S_IN, A, &p), 0);
	pump(r);
	take_one(S_IN, A, &f);
	want = p;
	want.dst = m1;
	want.src = MAC_NAT[S_IN];
	want.saddr = a2;
	want.sport = p2;
	want.daddr = h1;
	want.dport = 5000;
	want.ttl = 63;
	check_frame("hairpin H2 via A, B, A", &f, &want);
	assert_int_equal(r->wk[A]->nat.stats.handoff_out, s0[A].handoff_out + 1);
	assert_int_equal(r->wk[B]->nat.stats.handoff_out, s0[B].handoff_out + 1);
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
	assert_int_equal(r->wk[1]->nat.stats.handoff_out, s0[1].handoff_out + cap);
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
	assert_int_equal(r->wk[0]->nat.stats.handoff_in, s0[0].handoff_in + cap);
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
			 r->wk[1]->nat.stats.drop[CGN_DROP_neigh_unresolved], held);
	rig_end(r);
}

/* ------------------------------------------------------------------ */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TO(fn, o) cmocka_unit_test_prestate_setup_teardown(fn, setup, \
		teardown, (void *)(o))

static const struct CMUnitTest all_tests[] = {
	T(test_pinning),
	T(test_return_at_non_owner),
	T(test_many_subscribers),
	TO(test_block_grants, &opts_blocks),
	T(test_static_at_other_worker),
	T(test_hairpin_across_workers),
	T(test_handoff_ring_full),
	T(test_no_mbuf_leak),
};

int
main(int argc, char **argv)
{
	static struct CMUnitTest run[RTE_DIM(all_tests)];
	static const struct rig_proc proc = { .tag = "mw", .nq = 2 };
	unsigned int i, n = 0;
	int k;

	for (i = 0; i < RTE_DIM(all_tests); i++) {
		bool want = argc < 2;

		for (k = 1; k < argc && !want; k++)
			want = fnmatch(argv[k], all_tests[i].name, 0) == 0;
		if (want)
			run[n++] = all_tests[i];
	}
	if (n == 0) {
		fprintf(stderr, "no test matches\n");
		return 1;
	}
	if (rig_main(argv[0], &proc) != 0)
		return 1;
	k = _cmocka_run_group_tests("multiworker", run, n, NULL, NULL);
	return rig_main_end(k);
}
