/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the session table's time and state (lib/conntrack):
 * the last-seen tick across its wrap, TCP state tracking (checklist D),
 * and aging with an injected clock (checklist C). Shared helpers:
 * ct_util.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_memory.h>

#include "ct_session.h"
#include "ct_table.h"
#include "ct_tcp.h"
#include "ct_util.h"

/* ------------------------------------------------------------------ */
/* Tick wrap                                                           */

/*
 * last_seen is 32-bit ticks: expiry near and across the 2^32 wrap is
 * decided on the difference, with a 1-unit tick and with the tick chosen
 * for a 7440 s timeout at 3 GHz.
 */
static void
test_last_seen_wrap(void **state)
{
	static const uint64_t max_to[] = { UT_MAX_TIMEOUT,
					   7440ull * 3000000000ull };
	unsigned int m;

	(void)state;
	for (m = 0; m < RTE_DIM(max_to); m++) {
		static unsigned int seq;
		char name[32];
		struct ct_table *t;
		struct tuple u = tuple_of(1, IPPROTO_UDP);
		uint64_t unit, to, start[3];
		uint32_t x, n;
		unsigned int k;

		snprintf(name, sizeof(name), "ut_wrap_%u", seq++);
		t = ct_table_create(name, 64, max_to[m], SOCKET_ID_ANY);
		assert_non_null(t);
		/* The largest timeout fits below 2^28 ticks, not in half. */
		assert_true((max_to[m] >> t->clock_shift) <
			    CT_TICKS_TIMEOUT_MAX);
		assert_true(t->clock_shift == 0 ||
			    (max_to[m] >> (t->clock_shift - 1)) >=
			    CT_TICKS_TIMEOUT_MAX);
		unit = UINT64_C(1) << t->clock_shift;
		to = max_to[m] == UT_MAX_TIMEOUT ? 300 : max_to[m];
		t->timeout[CT_TO_UDP] = to;
		/* last_seen 50 ticks before the 32-bit tick count wraps
		 * (the timeout then ends after the wrap), on the wrap, and
		 * 1 tick before the third wrap: only differences count.
		 */
		start[0] = ((UINT64_C(1) << 32) - 50) * unit;
		start[1] = (UINT64_C(1) << 32) * unit;
		start[2] = (3 * (UINT64_C(1) << 32) - 1) * unit;
		for (k = 0; k < 3; k++) {
			uint64_t now = start[k];
			uint32_t ticks = ct_timeout_ticks(t, CT_TO_UDP);

			x = add(t, &u);
			assert_int_not_equal(x, CT_NONE);
			t->sessions[x].last_seen = ct_clock(t, now);
			assert_int_equal(ct_ticks_since(t,
							t->sessions[x].last_seen,
							now + ticks * unit),
					 ticks);
			/* Idle for exactly the timeout (in ticks): kept. */
			n = ct_scan(t, now + ticks * unit, 64, NULL, NULL);
			assert_int_equal(n, 0);
			assert_int_equal(t->used, 1);
			/* Idle past it by less than a tick: may stay; a
			 * tick later: goes, across the wrap too. */
			assert_false(ct_session_expired(t, &t->sessions[x],
							now + to));
			assert_true(ct_session_expired(
				t, &t->sessions[x], now + (ticks + 1) * unit));
			assert_int_equal(ct_session_idle(t, &t->sessions[x],
							 now + 5 * unit),
					 5 * unit);
			ct_remove(t, x);
		}
		ct_table_free(t);
	}
}

/* ------------------------------------------------------------------ */
/* TCP state                                                           */

static uint8_t
run_tcp(uint8_t st, const enum ct_dir *d, const uint8_t *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		st = ct_tcp_next(st, d[i], f[i]);
	return st;
}

#define I CT_IN2OUT
#define O CT_OUT2IN
#define SYN CT_TCPF_SYN
#define ACK CT_TCPF_ACK
#define FIN CT_TCPF_FIN
#define RST CT_TCPF_RST

