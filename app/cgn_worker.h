/* SPDX-License-Identifier: BSD-3-Clause
 * Worker lcore: the packet path.
 */
#ifndef CGN_WORKER_H
#define CGN_WORKER_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include "cgn.h"
#include "ct_table.h"

#define CGN_BURST 32
#define CGN_TX_BUF 64
#define CGN_BLOCK_LOW 2   /* ask for blocks when an address has this few */
#define CGN_BLOCK_GRANT 8 /* blocks the control thread grants at a time */
#define CGN_BLOCK_KEEP 16 /* free blocks per address a worker keeps */
#define CGN_HANDOFF_RING 1024
#define CGN_PENDING 256        /* packets waiting for ARP, per worker */
#define CGN_PENDING_WAIT_MS 1000

#define CGN_SYN_HOLD 64 /* unsolicited inbound SYNs kept, per worker */
#define CGN_PCP_MAX 4096 /* PCP mappings per worker */
#define CGN_PCP_PORT 5351 /* RFC 6887 */

struct cgn_syn_hold {
	struct rte_mbuf *m;  /* NULL once matched */
	struct ct_key key;   /* out2in view: a = pool endpoint, b = remote */
	uint64_t deadline;
};

struct cgn_pending {
	struct rte_mbuf *m;
	uint64_t deadline;
	uint32_t ip;   /* next hop, network order */
	uint8_t side;
};

/* Key of ctx->static_owner. */
struct cgn_static_key {
	uint32_t addr; /* network order */
	uint16_t port; /* network order */
	uint8_t proto;
	uint8_t pad;
};

struct ct_table;
struct nat_pool;

struct cgn_worker {
	struct cgn_ctx *ctx;
	unsigned int id;
	unsigned int lcore;
	uint16_t rxq;
	uint16_t txq;
	struct ct_table *ct;
	uint32_t burst_tick; /* ct_clock(ct, now) of the burst in hand */
	struct nat_pool *pool;
	struct rte_ring *slow_ring; /* this worker -> control: ARP mbufs */
	struct rte_ring *ev_ring;   /* this worker -> control: cgn_event */
	struct rte_ring *tx_ring;   /* control -> this worker: mbufs to send */
	struct rte_ring *grant_ring; /* control -> this worker: block ids */
	struct rte_ring *free_ring; /* this worker -> control: block ids */
	uint64_t *need_tsc;         /* per pool address: last block request */
	uint32_t return_cursor;     /* next pool address to return blocks of */
	uint32_t block_keep;        /* free blocks per address kept locally */

	/* Translated packets waiting for their next hop's MAC. */
	struct cgn_pending pend[CGN_PENDING];
	uint16_t pend_head;
	uint16_t pend_n;

	/* Mappings made by PCP MAP requests (RFC 6887), kept for their
	 * lifetime: their indexes, checked on the aging tick, and when
	 * each expires (tsc). */
	uint32_t pcp_map[CGN_PCP_MAX];
	uint64_t pcp_until[CGN_PCP_MAX];
	uint32_t pcp_n;

	/* Unsolicited inbound SYNs kept to answer (D21). */
	struct cgn_syn_hold syn[CGN_SYN_HOLD];
	uint16_t syn_head;
	uint16_t syn_n;
	uint64_t syn_wait;    /* timeouts.tcp_syn_inbound in tsc */
	uint8_t syn_icmp;     /* icmp.unsolicited_syn = "icmp" */
	uint8_t icmp_unreach; /* icmp.unreachable_on_no_mapping */

	/* Buffered TX, one per egress side. */
	struct rte_mbuf *txb[CGN_SIDES][CGN_TX_BUF];
	uint16_t ntx[CGN_SIDES];

	/* Configuration in network byte order, fixed at start. */
	uint32_t own[CGN_SIDES];          /* the box's addresses */
	uint32_t sub_net[CGN_MAX_SUB_PREFIXES];
	uint32_t sub_mask[CGN_MAX_SUB_PREFIXES];
	unsigned int n_sub;
	uint32_t byp_net[CGN_MAX_BYPASS]; /* bypass destinations */
	uint32_t byp_mask[CGN_MAX_BYPASS];
	unsigned int n_byp;
	uint32_t icmp_per_sec;            /* icmp.rate */
	uint32_t in_gw;                   /* inside next hop or 0 */
	uint32_t nh_out;                  /* neighbour idx of the gateway */
	uint32_t nh_in_gw;                /* neighbour idx of inside gw */
	uint32_t new_rem_addr;            /* remote of the flow being made */
	uint16_t new_rem_port;            /* (pool_chosen()) */
	uint8_t eim;
	uint8_t filtering;                /* enum cgn_filtering */
	uint8_t hairpin;
	uint8_t addr_defer;               /* see addr_checks() */
	uint32_t sessions_per_sub;

	/* ICMP generation: a token bucket, 1000 per second, burst 100. */
	uint64_t icmp_last;
	uint32_t icmp_tokens;

	/* Aging: every age_interval, look at age_budget sessions. */
	uint64_t next_age;
	uint64_t age_interval;
	uint32_t age_budget;
	uint64_t age_now; /* clock of the sweep in progress */

