/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the address pool, port-block allocation, subscribers and
 * mappings (lib/nat/nat_pool.c); checklist section A (A2, A3, A4, A5, A7,
 * A8, A9), H36 and the block log of section J.
 *
 * The pool allocates with rte_zmalloc, so the group setup starts an EAL
 * without hugepages, PCI or shared config, under a file prefix of its own.
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
#include <rte_random.h>

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
	/* Policies; zero = off, as in nat_pool_params. */
	bool preserve, parity;
	uint16_t low_lo, low_hi, low_block_size;
	uint64_t tsc_hz;
	uint32_t hold_down, hold_down_max, max_holds;
	uint32_t port_limit[3];
	uint32_t map_rate;
	bool start_empty;
};

/* need() / need_low() calls. */
static uint32_t need_calls, need_low_calls, need_addr;

static void
need_cb(void *arg, uint32_t addr_idx)
{
	(void)arg;
	need_calls++;
	need_addr = addr_idx;
}

static void
need_low_cb(void *arg, uint32_t addr_idx)
{
	(void)arg;
	need_low_calls++;
	need_addr = addr_idx;
}

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
		.port_preservation = c->preserve,
		.port_parity = c->parity,
		.low_lo = c->low_lo,
		.low_hi = c->low_hi,
		.low_block_size = c->low_block_size,
		.tsc_hz = c->tsc_hz,
		.hold_down = c->hold_down,
		.hold_down_max = c->hold_down_max,
		.max_holds = c->max_holds,
		.port_limit = { c->port_limit[0], c->port_limit[1],
				c->port_limit[2] },
		.map_rate = c->map_rate,
		.start_empty = c->start_empty,
	};
	struct nat_pool *pool;

	if (c->start_empty) {
		p.need = need_cb;
		p.need_low = need_low_cb;
	}
	snprintf(name, sizeof(name), "p%u", seq++);
	memset(&logb, 0, sizeof(logb));
	need_calls = need_low_calls = 0;
	need_addr = UINT32_MAX;
	pool = nat_pool_create(name, &p);
	assert_non_null(pool);
	assert_int_equal(pool->blocks_per_addr, nat_blocks_per_addr(&p));
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

/* Is port (host order) of block blk marked used for proto? */
static bool
block_bitmap_bit(const struct nat_pool *pool, uint32_t blk, uint8_t proto,
		 uint16_t port)
{
	uint16_t lo, hi;
	uint32_t off;
	const uint64_t *bm;

	nat_block_range(pool, blk, &lo, &hi);
	off = (uint32_t)(port - lo);
	bm = &pool->bitmap[((size_t)blk * NAT_PROTOS +
			    nat_proto_slot(proto)) * pool->words_per_block];
	return bm[off >> 6] & (1ULL << (off & 63));
}

