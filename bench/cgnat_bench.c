/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: the real worker path at full speed, without a NIC.
 *
 *   cgnat-bench [EAL options --] [--scales LIST] [--seconds S]
 *               [--workers LIST] [--json FILE] [--png FILE] [--huge]
 *               [--smoke]
 *
 * Each worker polls two ethdev ports made with rte_eth_from_rings() (one
 * inside, one outside; one queue per worker), set up by cgn_ports_init()
 * exactly as the application sets up its NICs, from a generated libconfig
 * file. The bench is the traffic generator: it fills each worker's RX rings
 * with crafted 64-byte UDP frames (60 bytes + FCS), lets the worker run
 * cgn_worker_poll() (rx burst -> parse -> lookup/create -> translate -> tx
 * burst, plus the control tx ring and the aging sweep, exactly as
 * cgn_worker_main() runs it) until the frames are gone, then takes the
 * translated frames off the TX rings, checks every one of them and rewrites
 * them into the next frames. Only the cgn_worker_poll() calls are timed.
 *
 * Method (RFC 9693; FD.io CSIT NAT44 tests): a preliminary phase creates
 * the sessions (63 UDP flows per subscriber host to one remote endpoint,
 * visited in a random order; timed: the session setup rate), then measured
 * phases of established traffic (in2out, out2in, 50/50 mixed), the flows
 * visited in a second, independent random permutation so that neither the
 * session array nor the hash buckets are walked sequentially, then a timed
 * tear-down (cgn_worker_age() with a clock past every timeout).
 *
 * The floor: a 5-tuple swap forwarder (what dpdk-testpmd --forward-mode=
 * 5tswap does: parse L2-L4, swap MACs, addresses and ports, no table, no
 * checksum) on the same ring ports, timed the same way.
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
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_udp.h>
#include <rte_version.h>

#include "cgn.h"
#include "cgn_config.h"
#include "cgn_ctrl.h"
#include "cgn_neigh.h"
#include "cgn_port.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "nat_pool.h"

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
#define RING_SIZE 4096
#define BLOCK_SIZE 64
#define POOL_PORT_LO 1024
#define POOL_PORT_HI 65535
#define BLOCKS_PER_ADDR ((POOL_PORT_HI - POOL_PORT_LO + 1) / BLOCK_SIZE)
#define TIMEOUT_S 86400            /* nothing ages during a run */
#define MAX_WORKERS 2
#define MAX_SCALES 16
#define NEIGH_MIN 65536            /* what main.c gives the table */

/* Addresses, host order. */
#define IN_LINK RTE_IPV4(100, 64, 0, 1)
#define HOST_BASE RTE_IPV4(100, 64, 0, 2)
#define OUT_LINK RTE_IPV4(192, 0, 2, 1)
#define OUT_GW RTE_IPV4(192, 0, 2, 254)
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

/* One worker and the generator that feeds it (they share an lcore). */
struct gen {
	unsigned int id;
	unsigned int lcore;
	struct cgn_ctx *ctx;
	struct cgn_worker *w;
	struct rte_ring *rx[CGN_SIDES]; /* we enqueue, the worker's rx burst */
	struct rte_ring *tx[CGN_SIDES]; /* the worker's tx burst, we dequeue */
	uint32_t host_lo, n_hosts, n_flows;
	uint32_t n_active;              /* flows that got a session */
	uint32_t *perm;                 /* visit order (active flows first) */
	uint64_t pos;
	uint32_t *map_addr;             /* outside endpoint of each flow */
	uint16_t *map_port;             /* (network order), from setup */
	struct rte_mbuf **stash;        /* frames to rewrite and reuse */
	unsigned int n_stash;
	uint8_t tmpl[CGN_SIDES][64];    /* frame templates, per rx side */

	/* The phase in progress and its results. */
	enum mode mode;
	double seconds;
	uint64_t cycles;     /* timed: worker (or floor) polls only */
	struct samples smp;  /* cycles per packet (or session) per run */
	double med;          /* their median */
	double p10, p90;     /* and percentiles */
	uint64_t pkts;       /* frames given to the worker */
	uint64_t received;   /* frames that came out */
	uint64_t bad;        /* came out, but not as expected */
	uint64_t bad_checks; /* failed checks (a frame may fail several) */
	uint64_t dropped;    /* worker's drop counters, delta */
	uint64_t unexpected; /* ARP or other frames in a measured phase */
	uint64_t arp_answered;
	uint64_t drops[CGN_DROP_MAX];
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
};

struct result {
	uint32_t scale;
	unsigned int workers;
	bool skipped;
	char why[600];
	double setup_rate, teardown_rate;          /* sessions per second */
	double mpps[4], cpp[4];                    /* i2o, o2i, mixed, floor */
	double cpp_mean[4];                        /* all cycles / all pkts */
	double cpp_p10[4], cpp_p90[4];
	double bytes_heap, bytes_heap_init, bytes_accounted;
	uint64_t sessions, lost, bad, dropped, unexpected, leaked;
	uint64_t cross_collisions;
	uint64_t setup_failed;          /* flows without a session */
	uint64_t mbufs_leaked;          /* not back in the pool at the end */
	double bkt_full[2];             /* % of buckets with all slots used */
	uint64_t bkt_spilled[2];        /* entries stored past their home */
	double setup_s, teardown_s;
	uint64_t log_lines;
	bool ok;
};

enum { R_I2O, R_O2I, R_MIX, R_FLOOR };
static const enum mode res_mode[4] = { M_I2O, M_O2I, M_MIXED, M_FLOOR };

static uint64_t tsc_hz;
static unsigned int scenario_no;
static char tmpdir[64];

/* ------------------------------------------------------------------ */
/* Frames                                                              */

static inline uint32_t
host_addr(uint32_t h)
{
	return rte_cpu_to_be_32(HOST_BASE + h);
}

static inline void
host_mac(uint32_t h, struct rte_ether_addr *m)
{
	m->addr_bytes[0] = 0x02;
	m->addr_bytes[1] = 0x00;
	m->addr_bytes[2] = (uint8_t)(h >> 24);
	m->addr_bytes[3] = (uint8_t)(h >> 16);
	m->addr_bytes[4] = (uint8_t)(h >> 8);
	m->addr_bytes[5] = (uint8_t)h;
}

