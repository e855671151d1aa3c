/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: the real NAT (control thread, block manager, workers,
 * handoff rings) at full speed, without a NIC.
 *
 *   cgnat-bench [EAL options --] [--scales LIST] [--seconds S]
 *               [--workers LIST] [--json FILE] [--png FILE] [--huge]
 *               [--profile MODE] [--smoke]
 *
 * The NAT is built exactly as app/main.c builds it, from a generated
 * libconfig file: cgn_ports_init() on two ethdevs made with
 * rte_eth_from_rings() (inside, outside; one RX and one TX queue per
 * worker), the neighbour table, the mapping-log ring, cgn_shared_init(),
 * cgn_worker_init() per worker, cgn_worker_add_statics(), cgn_ctrl_init(),
 * cgn_blocks_init() (the pools start empty: the control thread's block
 * manager gives each worker its first blocks and grants the rest on
 * demand), cgn_ports_start(); and torn down in main.c's order.
 *
 * Threads as in the application: the main lcore is the control thread
 * (cgn_ctrl_poll() every 200 us, as main.c's loop), worker k runs on its
 * own lcore. Each worker lcore is also its queue's traffic generator: it
 * fills its RX rings with crafted 64-byte UDP frames (60 bytes + FCS),
 * runs cgn_worker_poll() (rx burst -> parse -> dispatch to the owner ->
 * lookup/create -> translate -> tx burst; handoff rings from the other
 * workers; the control tx ring; the aging sweep and block exchange every
 * ms; exactly the loop of cgn_worker_main()) until the frames are gone,
 * then takes the frames the worker sent off its TX rings, checks every one
 * of them and rewrites them into the next frames. Only cgn_worker_poll()
 * calls are timed.
 *
 * With 2 workers there are two traffic distributions:
 *   rss     the generator puts each inside frame on the queue of its
 *           subscriber's owner (cgn_sub_owner()) and each outside frame on
 *           the queue of its port block's owner (ctx->block_owner), as a
 *           NIC with RSS on the source address / rte_flow on port ranges
 *           would: nothing is handed off;
 *   spread  each flow sits on a random queue (a NIC hashing the 5-tuple,
 *           unaware of the owners): about half of the frames go through a
 *           handoff ring to the owner, which shows what a handoff costs.
 *
 * Method (RFC 9693; FD.io CSIT NAT44 tests): a preliminary phase creates
 * the sessions (63 UDP flows per subscriber host to one remote endpoint,
 * visited in a random order, all workers at once with the control thread
 * granting port blocks; timed: the session setup rate), then measured
 * phases of established traffic (in2out, out2in, 50/50 mixed), the flows
 * visited in a second, independent random permutation so that neither the
 * session array nor the hash buckets are walked sequentially, then a timed
 * tear-down (cgn_worker_age() with a clock past every timeout).
 *
 * The floor: a 5-tuple swap forwarder (what dpdk-testpmd --forward-mode=
 * 5tswap does: parse L2-L4, swap MACs, addresses and ports, no table, no
 * checksum) on the same ring ports and lcores, timed the same way.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_udp.h>
#include <rte_version.h>

#include "cgn.h"
#include "cgn_config.h"
#include "cgn_ctrl.h"
#include "nat_neigh.h"
#include "cgn_port.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "nat_pool.h"

/* --profile: count instructions of one phase's timed polls only, under
 * valgrind --tool=callgrind --collect-atstart=no.
 */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT do { } while (0)
#endif

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

static const struct rte_ether_addr gw_mac = {
	{ 0x02, 0xfe, 0x00, 0x00, 0x00, 0x01 } };
/* The ring ports' own MAC addresses (the ring PMD chooses them). */
static struct rte_ether_addr port_mac[CGN_SIDES];

enum mode { M_IDLE, M_SETUP, M_WARM, M_I2O, M_O2I, M_MIXED, M_FLOOR };
static const char *const mode_name[] = {
	"idle", "setup", "out2in warm-up", "in2out", "out2in", "mixed", "floor"
};
#define N_MEAS 3 /* in2out, out2in, mixed */
static const enum mode meas_mode[N_MEAS] = { M_I2O, M_O2I, M_MIXED };
static const char *const meas_key[N_MEAS] = { "in2out", "out2in", "mixed" };

enum dist { D_RSS, D_SPREAD, D_MAX };
static const char *const dist_name[D_MAX] = { "rss", "spread" };

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

static void
samp_add(struct samples *s, double x)
{
	uint64_t j;

	if (s->n < MAX_SAMPLES) {
		s->v[s->n++] = (float)x;
	} else {
		/* Reservoir sampling past the first million. */
		j = rte_rand_max(s->seen + 1);
		if (j < MAX_SAMPLES)
			s->v[j] = (float)x;
	}
	s->seen++;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* Sort; the median, and the 10th and 90th percentiles. */
static double
samp_median(struct samples *s, double *p10, double *p90)
{
	*p10 = *p90 = 0;
	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(float), cmp_float);
	*p10 = s->v[s->n / 10];
	*p90 = s->v[s->n * 9 / 10];
	return s->n % 2 ? s->v[s->n / 2] :
		(s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2.0;
}

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

struct scen {
	struct cgn_config cfg;
	struct cgn_ctx ctx;
	struct cgn_ctrl ctrl;
	bool ctrl_up, ports_up, neigh_up, shared_up, blocks_up;
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

static uint64_t tsc_hz;
static unsigned int scenario_no;
static char tmpdir[64];
static char lcore_note[256];

/* ------------------------------------------------------------------ */
/* Frames                                                              */

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

static void
make_templates(struct gen *g)
{
	unsigned int side;

	for (side = 0; side < CGN_SIDES; side++) {
		uint8_t *b = g->tmpl[side];
		struct rte_ether_hdr *e = (struct rte_ether_hdr *)b;
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
		uint32_t *pl = (uint32_t *)(b + PAYLOAD_OFF);

		memset(b, 0, sizeof(g->tmpl[side]));
		rte_ether_addr_copy(&port_mac[side], &e->dst_addr);
		if (side == CGN_OUTSIDE)
			rte_ether_addr_copy(&gw_mac, &e->src_addr);
		e->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(FRAME_LEN - sizeof(*e));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		u->dgram_len = rte_cpu_to_be_16(FRAME_LEN - sizeof(*e) -
						sizeof(*ip));
		if (side == CGN_INSIDE) {
			ip->dst_addr = rte_cpu_to_be_32(REMOTE_ADDR);
			u->dst_port = rte_cpu_to_be_16(REMOTE_PORT);
		} else {
			ip->src_addr = rte_cpu_to_be_32(REMOTE_ADDR);
			u->src_port = rte_cpu_to_be_16(REMOTE_PORT);
		}
		pl[0] = MAGIC;
		pl[2] = g->id;
	}
}

/* Write the frame of flow f as received on `side` into m. */
static inline void
build_frame(const struct gen *g, struct rte_mbuf *m, unsigned int side,
	    uint32_t f)
{
	const struct scen *s = g->s;
	uint8_t *b;
	struct rte_ether_hdr *e;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *u;

	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = FRAME_LEN;
	m->pkt_len = FRAME_LEN;
	m->ol_flags = 0;
	m->packet_type = 0;
	b = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(b, g->tmpl[side], 64);
	e = (struct rte_ether_hdr *)b;
	ip = (struct rte_ipv4_hdr *)(e + 1);
	u = (struct rte_udp_hdr *)(ip + 1);
	((uint32_t *)(b + PAYLOAD_OFF))[1] = f;
	if (side == CGN_INSIDE) {
		uint32_t a = s->host_ip[flow_host(f)];

		host_mac(a, &e->src_addr);
		ip->src_addr = a;
		u->src_port = flow_port(f);
	} else {
		ip->dst_addr = s->map_addr[f];
		u->dst_port = s->map_port[f];
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
}

static void
note_bad(struct gen *g, const char *fmt, uint32_t f, uint64_t a, uint64_t b)
{
	if (g->bad_checks++ == 0)
		snprintf(g->first_bad, sizeof(g->first_bad),
			 "worker %u, %s, flow %u: %s (got %#" PRIx64
			 ", want %#" PRIx64 ")", g->id, mode_name[g->mode], f,
			 fmt, a, b);
}

/*
 * Check one frame that came out on `side`; in the setup phase, record the
 * outside endpoint the flow was given.
 */
static void
check_frame_fields(struct gen *g, struct rte_mbuf *m, unsigned int side)
{
	struct scen *s = g->s;
	uint8_t *b = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
	const uint32_t *pl = (const uint32_t *)(b + PAYLOAD_OFF);
	struct rte_ether_addr hm;
	uint32_t f = pl[1], h, hip;

	if (m->pkt_len != FRAME_LEN || pl[0] != MAGIC || pl[2] >= s->nw ||
	    f >= s->n_flows) {
		note_bad(g, "not one of our frames", f, m->pkt_len, FRAME_LEN);
		return;
	}
	h = flow_host(f);
	hip = s->host_ip[h];
	if (g->mode == M_FLOOR) {
		/* 5-tuple swapped, out of the other port. */
		if (side != CGN_OUTSIDE ||
		    ip->src_addr != rte_cpu_to_be_32(REMOTE_ADDR) ||
		    ip->dst_addr != hip ||
		    u->src_port != rte_cpu_to_be_16(REMOTE_PORT) ||
		    u->dst_port != flow_port(f))
			note_bad(g, "floor: tuple not swapped", f,
				 rte_be_to_cpu_32(ip->src_addr), REMOTE_ADDR);
		return;
	}
	/* Whatever queue it came in on, the owner translated it. */
	if (s->host_owner[h] != g->id)
		note_bad(g, "sent by a worker that does not own the "
			 "subscriber", f, g->id, s->host_owner[h]);
	if (ip->time_to_live != 63)
		note_bad(g, "TTL", f, ip->time_to_live, 63);
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		note_bad(g, "IPv4 checksum", f, ip->hdr_checksum, 0);
	{
		uint16_t ck = u->dgram_cksum, want;

		u->dgram_cksum = 0;
		want = rte_ipv4_udptcp_cksum(ip, u);
		u->dgram_cksum = ck;
		if (ck != want)
			note_bad(g, "UDP checksum", f, ck, want);
	}
	if (side == CGN_OUTSIDE) {
		/* in2out: source rewritten to the flow's outside endpoint. */
		if (!rte_is_same_ether_addr(&e->dst_addr, &gw_mac) ||
		    !rte_is_same_ether_addr(&e->src_addr, &port_mac[side]))
			note_bad(g, "in2out MAC addresses", f, 0, 0);
		if (ip->dst_addr != rte_cpu_to_be_32(REMOTE_ADDR) ||
		    u->dst_port != rte_cpu_to_be_16(REMOTE_PORT))
			note_bad(g, "in2out destination changed", f,
				 rte_be_to_cpu_32(ip->dst_addr), REMOTE_ADDR);
		if (g->mode == M_SETUP && s->map_addr[f] == 0) {
			s->map_addr[f] = ip->src_addr;
			s->map_port[f] = u->src_port;
		} else if (ip->src_addr != s->map_addr[f] ||
			   u->src_port != s->map_port[f]) {
			note_bad(g, "in2out source endpoint", f,
				 ((uint64_t)rte_be_to_cpu_32(ip->src_addr)
				  << 16) | rte_be_to_cpu_16(u->src_port),
				 ((uint64_t)rte_be_to_cpu_32(s->map_addr[f])
				  << 16) | rte_be_to_cpu_16(s->map_port[f]));
		}
	} else {
		/* out2in: destination back to the inside endpoint. */
		host_mac(hip, &hm);
		if (!rte_is_same_ether_addr(&e->dst_addr, &hm) ||
		    !rte_is_same_ether_addr(&e->src_addr, &port_mac[side]))
			note_bad(g, "out2in MAC addresses", f, 0, 0);
		if (ip->dst_addr != hip || u->dst_port != flow_port(f))
			note_bad(g, "out2in destination endpoint", f,
				 ((uint64_t)rte_be_to_cpu_32(ip->dst_addr)
				  << 16) | rte_be_to_cpu_16(u->dst_port),
				 ((uint64_t)rte_be_to_cpu_32(hip) << 16) |
				 rte_be_to_cpu_16(flow_port(f)));
		if (ip->src_addr != rte_cpu_to_be_32(REMOTE_ADDR) ||
		    u->src_port != rte_cpu_to_be_16(REMOTE_PORT))
			note_bad(g, "out2in source changed", f,
				 rte_be_to_cpu_32(ip->src_addr), REMOTE_ADDR);
	}
}

static void
check_frame(struct gen *g, struct rte_mbuf *m, unsigned int side)
{
	uint64_t before = g->bad_checks;

	check_frame_fields(g, m, side);
	g->bad += g->bad_checks != before;
}

/*
 * Answer an ARP request the box sent (the control thread sends through
 * worker 0): for the gateway on the outside, for a subscriber inside.
 */
static bool
answer_arp(struct gen *g, struct rte_mbuf *m, unsigned int side)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	struct rte_ether_addr mac;
	uint32_t tip_h, tip, sip;

	if (m->data_len < sizeof(*e) + sizeof(*a) ||
	    a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST))
		return false;
	tip = a->arp_data.arp_tip;
	tip_h = rte_be_to_cpu_32(tip);
	if (side == CGN_OUTSIDE && tip_h == OUT_GW)
		mac = gw_mac;
	else if (side == CGN_INSIDE && tip_h >= HOST_BASE &&
		 tip_h <= HOST_LAST)
		host_mac(tip, &mac);
	else
		return false;
	sip = a->arp_data.arp_sip;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_data.arp_sha, &a->arp_data.arp_tha);
	a->arp_data.arp_tip = sip;
	rte_ether_addr_copy(&mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = tip;
	rte_ether_addr_copy(&e->src_addr, &e->dst_addr);
	rte_ether_addr_copy(&mac, &e->src_addr);
	if (rte_ring_sp_enqueue(g->rx[side], m) != 0)
		return false;
	g->arp_answered++;
	return true;
}

static inline void
stash_put(struct gen *g, struct rte_mbuf *m)
{
	if (g->n_stash < STASH)
		g->stash[g->n_stash++] = m;
	else
		rte_pktmbuf_free(m);
}

/*
 * Take what this queue's worker sent (its own frames and those handed to
 * it), check them, keep the mbufs for reuse.
 */
static uint64_t
collect(struct gen *g)
{
	struct rte_mbuf *pkts[64];
	uint64_t got = 0;
	unsigned int side, n, i;

	for (side = 0; side < CGN_SIDES; side++) {
		while ((n = rte_ring_sc_dequeue_burst(g->tx[side],
						      (void **)pkts, 64,
						      NULL)) > 0) {
			for (i = 0; i < n; i++) {
				struct rte_mbuf *m = pkts[i];
				struct rte_ether_hdr *e = rte_pktmbuf_mtod(
					m, struct rte_ether_hdr *);
				struct rte_ipv4_hdr *ip =
					(struct rte_ipv4_hdr *)(e + 1);

				if (e->ether_type ==
				    RTE_BE16(RTE_ETHER_TYPE_ARP)) {
					/* The control thread resolves or
					 * re-confirms a neighbour.
					 */
					if (answer_arp(g, m, side))
						continue;
					g->unexpected++;
				} else if (e->ether_type !=
					   RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
					   ip->next_proto_id != IPPROTO_UDP) {
					/* ICMP 3/1: a first frame refused
					 * while a port block was on its way.
					 */
					if (g->mode == M_SETUP &&
					    ip->next_proto_id == IPPROTO_ICMP)
						g->icmp_errors++;
					else
						g->unexpected++;
				} else {
					got++;
					check_frame(g, m, side);
				}
				stash_put(g, m);
			}
		}
	}
	g->received += got;
	return got;
}

/* n mbufs for the next frames: reused ones first, then new ones. */
static int
get_mbufs(struct gen *g, struct rte_mbuf **m, unsigned int n)
{
	unsigned int k = RTE_MIN(n, g->n_stash);

	g->n_stash -= k;
	memcpy(m, &g->stash[g->n_stash], k * sizeof(*m));
	if (k < n && rte_pktmbuf_alloc_bulk(g->ctx->mp, m + k, n - k) != 0) {
		g->n_stash += k;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The floor: 5-tuple swap (testpmd --forward-mode=5tswap)            */

static inline void
swap5(struct rte_mbuf *m)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr ta;
	struct rte_ipv4_hdr *ip;
	uint32_t a;

	ta = e->dst_addr;
	e->dst_addr = e->src_addr;
	e->src_addr = ta;
	if (e->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return;
	ip = (struct rte_ipv4_hdr *)(e + 1);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	if (ip->next_proto_id == IPPROTO_UDP ||
	    ip->next_proto_id == IPPROTO_TCP) {
		/* Ports are the first 4 bytes of both headers. */
		uint16_t *p = (uint16_t *)((uint8_t *)ip +
					   rte_ipv4_hdr_len(ip));
		uint16_t t = p[0];

		p[0] = p[1];
		p[1] = t;
	}
}

static void
floor_poll(struct gen *g)
{
	struct rte_mbuf *pkts[NAT_BURST];
	unsigned int side;
	uint16_t n, sent, i;

	for (side = 0; side < CGN_SIDES; side++) {
		n = rte_eth_rx_burst(g->ctx->link[side].port_id, g->w->rxq,
				     pkts, NAT_BURST);
		if (n == 0)
			continue;
		for (i = 0; i < n; i++) {
			if (i + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1],
							       void *));
			swap5(pkts[i]);
		}
		sent = rte_eth_tx_burst(g->ctx->link[side ^ 1].port_id,
					g->w->txq, pkts, n);
		for (i = sent; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
	}
}

/* ------------------------------------------------------------------ */
/* Phases                                                              */

static inline uint32_t
next_flow(struct gen *g)
{
	uint32_t f = g->list[g->pos];

	if (++g->pos == g->n_list)
		g->pos = 0;
	return f;
}

static void
shuffle(uint32_t *a, uint32_t n)
{
	uint32_t i;

	for (i = n; i > 1; i--) {
		uint32_t j = (uint32_t)rte_rand_max(i), t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* Frames the worker has received or been handed so far. */
static inline uint64_t
work_seen(const struct cgn_worker *w)
{
	return w->nat.stats.rx[CGN_INSIDE] + w->nat.stats.rx[CGN_OUTSIDE] +
	       w->nat.stats.handoff_in;
}

/* Handed to this worker and not taken yet: the fullest ring's count. */
static unsigned int
handoff_waiting(const struct gen *g, unsigned int *total)
{
	unsigned int j, n, most = 0;

	*total = 0;
	for (j = 0; j < g->s->nw; j++) {
		if (j == g->id || g->ctx->handoff[j][g->id] == NULL)
			continue;
		n = rte_ring_count(g->ctx->handoff[j][g->id]);
		*total += n;
		most = RTE_MAX(most, n);
	}
	return most;
}

/* One poll of the worker; its cycles when it had something to do. */
static uint64_t
poll_if_work(struct gen *g)
{
	uint64_t before = work_seen(g->w), t0, t1;

	t0 = rte_rdtsc();
	cgn_worker_poll(g->w, t0);
	t1 = rte_rdtsc();
	return work_seen(g->w) != before ? t1 - t0 : 0;
}

/*
 * Before handing frames to the worker: make sure the handoff rings from
 * it to the other workers have room for the frames it will hand over, so
 * that a generator that the OS descheduled (this machine is shared) does
 * not make the worker drop handoff_full. Meanwhile the worker takes what
 * the others handed to it (so two waiting generators cannot block each
 * other); those polls are timed.
 */
static int
handoff_room(struct gen *g, const uint32_t *fin, unsigned int nin,
	     const uint32_t *fout, unsigned int nout)
{
	unsigned int need[MAX_WORKERS] = { 0 }, i, j;
	uint64_t t_end = 0;
	bool waited = false;

	for (i = 0; i < nin; i++)
		need[g->s->host_owner[flow_host(fin[i])]]++;
	for (i = 0; i < nout; i++)
		need[g->s->host_owner[flow_host(fout[i])]]++;
	for (j = 0; j < g->s->nw; j++) {
		struct rte_ring *r = g->ctx->handoff[g->id][j];

		if (j == g->id || need[j] == 0 || r == NULL)
			continue;
		while (rte_ring_free_count(r) < need[j]) {
			if (!waited) {
				waited = true;
				g->waits++;
				t_end = rte_rdtsc() + 30 * tsc_hz;
			}
			g->wait_cycles += poll_if_work(g);
			/* What it sent meanwhile: its TX rings must not fill. */
			collect(g);
			if (rte_rdtsc() > t_end) {
				snprintf(g->first_bad, sizeof(g->first_bad),
					 "handoff ring to worker %u stayed "
					 "full for 30 s", j);
				return -EIO;
			}
		}
	}
	return 0;
}

/*
 * One timed run: nin frames into the inside RX ring, nout into the
 * outside one, then the worker (or the floor) polls until they are gone,
 * and takes what the other workers handed to it meanwhile. Returns the
 * cycles spent in the polls, or 0 with g->rc set.
 */
static uint64_t
run_chunk(struct gen *g, const uint32_t *fin, unsigned int nin,
	  const uint32_t *fout, unsigned int nout)
{
	struct rte_mbuf *m[2 * CHUNK];
	unsigned int n = nin + nout, i, npolls, cin, cout, hmost, htot;
	uint64_t t0, t1, waited;

	if (get_mbufs(g, m, n) != 0) {
		snprintf(g->first_bad, sizeof(g->first_bad),
			 "out of mbufs");
		g->rc = -ENOMEM;
		return 0;
	}
	for (i = 0; i < nin; i++)
		build_frame(g, m[i], CGN_INSIDE, fin[i]);
	for (i = 0; i < nout; i++)
		build_frame(g, m[nin + i], CGN_OUTSIDE, fout[i]);
	if (g->s->nw > 1 && g->mode != M_FLOOR &&
	    handoff_room(g, fin, nin, fout, nout) != 0) {
		rte_pktmbuf_free_bulk(m, n);
		g->rc = -EIO;
		return 0;
	}
	if (rte_ring_sp_enqueue_bulk(g->rx[CGN_INSIDE], (void **)m, nin,
				     NULL) != nin ||
	    rte_ring_sp_enqueue_bulk(g->rx[CGN_OUTSIDE], (void **)(m + nin),
				     nout, NULL) != nout) {
		snprintf(g->first_bad, sizeof(g->first_bad), "rx ring full");
		g->rc = -ENOSPC;
		return 0;
	}
	g->pkts += n;
	/* ARP replies for the control thread may be waiting there too, and
	 * frames the other workers handed over.
	 */
	cin = rte_ring_count(g->rx[CGN_INSIDE]);
	cout = rte_ring_count(g->rx[CGN_OUTSIDE]);
	hmost = handoff_waiting(g, &htot);
	npolls = (RTE_MAX(RTE_MAX(cin, cout), hmost) + NAT_BURST - 1) /
		 NAT_BURST;

	if (g->mode == M_FLOOR) {
		t0 = rte_rdtsc();
		for (i = 0; i < npolls; i++)
			floor_poll(g);
		t1 = rte_rdtsc();
	} else if (g->profile) {
		CALLGRIND_TOGGLE_COLLECT;
		t0 = rte_rdtsc();
		for (i = 0; i < npolls; i++)
			cgn_worker_poll(g->w, rte_rdtsc());
		t1 = rte_rdtsc();
		CALLGRIND_TOGGLE_COLLECT;
	} else {
		t0 = rte_rdtsc();
		for (i = 0; i < npolls; i++)
			cgn_worker_poll(g->w, rte_rdtsc());
		t1 = rte_rdtsc();
	}
	if (rte_ring_count(g->rx[CGN_INSIDE]) != 0 ||
	    rte_ring_count(g->rx[CGN_OUTSIDE]) != 0) {
		snprintf(g->first_bad, sizeof(g->first_bad),
			 "worker left frames in its rx rings");
		g->rc = -EIO;
	}
	waited = g->wait_cycles;
	g->wait_cycles = 0;
	return t1 - t0 + waited;
}

static void
phase_begin(struct gen *g, enum mode mode)
{
	g->mode = mode;
	g->cycles = g->pkts = g->received = g->bad = g->unexpected = 0;
	g->bad_checks = 0;
	g->icmp_errors = 0;
	g->waits = 0;
	g->wait_cycles = 0;
	g->smp.n = 0;
	g->smp.seen = 0;
	g->med = g->p10 = g->p90 = 0;
	g->first_bad[0] = 0;
	g->rc = 0;
}

static void
phase_end(struct gen *g)
{
	g->med = samp_median(&g->smp, &g->p10, &g->p90);
}

/* Wait until every worker's generator is here. */
static void
barrier(uint32_t *count, unsigned int n)
{
	__atomic_add_fetch(count, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < n)
		rte_pause();
}

/*
 * The end of a parallel phase: this generator sends nothing more; its
 * worker keeps taking what the others hand to it until they have all
 * stopped sending and the rings to it are empty (a handed-over frame is
 * never handed on, so nothing arrives after that), then what it sent is
 * collected. Polls that did something are timed.
 */
static void
phase_finish(struct gen *g)
{
	struct scen *s = g->s;
	unsigned int tot;

	__atomic_add_fetch(&s->finished, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		bool all = __atomic_load_n(&s->finished, __ATOMIC_ACQUIRE) ==
			   s->nw;

		handoff_waiting(g, &tot);
		tot += rte_ring_count(g->rx[CGN_INSIDE]) +
		       rte_ring_count(g->rx[CGN_OUTSIDE]);
		if (all && tot == 0)
			break;
		if (tot != 0) {
			g->cycles += poll_if_work(g);
			collect(g);
		} else {
			rte_pause();
		}
	}
	/* Packets the control thread queued (ARP) and buffered TX. */
	cgn_worker_poll(g->w, rte_rdtsc());
	collect(g);
}

/* A measured phase of established traffic (or the floor), on g->lcore. */
static int
measure(void *arg)
{
	struct gen *g = arg;
	uint32_t fin[CHUNK], fout[CHUNK];
	unsigned int nin, nout, i;
	uint64_t end, c;

	phase_begin(g, g->mode);
	switch (g->mode) {
	case M_I2O:
	case M_FLOOR:
		nin = CHUNK, nout = 0;
		break;
	case M_O2I:
		nin = 0, nout = CHUNK;
		break;
	default:
		nin = nout = CHUNK / 2;
		break;
	}
	barrier(&g->s->started, g->s->nw);
	end = rte_rdtsc() + (uint64_t)(g->seconds * (double)tsc_hz);
	do {
		for (i = 0; i < nin; i++)
			fin[i] = next_flow(g);
		for (i = 0; i < nout; i++)
			fout[i] = next_flow(g);
		c = run_chunk(g, fin, nin, fout, nout);
		if (g->rc != 0)
			break;
		g->cycles += c;
		samp_add(&g->smp, (double)c / (nin + nout));
		collect(g);
	} while (rte_rdtsc() < end);
	phase_finish(g);
	phase_end(g);
	return g->rc;
}

/*
 * The first out2in frame of a session looks its host's neighbour entry
 * up; do that once for every flow, untimed but checked.
 */
static int
warm(void *arg)
{
	struct gen *g = arg;
	uint32_t done, n;

	phase_begin(g, M_WARM);
	barrier(&g->s->started, g->s->nw);
	for (done = 0; done < g->n_list && g->rc == 0; done += n) {
		n = RTE_MIN((uint32_t)CHUNK, g->n_list - done);
		run_chunk(g, NULL, 0, &g->list[done], n);
		collect(g);
	}
	phase_finish(g);
	phase_end(g);
	return g->rc;
}

/* Poll the worker, untimed, for about us microseconds (grants come in
 * with the block exchange, every ms).
 */
static void
idle_poll(struct gen *g, unsigned int us)
{
	uint64_t end = rte_rdtsc() + tsc_hz * us / 1000000;

	while (rte_rdtsc() < end) {
		cgn_worker_poll(g->w, rte_rdtsc());
		collect(g);
	}
}

/* Why did the setup stop making progress? The blocks per pool address. */
static void
setup_stalled(struct gen *g, uint32_t left)
{
	const struct nat_pool *pool = g->w->nat.pool;
	char line[1024] = "";
	uint32_t a;

	for (a = 0; a < pool->p.n_addrs && strlen(line) < 900; a++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 " [%u: control %u, free here %u, subscribers %u, "
			 "asked %.0f ms ago]", a,
			 __atomic_load_n(&g->ctx->global_free[a],
					 __ATOMIC_RELAXED),
			 pool->addrs[a].n_free, pool->addrs[a].n_subs,
			 g->w->nat.need_tsc[a] ? (double)(rte_rdtsc() -
			 g->w->nat.need_tsc[a]) * 1e3 / (double)tsc_hz : -1.0);
	fprintf(stderr, "cgnat-bench: worker %u: setup made no progress for "
		"%u s, %u flows left; %u blocks in use here; rings: events %u, "
		"grants %u, returns %u; pool addresses:%s\n", g->id,
		SETUP_STALL_S, left, pool->n_blocks_used,
		rte_ring_count(g->w->ev_ring), rte_ring_count(g->w->grant_ring),
		rte_ring_count(g->w->free_ring), line);
}

/*
 * Preliminary phase: the first frame of every flow of this worker's
 * subscribers, on its own queue, timed per session made. A first frame
 * that finds no port block yet (the control thread is granting one) is
 * dropped by the worker (block_pending) and sent again in a later pass.
 */
static int
setup(void *arg)
{
	struct gen *g = arg;
	struct scen *s = g->s;
	uint32_t *todo, ntodo, done, n, i, k;
	uint64_t stall = 0;

	phase_begin(g, M_SETUP);
	g->passes = 0;
	todo = malloc(sizeof(*todo) * RTE_MAX(g->n_list, 1u));
	if (todo == NULL) {
		snprintf(g->first_bad, sizeof(g->first_bad), "out of memory");
		g->rc = -ENOMEM;
	} else {
		memcpy(todo, g->list, sizeof(*todo) * g->n_list);
	}
	ntodo = todo != NULL ? g->n_list : 0;
	barrier(&s->started, s->nw);
	while (ntodo > 0 && g->rc == 0) {
		g->passes++;
		for (done = 0; done < ntodo; done += n) {
			uint64_t c0 = g->w->nat.stats.sessions_created, c;

			n = RTE_MIN((uint32_t)CHUNK, ntodo - done);
			c = run_chunk(g, &todo[done], n, NULL, 0);
			if (g->rc != 0)
				break;
			g->cycles += c;
			if (g->w->nat.stats.sessions_created > c0)
				samp_add(&g->smp, (double)c / (double)(
					 g->w->nat.stats.sessions_created - c0));
			collect(g);
			/* Leave the control thread room for the learn
			 * events (untimed; it polls every 200 us).
			 */
			while (rte_ring_count(g->w->ev_ring) > 2048)
				rte_delay_us_sleep(100);
		}
		for (i = 0, k = 0; i < ntodo; i++)
			if (s->map_addr[todo[i]] == 0)
				todo[k++] = todo[i];
		if (k == 0)
			break;
		if (k < ntodo)
			stall = 0;
		else if (stall == 0)
			stall = rte_rdtsc();
		else if (rte_rdtsc() - stall > SETUP_STALL_S * tsc_hz) {
			setup_stalled(g, k);
			break; /* counted as flows without a session */
		}
		ntodo = k;
		idle_poll(g, 2000);
	}
	free(todo);
	g->created = g->w->nat.stats.sessions_created;
	phase_finish(g);
	phase_end(g);
	return g->rc;
}

/* Run the control thread until the workers' rings to it are empty. */
static void
ctrl_drain(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl)
{
	unsigned int i, busy, guard = 0;

	do {
		cgn_ctrl_poll(ctrl, rte_rdtsc());
		busy = rte_ring_count(ctx->log_ring);
		for (i = 0; i < ctx->n_workers; i++)
			busy += rte_ring_count(ctx->workers[i]->ev_ring) +
				rte_ring_count(ctx->workers[i]->slow_ring) +
				rte_ring_count(ctx->workers[i]->free_ring);
	} while (busy != 0 && ++guard < 100000);
}

/* Tear-down: age everything with a clock past every timeout; timed. */
static uint64_t
phase_teardown(struct gen *g, struct cgn_ctrl *ctrl, uint64_t *expired)
{
	uint64_t far = rte_rdtsc() + (uint64_t)(TIMEOUT_S + 60) * tsc_hz;
	uint64_t cyc = 0, t0, t1;
	uint32_t guard = 0, n;

	*expired = 0;
	phase_begin(g, M_IDLE);
	while (g->w->nat.ct->used > 0 && guard++ < 100000000u) {
		t0 = rte_rdtsc();
		n = cgn_worker_age(g->w, far, 4096);
		t1 = rte_rdtsc();
		cyc += t1 - t0;
		*expired += n;
		if (n > 0)
			samp_add(&g->smp, (double)(t1 - t0) / n);
		if (rte_ring_count(g->ctx->log_ring) > 32768)
			ctrl_drain(g->ctx, ctrl);
	}
	ctrl_drain(g->ctx, ctrl);
	g->med = samp_median(&g->smp, &g->p10, &g->p90);
	return cyc;
}

/* ------------------------------------------------------------------ */
/* Scenario: one scale, one number of workers                          */

static uint64_t
heap_allocated(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
						&st) == 0)
			n += st.heap_allocsz_bytes;
	return n;
}

static uint64_t
heap_free(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
						&st) == 0)
			n += st.heap_freesz_bytes;
	return n;
}

static uint32_t
pool_addrs_for(uint32_t hosts)
{
	/* Every host holds one block; keep the pool about half used. */
	uint32_t n = (hosts + BLOCKS_PER_ADDR - 1) / BLOCKS_PER_ADDR * 2;

	return RTE_MAX(n, 2u);
}

static int
write_config(const char *path, uint32_t scale, unsigned int nw,
	     const unsigned int *lcores, const char *in_port,
	     const char *out_port)
{
	uint32_t hosts = scale / FLOWS_PER_HOST;
	uint32_t last = POOL_BASE + pool_addrs_for(hosts) - 1;
	char lc[64] = "";
	unsigned int i;
	FILE *f;

	for (i = 0; i < nw; i++)
		snprintf(lc + strlen(lc), sizeof(lc) - strlen(lc), "%s%u",
			 i ? ", " : "", lcores[i]);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f,
		"# Generated by cgnat-bench.\n"
		"inside: { port = \"%s\"; address = \"100.64.0.1/10\";\n"
		"  subscribers = [\"100.64.0.0/10\"]; };\n"
		"outside: { port = \"%s\"; address = \"198.51.100.1/24\";\n"
		"  gateway = \"198.51.100.254\"; };\n"
		"# hold_down = 0: a released port is free at once, so that\n"
		"# the leak check after the tear-down sees every block back.\n"
		"pool: { addresses = [\"198.18.0.0-%u.%u.%u.%u\"];\n"
		"  ports = \"%u-%u\"; block_size = %u;\n"
		"  max_blocks_per_subscriber = 4; hold_down = 0; };\n"
		"timeouts: { udp = %u; tcp_established = %u;\n"
		"  tcp_transitory = %u; icmp = %u; };\n"
		"# max_sessions is for the box; each worker's table gets\n"
		"# max_sessions / workers (the bench gives each worker\n"
		"# exactly that many sessions).\n"
		"limits: { sessions_per_subscriber = %u; max_sessions = %u; };\n"
		"workers: { lcores = [%s]; };\n"
		"logging: { file = \"%s/mappings.log\"; };\n",
		in_port, out_port, last >> 24, (last >> 16) & 255,
		(last >> 8) & 255, last & 255, POOL_PORT_LO, POOL_PORT_HI,
		BLOCK_SIZE, TIMEOUT_S, TIMEOUT_S, TIMEOUT_S, TIMEOUT_S,
		2 * FLOWS_PER_HOST, scale, lc, tmpdir);
	return fclose(f);
}

