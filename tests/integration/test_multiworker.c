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
 * Files: this one has the helpers (test_multiworker.h) and main(); the
 * cases are in test_multiworker_owners.c (pinning, return traffic, many
 * subscribers, block grants) and test_multiworker_across.c (statics,
 * hairpinning, a full handoff ring, mbuf leaks).
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
#include "test_multiworker.h"

/* ------------------------------------------------------------------ */
/* Polling.                                                            */

void
wpoll(struct rig *r, unsigned int i)
{
	cgn_worker_poll(r->wk[i], r->now);
}

void
cpoll(struct rig *r)
{
	cgn_ctrl_poll(r->ctrl, r->now);
}

/* Everything a burst causes: handoffs, control's replies, the ARP queue.
 * The clock does not move. */
void
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
void
tick(struct rig *r)
{
	r->now += r->hz / 1000;
	pump(r);
}

unsigned int
take_all(int side, struct frame *out, unsigned int max)
{
	unsigned int q, n = 0;

	for (q = 0; q < RIG_MAXQ; q++)
		n += rig_take(side, q, out ? out + RTE_MIN(n, max) : NULL,
			      max > n ? max - n : 0);
	return n;
}

/* Exactly one frame, on TX queue q of side; nothing on any other queue. */
void
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

void
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

void
assert_accounting(const struct rig *r)
{
	if (rig_check_accounting(r, false) != 0)
		fail_msg("counters do not add up (see above)");
}

/* The drop counters of worker i moved by n under why, and nowhere else. */
void
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

void
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

void
snap(const struct rig *r, struct cgn_stats s[2])
{
	s[0] = r->wk[0]->nat.stats;
	s[1] = r->wk[1]->nat.stats;
}

unsigned int
owner(const struct rig *r, uint32_t sub)
{
	return cgn_sub_owner(r->ctx, rte_cpu_to_be_32(sub));
}

/* The n-th subscriber address (100.64.base.x, upwards) owned by worker o. */
uint32_t
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
struct ct_session *
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
void
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
	if (nat_sub_lookup(r->wk[o]->nat.pool, rte_cpu_to_be_32(in_a)) ==
	    NAT_NONE)
		fail_msg("%s: no subscriber record on its owner, worker %u",
			 ipstr(in_a, a), o);
	if (nat_sub_lookup(r->wk[!o]->nat.pool, rte_cpu_to_be_32(in_a)) !=
	    NAT_NONE)
		fail_msg("%s: a subscriber record on worker %u, not its owner",
			 ipstr(in_a, a), !o);
}

/* Which worker holds the port block of an outside (address, port)? */
unsigned int
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
unsigned int
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
void
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
void
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

int
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

int
teardown(void **state)
{
	(void)state;
	rig_free(&g_rig);
	return 0;
}

struct rig *
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
void
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

/* A reply from (ra, rp) to (a, port), received by worker `at`, must come
 * out of worker o's inside queue to sub, rewritten and nothing else. */
void
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
		assert_int_equal(r->wk[at]->nat.stats.tx[S_IN],
				 s0[at].tx[S_IN]);
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

/* ------------------------------------------------------------------ */

/* The groups' tables (test_multiworker_<group>.c), in order. */
#define MAX_TESTS 64
static const struct {
	const struct CMUnitTest *t;
	const unsigned int *n;
} groups[] = {
	{ mw_owners, &mw_owners_n },
	{ mw_across, &mw_across_n },
};

int
main(int argc, char **argv)
{
	static struct CMUnitTest all[MAX_TESTS], run[MAX_TESTS];
	static const struct rig_proc proc = { .tag = "mw", .nq = 2 };
	unsigned int g, i, n_all = 0, n = 0;
	int k;

	for (g = 0; g < RTE_DIM(groups); g++)
		for (i = 0; i < *groups[g].n && n_all < MAX_TESTS; i++)
			all[n_all++] = groups[g].t[i];
	for (i = 0; i < n_all; i++) {
		bool want = argc < 2;

		for (k = 1; k < argc && !want; k++)
			want = fnmatch(argv[k], all[i].name, 0) == 0;
		if (want)
			run[n++] = all[i];
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
