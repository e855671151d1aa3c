/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the pool's hash index (lib/nat/nat_index.h): inserts,
 * lookups and deletes at full capacity, backward-shift deletion against a
 * reference under long random sequences, wrap-around at the table end,
 * duplicate keys.
 *
 * The slots come from calloc (nat_index_init() would want an EAL), so
 * the tables can also be given any number of slots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nat_index.h"

/* Records: the key of record i is keys[i]. */
struct recs {
	uint32_t *keys;
	/* How keys hash: 0 spread (multiplicative); 1 1,021 values (hash
	 * ties, longer clusters); 2 spread, but one key in 16 near the top
	 * (homes in the last slots: a cluster that wraps).
	 */
	int mode;
};

static uint32_t
key_hash(const struct recs *r, uint32_t key)
{
	uint32_t h = key * 0x9e3779b1u;

	switch (r->mode) {
	case 1:
		return (key % 1021) * 4206593u;
	case 2:
		if (key % 16 == 0)
			return UINT32_MAX - (h >> 20);
		return h ^ h >> 15;
	default:
		return h ^ h >> 15;
	}
}

static bool
rec_match(const void *ctx, uint32_t idx, const void *key)
{
	const struct recs *r = ctx;

	return r->keys[idx] == *(const uint32_t *)key;
}

static uint32_t
find(const struct nat_index *ix, const struct recs *r, uint32_t key)
{
	return nat_index_find(ix, key_hash(r, key), rec_match, r, &key);
}

static int
add(struct nat_index *ix, const struct recs *r, uint32_t idx)
{
	return nat_index_add(ix, key_hash(r, r->keys[idx]), idx, rec_match, r,
			     &r->keys[idx]);
}

static int
del(struct nat_index *ix, const struct recs *r, uint32_t idx)
{
	return nat_index_del(ix, key_hash(r, r->keys[idx]), idx);
}

/* A table of nslots slots (0: what capacity asks for). */
static void
ix_make(struct nat_index *ix, uint32_t capacity, uint32_t nslots)
{
	ix->nslots = nslots ? nslots : nat_index_slots(capacity);
	ix->slot = calloc(ix->nslots, sizeof(*ix->slot));
	assert_non_null(ix->slot);
	nat_index_clear(ix);
}

static void
ix_free(struct nat_index *ix)
{
	free(ix->slot);
	ix->slot = NULL;
}

/*
 * The invariant linear probing needs: every entry is reachable from its
 * home slot without crossing an empty slot; the count is right; at least
 * one slot is empty; every record listed in present[] (NULL: skip) is in
 * exactly once and nothing else is.
 */
static void
check_table(const struct nat_index *ix, const struct recs *r,
	    const bool *present, uint32_t n_recs)
{
	uint32_t i, n = 0, *seen = NULL;

	if (present != NULL) {
		seen = calloc(n_recs, sizeof(*seen));
		assert_non_null(seen);
	}
	for (i = 0; i < ix->nslots; i++) {
		const struct nat_index_slot *s = &ix->slot[i];
		uint32_t p;

		if (s->idx == NAT_INDEX_EMPTY)
			continue;
		n++;
		for (p = nat_index_home(ix, s->hash); p != i;
		     p = nat_index_next(ix, p))
			assert_int_not_equal(ix->slot[p].idx, NAT_INDEX_EMPTY);
		if (seen != NULL) {
			assert_true(s->idx < n_recs);
			assert_true(present[s->idx]);
			assert_int_equal(s->hash,
					 key_hash(r, r->keys[s->idx]));
			seen[s->idx]++;
		}
	}
	assert_int_equal(n, ix->n);
	assert_true(n < ix->nslots);
	if (seen != NULL) {
		for (i = 0; i < n_recs; i++)
			assert_int_equal(seen[i], present[i] ? 1 : 0);
		free(seen);
	}
}

/* nat_index_slots(): at most 3/4 full at capacity, one slot spare. */
static void
test_sizing(void **state)
{
	static const uint32_t caps[] = { 1, 2, 3, 4, 7, 100, 64512, 1032192,
					 16515072, 0x7fffffffu };
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(caps); i++) {
		uint32_t n = nat_index_slots(caps[i]);

		assert_true(n > caps[i]);
		assert_true((uint64_t)caps[i] * 4 <= (uint64_t)n * 3 + 3);
		assert_true(nat_index_bytes(caps[i]) == (uint64_t)n * 8);
	}
	assert_int_equal(nat_index_slots(UINT32_MAX), 0);
	assert_int_equal(sizeof(struct nat_index_slot), 8);
}