static inline uint32_t
flow_host(const struct gen *g, uint32_t f)
{
	return g->host_lo + f / FLOWS_PER_HOST;
}

static inline uint16_t
flow_port(uint32_t f)
{
	return rte_cpu_to_be_16((uint16_t)(IN_PORT_BASE + f % FLOWS_PER_HOST));
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
	uint8_t *b;
	struct rte_ether_hdr *e;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *u;

	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = FRAME_LEN;
	m->pkt_len = FRAME_LEN;
	b = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(b, g->tmpl[side], 64);
	e = (struct rte_ether_hdr *)b;
	ip = (struct rte_ipv4_hdr *)(e + 1);
	u = (struct rte_udp_hdr *)(ip + 1);
	((uint32_t *)(b + PAYLOAD_OFF))[1] = f;
	if (side == CGN_INSIDE) {
		uint32_t h = flow_host(g, f);

		host_mac(h, &e->src_addr);
		ip->src_addr = host_addr(h);
		u->src_port = flow_port(f);
	} else {
		ip->dst_addr = g->map_addr[f];
		u->dst_port = g->map_port[f];
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
static void check_frame_fields(struct gen *g, struct rte_mbuf *m,
			       unsigned int side);

static void
check_frame(struct gen *g, struct rte_mbuf *m, unsigned int side)
{
	uint64_t before = g->bad_checks;

	check_frame_fields(g, m, side);
	g->bad += g->bad_checks != before;
}

static void
check_frame_fields(struct gen *g, struct rte_mbuf *m, unsigned int side)
{
	uint8_t *b = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
	const uint32_t *pl = (const uint32_t *)(b + PAYLOAD_OFF);
	struct rte_ether_addr hm;
	uint32_t f = pl[1], h;

	if (m->pkt_len != FRAME_LEN || pl[0] != MAGIC || pl[2] != g->id ||
	    f >= g->n_flows) {
		note_bad(g, "not one of our frames", f, m->pkt_len, FRAME_LEN);
		return;
	}
	h = flow_host(g, f);
	if (g->mode == M_FLOOR) {
		/* 5-tuple swapped, out of the other port. */
		if (side != CGN_OUTSIDE ||
		    ip->src_addr != rte_cpu_to_be_32(REMOTE_ADDR) ||
		    ip->dst_addr != host_addr(h) ||
		    u->src_port != rte_cpu_to_be_16(REMOTE_PORT) ||
		    u->dst_port != flow_port(f))
			note_bad(g, "floor: tuple not swapped", f,
				 rte_be_to_cpu_32(ip->src_addr), REMOTE_ADDR);
		return;
	}
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
		if (g->mode == M_SETUP) {
			g->map_addr[f] = ip->src_addr;
			g->map_port[f] = u->src_port;
		} else if (ip->src_addr != g->map_addr[f] ||
			   u->src_port != g->map_port[f]) {
			note_bad(g, "in2out source endpoint", f,
				 ((uint64_t)rte_be_to_cpu_32(ip->src_addr)
				  << 16) | rte_be_to_cpu_16(u->src_port),
				 ((uint64_t)rte_be_to_cpu_32(g->map_addr[f])
				  << 16) | rte_be_to_cpu_16(g->map_port[f]));
		}
	} else {
		/* out2in: destination back to the inside endpoint. */
		host_mac(h, &hm);
		if (!rte_is_same_ether_addr(&e->dst_addr, &hm) ||
		    !rte_is_same_ether_addr(&e->src_addr, &port_mac[side]))
			note_bad(g, "out2in MAC addresses", f, 0, 0);
		if (ip->dst_addr != host_addr(h) || u->dst_port != flow_port(f))
			note_bad(g, "out2in destination endpoint", f,
				 ((uint64_t)rte_be_to_cpu_32(ip->dst_addr)
				  << 16) | rte_be_to_cpu_16(u->dst_port),
				 ((uint64_t)(HOST_BASE + h) << 16) |
				 rte_be_to_cpu_16(flow_port(f)));
		if (ip->src_addr != rte_cpu_to_be_32(REMOTE_ADDR) ||
		    u->src_port != rte_cpu_to_be_16(REMOTE_PORT))
			note_bad(g, "out2in source changed", f,
				 rte_be_to_cpu_32(ip->src_addr), REMOTE_ADDR);
	}
}

/* Answer an ARP request the box sent (control thread, via worker 0). */
static bool
answer_arp(struct gen *g, struct rte_mbuf *m, unsigned int side)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	struct rte_ether_addr mac;
	uint32_t tip = rte_be_to_cpu_32(a->arp_data.arp_tip), sip;

	if (m->data_len < sizeof(*e) + sizeof(*a) ||
	    a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST))
		return false;
	if (side == CGN_OUTSIDE && tip == OUT_GW)
		mac = gw_mac;
	else if (side == CGN_INSIDE && tip >= HOST_BASE)
		host_mac(tip - HOST_BASE, &mac);
	else
		return false;
	sip = a->arp_data.arp_sip;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_data.arp_sha, &a->arp_data.arp_tha);
	a->arp_data.arp_tip = sip;
	rte_ether_addr_copy(&mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = rte_cpu_to_be_32(tip);
	rte_ether_addr_copy(&e->src_addr, &e->dst_addr);
	rte_ether_addr_copy(&mac, &e->src_addr);
	if (rte_ring_sp_enqueue(g->rx[side], m) != 0)
		return false;
	g->arp_answered++;
	return true;
}

