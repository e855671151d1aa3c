/* SPDX-License-Identifier: BSD-3-Clause
 * Address pool, port-block allocation (PBA), subscribers and mappings.
 *
 * Vocabulary (RFC 6888, RFC 8512):
 *   subscriber  an inside address. It is paired with one pool address for
 *               as long as it holds anything (paired address pooling).
 *   port block  block_size consecutive ports of one pool address, granted
 *               whole to one subscriber; the unit of logging.
 *   mapping     inside (address, port, protocol) <-> outside (address,
 *               port, protocol). With endpoint-independent mapping every
 *               session from the same inside endpoint shares it.
 *
 * One writer: the worker that owns the pool instance. Addresses and ports
 * in the public structures are in network byte order unless named _h.
 *
 * Port assignment policies (nat_pool_params; all off when zeroed, so a
 * caller that does not know them gets the plain behaviour):
 *
 *   low ports (RFC 4787 REQ-3a)
 *       With a low range low_lo..low_hi (within 1-1023), every pool
 *       address also has LOW BLOCKS: low_block_size consecutive ports of
 *       the low range. They are numbered after the regular blocks of the
 *       same address: per address, block numbers 0..n_reg_blocks-1 are
 *       regular (pool.ports), n_reg_blocks..blocks_per_addr-1 are low, and
 *       blocks_per_addr counts both. A low block is granted, logged,
 *       released and handed between pools exactly like a regular one, and
 *       belongs to the subscriber's paired address. Inside TCP/UDP ports
 *       0-1023 get outside ports from low blocks only, every other port
 *       (and every ICMP identifier) from regular blocks only. Low blocks
 *       count against max_blocks_per_sub. nat_block_of(), nat_port_block()
 *       and nat_block_range() know both kinds.
 *
 *   port preservation (RFC 4787 sec. 4.2.1, RFC 8512)
 *       The inside port is used as the outside port when it lies in a
 *       block of the right kind that the subscriber holds and is free
 *       there, or when the subscriber needs a new block anyway and the
 *       block holding that port is free in this pool: then that block is
 *       the one granted. A block is never granted only to preserve a port,
 *       so preservation costs no blocks (RFC 6888 REQ-13).
 *
 *   parity (RFC 4787 REQ-4)
 *       The outside port has the inside port's parity. When no port of
 *       that parity is free and no block can be granted, a port of the
 *       other parity is used rather than refusing the mapping.
 *
 *   hold-down (RFC 6888 REQ-8)
 *       Every released dynamic port stays in use ("held") for hold_down
 *       seconds (tsc_hz ticks each) after nat_map_release(): it is not
 *       handed out again, whatever protocol state the mapping had. Its
 *       block stays with the subscriber until it has neither mappings nor
 *       held ports, so the hold survives block reuse and the block log
 *       shows the release when the last hold ends. At most hold_down_max
 *       held ports per subscriber (0: no limit): beyond it the
 *       subscriber's oldest hold ends early. At most max_holds in the pool
 *       (0: max_mappings): beyond it the pool's oldest hold ends early.
 *       Holds end lazily: nat_map_create() ends a few due ones, and the
 *       owner calls nat_pool_tick() periodically for the rest.
 *
 *   limits (RFC 6888 REQ-4)
 *       port_limit[slot]: most dynamic mappings (= outside ports) a
 *       subscriber may hold per protocol (held ports do not count);
 *       map_rate: new mappings per second per subscriber, bursts of
 *       map_rate allowed (GCRA). Refusals are NAT_ERR_PORT_LIMIT and
 *       NAT_ERR_RATE_LIMIT; existing mappings are never touched.
 *
 *   Ports stay hard to guess (RFC 6888 REQ-15): blocks are granted at
 *   random, and inside a block the search starts at a random port (a
 *   per-pool xorshift64* seeded from rte_rand()); preservation and parity
 *   aside, nothing else is predictable.
 *
 * Indexes (nat_index.h): inside address -> subscriber, inside (address,
 * port, protocol) -> mapping (EIM and static mappings only) and outside
 * (address, port, protocol) -> mapping. Open addressing over 8-byte slots,
 * sized for max_subscribers and max_mappings at most 3/4 full, so a
 * record that could be allocated can always be indexed; no keys stored
 * (the records are the keys). An endpoint already indexed is not indexed
 * twice: nat_map_add_static() of a mapped endpoint fails with
 * NAT_ERR_MAP_TABLE_FULL. pool->bytes counts them with everything else
 * the pool allocates.
 */
