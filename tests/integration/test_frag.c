/* SPDX-License-Identifier: BSD-3-Clause
 * Integration tests: IPv4 fragments through the REAL worker packet path
 * (app/cgn_frag.c, app/cgn_worker.c), checklist G33, G34, F32:
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
 * clock), with the links' MTUs and the fragments
 * group in the config (rig_opts); the frame builder and checks are
 * frames.c's. FRAME_MAX is 9100 here (up to a 9000 MTU), from meson.build. Fragments are cut (cut()) and put back together (join()) by
 * this file's own RFC 791 code, and every checksum of every datagram that
 * comes out is recomputed in full over the whole datagram with frames.c's
 * own RFC 1071 code.
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

/*
 * End of a scenario: drain, close every session, drain again; then the
 * counters must add up and no mbuf may be left in use.
 */
static void
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

/* ------------------------------------------------------------------ */
/* Fragments, cut and joined here (RFC 791).                           */

#define FR_DF 0x4000
#define FR_MF 0x2000
#define FR_MAX 64            /* fragments of one datagram in these tests */

/* Payload of the big datagrams: no two 8-byte blocks alike, so that a
 * fragment put at the wrong offset changes the checksum and the bytes.
 */
static uint8_t BIG[9000];

static void
big_init(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(BIG); i++)
		BIG[i] = (uint8_t)(i * 7 + (i >> 8) * 13 + 3);
}

static struct frame frag_buf[FR_MAX];  /* cut() output */
static struct frame out_buf[FR_MAX];   /* what a port sent */

/* The frame of packet p. */
static void
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
static unsigned int
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
static int
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
static void
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
static unsigned int
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
static unsigned int
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
static void
check_dgram(const char *what, const struct frame *d, const struct pkt *want)
{
	static uint8_t wb[FRAME_MAX];
	uint16_t wl = build(wb, want);
	int bad = frame_diff(what, d, wb, wl) + verify_cksums(what, d);

	if (bad)
		fail_msg("%s: %d field(s) wrong", what, bad);
}

/* The datagram p sent from inside, as it must leave: src (a, port). */
static struct pkt
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
static struct pkt
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
static unsigned int
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

static unsigned int
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
static struct pkt
big(struct pkt p, uint16_t len, uint16_t id)
{
	p.payload = BIG;
	p.plen = len;
	p.ip_id = id;
	return p;
}

/* Drain a side's RX ring through the worker (floods). */
static void
drain_rx(struct rig *r, int side)
{
	unsigned int q;

	for (q = 0; q < r->nw; q++)
		while (rte_ring_count(rig_rxr[side][q]) != 0)
			pump(r);
}

static const struct rig_opts opts_big = {
	.inside_mtu = 9000, .outside_mtu = 9000,
};
static const struct rig_opts opts_small = {
	.inside_mtu = 1000, .outside_mtu = 576,
};
static const struct rig_opts opts_flood = {
	.inside_mtu = 9000, .outside_mtu = 9000, .frag_max = 512,
};

/* ------------------------------------------------------------------ */
/* Tests.                                                              */

/*
 * G34: a UDP datagram of 3000 bytes from inside in three fragments, in
 * order: nothing leaves until the last one; then one datagram, translated,
 * its checksum right over all of it. rx counts the 3 frames, the datagram
 * is forwarded once, the 2 other fragments are consumed.
 */
static void
test_G34_udp_in2out_in_order(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1,
				   53), 3000, 0x0101);
	struct cgn_stats b = r->w->nat.stats;
	uint32_t a;
	uint16_t port;

	assert_int_equal(send_fragmented(r, S_IN, &p, 1480, NULL, 0), 3);
	assert_int_equal(expect_in2out_dgram(r, "udp in2out", &p, 9000, &a,
					     &port), 1);
	assert_int_equal(r->w->nat.stats.rx[S_IN], b.rx[S_IN] + 3);
	assert_int_equal(r->w->nat.stats.tx[S_OUT], b.tx[S_OUT] + 1);
	assert_int_equal(r->w->nat.stats.consumed, b.consumed + 2);
	assert_int_equal(r->w->nat.stats.frag_rx, b.frag_rx + 3);
	assert_int_equal(r->w->nat.stats.frag_reassembled, 1);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	assert_no_drops(r, &b);
	assert_accounting(r);
	/* The reply, in order too. */
	{
		struct pkt q = big(udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a,
					   port), 2500, 0x0202);

		assert_int_equal(send_fragmented(r, S_OUT, &q, 1480, NULL, 0),
				 2);
		assert_int_equal(expect_out2in_dgram("udp out2in", &q, 9000,
						     &MAC_H1, H1, 5000), 1);
	}
	assert_no_drops(r, &b);
	rig_end(r);
}

