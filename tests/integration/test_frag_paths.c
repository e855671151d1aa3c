/* SPDX-License-Identifier: BSD-3-Clause
 * test_frag: reassembly in any order (G34), fragmentation to the MTU and
 * DF (G33, F32).
 * The helpers and main() are test_frag.c's; the rig is rig.h's.
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
#include "nat_frag.h"
#include "nat_neigh.h"
#include "cgn_port.h"
#include "nat_stats.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "ct_tcp.h"
#include "nat_pool.h"

#include "frames.h"
#include "rig_assert.h"
#include "test_frag.h"

/* ------------------------------------------------------------------ */
/* Tests.                                                              */

/*
 * G34: a UDP datagram of 3000 bytes from inside in three fragments, in
 * order: nothing leaves until the last one; then one datagram, translated,
 * its checksum right over all of it. rx counts the 3 frames, the datagram
 * is forwarded once, the 2 other fragments are consumed.
 */
static void
test_G34_udp_in2out_in_order(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1,
				   53), 3000, 0x0101);
	struct cgn_stats b = r->w->nat.stats;
	uint32_t a;
	uint16_t port;

	assert_int_equal(send_fragmented(r, S_IN, &p, 1480, NULL, 0), 3);
	assert_int_equal(expect_in2out_dgram(r, "udp in2out", &p, 9000, &a,
					     &port), 1);
	assert_int_equal(r->w->nat.stats.rx[S_IN], b.rx[S_IN] + 3);
	assert_int_equal(r->w->nat.stats.tx[S_OUT], b.tx[S_OUT] + 1);
	assert_int_equal(r->w->nat.stats.consumed, b.consumed + 2);
	assert_int_equal(r->w->nat.stats.frag_rx, b.frag_rx + 3);
	assert_int_equal(r->w->nat.stats.frag_reassembled, 1);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	assert_no_drops(r, &b);
	assert_accounting(r);
	/* The reply, in order too. */
	{
		struct pkt q = big(udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a,
					   port), 2500, 0x0202);

		assert_int_equal(send_fragmented(r, S_OUT, &q, 1480, NULL, 0),
				 2);
		assert_int_equal(expect_out2in_dgram("udp out2in", &q, 9000,
						     &MAC_H1, H1, 5000), 1);
	}
	assert_no_drops(r, &b);
	rig_end(r);
}

/*
 * G34 (RFC 4787 REQ-14, MUST): fragments out of order. UDP, TCP and ICMP
 * echo, both ways, with the orders 3,2,1 and others; each delivered as the
 * one datagram that was sent, translated, checksums right.
 */
static void
test_G34_out_of_order(void **state)
{
	static const unsigned int o321[] = { 2, 1, 0 };
	static const unsigned int o231[] = { 1, 2, 0 };
	static const unsigned int o132[] = { 0, 2, 1 };
	static const unsigned int o4x[] = { 3, 0, 2, 1 };
	struct rig *r = rig_start(*state);
	struct cgn_stats b = r->w->nat.stats;
	struct pkt p, q;
	struct frame f;
	uint32_t a, ta;
	uint16_t port, tport, id;

	/* UDP in2out 3,2,1; the reply 3,2,1. */
	p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53), 3000,
		0x1111);
	send_fragmented(r, S_IN, &p, 1480, o321, 3);
	expect_in2out_dgram(r, "udp in2out 3,2,1", &p, 9000, &a, &port);
	q = big(udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port), 3000,
		0x2222);
	send_fragmented(r, S_OUT, &q, 1480, o321, 3);
	expect_out2in_dgram("udp out2in 3,2,1", &q, 9000, &MAC_H1, H1, 5000);
	/* Again 2,3,1 and 1,3,2, on the session now there. */
	p.ip_id = 0x1112;
	send_fragmented(r, S_IN, &p, 1480, o231, 3);
	expect_in2out_dgram(r, "udp in2out 2,3,1", &p, 9000, &a, &port);
	q.ip_id = 0x2223;
	send_fragmented(r, S_OUT, &q, 1480, o132, 3);
	expect_out2in_dgram("udp out2in 1,3,2", &q, 9000, &MAC_H1, H1, 5000);

	/* TCP: handshake, then 3000 bytes each way out of order. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40000, Y2, 80, TH_SYN, 1000,
		    0);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_OUT, &f);
	ta = f_src(&f);
	tport = f_sport(&f);
	q = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 80, ta, tport,
		    TH_SYN | TH_ACK, 7000, 1001);
	inject(r, S_OUT, &q);
	pump(r);
	take_one(S_IN, &f);
	p = big(tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40000, Y2, 80,
			TH_ACK | TH_PSH, 1001, 7001), 3000, 0x3333);
	send_fragmented(r, S_IN, &p, 1480, o321, 3);
	expect_in2out_dgram(r, "tcp in2out 3,2,1", &p, 9000, &a, &port);
	assert_int_equal(a, ta);
	assert_int_equal(port, tport);
	q = big(tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 80, ta, tport,
			TH_ACK | TH_PSH, 7001, 4001), 4000, 0x4444);
	send_fragmented(r, S_OUT, &q, 1480, o321, 3);
	expect_out2in_dgram("tcp out2in 3,2,1", &q, 9000, &MAC_H2, H2,
			    40000);

	/* ICMP echo of 4000 bytes (ping -s), 4 fragments mixed up. */
	p = big(icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
			 RTE_IP_ICMP_ECHO_REQUEST, 77, 1), 4000, 0x5555);
	send_fragmented(r, S_IN, &p, 1024, o4x, 4);
	expect_in2out_dgram(r, "echo in2out", &p, 9000, &a, &id);
	q = big(icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, a,
			 RTE_IP_ICMP_ECHO_REPLY, id, 1), 4000, 0x6666);
	send_fragmented(r, S_OUT, &q, 1480, o321, 3);
	expect_out2in_dgram("echo out2in 3,2,1", &q, 9000, &MAC_H1, H1, 77);

	assert_no_drops(r, &b);
	assert_int_equal(r->w->nat.stats.frag_reassembled,
			 b.frag_reassembled + 8);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	rig_end(r);
}

