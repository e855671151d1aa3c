/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: what its files share (see bench_main.c for what the bench
 * does and how).
 *
 *   bench_setup.c     the NAT on ring ethdevs: rings, config, start / stop
 *                     (bench_nat_start / bench_nat_stop), ARP answers
 *   bench_probe.c     every read of the NAT's state beyond its calls
 *                     (session tables, pools, rings, counters) and of the
 *                     EAL heap
 *   bench_traffic.c   subscribers, flows and frames: make, check, collect
 *   bench_phases.c    the phases on the worker lcores: timed runs, setup,
 *                     warm-up, measured, floor, tear-down; run in parallel
 *   bench_scenario.c  one scale and number of workers, from start to checks
 *   bench_report.c    header, table, summary, JSON, plot
 *   bench_main.c      arguments, EAL, the scenario loop
 */
#ifndef CGN_BENCH_H
#define CGN_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "cgn.h"
#include "cgn_config.h"
#include "cgn_ctrl.h"
#include "cgn_nat.h"
#include "cgn_worker.h"

#ifndef CGN_BENCH_PLOT
#define CGN_BENCH_PLOT "plot.py"
#endif
#ifndef CGN_BENCH_PYTHON
#define CGN_BENCH_PYTHON "/usr/bin/python3"
#endif

#define FLOWS_PER_HOST 63          /* as CSIT: 63 ports per host */
#define IN_PORT_BASE 1024          /* inside source ports 1024..1086 */
#define REMOTE_PORT 5000
#define FRAME_LEN 60               /* 64 bytes on the wire with the FCS */
#define PAYLOAD_OFF 42             /* after Ethernet, IPv4, UDP */
#define MAGIC 0xcb0b1e75u
#define CHUNK 1024                 /* frames per timed run of the worker */
#define STASH (4 * CHUNK)          /* mbufs a generator keeps for reuse */
#define RING_SIZE 4096
#define BLOCK_SIZE 64
#define POOL_PORT_LO 1024
#define POOL_PORT_HI 65535
#define BLOCKS_PER_ADDR ((POOL_PORT_HI - POOL_PORT_LO + 1) / BLOCK_SIZE)
#define TIMEOUT_S 86400            /* nothing ages during a run */
#define MAX_WORKERS 2
#define MAX_SCALES 16
#define SETUP_STALL_S 10           /* setup gives up after no progress */

/* Addresses, host order. */
#define IN_LINK RTE_IPV4(100, 64, 0, 1)
#define HOST_BASE RTE_IPV4(100, 64, 0, 2)
#define HOST_LAST RTE_IPV4(100, 127, 255, 254)
#define OUT_LINK RTE_IPV4(198, 51, 100, 1)
#define OUT_GW RTE_IPV4(198, 51, 100, 254)
#define REMOTE_ADDR RTE_IPV4(203, 0, 113, 1)
#define POOL_BASE RTE_IPV4(198, 18, 0, 0)

enum mode { M_IDLE, M_SETUP, M_WARM, M_I2O, M_O2I, M_MIXED, M_FLOOR };
#define N_MEAS 3 /* in2out, out2in, mixed */
enum dist { D_RSS, D_SPREAD, D_MAX };

extern const char *const mode_name[];
extern const enum mode meas_mode[N_MEAS];
extern const char *const meas_key[N_MEAS];
extern const char *const dist_name[D_MAX];

/*
 * Cycles per packet of each timed run, to take the median: the OS may take
 * the core away in the middle of a run (this machine is shared), and a
 * median over thousands of runs of 1024 frames does not see that.
 */
#define MAX_SAMPLES (1u << 20)

struct samples {
	float *v;
	uint32_t n;
	uint64_t seen;
};

struct scen;

/* A worker and the generator that feeds its queue (they share an lcore). */
struct gen {
	unsigned int id;
	unsigned int lcore;
	struct scen *s;
	struct cgn_ctx *ctx;
	struct cgn_worker *w;
	struct rte_ring *rx[CGN_SIDES]; /* we enqueue, the worker's rx burst */
	struct rte_ring *tx[CGN_SIDES]; /* the worker's tx burst, we dequeue */
	const uint32_t *list;           /* flows this queue carries */
	uint32_t n_list;
	uint64_t pos;
	struct rte_mbuf **stash;        /* frames to rewrite and reuse */
	unsigned int n_stash;
	uint8_t tmpl[CGN_SIDES][64];    /* frame templates, per rx side */