static uint8_t
established_state(void)
{
	static const enum ct_dir d[] = { I, O, I };
	static const uint8_t f[] = { SYN, SYN | ACK, ACK };

	return run_tcp(0, d, f, 3);
}

static void
test_tcp_normal_open(void **state)
{
	uint8_t st = 0;

	(void)state;
	st = ct_tcp_next(st, I, SYN);
	assert_int_equal(st, CT_TCP_SYN_IN);
	assert_false(ct_tcp_established(st));
	assert_string_equal(ct_tcp_state_name(st), "syn");
	/* A retransmitted SYN changes nothing. */
	assert_int_equal(ct_tcp_next(st, I, SYN), st);
	st = ct_tcp_next(st, O, SYN | ACK);
	assert_int_equal(st, CT_TCP_SYN_IN | CT_TCP_SYN_OUT | CT_TCP_ACK_OUT);
	assert_false(ct_tcp_established(st));
	st = ct_tcp_next(st, I, ACK);
	assert_int_equal(st, CT_TCP_EST_MASK);
	assert_true(ct_tcp_established(st));
	assert_string_equal(ct_tcp_state_name(st), "established");
	/* Data both ways keeps it there. */
	st = ct_tcp_next(st, O, ACK);
	st = ct_tcp_next(st, I, ACK);
	assert_int_equal(st, CT_TCP_EST_MASK);

	/* An ACK from inside before the remote SYN does not count. */
	st = ct_tcp_next(0, I, ACK);
	assert_int_equal(st, 0);
	st = ct_tcp_next(CT_TCP_SYN_IN, I, ACK);
	assert_int_equal(st, CT_TCP_SYN_IN);
	/* Opened from outside (static mapping / EIF): mirror image. */
	st = ct_tcp_next(0, O, SYN);
	st = ct_tcp_next(st, I, SYN | ACK);
	assert_false(ct_tcp_established(st));
	st = ct_tcp_next(st, O, ACK);
	assert_true(ct_tcp_established(st));
	assert_string_equal(ct_tcp_state_name(0), "none");
}

static void
test_tcp_simultaneous_open(void **state)
{
	static const enum ct_dir d[] = { I, O, I, O };
	static const uint8_t f[] = { SYN, SYN, SYN | ACK, SYN | ACK };
	uint8_t st;

	(void)state;
	st = run_tcp(0, d, f, 2);
	assert_int_equal(st, CT_TCP_SYN_IN | CT_TCP_SYN_OUT);
	assert_false(ct_tcp_established(st));
	st = run_tcp(0, d, f, 3);
	assert_false(ct_tcp_established(st));
	st = run_tcp(0, d, f, 4);
	assert_int_equal(st, CT_TCP_EST_MASK);
	assert_true(ct_tcp_established(st));
}

static void
test_tcp_fin_both_ways(void **state)
{
	uint8_t st = established_state();

	(void)state;
	/* Half close: still established (RFC 5382: both FINs needed). */
	st = ct_tcp_next(st, I, FIN | ACK);
	assert_true(st & CT_TCP_FIN_IN);
	assert_true(ct_tcp_established(st));
	assert_string_equal(ct_tcp_state_name(st), "fin-wait");
	st = ct_tcp_next(st, O, ACK);
	assert_true(ct_tcp_established(st));
	st = ct_tcp_next(st, O, FIN | ACK);
	assert_false(ct_tcp_established(st));
	assert_string_equal(ct_tcp_state_name(st), "closing");
	st = ct_tcp_next(st, I, ACK);
	assert_false(ct_tcp_established(st));
	/* FINs in the other order. */
	st = established_state();
	st = ct_tcp_next(st, O, FIN | ACK);
	assert_true(ct_tcp_established(st));
	st = ct_tcp_next(st, I, FIN | ACK);
	assert_false(ct_tcp_established(st));
}

