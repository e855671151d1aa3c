/* SPDX-License-Identifier: BSD-3-Clause
 * Address pool, port-block allocation, subscribers and mappings.
 * The port assignment policies are described in nat_pool.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "nat_pool.h"

/* Holds nat_map_create() ends itself before looking for a port. */
#define NAT_HOLD_LAZY 8

/* ------------------------------------------------------------------ */
/* Randomness                                                          */

/*
 * A random number below n (n > 0) for block and port choice: xorshift64*
 * (Vigna), seeded from rte_rand() per pool, and multiply-shift range
 * reduction of its high half instead of a division. Not predictable from
 * outside without the seed (RFC 6888 REQ-15), like rte_rand() itself.
 */
static inline uint32_t
pool_rand(struct nat_pool *pool, uint32_t n)
{
	uint64_t x = pool->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	pool->rng = x;
	return (uint32_t)(((x * 0x2545f4914f6cdd1dULL) >> 32) * n >> 32);
}

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

/* Remove the entry at index i of the stack of kind low; returns it. */
static uint32_t
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

struct nat_pool *
nat_pool_create(const char *name, const struct nat_pool_params *p)
{
	struct nat_pool *pool;
	uint32_t *sorted = NULL;
	uint32_t i, b, nblk;

	if (p->n_addrs == 0 || p->block_size == 0 || p->port_lo > p->port_hi ||
	    p->max_blocks_per_sub == 0 ||
	    p->max_blocks_per_sub > NAT_MAX_BLOCKS_PER_SUB ||
	    p->max_subscribers == 0 || p->max_mappings == 0 ||
	    /* A low range: no port 0, not inside the regular range. */
	    (p->low_hi != 0 && (p->low_lo == 0 || p->low_lo > p->low_hi ||
				(p->low_lo <= p->port_hi &&
				 p->port_lo <= p->low_hi))) ||
	    /* Time-based policies need the clock's rate. */
	    ((p->hold_down != 0 || p->map_rate != 0) && p->tsc_hz == 0)) {
		errno = EINVAL;
		return NULL;
	}
	pool = rte_zmalloc_socket(name, sizeof(*pool), RTE_CACHE_LINE_SIZE,
				  p->socket);
	if (pool == NULL)
		return NULL;
	pool->p = *p;
	pool->bytes = sizeof(*pool);
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
	    (p->low_hi != 0 && pool->n_low_blocks == 0)) {
		rte_free(pool);
		errno = EINVAL;
		return NULL;
	}
	pool->words_per_block = (RTE_MAX(p->block_size, pool->low_block_size) +
				 63) / 64;
	nblk = p->n_addrs * pool->blocks_per_addr;
	pool->hold_ticks = (uint64_t)p->hold_down * p->tsc_hz;
	if (p->map_rate != 0) {
		pool->rate_interval = RTE_MAX(p->tsc_hz / p->map_rate,
					      (uint64_t)1);
		pool->rate_burst = pool->rate_interval * (p->map_rate - 1);
	}
	pool->hold_head = NAT_NONE;
	pool->hold_tail = NAT_NONE;
	pool->hold_free = NAT_NONE;

	sorted = malloc(sizeof(uint32_t) * p->n_addrs);
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
			goto fail;
	}
	if (sorted == NULL || pool->addrs == NULL || pool->blocks == NULL ||
	    pool->bitmap == NULL || pool->subs == NULL ||
	    pool->sub_blocks == NULL || pool->maps == NULL)
		goto fail;
	if (pool->hold_ticks != 0) {
		pool->n_holds_max = p->max_holds ? p->max_holds :
						   p->max_mappings;
		pool->holds = zalloc(pool, name, sizeof(struct nat_hold) *
						 pool->n_holds_max);
		if (pool->holds == NULL)
			goto fail;
		for (i = 0; i < pool->n_holds_max; i++)
			pool->holds[i].next = i + 1 < pool->n_holds_max ?
					      i + 1 : NAT_NONE;
		pool->hold_free = 0;
	}

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
		    a->free_pos == NULL)
			goto fail;
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
	sorted = NULL;
	/* The sorted copy is the one kept: index lookups bisect it. */
	pool->p.addrs = NULL;

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

	pool->seed = (uint32_t)rte_rand();
	do
		pool->rng = rte_rand();
	while (pool->rng == 0);
	if (nat_index_init(&pool->sub_ix, name, p->max_subscribers,
			   p->socket) < 0 ||
	    nat_index_init(&pool->map_in, name, p->max_mappings,
			   p->socket) < 0 ||
	    nat_index_init(&pool->map_out, name, p->max_mappings,
			   p->socket) < 0)
		goto fail;
	pool->bytes += nat_index_bytes(p->max_subscribers) +
		       2 * nat_index_bytes(p->max_mappings);
	return pool;
