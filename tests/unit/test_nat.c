/* SPDX-License-Identifier: BSD-3-Clause
 * The NAT of one worker (lib/nat, nat_worker.h) with an mbuf and no port:
 * a worker made from plain values, a mempool, rings and a neighbour
 * table, a frame built here given to nat_burst(), and what it queued for
 * each side read back from the worker's TX queues. Links lib/nat and
 * lib/conntrack only, not the application.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "nat_worker.h"

#define IP(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | \
				((c) << 8) | (d))
#define OWN_IN   IP(100, 64, 0, 1)
#define OWN_OUT  IP(198, 51, 100, 2)
#define GW       IP(198, 51, 100, 1)
#define H1       IP(100, 64, 0, 2)
#define REMOTE   IP(198, 18, 0, 10)
#define POOL_A   0xcb007101u       /* 203.0.113.1, host order */

static const struct rte_ether_addr MAC_IN = {{ 2, 0, 0, 0, 0, 1 }};
static const struct rte_ether_addr MAC_OUT = {{ 2, 0, 0, 0, 0, 2 }};
static const struct rte_ether_addr MAC_GW = {{ 2, 0, 0, 0, 0, 0x10 }};
static const struct rte_ether_addr MAC_H1 = {{ 2, 0, 0, 0, 0, 0x20 }};

struct fixture {
	struct nat_worker *w;
	struct rte_mempool *mp;
	struct nat_neigh nb;
	struct rte_ring *slow, *ev, *log;
	uint8_t *block_owner;
	uint32_t global_free[1];
	unsigned int flushes;
};

static struct fixture fx;

/* nat_env's flush hook: a test has no NIC; it only counts the calls. */
static void
flush_hook(struct nat_worker *w)
{
	(void)w;
	fx.flushes++;
}

static void
fill_conf(struct nat_worker_conf *c, const uint32_t *addrs)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->own[CGN_INSIDE] = OWN_IN;
	c->own[CGN_OUTSIDE] = OWN_OUT;
	c->sub.net[0] = IP(100, 64, 0, 0);
	c->sub.mask[0] = IP(255, 192, 0, 0);
	c->sub.n = 1;
	c->mtu[CGN_INSIDE] = c->mtu[CGN_OUTSIDE] = 1500;
	c->eim = true;
	c->filtering = NAT_FILTER_EIF;
	c->hairpin = true;
	c->sessions_per_sub = 64;
	c->max_sessions = 1024;
	for (i = 0; i < CT_TO_MAX; i++)
		c->timeout_s[i] = 300;
	c->syn_wait_s = 6;
	c->icmp_rate = 1000;
	c->frag_max = 16;
	c->frag_timeout_s = 2;
	c->pool = (struct nat_pool_params){
		.addrs = addrs, .n_addrs = 1, .port_lo = 1024,
		.port_hi = 65535, .block_size = 256, .max_blocks_per_sub = 4,
		.max_subscribers = 64, .max_mappings = 1024, .low_water = 2,
	};
}

static void
fill_env(struct nat_env *e, const struct nat_worker_conf *c)
{
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->n_workers = 1;
	e->tsc_hz = rte_get_tsc_hz();
	e->mp = fx.mp;
	e->mac[CGN_INSIDE] = MAC_IN;
	e->mac[CGN_OUTSIDE] = MAC_OUT;
	e->gw_out = GW;
	e->neigh = &fx.nb;
	e->slow_ring = fx.slow;
	e->ev_ring = fx.ev;
	e->log_ring = fx.log;
	e->blocks_per_addr = nat_blocks_per_addr(&c->pool);
	e->block_owner = fx.block_owner;
	for (i = 0; i < 1; i++)
		fx.global_free[i] = 0;
	e->global_free = fx.global_free;
	e->flush = flush_hook;
}

static void
add_neighbour(uint8_t side, uint32_t ip, const struct rte_ether_addr *mac)
{
	uint32_t i = nat_neigh_add(&fx.nb, side, ip);

	assert_int_not_equal(i, UINT32_MAX);
	nat_neigh_set(&fx.nb, i, mac, true, 0);
}

