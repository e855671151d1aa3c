/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the address pool, port-block allocation, subscribers and
 * mappings (lib/nat/nat_pool.c); checklist section A (A2, A5, A7, A9) and
 * the block log of section J.
 *
 * The pool allocates with rte_zmalloc and indexes with rte_hash, so the
 * group setup starts an EAL without hugepages, PCI or shared config, under
 * a file prefix of its own.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "nat_pool.h"

/* Host order, as nat_pool_params.addrs wants them. */
#define IPH(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
/* Network order, as everything else in the pool. */
#define IPN(a, b, c, d) rte_cpu_to_be_32(IPH(a, b, c, d))

static const uint8_t protos[3] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };

/* ------------------------------------------------------------------ */
/* The block log                                                       */

#define LOG_MAX 4096

struct logbuf {
	struct nat_log_event ev[LOG_MAX];
	uint32_t n;
};

static struct logbuf logb;

static void
log_cb(void *arg, const struct nat_log_event *ev)
{
	struct logbuf *lb = arg;

	assert_true(lb->n < LOG_MAX);
	lb->ev[lb->n++] = *ev;
}

/* ------------------------------------------------------------------ */
/* Pools                                                               */

struct pool_cfg {
	const uint32_t *addrs;
	uint32_t n_addrs;
	uint16_t port_lo, port_hi, block_size, max_blocks;
	uint32_t max_subs, max_maps;
	bool eim;
};

static struct nat_pool *
make_pool(const struct pool_cfg *c)
{
	static unsigned int seq;
	char name[16];
	struct nat_pool_params p = {
		.addrs = c->addrs,
		.n_addrs = c->n_addrs,
		.port_lo = c->port_lo,
		.port_hi = c->port_hi,
		.block_size = c->block_size,
		.max_blocks_per_sub = c->max_blocks,
		.max_subscribers = c->max_subs,
		.max_mappings = c->max_maps,
		.eim = c->eim,
		.socket = SOCKET_ID_ANY,
		.log = log_cb,
		.log_arg = &logb,
	};
	struct nat_pool *pool;

	snprintf(name, sizeof(name), "p%u", seq++);
	memset(&logb, 0, sizeof(logb));
	pool = nat_pool_create(name, &p);
	assert_non_null(pool);
	return pool;
}

static const uint32_t four_addrs[] = {
	IPH(203, 0, 113, 0), IPH(203, 0, 113, 1),
	IPH(203, 0, 113, 2), IPH(203, 0, 113, 3),
};

static struct pool_cfg
default_cfg(void)
{
	struct pool_cfg c = {
		.addrs = four_addrs,
		.n_addrs = 4,
		.port_lo = 1024,
		.port_hi = 65535,
		.block_size = 64,
		.max_blocks = 8,
		.max_subs = 1024,
		.max_maps = 8192,
		.eim = true,
	};
	return c;
}

static uint32_t
sub_addr(uint32_t i)
{
	return IPN(100, 64, (i >> 8) & 0xff, i & 0xff);
}

static uint32_t
get_sub(struct nat_pool *pool, uint32_t in_addr)
{
	enum nat_err err = NAT_ERR_MAP_TABLE_FULL;
	uint32_t s = nat_sub_get(pool, in_addr, &err);

	assert_int_equal(err, NAT_OK);
	assert_int_not_equal(s, NAT_NONE);
	return s;
}

/* A mapping that must succeed (EIM-style: inside endpoint first looked up
 * by the caller, so each call is for a new inside endpoint).
 */
static uint32_t
map(struct nat_pool *pool, uint32_t sub, uint32_t in_addr, uint16_t in_port,
    uint8_t proto, uint64_t tsc)
{
	enum nat_err err = NAT_ERR_MAP_TABLE_FULL;
	uint32_t m = nat_map_create(pool, sub, in_addr,
				    rte_cpu_to_be_16(in_port), proto, tsc,
				    &err);

	if (m == NAT_NONE)
		print_error("nat_map_create: %s\n", nat_err_str(err));
	assert_int_equal(err, NAT_OK);
	assert_int_not_equal(m, NAT_NONE);
	return m;
}

static uint16_t
out_port_h(const struct nat_pool *pool, uint32_t m)
{
	return rte_be_to_cpu_16(pool->maps[m].out_port);
}