/*
 * G34 (RFC 4787 REQ-14, MUST): fragments out of order. UDP, TCP and ICMP
 * echo, both ways, with the orders 3,2,1 and others; each delivered as the
 * one datagram that was sent, translated, checksums right.
 */
static void
test_G34_out_of_order(void **state)
{
	static const unsigned int o321[] = { 2, 1, 0 };
	static const unsigned int o231[] = { 1, 2, 0 };
	static const unsigned int o132[] = { 0, 2, 1 };
	static const unsigned int o4x[] = { 3, 0, 2, 1 };
	struct rig *r = rig_start(*state);
	struct cgn_stats b = r->w->nat.stats;
	struct pkt p, q;
	struct frame f;
	uint32_t a, ta;
	uint16_t port, tport, id;

	/* UDP in2out 3,2,1; the reply 3,2,1. */
	p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53), 3000,
		0x1111);
	send_fragmented(r, S_IN, &p, 1480, o321, 3);
	expect_in2out_dgram(r, "udp in2out 3,2,1", &p, 9000, &a, &port);
	q = big(udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port), 3000,
		0x2222);
	send_fragmented(r, S_OUT, &q, 1480, o321, 3);
	expect_out2in_dgram("udp out2in 3,2,1", &q, 9000, &MAC_H1, H1, 5000);
	/* Again 2,3,1 and 1,3,2, on the session now there. */
	p.ip_id = 0x1112;
	send_fragmented(r, S_IN, &p, 1480, o231, 3);
	expect_in2out_dgram(r, "udp in2out 2,3,1", &p, 9000, &a, &port);
	q.ip_id = 0x2223;
	send_fragmented(r, S_OUT, &q, 1480, o132, 3);
	expect_out2in_dgram("udp out2in 1,3,2", &q, 9000, &MAC_H1, H1, 5000);

	/* TCP: handshake, then 3000 bytes each way out of order. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40000, Y2, 80, TH_SYN, 1000,
		    0);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_OUT, &f);
	ta = f_src(&f);
	tport = f_sport(&f);
	q = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 80, ta, tport,
		    TH_SYN | TH_ACK, 7000, 1001);
	inject(r, S_OUT, &q);
	pump(r);
	take_one(S_IN, &f);
	p = big(tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40000, Y2, 80,
			TH_ACK | TH_PSH, 1001, 7001), 3000, 0x3333);
	send_fragmented(r, S_IN, &p, 1480, o321, 3);
	expect_in2out_dgram(r, "tcp in2out 3,2,1", &p, 9000, &a, &port);
	assert_int_equal(a, ta);
	assert_int_equal(port, tport);
	q = big(tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 80, ta, tport,
			TH_ACK | TH_PSH, 7001, 4001), 4000, 0x4444);
	send_fragmented(r, S_OUT, &q, 1480, o321, 3);
	expect_out2in_dgram("tcp out2in 3,2,1", &q, 9000, &MAC_H2, H2,
			    40000);

	/* ICMP echo of 4000 bytes (ping -s), 4 fragments mixed up. */
	p = big(icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
			 RTE_IP_ICMP_ECHO_REQUEST, 77, 1), 4000, 0x5555);
	send_fragmented(r, S_IN, &p, 1024, o4x, 4);
	expect_in2out_dgram(r, "echo in2out", &p, 9000, &a, &id);
	q = big(icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, a,
			 RTE_IP_ICMP_ECHO_REPLY, id, 1), 4000, 0x6666);
	send_fragmented(r, S_OUT, &q, 1480, o321, 3);
	expect_out2in_dgram("echo out2in 3,2,1", &q, 9000, &MAC_H1, H1, 77);

	assert_no_drops(r, &b);
	assert_int_equal(r->w->nat.stats.frag_reassembled,
			 b.frag_reassembled + 8);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	rig_end(r);
}

