/* SPDX-License-Identifier: BSD-3-Clause
 * Hold-down of released ports (RFC 6888 REQ-8): ending holds. Adding one
 * (hold_add()) and ending the due ones (holds_expire()) are inline in
 * nat_pool_int.h, for nat_map_release() and nat_map_create().
 */
#include <rte_debug.h>

#include "nat_pool_int.h"

void
nat_pool_hold_end(struct nat_pool *pool, uint32_t h, uint64_t tsc,
		  uint32_t keep_sub)
{
	struct nat_hold *e = &pool->holds[h];
	uint32_t sub_idx = e->sub_idx, blk = e->blk;
	struct nat_subscriber *s = &pool->subs[sub_idx];

	if (e->prev != NAT_NONE)
		pool->holds[e->prev].next = e->next;
	else
		pool->hold_head = e->next;
	if (e->next != NAT_NONE)
		pool->holds[e->next].prev = e->prev;
	else
		pool->hold_tail = e->prev;
	RTE_ASSERT(s->hold_head == h);
	s->hold_head = e->sub_next;
	if (s->hold_head == NAT_NONE)
		s->hold_tail = NAT_NONE;
	port_mark(pool, blk, e->slot, e->off, false);
	pool->blocks[blk].n_held--;
	s->n_held--;
	pool->n_holds--;
	e->next = pool->hold_free;
	pool->hold_free = h;
	if (block_idle(pool, blk))
		nat_pool_block_release(pool, blk, tsc);
	if (sub_idx != keep_sub)
		nat_sub_maybe_free(pool, sub_idx);
}

uint32_t
nat_pool_tick(struct nat_pool *pool, uint64_t tsc, uint32_t budget)
{
	return holds_expire(pool, tsc, budget, NAT_NONE);
}

void
nat_pool_end_holds(struct nat_pool *pool, uint64_t tsc)
{
	while (pool->hold_head != NAT_NONE)
		nat_pool_hold_end(pool, pool->hold_head, tsc, NAT_NONE);
}
