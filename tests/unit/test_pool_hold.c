/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the hold-down of released ports (checklist A8, RFC 6888
 * REQ-8; lib/nat/nat_hold.c and nat_map.c). Shared helpers: pool_util.h.
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

/* The clock: tsc_hz = 1000, so tsc values are milliseconds. One block of
 * 16 ports, one block a subscriber, 120 s of hold-down.
 */
static struct pool_cfg
hold_cfg(void)
{
	static const uint32_t one_addr[] = { IPH(203, 0, 113, 7) };
	struct pool_cfg c = default_cfg();

	c.addrs = one_addr;
	c.n_addrs = 1;
	c.port_lo = 1024;
	c.port_hi = 1039;   /* one block of 16 ports */
	c.block_size = 16;
	c.max_blocks = 1;
	c.tsc_hz = 1000;
	c.hold_down = 120;
	return c;
}

/* A held port is not handed out for 120 s (per protocol), then is. */
static void
hold_port(void)
{
	struct pool_cfg c = hold_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, m[16], i, held_port;

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
}

/* The block stays with the subscriber while a port is held, and so
 * does the subscriber; nobody else gets the block. The block is
 * released (and logged) when the last hold ends, by nat_pool_tick.
 */
static void
hold_keeps_block(void)
{
	struct pool_cfg c = hold_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2), h2 = IPN(100, 64, 0, 3);
	uint32_t sub, s2, m[2], blk;
	uint16_t lo, hi;

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
	assert_int_equal(plog.n, 1); /* the ALLOC only */
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
	assert_int_equal(plog.n, 1);
	/* The budget bounds the work. */
	assert_int_equal(nat_pool_tick(pool, 1000000, 0 + 1), 1);
	assert_int_equal(pool->n_holds, 0);
	assert_int_equal(pool->blocks[blk].sub_idx, NAT_NONE);
	assert_int_equal(plog.n, 2);
	check_event(&plog.ev[1], NAT_LOG_BLOCK_RELEASE, h1,
		    pool->addrs[0].addr, lo, hi, 1000000);
	assert_int_equal(nat_sub_lookup(pool, h1), NAT_NONE);
	assert_int_equal(pool->n_subs, 0);
	/* Now the other subscriber gets it. */
	s2 = get_sub(pool, h2);
	map(pool, s2, h2, 5000, IPPROTO_UDP, 1000001);
	check_invariants(pool);
	nat_pool_free(pool);
}

/* Holds that end early: the subscriber's (hold_down_max), the pool's
 * (max_holds).
 */
static void
holds_ended_early(void)
{
	struct pool_cfg c = hold_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2), h2 = IPN(100, 64, 0, 3);
	uint32_t sub, s2, m[4], i, held_port, blk;

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
}

/* A clock rate is needed. */
static void
hold_needs_clock(void)
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

/*
 * A8 (RFC 6888 REQ-8): a released port is not handed out again for
 * hold_down seconds; its block stays with the subscriber meanwhile (and is
 * released, logged, when the last hold ends); hold_down_max per subscriber
 * and the pool's hold table end the oldest holds early.
 */
static void
test_a8_hold_down(void **state)
{
	(void)state;
	hold_port();
	hold_keeps_block();
	holds_ended_early();
	hold_needs_clock();
}

/* ------------------------------------------------------------------ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a8_hold_down),
	};

	return cmocka_run_group_tests_name("pool_hold", tests,
					   pool_group_setup,
					   pool_group_teardown);
}