/* Fill to capacity, find all, miss the others, delete all. */
static void
full_capacity(uint32_t cap, int mode)
{
	struct recs r = { .keys = malloc(sizeof(uint32_t) * cap),
			  .mode = mode };
	bool *present = calloc(cap, sizeof(bool));
	struct nat_index ix;
	uint32_t i;

	assert_non_null(r.keys);
	assert_non_null(present);
	ix_make(&ix, cap, 0);
	for (i = 0; i < cap; i++)
		r.keys[i] = i * 7919u + 17u;
	for (i = 0; i < cap; i++) {
		assert_int_equal(add(&ix, &r, i), 0);
		present[i] = true;
	}
	assert_int_equal(ix.n, cap);
	check_table(&ix, &r, present, cap);
	for (i = 0; i < cap; i++) {
		assert_int_equal(find(&ix, &r, r.keys[i]), i);
		/* Absent keys, including ones that tie on the hash. */
		assert_int_equal(find(&ix, &r, i * 7919u + 18u),
				 NAT_INDEX_EMPTY);
	}
	/* Delete in an order unrelated to the insertion order. */
	for (i = 0; i < cap; i++) {
		uint32_t j = (uint32_t)(((uint64_t)i * 104729u) % cap);

		if (!present[j]) {
			for (j = 0; !present[j]; j++)
				;
		}
		assert_int_equal(del(&ix, &r, j), 0);
		assert_int_equal(del(&ix, &r, j), -1);
		present[j] = false;
		assert_int_equal(find(&ix, &r, r.keys[j]), NAT_INDEX_EMPTY);
		if (i % (cap / 16 + 1) == 0)
			check_table(&ix, &r, present, cap);
	}
	assert_int_equal(ix.n, 0);
	for (i = 0; i < ix.nslots; i++)
		assert_int_equal(ix.slot[i].idx, NAT_INDEX_EMPTY);
	ix_free(&ix);
	free(present);
	free(r.keys);
}

static void
test_full_capacity(void **state)
{
	static const uint32_t caps[] = { 1, 2, 3, 5, 8, 100, 4093, 65536 };
	unsigned int i;
	int mode;

	(void)state;
	for (mode = 0; mode < 3; mode++)
		for (i = 0; i < RTE_DIM(caps); i++)
			/* 1,021 hash values make one quadratic cluster of
			 * 65,536: too slow for a unit test.
			 */
			if (mode != 1 || caps[i] < 10000)
				full_capacity(caps[i], mode);
}

