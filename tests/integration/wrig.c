/* SPDX-License-Identifier: BSD-3-Clause
 * The rig of test_worker.c and test_frag.c: see wrig.h.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "cgn.h"
#include "cgn_config.h"
#include "cgn_ctrl.h"
#include "nat_neigh.h"
#include "cgn_port.h"
#include "nat_stats.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "nat_pool.h"
#include "wrig.h"

const struct rte_ether_addr MAC_GW = {{ 0x02, 0, 0, 0, 0x02, 0x01 }};
const struct rte_ether_addr MAC_H1 = {{ 0x02, 0, 0, 0, 0x01, 0x02 }};
const struct rte_ether_addr MAC_H2 = {{ 0x02, 0, 0, 0, 0x01, 0x03 }};
const struct rte_ether_addr MAC_H5 = {{ 0x02, 0, 0, 0, 0x01, 0x05 }};
const struct rte_ether_addr MAC_BCAST = {{ 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff }};
const struct rte_ether_addr MAC_OTHER = {{ 0x02, 0, 0, 0, 0x09, 0x09 }};
const struct rte_ether_addr MAC_NAT[CGN_SIDES] = {
	{{ 0x02, 0, 0, 0, 0xa0, 0x00 }},
	{{ 0x02, 0, 0, 0, 0xa0, 0x01 }},
};

/*
 * Workers: 1, or CGN_IT_WORKERS=2 (tests/integration/meson.build runs every
 * test_worker group both ways). With N workers each port has N RX and N TX
 * queues, queue q being worker q's (cgn_worker_init: rxq = txq = id).
 */
unsigned int g_nw = 1;
struct rte_ring *rxr[CGN_SIDES][IT_MAXW], *txr[CGN_SIDES][IT_MAXW];
uint16_t port_id[CGN_SIDES];
uint64_t g_handoff_in, g_handoff_out;
/* <tag>_inside, <tag>_outside (wrig_main()). */
static char port_name[CGN_SIDES][32];
/* The ethdev names rte_eth_from_rings() gave them (used in the config). */
static char dev_name[CGN_SIDES][RTE_ETH_NAME_MAX_LEN];

struct rig g_rig;

static int
write_config(struct rig *r, const struct rig_opts *o)
{
	FILE *f = fopen(r->conf, "w");
	char ports[64];

	/* Deterministic mode derives pool.ports (RFC 7422's dynamic pool). */
	if (o->det)
		snprintf(ports, sizeof(ports), "\tmode = \"deterministic\";\n");
	else
		snprintf(ports, sizeof(ports), "\tports = \"%s\";\n",
			 o->ports ? o->ports : "1024-65535");

	if (f == NULL)
		return -1;
	fprintf(f,
		"inside: {\n"
		"\tmtu = %u;\n"
		"\tport = \"%s\";\n"
		"\taddress = \"100.64.0.1/10\";\n"
		"\tsubscribers = [\"100.64.0.0/10\"];\n"
		"};\n"
		"outside: {\n"
		"\tmtu = %u;\n"
		"\tport = \"%s\";\n"
		"\taddress = \"198.51.100.2/24\";\n"
		"\tgateway = \"198.51.100.1\";\n"
		"};\n"
		"pool: {\n"
		"\taddresses = [\"%s\"];\n"
		"%s"
		"\tblock_size = %u;\n"
		"\tmax_blocks_per_subscriber = %u;\n"
		"\tmapping = \"endpoint-independent\";\n"
		"\tfiltering = \"%s\";\n"
		"\thairpinning = true;\n"
		"\thold_down = %u;\n"
		"\tport_preservation = %s;\n"
		"};\n"
		"timeouts: {\n"
		"\tudp = %u;\n"
		"\ttcp_established = 7440;\n"
		"\ttcp_transitory = 240;\n"
		"\ticmp = 60;\n"
		"\t%s\n"
		"};\n"
		"limits: {\n"
		"\tsessions_per_subscriber = %u;\n"
		"\tmax_sessions = 65536;\n"
		"};\n"
		"workers: {\n"
		"\tlcores = [%s];\n"
		"};\n"
		"logging: {\n"
		"\tfile = \"%s\";\n"
		"};\n"
		"fragments: {\n"
		"\tmax = %u;\n"
		"\ttimeout = %u;\n"
		"};\n",
		o->inside_mtu ? o->inside_mtu : 1500, dev_name[S_IN],
		o->outside_mtu ? o->outside_mtu : 1500, dev_name[S_OUT],
		o->pool ? o->pool : "203.0.113.0/29", ports,
		o->block_size ? o->block_size : 256,
		o->max_blocks ? o->max_blocks : 8,
		o->filtering ? o->filtering : "endpoint-independent",
		/* Hold-down (A8) and port preservation have tests of their
		 * own; elsewhere a released port is free at once and ports
		 * are random.
		 */
		o->hold_down, o->preserve ? "true" : "false",
		o->udp_timeout ? o->udp_timeout : 300,
		o->timeouts_extra ? o->timeouts_extra : "",
		o->sessions_per_sub ? o->sessions_per_sub : 4096,
		g_nw == 1 ? "1" : "1, 2", r->log,
		o->frag_max ? o->frag_max : 4096,
		o->frag_timeout ? o->frag_timeout : 2);
	if (o->extra)
		fprintf(f, "%s\n", o->extra);
	if (!o->no_static)
		fprintf(f, "static: (\n"
			"\t{ proto = \"tcp\"; inside = \"100.64.0.5:8080\"; "
			"outside = \"203.0.113.1:80\"; }\n);\n");
	return fclose(f);
}

