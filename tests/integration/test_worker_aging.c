/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: aging with the injected clock, the mapping log.
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

static int
count_lines(const char *path, const char *needle, char *last, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int c = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL) {
			c++;
			snprintf(last, n, "%s", line);
		}
	fclose(f);
	return c;
}

static const struct rig_opts opts_nostatic = { .no_static = true };

/* C13 / J43: a UDP session expires after timeouts.udp, not before; its
 * mapping and port block are freed and logged. */
static void
test_C13_udp_aging_and_log(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port, lo, hi;
	uint64_t t0;
	char line[512], want[160], abuf[20];
	unsigned int plo, phi;

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	t0 = r->now;
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 1);
	lo = (uint16_t)(PORT_LO + (port - PORT_LO) / BLOCK * BLOCK);
	hi = (uint16_t)(lo + BLOCK - 1);

	/* The allocation is logged once control drained the ring. */
	assert_int_equal(count_lines(r->log, "block-alloc", line,
				     sizeof(line)), 1);
	snprintf(want, sizeof(want), " block-alloc subscriber=100.64.0.2 "
		 "outside=%s ports=%u-%u\n", ipstr(a, abuf), lo, hi);
	if (strstr(line, want) == NULL)
		fail_msg("log line '%s' lacks '%s'", line, want);
	assert_int_equal(sscanf(strstr(line, "ports="), "ports=%u-%u", &plo,
				&phi), 2);
	assert_true(plo <= port && port <= phi);
	/* RFC 6888 sec. 4: no destination logged */
	assert_null(strstr(line, "198.19.0.10"));

	/* One second before the timeout: still there. */
	assert_int_equal(rig_age(r, t0 + 299 * r->hz, r->w->nat.ct->capacity),
			 0);
	assert_int_equal(rig_age(r, t0 + 300 * r->hz, r->w->nat.ct->capacity),
			 0);
	assert_non_null(find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53));
	/* Past it: gone, mapping and block freed. */
	assert_int_equal(rig_age(r, t0 + 301 * r->hz, r->w->nat.ct->capacity),
			 1);
	assert_null(find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53));
	assert_int_equal(rig_ct_used(r), 0);
	assert_int_equal(rig_map_lookup_in(r, rte_cpu_to_be_32(H1),
					   rte_cpu_to_be_16(5000),
					   IPPROTO_UDP), NAT_NONE);
	assert_int_equal(rig_map_lookup_out(r, rte_cpu_to_be_32(a),
					    rte_cpu_to_be_16(port),
					    IPPROTO_UDP), NAT_NONE);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	assert_int_equal(rig_pool_sum(r, POOL_MAPS), 0);
	assert_int_equal(rig_pool_sum(r, POOL_SUBS), 0);
	assert_int_equal(rig_stats(r)->sessions_expired, 1);
	assert_int_equal(rig_stats(r)->mappings_freed, 1);
	assert_int_equal(rig_stats(r)->blocks_released, 1);

	r->now = t0 + 301 * r->hz;
	cpoll(r);
	assert_int_equal(count_lines(r->log, "block-release", line,
				     sizeof(line)), 1);
	snprintf(want, sizeof(want), " block-release subscriber=100.64.0.2 "
		 "outside=%s ports=%u-%u\n", ipstr(a, abuf), lo, hi);
	if (strstr(line, want) == NULL)
		fail_msg("log line '%s' lacks '%s'", line, want);

	/* The reply now finds no mapping (B11). */
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	{
		struct cgn_stats before = *rig_stats(r);

		inject(r, S_OUT, &p);
		wpoll(r);
		assert_drop_only(r, &before, CGN_DROP_out_no_mapping, 1);
	}
	rig_end(r);
}

/* C14: outbound packets refresh the UDP mapping. */
static void
test_C14_udp_refresh(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	uint32_t a;
	uint16_t port;
	uint64_t t0;

	in2out(r, &p, &a, &port);
	t0 = r->now;
	r->now = t0 + 200 * r->hz;
	in2out(r, &p, &a, &port);
	assert_int_equal(rig_age(r, t0 + 400 * r->hz, r->w->nat.ct->capacity),
			 0);
	assert_int_equal(rig_age(r, t0 + 501 * r->hz, r->w->nat.ct->capacity),
			 1);
	rig_end(r);
}

/* C16: established TCP survives past tcp_transitory, not past
 * tcp_established; a half-open one goes after tcp_transitory. */
static void
test_C16_tcp_aging(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a, a2;
	uint16_t port, port2;
	uint64_t t0;

	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 80, a, port,
		    TH_SYN | TH_ACK, 100, 2);
	out2in(r, &p, &MAC_H1, H1, 40000);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_ACK, 2,
		    101);
	in2out(r, &p, &a, &port);
	/* and a half-open one */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40001, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a2, &port2);
	t0 = r->now;
	assert_true(ct_tcp_established(find_session(r, IPPROTO_TCP, H1, 40000,
						    Y1, 80)->state));

	assert_int_equal(rig_age(r, t0 + 240 * r->hz, r->w->nat.ct->capacity),
			 0);
	assert_int_equal(rig_age(r, t0 + 241 * r->hz, r->w->nat.ct->capacity),
			 1);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40001, Y1, 80));
	assert_non_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	assert_int_equal(rig_age(r, t0 + 7440 * r->hz, r->w->nat.ct->capacity),
			 0);
	assert_non_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	assert_int_equal(rig_age(r, t0 + 7441 * r->hz, r->w->nat.ct->capacity),
			 1);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	rig_end(r);
}