/* An insert never takes the last empty slot. */
static void
test_never_full(void **state)
{
	uint32_t keys[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct recs r = { .keys = keys, .mode = 0 };
	struct nat_index ix;
	uint32_t i;

	(void)state;
	ix_make(&ix, 0, 5);
	for (i = 0; i < 4; i++)
		assert_int_equal(add(&ix, &r, i), 0);
	assert_int_equal(add(&ix, &r, 4), -1);
	assert_int_equal(ix.n, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(find(&ix, &r, keys[i]), i);
	/* A miss still ends at the empty slot. */
	assert_int_equal(find(&ix, &r, 99), NAT_INDEX_EMPTY);
	ix_free(&ix);
}

/* A key already in is not inserted twice; a deleted one can come back. */
static void
test_duplicates(void **state)
{
	uint32_t keys[4] = { 42, 42, 43, 42 };
	struct recs r = { .keys = keys, .mode = 1 };
	struct nat_index ix;

	(void)state;
	ix_make(&ix, 4, 0);
	assert_int_equal(add(&ix, &r, 0), 0);
	assert_int_equal(add(&ix, &r, 1), -1); /* same key, other record */
	assert_int_equal(add(&ix, &r, 0), -1); /* same record */
	assert_int_equal(add(&ix, &r, 2), 0);
	assert_int_equal(ix.n, 2);
	assert_int_equal(find(&ix, &r, 42), 0);
	assert_int_equal(del(&ix, &r, 1), -1); /* never inserted */
	assert_int_equal(del(&ix, &r, 0), 0);
	assert_int_equal(find(&ix, &r, 42), NAT_INDEX_EMPTY);
	assert_int_equal(add(&ix, &r, 3), 0);
	assert_int_equal(find(&ix, &r, 42), 3);
	assert_int_equal(find(&ix, &r, 43), 2);
	ix_free(&ix);
}

/*
 * Wrap-around: homes at the last slots, the cluster runs over the end
 * into slots 0.. where entries with home 0 sit behind it; delete at
 * every position and check that everything left is still found.
 */
static void
test_wrap_around(void **state)
{
	enum { NSLOTS = 11, N = 9 };
	/* Homes: 9, 10, 10, 0, 10, 9, 0, 1, 10 (set through the hash). */
	static const uint32_t homes[N] = { 9, 10, 10, 0, 10, 9, 0, 1, 10 };
	uint32_t hashes[N], victim, i;
	struct nat_index ix;

	(void)state;
	for (i = 0; i < N; i++) {
		/* Smallest hash with that home: ceil(home * 2^32 / n). */
		hashes[i] = (uint32_t)((((uint64_t)homes[i] << 32) + NSLOTS -
					1) / NSLOTS) + i;
	}
	for (victim = 0; victim < N; victim++) {
		uint32_t order;

		/* Several insertion orders: rotate the list. */
		for (order = 0; order < N; order++) {
			ix_make(&ix, 0, NSLOTS);
			for (i = 0; i < N; i++) {
				uint32_t k = (i + order) % N;

				assert_int_equal(nat_index_home(&ix,
								hashes[k]),
						 homes[k]);
				/* Hashes are distinct: no match needed. */
				assert_int_equal(nat_index_add(&ix, hashes[k],
							       k, NULL, NULL,
							       NULL), 0);
			}
			/* The table wrapped: slot 0 is not a home-0 entry
			 * placed first in every order.
			 */
			check_table(&ix, NULL, NULL, 0);
			assert_int_equal(nat_index_del(&ix, hashes[victim],
						       victim), 0);
			check_table(&ix, NULL, NULL, 0);
			for (i = 0; i < N; i++) {
				uint32_t p = nat_index_home(&ix, hashes[i]);
				bool found = false;

				while (ix.slot[p].idx != NAT_INDEX_EMPTY) {
					if (ix.slot[p].idx == i)
						found = true;
					p = nat_index_next(&ix, p);
				}
				assert_true(found == (i != victim));
			}
			ix_free(&ix);
		}
	}
}

/* xorshift64* for the test's own choices. */
static uint64_t rs = 0x853c49e6748fea9bULL;

static uint32_t
rnd(uint32_t n)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (uint32_t)(((rs * 0x2545f4914f6cdd1dULL) >> 32) * n >> 32);
}

/*
 * Random inserts, deletes and lookups against a reference (the present
 * flags of the records): 200,000 operations per hash mode, the table kept
 * between half full and full so clusters are long, the invariant checked
 * every 1,000 operations and at the end.
 */
static void
random_ops(int mode, uint32_t cap, uint32_t nslots, uint32_t ops)
{
	const uint32_t key_space = cap * 2;
	struct recs r = { .keys = calloc(cap, sizeof(uint32_t)), .mode = mode };
	bool *present = calloc(cap, sizeof(bool));
	uint32_t *rec_of = malloc(sizeof(uint32_t) * key_space);
	uint32_t *free_recs = malloc(sizeof(uint32_t) * cap);
	uint32_t n_free = cap, i, op;
	struct nat_index ix;

	assert_non_null(r.keys);
	assert_non_null(present);
	assert_non_null(rec_of);
	assert_non_null(free_recs);
	for (i = 0; i < key_space; i++)
		rec_of[i] = NAT_INDEX_EMPTY;
	for (i = 0; i < cap; i++)
		free_recs[i] = cap - 1 - i;
	ix_make(&ix, cap, nslots);
	for (op = 0; op < ops; op++) {
		uint32_t key = rnd(key_space), idx = rec_of[key];

		if (idx != NAT_INDEX_EMPTY) {
			assert_int_equal(find(&ix, &r, key), idx);
			if (rnd(4) != 0) {
				/* Delete. */
				assert_int_equal(del(&ix, &r, idx), 0);
				present[idx] = false;
				rec_of[key] = NAT_INDEX_EMPTY;
				free_recs[n_free++] = idx;
				assert_int_equal(find(&ix, &r, key),
						 NAT_INDEX_EMPTY);
			} else {
				/* Insert it again under another record:
				 * refused. */
				if (n_free != 0) {
					uint32_t j = free_recs[n_free - 1];

					r.keys[j] = key;
					assert_int_equal(add(&ix, &r, j), -1);
				}
			}
		} else {
			assert_int_equal(find(&ix, &r, key), NAT_INDEX_EMPTY);
			if (n_free != 0) {
				idx = free_recs[--n_free];
				r.keys[idx] = key;
				assert_int_equal(add(&ix, &r, idx), 0);
				present[idx] = true;
				rec_of[key] = idx;
				assert_int_equal(find(&ix, &r, key), idx);
			}
		}
		assert_int_equal(ix.n, cap - n_free);
		if (op % 1000 == 999)
			check_table(&ix, &r, present, cap);
	}
	check_table(&ix, &r, present, cap);
	for (i = 0; i < key_space; i++)
		assert_int_equal(find(&ix, &r, i), rec_of[i]);
	ix_free(&ix);
	free(free_recs);
	free(rec_of);
	free(present);
	free(r.keys);
}

static void
test_random_ops(void **state)
{
	int mode;

	(void)state;
	for (mode = 0; mode < 3; mode++) {
		/* Sized as the pool sizes it. */
		random_ops(mode, 4096, 0, 200000);
		/* Tiny and nearly full: every cluster wraps. */
		random_ops(mode, 13, 14, 50000);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizing),
		cmocka_unit_test(test_full_capacity),
		cmocka_unit_test(test_never_full),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_random_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