/* How well the session hash spreads the keys: full buckets, spills. */
static void
bucket_stats(const struct ct_table *t, unsigned int d, uint64_t *full,
	     uint64_t *spilled, uint64_t *nbkt)
{
	const struct ct_htable *h = &t->ht[d];
	uint32_t b;
	unsigned int i, used;

	for (b = 0; b < h->nbkt; b++) {
		for (i = 0, used = 0; i < CT_BKT_ENTRIES; i++)
			used += h->bkt[b].sig[i] != 0;
		*full += used == CT_BKT_ENTRIES;
		*spilled += h->bkt[b].spilled;
	}
	*nbkt += h->nbkt;
}

static void
say_bad(struct scen *s, const char *what, uint32_t f, uint64_t got,
	uint64_t want, uint64_t *count)
{
	if ((*count)++ < 3)
		fprintf(stderr, "cgnat-bench: flow %u (%u sessions, %u "
			"workers): %s (got %#" PRIx64 ", want %#" PRIx64
			")\n", f, s->n_flows, s->nw, what, got, want);
}

/*
 * The mappings the setup produced: in the pool, one pool address per
 * subscriber (paired pooling), no outside endpoint given twice (with
 * several workers: the block manager gave each block to one worker), and
 * the block of each endpoint owned by its subscriber's worker (so that
 * out2in goes where the session is).
 */