/*
 * G34: the fragments of two datagrams from two hosts with the same IP ID,
 * interleaved: each datagram gets its own fragments (the key is source,
 * destination and ID).
 */
static void
test_G34_interleaved(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats b = r->w->nat.stats;
	static struct frame d1, d2, f1[3], f2[3];
	struct pkt p1 = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 6000, Y1, 53),
			    3000, 0x7777);
	struct pkt p2 = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 6000, Y1, 53),
			    2990, 0x7777);
	uint32_t a;
	uint16_t port;

	frame_of(&p1, &d1);
	frame_of(&p2, &d2);
	assert_int_equal(cut(&d1, 1480, f1), 3);
	assert_int_equal(cut(&d2, 1480, f2), 3);
	send_frames(r, S_IN, &f1[2], NULL, 1);
	send_frames(r, S_IN, &f2[1], NULL, 1);
	send_frames(r, S_IN, &f1[0], NULL, 1);
	send_frames(r, S_IN, &f2[2], NULL, 1);
	expect_nothing();
	assert_int_equal(r->w->nat.stats.frag_held, 4);
	send_frames(r, S_IN, &f1[1], NULL, 1);
	expect_in2out_dgram(r, "H1's datagram", &p1, 9000, &a, &port);
	send_frames(r, S_IN, &f2[0], NULL, 1);
	expect_in2out_dgram(r, "H2's datagram", &p2, 9000, &a, &port);
	assert_no_drops(r, &b);
	rig_end(r);
}

/*
 * G33, F32 (DF clear): a translated datagram longer than the egress MTU
 * (outside 576, inside 1000 here) leaves in fragments, in order, each
 * within the MTU, that join into exactly the translated datagram. It
 * counts once in tx; frag_tx counts the fragments.
 */
