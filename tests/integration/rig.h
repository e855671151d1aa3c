/* SPDX-License-Identifier: BSD-3-Clause
 * The integration tests' rig: a NAT built with app/cgn_nat.h's lifecycle
 * (cgn_nat_open_ports, cgn_nat_build_tables; cgn_nat_stop, cgn_nat_free),
 * as app/main.c builds it, on two ethdevs made with rte_eth_from_rings()
 * from rings the test owns, driven from one thread with an injected clock
 * (or with its workers launched, test_stress.c).
 *
 * Port queue q is worker q's (a worker's rxq = txq = its id): a frame
 * is "received by worker q" by enqueueing it on rig_rxr[side][q], and
 * what worker q transmits is read from rig_txr[side][q].
 *
 * Files by job:
 *   rig.c         the process (EAL, the ports, made once and kept), the
 *                 configuration file, building and freeing a NAT;
 *   rig_io.c      per-queue inject and take, draining, the checks that
 *                 count problems (no cmocka: test_stress.c uses them);
 *   rig_assert.c  (rig_assert.h) cmocka helpers of test_worker*.c,
 *                 test_frag*.c, test_pcp.c, test_lifecycle.c: frames
 *                 spread over the queues, pump, assertions, the L2
 *                 bring-up, cmocka setup and teardown.
 *
 * FRAME_MAX (frames.h) must be the same in the rig as in the test it is
 * linked with: meson.build passes -DFRAME_MAX=9100 to the whole of
 * test_frag.
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
#include "cgn_nat.h"
#include "nat_stats.h"
#include "cgn_worker.h"
#include "frames.h"

/* ------------------------------------------------------------------ */
/* Addresses of the scenario (host order).                             */

#define NAT_IN   IP(100, 64, 0, 1)    /* inside.address */
#define NAT_OUT  IP(198, 51, 100, 2)  /* outside.address */
#define GW       IP(198, 51, 100, 1)  /* outside.gateway */
#define H1       IP(100, 64, 0, 2)
#define H2       IP(100, 64, 0, 3)
#define H5       IP(100, 64, 0, 5)    /* static 100.64.0.5:8080 (tcp) */
#define Y1       IP(198, 19, 0, 10)   /* remote hosts, behind GW */
#define Y2       IP(198, 19, 0, 20)
#define STATIC_OUT IP(203, 0, 113, 1) /* static ... <-> 203.0.113.1:80 */
#define PORT_LO 1024
#define PORT_HI 65535
#define BLOCK 256

#define S_IN CGN_INSIDE
#define S_OUT CGN_OUTSIDE

extern const struct rte_ether_addr MAC_GW, MAC_H1, MAC_H2, MAC_H5;
extern const struct rte_ether_addr MAC_BCAST, MAC_OTHER, MAC_ZERO;
/* The NAT's port MACs (net_ring ports have none: cgn_nat_opts.link_mac). */
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
/* The process: EAL and the ports, once.                               */

#define RIG_MAXQ 2          /* RX and TX queues per port, at most */
#define RIG_RING 4096       /* size of the rings behind the ports */

struct rig_proc {
	const char *tag;     /* EAL file prefix <tag><pid>; ports <tag>_inside,
			      * <tag>_outside */
	unsigned int nq;     /* queues per port; 0: CGN_IT_WORKERS, else 1
			      * (then, with 2, rig_main_end() checks that
			      * handoffs happened) */
	const char *lcores;  /* EAL --lcores; NULL: -l 0 */
	bool telemetry;      /* EAL's telemetry (else --no-telemetry) */
};

/* Queues per port, and the workers of a rig by default. */
extern unsigned int g_nw;
extern struct rte_ring *rig_rxr[CGN_SIDES][RIG_MAXQ];
extern struct rte_ring *rig_txr[CGN_SIDES][RIG_MAXQ];
extern uint16_t rig_port_id[CGN_SIDES];
/* Handoffs seen over the whole run (rig_free() adds them up). */
extern uint64_t g_handoff_in, g_handoff_out;

/*
 * pcap (CGN_IT_PCAP), the EAL, rte_srand(CGN_IT_SEED, default 1), the rings
 * and the two ring ethdevs. Non-zero on failure.
 */
int rig_main(const char *argv0, const struct rig_proc *p);
/* After the run: the handoff check (CGN_IT_WORKERS=2), EAL cleanup and
 * its runtime directory removed; k is what the tests returned, the result
 * the exit status. */
int rig_main_end(int k);

/* ------------------------------------------------------------------ */
/* A NAT.                                                              */