#ifndef NAT_POOL_H
#define NAT_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "nat_index.h"

#define NAT_NONE UINT32_MAX
#define NAT_MAX_BLOCKS_PER_SUB 64
#define NAT_PROTOS 3 /* TCP, UDP, ICMP */

/* Why a mapping could not be made. */
enum nat_err {
	NAT_OK = 0,
	NAT_ERR_SUB_TABLE_FULL,  /* no room for another subscriber */
	NAT_ERR_MAP_TABLE_FULL,  /* no room for another mapping */
	NAT_ERR_POOL_EXHAUSTED,  /* the paired address has no free block */
	NAT_ERR_PORTS_EXHAUSTED, /* subscriber at its block limit, all used */
	NAT_ERR_BLOCK_PENDING,   /* no local free block yet; one was asked for */
	NAT_ERR_PORT_LIMIT,      /* subscriber at its per-protocol port limit */
	NAT_ERR_RATE_LIMIT,      /* subscriber over its mapping rate */
};

/* Port-block log events. */
enum nat_log_type { NAT_LOG_BLOCK_ALLOC = 1, NAT_LOG_BLOCK_RELEASE = 2 };

struct nat_log_event {
	uint64_t tsc;      /* rte_rdtsc() when it happened */
	uint32_t sub_addr; /* network order */
	uint32_t out_addr; /* network order */
	uint16_t port_lo;  /* host order, inclusive */
	uint16_t port_hi;
	uint8_t type;      /* enum nat_log_type */
	uint8_t pad[3];
};

typedef void (*nat_log_fn)(void *arg, const struct nat_log_event *ev);

/* RFC 7422 f1: the pool address and port range (host order) of an inside
 * address (network order); 0, or -1 when it has none. */
typedef int (*nat_det_fn)(void *arg, uint32_t in_addr, uint32_t *out_addr_h,
			  uint16_t *lo, uint16_t *hi);

/* The pool is short of free blocks of an address (see low_water). */
typedef void (*nat_need_fn)(void *arg, uint32_t addr_idx);

/* nat_map_create() chose the outside endpoint (network order) of a new
 * mapping, before indexing it: a hint, for the caller to prefetch what it
 * will index the mapping's sessions by while the pool indexes it. */
typedef void (*nat_chosen_fn)(void *arg, uint32_t out_addr, uint16_t out_port,
			      uint8_t proto);

