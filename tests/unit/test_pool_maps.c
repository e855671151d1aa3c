/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the pool's mappings and indexes (lib/nat/nat_map.c,
 * nat_sub.c, nat_index.c through the pool): spread over the addresses,
 * lookups both ways, endpoint-independent mapping (checklist A1, A2),
 * static mappings, non-contiguous pools (A7), index churn, the address
 * index and subscriber records. Shared helpers: pool_util.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_memory.h>

#include "nat_pool.h"
#include "pool_util.h"

/* ------------------------------------------------------------------ */
/* Spread, lookups, EIM, statics, non-contiguous pools                 */

static void
test_spread_over_addresses(void **state)
{
	struct pool_cfg c = default_cfg();
	unsigned int variant;

	(void)state;
	for (variant = 0; variant < 2; variant++) {
		struct nat_pool *pool = make_pool(&c);
		uint32_t subs[8], per_addr[4] = { 0 }, i;

		for (i = 0; i < 8; i++) {
			subs[i] = get_sub(pool, sub_addr(i + 1));
			/* variant 0: a mapping right away (free blocks
			 * decide); variant 1: all subscribers first (the
			 * subscriber count decides).
			 */
			if (variant == 0)
				map(pool, subs[i], sub_addr(i + 1), 4000,
				    IPPROTO_UDP, 0);
		}
		if (variant == 1)
			for (i = 0; i < 8; i++)
				map(pool, subs[i], sub_addr(i + 1), 4000,
				    IPPROTO_UDP, 0);
		for (i = 0; i < 8; i++) {
			uint32_t m = nat_map_lookup_in(pool, sub_addr(i + 1),
						       rte_cpu_to_be_16(4000),
						       IPPROTO_UDP);
			int32_t ai = nat_pool_addr_index(pool,
							 pool->maps[m].out_addr);

			assert_true(ai >= 0);
			assert_int_equal((uint32_t)ai,
					 pool->subs[subs[i]].addr_idx);
			per_addr[ai]++;
		}
		for (i = 0; i < 4; i++) {
			assert_int_equal(per_addr[i], 2);
			assert_int_equal(pool->addrs[i].n_subs, 2);
		}
		check_invariants(pool);
		nat_pool_free(pool);
	}
}

static void
test_lookup_round_trip(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool = make_pool(&c);
	uint32_t m[60], i;

	(void)state;
	for (i = 0; i < 60; i++) {
		uint32_t a = sub_addr(i % 5 + 1);

		m[i] = map(pool, get_sub(pool, a), a, (uint16_t)(3000 + i),
			   protos[i % 3], 0);
	}
	for (i = 0; i < 60; i++) {
		const struct nat_mapping *x = &pool->maps[m[i]];
		uint8_t other = protos[(i + 1) % 3];
		uint32_t r;

		assert_int_equal(x->in_addr, sub_addr(i % 5 + 1));
		assert_int_equal(x->in_port, rte_cpu_to_be_16(3000 + i));
		assert_int_equal(x->proto, protos[i % 3]);
		assert_int_equal(nat_map_lookup_in(pool, x->in_addr, x->in_port,
						   x->proto), m[i]);
		assert_int_equal(nat_map_lookup_out(pool, x->out_addr,
						    x->out_port, x->proto),
				 m[i]);
		/* The protocol is part of both keys. */
		assert_int_equal(nat_map_lookup_in(pool, x->in_addr, x->in_port,
						   other), NAT_NONE);
		r = nat_map_lookup_out(pool, x->out_addr, x->out_port, other);
		assert_true(r == NAT_NONE || pool->maps[r].proto == other);
		/* So are the address and the port. */
		assert_int_equal(nat_map_lookup_in(pool, x->in_addr ^
						   rte_cpu_to_be_32(0x100),
						   x->in_port, x->proto),
				 NAT_NONE);
	}
	for (i = 0; i < 60; i += 2) {
		struct nat_mapping x = pool->maps[m[i]];

		nat_map_release(pool, m[i], 0);
		assert_int_equal(nat_map_lookup_in(pool, x.in_addr, x.in_port,
						   x.proto), NAT_NONE);
		assert_int_equal(nat_map_lookup_out(pool, x.out_addr,
						    x.out_port, x.proto),
				 NAT_NONE);
	}
	for (i = 1; i < 60; i += 2)
		assert_int_equal(nat_map_lookup_out(pool, pool->maps[m[i]].out_addr,
						    pool->maps[m[i]].out_port,
						    pool->maps[m[i]].proto),
				 m[i]);
	check_invariants(pool);
	nat_pool_free(pool);
}