fail:
	free(sorted);
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

/* Is block blk a low block? nat_block_is_low() without a division. */
static inline bool
blk_low(const struct nat_pool *pool, uint32_t blk)
{
	uint16_t lo = pool->blocks[blk].port_lo;

	return pool->n_low_blocks != 0 && lo >= pool->p.low_lo &&
	       lo <= pool->p.low_hi;
}

static inline uint64_t *
block_bitmap(const struct nat_pool *pool, uint32_t blk, unsigned int slot)
{
	return &pool->bitmap[((size_t)blk * NAT_PROTOS + slot) *
			     pool->words_per_block];
}

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

static uint32_t
sub_new(struct nat_pool *pool, uint32_t in_addr, uint32_t addr_idx,
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
			idx = sub_new(pool, in_addr, (uint32_t)ai, err);
			if (idx != NAT_NONE) {
				pool->subs[idx].det_host = host;
				pool->subs[idx].det_lo = lo;
				pool->subs[idx].det_hi = hi;
			}
			return idx;
		}
	}
	return sub_new(pool, in_addr, pick_address(pool), err);
}

static inline uint64_t *
det_bitmap(const struct nat_pool *pool, uint32_t host, unsigned int slot)
{
	return &pool->det_bm[((size_t)host * NAT_PROTOS + slot) *
			     pool->det_words];
}

/*
 * A free port of the subscriber's RFC 7422 range for proto: the inside
 * port when it is in the range and free (preservation), else the first
 * free one from a random start, of the inside port's parity when
 * port_parity asks and one is left. -1 when the range is full.
 */
