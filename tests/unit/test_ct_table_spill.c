/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the session table's buckets (lib/conntrack): collisions
 * and spills, a full probe sequence, exact sizing at full load, churn,
 * the hash, and the SIMD signature compare. Keys that collide are found
 * by brute force over ct_hash() with the table's own (random) seed.
 * Shared helpers: ct_util.h.
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
/* Collisions and spills                                               */

#define N_COLL 35 /* 10 at home, 25 spilled over the next 3 buckets */

/*
 * N_COLL + 1 keys, each with its in2out home at home_in and its out2in
 * home at home_out, into u; the first N_COLL added, their indexes in idx.
 */
static void
spill_fill(struct ct_table *t, struct tuple *u, uint32_t *idx,
	   uint32_t home_in, uint32_t home_out, uint32_t *ctr)
{
	uint32_t i;

	for (i = 0; i < N_COLL + 1; i++) {
		u[i] = craft(t, tuple_of(i, proto_of(i)), CT_IN2OUT, home_in,
			     ctr);
		u[i] = craft(t, u[i], CT_OUT2IN, home_out, ctr);
		assert_int_equal(home_of(t, &u[i], CT_IN2OUT), home_in);
	}
	for (i = 0; i < N_COLL; i++) {
		idx[i] = add(t, &u[i]);
		assert_int_not_equal(idx[i], CT_NONE);
	}
}

/* Does bucket b of index d hold session idx in one of its slots? */
static bool
bucket_holds(const struct ct_table *t, enum ct_dir d, uint32_t b,
	     uint32_t idx)
{
	const struct ct_bucket *bk = &t->ht[d].bkt[b];
	bool in = false;
	unsigned int s;

	for (s = 0; s < CT_BKT_ENTRIES; s++)
		in |= bk->sig[s] && bk->idx[s] == idx;
	return in;
}

/* Remove the rest: nothing stays spilled, every bucket is empty. */
static void
spill_empty(struct ct_table *t, const uint32_t *idx, const bool *gone,
	    uint32_t nb_idx)
{
	uint32_t i, b;

	for (i = 0; i <= N_COLL; i++)
		if (!gone[i])
			ct_remove(t, idx[i]);
	ct_remove(t, nb_idx);
	assert_int_equal(t->used, 0);
	assert_int_equal(total_spilled(t, CT_IN2OUT), 0);
	assert_int_equal(total_spilled(t, CT_OUT2IN), 0);
	for (b = 0; b < t->ht[0].nbkt; b++) {
		assert_int_equal(bucket_used(t, CT_IN2OUT, b), 0);
		assert_int_equal(bucket_used(t, CT_OUT2IN, b), 0);
	}
}