/* Free every mbuf sitting in one of the rings this file owns. */
unsigned int
drain_ring(struct rte_ring *ring)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(ring, (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

/* Frames waiting in the RX rings and between the workers. */
unsigned int
rig_in_flight(const struct rig *r)
{
	unsigned int s, q, i, j, n = 0;

	for (s = 0; s < CGN_SIDES; s++)
		for (q = 0; q < r->nw; q++)
			n += rte_ring_count(rxr[s][q]);
	for (i = 0; i < r->nw; i++)
		for (j = 0; j < r->nw; j++)
			if (r->ctx.handoff[i][j] != NULL)
				n += rte_ring_count(r->ctx.handoff[i][j]);
	return n;
}

/*
 * Poll the worker; with several, poll them all in turn until nothing is
 * left in the RX rings or on the handoff rings (a hairpinned packet can go
 * 0 -> 1 -> 0).
 */
void
wpoll(struct rig *r)
{
	unsigned int i, round;

	if (r->nw == 1) {
		cgn_worker_poll(r->w, r->now);
		return;
	}
	for (round = 0; round < 8; round++) {
		for (i = 0; i < r->nw; i++)
			cgn_worker_poll(r->wk[i], r->now);
		if (rig_in_flight(r) == 0)
			break;
	}
}

void
cpoll(struct rig *r)
{
	cgn_ctrl_poll(&r->ctrl, r->now);
}

/* Worker, control, worker: everything a received burst causes. */
void
pump(struct rig *r)
{
	wpoll(r);
	cpoll(r);
	wpoll(r);
}

void
inject_raw(struct rig *r, int side, const uint8_t *b, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->ctx.mp);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, len);
	assert_non_null(d);
	memcpy(d, b, len);
	pcap_write(0, b, len);
	/*
	 * With several workers the frames of a test go to the RX queues in
	 * turn (frame k to queue k mod N), as an RSS that knows nothing of
	 * the NAT would spread them: about half land on a worker that does
	 * not own the subscriber or the port block and are handed off, in
	 * both directions (0 -> 1 and 1 -> 0), and the rest are handled where
	 * they land. Deterministic: the count restarts with every test.
	 */
	assert_int_equal(rte_ring_enqueue(rxr[side][r->rxq_next], m), 0);
	r->rxq_next = (r->rxq_next + 1) % r->nw;
}

