/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: mapping, filtering, static mappings, hairpinning.
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

const struct CMUnitTest tw_mapping[] = {
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
};
const unsigned int tw_mapping_n = RTE_DIM(tw_mapping);