static int
det_pick(struct nat_pool *pool, const struct nat_subscriber *s,
	 unsigned int slot, uint16_t in_port_h)
{
	const uint64_t *bm = det_bitmap(pool, s->det_host, slot);
	uint32_t n = (uint32_t)s->det_hi - s->det_lo + 1, start, k, off;
	int pass;

	if (pool->p.port_preservation && in_port_h >= s->det_lo &&
	    in_port_h <= s->det_hi) {
		off = in_port_h - s->det_lo;
		if (!(bm[off >> 6] & (1ULL << (off & 63))))
			return (int)off;
	}
	start = pool_rand(pool, n);
	for (pass = pool->p.port_parity ? 0 : 1; pass < 2; pass++)
		for (k = 0; k < n; k++) {
			off = start + k;
			if (off >= n)
				off -= n;
			if (pass == 0 &&
			    ((s->det_lo + off) & 1) != (in_port_h & 1u))
				continue;
			if (!(bm[off >> 6] & (1ULL << (off & 63))))
				return (int)off;
		}
	return -1;
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

static void
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

static void
call_need(struct nat_pool *pool, uint32_t addr_idx, bool low)
{
	nat_need_fn fn = low && pool->p.need_low != NULL ? pool->p.need_low :
							   pool->p.need;

	if (fn != NULL)
		fn(pool->p.log_arg, addr_idx);
}

/*
 * Grant the subscriber a free block of its address, of kind low: block
 * number want (within the address) when it is free here, else a random
 * one. Returns the global id or NAT_NONE.
 */
static uint32_t
block_grant(struct nat_pool *pool, uint32_t sub_idx, bool low, uint32_t want,
	    uint64_t tsc)
{
	struct nat_subscriber *s = &pool->subs[sub_idx];
	struct nat_addr *a = &pool->addrs[s->addr_idx];
	uint32_t n = low ? a->n_free_low : a->n_free;
	uint32_t i, b, blk;

	if (n == 0) {
		call_need(pool, s->addr_idx, low);
		return NAT_NONE;
	}
	/* A random entry of the free stack, so blocks are hard to guess
	 * (RFC 6888 REQ-15), unless port preservation asks for one.
	 */
	if (want != NAT_NONE && a->free_pos[want] != NAT_NONE)
		i = a->free_pos[want];
	else
		i = pool_rand(pool, n);
	b = free_remove_at(a, low, i);
	blk = s->addr_idx * pool->blocks_per_addr + b;
	if ((low ? a->n_free_low : a->n_free) <= pool->p.low_water)
		call_need(pool, s->addr_idx, low);
	pool->blocks[blk].sub_idx = sub_idx;
	pool->blocks[blk].n_used = 0;
	pool->blocks[blk].n_held = 0;
	s->blocks[s->n_blocks++] = blk;
	pool->n_blocks_used++;
	log_block(pool, sub_idx, blk, NAT_LOG_BLOCK_ALLOC, tsc);
	return blk;
}

static void
block_release(struct nat_pool *pool, uint32_t blk, uint64_t tsc)
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

/* Does a block hold neither mappings nor held ports? */
static bool
block_idle(const struct nat_pool *pool, uint32_t blk)
{
	return pool->blocks[blk].n_used == 0 && pool->blocks[blk].n_held == 0;
}

static void
port_mark(struct nat_pool *pool, uint32_t blk, unsigned int slot,
	  uint32_t off, bool used)
{
	uint64_t *w = &block_bitmap(pool, blk, slot)[off >> 6];

	if (used)
		*w |= 1ULL << (off & 63);
	else
		*w &= ~(1ULL << (off & 63));
}

static bool
port_used(const struct nat_pool *pool, uint32_t blk, unsigned int slot,
	  uint32_t off)
{
	return block_bitmap(pool, blk, slot)[off >> 6] & (1ULL << (off & 63));
}

/*
 * Find a free port for slot in a block: the first free one at or after a
 * random offset, wrapping around (RFC 6056 algorithm 1 within the block).
 * parity 0/1: only ports (not offsets) of that parity; -1: any.
 * Returns the offset in the block or -1.
 */
static __rte_always_inline int
block_find_port(struct nat_pool *pool, uint32_t blk, unsigned int slot,
		int parity)
{
	const uint64_t *bm = block_bitmap(pool, blk, slot);
	uint32_t bs = pool->blocks[blk].n_ports;
	uint32_t nw = (bs + 63) / 64;
	uint32_t start = pool_rand(pool, bs);
	uint32_t w0 = start >> 6, w = w0, i;
	uint64_t pmask = UINT64_MAX;

	/* Offsets whose port lo + off has the wanted parity. */
	if (parity >= 0)
		pmask = ((uint32_t)parity ^ pool->blocks[blk].port_lo) & 1 ?
			0xaaaaaaaaaaaaaaaaULL : 0x5555555555555555ULL;
	/* nw + 1 words: the start word again at the end, for the bits
	 * below the start.
	 */
	for (i = 0; i <= nw; i++, w = w + 1 == nw ? 0 : w + 1) {
		uint64_t avail = ~bm[w] & pmask;

		if (w == nw - 1 && (bs & 63) != 0)
			avail &= (1ULL << (bs & 63)) - 1;
		if (i == 0)
			avail &= UINT64_MAX << (start & 63);
		else if (i == nw)
			avail &= (1ULL << (start & 63)) - 1;
		if (avail != 0)
			return (int)(w * 64 + (uint32_t)__builtin_ctzll(avail));
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Hold-down (RFC 6888 REQ-8)                                          */

/*
 * End hold h: the port is free again; its block goes back when it holds
 * nothing else, and its subscriber when it holds nothing (unless it is
 * keep_sub, which a caller is working on). h is always the oldest hold of
 * its subscriber: holds are added at the tails of both lists and end at
 * the head of one of them.
 */
static void
hold_end(struct nat_pool *pool, uint32_t h, uint64_t tsc, uint32_t keep_sub)
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
		block_release(pool, blk, tsc);
	if (sub_idx != keep_sub)
		nat_sub_maybe_free(pool, sub_idx);
}

/* Put a released port (still marked used) in hold-down. */
static void
hold_add(struct nat_pool *pool, uint32_t sub_idx, uint32_t blk,
	 unsigned int slot, uint32_t off, uint64_t tsc)
{
	struct nat_subscriber *s = &pool->subs[sub_idx];
	struct nat_hold *e;
	uint32_t h;

	/* Over the subscriber's maximum: its oldest hold ends now. */
	if (pool->p.hold_down_max != 0 && s->n_held >= pool->p.hold_down_max) {
		hold_end(pool, s->hold_head, tsc, sub_idx);
		pool->holds_ended_early++;
	}
	/* No room in the pool: the pool's oldest hold ends now. */
	if (pool->hold_free == NAT_NONE) {
		hold_end(pool, pool->hold_head, tsc, sub_idx);
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
static uint32_t
holds_expire(struct nat_pool *pool, uint64_t tsc, uint32_t budget,
	     uint32_t keep_sub)
{
	uint32_t n = 0;

	while (pool->hold_head != NAT_NONE &&
	       pool->holds[pool->hold_head].until <= tsc &&
	       (budget == 0 || n < budget)) {
		hold_end(pool, pool->hold_head, tsc, keep_sub);
		n++;
	}
	return n;
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
		hold_end(pool, pool->hold_head, tsc, NAT_NONE);
}

static uint32_t
map_new(struct nat_pool *pool, enum nat_err *err)
{
	uint32_t idx = pool->map_free;

	if (idx == NAT_NONE) {
		*err = NAT_ERR_MAP_TABLE_FULL;
		return NAT_NONE;
	}
	/* The callers write the whole record. */
	pool->map_free = pool->maps[idx].next_free;
	return idx;
}

static void
map_put(struct nat_pool *pool, uint32_t idx)
{
	pool->maps[idx].proto = 0;
	pool->maps[idx].next_free = pool->map_free;
	pool->map_free = idx;
}

/*
 * Index mapping idx by its outside endpoint, and by its inside one when
 * it is EIM or static. -1 (nothing indexed) when either endpoint is
 * mapped already.
 */
static __rte_always_inline int
map_index(struct nat_pool *pool, uint32_t idx)
{
	const struct nat_mapping *m = &pool->maps[idx];
	struct nat_map_key ko = { .addr = m->out_addr, .port = m->out_port,
				  .proto = m->proto };
	struct nat_map_key ki = { .addr = m->in_addr, .port = m->in_port,
				  .proto = m->proto };
	uint32_t ho = nat_map_hash(pool, ko.addr, ko.port, ko.proto);
	uint32_t hi = nat_map_hash(pool, ki.addr, ki.port, ki.proto);
	bool in = pool->p.eim || (m->flags & NAT_MAP_STATIC);

	/* The inside slot first: a dynamic mapping's EIM lookup has just
	 * read it, while the outside one (prefetched by map_make()) may
	 * still be on its way.
	 */
	if (in && nat_index_add(&pool->map_in, hi, idx, nat_map_in_match,
				pool, &ki) < 0)
		return -1;
	if (nat_index_add(&pool->map_out, ho, idx, nat_map_out_match, pool,
			  &ko) < 0) {
		if (in)
			nat_index_del(&pool->map_in, hi, idx);
		return -1;
	}
	pool->n_maps++;
	return 0;
}

/* A port found for a new mapping. */
struct port_pick {
	uint32_t blk;
	int off;
	bool new_block; /* granted for this mapping */
};

/* Is blk (held by the subscriber) of the kind wanted? */
static bool
kind_ok(const struct nat_pool *pool, uint32_t blk, bool low)
{
	return blk_low(pool, blk) == low;
}

/* A free port of parity (or any, -1) in the subscriber's blocks of kind
 * low, starting at a random one so ports spread over the blocks.
 */
static __rte_always_inline bool
pick_in_blocks(struct nat_pool *pool, const struct nat_subscriber *s,
	       unsigned int slot, bool low, int parity, struct port_pick *pk)
{
	uint32_t i, first;

	if (s->n_blocks == 0)
		return false;
	first = pool_rand(pool, s->n_blocks);
	for (i = 0; i < s->n_blocks; i++) {
		uint32_t blk = s->blocks[first];

		if (++first == s->n_blocks)
			first = 0;
		if (!kind_ok(pool, blk, low))
			continue;
		pk->off = block_find_port(pool, blk, slot, parity);
		if (pk->off >= 0) {
			pk->blk = blk;
			return true;
		}
	}
	return false;
}

void
nat_map_prefetch_ports(const struct nat_pool *pool, uint32_t sub_idx,
			uint16_t in_port, uint8_t proto)
{
	const struct nat_subscriber *s = &pool->subs[sub_idx];
	unsigned int slot = nat_proto_slot(proto);
	uint32_t i, blk;

	for (i = 0; i < s->n_blocks; i++) {
		blk = s->blocks[i];
		rte_prefetch0(&pool->blocks[blk]);
		rte_prefetch0(block_bitmap(pool, blk, slot));
	}
	if (pool->p.port_preservation && s->det_host == NAT_NONE) {
		blk = nat_port_block(pool, s->addr_idx,
				     rte_be_to_cpu_16(in_port));
		if (blk != NAT_NONE) {
			rte_prefetch0(&pool->blocks[blk]);
			rte_prefetch0(block_bitmap(pool, blk, slot));
		}
	}
}

/*
 * Choose the outside port of a new mapping:
 * 1) port preservation: the inside port itself, in a block the subscriber
 *    holds;
 * 2) a free port of the inside port's parity in the blocks it holds;
 * 3) a new block (the one holding the inside port when preservation is on
 *    and that block is free here), then as 1) and 2) in it;
 * 4) parity given up: any free port in the blocks it holds.
 * Returns NAT_OK or why not.
 */
static enum nat_err
pick_port(struct nat_pool *pool, uint32_t sub_idx, uint16_t in_port_h,
	  uint8_t proto, uint64_t tsc, struct port_pick *pk)
{
	struct nat_subscriber *s = &pool->subs[sub_idx];
	unsigned int slot = nat_proto_slot(proto);
	bool low = pool->n_low_blocks != 0 && proto != IPPROTO_ICMP &&
		   in_port_h < 1024;
	int parity = pool->p.port_parity ? (int)(in_port_h & 1) : -1;
	uint32_t pres = NAT_NONE;
	enum nat_err why;

	pk->new_block = false;
	/* The block that would preserve the port, if it is of the kind. */
	if (pool->p.port_preservation) {
		pres = nat_port_block(pool, s->addr_idx, in_port_h);
		if (pres != NAT_NONE && !kind_ok(pool, pres, low))
			pres = NAT_NONE;
	}
	if (pres != NAT_NONE) {
		pk->blk = pres;
		pk->off = in_port_h - pool->blocks[pres].port_lo;
		if (pool->blocks[pres].sub_idx == sub_idx &&
		    !port_used(pool, pres, slot, (uint32_t)pk->off))
			return NAT_OK;
	}
	if (pick_in_blocks(pool, s, slot, low, parity, pk))
		return NAT_OK;
	if (s->n_blocks >= pool->p.max_blocks_per_sub) {
		why = NAT_ERR_PORTS_EXHAUSTED;
	} else {
		pk->blk = block_grant(pool, sub_idx, low,
				      pres != NAT_NONE ?
				      pres % pool->blocks_per_addr : NAT_NONE,
				      tsc);
		if (pk->blk != NAT_NONE) {
			pk->new_block = true;
			if (pk->blk == pres) {
				pk->off = in_port_h -
					  pool->blocks[pres].port_lo;
				return NAT_OK;
			}
			pk->off = block_find_port(pool, pk->blk, slot, parity);
			/* A block of one port of the other parity. */
			if (pk->off < 0)
				pk->off = block_find_port(pool, pk->blk, slot,
							  -1);
			return NAT_OK;
		}
		why = pool->p.global_free != NULL &&
		      __atomic_load_n(&pool->p.global_free[s->addr_idx],
				      __ATOMIC_RELAXED) > 0 ?
			NAT_ERR_BLOCK_PENDING : NAT_ERR_POOL_EXHAUSTED;
	}
	if (parity >= 0 && pick_in_blocks(pool, s, slot, low, -1, pk))
		return NAT_OK;
	return why;
}

/* May the subscriber make another mapping now (RFC 6888 REQ-4)? */
static enum nat_err
sub_limits(const struct nat_pool *pool, const struct nat_subscriber *s,
	   unsigned int slot, uint64_t tsc)
{
	if (pool->p.port_limit[slot] != 0 &&
	    s->n_ports[slot] >= pool->p.port_limit[slot])
		return NAT_ERR_PORT_LIMIT;
	if (pool->p.map_rate != 0 && s->rate_tat > tsc &&
	    s->rate_tat - tsc > pool->rate_burst)
		return NAT_ERR_RATE_LIMIT;
	return NAT_OK;
}

/*
 * A mapping of the subscriber's inside endpoint to outside port out_h of
 * its paired address, indexed; NAT_NONE with *err when there is no room.
 */
static __rte_always_inline uint32_t
map_make(struct nat_pool *pool, uint32_t sub_idx, uint32_t in_addr,
	 uint16_t in_port, uint8_t proto, uint16_t out_h, uint8_t flags,
	 enum nat_err *err)
{
	uint32_t out_addr = pool->addrs[pool->subs[sub_idx].addr_idx].addr;
	uint32_t idx;

	/* The outside index slot map_index() fills: a random line, its
	 * miss overlaps the record's write and the inside insert.
	 */
	rte_prefetch0(&pool->map_out.slot[nat_index_home(&pool->map_out,
		nat_map_hash(pool, out_addr, rte_cpu_to_be_16(out_h),
			     proto))]);
	if (pool->p.chosen != NULL)
		pool->p.chosen(pool->p.chosen_arg, out_addr,
			       rte_cpu_to_be_16(out_h), proto);
	idx = map_new(pool, err);
	if (idx == NAT_NONE)
		return NAT_NONE;
	pool->maps[idx] = (struct nat_mapping){
		.in_addr = in_addr,
		.in_port = in_port,
		.out_addr = out_addr,
		.out_port = rte_cpu_to_be_16(out_h),
		.proto = proto,
		.flags = flags,
		.sub_idx = sub_idx,
		.sess_head = NAT_NONE,
		.next_free = NAT_NONE,
	};
	if (map_index(pool, idx) < 0) {
		map_put(pool, idx);
		*err = NAT_ERR_MAP_TABLE_FULL;
		return NAT_NONE;
	}
	return idx;
}

uint32_t
nat_map_create(struct nat_pool *pool, uint32_t sub_idx, uint32_t in_addr,
	       uint16_t in_port, uint8_t proto, uint64_t tsc,
	       enum nat_err *err)
{
	struct nat_subscriber *s = &pool->subs[sub_idx];
	unsigned int slot = nat_proto_slot(proto);
	uint16_t in_port_h = rte_be_to_cpu_16(in_port);
	struct port_pick pk;
	uint32_t idx;
	uint16_t out_h;

	*err = NAT_OK;
	if (pool->hold_head != NAT_NONE)
		holds_expire(pool, tsc, NAT_HOLD_LAZY, sub_idx);
	*err = sub_limits(pool, s, slot, tsc);
	if (*err != NAT_OK)
		return NAT_NONE;
	if (s->det_host != NAT_NONE) {
		int off = det_pick(pool, s, slot, in_port_h);

		if (off >= 0) {
			out_h = (uint16_t)(s->det_lo + off);
			idx = map_make(pool, sub_idx, in_addr, in_port, proto,
				       out_h, NAT_MAP_DET, err);
			if (idx == NAT_NONE)
				return NAT_NONE;
			det_bitmap(pool, s->det_host, slot)[off >> 6] |=
				1ULL << (off & 63);
			s->n_mappings++;
			s->n_ports[slot]++;
			if (pool->p.map_rate != 0)
				s->rate_tat = RTE_MAX(s->rate_tat, tsc) +
					      pool->rate_interval;
			return idx;
		}
		/* The range is full: overflow into the dynamic pool. */
	}
	*err = pick_port(pool, sub_idx, in_port_h, proto, tsc, &pk);
	if (*err != NAT_OK)
		return NAT_NONE;
	out_h = (uint16_t)(pool->blocks[pk.blk].port_lo + pk.off);
	idx = map_make(pool, sub_idx, in_addr, in_port, proto, out_h, 0, err);
	if (idx == NAT_NONE)
		goto undo_block;
	port_mark(pool, pk.blk, slot, (uint32_t)pk.off, true);
	pool->blocks[pk.blk].n_used++;
	s->n_mappings++;
	s->n_ports[slot]++;
	if (pool->p.map_rate != 0)
		s->rate_tat = RTE_MAX(s->rate_tat, tsc) + pool->rate_interval;
	if (out_h == in_port_h)
		pool->ports_preserved++;
	if (pool->p.port_parity && ((out_h ^ in_port_h) & 1))
		pool->parity_missed++;
	return idx;
undo_block:
	if (pk.new_block && block_idle(pool, pk.blk))
		block_release(pool, pk.blk, tsc);
	return NAT_NONE;
}

uint32_t
nat_map_add_static(struct nat_pool *pool, uint8_t proto, uint32_t in_addr,
		   uint16_t in_port, uint32_t out_addr, uint16_t out_port,
		   enum nat_err *err)
{
	int32_t ai = nat_pool_addr_index(pool, out_addr);
	uint32_t sub_idx, idx;

	*err = NAT_OK;
	if (ai < 0) {
		*err = NAT_ERR_POOL_EXHAUSTED;
		return NAT_NONE;
	}
	/* The subscriber is paired with the static mapping's address. */
	sub_idx = nat_sub_lookup(pool, in_addr);
	if (sub_idx == NAT_NONE)
		sub_idx = sub_new(pool, in_addr, (uint32_t)ai, err);
	if (sub_idx == NAT_NONE)
		return NAT_NONE;
	pool->subs[sub_idx].flags |= NAT_SUB_PINNED;
	idx = map_new(pool, err);
	if (idx == NAT_NONE)
		return NAT_NONE;
	pool->maps[idx] = (struct nat_mapping){
		.in_addr = in_addr,
		.in_port = in_port,
		.out_addr = out_addr,
		.out_port = out_port,
		.proto = proto,
		.flags = NAT_MAP_STATIC,
		.sub_idx = sub_idx,
		.sess_head = NAT_NONE,
		.next_free = NAT_NONE,
	};
	if (map_index(pool, idx) < 0) {
		map_put(pool, idx);
		*err = NAT_ERR_MAP_TABLE_FULL;
		return NAT_NONE;
	}
	pool->subs[sub_idx].n_mappings++;
	return idx;
}

void
nat_map_release(struct nat_pool *pool, uint32_t map_idx, uint64_t tsc)
{
	struct nat_mapping *m = &pool->maps[map_idx];
	uint32_t sub_idx = m->sub_idx;
	unsigned int slot = nat_proto_slot(m->proto);
	uint16_t port = rte_be_to_cpu_16(m->out_port);
	uint32_t blk, off;

	if (m->flags & NAT_MAP_STATIC)
		return;
	nat_index_del(&pool->map_out,
		      nat_map_hash(pool, m->out_addr, m->out_port, m->proto),
		      map_idx);
	if (pool->p.eim)
		nat_index_del(&pool->map_in, nat_map_hash(pool, m->in_addr,
							  m->in_port,
							  m->proto),
			      map_idx);
	pool->n_maps--;
	if (m->flags & NAT_MAP_DET) {
		/* RFC 7422 ranges need no hold-down: the port can only ever
		 * go to the same subscriber. */
		struct nat_subscriber *s = &pool->subs[sub_idx];

		off = (uint32_t)(port - s->det_lo);
		det_bitmap(pool, s->det_host, slot)[off >> 6] &=
			~(1ULL << (off & 63));
		s->n_mappings--;
		s->n_ports[slot]--;
		map_put(pool, map_idx);
		nat_sub_maybe_free(pool, sub_idx);
		return;
	}

	/* A dynamic mapping is on its subscriber's paired address. */
	RTE_ASSERT(pool->addrs[pool->subs[sub_idx].addr_idx].addr ==
		   m->out_addr);
	blk = nat_block_of(pool, pool->subs[sub_idx].addr_idx, port);
	off = (uint32_t)(port - pool->blocks[blk].port_lo);
	/* The port stays marked used while it is held: hold it before the
	 * block can look idle.
	 */
	if (pool->hold_ticks != 0)
		hold_add(pool, sub_idx, blk, slot, off, tsc);
	else
		port_mark(pool, blk, slot, off, false);
	pool->subs[sub_idx].n_mappings--;
	pool->subs[sub_idx].n_ports[slot]--;
	map_put(pool, map_idx);
	pool->blocks[blk].n_used--;
	if (block_idle(pool, blk))
		block_release(pool, blk, tsc);
	nat_sub_maybe_free(pool, sub_idx);
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