/* A1/A2: endpoint-independent mapping, no port overloading. */
static void
test_eim_reuse(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool = make_pool(&c);
	const uint32_t h1 = IPN(100, 64, 0, 2), h2 = IPN(100, 64, 0, 3);
	uint32_t s1, s2, m1, m2, n;
	unsigned int k;

	(void)state;
	for (k = 0; k < 3; k++) {
		s1 = get_sub(pool, h1);
		/* First flow H1:5000 -> Y1 makes the mapping... */
		assert_int_equal(nat_map_lookup_in(pool, h1,
						   rte_cpu_to_be_16(5000),
						   protos[k]), NAT_NONE);
		m1 = map(pool, s1, h1, 5000, protos[k], 0);
		/* ...the next flow H1:5000 -> Y2 finds and reuses it. */
		n = pool->n_maps;
		assert_int_equal(nat_map_lookup_in(pool, h1,
						   rte_cpu_to_be_16(5000),
						   protos[k]), m1);
		assert_int_equal(pool->n_maps, n);
		/* Another inside port, another mapping. */
		assert_int_equal(nat_map_lookup_in(pool, h1,
						   rte_cpu_to_be_16(5001),
						   protos[k]), NAT_NONE);
		/* H2:5000: its own mapping with another outside tuple. */
		s2 = get_sub(pool, h2);
		assert_int_equal(nat_map_lookup_in(pool, h2,
						   rte_cpu_to_be_16(5000),
						   protos[k]), NAT_NONE);
		m2 = map(pool, s2, h2, 5000, protos[k], 0);
		assert_int_not_equal(m1, m2);
		assert_false(pool->maps[m1].out_addr == pool->maps[m2].out_addr &&
			     pool->maps[m1].out_port == pool->maps[m2].out_port);
		assert_int_equal(nat_map_lookup_out(pool, pool->maps[m2].out_addr,
						    pool->maps[m2].out_port,
						    protos[k]), m2);
	}
	check_invariants(pool);
	nat_pool_free(pool);

	/* Address-dependent mapping: no inside index; each flow its own. */
	c.eim = false;
	pool = make_pool(&c);
	s1 = get_sub(pool, h1);
	m1 = map(pool, s1, h1, 5000, IPPROTO_UDP, 0);
	assert_int_equal(nat_map_lookup_in(pool, h1, rte_cpu_to_be_16(5000),
					   IPPROTO_UDP), NAT_NONE);
	assert_int_equal(nat_map_lookup_out(pool, pool->maps[m1].out_addr,
					    pool->maps[m1].out_port,
					    IPPROTO_UDP), m1);
	m2 = map(pool, s1, h1, 5000, IPPROTO_UDP, 0);
	assert_int_not_equal(m1, m2);
	assert_int_not_equal(pool->maps[m1].out_port, pool->maps[m2].out_port);
	assert_int_equal(nat_map_lookup_in(pool, h1, rte_cpu_to_be_16(5000),
					   IPPROTO_UDP), NAT_NONE);
	nat_map_release(pool, m1, 0);
	nat_map_release(pool, m2, 0);
	assert_int_equal(pool->n_maps, 0);
	assert_int_equal(pool->n_subs, 0);
	check_invariants(pool);
	nat_pool_free(pool);
}

