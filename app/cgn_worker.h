/* SPDX-License-Identifier: BSD-3-Clause
 * Worker lcore: the packet path.
 */
#ifndef CGN_WORKER_H
#define CGN_WORKER_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "cgn.h"
#include "nat_worker.h"

#define CGN_BLOCK_LOW 2   /* ask for blocks when an address has this few */
#define CGN_BLOCK_GRANT 8 /* blocks the control thread grants at a time */
#define CGN_BLOCK_KEEP 16 /* free blocks per address a worker keeps */
#define CGN_HANDOFF_RING 1024


/*
 * A worker lcore: its NAT (lib/nat, nat_worker.h) and what the
 * application gives it: the ports' queues it polls and sends on, the rings
 * to and from the control thread, the port-block exchange.
 */
struct cgn_worker {
	struct nat_worker nat;
	struct cgn_ctx *ctx;
	unsigned int id;
	unsigned int lcore;
	uint16_t rxq;
	uint16_t txq;
	struct rte_ring *slow_ring; /* this worker -> control: ARP mbufs */
	struct rte_ring *ev_ring;   /* this worker -> control: nat_event */
	struct rte_ring *tx_ring;   /* control -> this worker: mbufs to send */
	struct rte_ring *grant_ring; /* control -> this worker: block ids */
	struct rte_ring *free_ring; /* this worker -> control: block ids */
	uint32_t return_cursor;     /* next pool address to return blocks of */
	uint32_t block_keep;        /* free blocks per address kept locally */
} __rte_cache_aligned;

/* Which worker owns a subscriber (inside address, network order)? */
unsigned int cgn_sub_owner(const struct cgn_ctx *ctx, uint32_t addr);

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

/* rte_eal_remote_launch() entry: polls until ctx->quit. */
int cgn_worker_main(void *arg);

/*
 * Add the static mappings of the config whose subscriber this worker owns
 * to its pool, and record their owner in ctx->static_owner (if made).
 * Call for every worker before they start.
 */
int cgn_worker_add_statics(struct cgn_worker *w, char *err, size_t errlen);

#endif /* CGN_WORKER_H */
