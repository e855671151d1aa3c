/* SPDX-License-Identifier: BSD-3-Clause
 * Address pool, port-block allocation, subscribers and mappings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "nat_pool.h"

struct map_key {
	uint32_t addr;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

static struct rte_hash *
make_hash(const char *name, const char *suffix, uint32_t entries,
	  uint32_t key_len, int socket)
{
	char n[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = n,
		.entries = entries < 8 ? 8 : entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.hash_func_init_val = (uint32_t)rte_rand(),
		.socket_id = socket,
		/* Without the extendable table, inserts can fail before
		 * `entries` keys are in (cuckoo paths run out): every
		 * subscriber and mapping the pool allows must fit.
		 */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(n, sizeof(n), "%s_%s", name, suffix);
	return rte_hash_create(&hp);
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

struct nat_pool *
nat_pool_create(const char *name, const struct nat_pool_params *p)
{
	struct nat_pool *pool;
	uint32_t *sorted = NULL;
	uint32_t i, b, nblk;

	if (p->n_addrs == 0 || p->block_size == 0 || p->port_lo > p->port_hi ||
	    p->max_blocks_per_sub == 0 ||
	    p->max_blocks_per_sub > NAT_MAX_BLOCKS_PER_SUB ||
	    p->max_subscribers == 0 || p->max_mappings == 0) {
		errno = EINVAL;
		return NULL;
	}
	pool = rte_zmalloc_socket(name, sizeof(*pool), RTE_CACHE_LINE_SIZE,
				  p->socket);
	if (pool == NULL)
		return NULL;
	pool->p = *p;
	pool->bytes = sizeof(*pool);
	pool->blocks_per_addr = ((uint32_t)p->port_hi - p->port_lo + 1) /
				p->block_size;
	if (pool->blocks_per_addr == 0) {
		rte_free(pool);
		errno = EINVAL;
		return NULL;
	}
	pool->words_per_block = (p->block_size + 63) / 64;
	nblk = p->n_addrs * pool->blocks_per_addr;

	sorted = malloc(sizeof(uint32_t) * p->n_addrs);
	pool->addrs = zalloc(pool, name, sizeof(struct nat_addr) * p->n_addrs);
	pool->blocks = zalloc(pool, name, sizeof(struct nat_block) * nblk);
	pool->bitmap = zalloc(pool, name, sizeof(uint64_t) * nblk * NAT_PROTOS *
					  pool->words_per_block);
	pool->subs = zalloc(pool, name, sizeof(struct nat_subscriber) *
					p->max_subscribers);
	pool->maps = zalloc(pool, name, sizeof(struct nat_mapping) *
					p->max_mappings);
	if (sorted == NULL || pool->addrs == NULL || pool->blocks == NULL ||
	    pool->bitmap == NULL || pool->subs == NULL || pool->maps == NULL)
		goto fail;

	memcpy(sorted, p->addrs, sizeof(uint32_t) * p->n_addrs);
	qsort(sorted, p->n_addrs, sizeof(uint32_t), cmp_u32);
	for (i = 0; i < p->n_addrs; i++) {
		struct nat_addr *a = &pool->addrs[i];

		a->addr = rte_cpu_to_be_32(sorted[i]);
		a->free_blk = zalloc(pool, name,
				     sizeof(uint32_t) * pool->blocks_per_addr);
		if (a->free_blk == NULL)
			goto fail;
		if (!p->start_empty) {
			a->n_free = pool->blocks_per_addr;
			for (b = 0; b < pool->blocks_per_addr; b++)
				a->free_blk[b] = b;
		}
	}
	free(sorted);
	sorted = NULL;
	/* The sorted copy is the one kept: index lookups bisect it. */
	pool->p.addrs = NULL;

	for (i = 0; i < nblk; i++)
		pool->blocks[i].sub_idx = NAT_NONE;
	for (i = 0; i < p->max_subscribers; i++)
		pool->subs[i].next_free = i + 1 < p->max_subscribers ? i + 1 :
								       NAT_NONE;
	for (i = 0; i < p->max_mappings; i++)
		pool->maps[i].next_free = i + 1 < p->max_mappings ? i + 1 :
								    NAT_NONE;
	pool->sub_free = 0;
	pool->map_free = 0;

	pool->sub_hash = make_hash(name, "sub", p->max_subscribers,
				   sizeof(uint32_t), p->socket);
	pool->map_in = make_hash(name, "min", p->max_mappings,
				 sizeof(struct map_key), p->socket);
	pool->map_out = make_hash(name, "mout", p->max_mappings,
				  sizeof(struct map_key), p->socket);
	if (pool->sub_hash == NULL || pool->map_in == NULL ||
	    pool->map_out == NULL)
		goto fail;
	/* rte_hash does not say what it allocates; count key and bucket
	 * storage the way rte_cuckoo_hash sizes them (>= 1.25 x entries).
	 */
	pool->bytes += (uint64_t)p->max_subscribers * 2 * 16 +
		       (uint64_t)p->max_mappings * 2 * 2 * 24;
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
	rte_hash_free(pool->sub_hash);
	rte_hash_free(pool->map_in);
	rte_hash_free(pool->map_out);
	if (pool->addrs != NULL)
		for (i = 0; i < pool->p.n_addrs; i++)
			rte_free(pool->addrs[i].free_blk);
	rte_free(pool->addrs);
	rte_free(pool->blocks);
	rte_free(pool->bitmap);
	rte_free(pool->subs);
	rte_free(pool->maps);
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
	}
	return "?";
}

