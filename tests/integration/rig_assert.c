/* SPDX-License-Identifier: BSD-3-Clause
 * The rig's cmocka helpers (rig_assert.h).
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
#include "rig_assert.h"

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
	cgn_ctrl_poll(r->ctrl, r->now);
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
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->ctx->mp);
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
	assert_int_equal(rte_ring_enqueue(rig_rxr[side][r->rxq_next], m), 0);
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
	while (rte_ring_dequeue(rig_txr[side][q], (void **)&m) == 0) {
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
 * rx == tx + consumed + dropped (lib/nat/nat_stats.h). With several workers,
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

	/* The request the control thread queued at start goes out on the
	 * first poll. */
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
	if (rig_build(&g_rig, *state) != 0)
		return -1;
	*state = &g_rig;
	return 0;
}

int
rig_teardown(void **state)
{
	(void)state;
	rig_free(&g_rig);
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
rig_select(int argc, char **argv, const struct CMUnitTest *all,
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
