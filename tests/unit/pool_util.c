/* SPDX-License-Identifier: BSD-3-Clause
 * What the pool's unit tests share (pool_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "pool_util.h"
#include "ut_eal.h"

const uint8_t protos[3] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };

struct logbuf plog;

static void
log_cb(void *arg, const struct nat_log_event *ev)
{
	struct logbuf *lb = arg;

	assert_true(lb->n < LOG_MAX);
	lb->ev[lb->n++] = *ev;
}

uint32_t need_calls, need_low_calls, need_addr;

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

struct nat_pool *
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
		.log_arg = &plog,
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
	memset(&plog, 0, sizeof(plog));
	need_calls = need_low_calls = 0;
	need_addr = UINT32_MAX;
	pool = nat_pool_create(name, &p);
	assert_non_null(pool);
	assert_int_equal(pool->blocks_per_addr, nat_blocks_per_addr(&p));
	return pool;
}

const uint32_t four_addrs[4] = {
	IPH(203, 0, 113, 0), IPH(203, 0, 113, 1),
	IPH(203, 0, 113, 2), IPH(203, 0, 113, 3),
};

struct pool_cfg
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

uint32_t
sub_addr(uint32_t i)
{
	return IPN(100, 64, (i >> 8) & 0xff, i & 0xff);
}

uint32_t
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
uint32_t
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

uint16_t
out_port_h(const struct nat_pool *pool, uint32_t m)
{
	return rte_be_to_cpu_16(pool->maps[m].out_port);
}

/* The block of the subscriber that holds port (host order) of its
 * address, or NAT_NONE.
 */
uint32_t
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
bool
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
void
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


void
map_refused(struct nat_pool *pool, uint32_t sub, uint32_t in_addr,
	    uint16_t in_port, uint8_t proto, uint64_t tsc, enum nat_err want)
{
	uint32_t n_maps = pool->n_maps, n_log = plog.n;
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
	assert_int_equal(plog.n, n_log);
}

void
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

int
pool_group_setup(void **state)
{
	(void)state;
	return ut_eal_start("ut_pool");
}

int
pool_group_teardown(void **state)
{
	return ut_eal_group_teardown(state);
}
