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
 * shared with the other integration tests), so tests are independent and can run alone:
 *   test_worker ['test_B10_*' ...]   fnmatch(3) patterns over the names
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


/*
 * End of a scenario: drain, close every session, drain again; then the
 * counters must add up and no mbuf may be left in use.
 */
static void
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
static void
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

static void
in2out(struct rig *r, const struct pkt *p, uint32_t *out_a, uint16_t *out_p)
{
	inject(r, S_IN, p);
	pump(r);
	expect_in2out(r, p, out_a, out_p);
}

/* Expect p (sent from outside) inside to (in_a, in_p) of host mac. */
static void
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
static void
out2in(struct rig *r, const struct pkt *p, const struct rte_ether_addr *mac,
       uint32_t in_a, uint16_t in_p)
{
	inject(r, S_OUT, p);
	pump(r);
	expect_out2in(r, p, mac, in_a, in_p);
}

/* Send p and expect it dropped under `why`, with nothing transmitted. */
static void
expect_drop(struct rig *r, int side, const struct pkt *p, enum cgn_drop why)
{
	struct cgn_stats before = *rig_stats(r);

	inject(r, side, p);
	pump(r);
	expect_nothing();
	assert_drop_only(r, &before, why, 1);
	assert_accounting(r);
}

static void
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

static struct ct_session *
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
static struct ct_table *
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

/* UDP in2out, then the reply out2in (L47 with checksums present). */
static void
test_udp_in2out_out2in(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	struct pkt q;
	uint32_t oa;
	uint16_t op;
	uint64_t tx0 = rig_stats(r)->tx[S_OUT];

	in2out(r, &p, &oa, &op);
	assert_int_equal(rig_stats(r)->tx[S_OUT], tx0 + 1);
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	assert_int_equal(rig_stats(r)->mappings_created, 1);

	/* Ether()/IP(src="198.19.0.10", dst=P)/UDP(sport=53, dport=p) */
	q = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, oa, op);
	q.ttl = 57;
	out2in(r, &q, &MAC_H1, H1, 5000);
	/* A second packet takes the established fast path. */
	p.ip_id = 0x1235;
	{
		uint32_t oa2;
		uint16_t op2;

		in2out(r, &p, &oa2, &op2);
		assert_int_equal(oa2, oa);
		assert_int_equal(op2, op);
	}
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	rig_end(r);
}

/* L47: a UDP checksum of 0 stays 0 in both directions. */
static void
test_L47_udp_zero_cksum(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5001, Y1, 53);
	struct pkt q;
	struct frame f;
	uint32_t oa;
	uint16_t op;

	p.udp_nocsum = true;
	in2out(r, &p, &oa, &op);
	/* in2out() compared the checksum field with 0 already; be explicit */
	q = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, oa, op);
	q.udp_nocsum = true;
	inject(r, S_OUT, &q);
	pump(r);
	take_one(S_IN, &f);
	assert_int_equal(rd16(f.b + 40), 0);
	q.dst = MAC_H1;
	q.src = MAC_NAT[S_IN];
	q.daddr = H1;
	q.dport = 5001;
	q.ttl = 63;
	expect_frame("udp cksum 0 out2in", &f, &q);
	rig_end(r);
}

/* TCP: SYN, SYN-ACK, ACK, data both ways, FIN both ways (D20, D23). */
static void
test_D20_tcp_lifecycle(void **state)
{
	struct rig *r = rig_start(*state);
	static const uint8_t req[] = "GET / HTTP/1.0\r\n\r\n";
	static const uint8_t rsp[] = "HTTP/1.0 200 OK\r\n\r\nhello";
	struct pkt p;
	struct ct_session *s;
	uint32_t oa, oa2;
	uint16_t op, op2;

	/* Ether()/IP(src=H1, dst=Y1)/TCP(sport=40000, dport=80, flags="S") */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN,
		    1000, 0);
	in2out(r, &p, &oa, &op);
	s = find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80);
	assert_non_null(s);
	assert_false(ct_tcp_established(s->state));
	assert_string_equal(ct_tcp_state_name(s->state), "syn");

	/* SYN-ACK */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, oa, op,
		    TH_SYN | TH_ACK, 5000, 1001);
	out2in(r, &p, &MAC_H1, H1, 40000);
	assert_false(ct_tcp_established(s->state));

	/* ACK */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK,
		    1001, 5001);
	in2out(r, &p, &oa2, &op2);
	assert_int_equal(oa2, oa);
	assert_int_equal(op2, op);
	assert_true(ct_tcp_established(s->state));
	assert_string_equal(ct_tcp_state_name(s->state), "established");
	assert_int_equal(ct_session_timeout_class(s), CT_TO_TCP_EST);

	/* Data both ways. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80,
		    TH_PSH | TH_ACK, 1001, 5001);
	p.payload = req;
	p.plen = sizeof(req) - 1;
	in2out(r, &p, &oa2, &op2);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, oa, op,
		    TH_PSH | TH_ACK, 5001, 1001 + sizeof(req) - 1);
	p.payload = rsp;
	p.plen = sizeof(rsp) - 1;
	out2in(r, &p, &MAC_H1, H1, 40000);

	/* FIN from the subscriber, then from the server. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80,
		    TH_FIN | TH_ACK, 1001 + sizeof(req) - 1,
		    5001 + sizeof(rsp) - 1);
	in2out(r, &p, &oa2, &op2);
	assert_string_equal(ct_tcp_state_name(s->state), "fin-wait");
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, oa, op,
		    TH_FIN | TH_ACK, 5001 + sizeof(rsp) - 1,
		    1002 + sizeof(req) - 1);
	out2in(r, &p, &MAC_H1, H1, 40000);
	assert_false(ct_tcp_established(s->state));
	assert_string_equal(ct_tcp_state_name(s->state), "closing");
	assert_int_equal(ct_session_timeout_class(s), CT_TO_TCP_CLOSE);
	/* Last ACK, a little later: it refreshes the session (outbound). */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK,
		    1002 + sizeof(req) - 1, 5002 + sizeof(rsp) - 1);
	r->now += r->hz;
	in2out(r, &p, &oa2, &op2);
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	assert_int_equal(s->last_seen, ct_clock(table_of(r, s), r->now));
	assert_string_equal(ct_tcp_state_name(s->state), "closing");
	rig_end(r);
}

/* A new outbound TCP flow must start with a SYN. */
static void
test_tcp_not_syn(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40001, Y1, 80,
			       TH_ACK, 1, 1);

	expect_drop(r, S_IN, &p, CGN_DROP_tcp_not_syn);
	p.tcp_flags = TH_SYN | TH_ACK;
	expect_drop(r, S_IN, &p, CGN_DROP_tcp_not_syn);
	p.tcp_flags = TH_RST;
	expect_drop(r, S_IN, &p, CGN_DROP_tcp_not_syn);
	assert_int_equal(rig_ct_used(r), 0);
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), 1); /* the static one only */
	rig_end(r);
}

/* F26: ICMP echo with the identifier translated, both ways. */
static void
test_F26_icmp_echo(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
				RTE_IP_ICMP_ECHO_REQUEST, 7, 1);
	struct pkt q;
	uint32_t oa;
	uint16_t oid;

	/* Ether()/IP(src=H1, dst=Y1)/ICMP(type=8, id=7, seq=1)/Raw() */
	in2out(r, &p, &oa, &oid);
	q = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, oa,
		     RTE_IP_ICMP_ECHO_REPLY, oid, 1);
	out2in(r, &q, &MAC_H1, H1, 7);
	/* seq 2 on the same session */
	p.dport = 2;
	{
		uint32_t oa2;
		uint16_t oid2;

		in2out(r, &p, &oa2, &oid2);
		assert_int_equal(oa2, oa);
		assert_int_equal(oid2, oid);
	}
	q.dport = 2;
	out2in(r, &q, &MAC_H1, H1, 7);
	/* An unsolicited echo reply to an unmapped id is not admitted. */
	q.sport = (uint16_t)(oid ^ 0x8000);
	expect_drop(r, S_OUT, &q, CGN_DROP_out_no_mapping);
	rig_end(r);
}

/*
 * A3 (RFC 4787 REQ-3a, pool.low_ports) with a pool that is not one range
 * of addresses (203.0.113.1, .8, .9) and a block size that is no power of
 * two (100): the worker that receives the reply finds the owner of its
 * port block by a table and a multiply (several workers), or the low
 * block's the general way. Replies to a regular and to a low port reach
 * the subscriber; a port past the last whole block (65524) is nobody's.
 */
static const struct rig_opts opts_low_odd = {
	.pool = "203.0.113.1/32\", \"203.0.113.8/31",
	.ports = "1024-65535\";\n\tlow_ports = \"24-1023",
	.block_size = 100,
	.no_static = true,
};