/*
 * G34: the fragments of two datagrams from two hosts with the same IP ID,
 * interleaved: each datagram gets its own fragments (the key is source,
 * destination and ID).
 */
static void
test_G34_interleaved(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats b = r->w->nat.stats;
	static struct frame d1, d2, f1[3], f2[3];
	struct pkt p1 = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 6000, Y1, 53),
			    3000, 0x7777);
	struct pkt p2 = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 6000, Y1, 53),
			    2990, 0x7777);
	uint32_t a;
	uint16_t port;

	frame_of(&p1, &d1);
	frame_of(&p2, &d2);
	assert_int_equal(cut(&d1, 1480, f1), 3);
	assert_int_equal(cut(&d2, 1480, f2), 3);
	send_frames(r, S_IN, &f1[2], NULL, 1);
	send_frames(r, S_IN, &f2[1], NULL, 1);
	send_frames(r, S_IN, &f1[0], NULL, 1);
	send_frames(r, S_IN, &f2[2], NULL, 1);
	expect_nothing();
	assert_int_equal(r->w->nat.stats.frag_held, 4);
	send_frames(r, S_IN, &f1[1], NULL, 1);
	expect_in2out_dgram(r, "H1's datagram", &p1, 9000, &a, &port);
	send_frames(r, S_IN, &f2[0], NULL, 1);
	expect_in2out_dgram(r, "H2's datagram", &p2, 9000, &a, &port);
	assert_no_drops(r, &b);
	rig_end(r);
}

/*
 * G33, F32 (DF clear): a translated datagram longer than the egress MTU
 * (outside 576, inside 1000 here) leaves in fragments, in order, each
 * within the MTU, that join into exactly the translated datagram. It
 * counts once in tx; frag_tx counts the fragments.
 */
static void
test_G33_F32_fragment_to_mtu(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats b = r->w->nat.stats;
	struct pkt p, q;
	uint32_t a;
	uint16_t port;

	/* One frame of 1428 bytes in, three fragments out (552+552+304). */
	p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53), 1400,
		0x0a0a);
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(expect_in2out_dgram(r, "udp to MTU 576", &p, 576, &a,
					     &port), 3);
	assert_int_equal(r->w->nat.stats.tx[S_OUT], b.tx[S_OUT] + 1);
	assert_int_equal(r->w->nat.stats.frag_tx, b.frag_tx + 3);
	assert_accounting(r);

	/* Fragments in (3,2,1, 976 bytes each), joined, cut again to 576:
	 * 3008 bytes of data make 6 fragments of at most 552.
	 */
	p = big(p, 3000, 0x0a0b);
	send_fragmented(r, S_IN, &p, 976, NULL, 0);
	assert_int_equal(expect_in2out_dgram(r, "reassembled, refragmented",
					     &p, 576, &a, &port), 6);

	/* Out2in: inside MTU 1000; 1400 + 8 + 20 bytes make 2 fragments. */
	q = big(udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port), 1400,
		0x0b0b);
	inject(r, S_OUT, &q);
	pump(r);
	assert_int_equal(expect_out2in_dgram("udp to MTU 1000", &q, 1000,
					     &MAC_H1, H1, 5000), 2);
	/* ... and from fragments that came out of order. */
	q = big(q, 5000, 0x0b0c);
	send_fragmented(r, S_OUT, &q, 1480, (const unsigned int[]){ 3, 2, 1,
				    0 }, 4);
	assert_int_equal(expect_out2in_dgram("out2in refragmented", &q, 1000,
					     &MAC_H1, H1, 5000), 6);

	/* TCP data too: the checksum of the whole segment survives. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40001, Y2, 80, TH_SYN, 5, 0);
	p = big(p, 1200, 0x0c0c);
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(expect_in2out_dgram(r, "tcp to MTU 576", &p, 576, &a,
					     &port), 3);
	/* ICMP echo. */
	p = big(icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
			 RTE_IP_ICMP_ECHO_REQUEST, 9, 1), 1000, 0x0d0d);
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(expect_in2out_dgram(r, "echo to MTU 576", &p, 576,
					     &a, &port), 2);
	/* Exactly the MTU: not cut. */
	p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53),
		576 - 28, 0x0e0e);
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(expect_in2out_dgram(r, "576 bytes", &p, 576, &a,
					     &port), 1);
	assert_no_drops(r, &b);
	rig_end(r);
}