struct nat_pool_params {
	const uint32_t *addrs;   /* pool addresses, host order */
	uint32_t n_addrs;
	uint16_t port_lo, port_hi; /* dynamic range, host order */
	uint16_t block_size;
	uint16_t max_blocks_per_sub;
	uint32_t max_subscribers;
	uint32_t max_mappings;
	bool eim;                /* endpoint-independent mapping */
	int socket;
	nat_log_fn log;          /* may be NULL */
	void *log_arg;
	nat_chosen_fn chosen;    /* may be NULL */
	void *chosen_arg;
	/*
	 * Several pools may share the addresses (one per worker), each with
	 * the blocks a block manager gave it. Then start_empty is set, blocks
	 * come in with nat_pool_block_give() and go back with
	 * nat_pool_block_take(), need() is called when the free blocks of an
	 * address fall to low_water or below, and global_free[addr_idx] (read
	 * only) tells how many blocks the manager still holds per address.
	 */
	/*
	 * Deterministic NAT (RFC 7422): when det_f1 is set, a subscriber that
	 * has a range is paired with its address and takes its ports there
	 * first (no block, no log line: the range is a function of its
	 * address); when the range is full it overflows into the dynamic
	 * blocks (port_lo..port_hi), logged as usual. Hosts are numbered
	 * from det_first_host (host order), det_hosts of them, each with
	 * det_ports ports.
	 */
	nat_det_fn det_f1;
	void *det_arg;
	uint32_t det_first_host;
	uint32_t det_hosts;
	uint16_t det_ports;
	bool start_empty;
	uint32_t low_water;
	nat_need_fn need;        /* may be NULL */
	const uint32_t *global_free; /* may be NULL */
	/*
	 * Port assignment policies (see the top of this file); zero = off.
	 */
	bool port_preservation;
	bool port_parity;
	uint16_t low_lo, low_hi; /* low range (host order); 0, 0: none */
	uint16_t low_block_size; /* 0: min(block_size, low range size) */
	/* Short of free low blocks of an address; NULL: need() is called. */
	nat_need_fn need_low;
	uint64_t tsc_hz;         /* ticks per second of the tsc arguments;
				  * needed by hold_down and map_rate */
	uint32_t hold_down;      /* seconds; 0: off */
	uint32_t hold_down_max;  /* held ports per subscriber; 0: no limit */
	uint32_t max_holds;      /* held ports in the pool; 0: max_mappings */
	uint32_t port_limit[NAT_PROTOS]; /* per nat_proto_slot(); 0: none */
	uint32_t map_rate;       /* new mappings/s per subscriber; 0: none */
};

/*
 * Blocks per address for these parameters, regular and low together; what
 * nat_pool_create() puts in pool->blocks_per_addr. For a block manager
 * that numbers blocks before the pools exist.
 */
static inline uint32_t
nat_blocks_per_addr(const struct nat_pool_params *p)
{
	uint32_t n_low = (uint32_t)p->low_hi - p->low_lo + 1;
	uint32_t lbs;

	if (p->block_size == 0 || p->port_lo > p->port_hi)
		return 0;
	if (p->low_hi == 0 || p->low_lo > p->low_hi)
		n_low = 0;
	lbs = p->low_block_size ? p->low_block_size :
	      RTE_MIN((uint32_t)p->block_size, n_low);
	return ((uint32_t)p->port_hi - p->port_lo + 1) / p->block_size +
	       (n_low && lbs ? n_low / lbs : 0);
}

struct nat_addr {
	uint32_t addr;        /* network order */
	uint32_t n_subs;      /* subscribers paired with it */
	uint32_t n_free;      /* free regular blocks */
	uint32_t *free_blk;   /* stack of free regular block numbers (0-based
			       * within the address) */
	uint32_t n_free_low;  /* free low blocks */
	uint32_t *free_low;   /* stack of free low block numbers */
	uint32_t *free_pos;   /* [block number]: its index in its stack, or
			       * NAT_NONE when not free here */
};

struct nat_block {
	uint32_t sub_idx;     /* owner or NAT_NONE */
	uint32_t n_used;      /* mappings in it, all protocols */
	uint32_t n_held;      /* ports of it in hold-down */
	uint16_t port_lo;     /* its first port, host order (fixed) */
	uint16_t n_ports;     /* its size (fixed) */
};

/* A released port in hold-down. */
struct nat_hold {
	uint64_t until;       /* tsc when it may be used again */
	uint32_t blk;
	uint32_t sub_idx;
	uint32_t prev, next;  /* pool list, oldest first; next: free list */
	uint32_t sub_next;    /* the subscriber's list, oldest first */
	uint16_t off;         /* port offset in the block */
	uint8_t slot;         /* nat_proto_slot() */
	uint8_t pad;
};

#define NAT_SUB_PINNED 0x1 /* holds static mappings: never freed */
/* The owner's, for its own use: cleared when the record is made. The
 * worker sets it once the subscriber's neighbour entry exists. */
#define NAT_SUB_NEIGH  0x2