static void
test_tcp_rst_and_resyn(void **state)
{
	uint8_t st = established_state(), st2;

	(void)state;
	st = ct_tcp_next(st, O, RST);
	assert_true(st & CT_TCP_RST);
	assert_false(ct_tcp_established(st));
	assert_string_equal(ct_tcp_state_name(st), "reset");
	/* Later ACKs do not bring it back. */
	st2 = ct_tcp_next(st, I, ACK);
	assert_false(ct_tcp_established(st2));
	/* A SYN-ACK is not a fresh SYN. */
	st2 = ct_tcp_next(st, O, SYN | ACK);
	assert_true(st2 & CT_TCP_RST);
	/* A fresh SYN starts again, and a full handshake establishes. */
	st = ct_tcp_next(st, I, SYN);
	assert_int_equal(st, CT_TCP_SYN_IN);
	st = ct_tcp_next(st, O, SYN | ACK);
	st = ct_tcp_next(st, I, ACK);
	assert_int_equal(st, CT_TCP_EST_MASK);
	assert_true(ct_tcp_established(st));
	/* RST from inside during the handshake. */
	st = ct_tcp_next(ct_tcp_next(0, I, SYN), I, RST | ACK);
	assert_true(st & CT_TCP_RST);
	assert_false(ct_tcp_established(st));
	/* A fresh SYN after both FINs starts again too (port reuse). */
	st = established_state();
	st = ct_tcp_next(st, I, FIN | ACK);
	st = ct_tcp_next(st, O, FIN | ACK);
	st = ct_tcp_next(st, I, SYN);
	assert_int_equal(st, CT_TCP_SYN_IN);
}

/* ------------------------------------------------------------------ */
/* Aging                                                               */

struct expired {
	uint32_t idx[256];
	uint32_t n;
};

static void
expire_cb(struct ct_table *t, uint32_t idx, void *arg)
{
	struct expired *e = arg;

	assert_true(e->n < RTE_DIM(e->idx));
	e->idx[e->n++] = idx;
	ct_remove(t, idx);
}

static bool
in_list(const struct expired *e, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < e->n; i++)
		if (e->idx[i] == idx)
			return true;
	return false;
}

enum { S_UDP, S_UDP_LATE, S_ICMP, S_EST, S_HALF, S_SYN, S_SYNACK, S_RST,
       S_FIN2, S_N };

/*
 * Checklist C: sessions of each class, last seen at 1000, are expired by
 * ct_scan exactly when now - last_seen passes their class timeout, and
 * not one tick earlier.
 */