/* The ICMP 3/4 the box sent about packet orig (an IP packet as its sender
 * sent it): from the box's address on `side`, to dst at edst, the MTU in
 * the second word, the quote orig's first bytes (at most 548).
 */
static void
check_frag_needed(const char *what, const struct frame *f,
		  const struct rte_ether_addr *edst, int side, uint32_t dst,
		  uint16_t mtu, const uint8_t *orig, uint16_t olen)
{
	uint16_t q = RTE_MIN(olen, (uint16_t)548);

	/* RFC 1191: 16 unused bits, then the next-hop MTU (the "sequence"
	 * word of the builder's ICMP header).
	 */
	struct pkt want = {
		.dst = *edst, .src = MAC_NAT[side],
		.saddr = side == S_IN ? NAT_IN : NAT_OUT, .daddr = dst,
		.proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4,
		.sport = 0, .dport = mtu, .payload = orig, .plen = q,
	};

	if (f->len < L4_OFF + 8 + 28)
		fail_msg("%s: too short (%u)", what, f->len);
	want.tos = f->b[15];
	want.ip_id = rd16(f->b + 18);
	want.ttl = f->b[22];
	assert_true(want.ttl > 1);
	assert_int_equal(rd16(f->b + 20) & 0x3fff, 0);
	want.frag = rd16(f->b + 20);
	expect_frame(what, f, &want);
}

/*
 * G33, F32 (DF set): too big for the egress MTU: dropped (df_too_big),
 * and the sender gets ICMP 3/4 with that MTU, from the box's address on
 * the side the packet came in by, quoting the packet exactly as the
 * sender sent it (untranslated: its own addresses, ports, TTL and
 * checksums) so that its stack finds the socket. In2out: to the inside
 * host from 100.64.0.1; out2in: to the remote from 198.51.100.2.
 */
static void
test_G33_F32_df_too_big(void **state)
{
	struct rig *r = rig_start(*state);
	static uint8_t orig[FRAME_MAX];
	struct cgn_stats b;
	struct pkt p, q;
	struct frame f;
	uint16_t olen;
	uint32_t a;
	uint16_t port;

	/* A flow first, so that the mapping exists. Source ports below the
	 * pool's range (1024-65535) cannot be kept: the quote must undo a
	 * port translation as well as the address.
	 */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 999, Y1, 53);
	inject(r, S_IN, &p);
	pump(r);
	expect_in2out_dgram(r, "small", &p, 576, &a, &port);
	assert_int_not_equal(port, 999);

	/* Ether()/IP(src=H1, dst=Y1, flags="DF")/UDP(999, 53)/Raw(1000) */
	p = big(p, 1000, 0x1d1d);
	p.frag = FR_DF;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	b = r->w->nat.stats;
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	check_frag_needed("3/4 to H1", &f, &MAC_H1, S_IN, H1, 576,
			  orig + ETH_LEN, olen);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 1);
	assert_int_equal(r->w->nat.stats.generated, b.generated + 1);
	assert_accounting(r);

	/* Out2in: 1200 bytes with DF to the inside MTU of 1000. */
	q = big(udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port), 1200,
		0x2d2d);
	q.frag = FR_DF;
	q.ttl = 50;
	olen = (uint16_t)(build(orig, &q) - ETH_LEN);
	b = r->w->nat.stats;
	inject(r, S_OUT, &q);
	pump(r);
	take_one(S_OUT, &f);
	check_frag_needed("3/4 to Y1", &f, &MAC_GW, S_OUT, Y1, 1000,
			  orig + ETH_LEN, olen);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 1);

	/* TCP with DF (path MTU discovery), after its handshake. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 900, Y2, 443, TH_SYN, 1, 0);
	p.frag = FR_DF;
	inject(r, S_IN, &p);
	pump(r);
	expect_in2out_dgram(r, "syn", &p, 576, &a, &port);
	assert_int_not_equal(port, 900);
	q = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 443, a, port,
		    TH_SYN | TH_ACK, 9, 2);
	q.frag = FR_DF;
	inject(r, S_OUT, &q);
	pump(r);
	expect_out2in_dgram("syn-ack", &q, 1000, &MAC_H2, H2, 900);
	p = big(tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 900, Y2, 443, TH_ACK,
			2, 10), 1400, 0x3d3d);
	p.frag = FR_DF;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	b = r->w->nat.stats;
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	check_frag_needed("3/4 tcp", &f, &MAC_H2, S_IN, H2, 576,
			  orig + ETH_LEN, olen);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 1);
	/* The outside TCP segment that fits goes through, DF kept. */
	q = big(q, 900, 0x3d3e);
	q.tcp_flags = TH_ACK;
	inject(r, S_OUT, &q);
	pump(r);
	assert_int_equal(expect_out2in_dgram("fits", &q, 1000, &MAC_H2, H2,
					     900), 1);

	/* ICMP echo with DF (ping -M do -s 1000). */
	p = big(icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
			 RTE_IP_ICMP_ECHO_REQUEST, 42, 7), 1000, 0x4d4d);
	p.frag = FR_DF;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	b = r->w->nat.stats;
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	check_frag_needed("3/4 echo", &f, &MAC_H1, S_IN, H1, 576,
			  orig + ETH_LEN, olen);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 1);
	rig_end(r);
}