static uint64_t
check_mappings(struct scen *s, uint32_t n_addrs)
{
	const struct nat_pool *pool = s->ctx.workers[0]->nat.pool;
	uint8_t *seen = calloc((size_t)n_addrs * 8192, 1);
	uint64_t bad = 0;
	uint32_t f, ref = 0;

	if (seen == NULL)
		return 1;
	for (f = 0; f < s->n_flows; f++) {
		uint32_t a = rte_be_to_cpu_32(s->map_addr[f]) - POOL_BASE;
		uint16_t p = rte_be_to_cpu_16(s->map_port[f]);
		uint64_t bit = (uint64_t)a * 65536 + p;
		uint8_t h_owner = s->host_owner[flow_host(f)];
		int32_t ai;

		if (f % FLOWS_PER_HOST == 0)
			ref = 0;
		if (s->map_addr[f] == 0)
			continue; /* no session: counted as a setup failure */
		if (a >= n_addrs || p < POOL_PORT_LO) {
			say_bad(s, "outside endpoint not in the pool", f, a,
				n_addrs, &bad);
			continue;
		}
		if (ref == 0)
			ref = s->map_addr[f];
		if (s->map_addr[f] != ref)
			say_bad(s, "subscriber on two pool addresses", f,
				rte_be_to_cpu_32(s->map_addr[f]),
				rte_be_to_cpu_32(ref), &bad);
		if (seen[bit >> 3] & (1u << (bit & 7)))
			say_bad(s, "outside endpoint given twice", f, bit, 0,
				&s->r->duplicates);
		seen[bit >> 3] |= (uint8_t)(1u << (bit & 7));
		ai = nat_pool_addr_index(pool, s->map_addr[f]);
		if (ai < 0 || s->ctx.block_owner[nat_block_of(pool,
				(uint32_t)ai, p)] != h_owner)
			say_bad(s, "port block not owned by the subscriber's "
				"worker", f, ai < 0 ? UINT64_MAX :
				s->ctx.block_owner[nat_block_of(pool,
					(uint32_t)ai, p)], h_owner,
				&s->r->owner_mismatch);
	}
	free(seen);
	return bad + s->r->duplicates + s->r->owner_mismatch;
}

