/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: anti-spoofing, hostile input, leaks.
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

/* I40, I41: anti-spoofing. */
static void
test_I40_I41_antispoofing(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	/* I40: from 100.64.x on the outside, even to a live mapping */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(100, 64, 7, 7), 53, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_src_shared);
	p.saddr = IP(100, 127, 255, 254);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_src_shared);
	/* I41: inside source not in a subscriber prefix */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, IP(10, 0, 0, 1), 5000, Y1, 53);
	expect_drop(r, S_IN, &p, CGN_DROP_in_src_not_subscriber);
	p.saddr = IP(198, 19, 0, 99);
	expect_drop(r, S_IN, &p, CGN_DROP_in_src_not_subscriber);
	/* I40: inside to shared space never leaves */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, IP(100, 64, 9, 9), 53);
	expect_drop(r, S_IN, &p, CGN_DROP_in_dst_shared);
	p.daddr = H2;
	expect_drop(r, S_IN, &p, CGN_DROP_in_dst_shared);
	/* RFC 1812 bad sources */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(127, 0, 0, 1), 53, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_ip_bad_src);
	p.saddr = IP(224, 0, 0, 5);
	expect_drop(r, S_OUT, &p, CGN_DROP_ip_bad_src);
	p.saddr = 0;
	expect_drop(r, S_OUT, &p, CGN_DROP_ip_bad_src);
	assert_int_equal(rig_stats(r)->sessions_created, 1);
	rig_end(r);
}

/* test_hostile_inputs(), Ethernet and IP: frame b (len bytes) spoiled. */
static void
hostile_ip(struct rig *r, const uint8_t *b, uint16_t len)
{
	uint8_t v[FRAME_MAX];

	/* Frame shorter than an Ethernet header. */
	expect_drop_raw(r, S_IN, b, 10, CGN_DROP_eth_short);
	expect_drop_raw(r, S_IN, b, 0, CGN_DROP_eth_short);
	/* Truncated IP header (only 10 of 20 bytes). */
	expect_drop_raw(r, S_IN, b, ETH_LEN + 10, CGN_DROP_ip_malformed);
	/* IHL < 5 (checksum fixed so only the IHL is wrong). */
	memcpy(v, b, len);
	v[IP_OFF] = 0x44;
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_malformed);
	/* Version 6 in an IPv4 EtherType. */
	memcpy(v, b, len);
	v[IP_OFF] = 0x65;
	wr16(v + 24, ip_cksum(v + IP_OFF));
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_malformed);
	/* IHL larger than the frame. */
	memcpy(v, b, len);
	v[IP_OFF] = 0x4f;
	expect_drop_raw(r, S_IN, v, ETH_LEN + 40, CGN_DROP_ip_malformed);
	/* total_length larger than the frame. */
	memcpy(v, b, len);
	wr16(v + 16, (uint16_t)(len - ETH_LEN + 1));
	wr16(v + 24, ip_cksum(v + IP_OFF));
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_malformed);
	/* total_length smaller than the header. */
	memcpy(v, b, len);
	wr16(v + 16, 19);
	wr16(v + 24, ip_cksum(v + IP_OFF));
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_malformed);
	/* Bad IP checksum. */
	memcpy(v, b, len);
	v[24] ^= 0x01;
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_ip_bad_cksum);
}

/* test_hostile_inputs(), fragments: p (a UDP packet) with MF, an offset,
 * DF; p.frag is 0 again on return. */
static void
hostile_frag(struct rig *r, struct pkt *p)
{
	/* Fragments: MF set; offset non-zero. */
	p->frag = RTE_IPV4_HDR_MF_FLAG;
	expect_drop(r, S_IN, p, CGN_DROP_ip_fragment);
	p->frag = 185; /* a last fragment: held for reassembly (G34) */
	inject(r, S_IN, p);
	pump(r);
	expect_nothing();
	assert_int_equal(rig_stats(r)->frag_held, 1);
	p->frag = RTE_IPV4_HDR_DF_FLAG; /* DF alone is not a fragment */
	{
		uint32_t a;
		uint16_t port;

		in2out(r, p, &a, &port);
	}
	p->frag = 0;
}

/* test_hostile_inputs(), UDP, TCP and ICMP headers: from frame b (len
 * bytes, UDP) and TCP and ICMP packets of H1 built here. */
