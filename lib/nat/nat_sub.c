/* SPDX-License-Identifier: BSD-3-Clause
 * Subscribers: the record of an inside address, paired with one pool
 * address (paired address pooling, RFC 6888 REQ-2) or, with RFC 7422
 * ranges, with the address its host number gives.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "nat_pool_int.h"

/*
 * Which pool address should a new subscriber be paired with?
 * The one with the most free blocks, so subscribers spread over the pool;
 * ties go to the one with fewer subscribers. O(addresses), once per
 * subscriber.
 */
static uint32_t
addr_free(const struct nat_pool *pool, uint32_t i)
{
	uint32_t n = pool->addrs[i].n_free;

	if (pool->p.global_free != NULL)
		n += __atomic_load_n(&pool->p.global_free[i], __ATOMIC_RELAXED);
	return n;
}

static uint32_t
pick_address(const struct nat_pool *pool)
{
	uint32_t i, best = 0, best_free = addr_free(pool, 0);

	for (i = 1; i < pool->p.n_addrs; i++) {
		uint32_t f = addr_free(pool, i);

		if (f > best_free || (f == best_free &&
				      pool->addrs[i].n_subs <
				      pool->addrs[best].n_subs)) {
			best = i;
			best_free = f;
		}
	}
	return best;
}

uint32_t
nat_pool_sub_new(struct nat_pool *pool, uint32_t in_addr, uint32_t addr_idx,
		 enum nat_err *err)
{
	uint32_t idx = pool->sub_free, *blocks;
	struct nat_subscriber *s;

	if (idx == NAT_NONE) {
		*err = NAT_ERR_SUB_TABLE_FULL;
		return NAT_NONE;
	}
	s = &pool->subs[idx];
	blocks = s->blocks;
	/* Callers looked it up first: the add cannot fail. */
	if (nat_index_add(&pool->sub_ix, nat_sub_hash(pool, in_addr), idx,
			  nat_sub_match, pool, &in_addr) < 0) {
		*err = NAT_ERR_SUB_TABLE_FULL;
		return NAT_NONE;
	}
	pool->sub_free = s->next_free;
	memset(s, 0, sizeof(*s));
	s->blocks = blocks;
	s->addr = in_addr;
	s->addr_idx = addr_idx;
	s->next_free = NAT_NONE;
	s->hold_head = NAT_NONE;
	s->hold_tail = NAT_NONE;
	s->det_host = NAT_NONE;
	pool->addrs[addr_idx].n_subs++;
	pool->n_subs++;
	return idx;
}

uint32_t
nat_sub_get(struct nat_pool *pool, uint32_t in_addr, enum nat_err *err)
{
	uint32_t idx = nat_sub_lookup(pool, in_addr);

	*err = NAT_OK;
	if (idx != NAT_NONE)
		return idx;
	if (pool->det_bm != NULL) {
		uint32_t out_h, host = rte_be_to_cpu_32(in_addr) -
				       pool->p.det_first_host;
		uint16_t lo, hi;
		int32_t ai;

		/* RFC 7422: the address is a function of the host. */
		if (host < pool->p.det_hosts &&
		    pool->p.det_f1(pool->p.det_arg, in_addr, &out_h, &lo,
				   &hi) == 0 &&
		    (ai = nat_pool_addr_index(pool,
					      rte_cpu_to_be_32(out_h))) >= 0) {
			idx = nat_pool_sub_new(pool, in_addr, (uint32_t)ai,
					       err);
			if (idx != NAT_NONE) {
				pool->subs[idx].det_host = host;
				pool->subs[idx].det_lo = lo;
				pool->subs[idx].det_hi = hi;
			}
			return idx;
		}
	}
	return nat_pool_sub_new(pool, in_addr, pick_address(pool), err);
}

void
nat_sub_maybe_free(struct nat_pool *pool, uint32_t idx)
{
	struct nat_subscriber *s = &pool->subs[idx];

	if (s->n_blocks != 0 || s->n_mappings != 0 || s->n_sessions != 0 ||
	    (s->flags & NAT_SUB_PINNED))
		return;
	nat_index_del(&pool->sub_ix, nat_sub_hash(pool, s->addr), idx);
	pool->addrs[s->addr_idx].n_subs--;
	s->addr = 0;
	s->next_free = pool->sub_free;
	pool->sub_free = idx;
	pool->n_subs--;
}