/* Internal consistency of the gauges against the arrays. */
static void
check_invariants(const struct nat_pool *pool)
{
	uint32_t nblk = pool->p.n_addrs * pool->blocks_per_addr;
	uint32_t i, used = 0, maps = 0, dyn_maps = 0, subs_on_addr = 0;
	uint32_t held = 0, n_held = 0;
	uint64_t bits = 0;

	for (i = 0; i < nblk; i++) {
		if (pool->blocks[i].sub_idx != NAT_NONE) {
			used++;
			/* An owned block holds a mapping or a held port. */
			assert_true(pool->blocks[i].n_used +
				    pool->blocks[i].n_held > 0);
		} else {
			assert_int_equal(pool->blocks[i].n_held, 0);
		}
		n_held += pool->blocks[i].n_held;
	}
	assert_int_equal(used, pool->n_blocks_used);
	for (i = 0; i < pool->p.max_mappings; i++) {
		maps += pool->maps[i].proto != 0;
		dyn_maps += pool->maps[i].proto != 0 &&
			    !(pool->maps[i].flags & NAT_MAP_STATIC);
	}
	assert_int_equal(maps, pool->n_maps);
	for (i = 0; i < pool->p.n_addrs; i++) {
		const struct nat_addr *a = &pool->addrs[i];
		uint32_t k;

		subs_on_addr += a->n_subs;
		assert_true(a->n_free <= pool->n_reg_blocks);
		assert_true(a->n_free_low <= pool->n_low_blocks);
		/* The free stacks and their position index agree. */
		for (k = 0; k < a->n_free; k++) {
			assert_true(a->free_blk[k] < pool->n_reg_blocks);
			assert_int_equal(a->free_pos[a->free_blk[k]], k);
		}
		for (k = 0; k < a->n_free_low; k++) {
			assert_true(a->free_low[k] >= pool->n_reg_blocks);
			assert_int_equal(a->free_pos[a->free_low[k]], k);
		}
	}
	assert_int_equal(subs_on_addr, pool->n_subs);
	if (!pool->p.start_empty) {
		uint32_t free_total = 0;

		for (i = 0; i < pool->p.n_addrs; i++)
			free_total += pool->addrs[i].n_free +
				      pool->addrs[i].n_free_low;
		assert_int_equal(free_total + pool->n_blocks_used, nblk);
	}
	/* Every port marked used is a dynamic mapping or a held port. */
	for (i = 0; i < nblk * NAT_PROTOS * pool->words_per_block; i++)
		bits += (uint64_t)__builtin_popcountll(pool->bitmap[i]);
	for (i = pool->hold_head; i != NAT_NONE; i = pool->holds[i].next)
		held++;
	assert_int_equal(held, pool->n_holds);
	assert_int_equal(n_held, pool->n_holds);
	assert_int_equal(bits, dyn_maps + pool->n_holds);
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

/*
 * The indexes under churn: 200,000 random lookups, creates and releases
 * over 20 subscribers x 100 ports x 3 protocols, the pool's mapping table
 * (4,096) often full; every live mapping is found from both sides, every
 * released one from neither, and the index counts follow the gauges.
 */
static void
test_index_churn(void **state)
{
	enum { SUBS = 20, PORTS = 100, OPS = 200000 };
	static uint32_t ref[SUBS][PORTS][3];
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	uint32_t i, op, live = 0, made = 0, freed = 0, most = 0;
	uint64_t rs = 88172645463325252ULL;

	(void)state;
	c.max_maps = 4096;
	c.max_subs = 64;
	pool = make_pool(&c);
	memset(ref, 0xff, sizeof(ref));
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
				ref[sub][port][pr] = NAT_NONE;
				live--;
				freed++;
				assert_int_equal(nat_map_lookup_out(pool, oa,
								    op_,
								    protos[pr]),
						 NAT_NONE);
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
		if (op % 10000 == 9999) {
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
					has += (&ref[i][0][0])[j] != NAT_NONE;
				assert_int_equal(sidx != NAT_NONE, has != 0);
				if (sidx != NAT_NONE) {
					assert_int_equal(pool->subs[sidx].addr,
							 a);
					assert_int_equal(
						pool->subs[sidx].n_mappings,
						has);
				}
			}
		}
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
/* Port assignment policies                                            */

/* nat_map_create() that must fail with want; nothing may change. */
static void
map_refused(struct nat_pool *pool, uint32_t sub, uint32_t in_addr,
	    uint16_t in_port, uint8_t proto, uint64_t tsc, enum nat_err want)
{
	uint32_t n_maps = pool->n_maps, n_log = logb.n;
	uint16_t n_blocks = pool->subs[sub].n_blocks;
	enum nat_err err = NAT_OK;

	assert_int_equal(nat_map_create(pool, sub, in_addr,
					rte_cpu_to_be_16(in_port), proto, tsc,
					&err), NAT_NONE);
	if (err != want)
		print_error("got \"%s\", want \"%s\"\n", nat_err_str(err),
			    nat_err_str(want));
	assert_int_equal(err, want);
	assert_int_equal(pool->n_maps, n_maps);
	assert_int_equal(pool->subs[sub].n_blocks, n_blocks);
	assert_int_equal(logb.n, n_log);
}

/*
 * Block numbering with low blocks: every block of an address, regular and
 * low, maps its own range back to itself through nat_block_of() and
 * nat_port_block(); ranges do not overlap; low ones lie in the low range.
 */
static void
check_block_numbering(const struct nat_pool *pool)
{
	static uint8_t seen[65536];
	uint32_t ai, b;

	for (ai = 0; ai < pool->p.n_addrs; ai++) {
		memset(seen, 0, sizeof(seen));
		for (b = 0; b < pool->blocks_per_addr; b++) {
			uint32_t blk = ai * pool->blocks_per_addr + b;
			uint16_t lo, hi;
			uint32_t port;

			nat_block_range(pool, blk, &lo, &hi);
			assert_true(lo <= hi);
			assert_int_equal(nat_block_is_low(pool, blk),
					 b >= pool->n_reg_blocks);
			if (b >= pool->n_reg_blocks) {
				assert_true(lo >= pool->p.low_lo &&
					    hi <= pool->p.low_hi);
				assert_int_equal(hi - lo + 1,
						 pool->low_block_size);
			} else {
				assert_true(lo >= pool->p.port_lo &&
					    hi <= pool->p.port_hi);
				assert_int_equal(hi - lo + 1,
						 pool->p.block_size);
			}
			for (port = lo; port <= hi; port++) {
				assert_false(seen[port]);
				seen[port] = 1;
				assert_int_equal(nat_block_of(pool, ai,
							(uint16_t)port), blk);
				assert_int_equal(nat_port_block(pool, ai,
							(uint16_t)port), blk);
			}
		}
		/* Ports in no block: nat_port_block() says so. */
		for (b = 0; b < 65536; b++)
			if (!seen[b])
				assert_int_equal(nat_port_block(pool, ai,
							(uint16_t)b), NAT_NONE);
	}
}

/*
 * A3 (RFC 4787 REQ-3a): inside ports 0-1023 map into the low range,
 * 1024-65535 into the regular one; low blocks are ordinary blocks of the
 * paired address (granted, logged, released), numbered after the regular
 * ones.
 */
static void
test_a3_low_ports(void **state)
{
	static const uint32_t one_addr[] = { IPH(203, 0, 113, 7) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, i, m[64], n = 0, low_blocks = 0;
	const struct nat_subscriber *s;

	(void)state;
	c.low_lo = 1;
	c.low_hi = 1023;
	pool = make_pool(&c);
	/* 64-port low blocks: 15 of them in 1-1023 (1-960), after the
	 * 1008 regular ones.
	 */
	assert_int_equal(pool->n_reg_blocks, 1008);
	assert_int_equal(pool->n_low_blocks, 15);
	assert_int_equal(pool->low_block_size, 64);
	assert_int_equal(pool->blocks_per_addr, 1008 + 15);
	for (i = 0; i < 4; i++)
		assert_int_equal(pool->addrs[i].n_free_low, 15);
	check_block_numbering(pool);

	sub = get_sub(pool, h1);
	s = &pool->subs[sub];
	for (i = 0; i < 30; i++) {
		/* Low inside ports 0..1023, then high ones, both protos. */
		uint16_t in = (uint16_t)(i < 20 ? i * 53 : 1024 + i * 997);
		uint8_t proto = i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
		uint16_t out;

		m[n] = map(pool, sub, h1, in, proto, 10 + i);
		out = out_port_h(pool, m[n]);
		if (in < 1024)
			assert_true(out >= 1 && out <= 960);
		else
			assert_true(out >= 1024);
		/* Paired address for both kinds. */
		assert_int_equal(pool->maps[m[n]].out_addr,
				 pool->addrs[s->addr_idx].addr);
		assert_int_equal(nat_map_lookup_out(pool,
						    pool->maps[m[n]].out_addr,
						    pool->maps[m[n]].out_port,
						    proto), m[n]);
		n++;
	}
	/* ICMP identifiers are not ports: regular blocks. */
	m[n] = map(pool, sub, h1, 7, IPPROTO_ICMP, 50);
	assert_true(out_port_h(pool, m[n]) >= 1024);
	n++;
	/* Low blocks were granted and logged like regular ones. */
	for (i = 0; i < s->n_blocks; i++)
		low_blocks += nat_block_is_low(pool, s->blocks[i]);
	assert_int_equal(low_blocks, 1); /* 20 low mappings fit in one */
	assert_int_equal(pool->addrs[s->addr_idx].n_free_low, 14);
	assert_int_equal(logb.n, s->n_blocks);
	for (i = 0; i < logb.n; i++) {
		assert_int_equal(logb.ev[i].type, NAT_LOG_BLOCK_ALLOC);
		assert_int_equal(logb.ev[i].out_addr,
				 pool->addrs[s->addr_idx].addr);
		if (logb.ev[i].port_lo < 1024)
			assert_true(logb.ev[i].port_hi <= 960);
	}
	check_invariants(pool);
	/* Released with their last mapping, back to the low stack. */
	for (i = 0; i < n; i++)
		nat_map_release(pool, m[i], 100);
	for (i = 0; i < 4; i++)
		assert_int_equal(pool->addrs[i].n_free_low, 15);
	assert_int_equal(pool->n_subs, 0);
	assert_int_equal(pool->n_blocks_used, 0);
	/* One RELEASE for each ALLOC. */
	{
		uint32_t n_alloc = 0;

		for (i = 0; i < logb.n; i++)
			n_alloc += logb.ev[i].type == NAT_LOG_BLOCK_ALLOC;
		assert_int_equal(2 * n_alloc, logb.n);
	}
	check_invariants(pool);
	nat_pool_free(pool);

	/* Low blocks are scarce: 15 per address; the 16th subscriber of one
	 * address gets no low port, but regular ports still.
	 */
	c.addrs = one_addr;
	c.n_addrs = 1;
	pool = make_pool(&c);
	for (i = 0; i < 15; i++) {
		uint32_t a = sub_addr(i + 1);

		map(pool, get_sub(pool, a), a, 80, IPPROTO_TCP, 0);
	}
	sub = get_sub(pool, sub_addr(16));
	map_refused(pool, sub, sub_addr(16), 80, IPPROTO_TCP, 0,
		    NAT_ERR_POOL_EXHAUSTED);
	assert_true(out_port_h(pool, map(pool, sub, sub_addr(16), 8080,
					 IPPROTO_TCP, 0)) >= 1024);
	check_invariants(pool);
	nat_pool_free(pool);

	/* Low blocks count against max_blocks_per_sub. */
	c.max_blocks = 1;
	pool = make_pool(&c);
	sub = get_sub(pool, h1);
	map(pool, sub, h1, 22, IPPROTO_TCP, 0);
	map_refused(pool, sub, h1, 40000, IPPROTO_TCP, 0,
		    NAT_ERR_PORTS_EXHAUSTED);
	nat_pool_free(pool);

	/* A low range smaller than a block: one block of it all. */
	c = default_cfg();
	c.low_lo = 600;
	c.low_hi = 619;
	pool = make_pool(&c);
	assert_int_equal(pool->n_low_blocks, 1);
	assert_int_equal(pool->low_block_size, 20);
	check_block_numbering(pool);
	sub = get_sub(pool, h1);
	for (i = 0; i < 20; i++) {
		uint16_t out = out_port_h(pool, map(pool, sub, h1,
						    (uint16_t)(100 + i),
						    IPPROTO_UDP, 0));

		assert_true(out >= 600 && out <= 619);
	}
	map_refused(pool, sub, h1, 200, IPPROTO_UDP, 0,
		    NAT_ERR_POOL_EXHAUSTED); /* its only low block is full */
	check_invariants(pool);
	nat_pool_free(pool);

	/* Without a low range, low inside ports map into pool.ports. */
	c = default_cfg();
	pool = make_pool(&c);
	assert_int_equal(pool->n_low_blocks, 0);
	sub = get_sub(pool, h1);
	assert_true(out_port_h(pool, map(pool, sub, h1, 80, IPPROTO_TCP, 0)) >=
		    1024);
	assert_int_equal(nat_port_block(pool, 0, 80), NAT_NONE);
	nat_pool_free(pool);

	/* Bad low ranges are refused. */
	{
		struct nat_pool_params p = {
			.addrs = four_addrs, .n_addrs = 4, .port_lo = 1024,
			.port_hi = 65535, .block_size = 64,
			.max_blocks_per_sub = 8, .max_subscribers = 8,
			.max_mappings = 8, .socket = SOCKET_ID_ANY,
			.low_lo = 0, .low_hi = 1023,
		};

		assert_null(nat_pool_create("bad0", &p));   /* port 0 */
		p.low_lo = 1000;
		p.low_hi = 2000;
		assert_null(nat_pool_create("bad1", &p));   /* overlap */
		p.low_lo = 500;
		p.low_hi = 400;
		assert_null(nat_pool_create("bad2", &p));   /* inverted */
		p.low_lo = 1;
		p.low_hi = 10;
		p.low_block_size = 11;
		assert_null(nat_pool_create("bad3", &p));   /* no block */
	}
}

/*
 * A3 with several pools sharing the addresses (start_empty): low blocks
 * come and go like regular ones, need_low() asks for them.
 */
static void
test_a3_low_blocks_shared(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, ai, blk, reg, low;

	(void)state;
	c.low_lo = 1;
	c.low_hi = 1023;
	c.start_empty = true;
	pool = make_pool(&c);
	sub = get_sub(pool, h1);
	ai = pool->subs[sub].addr_idx;
	assert_int_equal(pool->addrs[ai].n_free, 0);
	assert_int_equal(pool->addrs[ai].n_free_low, 0);
	/* Nothing local: a regular need, then a low one. */
	map_refused(pool, sub, h1, 5000, IPPROTO_UDP, 0,
		    NAT_ERR_POOL_EXHAUSTED);
	assert_int_equal(need_calls, 1);
	assert_int_equal(need_low_calls, 0);
	assert_int_equal(need_addr, ai);
	map_refused(pool, sub, h1, 53, IPPROTO_UDP, 0, NAT_ERR_POOL_EXHAUSTED);
	assert_int_equal(need_low_calls, 1);
	assert_int_equal(need_calls, 1);

	/* A regular block does not serve a low port. */
	reg = ai * pool->blocks_per_addr + 17;
	low = ai * pool->blocks_per_addr + pool->n_reg_blocks + 3;
	nat_pool_block_give(pool, reg);
	assert_int_equal(pool->addrs[ai].n_free, 1);
	map_refused(pool, sub, h1, 53, IPPROTO_UDP, 0, NAT_ERR_POOL_EXHAUSTED);
	nat_pool_block_give(pool, low);
	assert_int_equal(pool->addrs[ai].n_free_low, 1);
	blk = nat_block_of(pool, ai, out_port_h(pool, map(pool, sub, h1, 53,
							  IPPROTO_UDP, 0)));
	assert_int_equal(blk, low);
	check_invariants(pool);

	/* Take: regular and low separately, only free ones. */
	assert_int_equal(nat_pool_low_block_take(pool, ai, 0), NAT_NONE);
	assert_int_equal(nat_pool_block_take(pool, ai, 0), reg);
	assert_int_equal(nat_pool_block_take(pool, ai, 0), NAT_NONE);
	nat_pool_block_give(pool, low + 1);
	assert_int_equal(nat_pool_low_block_take(pool, ai, 1), NAT_NONE);
	assert_int_equal(nat_pool_low_block_take(pool, ai, 0), low + 1);
	check_invariants(pool);
	nat_pool_free(pool);
}

/*
 * A4 (RFC 4787 REQ-4): port parity preserved (5000 -> even, 5001 -> odd),
 * for every protocol; when no port of that parity is left and no block
 * can be had, the other parity rather than no mapping.
 */
static void
test_a4_parity(void **state)
{
	static const uint32_t one_addr[] = { IPH(203, 0, 113, 7) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, i, m;
	uint16_t out[4];

	(void)state;
	c.parity = true;
	c.max_blocks = 16;
	pool = make_pool(&c);
	sub = get_sub(pool, h1);
	for (i = 0; i < 600; i++) {
		uint16_t in = (uint16_t)(5000 + (uint16_t)rte_rand() % 60000);

		if (nat_map_lookup_in(pool, h1, rte_cpu_to_be_16(in),
				      protos[i % 3]) != NAT_NONE)
			continue;
		m = map(pool, sub, h1, in, protos[i % 3], 0);
		assert_int_equal(out_port_h(pool, m) & 1, in & 1);
	}
	m = map(pool, sub, h1, 5000, IPPROTO_UDP, 0);
	assert_int_equal(out_port_h(pool, m) & 1, 0);
	m = map(pool, sub, h1, 5001, IPPROTO_UDP, 0);
	assert_int_equal(out_port_h(pool, m) & 1, 1);
	assert_int_equal(pool->parity_missed, 0);
	check_invariants(pool);
	nat_pool_free(pool);

	/* One block of 4 ports (2 even, 2 odd) and no more. */
	c.addrs = one_addr;
	c.n_addrs = 1;
	c.port_lo = 1024;
	c.port_hi = 1031;
	c.block_size = 4;
	c.max_blocks = 1;
	pool = make_pool(&c);
	sub = get_sub(pool, h1);
	for (i = 0; i < 4; i++)
		out[i] = out_port_h(pool, map(pool, sub, h1,
					      (uint16_t)(6000 + 2 * i),
					      IPPROTO_TCP, 0));
	/* Two even ones, then the odd ones, counted as missed. */
	assert_int_equal(out[0] & 1, 0);
	assert_int_equal(out[1] & 1, 0);
	assert_int_equal(out[2] & 1, 1);
	assert_int_equal(out[3] & 1, 1);
	assert_int_equal(pool->parity_missed, 2);
	assert_int_equal(pool->subs[sub].n_blocks, 1);
	map_refused(pool, sub, h1, 6100, IPPROTO_TCP, 0,
		    NAT_ERR_PORTS_EXHAUSTED);
	check_invariants(pool);
	nat_pool_free(pool);

	/* Parity off: both parities for even inside ports. */
	c.parity = false;
	pool = make_pool(&c);
	sub = get_sub(pool, h1);
	for (i = 0; i < 4; i++)
		map(pool, sub, h1, (uint16_t)(6000 + 2 * i), IPPROTO_TCP, 0);
	assert_int_equal(pool->parity_missed, 0);
	nat_pool_free(pool);
}

/*
 * Port preservation (RFC 4787 sec. 4.2.1, RFC 8512): the inside port when
 * it is free in the subscriber's blocks, or in the block it is granted
 * anyway; never a block just for it (A9: efficient port use).
 */
static void
test_port_preservation(void **state)
{
	static const uint32_t one_addr[] = { IPH(203, 0, 113, 7) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2), h2 = IPN(100, 64, 0, 3);
	uint32_t s1, s2, m, blk;
	uint16_t lo, hi, p;

	(void)state;
	c.addrs = one_addr;
	c.n_addrs = 1;
	c.preserve = true;
	pool = make_pool(&c);
	s1 = get_sub(pool, h1);
	/* First mapping: the block holding 40010 is the one granted. */
	m = map(pool, s1, h1, 40010, IPPROTO_UDP, 7);
	assert_int_equal(out_port_h(pool, m), 40010);
	assert_int_equal(pool->subs[s1].n_blocks, 1);
	blk = pool->subs[s1].blocks[0];
	nat_block_range(pool, blk, &lo, &hi);
	assert_true(lo <= 40010 && 40010 <= hi);
	assert_int_equal(logb.n, 1);
	assert_int_equal(logb.ev[0].port_lo, lo);
	/* In the same block: preserved. Other protocol: preserved too. */
	assert_int_equal(out_port_h(pool, map(pool, s1, h1, 40011,
					      IPPROTO_UDP, 7)), 40011);
	assert_int_equal(out_port_h(pool, map(pool, s1, h1, 40010,
					      IPPROTO_TCP, 7)), 40010);
	/* In another block while this one has room: not preserved, no new
	 * block.
	 */
	p = out_port_h(pool, map(pool, s1, h1, 50000, IPPROTO_UDP, 7));
	assert_int_not_equal(p, 50000);
	assert_true(p >= lo && p <= hi);
	assert_int_equal(pool->subs[s1].n_blocks, 1);
	/* Another subscriber with the same inside port: the block is
	 * taken, so another port from another block.
	 */
	s2 = get_sub(pool, h2);
	p = out_port_h(pool, map(pool, s2, h2, 40010, IPPROTO_UDP, 7));
	assert_int_not_equal(p, 40010);
	assert_int_equal(pool->ports_preserved, 3);
	check_invariants(pool);
	nat_pool_free(pool);

	/* Address-dependent mapping: the second mapping of 40010 cannot
	 * have it again.
	 */
	c.eim = false;
	pool = make_pool(&c);
	s1 = get_sub(pool, h1);
	assert_int_equal(out_port_h(pool, map(pool, s1, h1, 40010,
					      IPPROTO_UDP, 7)), 40010);
	assert_int_not_equal(out_port_h(pool, map(pool, s1, h1, 40010,
						  IPPROTO_UDP, 7)), 40010);
	nat_pool_free(pool);

	/* With low ports: 80 stays 80. */
	c.eim = true;
	c.low_lo = 1;
	c.low_hi = 1023;
	pool = make_pool(&c);
	s1 = get_sub(pool, h1);
	assert_int_equal(out_port_h(pool, map(pool, s1, h1, 80, IPPROTO_TCP,
					      7)), 80);
	assert_int_equal(out_port_h(pool, map(pool, s1, h1, 81, IPPROTO_TCP,
					      7)), 81);
	check_invariants(pool);
	nat_pool_free(pool);

	/* Off: the first port is almost never the inside one. */
	c = default_cfg();
	c.addrs = one_addr;
	c.n_addrs = 1;
	pool = make_pool(&c);
	s1 = get_sub(pool, h1);
	{
		uint32_t i, same = 0;

		for (i = 0; i < 20; i++)
			same += out_port_h(pool, map(pool, s1, h1,
						     (uint16_t)(40000 + i),
						     IPPROTO_UDP, 7)) ==
				40000 + i;
		assert_true(same < 3);
	}
	assert_int_equal(pool->ports_preserved < 3, true);
	nat_pool_free(pool);
}

/*
 * A9 (RFC 6888 REQ-13..15) with the policies on: preservation costs no
 * blocks (1000 random inside ports fill exactly 4 blocks of 256), and with
 * parity (preservation off) ports are still hard to guess.
 */
static void
test_a9_policies(void **state)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	uint32_t k, i, seq_up = 0, longest = 0;

	(void)state;
	c.block_size = 256;
	c.max_blocks = 8;
	c.preserve = true;
	pool = make_pool(&c);
	for (k = 0; k < 3; k++) {
		const uint32_t h = sub_addr(k + 1);
		uint32_t s = get_sub(pool, h), n = 0;

		while (n < 1000) {
			uint16_t in = (uint16_t)(1024 + rte_rand() % 64512);

			if (nat_map_lookup_in(pool, h, rte_cpu_to_be_16(in),
					      IPPROTO_UDP) != NAT_NONE)
				continue;
			map(pool, s, h, in, IPPROTO_UDP, 0);
			n++;
		}
		assert_int_equal(pool->subs[s].n_blocks, 4);
	}
	assert_true(pool->ports_preserved >= 3);
	check_invariants(pool);
	nat_pool_free(pool);

	c.preserve = false;
	c.parity = true;
	pool = make_pool(&c);
	for (k = 0; k < 5; k++) {
		const uint32_t h = sub_addr(k + 1);
		uint32_t s = get_sub(pool, h), run = 0;
		uint16_t prev = 0;

		for (i = 0; i < 1000; i++) {
			uint16_t p = out_port_h(pool, map(pool, s, h,
						(uint16_t)(2000 + i),
						IPPROTO_UDP, 0));

			if (i > 0 && p == prev + 1) {
				seq_up++;
				if (++run > longest)
					longest = run;
			} else {
				run = 0;
			}
			prev = p;
		}
		/* Parity may cost a block, never more. */
		assert_true(pool->subs[s].n_blocks <= 5);
	}
	print_message("parity on: %u of 4995 consecutive pairs sequential, "
		      "longest run %u\n", seq_up, longest);
	assert_true(seq_up < 4995 / 20);
	assert_true(longest < 16);
	assert_int_equal(pool->parity_missed, 0);
	nat_pool_free(pool);
}

/*
 * A8 (RFC 6888 REQ-8): a released port is not handed out again for
 * hold_down seconds; its block stays with the subscriber meanwhile (and is
 * released, logged, when the last hold ends); hold_down_max per subscriber
 * and the pool's hold table end the oldest holds early.
 * The clock: tsc_hz = 1000, so tsc values are milliseconds.
 */
static void
test_a8_hold_down(void **state)
{
	static const uint32_t one_addr[] = { IPH(203, 0, 113, 7) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2), h2 = IPN(100, 64, 0, 3);
	uint32_t sub, s2, m[16], i, held_port, blk;
	uint16_t lo, hi;

	(void)state;
	c.addrs = one_addr;
	c.n_addrs = 1;
	c.port_lo = 1024;
	c.port_hi = 1039;   /* one block of 16 ports */
	c.block_size = 16;
	c.max_blocks = 1;
	c.tsc_hz = 1000;
	c.hold_down = 120;
	pool = make_pool(&c);
	assert_int_equal(pool->hold_ticks, 120000);
	sub = get_sub(pool, h1);
	for (i = 0; i < 16; i++)
		m[i] = map(pool, sub, h1, (uint16_t)(5000 + i), IPPROTO_UDP,
			   1000);
	held_port = out_port_h(pool, m[3]);
	nat_map_release(pool, m[3], 1000);
	assert_int_equal(pool->n_holds, 1);
	assert_int_equal(pool->subs[sub].n_held, 1);
	check_invariants(pool);
	/* Held: the 16th UDP mapping has no port for 120 s... */
	map_refused(pool, sub, h1, 6000, IPPROTO_UDP, 1000,
		    NAT_ERR_PORTS_EXHAUSTED);
	map_refused(pool, sub, h1, 6000, IPPROTO_UDP, 1000 + 119999,
		    NAT_ERR_PORTS_EXHAUSTED);
	/* ...the hold is per protocol: TCP may use the port. */
	map(pool, sub, h1, 6000, IPPROTO_TCP, 2000);
	/* ...then it is free again (ended lazily by nat_map_create). */
	m[3] = map(pool, sub, h1, 6000, IPPROTO_UDP, 1000 + 120000);
	assert_int_equal(out_port_h(pool, m[3]), held_port);
	assert_int_equal(pool->n_holds, 0);
	check_invariants(pool);
	nat_pool_free(pool);

	/* The block stays with the subscriber while a port is held, and so
	 * does the subscriber; nobody else gets the block. The block is
	 * released (and logged) when the last hold ends, by nat_pool_tick.
	 */
	pool = make_pool(&c);
	sub = get_sub(pool, h1);
	m[0] = map(pool, sub, h1, 5000, IPPROTO_UDP, 10);
	blk = pool->subs[sub].blocks[0];
	nat_block_range(pool, blk, &lo, &hi);
	m[1] = map(pool, sub, h1, 5001, IPPROTO_TCP, 10);
	nat_map_release(pool, m[0], 20);
	nat_map_release(pool, m[1], 30);
	assert_int_equal(pool->n_maps, 0);
	assert_int_equal(pool->n_holds, 2);
	assert_int_equal(pool->blocks[blk].sub_idx, sub);
	assert_int_equal(pool->blocks[blk].n_held, 2);
	assert_int_equal(nat_sub_lookup(pool, h1), sub);
	assert_int_equal(logb.n, 1); /* the ALLOC only */
	check_invariants(pool);
	s2 = get_sub(pool, h2);
	map_refused(pool, s2, h2, 5000, IPPROTO_UDP, 100,
		    NAT_ERR_POOL_EXHAUSTED);
	nat_sub_maybe_free(pool, s2);
	/* Not yet due. */
	assert_int_equal(nat_pool_tick(pool, 20 + 119999, 0), 0);
	/* The first ends; the block stays for the second. */
	assert_int_equal(nat_pool_tick(pool, 20 + 120000, 0), 1);
	assert_int_equal(pool->blocks[blk].sub_idx, sub);
	assert_int_equal(logb.n, 1);
	/* The budget bounds the work. */
	assert_int_equal(nat_pool_tick(pool, 1000000, 0 + 1), 1);
	assert_int_equal(pool->n_holds, 0);
	assert_int_equal(pool->blocks[blk].sub_idx, NAT_NONE);
	assert_int_equal(logb.n, 2);
	check_event(&logb.ev[1], NAT_LOG_BLOCK_RELEASE, h1,
		    pool->addrs[0].addr, lo, hi, 1000000);
	assert_int_equal(nat_sub_lookup(pool, h1), NAT_NONE);
	assert_int_equal(pool->n_subs, 0);
	/* Now the other subscriber gets it. */
	s2 = get_sub(pool, h2);
	map(pool, s2, h2, 5000, IPPROTO_UDP, 1000001);
	check_invariants(pool);
	nat_pool_free(pool);

	/* hold_down_max = 2: the third release ends the first hold. */
	c.port_hi = 1087;
	c.max_blocks = 4;
	c.hold_down_max = 2;
	pool = make_pool(&c);
	sub = get_sub(pool, h1);
	for (i = 0; i < 3; i++)
		m[i] = map(pool, sub, h1, (uint16_t)(5000 + i), IPPROTO_UDP, 0);
	held_port = out_port_h(pool, m[0]);
	blk = nat_block_of(pool, 0, (uint16_t)held_port);
	for (i = 0; i < 3; i++)
		nat_map_release(pool, m[i], 10 + i);
	assert_int_equal(pool->subs[sub].n_held, 2);
	assert_int_equal(pool->n_holds, 2);
	assert_int_equal(pool->holds_ended_early, 1);
	assert_false(block_bitmap_bit(pool, blk, IPPROTO_UDP,
				      (uint16_t)held_port));
	/* The others stay held, in order. */
	assert_int_equal(pool->holds[pool->hold_head].until, 11 + 120000);
	assert_int_equal(pool->holds[pool->hold_tail].until, 12 + 120000);
	check_invariants(pool);
	nat_pool_free(pool);

	/* max_holds = 3 for the pool: the pool's oldest hold ends early,
	 * whoever it belongs to.
	 */
	c.hold_down_max = 0;
	c.max_holds = 3;
	pool = make_pool(&c);
	sub = get_sub(pool, h1);
	s2 = get_sub(pool, h2);
	m[0] = map(pool, sub, h1, 5000, IPPROTO_UDP, 0);
	m[1] = map(pool, s2, h2, 5000, IPPROTO_UDP, 0);
	m[2] = map(pool, s2, h2, 5001, IPPROTO_UDP, 0);
	m[3] = map(pool, s2, h2, 5002, IPPROTO_UDP, 0);
	for (i = 0; i < 4; i++)
		nat_map_release(pool, m[i], 10 + i);
	assert_int_equal(pool->n_holds, 3);
	assert_int_equal(pool->holds_ended_early, 1);
	/* h1's only hold ended: its block and record went with it. */
	assert_int_equal(nat_sub_lookup(pool, h1), NAT_NONE);
	assert_int_equal(pool->subs[s2].n_held, 3);
	check_invariants(pool);
	nat_pool_free(pool);

	/* A clock rate is needed. */
	{
		struct nat_pool_params p = {
			.addrs = four_addrs, .n_addrs = 4, .port_lo = 1024,
			.port_hi = 65535, .block_size = 64,
			.max_blocks_per_sub = 8, .max_subscribers = 8,
			.max_mappings = 8, .socket = SOCKET_ID_ANY,
			.hold_down = 120,
		};

		assert_null(nat_pool_create("nohz", &p));
		p.hold_down = 0;
		p.map_rate = 10;
		assert_null(nat_pool_create("nohz2", &p));
	}
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
		cmocka_unit_test(test_addr_index),
		cmocka_unit_test(test_index_churn),
		cmocka_unit_test(test_lookup_round_trip),
		cmocka_unit_test(test_eim_reuse),
		cmocka_unit_test(test_static_mapping),
		cmocka_unit_test(test_noncontiguous_pool),
		cmocka_unit_test(test_subscriber_freed),
		cmocka_unit_test(test_ports_hard_to_guess),
		cmocka_unit_test(test_a3_low_ports),
		cmocka_unit_test(test_a3_low_blocks_shared),
		cmocka_unit_test(test_a4_parity),
		cmocka_unit_test(test_port_preservation),
		cmocka_unit_test(test_a9_policies),
		cmocka_unit_test(test_a8_hold_down),
		cmocka_unit_test(test_h36_port_limit),
		cmocka_unit_test(test_h36_rate_limit),
	};

	return cmocka_run_group_tests_name("pool", tests, group_setup,
					   group_teardown);
}