static void
test_A3_low_ports_odd_blocks(void **state)
{
	struct rig *r = rig_start(*state);
	static const uint32_t sub[] = {
		H1, H2, IP(100, 64, 0, 7), IP(100, 64, 1, 9),
		IP(100, 64, 2, 11), IP(100, 64, 3, 13), IP(100, 64, 4, 15),
		IP(100, 64, 5, 17), IP(100, 64, 6, 19), IP(100, 64, 7, 21),
	};
	static const uint16_t in_port[] = { 5000, 700 };
	unsigned int i, j;
	struct pkt p;
	struct frame f;
	uint32_t a = 0;
	uint16_t port = 0;

	for (i = 0; i < RTE_DIM(sub); i++) {
		/* H1 and H2 have their MACs from the rig's ARP bring-up;
		 * the others are learned from their first packet. */
		struct rte_ether_addr mac = i == 0 ? MAC_H1 : i == 1 ? MAC_H2 :
			(struct rte_ether_addr){{ 0x02, 0, 0, 0, 0x07,
						  (uint8_t)i }};

		for (j = 0; j < RTE_DIM(in_port); j++) {
			p = udp_pkt(&MAC_NAT[S_IN], &mac, sub[i], in_port[j],
				    Y1, 3478);
			inject(r, S_IN, &p);
			pump(r);
			take_one(S_OUT, &f);
			a = f_src(&f);
			port = f_sport(&f);
			assert_true(in_pool(r, a));
			if (j == 1)
				assert_true(port >= 24 && port <= 1023);
			else
				assert_true(port >= 1024 && port < 65524);
			/* Twice: with two workers, frames go to the RX
			 * queues in turn, so one reaches the non-owner. */
			p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a,
				    port);
			out2in(r, &p, &mac, sub[i], in_port[j]);
			out2in(r, &p, &mac, sub[i], in_port[j]);
		}
		p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a, 65524);
		expect_drop(r, S_OUT, &p, CGN_DROP_out_no_mapping);
	}
	rig_end(r);
}

/* A1: endpoint-independent mapping for UDP, TCP and ICMP. */
static void
test_A1_eim(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a1, a2;
	uint16_t p1, p2;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a1, &p1);
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y2, 80);
	in2out(r, &p, &a2, &p2);
	assert_int_equal(a1, a2);
	assert_int_equal(p1, p2);

	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a1, &p1);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y2, 443, TH_SYN, 1, 0);
	in2out(r, &p, &a2, &p2);
	assert_int_equal(a1, a2);
	assert_int_equal(p1, p2);

	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
		     RTE_IP_ICMP_ECHO_REQUEST, 7, 1);
	in2out(r, &p, &a1, &p1);
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y2,
		     RTE_IP_ICMP_ECHO_REQUEST, 7, 1);
	in2out(r, &p, &a2, &p2);
	assert_int_equal(a1, a2);
	assert_int_equal(p1, p2);
	assert_int_equal(rig_stats(r)->mappings_created, 3);
	assert_int_equal(rig_stats(r)->sessions_created, 6);
	rig_end(r);
}

/* A2: no port overloading: H1:5000 and H2:5000 to Y1:80. */
static void
test_A2_no_overloading(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a1, a2;
	uint16_t p1, p2;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 80);
	in2out(r, &p, &a1, &p1);
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 5000, Y1, 80);
	in2out(r, &p, &a2, &p2);
	assert_false(a1 == a2 && p1 == p2);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a1, p1);
	out2in(r, &p, &MAC_H1, H1, 5000);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a2, p2);
	out2in(r, &p, &MAC_H2, H2, 5000);
	rig_end(r);
}

/* A5: paired address pooling: 300 mixed flows of H1, one address. */
static void
test_A5_paired_pooling(void **state)
{
	struct rig *r = rig_start(*state);
	static uint8_t used[3][65536];
	uint32_t first = 0, a;
	uint16_t port;
	unsigned int i;

	memset(used, 0, sizeof(used));
	for (i = 0; i < 300; i++) {
		struct pkt p;
		unsigned int k = i % 3;

		if (k == 0)
			p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1,
				    (uint16_t)(10000 + i), Y1, 53);
		else if (k == 1)
			p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1,
				    (uint16_t)(10000 + i), Y2, 443, TH_SYN,
				    i, 0);
		else
			p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
				     RTE_IP_ICMP_ECHO_REQUEST,
				     (uint16_t)(10000 + i), 1);
		in2out(r, &p, &a, &port);
		if (i == 0)
			first = a;
		assert_int_equal(a, first);
		/* distinct inside endpoints: distinct outside ports */
		assert_int_equal(used[k][port], 0);
		used[k][port] = 1;
	}
	/* H2 gets an address of its own choosing, also one for all flows. */
	{
		struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 1, Y1, 53);
		uint32_t b0, b;

		in2out(r, &p, &b0, &port);
		p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 2, Y1, 80, TH_SYN,
			    1, 0);
		in2out(r, &p, &b, &port);
		assert_int_equal(b, b0);
	}
	assert_int_equal(rig_stats(r)->sessions_created, 302);
	rig_end(r);
}

/* B10 (EIF, the default) and B11. */
static void
test_B10_eif(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 3478);
	in2out(r, &p, &a, &port);
	/* Y2:9999 -> the mapping: delivered under EIF */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 9999, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	/* Y1 from another port too */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 4000, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	/* B11: to a port with no mapping */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a,
		    (uint16_t)(port ^ 1));
	expect_drop(r, S_OUT, &p, CGN_DROP_out_no_mapping);
	/* D21: an unsolicited SYN to an unmapped port: dropped silently */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a,
		    (uint16_t)(port ^ 1), TH_SYN, 1, 0);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_no_mapping);
	/* B12: the UDP mapping does not admit a TCP SYN to its port */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a, port, TH_SYN, 1, 0);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_no_mapping);
	/* Not a pool address at all */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, IP(198, 51, 100, 77),
		    port);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_not_pool);
	rig_end(r);
}

static const struct rig_opts opts_adf = {
	.filtering = "address-dependent",
};
static const struct rig_opts opts_apdf = {
	.filtering = "address-and-port-dependent",
};

/* B10 with address-dependent filtering. */
static void
test_B10_adf(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 3478);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 9999, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_filtered);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 4000, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	/* B11 in this mode too */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a,
		    (uint16_t)(port ^ 1));
	expect_drop(r, S_OUT, &p, CGN_DROP_out_no_mapping);
	rig_end(r);
}

/* B10 with address-and-port-dependent filtering. */
static void
test_B10_apdf(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 3478);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 9999, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_filtered);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 4000, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_filtered);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 3478, a,
		    (uint16_t)(port ^ 1));
	expect_drop(r, S_OUT, &p, CGN_DROP_out_no_mapping);
	rig_end(r);
}

/* Static mapping: inbound SYN reaches 100.64.0.5:8080 after ARP. */
static void
test_static_mapping(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr zero;
	struct cgn_stats before = *rig_stats(r);
	struct frame f;
	struct pkt p, want;
	uint8_t b[64];
	uint32_t a;
	uint16_t port;

	/* Ether()/IP(src=Y1, dst="203.0.113.1")/TCP(sport=33000, dport=80,
	 *   flags="S")
	 */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 33000, STATIC_OUT, 80,
		    TH_SYN, 777, 0);
	inject(r, S_OUT, &p);
	wpoll(r);
	/* Held while the next hop is resolved, not dropped. */
	assert_no_drops(r, &before);
	assert_int_equal(rig_pend(r), 1);
	expect_nothing();
	/* Control asks for 100.64.0.5 on the inside. */
	cpoll(r);
	wpoll(r);
	take_one(S_IN, &f);
	check_arp("ARP request for 100.64.0.5", &f, &MAC_BCAST,
		  &MAC_NAT[S_IN], 1, &MAC_NAT[S_IN], NAT_IN, &zero, H5);
	/* Ether(dst=nat_in, src=h5)/ARP(op=2, hwsrc=h5, psrc="100.64.0.5",
	 *   hwdst=nat_in, pdst="100.64.0.1")
	 */
	inject_raw(r, S_IN, b, build_arp(b, &MAC_NAT[S_IN], &MAC_H5, 2,
					 &MAC_H5, H5, &MAC_NAT[S_IN], NAT_IN));
	pump(r);
	/* The held SYN goes through once H5 answered. */
	expect_out2in(r, &p, &MAC_H5, H5, 8080);
	assert_int_equal(rig_pend(r), 0);
	/* SYN-ACK from 100.64.0.5:8080 leaves from 203.0.113.1:80. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H5, H5, 8080, Y1, 33000,
		    TH_SYN | TH_ACK, 9000, 778);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_OUT, &f);
	want = p;
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.saddr = STATIC_OUT;
	want.sport = 80;
	want.ttl = 63;
	expect_frame("static SYN-ACK", &f, &want);
	/* ACK from outside */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 33000, STATIC_OUT, 80,
		    TH_ACK, 778, 9001);
	out2in(r, &p, &MAC_H5, H5, 8080);
	/* A static mapping admits any remote (port forwarding). */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 44000, STATIC_OUT, 80,
		    TH_SYN, 1, 0);
	out2in(r, &p, &MAC_H5, H5, 8080);
	/* H5's own outbound flows use the static address (paired). */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H5, H5, 6000, Y1, 53);
	in2out(r, &p, &a, &port);
	assert_int_equal(a, STATIC_OUT);
	rig_end(r);
}

