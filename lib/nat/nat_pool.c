/* SPDX-License-Identifier: BSD-3-Clause
 * Making and freeing a pool, its addresses and port blocks (their ranges,
 * release, hand-over between pools). The port assignment policies are
 * described in nat_pool.h; nat_pool_int.h lists the pool's other files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "nat_pool_int.h"

static void *
zalloc(struct nat_pool *pool, const char *name, size_t sz)
{
	void *p = rte_zmalloc_socket(name, sz, RTE_CACHE_LINE_SIZE,
				     pool->p.socket);

	if (p != NULL)
		pool->bytes += sz;
	return p;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Free blocks of an address: a stack per kind (regular, low) of block
 * numbers within the address, and free_pos[] to find a given block in
 * its stack (port preservation asks for one) and remove it in O(1).
 */
static void
free_push(const struct nat_pool *pool, struct nat_addr *a, uint32_t b)
{
	if (a->free_pos[b] != NAT_NONE)
		return; /* already free here */
	if (nat_block_is_low(pool, b)) {
		a->free_pos[b] = a->n_free_low;
		a->free_low[a->n_free_low++] = b;
	} else {
		a->free_pos[b] = a->n_free;
		a->free_blk[a->n_free++] = b;
	}
}

/* Does nat_pool_create() accept these parameters (before allocating)? */
static bool
params_ok(const struct nat_pool_params *p)
{
	return !(p->n_addrs == 0 || p->block_size == 0 ||
		 p->port_lo > p->port_hi ||
		 p->max_blocks_per_sub == 0 ||
		 p->max_blocks_per_sub > NAT_MAX_BLOCKS_PER_SUB ||
		 p->max_subscribers == 0 || p->max_mappings == 0 ||
		 /* A low range: no port 0, not inside the regular range. */
		 (p->low_hi != 0 && (p->low_lo == 0 || p->low_lo > p->low_hi ||
				     (p->low_lo <= p->port_hi &&
				      p->port_lo <= p->low_hi))) ||
		 /* Time-based policies need the clock's rate. */
		 ((p->hold_down != 0 || p->map_rate != 0) && p->tsc_hz == 0));
}

/*
 * The pool's geometry (blocks of both kinds, bitmap words) and its times
 * in ticks, from pool->p. -1 when a range holds no whole block.
 */
static int
pool_geometry(struct nat_pool *pool)
{
	const struct nat_pool_params *p = &pool->p;

	pool->n_reg_blocks = ((uint32_t)p->port_hi - p->port_lo + 1) /
			     p->block_size;
	pool->low_block_size = 1;
	if (p->low_hi != 0) {
		uint32_t n_low = (uint32_t)p->low_hi - p->low_lo + 1;

		pool->low_block_size = p->low_block_size ? p->low_block_size :
			(uint16_t)RTE_MIN((uint32_t)p->block_size, n_low);
		pool->n_low_blocks = n_low / pool->low_block_size;
	}
	pool->blocks_per_addr = pool->n_reg_blocks + pool->n_low_blocks;
	if (pool->n_reg_blocks == 0 ||
	    (p->low_hi != 0 && pool->n_low_blocks == 0))
		return -1;
	pool->words_per_block = (RTE_MAX(p->block_size, pool->low_block_size) +
				 63) / 64;
	pool->hold_ticks = (uint64_t)p->hold_down * p->tsc_hz;
	if (p->map_rate != 0) {
		pool->rate_interval = RTE_MAX(p->tsc_hz / p->map_rate,
					      (uint64_t)1);
		pool->rate_burst = pool->rate_interval * (p->map_rate - 1);
	}
	pool->hold_head = NAT_NONE;
	pool->hold_tail = NAT_NONE;
	pool->hold_free = NAT_NONE;
	return 0;
}