/* A static mapping, with EIM or without (inbound needs it both ways). */
static void
static_mapping_case(bool eim)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t hs = IPN(100, 64, 0, 9);
	const uint32_t out = IPN(203, 0, 113, 2);
	uint32_t st, sub, dyn, n_log;
	enum nat_err err;

	c.eim = eim;
	pool = make_pool(&c);
	err = NAT_ERR_MAP_TABLE_FULL;
	st = nat_map_add_static(pool, IPPROTO_TCP, hs,
				rte_cpu_to_be_16(8080), out,
				rte_cpu_to_be_16(80), &err);
	assert_int_equal(err, NAT_OK);
	assert_int_not_equal(st, NAT_NONE);
	assert_true(pool->maps[st].flags & NAT_MAP_STATIC);
	/* Found both ways (also without EIM: inbound needs it). */
	assert_int_equal(nat_map_lookup_in(pool, hs,
					   rte_cpu_to_be_16(8080),
					   IPPROTO_TCP), st);
	assert_int_equal(nat_map_lookup_out(pool, out,
					    rte_cpu_to_be_16(80),
					    IPPROTO_TCP), st);
	assert_int_equal(nat_map_lookup_out(pool, out,
					    rte_cpu_to_be_16(80),
					    IPPROTO_UDP), NAT_NONE);
	/* Its subscriber is paired with the static's address and
	 * pinned.
	 */
	sub = nat_sub_lookup(pool, hs);
	assert_int_not_equal(sub, NAT_NONE);
	assert_int_equal(pool->maps[st].sub_idx, sub);
	assert_int_equal(pool->subs[sub].addr_idx,
			 (uint32_t)nat_pool_addr_index(pool, out));
	assert_true(pool->subs[sub].flags & NAT_SUB_PINNED);
	assert_int_equal(pool->n_maps, 1);
	assert_int_equal(pool->n_blocks_used, 0);
	assert_int_equal(plog.n, 0);

	/* nat_map_release never drops it. */
	nat_map_release(pool, st, 0);
	nat_map_release(pool, st, 0);
	assert_int_equal(pool->maps[st].proto, IPPROTO_TCP);
	assert_int_equal(pool->n_maps, 1);
	assert_int_equal(nat_map_lookup_in(pool, hs,
					   rte_cpu_to_be_16(8080),
					   IPPROTO_TCP), st);
	assert_int_equal(nat_map_lookup_out(pool, out,
					    rte_cpu_to_be_16(80),
					    IPPROTO_TCP), st);
	nat_sub_maybe_free(pool, sub);
	assert_int_equal(nat_sub_lookup(pool, hs), sub);

	/* Dynamic mappings of that subscriber use the same address,
	 * though pick_address would choose another one.
	 */
	assert_int_equal(nat_sub_get(pool, hs, &err), sub);
	dyn = map(pool, sub, hs, 40000, IPPROTO_UDP, 0);
	assert_int_equal(pool->maps[dyn].out_addr, out);
	n_log = plog.n;
	assert_int_equal(n_log, 1);
	nat_map_release(pool, dyn, 0);
	assert_int_equal(plog.n, 2); /* its block went back */
	assert_int_equal(nat_sub_lookup(pool, hs), sub);
	assert_int_equal(nat_map_lookup_out(pool, out,
					    rte_cpu_to_be_16(80),
					    IPPROTO_TCP), st);
	assert_int_equal(pool->subs[sub].n_mappings, 1);

	/* An outside address that is not in the pool: refused. */
	err = NAT_OK;
	assert_int_equal(nat_map_add_static(pool, IPPROTO_UDP, hs,
					    rte_cpu_to_be_16(53),
					    IPN(203, 0, 113, 9),
					    rte_cpu_to_be_16(53), &err),
			 NAT_NONE);
	assert_int_not_equal(err, NAT_OK);
	check_invariants(pool);
	nat_pool_free(pool);
}

static void
test_static_mapping(void **state)
{
	unsigned int variant;

	(void)state;
	for (variant = 0; variant < 2; variant++)
		static_mapping_case(variant == 0);
}

