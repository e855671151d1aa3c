/* SPDX-License-Identifier: BSD-3-Clause
 * The application: what the control thread and the workers share.
 */
#ifndef CGN_H
#define CGN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "cgn_config.h"
#include "nat_neigh.h"
#include "nat_stats.h"
#include "nat_worker.h"

struct cgn_worker;
struct rte_hash;

struct cgn_link {
	uint16_t port_id;
	struct rte_ether_addr mac;
	uint32_t addr;     /* the box's address, network order */
	uint32_t mask;     /* network order */
	uint32_t gateway;  /* network order, 0 if none */
};

struct cgn_ctx {
	struct cgn_config *cfg;
	struct cgn_link link[CGN_SIDES];
	struct nat_neigh neigh;
	struct rte_mempool *mp;
	struct rte_ring *log_ring;  /* workers -> control: nat_log_event */
	struct cgn_worker *workers[CGN_MAX_WORKERS];
	unsigned int n_workers;

	/*
	 * Multi-worker. Written by the control thread, read by the workers:
	 * block_owner[global block id] is the worker that holds the block
	 * (out2in packets go there); global_free[pool address index] is how
	 * many blocks of the address the control thread still holds.
	 */
	uint8_t *block_owner;
	uint32_t *global_free;
	uint32_t n_blocks;          /* pool addresses x blocks per address */
	uint32_t blocks_per_addr;
	/* Static mappings' owners: (outside addr, port, proto) -> worker;
	 * built before the workers start, read only after.
	 */
	struct rte_hash *static_owner;
	/* handoff[i][j]: mbufs worker i gives to worker j (SP/SC). */
	struct rte_ring *handoff[CGN_MAX_WORKERS][CGN_MAX_WORKERS];
	/* msg_ring[k]: requests control -> worker k (cgn_msg.h, SP/SC). */
	struct rte_ring *msg_ring[CGN_MAX_WORKERS];
	/* Subscriber pinning: Toeplitz on the inside source address with
	 * rss.key when the inside NIC does RSS on it (struct nat_rss), else CRC32.
	 */
	struct nat_rss rss;
	uint64_t tsc_hz;
	uint64_t start_tsc;         /* with start_ns: wall time of a tsc */
	uint64_t start_ns;
	bool quit;  /* written with cgn_quit(), read with cgn_quitting() */
};

/* Ask every loop to stop (signal handler, CLI, tests). */
static inline void
cgn_quit(struct cgn_ctx *ctx)
{
	__atomic_store_n(&ctx->quit, true, __ATOMIC_RELEASE);
}

static inline bool
cgn_quitting(const struct cgn_ctx *ctx)
{
	return __atomic_load_n(&ctx->quit, __ATOMIC_ACQUIRE);
}

#endif /* CGN_H */
