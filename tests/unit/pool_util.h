/* SPDX-License-Identifier: BSD-3-Clause
 * What the pool's unit tests (test_pool_*.c) share: pools made from a
 * small configuration, the block log they write to, mappings that must
 * succeed or must be refused, and a check of the pool's invariants.
 */
#ifndef POOL_UTIL_H
#define POOL_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_byteorder.h>

#include "nat_pool.h"

/* Host order, as nat_pool_params.addrs wants them. */
#define IPH(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
/* Network order, as everything else in the pool. */
#define IPN(a, b, c, d) rte_cpu_to_be_32(IPH(a, b, c, d))

extern const uint8_t protos[3]; /* TCP, UDP, ICMP */

/* ------------------------------------------------------------------ */
/* The block log                                                       */

#define LOG_MAX 4096

struct logbuf {
	struct nat_log_event ev[LOG_MAX];
	uint32_t n;
};

extern struct logbuf plog;

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


/* need() / need_low() calls (pools made with start_empty). */
extern uint32_t need_calls, need_low_calls, need_addr;

/* A pool of c, logging into plog (emptied), need() counters cleared. */
struct nat_pool *make_pool(const struct pool_cfg *c);

/* 203.0.113.0-3, host order. */
extern const uint32_t four_addrs[4];

/* Four addresses, ports 1024-65535 in blocks of 64, 8 blocks a
 * subscriber, 1024 subscribers, 8192 mappings, EIM. */
struct pool_cfg default_cfg(void);

/* Inside address number i: 100.64.x.y, network order. */
uint32_t sub_addr(uint32_t i);

/* nat_sub_get() that must succeed. */
uint32_t get_sub(struct nat_pool *pool, uint32_t in_addr);

/* A mapping that must succeed (EIM-style: inside endpoint first looked up
 * by the caller, so each call is for a new inside endpoint).
 */
uint32_t map(struct nat_pool *pool, uint32_t sub, uint32_t in_addr,
	     uint16_t in_port, uint8_t proto, uint64_t tsc);

/* nat_map_create() that must fail with want; nothing may change. */
void map_refused(struct nat_pool *pool, uint32_t sub, uint32_t in_addr,
		 uint16_t in_port, uint8_t proto, uint64_t tsc,
		 enum nat_err want);

/* The outside port of mapping m, host order. */
uint16_t out_port_h(const struct nat_pool *pool, uint32_t m);

/* The block of the subscriber that holds port (host order) of its
 * address, or NAT_NONE.
 */
uint32_t sub_block_of(const struct nat_pool *pool, uint32_t sub,
		      uint16_t port);

/* Is port (host order) of block blk marked used for proto? */
bool block_bitmap_bit(const struct nat_pool *pool, uint32_t blk,
		      uint8_t proto, uint16_t port);

/* Internal consistency of the gauges against the arrays. */
void check_invariants(const struct nat_pool *pool);

/* A block log event is the one expected. */
void check_event(const struct nat_log_event *ev, uint8_t type,
		 uint32_t sub_a, uint32_t out_addr, uint16_t lo, uint16_t hi,
		 uint64_t tsc);

/* cmocka group setup and teardown: the pool allocates with rte_zmalloc,
 * so an EAL (ut_eal.h). */
int pool_group_setup(void **state);
int pool_group_teardown(void **state);

#endif /* POOL_UTIL_H */