static void
check_spill_case(uint32_t home_in, uint32_t home_out)
{
	struct ct_table *t = make_table(4096);
	struct tuple u[N_COLL + 1];
	uint32_t idx[N_COLL + 1], ctr = 1, i, b;
	bool gone[N_COLL + 1] = { false };
	uint32_t spilled_in, spilled_out;
	struct tuple nb;
	uint32_t nb_idx;

	/* Every key has its in2out home at home_in and its out2in home at
	 * home_out.
	 */
	spill_fill(t, u, idx, home_in, home_out, &ctr);
	/* 10 at home, the others on their probe sequences (each its own
	 * step), wrapping past the last bucket.
	 */
	assert_int_equal(bucket_used(t, CT_IN2OUT, home_in), 10);
	assert_int_equal(bucket_used(t, CT_OUT2IN, home_out), 10);
	assert_int_equal(count_away(t, CT_IN2OUT, &b), N_COLL - 10);
	assert_int_equal(count_away(t, CT_OUT2IN, &b), N_COLL - 10);
	assert_true(t->ht[CT_IN2OUT].bkt[home_in].reach >= 1);
	assert_int_equal(t->ht[CT_IN2OUT].bkt[home_in].spilled, N_COLL - 10);
	assert_int_equal(t->ht[CT_OUT2IN].bkt[home_out].spilled, N_COLL - 10);
	assert_int_equal(total_spilled(t, CT_IN2OUT), N_COLL - 10);
	for (i = 0; i < N_COLL; i++)
		assert_found(t, &u[i], idx[i]);

	/* A key whose home is a bucket one of our spills went to: it goes
	 * home and is found; that bucket's spill count is its own (0).
	 */
	for (b = 0; b == home_in || bucket_used(t, CT_IN2OUT, b) == 0; b++)
		;
	nb = craft(t, tuple_of(777, IPPROTO_UDP), CT_IN2OUT, b, &ctr);
	nb_idx = add(t, &nb);
	assert_int_not_equal(nb_idx, CT_NONE);
	assert_int_equal(t->ht[CT_IN2OUT].bkt[b].spilled, 0);
	assert_found(t, &nb, nb_idx);

	/* Remove spilled entries one by one (those outside the home
	 * bucket): the home's count goes down by one each time and all the
	 * others stay findable.
	 */
	spilled_in = N_COLL - 10;
	spilled_out = N_COLL - 10;
	for (i = 0; i < N_COLL; i += 2) {
		bool home_slot_in = bucket_holds(t, CT_IN2OUT, home_in,
						 idx[i]);
		bool home_slot_out = bucket_holds(t, CT_OUT2IN, home_out,
						  idx[i]);
		uint32_t j;

		ct_remove(t, idx[i]);
		gone[i] = true;
		spilled_in -= !home_slot_in;
		spilled_out -= !home_slot_out;
		assert_int_equal(t->ht[CT_IN2OUT].bkt[home_in].spilled,
				 spilled_in);
		assert_int_equal(t->ht[CT_OUT2IN].bkt[home_out].spilled,
				 spilled_out);
		for (j = 0; j < N_COLL; j++)
			if (gone[j])
				assert_missing(t, &u[j]);
			else
				assert_found(t, &u[j], idx[j]);
		assert_found(t, &nb, nb_idx);
	}
	/* The home bucket has room again: a new colliding key goes home and
	 * is found; the spilled ones are still found behind it.
	 */
	assert_true(bucket_used(t, CT_IN2OUT, home_in) < 10);
	idx[N_COLL] = add(t, &u[N_COLL]);
	assert_int_not_equal(idx[N_COLL], CT_NONE);
	assert_int_equal(t->ht[CT_IN2OUT].bkt[home_in].spilled, spilled_in);
	for (i = 0; i <= N_COLL; i++)
		if (!gone[i])
			assert_found(t, &u[i], idx[i]);

	spill_empty(t, idx, gone, nb_idx);
	ct_table_free(t);
}

static void
test_collisions_spill(void **state)
{
	(void)state;
	/* Homes in the middle, and at the last buckets (the spill wraps to
	 * bucket 0). 4096 sessions -> 547 buckets.
	 */
	assert_int_equal(ct_index_buckets(4096), 547);
	check_spill_case(100, 517);
	check_spill_case(546, 544);
}