static void
hostile_l4(struct rig *r, const uint8_t *b, uint16_t len)
{
	uint8_t v[FRAME_MAX];

	/* Truncated UDP header: IP says 20 + 4. */
	memcpy(v, b, len);
	wr16(v + 16, 24);
	wr16(v + 24, ip_cksum(v + IP_OFF));
	expect_drop_raw(r, S_IN, v, ETH_LEN + 24, CGN_DROP_l4_malformed);
	/* UDP length larger than the IP payload. */
	memcpy(v, b, len);
	wr16(v + 38, (uint16_t)(len - L4_OFF + 2));
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_l4_malformed);
	/* UDP length smaller than its header. */
	memcpy(v, b, len);
	wr16(v + 38, 7);
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_l4_malformed);
	/* Truncated TCP header: IP says 20 + 12. */
	{
		struct pkt t = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1,
				       80, TH_SYN, 1, 0);
		uint16_t tl = build(v, &t);

		wr16(v + 16, 32);
		wr16(v + 24, ip_cksum(v + IP_OFF));
		expect_drop_raw(r, S_IN, v, ETH_LEN + 32,
				CGN_DROP_l4_malformed);
		/* TCP data offset larger than the segment. */
		tl = build(v, &t);
		v[46] = 15 << 4;
		expect_drop_raw(r, S_IN, v, tl, CGN_DROP_l4_malformed);
		/* TCP data offset below 5. */
		tl = build(v, &t);
		v[46] = 4 << 4;
		expect_drop_raw(r, S_IN, v, tl, CGN_DROP_l4_malformed);
	}
	/* Truncated ICMP header. */
	{
		struct pkt ic = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
					 RTE_IP_ICMP_ECHO_REQUEST, 1, 1);

		build(v, &ic);
		wr16(v + 16, 24);
		wr16(v + 24, ip_cksum(v + IP_OFF));
		expect_drop_raw(r, S_IN, v, ETH_LEN + 24,
				CGN_DROP_l4_malformed);
		/* ICMP type not supported (timestamp request, 13). */
		ic.icmp_type = 13;
		expect_drop(r, S_IN, &ic, CGN_DROP_icmp_unsupported);
		ic.icmp_type = 5; /* redirect, from outside */
		ic.saddr = Y1;
		ic.daddr = STATIC_OUT;
		ic.dst = MAC_NAT[S_OUT];
		ic.src = MAC_GW;
		expect_drop(r, S_OUT, &ic, CGN_DROP_icmp_unsupported);
	}
}

/* Hostile inputs: each dropped under its own counter. */
static void
test_hostile_inputs(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	uint8_t b[FRAME_MAX], v[FRAME_MAX];
	uint16_t len;

	len = build(b, &p);

	hostile_ip(r, b, len);
	hostile_frag(r, &p);
	hostile_l4(r, b, len);
	/* Unknown IP protocol (GRE, 47). */
	p.proto = 47;
	expect_drop(r, S_IN, &p, CGN_DROP_l4_unsupported);
	p.proto = IPPROTO_UDP;
	/* Non-IPv4 EtherTypes: IPv6, VLAN. */
	memcpy(v, b, len);
	wr16(v + 12, 0x86dd);
	expect_drop_raw(r, S_IN, v, len, CGN_DROP_eth_unsupported);
	wr16(v + 12, 0x8100);
	expect_drop_raw(r, S_OUT, v, len, CGN_DROP_eth_unsupported);
	/* Unicast frame to another MAC. */
	p.dst = MAC_OTHER;
	expect_drop(r, S_IN, &p, CGN_DROP_eth_not_for_us);
	/* The inside MAC on the outside port is not ours there either. */
	p.dst = MAC_NAT[S_IN];
	expect_drop(r, S_OUT, &p, CGN_DROP_eth_not_for_us);
	rig_end(r);
}

/* test_fuzz(): 1 to 4 random mutations of frame f (len bytes); the new
 * length. */
