/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: the box's own ICMP.
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

const struct CMUnitTest tw_own_icmp[] = {
	T(test_F32_ttl_exceeded),
	T(test_echo_own_addresses),
};
const unsigned int tw_own_icmp_n = RTE_DIM(tw_own_icmp);