struct nat_subscriber {
	uint32_t addr;        /* inside address, network order */
	uint32_t addr_idx;    /* paired pool address */
	uint32_t n_sessions;
	uint32_t n_mappings;
	uint16_t n_blocks;
	uint16_t flags;
	uint32_t next_free;
	uint32_t *blocks;     /* global block ids, n_blocks of them (room for
			       * max_blocks_per_sub, in pool->sub_blocks) */
	uint32_t n_ports[NAT_PROTOS]; /* dynamic mappings per protocol slot */
	uint32_t n_held;      /* ports in hold-down */
	uint32_t hold_head;   /* its oldest hold, or NAT_NONE */
	uint32_t hold_tail;
	uint64_t rate_tat;    /* mapping rate: GCRA theoretical arrival */
	uint32_t det_host;    /* RFC 7422 host index, or NAT_NONE */
	uint16_t det_lo;      /* its deterministic port range, host order */
	uint16_t det_hi;
};

#define NAT_MAP_STATIC 0x1
#define NAT_MAP_DET    0x2 /* in the subscriber's RFC 7422 range */
#define NAT_MAP_PCP    0x4 /* asked for with PCP MAP: kept (the worker
			    * knows until when), open inbound */


struct nat_mapping {
	uint32_t in_addr;     /* network order */
	uint32_t out_addr;
	uint16_t in_port;
	uint16_t out_port;
	uint8_t proto;        /* 0: free */
	uint8_t flags;
	uint16_t pad;
	uint32_t sub_idx;
	uint32_t n_sessions;
	uint32_t sess_head;   /* first session (lib/conntrack index) */
	uint32_t next_free;
};

/* Two a cache line: the mapping array is most of the pool's memory. */
_Static_assert(sizeof(struct nat_mapping) == 32, "nat_mapping: 32 bytes");

struct nat_pool {
	struct nat_pool_params p;
	uint64_t *det_bm;         /* [host][proto][word]: RFC 7422 ports used */
	uint32_t det_words;       /* 64-bit words per host and protocol */
	uint32_t blocks_per_addr; /* all blocks of an address, both kinds */
	uint32_t n_reg_blocks;    /* regular blocks per address (numbered
				   * first) */
	uint32_t n_low_blocks;    /* low blocks per address (after them) */
	uint16_t low_block_size;  /* ports per low block (1 when none) */
	uint32_t words_per_block; /* 64-bit words of a block's bitmap */
	uint64_t hold_ticks;      /* hold_down in tsc ticks; 0: off */
	uint64_t rate_interval;   /* ticks between mappings at map_rate */
	uint64_t rate_burst;      /* GCRA tolerance: (map_rate-1) intervals */
	struct nat_hold *holds;
	uint32_t n_holds_max;
	uint32_t hold_free;       /* free list of holds */
	uint32_t hold_head;       /* oldest hold, or NAT_NONE */
	uint32_t hold_tail;
	struct nat_addr *addrs;   /* sorted by address */
	uint32_t addr_first_h;    /* the lowest address, host order */
	uint32_t addr_last_off;   /* the highest minus the lowest */
	bool addr_dense;          /* consecutive addresses: index = offset */
	struct nat_block *blocks;
	uint64_t *bitmap;         /* [block][proto][word]: port in use */
	struct nat_subscriber *subs;
	uint32_t *sub_blocks;     /* [sub][max_blocks_per_sub]: their blocks */
	uint32_t sub_free;
	struct nat_mapping *maps;
	uint32_t map_free;
	/*
	 * Indexes (nat_index.h: 8-byte slots, at most 3/4 full, sized for
	 * every record; keys hashed with CRC32 and seed).
	 */
	struct nat_index sub_ix;  /* inside address -> subscriber */
	struct nat_index map_in;  /* inside (addr, port, proto) -> mapping;
				   * EIM and static mappings only */
	struct nat_index map_out; /* outside (addr, port, proto) -> mapping */
	uint32_t seed;            /* hash seed, random per pool */
	uint64_t rng;             /* xorshift64* state: block and port
				   * choice (seeded from rte_rand()) */
	/* Gauges, read by the CLI and telemetry. */
	uint32_t n_subs;
	uint32_t n_maps;
	uint32_t n_blocks_used;
	uint32_t n_holds;         /* ports in hold-down */
	uint64_t bytes;           /* memory allocated */
	/* Counters. */
	uint64_t holds_ended_early; /* hold_down_max or max_holds reached */
	uint64_t ports_preserved;   /* outside port = inside port */
	uint64_t parity_missed;     /* parity wanted, other parity used */
};