	/* The packet path's copies of what is fixed once the worker is made
	 * (cgn_worker_init(): ctx->link[].mac, the neighbour array and the
	 * MTUs are final by then), so that it does not reload them per
	 * packet through ctx or the per-worker MTU array.
	 */
	struct nat_neigh_entry *nb_e;  /* ctx->neigh.e */
	uint64_t smac_w0[CGN_SIDES];   /* frame bytes 0-7 of our frames: 0s
					* for the next hop's MAC, then bytes
					* 0-1 of link[side].mac */
	uint32_t smac_w1[CGN_SIDES];   /* frame bytes 8-11: its bytes 2-5 */
	uint64_t mac48[CGN_SIDES];     /* link[side].mac in bytes 0-5 */
	uint32_t frame_max[CGN_SIDES]; /* cgn_frag_frame_max() */

	/* out_owner() in O(1) for a port of a regular block: the first
	 * global block of address (host order) a is o2i_blk0[a - o2i_base]
	 * (-1: not a pool address) for a - o2i_base < o2i_span; the block of
	 * port p within its address is ((p - o2i_port_lo) * o2i_div) >> 32
	 * (a division by block_size) for p - o2i_port_lo < o2i_reg_ports.
	 * Built by cgn_worker_init() from nat_pool_addr_index() and
	 * nat_port_block(), read only after.
	 */
	const uint8_t *block_owner;    /* ctx->block_owner */
	int32_t *o2i_blk0;
	uint32_t o2i_base;
	uint32_t o2i_span;             /* 0: every address the slow way */
	uint32_t o2i_reg_ports;        /* 0: every port the slow way */
	uint64_t o2i_div;              /* floor(2^32 / block_size) + 1 */
	uint16_t o2i_port_lo;

	struct cgn_stats stats;
} __rte_cache_aligned;

/* Handoff kinds, carried in mbuf->port on the handoff rings. */
enum cgn_handoff_kind {
	CGN_HO_INSIDE = CGN_INSIDE,   /* in2out packet of the receiver's subscriber */
	CGN_HO_OUTSIDE = CGN_OUTSIDE, /* out2in packet to the receiver's block */
	CGN_HO_HAIRPIN = 2,           /* translated in2out packet to hairpin */
};

/* Which worker owns a subscriber (inside address, network order)? */
static inline unsigned int
cgn_sub_owner(const struct cgn_ctx *ctx, uint32_t addr)
{
	if (ctx->n_workers == 1)
		return 0;
	if (ctx->rss_inside) {
		/* The same Toeplitz hash and RETA as the inside NIC. */
		uint32_t t = rte_be_to_cpu_32(addr);
		uint32_t h = rte_softrss(&t, 1, ctx->rss_key);

		return (h % ctx->reta_size) % ctx->n_workers;
	}
	return rte_hash_crc_4byte(addr, 0x9e3779b9) % ctx->n_workers;
}

/*
 * What the workers share (block owners, the control thread's free-block
 * counts, static mapping owners, handoff rings), before cgn_worker_init().
 */
int cgn_shared_init(struct cgn_ctx *ctx, char *err, size_t errlen);
void cgn_shared_fini(struct cgn_ctx *ctx);

/* Set up a worker: tables, rings, pool share. 0 or -errno. */
int cgn_worker_init(struct cgn_worker *w, struct cgn_ctx *ctx,
		    unsigned int id, int socket);
void cgn_worker_fini(struct cgn_worker *w);

/* Handle a burst received on one side. now: the worker clock (tsc). */
void cgn_worker_process(struct cgn_worker *w, enum cgn_side side,
			struct rte_mbuf **pkts, uint16_t n, uint64_t now);

/* One loop iteration: rx both ports, control's tx ring, aging, flush. */
void cgn_worker_poll(struct cgn_worker *w, uint64_t now);

/* Give buffered packets to the NIC. */
void cgn_worker_flush(struct cgn_worker *w);

/* Expire up to budget sessions idle past their timeout at `now`. */
uint32_t cgn_worker_age(struct cgn_worker *w, uint64_t now, uint32_t budget);

/* End every session (at shutdown), logging the block releases, and drop
 * the packets waiting for ARP. */
void cgn_worker_close_all(struct cgn_worker *w, uint64_t now);

/* PCP (RFC 6887) server, app/cgn_pcp.c: a request to the inside address,
 * UDP port 5351, from a subscriber this worker owns; answered in place.
 * The mbuf is always consumed. */
void cgn_pcp_request(struct cgn_worker *w, struct rte_mbuf *m,
		     uint64_t now);
/* End PCP mappings whose lifetime is over (all: every one, shutdown). */
void cgn_pcp_age(struct cgn_worker *w, uint64_t now, bool all);
/* Queue a packet the box made (counted as generated). */
void cgn_worker_send_generated(struct cgn_worker *w, enum cgn_side side,
			       struct rte_mbuf *m);

/* rte_eal_remote_launch() entry: polls until ctx->quit. */
int cgn_worker_main(void *arg);

/*
 * Add the static mappings of the config whose subscriber this worker owns
 * to its pool, and record their owner in ctx->static_owner (if made).
 * Call for every worker before they start.
 */
int cgn_worker_add_statics(struct cgn_worker *w, char *err, size_t errlen);

#endif /* CGN_WORKER_H */