/* E24: hairpinning. */
static void
test_E24_hairpin(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p, want;
	struct frame f;
	uint32_t a1, a2;
	uint16_t p1, p2;
	uint64_t hp0 = rig_stats(r)->hairpinned;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 3478);
	in2out(r, &p, &a1, &p1);
	/* H2 learns H1's outside tuple and sends to it. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 6000, a1, p1);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	a2 = f_src(&f);
	p2 = f_sport(&f);
	assert_true(in_pool(r, a2));
	assert_true(a2 != H2);
	want = p;
	want.dst = MAC_H1;
	want.src = MAC_NAT[S_IN];
	want.saddr = a2;
	want.sport = p2;
	want.daddr = H1;
	want.dport = 5000;
	want.ttl = 63;
	expect_frame("hairpin H2->H1", &f, &want);
	assert_int_equal(rig_stats(r)->hairpinned, hp0 + 1);
	/* H2's mapping is the one it uses towards the internet. */
	{
		uint32_t a;
		uint16_t port;

		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 6000, Y2, 53);
		in2out(r, &p, &a, &port);
		assert_int_equal(a, a2);
		assert_int_equal(port, p2);
	}
	/* H1 answers H2's outside tuple and H2 gets it from H1's. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, a2, p2);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	want = p;
	want.dst = MAC_H2;
	want.src = MAC_NAT[S_IN];
	want.saddr = a1;
	want.sport = p1;
	want.daddr = H2;
	want.dport = 6000;
	want.ttl = 63;
	expect_frame("hairpin H1->H2", &f, &want);
	rig_end(r);
}


/* F32: TTL exceeded, inbound and outbound. */
static void
test_F32_ttl_exceeded(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats before;
	struct pkt p;
	struct frame f;
	uint8_t orig[FRAME_MAX];
	uint16_t olen;
	uint32_t a;
	uint16_t port;

	/* Outbound, TTL 1: Ether()/IP(src=H1, dst=Y1, ttl=1)/UDP()/Raw() */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	p.ttl = 1;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	before = *rig_stats(r);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	check_icmp_error("time exceeded inside", &f, &MAC_H1, S_IN, H1, 11, 0,
			 orig + ETH_LEN, olen);
	assert_drop_only(r, &before, CGN_DROP_ttl_exceeded, 1);
	assert_int_equal(rig_stats(r)->generated, before.generated + 1);
	assert_int_equal(rig_ct_used(r), 0); /* no session for it */

	/* Inbound to a live mapping with TTL 1. */
	p.ttl = 64;
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	p.ttl = 1;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	before = *rig_stats(r);
	inject(r, S_OUT, &p);
	pump(r);
	take_one(S_OUT, &f);
	check_icmp_error("time exceeded outside", &f, &MAC_GW, S_OUT, Y1, 11,
			 0, orig + ETH_LEN, olen);
	assert_drop_only(r, &before, CGN_DROP_ttl_exceeded, 1);

	/* TCP with TTL 1 from inside: the quote holds the TCP header. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	p.ttl = 1;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	before = *rig_stats(r);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	check_icmp_error("time exceeded tcp", &f, &MAC_H1, S_IN, H1, 11, 0,
			 orig + ETH_LEN, olen);
	assert_drop_only(r, &before, CGN_DROP_ttl_exceeded, 1);
	/* TTL 2 still goes through with TTL 1. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	p.ttl = 2;
	in2out(r, &p, &a, &port);
	rig_end(r);
}

/* ICMP echo to the box's own addresses. */
static void
test_echo_own_addresses(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats before = *rig_stats(r);
	struct pkt p, want;
	struct frame f;

	/* Ether(dst=nat_in, src=h1)/IP(src=H1, dst="100.64.0.1")/
	 *   ICMP(type=8, id=99, seq=3)/Raw()
	 */
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, NAT_IN,
		     RTE_IP_ICMP_ECHO_REQUEST, 99, 3);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	want = icmp_pkt(&MAC_H1, &MAC_NAT[S_IN], NAT_IN, H1,
			RTE_IP_ICMP_ECHO_REPLY, 99, 3);
	want.ttl = f.b[22];
	assert_true(want.ttl > 1);
	want.ip_id = rd16(f.b + 18);
	expect_frame("echo reply inside", &f, &want);

	/* Ether(dst=nat_out, src=gw)/IP(src=Y1, dst="198.51.100.2")/ICMP() */
	p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, NAT_OUT,
		     RTE_IP_ICMP_ECHO_REQUEST, 100, 4);
	inject(r, S_OUT, &p);
	pump(r);
	take_one(S_OUT, &f);
	want = icmp_pkt(&MAC_GW, &MAC_NAT[S_OUT], NAT_OUT, Y1,
			RTE_IP_ICMP_ECHO_REPLY, 100, 4);
	want.ttl = f.b[22];
	assert_true(want.ttl > 1);
	want.ip_id = rd16(f.b + 18);
	expect_frame("echo reply outside", &f, &want);
	assert_int_equal(rig_stats(r)->consumed, before.consumed + 2);
	assert_drop_only(r, &before, CGN_DROP_eth_short, 0);

	/* The box's address, not an echo: in_dst_own. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, NAT_IN, 53);
	expect_drop(r, S_IN, &p, CGN_DROP_in_dst_own);
	/* Echo with a bad ICMP checksum is not answered. */
	{
		uint8_t b[FRAME_MAX];
		uint16_t len;

		p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, NAT_OUT,
			     RTE_IP_ICMP_ECHO_REQUEST, 100, 5);
		len = build(b, &p);
		b[36] ^= 0x55;
		expect_drop_raw(r, S_OUT, b, len, CGN_DROP_in_dst_own);
	}
	rig_end(r);
}

/* I40, I41: anti-spoofing. */
static void
test_I40_I41_antispoofing(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	/* I40: from 100.64.x on the outside, even to a live mapping */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(100, 64, 7, 7), 53, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_src_shared);
	p.saddr = IP(100, 127, 255, 254);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_src_shared);
	/* I41: inside source not in a subscriber prefix */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, IP(10, 0, 0, 1), 5000, Y1, 53);
	expect_drop(r, S_IN, &p, CGN_DROP_in_src_not_subscriber);
	p.saddr = IP(198, 19, 0, 99);
	expect_drop(r, S_IN, &p, CGN_DROP_in_src_not_subscriber);
	/* I40: inside to shared space never leaves */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, IP(100, 64, 9, 9), 53);
	expect_drop(r, S_IN, &p, CGN_DROP_in_dst_shared);
	p.daddr = H2;
	expect_drop(r, S_IN, &p, CGN_DROP_in_dst_shared);
	/* RFC 1812 bad sources */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(127, 0, 0, 1), 53, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_ip_bad_src);
	p.saddr = IP(224, 0, 0, 5);
	expect_drop(r, S_OUT, &p, CGN_DROP_ip_bad_src);
	p.saddr = 0;
	expect_drop(r, S_OUT, &p, CGN_DROP_ip_bad_src);
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	rig_end(r);
}

