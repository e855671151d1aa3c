/* SPDX-License-Identifier: BSD-3-Clause
 * The pool's own helpers, shared by its files; users of the pool include
 * nat_pool.h only. The pool (nat_pool.h) is in four files:
 *   nat_pool.c  making and freeing a pool; addresses; port blocks (their
 *               ranges, release, hand-over between pools); nat_err_str()
 *   nat_sub.c   subscribers: paired address pooling, RFC 7422 pairing
 *   nat_map.c   mappings: port choice (blocks, preservation, parity, RFC
 *               7422 ranges), limits, indexing, static mappings, release
 *   nat_hold.c  hold-down of released ports (RFC 6888 REQ-8)
 * What the new-session path (nat_sub_get(), nat_map_create()) and the
 * release path use from another file is static inline here, so that it
 * is still inlined; the rest is called, as it was when all was one file.
 */
#ifndef NAT_POOL_INT_H
#define NAT_POOL_INT_H

#include <string.h>

#include "nat_pool.h"

/* Holds nat_map_create() ends itself before looking for a port. */
#define NAT_HOLD_LAZY 8

/* Remove the entry at index i of the stack of kind low; returns it. */
static inline uint32_t
free_remove_at(struct nat_addr *a, bool low, uint32_t i)
{
	uint32_t *st = low ? a->free_low : a->free_blk;
	uint32_t *n = low ? &a->n_free_low : &a->n_free;
	uint32_t b = st[i];

	st[i] = st[--*n];
	a->free_pos[st[i]] = i;
	a->free_pos[b] = NAT_NONE;
	return b;
}

static inline uint64_t *
block_bitmap(const struct nat_pool *pool, uint32_t blk, unsigned int slot)
{
	return &pool->bitmap[((size_t)blk * NAT_PROTOS + slot) *
			     pool->words_per_block];
}

/* Does a block hold neither mappings nor held ports? */
static inline bool
block_idle(const struct nat_pool *pool, uint32_t blk)
{
	return pool->blocks[blk].n_used == 0 && pool->blocks[blk].n_held == 0;
}

static inline void
port_mark(struct nat_pool *pool, uint32_t blk, unsigned int slot,
	  uint32_t off, bool used)
{
	uint64_t *w = &block_bitmap(pool, blk, slot)[off >> 6];

	if (used)
		*w |= 1ULL << (off & 63);
	else
		*w &= ~(1ULL << (off & 63));
}

static inline void
log_block(struct nat_pool *pool, uint32_t sub_idx, uint32_t blk,
	  enum nat_log_type type, uint64_t tsc)
{
	struct nat_log_event ev;

	if (pool->p.log == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.tsc = tsc;
	ev.sub_addr = pool->subs[sub_idx].addr;
	ev.out_addr = pool->addrs[blk / pool->blocks_per_addr].addr;
	nat_block_range(pool, blk, &ev.port_lo, &ev.port_hi);
	ev.type = (uint8_t)type;
	pool->p.log(pool->p.log_arg, &ev);
}

/* Give block blk back to its address's free blocks (nat_pool.c). */
void nat_pool_block_release(struct nat_pool *pool, uint32_t blk,
			    uint64_t tsc);

/* A subscriber record for in_addr, paired with address addr_idx; the
 * caller looked it up first (nat_sub.c). NAT_NONE with *err when full.
 */
uint32_t nat_pool_sub_new(struct nat_pool *pool, uint32_t in_addr,
			  uint32_t addr_idx, enum nat_err *err);

/* ------------------------------------------------------------------ */
/* Hold-down (RFC 6888 REQ-8)                                          */

/*
 * End hold h: the port is free again; its block goes back when it holds
 * nothing else, and its subscriber when it holds nothing (unless it is
 * keep_sub, which a caller is working on). h is always the oldest hold of
 * its subscriber: holds are added at the tails of both lists and end at
 * the head of one of them.
 */
void nat_pool_hold_end(struct nat_pool *pool, uint32_t h, uint64_t tsc,
		       uint32_t keep_sub);

/* Put a released port (still marked used) in hold-down. */
static inline void
hold_add(struct nat_pool *pool, uint32_t sub_idx, uint32_t blk,
	 unsigned int slot, uint32_t off, uint64_t tsc)
{
	struct nat_subscriber *s = &pool->subs[sub_idx];
	struct nat_hold *e;
	uint32_t h;

	/* Over the subscriber's maximum: its oldest hold ends now. */
	if (pool->p.hold_down_max != 0 && s->n_held >= pool->p.hold_down_max) {
		nat_pool_hold_end(pool, s->hold_head, tsc, sub_idx);
		pool->holds_ended_early++;
	}
	/* No room in the pool: the pool's oldest hold ends now. */
	if (pool->hold_free == NAT_NONE) {
		nat_pool_hold_end(pool, pool->hold_head, tsc, sub_idx);
		pool->holds_ended_early++;
	}
	h = pool->hold_free;
	e = &pool->holds[h];
	pool->hold_free = e->next;
	*e = (struct nat_hold){
		.until = tsc + pool->hold_ticks,
		.blk = blk,
		.sub_idx = sub_idx,
		.prev = pool->hold_tail,
		.next = NAT_NONE,
		.sub_next = NAT_NONE,
		.off = (uint16_t)off,
		.slot = (uint8_t)slot,
	};
	if (pool->hold_tail != NAT_NONE)
		pool->holds[pool->hold_tail].next = h;
	else
		pool->hold_head = h;
	pool->hold_tail = h;
	if (s->hold_tail != NAT_NONE)
		pool->holds[s->hold_tail].sub_next = h;
	else
		s->hold_head = h;
	s->hold_tail = h;
	pool->blocks[blk].n_held++;
	s->n_held++;
	pool->n_holds++;
}

/* End up to budget (0: all) holds due at tsc. */
static inline uint32_t
holds_expire(struct nat_pool *pool, uint64_t tsc, uint32_t budget,
	     uint32_t keep_sub)
{
	uint32_t n = 0;

	while (pool->hold_head != NAT_NONE &&
	       pool->holds[pool->hold_head].until <= tsc &&
	       (budget == 0 || n < budget)) {
		nat_pool_hold_end(pool, pool->hold_head, tsc, keep_sub);
		n++;
	}
	return n;
}

#endif /* NAT_POOL_INT_H */
