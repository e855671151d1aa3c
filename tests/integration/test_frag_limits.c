/* SPDX-License-Identifier: BSD-3-Clause
 * test_frag: floods, timeouts, invalid fragments, checks on the
 * reassembled datagram (G34).
 * The helpers and main() are test_frag.c's; the rig is rig.h's.
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
				i & 1 ? H2 : H1, 5000, Y1, 53), 1528,
			(uint16_t)i);
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
	assert_true(rte_mempool_avail_count(r->ctx->mp) >=
		    r->ctx->mp->size / 2);
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

/* test_G34_invalid_fragments(): fragments with impossible headers, made
 * from fragment frag; each dropped as a bad fragment. */
static void
invalid_headers(struct rig *r, const struct frame *frag)
{
	static struct frame x;
	struct cgn_stats b;
	uint8_t *ip;

	/* Past 65535: offset 65512 + 100 bytes. */
	b = r->w->nat.stats;
	x = *frag;
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

	invalid_headers(r, &f[1]);
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

const struct CMUnitTest fr_limits[] = {
	TO(test_G34_orphan_flood, &opts_flood),
	T(test_G34_flood_mbuf_share),
	T(test_G34_timeout),
	T(test_G34_invalid_fragments),
	T(test_G34_checks_on_the_datagram),
};
const unsigned int fr_limits_n = RTE_DIM(fr_limits);