/* Hostile inputs: each dropped under its own counter. */
static void
test_hostile_inputs(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	uint8_t b[FRAME_MAX], v[FRAME_MAX];
	uint16_t len;

	len = build(b, &p);

	/* Frame shorter than an Ethernet header. */
	expect_drop_raw(r, S_IN, b, 10, CGN_DROP_eth_short);
	expect_drop_raw(r, S_IN, b, 0, CGN_DROP_eth_short);
	/* Truncated IP header (only 10 of 20 bytes). */
	expect_drop_raw(r, S_IN, b, ETH_LEN + 10, CGN_DROP_ip_malformed);
	/* IHL < 5 (checksum fixed so only the IHL is wrong). */
	memcpy(v, b, len);
	v[IP_OFF] = 0x44;
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_malformed);
	/* Version 6 in an IPv4 EtherType. */
	memcpy(v, b, len);
	v[IP_OFF] = 0x65;
	wr16(v + 24, ip_cksum(v + IP_OFF));
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_malformed);
	/* IHL larger than the frame. */
	memcpy(v, b, len);
	v[IP_OFF] = 0x4f;
	expect_drop_raw(r, S_IN, v, ETH_LEN + 40, CGN_DROP_ip_malformed);
	/* total_length larger than the frame. */
	memcpy(v, b, len);
	wr16(v + 16, (uint16_t)(len - ETH_LEN + 1));
	wr16(v + 24, ip_cksum(v + IP_OFF));
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_malformed);
	/* total_length smaller than the header. */
	memcpy(v, b, len);
	wr16(v + 16, 19);
	wr16(v + 24, ip_cksum(v + IP_OFF));
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_malformed);
	/* Bad IP checksum. */
	memcpy(v, b, len);
	v[24] ^= 0x01;
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_bad_cksum);
	/* Fragments: MF set; offset non-zero. */
	p.frag = RTE_IPV4_HDR_MF_FLAG;
	expect_drop(r, S_IN, &p, CGN_DROP_ip_fragment);
	p.frag = 185; /* a last fragment: held for reassembly (G34) */
	inject(r, S_IN, &p);
	pump(r);
	expect_nothing();
	assert_int_equal(rig_stats(r)->frag_held, 1);
	p.frag = RTE_IPV4_HDR_DF_FLAG; /* DF alone is not a fragment */
	{
		uint32_t a;
		uint16_t port;

		in2out(r, &p, &a, &port);
	}
	p.frag = 0;
	/* Truncated UDP header: IP says 20 + 4. */
	memcpy(v, b, len);
	wr16(v + 16, 24);
	wr16(v + 24, ip_cksum(v + IP_OFF));
	expect_drop_raw(r, S_IN, v, ETH_LEN + 24, CGN_DROP_l4_malformed);
	/* UDP length larger than the IP payload. */
	memcpy(v, b, len);
	wr16(v + 38, (uint16_t)(len - L4_OFF + 2));
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_l4_malformed);
	/* UDP length smaller than its header. */
	memcpy(v, b, len);
	wr16(v + 38, 7);
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_l4_malformed);
	/* Truncated TCP header: IP says 20 + 12. */
	{
		struct pkt t = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1,
				       80, TH_SYN, 1, 0);
		uint16_t tl = build(v, &t);

		wr16(v + 16, 32);
		wr16(v + 24, ip_cksum(v + IP_OFF));
		expect_drop_raw(r, S_IN, v, ETH_LEN + 32,
				CGN_DROP_l4_malformed);
		/* TCP data offset larger than the segment. */
		tl = build(v, &t);
		v[46] = 15 << 4;
		expect_drop_raw(r, S_IN, v, tl, CGN_DROP_l4_malformed);
		/* TCP data offset below 5. */
		tl = build(v, &t);
		v[46] = 4 << 4;
		expect_drop_raw(r, S_IN, v, tl, CGN_DROP_l4_malformed);
	}
	/* Truncated ICMP header. */
	{
		struct pkt ic = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
					 RTE_IP_ICMP_ECHO_REQUEST, 1, 1);

		build(v, &ic);
		wr16(v + 16, 24);
		wr16(v + 24, ip_cksum(v + IP_OFF));
		expect_drop_raw(r, S_IN, v, ETH_LEN + 24,
				CGN_DROP_l4_malformed);
		/* ICMP type not supported (timestamp request, 13). */
		ic.icmp_type = 13;
		expect_drop(r, S_IN, &ic, CGN_DROP_icmp_unsupported);
		ic.icmp_type = 5; /* redirect, from outside */
		ic.saddr = Y1;
		ic.daddr = STATIC_OUT;
		ic.dst = MAC_NAT[S_OUT];
		ic.src = MAC_GW;
		expect_drop(r, S_OUT, &ic, CGN_DROP_icmp_unsupported);
	}
	/* Unknown IP protocol (GRE, 47). */
	p.proto = 47;
	expect_drop(r, S_IN, &p, CGN_DROP_l4_unsupported);
	p.proto = IPPROTO_UDP;
	/* Non-IPv4 EtherTypes: IPv6, VLAN. */
	memcpy(v, b, len);
	wr16(v + 12, 0x86dd);
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_eth_unsupported);
	wr16(v + 12, 0x8100);
	expect_drop_raw(r, S_OUT, v, len, CGN_DROP_eth_unsupported);
	/* Unicast frame to another MAC. */
	p.dst = MAC_OTHER;
	expect_drop(r, S_IN, &p, CGN_DROP_eth_not_for_us);
	/* The inside MAC on the outside port is not ours there either. */
	p.dst = MAC_NAT[S_IN];
	expect_drop(r, S_OUT, &p, CGN_DROP_eth_not_for_us);
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

/* Random mutations of valid frames: no crash, counters add up. */
static void
test_fuzz(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr zero;
	uint8_t base[8][FRAME_MAX];
	uint16_t blen[8];
	int bside[8];
	struct pkt p;
	uint32_t a;
	uint16_t port;
	unsigned int i, nb = 0, seed = 20240601, iters = 5000;
	uint64_t outs = 0;

	/* A live mapping, so that out2in frames reach the session path. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	bside[nb] = S_IN; blen[nb] = build(base[nb], &p); nb++;
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	bside[nb] = S_IN; blen[nb] = build(base[nb], &p); nb++;
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, Y2,
		     RTE_IP_ICMP_ECHO_REQUEST, 3, 3);
	bside[nb] = S_IN; blen[nb] = build(base[nb], &p); nb++;
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	bside[nb] = S_OUT; blen[nb] = build(base[nb], &p); nb++;
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 1234, STATIC_OUT, 80,
		    TH_SYN, 1, 0);
	bside[nb] = S_OUT; blen[nb] = build(base[nb], &p); nb++;
	p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, NAT_OUT,
		     RTE_IP_ICMP_ECHO_REQUEST, 3, 3);
	bside[nb] = S_OUT; blen[nb] = build(base[nb], &p); nb++;
	bside[nb] = S_IN;
	blen[nb] = build_arp(base[nb], &MAC_BCAST, &MAC_H1, 1, &MAC_H1, H1,
			     &zero, NAT_IN);
	nb++;
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	p.ttl = 1;
	bside[nb] = S_IN; blen[nb] = build(base[nb], &p); nb++;

	/* CGN_IT_FUZZ=SEED[:N] for other (or longer) runs */
	if (getenv("CGN_IT_FUZZ") != NULL)
		sscanf(getenv("CGN_IT_FUZZ"), "%u:%u", &seed, &iters);
	srand(seed);
	for (i = 0; i < iters; i++) {
		uint8_t f[FRAME_MAX];
		unsigned int k = (unsigned int)rand() % nb, n, j;
		uint16_t len = blen[k];

		memcpy(f, base[k], len);
		n = 1 + (unsigned int)rand() % 4;
		for (j = 0; j < n; j++) {
			switch (rand() % 6) {
			case 0: /* flip a byte anywhere */
			case 1:
				if (len == 0)
					break;
				f[(unsigned int)rand() % len] ^=
					(uint8_t)(1 + rand() % 255);
				break;
			case 2: /* a byte in the IP/L4 headers */
				if (len > L4_OFF + 20)
					f[IP_OFF + (unsigned int)rand() % 40] =
						(uint8_t)rand();
				break;
			case 3: /* truncate */
				len = (uint16_t)((unsigned int)rand() %
						 (len + 1u));
				break;
			case 4: /* extend with garbage */
				{
					unsigned int add = (unsigned int)rand() % 64;

					while (add-- && len < FRAME_MAX - 64)
						f[len++] = (uint8_t)rand();
				}
				break;
			case 5: /* a random 16-bit length/offset field */
				if (len >= L4_OFF + 8) {
					static const uint8_t offs[] = {
						16, 20, 38, 46 };

					wr16(f + offs[rand() % 4],
					     (uint16_t)rand());
				}
				break;
			}
		}
		/* Half of them with a valid IP checksum, to go deeper. */
		if ((rand() & 1) && len >= L4_OFF && rd16(f + 12) == 0x0800 &&
		    (f[IP_OFF] & 0xf) >= 5 &&
		    ETH_LEN + (f[IP_OFF] & 0xf) * 4u <= len)
			wr16(f + 24, ip_cksum(f + IP_OFF));
		inject_raw(r, bside[k], f, len);
		if ((i & 31) == 31) {
			pump(r);
			outs += take(S_IN, NULL, 0) + take(S_OUT, NULL, 0);
			r->now += r->hz / 1000;
		}
	}
	pump(r);
	outs += take(S_IN, NULL, 0) + take(S_OUT, NULL, 0);
	print_message("fuzz: seed %u, %u frames, %" PRIu64 " out, %" PRIu64
		      " dropped, %" PRIu64 " consumed\n", seed, i, outs,
		      cgn_stats_dropped(rig_stats(r)), rig_stats(r)->consumed);
	assert_accounting(r);
	rig_end(r);
}

