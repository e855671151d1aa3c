/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: translation, field by field.
 * The flow helpers and main() are test_worker.c's; the rig is rig.h's.
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
#include "nat_neigh.h"
#include "cgn_port.h"
#include "nat_stats.h"
#include "cgn_show.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "ct_tcp.h"
#include "nat_pool.h"
#include "frames.h"
#include "rig_assert.h"
#include "test_worker.h"

/* UDP in2out, then the reply out2in (L47 with checksums present). */
static void
test_udp_in2out_out2in(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	struct pkt q;
	uint32_t oa;
	uint16_t op;
	uint64_t tx0 = rig_stats(r)->tx[S_OUT];

	in2out(r, &p, &oa, &op);
	assert_int_equal(rig_stats(r)->tx[S_OUT], tx0 + 1);
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	assert_int_equal(rig_stats(r)->mappings_created, 1);

	/* Ether()/IP(src="198.19.0.10", dst=P)/UDP(sport=53, dport=p) */
	q = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, oa, op);
	q.ttl = 57;
	out2in(r, &q, &MAC_H1, H1, 5000);
	/* A second packet takes the established fast path. */
	p.ip_id = 0x1235;
	{
		uint32_t oa2;
		uint16_t op2;

		in2out(r, &p, &oa2, &op2);
		assert_int_equal(oa2, oa);
		assert_int_equal(op2, op);
	}
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	rig_end(r);
}

/* L47: a UDP checksum of 0 stays 0 in both directions. */
static void
test_L47_udp_zero_cksum(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5001, Y1, 53);
	struct pkt q;
	struct frame f;
	uint32_t oa;
	uint16_t op;

	p.udp_nocsum = true;
	in2out(r, &p, &oa, &op);
	/* in2out() compared the checksum field with 0 already; be explicit */
	q = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, oa, op);
	q.udp_nocsum = true;
	inject(r, S_OUT, &q);
	pump(r);
	take_one(S_IN, &f);
	assert_int_equal(rd16(f.b + 40), 0);
	q.dst = MAC_H1;
	q.src = MAC_NAT[S_IN];
	q.daddr = H1;
	q.dport = 5001;
	q.ttl = 63;
	expect_frame("udp cksum 0 out2in", &f, &q);
	rig_end(r);
}

/* TCP: SYN, SYN-ACK, ACK, data both ways, FIN both ways (D20, D23). */
static void
test_D20_tcp_lifecycle(void **state)
{
	struct rig *r = rig_start(*state);
	static const uint8_t req[] = "GET / HTTP/1.0\r\n\r\n";
	static const uint8_t rsp[] = "HTTP/1.0 200 OK\r\n\r\nhello";
	struct pkt p;
	struct ct_session *s;
	uint32_t oa, oa2;
	uint16_t op, op2;

	/* Ether()/IP(src=H1, dst=Y1)/TCP(sport=40000, dport=80, flags="S") */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN,
		    1000, 0);
	in2out(r, &p, &oa, &op);
	s = find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80);
	assert_non_null(s);
	assert_false(ct_tcp_established(s->state));
	assert_string_equal(ct_tcp_state_name(s->state), "syn");

	/* SYN-ACK */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, oa, op,
		    TH_SYN | TH_ACK, 5000, 1001);
	out2in(r, &p, &MAC_H1, H1, 40000);
	assert_false(ct_tcp_established(s->state));

	/* ACK */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK,
		    1001, 5001);
	in2out(r, &p, &oa2, &op2);
	assert_int_equal(oa2, oa);
	assert_int_equal(op2, op);
	assert_true(ct_tcp_established(s->state));
	assert_string_equal(ct_tcp_state_name(s->state), "established");
	assert_int_equal(ct_session_timeout_class(s), CT_TO_TCP_EST);

	/* Data both ways. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80,
		    TH_PSH | TH_ACK, 1001, 5001);
	p.payload = req;
	p.plen = sizeof(req) - 1;
	in2out(r, &p, &oa2, &op2);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, oa, op,
		    TH_PSH | TH_ACK, 5001, 1001 + sizeof(req) - 1);
	p.payload = rsp;
	p.plen = sizeof(rsp) - 1;
	out2in(r, &p, &MAC_H1, H1, 40000);

	/* FIN from the subscriber, then from the server. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80,
		    TH_FIN | TH_ACK, 1001 + sizeof(req) - 1,
		    5001 + sizeof(rsp) - 1);
	in2out(r, &p, &oa2, &op2);
	assert_string_equal(ct_tcp_state_name(s->state), "fin-wait");
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, oa, op,
		    TH_FIN | TH_ACK, 5001 + sizeof(rsp) - 1,
		    1002 + sizeof(req) - 1);
	out2in(r, &p, &MAC_H1, H1, 40000);
	assert_false(ct_tcp_established(s->state));
	assert_string_equal(ct_tcp_state_name(s->state), "closing");
	assert_int_equal(ct_session_timeout_class(s), CT_TO_TCP_CLOSE);
	/* Last ACK, a little later: it refreshes the session (outbound). */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK,
		    1002 + sizeof(req) - 1, 5002 + sizeof(rsp) - 1);
	r->now += r->hz;
	in2out(r, &p, &oa2, &op2);
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	assert_int_equal(s->last_seen, ct_clock(table_of(r, s), r->now));
	assert_string_equal(ct_tcp_state_name(s->state), "closing");
	rig_end(r);
}

