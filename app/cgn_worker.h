/* SPDX-License-Identifier: BSD-3-Clause
 * Worker lcore: the packet path.
 */
#ifndef CGN_WORKER_H
#define CGN_WORKER_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "cgn.h"

#define CGN_BURST 32
#define CGN_TX_BUF 64

struct ct_table;
struct nat_pool;

struct cgn_worker {
	struct cgn_ctx *ctx;
	unsigned int id;
	unsigned int lcore;
	uint16_t rxq;
	uint16_t txq;
	struct ct_table *ct;
	struct nat_pool *pool;
	struct rte_ring *slow_ring; /* this worker -> control: ARP mbufs */
	struct rte_ring *ev_ring;   /* this worker -> control: cgn_event */
	struct rte_ring *tx_ring;   /* control -> this worker: mbufs to send */

	/* Buffered TX, one per egress side. */
	struct rte_mbuf *txb[CGN_SIDES][CGN_TX_BUF];
	uint16_t ntx[CGN_SIDES];

	/* Configuration in network byte order, fixed at start. */
	uint32_t own[CGN_SIDES];          /* the box's addresses */
	uint32_t sub_net[CGN_MAX_SUB_PREFIXES];
	uint32_t sub_mask[CGN_MAX_SUB_PREFIXES];
	unsigned int n_sub;
	uint32_t in_gw;                   /* inside next hop or 0 */
	uint32_t nh_out;                  /* neighbour idx of the gateway */
	uint32_t nh_in_gw;                /* neighbour idx of inside gw */
	uint8_t eim;
	uint8_t filtering;                /* enum cgn_filtering */
	uint8_t hairpin;
	uint32_t sessions_per_sub;

	/* ICMP generation: a token bucket, 1000 per second, burst 100. */
	uint64_t icmp_last;
	uint32_t icmp_tokens;

	/* Aging: every age_interval, look at age_budget sessions. */
	uint64_t next_age;
	uint64_t age_interval;
	uint32_t age_budget;
	uint64_t age_now; /* clock of the sweep in progress */

	struct cgn_stats stats;
} __rte_cache_aligned;

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

/* End every session (at shutdown), logging the block releases. */
void cgn_worker_close_all(struct cgn_worker *w, uint64_t now);

/* rte_eal_remote_launch() entry: polls until ctx->quit. */
int cgn_worker_main(void *arg);

/* Add the static mappings of the config to this worker's pool. */
int cgn_worker_add_statics(struct cgn_worker *w, char *err, size_t errlen);

#endif /* CGN_WORKER_H */