struct rig_opts {
	const char *lcores;     /* workers.lcores; NULL: g_nw of "1, 2" */
	const char *pool;       /* pool.addresses, NULL: 203.0.113.0/29 */
	const char *ports;      /* pool.ports, NULL: 1024-65535 */
	bool det;               /* pool.mode = "deterministic" (no ports) */
	const char *filtering;  /* NULL: endpoint-independent */
	unsigned int block_size;        /* 0: 256 */
	unsigned int max_blocks;        /* 0: 8 */
	unsigned int max_sessions;      /* 0: 65536 */
	unsigned int sessions_per_sub;  /* 0: 4096 */
	/* pool.hold_down (s) and pool.port_preservation; with pool_defaults
	 * neither is written and the config's defaults hold (120 s, on). */
	unsigned int hold_down;
	bool preserve;
	bool pool_defaults;
	const char *pool_extra; /* more settings for the pool group */
	unsigned int udp_timeout;   /* timeouts.udp, 0: 300 */
	const char *timeouts_extra; /* more keys in the timeouts group */
	unsigned int inside_mtu;        /* 0: 1500 */
	unsigned int outside_mtu;       /* 0: 1500 */
	unsigned int frag_max;          /* fragments.max, 0: 4096 */
	unsigned int frag_timeout;      /* fragments.timeout, 0: 2 */
	const char *extra;      /* more top-level configuration */
	bool no_static;         /* no static 100.64.0.5:8080 <-> ...:80 */
	bool no_l2;             /* rig_start(): skip the ARP bring-up */
	bool telemetry;         /* cgn_nat_opts.telemetry */
	/* Every session timeout of every worker set to this many ms after
	 * the build, with ct_set_timeout() (0: the config's). The config
	 * refuses values below the RFC minimums; the stress test needs
	 * sessions to expire within its few seconds. */
	unsigned int short_timeout_ms;
};

struct rig {
	struct cgn_config cfg;
	struct cgn_nat nat;
	struct cgn_ctx *ctx;    /* &nat.ctx */
	struct cgn_ctrl *ctrl;  /* &nat.ctrl */
	struct cgn_worker *w;   /* worker 0 */
	struct cgn_worker *wk[CGN_MAX_WORKERS];
	unsigned int nw;        /* workers */
	unsigned int rxq_next;  /* rig_assert.h: the next frame's RX queue */
	uint64_t hz;
	uint64_t now;           /* the injected clock */
	unsigned int mp_base;   /* mbufs in use after start-up */
	struct rig_opts opts;
	bool nat_open;          /* cgn_nat_open_ports() was called */
	char dir[64];
	char conf[128];
	char log[128];
};

extern struct rig g_rig;

/* Build a NAT (the clock starts at 1000 s; r->now is what the poll
 * helpers pass); 0 or -1 (then call rig_free()). */
int rig_build(struct rig *r, const struct rig_opts *o);
/* cgn_nat_stop() at r->now, the port rings drained, cgn_nat_free(), the
 * files removed. Safe after a failed or partial build. Returns the mbufs
 * that were still out of the pool when it was freed (a leak). */
unsigned int rig_free(struct rig *r);

/* ------------------------------------------------------------------ */
/* Frames in and out, per queue (rig_io.c).                            */

/* Frame b into RX queue q of a side (a fresh mbuf of ctx->mp); 0 or -1. */
int rig_inject_raw(struct rig *r, int side, unsigned int q, const uint8_t *b,
		   uint16_t len);
int rig_inject(struct rig *r, int side, unsigned int q, const struct pkt *p);
/* Take what TX queue q of a side transmitted: copies of up to max frames
 * into out, all freed; returns how many there were. */
unsigned int rig_take(int side, unsigned int q, struct frame *out,
		      unsigned int max);
/* Free every mbuf in one ring; how many. */
unsigned int rig_drain_ring(struct rte_ring *ring);
/* Free whatever sits in any of the port rings; how many. */
unsigned int rig_drain_port_rings(void);
/* Handoff packets still in the rings between workers. */
unsigned int rig_handoff_in_flight(const struct rig *r);
/* Frames waiting in the RX rings and between the workers. */
unsigned int rig_in_flight(const struct rig *r);

/* ------------------------------------------------------------------ */
/* Looks and checks (rig_io.c; no cmocka: they print and count).       */

bool neigh_mac(const struct rig *r, int side, uint32_t ip,
	       struct rte_ether_addr *mac);
/* Is a (host order) one of the configured pool addresses? */
bool in_pool(const struct rig *r, uint32_t a);

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
