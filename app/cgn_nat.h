/* SPDX-License-Identifier: BSD-3-Clause
 * One NAT's life: built from a parsed configuration, stopped, freed.
 *
 * app/main.c, the test rig and cgnat-bench all build the NAT with these
 * calls, so there is one start-up sequence and one teardown order:
 *
 *   cgn_nat_open_ports()  ctx fields (clock, workers), the mbuf pool and
 *                         the two ports configured (not started);
 *   cgn_nat_build_tables() neighbour table, mapping-log ring, what the
 *                         workers share, the workers, static mappings,
 *                         the control thread and its block manager,
 *                         telemetry (when asked), then the ports started;
 *   cgn_nat_launch()      each worker on its lcore (main.c, the bench; a
 *                         test may instead poll the workers itself);
 *   cgn_nat_stop()        telemetry detached first (no handler can read
 *                         what follows), workers stopped, every session
 *                         closed (the log gets its block-release lines),
 *                         the log flushed, the control thread ended, the
 *                         ports stopped (and closed, unless kept);
 *   cgn_nat_free()        everything else, in reverse order of building,
 *                         the mbuf pool last (after the caller took back
 *                         the mbufs it holds: it says how many were still
 *                         out, a leak check).
 *
 * cgn_nat_build() is the first two. Every call is safe after a failed or
 * partial build, and cgn_nat_free() stops first if needed.
 */
#ifndef CGN_NAT_H
#define CGN_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "cgn.h"
#include "cgn_config.h"
#include "cgn_ctrl.h"

/* What a failed build means for a process: main.c's exit codes. */
#define CGN_NAT_ERR_START 1  /* start-up failure (memory, ports) */
#define CGN_NAT_ERR_CONFIG 2 /* the configuration cannot be built */

struct cgn_nat_opts {
	/* Neighbour table entries; 0: max(65536, max_sessions/16 + 1024),
	 * on-link subscribers each needing one. */
	uint32_t neigh_entries;
	/* The clock at start (tsc); 0: rte_rdtsc(). Tests inject one. */
	uint64_t now;
	/* A MAC for each side instead of the port's (net_ring ports all
	 * have 00:00:00:00:00:00); NULL: the port's. */
	const struct rte_ether_addr *link_mac[CGN_SIDES];
	/* Each worker's memory on its lcore's NUMA socket (else the
	 * caller's). */
	bool lcore_socket;
	/* Serve the /cgnat/... telemetry while the NAT is up. */
	bool telemetry;
	/* Leave the ports open at cgn_nat_stop() (ports the caller made
	 * and builds NATs on again, as the test rig does). */
	bool keep_ports;
};

struct cgn_nat {
	struct cgn_ctx ctx;
	struct cgn_ctrl ctrl;
	/* How far the build got, for stop and free. */
	bool ports_open;
	bool keep_ports;
	bool neigh_up;
	unsigned int n_ready;   /* workers made (cgn_worker_init() done) */
	bool ctrl_up;
	bool blocks_up;
	bool telemetry_up;
	bool ports_started;
	bool launched;
	bool stopped;
};

/* Both build steps. 0, or CGN_NAT_ERR_* with a message in err. */
int cgn_nat_build(struct cgn_nat *nat, struct cgn_config *cfg,
		  const struct cgn_nat_opts *o, char *err, size_t errlen);
int cgn_nat_open_ports(struct cgn_nat *nat, struct cgn_config *cfg,
		       const struct cgn_nat_opts *o, char *err, size_t errlen);
int cgn_nat_build_tables(struct cgn_nat *nat, const struct cgn_nat_opts *o,
			 char *err, size_t errlen);

/* Run every worker on its lcore (workers.lcores) until cgn_nat_stop(). */
void cgn_nat_launch(struct cgn_nat *nat);

/* Stop as above; now: the clock for closing sessions (0: rte_rdtsc()). */
void cgn_nat_stop(struct cgn_nat *nat, uint64_t now);

/* Free everything cgn_nat_build() made; *nat is zeroed. Returns the
 * mbufs that were still out of the pool when it was freed. */
unsigned int cgn_nat_free(struct cgn_nat *nat);

#endif /* CGN_NAT_H */