/* A new outbound TCP flow must start with a SYN. */
static void
test_tcp_not_syn(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40001, Y1, 80,
			       TH_ACK, 1, 1);

	expect_drop(r, S_IN, &p, CGN_DROP_tcp_not_syn);
	p.tcp_flags = TH_SYN | TH_ACK;
	expect_drop(r, S_IN, &p, CGN_DROP_tcp_not_syn);
	p.tcp_flags = TH_RST;
	expect_drop(r, S_IN, &p, CGN_DROP_tcp_not_syn);
	assert_int_equal(rig_ct_used(r), 0);
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), 1); /* the static one only */
	rig_end(r);
}

/* F26: ICMP echo with the identifier translated, both ways. */
static void
test_F26_icmp_echo(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
				RTE_IP_ICMP_ECHO_REQUEST, 7, 1);
	struct pkt q;
	uint32_t oa;
	uint16_t oid;

	/* Ether()/IP(src=H1, dst=Y1)/ICMP(type=8, id=7, seq=1)/Raw() */
	in2out(r, &p, &oa, &oid);
	q = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, oa,
		     RTE_IP_ICMP_ECHO_REPLY, oid, 1);
	out2in(r, &q, &MAC_H1, H1, 7);
	/* seq 2 on the same session */
	p.dport = 2;
	{
		uint32_t oa2;
		uint16_t oid2;

		in2out(r, &p, &oa2, &oid2);
		assert_int_equal(oa2, oa);
		assert_int_equal(oid2, oid);
	}
	q.dport = 2;
	out2in(r, &q, &MAC_H1, H1, 7);
	/* An unsolicited echo reply to an unmapped id is not admitted. */
	q.sport = (uint16_t)(oid ^ 0x8000);
	expect_drop(r, S_OUT, &q, CGN_DROP_out_no_mapping);
	rig_end(r);
}

/* L46/L47: random packets, every output checked against a full
 * recompute of the IP and L4 checksums (and every other field). */
static void
test_L46_L47_cksum_random(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr *const mac[2] = { &MAC_H1, &MAC_H2 };
	static const uint32_t host[2] = { H1, H2 };
	unsigned int i, seed = 4242;
	uint8_t pl[256];

	srand(seed);
	for (i = 0; i < 1500; i++) {
		unsigned int h = (unsigned int)rand() & 1, k;
		uint32_t rem, a;
		uint16_t sp = (uint16_t)(1 + rand() % 65535);
		uint16_t dp = (uint16_t)(1 + rand() % 65535);
		uint16_t op;
		struct pkt p, q;

		/* remote: 1.0.0.0 - 99.255.255.255, never 0 in the last byte */
		rem = IP(1 + rand() % 99, rand() % 256, rand() % 256,
			 1 + rand() % 254);
		for (k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)rand();
		switch (i % 3) {
		case 0:
			p = udp_pkt(&MAC_NAT[S_IN], mac[h], host[h], sp, rem,
				    dp);
			p.udp_nocsum = rand() % 8 == 0;
			break;
		case 1:
			p = tcp_pkt(&MAC_NAT[S_IN], mac[h], host[h], sp, rem,
				    dp, TH_SYN, (uint32_t)rand(), 0);
			break;
		default:
			p = icmp_pkt(&MAC_NAT[S_IN], mac[h], host[h], rem,
				     RTE_IP_ICMP_ECHO_REQUEST, sp, dp);
			break;
		}
		p.payload = pl;
		p.plen = (uint16_t)(rand() % 200);
		p.ttl = (uint8_t)(2 + rand() % 254);
		p.tos = (uint8_t)rand();
		p.ip_id = (uint16_t)rand();
		p.frag = rand() & 1 ? RTE_IPV4_HDR_DF_FLAG : 0;
		in2out(r, &p, &a, &op);

		q = p;
		q.dst = MAC_NAT[S_OUT];
		q.src = MAC_GW;
		q.saddr = rem;
		q.daddr = a;
		q.ttl = (uint8_t)(2 + rand() % 254);
		q.ip_id = (uint16_t)rand();
		for (k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)rand();
		if (p.proto == IPPROTO_ICMP) {
			q.icmp_type = RTE_IP_ICMP_ECHO_REPLY;
			q.sport = op;
		} else {
			q.sport = dp;
			q.dport = op;
			if (p.proto == IPPROTO_TCP) {
				q.tcp_flags = TH_SYN | TH_ACK;
				q.ack = p.seq + 1;
				q.seq = (uint32_t)rand();
			} else {
				q.udp_nocsum = rand() % 8 == 0;
			}
		}
		out2in(r, &q, mac[h], host[h], sp);
	}
	rig_end(r);
}