/* Counters of a worker since the snapshot. */
struct wdelta {
	uint64_t rx, tx, consumed, dropped, hout, hin;
	uint64_t drop[CGN_DROP_MAX];
};

static void
wdelta(const struct cgn_stats *now, const struct cgn_stats *then,
       struct wdelta *d)
{
	unsigned int k;

	d->rx = now->rx[0] + now->rx[1] - then->rx[0] - then->rx[1];
	d->tx = now->tx[0] + now->tx[1] - then->tx[0] - then->tx[1];
	d->consumed = now->consumed - then->consumed;
	d->hout = now->handoff_out - then->handoff_out;
	d->hin = now->handoff_in - then->handoff_in;
	d->dropped = 0;
	for (k = 0; k < CGN_DROP_MAX; k++) {
		d->drop[k] = now->drop[k] - then->drop[k];
		d->dropped += d->drop[k];
	}
}

/*
 * After a parallel phase (every worker idle, nothing in flight): each
 * worker's rx + handoff_in = tx + consumed + dropped + handoff_out, and
 * over the workers rx = tx + consumed + dropped. Drops are errors, except
 * block_pending in the setup (those frames are sent again). Returns the
 * frames handed off.
 */
static uint64_t
check_counters(struct scen *s, enum mode mode, const struct cgn_stats *base,
	       bool drops)
{
	struct result *r = s->r;
	struct wdelta d;
	uint64_t rx = 0, tx = 0, cons = 0, drop = 0, hout = 0, hin = 0;
	unsigned int i, k;

	for (i = 0; i < s->nw; i++) {
		wdelta(&s->g[i].w->nat.stats, &base[i], &d);
		if (d.rx + d.hin != d.tx + d.consumed + d.dropped + d.hout) {
			fprintf(stderr, "cgnat-bench: %s: worker %u: rx %"
				PRIu64 " + handoff_in %" PRIu64 " != tx %"
				PRIu64 " + consumed %" PRIu64 " + dropped %"
				PRIu64 " + handoff_out %" PRIu64 "\n",
				mode_name[mode], i, d.rx, d.hin, d.tx,
				d.consumed, d.dropped, d.hout);
			r->counter_errors++;
		}
		for (k = 0; k < CGN_DROP_MAX && drops; k++) {
			if (d.drop[k] == 0)
				continue;
			if (mode == M_SETUP && k == CGN_DROP_block_pending) {
				r->setup_drops += d.drop[k];
				continue;
			}
			fprintf(stderr, "cgnat-bench: worker %u, %s: %" PRIu64
				" dropped: %s\n", i, mode_name[mode],
				d.drop[k], cgn_drop_names[k]);
			r->dropped += d.drop[k];
		}
		rx += d.rx;
		tx += d.tx;
		cons += d.consumed;
		drop += d.dropped;
		hout += d.hout;
		hin += d.hin;
	}
	if (rx != tx + cons + drop || hout != hin) {
		fprintf(stderr, "cgnat-bench: %s: over the workers rx %" PRIu64
			" != tx %" PRIu64 " + consumed %" PRIu64 " + dropped %"
			PRIu64 ", or handoff_out %" PRIu64 " != handoff_in %"
			PRIu64 "\n", mode_name[mode], rx, tx, cons, drop, hout,
			hin);
		r->counter_errors++;
	}
	return hout;
}

static int
lcore_main(void *arg)
{
	struct gen *g = arg;
	int rc;

	switch (g->mode) {
	case M_SETUP:
		rc = setup(g);
		break;
	case M_WARM:
		rc = warm(g);
		break;
	default:
		rc = measure(g);
		break;
	}
	__atomic_add_fetch(&g->s->exited, 1, __ATOMIC_RELEASE);
	return rc;
}

/*
 * Run a phase on every worker lcore at once, the control thread on this
 * (the main) lcore polling every 200 us as in main.c. Returns 0 or the
 * first error; *handoff gets the frames handed between workers.
 */
static int
run_parallel(struct scen *s, enum mode mode, enum dist dist, double seconds,
	     int profile, uint64_t *handoff)
{
	unsigned int i, period;
	uint64_t h;
	int rc = 0;

	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];

		g->mode = mode;
		g->dist = dist;
		g->seconds = seconds;
		g->profile = profile >= 0 && dist == D_RSS &&
			     (profile == N_MEAS ? mode == M_SETUP :
			      meas_mode[profile] == mode);
		g->list = s->list[dist][i];
		g->n_list = s->n_list[dist][i];
		g->pos = 0;
		s->snap[i] = g->w->nat.stats;
	}
	s->started = s->finished = s->exited = 0;
	for (i = 0; i < s->nw; i++)
		if (rte_eal_remote_launch(lcore_main, &s->g[i],
					  s->g[i].lcore) != 0) {
			/* Nothing started (lcores are idle between phases). */
			return -EBUSY;
		}
	/* main.c polls every 200 us. In the measured phases the control
	 * thread has nothing to do (no new session, no ARP), and where it
	 * shares a CPU with a worker (2 CPUs) waking it every 200 us would
	 * interrupt nearly every timed run of that worker: it polls every
	 * 10 ms there.
	 */
	period = mode == M_SETUP || mode == M_WARM ? 200 : 10000;
	while (__atomic_load_n(&s->exited, __ATOMIC_ACQUIRE) < s->nw) {
		cgn_ctrl_poll(&s->ctrl, rte_rdtsc());
		rte_delay_us_sleep(period);
	}
	for (i = 0; i < s->nw; i++)
		if (rte_eal_wait_lcore(s->g[i].lcore) != 0 && rc == 0)
			rc = -EIO;
	cgn_ctrl_poll(&s->ctrl, rte_rdtsc());
	h = mode == M_FLOOR ? 0 : check_counters(s, mode, s->snap, true);
	if (handoff != NULL)
		*handoff = h;
	return rc;
}

/* Sum up the phase the generators just ran. */
static void
add_phase(struct result *r, struct scen *s, struct phase_res *pr)
{
	double cyc = 0, pk = 0, mpps = 0, med = 0, p10 = 0, p90 = 0;
	uint64_t sent = 0, got = 0;
	unsigned int i, nw = s->nw;

	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];

		cyc += (double)g->cycles;
		pk += (double)g->pkts;
		if (g->med > 0)
			mpps += (double)tsc_hz / g->med / 1e6;
		med += g->med / nw;
		p10 += g->p10 / nw;
		p90 += g->p90 / nw;
		sent += g->pkts;
		got += g->received;
		r->bad += g->bad;
		r->unexpected += g->unexpected;
		if (g->first_bad[0])
			fprintf(stderr, "cgnat-bench: %s: %s\n",
				g->bad ? "MISTRANSLATED" : "error",
				g->first_bad);
		if (g->unexpected)
			fprintf(stderr, "cgnat-bench: worker %u, %s: %" PRIu64
				" unexpected frames\n", g->id,
				mode_name[g->mode], g->unexpected);
	}
	/* A frame may leave by another worker than the one it entered. */
	if (sent > got && s->g[0].mode != M_SETUP)
		r->lost += sent - got;
	if (pr != NULL) {
		pr->mpps = mpps;
		pr->cpp = med;
		pr->cpp_mean = pk > 0 ? cyc / pk : 0;
		pr->p10 = p10;
		pr->p90 = p90;
		pr->pkts = sent;
		for (i = 0; i < nw; i++)
			pr->cpp_w[i] = s->g[i].med;
	}
}

/* Free everything as main.c does; returns the mbufs still out of the
 * pool (leaked).
 */
