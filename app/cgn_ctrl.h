/* SPDX-License-Identifier: BSD-3-Clause
 * Control thread: ARP and neighbours, the mapping log writer, housekeeping.
 * It runs on the main lcore, interleaved with the CLI.
 */
#ifndef CGN_CTRL_H
#define CGN_CTRL_H

#include <stdint.h>
#include <stdio.h>

#include "cgn.h"

#define CGN_CTRL_STATS(X) \
	X(arp_rx,            "ARP packets handled") \
	X(arp_malformed,     "ARP packets dropped as malformed") \
	X(arp_ignored,       "ARP not for us or not about a neighbour") \
	X(arp_replies_sent,  "ARP replies sent") \
	X(arp_requests_sent, "ARP requests sent") \
	X(neigh_learned,     "neighbour entries made or refreshed") \
	X(neigh_expired,     "neighbour entries that stopped answering") \
	X(neigh_table_full,  "neighbours not added: table full") \
	X(ctrl_tx_full,      "packets of the control thread lost: ring full") \
	X(log_lines,         "mapping log lines written") \
	X(blocks_granted,    "port blocks granted to workers") \
	X(blocks_returned,   "port blocks workers gave back") \
	X(block_requests,    "requests for blocks from workers") \
	X(block_requests_unmet, "requests with no block left to grant") \
	X(log_errors,        "mapping log write errors")

struct cgn_ctrl_stats {
#define CGN_X_FIELD(name, help) uint64_t name;
	CGN_CTRL_STATS(CGN_X_FIELD)
#undef CGN_X_FIELD
};

/* The block manager: the free port blocks no worker holds, per address. */
struct cgn_blocks {
	uint32_t **free;   /* per pool address: stack of block numbers */
};

struct cgn_ctrl {
	struct cgn_ctx *ctx;
	struct cgn_blocks blocks;
	FILE *log;
	uint64_t next_housekeeping;
	struct cgn_ctrl_stats stats;
};

/*
 * The block manager, before the workers start: make ctx->block_owner and
 * ctx->global_free, give each worker its first blocks (all of them with one
 * worker), keep the rest.
 */
int cgn_blocks_init(struct cgn_ctrl *c, struct cgn_ctx *ctx);
void cgn_blocks_fini(struct cgn_ctrl *c);

/* Open the log, add static neighbours, ask for the gateways. */
int cgn_ctrl_init(struct cgn_ctrl *c, struct cgn_ctx *ctx, char *err,
		  size_t errlen);
/* One iteration of the control loop: never blocks. */
void cgn_ctrl_poll(struct cgn_ctrl *c, uint64_t now);
/* Drain what is left (log events) and close the log. */
void cgn_ctrl_fini(struct cgn_ctrl *c);

/* Wall-clock nanoseconds of a tsc value. */
uint64_t cgn_tsc_to_ns(const struct cgn_ctx *ctx, uint64_t tsc);

#endif /* CGN_CTRL_H */