static int
setup(void **state)
{
	static const uint32_t addrs[1] = { POOL_A };
	struct nat_worker_conf c;
	struct nat_env e;
	uint32_t b, nb;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.mp = rte_pktmbuf_pool_create("t_nat_mbuf", 1023, 0, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	fx.slow = rte_ring_create("t_slow", 64, 0, 0);
	fx.ev = rte_ring_create_elem("t_ev", sizeof(struct nat_event), 64, 0,
				     0);
	fx.log = rte_ring_create_elem("t_log", sizeof(struct nat_log_event),
				      64, 0, 0);
	if (fx.mp == NULL || fx.slow == NULL || fx.ev == NULL ||
	    fx.log == NULL || nat_neigh_init(&fx.nb, 64, 0) != 0)
		return -1;
	add_neighbour(CGN_OUTSIDE, GW, &MAC_GW);
	add_neighbour(CGN_INSIDE, H1, &MAC_H1);
	fill_conf(&c, addrs);
	nb = nat_blocks_per_addr(&c.pool);
	fx.block_owner = rte_zmalloc(NULL, nb, 0);
	fill_env(&e, &c);
	fx.w = rte_zmalloc(NULL, sizeof(*fx.w), RTE_CACHE_LINE_SIZE);
	if (fx.block_owner == NULL || fx.w == NULL ||
	    nat_worker_init(fx.w, &e, &c, 0) != 0)
		return -1;
	/* The control thread's part: every block of the address. */
	for (b = 0; b < nb; b++)
		nat_pool_block_give(fx.w->pool, b);
	return 0;
}

static int
teardown(void **state)
{
	unsigned int s, i, in_use = 0;
	struct rte_mbuf *m;

	(void)state;
	if (fx.w != NULL) {
		nat_close_all(fx.w, rte_rdtsc());
		for (s = 0; s < CGN_SIDES; s++)
			for (i = 0; i < fx.w->ntx[s]; i++)
				rte_pktmbuf_free(fx.w->txb[s][i]);
		nat_worker_fini(fx.w);
	}
	while (fx.slow != NULL && rte_ring_dequeue(fx.slow, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_free(fx.w);
	rte_free(fx.block_owner);
	nat_neigh_fini(&fx.nb);
	rte_ring_free(fx.slow);
	rte_ring_free(fx.ev);
	rte_ring_free(fx.log);
	if (fx.mp != NULL)
		in_use = rte_mempool_in_use_count(fx.mp);
	rte_mempool_free(fx.mp);
	/* Every mbuf back: nothing the NAT took was lost. */
	return in_use == 0 ? 0 : -1;
}

/* An Ethernet/IPv4/UDP frame with valid checksums and 8 bytes of data. */
static struct rte_mbuf *
udp_frame(const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	  uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx.mp);
	struct rte_ether_hdr *e;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	uint16_t len = sizeof(*ip) + sizeof(*uh) + 8;

	assert_non_null(m);
	e = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*e) + len);
	assert_non_null(e);
	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(e + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = saddr;
	ip->dst_addr = daddr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uh = (struct rte_udp_hdr *)(ip + 1);
	uh->src_port = rte_cpu_to_be_16(sport);
	uh->dst_port = rte_cpu_to_be_16(dport);
	uh->dgram_len = rte_cpu_to_be_16(sizeof(*uh) + 8);
	memcpy(uh + 1, "cgnat-ut", 8);
	uh->dgram_cksum = 0;
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	return m;
}

/* The one frame the worker queued for side, taken off its queue. */
static struct rte_mbuf *
take_one(enum cgn_side side)
{
	struct rte_mbuf *m;

	assert_int_equal(fx.w->ntx[side], 1);
	assert_int_equal(fx.w->ntx[!side], 0);
	m = fx.w->txb[side][0];
	fx.w->ntx[side] = 0;
	return m;
}

/* Its L2, TTL and both checksums, checked. */
static struct rte_ipv4_hdr *
check_frame(struct rte_mbuf *m, const struct rte_ether_addr *dst,
	    const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
	struct rte_udp_hdr *uh;
	uint16_t ck;

	assert_memory_equal(&e->dst_addr, dst, RTE_ETHER_ADDR_LEN);
	assert_memory_equal(&e->src_addr, src, RTE_ETHER_ADDR_LEN);
	assert_int_equal(ip->time_to_live, 63);
	uh = (struct rte_udp_hdr *)(ip + 1);
	ck = uh->dgram_cksum;
	assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	/* The UDP checksum as a full recompute gives it. */
	uh->dgram_cksum = 0;
	assert_int_equal(rte_ipv4_udptcp_cksum(ip, uh), ck);
	uh->dgram_cksum = ck;
	return ip;
}

/* Out: the source becomes the pool address and a port of a block; back:
 * the reply to that endpoint reaches the subscriber, as it was. */
static void
test_udp_both_ways(void **state)
{
	struct rte_mbuf *m = udp_frame(&MAC_IN, &MAC_H1, H1, 5000, REMOTE, 53);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	uint16_t port;

	(void)state;
	nat_burst(fx.w, CGN_INSIDE, &m, 1, rte_rdtsc(), 0);
	m = take_one(CGN_OUTSIDE);
	ip = check_frame(m, &MAC_GW, &MAC_OUT);
	uh = (struct rte_udp_hdr *)(ip + 1);
	assert_int_equal(ip->src_addr, rte_cpu_to_be_32(POOL_A));
	assert_int_equal(ip->dst_addr, REMOTE);
	port = rte_be_to_cpu_16(uh->src_port);
	assert_true(port >= 1024);
	assert_int_equal(rte_be_to_cpu_16(uh->dst_port), 53);
	assert_int_equal(fx.w->ct->used, 1);
	assert_int_equal(fx.w->stats.tx[CGN_OUTSIDE], 1);
	rte_pktmbuf_free(m);

	m = udp_frame(&MAC_OUT, &MAC_GW, REMOTE, 53, rte_cpu_to_be_32(POOL_A),
		      port);
	nat_burst(fx.w, CGN_OUTSIDE, &m, 1, rte_rdtsc(), 0);
	m = take_one(CGN_INSIDE);
	ip = check_frame(m, &MAC_H1, &MAC_IN);
	uh = (struct rte_udp_hdr *)(ip + 1);
	assert_int_equal(ip->dst_addr, H1);
	assert_int_equal(rte_be_to_cpu_16(uh->dst_port), 5000);
	assert_int_equal(ip->src_addr, REMOTE);
	rte_pktmbuf_free(m);
	/* The subscriber's first block went into the mapping log. */
	assert_int_equal(rte_ring_count(fx.log), 1);
	assert_int_equal(fx.flushes, 0);
}

/* Dropped under a named reason, nothing queued, the mbuf freed. */
static void
test_drops_named(void **state)
{
	struct rte_mbuf *m[2];
	struct rte_ipv4_hdr *ip;

	(void)state;
	m[0] = udp_frame(&MAC_IN, &MAC_H1, H1, 5000, REMOTE, 53);
	ip = rte_pktmbuf_mtod_offset(m[0], struct rte_ipv4_hdr *,
				     sizeof(struct rte_ether_hdr));
	ip->hdr_checksum ^= 1;
	/* Unsolicited: no mapping for this pool port. */
	m[1] = udp_frame(&MAC_OUT, &MAC_GW, REMOTE, 53,
			 rte_cpu_to_be_32(POOL_A), 40000);
	nat_burst(fx.w, CGN_INSIDE, &m[0], 1, rte_rdtsc(), 0);
	nat_burst(fx.w, CGN_OUTSIDE, &m[1], 1, rte_rdtsc(), 0);
	assert_int_equal(fx.w->ntx[CGN_INSIDE] + fx.w->ntx[CGN_OUTSIDE], 0);
	assert_int_equal(fx.w->stats.drop[CGN_DROP_ip_bad_cksum], 1);
	assert_int_equal(fx.w->stats.drop[CGN_DROP_out_no_mapping], 1);
	assert_int_equal(rte_mempool_in_use_count(fx.mp), 0);
}

/* ARP is the control thread's: on the slow ring, counted consumed. */
static void
test_arp_to_control(void **state)
{
	struct rte_mbuf *m = udp_frame(&MAC_IN, &MAC_H1, H1, 5000, REMOTE, 53);
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	(void)state;
	/* What follows the header is the control thread's to check. */
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	nat_burst(fx.w, CGN_INSIDE, &m, 1, rte_rdtsc(), 0);
	assert_int_equal(rte_ring_count(fx.slow), 1);
	assert_int_equal(fx.w->stats.consumed, 1);
}

static char prefix[64];

int
main(void)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci",
			 "--no-shconf", "--no-telemetry",
			 "--log-level=lib.eal:error",
			 "--file-prefix", prefix, NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_both_ways, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_drops_named, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_arp_to_control, setup,
						teardown),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "ut_nat%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