static unsigned int
scen_cleanup(struct scen *s)
{
	unsigned int i, side, in_use = 0;
	struct rte_mbuf *m;

	if (s->ctrl_up) {
		/* main.c's stop_and_flush(). */
		for (i = 0; i < s->nw; i++)
			if (s->ctx.workers[i] != NULL) {
				cgn_worker_close_all(s->ctx.workers[i],
						     rte_rdtsc());
				cgn_worker_flush(s->ctx.workers[i]);
			}
		cgn_ctrl_poll(&s->ctrl, rte_rdtsc());
		cgn_ctrl_fini(&s->ctrl);
	}
	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];

		if (g->stash != NULL) {
			rte_pktmbuf_free_bulk(g->stash, g->n_stash);
			free(g->stash);
		}
		free(g->smp.v);
	}
	if (s->ports_up)
		cgn_ports_stop(&s->ctx);
	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];

		for (side = 0; side < CGN_SIDES; side++) {
			while (g->rx[side] != NULL &&
			       rte_ring_dequeue(g->rx[side], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			while (g->tx[side] != NULL &&
			       rte_ring_dequeue(g->tx[side], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(g->rx[side]);
			rte_ring_free(g->tx[side]);
		}
		if (g->w != NULL) {
			cgn_worker_fini(g->w);
			rte_free(g->w);
		}
	}
	if (s->ctrl_up)
		cgn_blocks_fini(&s->ctrl);
	if (s->shared_up)
		cgn_shared_fini(&s->ctx);
	if (s->neigh_up)
		nat_neigh_fini(&s->ctx.neigh);
	rte_ring_free(s->ctx.log_ring);
	if (s->ctx.mp != NULL)
		in_use = rte_mempool_in_use_count(s->ctx.mp);
	rte_mempool_free(s->ctx.mp);
	free(s->host_ip);
	free(s->host_owner);
	free(s->map_addr);
	free(s->map_port);
	for (i = 0; i < D_MAX; i++)
		for (side = 0; side < MAX_WORKERS; side++)
			free(s->list[i][side]);
	return in_use;
}

static int
make_ports(struct scen *s, char *err, size_t errlen)
{
	struct rte_ring *rxr[CGN_SIDES][MAX_WORKERS];
	struct rte_ring *txr[CGN_SIDES][MAX_WORKERS];
	unsigned int side, i;
	char name[RTE_RING_NAMESIZE];

	/* rte_eth_from_rings(NAME) makes the ethdev "net_ring_NAME". */
	snprintf(s->in_name, sizeof(s->in_name), "net_ring_bin%u",
		 scenario_no);
	snprintf(s->out_name, sizeof(s->out_name), "net_ring_bout%u",
		 scenario_no);
	for (side = 0; side < CGN_SIDES; side++) {
		for (i = 0; i < s->nw; i++) {
			snprintf(name, sizeof(name), "b%u_rx%u_%u",
				 scenario_no, side, i);
			s->g[i].rx[side] = rxr[side][i] = rte_ring_create(
				name, RING_SIZE, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(name, sizeof(name), "b%u_tx%u_%u",
				 scenario_no, side, i);
			s->g[i].tx[side] = txr[side][i] = rte_ring_create(
				name, RING_SIZE, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (rxr[side][i] == NULL || txr[side][i] == NULL) {
				snprintf(err, errlen, "ring: %s",
					 rte_strerror(rte_errno));
				return -1;
			}
		}
		if (rte_eth_from_rings((side == CGN_INSIDE ? s->in_name :
							      s->out_name) + 9,
				       rxr[side], s->nw, txr[side], s->nw,
				       rte_socket_id()) < 0) {
			snprintf(err, errlen, "rte_eth_from_rings: %s",
				 rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

/*
 * The subscriber hosts: the first addresses from 100.64.0.2 on that give
 * every worker exactly hosts / workers of them by cgn_sub_owner() (the
 * same split for every run, and no worker's table runs over its share of
 * max_sessions; with one worker, 100.64.0.2 on).
 */
static int
pick_hosts(struct scen *s)
{
	uint32_t quota = s->hosts / s->nw, have[MAX_WORKERS] = { 0 };
	uint32_t a, n = 0;

	s->host_ip = malloc(sizeof(*s->host_ip) * s->hosts);
	s->host_owner = malloc(s->hosts);
	if (s->host_ip == NULL || s->host_owner == NULL)
		return -1;
	for (a = HOST_BASE; a <= HOST_LAST && n < s->hosts; a++) {
		uint32_t ip = rte_cpu_to_be_32(a);
		unsigned int o = cgn_sub_owner(&s->ctx, ip);

		if (o >= s->nw || have[o] == quota)
			continue;
		have[o]++;
		s->host_ip[n] = ip;
		s->host_owner[n++] = (uint8_t)o;
	}
	return n == s->hosts ? 0 : -1;
}

/*
 * Build the flow lists of a distribution, in a new random order: every
 * flow (setup) or only those with a session (measured phases).
 */
static int
make_lists(struct scen *s, enum dist d, bool all)
{
	uint32_t f, n[MAX_WORKERS] = { 0 };
	uint8_t *q = malloc(RTE_MAX(s->n_flows, 1u));
	unsigned int i;

	if (q == NULL)
		return -1;
	for (f = 0; f < s->n_flows; f++) {
		if (!all && s->map_addr[f] == 0) {
			q[f] = UINT8_MAX;
			continue;
		}
		/* rss: the subscriber's owner, which is also the owner of
		 * its port blocks (checked after the setup); spread: any.
		 */
		q[f] = d == D_SPREAD ? (uint8_t)rte_rand_max(s->nw) :
				       s->host_owner[flow_host(f)];
		n[q[f]]++;
	}
	for (i = 0; i < s->nw; i++) {
		free(s->list[d][i]);
		s->list[d][i] = malloc(sizeof(uint32_t) * RTE_MAX(n[i], 1u));
		s->n_list[d][i] = 0;
		if (s->list[d][i] == NULL) {
			free(q);
			return -1;
		}
	}
	for (f = 0; f < s->n_flows; f++)
		if (q[f] != UINT8_MAX)
			s->list[d][q[f]][s->n_list[d][q[f]]++] = f;
	for (i = 0; i < s->nw; i++)
		shuffle(s->list[d][i], s->n_list[d][i]);
	free(q);
	return 0;
}

/* Resolve the gateway through the control path: the control thread sent
 * an ARP request through worker 0 (cgn_ctrl_init); answer it.
 */
static int
resolve_gateway(struct scen *s)
{
	uint32_t gw = rte_cpu_to_be_32(OUT_GW), idx = UINT32_MAX;
	struct rte_ether_addr mac;
	struct gen *g = &s->g[0];
	int tries;

	phase_begin(g, M_IDLE);
	for (tries = 0; tries < 1000; tries++) {
		cgn_worker_poll(g->w, rte_rdtsc());
		collect(g);
		cgn_worker_poll(g->w, rte_rdtsc());
		cgn_ctrl_poll(&s->ctrl, rte_rdtsc());
		idx = nat_neigh_lookup(&s->ctx.neigh, CGN_OUTSIDE, gw);
		if (idx != UINT32_MAX &&
		    nat_neigh_mac(&s->ctx.neigh, idx, &mac))
			return 0;
		rte_delay_us_block(100);
	}
	return -1;
}

/* Every block is somewhere: a worker's pool (free: nothing is in use any
 * more), the control thread's free stacks, a grant or a free ring.
 */
static uint64_t
blocks_missing(struct scen *s)
{
	uint64_t n = 0;
	uint32_t a;
	unsigned int i;

	for (a = 0; a < s->cfg.pool.n_addrs; a++)
		n += s->ctx.global_free[a];
	for (i = 0; i < s->nw; i++) {
		const struct cgn_worker *w = s->ctx.workers[i];

		for (a = 0; a < s->cfg.pool.n_addrs; a++)
			n += w->nat.pool->addrs[a].n_free;
		n += rte_ring_count(w->grant_ring) +
		     rte_ring_count(w->free_ring);
	}
	return n > s->ctx.n_blocks ? n - s->ctx.n_blocks :
				     s->ctx.n_blocks - n;
}

static void
run_scenario(const struct opts *o, uint32_t scale, unsigned int nw,
	     const unsigned int *lcores, struct result *r)
{
	struct scen *s = calloc(1, sizeof(*s));
	uint32_t hosts = scale / FLOWS_PER_HOST, n_addrs;
	uint64_t mem0, mem1, mem2, accounted = 0, sessions = 0;
	uint64_t created = 0, cyc = 0;
	struct cgn_stats zero[MAX_WORKERS];
	char path[128], err[512];
	unsigned int i, d, k;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(zero, 0, sizeof(zero));
	r->scale = scale;
	r->workers = nw;
	if (s == NULL) {
		r->skipped = true;
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	scenario_no++;
	s->nw = nw;
	s->r = r;
	s->hosts = hosts;
	s->n_flows = scale;
	n_addrs = pool_addrs_for(hosts);
	err[0] = 0;

	if (make_ports(s, err, sizeof(err)) != 0)
		goto skip;
	snprintf(path, sizeof(path), "%s/bench.conf", tmpdir);
	if (write_config(path, scale, nw, lcores, s->in_name,
			 s->out_name) != 0 ||
	    cgn_config_load(path, &s->cfg, err, sizeof(err)) != 0 ||
	    cgn_config_check_ports(&s->cfg, err, sizeof(err)) != 0)
		goto skip;

	/* From here on as main.c does. */
	s->ctx.cfg = &s->cfg;
	s->ctx.tsc_hz = tsc_hz;
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->ctx.start_tsc = rte_rdtsc();
		s->ctx.start_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
				  (uint64_t)ts.tv_nsec;
	}
	s->ctx.n_workers = s->cfg.workers.n_lcores;
	if (cgn_ports_init(&s->ctx, err, sizeof(err)) != 0)
		goto skip;
	s->ports_up = true;
	port_mac[CGN_INSIDE] = s->ctx.link[CGN_INSIDE].mac;
	port_mac[CGN_OUTSIDE] = s->ctx.link[CGN_OUTSIDE].mac;
	/* cgn_sub_owner() is settled now (ring ports have no RSS: CRC32). */
	if (pick_hosts(s) != 0) {
		snprintf(err, sizeof(err), "not enough subscriber addresses");
		goto skip;
	}

	mem0 = heap_allocated();
	/* The neighbour table, sized for the hosts: every subscriber is
	 * on-link (no inside gateway), plus the outside gateway; rte_hash
	 * is not filled to the last slot, hence the eighth more.
	 */
	if (nat_neigh_init(&s->ctx.neigh, hosts + hosts / 8 + 64,
			   (int)rte_socket_id()) != 0) {
		snprintf(err, sizeof(err), "cannot allocate the neighbour "
			 "table");
		goto skip;
	}
	s->neigh_up = true;
	s->ctx.log_ring = rte_ring_create_elem("cgn_log",
		sizeof(struct nat_log_event), 65536, (int)rte_socket_id(),
		RING_F_SC_DEQ);
	if (s->ctx.log_ring == NULL) {
		snprintf(err, sizeof(err), "cannot create the log ring");
		goto skip;
	}
	s->shared_up = true;
	if (cgn_shared_init(&s->ctx, err, sizeof(err)) != 0)
		goto skip;
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];
		unsigned int lc = s->cfg.workers.lcores[i];
		int socket = (int)rte_lcore_to_socket_id(lc);
		struct cgn_worker *w;

		w = rte_zmalloc_socket("cgn_worker", sizeof(*w),
				       RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL || cgn_worker_init(w, &s->ctx, i, socket) != 0) {
			if (w != NULL) {
				cgn_worker_fini(w);
				rte_free(w);
			}
			snprintf(err, sizeof(err), "worker %u: out of EAL "
				 "memory for %u sessions (%" PRIu64 " MiB "
				 "free in the heap; give EAL more with -m)",
				 i, s->cfg.limits.max_sessions,
				 heap_free() >> 20);
			goto skip;
		}
		w->lcore = lc;
		s->ctx.workers[i] = w;
		g->w = w;
		g->id = i;
		g->s = s;
		g->ctx = &s->ctx;
		g->lcore = lc;
		accounted += w->nat.ct->bytes + w->nat.pool->bytes;
		r->bytes_ct += (double)w->nat.ct->bytes / (double)scale;
		r->bytes_pool += (double)w->nat.pool->bytes / (double)scale;
	}
	for (i = 0; i < nw; i++)
		if (cgn_worker_add_statics(s->ctx.workers[i], err,
					   sizeof(err)) != 0)
			goto skip;
	if (cgn_ctrl_init(&s->ctrl, &s->ctx, err, sizeof(err)) != 0)
		goto skip;
	s->ctrl_up = true;
	if (cgn_blocks_init(&s->ctrl, &s->ctx) != 0) {
		snprintf(err, sizeof(err), "cannot allocate the block "
			 "manager");
		goto skip;
	}
	mem1 = heap_allocated();
	if (cgn_ports_start(&s->ctx, err, sizeof(err)) != 0)
		goto skip;

	s->map_addr = calloc(s->n_flows, sizeof(*s->map_addr));
	s->map_port = calloc(s->n_flows, sizeof(*s->map_port));
	if (s->map_addr == NULL || s->map_port == NULL ||
	    make_lists(s, D_RSS, true) != 0) {
		snprintf(err, sizeof(err), "out of memory (flows)");
		goto skip;
	}
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];

		g->stash = malloc(sizeof(*g->stash) * STASH);
		g->smp.v = malloc(sizeof(float) * MAX_SAMPLES);
		if (g->stash == NULL || g->smp.v == NULL) {
			snprintf(err, sizeof(err), "out of memory");
			goto skip;
		}
		make_templates(g);
	}
	if (resolve_gateway(s) != 0) {
		snprintf(err, sizeof(err), "the gateway's ARP was never "
			 "resolved");
		goto skip;
	}

	/* Preliminary phase: all workers make their sessions at once. */
	rc = run_parallel(s, M_SETUP, D_RSS, 0, o->profile, NULL);
	add_phase(r, s, NULL);
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];

		if (g->med > 0)
			r->setup_rate += (double)tsc_hz / g->med;
		cyc += g->cycles;
		r->setup_passes = RTE_MAX(r->setup_passes, g->passes);
		r->setup_icmp += g->icmp_errors;
		sessions += g->w->nat.ct->used;
		created += g->created;
	}
	r->setup_s = (double)cyc / (double)tsc_hz;
	if (o->profile == N_MEAS)
		printf("profile: setup, %u worker(s): %" PRIu64 " sessions "
		       "made in the timed polls\n", nw, created);
	r->setup_rate_mean = cyc > 0 ? (double)created * (double)tsc_hz /
				       (double)cyc : 0;
	if (rc != 0) {
		snprintf(err, sizeof(err), "setup: %s", s->g[0].first_bad[0] ?
			 s->g[0].first_bad : s->g[nw - 1].first_bad);
		goto skip;
	}
	ctrl_drain(&s->ctx, &s->ctrl);
	mem2 = heap_allocated();
	for (i = 0; i < CGN_SIDES; i++) {
		uint64_t full = 0, nbkt = 0;

		for (k = 0; k < nw; k++)
			bucket_stats(s->g[k].w->nat.ct, i, &full,
				     &r->bkt_spilled[i], &nbkt);
		r->bkt_full[i] = 100.0 * (double)full / (double)nbkt;
	}
	if (sessions != scale || created != scale) {
		fprintf(stderr, "cgnat-bench: %u sessions wanted, %" PRIu64
			" made, %" PRIu64 " in the tables\n", scale, created,
			sessions);
		r->lost += scale - RTE_MIN(sessions, (uint64_t)scale);
	}
	/* Every subscriber's MAC learned from its traffic? */
	{
		struct rte_ether_addr mac;
		uint32_t h, idx, unres = 0;

		for (h = 0; h < hosts; h++) {
			idx = nat_neigh_lookup(&s->ctx.neigh, CGN_INSIDE,
					       s->host_ip[h]);
			if (idx == UINT32_MAX ||
			    !nat_neigh_mac(&s->ctx.neigh, idx, &mac))
				unres++;
		}
		if (unres || s->ctrl.stats.neigh_table_full) {
			fprintf(stderr, "cgnat-bench: %u subscribers' MACs "
				"not learned (neighbour table full %" PRIu64
				" times)\n", unres,
				s->ctrl.stats.neigh_table_full);
			r->bad += unres;
		}
	}
	r->bad += check_mappings(s, n_addrs);
	r->sessions = sessions;
	r->bytes_heap = (double)(mem2 - mem0) / (double)scale;
	r->bytes_heap_init = (double)(mem1 - mem0) / (double)scale;
	r->bytes_accounted = (double)accounted / (double)scale;

	/* Measured phases: each distribution's flows in a new random order;
	 * only flows that got a session (all of them, unless setup failed).
	 */
	for (i = 0; i < nw; i++)
		r->setup_failed += s->n_list[D_RSS][i];
	if (make_lists(s, D_RSS, false) != 0 ||
	    (nw > 1 && make_lists(s, D_SPREAD, false) != 0)) {
		snprintf(err, sizeof(err), "out of memory (flows)");
		goto skip;
	}
	for (i = 0; i < nw; i++) {
		r->setup_failed -= s->n_list[D_RSS][i];
		if (s->n_list[D_RSS][i] == 0 ||
		    (nw > 1 && s->n_list[D_SPREAD][i] == 0)) {
			snprintf(err, sizeof(err), "setup: no session made");
			goto skip;
		}
	}
	if (run_parallel(s, M_WARM, D_RSS, 0, -1, NULL) != 0) {
		add_phase(r, s, NULL);
		snprintf(err, sizeof(err), "warm-up: %s", s->g[0].first_bad);
		goto skip;
	}
	add_phase(r, s, NULL);

	for (d = 0; d < (nw > 1 ? D_MAX : 1u); d++) {
		r->has[d] = true;
		for (k = 0; k < N_MEAS; k++) {
			uint64_t h = 0;

			rc = run_parallel(s, meas_mode[k], d, o->seconds,
					  o->profile, &h);
			add_phase(r, s, &r->ph[d][k]);
			r->ph[d][k].handoff = h;
			for (i = 0; i < nw; i++)
				r->handoff_waits += s->g[i].waits;
			if (o->profile >= 0 && (int)k == o->profile &&
			    d == D_RSS)
				printf("profile: %s, %u worker(s): %" PRIu64
				       " frames in the timed polls\n",
				       meas_key[k], nw, r->ph[d][k].pkts);
			if (rc != 0) {
				snprintf(err, sizeof(err), "%s, %s: %s",
					 dist_name[d], meas_key[k],
					 s->g[0].first_bad[0] ?
					 s->g[0].first_bad :
					 s->g[nw - 1].first_bad);
				goto skip;
			}
		}
	}
	rc = run_parallel(s, M_FLOOR, D_RSS, o->seconds, -1, NULL);
	add_phase(r, s, &r->floor);
	if (rc != 0) {
		snprintf(err, sizeof(err), "floor: %s", s->g[0].first_bad);
		goto skip;
	}

	/* Tear-down, one worker at a time, from the main lcore. */
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];
		uint64_t expired, c;

		c = phase_teardown(g, &s->ctrl, &expired);
		if (g->med > 0)
			r->teardown_rate += (double)tsc_hz / g->med;
		r->teardown_s += (double)c / (double)tsc_hz;
		/* Everything given back? */
		r->leaked += g->w->nat.ct->used + g->w->nat.pool->n_maps +
			     g->w->nat.pool->n_subs + g->w->nat.pool->n_blocks_used;
		r->leaked += g->w->nat.stats.mappings_created -
			     g->w->nat.stats.mappings_freed;
		r->leaked += g->w->nat.stats.blocks_allocated -
			     g->w->nat.stats.blocks_released;
	}
	/* Let the workers and the control thread settle (grants taken,
	 * surplus blocks returned); blocks_missing() counts the rings too.
	 */
	for (k = 0; k < 5; k++) {
		for (i = 0; i < nw; i++)
			cgn_worker_poll(s->g[i].w, rte_rdtsc());
		ctrl_drain(&s->ctx, &s->ctrl);
		rte_delay_us_block(1000);
	}
	for (i = 0; i < nw; i++)
		collect(&s->g[i]);
	r->blocks_lost = blocks_missing(s);
	if (r->blocks_lost)
		fprintf(stderr, "cgnat-bench: %" PRIu64 " port blocks are "
			"neither free in a worker, nor with the control "
			"thread, nor on a ring\n", r->blocks_lost);
	r->blocks_granted = s->ctrl.stats.blocks_granted;
	r->block_requests = s->ctrl.stats.block_requests;
	r->block_unmet = s->ctrl.stats.block_requests_unmet;
	/* Counters since the start: over the workers rx = tx + consumed +
	 * dropped.
	 */
	check_counters(s, M_IDLE, zero, false);
	/* The mapping log: one line per block allocation and release. */
	{
		uint64_t blocks = 0;

		for (i = 0; i < nw; i++)
			blocks += s->g[i].w->nat.stats.blocks_allocated +
				  s->g[i].w->nat.stats.blocks_released;
		r->log_lines = s->ctrl.stats.log_lines;
		if (r->log_lines != blocks) {
			fprintf(stderr, "cgnat-bench: %" PRIu64 " mapping log "
				"lines for %" PRIu64 " block events\n",
				r->log_lines, blocks);
			r->leaked += blocks - RTE_MIN(blocks, r->log_lines);
		}
	}
	r->mbufs_leaked = scen_cleanup(s);
	r->ok = r->setup_failed == 0 && r->lost == 0 && r->bad == 0 &&
		r->dropped == 0 && r->unexpected == 0 && r->leaked == 0 &&
		r->mbufs_leaked == 0 && r->counter_errors == 0 &&
		r->blocks_lost == 0 && r->duplicates == 0 &&
		r->owner_mismatch == 0;
	free(s);
	snprintf(path, sizeof(path), "%s/mappings.log", tmpdir);
	unlink(path);
	return;
skip:
	r->skipped = true;
	snprintf(r->why, sizeof(r->why), "%s", err);
	scen_cleanup(s);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void
cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			c++;
			while (*c == ' ' || *c == '\t')
				c++;
			c[strcspn(c, "\n")] = 0;
			snprintf(buf, len, "%s", c);
			break;
		}
	}
	fclose(f);
}

