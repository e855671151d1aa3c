/* SPDX-License-Identifier: BSD-3-Clause
 * A multi-worker test rig for the integration tests test_multiworker.c and
 * test_stress.c (test_worker.c has its own one-worker rig; this one follows
 * it: same addresses; the frame builder and the field-by-field checks are
 * frames.h's, shared with it).
 *
 * The NAT is built exactly as app/main.c builds it (config file, mbuf pool
 * and ports through cgn_ports_init/cgn_ports_start, neighbour table,
 * mapping-log ring, cgn_shared_init, one cgn_worker per configured lcore,
 * static mappings, control thread, block manager) on two ethdevs made with
 * rte_eth_from_rings() with RIG_MAXQ RX and TX queues each. Queue q of a
 * port is worker q's (cgn_worker_init: rxq = txq = id), so a frame is
 * "received by worker q" by enqueueing it on rig_rxr[side][q], and what
 * worker q transmits is read from rig_txr[side][q].
 *
 * Nothing here uses cmocka: checks print what is wrong on stderr and
 * return a count of problems, so the stress test (a plain main) can use
 * them too.
 */
#ifndef CGN_TEST_RIG_H
#define CGN_TEST_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ring.h>

#include "cgn.h"
#include "cgn_config.h"
#include "cgn_ctrl.h"
#include "cgn_worker.h"
#include "frames.h"

/* Addresses of the scenario (host order), as in test_worker.c. */
#define NAT_IN   IP(100, 64, 0, 1)    /* inside.address */
#define NAT_OUT  IP(198, 51, 100, 2)  /* outside.address */
#define GW       IP(198, 51, 100, 1)  /* outside.gateway */
#define H5       IP(100, 64, 0, 5)    /* static 100.64.0.5:8080 (tcp) */
#define Y1       IP(198, 19, 0, 10)    /* remote hosts, behind GW */
#define Y2       IP(198, 19, 0, 20)
#define STATIC_OUT IP(203, 0, 113, 1) /* ... <-> 203.0.113.1:80 */

#define S_IN CGN_INSIDE
#define S_OUT CGN_OUTSIDE

#define RIG_MAXQ 2          /* RX and TX queues per port */
#define RIG_RING 4096       /* size of the rings behind the ports */

extern const struct rte_ether_addr MAC_GW, MAC_H5, MAC_BCAST, MAC_ZERO;
extern const struct rte_ether_addr MAC_NAT[CGN_SIDES];

/* A subscriber's MAC, made from its address: 02:00:a.b.c.d */
static inline struct rte_ether_addr
rig_sub_mac(uint32_t ip)
{
	struct rte_ether_addr m = {{ 0x02, 0x00, (uint8_t)(ip >> 24),
				     (uint8_t)(ip >> 16), (uint8_t)(ip >> 8),
				     (uint8_t)ip }};
	return m;
}

/* ------------------------------------------------------------------ */
/* The rig.                                                            */

struct rig_opts {
	unsigned int n_workers;  /* 0: 2 */
	const char *lcores;      /* workers.lcores, NULL: "1, 2" */
	const char *pool;        /* pool.addresses, NULL: 203.0.113.0/29 */
	const char *ports;       /* pool.ports, NULL: 1024-65535 */
	unsigned int block_size; /* 0: 256 */
	unsigned int max_blocks; /* 0: 8 */
	unsigned int max_sessions;      /* 0: 65536 */
	unsigned int sessions_per_sub;  /* 0: 4096 */
	bool no_static;
	const char *pool_extra;  /* more settings for the pool group */
	/* Every session timeout of every worker's table set to this many
	 * milliseconds after cgn_worker_init() (0: the config's, UDP 300 s,
	 * ...). The config refuses values below the RFC minimums; the stress
	 * test needs sessions to expire within its few seconds. */
	unsigned int short_timeout_ms;
};

struct rig {
	struct cgn_config cfg;
	struct cgn_ctx ctx;
	struct cgn_worker *w[CGN_MAX_WORKERS];
	unsigned int n_workers;
	struct cgn_ctrl ctrl;
	bool ctrl_up;
	bool blocks_up;
	uint64_t hz;
	uint64_t now;          /* the injected clock */
	unsigned int mp_base;  /* mbufs in use after start-up */
	struct rig_opts opts;
	char dir[64];
	char conf[128];
	char log[128];
};

extern struct rte_ring *rig_rxr[CGN_SIDES][RIG_MAXQ];
extern struct rte_ring *rig_txr[CGN_SIDES][RIG_MAXQ];
extern uint16_t rig_port_id[CGN_SIDES];

/* After rte_eal_init(): the rings and the two ring ethdevs, nq queues each.
 * Once per process; the ports are reused by every rig. */
int rig_ports_create(unsigned int nq);

/* Build a NAT; 0 or -1 (then call rig_teardown()). The clock starts at
 * 1000 s; r->now is what the rig's poll helpers pass. */
int rig_setup(struct rig *r, const struct rig_opts *o);
void rig_teardown(struct rig *r);

/* Frame b into RX queue q of a side (a fresh mbuf of ctx.mp); 0 or -1. */
int rig_inject_raw(struct rig *r, int side, unsigned int q, const uint8_t *b,
		   uint16_t len);
int rig_inject(struct rig *r, int side, unsigned int q, const struct pkt *p);

/* Take what TX queue q of a side transmitted: copies of up to max frames
 * into out, all freed; returns how many there were. */
unsigned int rig_take(int side, unsigned int q, struct frame *out,
		      unsigned int max);
/* Free whatever sits in any of the port rings; how many. */
unsigned int rig_drain_port_rings(void);

/* Handoff packets still in the rings between workers. */
unsigned int rig_handoff_in_flight(const struct rig *r);

/*
 * Per worker: rx + handoff_in == tx + consumed + dropped + handoff_out +
 * held (packets parked for ARP); in total, with no handoff in flight:
 * rx == tx + consumed + dropped + held. Prints and counts the problems.
 */
int rig_check_accounting(const struct rig *r, bool quiet);
void rig_print_stats(const struct rig *r);

/*
 * Every port block exactly once: with the control thread (its free stacks),
 * in a worker's pool (free or used), or in flight on a grant or free ring;
 * a block a worker holds has block_owner == that worker; global_free ==
 * the control thread's stack depth. Call when nothing runs concurrently.
 * Returns the number of problems.
 */
int rig_check_blocks(const struct rig *r);

#endif /* CGN_TEST_RIG_H */