/* No mbuf leak after a mix of everything, all sessions closed. */
static void
test_no_mbuf_leak(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;
	unsigned int i;
	uint8_t b[FRAME_MAX];

	for (i = 0; i < 200; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, (uint16_t)(2000 + i),
			    Y1, 53);
		in2out(r, &p, &a, &port);
		p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
		out2in(r, &p, &MAC_H1, H1, (uint16_t)(2000 + i));
	}
	/* drops, errors, echo, ARP, a burst larger than the TX buffer */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	p.ttl = 1;
	inject(r, S_IN, &p);
	inject_raw(r, S_IN, b, 5);
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, NAT_IN,
		     RTE_IP_ICMP_ECHO_REQUEST, 1, 1);
	inject(r, S_IN, &p);
	for (i = 0; i < 100; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 7000, Y2, 53);
		inject(r, S_IN, &p);
	}
	for (i = 0; i < 10; i++)
		pump(r);
	assert_true(take(S_OUT, NULL, 0) == 100);
	assert_true(take(S_IN, NULL, 0) == 2);
	assert_true(rig_ct_used(r) > 0);
	rig_end(r); /* close_all, then in-use == start-up count */
}

static int
count_lines(const char *path, const char *needle, char *last, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int c = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL) {
			c++;
			snprintf(last, n, "%s", line);
		}
	fclose(f);
	return c;
}

static const struct rig_opts opts_nostatic = { .no_static = true };

/* C13 / J43: a UDP session expires after timeouts.udp, not before; its
 * mapping and port block are freed and logged. */
static void
test_C13_udp_aging_and_log(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port, lo, hi;
	uint64_t t0;
	char line[512], want[160], abuf[20];
	unsigned int plo, phi;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	t0 = r->now;
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 1);
	lo = (uint16_t)(PORT_LO + (port - PORT_LO) / BLOCK * BLOCK);
	hi = (uint16_t)(lo + BLOCK - 1);

	/* The allocation is logged once control drained the ring. */
	assert_int_equal(count_lines(r->log, "block-alloc", line,
				     sizeof(line)), 1);
	snprintf(want, sizeof(want), " block-alloc subscriber=100.64.0.2 "
		 "outside=%s ports=%u-%u\n", ipstr(a, abuf), lo, hi);
	if (strstr(line, want) == NULL)
		fail_msg("log line '%s' lacks '%s'", line, want);
	assert_int_equal(sscanf(strstr(line, "ports="), "ports=%u-%u", &plo,
				&phi), 2);
	assert_true(plo <= port && port <= phi);
	/* RFC 6888 sec. 4: no destination logged */
	assert_null(strstr(line, "198.19.0.10"));

	/* One second before the timeout: still there. */
	assert_int_equal(rig_age(r, t0 + 299 * r->hz, r->w->nat.ct->capacity), 0);
	assert_int_equal(rig_age(r, t0 + 300 * r->hz, r->w->nat.ct->capacity), 0);
	assert_non_null(find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53));
	/* Past it: gone, mapping and block freed. */
	assert_int_equal(rig_age(r, t0 + 301 * r->hz, r->w->nat.ct->capacity), 1);
	assert_null(find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53));
	assert_int_equal(rig_ct_used(r), 0);
	assert_int_equal(rig_map_lookup_in(r, rte_cpu_to_be_32(H1),
					   rte_cpu_to_be_16(5000),
					   IPPROTO_UDP), NAT_NONE);
	assert_int_equal(rig_map_lookup_out(r, rte_cpu_to_be_32(a),
					    rte_cpu_to_be_16(port),
					    IPPROTO_UDP), NAT_NONE);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), 0);
	assert_int_equal(rig_pool_sum(r, POOL_SUBS), 0);
	assert_int_equal(rig_stats(r)->sessions_expired, 1);
	assert_int_equal(rig_stats(r)->mappings_freed, 1);
	assert_int_equal(rig_stats(r)->blocks_released, 1);

	r->now = t0 + 301 * r->hz;
	cpoll(r);
	assert_int_equal(count_lines(r->log, "block-release", line,
				     sizeof(line)), 1);
	snprintf(want, sizeof(want), " block-release subscriber=100.64.0.2 "
		 "outside=%s ports=%u-%u\n", ipstr(a, abuf), lo, hi);
	if (strstr(line, want) == NULL)
		fail_msg("log line '%s' lacks '%s'", line, want);

	/* The reply now finds no mapping (B11). */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	{
		struct cgn_stats before = *rig_stats(r);

		inject(r, S_OUT, &p);
		wpoll(r);
		assert_drop_only(r, &before, CGN_DROP_out_no_mapping, 1);
	}
	rig_end(r);
}

/* C14: outbound packets refresh the UDP mapping. */
static void
test_C14_udp_refresh(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	uint32_t a;
	uint16_t port;
	uint64_t t0;

	in2out(r, &p, &a, &port);
	t0 = r->now;
	r->now = t0 + 200 * r->hz;
	in2out(r, &p, &a, &port);
	assert_int_equal(rig_age(r, t0 + 400 * r->hz, r->w->nat.ct->capacity), 0);
	assert_int_equal(rig_age(r, t0 + 501 * r->hz, r->w->nat.ct->capacity), 1);
	rig_end(r);
}

/* C16: established TCP survives past tcp_transitory, not past
 * tcp_established; a half-open one goes after tcp_transitory. */
static void
test_C16_tcp_aging(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a, a2;
	uint16_t port, port2;
	uint64_t t0;

	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_SYN | TH_ACK, 100, 2);
	out2in(r, &p, &MAC_H1, H1, 40000);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK, 2,
		    101);
	in2out(r, &p, &a, &port);
	/* and a half-open one */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40001, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a2, &port2);
	t0 = r->now;
	assert_true(ct_tcp_established(find_session(r, IPPROTO_TCP, H1, 40000,
						    Y1, 80)->state));

	assert_int_equal(rig_age(r, t0 + 240 * r->hz, r->w->nat.ct->capacity), 0);
	assert_int_equal(rig_age(r, t0 + 241 * r->hz, r->w->nat.ct->capacity), 1);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40001, Y1, 80));
	assert_non_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	assert_int_equal(rig_age(r, t0 + 7440 * r->hz, r->w->nat.ct->capacity), 0);
	assert_non_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	assert_int_equal(rig_age(r, t0 + 7441 * r->hz, r->w->nat.ct->capacity), 1);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	rig_end(r);
}

/* The aging the worker loop does by itself, with the injected clock. */
static void
test_C13_aging_from_poll(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	uint32_t a;
	uint16_t port;
	uint64_t t0;
	unsigned int i;

	in2out(r, &p, &a, &port);
	t0 = r->now;
	r->now = t0 + 290 * r->hz;
	for (i = 0; i < 5000 && rig_ct_used(r); i++) {
		r->now += r->hz / 1000;
		wpoll(r);
	}
	/* 5000 polls (several sweeps of the table) up to 295 s after t0 */
	assert_int_equal(rig_ct_used(r), 1);
	r->now = t0 + 301 * r->hz;
	for (i = 0; i < 100000 && rig_ct_used(r); i++) {
		r->now += r->hz / 1000;
		wpoll(r);
	}
	assert_int_equal(rig_ct_used(r), 0);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	rig_end(r);
}

/* L46/L47: random packets, every output checked against a full
 * recompute of the IP and L4 checksums (and every other field). */
static void
test_L46_L47_cksum_random(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr *const mac[2] = { &MAC_H1, &MAC_H2 };
	static const uint32_t host[2] = { H1, H2 };
	unsigned int i, seed = 4242;
	uint8_t pl[256];

	srand(seed);
	for (i = 0; i < 1500; i++) {
		unsigned int h = (unsigned int)rand() & 1, k;
		uint32_t rem, a;
		uint16_t sp = (uint16_t)(1 + rand() % 65535);
		uint16_t dp = (uint16_t)(1 + rand() % 65535);
		uint16_t op;
		struct pkt p, q;

		/* remote: 1.0.0.0 - 99.255.255.255, never 0 in the last byte */
		rem = IP(1 + rand() % 99, rand() % 256, rand() % 256,
			 1 + rand() % 254);
		for (k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)rand();
		switch (i % 3) {
		case 0:
			p = udp_pkt(&MAC_NAT[S_IN], mac[h], host[h], sp, rem,
				    dp);
			p.udp_nocsum = rand() % 8 == 0;
			break;
		case 1:
			p = tcp_pkt(&MAC_NAT[S_IN], mac[h], host[h], sp, rem,
				    dp, TH_SYN, (uint32_t)rand(), 0);
			break;
		default:
			p = icmp_pkt(&MAC_NAT[S_IN], mac[h], host[h], rem,
				     RTE_IP_ICMP_ECHO_REQUEST, sp, dp);
			break;
		}
		p.payload = pl;
		p.plen = (uint16_t)(rand() % 200);
		p.ttl = (uint8_t)(2 + rand() % 254);
		p.tos = (uint8_t)rand();
		p.ip_id = (uint16_t)rand();
		p.frag = rand() & 1 ? RTE_IPV4_HDR_DF_FLAG : 0;
		in2out(r, &p, &a, &op);

		q = p;
		q.dst = MAC_NAT[S_OUT];
		q.src = MAC_GW;
		q.saddr = rem;
		q.daddr = a;
		q.ttl = (uint8_t)(2 + rand() % 254);
		q.ip_id = (uint16_t)rand();
		for (k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)rand();
		if (p.proto == IPPROTO_ICMP) {
			q.icmp_type = RTE_IP_ICMP_ECHO_REPLY;
			q.sport = op;
		} else {
			q.sport = dp;
			q.dport = op;
			if (p.proto == IPPROTO_TCP) {
				q.tcp_flags = TH_SYN | TH_ACK;
				q.ack = p.seq + 1;
				q.seq = (uint32_t)rand();
			} else {
				q.udp_nocsum = rand() % 8 == 0;
			}
		}
		out2in(r, &q, mac[h], host[h], sp);
	}
	rig_end(r);
}

