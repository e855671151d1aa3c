/* SPDX-License-Identifier: BSD-3-Clause
 * Integration tests: IPv4 fragments through the REAL worker packet path
 * (lib/nat/nat_frag.c, lib/nat/nat_tx.c), checklist G33, G34, F32:
 *   G34 (RFC 4787 REQ-14): fragments reassembled whatever their order
 *       (3,2,1 delivered correctly), UDP, TCP and ICMP, in2out and out2in,
 *       translated as one datagram; a flood of orphan fragments leaves
 *       other traffic alone (the table stays bounded, entries time out
 *       after fragments.timeout on the injected clock); what cannot be
 *       reassembled is dropped under a named reason;
 *   G33 (RFC 4787 REQ-13), F32 (RFC 5508 sec. 7): a translated datagram
 *       longer than the egress MTU leaves in fragments, in order, when DF
 *       is clear; with DF set it is dropped and its sender gets ICMP 3/4
 *       with the next-hop MTU (RFC 1191), quoting the packet as the sender
 *       sent it, from the box's address on the side it came in by, rate
 *       limited.
 *
 * The rig is rig.h's, shared with test_worker.c (a NAT built with
 * app/cgn_nat.h's lifecycle, as main.c builds it, on two ethdevs made
 * with rte_eth_from_rings(), driven from one thread with an injected
 * clock), with the links' MTUs and the fragments group in the config
 * (rig_opts); the frame builder and checks are frames.c's. FRAME_MAX is
 * 9100 here (up to a 9000 MTU), from meson.build. Fragments are cut
 * (cut()) and put back together (join()) by this file's own RFC 791
 * code, and every checksum of every datagram that comes out is recomputed
 * in full over the whole datagram with frames.c's own RFC 1071 code.
 *
 * Files: this one has the helpers (test_frag.h) and main(); the tests are
 * in test_frag_paths.c (reassembly in any order, fragmentation to the MTU,
 * DF) and test_frag_limits.c (floods, timeouts, invalid fragments).
 *
 * After every test: all traffic drained, the clock moved past
 * fragments.timeout (nothing left in reassembly), cgn_worker_close_all(),
 * then
 *   rx == tx + consumed + dropped (+ fragments held, + parked for ARP)
 *   rte_mempool_in_use_count(ctx.mp) == what it was after start-up,
 *   and no indirect mbuf of the fragmenter in use.
 *
 *   test_frag ['test_G34_*' ...]   fnmatch(3) patterns over the names
 * Environment: CGN_IT_SEED, CGN_IT_PCAP=DIR as test_worker.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
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
#include "nat_frag.h"
#include "nat_neigh.h"
#include "cgn_port.h"
#include "nat_stats.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "ct_tcp.h"
#include "nat_pool.h"

#include "frames.h"
#include "rig_assert.h"
#include "test_frag.h"

/*
 * End of a scenario: drain, close every session, drain again; then the
 * counters must add up and no mbuf may be left in use.
 */
void
rig_end(struct rig *r)
{
	pump(r);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	assert_accounting(r);
	/* Whatever is still in reassembly times out (G34). */
	r->now += (r->cfg.fragments.timeout + 1) * r->hz;
	pump(r);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	assert_accounting(r);
	cgn_worker_close_all(r->w, r->now);
	pump(r);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	assert_int_equal(r->w->nat.ct->used, 0);
	assert_int_equal(r->w->nat.pool->n_blocks_used, 0);
	assert_accounting(r);
	assert_int_equal(rte_mempool_in_use_count(r->ctx->mp), r->mp_base);
	/* The indirect mbufs of output fragments are all back too. */
	{
		char nm[RTE_MEMPOOL_NAMESIZE];
		struct rte_mempool *ind;

		snprintf(nm, sizeof(nm), "cgn_frag_ind%u", r->w->id);
		ind = rte_mempool_lookup(nm);
		assert_non_null(ind);
		assert_int_equal(rte_mempool_in_use_count(ind), 0);
	}
}