struct nat_pool *nat_pool_create(const char *name,
				 const struct nat_pool_params *p);
void nat_pool_free(struct nat_pool *pool);

/* Protocol slot 0..2 for IPPROTO_TCP/UDP/ICMP. */
static inline unsigned int
nat_proto_slot(uint8_t proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : 2;
}

/*
 * Key hashes of the indexes: one CRC32 instruction with the pool's seed,
 * then a multiply by an odd constant. CRC is affine over GF(2): alone,
 * the seed would only XOR a constant into every hash, so which keys share
 * the high bits (the index's home slot) would not depend on it, and a
 * subscriber could pick inside ports that pile up in one cluster. The
 * multiply's carries make that depend on the secret seed.
 */
static inline uint32_t
nat_sub_hash(const struct nat_pool *pool, uint32_t in_addr)
{
	return rte_hash_crc_4byte(in_addr, pool->seed) * 0x9e3779b1u;
}

static inline uint32_t
nat_map_hash(const struct nat_pool *pool, uint32_t addr, uint16_t port,
	     uint8_t proto)
{
	return rte_hash_crc_8byte((uint64_t)addr | (uint64_t)port << 32 |
				  (uint64_t)proto << 48, pool->seed) *
	       0x9e3779b1u;
}

/* An endpoint key of map_in or map_out. */
struct nat_map_key {
	uint32_t addr;
	uint16_t port;
	uint8_t proto;
};

/* nat_index match callbacks (ctx: the pool). */
static inline bool
nat_sub_match(const void *ctx, uint32_t idx, const void *key)
{
	const struct nat_pool *pool = ctx;

	return pool->subs[idx].addr == *(const uint32_t *)key;
}

static inline bool
nat_map_in_match(const void *ctx, uint32_t idx, const void *key)
{
	const struct nat_pool *pool = ctx;
	const struct nat_mapping *m = &pool->maps[idx];
	const struct nat_map_key *k = key;

	return m->in_addr == k->addr && m->in_port == k->port &&
	       m->proto == k->proto;
}

static inline bool
nat_map_out_match(const void *ctx, uint32_t idx, const void *key)
{
	const struct nat_pool *pool = ctx;
	const struct nat_mapping *m = &pool->maps[idx];
	const struct nat_map_key *k = key;

	return m->out_addr == k->addr && m->out_port == k->port &&
	       m->proto == k->proto;
}

/* Find the subscriber record of an inside address, or make one. */
uint32_t nat_sub_get(struct nat_pool *pool, uint32_t in_addr,
		     enum nat_err *err);

/* The subscriber record of an inside address, or NAT_NONE. */
static inline uint32_t
nat_sub_lookup(const struct nat_pool *pool, uint32_t in_addr)
{
	return nat_index_find(&pool->sub_ix, nat_sub_hash(pool, in_addr),
			      nat_sub_match, pool, &in_addr);
}
/*
 * Prefetch, in stages, what a new mapping of in_addr will read, for a
 * burst of new flows at a time so that their misses overlap: each stage
 * reads what the previous one prefetched for every flow of the burst.
 * 1. nat_sub_prefetch_slot(): the subscriber index slot;
 * 2. nat_sub_prefetch_record(): reads it, prefetches the record it
 *    points to (its key unchecked: a guess), returns its index or
 *    NAT_NONE;
 * 3. nat_sub_prefetch_blocks(): reads the record, prefetches its list
 *    of blocks;
 * 4. nat_map_prefetch_ports(): reads the list, prefetches the blocks'
 *    records and port bitmaps for proto, and those of the block that
 *    would preserve in_port.
 * Only hints: nothing is written, and a wrong guess costs a line.
 */