/* Make the payload's first word such that p's L4 checksum computes to 0
 * (one's-complement sum 0xffff). */
static void
craft_zero_sum(struct pkt *p, uint8_t *pl)
{
	uint8_t b[FRAME_MAX];
	unsigned int l4;
	struct pkt t = *p;
	uint16_t c;

	pl[0] = pl[1] = 0;
	t.udp_nocsum = false;
	build(b, &t);
	l4 = ETH_LEN + 20u + t.ip_olen;
	c = rd16(b + l4 + (p->proto == IPPROTO_TCP ? 16 : 6));
	wr16(pl, c);
}

/* L47: a translated UDP checksum that computes to 0 is sent as 0xffff;
 * a TCP one is 0x0000 like a full recompute gives. */
static void
test_L47_udp_computed_zero(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t pl[64];
	struct pkt p, want;
	struct frame f;
	uint32_t a;
	uint16_t port;
	int proto;

	for (proto = 0; proto < 2; proto++) {
		uint16_t sp = (uint16_t)(5000 + proto);
		uint8_t f_ck = proto == 0 ? 40 : 50; /* checksum offset */

		memset(pl, 0x5a, sizeof(pl));
		if (proto == 0)
			p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, sp, Y1, 53);
		else
			p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, sp, Y1, 80,
				    TH_SYN, 1, 0);
		p.payload = pl;
		p.plen = 20;
		in2out(r, &p, &a, &port);

		/* in2out: the packet as it must leave sums to zero */
		if (proto == 1)
			p.tcp_flags = TH_ACK;
		want = p;
		want.dst = MAC_GW;
		want.src = MAC_NAT[S_OUT];
		want.saddr = a;
		want.sport = port;
		want.ttl = 63;
		craft_zero_sum(&want, pl);
		inject(r, S_IN, &p);
		pump(r);
		take_one(S_OUT, &f);
		assert_int_equal(rd16(f.b + f_ck), proto == 0 ? 0xffff : 0);
		expect_frame("in2out, checksum computes to 0", &f, &want);

		/* out2in: the reply as it must arrive sums to zero */
		memset(pl, 0xa5, sizeof(pl));
		if (proto == 0)
			p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
		else
			p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
				    TH_SYN | TH_ACK, 7, 2);
		p.payload = pl;
		p.plen = 20;
		want = p;
		want.dst = MAC_H1;
		want.src = MAC_NAT[S_IN];
		want.daddr = H1;
		want.dport = sp;
		want.ttl = 63;
		craft_zero_sum(&want, pl);
		inject(r, S_OUT, &p);
		pump(r);
		take_one(S_IN, &f);
		assert_int_equal(rd16(f.b + f_ck), proto == 0 ? 0xffff : 0);
		expect_frame("out2in, checksum computes to 0", &f, &want);
	}
	rig_end(r);
}

/* IP options (IHL 6, router alert) and TCP options pass untouched; the
 * ports are found after the options. */
static void
test_ip_and_tcp_options(void **state)
{
	struct rig *r = rig_start(*state);
	/* IP(options=[IPOption_Router_Alert()]) */
	static const uint8_t ra[4] = { 0x94, 0x04, 0x00, 0x00 };
	/* TCP(options=[("MSS",1460),("SAckOK",b""),("Timestamp",(1,0)),
	 *   ("NOP",None),("WScale",7)]) */
	static const uint8_t topt[20] = {
		0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x03, 0x03, 0x07 };
	/* TCP(options=[("MSS",1400),("SAckOK",b""),("NOP",None),
	 *   ("WScale",7),("NOP",None),("NOP",None)]) */
	static const uint8_t topt2[12] = {
		0x02, 0x04, 0x05, 0x78, 0x04, 0x02, 0x01, 0x03,
		0x03, 0x07, 0x01, 0x01 };
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	p.ip_opts = ra;
	p.ip_olen = 4;
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	p.ip_opts = ra;
	p.ip_olen = 4;
	out2in(r, &p, &MAC_H1, H1, 5000);

	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 9, 0);
	p.tcp_opts = topt;
	p.tcp_olen = sizeof(topt);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_SYN | TH_ACK, 100, 10);
	p.tcp_opts = topt2;
	p.tcp_olen = sizeof(topt2);
	p.ip_opts = ra;
	p.ip_olen = 4;
	out2in(r, &p, &MAC_H1, H1, 40000);
	rig_end(r);
}

/* Frames padded to the 60-byte Ethernet minimum (with garbage in the
 * padding): the padding is not part of the IP packet nor its checksums. */
static void
test_ethernet_padding(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p, want;
	struct frame f;
	uint8_t b[FRAME_MAX];
	uint16_t len;
	uint32_t a;
	uint16_t port;

	/* Ether()/IP()/TCP(flags="S") is 54 bytes: padded to 60. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	len = build(b, &p);
	assert_int_equal(len, 54);
	memset(b + len, 0xaa, 6);
	inject_raw(r, S_IN, b, 60);
	pump(r);
	take_one(S_OUT, &f);
	a = f_src(&f);
	port = f_sport(&f);
	assert_true(f.len == 54 || f.len == 60);
	f.len = 54;
	want = p;
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.saddr = a;
	want.sport = port;
	want.ttl = 63;
	expect_frame("padded SYN in2out", &f, &want);

	/* padded SYN-ACK back */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_SYN | TH_ACK, 50, 2);
	len = build(b, &p);
	memset(b + len, 0x55, 6);
	inject_raw(r, S_OUT, b, 60);
	pump(r);
	take_one(S_IN, &f);
	assert_true(f.len == 54 || f.len == 60);
	f.len = 54;
	want = p;
	want.dst = MAC_H1;
	want.src = MAC_NAT[S_IN];
	want.daddr = H1;
	want.dport = 40000;
	want.ttl = 63;
	expect_frame("padded SYN-ACK out2in", &f, &want);

	/* An echo request to the box with no data: 42 bytes padded. */
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, NAT_IN,
		     RTE_IP_ICMP_ECHO_REQUEST, 5, 6);
	p.plen = 0;
	len = build(b, &p);
	memset(b + len, 0xee, 60 - len);
	inject_raw(r, S_IN, b, 60);
	pump(r);
	take_one(S_IN, &f);
	assert_true(f.len == 42 || f.len == 60);
	f.len = 42;
	want = icmp_pkt(&MAC_H1, &MAC_NAT[S_IN], NAT_IN, H1,
			RTE_IP_ICMP_ECHO_REPLY, 5, 6);
	want.plen = 0;
	want.ttl = f.b[22];
	want.ip_id = rd16(f.b + 18);
	expect_frame("echo reply to a padded request", &f, &want);
	rig_end(r);
}

/* D22: a RST is translated; the session is kept for tcp_transitory. */
static void
test_D22_rst(void **state)
{
	struct rig *r = rig_start(*state);
	struct ct_session *s;
	struct pkt p;
	uint32_t a;
	uint16_t port;
	uint64_t t0;

	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_SYN | TH_ACK, 100, 2);
	out2in(r, &p, &MAC_H1, H1, 40000);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK, 2,
		    101);
	in2out(r, &p, &a, &port);
	t0 = r->now;
	s = find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80);
	assert_non_null(s);
	assert_true(ct_tcp_established(s->state));

	/* Ether()/IP(src=Y1, dst=P)/TCP(sport=80, dport=p, flags="RA") */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_RST | TH_ACK, 101, 2);
	out2in(r, &p, &MAC_H1, H1, 40000);
	assert_string_equal(ct_tcp_state_name(s->state), "reset");
	assert_int_equal(ct_session_timeout_class(s), CT_TO_TCP_CLOSE);
	/* C18-like: still there, still translating */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK, 2,
		    101);
	in2out(r, &p, &a, &port);
	t0 = r->now;
	assert_int_equal(rig_age(r, t0 + 240 * r->hz, r->w->nat.ct->capacity), 0);
	assert_int_equal(rig_age(r, t0 + 241 * r->hz, r->w->nat.ct->capacity), 1);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
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

static const struct rig_opts opts_limits = {
	.sessions_per_sub = 10,
};