/* A full probe sequence: ct_insert fails, and leaves nothing behind. */
static void
test_probe_sequence_full(void **state)
{
	const uint32_t full = CT_MAX_PROBE * CT_BKT_ENTRIES;
	struct ct_table *t = make_table(1024);
	struct tuple u;
	uint32_t ctr = 1, i, x, free0, sp_in;

	(void)state;
	/* In2out: full keys with one home and one step (5; 137 buckets, a
	 * prime: 16 distinct ones) fill the whole probe sequence.
	 */
	for (i = 0; i < full; i++) {
		u = craft_step(t, tuple_of(i, IPPROTO_UDP), CT_IN2OUT, 3, 5,
			       &ctr);
		assert_int_not_equal(add(t, &u), CT_NONE);
	}
	assert_int_equal(t->ht[CT_IN2OUT].bkt[3].spilled, full - 10);
	free0 = count_free(t);
	u = craft_step(t, tuple_of(5000, IPPROTO_UDP), CT_IN2OUT, 3, 5, &ctr);
	x = ct_alloc(t);
	assert_int_not_equal(x, CT_NONE);
	t->sessions[x].in_addr = u.in_addr;
	t->sessions[x].in_port = u.in_port;
	t->sessions[x].rem_addr = u.rem_addr;
	t->sessions[x].rem_port = u.rem_port;
	t->sessions[x].out_addr = u.out_addr;
	t->sessions[x].out_port = u.out_port;
	t->sessions[x].proto = u.proto;
	assert_int_equal(ct_insert(t, x), -1);
	assert_int_equal(t->used, full);
	assert_int_equal(t->by_proto[1], full);
	assert_int_equal(count_free(t), free0); /* given back */
	assert_int_equal(t->sessions[x].proto, 0);
	assert_missing(t, &u);
	assert_int_equal(slots_holding(t, CT_IN2OUT, x), 0);
	assert_int_equal(slots_holding(t, CT_OUT2IN, x), 0);
	assert_int_equal(t->ht[CT_IN2OUT].bkt[3].spilled, full - 10);
	ct_table_free(t);

	/* Out2in full: in2out was indexed first and must be undone. */
	t = make_table(1024);
	for (i = 0; i < full; i++) {
		u = craft_step(t, tuple_of(i, IPPROTO_TCP), CT_OUT2IN, 100, 7,
			       &ctr);
		assert_int_not_equal(add(t, &u), CT_NONE);
	}
	free0 = count_free(t);
	sp_in = total_spilled(t, CT_IN2OUT);
	assert_int_equal(t->ht[CT_OUT2IN].bkt[100].spilled, full - 10);
	u = craft_step(t, tuple_of(6000, IPPROTO_TCP), CT_OUT2IN, 100, 7,
		       &ctr);
	x = add(t, &u);
	assert_int_equal(x, CT_NONE);
	assert_int_equal(t->used, full);
	assert_int_equal(count_free(t), free0);
	assert_missing(t, &u);
	x = t->free_head; /* the session just given back */
	assert_int_equal(slots_holding(t, CT_IN2OUT, x), 0);
	assert_int_equal(slots_holding(t, CT_OUT2IN, x), 0);
	assert_int_equal(total_spilled(t, CT_IN2OUT), sp_in);
	assert_int_equal(t->ht[CT_OUT2IN].bkt[100].spilled, full - 10);
	assert_int_equal(total_spilled(t, CT_OUT2IN), full - 10);
	ct_table_free(t);
}


/* ------------------------------------------------------------------ */
/* Exact sizing at full load, churn, SIMD signatures, tick wrap        */

static uint64_t
xrand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * ct_hash() is CRC32-C of the key's two words from the seed, times
 * 0x9e3779b1, whichever instruction computes the CRC (ct_crc_8byte()):
 * the same value as DPDK's rte_hash_crc_8byte() gives.
 */
static void
test_hash_is_rte_crc(void **state)
{
	struct ct_table t = { .seed = 0x12345678 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		struct ct_key k;
		uint64_t w[2];
		uint32_t h;

		w[0] = xrand(&x);
		w[1] = xrand(&x);
		memcpy(&k, w, sizeof(k));
		if (i % 1000 == 0)
			t.seed = (uint32_t)xrand(&x);
		h = rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], t.seed));
		assert_int_equal(ct_hash(&t, &k), h * UINT32_C(0x9e3779b1));
	}
}

/* A random tuple (64 random bits in each key: no repeats in practice). */
static struct tuple
random_tuple(uint64_t *x)
{
	uint64_t r = xrand(x), q = xrand(x);
	struct tuple u = {
		.in_addr = (uint32_t)r,
		.rem_addr = (uint32_t)(r >> 32),
		.out_addr = (uint32_t)q,
		.in_port = (uint16_t)(q >> 32),
		.rem_port = (uint16_t)(q >> 48),
		.out_port = (uint16_t)(q >> 40),
		.proto = proto_of((uint32_t)(q >> 56)),
	};
	if (u.proto == IPPROTO_ICMP)
		u.rem_port = 0;
	return u;
}

/*
 * Fill a table to its exact capacity with keys from next(), look every one
 * up from both sides, check the spill counts against the keys, and say how
 * many spilled. No insert may fail: that would refuse a session.
 */
static void
fill_full(uint32_t cap, const char *what,
	  struct tuple (*next)(uint32_t i, uint64_t *x))
{
	struct ct_table *t = make_table(cap);
	uint32_t *idx = calloc(cap, sizeof(*idx));
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t i, fail = 0, away[2], dist[2];
	unsigned int d;

