/* SPDX-License-Identifier: BSD-3-Clause
 * Mappings: choosing the outside port (blocks, preservation, parity, RFC
 * 7422 ranges), the subscriber's limits, indexing, static mappings and
 * release. The port assignment policies are described in nat_pool.h.
 */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_debug.h>
#include <rte_prefetch.h>

#include "nat_pool_int.h"

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

/* ------------------------------------------------------------------ */
/* Port choice: RFC 7422 ranges, blocks, a port in a block             */

/* Is block blk a low block? nat_block_is_low() without a division. */
static inline bool
blk_low(const struct nat_pool *pool, uint32_t blk)
{
	uint16_t lo = pool->blocks[blk].port_lo;

	return pool->n_low_blocks != 0 && lo >= pool->p.low_lo &&
	       lo <= pool->p.low_hi;
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
/* Mapping records and their indexes                                   */

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

/* ------------------------------------------------------------------ */
/* Choosing the port of a new mapping                                  */

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

/* ------------------------------------------------------------------ */
/* Making and releasing mappings                                       */

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

/* Count a new mapping of the subscriber (limits, rate). */
static __rte_always_inline void
sub_count(const struct nat_pool *pool, struct nat_subscriber *s,
	  unsigned int slot, uint64_t tsc)
{
	s->n_mappings++;
	s->n_ports[slot]++;
	if (pool->p.map_rate != 0)
		s->rate_tat = RTE_MAX(s->rate_tat, tsc) + pool->rate_interval;
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
			sub_count(pool, s, slot, tsc);
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
	sub_count(pool, s, slot, tsc);
	if (out_h == in_port_h)
		pool->ports_preserved++;
	if (pool->p.port_parity && ((out_h ^ in_port_h) & 1))
		pool->parity_missed++;
	return idx;
undo_block:
	if (pk.new_block && block_idle(pool, pk.blk))
		nat_pool_block_release(pool, pk.blk, tsc);
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
		sub_idx = nat_pool_sub_new(pool, in_addr, (uint32_t)ai, err);
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
		nat_pool_block_release(pool, blk, tsc);
	nat_sub_maybe_free(pool, sub_idx);
}