/* Take what the worker sent, check it, keep the mbufs for reuse. */
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

				if (e->ether_type ==
				    RTE_BE16(RTE_ETHER_TYPE_ARP)) {
					if ((g->mode == M_IDLE ||
					     g->mode == M_SETUP) &&
					    answer_arp(g, m, side))
						continue;
					g->unexpected += g->mode != M_IDLE &&
							 g->mode != M_SETUP;
				} else {
					got++;
					check_frame(g, m, side);
				}
				g->stash[g->n_stash++] = m;
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
	struct rte_mbuf *pkts[CGN_BURST];
	unsigned int side;
	uint16_t n, sent, i;

	for (side = 0; side < CGN_SIDES; side++) {
		n = rte_eth_rx_burst(g->ctx->link[side].port_id, g->w->rxq,
				     pkts, CGN_BURST);
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
	uint32_t f = g->perm[g->pos];

	if (++g->pos == g->n_active)
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

/*
 * One timed run: nin frames into the inside RX ring, nout into the
 * outside one, then the worker (or the floor) polls until they are gone.
 * Returns the cycles spent in the polls, or 0 with g->rc set.
 */
static uint64_t
run_chunk(struct gen *g, const uint32_t *fin, unsigned int nin,
	  const uint32_t *fout, unsigned int nout)
{
	struct rte_mbuf *m[2 * CHUNK];
	unsigned int n = nin + nout, i, npolls, cin, cout;
	uint64_t t0, t1;

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
	if (rte_ring_sp_enqueue_bulk(g->rx[CGN_INSIDE], (void **)m, nin,
				     NULL) != nin ||
	    rte_ring_sp_enqueue_bulk(g->rx[CGN_OUTSIDE], (void **)(m + nin),
				     nout, NULL) != nout) {
		snprintf(g->first_bad, sizeof(g->first_bad), "rx ring full");
		g->rc = -ENOSPC;
		return 0;
	}
	g->pkts += n;
	/* ARP replies for the control thread may be waiting there too. */
	cin = rte_ring_count(g->rx[CGN_INSIDE]);
	cout = rte_ring_count(g->rx[CGN_OUTSIDE]);
	npolls = (RTE_MAX(cin, cout) + CGN_BURST - 1) / CGN_BURST;

	if (g->mode == M_FLOOR) {
		t0 = rte_rdtsc();
		for (i = 0; i < npolls; i++)
			floor_poll(g);
		t1 = rte_rdtsc();
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
	return t1 - t0;
}

static void
phase_begin(struct gen *g, enum mode mode)
{
	g->mode = mode;
	g->cycles = g->pkts = g->received = g->bad = g->unexpected = 0;
	g->bad_checks = 0;
	g->smp.n = 0;
	g->smp.seen = 0;
	g->med = 0;
	g->dropped = 0;
	g->first_bad[0] = 0;
	g->rc = 0;
	memcpy(g->drops, g->w->stats.drop, sizeof(g->drops));
}

static void
phase_end(struct gen *g)
{
	unsigned int i;

	g->med = samp_median(&g->smp, &g->p10, &g->p90);
	g->dropped = 0;
	for (i = 0; i < CGN_DROP_MAX; i++) {
		g->drops[i] = g->w->stats.drop[i] - g->drops[i];
		g->dropped += g->drops[i];
	}
}

/* A measured phase of established traffic (or the floor), on g->lcore. */
static int
measure(void *arg)
{
	struct gen *g = arg;
	uint32_t fin[CHUNK], fout[CHUNK];
	unsigned int nin, nout, i;
	uint64_t end;

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
	end = rte_rdtsc() + (uint64_t)(g->seconds * (double)tsc_hz);
	do {
		for (i = 0; i < nin; i++)
			fin[i] = next_flow(g);
		for (i = 0; i < nout; i++)
			fout[i] = next_flow(g);
		uint64_t c = run_chunk(g, fin, nin, fout, nout);

		g->cycles += c;
		samp_add(&g->smp, (double)c / (nin + nout));
		collect(g);
		if (g->rc != 0)
			break;
	} while (rte_rdtsc() < end);
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
				rte_ring_count(ctx->workers[i]->slow_ring);
	} while (busy != 0 && ++guard < 100000);
}

/* Preliminary phase: the first frame of every flow, in bursts; timed. */
static int
phase_setup(struct gen *g, struct cgn_ctrl *ctrl)
{
	uint32_t done, n;

	phase_begin(g, M_SETUP);
	memset(g->map_addr, 0, sizeof(*g->map_addr) * g->n_flows);
	for (done = 0; done < g->n_flows; done += n) {
		n = RTE_MIN((uint32_t)CHUNK, g->n_flows - done);
		uint64_t c0 = g->w->stats.sessions_created;
		uint64_t c = run_chunk(g, &g->perm[done], n, NULL, 0);

		g->cycles += c;
		if (g->w->stats.sessions_created > c0)
			samp_add(&g->smp, (double)c / (double)(
				 g->w->stats.sessions_created - c0));
		collect(g);
		if (g->rc != 0)
			break;
		/* The control thread runs beside the worker in the app:
		 * learn the subscribers' MACs, write the mapping log.
		 */
		cgn_worker_poll(g->w, rte_rdtsc()); /* ctrl's tx ring */
		ctrl_drain(g->ctx, ctrl);
		collect(g);
	}
	phase_end(g);
	return g->rc;
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
	while (g->w->ct->used > 0 && guard++ < 100000000u) {
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
	     const char *in_port, const char *out_port)
{
	uint32_t hosts = scale / FLOWS_PER_HOST;
	uint32_t per_worker = (hosts + nw - 1) / nw * FLOWS_PER_HOST;
	uint32_t last = POOL_BASE + pool_addrs_for(hosts) - 1;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f,
		"# Generated by cgnat-bench.\n"
		"inside: { port = \"%s\"; address = \"100.64.0.1/10\";\n"
		"  subscribers = [\"100.64.0.0/10\"]; };\n"
		"outside: { port = \"%s\"; address = \"192.0.2.1/24\";\n"
		"  gateway = \"192.0.2.254\"; };\n"
		"pool: { addresses = [\"198.18.0.0-%u.%u.%u.%u\"];\n"
		"  ports = \"%u-%u\"; block_size = %u;\n"
		"  max_blocks_per_subscriber = 4; };\n"
		"timeouts: { udp = %u; tcp_established = %u;\n"
		"  tcp_transitory = %u; icmp = %u; };\n"
		"# max_sessions: the code sizes every worker's table with it.\n"
		"limits: { sessions_per_subscriber = %u; max_sessions = %u; };\n"
		"workers: { lcores = [%s]; };\n"
		"logging: { file = \"%s/mappings.log\"; };\n",
		in_port, out_port, last >> 24, (last >> 16) & 255,
		(last >> 8) & 255, last & 255, POOL_PORT_LO, POOL_PORT_HI,
		BLOCK_SIZE, TIMEOUT_S, TIMEOUT_S, TIMEOUT_S, TIMEOUT_S,
		2 * FLOWS_PER_HOST, per_worker, nw == 1 ? "1" : "1, 2",
		tmpdir);
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

	for (b = 0; b <= h->mask; b++) {
		for (i = 0, used = 0; i < CT_BKT_ENTRIES; i++)
			used += h->bkt[b].sig[i] != 0;
		*full += used == CT_BKT_ENTRIES;
		*spilled += h->bkt[b].spilled;
	}
	*nbkt += (uint64_t)h->mask + 1;
}

/* Per-host and uniqueness checks of the mappings the setup produced. */
static uint64_t
check_mappings(struct gen *g, uint8_t *seen_all, uint32_t n_addrs,
	       uint64_t *cross)
{
	uint8_t *seen = calloc((size_t)n_addrs * 8192, 1);
	uint64_t bad = 0;
	uint32_t f, ref = 0;

	if (seen == NULL)
		return 1;
	for (f = 0; f < g->n_flows; f++) {
		uint32_t a = rte_be_to_cpu_32(g->map_addr[f]) - POOL_BASE;
		uint16_t p = rte_be_to_cpu_16(g->map_port[f]);
		uint64_t bit = (uint64_t)a * 65536 + p;

		if (f % FLOWS_PER_HOST == 0)
			ref = 0;

		if (g->map_addr[f] == 0)
			continue; /* no session: counted as a setup failure */
		if (a >= n_addrs || p < POOL_PORT_LO) {
			note_bad(g, "outside endpoint not in the pool", f,
				 a, n_addrs);
			g->bad++;
			bad++;
			continue;
		}
		/* Paired address pooling: one address per subscriber. */
		if (ref == 0)
			ref = g->map_addr[f];
		if (g->map_addr[f] != ref) {
			note_bad(g, "subscriber on two pool addresses", f,
				 rte_be_to_cpu_32(g->map_addr[f]),
				 rte_be_to_cpu_32(ref));
			g->bad++;
			bad++;
		}
		if (seen[bit >> 3] & (1u << (bit & 7))) {
			note_bad(g, "outside endpoint given twice", f, bit, 0);
			g->bad++;
			bad++;
		}
		seen[bit >> 3] |= (uint8_t)(1u << (bit & 7));
		if (seen_all[bit >> 3] & (1u << (bit & 7)))
			(*cross)++;
		seen_all[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	}
	free(seen);
	return bad;
}

struct scen {
	struct cgn_config cfg;
	struct cgn_ctx ctx;
	struct cgn_ctrl ctrl;
	bool ctrl_up, ports_up, neigh_up;
	struct gen g[MAX_WORKERS];
	unsigned int nw;
	char in_name[32], out_name[32];
};

/* Run the phase of each generator on its lcore, worker 0 on this one. */
static int
run_parallel(struct scen *s, enum mode mode, double seconds)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < s->nw; i++) {
		s->g[i].mode = mode;
		s->g[i].seconds = seconds;
	}
	for (i = 1; i < s->nw; i++)
		if (rte_eal_remote_launch(measure, &s->g[i], s->g[i].lcore) !=
		    0)
			return -EBUSY;
	rc = measure(&s->g[0]);
	for (i = 1; i < s->nw; i++)
		if (rte_eal_wait_lcore(s->g[i].lcore) != 0)
			rc = -EIO;
	return rc;
}