	assert_non_null(idx);
	for (i = 0; i < cap; i++) {
		struct tuple u = next(i, &x);

		idx[i] = add(t, &u);
		fail += idx[i] == CT_NONE;
	}
	assert_int_equal(fail, 0);
	assert_int_equal(t->used, cap);
	assert_int_equal(ct_alloc(t), CT_NONE);
	x = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < cap; i++) {
		struct tuple u = next(i, &x);

		assert_found(t, &u, idx[i]);
	}
	for (d = 0; d < 2; d++) {
		away[d] = count_away(t, (enum ct_dir)d, &dist[d]);
		assert_int_equal(total_spilled(t, (enum ct_dir)d), away[d]);
	}
	print_message("%s: %u sessions, %u buckets (%.1f%% of slots), "
		      "0 insert failures; spilled in2out %u (%.2f%%, farthest "
		      "probe %u), out2in %u (%.2f%%, %u)\n", what, cap,
		      t->ht[0].nbkt,
		      100.0 * cap / ((double)t->ht[0].nbkt * CT_BKT_ENTRIES),
		      away[0], 100.0 * away[0] / cap, dist[0], away[1],
		      100.0 * away[1] / cap, dist[1]);
	free(idx);
	ct_table_free(t);
}

static struct tuple
next_random(uint32_t i, uint64_t *x)
{
	(void)i;
	return random_tuple(x);
}

/* As the bench: 63 flows per host to one server, outside ports in order. */
static struct tuple
next_structured(uint32_t i, uint64_t *x)
{
	uint32_t host = i / 63;
	struct tuple u = {
		.in_addr = IP(100, 64 + (host >> 16), (host >> 8) & 0xff,
			      host & 0xff),
		.rem_addr = IP(203, 0, 113, 1),
		.out_addr = IP(198, 18, 0, (i >> 16) & 0xff),
		.in_port = rte_cpu_to_be_16((uint16_t)(10000 + i % 63)),
		.rem_port = rte_cpu_to_be_16(5000),
		.out_port = rte_cpu_to_be_16((uint16_t)(i & 0xffff)),
		.proto = IPPROTO_UDP,
	};
	(void)x;
	return u;
}

static void
test_full_load_exact_capacity(void **state)
{
	static const uint32_t caps[] = { 1, 9, 75, 1000, 64512, 1032192 };
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(caps); i++) {
		fill_full(caps[i], "random keys", next_random);
		fill_full(caps[i], "structured keys", next_structured);
	}
}

/*
 * Churn at full load: remove a random session, add a new random one, many
 * times over; nothing fails, the spill counts stay those of the keys and
 * every live session is found.
 */
static void
test_churn_full(void **state)
{
	const uint32_t cap = 50000, rounds = 8 * cap;
	struct ct_table *t = make_table(cap);
	struct tuple *u = calloc(cap, sizeof(*u));
	uint32_t *idx = calloc(cap, sizeof(*idx));
	uint64_t x = 12345;
	uint32_t i, d, fail = 0, dist;

	(void)state;
	assert_non_null(u);
	assert_non_null(idx);
	for (i = 0; i < cap; i++) {
		u[i] = random_tuple(&x);
		idx[i] = add(t, &u[i]);
		assert_int_not_equal(idx[i], CT_NONE);
	}
	for (i = 0; i < rounds; i++) {
		uint32_t j = (uint32_t)(xrand(&x) % cap);

		ct_remove(t, idx[j]);
		assert_missing(t, &u[j]);
		u[j] = random_tuple(&x);
		idx[j] = add(t, &u[j]);
		fail += idx[j] == CT_NONE;
		if (idx[j] == CT_NONE) /* keep going to count them */
			idx[j] = add(t, &u[j]);
	}
	assert_int_equal(fail, 0);
	assert_int_equal(t->used, cap);
	for (i = 0; i < cap; i++)
		assert_found(t, &u[i], idx[i]);
	for (d = 0; d < 2; d++)
		assert_int_equal(total_spilled(t, (enum ct_dir)d),
				 count_away(t, (enum ct_dir)d, &dist));
	for (i = 0; i < cap; i++)
		ct_remove(t, idx[i]);
	assert_int_equal(total_spilled(t, CT_IN2OUT), 0);
	assert_int_equal(total_spilled(t, CT_OUT2IN), 0);
	assert_int_equal(count_free(t), cap);
	free(u);
	free(idx);
	ct_table_free(t);
}

