/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: L2: ARP and neighbours.
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
/* Tests.                                                              */

/* ARP both ways: control's request for the gateway, the gateway's reply,
 * subscribers' requests and our replies (all checked in l2_up()). */
static void
test_l2_arp(void **state)
{
	struct rig *r = rig_start(*state);

	assert_int_equal(r->ctrl->stats.arp_requests_sent, 1);
	assert_int_equal(r->ctrl->stats.arp_replies_sent, 2);
	assert_int_equal(rig_stats(r)->consumed, 3);
	rig_end(r);
}

/* Malformed ARP: consumed by the worker, counted by control. */
static void
test_arp_malformed(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr zero;
	struct cgn_stats before = *rig_stats(r);
	uint8_t b[64];
	uint16_t len;
	uint64_t m0 = r->ctrl->stats.arp_malformed;

	len = build_arp(b, &MAC_BCAST, &MAC_H1, 1, &MAC_H1, H1, &zero, NAT_IN);
	/* truncated */
	inject_raw(r, S_IN, b, 30);
	/* hardware length 8 */
	b[18] = 8;
	inject_raw(r, S_IN, b, len);
	b[18] = 6;
	/* protocol IPv6 */
	wr16(b + 16, 0x86dd);
	inject_raw(r, S_OUT, b, len);
	wr16(b + 16, 0x0800);
	/* hardware type 6 (IEEE 802) */
	wr16(b + 14, 6);
	inject_raw(r, S_IN, b, len);
	/* just an Ethernet header */
	inject_raw(r, S_IN, b, ETH_LEN);
	pump(r);
	expect_nothing();
	assert_int_equal(r->ctrl->stats.arp_malformed, m0 + 5);
	assert_int_equal(rig_stats(r)->consumed, before.consumed + 5);
	assert_drop_only(r, &before, CGN_DROP_eth_short, 0);
	/* ARP for an address that is not ours: ignored, no reply. */
	wr16(b + 14, 1);
	len = build_arp(b, &MAC_BCAST, &MAC_H1, 1, &MAC_H1, H1, &zero,
			IP(100, 64, 0, 77));
	inject_raw(r, S_IN, b, len);
	pump(r);
	expect_nothing();
	assert_int_equal(r->ctrl->stats.arp_malformed, m0 + 5);
	rig_end(r);
}

static const struct rig_opts opts_no_l2 = { .no_l2 = true };

/*
 * Before the gateway answers: outbound traffic is dropped under
 * neigh_unresolved, control re-asks (at most once a second), the answer
 * lets the retransmission through on the same mapping. The subscriber never
 * ARPs: its MAC is learned from its traffic.
 */