/* Add the phase that generators [lo, hi) just ran to the result. */
static void
add_phase(struct result *r, struct scen *s, int idx, unsigned int lo,
	  unsigned int hi)
{
	double cyc = 0, pk = 0, mpps = 0, med = 0, p10 = 0, p90 = 0;
	unsigned int i;

	for (i = lo; i < hi; i++) {
		struct gen *g = &s->g[i];

		cyc += (double)g->cycles;
		pk += (double)g->pkts;
		if (g->med > 0)
			mpps += (double)tsc_hz / g->med / 1e6;
		med += g->med / (hi - lo);
		p10 += g->p10 / (hi - lo);
		p90 += g->p90 / (hi - lo);
		r->lost += g->pkts - g->received;
		r->bad += g->bad;
		r->dropped += g->dropped;
		r->unexpected += g->unexpected;
		if (g->bad && g->first_bad[0])
			fprintf(stderr, "cgnat-bench: MISTRANSLATED: %s\n",
				g->first_bad);
		if (g->dropped) {
			unsigned int k;

			for (k = 0; k < CGN_DROP_MAX; k++)
				if (g->drops[k])
					fprintf(stderr, "cgnat-bench: worker "
						"%u, %s: %" PRIu64
						" dropped: %s\n", g->id,
						mode_name[g->mode],
						g->drops[k],
						cgn_drop_names[k]);
		}
	}
	if (idx >= 0) {
		r->mpps[idx] = mpps;
		r->cpp[idx] = med;
		r->cpp_mean[idx] = pk > 0 ? cyc / pk : 0;
		r->cpp_p10[idx] = p10;
		r->cpp_p90[idx] = p90;
	}
}