/* Payload of the big datagrams: no two 8-byte blocks alike, so that a
 * fragment put at the wrong offset changes the checksum and the bytes.
 */
uint8_t BIG[9000];

void
big_init(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(BIG); i++)
		BIG[i] = (uint8_t)(i * 7 + (i >> 8) * 13 + 3);
}

struct frame frag_buf[FR_MAX];  /* cut() output */

struct frame out_buf[FR_MAX];   /* what a port sent */

/* The frame of packet p. */
void
frame_of(const struct pkt *p, struct frame *f)
{
	f->len = build(f->b, p);
}

/*
 * Cut the datagram of frame d into fragments carrying `chunk` bytes of
 * data (a multiple of 8) each, the last one the rest: each a whole frame
 * with d's Ethernet and IP headers, its offset, MF, total length and
 * header checksum; DF kept. Returns their number.
 */
unsigned int
cut(const struct frame *d, uint16_t chunk, struct frame *out)
{
	const uint8_t *ip = d->b + IP_OFF;
	unsigned int ihl = (ip[0] & 0xf) * 4u;
	unsigned int data = rd16(ip + 2) - ihl, off, n = 0;

	assert_int_equal(chunk % 8, 0);
	for (off = 0; off < data; off += chunk) {
		unsigned int len = RTE_MIN((unsigned int)chunk, data - off);
		struct frame *f = &out[n++];
		uint8_t *fip = f->b + IP_OFF;

		assert_true(n <= FR_MAX);
		memcpy(f->b, d->b, ETH_LEN + ihl);
		memcpy(fip + ihl, ip + ihl + off, len);
		wr16(fip + 2, (uint16_t)(ihl + len));
		wr16(fip + 6, (uint16_t)((rd16(ip + 6) & FR_DF) |
					 (off + len < data ? FR_MF : 0) |
					 off / 8));
		wr16(fip + 10, ip_cksum(fip));
		f->len = (uint16_t)(ETH_LEN + ihl + len);
	}
	return n;
}

/*
 * Put fragments f[0..n), in the order a port sent them, back into one
 * datagram d, checking RFC 791 and the order on the way: same ID,
 * addresses, protocol; offsets from 0 upwards without gap or overlap (in
 * order, G33); MF on all but the last; data a multiple of 8 but in the
 * last; each within the MTU, with a good header checksum. A lone frame
 * that is no fragment is the datagram itself. Returns the problems.
 */
int
join(const char *what, const struct frame *f, unsigned int n, uint16_t mtu,
     struct frame *d)
{
	unsigned int i, ihl0 = 0, next = 0;
	int bad = 0;

	if (n == 0) {
		print_error("%s: nothing sent\n", what);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *ip = f[i].b + IP_OFF;
		unsigned int ihl = (ip[0] & 0xf) * 4u, tot = rd16(ip + 2);
		unsigned int fo = rd16(ip + 6), off = (fo & 0x1fff) * 8u;
		bool mf = fo & FR_MF;

		if (rd16(ip + 10) != ip_cksum(ip)) {
			print_error("%s: fragment %u: ip.cksum %04x, want %04x\n",
				    what, i, rd16(ip + 10), ip_cksum(ip));
			bad++;
		}
		if (tot > mtu || f[i].len != ETH_LEN + tot) {
			print_error("%s: fragment %u: %u bytes, MTU %u, frame %u\n",
				    what, i, tot, mtu, f[i].len);
			bad++;
		}
		if (off != next) {
			print_error("%s: fragment %u at offset %u, expected %u "
				    "(out of order, gap or overlap)\n", what, i,
				    off, next);
			bad++;
		}
		if (mf != (i + 1 < n)) {
			print_error("%s: fragment %u of %u: MF %d\n", what, i, n,
				    mf);
			bad++;
		}
		if (mf && (tot - ihl) % 8) {
			print_error("%s: fragment %u: %u bytes of data\n", what,
				    i, tot - ihl);
			bad++;
		}
		if (i == 0) {
			ihl0 = ihl;
			memcpy(d->b, f[0].b, ETH_LEN + ihl);
		} else if (rd16(ip + 4) != rd16(d->b + IP_OFF + 4) ||
			   memcmp(ip + 12, d->b + IP_OFF + 12, 8) != 0 ||
			   ip[9] != d->b[IP_OFF + 9]) {
			print_error("%s: fragment %u of another datagram\n",
				    what, i);
			bad++;
		}
		if (ETH_LEN + ihl0 + off + (tot - ihl) > FRAME_MAX)
			return bad + 1;
		memcpy(d->b + ETH_LEN + ihl0 + off, ip + ihl, tot - ihl);
		next = off + (tot - ihl);
	}
	/* The datagram: the first fragment's header, whole length, no
	 * fragment fields (DF as sent).
	 */
	wr16(d->b + IP_OFF + 2, (uint16_t)(ihl0 + next));
	wr16(d->b + IP_OFF + 6, rd16(d->b + IP_OFF + 6) & FR_DF);
	wr16(d->b + IP_OFF + 10, ip_cksum(d->b + IP_OFF));
	d->len = (uint16_t)(ETH_LEN + ihl0 + next);
	return bad;
}

