/* SPDX-License-Identifier: BSD-3-Clause
 * Integration tests: crafted frames through the REAL worker packet path.
 *
 * Each test builds a complete NAT the way app/main.c does (a config file,
 * then app/cgn_nat.h's cgn_nat_open_ports() and cgn_nat_build_tables():
 * mbuf pool, ports, neighbour table, mapping-log ring, the workers, static
 * mappings, the control thread) on two ethdevs made with
 * rte_eth_from_rings() from rings the rig (rig.h) owns:
 * a frame is "received" by enqueueing it on a port's RX ring, and what the
 * NAT transmits is read from the port's TX ring. Everything runs on one
 * thread with an injected clock: cgn_worker_poll(w, now), cgn_ctrl_poll(c,
 * now), cgn_worker_poll(w, now) again when the control thread had something
 * to send (ARP goes out through the worker's tx ring).
 *
 * Neighbours are learned by the real control thread: every test answers
 * the ARP request for the outside gateway that control sends at start and
 * lets the subscribers ARP for the inside address, checking both.
 *
 * Expected frames are built independently (frames.c: own RFC 1071
 * checksums, no DPDK or lib/nat helper) and compared field by field with
 * what came out; the checksums of every output are also recomputed in
 * full. Test names carry the ids of /work/shared/RFC-CHECKLIST.md where
 * one applies.
 *
 * After every test: all traffic drained, cgn_worker_close_all(), then
 *   rx == tx + consumed + dropped   (summed over struct cgn_stats)
 *   rte_mempool_in_use_count(ctx.mp) == what it was after start-up.
 *
 * Each test gets a NAT of its own (rig_setup/rig_teardown, rig.h: the rig
 * shared with the other integration tests), so tests are independent and
 * can run alone:
 *   test_worker ['test_B10_*' ...]   fnmatch(3) patterns over the names
 *
 * Files: this one has the flow helpers (test_worker.h) and main(); the
 * tests are in test_worker_<group>.c (l2, translate, mapping, own_icmp,
 * hostile, limits, aging, policies), each with its table of them.
 *
 * Two workers (CGN_IT_WORKERS=2; meson runs every group both ways, the
 * second set as worker2_*): workers.lcores = [1, 2], each port has two RX
 * and two TX queues (queue q is worker q's). The frames of a test go to
 * the RX queues in turn (frame k to queue k mod 2), so about half land on
 * the worker that does not own their subscriber (inside) or port block
 * (outside) and are handed off, both ways; pump() polls both workers until
 * nothing is left on the RX and handoff rings; take() reads worker 0's TX
 * queue, then worker 1's. What the tests read means all workers: counters
 * summed (rig_stats), sessions, mappings, blocks, held packets summed,
 * find_session() and the mapping lookups over every worker's tables,
 * rig_age() ages them all. Accounting is checked per worker too:
 *   rx + handoff_in == tx + consumed + dropped + handoff_out (+ held)
 * and the run fails if no handoff happened or handoff_in != handoff_out.
 *
 * Environment:
 *   CGN_IT_WORKERS=N     workers, 1 (default) or 2
 *   CGN_IT_SEED=N        rte_srand() seed (ports, blocks); default 1
 *   CGN_IT_FUZZ=SEED:N   seed and frame count of test_fuzz
 *   CGN_IT_PCAP=DIR      write DIR/in.pcap (injected) and DIR/out.pcap
 *                        (transmitted), e.g. to check the checksums with
 *                        another decoder (tshark, scapy)
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

/*
 * End of a scenario: drain, close every session, drain again; then the
 * counters must add up and no mbuf may be left in use.
 */
