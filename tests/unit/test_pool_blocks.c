/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the pool (lib/nat/nat_pool.c, nat_sub.c, nat_map.c):
 * paired address pooling (checklist A5), port blocks granted when needed
 * and released with their last mapping, with the block log of section J,
 * the limits of blocks, tables and addresses, and the per-subscriber port
 * and rate limits (H36). Shared helpers: pool_util.h.
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
	assert_int_equal(plog.n, s->n_blocks); /* one ALLOC per block */
	check_invariants(pool);
	nat_pool_free(pool);
}

/* ------------------------------------------------------------------ */
/* Blocks granted when needed, released (and logged) with their last
 * mapping.
 */
/* The two blocks of test_block_grant_release_log() and their ranges. */
struct blocks_ab {
	uint32_t blk_a, blk_b, out_a;
	uint16_t lo_a, hi_a, lo_b, hi_b;
};

/*
 * 16 UDP mappings fill one block's UDP ports (one ALLOC, at 100); the
 * 17th takes a second block (at 200); other protocols share them (300).
 * The mappings go to m; returns how many.
 */
static uint32_t
grant_two_blocks(struct nat_pool *pool, uint32_t sub, uint32_t h1,
		 uint16_t port_lo, uint32_t *m, struct blocks_ab *ab)
{
	const struct nat_subscriber *s = &pool->subs[sub];
	uint32_t n = 0, i;

	for (i = 0; i < 16; i++)
		m[n++] = map(pool, sub, h1, (uint16_t)(6000 + i), IPPROTO_UDP,
			     100);
	assert_int_equal(plog.n, 1);
	assert_int_equal(s->n_blocks, 1);
	ab->blk_a = s->blocks[0];
	nat_block_range(pool, ab->blk_a, &ab->lo_a, &ab->hi_a);
	assert_int_equal(ab->hi_a - ab->lo_a + 1, 16);
	assert_int_equal((ab->lo_a - port_lo) % 16, 0);
	ab->out_a = pool->maps[m[0]].out_addr;
	check_event(&plog.ev[0], NAT_LOG_BLOCK_ALLOC, h1, ab->out_a, ab->lo_a,
		    ab->hi_a, 100);
	for (i = 0; i < 16; i++) {
		uint16_t p = out_port_h(pool, m[i]);

		assert_true(p >= ab->lo_a && p <= ab->hi_a);
	}
	/* The 17th: a second block, logged. */
	m[n++] = map(pool, sub, h1, 6016, IPPROTO_UDP, 200);
	assert_int_equal(plog.n, 2);
	assert_int_equal(s->n_blocks, 2);
	ab->blk_b = s->blocks[0] == ab->blk_a ? s->blocks[1] : s->blocks[0];
	assert_int_not_equal(ab->blk_a, ab->blk_b);
	nat_block_range(pool, ab->blk_b, &ab->lo_b, &ab->hi_b);
	check_event(&plog.ev[1], NAT_LOG_BLOCK_ALLOC, h1, ab->out_a, ab->lo_b,
		    ab->hi_b, 200);
	assert_true(out_port_h(pool, m[16]) >= ab->lo_b &&
		    out_port_h(pool, m[16]) <= ab->hi_b);
	/* Other protocols share the blocks: no new block. */
	for (i = 0; i < 6; i++)
		m[n++] = map(pool, sub, h1, (uint16_t)(7000 + i),
			     protos[i % 2 == 0 ? 0 : 2], 300);
	assert_int_equal(plog.n, 2);
	assert_int_equal(pool->n_blocks_used, 2);
	check_invariants(pool);
	return n;
}

/* Release block A's mappings (at 1000 + i): nothing logged until the
 * last.
 */
static void
release_block_a(struct nat_pool *pool, uint32_t sub, uint32_t h1,
		uint32_t *m, uint32_t n, const struct blocks_ab *ab)
{
	uint32_t in_a = 0, done = 0, i;

	for (i = 0; i < n; i++)
		in_a += out_port_h(pool, m[i]) <= ab->hi_a &&
			out_port_h(pool, m[i]) >= ab->lo_a;
	assert_true(in_a >= 16);
	for (i = 0; i < n; i++) {
		uint16_t p = out_port_h(pool, m[i]);

		if (p < ab->lo_a || p > ab->hi_a)
			continue;
		nat_map_release(pool, m[i], 1000 + i);
		m[i] = NAT_NONE;
		done++;
		if (done < in_a) {
			assert_int_equal(plog.n, 2);
			assert_int_equal(pool->blocks[ab->blk_a].sub_idx, sub);
		}
	}
	assert_int_equal(plog.n, 3);
	check_event(&plog.ev[2], NAT_LOG_BLOCK_RELEASE, h1, ab->out_a,
		    ab->lo_a, ab->hi_a, plog.ev[2].tsc);
	assert_true(plog.ev[2].tsc >= 1000 && plog.ev[2].tsc < 1000 + n);
}