static void
test_neigh_unresolved_gateway(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr zero;
	struct cgn_stats before = *rig_stats(r);
	struct frame f;
	struct pkt p;
	uint8_t b[64];
	uint32_t a;
	uint16_t port;
	uint64_t req0;

	wpoll(r);
	take_one(S_OUT, &f);
	check_arp("first ARP request for the gateway", &f, &MAC_BCAST,
		  &MAC_NAT[S_OUT], 1, &MAC_NAT[S_OUT], NAT_OUT, &zero, GW);

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	inject(r, S_IN, &p);
	wpoll(r);
	assert_no_drops(r, &before); /* held */
	assert_int_equal(rig_pend(r), 1);
	expect_nothing();
	req0 = r->ctrl->stats.arp_requests_sent;
	cpoll(r);
	wpoll(r);
	take_one(S_OUT, &f);
	check_arp("ARP request for the gateway again", &f, &MAC_BCAST,
		  &MAC_NAT[S_OUT], 1, &MAC_NAT[S_OUT], NAT_OUT, &zero, GW);
	assert_int_equal(r->ctrl->stats.arp_requests_sent, req0 + 1);

	/* Within the second: held too, but no new request. */
	r->now += r->hz / 10;
	inject(r, S_IN, &p);
	pump(r);
	expect_nothing();
	assert_no_drops(r, &before);
	assert_int_equal(rig_pend(r), 2);
	assert_int_equal(r->ctrl->stats.arp_requests_sent, req0 + 1);

	/* Past NAT_PENDING_WAIT_MS the first is dropped as unresolved, and
	 * control, a second after its last request, asks again.
	 */
	r->now += r->hz * NAT_PENDING_WAIT_MS / 1000 - r->hz / 20;
	pump(r);
	take_one(S_OUT, &f);
	check_arp("third ARP request for the gateway", &f, &MAC_BCAST,
		  &MAC_NAT[S_OUT], 1, &MAC_NAT[S_OUT], NAT_OUT, &zero, GW);
	expect_nothing();
	assert_drop_only(r, &before, CGN_DROP_neigh_unresolved, 1);
	assert_int_equal(rig_pend(r), 1);

	inject_raw(r, S_OUT, b, build_arp(b, &MAC_NAT[S_OUT], &MAC_GW, 2,
					  &MAC_GW, GW, &MAC_NAT[S_OUT],
					  NAT_OUT));
	pump(r);
	/* The answer releases the one still held. */
	expect_in2out(r, &p, &a, &port);
	assert_int_equal(rig_pend(r), 0);
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	assert_int_equal(rig_stats(r)->mappings_created, 1);
	/* H1 never sent ARP: its MAC came from its packets. */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	/* One request per second while unresolved: the retry above. */
	assert_int_equal(r->ctrl->stats.arp_requests_sent, req0 + 2);
	rig_end(r);
}

static const struct rig_opts opts_onlink_pool = {
	.pool = "198.51.100.16/29",
	.no_static = true,
};

/* ARP for pool addresses on the outside subnet is answered (the gateway
 * must find them); others are not. */