/* G33: the 3/4s are rate limited like every ICMP error of the box (a burst
 * of 100); every too-big packet is dropped all the same. */
static void
test_G33_df_rate_limited(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats b;
	struct pkt p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53),
			   1000, 1);
	unsigned int i, n_icmp;

	p.frag = FR_DF;
	b = r->w->nat.stats;
	for (i = 0; i < 300; i++) {
		p.ip_id = (uint16_t)i;
		inject(r, S_IN, &p);
	}
	drain_rx(r, S_IN);
	n_icmp = take(S_IN, NULL, 0);
	assert_int_equal(take(S_OUT, NULL, 0), 0);
	assert_drop_only(r, &b, CGN_DROP_df_too_big, 300);
	if (n_icmp == 0 || n_icmp > 100)
		fail_msg("%u ICMP 3/4 for 300 packets, at once", n_icmp);
	/* A second later there are tokens again. */
	r->now += r->hz;
	inject(r, S_IN, &p);
	pump(r);
	assert_int_equal(take(S_IN, NULL, 0), 1);
	rig_end(r);
}

/*
 * G34: an orphan-fragment flood (3000 fragments whose datagrams never
 * complete, from two hosts) with fragments.max = 512: the table holds at
 * most 512, the rest is dropped as frag_table_full; other flows meanwhile
 * work as before; after fragments.timeout (2 s) all is freed as
 * frag_timeout and fragmented datagrams are reassembled again.
 */