/* Make the payload's first word such that p's L4 checksum computes to 0
 * (one's-complement sum 0xffff). */
static void
craft_zero_sum(struct pkt *p, uint8_t *pl)
{
	uint8_t b[FRAME_MAX];
	unsigned int l4;
	struct pkt t = *p;
	uint16_t c;

	pl[0] = pl[1] = 0;
	t.udp_nocsum = false;
	build(b, &t);
	l4 = ETH_LEN + 20u + t.ip_olen;
	c = rd16(b + l4 + (p->proto == IPPROTO_TCP ? 16 : 6));
	wr16(pl, c);
}

/* L47: a translated UDP checksum that computes to 0 is sent as 0xffff;
 * a TCP one is 0x0000 like a full recompute gives. */
static void
test_L47_udp_computed_zero(void **state)
{
	struct rig *r = rig_start(*state);
	uint8_t pl[64];
	struct pkt p, want;
	struct frame f;
	uint32_t a;
	uint16_t port;
	int proto;

	for (proto = 0; proto < 2; proto++) {
		uint16_t sp = (uint16_t)(5000 + proto);
		uint8_t f_ck = proto == 0 ? 40 : 50; /* checksum offset */

		memset(pl, 0x5a, sizeof(pl));
		if (proto == 0)
			p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, sp, Y1, 53);
		else
			p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, sp, Y1, 80,
				    TH_SYN, 1, 0);
		p.payload = pl;
		p.plen = 20;
		in2out(r, &p, &a, &port);

		/* in2out: the packet as it must leave sums to zero */
		if (proto == 1)
			p.tcp_flags = TH_ACK;
		want = p;
		want.dst = MAC_GW;
		want.src = MAC_NAT[S_OUT];
		want.saddr = a;
		want.sport = port;
		want.ttl = 63;
		craft_zero_sum(&want, pl);
		inject(r, S_IN, &p);
		pump(r);
		take_one(S_OUT, &f);
		assert_int_equal(rd16(f.b + f_ck), proto == 0 ? 0xffff : 0);
		expect_frame("in2out, checksum computes to 0", &f, &want);

		/* out2in: the reply as it must arrive sums to zero */
		memset(pl, 0xa5, sizeof(pl));
		if (proto == 0)
			p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
		else
			p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
				    TH_SYN | TH_ACK, 7, 2);
		p.payload = pl;
		p.plen = 20;
		want = p;
		want.dst = MAC_H1;
		want.src = MAC_NAT[S_IN];
		want.daddr = H1;
		want.dport = sp;
		want.ttl = 63;
		craft_zero_sum(&want, pl);
		inject(r, S_OUT, &p);
		pump(r);
		take_one(S_IN, &f);
		assert_int_equal(rd16(f.b + f_ck), proto == 0 ? 0xffff : 0);
		expect_frame("out2in, checksum computes to 0", &f, &want);
	}
	rig_end(r);
}

/* IP options (IHL 6, router alert) and TCP options pass untouched; the
 * ports are found after the options. */
static void
test_ip_and_tcp_options(void **state)
{
	struct rig *r = rig_start(*state);
	/* IP(options=[IPOption_Router_Alert()]) */
	static const uint8_t ra[4] = { 0x94, 0x04, 0x00, 0x00 };
	/* TCP(options=[("MSS",1460),("SAckOK",b""),("Timestamp",(1,0)),
	 *   ("NOP",None),("WScale",7)]) */
	static const uint8_t topt[20] = {
		0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x03, 0x03, 0x07 };
	/* TCP(options=[("MSS",1400),("SAckOK",b""),("NOP",None),
	 *   ("WScale",7),("NOP",None),("NOP",None)]) */
	static const uint8_t topt2[12] = {
		0x02, 0x04, 0x05, 0x78, 0x04, 0x02, 0x01, 0x03,
		0x03, 0x07, 0x01, 0x01 };
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	p.ip_opts = ra;
	p.ip_olen = 4;
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	p.ip_opts = ra;
	p.ip_olen = 4;
	out2in(r, &p, &MAC_H1, H1, 5000);

	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 9, 0);
	p.tcp_opts = topt;
	p.tcp_olen = sizeof(topt);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_SYN | TH_ACK, 100, 10);
	p.tcp_opts = topt2;
	p.tcp_olen = sizeof(topt2);
	p.ip_opts = ra;
	p.ip_olen = 4;
	out2in(r, &p, &MAC_H1, H1, 40000);
	rig_end(r);
}