static uint16_t
fuzz_mutate(uint8_t *f, uint16_t len)
{
	unsigned int n, j;

	n = 1 + (unsigned int)rand() % 4;
	for (j = 0; j < n; j++) {
		switch (rand() % 6) {
		case 0: /* flip a byte anywhere */
		case 1:
			if (len == 0)
				break;
			f[(unsigned int)rand() % len] ^=
				(uint8_t)(1 + rand() % 255);
			break;
		case 2: /* a byte in the IP/L4 headers */
			if (len > L4_OFF + 20)
				f[IP_OFF + (unsigned int)rand() % 40] =
					(uint8_t)rand();
			break;
		case 3: /* truncate */
			len = (uint16_t)((unsigned int)rand() %
					 (len + 1u));
			break;
		case 4: /* extend with garbage */
			{
				unsigned int add = (unsigned int)rand() % 64;

				while (add-- && len < FRAME_MAX - 64)
					f[len++] = (uint8_t)rand();
			}
			break;
		case 5: /* a random 16-bit length/offset field */
			if (len >= L4_OFF + 8) {
				static const uint8_t offs[] = {
					16, 20, 38, 46 };

				wr16(f + offs[rand() % 4],
				     (uint16_t)rand());
			}
			break;
		}
	}
	return len;
}

/* Random mutations of valid frames: no crash, counters add up. */
static void
test_fuzz(void **state)
{
	struct rig *r = rig_start(*state);
	static const struct rte_ether_addr zero;
	uint8_t base[8][FRAME_MAX];
	uint16_t blen[8];
	int bside[8];
	struct pkt p;
	uint32_t a;
	uint16_t port;
	unsigned int i, nb = 0, seed = 20240601, iters = 5000;
	uint64_t outs = 0;

	/* A live mapping, so that out2in frames reach the session path. */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	bside[nb] = S_IN; blen[nb] = build(base[nb], &p); nb++;
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	bside[nb] = S_IN; blen[nb] = build(base[nb], &p); nb++;
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, Y2,
		     RTE_IP_ICMP_ECHO_REQUEST, 3, 3);
	bside[nb] = S_IN; blen[nb] = build(base[nb], &p); nb++;
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	bside[nb] = S_OUT; blen[nb] = build(base[nb], &p); nb++;
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 1234, STATIC_OUT, 80,
		    TH_SYN, 1, 0);
	bside[nb] = S_OUT; blen[nb] = build(base[nb], &p); nb++;
	p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, NAT_OUT,
		     RTE_IP_ICMP_ECHO_REQUEST, 3, 3);
	bside[nb] = S_OUT; blen[nb] = build(base[nb], &p); nb++;
	bside[nb] = S_IN;
	blen[nb] = build_arp(base[nb], &MAC_BCAST, &MAC_H1, 1, &MAC_H1, H1,
			     &zero, NAT_IN);
	nb++;
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	p.ttl = 1;
	bside[nb] = S_IN; blen[nb] = build(base[nb], &p); nb++;

	/* CGN_IT_FUZZ=SEED[:N] for other (or longer) runs */
	if (getenv("CGN_IT_FUZZ") != NULL)
		sscanf(getenv("CGN_IT_FUZZ"), "%u:%u", &seed, &iters);
	srand(seed);
	for (i = 0; i < iters; i++) {
		uint8_t f[FRAME_MAX];
		unsigned int k = (unsigned int)rand() % nb;
		uint16_t len = blen[k];

		memcpy(f, base[k], len);
		len = fuzz_mutate(f, len);
		/* Half of them with a valid IP checksum, to go deeper. */
		if ((rand() & 1) && len >= L4_OFF && rd16(f + 12) == 0x0800 &&
		    (f[IP_OFF] & 0xf) >= 5 &&
		    ETH_LEN + (f[IP_OFF] & 0xf) * 4u <= len)
			wr16(f + 24, ip_cksum(f + IP_OFF));
		inject_raw(r, bside[k], f, len);
		if ((i & 31) == 31) {
			pump(r);
			outs += take(S_IN, NULL, 0) + take(S_OUT, NULL, 0);
			r->now += r->hz / 1000;
		}
	}
	pump(r);
	outs += take(S_IN, NULL, 0) + take(S_OUT, NULL, 0);
	print_message("fuzz: seed %u, %u frames, %" PRIu64 " out, %" PRIu64
		      " dropped, %" PRIu64 " consumed\n", seed, i, outs,
		      cgn_stats_dropped(rig_stats(r)), rig_stats(r)->consumed);
	assert_accounting(r);
	rig_end(r);
}