/* The block of the subscriber that holds port (host order) of its
 * address, or NAT_NONE.
 */
static uint32_t
sub_block_of(const struct nat_pool *pool, uint32_t sub, uint16_t port)
{
	const struct nat_subscriber *s = &pool->subs[sub];
	unsigned int i;

	for (i = 0; i < s->n_blocks; i++) {
		uint16_t lo, hi;

		if (s->blocks[i] / pool->blocks_per_addr != s->addr_idx)
			continue;
		nat_block_range(pool, s->blocks[i], &lo, &hi);
		if (port >= lo && port <= hi)
			return s->blocks[i];
	}
	return NAT_NONE;
}

/* Internal consistency of the gauges against the arrays. */
static void
check_invariants(const struct nat_pool *pool)
{
	uint32_t nblk = pool->p.n_addrs * pool->blocks_per_addr;
	uint32_t i, used = 0, maps = 0, subs_on_addr = 0;

	for (i = 0; i < nblk; i++)
		if (pool->blocks[i].sub_idx != NAT_NONE) {
			used++;
			assert_true(pool->blocks[i].n_used > 0);
		}
	assert_int_equal(used, pool->n_blocks_used);
	for (i = 0; i < pool->p.max_mappings; i++)
		maps += pool->maps[i].proto != 0;
	assert_int_equal(maps, pool->n_maps);
	for (i = 0; i < pool->p.n_addrs; i++) {
		subs_on_addr += pool->addrs[i].n_subs;
		assert_true(pool->addrs[i].n_free <= pool->blocks_per_addr);
	}
	assert_int_equal(subs_on_addr, pool->n_subs);
	{
		uint32_t free_total = 0;

		for (i = 0; i < pool->p.n_addrs; i++)
			free_total += pool->addrs[i].n_free;
		assert_int_equal(free_total + pool->n_blocks_used, nblk);
	}
}

/* ------------------------------------------------------------------ */
/* A5: paired address pooling                                          */

static void
test_paired_pooling(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool = make_pool(&c);
	const uint32_t h1 = IPN(100, 64, 0, 2);
	static uint8_t used[3][65536];
	uint32_t sub, i, a, n_used = 0;
	const struct nat_subscriber *s;

	(void)state;
	memset(used, 0, sizeof(used));
	sub = get_sub(pool, h1);
	s = &pool->subs[sub];
	for (i = 0; i < 300; i++) {
		uint8_t proto = protos[i % 3];
		uint32_t m = map(pool, sub, h1, (uint16_t)(5000 + i), proto, i);
		uint16_t port = out_port_h(pool, m);
		unsigned int slot = nat_proto_slot(proto);

		/* One outside address for every protocol. */
		assert_int_equal(pool->maps[m].out_addr,
				 pool->addrs[s->addr_idx].addr);
		/* Distinct ports per protocol, from the dynamic range. */
		assert_false(used[slot][port]);
		used[slot][port] = 1;
		assert_true(port >= c.port_lo && port <= c.port_hi);
		/* Within one of the subscriber's blocks. */
		assert_int_not_equal(sub_block_of(pool, sub, port), NAT_NONE);
		assert_int_equal(pool->maps[m].sub_idx, sub);
		assert_int_equal(nat_map_lookup_out(pool, pool->maps[m].out_addr,
						    pool->maps[m].out_port,
						    proto), m);
	}
	assert_int_equal(s->n_mappings, 300);
	assert_int_equal(pool->n_maps, 300);
	/* 100 per protocol, 64 per block: at least 2 blocks, at most 8. */
	assert_true(s->n_blocks >= 2 && s->n_blocks <= c.max_blocks);
	for (i = 0; i < s->n_blocks; i++) {
		assert_int_equal(pool->blocks[s->blocks[i]].sub_idx, sub);
		n_used += pool->blocks[s->blocks[i]].n_used;
	}
	assert_int_equal(n_used, 300);
	assert_int_equal(pool->n_blocks_used, s->n_blocks);
	/* The other addresses are untouched. */
	for (a = 0; a < 4; a++)
		if (a != s->addr_idx)
			assert_int_equal(pool->addrs[a].n_free,
					 pool->blocks_per_addr);
	assert_int_equal(logb.n, s->n_blocks); /* one ALLOC per block */
	check_invariants(pool);
	nat_pool_free(pool);
}

