/* SPDX-License-Identifier: BSD-3-Clause
 * ct_set_timeout(): a table's session timeouts set through the library
 * (not by writing timeout[]), within what the tick chosen at creation can
 * count; a shortened timeout is the one aging uses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "ct_table.h"
#include "ut_eal.h"

#define MAX_TIMEOUT (UINT64_C(7440) << 20) /* a tick of 2^(20+13-28+1) */

static struct ct_table *
table(void)
{
	struct ct_table *t = ct_table_create("ut_cto", 64, MAX_TIMEOUT,
					     SOCKET_ID_ANY);

	assert_non_null(t);
	return t;
}

/* Shorter and equal timeouts are taken, per class, and aging counts in
 * them (rounded up to the tick, never early). */
static void
test_set_shorter(void **state)
{
	struct ct_table *t = table();
	uint64_t tick = UINT64_C(1) << t->clock_shift;
	struct ct_session s = { 0 };
	unsigned int c;

	(void)state;
	for (c = 0; c < CT_TO_MAX; c++) {
		assert_int_equal(ct_set_timeout(t, c, 1000 + c), 0);
		assert_int_equal(t->timeout[c], 1000 + c);
	}
	assert_int_equal(ct_set_timeout(t, CT_TO_UDP, 5 * tick), 0);
	assert_int_equal(ct_timeout_ticks(t, CT_TO_UDP), 5);
	assert_int_equal(ct_set_timeout(t, CT_TO_UDP, 5 * tick + 1), 0);
	assert_int_equal(ct_timeout_ticks(t, CT_TO_UDP), 6);
	assert_int_equal(ct_set_timeout(t, CT_TO_TCP_EST, MAX_TIMEOUT), 0);
	assert_int_equal(t->timeout[CT_TO_TCP_EST], MAX_TIMEOUT);
	/* A UDP session (last_seen 0, timeout 5 ticks + 1): alive at 6
	 * ticks, gone after. */
	s.proto = IPPROTO_UDP;
	assert_int_equal(ct_session_timeout_class(&s), CT_TO_UDP);
	assert_false(ct_session_expired(t, &s, 6 * tick));
	assert_true(ct_session_expired(t, &s, 7 * tick));
	ct_table_free(t);
}

/* Refused, and nothing changed: a class that does not exist, a timeout
 * the tick cannot count. */
static void
test_refused(void **state)
{
	struct ct_table *t = table();
	uint64_t big = (uint64_t)CT_TICKS_TIMEOUT_MAX << t->clock_shift;

	(void)state;
	assert_int_equal(ct_set_timeout(t, CT_TO_UDP, 300), 0);
	assert_int_equal(ct_set_timeout(t, CT_TO_MAX, 1), -EINVAL);
	assert_int_equal(ct_set_timeout(t, (enum ct_timeout)-1, 1), -EINVAL);
	assert_int_equal(ct_set_timeout(t, CT_TO_UDP, big), -EINVAL);
	assert_int_equal(t->timeout[CT_TO_UDP], 300);
	assert_int_equal(ct_set_timeout(t, CT_TO_UDP, big - 1), 0);
	ct_table_free(t);
}

static int
group_setup(void **state)
{
	(void)state;
	return ut_eal_start("ut_cto");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_shorter),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests_name("ct_timeout", tests, group_setup,
					   ut_eal_group_teardown);
}