/* A7: non-contiguous ranges, given out of order. */
static void
test_noncontiguous_pool(void **state)
{
	static const uint32_t addrs[] = {
		IPH(203, 0, 113, 3), IPH(198, 18, 0, 11), IPH(203, 0, 113, 0),
		IPH(198, 18, 0, 10), IPH(203, 0, 113, 2), IPH(203, 0, 113, 1),
	};
	static const uint32_t sorted[] = {
		IPH(198, 18, 0, 10), IPH(198, 18, 0, 11), IPH(203, 0, 113, 0),
		IPH(203, 0, 113, 1), IPH(203, 0, 113, 2), IPH(203, 0, 113, 3),
	};
	static const uint32_t absent[] = {
		IPH(198, 18, 0, 9), IPH(198, 18, 0, 12), IPH(203, 0, 113, 4),
		IPH(203, 0, 112, 255), IPH(0, 0, 0, 0), IPH(255, 255, 255, 255),
		IPH(10, 0, 0, 1), IPH(200, 0, 0, 0),
	};
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	uint32_t i, seen[6] = { 0 };

	(void)state;
	c.addrs = addrs;
	c.n_addrs = RTE_DIM(addrs);
	pool = make_pool(&c);
	for (i = 0; i < RTE_DIM(sorted); i++) {
		int32_t ai = nat_pool_addr_index(pool,
						 rte_cpu_to_be_32(sorted[i]));

		assert_int_equal(ai, (int32_t)i);
		assert_int_equal(pool->addrs[i].addr,
				 rte_cpu_to_be_32(sorted[i]));
	}
	for (i = 0; i < RTE_DIM(absent); i++)
		assert_int_equal(nat_pool_addr_index(pool,
					rte_cpu_to_be_32(absent[i])), -1);
	/* Mappings come from all of them. */
	for (i = 0; i < 6; i++) {
		uint32_t a = sub_addr(i + 1);
		uint32_t m = map(pool, get_sub(pool, a), a, 1234, IPPROTO_TCP,
				 0);
		int32_t ai = nat_pool_addr_index(pool, pool->maps[m].out_addr);

		assert_true(ai >= 0 && ai < 6);
		seen[ai]++;
		/* The block ids of that address. */
		assert_int_equal(sub_block_of(pool, pool->maps[m].sub_idx,
					      out_port_h(pool, m)) /
				 pool->blocks_per_addr, (uint32_t)ai);
	}
	for (i = 0; i < 6; i++)
		assert_int_equal(seen[i], 1);
	/* One address alone also works (bisect edge). */
	nat_pool_free(pool);
	c.addrs = &sorted[3];
	c.n_addrs = 1;
	pool = make_pool(&c);
	assert_int_equal(nat_pool_addr_index(pool, rte_cpu_to_be_32(sorted[3])),
			 0);
	assert_int_equal(nat_pool_addr_index(pool, rte_cpu_to_be_32(sorted[2])),
			 -1);
	assert_int_equal(nat_pool_addr_index(pool, rte_cpu_to_be_32(sorted[4])),
			 -1);
	nat_pool_free(pool);
}

enum { SUBS = 20, PORTS = 100, OPS = 200000 };

/* test_index_churn(): the mapping of each (subscriber, port, protocol). */
static uint32_t churn_ref[SUBS][PORTS][3];

/*
 * A mapped endpoint: found from both sides; released when rs says so (1
 * in 4), then no longer found from outside. Returns whether it was.
 */
static bool
churn_mapped(struct nat_pool *pool, uint32_t a, uint32_t port, uint32_t pr,
	     uint32_t m, uint64_t rs)
{
	const struct nat_mapping *mp = &pool->maps[m];

	assert_int_equal(nat_map_lookup_in(pool, a,
			rte_cpu_to_be_16((uint16_t)(port + 1000)),
			protos[pr]), m);
	assert_int_equal(nat_map_lookup_out(pool, mp->out_addr,
					    mp->out_port,
					    mp->proto), m);
	if ((rs >> 60) < 4) {
		uint32_t oa = mp->out_addr;
		uint16_t op_ = mp->out_port;

		nat_map_release(pool, m, 0);
		assert_int_equal(nat_map_lookup_out(pool, oa, op_,
						    protos[pr]),
				 NAT_NONE);
		return true;
	}
	return false;
}

/* The gauges and indexes against churn_ref, with live mappings. */
static void
churn_check(const struct nat_pool *pool, uint32_t live)
{
	uint32_t i;

	check_invariants(pool);
	assert_int_equal(pool->n_maps, live);
	assert_int_equal(pool->map_out.n, live);
	assert_int_equal(pool->map_in.n, live);
	assert_int_equal(pool->sub_ix.n, pool->n_subs);
	/* A subscriber is known while it holds a mapping. */
	for (i = 0; i < SUBS; i++) {
		uint32_t a = sub_addr(i + 1), j, has = 0;
		uint32_t sidx = nat_sub_lookup(pool, a);

		for (j = 0; j < PORTS * 3; j++)
			has += (&churn_ref[i][0][0])[j] != NAT_NONE;
		assert_int_equal(sidx != NAT_NONE, has != 0);
		if (sidx != NAT_NONE) {
			assert_int_equal(pool->subs[sidx].addr, a);
			assert_int_equal(pool->subs[sidx].n_mappings, has);
		}
	}
}