/* The arrays of addresses, blocks, bitmaps, subscribers and mappings. */
static int
pool_alloc(struct nat_pool *pool, const char *name, uint32_t nblk)
{
	const struct nat_pool_params *p = &pool->p;

	pool->addrs = zalloc(pool, name, sizeof(struct nat_addr) * p->n_addrs);
	pool->blocks = zalloc(pool, name, sizeof(struct nat_block) * nblk);
	pool->bitmap = zalloc(pool, name, sizeof(uint64_t) * nblk * NAT_PROTOS *
					  pool->words_per_block);
	pool->subs = zalloc(pool, name, sizeof(struct nat_subscriber) *
					p->max_subscribers);
	pool->sub_blocks = zalloc(pool, name, sizeof(uint32_t) *
				  p->max_subscribers * p->max_blocks_per_sub);
	pool->maps = zalloc(pool, name, sizeof(struct nat_mapping) *
					p->max_mappings);
	if (p->det_f1 != NULL && p->det_hosts != 0 && p->det_ports != 0) {
		pool->det_words = (p->det_ports + 63u) / 64u;
		pool->det_bm = zalloc(pool, name, sizeof(uint64_t) *
				      p->det_hosts * NAT_PROTOS *
				      pool->det_words);
		if (pool->det_bm == NULL)
			return -1;
	}
	if (pool->addrs == NULL || pool->blocks == NULL ||
	    pool->bitmap == NULL || pool->subs == NULL ||
	    pool->sub_blocks == NULL || pool->maps == NULL)
		return -1;
	return 0;
}

/* The hold-down records and their free list, when hold-down is on. */
static int
holds_alloc(struct nat_pool *pool, const char *name)
{
	const struct nat_pool_params *p = &pool->p;
	uint32_t i;

	if (pool->hold_ticks == 0)
		return 0;
	pool->n_holds_max = p->max_holds ? p->max_holds : p->max_mappings;
	pool->holds = zalloc(pool, name, sizeof(struct nat_hold) *
					 pool->n_holds_max);
	if (pool->holds == NULL)
		return -1;
	for (i = 0; i < pool->n_holds_max; i++)
		pool->holds[i].next = i + 1 < pool->n_holds_max ?
				      i + 1 : NAT_NONE;
	pool->hold_free = 0;
	return 0;
}

/*
 * The addresses, sorted, each with its stacks of free blocks (all of them
 * unless start_empty). The sorted copy is the one kept: index lookups
 * bisect it, and p.addrs is forgotten.
 */
static int
addrs_init(struct nat_pool *pool, const char *name)
{
	const struct nat_pool_params *p = &pool->p;
	uint32_t *sorted = malloc(sizeof(uint32_t) * p->n_addrs);
	uint32_t i, b;

	if (sorted == NULL)
		return -1;
	memcpy(sorted, p->addrs, sizeof(uint32_t) * p->n_addrs);
	qsort(sorted, p->n_addrs, sizeof(uint32_t), cmp_u32);
	for (i = 0; i < p->n_addrs; i++) {
		struct nat_addr *a = &pool->addrs[i];

		a->addr = rte_cpu_to_be_32(sorted[i]);
		a->free_blk = zalloc(pool, name,
				     sizeof(uint32_t) * pool->n_reg_blocks);
		a->free_low = zalloc(pool, name, sizeof(uint32_t) *
				     RTE_MAX(pool->n_low_blocks, 1u));
		a->free_pos = zalloc(pool, name,
				     sizeof(uint32_t) * pool->blocks_per_addr);
		if (a->free_blk == NULL || a->free_low == NULL ||
		    a->free_pos == NULL) {
			free(sorted);
			return -1;
		}
		for (b = 0; b < pool->blocks_per_addr; b++)
			a->free_pos[b] = NAT_NONE;
		if (!p->start_empty)
			for (b = 0; b < pool->blocks_per_addr; b++)
				free_push(pool, a, b);
	}
	pool->addr_first_h = sorted[0];
	pool->addr_last_off = sorted[p->n_addrs - 1] - sorted[0];
	pool->addr_dense = pool->addr_last_off == p->n_addrs - 1;
	free(sorted);
	pool->p.addrs = NULL;
	return 0;
}