static inline void
nat_sub_prefetch_slot(const struct nat_pool *pool, uint32_t in_addr)
{
	rte_prefetch0(&pool->sub_ix.slot[nat_index_home(&pool->sub_ix,
					 nat_sub_hash(pool, in_addr))]);
}

static inline uint32_t
nat_sub_prefetch_record(const struct nat_pool *pool, uint32_t in_addr)
{
	uint32_t idx = nat_index_guess(&pool->sub_ix,
				       nat_sub_hash(pool, in_addr));

	if (idx != NAT_INDEX_EMPTY) {
		const char *r = (const char *)&pool->subs[idx];

		rte_prefetch0(r);
		rte_prefetch0(r + sizeof(pool->subs[0]) - 1);
	}
	return idx;
}

static inline void
nat_sub_prefetch_blocks(const struct nat_pool *pool, uint32_t sub_idx)
{
	rte_prefetch0(pool->subs[sub_idx].blocks);
}

void nat_map_prefetch_ports(const struct nat_pool *pool, uint32_t sub_idx,
			    uint16_t in_port, uint8_t proto);

/* Free a subscriber record that holds no block, mapping or session. */
void nat_sub_maybe_free(struct nat_pool *pool, uint32_t sub_idx);

/* Mapping of an inside endpoint (EIM reuse), or NAT_NONE. */
static inline uint32_t
nat_map_lookup_in(const struct nat_pool *pool, uint32_t in_addr,
		  uint16_t in_port, uint8_t proto)
{
	struct nat_map_key k = { .addr = in_addr, .port = in_port,
				 .proto = proto };

	return nat_index_find(&pool->map_in,
			      nat_map_hash(pool, in_addr, in_port, proto),
			      nat_map_in_match, pool, &k);
}

/* Mapping of an outside endpoint, or NAT_NONE. */
static inline uint32_t
nat_map_lookup_out(const struct nat_pool *pool, uint32_t out_addr,
		   uint16_t out_port, uint8_t proto)
{
	struct nat_map_key k = { .addr = out_addr, .port = out_port,
				 .proto = proto };

	return nat_index_find(&pool->map_out,
			      nat_map_hash(pool, out_addr, out_port, proto),
			      nat_map_out_match, pool, &k);
}

/*
 * Make a dynamic mapping for a subscriber's inside endpoint. tsc is the
 * current time (rte_rdtsc() or any clock of p.tsc_hz ticks per second,
 * never going back): it is logged, ends due holds and drives map_rate.
 */
uint32_t nat_map_create(struct nat_pool *pool, uint32_t sub_idx,
			uint32_t in_addr, uint16_t in_port, uint8_t proto,
			uint64_t tsc, enum nat_err *err);

/* Add a static mapping (port forwarding); ports outside the dynamic range. */
uint32_t nat_map_add_static(struct nat_pool *pool, uint8_t proto,
			    uint32_t in_addr, uint16_t in_port,
			    uint32_t out_addr, uint16_t out_port,
			    enum nat_err *err);

/*
 * Drop a mapping that no session uses any more: frees its port (or puts it
 * in hold-down until tsc + hold_down), and the port block when it has
 * neither mappings nor held ports left, and the subscriber when it holds
 * nothing. Static mappings stay.
 */
void nat_map_release(struct nat_pool *pool, uint32_t map_idx, uint64_t tsc);

/*
 * End the holds due at tsc (at most budget of them; 0: all), releasing the
 * blocks and subscribers they kept. The owner calls it periodically (e.g.
 * with the session aging, every millisecond with a budget of 64) when
 * hold_down is on. Returns how many ended.
 */
uint32_t nat_pool_tick(struct nat_pool *pool, uint64_t tsc, uint32_t budget);

/* End every hold-down now (shutdown): blocks go back, logged at tsc. */
void nat_pool_end_holds(struct nat_pool *pool, uint64_t tsc);

/* Give the pool a free block (global id, either kind), e.g. a grant. */
void nat_pool_block_give(struct nat_pool *pool, uint32_t blk);