void
inject(struct rig *r, int side, const struct pkt *p)
{
	uint8_t b[FRAME_MAX];

	inject_raw(r, side, b, build(b, p));
}

/* Take everything a port transmitted: up to max copies, all freed. */
unsigned int
take(int side, struct frame *out, unsigned int max)
{
	struct rte_mbuf *m;
	unsigned int n = 0, q;

	/* Queue by queue: worker 0's frames first, then worker 1's. */
	for (q = 0; q < g_nw; q++)
	while (rte_ring_dequeue(txr[side][q], (void **)&m) == 0) {
		if (pcap_file[1] != NULL) {
			uint8_t buf[FRAME_MAX];
			uint32_t l = RTE_MIN(m->pkt_len, (uint32_t)FRAME_MAX);

			pcap_write(1, rte_pktmbuf_read(m, 0, l, buf), l);
		}
		if (n < max) {
			out[n].len = (uint16_t)RTE_MIN(m->pkt_len,
						       (uint32_t)FRAME_MAX);
			const void *d = rte_pktmbuf_read(m, 0, out[n].len,
							 out[n].b);

			if (d != out[n].b)
				memcpy(out[n].b, d, out[n].len);
		}
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

/* Exactly one frame out of `side`, nothing out of the other. */
void
take_one(int side, struct frame *f)
{
	struct frame other;
	unsigned int n = take(side, f, 1), no = take(!side, &other, 1);

	if (n != 1 || no != 0)
		fail_msg("expected 1 frame on %s and none on %s, got %u and %u",
			 side == S_IN ? "inside" : "outside",
			 side == S_IN ? "outside" : "inside", n, no);
}

void
expect_nothing(void)
{
	struct frame f;
	unsigned int ni = take(S_IN, &f, 0), no = take(S_OUT, &f, 0);

	if (ni || no)
		fail_msg("expected no output, got %u inside, %u outside",
			 ni, no);
}

uint64_t
stat_sum(const uint64_t *v, unsigned int n)
{
	uint64_t s = 0;

	while (n--)
		s += v[n];
	return s;
}

/*
 * The counters of all the workers added up (struct cgn_stats is nothing
 * but uint64_t words). With one worker: a copy of its counters. The result
 * is one of a few static buffers, so that it can be used twice in one
 * expression; copy it to keep it.
 */
struct cgn_stats *
rig_stats(const struct rig *r)
{
	static struct cgn_stats buf[8];
	static unsigned int next;
	struct cgn_stats *t = &buf[next++ % RTE_DIM(buf)];
	unsigned int i, k;

	RTE_BUILD_BUG_ON(sizeof(*t) % sizeof(uint64_t) != 0);
	*t = r->w->nat.stats;
	for (i = 1; i < r->nw; i++) {
		uint64_t *d = (uint64_t *)t;
		const uint64_t *v = (const uint64_t *)&r->wk[i]->nat.stats;

		for (k = 0; k < sizeof(*t) / sizeof(uint64_t); k++)
			d[k] += v[k];
	}
	return t;
}

/* Sessions of all the workers. */
uint32_t
rig_ct_used(const struct rig *r)
{
	uint32_t n = 0;
	unsigned int i;

	for (i = 0; i < r->nw; i++)
		n += r->wk[i]->nat.ct->used;
	return n;
}

/* Packets waiting for ARP, all the workers. */
unsigned int
rig_pend(const struct rig *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->nw; i++)
		n += r->wk[i]->nat.pend_n;
	return n;
}

/* Blocks in use, mappings, subscribers: summed over the workers' pools. */
uint32_t
rig_pool_sum(const struct rig *r, enum pool_count what)
{
	uint32_t n = 0;
	unsigned int i;

	for (i = 0; i < r->nw; i++) {
		const struct nat_pool *p = r->wk[i]->nat.pool;

		n += what == POOL_BLOCKS ? p->n_blocks_used :
		     what == POOL_MAPS ? p->n_maps : p->n_subs;
	}
	return n;
}

/* A mapping in any worker's pool (NAT_NONE when none has it). */
uint32_t
rig_map_lookup_in(const struct rig *r, uint32_t a, uint16_t p, uint8_t proto)
{
	unsigned int i;
	uint32_t m;

	for (i = 0; i < r->nw; i++)
		if ((m = nat_map_lookup_in(r->wk[i]->nat.pool, a, p, proto)) !=
		    NAT_NONE)
			return m;
	return NAT_NONE;
}

uint32_t
rig_map_lookup_out(const struct rig *r, uint32_t a, uint16_t p,
		   uint8_t proto)
{
	unsigned int i;
	uint32_t m;

	for (i = 0; i < r->nw; i++)
		if ((m = nat_map_lookup_out(r->wk[i]->nat.pool, a, p, proto)) !=
		    NAT_NONE)
			return m;
	return NAT_NONE;
}

/* Age every worker's sessions at `now`; how many expired in all. */
uint32_t
rig_age(struct rig *r, uint64_t now, uint32_t budget)
{
	uint32_t n = 0;
	unsigned int i;

	for (i = 0; i < r->nw; i++)
		n += cgn_worker_age(r->wk[i], now, budget);
	return n;
}

void
print_drops(const struct cgn_stats *s)
{
	unsigned int i;

	for (i = 0; i < CGN_DROP_MAX; i++)
		if (s->drop[i])
			print_error("  drop %s = %" PRIu64 "\n",
				    cgn_drop_names[i], s->drop[i]);
}

/*
 * rx == tx + consumed + dropped (app/nat_stats.h). With several workers,
 * per worker rx + handoff_in == tx + consumed + dropped + handoff_out,
 * and the sums as above (nothing is left on a handoff ring here).
 */
void
assert_accounting(const struct rig *r)
{
	const struct cgn_stats *s = rig_stats(r);
	uint64_t rx = stat_sum(s->rx, CGN_SIDES);
	uint64_t tx = stat_sum(s->tx, CGN_SIDES);
	uint64_t dr = cgn_stats_dropped(s);
	unsigned int i, held = rig_pend(r);

	for (i = 0; r->nw > 1 && i < r->nw; i++) {
		const struct cgn_stats *t = &r->wk[i]->nat.stats;
		uint64_t in = stat_sum(t->rx, CGN_SIDES) + t->handoff_in;
		uint64_t out = stat_sum(t->tx, CGN_SIDES) + t->consumed +
			       cgn_stats_dropped(t) + t->handoff_out +
			       r->wk[i]->nat.pend_n + t->frag_held;

		if (in != out) {
			print_drops(t);
			fail_msg("accounting: worker %u: rx + handoff_in %"
				 PRIu64 " != tx + consumed + dropped + "
				 "handoff_out + held %" PRIu64, i, in, out);
		}
	}
	if (r->nw > 1 && rig_in_flight(r) != 0)
		fail_msg("accounting: %u frames still in flight",
			 rig_in_flight(r));
	if (r->nw > 1 && s->handoff_in != s->handoff_out)
		fail_msg("accounting: handoff_in %" PRIu64 " != handoff_out %"
			 PRIu64, s->handoff_in, s->handoff_out);
	/* Packets parked for ARP (cgn_worker.c to_next_hop) are in flight,
	 * and fragments waiting for the rest of their datagram. */
	held += (unsigned int)s->frag_held;
	if (rx != tx + s->consumed + dr + held) {
		print_drops(s);
		fail_msg("accounting: rx %" PRIu64 " != tx %" PRIu64
			 " + consumed %" PRIu64 " + dropped %" PRIu64
			 " + held %u", rx, tx, s->consumed, dr, held);
	}
}

/* No drop counter moved. */
void
assert_no_drops(const struct rig *r, const struct cgn_stats *before)
{
	const struct cgn_stats *s = rig_stats(r);
	unsigned int i;

	for (i = 0; i < CGN_DROP_MAX; i++)
		if (s->drop[i] != before->drop[i])
			fail_msg("drop %s moved by %" PRIu64, cgn_drop_names[i],
				 s->drop[i] - before->drop[i]);
}

/* The drop counters moved by exactly `n` under `why` and nowhere else. */
void
assert_drop_only(const struct rig *r, const struct cgn_stats *before,
		 enum cgn_drop why, uint64_t n)
{
	const struct cgn_stats *s = rig_stats(r);
	unsigned int i;
	int bad = 0;

	for (i = 0; i < CGN_DROP_MAX; i++) {
		uint64_t d = s->drop[i] - before->drop[i];
		uint64_t want = i == (unsigned int)why ? n : 0;

		if (d != want) {
			print_error("drop %s moved by %" PRIu64 ", expected %"
				    PRIu64 "\n", cgn_drop_names[i], d, want);
			bad++;
		}
	}
	if (bad)
		fail_msg("drop counters: %d wrong (wanted %s +%" PRIu64 ")",
			 bad, cgn_drop_names[why], n);
}

bool
neigh_mac(const struct rig *r, int side, uint32_t ip,
	  struct rte_ether_addr *mac)
{
	uint32_t idx = nat_neigh_lookup(&r->ctx.neigh, (uint8_t)side,
					rte_cpu_to_be_32(ip));

	return idx != UINT32_MAX && nat_neigh_mac(&r->ctx.neigh, idx, mac);
}

void
check_arp(const char *what, const struct frame *f,
	  const struct rte_ether_addr *edst, const struct rte_ether_addr *esrc,
	  uint16_t op, const struct rte_ether_addr *sha, uint32_t spa,
	  const struct rte_ether_addr *tha, uint32_t tpa)
{
	int bad;

	if (f->len < 42) {
		fail_msg("%s: ARP frame of %u bytes", what, f->len);
		return;
	}
	bad = arp_check(what, f, edst, esrc, op, sha, spa, tha, tpa);
	if (bad)
		fail_msg("%s: %d ARP field(s) wrong", what, bad);
}

/* A subscriber ARPs for the inside address; check the reply. */
void
subscriber_arp(struct rig *r, uint32_t ip, const struct rte_ether_addr *mac)
{
	static const struct rte_ether_addr zero;
	struct frame f;
	uint8_t b[64];
	struct rte_ether_addr got;

	/* Ether(dst="ff:ff:ff:ff:ff:ff", src=mac)/ARP(op=1, hwsrc=mac,
	 *   psrc=ip, pdst="100.64.0.1")
	 */
	inject_raw(r, S_IN, b, build_arp(b, &MAC_BCAST, mac, 1, mac, ip,
					 &zero, NAT_IN));
	pump(r);
	take_one(S_IN, &f);
	check_arp("ARP reply for 100.64.0.1", &f, mac, &MAC_NAT[S_IN], 2,
		  &MAC_NAT[S_IN], NAT_IN, mac, ip);
	assert_true(neigh_mac(r, S_IN, ip, &got));
	assert_memory_equal(got.addr_bytes, mac->addr_bytes, 6);
}

/* Answer control's ARP request for the gateway; subscribers H1, H2 ARP. */
void
l2_up(struct rig *r)
{
	static const struct rte_ether_addr zero;
	struct rte_ether_addr got;
	struct frame f;
	uint8_t b[64];

	/* The request cgn_ctrl_init() queued goes out on the first poll. */
	wpoll(r);
	take_one(S_OUT, &f);
	check_arp("ARP request for the gateway", &f, &MAC_BCAST,
		  &MAC_NAT[S_OUT], 1, &MAC_NAT[S_OUT], NAT_OUT, &zero, GW);
	/* Ether(dst=nat_out, src=gw)/ARP(op=2, hwsrc=gw,
	 *   psrc="198.51.100.1", hwdst=nat_out, pdst="198.51.100.2")
	 */
	inject_raw(r, S_OUT, b, build_arp(b, &MAC_NAT[S_OUT], &MAC_GW, 2,
					  &MAC_GW, GW, &MAC_NAT[S_OUT],
					  NAT_OUT));
	pump(r);
	expect_nothing();
	assert_true(neigh_mac(r, S_OUT, GW, &got));
	assert_memory_equal(got.addr_bytes, MAC_GW.addr_bytes, 6);

	subscriber_arp(r, H1, &MAC_H1);
	subscriber_arp(r, H2, &MAC_H2);
	assert_accounting(r);
}

static int rig_setup_(void **state);

/* cmocka runs no teardown after a failed setup: clean up here. */
int
rig_setup(void **state)
{
	if (rig_setup_(state) == 0)
		return 0;
	rig_teardown(state);
	return -1;
}

static int
rig_setup_(void **state)
{
	struct rig *r = &g_rig;
	const struct rig_opts *o = *state;
	static const struct rig_opts defaults;
	char err[512];
	unsigned int s, i;

	if (o == NULL)
		o = &defaults;
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/cgn-it-XXXXXX");
	if (mkdtemp(r->dir) == NULL)
		return -1;
	snprintf(r->conf, sizeof(r->conf), "%.63s/cgnat.conf", r->dir);
	snprintf(r->log, sizeof(r->log), "%.63s/log/mappings.log", r->dir);
	if (write_config(r, o) != 0)
		return -1;
	if (cgn_config_load(r->conf, &r->cfg, err, sizeof(err)) != 0 ||
	    cgn_config_check_ports(&r->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}

	/* As in main.c, but with a clock this test drives. */
	r->hz = rte_get_tsc_hz();
	r->now = 1000 * r->hz;
	r->ctx.cfg = &r->cfg;
	r->ctx.tsc_hz = r->hz;
	r->ctx.start_tsc = r->now;
	r->ctx.start_ns = (uint64_t)time(NULL) * 1000000000ULL;
	r->nw = g_nw;
	r->ctx.n_workers = r->nw;
	for (s = 0; s < CGN_SIDES; s++)
		for (i = 0; i < r->nw; i++) {
			drain_ring(rxr[s][i]);
			drain_ring(txr[s][i]);
		}
	if (cgn_ports_init(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "ports: %s\n", err);
		return -1;
	}
	/*
	 * cgn_ports_init() read each port's MAC into ctx.link[]. net_ring
	 * ports all have 00:00:00:00:00:00 and cannot change it (no
	 * mac_addr_set), which would make both sides look alike; give each
	 * side a distinct unicast address where the NAT keeps it.
	 */
	for (s = 0; s < CGN_SIDES; s++) {
		struct rte_ether_addr hw;

		if (rte_eth_macaddr_get(port_id[s], &hw) != 0 ||
		    !rte_is_same_ether_addr(&hw, &r->ctx.link[s].mac) ||
		    r->ctx.link[s].port_id != port_id[s])
			return -1;
		rte_ether_addr_copy(&MAC_NAT[s], &r->ctx.link[s].mac);
	}
	if (nat_neigh_init(&r->ctx.neigh, 65536, (int)rte_socket_id()) != 0)
		return -1;
	r->ctx.log_ring = rte_ring_create_elem("cgn_log",
		sizeof(struct nat_log_event), 65536, (int)rte_socket_id(),
		RING_F_SC_DEQ);
	if (r->ctx.log_ring == NULL)
		return -1;
	if (cgn_shared_init(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "shared: %s\n", err);
		return -1;
	}
	for (i = 0; i < r->nw; i++) {
		struct cgn_worker *w = rte_zmalloc("cgn_worker", sizeof(*w),
						   RTE_CACHE_LINE_SIZE);

		if (w == NULL)
			return -1;
		r->wk[i] = w;
		if (i == 0)
			r->w = w;
		if (cgn_worker_init(w, &r->ctx, i, 0) != 0)
			return -1;
		w->lcore = r->cfg.workers.lcores[i];
		r->ctx.workers[i] = w;
	}
	for (i = 0; i < r->nw; i++)
		if (cgn_worker_add_statics(r->wk[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "statics: %s\n", err);
			return -1;
		}
	r->mp_base = rte_mempool_in_use_count(r->ctx.mp);
	if (cgn_ctrl_init(&r->ctrl, &r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "ctrl: %s\n", err);
		return -1;
	}
	r->ctrl_up = true;
	if (cgn_blocks_init(&r->ctrl, &r->ctx) != 0)
		return -1;
	if (cgn_ports_start(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "start: %s\n", err);
		return -1;
	}
	r->opts = *o;
	*state = r;
	return 0;
}

int
rig_teardown(void **state)
{
	struct rig *r = &g_rig;
	unsigned int s, i;
	char cmd[128];

	(void)state;
	for (i = 0; i < r->nw; i++) {
		if (r->wk[i] == NULL)
			continue;
		g_handoff_in += r->wk[i]->nat.stats.handoff_in;
		g_handoff_out += r->wk[i]->nat.stats.handoff_out;
		if (r->wk[i]->nat.ct != NULL) {
			cgn_worker_close_all(r->wk[i], r->now);
			cgn_worker_flush(r->wk[i]);
		}
	}
	if (r->ctrl_up) {
		cgn_ctrl_poll(&r->ctrl, r->now);
		cgn_ctrl_fini(&r->ctrl);
		cgn_blocks_fini(&r->ctrl);
	}
	for (s = 0; s < CGN_SIDES; s++) {
		rte_eth_dev_stop(port_id[s]);
		for (i = 0; i < g_nw; i++) {
			drain_ring(rxr[s][i]);
			drain_ring(txr[s][i]);
		}
	}
	for (i = 0; i < r->nw; i++)
		if (r->wk[i] != NULL) {
			cgn_worker_fini(r->wk[i]);
			rte_free(r->wk[i]);
		}
	cgn_shared_fini(&r->ctx);
	nat_neigh_fini(&r->ctx.neigh);
	rte_ring_free(r->ctx.log_ring);
	rte_mempool_free(r->ctx.mp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%.63s'", r->dir);
	if (r->dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", r->dir);
	memset(r, 0, sizeof(*r));
	return 0;
}

/* First thing in a test: the L2 bring-up, checked (so that a failure
 * fails the test, and teardown still runs). */
struct rig *
rig_start(void *state)
{
	struct rig *r = state;

	if (!r->opts.no_l2)
		l2_up(r);
	return r;
}

/* Is a (host order) one of the configured pool addresses? */
bool
in_pool(const struct rig *r, uint32_t a)
{
	return cgn_config_pool_index(&r->cfg, a) >= 0;
}

/* Check an ICMP error made by the box about `orig` (the IP packet). */
void
check_icmp_error(const char *what, const struct frame *f,
		 const struct rte_ether_addr *edst, int side, uint32_t dst,
		 uint8_t type, uint8_t code, const uint8_t *orig,
		 uint16_t olen)
{
	struct pkt want = {
		.dst = *edst, .src = MAC_NAT[side],
		.saddr = side == S_IN ? NAT_IN : NAT_OUT, .daddr = dst,
		.proto = IPPROTO_ICMP, .icmp_type = type, .icmp_code = code,
		.payload = orig, .plen = olen,
	};

	if (f->len < L4_OFF + 8 + 28)
		fail_msg("%s: too short (%u)", what, f->len);
	/* Fields the RFCs leave to the implementation: taken as sent. */
	want.tos = f->b[15];
	want.ip_id = rd16(f->b + 18);
	want.ttl = f->b[22];
	assert_true(want.ttl > 1);
	assert_int_equal(rd16(f->b + 20) & 0x1fff, 0);
	want.frag = rd16(f->b + 20);
	/* RFC 792: the whole IP header and at least 8 bytes of data. */
	assert_true(olen >= 28);
	expect_frame(what, f, &want);
}

/* The tests whose name matches one of the fnmatch(3) patterns argv[1..]
 * (all without one), copied to run[]; how many (0: said on stderr). */
unsigned int
wrig_select(int argc, char **argv, const struct CMUnitTest *all,
	    unsigned int n_all, struct CMUnitTest *run)
{
	unsigned int i, n = 0;
	int k;

	for (i = 0; i < n_all; i++) {
		bool want = argc < 2;

		for (k = 1; k < argc && !want; k++)
			want = fnmatch(argv[k], all[i].name, 0) == 0;
		if (want)
			run[n++] = all[i];
	}
	if (n == 0)
		fprintf(stderr, "no test matches\n");
	return n;
}

int
wrig_main(const char *argv0, const char *tag)
{
	char prefix[32];
	char *eal[] = {
		(char *)(uintptr_t)argv0, "--no-huge", "-m", "512", "--no-pci",
		"--no-shconf", "-l", "0", "--log-level=lib.eal:error",
		"--log-level=lib.ethdev:error", "--log-level=user1:error",
		"--no-telemetry",
		"--file-prefix", prefix,
	};
	unsigned int s, i;
	uint64_t seed;

	if (getenv("CGN_IT_WORKERS") != NULL) {
		g_nw = (unsigned int)strtoul(getenv("CGN_IT_WORKERS"), NULL, 0);
		if (g_nw < 1 || g_nw > IT_MAXW) {
			fprintf(stderr, "CGN_IT_WORKERS: 1 to %u\n", IT_MAXW);
			return 1;
		}
		printf("%u worker(s)\n", g_nw);
	}
	pcap_open();
	snprintf(prefix, sizeof(prefix), "%s%d", tag, (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	/* Ports and blocks are drawn with rte_rand(): make a run
	 * reproducible; CGN_IT_SEED picks another one. */
	seed = getenv("CGN_IT_SEED") ? strtoull(getenv("CGN_IT_SEED"),
						 NULL, 0) : 1;
	rte_srand(seed);
	printf("rte_srand(%" PRIu64 ") (set CGN_IT_SEED to change)\n", seed);
	for (s = 0; s < CGN_SIDES; s++) {
		char nm[32];
		int id;

		for (i = 0; i < g_nw; i++) {
			/* it_rx0, it_tx0 ... as before with one worker */
			if (i == 0)
				snprintf(nm, sizeof(nm), "it_rx%u", s);
			else
				snprintf(nm, sizeof(nm), "it_rx%u_%u", s, i);
			rxr[s][i] = rte_ring_create(nm, 4096, 0, 0);
			if (i == 0)
				snprintf(nm, sizeof(nm), "it_tx%u", s);
			else
				snprintf(nm, sizeof(nm), "it_tx%u_%u", s, i);
			txr[s][i] = rte_ring_create(nm, 4096, 0, 0);
			if (rxr[s][i] == NULL || txr[s][i] == NULL) {
				fprintf(stderr, "rings\n");
				return 1;
			}
		}
		snprintf(port_name[s], sizeof(port_name[s]), "%s_%s", tag,
			 s == S_IN ? "inside" : "outside");
		id = rte_eth_from_rings(port_name[s], rxr[s], g_nw, txr[s],
					g_nw, 0);
		if (id < 0) {
			fprintf(stderr, "rte_eth_from_rings: %d\n", id);
			return 1;
		}
		port_id[s] = (uint16_t)id;
		if (rte_eth_dev_get_name_by_port(port_id[s], dev_name[s]) != 0)
			return 1;
	}
	return 0;
}

int
wrig_main_end(int k)
{
	char path[PATH_MAX];

	/*
	 * With several workers, handoffs must have happened in the run (else
	 * the queue spreading of inject_raw() tested nothing of them), as
	 * many taken as given.
	 */
	if (g_nw > 1) {
		printf("handoffs in the run: in %" PRIu64 ", out %" PRIu64 "\n",
		       g_handoff_in, g_handoff_out);
		if (g_handoff_in == 0 || g_handoff_in != g_handoff_out) {
			fprintf(stderr, "FAILED: no handoff in the run, or "
				"handoff_in != handoff_out\n");
			if (k == 0)
				k = 1;
		}
	}
	/* Leave nothing behind in /var/run/dpdk. */
	snprintf(path, sizeof(path), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(path);
	return k;
}