static void
test_block_grant_release_log(void **state)
{
	static const uint32_t addrs[] = { IPH(198, 18, 0, 10),
					  IPH(198, 18, 0, 11) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, m[40], n, i, free_before;
	const struct nat_subscriber *s;
	struct blocks_ab ab;

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
	assert_int_equal(plog.n, 0); /* a subscriber alone holds nothing */
	n = grant_two_blocks(pool, sub, h1, c.port_lo, m, &ab);

	/* Release block A's mappings: nothing logged until the last. */
	free_before = pool->addrs[ab.blk_a / pool->blocks_per_addr].n_free;
	release_block_a(pool, sub, h1, m, n, &ab);
	assert_int_equal(pool->blocks[ab.blk_a].sub_idx, NAT_NONE);
	assert_int_equal(pool->addrs[ab.blk_a / pool->blocks_per_addr].n_free,
			 free_before + 1);
	assert_int_equal(s->n_blocks, 1);
	assert_int_equal(s->blocks[0], ab.blk_b);
	assert_int_equal(pool->n_blocks_used, 1);
	assert_int_equal(pool->n_subs, 1);
	check_invariants(pool);

	/* Release the rest: block B logged, subscriber gone. */
	for (i = 0; i < n; i++)
		if (m[i] != NAT_NONE)
			nat_map_release(pool, m[i], 5000);
	assert_int_equal(plog.n, 4);
	check_event(&plog.ev[3], NAT_LOG_BLOCK_RELEASE, h1, ab.out_a, ab.lo_b,
		    ab.hi_b, 5000);
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
	n_log = plog.n;
	assert_int_equal(n_log, 2);

	/* The 33rd UDP: the subscriber is at its limit, all UDP ports used. */
	err = NAT_OK;
	assert_int_equal(nat_map_create(pool, sa, ha, rte_cpu_to_be_16(10032),
					IPPROTO_UDP, 2, &err), NAT_NONE);
	assert_int_equal(err, NAT_ERR_PORTS_EXHAUSTED);
	assert_int_equal(pool->n_maps, n_maps);
	assert_int_equal(pool->subs[sa].n_blocks, 2);
	assert_int_equal(plog.n, n_log);
	assert_int_equal(nat_map_lookup_in(pool, ha, rte_cpu_to_be_16(10032),
					   IPPROTO_UDP), NAT_NONE);
	/* TCP still fits in the blocks it holds. */
	map(pool, sa, ha, 10032, IPPROTO_TCP, 3);
	assert_int_equal(pool->subs[sa].n_blocks, 2);
	assert_int_equal(plog.n, n_log);

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
	static const uint32_t addrs[] = { IPH(198, 19, 0, 1),
					  IPH(198, 19, 0, 2) };
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
	n_log = plog.n;

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
	assert_int_equal(plog.n, n_log);
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
 * max_mappings is what the mapping table holds, and every mapping must be
 * indexable: the indexes are sized for it (nat_index.h), so the pool never
 * reports NAT_ERR_MAP_TABLE_FULL with free mappings left. (rte_hash
 * without RTE_HASH_EXTRA_FLAGS_EXT_TABLE could not fill its slots.)
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
		print_error("max_mappings %u: only %u made, then "
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

/* The same for max_subscribers (the subscriber index). */
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
		print_error("max_subscribers %u: only %u made, then "
			    "%s\n", size, made, nat_err_str(last));
	assert_int_equal(made, size);
	assert_int_equal(nat_sub_get(pool, IPN(100, 127, 0, 1), &err),
			 NAT_NONE);
	assert_int_equal(err, NAT_ERR_SUB_TABLE_FULL);
	nat_pool_free(pool);
}

/*
 * H36 (RFC 6888 REQ-4): a port limit per subscriber and protocol; refused
 * mappings change nothing, other subscribers and protocols go on.
 */
static void
test_h36_port_limit(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2), h2 = IPN(100, 64, 0, 3);
	uint32_t s1, s2, m[3], i;

	(void)state;
	c.port_limit[0] = 3;   /* TCP */
	c.port_limit[2] = 1;   /* ICMP; UDP unlimited */
	pool = make_pool(&c);
	s1 = get_sub(pool, h1);
	for (i = 0; i < 3; i++)
		m[i] = map(pool, s1, h1, (uint16_t)(1000 + i), IPPROTO_TCP, 0);
	map_refused(pool, s1, h1, 1003, IPPROTO_TCP, 0, NAT_ERR_PORT_LIMIT);
	for (i = 0; i < 100; i++)
		map(pool, s1, h1, (uint16_t)(2000 + i), IPPROTO_UDP, 0);
	map(pool, s1, h1, 7, IPPROTO_ICMP, 0);
	map_refused(pool, s1, h1, 8, IPPROTO_ICMP, 0, NAT_ERR_PORT_LIMIT);
	assert_int_equal(pool->subs[s1].n_ports[0], 3);
	assert_int_equal(pool->subs[s1].n_ports[1], 100);
	assert_int_equal(pool->subs[s1].n_ports[2], 1);
	/* Another subscriber has its own count. */
	s2 = get_sub(pool, h2);
	for (i = 0; i < 3; i++)
		map(pool, s2, h2, (uint16_t)(1000 + i), IPPROTO_TCP, 0);
	/* A released port makes room. */
	nat_map_release(pool, m[1], 0);
	assert_int_equal(pool->subs[s1].n_ports[0], 2);
	map(pool, s1, h1, 1003, IPPROTO_TCP, 0);
	map_refused(pool, s1, h1, 1004, IPPROTO_TCP, 0, NAT_ERR_PORT_LIMIT);
	assert_string_equal(nat_err_str(NAT_ERR_PORT_LIMIT),
			    "subscriber port limit");
	check_invariants(pool);
	nat_pool_free(pool);
}

/*
 * H36 (RFC 6888 REQ-4): the mapping creation rate per subscriber, here 5
 * per second (tsc_hz = 1000: one every 200 ms, bursts of 5); refused or
 * failed attempts cost nothing.
 */
static void
test_h36_rate_limit(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2), h2 = IPN(100, 64, 0, 3);
	uint32_t s1, s2, i;
	const uint64_t t0 = 1000000;

	(void)state;
	c.tsc_hz = 1000;
	c.map_rate = 5;
	c.port_limit[0] = 2;
	pool = make_pool(&c);
	s1 = get_sub(pool, h1);
	/* Two TCP, a third refused by the port limit (no token spent). */
	map(pool, s1, h1, 1, IPPROTO_TCP, t0);
	map(pool, s1, h1, 2, IPPROTO_TCP, t0);
	map_refused(pool, s1, h1, 3, IPPROTO_TCP, t0, NAT_ERR_PORT_LIMIT);
	/* Three more make the burst of 5; the 6th is refused. */
	for (i = 0; i < 3; i++)
		map(pool, s1, h1, (uint16_t)(10 + i), IPPROTO_UDP, t0);
	map_refused(pool, s1, h1, 20, IPPROTO_UDP, t0, NAT_ERR_RATE_LIMIT);
	/* Another subscriber is not affected. */
	s2 = get_sub(pool, h2);
	for (i = 0; i < 5; i++)
		map(pool, s2, h2, (uint16_t)(10 + i), IPPROTO_UDP, t0);
	/* One more every 200 ms. */
	map_refused(pool, s1, h1, 20, IPPROTO_UDP, t0 + 199,
		    NAT_ERR_RATE_LIMIT);
	map(pool, s1, h1, 20, IPPROTO_UDP, t0 + 200);
	map_refused(pool, s1, h1, 21, IPPROTO_UDP, t0 + 200,
		    NAT_ERR_RATE_LIMIT);
	map(pool, s1, h1, 21, IPPROTO_UDP, t0 + 400);
	/* After a quiet second, a full burst again, and no more. */
	for (i = 0; i < 5; i++)
		map(pool, s1, h1, (uint16_t)(30 + i), IPPROTO_UDP, t0 + 2000);
	map_refused(pool, s1, h1, 40, IPPROTO_UDP, t0 + 2000,
		    NAT_ERR_RATE_LIMIT);
	assert_string_equal(nat_err_str(NAT_ERR_RATE_LIMIT),
			    "subscriber mapping rate limit");
	check_invariants(pool);
	nat_pool_free(pool);
}

/* ------------------------------------------------------------------ */

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
		cmocka_unit_test(test_h36_port_limit),
		cmocka_unit_test(test_h36_rate_limit),
	};

	return cmocka_run_group_tests_name("pool_blocks", tests,
					   pool_group_setup,
					   pool_group_teardown);
}