/* The blocks' fixed ranges; the free lists of subscribers and mappings. */
static void
records_init(struct nat_pool *pool, uint32_t nblk)
{
	const struct nat_pool_params *p = &pool->p;
	uint32_t i;

	for (i = 0; i < nblk; i++) {
		uint16_t lo, hi;

		nat_block_range(pool, i, &lo, &hi);
		pool->blocks[i].sub_idx = NAT_NONE;
		pool->blocks[i].port_lo = lo;
		pool->blocks[i].n_ports = (uint16_t)(hi - lo + 1);
	}
	for (i = 0; i < p->max_subscribers; i++) {
		pool->subs[i].next_free = i + 1 < p->max_subscribers ? i + 1 :
								       NAT_NONE;
		pool->subs[i].blocks = &pool->sub_blocks[(size_t)i *
						p->max_blocks_per_sub];
	}
	for (i = 0; i < p->max_mappings; i++)
		pool->maps[i].next_free = i + 1 < p->max_mappings ? i + 1 :
								    NAT_NONE;
	pool->sub_free = 0;
	pool->map_free = 0;
}

static int
indexes_init(struct nat_pool *pool, const char *name)
{
	const struct nat_pool_params *p = &pool->p;

	if (nat_index_init(&pool->sub_ix, name, p->max_subscribers,
			   p->socket) < 0 ||
	    nat_index_init(&pool->map_in, name, p->max_mappings,
			   p->socket) < 0 ||
	    nat_index_init(&pool->map_out, name, p->max_mappings,
			   p->socket) < 0)
		return -1;
	pool->bytes += nat_index_bytes(p->max_subscribers) +
		       2 * nat_index_bytes(p->max_mappings);
	return 0;
}

struct nat_pool *
nat_pool_create(const char *name, const struct nat_pool_params *p)
{
	struct nat_pool *pool;
	uint32_t nblk;

	if (!params_ok(p)) {
		errno = EINVAL;
		return NULL;
	}
	pool = rte_zmalloc_socket(name, sizeof(*pool), RTE_CACHE_LINE_SIZE,
				  p->socket);
	if (pool == NULL)
		return NULL;
	pool->p = *p;
	pool->bytes = sizeof(*pool);
	if (pool_geometry(pool) < 0) {
		rte_free(pool);
		errno = EINVAL;
		return NULL;
	}
	nblk = p->n_addrs * pool->blocks_per_addr;
	if (pool_alloc(pool, name, nblk) < 0 || holds_alloc(pool, name) < 0 ||
	    addrs_init(pool, name) < 0)
		goto fail;
	records_init(pool, nblk);
	pool->seed = (uint32_t)rte_rand();
	do
		pool->rng = rte_rand();
	while (pool->rng == 0);
	if (indexes_init(pool, name) < 0)
		goto fail;
	return pool;
fail:
	nat_pool_free(pool);
	errno = ENOMEM;
	return NULL;
}

void
nat_pool_free(struct nat_pool *pool)
{
	uint32_t i;

	if (pool == NULL)
		return;
	nat_index_fini(&pool->sub_ix);
	nat_index_fini(&pool->map_in);
	nat_index_fini(&pool->map_out);
	if (pool->addrs != NULL)
		for (i = 0; i < pool->p.n_addrs; i++) {
			rte_free(pool->addrs[i].free_blk);
			rte_free(pool->addrs[i].free_low);
			rte_free(pool->addrs[i].free_pos);
		}
	rte_free(pool->holds);
	rte_free(pool->addrs);
	rte_free(pool->blocks);
	rte_free(pool->bitmap);
	rte_free(pool->subs);
	rte_free(pool->sub_blocks);
	rte_free(pool->maps);
	rte_free(pool->det_bm);
	rte_free(pool);
}