/* The aging the worker loop does by itself, with the injected clock. */
static void
test_C13_aging_from_poll(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	uint32_t a;
	uint16_t port;
	uint64_t t0;
	unsigned int i;

	in2out(r, &p, &a, &port);
	t0 = r->now;
	r->now = t0 + 290 * r->hz;
	for (i = 0; i < 5000 && rig_ct_used(r); i++) {
		r->now += r->hz / 1000;
		wpoll(r);
	}
	/* 5000 polls (several sweeps of the table) up to 295 s after t0 */
	assert_int_equal(rig_ct_used(r), 1);
	r->now = t0 + 301 * r->hz;
	for (i = 0; i < 100000 && rig_ct_used(r); i++) {
		r->now += r->hz / 1000;
		wpoll(r);
	}
	assert_int_equal(rig_ct_used(r), 0);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	rig_end(r);
}

/* C17: an ICMP query session lives timeouts.icmp (60 s), not more. */
static void
test_C17_icmp_aging(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p = icmp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, Y1,
				RTE_IP_ICMP_ECHO_REQUEST, 7, 1);
	uint32_t a;
	uint16_t id;
	uint64_t t0;

	in2out(r, &p, &a, &id);
	t0 = r->now;
	assert_int_equal(rig_age(r, t0 + 60 * r->hz, r->w->nat.ct->capacity),
			 0);
	assert_non_null(find_session(r, IPPROTO_ICMP, H1, 7, Y1, 0));
	assert_int_equal(rig_age(r, t0 + 61 * r->hz, r->w->nat.ct->capacity),
			 1);
	assert_null(find_session(r, IPPROTO_ICMP, H1, 7, Y1, 0));
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	rig_end(r);
}

/* C13/C14: with EIM a mapping lives as long as its last session; inbound
 * packets do not refresh a session the inside opened. */
static void
test_C14_mapping_lifetime(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a, a2;
	uint16_t port, port2;
	uint64_t t0;
	char line[512];

	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y1, 53);
	in2out(r, &p, &a, &port);
	t0 = r->now;
	/* a second session on the same mapping, at t0 + 100 s */
	r->now = t0 + 100 * r->hz;
	p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 5000, Y2, 53);
	in2out(r, &p, &a2, &port2);
	assert_int_equal(a2, a);
	assert_int_equal(port2, port);
	/* a reply from Y1 at t0 + 250 s does not refresh its session */
	r->now = t0 + 250 * r->hz;
	p = udp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y1, 53, a, port);
	out2in(r, &p, &MAC_H1, H1, 5000);

	assert_int_equal(rig_age(r, t0 + 301 * r->hz, r->w->nat.ct->capacity),
			 1);
	assert_null(find_session(r, IPPROTO_UDP, H1, 5000, Y1, 53));
	/* the mapping is still there for the other session */
	assert_true(rig_map_lookup_out(r, rte_cpu_to_be_32(a),
				       rte_cpu_to_be_16(port),
				       IPPROTO_UDP) != NAT_NONE);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 1);
	assert_int_equal(rig_stats(r)->mappings_freed, 0);
	assert_int_equal(rig_age(r, t0 + 401 * r->hz, r->w->nat.ct->capacity),
			 1);
	assert_int_equal(rig_map_lookup_out(r, rte_cpu_to_be_32(a),
					    rte_cpu_to_be_16(port),
					    IPPROTO_UDP), NAT_NONE);
	assert_int_equal(rig_pool_sum(r, POOL_BLOCKS), 0);
	r->now = t0 + 401 * r->hz;
	cpoll(r);
	assert_int_equal(count_lines(r->log, "block-release", line,
				     sizeof(line)), 1);
	take(S_IN, NULL, 0);
	take(S_OUT, NULL, 0);
	rig_end(r);
}

static const struct rig_opts opts_tcp_timers = {
	.extra = "",
	.timeouts_extra = "tcp_trans_open = 250; tcp_trans_close = 300;",
};

/* C16: opening and closing transitory timers apart. */
static void
test_C16_open_close_timers(void **state)
{
	struct rig *r = rig_start(*state);
	struct pkt p;
	uint32_t a;
	uint16_t port;
	uint64_t t0 = r->now;

	/* Opening: a SYN alone lives tcp_trans_open (250 s). */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40000, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	/* Closing: SYN, SYN-ACK, ACK, RST: tcp_trans_close (300 s). */
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40001, Y1, 80, TH_SYN, 1, 0);
	in2out(r, &p, &a, &port);
	p = tcp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1, 40001, Y1, 80, TH_RST, 2, 0);
	in2out(r, &p, &a, &port);
	rig_age(r, t0 + 250 * r->hz, 1u << 20);
	assert_non_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	rig_age(r, t0 + 251 * r->hz, 1u << 20);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40000, Y1, 80));
	assert_non_null(find_session(r, IPPROTO_TCP, H1, 40001, Y1, 80));
	rig_age(r, t0 + 301 * r->hz, 1u << 20);
	assert_null(find_session(r, IPPROTO_TCP, H1, 40001, Y1, 80));
	r->now = t0 + 302 * r->hz;
	rig_end(r);
}

const struct CMUnitTest tw_aging[] = {
	TO(test_C13_udp_aging_and_log, &opts_nostatic),
	T(test_C13_aging_from_poll),
	T(test_C14_udp_refresh),
	T(test_C14_mapping_lifetime),
	T(test_C16_tcp_aging),
	T(test_C17_icmp_aging),
	TO(test_C16_open_close_timers, &opts_tcp_timers),
};
const unsigned int tw_aging_n = RTE_DIM(tw_aging);