static void
test_G34_orphan_flood(void **state)
{
	static const unsigned int o321[] = { 2, 1, 0 };
	struct rig *r = rig_start(*state);
	static struct frame d, f[3];
	struct cgn_stats b = r->w->nat.stats;
	struct pkt p, q;
	uint32_t a;
	uint16_t port;
	unsigned int i, n = 3000;
	uint64_t held, full;

	/* Last fragments (offset 1480, MF clear) of datagrams that never
	 * come: Ether()/IP(src=H1|H2, dst=Y1, id=i, frag=185)/Raw(64).
	 */
	for (i = 0; i < n; i++) {
		p = big(udp_pkt(&MAC_NAT[S_IN], i & 1 ? &MAC_H2 : &MAC_H1,
				i & 1 ? H2 : H1, 5000, Y1, 53), 1528, (uint16_t)i);
		frame_of(&p, &d);
		cut(&d, 1480, f);
		inject_raw(r, S_IN, f[1].b, f[1].len);
		if (i % 1000 == 999)
			drain_rx(r, S_IN);
	}
	drain_rx(r, S_IN);
	expect_nothing();
	held = r->w->nat.stats.frag_held;
	full = r->w->nat.stats.drop[CGN_DROP_frag_table_full] -
	       b.drop[CGN_DROP_frag_table_full];
	print_message("orphan flood: %" PRIu64 " held, %" PRIu64
		      " dropped as frag_table_full\n", held, full);
	assert_true(held <= 512);
	assert_true(held >= 400); /* the table was used, not refused */
	assert_int_equal(held + full, n);
	assert_accounting(r);

	/* Other traffic: a UDP flow both ways, a TCP handshake. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5001, Y2, 53);
	inject(r, S_IN, &p);
	pump(r);
	expect_in2out_dgram(r, "udp during the flood", &p, 9000, &a, &port);
	q = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 53, a, port);
	inject(r, S_OUT, &q);
	pump(r);
	expect_out2in_dgram("reply during the flood", &q, 9000, &MAC_H1, H1,
			    5001);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 40000, Y2, 80, TH_SYN, 1, 0);
	inject(r, S_IN, &p);
	pump(r);
	expect_in2out_dgram(r, "syn during the flood", &p, 9000, &a, &port);

	/* Not yet timed out at 1.9 s... */
	r->now += r->hz * 19 / 10;
	pump(r);
	assert_int_equal(r->w->nat.stats.frag_held, held);
	/* ... freed after 2 s, as frag_timeout. */
	r->now += r->hz * 2 / 10;
	pump(r);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	assert_int_equal(r->w->nat.stats.drop[CGN_DROP_frag_timeout] -
			 b.drop[CGN_DROP_frag_timeout], held);
	assert_accounting(r);

	/* Reassembly works again: 3,2,1. */
	p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5002, Y1, 53), 3000,
		0x9999);
	send_fragmented(r, S_IN, &p, 1480, o321, 3);
	expect_in2out_dgram(r, "after the flood", &p, 9000, &a, &port);
	rig_end(r);
}

/*
 * G34: a flood with the default fragments.max (4096) is bounded by the
 * mbuf pool's share too: the held fragments never take more than a quarter
 * of the pool, so RX always finds mbufs; traffic goes on.
 */
static void
test_G34_flood_mbuf_share(void **state)
{
	struct rig *r = rig_start(*state);
	static struct frame d, f[3];
	struct pkt p;
	uint32_t a;
	uint16_t port;
	unsigned int i, n = 6000;

	for (i = 0; i < n; i++) {
		p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000,
				IP(198, 19, 0, (i % 200) + 1), 53), 1528,
			(uint16_t)i);
		frame_of(&p, &d);
		cut(&d, 1480, f);
		inject_raw(r, S_IN, f[1].b, f[1].len);
		if (i % 1000 == 999)
			drain_rx(r, S_IN);
	}
	drain_rx(r, S_IN);
	print_message("flood of %u: %" PRIu64 " held; pool %u, %u in use\n", n,
		      r->w->nat.stats.frag_held, r->ctx->mp->size,
		      rte_mempool_in_use_count(r->ctx->mp));
	assert_true(r->w->nat.stats.frag_held <= r->cfg.fragments.max);
	assert_true(r->w->nat.stats.frag_held <= r->ctx->mp->size / 4);
	assert_true(rte_mempool_avail_count(r->ctx->mp) >= r->ctx->mp->size / 2);
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 7000, Y1, 53);
	inject(r, S_IN, &p);
	pump(r);
	expect_in2out_dgram(r, "udp during the flood", &p, 1500, &a, &port);
	assert_accounting(r);
	rig_end(r);
}

/*
 * G34: the timeout runs from the first fragment, on the worker's clock:
 * a datagram completed 1 s later is delivered; one whose last fragment
 * comes 2.1 s after its first is not (its fragments dropped as
 * frag_timeout, the late one then held alone until it times out too).
 */
