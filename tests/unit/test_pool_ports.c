/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the pool's port assignment policies (lib/nat/nat_map.c):
 * low ports (checklist A3), parity (A4), port preservation, and efficient,
 * hard to guess port use, with the policies off and on (A9). Shared
 * helpers: pool_util.h.
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
#include <rte_random.h>

#include "nat_pool.h"
#include "pool_util.h"

/* ------------------------------------------------------------------ */
/* Port assignment policies                                            */

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

/* Released with their last mapping, back to the low stack: one RELEASE
 * for each ALLOC.
 */
static void
low_ports_released(struct nat_pool *pool, const uint32_t *m, uint32_t n)
{
	uint32_t i, n_alloc = 0;

	for (i = 0; i < n; i++)
		nat_map_release(pool, m[i], 100);
	for (i = 0; i < 4; i++)
		assert_int_equal(pool->addrs[i].n_free_low, 15);
	assert_int_equal(pool->n_subs, 0);
	assert_int_equal(pool->n_blocks_used, 0);
	for (i = 0; i < plog.n; i++)
		n_alloc += plog.ev[i].type == NAT_LOG_BLOCK_ALLOC;
	assert_int_equal(2 * n_alloc, plog.n);
	check_invariants(pool);
}

/* A3 on four addresses: low and high inside ports, both protocols, and
 * ICMP; the low blocks granted, logged and released like regular ones.
 */
static void
low_ports_mapped(void)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, i, m[64], n = 0, low_blocks = 0;
	const struct nat_subscriber *s;

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
	assert_int_equal(plog.n, s->n_blocks);
	for (i = 0; i < plog.n; i++) {
		assert_int_equal(plog.ev[i].type, NAT_LOG_BLOCK_ALLOC);
		assert_int_equal(plog.ev[i].out_addr,
				 pool->addrs[s->addr_idx].addr);
		if (plog.ev[i].port_lo < 1024)
			assert_true(plog.ev[i].port_hi <= 960);
	}
	check_invariants(pool);
	low_ports_released(pool, m, n);
	nat_pool_free(pool);
}

/* Low blocks are scarce: 15 per address; the 16th subscriber of one
 * address gets no low port, but regular ports still. And low blocks
 * count against max_blocks_per_sub.
 */
static void
low_blocks_scarce(void)
{
	static const uint32_t one_addr[] = { IPH(203, 0, 113, 7) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, i;

	c.low_lo = 1;
	c.low_hi = 1023;
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
}

/* A low range smaller than a block: one block of it all. Without a low
 * range, low inside ports map into pool.ports.
 */
static void
low_range_small_or_none(void)
{
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t sub, i;

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
}

/* Bad low ranges are refused. */
static void
low_ranges_refused(void)
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

/*
 * A3 (RFC 4787 REQ-3a): inside ports 0-1023 map into the low range,
 * 1024-65535 into the regular one; low blocks are ordinary blocks of the
 * paired address (granted, logged, released), numbered after the regular
 * ones.
 */
static void
test_a3_low_ports(void **state)
{
	(void)state;
	low_ports_mapped();
	low_blocks_scarce();
	low_range_small_or_none();
	low_ranges_refused();
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
		/* Not 5000 or 5001: mapped by hand below (an inside port
		 * already mapped cannot be mapped again). */
		uint16_t in = (uint16_t)(5002 + (uint16_t)rte_rand() % 60000);

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

/* Preservation on one address: granted block, same block, another
 * protocol, another block with room, another subscriber.
 */
static void
preservation_one_addr(void)
{
	static const uint32_t one_addr[] = { IPH(203, 0, 113, 7) };
	struct pool_cfg c = default_cfg();
	struct nat_pool *pool;
	const uint32_t h1 = IPN(100, 64, 0, 2), h2 = IPN(100, 64, 0, 3);
	uint32_t s1, s2, m, blk;
	uint16_t lo, hi, p;

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
	assert_int_equal(plog.n, 1);
	assert_int_equal(plog.ev[0].port_lo, lo);
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
	const uint32_t h1 = IPN(100, 64, 0, 2);
	uint32_t s1;

	(void)state;
	preservation_one_addr();
	c.addrs = one_addr;
	c.n_addrs = 1;
	c.preserve = true;
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a3_low_ports),
		cmocka_unit_test(test_a3_low_blocks_shared),
		cmocka_unit_test(test_a4_parity),
		cmocka_unit_test(test_port_preservation),
		cmocka_unit_test(test_a9_policies),
		cmocka_unit_test(test_ports_hard_to_guess),
	};

	return cmocka_run_group_tests_name("pool_ports", tests,
					   pool_group_setup,
					   pool_group_teardown);
}