/*
 * Send p from inside where no mapping can be made for it: dropped under
 * why, and the subscriber told with ICMP 3/1 from 100.64.0.1 quoting it
 * (F31, RFC 6888 REQ-11).
 */
static void
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

/* H37: sessions_per_subscriber; over it: dropped, counted, nothing
 * evicted, other subscribers untouched. */
static void
test_H37_session_limit(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a[10], x;
	uint16_t port[10], y;
	unsigned int i;

	for (i = 0; i < 10; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, (uint16_t)(5000 + i),
			    Y1, 53);
		in2out(r, &p, &a[i], &port[i]);
	}
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 6000, Y1, 53);
	expect_refused(r, &p, &MAC_H1, H1, CGN_DROP_session_limit);
	/* A new session on an existing mapping counts too. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y2, 53);
	expect_refused(r, &p, &MAC_H1, H1, CGN_DROP_session_limit);
	/* Inbound under EIF: no new session either. */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 53, a[0], port[0]);
	expect_drop(r, S_OUT, &p, CGN_DROP_session_limit);
	/* Existing flows still work both ways. */
	for (i = 0; i < 10; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, (uint16_t)(5000 + i),
			    Y1, 53);
		in2out(r, &p, &x, &y);
		assert_int_equal(x, a[i]);
		assert_int_equal(y, port[i]);
		p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a[i], port[i]);
		out2in(r, &p, &MAC_H1, H1, (uint16_t)(5000 + i));
	}
	/* H2 is not affected. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 6000, Y1, 53);
	in2out(r, &p, &x, &y);
	rig_end(r);
}

static const struct rig_opts opts_small_pool = {
	.pool = "203.0.113.8",
	.ports = "1024-1151",
	.block_size = 64,
	.max_blocks = 1,
	.no_static = true,
};

/* H36 / F31: a subscriber at its port limit, and a pool with no block
 * left: dropped and counted, existing mappings kept. */
static void
test_H36_F31_exhaustion(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a0 = 0, x;
	uint16_t p0 = 0, y;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, (uint16_t)(5000 + i),
			    Y1, 53);
		in2out(r, &p, &x, &y);
		assert_int_equal(x, IP(203, 0, 113, 8));
		if (i == 0) {
			a0 = x;
			p0 = y;
		}
	}
	/* H36: the 65th UDP port of H1 does not exist (one block of 64). */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 6000, Y1, 53);
	expect_refused(r, &p, &MAC_H1, H1, CGN_DROP_ports_exhausted);
	/* Per protocol: TCP has its own 64 ports in the block. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 6000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &x, &y);
	/* H2 takes the second and last block. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 5000, Y1, 53);
	in2out(r, &p, &x, &y);
	/* F31: a third subscriber finds no block. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H5, H5, 5000, Y1, 53);
	expect_refused(r, &p, &MAC_H5, H5, CGN_DROP_pool_exhausted);
	assert_int_equal(rig_pool_sum(r, POOL_SUBS), 2);
	/* Nothing was evicted. */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a0, p0);
	out2in(r, &p, &MAC_H1, H1, 5000);
	rig_end(r);
}

/* E24 for TCP (RFC 5382 REQ-8): a SYN from H2 to H1's outside tuple. */
static void
test_E24_hairpin_tcp(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p, want;
	struct frame f;
	uint32_t a1, a2;
	uint16_t p1, p2;

	/* H1 has a TCP mapping (it connected to Y1). */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a1, &p1);
	/* H2 connects to it. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 41000, a1, p1, TH_SYN, 500,
		    0);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	a2 = f_src(&f);
	p2 = f_sport(&f);
	assert_true(in_pool(r, a2));
	want = p;
	want.dst = MAC_H1;
	want.src = MAC_NAT[S_IN];
	want.saddr = a2;
	want.sport = p2;
	want.daddr = H1;
	want.dport = 40000;
	want.ttl = 63;
	expect_frame("hairpin SYN H2->H1", &f, &want);
	/* SYN-ACK from H1 back to H2's outside tuple. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, a2, p2,
		    TH_SYN | TH_ACK, 900, 501);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	want = p;
	want.dst = MAC_H2;
	want.src = MAC_NAT[S_IN];
	want.saddr = a1;
	want.sport = p1;
	want.daddr = H2;
	want.dport = 41000;
	want.ttl = 63;
	expect_frame("hairpin SYN-ACK H1->H2", &f, &want);
	rig_end(r);
}

/*
 * I40 (RFC 6598): nothing with a shared-space source leaves by the outside
 * port untranslated. An echo request arriving outside for the inside
 * address 100.64.0.1 must not be answered from 100.64.0.1 on the outside.
 */
static void
test_I40_no_shared_source_outside(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats before = *rig_stats(r);
	struct frame f[4];
	struct pkt p;
	unsigned int n, i;

	/* Ether(dst=nat_out, src=gw)/IP(src=Y1, dst="100.64.0.1")/ICMP() */
	p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, NAT_IN,
		     RTE_IP_ICMP_ECHO_REQUEST, 1, 1);
	inject(r, S_OUT, &p);
	/* and a packet with TTL 1 to it: any ICMP error must not come from
	 * 100.64.0.1 either */
	p.ttl = 1;
	inject(r, S_OUT, &p);
	pump(r);
	n = take(S_OUT, f, 4);
	for (i = 0; i < n && i < 4; i++) {
		char a[20];

		if (f[i].len >= 34 && rd16(f[i].b + 12) == 0x0800 &&
		    (f_src(&f[i]) & 0xffc00000) == IP(100, 64, 0, 0))
			fail_msg("a packet from %s left by the outside port",
				 ipstr(f_src(&f[i]), a));
	}
	assert_int_equal(take(S_IN, f, 4), 0);
	assert_int_equal(rig_stats(r)->consumed, before.consumed);
	assert_int_equal(cgn_stats_dropped(rig_stats(r)),
			 cgn_stats_dropped(&before) + 2);
	rig_end(r);
}

/*
 * I40: from outside to addresses that are not the mapping's, with the ports
 * of a live session: to the subscriber's own (100.64/10) address, to the
 * box's inside address (not the box's from outside), to the box's outside
 * address. No session has such a key (out2in keys hold pool addresses):
 * out_not_pool, out_not_pool, in_dst_own, as for any packet to them.
 */
static void
test_I40_outside_to_unmapped_addresses(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, H1, 5000);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_not_pool);
	p.daddr = NAT_IN;
	expect_drop(r, S_OUT, &p, CGN_DROP_out_not_pool);
	p.daddr = NAT_OUT;
	p.dport = port;
	expect_drop(r, S_OUT, &p, CGN_DROP_in_dst_own);
	/* The mapping itself still works. */
	p.daddr = a;
	out2in(r, &p, &MAC_H1, H1, 5000);
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

/* C17: an ICMP query session lives timeouts.icmp (60 s), not more. */
static void
test_C17_icmp_aging(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
				RTE_IP_ICMP_ECHO_REQUEST, 7, 1);
	uint32_t a;
	uint16_t id;
	uint64_t t0;

	in2out(r, &p, &a, &id);
	t0 = r->now;
	assert_int_equal(rig_age(r, t0 + 60 * r->hz, r->w->nat.ct->capacity), 0);
	assert_non_null(find_session(r, IPPROTO_ICMP, H1, 7, Y1, 0));
	assert_int_equal(rig_age(r, t0 + 61 * r->hz, r->w->nat.ct->capacity), 1);
	assert_null(find_session(r, IPPROTO_ICMP, H1, 7, Y1, 0));
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	rig_end(r);
}

/* C13/C14: with EIM a mapping lives as long as its last session; inbound
 * packets do not refresh a session the inside opened. */
static void
test_C14_mapping_lifetime(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a, a2;
	uint16_t port, port2;
	uint64_t t0;
	char line[512];

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	t0 = r->now;
	/* a second session on the same mapping, at t0 + 100 s */
	r->now = t0 + 100 * r->hz;
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y2, 53);
	in2out(r, &p, &a2, &port2);
	assert_int_equal(a2, a);
	assert_int_equal(port2, port);
	/* a reply from Y1 at t0 + 250 s does not refresh its session */
	r->now = t0 + 250 * r->hz;
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);

	assert_int_equal(rig_age(r, t0 + 301 * r->hz, r->w->nat.ct->capacity), 1);
	assert_null(find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53));
	/* the mapping is still there for the other session */
	assert_true(rig_map_lookup_out(r, rte_cpu_to_be_32(a),
				       rte_cpu_to_be_16(port),
				       IPPROTO_UDP) != NAT_NONE);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 1);
	assert_int_equal(rig_stats(r)->mappings_freed, 0);
	assert_int_equal(rig_age(r, t0 + 401 * r->hz, r->w->nat.ct->capacity), 1);
	assert_int_equal(rig_map_lookup_out(r, rte_cpu_to_be_32(a),
					    rte_cpu_to_be_16(port),
					    IPPROTO_UDP), NAT_NONE);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	r->now = t0 + 401 * r->hz;
	cpoll(r);
	assert_int_equal(count_lines(r->log, "block-release", line,
				     sizeof(line)), 1);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	rig_end(r);
}