	/* The phase in progress and its results. */
	enum mode mode;
	enum dist dist;
	double seconds;
	bool profile;        /* toggle callgrind around the timed polls */
	uint64_t cycles;     /* timed: worker (or floor) polls only */
	uint64_t wait_cycles; /* timed polls done while waiting for room */
	struct samples smp;  /* cycles per packet (or session) per run */
	double med;          /* their median */
	double p10, p90;     /* and percentiles */
	uint64_t pkts;       /* frames given to the worker */
	uint64_t received;   /* frames that came out */
	uint64_t bad;        /* came out, but not as expected */
	uint64_t bad_checks; /* failed checks (a frame may fail several) */
	uint64_t unexpected; /* frames that should not be there */
	uint64_t arp_answered;
	uint64_t icmp_errors; /* ICMP 3/1 about a refused first frame */
	uint64_t created;    /* setup: sessions this worker made */
	uint32_t passes;     /* setup: passes over the flows */
	uint64_t waits;      /* chunks that waited for handoff ring room */
	char first_bad[200];
	int rc;
};

struct opts {
	uint32_t scales[MAX_SCALES];
	unsigned int n_scales;
	bool scales_given;
	unsigned int workers[MAX_WORKERS];
	unsigned int n_workers;
	double seconds;
	const char *json;
	const char *png;
	bool smoke;
	bool huge;
	int profile;         /* index into meas_mode, N_MEAS: setup, -1 */
};

/* One measured phase, over all workers. */
struct phase_res {
	double mpps;         /* sum over workers of tsc_hz / median */
	double cpp;          /* mean of the workers' medians */
	double cpp_mean;     /* all timed cycles / all frames */
	double p10, p90;
	uint64_t pkts;
	uint64_t handoff;    /* frames handed to another worker */
	double cpp_w[MAX_WORKERS]; /* each worker's median */
};

struct result {
	uint32_t scale;
	unsigned int workers;
	bool skipped;
	char why[600];
	double setup_rate, teardown_rate;          /* sessions per second */
	double setup_rate_mean;                    /* all sessions / all cyc */
	bool has[D_MAX];
	struct phase_res ph[D_MAX][N_MEAS];
	struct phase_res floor;
	double bytes_heap, bytes_heap_init, bytes_accounted;
	double bytes_ct, bytes_pool;    /* of which session tables, pools */
	uint64_t sessions, lost, bad, dropped, unexpected, leaked;
	uint64_t duplicates;            /* outside endpoints given twice */
	uint64_t owner_mismatch;        /* block owner != subscriber owner */
	uint64_t counter_errors;        /* rx != tx + consumed + dropped ... */
	uint64_t blocks_lost;           /* blocks not back anywhere */
	uint64_t setup_failed;          /* flows without a session */
	uint64_t setup_drops;           /* refused first frames, resent */
	uint64_t setup_icmp;            /* ICMP 3/1 about them */
	uint32_t setup_passes;
	uint64_t mbufs_leaked;          /* not back in the pool at the end */
	uint64_t blocks_granted, block_requests, block_unmet;
	uint64_t handoff_waits;
	double bkt_full[2];             /* % of buckets with all slots used */
	uint64_t bkt_spilled[2];        /* entries stored past their home */
	double setup_s, teardown_s;
	uint64_t log_lines;
	bool ok;
};

/*
 * The NAT under test, built and torn down with app/main.c's lifecycle
 * (bench_nat_start, bench_nat_stop, bench_mbufs_free), from a loaded
 * config.
 */
struct bench_setup {
	struct cgn_config cfg;
	struct cgn_nat lc;        /* ctx, ctrl: app/cgn_nat.h */
	/* rte_malloc heap in use after the ports were made and before they
	 * start: bytes per session are measured from these two points.
	 */
	uint64_t heap_ports, heap_init;
};

struct scen {
	struct bench_setup nat;
	unsigned int nw;
	uint32_t hosts, n_flows;
	uint32_t *host_ip;       /* network order */
	uint8_t *host_owner;     /* cgn_sub_owner() of each host */
	uint32_t *map_addr;      /* outside endpoint of each flow */
	uint16_t *map_port;      /* (network order), from setup */
	uint32_t *list[D_MAX][MAX_WORKERS]; /* flows of each queue */
	uint32_t n_list[D_MAX][MAX_WORKERS];
	struct gen g[MAX_WORKERS];
	char in_name[32], out_name[32];
	/* Parallel phases: start barrier, end of traffic, end of lcore. */
	uint32_t started, finished, exited;
	struct cgn_stats snap[MAX_WORKERS];
	struct result *r;
};