static bool
using_hugepages(void)
{
	return rte_eal_has_hugepages() != 0;
}

static inline double
ratio(double a, double b)
{
	return b > 0 && isfinite(a / b) ? a / b : 0;
}

static const char *workers_note =
	"2 workers = one NAT with two workers, as cgnat runs it: one RX and "
	"one TX queue per worker on both ring ports, subscribers pinned to "
	"a worker by cgn_sub_owner(), port blocks granted to the workers by "
	"the control thread's block manager (ctx->block_owner), frames that "
	"reach the wrong worker handed to the owner through the handoff "
	"rings, limits.max_sessions split between the workers. The bench "
	"picks the subscriber addresses so that each worker owns exactly "
	"half of them. Distributions: rss = every frame on its owner's queue "
	"(a NIC with RSS on the inside source address and rte_flow on the "
	"outside port blocks: no handoff); spread = every flow on a random "
	"queue (a NIC hashing the 5-tuple: about half the frames handed "
	"off). Setup and the measured phases run on all workers at once "
	"with the control thread polling beside them (every 200 us as in "
	"main.c during setup; every 10 ms in the measured phases, where it "
	"has nothing to do: with 2 CPUs it shares one with worker 2) (rates "
	"and Mpps summed over workers, cycles/packet averaged); tear-down one "
	"worker at a time.";

static void
print_header(const char *cpu)
{
	printf("\ncgnat-bench: %s, %s, TSC %.3f GHz, %s, %u lcores, %ld "
	       "CPUs\n", rte_version(), cpu, (double)tsc_hz / 1e9,
	       using_hugepages() ? "hugepages" :
				   "no hugepages (4 KiB pages, --no-huge)",
	       rte_lcore_count(), sysconf(_SC_NPROCESSORS_ONLN));
	printf("lcores: %s\n", lcore_note);
	printf("frames: 64-byte UDP (60 + FCS), %u flows per subscriber "
	       "host to %u.%u.%u.%u:%u, %u frames per timed worker run, flows "
	       "visited in a random permutation (another one than at setup)\n",
	       FLOWS_PER_HOST, REMOTE_ADDR >> 24, (REMOTE_ADDR >> 16) & 255,
	       (REMOTE_ADDR >> 8) & 255, REMOTE_ADDR & 255, REMOTE_PORT,
	       CHUNK);
	printf("timed: cgn_worker_poll() only (rx burst, dispatch, handoff "
	       "rings, translate, tx burst, aging sweep and block exchange, "
	       "flush); cycles/packet = median over the timed runs (cycles of "
	       "a run / frames given to that worker); Mpps = TSC Hz / that, "
	       "summed over workers; setup and tear-down likewise per "
	       "session\n");
	printf("floor: 5-tuple swap forwarder (testpmd 5tswap) on the same "
	       "ring ports and lcores; ratio = NAT Mpps / floor Mpps\n");
	printf("neighbours: the gateway's ARP is answered through the control "
	       "thread; subscribers' MACs are learned by the control thread "
	       "from the workers' learn events during setup\n");
	printf("memory: bytes/session = growth of the rte_malloc heap from "
	       "the neighbour table through shared state, workers, block "
	       "manager and session setup, divided by the sessions\n");
	printf("%s\n\n", workers_note);
}

static double
handoff_pct(const struct result *r, unsigned int d)
{
	uint64_t h = 0, p = 0;
	unsigned int k;

	for (k = 0; k < N_MEAS; k++) {
		h += r->ph[d][k].handoff;
		p += r->ph[d][k].pkts;
	}
	return p ? 100.0 * (double)h / (double)p : 0;
}

static void
print_table(const struct result *res, unsigned int n)
{
	unsigned int i, d;

	printf("%9s %2s %-6s %8s %7s %7s %7s %7s %7s %7s %8s %7s %7s %7s "
	       "%5s %5s %5s %7s\n", "", "", "", "setup", "in2out", "",
	       "out2in", "", "mixed", "", "teardwn", "bytes/", "floor", "",
	       "ratio", "to", "floor", "handoff");
	printf("%9s %2s %-6s %8s %7s %7s %7s %7s %7s %7s %8s %7s %7s %7s "
	       "%5s %5s %5s %7s\n", "sessions", "wk", "dist", "Msess/s",
	       "Mpps", "cyc/pkt", "Mpps", "cyc/pkt", "Mpps", "cyc/pkt",
	       "Msess/s", "session", "Mpps", "cyc/pkt", "i2o", "o2i", "mix",
	       "%");
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		if (r->skipped) {
			printf("%9u %2u  skipped: %s\n", r->scale, r->workers,
			       r->why);
			continue;
		}
		for (d = 0; d < D_MAX; d++) {
			const struct phase_res *p = r->ph[d];

			if (!r->has[d])
				continue;
			printf("%9u %2u %-6s %8.3f %7.2f %7.1f %7.2f %7.1f "
			       "%7.2f %7.1f %8.3f %7.1f %7.2f %7.1f %5.2f "
			       "%5.2f %5.2f %7.1f%s\n",
			       r->scale, r->workers, dist_name[d],
			       r->setup_rate / 1e6, p[0].mpps, p[0].cpp,
			       p[1].mpps, p[1].cpp, p[2].mpps, p[2].cpp,
			       r->teardown_rate / 1e6, r->bytes_heap,
			       r->floor.mpps, r->floor.cpp,
			       ratio(p[0].mpps, r->floor.mpps),
			       ratio(p[1].mpps, r->floor.mpps),
			       ratio(p[2].mpps, r->floor.mpps),
			       handoff_pct(r, d), r->ok ? "" : "  (ERRORS)");
		}
	}
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_phase(FILE *f, const char *key, const struct phase_res *p,
	   double floor_mpps, bool last)
{
	fprintf(f, "     \"%s_mpps\": %.4f, \"%s_cyc_pkt\": %.2f, "
		"\"%s_cyc_pkt_mean\": %.2f, \"%s_cyc_pkt_p10\": %.2f, "
		"\"%s_cyc_pkt_p90\": %.2f, \"%s_frames\": %" PRIu64 ", "
		"\"%s_handed_off\": %" PRIu64 ", \"%s_ratio\": %.4f, "
		"\"%s_cyc_pkt_per_worker\": [%.2f, %.2f]%s\n",
		key, p->mpps, key, p->cpp, key, p->cpp_mean, key, p->p10, key,
		p->p90, key, p->pkts, key, p->handoff, key,
		ratio(p->mpps, floor_mpps), key, p->cpp_w[0], p->cpp_w[1],
		last ? "" : ",");
}