static void
test_G33_F32_fragment_to_mtu(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats b = r->w->nat.stats;
	struct pkt p, q;
	uint32_t a;
	uint16_t port;

	/* One frame of 1428 bytes in, three fragments out (552+552+304). */
	p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53), 1400,
		0x0a0a);
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(expect_in2out_dgram(r, "udp to MTU 576", &p, 576, &a,
					     &port), 3);
	assert_int_equal(r->w->nat.stats.tx[S_OUT], b.tx[S_OUT] + 1);
	assert_int_equal(r->w->nat.stats.frag_tx, b.frag_tx + 3);
	assert_accounting(r);

	/* Fragments in (3,2,1, 976 bytes each), joined, cut again to 576:
	 * 3008 bytes of data make 6 fragments of at most 552.
	 */
	p = big(p, 3000, 0x0a0b);
	send_fragmented(r, S_IN, &p, 976, NULL, 0);
	assert_int_equal(expect_in2out_dgram(r, "reassembled, refragmented",
					     &p, 576, &a, &port), 6);

	/* Out2in: inside MTU 1000; 1400 + 8 + 20 bytes make 2 fragments. */
	q = big(udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port), 1400,
		0x0b0b);
	inject(r, S_OUT, &q);
	pump(r);
	assert_int_equal(expect_out2in_dgram("udp to MTU 1000", &q, 1000,
					     &MAC_H1, H1, 5000), 2);
	/* ... and from fragments that came out of order. */
	q = big(q, 5000, 0x0b0c);
	send_fragmented(r, S_OUT, &q, 1480, (const unsigned int[]){ 3, 2, 1,
				    0 }, 4);
	assert_int_equal(expect_out2in_dgram("out2in refragmented", &q, 1000,
					     &MAC_H1, H1, 5000), 6);

	/* TCP data too: the checksum of the whole segment survives. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40001, Y2, 80, TH_SYN, 5, 0);
	p = big(p, 1200, 0x0c0c);
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(expect_in2out_dgram(r, "tcp to MTU 576", &p, 576, &a,
					     &port), 3);
	/* ICMP echo. */
	p = big(icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
			 RTE_IP_ICMP_ECHO_REQUEST, 9, 1), 1000, 0x0d0d);
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(expect_in2out_dgram(r, "echo to MTU 576", &p, 576,
					     &a, &port), 2);
	/* Exactly the MTU: not cut. */
	p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53),
		576 - 28, 0x0e0e);
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(expect_in2out_dgram(r, "576 bytes", &p, 576, &a,
					     &port), 1);
	assert_no_drops(r, &b);
	rig_end(r);
}

/* The ICMP 3/4 the box sent about packet orig (an IP packet as its sender
 * sent it): from the box's address on `side`, to dst at edst, the MTU in
 * the second word, the quote orig's first bytes (at most 548).
 */
static void
check_frag_needed(const char *what, const struct frame *f,
		  const struct rte_ether_addr *edst, int side, uint32_t dst,
		  uint16_t mtu, const uint8_t *orig, uint16_t olen)
{
	uint16_t q = RTE_MIN(olen, (uint16_t)548);

	/* RFC 1191: 16 unused bits, then the next-hop MTU (the "sequence"
	 * word of the builder's ICMP header).
	 */
	struct pkt want = {
		.dst = *edst, .src = MAC_NAT[side],
		.saddr = side == S_IN ? NAT_IN : NAT_OUT, .daddr = dst,
		.proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4,
		.sport = 0, .dport = mtu, .payload = orig, .plen = q,
	};

	if (f->len < L4_OFF + 8 + 28)
		fail_msg("%s: too short (%u)", what, f->len);
	want.tos = f->b[15];
	want.ip_id = rd16(f->b + 18);
	want.ttl = f->b[22];
	assert_true(want.ttl > 1);
	assert_int_equal(rd16(f->b + 20) & 0x3fff, 0);
	want.frag = rd16(f->b + 20);
	expect_frame(what, f, &want);
}

/* test_G33_F32_df_too_big(), TCP with DF (path MTU discovery), after its
 * handshake: too big from inside, fits from outside. */
static void
df_tcp(struct rig *r)
{
	static uint8_t orig[FRAME_MAX];
	struct cgn_stats b;
	struct pkt p, q;
	struct frame f;
	uint16_t olen;
	uint32_t a;
	uint16_t port;

	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 900, Y2, 443, TH_SYN, 1, 0);
	p.frag = FR_DF;
	inject(r, S_IN, &p);
	pump(r);
	expect_in2out_dgram(r, "syn", &p, 576, &a, &port);
	assert_int_not_equal(port, 900);
	q = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 443, a, port,
		    TH_SYN | TH_ACK, 9, 2);
	q.frag = FR_DF;
	inject(r, S_OUT, &q);
	pump(r);
	expect_out2in_dgram("syn-ack", &q, 1000, &MAC_H2, H2, 900);
	p = big(tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 900, Y2, 443, TH_ACK,
			2, 10), 1400, 0x3d3d);
	p.frag = FR_DF;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	b = r->w->nat.stats;
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	check_frag_needed("3/4 tcp", &f, &MAC_H2, S_IN, H2, 576,
			  orig + ETH_LEN, olen);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 1);
	/* The outside TCP segment that fits goes through, DF kept. */
	q = big(q, 900, 0x3d3e);
	q.tcp_flags = TH_ACK;
	inject(r, S_OUT, &q);
	pump(r);
	assert_int_equal(expect_out2in_dgram("fits", &q, 1000, &MAC_H2, H2,
					     900), 1);
}