extern uint64_t tsc_hz;
extern unsigned int scenario_no;
extern char tmpdir[64];
extern char lcore_note[256];
extern const struct rte_ether_addr gw_mac;
/* The ring ports' own MAC addresses (the ring PMD chooses them). */
extern struct rte_ether_addr port_mac[CGN_SIDES];

/* Flows: flow f is port IN_PORT_BASE + f % 63 of host f / 63. */
static inline uint32_t
flow_host(uint32_t f)
{
	return f / FLOWS_PER_HOST;
}

static inline uint16_t
flow_port(uint32_t f)
{
	return rte_cpu_to_be_16((uint16_t)(IN_PORT_BASE + f % FLOWS_PER_HOST));
}

/* A subscriber's MAC, made from its address (network order): 02:00:a.b.c.d */
static inline void
host_mac(uint32_t ip, struct rte_ether_addr *m)
{
	m->addr_bytes[0] = 0x02;
	m->addr_bytes[1] = 0x00;
	memcpy(&m->addr_bytes[2], &ip, 4);
}

/* bench_setup.c */
uint32_t pool_addrs_for(uint32_t hosts);
int bench_rings_make(struct scen *s, char *err, size_t errlen);
void bench_rings_free(struct scen *s);
int bench_config_load(struct scen *s, uint32_t scale,
		      const unsigned int *lcores, char *err, size_t errlen);
int bench_nat_start(struct bench_setup *bs, uint32_t neigh_entries,
		    char *err, size_t errlen);
void bench_nat_stop(struct bench_setup *bs);
unsigned int bench_mbufs_free(struct bench_setup *bs);
bool answer_arp(struct gen *g, struct rte_mbuf *m, unsigned int side);
int resolve_gateway(struct scen *s);

/* bench_probe.c */
uint64_t heap_allocated(void);
uint64_t heap_free(void);
const struct cgn_stats *bench_stats(const struct cgn_worker *w);
uint64_t bench_sessions(const struct cgn_worker *w);
unsigned int bench_ev_backlog(const struct cgn_worker *w);
void bench_worker_bytes(const struct cgn_worker *w, uint64_t *ct,
			uint64_t *pool);
uint64_t bench_leftovers(const struct cgn_worker *w);
void bench_bucket_stats(const struct cgn_worker *w, unsigned int d,
			uint64_t *full, uint64_t *spilled, uint64_t *nbkt);
struct rte_ring *bench_handoff_ring(const struct cgn_ctx *ctx,
				    unsigned int from, unsigned int to);
unsigned int bench_log_backlog(const struct cgn_ctx *ctx);
unsigned int bench_ctrl_backlog(const struct cgn_ctx *ctx);
int64_t bench_block_owner(const struct cgn_ctx *ctx, uint32_t addr,
			  uint16_t port);
uint64_t bench_blocks_missing(const struct cgn_ctx *ctx, uint32_t n_addrs);
void bench_setup_stalled(const struct gen *g, uint32_t left);

/* bench_traffic.c */
void make_templates(struct gen *g);
void build_frame(const struct gen *g, struct rte_mbuf *m, unsigned int side,
		 uint32_t f);
uint64_t collect(struct gen *g);
int get_mbufs(struct gen *g, struct rte_mbuf **m, unsigned int n);
int pick_hosts(struct scen *s);
int make_lists(struct scen *s, enum dist d, bool all);

/* bench_phases.c */
void phase_begin(struct gen *g, enum mode mode);
void ctrl_drain(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl);
uint64_t phase_teardown(struct gen *g, struct cgn_ctrl *ctrl,
			uint64_t *expired);
int run_parallel(struct scen *s, enum mode mode, enum dist dist,
		 double seconds, int profile, uint64_t *handoff);
void add_phase(struct result *r, struct scen *s, struct phase_res *pr);

/* bench_scenario.c */
uint64_t check_counters(struct scen *s, enum mode mode,
			const struct cgn_stats *base, bool drops);
void run_scenario(const struct opts *o, uint32_t scale, unsigned int nw,
		  const unsigned int *lcores, struct result *r);

/* bench_report.c */
bool using_hugepages(void);
void cpu_model(char *buf, size_t len);
void print_header(const char *cpu);
void print_table(const struct result *res, unsigned int n);
bool print_summary(const struct result *res, unsigned int n);
bool write_outputs(const struct opts *o, const struct result *res,
		   unsigned int n, const char *cpu, const char *eal_args,
		   const char *skipped_default);

#endif /* CGN_BENCH_H */