/* No mbuf leak after a mix of everything, all sessions closed. */
static void
test_no_mbuf_leak(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;
	unsigned int i;
	uint8_t b[FRAME_MAX];

	for (i = 0; i < 200; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, (uint16_t)(2000 + i),
			    Y1, 53);
		in2out(r, &p, &a, &port);
		p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
		out2in(r, &p, &MAC_H1, H1, (uint16_t)(2000 + i));
	}
	/* drops, errors, echo, ARP, a burst larger than the TX buffer */
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	p.ttl = 1;
	inject(r, S_IN, &p);
	inject_raw(r, S_IN, b, 5);
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, NAT_IN,
		     RTE_IP_ICMP_ECHO_REQUEST, 1, 1);
	inject(r, S_IN, &p);
	for (i = 0; i < 100; i++) {
		p = udp_pkt(&MAC_NAT[S_IN], &MAC_H2, H2, 7000, Y2, 53);
		inject(r, S_IN, &p);
	}
	for (i = 0; i < 10; i++)
		pump(r);
	assert_true(take(S_OUT, NULL, 0) == 100);
	assert_true(take(S_IN, NULL, 0) == 2);
	assert_true(rig_ct_used(r) > 0);
	rig_end(r); /* close_all, then in-use == start-up count */
}

/*
 * I40 (RFC 6598): nothing with a shared-space source leaves by the outside
 * port untranslated. An echo request arriving outside for the inside
 * address 100.64.0.1 must not be answered from 100.64.0.1 on the outside.
 */
static void
test_I40_no_shared_source_outside(void **state)
{
	struct rig *r = rig_start(*state);
	struct cgn_stats before = *rig_stats(r);
	struct frame f[4];
	struct pkt p;
	unsigned int n, i;

	/* Ether(dst=nat_out, src=gw)/IP(src=Y1, dst="100.64.0.1")/ICMP() */
	p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, NAT_IN,
		     RTE_IP_ICMP_ECHO_REQUEST, 1, 1);
	inject(r, S_OUT, &p);
	/* and a packet with TTL 1 to it: any ICMP error must not come from
	 * 100.64.0.1 either */
	p.ttl = 1;
	inject(r, S_OUT, &p);
	pump(r);
	n = take(S_OUT, f, 4);
	for (i = 0; i < n && i < 4; i++) {
		char a[20];

		if (f[i].len >= 34 && rd16(f[i].b + 12) == 0x0800 &&
		    (f_src(&f[i]) & 0xffc00000) == IP(100, 64, 0, 0))
			fail_msg("a packet from %s left by the outside port",
				 ipstr(f_src(&f[i]), a));
	}
	assert_int_equal(take(S_IN, f, 4), 0);
	assert_int_equal(rig_stats(r)->consumed, before.consumed);
	assert_int_equal(cgn_stats_dropped(rig_stats(r)),
			 cgn_stats_dropped(&before) + 2);
	rig_end(r);
}

/*
 * I40: from outside to addresses that are not the mapping's, with the ports
 * of a live session: to the subscriber's own (100.64/10) address, to the
 * box's inside address (not the box's from outside), to the box's outside
 * address. No session has such a key (out2in keys hold pool addresses):
 * out_not_pool, out_not_pool, in_dst_own, as for any packet to them.
 */
static void
test_I40_outside_to_unmapped_addresses(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, H1, 5000);
	expect_drop(r, S_OUT, &p, CGN_DROP_out_not_pool);
	p.daddr = NAT_IN;
	expect_drop(r, S_OUT, &p, CGN_DROP_out_not_pool);
	p.daddr = NAT_OUT;
	p.dport = port;
	expect_drop(r, S_OUT, &p, CGN_DROP_in_dst_own);
	/* The mapping itself still works. */
	p.daddr = a;
	out2in(r, &p, &MAC_H1, H1, 5000);
	rig_end(r);
}

/*
 * RFC 1812 5.3.5.1 / 4.2.2.11 / 5.3.7: the limited broadcast
 * 255.255.255.255 MUST NOT be forwarded, nor "this network" 0.0.0.0/8, nor
 * loopback 127/8; nor multicast (there is no multicast routing here). A
 * subscriber sending to them gets nothing through, and no mapping is spent
 * on them.
 */