/*
 * RFC 1812 5.3.5.1 / 4.2.2.11 / 5.3.7: the limited broadcast
 * 255.255.255.255 MUST NOT be forwarded, nor "this network" 0.0.0.0/8, nor
 * loopback 127/8; nor multicast (there is no multicast routing here). A
 * subscriber sending to them gets nothing through, and no mapping is spent
 * on them.
 */
static void
test_dst_not_routable(void **state)
{
	struct rig *r = rig_start(*state);
	static const uint32_t dst[] = {
		IP(255, 255, 255, 255), IP(239, 255, 255, 250),
		IP(224, 0, 0, 251), IP(0, 0, 0, 0), IP(0, 1, 2, 3),
		IP(127, 0, 0, 1),
	};
	unsigned int i, bad = 0;

	for (i = 0; i < RTE_DIM(dst); i++) {
		struct cgn_stats before = *rig_stats(r);
		struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 1900,
				       dst[i], 1900);
		char a[20];

		inject(r, S_IN, &p);
		pump(r);
		if (take(S_OUT, NULL, 0) != 0 || take(S_IN, NULL, 0) != 0 ||
		    cgn_stats_dropped(rig_stats(r)) !=
		    cgn_stats_dropped(&before) + 1) {
			print_error("UDP to %s was forwarded, not dropped\n",
				    ipstr(dst[i], a));
			bad++;
		}
	}
	if (bad)
		fail_msg("%u of %u unroutable destinations forwarded "
			 "(%" PRIu64 " mappings made)", bad,
			 (unsigned int)RTE_DIM(dst),
			 rig_stats(r)->mappings_created);
	assert_int_equal(rig_stats(r)->mappings_created, 0);
	rig_end(r);
}

/*
 * A pool in 240/4, which the configuration does not refuse: replies to its
 * mappings are to an unroutable destination and dropped as such, session
 * or not (the worker then checks every packet's addresses up front, as it
 * cannot rely on the session's maker having been checked the same way).
 */
static const struct rig_opts opts_pool_240 = {
	.pool = "240.0.0.8/29",
	.no_static = true,
};

static void
test_dst_not_routable_pool(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_dst_not_routable);
	rig_end(r);
}

/*
 * Sessions that inbound packets made (EIF) with a remote the box must not
 * send to: its own outside address (spoofed) and 0.1.2.3 (a source RFC
 * 1812 lets through, a destination it does not). The subscriber's packets
 * back match those sessions' keys, yet meet the checks every packet to
 * such an address meets (the worker runs them for in2out packets of
 * sessions an inbound packet made): in_dst_own, dst_not_routable, and an
 * echo request to the box is answered by the box, not translated.
 */
static void
test_dst_own_or_unroutable_inbound_session(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p, want;
	struct frame f;
	uint32_t a;
	uint16_t port, id;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 3478);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, NAT_OUT, 7000, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	assert_non_null(find_session(r, IPPROTO_UDP, H1, 5000, NAT_OUT, 7000));
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(0, 1, 2, 3), 7001, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	assert_non_null(find_session(r, IPPROTO_UDP, H1, 5000, IP(0, 1, 2, 3),
				     7001));

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, NAT_OUT, 7000);
	expect_drop(r, S_IN, &p, CGN_DROP_in_dst_own);
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, IP(0, 1, 2, 3), 7001);
	expect_drop(r, S_IN, &p, CGN_DROP_dst_not_routable);

	/* Echo: H1's id 77 mapped; an echo request from the box's own
	 * address to it makes a session (H1, 77, NAT_OUT); H1's echo
	 * request to the box with id 77 is the box's to answer.
	 */
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
		     RTE_IP_ICMP_ECHO_REQUEST, 77, 1);
	in2out(r, &p, &a, &id);
	p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, NAT_OUT, a,
		     RTE_IP_ICMP_ECHO_REQUEST, id, 2);
	out2in(r, &p, &MAC_H1, H1, 77);
	assert_non_null(find_session(r, IPPROTO_ICMP, H1, 77, NAT_OUT, 0));
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, NAT_OUT,
		     RTE_IP_ICMP_ECHO_REQUEST, 77, 3);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	want = icmp_pkt(&MAC_H1, &MAC_NAT[S_IN], NAT_OUT, H1,
			RTE_IP_ICMP_ECHO_REPLY, 77, 3);
	want.ttl = f.b[22];
	want.ip_id = rd16(f.b + 18);
	expect_frame("echo reply from the box", &f, &want);
	expect_nothing();
	assert_accounting(r);
	rig_end(r);
}


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

static const struct rig_opts opts_tcp_timers = {
	.extra = "",
	.timeouts_extra = "tcp_trans_open = 250; tcp_trans_close = 300;",
};

/* C16: opening and closing transitory timers apart. */
static void
test_C16_open_close_timers(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;
	uint64_t t0 = r->now;

	/* Opening: a SYN alone lives tcp_trans_open (250 s). */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	/* Closing: SYN, SYN-ACK, ACK, RST: tcp_trans_close (300 s). */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40001, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40001, Y1, 80, TH_RST, 2, 0);
	in2out(r, &p, &a, &port);
	rig_age(r, t0 + 250 * r->hz, 1u << 20);
	assert_non_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	rig_age(r, t0 + 251 * r->hz, 1u << 20);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	assert_non_null(find_session(r, IPPROTO_TCP, H1, 40001, Y1, 80));
	rig_age(r, t0 + 301 * r->hz, 1u << 20);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40001, Y1, 80));
	r->now = t0 + 302 * r->hz;
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

/* ------------------------------------------------------------------ */

#define T(fn) cmocka_unit_test_setup_teardown(fn, rig_setup, rig_teardown)
#define TO(fn, o) cmocka_unit_test_prestate_setup_teardown(fn, rig_setup, \
	rig_teardown, (void *)(o))

static const struct CMUnitTest all_tests[] = {
	/* L2: ARP and neighbours */
	T(test_l2_arp),
	T(test_arp_malformed),
	TO(test_arp_onlink_pool, &opts_onlink_pool),
	TO(test_neigh_unresolved_gateway, &opts_no_l2),
	T(test_neigh_reconfirm),
	/* translation, field by field */
	T(test_udp_in2out_out2in),
	T(test_L47_udp_zero_cksum),
	T(test_L47_udp_computed_zero),
	T(test_L46_L47_cksum_random),
	T(test_D20_tcp_lifecycle),
	T(test_D22_rst),
	T(test_tcp_not_syn),
	T(test_F26_icmp_echo),
	T(test_ip_and_tcp_options),
	T(test_ethernet_padding),
	/* mapping, filtering, static, hairpinning */
	TO(test_A3_low_ports_odd_blocks, &opts_low_odd),
	T(test_A1_eim),
	T(test_A2_no_overloading),
	T(test_A5_paired_pooling),
	T(test_B10_eif),
	TO(test_B10_adf, &opts_adf),
	TO(test_B10_apdf, &opts_apdf),
	T(test_static_mapping),
	T(test_E24_hairpin),
	T(test_E24_hairpin_tcp),
	/* the box's own ICMP */
	T(test_F32_ttl_exceeded),
	T(test_echo_own_addresses),
	/* anti-spoofing, hostile input, leaks */
	T(test_I40_I41_antispoofing),
	T(test_I40_no_shared_source_outside),
	T(test_dst_not_routable),
	T(test_dst_own_or_unroutable_inbound_session),
	TO(test_dst_not_routable_pool, &opts_pool_240),
	T(test_I40_outside_to_unmapped_addresses),
	T(test_hostile_inputs),
	T(test_fuzz),
	T(test_no_mbuf_leak),
	/* limits */
	TO(test_H37_session_limit, &opts_limits),
	TO(test_H36_F31_exhaustion, &opts_small_pool),
	/* aging with the injected clock, mapping log */
	TO(test_C13_udp_aging_and_log, &opts_nostatic),
	T(test_C13_aging_from_poll),
	T(test_C14_udp_refresh),
	T(test_C14_mapping_lifetime),
	T(test_C16_tcp_aging),
	T(test_C17_icmp_aging),
	TO(test_C16_open_close_timers, &opts_tcp_timers),
	/* ICMP errors, bypass, port policies, unsolicited SYNs */
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

/*
 *   test_worker [PATTERN...]
 * runs the tests whose name matches one of the fnmatch(3) patterns (all
 * without one). tests/integration/meson.build runs groups of them as
 * separate meson tests.
 */
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
	if (rig_main(argv[0], &(struct rig_proc){ .tag = "it" }) != 0)
		return 1;
	k = _cmocka_run_group_tests(g_nw == 1 ? "worker" : "worker2", run, n,
				    NULL, NULL);
	return rig_main_end(k);
}