int32_t
nat_pool_addr_index(const struct nat_pool *pool, uint32_t addr)
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

	*lo = (uint16_t)(pool->p.port_lo + b * pool->p.block_size);
	*hi = (uint16_t)(*lo + pool->p.block_size - 1);
}

static inline uint64_t *
block_bitmap(const struct nat_pool *pool, uint32_t blk, unsigned int slot)
{
	return &pool->bitmap[((size_t)blk * NAT_PROTOS + slot) *
			     pool->words_per_block];
}

uint32_t
nat_sub_lookup(const struct nat_pool *pool, uint32_t in_addr)
{
	void *data;

	if (rte_hash_lookup_data(pool->sub_hash, &in_addr, &data) < 0)
		return NAT_NONE;
	return (uint32_t)(uintptr_t)data;
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
	uint32_t idx = pool->sub_free;
	struct nat_subscriber *s;

	if (idx == NAT_NONE) {
		*err = NAT_ERR_SUB_TABLE_FULL;
		return NAT_NONE;
	}
	if (rte_hash_add_key_data(pool->sub_hash, &in_addr,
				  (void *)(uintptr_t)idx) < 0) {
		*err = NAT_ERR_SUB_TABLE_FULL;
		return NAT_NONE;
	}
	s = &pool->subs[idx];
	pool->sub_free = s->next_free;
	memset(s, 0, sizeof(*s));
	s->addr = in_addr;
	s->addr_idx = addr_idx;
	s->next_free = NAT_NONE;
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
	return sub_new(pool, in_addr, pick_address(pool), err);
}