/*
 * G33, F32 (DF set): too big for the egress MTU: dropped (df_too_big),
 * and the sender gets ICMP 3/4 with that MTU, from the box's address on
 * the side the packet came in by, quoting the packet exactly as the
 * sender sent it (untranslated: its own addresses, ports, TTL and
 * checksums) so that its stack finds the socket. In2out: to the inside
 * host from 100.64.0.1; out2in: to the remote from 198.51.100.2.
 */
static void
test_G33_F32_df_too_big(void **state)
{
	struct rig *r = rig_start(*state);
	static uint8_t orig[FRAME_MAX];
	struct cgn_stats b;
	struct pkt p, q;
	struct frame f;
	uint16_t olen;
	uint32_t a;
	uint16_t port;

	/* A flow first, so that the mapping exists. Source ports below the
	 * pool's range (1024-65535) cannot be kept: the quote must undo a
	 * port translation as well as the address.
	 */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 999, Y1, 53);
	inject(r, S_IN, &p);
	pump(r);
	expect_in2out_dgram(r, "small", &p, 576, &a, &port);
	assert_int_not_equal(port, 999);

	/* Ether()/IP(src=H1, dst=Y1, flags="DF")/UDP(999, 53)/Raw(1000) */
	p = big(p, 1000, 0x1d1d);
	p.frag = FR_DF;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	b = r->w->nat.stats;
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	check_frag_needed("3/4 to H1", &f, &MAC_H1, S_IN, H1, 576,
			  orig + ETH_LEN, olen);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 1);
	assert_int_equal(r->w->nat.stats.generated, b.generated + 1);
	assert_accounting(r);

	/* Out2in: 1200 bytes with DF to the inside MTU of 1000. */
	q = big(udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port), 1200,
		0x2d2d);
	q.frag = FR_DF;
	q.ttl = 50;
	olen = (uint16_t)(build(orig, &q) - ETH_LEN);
	b = r->w->nat.stats;
	inject(r, S_OUT, &q);
	pump(r);
	take_one(S_OUT, &f);
	check_frag_needed("3/4 to Y1", &f, &MAC_GW, S_OUT, Y1, 1000,
			  orig + ETH_LEN, olen);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 1);

	df_tcp(r);
	/* ICMP echo with DF (ping -M do -s 1000). */
	p = big(icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
			 RTE_IP_ICMP_ECHO_REQUEST, 42, 7), 1000, 0x4d4d);
	p.frag = FR_DF;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	b = r->w->nat.stats;
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	check_frag_needed("3/4 echo", &f, &MAC_H1, S_IN, H1, 576,
			  orig + ETH_LEN, olen);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 1);
	rig_end(r);
}

/* G33: the 3/4s are rate limited like every ICMP error of the box (a burst
 * of 100); every too-big packet is dropped all the same. */
static void
test_G33_df_rate_limited(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats b;
	struct pkt p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53),
			   1000, 1);
	unsigned int i, n_icmp;

	p.frag = FR_DF;
	b = r->w->nat.stats;
	for (i = 0; i < 300; i++) {
		p.ip_id = (uint16_t)i;
		inject(r, S_IN, &p);
	}
	drain_rx(r, S_IN);
	n_icmp = take(S_IN, NULL, 0);
	assert_int_equal(take(S_OUT, NULL, 0), 0);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 300);
	if (n_icmp == 0 || n_icmp > 100)
		fail_msg("%u ICMP 3/4 for 300 packets, at once", n_icmp);
	/* A second later there are tokens again. */
	r->now += r->hz;
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(take(S_IN, NULL, 0), 1);
	rig_end(r);
}

const struct CMUnitTest fr_paths[] = {
	TO(test_G34_udp_in2out_in_order, &opts_big),
	TO(test_G34_out_of_order, &opts_big),
	TO(test_G34_interleaved, &opts_big),
	TO(test_G33_F32_fragment_to_mtu, &opts_small),
	TO(test_G33_F32_df_too_big, &opts_small),
	TO(test_G33_df_rate_limited, &opts_small),
};
const unsigned int fr_paths_n = RTE_DIM(fr_paths);