static void
test_aging_classes(void **state)
{
	/* Each kind must go at the first scan with now = last + timeout + 1
	 * (the clock never goes below any last_seen).
	 */
	struct {
		uint8_t proto;
		uint8_t st;
		uint64_t last;
		enum ct_timeout cls;
		uint32_t idx;
	} s[S_N];
	static const uint64_t steps[] = { 1050, 1060, 1061, 1240, 1241, 1250, 1251, 1300,
					  1301, 1350, 1351, 8440, 8441 };
	struct ct_table *t = make_table(64);
	struct expired e;
	uint8_t est = established_state();
	unsigned int k, i;

	(void)state;
	t->timeout[CT_TO_UDP] = 300;
	t->timeout[CT_TO_TCP_EST] = 7440;
	t->timeout[CT_TO_TCP_TRANS] = 240;
	t->timeout[CT_TO_TCP_CLOSE] = 250; /* apart from opening: C16 */
	t->timeout[CT_TO_ICMP] = 60;

	s[S_UDP] = (typeof(s[0])){ IPPROTO_UDP, 0, 1000, CT_TO_UDP, 0 };
	s[S_UDP_LATE] = (typeof(s[0])){ IPPROTO_UDP, 0, 1050, CT_TO_UDP, 0 };
	s[S_ICMP] = (typeof(s[0])){ IPPROTO_ICMP, 0, 1000, CT_TO_ICMP, 0 };
	s[S_EST] = (typeof(s[0])){ IPPROTO_TCP, est, 1000, CT_TO_TCP_EST, 0 };
	s[S_HALF] = (typeof(s[0])){ IPPROTO_TCP,
				    ct_tcp_next(est, I, FIN | ACK), 1000,
				    CT_TO_TCP_EST, 0 };
	s[S_SYN] = (typeof(s[0])){ IPPROTO_TCP, ct_tcp_next(0, I, SYN), 1000,
				   CT_TO_TCP_TRANS, 0 };
	s[S_SYNACK] = (typeof(s[0])){ IPPROTO_TCP,
				      ct_tcp_next(ct_tcp_next(0, I, SYN), O,
						  SYN | ACK),
				      1000, CT_TO_TCP_TRANS, 0 };
	s[S_RST] = (typeof(s[0])){ IPPROTO_TCP, ct_tcp_next(est, O, RST),
				   1000, CT_TO_TCP_CLOSE, 0 };
	s[S_FIN2] = (typeof(s[0])){ IPPROTO_TCP,
				    ct_tcp_next(ct_tcp_next(est, I, FIN | ACK),
						O, FIN | ACK),
				    1000, CT_TO_TCP_CLOSE, 0 };

	for (k = 0; k < S_N; k++) {
		struct tuple u = tuple_of(k, s[k].proto);

		s[k].idx = add(t, &u);
		assert_int_not_equal(s[k].idx, CT_NONE);
		t->sessions[s[k].idx].state = s[k].st;
		t->sessions[s[k].idx].last_seen = s[k].last;
		assert_int_equal(ct_session_timeout_class(
					 &t->sessions[s[k].idx]), s[k].cls);
	}

	for (i = 0; i < RTE_DIM(steps); i++) {
		uint64_t now = steps[i];
		uint32_t n;

		memset(&e, 0, sizeof(e));
		n = ct_scan(t, now, 1000, expire_cb, &e);
		assert_int_equal(n, e.n);
		for (k = 0; k < S_N; k++) {
			uint64_t deadline = s[k].last + t->timeout[s[k].cls];
			bool want = now == deadline + 1;

			if (in_list(&e, s[k].idx) != want)
				print_error("now %llu: session kind %u %s\n",
					    (unsigned long long)now, k,
					    want ? "not expired" :
						   "expired too early");
			assert_int_equal(in_list(&e, s[k].idx), want);
		}
	}
	assert_int_equal(t->used, 0);
	assert_int_equal(t->by_proto[0] + t->by_proto[1] + t->by_proto[2], 0);
	ct_table_free(t);
}

/* The scan budget: entries looked at per call, cursor wrap, clamping. */
static void
test_aging_budget_and_cursor(void **state)
{
	const uint32_t cap = 64;
	struct ct_table *t = make_table(cap);
	struct expired e;
	uint32_t i, total = 0;

	(void)state;
	t->timeout[CT_TO_UDP] = 10;
	for (i = 0; i < cap; i++) {
		struct tuple u = tuple_of(i, IPPROTO_UDP);
		uint32_t x = add(t, &u);

		assert_int_not_equal(x, CT_NONE);
		t->sessions[x].last_seen = 0;
	}
	/* Nothing old enough: a full scan expires nothing. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(ct_scan(t, 10, 1000, expire_cb, &e), 0);
	assert_int_equal(t->scan_cursor, 0); /* budget clamped to capacity */
	for (i = 0; i < 7; i++) {
		uint32_t n;

		memset(&e, 0, sizeof(e));
		n = ct_scan(t, 11, 10, expire_cb, &e);
		/* Only the 10 entries after the cursor, each at most once. */
		assert_int_equal(n, i < 6 ? 10 : 4);
		assert_int_equal(t->scan_cursor, ((i + 1) * 10) % cap);
		total += n;
	}
	assert_int_equal(total, cap);
	assert_int_equal(t->used, 0);
	ct_table_free(t);
}

/* ------------------------------------------------------------------ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_seen_wrap),
		cmocka_unit_test(test_tcp_normal_open),
		cmocka_unit_test(test_tcp_simultaneous_open),
		cmocka_unit_test(test_tcp_fin_both_ways),
		cmocka_unit_test(test_tcp_rst_and_resyn),
		cmocka_unit_test(test_aging_classes),
		cmocka_unit_test(test_aging_budget_and_cursor),
	};

	return cmocka_run_group_tests_name("ct_table_state", tests,
					   ct_group_setup,
					   ct_group_teardown);
}