static void
test_arp_onlink_pool(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr zero;
	struct frame f;
	struct pkt p;
	uint8_t b[64];
	uint32_t a;
	uint16_t port;

	/* Ether(dst="ff:ff:ff:ff:ff:ff", src=gw)/ARP(op=1, hwsrc=gw,
	 *   psrc="198.51.100.1", pdst="198.51.100.17")
	 */
	inject_raw(r, S_OUT, b, build_arp(b, &MAC_BCAST, &MAC_GW, 1, &MAC_GW,
					  GW, &zero, IP(198, 51, 100, 17)));
	pump(r);
	take_one(S_OUT, &f);
	check_arp("ARP reply for a pool address", &f, &MAC_GW,
		  &MAC_NAT[S_OUT], 2, &MAC_NAT[S_OUT], IP(198, 51, 100, 17),
		  &MAC_GW, GW);
	/* not a pool address, not ours */
	inject_raw(r, S_OUT, b, build_arp(b, &MAC_BCAST, &MAC_GW, 1, &MAC_GW,
					  GW, &zero, IP(198, 51, 100, 50)));
	/* the inside address asked on the outside */
	inject_raw(r, S_OUT, b, build_arp(b, &MAC_BCAST, &MAC_GW, 1, &MAC_GW,
					  GW, &zero, NAT_IN));
	pump(r);
	expect_nothing();
	/* Translation with the on-link pool works as before. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	assert_true((a & 0xfffffff8) == IP(198, 51, 100, 16));
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	rig_end(r);
}

/* Count ARP requests in frames, by target address. */
static unsigned int
arp_requests_for(const struct frame *f, unsigned int n, uint32_t tpa)
{
	unsigned int i, c = 0;

	for (i = 0; i < n; i++)
		if (f[i].len >= 42 && rd16(f[i].b + 12) == 0x0806 &&
		    rd16(f[i].b + 20) == 1 && rd32(f[i].b + 38) == tpa)
			c++;
	return c;
}

/*
 * Neighbour housekeeping with the injected clock: after 300 s control
 * re-asks every neighbour; one that answers stays, one that does not is
 * dropped after 3 requests a second apart; traffic to it then waits for
 * ARP again.
 */
static void
test_neigh_reconfirm(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr zero;
	struct cgn_stats before;
	struct frame fi[8], fo[8];
	struct rte_ether_addr mac;
	struct pkt p;
	uint8_t b[64];
	uint32_t a;
	uint16_t port;
	unsigned int ni, no, k;

	r->now += 301 * r->hz;
	cpoll(r);
	wpoll(r);
	no = take(S_OUT, fo, 8);
	ni = take(S_IN, fi, 8);
	assert_int_equal(no, 1);
	check_arp("re-confirm the gateway", &fo[0], &MAC_BCAST,
		  &MAC_NAT[S_OUT], 1, &MAC_NAT[S_OUT], NAT_OUT, &zero, GW);
	assert_int_equal(ni, 2);
	assert_int_equal(arp_requests_for(fi, ni, H1), 1);
	assert_int_equal(arp_requests_for(fi, ni, H2), 1);
	check_arp("re-confirm H1", arp_requests_for(fi, 1, H1) ? &fi[0] :
		  &fi[1], &MAC_BCAST, &MAC_NAT[S_IN], 1, &MAC_NAT[S_IN],
		  NAT_IN, &zero, H1);
	/* The gateway answers; H1 and H2 stay silent. */
	inject_raw(r, S_OUT, b, build_arp(b, &MAC_NAT[S_OUT], &MAC_GW, 2,
					  &MAC_GW, GW, &MAC_NAT[S_OUT],
					  NAT_OUT));
	pump(r);
	expect_nothing();
	/* Still valid while being re-asked: traffic flows. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	for (k = 0; k < 2; k++) {
		r->now += r->hz + r->hz / 10;
		pump(r);
		no = take(S_OUT, fo, 8);
		ni = take(S_IN, fi, 8);
		assert_int_equal(no, 0);
		assert_int_equal(ni, 2);
		assert_int_equal(arp_requests_for(fi, ni, H1), 1);
		assert_true(neigh_mac(r, S_IN, H1, &mac));
	}
	/* Three requests unanswered: given up. */
	r->now += r->hz + r->hz / 10;
	pump(r);
	expect_nothing();
	assert_false(neigh_mac(r, S_IN, H1, &mac));
	assert_false(neigh_mac(r, S_IN, H2, &mac));
	assert_true(neigh_mac(r, S_OUT, GW, &mac));
	assert_int_equal(r->ctrl->stats.neigh_expired, 2);
	/* A reply for H1 now waits for ARP... */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	before = *rig_stats(r);
	inject(r, S_OUT, &p);
	wpoll(r);
	assert_no_drops(r, &before); /* held */
	assert_int_equal(rig_pend(r), 1);
	cpoll(r);
	wpoll(r);
	ni = take(S_IN, fi, 8);
	assert_int_equal(ni, 1);
	check_arp("ask for H1 again", &fi[0], &MAC_BCAST, &MAC_NAT[S_IN], 1,
		  &MAC_NAT[S_IN], NAT_IN, &zero, H1);
	/* ...and goes once H1 answers. */
	inject_raw(r, S_IN, b, build_arp(b, &MAC_NAT[S_IN], &MAC_H1, 2,
					 &MAC_H1, H1, &MAC_NAT[S_IN], NAT_IN));
	pump(r);
	expect_out2in(r, &p, &MAC_H1, H1, 5000);
	out2in(r, &p, &MAC_H1, H1, 5000);
	rig_end(r);
}

const struct CMUnitTest tw_l2[] = {
	T(test_l2_arp),
	T(test_arp_malformed),
	TO(test_arp_onlink_pool, &opts_onlink_pool),
	TO(test_neigh_unresolved_gateway, &opts_no_l2),
	T(test_neigh_reconfirm),
};
const unsigned int tw_l2_n = RTE_DIM(tw_l2);
