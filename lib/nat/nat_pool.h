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
 */
#ifndef NAT_POOL_H
#define NAT_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

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

/* The pool is short of free blocks of an address (see low_water). */
typedef void (*nat_need_fn)(void *arg, uint32_t addr_idx);

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
	/*
	 * Several pools may share the addresses (one per worker), each with
	 * the blocks a block manager gave it. Then start_empty is set, blocks
	 * come in with nat_pool_block_give() and go back with
	 * nat_pool_block_take(), need() is called when the free blocks of an
	 * address fall to low_water or below, and global_free[addr_idx] (read
	 * only) tells how many blocks the manager still holds per address.
	 */
	bool start_empty;
	uint32_t low_water;
	nat_need_fn need;        /* may be NULL */
	const uint32_t *global_free; /* may be NULL */
};

struct nat_addr {
	uint32_t addr;        /* network order */
	uint32_t n_subs;      /* subscribers paired with it */
	uint32_t n_free;      /* free blocks */
	uint32_t *free_blk;   /* stack of free block numbers (0-based) */
};

struct nat_block {
	uint32_t sub_idx;     /* owner or NAT_NONE */
	uint32_t n_used;      /* mappings in it, all protocols */
};

#define NAT_SUB_PINNED 0x1 /* holds static mappings: never freed */

struct nat_subscriber {
	uint32_t addr;        /* inside address, network order */
	uint32_t addr_idx;    /* paired pool address */
	uint32_t n_sessions;
	uint32_t n_mappings;
	uint16_t n_blocks;
	uint16_t flags;
	uint32_t next_free;
	uint32_t blocks[NAT_MAX_BLOCKS_PER_SUB]; /* global block ids */
};

#define NAT_MAP_STATIC 0x1

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

struct rte_hash;

struct nat_pool {
	struct nat_pool_params p;
	uint32_t blocks_per_addr;
	uint32_t words_per_block; /* 64-bit words of a block's bitmap */
	struct nat_addr *addrs;
	struct nat_block *blocks;
	uint64_t *bitmap;         /* [block][proto][word]: port in use */
	struct nat_subscriber *subs;
	uint32_t sub_free;
	struct nat_mapping *maps;
	uint32_t map_free;
	struct rte_hash *sub_hash; /* inside address -> subscriber */
	struct rte_hash *map_in;   /* inside (addr, port, proto) -> mapping */
	struct rte_hash *map_out;  /* outside (addr, port, proto) -> mapping */
	/* Gauges, read by the CLI and telemetry. */
	uint32_t n_subs;
	uint32_t n_maps;
	uint32_t n_blocks_used;
	uint64_t bytes;           /* memory allocated */
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

/* Find the subscriber record of an inside address, or make one. */
uint32_t nat_sub_get(struct nat_pool *pool, uint32_t in_addr,
		     enum nat_err *err);
uint32_t nat_sub_lookup(const struct nat_pool *pool, uint32_t in_addr);
/* Free a subscriber record that holds no block, mapping or session. */
void nat_sub_maybe_free(struct nat_pool *pool, uint32_t sub_idx);

/* Mapping of an inside endpoint (EIM reuse), or NAT_NONE. */
uint32_t nat_map_lookup_in(const struct nat_pool *pool, uint32_t in_addr,
			   uint16_t in_port, uint8_t proto);
/* Mapping of an outside endpoint, or NAT_NONE. */
uint32_t nat_map_lookup_out(const struct nat_pool *pool, uint32_t out_addr,
			    uint16_t out_port, uint8_t proto);

/* Make a dynamic mapping for a subscriber's inside endpoint. */
uint32_t nat_map_create(struct nat_pool *pool, uint32_t sub_idx,
			uint32_t in_addr, uint16_t in_port, uint8_t proto,
			uint64_t tsc, enum nat_err *err);

/* Add a static mapping (port forwarding); ports outside the dynamic range. */
uint32_t nat_map_add_static(struct nat_pool *pool, uint8_t proto,
			    uint32_t in_addr, uint16_t in_port,
			    uint32_t out_addr, uint16_t out_port,
			    enum nat_err *err);

/*
 * Drop a mapping that no session uses any more: frees its port, and the
 * port block when it was the block's last mapping, and the subscriber when
 * it holds nothing. Static mappings stay.
 */
void nat_map_release(struct nat_pool *pool, uint32_t map_idx, uint64_t tsc);

/* Give the pool a free block (global id), e.g. a grant. */
void nat_pool_block_give(struct nat_pool *pool, uint32_t blk);

/*
 * Take back one free block of address addr_idx if more than keep are free;
 * returns its global id, or NAT_NONE.
 */
uint32_t nat_pool_block_take(struct nat_pool *pool, uint32_t addr_idx,
			     uint32_t keep);

/* Global block id of an outside (address index, port host order). */
static inline uint32_t
nat_block_of(const struct nat_pool *pool, uint32_t addr_idx, uint16_t port_h)
{
	return addr_idx * pool->blocks_per_addr +
	       (uint32_t)(port_h - pool->p.port_lo) / pool->p.block_size;
}

/* Pool index of an outside address (network order), or -1. */
int32_t nat_pool_addr_index(const struct nat_pool *pool, uint32_t addr);

/* Port range (host order) of a global block id. */
void nat_block_range(const struct nat_pool *pool, uint32_t blk,
		     uint16_t *lo, uint16_t *hi);

const char *nat_err_str(enum nat_err e);

#endif /* NAT_POOL_H */