/* Free everything; returns the mbufs still out of the pool (leaked). */
static unsigned int
scen_cleanup(struct scen *s)
{
	unsigned int i, side, in_use = 0;

	if (s->ctrl_up)
		cgn_ctrl_fini(&s->ctrl);
	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];
		struct rte_mbuf *m;

		if (g->stash != NULL) {
			rte_pktmbuf_free_bulk(g->stash, g->n_stash);
			free(g->stash);
		}
		for (side = 0; side < CGN_SIDES; side++) {
			while (g->rx[side] != NULL &&
			       rte_ring_dequeue(g->rx[side], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			while (g->tx[side] != NULL &&
			       rte_ring_dequeue(g->tx[side], (void **)&m) == 0)
				rte_pktmbuf_free(m);
		}
		if (g->w != NULL) {
			cgn_worker_fini(g->w);
			rte_free(g->w);
		}
		free(g->perm);
		free(g->smp.v);
		free(g->map_addr);
		free(g->map_port);
	}
	if (s->ports_up)
		cgn_ports_stop(&s->ctx);
	for (i = 0; i < s->nw; i++)
		for (side = 0; side < CGN_SIDES; side++) {
			rte_ring_free(s->g[i].rx[side]);
			rte_ring_free(s->g[i].tx[side]);
		}
	if (s->neigh_up)
		cgn_neigh_fini(&s->ctx.neigh);
	rte_ring_free(s->ctx.log_ring);
	if (s->ctx.mp != NULL)
		in_use = rte_mempool_in_use_count(s->ctx.mp);
	rte_mempool_free(s->ctx.mp);
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

static void
run_scenario(const struct opts *o, uint32_t scale, unsigned int nw,
	     struct result *r)
{
	struct scen *s = calloc(1, sizeof(*s));
	uint32_t hosts = scale / FLOWS_PER_HOST, n_addrs;
	uint64_t mem0, mem1, mem2, accounted = 0, sessions = 0;
	uint64_t created = 0;
	char path[128], err[512];
	unsigned int i, lc;
	uint8_t *seen_all = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	r->scale = scale;
	r->workers = nw;
	if (s == NULL) {
		r->skipped = true;
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	scenario_no++;
	s->nw = nw;
	n_addrs = pool_addrs_for(hosts);

	if (make_ports(s, err, sizeof(err)) != 0)
		goto skip;
	snprintf(path, sizeof(path), "%s/bench.conf", tmpdir);
	if (write_config(path, scale, nw, s->in_name, s->out_name) != 0 ||
	    cgn_config_load(path, &s->cfg, err, sizeof(err)) != 0 ||
	    cgn_config_check_ports(&s->cfg, err, sizeof(err)) != 0)
		goto skip;

	/* As main.c does. */
	s->ctx.cfg = &s->cfg;
	s->ctx.tsc_hz = tsc_hz;
	s->ctx.start_tsc = rte_rdtsc();
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->ctx.start_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
				  (uint64_t)ts.tv_nsec;
	}
	s->ctx.n_workers = nw;
	if (cgn_ports_init(&s->ctx, err, sizeof(err)) != 0)
		goto skip;
	s->ports_up = true;
	port_mac[CGN_INSIDE] = s->ctx.link[CGN_INSIDE].mac;
	port_mac[CGN_OUTSIDE] = s->ctx.link[CGN_OUTSIDE].mac;
	/* main.c gives the neighbour table 65536 entries; on-link
	 * subscribers need one each, so the bench makes room for all.
	 */
	if (cgn_neigh_init(&s->ctx.neigh, RTE_MAX((uint32_t)NEIGH_MIN,
						  hosts + 1024),
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

	mem0 = heap_allocated();
	lc = rte_get_main_lcore();
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];
		struct cgn_worker *w;

		w = rte_zmalloc_socket("cgn_worker", sizeof(*w),
				       RTE_CACHE_LINE_SIZE,
				       (int)rte_socket_id());
		if (w == NULL ||
		    cgn_worker_init(w, &s->ctx, i, (int)rte_socket_id()) != 0) {
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
		g->w = w;
		g->id = i;
		g->ctx = &s->ctx;
		g->lcore = lc;
		w->lcore = lc;
		s->ctx.workers[i] = w;
		lc = rte_get_next_lcore(lc, 0, 1);
		accounted += w->ct->bytes + w->pool->bytes;
	}
	mem1 = heap_allocated();
	if (cgn_ctrl_init(&s->ctrl, &s->ctx, err, sizeof(err)) != 0)
		goto skip;
	s->ctrl_up = true;
	if (cgn_ports_start(&s->ctx, err, sizeof(err)) != 0)
		goto skip;

	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];
		uint32_t f;

		g->host_lo = hosts * i / nw;
		g->n_hosts = hosts * (i + 1) / nw - g->host_lo;
		g->n_flows = g->n_hosts * FLOWS_PER_HOST;
		g->perm = malloc(sizeof(*g->perm) * g->n_flows);
		g->map_addr = malloc(sizeof(*g->map_addr) * g->n_flows);
		g->map_port = malloc(sizeof(*g->map_port) * g->n_flows);
		g->stash = malloc(sizeof(*g->stash) * 4 * CHUNK);
		g->smp.v = malloc(sizeof(float) * MAX_SAMPLES);
		if (g->perm == NULL || g->map_addr == NULL ||
		    g->map_port == NULL || g->stash == NULL ||
		    g->smp.v == NULL) {
			snprintf(err, sizeof(err), "out of memory (flows)");
			goto skip;
		}
		for (f = 0; f < g->n_flows; f++)
			g->perm[f] = f;
		shuffle(g->perm, g->n_flows);
		make_templates(g);
	}

	/* Resolve the gateway through the control path: the control thread
	 * sent an ARP request through worker 0; answer it.
	 */
	{
		uint32_t gw = rte_cpu_to_be_32(OUT_GW), idx = UINT32_MAX;
		struct rte_ether_addr mac;
		int tries;

		phase_begin(&s->g[0], M_IDLE);
		for (tries = 0; tries < 1000; tries++) {
			cgn_worker_poll(s->g[0].w, rte_rdtsc());
			collect(&s->g[0]);
			cgn_worker_poll(s->g[0].w, rte_rdtsc());
			cgn_ctrl_poll(&s->ctrl, rte_rdtsc());
			idx = cgn_neigh_lookup(&s->ctx.neigh, CGN_OUTSIDE, gw);
			if (idx != UINT32_MAX &&
			    cgn_neigh_mac(&s->ctx.neigh, idx, &mac))
				break;
			rte_delay_us_block(100);
		}
		if (tries == 1000) {
			snprintf(err, sizeof(err), "the gateway's ARP was "
				 "never resolved");
			goto skip;
		}
	}

	/* Preliminary phase: create the sessions, one worker at a time
	 * (the control thread is polled between bursts on this lcore).
	 */
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];

		rc = phase_setup(g, &s->ctrl);
		add_phase(r, s, -1, i, i + 1);
		if (rc != 0) {
			snprintf(err, sizeof(err), "setup: %s", g->first_bad);
			goto skip;
		}
		if (g->med > 0)
			r->setup_rate += (double)tsc_hz / g->med;
		r->setup_s += (double)g->cycles / (double)tsc_hz;
		sessions += g->w->ct->used;
		created += g->w->stats.sessions_created;
	}
	mem2 = heap_allocated();
	for (i = 0; i < CGN_SIDES; i++) {
		uint64_t full = 0, nbkt = 0;
		unsigned int k;

		for (k = 0; k < nw; k++)
			bucket_stats(s->g[k].w->ct, i, &full,
				     &r->bkt_spilled[i], &nbkt);
		r->bkt_full[i] = 100.0 * (double)full / (double)nbkt;
	}
	if (sessions != scale || created != scale) {
		fprintf(stderr, "cgnat-bench: %u sessions wanted, %" PRIu64
			" in the tables\n", scale, sessions);
		r->lost += scale - RTE_MIN(sessions, (uint64_t)scale);
	}
	/* Every subscriber's MAC learned from its traffic? */
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];
		struct rte_ether_addr mac;
		uint32_t h, idx, unres = 0;

		for (h = g->host_lo; h < g->host_lo + g->n_hosts; h++) {
			idx = cgn_neigh_lookup(&s->ctx.neigh, CGN_INSIDE,
					       host_addr(h));
			if (idx == UINT32_MAX ||
			    !cgn_neigh_mac(&s->ctx.neigh, idx, &mac))
				unres++;
		}
		if (unres) {
			fprintf(stderr, "cgnat-bench: worker %u: %u "
				"subscribers' MACs not learned\n", i, unres);
			r->bad += unres;
		}
	}
	seen_all = calloc((size_t)n_addrs * 8192, 1);
	for (i = 0; i < nw && seen_all != NULL; i++)
		r->bad += check_mappings(&s->g[i], seen_all, n_addrs,
					 &r->cross_collisions);
	free(seen_all);

	r->sessions = sessions;
	r->bytes_heap = (double)(mem2 - mem0) / (double)scale;
	r->bytes_heap_init = (double)(mem1 - mem0) / (double)scale;
	r->bytes_accounted = (double)accounted / (double)scale;

	/* Measured phases: visit the flows in another random order; only
	 * those that got a session (all of them, unless setup failed).
	 */
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];
		uint32_t f, k = 0;

		for (f = 0; f < g->n_flows; f++)
			if (g->map_addr[f] != 0)
				g->perm[k++] = f;
		g->n_active = k;
		r->setup_failed += g->n_flows - k;
		shuffle(g->perm, g->n_active);
		g->pos = 0;
		if (k == 0) {
			snprintf(err, sizeof(err), "setup: no session made");
			goto skip;
		}
	}
	/* The first out2in frame of a session looks its host's neighbour
	 * entry up; do that once for every flow, untimed but checked.
	 */
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];
		uint32_t done, n;

		phase_begin(g, M_WARM);
		for (done = 0; done < g->n_active && g->rc == 0; done += n) {
			n = RTE_MIN((uint32_t)CHUNK, g->n_active - done);
			run_chunk(g, NULL, 0, &g->perm[done], n);
			collect(g);
		}
		phase_end(g);
	}
	add_phase(r, s, -1, 0, nw);

	for (i = 0; i < 4; i++) {
		rc = run_parallel(s, res_mode[i], o->seconds);
		add_phase(r, s, (int)i, 0, nw);
		if (rc != 0) {
			snprintf(err, sizeof(err), "%s: %s",
				 mode_name[res_mode[i]], s->g[0].first_bad);
			goto skip;
		}
	}

	/* Tear-down, one worker at a time. */
	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];
		uint64_t expired, cyc;

		cyc = phase_teardown(g, &s->ctrl, &expired);
		if (g->med > 0)
			r->teardown_rate += (double)tsc_hz / g->med;
		r->teardown_s += (double)cyc / (double)tsc_hz;
		/* Everything given back? */
		r->leaked += g->w->ct->used + g->w->pool->n_maps +
			     g->w->pool->n_subs + g->w->pool->n_blocks_used;
		r->leaked += g->w->stats.mappings_created -
			     g->w->stats.mappings_freed;
		r->leaked += g->w->stats.blocks_allocated -
			     g->w->stats.blocks_released;
	}
	/* The mapping log: one line per block allocation and release. */
	{
		uint64_t blocks = 0;

		for (i = 0; i < nw; i++)
			blocks += s->g[i].w->stats.blocks_allocated +
				  s->g[i].w->stats.blocks_released;
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
		r->mbufs_leaked == 0;
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
	"2 workers = two independent worker instances on two lcores, each "
	"with its own queue on both ring ports, its own session table and "
	"its own copy of the whole address pool, and half of the "
	"subscribers; the generator steers out2in frames to the worker that "
	"made the mapping. Sessions are set up and torn down one worker at "
	"a time (rates summed); the measured phases run on both lcores at "
	"once (Mpps summed, cycles/packet averaged). Not yet the shared-pool "
	"multi-worker of issue 4: the two pools may hand out the same "
	"public address and port.";

static void
print_header(const char *cpu)
{
	printf("\ncgnat-bench: %s, %s, TSC %.3f GHz, %s, %u lcores\n",
	       rte_version(), cpu, (double)tsc_hz / 1e9,
	       using_hugepages() ? "hugepages" :
				   "no hugepages (4 KiB pages, --no-huge)",
	       rte_lcore_count());
	printf("frames: 64-byte UDP (60 + FCS), %u flows per subscriber "
	       "host to %u.%u.%u.%u:%u, %u frames per timed worker run, flows "
	       "visited in a random permutation (another one than at setup)\n",
	       FLOWS_PER_HOST, REMOTE_ADDR >> 24, (REMOTE_ADDR >> 16) & 255,
	       (REMOTE_ADDR >> 8) & 255, REMOTE_ADDR & 255, REMOTE_PORT,
	       CHUNK);
	printf("timed: cgn_worker_poll() only (rx burst, translate, tx burst, "
	       "aging sweep, flush); cycles/packet = median over the timed "
	       "runs; Mpps = TSC Hz / that, summed over workers; setup and "
	       "tear-down likewise per session\n");
	printf("floor: 5-tuple swap forwarder (testpmd 5tswap) on the same "
	       "ring ports; ratio = NAT Mpps / floor Mpps\n");
	printf("neighbours: the gateway's ARP is answered through the control "
	       "thread; subscribers' MACs are learned by the control thread "
	       "from the workers' learn events during setup (polled between "
	       "bursts, untimed)\n");
	printf("memory: bytes/session = growth of the rte_malloc heap over "
	       "worker creation and session setup, divided by the sessions\n");
	printf("%s\n\n", workers_note);
}

static void
print_table(const struct result *res, unsigned int n)
{
	unsigned int i;

	printf("%9s %2s %8s %7s %7s %7s %7s %7s %7s %8s %7s %7s %7s %5s %5s "
	       "%5s\n", "", "", "setup", "in2out", "", "out2in", "", "mixed",
	       "", "teardwn", "bytes/", "floor", "", "ratio", "to", "floor");
	printf("%9s %2s %8s %7s %7s %7s %7s %7s %7s %8s %7s %7s %7s %5s %5s "
	       "%5s\n", "sessions", "wk", "Msess/s", "Mpps", "cyc/pkt",
	       "Mpps", "cyc/pkt", "Mpps", "cyc/pkt", "Msess/s", "session",
	       "Mpps", "cyc/pkt", "i2o", "o2i", "mix");
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		if (r->skipped) {
			printf("%9u %2u  skipped: %s\n", r->scale, r->workers,
			       r->why);
			continue;
		}
		printf("%9u %2u %8.3f %7.2f %7.1f %7.2f %7.1f %7.2f %7.1f "
		       "%8.3f %7.1f %7.2f %7.1f %5.2f %5.2f %5.2f%s\n",
		       r->scale, r->workers, r->setup_rate / 1e6,
		       r->mpps[R_I2O], r->cpp[R_I2O], r->mpps[R_O2I],
		       r->cpp[R_O2I], r->mpps[R_MIX], r->cpp[R_MIX],
		       r->teardown_rate / 1e6, r->bytes_heap,
		       r->mpps[R_FLOOR], r->cpp[R_FLOOR],
		       ratio(r->mpps[R_I2O], r->mpps[R_FLOOR]),
		       ratio(r->mpps[R_O2I], r->mpps[R_FLOOR]),
		       ratio(r->mpps[R_MIX], r->mpps[R_FLOOR]),
		       r->ok ? "" : "  (ERRORS)");
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

static int
write_json(const char *path, const struct opts *o, const struct result *res,
	   unsigned int n, const char *cpu, const char *eal_args,
	   const char *skipped_default)
{
	FILE *f = fopen(path, "w");
	struct utsname un;
	time_t now = time(NULL);
	char ts[64];
	unsigned int i;

	if (f == NULL)
		return -1;
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
		"cyc_pkt_mean all cycles over all frames; mpps = tsc_hz / cyc_pkt, summed over workers\",\n"
		"    \"mixed\": \"50%% in2out, 50%% out2in, alternating "
		"bursts\",\n    \"floor\": \"5-tuple swap (testpmd 5tswap) on "
		"the same ring ports\",\n    \"workers\": ",
		FLOWS_PER_HOST, o->seconds, CHUNK, o->smoke ? "true" : "false",
		CHUNK);
	json_str(f, workers_note);
	fprintf(f, ",\n    \"skipped_by_default\": ");
	json_str(f, skipped_default);
	fprintf(f, "\n  },\n  \"results\": [\n");
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		fprintf(f, "    {\"sessions\": %u, \"workers\": %u, ",
			r->scale, r->workers);
		if (r->skipped) {
			fprintf(f, "\"skipped\": true, \"why\": ");
			json_str(f, r->why);
			fprintf(f, "}%s\n", i + 1 < n ? "," : "");
			continue;
		}
		fprintf(f, "\"skipped\": false,\n"
			"     \"setup_msess_s\": %.4f, \"teardown_msess_s\": "
			"%.4f,\n"
			"     \"in2out_mpps\": %.4f, \"in2out_cyc_pkt\": %.2f,\n"
			"     \"out2in_mpps\": %.4f, \"out2in_cyc_pkt\": %.2f,\n"
			"     \"mixed_mpps\": %.4f, \"mixed_cyc_pkt\": %.2f,\n"
			"     \"floor_mpps\": %.4f, \"floor_cyc_pkt\": %.2f,\n"
			"     \"cyc_pkt_mean\": {\"in2out\": %.2f, \"out2in\": "
			"%.2f, \"mixed\": %.2f, \"floor\": %.2f},\n"
			"     \"cyc_pkt_p10\": {\"in2out\": %.2f, \"out2in\": "
			"%.2f, \"mixed\": %.2f, \"floor\": %.2f},\n"
			"     \"cyc_pkt_p90\": {\"in2out\": %.2f, \"out2in\": "
			"%.2f, \"mixed\": %.2f, \"floor\": %.2f},\n"
			"     \"ratio_in2out\": %.4f, \"ratio_out2in\": %.4f, "
			"\"ratio_mixed\": %.4f,\n"
			"     \"bytes_per_session\": %.1f, "
			"\"bytes_per_session_after_init\": %.1f, "
			"\"bytes_per_session_accounted\": %.1f,\n"
			"     \"setup_seconds\": %.3f, \"teardown_seconds\": "
			"%.3f,\n"
			"     \"lost\": %" PRIu64 ", \"mistranslated\": %" PRIu64
			", \"dropped\": %" PRIu64 ", \"unexpected\": %" PRIu64
			", \"leaked\": %" PRIu64 ", "
			"\"cross_worker_endpoint_collisions\": %" PRIu64
			", \"setup_failed\": %" PRIu64 ", \"mbufs_leaked\": %"
			PRIu64 ",\n"
			"     \"ct_buckets_full_pct\": [%.3f, %.3f], "
			"\"ct_spilled\": [%" PRIu64 ", %" PRIu64 "], "
			"\"ok\": %s}%s\n",
			r->setup_rate / 1e6, r->teardown_rate / 1e6,
			r->mpps[R_I2O], r->cpp[R_I2O], r->mpps[R_O2I],
			r->cpp[R_O2I], r->mpps[R_MIX], r->cpp[R_MIX],
			r->mpps[R_FLOOR], r->cpp[R_FLOOR],
			r->cpp_mean[R_I2O], r->cpp_mean[R_O2I],
			r->cpp_mean[R_MIX], r->cpp_mean[R_FLOOR],
			r->cpp_p10[R_I2O], r->cpp_p10[R_O2I],
			r->cpp_p10[R_MIX], r->cpp_p10[R_FLOOR],
			r->cpp_p90[R_I2O], r->cpp_p90[R_O2I],
			r->cpp_p90[R_MIX], r->cpp_p90[R_FLOOR],
			ratio(r->mpps[R_I2O], r->mpps[R_FLOOR]),
			ratio(r->mpps[R_O2I], r->mpps[R_FLOOR]),
			ratio(r->mpps[R_MIX], r->mpps[R_FLOOR]), r->bytes_heap,
			r->bytes_heap_init, r->bytes_accounted, r->setup_s,
			r->teardown_s, r->lost, r->bad, r->dropped,
			r->unexpected, r->leaked, r->cross_collisions,
			r->setup_failed, r->mbufs_leaked, r->bkt_full[0],
			r->bkt_full[1],
			r->bkt_spilled[0], r->bkt_spilled[1],
			r->ok ? "true" : "false", i + 1 < n ? "," : "");
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
"Drives the cgnat worker loop (cgn_worker_poll) on ethdev ports made from\n"
"rings, with crafted 64-byte UDP frames; no NIC needed. For each session\n"
"count: session setup rate, established in2out / out2in / mixed Mpps and\n"
"cycles per packet, tear-down rate, bytes of memory per session, and a\n"
"5-tuple-swap forwarder on the same ports as the floor.\n"
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
"  --smoke         a few seconds, small scales, exit 1 on any error\n"
"  -h, --help      this text\n"
"\n"
"Without EAL options it uses: -l 0-1 --no-pci --no-shconf --no-telemetry\n"
"--file-prefix bench<pid> --no-huge -m <sized for the largest scale>.\n"
"Exit status: 0 all measured and correct, 1 errors (lost or mistranslated\n"
"frames, leaks, a scale that could not run in --smoke), 2 bad arguments.\n",
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
			o->seconds = 0.15;
	} else if (!o->scales_given) {
		o->scales[0] = 64512;
		o->scales[1] = 258048;
		o->scales[2] = 1032192;
		o->n_scales = 3;
	}
	for (i = 0; i < o->n_scales; i++)
		if (o->scales[i] % (FLOWS_PER_HOST * MAX_WORKERS) != 0 ||
		    o->scales[i] / FLOWS_PER_HOST > (1u << 22) - 16) {
			fprintf(stderr, "--scales: %u is not a multiple of %u "
				"(63 flows per host, split over 2 workers) "
				"or has more hosts than 100.64.0.0/10\n",
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

/* EAL memory a scale needs: measured ~200 bytes a session, and slack. */
#define EST_BYTES_PER_SESSION 260
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

int
main(int argc, char **argv)
{
	char *eal_argv[64], eal_args[1024] = "", mbuf[32], prefix[64];
	char cpu[256], skipped_default[256] = "";
	struct result res[MAX_SCALES * MAX_WORKERS];
	unsigned int n_res = 0, si, wi;
	int dashdash = -1, i, eal_argc = 0, n, bench_argc;
	char **bench_argv;
	uint32_t max_scale = 0;
	struct opts o;
	bool failed = false;
	uint64_t avail;

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
	} else {
		uint64_t need = mem_needed(max_scale) + (256ULL << 20);

		snprintf(prefix, sizeof(prefix), "bench%d", (int)getpid());
		eal_argv[eal_argc++] = (char *)"-l";
		eal_argv[eal_argc++] = (char *)"0-1";
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
	for (wi = 0; wi < o.n_workers; wi++)
		if (o.workers[wi] > rte_lcore_count()) {
			fprintf(stderr, "cgnat-bench: %u workers need %u "
				"lcores (EAL -l), have %u\n", o.workers[wi],
				o.workers[wi], rte_lcore_count());
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
			 "machine has %.1f GiB available; and minutes: "
			 "16515072 took 4 min for 1 and 2 workers on a 2-core "
			 "EPYC VM)",
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
					     r);
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
		unsigned int k;

		if (r->skipped)
			continue;
		printf("  %u sessions, %u worker(s): setup %.2f s, tear-down "
		       "%.2f s; bytes/session %.1f measured (heap after "
		       "fill), %.1f after init, %.1f accounted by ct+pool",
		       r->scale, r->workers, r->setup_s, r->teardown_s,
		       r->bytes_heap, r->bytes_heap_init, r->bytes_accounted);
		if (r->workers > 1)
			printf("; %" PRIu64 " public endpoints given by both "
			       "workers", r->cross_collisions);
		printf("\n");
		printf("  session hash: %.2f%% / %.2f%% of the in2out / out2in "
		       "buckets full, %" PRIu64 " / %" PRIu64 " entries "
		       "spilled past their home bucket\n", r->bkt_full[0],
		       r->bkt_full[1], r->bkt_spilled[0], r->bkt_spilled[1]);
		if (!r->ok)
			printf("  ERRORS: %" PRIu64 " flows without a session "
			       "after setup; lost %" PRIu64 ", mistranslated %"
			       PRIu64 ", dropped %" PRIu64 ", unexpected %"
			       PRIu64 ", leaked %" PRIu64 " (sessions, mappings, "
			       "blocks, log lines), mbufs leaked %" PRIu64 "\n",
			       r->setup_failed, r->lost, r->bad, r->dropped,
			       r->unexpected, r->leaked, r->mbufs_leaked);
		for (k = 0; k < 4; k++)
			if (!(r->mpps[k] > 0) || !isfinite(r->mpps[k]) ||
			    !(r->cpp[k] > 0))
				failed = true;
		if (!(r->setup_rate > 0) || !(r->teardown_rate > 0) ||
		    !(r->bytes_heap > 0) || !(r->bytes_accounted > 0))
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
	rte_eal_cleanup();
	if (failed)
		printf("\ncgnat-bench: FAILED (see above)\n");
	return failed ? 1 : 0;
}