/* Put frames f[ord[0]], f[ord[1]], ... on side's RX ring, one at a time,
 * letting the NAT run after each one. */
void
send_frames(struct rig *r, int side, const struct frame *f,
	    const unsigned int *ord, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct frame *x = &f[ord != NULL ? ord[i] : i];

		inject_raw(r, side, x->b, x->len);
		pump(r);
	}
}

/* Send p from side as fragments of `chunk` bytes in the order ord (NULL:
 * in order); returns their number; nothing may leave before the last.
 */
unsigned int
send_fragmented(struct rig *r, int side, const struct pkt *p, uint16_t chunk,
		const unsigned int *ord, unsigned int n_ord)
{
	static struct frame d;
	unsigned int n, i;

	frame_of(p, &d);
	n = cut(&d, chunk, frag_buf);
	if (ord != NULL)
		assert_int_equal(n_ord, n);
	for (i = 0; i < n; i++) {
		uint64_t held = r->w->nat.stats.frag_held;

		send_frames(r, side, &frag_buf[ord != NULL ? ord[i] : i], NULL,
			    1);
		if (i + 1 < n) {
			expect_nothing();
			/* G34: held, not an error. */
			assert_int_equal(r->w->nat.stats.frag_held, held + 1);
		}
	}
	return n;
}

/* Take what `side` sent (nothing from the other side) and join it into
 * d; returns the number of frames. */
unsigned int
take_dgram(const char *what, int side, uint16_t mtu, struct frame *d)
{
	struct frame other;
	unsigned int n = take(side, out_buf, FR_MAX);
	unsigned int no = take(!side, &other, 1);

	if (no != 0)
		fail_msg("%s: %u frame(s) on the wrong side", what, no);
	if (n > FR_MAX)
		fail_msg("%s: %u fragments", what, n);
	if (join(what, out_buf, n, mtu, d) != 0)
		fail_msg("%s: fragments wrong", what);
	return n;
}

/* Check a datagram against the packet expected: every field, the payload
 * and every checksum, recomputed here over the whole datagram. */
void
check_dgram(const char *what, const struct frame *d, const struct pkt *want)
{
	static uint8_t wb[FRAME_MAX];
	uint16_t wl = build(wb, want);
	int bad = frame_diff(what, d, wb, wl) + verify_cksums(what, d);

	if (bad)
		fail_msg("%s: %d field(s) wrong", what, bad);
}

/* The datagram p sent from inside, as it must leave: src (a, port). */
struct pkt
as_in2out(const struct pkt *p, uint32_t a, uint16_t port)
{
	struct pkt want = *p;

	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.saddr = a;
	want.ttl = (uint8_t)((p->ttl ? p->ttl : 64) - 1);
	want.sport = port;
	return want;
}

