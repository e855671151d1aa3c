/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the per-core session table (lib/conntrack): its layout
 * and creation, indexing in both directions, lookups that miss, removal,
 * and capacity. Shared helpers: ct_util.h.
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
#include "ct_util.h"

/* ------------------------------------------------------------------ */
/* Layout and creation                                                 */

static void
test_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct ct_session), 32);
	assert_int_equal(sizeof(struct ct_cold), 8);
	/* One bucket is one cache line; a key is the 16 bytes ct_hash reads. */
	assert_int_equal(sizeof(struct ct_bucket), 64);
	assert_int_equal(sizeof(struct ct_key), 16);
}

static uint32_t
expected_buckets(uint32_t cap)
{
	/* 3/4 of the slots at most: cap * 4 / 30 buckets, rounded up, at
	 * least CT_MAX_PROBE, then up to a prime. */
	uint32_t n = (uint32_t)(((uint64_t)cap * 4 + 29) / 30), d;

	if (n < CT_MAX_PROBE)
		n = CT_MAX_PROBE;
	for (;; n++) {
		for (d = 2; d * d <= n && n % d != 0; d++)
			;
		if (d * d > n)
			return n;
	}
}

/* t->bytes and t->capacity report what was allocated. */
static void
test_create_bytes_capacity(void **state)
{
	static const uint32_t caps[] = { 1, 7, 10, 40, 1000, 4096, 100000 };
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(caps); i++) {
		struct ct_table *t = make_table(caps[i]);
		uint32_t nbkt = expected_buckets(caps[i]);

		assert_int_equal(t->capacity, caps[i]);
		assert_int_equal(t->used, 0);
		assert_int_equal(t->ht[0].nbkt, nbkt);
		assert_int_equal(t->ht[1].nbkt, nbkt);
		assert_int_equal(ct_index_buckets(caps[i]), nbkt);
		/* At most 3/4 of the slots used at capacity, and hardly a
		 * bucket more than needed (the next prime is near). */
		assert_true((uint64_t)nbkt * CT_BKT_ENTRIES * 3 >=
			    4ull * caps[i]);
		assert_true(nbkt < 2 * CT_MAX_PROBE ||
			    (uint64_t)(nbkt - 100) * CT_BKT_ENTRIES * 3 <
			    4ull * caps[i]);
		assert_int_equal(t->bytes,
				 sizeof(struct ct_table) +
				 (uint64_t)caps[i] *
					 (sizeof(struct ct_session) +
					  sizeof(struct ct_cold)) +
				 2ull * nbkt * sizeof(struct ct_bucket));
		assert_int_equal(count_free(t), caps[i]);
		ct_table_free(t);
	}
	errno = 0;
	assert_null(ct_table_create("ut_ct_zero", 0, 0, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	ct_table_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Insert, lookup, remove                                              */

static void
test_insert_lookup_both_directions(void **state)
{
	struct ct_table *t = make_table(2048);
	uint32_t idx[1000], i;
	struct ct_key k;

	(void)state;
	/* One session alone: the first candidate is it. */
	{
		struct tuple u = tuple_of(99999, IPPROTO_UDP);
		uint32_t x = add(t, &u);

		assert_int_not_equal(x, CT_NONE);
		key_of(&u, CT_IN2OUT, &k);
		assert_int_equal(ct_first_candidate(t, CT_IN2OUT,
						    ct_hash(t, &k)), x);
		key_of(&u, CT_OUT2IN, &k);
		assert_int_equal(ct_first_candidate(t, CT_OUT2IN,
						    ct_hash(t, &k)), x);
		assert_true(ct_session_match(&t->sessions[x], CT_OUT2IN, &k));
		assert_false(ct_session_match(&t->sessions[x], CT_IN2OUT, &k));
		ct_remove(t, x);
		assert_int_equal(ct_first_candidate(t, CT_OUT2IN,
						    ct_hash(t, &k)), CT_NONE);
	}
	for (i = 0; i < 1000; i++) {
		struct tuple u = tuple_of(i, proto_of(i));

		idx[i] = add(t, &u);
		assert_int_not_equal(idx[i], CT_NONE);
		assert_int_equal(t->used, i + 1);
	}
	for (i = 0; i < 1000; i++) {
		struct tuple u = tuple_of(i, proto_of(i));
		struct ct_key k2;

		assert_found(t, &u, idx[i]);
		/* ct_session_key gives back the keys. */
		ct_session_key(&t->sessions[idx[i]], CT_IN2OUT, &k);
		key_of(&u, CT_IN2OUT, &k2);
		assert_memory_equal(&k, &k2, sizeof(k));
		ct_session_key(&t->sessions[idx[i]], CT_OUT2IN, &k);
		key_of(&u, CT_OUT2IN, &k2);
		assert_memory_equal(&k, &k2, sizeof(k));
	}
	assert_int_equal(t->by_proto[0], 334); /* TCP: i % 3 == 0 */
	assert_int_equal(t->by_proto[1], 333);
	assert_int_equal(t->by_proto[2], 333);
	ct_table_free(t);
}

static void
test_lookup_miss(void **state)
{
	struct ct_table *t = make_table(256);
	struct tuple u = tuple_of(5, IPPROTO_TCP), v;
	uint32_t x;
	struct ct_key k;

	(void)state;
	assert_missing(t, &u); /* empty table */
	x = add(t, &u);
	assert_found(t, &u, x);

	/* Any one field different: a miss, in the direction it belongs to. */
	v = u;
	v.in_addr ^= rte_cpu_to_be_32(1);
	assert_int_equal(lookup(t, &v, CT_IN2OUT), CT_NONE);
	v = u;
	v.in_port ^= rte_cpu_to_be_16(1);
	assert_int_equal(lookup(t, &v, CT_IN2OUT), CT_NONE);
	v = u;
	v.out_addr ^= rte_cpu_to_be_32(1);
	assert_int_equal(lookup(t, &v, CT_OUT2IN), CT_NONE);
	v = u;
	v.out_port ^= rte_cpu_to_be_16(1);
	assert_int_equal(lookup(t, &v, CT_OUT2IN), CT_NONE);
	v = u;
	v.rem_addr ^= rte_cpu_to_be_32(1);
	assert_missing(t, &v);
	v = u;
	v.rem_port ^= rte_cpu_to_be_16(1);
	assert_missing(t, &v);
	v = u;
	v.proto = IPPROTO_UDP;
	assert_missing(t, &v);

	/* A key of one direction looked up in the other index. */
	key_of(&u, CT_IN2OUT, &k);
	assert_int_equal(ct_lookup(t, CT_OUT2IN, &k, ct_hash(t, &k)),
			 CT_NONE);
	key_of(&u, CT_OUT2IN, &k);
	assert_int_equal(ct_lookup(t, CT_IN2OUT, &k, ct_hash(t, &k)),
			 CT_NONE);
	ct_table_free(t);
}

static void
test_remove_then_miss(void **state)
{
	struct ct_table *t = make_table(1024);
	uint32_t idx[600], i;

	(void)state;
	for (i = 0; i < 600; i++) {
		struct tuple u = tuple_of(i, proto_of(i));

		idx[i] = add(t, &u);
		assert_int_not_equal(idx[i], CT_NONE);
	}
	for (i = 0; i < 600; i += 2) {
		ct_remove(t, idx[i]);
		assert_int_equal(t->sessions[idx[i]].proto, 0);
		assert_int_equal(slots_holding(t, CT_IN2OUT, idx[i]), 0);
		assert_int_equal(slots_holding(t, CT_OUT2IN, idx[i]), 0);
	}
	assert_int_equal(t->used, 300);
	assert_int_equal(t->by_proto[0] + t->by_proto[1] + t->by_proto[2], 300);
	assert_int_equal(count_free(t), 1024 - 300);
	for (i = 0; i < 600; i++) {
		struct tuple u = tuple_of(i, proto_of(i));

		if (i % 2 == 0)
			assert_missing(t, &u);
		else
			assert_found(t, &u, idx[i]);
	}
	/* Removed ones can come back, possibly in other slots. */
	for (i = 0; i < 600; i += 2) {
		struct tuple u = tuple_of(i, proto_of(i));

		idx[i] = add(t, &u);
		assert_found(t, &u, idx[i]);
	}
	assert_int_equal(t->used, 600);
	ct_table_free(t);
}

/* Fill to capacity: then ct_alloc says CT_NONE and the counts are right. */
static void
test_fill_to_capacity(void **state)
{
	const uint32_t cap = 5000;
	struct ct_table *t = make_table(cap);
	uint32_t *idx = calloc(cap, sizeof(*idx));
	uint8_t *seen = calloc(cap, 1);
	uint32_t i, round;

	(void)state;
	assert_non_null(idx);
	assert_non_null(seen);
	for (round = 0; round < 2; round++) {
		memset(seen, 0, cap);
		for (i = 0; i < cap; i++) {
			struct tuple u = tuple_of(i, proto_of(i));

			idx[i] = add(t, &u);
			assert_int_not_equal(idx[i], CT_NONE);
			assert_true(idx[i] < cap);
			assert_false(seen[idx[i]]);
			seen[idx[i]] = 1;
		}
		assert_int_equal(t->used, cap);
		assert_int_equal(ct_alloc(t), CT_NONE);
		assert_int_equal(ct_alloc(t), CT_NONE);
		assert_int_equal(t->used, cap);
		assert_int_equal(t->by_proto[0], (cap + 2) / 3);
		assert_int_equal(t->by_proto[1], (cap + 1) / 3);
		assert_int_equal(t->by_proto[2], cap / 3);
		for (i = 0; i < cap; i++) {
			struct tuple u = tuple_of(i, proto_of(i));

			assert_found(t, &u, idx[i]);
		}
		for (i = 0; i < cap; i++)
			ct_remove(t, idx[i]);
		assert_int_equal(t->used, 0);
		assert_int_equal(t->by_proto[0] + t->by_proto[1] +
				 t->by_proto[2], 0);
		assert_int_equal(total_spilled(t, CT_IN2OUT), 0);
		assert_int_equal(total_spilled(t, CT_OUT2IN), 0);
		assert_int_equal(count_free(t), cap);
	}
	free(idx);
	free(seen);
	ct_table_free(t);
}

/* ------------------------------------------------------------------ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_create_bytes_capacity),
		cmocka_unit_test(test_insert_lookup_both_directions),
		cmocka_unit_test(test_lookup_miss),
		cmocka_unit_test(test_remove_then_miss),
		cmocka_unit_test(test_fill_to_capacity),
	};

	return cmocka_run_group_tests_name("ct_table_index", tests,
					   ct_group_setup,
					   ct_group_teardown);
}