static int
write_json(const char *path, const struct opts *o, const struct result *res,
	   unsigned int n, const char *cpu, const char *eal_args,
	   const char *skipped_default)
{
	FILE *f = fopen(path, "w");
	struct utsname un;
	time_t now = time(NULL);
	char ts[64];
	unsigned int i, d, k, rows = 0, row = 0;

	if (f == NULL)
		return -1;
	for (i = 0; i < n; i++)
		for (d = 0; d < D_MAX; d++)
			rows += res[i].skipped ? d == 0 : res[i].has[d];
	uname(&un);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "{\n  \"tool\": \"cgnat-bench\",\n  \"date\": \"%s\",\n",
		ts);
	fprintf(f, "  \"machine\": {\n    \"cpu\": ");
	json_str(f, cpu);
	fprintf(f, ",\n    \"cpus_online\": %ld,\n    \"tsc_hz\": %" PRIu64
		",\n    \"hugepages\": %s,\n    \"kernel\": ", sysconf(
		_SC_NPROCESSORS_ONLN), tsc_hz,
		using_hugepages() ? "true" : "false");
	json_str(f, un.release);
	fprintf(f, ",\n    \"dpdk\": ");
	json_str(f, rte_version());
	fprintf(f, ",\n    \"eal_args\": ");
	json_str(f, eal_args);
	fprintf(f, ",\n    \"lcores\": ");
	json_str(f, lcore_note);
	fprintf(f, "\n  },\n  \"method\": {\n    \"frame_bytes\": 64,\n"
		"    \"flows_per_host\": %u,\n    \"seconds\": %g,\n"
		"    \"frames_per_timed_run\": %u,\n    \"smoke\": %s,\n"
		"    \"neighbours\": \"gateway: ARP answered through the "
		"control thread; subscribers: learned by the control thread "
		"from the workers' learn events during setup\",\n"
		"    \"order\": \"random permutation of the flows (a different "
		"one at setup and in the measured phases)\",\n"
		"    \"timed\": \"cgn_worker_poll() calls only (the tear-down: "
		"cgn_worker_age() calls); cyc_pkt is the median over timed "
		"runs of %u frames (p10, p90: percentiles of the same), "
		"cyc_pkt_mean all cycles over all frames; mpps = tsc_hz / "
		"cyc_pkt, summed over workers\",\n"
		"    \"mixed\": \"50%% in2out, 50%% out2in in every run\",\n"
		"    \"floor\": \"5-tuple swap (testpmd 5tswap) on "
		"the same ring ports\",\n    \"workers\": ",
		FLOWS_PER_HOST, o->seconds, CHUNK, o->smoke ? "true" : "false",
		CHUNK);
	json_str(f, workers_note);
	fprintf(f, ",\n    \"skipped_by_default\": ");
	json_str(f, skipped_default);
	fprintf(f, "\n  },\n  \"results\": [\n");
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		if (r->skipped) {
			fprintf(f, "    {\"sessions\": %u, \"workers\": %u, "
				"\"skipped\": true, \"why\": ", r->scale,
				r->workers);
			json_str(f, r->why);
			fprintf(f, "}%s\n", ++row < rows ? "," : "");
			continue;
		}
		for (d = 0; d < D_MAX; d++) {
			if (!r->has[d])
				continue;
			fprintf(f, "    {\"sessions\": %u, \"workers\": %u, "
				"\"distribution\": \"%s\", \"skipped\": false,\n"
				"     \"setup_msess_s\": %.4f, "
				"\"setup_msess_s_mean\": %.4f, "
				"\"teardown_msess_s\": %.4f,\n"
				"     \"setup_seconds\": %.3f, "
				"\"teardown_seconds\": %.3f, "
				"\"setup_passes\": %u, \"setup_refused\": %"
				PRIu64 ", \"setup_icmp\": %" PRIu64 ",\n"
				"     \"blocks_granted\": %" PRIu64 ", "
				"\"block_requests\": %" PRIu64 ", "
				"\"block_requests_unmet\": %" PRIu64 ", "
				"\"handoff_waits\": %" PRIu64 ",\n",
				r->scale, r->workers, dist_name[d],
				r->setup_rate / 1e6, r->setup_rate_mean / 1e6,
				r->teardown_rate / 1e6, r->setup_s,
				r->teardown_s, r->setup_passes, r->setup_drops,
				r->setup_icmp, r->blocks_granted,
				r->block_requests, r->block_unmet,
				r->handoff_waits);
			for (k = 0; k < N_MEAS; k++)
				json_phase(f, meas_key[k], &r->ph[d][k],
					   r->floor.mpps, false);
			json_phase(f, "floor", &r->floor, r->floor.mpps,
				   false);
			fprintf(f, "     \"handoff_pct\": %.2f,\n"
				"     \"bytes_per_session\": %.1f, "
				"\"bytes_per_session_after_init\": %.1f, "
				"\"bytes_per_session_accounted\": %.1f, "
				"\"bytes_per_session_ct\": %.1f, "
				"\"bytes_per_session_pool\": %.1f,\n"
				"     \"lost\": %" PRIu64 ", \"mistranslated\": %"
				PRIu64 ", \"dropped\": %" PRIu64
				", \"unexpected\": %" PRIu64 ", \"leaked\": %"
				PRIu64 ", \"duplicate_endpoints\": %" PRIu64
				", \"block_owner_mismatch\": %" PRIu64
				", \"counter_errors\": %" PRIu64
				", \"blocks_lost\": %" PRIu64
				", \"setup_failed\": %" PRIu64
				", \"mbufs_leaked\": %" PRIu64 ",\n"
				"     \"ct_buckets_full_pct\": [%.3f, %.3f], "
				"\"ct_spilled\": [%" PRIu64 ", %" PRIu64 "], "
				"\"log_lines\": %" PRIu64 ", \"ok\": %s}%s\n",
				handoff_pct(r, d), r->bytes_heap,
				r->bytes_heap_init, r->bytes_accounted,
				r->bytes_ct, r->bytes_pool, r->lost, r->bad, r->dropped, r->unexpected,
				r->leaked, r->duplicates, r->owner_mismatch,
				r->counter_errors, r->blocks_lost,
				r->setup_failed, r->mbufs_leaked,
				r->bkt_full[0], r->bkt_full[1],
				r->bkt_spilled[0], r->bkt_spilled[1],
				r->log_lines, r->ok ? "true" : "false",
				++row < rows ? "," : "");
		}
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f);
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */

static void
usage(const char *prog)
{
	printf(
"Usage: %s [EAL options --] [options]\n"
"\n"
"Drives the cgnat data path (control thread, block manager, workers,\n"
"handoff rings; cgn_worker_poll) on ethdev ports made from rings, with\n"
"crafted 64-byte UDP frames; no NIC needed. For each session count and\n"
"number of workers: session setup rate, established in2out / out2in /\n"
"mixed Mpps and cycles per packet (with 2 workers for two traffic\n"
"distributions: rss, every frame on its owner's queue, and spread, every\n"
"flow on a random queue), tear-down rate, bytes of memory per session,\n"
"and a 5-tuple-swap forwarder on the same ports as the floor.\n"
"\n"
"Options:\n"
"  --scales LIST   session counts, comma separated, multiples of 126\n"
"                  (63 flows per subscriber host, hosts split over 2 workers)\n"
"                  (default 64512,258048,1032192; 4128768 and 16515072\n"
"                  are opt-in: they need several GiB and minutes)\n"
"  --seconds S     length of each measured phase (default 1)\n"
"  --workers LIST  1, 2 or 1,2 (default 1,2)\n"
"  --json FILE     write the results as JSON\n"
"  --png FILE      plot them (runs %s %s)\n"
"  --huge          default EAL options with hugepages instead of --no-huge\n"
"  --profile MODE  setup, in2out, out2in or mixed: under valgrind\n"
"                  --tool=callgrind --collect-atstart=no, count only that\n"
"                  phase's timed polls (rss distribution); prints the frames\n"
"                  (sessions) they handled\n"
"  --smoke         a few seconds, small scales, exit 1 on any error\n"
"  -h, --help      this text\n"
"\n"
"Without EAL options it uses: --no-pci --no-shconf --no-telemetry\n"
"--file-prefix bench<pid> --no-huge -m <sized for the largest scale>, and\n"
"lcores 0 (main: the control thread), 1 and 2 (workers): -l 0-2 with 3\n"
"CPUs or more, else --lcores 0@0,1@1,2@0 (worker 2 shares CPU 0 with the\n"
"control thread, which sleeps 200 us between polls). With EAL options the\n"
"workers run on the first lcores after the main one.\n"
"Exit status: 0 all measured and correct, 1 errors (lost or mistranslated\n"
"frames, drops, counters that do not add up, leaks, a scale that could\n"
"not run in --smoke), 2 bad arguments.\n",
	       prog, CGN_BENCH_PYTHON, CGN_BENCH_PLOT);
}

static int
parse_list(const char *s, uint32_t *out, unsigned int max, unsigned int *n)
{
	char *end;

	*n = 0;
	while (*s) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > UINT32_MAX || *n == max)
			return -1;
		out[(*n)++] = (uint32_t)v;
		if (*end == ',')
			end++;
		else if (*end != 0)
			return -1;
		s = end;
	}
	return *n ? 0 : -1;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "scales", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "json", required_argument, NULL, 'j' },
		{ "png", required_argument, NULL, 'p' },
		{ "huge", no_argument, NULL, 'H' },
		{ "profile", required_argument, NULL, 'P' },
		{ "smoke", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t wl[4];
	unsigned int i, nwl;
	bool seconds_given = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->seconds = 1.0;
	o->workers[0] = 1;
	o->workers[1] = 2;
	o->n_workers = 2;
	o->profile = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_list(optarg, o->scales, MAX_SCALES,
				       &o->n_scales) != 0) {
				fprintf(stderr, "--scales: a comma-separated "
					"list of positive integers\n");
				return -1;
			}
			o->scales_given = true;
			break;
		case 't':
			o->seconds = strtod(optarg, NULL);
			if (!(o->seconds > 0 && o->seconds <= 3600)) {
				fprintf(stderr, "--seconds: 0 < S <= 3600\n");
				return -1;
			}
			seconds_given = true;
			break;
		case 'w':
			if (parse_list(optarg, wl, 4, &nwl) != 0 ||
			    nwl > MAX_WORKERS)
				goto bad_workers;
			for (i = 0; i < nwl; i++) {
				if (wl[i] < 1 || wl[i] > MAX_WORKERS)
					goto bad_workers;
				o->workers[i] = wl[i];
			}
			o->n_workers = nwl;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'p':
			o->png = optarg;
			break;
		case 'H':
			o->huge = true;
			break;
		case 'P':
			for (i = 0; i < N_MEAS; i++)
				if (strcmp(optarg, meas_key[i]) == 0)
					o->profile = (int)i;
			if (strcmp(optarg, "setup") == 0)
				o->profile = N_MEAS;
			if (o->profile < 0) {
				fprintf(stderr, "--profile: setup, in2out, "
					"out2in or mixed\n");
				return -1;
			}
			break;
		case 'S':
			o->smoke = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	if (o->smoke) {
		if (!o->scales_given) {
			o->scales[0] = 4032;   /* 64 hosts */
			o->scales[1] = 16128;  /* 256 hosts */
			o->n_scales = 2;
		}
		if (!seconds_given)
			o->seconds = 0.1;
	} else if (!o->scales_given) {
		o->scales[0] = 64512;
		o->scales[1] = 258048;
		o->scales[2] = 1032192;
		o->n_scales = 3;
	}
	for (i = 0; i < o->n_scales; i++)
		if (o->scales[i] % (FLOWS_PER_HOST * MAX_WORKERS) != 0 ||
		    o->scales[i] / FLOWS_PER_HOST > (1u << 21)) {
			fprintf(stderr, "--scales: %u is not a multiple of %u "
				"(63 flows per host, split over 2 workers) "
				"or has more hosts than the bench can place "
				"in 100.64.0.0/10\n",
				o->scales[i], FLOWS_PER_HOST * MAX_WORKERS);
			return -1;
		}
	return 0;
bad_workers:
	fprintf(stderr, "--workers: 1, 2 or 1,2\n");
	return -1;
}

static uint64_t
mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

/* EAL memory a scale needs: measured 117-131 bytes a session at 1M and
 * more (210-284 at 64,512, fixed costs), and slack. */
#define EST_BYTES_PER_SESSION 160
/* Free hugepage memory (any size) in bytes. */
static uint64_t
huge_free(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/mm/hugepages/hugepages-2048kB",
		"/sys/kernel/mm/hugepages/hugepages-1048576kB",
	};
	static const uint64_t sz[] = { 2ULL << 20, 1ULL << 30 };
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(dirs); i++) {
		char path[128];
		unsigned long long v;
		FILE *f;

		snprintf(path, sizeof(path), "%s/free_hugepages", dirs[i]);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%llu", &v) == 1)
			n += v * sz[i];
		fclose(f);
	}
	return n;
}

static uint64_t
mem_needed(uint32_t scale)
{
	return (uint64_t)scale * EST_BYTES_PER_SESSION + (256ULL << 20);
}

/* The lcores of the workers: the first ones after the main lcore. */
static unsigned int
worker_lcores(unsigned int *lc, unsigned int max)
{
	unsigned int n = 0, l;

	RTE_LCORE_FOREACH_WORKER(l) {
		if (n == max)
			break;
		lc[n++] = l;
	}
	return n;
}