void
nat_sub_maybe_free(struct nat_pool *pool, uint32_t idx)
{
	struct nat_subscriber *s = &pool->subs[idx];

	if (s->n_blocks != 0 || s->n_mappings != 0 || s->n_sessions != 0 ||
	    (s->flags & NAT_SUB_PINNED))
		return;
	rte_hash_del_key(pool->sub_hash, &s->addr);
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

/* Grant a random free block of the subscriber's address. */
static uint32_t
block_grant(struct nat_pool *pool, uint32_t sub_idx, uint64_t tsc)
{
	struct nat_subscriber *s = &pool->subs[sub_idx];
	struct nat_addr *a = &pool->addrs[s->addr_idx];
	uint32_t r, b, blk;

	if (a->n_free == 0) {
		if (pool->p.need != NULL)
			pool->p.need(pool->p.log_arg, s->addr_idx);
		return NAT_NONE;
	}
	/* Take a random entry of the free stack; the last one fills its
	 * place. Blocks are thus hard to guess (RFC 6888 REQ-15).
	 */
	r = (uint32_t)(rte_rand() % a->n_free);
	b = a->free_blk[r];
	a->free_blk[r] = a->free_blk[--a->n_free];
	blk = s->addr_idx * pool->blocks_per_addr + b;
	if (pool->p.need != NULL && a->n_free <= pool->p.low_water)
		pool->p.need(pool->p.log_arg, s->addr_idx);
	pool->blocks[blk].sub_idx = sub_idx;
	pool->blocks[blk].n_used = 0;
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
	a->free_blk[a->n_free++] = blk % pool->blocks_per_addr;
	pool->n_blocks_used--;
}

/*
 * Find a free port for proto in a block, starting at a random offset.
 * Returns the offset in the block or -1.
 */
static int
block_find_port(const struct nat_pool *pool, uint32_t blk, unsigned int slot)
{
	const uint64_t *bm = block_bitmap(pool, blk, slot);
	uint32_t bs = pool->p.block_size;
	uint32_t start = (uint32_t)(rte_rand() % bs);
	uint32_t n, off;

	for (n = 0; n < bs; n++) {
		off = start + n;
		if (off >= bs)
			off -= bs;
		/* Skip a whole word of used ports at once. */
		if ((off & 63) == 0 && bm[off >> 6] == UINT64_MAX &&
		    bs - n >= 64) {
			n += 63;
			continue;
		}
		if (!(bm[off >> 6] & (1ULL << (off & 63))))
			return (int)off;
	}
	return -1;
}

static uint32_t
map_new(struct nat_pool *pool, enum nat_err *err)
{
	uint32_t idx = pool->map_free;

	if (idx == NAT_NONE) {
		*err = NAT_ERR_MAP_TABLE_FULL;
		return NAT_NONE;
	}
	pool->map_free = pool->maps[idx].next_free;
	memset(&pool->maps[idx], 0, sizeof(struct nat_mapping));
	pool->maps[idx].next_free = NAT_NONE;
	pool->maps[idx].sess_head = NAT_NONE;
	return idx;
}

static void
map_put(struct nat_pool *pool, uint32_t idx)
{
	pool->maps[idx].proto = 0;
	pool->maps[idx].next_free = pool->map_free;
	pool->map_free = idx;
}

static int
map_index(struct nat_pool *pool, uint32_t idx)
{
	struct nat_mapping *m = &pool->maps[idx];
	struct map_key ko = { .addr = m->out_addr, .port = m->out_port,
			      .proto = m->proto };
	struct map_key ki = { .addr = m->in_addr, .port = m->in_port,
			      .proto = m->proto };
	void *data = (void *)(uintptr_t)idx;

	if (rte_hash_add_key_data(pool->map_out, &ko, data) < 0)
		return -1;
	if ((pool->p.eim || (m->flags & NAT_MAP_STATIC)) &&
	    rte_hash_add_key_data(pool->map_in, &ki, data) < 0) {
		rte_hash_del_key(pool->map_out, &ko);
		return -1;
	}
	pool->n_maps++;
	return 0;
}

uint32_t
nat_map_lookup_in(const struct nat_pool *pool, uint32_t in_addr,
		  uint16_t in_port, uint8_t proto)
{
	struct map_key k = { .addr = in_addr, .port = in_port, .proto = proto };
	void *data;

	if (rte_hash_lookup_data(pool->map_in, &k, &data) < 0)
		return NAT_NONE;
	return (uint32_t)(uintptr_t)data;
}

uint32_t
nat_map_lookup_out(const struct nat_pool *pool, uint32_t out_addr,
		   uint16_t out_port, uint8_t proto)
{
	struct map_key k = { .addr = out_addr, .port = out_port,
			     .proto = proto };
	void *data;

	if (rte_hash_lookup_data(pool->map_out, &k, &data) < 0)
		return NAT_NONE;
	return (uint32_t)(uintptr_t)data;
}

uint32_t
nat_map_create(struct nat_pool *pool, uint32_t sub_idx, uint32_t in_addr,
	       uint16_t in_port, uint8_t proto, uint64_t tsc,
	       enum nat_err *err)
{
	struct nat_subscriber *s = &pool->subs[sub_idx];
	unsigned int slot = nat_proto_slot(proto);
	uint32_t blk = NAT_NONE, idx, i, first;
	uint16_t lo, hi;
	int off = -1;

	*err = NAT_OK;
	/* 1) A free port in a block the subscriber already holds, starting
	 *    from a random block so ports spread over the blocks.
	 */
	first = s->n_blocks ? (uint32_t)(rte_rand() % s->n_blocks) : 0;
	for (i = 0; i < s->n_blocks && off < 0; i++) {
		blk = s->blocks[(first + i) % s->n_blocks];
		off = block_find_port(pool, blk, slot);
	}
	/* 2) Otherwise a new block of the paired address. */
	if (off < 0) {
		if (s->n_blocks >= pool->p.max_blocks_per_sub) {
			*err = NAT_ERR_PORTS_EXHAUSTED;
			return NAT_NONE;
		}
		blk = block_grant(pool, sub_idx, tsc);
		if (blk == NAT_NONE) {
			*err = pool->p.global_free != NULL &&
			       __atomic_load_n(&pool->p.global_free[s->addr_idx],
					       __ATOMIC_RELAXED) > 0 ?
				NAT_ERR_BLOCK_PENDING : NAT_ERR_POOL_EXHAUSTED;
			return NAT_NONE;
		}
		off = block_find_port(pool, blk, slot);
	}
	idx = map_new(pool, err);
	if (idx == NAT_NONE)
		goto undo_block;
	nat_block_range(pool, blk, &lo, &hi);
	pool->maps[idx] = (struct nat_mapping){
		.in_addr = in_addr,
		.in_port = in_port,
		.out_addr = pool->addrs[s->addr_idx].addr,
		.out_port = rte_cpu_to_be_16((uint16_t)(lo + off)),
		.proto = proto,
		.sub_idx = sub_idx,
		.sess_head = NAT_NONE,
		.next_free = NAT_NONE,
	};
	if (map_index(pool, idx) < 0) {
		map_put(pool, idx);
		*err = NAT_ERR_MAP_TABLE_FULL;
		goto undo_block;
	}
	block_bitmap(pool, blk, slot)[off >> 6] |= 1ULL << (off & 63);
	pool->blocks[blk].n_used++;
	s->n_mappings++;
	return idx;
undo_block:
	if (pool->blocks[blk].n_used == 0)
		block_release(pool, blk, tsc);
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
	struct map_key ko = { .addr = m->out_addr, .port = m->out_port,
			      .proto = m->proto };
	struct map_key ki = { .addr = m->in_addr, .port = m->in_port,
			      .proto = m->proto };
	uint32_t sub_idx = m->sub_idx;
	uint32_t port, blk, off;
	int32_t ai;

	if (m->flags & NAT_MAP_STATIC)
		return;
	rte_hash_del_key(pool->map_out, &ko);
	if (pool->p.eim)
		rte_hash_del_key(pool->map_in, &ki);
	pool->n_maps--;

	ai = nat_pool_addr_index(pool, m->out_addr);
	port = rte_be_to_cpu_16(m->out_port) - pool->p.port_lo;
	blk = (uint32_t)ai * pool->blocks_per_addr + port / pool->p.block_size;
	off = port % pool->p.block_size;
	block_bitmap(pool, blk, nat_proto_slot(m->proto))[off >> 6] &=
		~(1ULL << (off & 63));
	pool->subs[sub_idx].n_mappings--;
	map_put(pool, map_idx);
	if (--pool->blocks[blk].n_used == 0)
		block_release(pool, blk, tsc);
	nat_sub_maybe_free(pool, sub_idx);
}

void
nat_pool_block_give(struct nat_pool *pool, uint32_t blk)
{
	struct nat_addr *a = &pool->addrs[blk / pool->blocks_per_addr];

	pool->blocks[blk].sub_idx = NAT_NONE;
	pool->blocks[blk].n_used = 0;
	a->free_blk[a->n_free++] = blk % pool->blocks_per_addr;
}

uint32_t
nat_pool_block_take(struct nat_pool *pool, uint32_t addr_idx, uint32_t keep)
{
	struct nat_addr *a = &pool->addrs[addr_idx];

	if (a->n_free <= keep)
		return NAT_NONE;
	return addr_idx * pool->blocks_per_addr + a->free_blk[--a->n_free];
}