static void
test_dst_not_routable(void **state)
{
	struct rig *r = rig_start(*state);
	static const uint32_t dst[] = {
		IP(255, 255, 255, 255), IP(239, 255, 255, 250),
		IP(224, 0, 0, 251), IP(0, 0, 0, 0), IP(0, 1, 2, 3),
		IP(127, 0, 0, 1),
	};
	unsigned int i, bad = 0;

	for (i = 0; i < RTE_DIM(dst); i++) {
		struct cgn_stats before = *rig_stats(r);
		struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 1900,
				       dst[i], 1900);
		char a[20];

		inject(r, S_IN, &p);
		pump(r);
		if (take(S_OUT, NULL, 0) != 0 || take(S_IN, NULL, 0) != 0 ||
		    cgn_stats_dropped(rig_stats(r)) !=
		    cgn_stats_dropped(&before) + 1) {
			print_error("UDP to %s was forwarded, not dropped\n",
				    ipstr(dst[i], a));
			bad++;
		}
	}
	if (bad)
		fail_msg("%u of %u unroutable destinations forwarded "
			 "(%" PRIu64 " mappings made)", bad,
			 (unsigned int)RTE_DIM(dst),
			 rig_stats(r)->mappings_created);
	assert_int_equal(rig_stats(r)->mappings_created, 0);
	rig_end(r);
}

/*
 * A pool in 240/4, which the configuration does not refuse: replies to its
 * mappings are to an unroutable destination and dropped as such, session
 * or not (the worker then checks every packet's addresses up front, as it
 * cannot rely on the session's maker having been checked the same way).
 */
static const struct rig_opts opts_pool_240 = {
	.pool = "240.0.0.8/29",
	.no_static = true,
};

static void
test_dst_not_routable_pool(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	expect_drop(r, S_OUT, &p, CGN_DROP_dst_not_routable);
	rig_end(r);
}

/*
 * Sessions that inbound packets made (EIF) with a remote the box must not
 * send to: its own outside address (spoofed) and 0.1.2.3 (a source RFC
 * 1812 lets through, a destination it does not). The subscriber's packets
 * back match those sessions' keys, yet meet the checks every packet to
 * such an address meets (the worker runs them for in2out packets of
 * sessions an inbound packet made): in_dst_own, dst_not_routable, and an
 * echo request to the box is answered by the box, not translated.
 */
static void
test_dst_own_or_unroutable_inbound_session(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p, want;
	struct frame f;
	uint32_t a;
	uint16_t port, id;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 3478);
	in2out(r, &p, &a, &port);
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, NAT_OUT, 7000, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	assert_non_null(find_session(r, IPPROTO_UDP, H1, 5000, NAT_OUT, 7000));
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, IP(0, 1, 2, 3), 7001, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);
	assert_non_null(find_session(r, IPPROTO_UDP, H1, 5000, IP(0, 1, 2, 3),
				     7001));

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, NAT_OUT, 7000);
	expect_drop(r, S_IN, &p, CGN_DROP_in_dst_own);
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, IP(0, 1, 2, 3), 7001);
	expect_drop(r, S_IN, &p, CGN_DROP_dst_not_routable);

	/* Echo: H1's id 77 mapped; an echo request from the box's own
	 * address to it makes a session (H1, 77, NAT_OUT); H1's echo
	 * request to the box with id 77 is the box's to answer.
	 */
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
		     RTE_IP_ICMP_ECHO_REQUEST, 77, 1);
	in2out(r, &p, &a, &id);
	p = icmp_pkt(&MAC_NAT[S_OUT], &MAC_GW, NAT_OUT, a,
		     RTE_IP_ICMP_ECHO_REQUEST, id, 2);
	out2in(r, &p, &MAC_H1, H1, 77);
	assert_non_null(find_session(r, IPPROTO_ICMP, H1, 77, NAT_OUT, 0));
	p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, NAT_OUT,
		     RTE_IP_ICMP_ECHO_REQUEST, 77, 3);
	inject(r, S_IN, &p);
	pump(r);
	take_one(S_IN, &f);
	want = icmp_pkt(&MAC_H1, &MAC_NAT[S_IN], NAT_OUT, H1,
			RTE_IP_ICMP_ECHO_REPLY, 77, 3);
	want.ttl = f.b[22];
	want.ip_id = rd16(f.b + 18);
	expect_frame("echo reply from the box", &f, &want);
	expect_nothing();
	assert_accounting(r);
	rig_end(r);
}

const struct CMUnitTest tw_hostile[] = {
	T(test_I40_I41_antispoofing),
	T(test_I40_no_shared_source_outside),
	T(test_dst_not_routable),
	T(test_dst_own_or_unroutable_inbound_session),
	TO(test_dst_not_routable_pool, &opts_pool_240),
	T(test_I40_outside_to_unmapped_addresses),
	T(test_hostile_inputs),
	T(test_fuzz),
	T(test_no_mbuf_leak),
};
const unsigned int tw_hostile_n = RTE_DIM(tw_hostile);