int
main(int argc, char **argv)
{
	char *eal_argv[64], eal_args[1024] = "", mbuf[32], prefix[64];
	char cpu[256], skipped_default[256] = "", lcmap[64];
	struct result res[MAX_SCALES * MAX_WORKERS];
	unsigned int n_res = 0, si, wi, lcores[MAX_WORKERS], n_lc;
	int dashdash = -1, i, eal_argc = 0, n, bench_argc;
	char **bench_argv;
	uint32_t max_scale = 0;
	struct opts o;
	bool failed = false;
	uint64_t avail;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}
	/* Bench options: after "--", or all of them when there is none. */
	if (dashdash >= 0) {
		bench_argc = argc - dashdash;
		bench_argv = argv + dashdash;
	} else {
		bench_argc = argc;
		bench_argv = argv;
	}
	{
		char *save = bench_argv[0];

		bench_argv[0] = argv[0];
		if (parse_opts(bench_argc, bench_argv, &o) != 0) {
			usage(argv[0]);
			return 2;
		}
		bench_argv[0] = save;
	}
	for (si = 0; si < o.n_scales; si++)
		max_scale = RTE_MAX(max_scale, o.scales[si]);
	avail = mem_available();

	eal_argv[eal_argc++] = argv[0];
	if (dashdash > 1) {
		for (i = 1; i < dashdash && eal_argc < 63; i++)
			eal_argv[eal_argc++] = argv[i];
		snprintf(lcore_note, sizeof(lcore_note), "from the EAL "
			 "options given; main lcore: control thread, workers "
			 "on the next lcores");
	} else {
		uint64_t need = mem_needed(max_scale) + (256ULL << 20);

		snprintf(prefix, sizeof(prefix), "bench%d", (int)getpid());
		if (ncpu > MAX_WORKERS) {
			snprintf(lcmap, sizeof(lcmap), "0-%u", MAX_WORKERS);
			eal_argv[eal_argc++] = (char *)"-l";
			snprintf(lcore_note, sizeof(lcore_note), "-l %s: "
				 "lcore 0 control thread, 1 and 2 workers, "
				 "each on its own CPU", lcmap);
		} else {
			/* lcore k on CPU k mod ncpu: with 2 CPUs worker 1
			 * has CPU 1 to itself, worker 2 shares CPU 0 with
			 * the control thread.
			 */
			unsigned int k;

			lcmap[0] = 0;
			for (k = 0; k <= MAX_WORKERS; k++)
				snprintf(lcmap + strlen(lcmap),
					 sizeof(lcmap) - strlen(lcmap),
					 "%s%u@%u", k ? "," : "", k,
					 k % (unsigned int)RTE_MAX(ncpu, 1L));
			eal_argv[eal_argc++] = (char *)"--lcores";
			snprintf(lcore_note, sizeof(lcore_note), "only %ld "
				 "CPUs: --lcores %s: lcore 0 control thread "
				 "(sleeps 200 us between polls), lcores 1 and "
				 "2 workers; worker 2 shares a CPU with the "
				 "control thread", ncpu, lcmap);
		}
		eal_argv[eal_argc++] = lcmap;
		eal_argv[eal_argc++] = (char *)"--no-pci";
		eal_argv[eal_argc++] = (char *)"--no-shconf";
		eal_argv[eal_argc++] = (char *)"--no-telemetry";
		eal_argv[eal_argc++] = (char *)"--file-prefix";
		eal_argv[eal_argc++] = prefix;
		if (!o.huge) {
			/* Pages are touched lazily: never ask for more than
			 * the machine has free.
			 */
			if (avail > 0 && need > avail * 85 / 100)
				need = avail * 85 / 100;
			need = RTE_MAX(need, 1024ULL << 20);
			snprintf(mbuf, sizeof(mbuf), "%" PRIu64, need >> 20);
			eal_argv[eal_argc++] = (char *)"--no-huge";
			eal_argv[eal_argc++] = (char *)"-m";
			eal_argv[eal_argc++] = mbuf;
		}
	}
	eal_argv[eal_argc] = NULL;
	for (i = 1; i < eal_argc; i++) {
		strncat(eal_args, eal_argv[i],
			sizeof(eal_args) - strlen(eal_args) - 2);
		if (i + 1 < eal_argc)
			strcat(eal_args, " ");
	}
	n = rte_eal_init(eal_argc, eal_argv);
	if (n < 0) {
		fprintf(stderr, "cgnat-bench: EAL initialisation failed "
			"(%s): %s\n", eal_args, rte_strerror(rte_errno));
		return 1;
	}
	n_lc = worker_lcores(lcores, MAX_WORKERS);
	for (wi = 0; wi < o.n_workers; wi++)
		if (o.workers[wi] > n_lc) {
			fprintf(stderr, "cgnat-bench: %u workers need %u "
				"lcores besides the main one (EAL -l), have "
				"%u\n", o.workers[wi], o.workers[wi], n_lc);
			rte_eal_cleanup();
			return 2;
		}
	tsc_hz = rte_get_tsc_hz();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cgnat-bench.%d",
		 (int)getpid());
	if (mkdir(tmpdir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "cgnat-bench: %s: %s\n", tmpdir,
			strerror(errno));
		return 1;
	}
	cpu_model(cpu, sizeof(cpu));
	print_header(cpu);
	printf("EAL: %s\n", eal_args);
	if (!o.scales_given && !o.smoke) {
		snprintf(skipped_default, sizeof(skipped_default),
			 "4128768 and 16515072 sessions: opt in with --scales "
			 "(need about %.1f and %.1f GiB of EAL memory, this "
			 "machine has %.1f GiB available; and minutes)",
			 (double)mem_needed(4128768) / (1 << 30),
			 (double)mem_needed(16515072) / (1 << 30),
			 (double)avail / (1 << 30));
		printf("skipped by default: %s\n", skipped_default);
	}
	printf("\n");
	fflush(stdout);

	for (wi = 0; wi < o.n_workers; wi++) {
		for (si = 0; si < o.n_scales; si++) {
			struct result *r = &res[n_res++];
			/* With hugepages the heap grows on demand. */
			uint64_t hfree = heap_free() +
				(using_hugepages() ? huge_free() : 0);

			if (mem_needed(o.scales[si]) > hfree ||
			    (!using_hugepages() && avail > 0 &&
			     mem_needed(o.scales[si]) > avail)) {
				memset(r, 0, sizeof(*r));
				r->scale = o.scales[si];
				r->workers = o.workers[wi];
				r->skipped = true;
				snprintf(r->why, sizeof(r->why),
					 "needs about %.1f GiB; EAL has %.1f "
					 "GiB free, the machine %.1f GiB (give "
					 "EAL more with -m, or free hugepages)",
					 (double)mem_needed(o.scales[si]) /
					 (1 << 30), (double)hfree / (1 << 30),
					 (double)avail / (1 << 30));
			} else {
				run_scenario(&o, o.scales[si], o.workers[wi],
					     lcores, r);
			}
			print_table(r, 1);
			fflush(stdout);
			if (r->skipped || !r->ok)
				failed = failed || o.smoke || !r->skipped;
		}
	}
	printf("\nsummary:\n");
	print_table(res, n_res);
	for (si = 0; si < n_res; si++) {
		const struct result *r = &res[si];
		unsigned int k, d;

		if (r->skipped)
			continue;
		printf("  %u sessions, %u worker(s): setup %.2f s of worker "
		       "time in %u pass(es), %" PRIu64 " first frames refused "
		       "while a block was on its way (sent again; %" PRIu64
		       " ICMP 3/1), control thread granted %" PRIu64
		       " blocks for %" PRIu64 " requests (%" PRIu64
		       " unmet); tear-down %.2f s; bytes/session %.1f measured "
		       "(heap after fill), %.1f after init, %.1f accounted by "
		       "ct+pool (session tables %.1f, pools %.1f)\n", r->scale,
		       r->workers, r->setup_s, r->setup_passes, r->setup_drops,
		       r->setup_icmp, r->blocks_granted, r->block_requests,
		       r->block_unmet, r->teardown_s, r->bytes_heap,
		       r->bytes_heap_init, r->bytes_accounted, r->bytes_ct,
		       r->bytes_pool);
		if (r->workers > 1)
			for (d = 0; d < D_MAX; d++)
				printf("  per worker cyc/pkt, %s: in2out %.0f / "
				       "%.0f, out2in %.0f / %.0f, mixed %.0f / "
				       "%.0f, floor %.1f / %.1f\n", dist_name[d],
				       r->ph[d][0].cpp_w[0], r->ph[d][0].cpp_w[1],
				       r->ph[d][1].cpp_w[0], r->ph[d][1].cpp_w[1],
				       r->ph[d][2].cpp_w[0], r->ph[d][2].cpp_w[1],
				       r->floor.cpp_w[0], r->floor.cpp_w[1]);
		if (r->workers > 1)
			printf("  handoff: rss %.1f%%, spread %.1f%% of the "
			       "frames (in2out %.1f%%, out2in %.1f%%, mixed "
			       "%.1f%%); %" PRIu64 " runs waited for handoff "
			       "ring room\n", handoff_pct(r, D_RSS),
			       handoff_pct(r, D_SPREAD),
			       r->ph[D_SPREAD][0].pkts ? 100.0 *
			       (double)r->ph[D_SPREAD][0].handoff /
			       (double)r->ph[D_SPREAD][0].pkts : 0,
			       r->ph[D_SPREAD][1].pkts ? 100.0 *
			       (double)r->ph[D_SPREAD][1].handoff /
			       (double)r->ph[D_SPREAD][1].pkts : 0,
			       r->ph[D_SPREAD][2].pkts ? 100.0 *
			       (double)r->ph[D_SPREAD][2].handoff /
			       (double)r->ph[D_SPREAD][2].pkts : 0,
			       r->handoff_waits);
		printf("  session hash: %.2f%% / %.2f%% of the in2out / out2in "
		       "buckets full, %" PRIu64 " / %" PRIu64 " entries "
		       "spilled past their home bucket\n", r->bkt_full[0],
		       r->bkt_full[1], r->bkt_spilled[0], r->bkt_spilled[1]);
		if (!r->ok)
			printf("  ERRORS: %" PRIu64 " flows without a session "
			       "after setup; lost %" PRIu64 ", mistranslated %"
			       PRIu64 ", dropped %" PRIu64 ", unexpected %"
			       PRIu64 ", leaked %" PRIu64 " (sessions, mappings, "
			       "blocks, log lines), mbufs leaked %" PRIu64
			       ", counters not adding up %" PRIu64 ", blocks "
			       "lost %" PRIu64 ", endpoints given twice %"
			       PRIu64 ", blocks not owned by the subscriber's "
			       "worker %" PRIu64 "\n",
			       r->setup_failed, r->lost, r->bad, r->dropped,
			       r->unexpected, r->leaked, r->mbufs_leaked,
			       r->counter_errors, r->blocks_lost,
			       r->duplicates, r->owner_mismatch);
		for (d = 0; d < D_MAX; d++)
			for (k = 0; k < N_MEAS && r->has[d]; k++)
				if (!(r->ph[d][k].mpps > 0) ||
				    !isfinite(r->ph[d][k].mpps) ||
				    !(r->ph[d][k].cpp > 0))
					failed = true;
		if (!(r->floor.mpps > 0) || !(r->setup_rate > 0) ||
		    !(r->teardown_rate > 0) || !(r->bytes_heap > 0) ||
		    !(r->bytes_accounted > 0))
			failed = true;
	}

	{
		char jpath[PATH_MAX];
		const char *json = o.json;

		if (json == NULL && o.png != NULL) {
			snprintf(jpath, sizeof(jpath), "%s/results.json",
				 tmpdir);
			json = jpath;
		}
		if (json != NULL) {
			if (write_json(json, &o, res, n_res, cpu, eal_args,
				       skipped_default) != 0) {
				fprintf(stderr, "cgnat-bench: %s: %s\n", json,
					strerror(errno));
				failed = true;
			} else if (o.json != NULL) {
				printf("\nJSON: %s\n", json);
			}
		}
		if (o.png != NULL && json != NULL) {
			const char *plot = getenv("CGNAT_BENCH_PLOT");
			char cmd[3 * PATH_MAX];
			struct stat st;

			if (plot == NULL)
				plot = CGN_BENCH_PLOT;
			unlink(o.png);
			snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' -o '%s'",
				 CGN_BENCH_PYTHON, plot, json, o.png);
			if (system(cmd) != 0 || stat(o.png, &st) != 0 ||
			    st.st_size == 0) {
				fprintf(stderr, "cgnat-bench: plot failed: "
					"%s\n", cmd);
				failed = true;
			} else {
				printf("PNG: %s\n", o.png);
			}
		}
		if (json == jpath)
			unlink(jpath);
	}
	{
		char conf[128];

		snprintf(conf, sizeof(conf), "%s/bench.conf", tmpdir);
		unlink(conf);
		snprintf(conf, sizeof(conf), "%s/mappings.log", tmpdir);
		unlink(conf);
		rmdir(tmpdir);
	}
	{
		/* EAL leaves its (empty, with --no-shconf) runtime directory
		 * behind: remove it, so runs do not pile them up. */
		char rundir[PATH_MAX];

		snprintf(rundir, sizeof(rundir), "%s",
			 rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		rmdir(rundir);
	}
	if (failed)
		printf("\ncgnat-bench: FAILED (see above)\n");
	return failed ? 1 : 0;
}