/* ct_bkt_match: a signature in any slot, several, none; not the other
 * fields of the bucket. */
static void
test_simd_signature_slots(void **state)
{
	struct ct_bucket b;
	unsigned int i, j;

	(void)state;
	for (i = 0; i < CT_BKT_ENTRIES; i++) {
		memset(&b, 0, sizeof(b));
		for (j = 0; j < CT_BKT_ENTRIES; j++) {
			b.sig[j] = (uint16_t)(0x100 + j);
			b.idx[j] = 0x7777u * 0x10001u; /* 0x7777 halves */
		}
		b.spilled = 0x7777;
		b.reach = 0x7777;
		b.sig[i] = 0x7777;
		assert_int_equal(ct_bkt_match(&b, 0x7777), 1u << i);
		assert_int_equal(ct_bkt_match(&b, 0), 0);
		b.sig[i] = 0;
		assert_int_equal(ct_bkt_match(&b, 0), 1u << i);
		assert_int_equal(ct_bkt_match(&b, 0x7777), 0);
		b.sig[i] = 0x8001; /* sign bit set: packs saturates */
		b.sig[(i + 3) % CT_BKT_ENTRIES] = 0x8001;
		assert_int_equal(ct_bkt_match(&b, 0x8001),
				 1u << i | 1u << ((i + 3) % CT_BKT_ENTRIES));
	}
	memset(&b, 0, sizeof(b));
	assert_int_equal(ct_bkt_match(&b, 0), (1u << CT_BKT_ENTRIES) - 1);
}

/*
 * Through the table: 10 keys with one home fill its slots in order, and
 * each is the first candidate and the lookup answer at its slot position
 * (unless an earlier slot has its signature).
 */
static void
test_simd_every_slot_position(void **state)
{
	struct ct_table *t = make_table(4096);
	struct tuple u[CT_BKT_ENTRIES];
	uint32_t idx[CT_BKT_ENTRIES], ctr = 1, home = 77;
	unsigned int i, j;

	(void)state;
	for (i = 0; i < CT_BKT_ENTRIES; i++) {
		u[i] = craft(t, tuple_of(i, IPPROTO_UDP), CT_IN2OUT, home,
			     &ctr);
		idx[i] = add(t, &u[i]);
		assert_int_not_equal(idx[i], CT_NONE);
	}
	for (i = 0; i < CT_BKT_ENTRIES; i++) {
		const struct ct_bucket *b = &t->ht[CT_IN2OUT].bkt[home];
		struct ct_key k;
		uint32_t h;
		bool earlier = false;

		assert_int_equal(b->idx[i], idx[i]); /* slot i */
		key_of(&u[i], CT_IN2OUT, &k);
		h = ct_hash(t, &k);
		assert_int_equal(b->sig[i], ct_sig(h));
		for (j = 0; j < i; j++)
			earlier |= b->sig[j] == b->sig[i];
		if (!earlier)
			assert_int_equal(ct_first_candidate(t, CT_IN2OUT, h),
					 idx[i]);
		assert_int_equal(ct_lookup(t, CT_IN2OUT, &k, h), idx[i]);
		assert_true(ct_bkt_match(b, ct_sig(h)) & 1u << i);
	}
	ct_table_free(t);
}

/* ------------------------------------------------------------------ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collisions_spill),
		cmocka_unit_test(test_probe_sequence_full),
		cmocka_unit_test(test_full_load_exact_capacity),
		cmocka_unit_test(test_churn_full),
		cmocka_unit_test(test_hash_is_rte_crc),
		cmocka_unit_test(test_simd_signature_slots),
		cmocka_unit_test(test_simd_every_slot_position),
	};

	return cmocka_run_group_tests_name("ct_table_spill", tests,
					   ct_group_setup,
					   ct_group_teardown);
}