/* ------------------------------------------------------------------ */
/* Blocks granted when needed, released (and logged) with their last
 * mapping.
 */
static void
check_event(const struct nat_log_event *ev, uint8_t type, uint32_t sub_a,
	    uint32_t out_addr, uint16_t lo, uint16_t hi, uint64_t tsc)
{
	assert_int_equal(ev->type, type);
	assert_int_equal(ev->sub_addr, sub_a);
	assert_int_equal(ev->out_addr, out_addr);
	assert_int_equal(ev->port_lo, lo);
	assert_int_equal(ev->port_hi, hi);
	assert_int_equal(ev->tsc, tsc);
}

static void
test_block_grant_release_log(void **state)
{
	static const uint32_t addrs[] = { IPH(198, 18, 0, 10),
					  IPH(198, 18, 0, 11) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, m[40], n = 0, i, blk_a, blk_b, out_a, free_before;
	uint16_t lo_a, hi_a, lo_b, hi_b;
	const struct nat_subscriber *s;

	(void)state;
	c.addrs = addrs;
	c.n_addrs = 2;
	c.port_lo = 1024;
	c.port_hi = 2047;
	c.block_size = 16;
	c.max_blocks = 4;
	pool = make_pool(&c);
	assert_int_equal(pool->blocks_per_addr, 64);
	sub = get_sub(pool, h1);
	s = &pool->subs[sub];
	assert_int_equal(logb.n, 0); /* a subscriber alone holds nothing */

	/* 16 UDP mappings fill one block's UDP ports: one ALLOC. */
	for (i = 0; i < 16; i++)
		m[n++] = map(pool, sub, h1, (uint16_t)(6000 + i), IPPROTO_UDP,
			     100);
	assert_int_equal(logb.n, 1);
	assert_int_equal(s->n_blocks, 1);
	blk_a = s->blocks[0];
	nat_block_range(pool, blk_a, &lo_a, &hi_a);
	assert_int_equal(hi_a - lo_a + 1, 16);
	assert_int_equal((lo_a - c.port_lo) % 16, 0);
	out_a = pool->maps[m[0]].out_addr;
	check_event(&logb.ev[0], NAT_LOG_BLOCK_ALLOC, h1, out_a, lo_a, hi_a,
		    100);
	for (i = 0; i < 16; i++) {
		uint16_t p = out_port_h(pool, m[i]);

		assert_true(p >= lo_a && p <= hi_a);
	}
	/* The 17th: a second block, logged. */
	m[n++] = map(pool, sub, h1, 6016, IPPROTO_UDP, 200);
	assert_int_equal(logb.n, 2);
	assert_int_equal(s->n_blocks, 2);
	blk_b = s->blocks[0] == blk_a ? s->blocks[1] : s->blocks[0];
	assert_int_not_equal(blk_a, blk_b);
	nat_block_range(pool, blk_b, &lo_b, &hi_b);
	check_event(&logb.ev[1], NAT_LOG_BLOCK_ALLOC, h1, out_a, lo_b, hi_b,
		    200);
	assert_true(out_port_h(pool, m[16]) >= lo_b &&
		    out_port_h(pool, m[16]) <= hi_b);
	/* Other protocols share the blocks: no new block. */
	for (i = 0; i < 6; i++)
		m[n++] = map(pool, sub, h1, (uint16_t)(7000 + i),
			     protos[i % 2 == 0 ? 0 : 2], 300);
	assert_int_equal(logb.n, 2);
	assert_int_equal(pool->n_blocks_used, 2);
	check_invariants(pool);

	/* Release block A's mappings: nothing logged until the last. */
	free_before = pool->addrs[blk_a / pool->blocks_per_addr].n_free;
	{
		uint32_t in_a = 0, done = 0;

		for (i = 0; i < n; i++)
			in_a += out_port_h(pool, m[i]) <= hi_a &&
				out_port_h(pool, m[i]) >= lo_a;
		assert_true(in_a >= 16);
		for (i = 0; i < n; i++) {
			uint16_t p = out_port_h(pool, m[i]);

			if (p < lo_a || p > hi_a)
				continue;
			nat_map_release(pool, m[i], 1000 + i);
			m[i] = NAT_NONE;
			done++;
			if (done < in_a) {
				assert_int_equal(logb.n, 2);
				assert_int_equal(pool->blocks[blk_a].sub_idx,
						 sub);
			}
		}
		assert_int_equal(logb.n, 3);
		check_event(&logb.ev[2], NAT_LOG_BLOCK_RELEASE, h1, out_a,
			    lo_a, hi_a, logb.ev[2].tsc);
		assert_true(logb.ev[2].tsc >= 1000 && logb.ev[2].tsc < 1000 + n);
	}
	assert_int_equal(pool->blocks[blk_a].sub_idx, NAT_NONE);
	assert_int_equal(pool->addrs[blk_a / pool->blocks_per_addr].n_free,
			 free_before + 1);
	assert_int_equal(s->n_blocks, 1);
	assert_int_equal(s->blocks[0], blk_b);
	assert_int_equal(pool->n_blocks_used, 1);
	assert_int_equal(pool->n_subs, 1);
	check_invariants(pool);

	/* Release the rest: block B logged, subscriber gone. */
	for (i = 0; i < n; i++)
		if (m[i] != NAT_NONE)
			nat_map_release(pool, m[i], 5000);
	assert_int_equal(logb.n, 4);
	check_event(&logb.ev[3], NAT_LOG_BLOCK_RELEASE, h1, out_a, lo_b, hi_b,
		    5000);
	assert_int_equal(pool->n_blocks_used, 0);
	assert_int_equal(pool->n_maps, 0);
	assert_int_equal(pool->n_subs, 0);
	assert_int_equal(nat_sub_lookup(pool, h1), NAT_NONE);
	check_invariants(pool);
	nat_pool_free(pool);
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */

static void
test_max_blocks_per_subscriber(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t ha = IPN(100, 64, 0, 2), hb = IPN(100, 64, 0, 3);
	uint32_t sa, sb, i, m[32], n_maps, n_log;
	enum nat_err err;

	(void)state;
	c.block_size = 16;
	c.max_blocks = 2;
	pool = make_pool(&c);
	sa = get_sub(pool, ha);
	for (i = 0; i < 32; i++)
		m[i] = map(pool, sa, ha, (uint16_t)(10000 + i), IPPROTO_UDP, 1);
	assert_int_equal(pool->subs[sa].n_blocks, 2);
	n_maps = pool->n_maps;
	n_log = logb.n;
	assert_int_equal(n_log, 2);

	/* The 33rd UDP: the subscriber is at its limit, all UDP ports used. */
	err = NAT_OK;
	assert_int_equal(nat_map_create(pool, sa, ha, rte_cpu_to_be_16(10032),
					IPPROTO_UDP, 2, &err), NAT_NONE);
	assert_int_equal(err, NAT_ERR_PORTS_EXHAUSTED);
	assert_int_equal(pool->n_maps, n_maps);
	assert_int_equal(pool->subs[sa].n_blocks, 2);
	assert_int_equal(logb.n, n_log);
	assert_int_equal(nat_map_lookup_in(pool, ha, rte_cpu_to_be_16(10032),
					   IPPROTO_UDP), NAT_NONE);
	/* TCP still fits in the blocks it holds. */
	map(pool, sa, ha, 10032, IPPROTO_TCP, 3);
	assert_int_equal(pool->subs[sa].n_blocks, 2);
	assert_int_equal(logb.n, n_log);

	/* Other subscribers still get ports. */
	sb = get_sub(pool, hb);
	for (i = 0; i < 20; i++)
		map(pool, sb, hb, (uint16_t)(10000 + i), IPPROTO_UDP, 4);
	assert_int_equal(pool->subs[sb].n_blocks, 2);

	/* A released port can be used again. */
	nat_map_release(pool, m[5], 5);
	map(pool, sa, ha, 10040, IPPROTO_UDP, 6);
	check_invariants(pool);
	nat_pool_free(pool);
}

static void
test_pool_exhausted(void **state)
{
	static const uint32_t addrs[] = { IPH(192, 0, 2, 1),
					  IPH(192, 0, 2, 2) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t ha = IPN(100, 64, 0, 2), hb = IPN(100, 64, 0, 3),
		       hc = IPN(100, 64, 0, 4);
	struct nat_mapping snap[128];
	uint32_t sa, sb, sc, i, m[128], n_log;
	enum nat_err err;

	(void)state;
	c.addrs = addrs;
	c.n_addrs = 2;
	c.port_lo = 1024;
	c.port_hi = 1087; /* 4 blocks of 16 per address */
	c.block_size = 16;
	c.max_blocks = 4;
	pool = make_pool(&c);
	assert_int_equal(pool->blocks_per_addr, 4);
	sa = get_sub(pool, ha);
	for (i = 0; i < 64; i++)
		m[i] = map(pool, sa, ha, (uint16_t)(20000 + i), IPPROTO_UDP, 1);
	sb = get_sub(pool, hb);
	assert_int_not_equal(pool->subs[sb].addr_idx, pool->subs[sa].addr_idx);
	for (i = 0; i < 64; i++)
		m[64 + i] = map(pool, sb, hb, (uint16_t)(20000 + i),
				IPPROTO_UDP, 1);
	assert_int_equal(pool->addrs[0].n_free, 0);
	assert_int_equal(pool->addrs[1].n_free, 0);
	for (i = 0; i < 128; i++)
		snap[i] = pool->maps[m[i]];
	n_log = logb.n;

	/* A new subscriber: its paired address has no free block. */
	sc = get_sub(pool, hc);
	for (i = 0; i < 3; i++) {
		err = NAT_OK;
		assert_int_equal(nat_map_create(pool, sc, hc,
						rte_cpu_to_be_16(30000),
						protos[i], 2, &err),
				 NAT_NONE);
		assert_int_equal(err, NAT_ERR_POOL_EXHAUSTED);
	}
	assert_int_equal(pool->subs[sc].n_blocks, 0);
	assert_int_equal(pool->subs[sc].n_mappings, 0);
	/* Existing mappings untouched. */
	assert_int_equal(logb.n, n_log);
	assert_int_equal(pool->n_maps, 128);
	assert_int_equal(pool->n_blocks_used, 8);
	for (i = 0; i < 128; i++) {
		const struct nat_mapping *x = &pool->maps[m[i]];

		assert_memory_equal(x, &snap[i], sizeof(*x));
		assert_int_equal(nat_map_lookup_in(pool, x->in_addr,
						   x->in_port, x->proto), m[i]);
		assert_int_equal(nat_map_lookup_out(pool, x->out_addr,
						    x->out_port, x->proto),
				 m[i]);
	}
	/* The holders still get other protocols in their blocks. */
	map(pool, sa, ha, 20000, IPPROTO_TCP, 3);
	/* The empty subscriber record goes. */
	nat_sub_maybe_free(pool, sc);
	assert_int_equal(pool->n_subs, 2);
	assert_int_equal(nat_sub_lookup(pool, hc), NAT_NONE);

	/* Once A lets go of a block, C can have it. */
	for (i = 0; i < 64; i++)
		nat_map_release(pool, m[i], 4);
	assert_int_equal(pool->subs[sa].n_blocks, 1); /* the TCP one */
	sc = get_sub(pool, hc);
	map(pool, sc, hc, 30000, IPPROTO_UDP, 5);
	check_invariants(pool);
	nat_pool_free(pool);
}

static void
test_table_full(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	uint32_t s1, s2, i;
	enum nat_err err;

	(void)state;
	c.max_subs = 2;
	c.max_maps = 3;
	pool = make_pool(&c);
	s1 = get_sub(pool, sub_addr(1));
	s2 = get_sub(pool, sub_addr(2));
	err = NAT_OK;
	assert_int_equal(nat_sub_get(pool, sub_addr(3), &err), NAT_NONE);
	assert_int_equal(err, NAT_ERR_SUB_TABLE_FULL);
	assert_int_equal(pool->n_subs, 2);

	map(pool, s1, sub_addr(1), 1, IPPROTO_UDP, 0);
	map(pool, s1, sub_addr(1), 2, IPPROTO_UDP, 0);
	map(pool, s1, sub_addr(1), 3, IPPROTO_UDP, 0);
	/* s2 needs a new block for the 4th: the block must not leak. */
	err = NAT_OK;
	assert_int_equal(nat_map_create(pool, s2, sub_addr(2),
					rte_cpu_to_be_16(1), IPPROTO_UDP, 0,
					&err), NAT_NONE);
	assert_int_equal(err, NAT_ERR_MAP_TABLE_FULL);
	assert_int_equal(pool->subs[s2].n_blocks, 0);
	assert_int_equal(pool->n_maps, 3);
	/* and s1, in a block it holds. */
	err = NAT_OK;
	assert_int_equal(nat_map_create(pool, s1, sub_addr(1),
					rte_cpu_to_be_16(4), IPPROTO_UDP, 0,
					&err), NAT_NONE);
	assert_int_equal(err, NAT_ERR_MAP_TABLE_FULL);
	check_invariants(pool);

	/* Freed subscriber records are reused. */
	nat_sub_maybe_free(pool, s2);
	assert_int_equal(pool->n_subs, 1);
	for (i = 0; i < 10; i++) {
		uint32_t s = get_sub(pool, sub_addr(100 + i));

		nat_sub_maybe_free(pool, s);
	}
	assert_int_equal(pool->n_subs, 1);
	nat_pool_free(pool);
}

/*
 * KNOWN BUG (left failing on purpose), lib/nat/nat_pool.c make_hash():
 * max_mappings is what the mapping table holds, but the rte_hash indexes
 * are created with entries = max_mappings and no
 * RTE_HASH_EXTRA_FLAGS_EXT_TABLE. rte_hash then has exactly
 * align32pow2(entries) slots in 8-way cuckoo buckets and cannot fill them:
 * with a power of two (the worst case, and what max_sessions usually is)
 * rte_hash_add_key_data fails at ~96% and nat_map_create reports
 * NAT_ERR_MAP_TABLE_FULL with free mappings left. The same holds for the
 * subscriber index (max_subscribers).
 */
static void
test_max_mappings_all_fit(void **state)
{
	const uint32_t size = 4096;
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	uint32_t i, made = 0, sub = NAT_NONE;
	enum nat_err err = NAT_OK, last = NAT_OK;

	(void)state;
	c.max_maps = size;
	c.max_blocks = 64;
	pool = make_pool(&c);
	for (i = 0; i < size; i++) {
		uint32_t m;

		if (i % 1000 == 0)
			sub = get_sub(pool, sub_addr(i / 1000));
		m = nat_map_create(pool, sub, sub_addr(i / 1000),
				   rte_cpu_to_be_16((uint16_t)(i % 1000 + 1)),
				   protos[i % 3], 0, &err);
		if (m == NAT_NONE) {
			last = err;
			break;
		}
		made++;
	}
	if (made != size)
		print_error("KNOWN BUG: max_mappings %u: only %u made, then "
			    "%s\n", size, made, nat_err_str(last));
	assert_int_equal(made, size);
	err = NAT_OK;
	assert_int_equal(nat_map_create(pool, sub, IPN(100, 65, 0, 1),
					rte_cpu_to_be_16(1), IPPROTO_UDP, 0,
					&err),
			 NAT_NONE);
	assert_int_equal(err, NAT_ERR_MAP_TABLE_FULL);
	nat_pool_free(pool);
}

/* KNOWN BUG, as above, for max_subscribers (the subscriber index). */
static void
test_max_subscribers_all_fit(void **state)
{
	const uint32_t size = 4096;
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	uint32_t i, made = 0;
	enum nat_err err = NAT_OK, last = NAT_OK;

	(void)state;
	c.max_subs = size;
	pool = make_pool(&c);
	for (i = 0; i < size; i++) {
		/* Scattered over 100.64.0.0/10 (an odd multiplier is a
		 * bijection mod 2^22). Consecutive addresses would hide the
		 * problem: CRC32 of a 4-byte key is affine, so a run of them
		 * fills the buckets evenly.
		 */
		uint32_t a = IPH(100, 64, 0, 0) | ((i * 2654435761u) & 0x3fffff);

		if (nat_sub_get(pool, rte_cpu_to_be_32(a), &err) == NAT_NONE) {
			last = err;
			break;
		}
		made++;
	}
	if (made != size)
		print_error("KNOWN BUG: max_subscribers %u: only %u made, then "
			    "%s\n", size, made, nat_err_str(last));
	assert_int_equal(made, size);
	assert_int_equal(nat_sub_get(pool, IPN(100, 127, 0, 1), &err),
			 NAT_NONE);
	assert_int_equal(err, NAT_ERR_SUB_TABLE_FULL);
	nat_pool_free(pool);
}

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

static void
test_static_mapping(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t hs = IPN(100, 64, 0, 9);
	const uint32_t out = IPN(203, 0, 113, 2);
	uint32_t st, sub, dyn, n_log;
	unsigned int variant;
	enum nat_err err;

	(void)state;
	for (variant = 0; variant < 2; variant++) {
		c.eim = variant == 0;
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
		assert_int_equal(logb.n, 0);

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
		n_log = logb.n;
		assert_int_equal(n_log, 1);
		nat_map_release(pool, dyn, 0);
		assert_int_equal(logb.n, 2); /* its block went back */
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

/*
 * A9 (RFC 6888 REQ-15): ports hard to guess. Each of 5 subscribers makes
 * 1000 new mappings; fewer than 5% of consecutive allocations are
 * sequential (next port = previous + 1) over all of them, and no
 * subscriber shows a long sequential run.
 *
 * Why 5 x 1000 and not one run of 1000: the port search is RFC 6056
 * algorithm 1 (random start, then the first free port upwards) and blocks
 * fill up completely before the next one is granted, so as a block gets
 * dense the next free port after a used run is often right after the
 * previous pick. One run of 1000 measured 19..62 sequential pairs (mean
 * ~35, 3.5%) over 40 runs: under 5% on average, but a single sample
 * crosses it now and then. The mean is what the criterion is about.
 */
static void
test_ports_hard_to_guess(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	uint32_t k, i, seq_up = 0, adjacent = 0, longest = 0, blocks_first = 0;

	(void)state;
	c.block_size = 256;
	c.max_blocks = 8;
	pool = make_pool(&c);
	for (k = 0; k < 5; k++) {
		const uint32_t h = sub_addr(k + 1);
		uint32_t s = get_sub(pool, h), run = 0;
		uint16_t prev = 0;

		for (i = 0; i < 1000; i++) {
			uint32_t m = map(pool, s, h, (uint16_t)(2000 + i),
					 IPPROTO_UDP, 0);
			uint16_t p = out_port_h(pool, m);

			if (i > 0 && p == prev + 1) {
				seq_up++;
				if (++run > longest)
					longest = run;
			} else {
				run = 0;
			}
			adjacent += i > 0 && (p == prev + 1 || p + 1 == prev);
			prev = p;
		}
	}
	/* The first block of a fresh subscriber is not the first of the
	 * address either (random block).
	 */
	for (i = 0; i < 20; i++) {
		uint32_t a = sub_addr(500 + i);
		uint32_t m = map(pool, get_sub(pool, a), a, 1, IPPROTO_UDP, 0);

		blocks_first += out_port_h(pool, m) < c.port_lo + c.block_size;
	}
	print_message("ports: %u of 4995 consecutive pairs sequential (+1), "
		      "%u adjacent (+-1), longest sequential run %u\n",
		      seq_up, adjacent, longest);
	assert_true(seq_up < 4995 / 20);
	assert_true(longest < 16);
	assert_true(blocks_first < 5);
	nat_pool_free(pool);
}

/* ------------------------------------------------------------------ */

static char prefix[64];

static int
group_setup(void **state)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci",
			 "--no-shconf", "--no-telemetry",
			 "--log-level=lib.eal:error",
			 "--file-prefix", prefix, NULL };
	int argc = (int)RTE_DIM(argv) - 1;

	(void)state;
	snprintf(prefix, sizeof(prefix), "ut_pool%d", (int)getpid());
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	/* EAL leaves its (empty, with --no-shconf) runtime directory. */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paired_pooling),
		cmocka_unit_test(test_block_grant_release_log),
		cmocka_unit_test(test_max_blocks_per_subscriber),
		cmocka_unit_test(test_pool_exhausted),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_max_mappings_all_fit),
		cmocka_unit_test(test_max_subscribers_all_fit),
		cmocka_unit_test(test_spread_over_addresses),
		cmocka_unit_test(test_lookup_round_trip),
		cmocka_unit_test(test_eim_reuse),
		cmocka_unit_test(test_static_mapping),
		cmocka_unit_test(test_noncontiguous_pool),
		cmocka_unit_test(test_subscriber_freed),
		cmocka_unit_test(test_ports_hard_to_guess),
	};

	return cmocka_run_group_tests_name("pool", tests, group_setup,
					   group_teardown);
}