/*
 * The indexes under churn: 200,000 random lookups, creates and releases
 * over 20 subscribers x 100 ports x 3 protocols, the pool's mapping table
 * (4,096) often full; every live mapping is found from both sides, every
 * released one from neither, and the index counts follow the gauges.
 */
static void
test_index_churn(void **state)
{
	uint32_t (*ref)[PORTS][3] = churn_ref;
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	uint32_t i, op, live = 0, made = 0, freed = 0, most = 0;
	uint64_t rs = 88172645463325252ULL;

	(void)state;
	c.max_maps = 4096;
	c.max_subs = 64;
	pool = make_pool(&c);
	memset(churn_ref, 0xff, sizeof(churn_ref));
	for (op = 0; op < OPS; op++) {
		uint32_t sub, port, pr, m, a;
		enum nat_err err;

		rs ^= rs << 13;
		rs ^= rs >> 7;
		rs ^= rs << 17;
		sub = (uint32_t)(rs % SUBS);
		port = (uint32_t)(rs >> 20) % PORTS;
		pr = (uint32_t)(rs >> 40) % 3;
		a = sub_addr(sub + 1);
		m = ref[sub][port][pr];
		if (m != NAT_NONE) {
			if (churn_mapped(pool, a, port, pr, m, rs)) {
				ref[sub][port][pr] = NAT_NONE;
				live--;
				freed++;
			}
		} else {
			uint16_t ip = rte_cpu_to_be_16((uint16_t)(port + 1000));

			assert_int_equal(nat_map_lookup_in(pool, a, ip,
							   protos[pr]),
					 NAT_NONE);
			if (live == c.max_maps)
				continue;
			m = nat_map_create(pool, get_sub(pool, a), a, ip,
					   protos[pr], 0, &err);
			assert_int_equal(err, NAT_OK);
			ref[sub][port][pr] = m;
			live++;
			made++;
			most = RTE_MAX(most, live);
		}
		if (op % 10000 == 9999)
			churn_check(pool, live);
	}
	/* Enough of both, and the mapping table was full. */
	assert_true(made > 20000 && freed > 20000);
	assert_int_equal(most, c.max_maps);
	/* Release everything: the pool is empty again. */
	for (i = 0; i < SUBS * PORTS * 3; i++) {
		uint32_t m = (&ref[0][0][0])[i];

		if (m != NAT_NONE)
			nat_map_release(pool, m, 0);
	}
	check_invariants(pool);
	assert_int_equal(pool->n_maps, 0);
	assert_int_equal(pool->n_subs, 0);
	assert_int_equal(pool->map_out.n, 0);
	assert_int_equal(pool->map_in.n, 0);
	assert_int_equal(pool->sub_ix.n, 0);
	nat_pool_free(pool);
}

/*
 * nat_pool_addr_index(): consecutive addresses take the O(1) path, others
 * the bisection; both against a linear search, at the edges of the range,
 * in its gaps and around 0 and 255.255.255.255.
 */
static void
check_addr_index(const uint32_t *addrs, uint32_t n, bool dense, bool low)
{
	static const uint32_t probes[] = {
		0, 1, IPH(203, 0, 112, 255), IPH(203, 0, 113, 0),
		IPH(203, 0, 113, 1), IPH(203, 0, 113, 2), IPH(203, 0, 113, 3),
		IPH(203, 0, 113, 4), IPH(203, 0, 113, 7), IPH(203, 0, 113, 8),
		IPH(203, 0, 113, 9), IPH(203, 0, 113, 200),
		IPH(203, 0, 113, 254), IPH(203, 0, 113, 255),
		IPH(203, 0, 114, 0), 0xfffffffe, 0xffffffff,
	};
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	unsigned int i, j;

	c.addrs = addrs;
	c.n_addrs = n;
	if (low) {
		c.low_lo = 512;
		c.low_hi = 1023;
		c.low_block_size = 100; /* 12 ports left over */
	}
	pool = make_pool(&c);
	assert_int_equal(pool->addr_dense, dense);
	for (i = 0; i < RTE_DIM(probes); i++) {
		uint32_t a = rte_cpu_to_be_32(probes[i]);
		int32_t want = -1;

		for (j = 0; j < n; j++)
			if (pool->addrs[j].addr == a)
				want = (int32_t)j;
		assert_int_equal(nat_pool_addr_index(pool, a), want);
	}
	for (j = 0; j < n; j++)
		assert_int_equal(nat_pool_addr_index(pool,
						     pool->addrs[j].addr),
				 (int32_t)j);
	/* Every block knows its range (nat_block_range()). */
	for (j = 0; j < n * pool->blocks_per_addr; j++) {
		uint16_t lo, hi;

		nat_block_range(pool, j, &lo, &hi);
		assert_int_equal(pool->blocks[j].port_lo, lo);
		assert_int_equal(pool->blocks[j].n_ports, hi - lo + 1);
	}
	nat_pool_free(pool);
}