void
rig_end(struct rig *r)
{
	unsigned int i;

	pump(r);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	assert_accounting(r);
	/* Fragments left in reassembly time out (G34). */
	r->now += (uint64_t)(r->cfg.fragments.timeout + 1) * r->hz;
	pump(r);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	assert_int_equal(rig_stats(r)->frag_held, 0);
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

/* ------------------------------------------------------------------ */
/* Helpers for flows.                                                  */

/* Send p from inside, expect it out with src (out_a, out_p) chosen by the
 * NAT; returns them. The whole output frame is checked. */
void
expect_in2out(struct rig *r, const struct pkt *p, uint32_t *out_a,
	      uint16_t *out_p)
{
	struct frame f;
	struct pkt want = *p;
	char a[20];

	take_one(S_OUT, &f);
	*out_a = f_src(&f);
	*out_p = p->proto == IPPROTO_ICMP ? f_icmp_id(&f) : f_sport(&f);
	if (!in_pool(r, *out_a))
		fail_msg("source %s is not a pool address", ipstr(*out_a, a));
	/* (RFC 7422 ranges lie below the dynamic pool: checked apart.) */
	if (p->daddr != STATIC_OUT && !r->opts.det &&
	    (*out_p < r->cfg.pool.port_lo ||
				       *out_p > r->cfg.pool.port_hi))
		fail_msg("outside port/id %u not in the dynamic range",
			 *out_p);
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.saddr = *out_a;
	want.ttl = (uint8_t)((p->ttl ? p->ttl : 64) - 1);
	want.sport = *out_p; /* the port, or the ICMP identifier */
	expect_frame("in2out", &f, &want);
}

void
in2out(struct rig *r, const struct pkt *p, uint32_t *out_a, uint16_t *out_p)
{
	inject(r, S_IN, p);
	pump(r);
	expect_in2out(r, p, out_a, out_p);
}

/* Expect p (sent from outside) inside to (in_a, in_p) of host mac. */
void
expect_out2in(struct rig *r, const struct pkt *p,
	      const struct rte_ether_addr *mac, uint32_t in_a, uint16_t in_p)
{
	struct frame f;
	struct pkt want = *p;

	(void)r;
	take_one(S_IN, &f);
	want.dst = *mac;
	want.src = MAC_NAT[S_IN];
	want.daddr = in_a;
	if (p->proto == IPPROTO_ICMP)
		want.sport = in_p;
	else
		want.dport = in_p;
	want.ttl = (uint8_t)((p->ttl ? p->ttl : 64) - 1);
	expect_frame("out2in", &f, &want);
}

/* Send p from outside; expect it inside to (in_a, in_p) of host mac. */
void
out2in(struct rig *r, const struct pkt *p, const struct rte_ether_addr *mac,
       uint32_t in_a, uint16_t in_p)
{
	inject(r, S_OUT, p);
	pump(r);
	expect_out2in(r, p, mac, in_a, in_p);
}

/* Send p and expect it dropped under `why`, with nothing transmitted. */
void
expect_drop(struct rig *r, int side, const struct pkt *p, enum cgn_drop why)
{
	struct cgn_stats before = *rig_stats(r);

	inject(r, side, p);
	pump(r);
	expect_nothing();
	assert_drop_only(r, &before, why, 1);
	assert_accounting(r);
}

void
expect_drop_raw(struct rig *r, int side, const uint8_t *b, uint16_t len,
		enum cgn_drop why)
{
	struct cgn_stats before = *rig_stats(r);

	inject_raw(r, side, b, len);
	pump(r);
	expect_nothing();
	assert_drop_only(r, &before, why, 1);
	assert_accounting(r);
}

struct ct_session *
find_session(struct rig *r, uint8_t proto, uint32_t in_a, uint16_t in_p,
	     uint32_t rem_a, uint16_t rem_p)
{
	struct ct_key k = {
		.a_addr = rte_cpu_to_be_32(in_a),
		.b_addr = rte_cpu_to_be_32(rem_a),
		.a_port = rte_cpu_to_be_16(in_p),
		.b_port = rte_cpu_to_be_16(rem_p),
		.proto = proto,
	};
	unsigned int i;

	/* The session is on the worker that owns the subscriber. */
	for (i = 0; i < r->nw; i++) {
		struct ct_table *ct = r->wk[i]->nat.ct;
		uint32_t idx = ct_lookup(ct, CT_IN2OUT, &k, ct_hash(ct, &k));

		if (idx != CT_NONE)
			return &ct->sessions[idx];
	}
	return NULL;
}

/* The table that holds session s. */
struct ct_table *
table_of(struct rig *r, const struct ct_session *s)
{
	unsigned int i;

	for (i = 0; i < r->nw; i++) {
		struct ct_table *ct = r->wk[i]->nat.ct;

		if (s >= ct->sessions && s < ct->sessions + ct->capacity)
			return ct;
	}
	fail_msg("session %p in no table", (const void *)s);
	return NULL;
}

const struct rig_opts opts_apdf = {
	.filtering = "address-and-port-dependent",
};

/*
 * Send p from inside where no mapping can be made for it: dropped under
 * why, and the subscriber told with ICMP 3/1 from 100.64.0.1 quoting it
 * (F31, RFC 6888 REQ-11).
 */
void
expect_refused(struct rig *r, const struct pkt *p,
	       const struct rte_ether_addr *host_mac, uint32_t host,
	       enum cgn_drop why)
{
	struct cgn_stats before = *rig_stats(r);
	uint8_t orig[FRAME_MAX];
	uint16_t olen = (uint16_t)(build(orig, p) - ETH_LEN);
	struct frame f;

	inject(r, S_IN, p);
	pump(r);
	take_one(S_IN, &f);
	check_icmp_error("ICMP 3/1 for a refused mapping", &f, host_mac, S_IN,
			 host, 3, 1, orig + ETH_LEN, olen);
	expect_nothing();
	assert_drop_only(r, &before, why, 1);
	assert_int_equal(rig_stats(r)->generated, before.generated + 1);
	assert_accounting(r);
}

/* ------------------------------------------------------------------ */

/* The groups' tables (test_worker_<group>.c), in order. */
#define TW_MAX_TESTS 128
static const struct {
	const struct CMUnitTest *t;
	const unsigned int *n;
} groups[] = {
	{ tw_l2, &tw_l2_n },
	{ tw_translate, &tw_translate_n },
	{ tw_mapping, &tw_mapping_n },
	{ tw_own_icmp, &tw_own_icmp_n },
	{ tw_hostile, &tw_hostile_n },
	{ tw_limits, &tw_limits_n },
	{ tw_aging, &tw_aging_n },
	{ tw_policies, &tw_policies_n },
};

/*
 *   test_worker [PATTERN...]
 * runs the tests whose name matches one of the fnmatch(3) patterns (all
 * without one). tests/integration/meson.build runs groups of them as
 * separate meson tests.
 */
int
main(int argc, char **argv)
{
	static struct CMUnitTest all[TW_MAX_TESTS], run[TW_MAX_TESTS];
	unsigned int g, i, n_all = 0, n;
	int k;

	for (g = 0; g < RTE_DIM(groups); g++)
		for (i = 0; i < *groups[g].n; i++) {
			if (n_all == RTE_DIM(all))
				return 1;
			all[n_all++] = groups[g].t[i];
		}
	frames_vprint = vprint_error; /* checks report through cmocka */
	n = rig_select(argc, argv, all, n_all, run);
	if (n == 0)
		return 1;
	if (rig_main(argv[0], &(struct rig_proc){ .tag = "it" }) != 0)
		return 1;
	k = _cmocka_run_group_tests(g_nw == 1 ? "worker" : "worker2", run, n,
				    NULL, NULL);
	return rig_main_end(k);
}