/*
 * Take back one free regular block of address addr_idx if more than keep
 * are free; returns its global id, or NAT_NONE.
 */
uint32_t nat_pool_block_take(struct nat_pool *pool, uint32_t addr_idx,
			     uint32_t keep);

/* The same for low blocks. */
uint32_t nat_pool_low_block_take(struct nat_pool *pool, uint32_t addr_idx,
				 uint32_t keep);

/* Is global block blk a low block? */
static inline bool
nat_block_is_low(const struct nat_pool *pool, uint32_t blk)
{
	return blk % pool->blocks_per_addr >= pool->n_reg_blocks;
}

/*
 * Global block id of an outside (address index, port host order); the
 * port must lie in a block (see nat_port_block() otherwise).
 */
static inline uint32_t
nat_block_of(const struct nat_pool *pool, uint32_t addr_idx, uint16_t port_h)
{
	uint32_t b;

	if (pool->n_low_blocks != 0 && port_h >= pool->p.low_lo &&
	    port_h <= pool->p.low_hi)
		b = pool->n_reg_blocks +
		    (uint32_t)(port_h - pool->p.low_lo) / pool->low_block_size;
	else
		b = (uint32_t)(port_h - pool->p.port_lo) / pool->p.block_size;
	return addr_idx * pool->blocks_per_addr + b;
}

/*
 * Global block id of an outside (address index, port host order), or
 * NAT_NONE when the port lies in no block (static ports, the tail of a
 * range that does not fill a whole block).
 */
static inline uint32_t
nat_port_block(const struct nat_pool *pool, uint32_t addr_idx,
	       uint16_t port_h)
{
	uint32_t b;

	if (pool->n_low_blocks != 0 && port_h >= pool->p.low_lo &&
	    port_h <= pool->p.low_hi) {
		b = (uint32_t)(port_h - pool->p.low_lo) / pool->low_block_size;
		if (b >= pool->n_low_blocks)
			return NAT_NONE;
		b += pool->n_reg_blocks;
	} else {
		if (port_h < pool->p.port_lo || port_h > pool->p.port_hi)
			return NAT_NONE;
		b = (uint32_t)(port_h - pool->p.port_lo) / pool->p.block_size;
		if (b >= pool->n_reg_blocks)
			return NAT_NONE;
	}
	return addr_idx * pool->blocks_per_addr + b;
}

/* nat_pool_addr_index() for addresses that are not consecutive. */
int32_t nat_pool_addr_bisect(const struct nat_pool *pool, uint32_t addr);

/*
 * Pool index of an outside address (network order), or -1: a subtraction
 * and a compare when the pool's addresses are consecutive (a prefix or a
 * range), else a range check and a bisection.
 */
static inline int32_t
nat_pool_addr_index(const struct nat_pool *pool, uint32_t addr)
{
	uint32_t off = rte_be_to_cpu_32(addr) - pool->addr_first_h;

	if (off > pool->addr_last_off)
		return -1;
	if (pool->addr_dense)
		return (int32_t)off;
	return nat_pool_addr_bisect(pool, addr);
}

/* Port range (host order) of a global block id, either kind. */
void nat_block_range(const struct nat_pool *pool, uint32_t blk,
		     uint16_t *lo, uint16_t *hi);

const char *nat_err_str(enum nat_err e);

/* Stage 1 for a new mapping of (in_addr, in_port, proto): the EIM index
 * slot of its inside endpoint (when eim) and the mapping record the free
 * list gives next. A hint, like the stages above. */
static inline void
nat_map_prefetch_new(const struct nat_pool *pool, bool eim, uint32_t in_addr,
		     uint16_t in_port, uint8_t proto)
{
	if (eim) {
		uint32_t h = nat_map_hash(pool, in_addr, in_port, proto);

		rte_prefetch0(&pool->map_in.slot[nat_index_home(&pool->map_in,
								h)]);
	}
	if (pool->map_free != NAT_NONE)
		rte_prefetch0(&pool->maps[pool->map_free]);
}

#endif /* NAT_POOL_H */