static void
test_addr_index(void **state)
{
	static const uint32_t dense[] = {
		IPH(203, 0, 113, 2), IPH(203, 0, 113, 0), IPH(203, 0, 113, 1),
		IPH(203, 0, 113, 3),
	};
	static const uint32_t sparse[] = {
		IPH(203, 0, 113, 9), IPH(203, 0, 113, 1), IPH(203, 0, 113, 3),
		IPH(203, 0, 113, 200), IPH(203, 0, 113, 4),
	};
	static const uint32_t edges[] = { 0, 0xffffffff, 1 };
	static const uint32_t top[] = { 0xfffffffe, 0xffffffff };
	static const uint32_t one[] = { IPH(203, 0, 113, 255) };

	(void)state;
	check_addr_index(dense, RTE_DIM(dense), true, false);
	check_addr_index(sparse, RTE_DIM(sparse), false, true);
	check_addr_index(edges, RTE_DIM(edges), false, false);
	check_addr_index(top, RTE_DIM(top), true, true);
	check_addr_index(one, RTE_DIM(one), true, false);
}

/* Subscriber records: freed when they hold nothing. */
static void
test_subscriber_freed(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool = make_pool(&c);
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t s, m, ai;

	(void)state;
	s = get_sub(pool, h1);
	ai = pool->subs[s].addr_idx;
	assert_int_equal(pool->n_subs, 1);
	assert_int_equal(nat_sub_lookup(pool, h1), s);
	assert_int_equal(get_sub(pool, h1), s); /* the same record again */
	assert_int_equal(pool->addrs[ai].n_subs, 1);
	nat_sub_maybe_free(pool, s);
	assert_int_equal(pool->n_subs, 0);
	assert_int_equal(pool->addrs[ai].n_subs, 0);
	assert_int_equal(nat_sub_lookup(pool, h1), NAT_NONE);

	/* Through nat_map_release. */
	s = get_sub(pool, h1);
	m = map(pool, s, h1, 1000, IPPROTO_UDP, 0);
	nat_sub_maybe_free(pool, s); /* holds a mapping: stays */
	assert_int_equal(pool->n_subs, 1);
	nat_map_release(pool, m, 0);
	assert_int_equal(pool->n_subs, 0);
	assert_int_equal(nat_sub_lookup(pool, h1), NAT_NONE);

	/* Sessions keep it. */
	s = get_sub(pool, h1);
	m = map(pool, s, h1, 1000, IPPROTO_UDP, 0);
	pool->subs[s].n_sessions = 1;
	nat_map_release(pool, m, 0);
	assert_int_equal(pool->n_subs, 1);
	assert_int_equal(pool->subs[s].n_blocks, 0);
	pool->subs[s].n_sessions = 0;
	nat_sub_maybe_free(pool, s);
	assert_int_equal(pool->n_subs, 0);
	check_invariants(pool);
	nat_pool_free(pool);
}


/* ------------------------------------------------------------------ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spread_over_addresses),
		cmocka_unit_test(test_addr_index),
		cmocka_unit_test(test_index_churn),
		cmocka_unit_test(test_lookup_round_trip),
		cmocka_unit_test(test_eim_reuse),
		cmocka_unit_test(test_static_mapping),
		cmocka_unit_test(test_noncontiguous_pool),
		cmocka_unit_test(test_subscriber_freed),
	};

	return cmocka_run_group_tests_name("pool_maps", tests,
					   pool_group_setup,
					   pool_group_teardown);
}