/* Frames padded to the 60-byte Ethernet minimum (with garbage in the
 * padding): the padding is not part of the IP packet nor its checksums. */
static void
test_ethernet_padding(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p, want;
	struct frame f;
	uint8_t b[FRAME_MAX];
	uint16_t len;
	uint32_t a;
	uint16_t port;

	/* Ether()/IP()/TCP(flags="S") is 54 bytes: padded to 60. */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	len = build(b, &p);
	assert_int_equal(len, 54);
	memset(b + len, 0xaa, 6);
	inject_raw(r, S_IN, b, 60);
	pump(r);
	take_one(S_OUT, &f);
	a = f_src(&f);
	port = f_sport(&f);
	assert_true(f.len == 54 || f.len == 60);
	f.len = 54;
	want = p;
	want.dst = MAC_GW;
	want.src = MAC_NAT[S_OUT];
	want.saddr = a;
	want.sport = port;
	want.ttl = 63;
	expect_frame("padded SYN in2out", &f, &want);

	/* padded SYN-ACK back */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_SYN | TH_ACK, 50, 2);
	len = build(b, &p);
	memset(b + len, 0x55, 6);
	inject_raw(r, S_OUT, b, 60);
	pump(r);
	take_one(S_IN, &f);
	assert_true(f.len == 54 || f.len == 60);
	f.len = 54;
	want = p;
	want.dst = MAC_H1;
	want.src = MAC_NAT[S_IN];
	want.daddr = H1;
	want.dport = 40000;
	want.ttl = 63;
	expect_frame("padded SYN-ACK out2in", &f, &want);

	/* An echo request to the box with no data: 42 bytes padded. */
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, NAT_IN,
		     RTE_IP_ICMP_ECHO_REQUEST, 5, 6);
	p.plen = 0;
	len = build(b, &p);
	memset(b + len, 0xee, 60 - len);
	inject_raw(r, S_IN, b, 60);
	pump(r);
	take_one(S_IN, &f);
	assert_true(f.len == 42 || f.len == 60);
	f.len = 42;
	want = icmp_pkt(&MAC_H1, &MAC_NAT[S_IN], NAT_IN, H1,
			RTE_IP_ICMP_ECHO_REPLY, 5, 6);
	want.plen = 0;
	want.ttl = f.b[22];
	want.ip_id = rd16(f.b + 18);
	expect_frame("echo reply to a padded request", &f, &want);
	rig_end(r);
}

/* D22: a RST is translated; the session is kept for tcp_transitory. */
static void
test_D22_rst(void **state)
{
	struct rig *r = rig_start(*state);
	struct ct_session *s;
	struct pkt p;
	uint32_t a;
	uint16_t port;
	uint64_t t0;

	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_SYN | TH_ACK, 100, 2);
	out2in(r, &p, &MAC_H1, H1, 40000);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK, 2,
		    101);
	in2out(r, &p, &a, &port);
	t0 = r->now;
	s = find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80);
	assert_non_null(s);
	assert_true(ct_tcp_established(s->state));

	/* Ether()/IP(src=Y1, dst=P)/TCP(sport=80, dport=p, flags="RA") */
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_RST | TH_ACK, 101, 2);
	out2in(r, &p, &MAC_H1, H1, 40000);
	assert_string_equal(ct_tcp_state_name(s->state), "reset");
	assert_int_equal(ct_session_timeout_class(s), CT_TO_TCP_CLOSE);
	/* C18-like: still there, still translating */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK, 2,
		    101);
	in2out(r, &p, &a, &port);
	t0 = r->now;
	assert_int_equal(rig_age(r, t0 + 240 * r->hz, r->w->nat.ct->capacity),
			 0);
	assert_int_equal(rig_age(r, t0 + 241 * r->hz, r->w->nat.ct->capacity),
			 1);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	rig_end(r);
}

const struct CMUnitTest tw_translate[] = {
	T(test_udp_in2out_out2in),
	T(test_L47_udp_zero_cksum),
	T(test_L47_udp_computed_zero),
	T(test_L46_L47_cksum_random),
	T(test_D20_tcp_lifecycle),
	T(test_D22_rst),
	T(test_tcp_not_syn),
	T(test_F26_icmp_echo),
	T(test_ip_and_tcp_options),
	T(test_ethernet_padding),
};
const unsigned int tw_translate_n = RTE_DIM(tw_translate);
