/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: limits.
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

static const struct rig_opts opts_limits = {
	.sessions_per_sub = 10,
};

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

const struct CMUnitTest tw_limits[] = {
	TO(test_H37_session_limit, &opts_limits),
	TO(test_H36_F31_exhaustion, &opts_small_pool),
};
const unsigned int tw_limits_n = RTE_DIM(tw_limits);
