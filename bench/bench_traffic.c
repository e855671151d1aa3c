/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: the traffic. The subscriber hosts and the flows of each
 * queue; the 64-byte UDP frames (60 bytes + FCS) each generator writes
 * into its worker's RX rings; and what comes out on the TX rings: every
 * frame checked against the flow it belongs to (and, in the setup phase,
 * the outside endpoint each flow was given recorded), the mbufs kept for
 * reuse.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_random.h>
#include <rte_udp.h>

#include "bench.h"

const struct rte_ether_addr gw_mac = {
	{ 0x02, 0xfe, 0x00, 0x00, 0x00, 0x01 } };
struct rte_ether_addr port_mac[CGN_SIDES];

void
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
void
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

/* in2out: source rewritten to the flow's outside endpoint (recorded in
 * the setup phase, checked after).
 */
static void
check_in2out(struct gen *g, struct rte_ether_hdr *e, struct rte_ipv4_hdr *ip,
	     struct rte_udp_hdr *u, uint32_t f)
{
	struct scen *s = g->s;

	if (!rte_is_same_ether_addr(&e->dst_addr, &gw_mac) ||
	    !rte_is_same_ether_addr(&e->src_addr, &port_mac[CGN_OUTSIDE]))
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
}

/* out2in: destination back to the inside endpoint. */
static void
check_out2in(struct gen *g, struct rte_ether_hdr *e, struct rte_ipv4_hdr *ip,
	     struct rte_udp_hdr *u, uint32_t f, uint32_t hip)
{
	struct rte_ether_addr hm;

	host_mac(hip, &hm);
	if (!rte_is_same_ether_addr(&e->dst_addr, &hm) ||
	    !rte_is_same_ether_addr(&e->src_addr, &port_mac[CGN_INSIDE]))
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
	uint32_t f = pl[1], h, hip;
	uint16_t ck, want;

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
	ck = u->dgram_cksum;
	u->dgram_cksum = 0;
	want = rte_ipv4_udptcp_cksum(ip, u);
	u->dgram_cksum = ck;
	if (ck != want)
		note_bad(g, "UDP checksum", f, ck, want);
	if (side == CGN_OUTSIDE)
		check_in2out(g, e, ip, u, f);
	else
		check_out2in(g, e, ip, u, f, hip);
}

static void
check_frame(struct gen *g, struct rte_mbuf *m, unsigned int side)
{
	uint64_t before = g->bad_checks;

	check_frame_fields(g, m, side);
	g->bad += g->bad_checks != before;
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
 * One frame the worker sent on `side`: answer an ARP request (the mbuf
 * goes back to the worker), count an ICMP error or an unexpected frame,
 * or check one of ours; keep the mbuf for reuse. True for one of ours.
 */
static bool
take_frame(struct gen *g, struct rte_mbuf *m, unsigned int side)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
	bool ours = false;

	if (e->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		/* The control thread resolves or re-confirms a
		 * neighbour.
		 */
		if (answer_arp(g, m, side))
			return false;
		g->unexpected++;
	} else if (e->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		   ip->next_proto_id != IPPROTO_UDP) {
		/* ICMP 3/1: a first frame refused while a port block was
		 * on its way.
		 */
		if (g->mode == M_SETUP && ip->next_proto_id == IPPROTO_ICMP)
			g->icmp_errors++;
		else
			g->unexpected++;
	} else {
		ours = true;
		check_frame(g, m, side);
	}
	stash_put(g, m);
	return ours;
}

/*
 * Take what this queue's worker sent (its own frames and those handed to
 * it), check them, keep the mbufs for reuse.
 */
uint64_t
collect(struct gen *g)
{
	struct rte_mbuf *pkts[64];
	uint64_t got = 0;
	unsigned int side, n, i;

	for (side = 0; side < CGN_SIDES; side++)
		while ((n = rte_ring_sc_dequeue_burst(g->tx[side],
						      (void **)pkts, 64,
						      NULL)) > 0)
			for (i = 0; i < n; i++)
				got += take_frame(g, pkts[i], side);
	g->received += got;
	return got;
}

/* n mbufs for the next frames: reused ones first, then new ones. */
int
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
 * The subscriber hosts: the first addresses from 100.64.0.2 on that give
 * every worker exactly hosts / workers of them by cgn_sub_owner() (the
 * same split for every run, and no worker's table runs over its share of
 * max_sessions; with one worker, 100.64.0.2 on).
 */
int
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
		unsigned int o = cgn_sub_owner(&s->nat.lc.ctx, ip);

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
int
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