/* The datagram p sent from outside, as it must reach (host, port). */
struct pkt
as_out2in(const struct pkt *p, const struct rte_ether_addr *mac,
	  uint32_t host, uint16_t port)
{
	struct pkt want = *p;

	want.dst = *mac;
	want.src = MAC_NAT[S_IN];
	want.daddr = host;
	want.ttl = (uint8_t)((p->ttl ? p->ttl : 64) - 1);
	if (p->proto == IPPROTO_ICMP)
		want.sport = port;
	else
		want.dport = port;
	return want;
}

/* Take an in2out datagram of p (whole or in fragments within mtu), check
 * it; the source the NAT chose in *a, *port. Returns the frames. */
unsigned int
expect_in2out_dgram(struct rig *r, const char *what, const struct pkt *p,
		    uint16_t mtu, uint32_t *a, uint16_t *port)
{
	static struct frame d;
	struct pkt want;
	unsigned int n = take_dgram(what, S_OUT, mtu, &d);
	char s[20];

	*a = f_src(&d);
	*port = p->proto == IPPROTO_ICMP ? f_icmp_id(&d) : f_sport(&d);
	if (!in_pool(r, *a))
		fail_msg("%s: source %s not in the pool", what, ipstr(*a, s));
	want = as_in2out(p, *a, *port);
	check_dgram(what, &d, &want);
	return n;
}

unsigned int
expect_out2in_dgram(const char *what, const struct pkt *p, uint16_t mtu,
		    const struct rte_ether_addr *mac, uint32_t host,
		    uint16_t port)
{
	static struct frame d;
	struct pkt want = as_out2in(p, mac, host, port);
	unsigned int n = take_dgram(what, S_IN, mtu, &d);

	check_dgram(what, &d, &want);
	return n;
}

/* A big datagram: p with `len` bytes of BIG as payload and an IP ID. */
struct pkt
big(struct pkt p, uint16_t len, uint16_t id)
{
	p.payload = BIG;
	p.plen = len;
	p.ip_id = id;
	return p;
}

/* Drain a side's RX ring through the worker (floods). */
void
drain_rx(struct rig *r, int side)
{
	unsigned int q;

	for (q = 0; q < r->nw; q++)
		while (rte_ring_count(rig_rxr[side][q]) != 0)
			pump(r);
}

const struct rig_opts opts_big = {
	.inside_mtu = 9000, .outside_mtu = 9000,
};

const struct rig_opts opts_small = {
	.inside_mtu = 1000, .outside_mtu = 576,
};

const struct rig_opts opts_flood = {
	.inside_mtu = 9000, .outside_mtu = 9000, .frag_max = 512,
};

/* ------------------------------------------------------------------ */

/* The groups' tables (test_frag_<group>.c), in order. */
#define MAX_TESTS 64
static const struct {
	const struct CMUnitTest *t;
	const unsigned int *n;
} groups[] = {
	{ fr_paths, &fr_paths_n },
	{ fr_limits, &fr_limits_n },
};

/*
 *   test_frag [PATTERN...]
 * runs the tests whose name matches one of the fnmatch(3) patterns (all
 * without one).
 */
int
main(int argc, char **argv)
{
	static struct CMUnitTest all[MAX_TESTS], run[MAX_TESTS];
	unsigned int g, i, n_all = 0, n;
	int k;

	for (g = 0; g < RTE_DIM(groups); g++)
		for (i = 0; i < *groups[g].n && n_all < MAX_TESTS; i++)
			all[n_all++] = groups[g].t[i];
	frames_vprint = vprint_error; /* checks report through cmocka */
	n = rig_select(argc, argv, all, n_all, run);
	if (n == 0)
		return 1;
	if (rig_main(argv[0], &(struct rig_proc){ .tag = "fr" }) != 0)
		return 1;
	big_init();
	k = _cmocka_run_group_tests("frag", run, n, NULL, NULL);
	return rig_main_end(k);
}