const char *
nat_err_str(enum nat_err e)
{
	switch (e) {
	case NAT_OK: return "ok";
	case NAT_ERR_SUB_TABLE_FULL: return "subscriber table full";
	case NAT_ERR_MAP_TABLE_FULL: return "mapping table full";
	case NAT_ERR_POOL_EXHAUSTED: return "no free port block";
	case NAT_ERR_PORTS_EXHAUSTED: return "subscriber out of ports";
	case NAT_ERR_BLOCK_PENDING: return "waiting for a port block";
	case NAT_ERR_PORT_LIMIT: return "subscriber port limit";
	case NAT_ERR_RATE_LIMIT: return "subscriber mapping rate limit";
	}
	return "?";
}

int32_t
nat_pool_addr_bisect(const struct nat_pool *pool, uint32_t addr)
{
	uint32_t h = rte_be_to_cpu_32(addr);
	uint32_t lo = 0, hi = pool->p.n_addrs;

	/* Bisect the sorted addresses. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t v = rte_be_to_cpu_32(pool->addrs[mid].addr);

		if (v == h)
			return (int32_t)mid;
		if (v < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void
nat_block_range(const struct nat_pool *pool, uint32_t blk, uint16_t *lo,
		uint16_t *hi)
{
	uint32_t b = blk % pool->blocks_per_addr;

	if (b >= pool->n_reg_blocks) {
		*lo = (uint16_t)(pool->p.low_lo + (b - pool->n_reg_blocks) *
				 pool->low_block_size);
		*hi = (uint16_t)(*lo + pool->low_block_size - 1);
		return;
	}
	*lo = (uint16_t)(pool->p.port_lo + b * pool->p.block_size);
	*hi = (uint16_t)(*lo + pool->p.block_size - 1);
}

void
nat_pool_block_release(struct nat_pool *pool, uint32_t blk, uint64_t tsc)
{
	uint32_t sub_idx = pool->blocks[blk].sub_idx;
	struct nat_subscriber *s = &pool->subs[sub_idx];
	struct nat_addr *a = &pool->addrs[blk / pool->blocks_per_addr];
	unsigned int i;

	log_block(pool, sub_idx, blk, NAT_LOG_BLOCK_RELEASE, tsc);
	for (i = 0; i < s->n_blocks; i++)
		if (s->blocks[i] == blk) {
			s->blocks[i] = s->blocks[--s->n_blocks];
			break;
		}
	pool->blocks[blk].sub_idx = NAT_NONE;
	free_push(pool, a, blk % pool->blocks_per_addr);
	pool->n_blocks_used--;
}

void
nat_pool_block_give(struct nat_pool *pool, uint32_t blk)
{
	struct nat_addr *a = &pool->addrs[blk / pool->blocks_per_addr];

	pool->blocks[blk].sub_idx = NAT_NONE;
	pool->blocks[blk].n_used = 0;
	pool->blocks[blk].n_held = 0;
	free_push(pool, a, blk % pool->blocks_per_addr);
}

static uint32_t
block_take(struct nat_pool *pool, uint32_t addr_idx, uint32_t keep, bool low)
{
	struct nat_addr *a = &pool->addrs[addr_idx];
	uint32_t n = low ? a->n_free_low : a->n_free;

	if (n <= keep)
		return NAT_NONE;
	return addr_idx * pool->blocks_per_addr + free_remove_at(a, low, n - 1);
}

uint32_t
nat_pool_block_take(struct nat_pool *pool, uint32_t addr_idx, uint32_t keep)
{
	return block_take(pool, addr_idx, keep, false);
}

uint32_t
nat_pool_low_block_take(struct nat_pool *pool, uint32_t addr_idx,
			uint32_t keep)
{
	return block_take(pool, addr_idx, keep, true);
}