static void
test_G34_timeout(void **state)
{
	struct rig *r = rig_start(*state);
	static struct frame d, f[3];
	struct cgn_stats b = r->w->nat.stats;
	struct pkt p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53),
			   3000, 0x1234);
	uint32_t a;
	uint16_t port;

	frame_of(&p, &d);
	assert_int_equal(cut(&d, 1480, f), 3);
	send_frames(r, S_IN, &f[2], NULL, 1);
	send_frames(r, S_IN, &f[0], NULL, 1);
	r->now += r->hz;
	pump(r);
	assert_int_equal(r->w->nat.stats.frag_held, 2);
	send_frames(r, S_IN, &f[1], NULL, 1);
	expect_in2out_dgram(r, "within the timeout", &p, 1500, &a, &port);
	assert_no_drops(r, &b);

	/* Too late. */
	send_frames(r, S_IN, &f[2], NULL, 1);
	send_frames(r, S_IN, &f[0], NULL, 1);
	r->now += r->hz * 21 / 10;
	send_frames(r, S_IN, &f[1], NULL, 1);
	expect_nothing();
	assert_drop_only(r, &b, CGN_DROP_frag_timeout, 2);
	assert_int_equal(r->w->nat.stats.frag_held, 1);
	assert_accounting(r);
	r->now += r->hz * 21 / 10;
	pump(r);
	assert_drop_only(r, &b, CGN_DROP_frag_timeout, 3);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	rig_end(r);
}

/*
 * G34: fragments that cannot make a datagram are dropped and counted,
 * every one of them, and freed: overlapping, a repeated first fragment,
 * more than 8 fragments (lib/ip_frag's limit), data past 65535 bytes
 * ("ping of death"), a non-last fragment not a multiple of 8, an empty
 * one.
 */
static void
test_G34_invalid_fragments(void **state)
{
	struct rig *r = rig_start(*state);
	static struct frame d, f[FR_MAX], x;
	struct cgn_stats b;
	struct pkt p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53),
			   3000, 0x4242);
	uint8_t *ip;
	unsigned int n;

	frame_of(&p, &d);
	/* Overlap: the middle fragment starts 8 bytes early. */
	n = cut(&d, 1480, f);
	assert_int_equal(n, 3);
	x = f[1];
	ip = x.b + IP_OFF;
	wr16(ip + 6, (uint16_t)(FR_MF | (1480 / 8 - 1)));
	wr16(ip + 10, ip_cksum(ip));
	b = r->w->nat.stats;
	send_frames(r, S_IN, &f[0], NULL, 1);
	send_frames(r, S_IN, &x, NULL, 1);
	send_frames(r, S_IN, &f[2], NULL, 1);
	expect_nothing();
	assert_drop_only(r, &b, CGN_DROP_frag_invalid, 3);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	assert_accounting(r);

	/* The first fragment twice. */
	b = r->w->nat.stats;
	send_frames(r, S_IN, &f[0], NULL, 1);
	send_frames(r, S_IN, &f[0], NULL, 1);
	expect_nothing();
	assert_drop_only(r, &b, CGN_DROP_frag_invalid, 2);
	/* ... the rest of it then is an orphan, held until the timeout. */
	send_frames(r, S_IN, &f[1], NULL, 1);
	send_frames(r, S_IN, &f[2], NULL, 1);
	expect_nothing();
	assert_int_equal(r->w->nat.stats.frag_held, 2);
	r->now += 3 * r->hz;
	pump(r);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	assert_accounting(r);

	/* 9 fragments of 336 bytes: the 8th cannot be kept. */
	p.ip_id = 0x4343;
	frame_of(&p, &d);
	n = cut(&d, 336, f);
	assert_int_equal(n, 9);
	b = r->w->nat.stats;
	send_frames(r, S_IN, f, NULL, 8);
	expect_nothing();
	assert_drop_only(r, &b, CGN_DROP_frag_invalid, 8);
	assert_int_equal(r->w->nat.stats.frag_held, 0);
	assert_accounting(r);
	send_frames(r, S_IN, &f[8], NULL, 1); /* an orphan now */
	assert_int_equal(r->w->nat.stats.frag_held, 1);

	/* Past 65535: offset 65512 + 100 bytes. */
	b = r->w->nat.stats;
	x = f[1];
	ip = x.b + IP_OFF;
	wr16(ip + 2, 20 + 104);
	wr16(ip + 6, 65512 / 8);
	wr16(ip + 10, ip_cksum(ip));
	x.len = ETH_LEN + 20 + 104;
	send_frames(r, S_IN, &x, NULL, 1);
	/* MF set, 100 bytes: not a multiple of 8. */
	wr16(ip + 2, 20 + 100);
	wr16(ip + 6, FR_MF | 8);
	wr16(ip + 10, ip_cksum(ip));
	x.len = ETH_LEN + 20 + 100;
	send_frames(r, S_IN, &x, NULL, 1);
	/* No data at all. */
	wr16(ip + 2, 20);
	wr16(ip + 6, 8);
	wr16(ip + 10, ip_cksum(ip));
	x.len = ETH_LEN + 20;
	send_frames(r, S_IN, &x, NULL, 1);
	expect_nothing();
	assert_drop_only(r, &b, CGN_DROP_ip_fragment, 3);
	assert_accounting(r);
	rig_end(r);
}

/*
 * The datagram, once whole, meets every check a packet meets. A first
 * fragment with only 8 bytes of TCP header (RFC 1858 tiny fragment): the
 * TCP header is then not in one piece, and the datagram is dropped as
 * l4_malformed, never translated on a half header. A reassembled UDP
 * datagram with TTL 1 gets ICMP time exceeded quoting it (548 bytes read
 * across its segments: the first fragment has 256).
 */
static void
test_G34_checks_on_the_datagram(void **state)
{
	struct rig *r = rig_start(*state);
	static struct frame d, f[FR_MAX];
	static uint8_t orig[FRAME_MAX];
	struct cgn_stats b;
	struct frame out;
	struct pkt p;
	unsigned int n;
	uint16_t olen;

	p = big(tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1,
			0), 20, 0x5151);
	frame_of(&p, &d);
	n = cut(&d, 8, f);
	b = r->w->nat.stats;
	send_frames(r, S_IN, f, NULL, n);
	expect_nothing();
	assert_drop_only(r, &b, CGN_DROP_l4_malformed, 1);
	assert_int_equal(r->w->nat.stats.consumed, b.consumed + n - 1);
	assert_int_equal(r->w->nat.ct->used, 0);
	assert_accounting(r);

	p = big(udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53), 1000,
		0x5252);
	p.ttl = 1;
	olen = (uint16_t)(build(orig, &p) - ETH_LEN);
	frame_of(&p, &d);
	n = cut(&d, 256, f);
	assert_int_equal(n, 4);
	b = r->w->nat.stats;
	send_frames(r, S_IN, f, (const unsigned int[]){ 1, 3, 2, 0 }, n);
	take_one(S_IN, &out);
	check_icmp_error("time exceeded, reassembled", &out, &MAC_H1, S_IN, H1,
			 11, 0, orig + ETH_LEN, 548);
	(void)olen;
	assert_drop_only(r, &b, CGN_DROP_ttl_exceeded, 1);
	rig_end(r);
}

/* ------------------------------------------------------------------ */

#define T(fn) cmocka_unit_test_setup_teardown(fn, rig_setup, rig_teardown)
#define TO(fn, o) cmocka_unit_test_prestate_setup_teardown(fn, rig_setup, \
	rig_teardown, (void *)(o))

static const struct CMUnitTest all_tests[] = {
	TO(test_G34_udp_in2out_in_order, &opts_big),
	TO(test_G34_out_of_order, &opts_big),
	TO(test_G34_interleaved, &opts_big),
	TO(test_G33_F32_fragment_to_mtu, &opts_small),
	TO(test_G33_F32_df_too_big, &opts_small),
	TO(test_G33_df_rate_limited, &opts_small),
	TO(test_G34_orphan_flood, &opts_flood),
	T(test_G34_flood_mbuf_share),
	T(test_G34_timeout),
	T(test_G34_invalid_fragments),
	T(test_G34_checks_on_the_datagram),
};

/*
 *   test_frag [PATTERN...]
 * runs the tests whose name matches one of the fnmatch(3) patterns (all
 * without one).
 */
int
main(int argc, char **argv)
{
	static struct CMUnitTest run[RTE_DIM(all_tests)];
	unsigned int n;
	int k;

	frames_vprint = vprint_error; /* checks report through cmocka */
	n = rig_select(argc, argv, all_tests, RTE_DIM(all_tests), run);
	if (n == 0)
		return 1;
	if (rig_main(argv[0], &(struct rig_proc){ .tag = "fr" }) != 0)
		return 1;
	big_init();
	k = _cmocka_run_group_tests("frag", run, n, NULL, NULL);
	return rig_main_end(k);
}
