/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the per-core session table (lib/conntrack): indexing in
 * both directions, capacity, collisions and spills, aging with an
 * injected clock (checklist C), and TCP state tracking (checklist D).
 *
 * The table allocates with rte_zmalloc, so the group setup starts an EAL
 * without hugepages, PCI or shared config, under a file prefix of its own.
 * Keys that collide are found by brute force over ct_hash() with the
 * table's own (random) seed.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "ct_session.h"
#include "ct_table.h"
#include "ct_tcp.h"

/* Timeouts here are small numbers of clock units: one tick each. */
#define UT_MAX_TIMEOUT 100000

#define IP(a, b, c, d) \
	rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (d))

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

struct tuple {
	uint32_t in_addr, rem_addr, out_addr;
	uint16_t in_port, rem_port, out_port;
	uint8_t proto;
};

/* A distinct tuple for each i (network order). */
static struct tuple
tuple_of(uint32_t i, uint8_t proto)
{
	struct tuple u = {
		.in_addr = IP(100, 64, (i >> 8) & 0xff, i & 0xff),
		.rem_addr = IP(198, 51, 100, (i * 7) & 0xff),
		.out_addr = IP(203, 0, 113, i & 7),
		.in_port = rte_cpu_to_be_16((uint16_t)(1024 + (i >> 16))),
		.rem_port = proto == IPPROTO_ICMP ? 0 :
			    rte_cpu_to_be_16((uint16_t)(80 + (i & 3))),
		.out_port = rte_cpu_to_be_16((uint16_t)(1024 + (i >> 3))),
		.proto = proto,
	};
	return u;
}

static uint8_t
proto_of(uint32_t i)
{
	return i % 3 == 0 ? IPPROTO_TCP : i % 3 == 1 ? IPPROTO_UDP :
						      IPPROTO_ICMP;
}

static void
key_of(const struct tuple *u, enum ct_dir d, struct ct_key *k)
{
	memset(k, 0, sizeof(*k));
	k->a_addr = d == CT_IN2OUT ? u->in_addr : u->out_addr;
	k->a_port = d == CT_IN2OUT ? u->in_port : u->out_port;
	k->b_addr = u->rem_addr;
	k->b_port = u->rem_port;
	k->proto = u->proto;
}

static uint32_t
home_of(const struct ct_table *t, const struct tuple *u, enum ct_dir d)
{
	struct ct_key k;

	key_of(u, d, &k);
	return ct_home(&t->ht[d], ct_hash(t, &k));
}

static uint32_t
step_of(const struct ct_table *t, const struct tuple *u, enum ct_dir d)
{
	struct ct_key k;

	key_of(u, d, &k);
	return ct_step(&t->ht[d], ct_hash(t, &k));
}

static uint32_t
lookup(const struct ct_table *t, const struct tuple *u, enum ct_dir d)
{
	struct ct_key k;

	key_of(u, d, &k);
	return ct_lookup(t, d, &k, ct_hash(t, &k));
}

/* Allocate, fill and index a session; returns its index or CT_NONE. */
static uint32_t
add(struct ct_table *t, const struct tuple *u)
{
	uint32_t idx = ct_alloc(t);
	struct ct_session *s;

	if (idx == CT_NONE)
		return CT_NONE;
	s = &t->sessions[idx];
	s->in_addr = u->in_addr;
	s->in_port = u->in_port;
	s->rem_addr = u->rem_addr;
	s->rem_port = u->rem_port;
	s->out_addr = u->out_addr;
	s->out_port = u->out_port;
	s->proto = u->proto;
	if (ct_insert(t, idx) < 0)
		return CT_NONE;
	return idx;
}

/* Is the session found from both directions? */
static void
assert_found(const struct ct_table *t, const struct tuple *u, uint32_t idx)
{
	assert_int_equal(lookup(t, u, CT_IN2OUT), idx);
	assert_int_equal(lookup(t, u, CT_OUT2IN), idx);
}

static void
assert_missing(const struct ct_table *t, const struct tuple *u)
{
	assert_int_equal(lookup(t, u, CT_IN2OUT), CT_NONE);
	assert_int_equal(lookup(t, u, CT_OUT2IN), CT_NONE);
}

/* Number of slots of index d that hold idx (0 or 1 when all is well). */
static unsigned int
slots_holding(const struct ct_table *t, enum ct_dir d, uint32_t idx)
{
	unsigned int n = 0, i;
	uint32_t b;

	for (b = 0; b < t->ht[d].nbkt; b++)
		for (i = 0; i < CT_BKT_ENTRIES; i++)
			if (t->ht[d].bkt[b].sig[i] != 0 &&
			    t->ht[d].bkt[b].idx[i] == idx)
				n++;
	return n;
}

static unsigned int
bucket_used(const struct ct_table *t, enum ct_dir d, uint32_t b)
{
	unsigned int n = 0, i;

	for (i = 0; i < CT_BKT_ENTRIES; i++)
		n += t->ht[d].bkt[b % t->ht[d].nbkt].sig[i] != 0;
	return n;
}

/* Sum of spilled over all buckets: must equal entries stored away from
 * their home.
 */
static uint32_t
total_spilled(const struct ct_table *t, enum ct_dir d)
{
	uint32_t b, n = 0;

	for (b = 0; b < t->ht[d].nbkt; b++)
		n += t->ht[d].bkt[b].spilled;
	return n;
}

/* Probe number at which the probe sequence of hash reaches bucket b
 * (0: home), or CT_MAX_PROBE when it does not. */
static uint32_t
probe_pos(const struct ct_htable *h, uint32_t hash, uint32_t b)
{
	uint32_t bi = ct_home(h, hash), p;

	for (p = 0; p < CT_MAX_PROBE; p++) {
		if (bi == b)
			return p;
		bi = ct_next_bucket(h, bi, ct_step(h, hash));
	}
	return p;
}

/*
 * Entries of index d stored away from their home bucket, from the keys;
 * each must be on its probe sequence within its home's reach. The
 * farthest probe number goes to *max_pos.
 */
static uint32_t
count_away(const struct ct_table *t, enum ct_dir d, uint32_t *max_pos)
{
	const struct ct_htable *h = &t->ht[d];
	uint32_t b, n = 0;
	unsigned int i;

	*max_pos = 0;
	for (b = 0; b < h->nbkt; b++)
		for (i = 0; i < CT_BKT_ENTRIES; i++) {
			struct ct_key k;
			uint32_t hash, pos;

			if (h->bkt[b].sig[i] == 0)
				continue;
			ct_session_key(&t->sessions[h->bkt[b].idx[i]], d, &k);
			hash = ct_hash(t, &k);
			assert_int_equal(h->bkt[b].sig[i], ct_sig(hash));
			pos = probe_pos(h, hash, b);
			assert_true(pos < CT_MAX_PROBE);
			assert_true(pos <= h->bkt[ct_home(h, hash)].reach);
			n += pos != 0;
			if (pos > *max_pos)
				*max_pos = pos;
		}
	return n;
}

static uint32_t
count_free(struct ct_table *t)
{
	uint32_t n = 0, i;

	for (i = t->free_head; i != CT_NONE; i = t->cold[i].next)
		n++;
	return n;
}

static struct ct_table *
make_table(uint32_t cap)
{
	static unsigned int seq;
	char name[32];
	struct ct_table *t;

	snprintf(name, sizeof(name), "ut_ct_%u", seq++);
	t = ct_table_create(name, cap, UT_MAX_TIMEOUT, SOCKET_ID_ANY);
	assert_non_null(t);
	return t;
}

/*
 * A tuple (from base, varied in its ports and inside address) whose
 * home bucket in index d is want. For d == CT_IN2OUT the inside side
 * varies; for CT_OUT2IN the outside side, so the other index's home stays
 * as it was.
 */
static struct tuple
craft_step(const struct ct_table *t, struct tuple base, enum ct_dir d,
	   uint32_t want, uint32_t step, uint32_t *counter)
{
	assert_true(want < t->ht[d].nbkt);
	for (;; (*counter)++) {
		uint32_t c = *counter;

		if (d == CT_IN2OUT) {
			base.in_port = rte_cpu_to_be_16((uint16_t)c);
			base.in_addr = IP(10, (c >> 24) & 0xff,
					  (c >> 16) & 0xff, 1);
		} else {
			base.out_port = rte_cpu_to_be_16((uint16_t)c);
			base.out_addr = IP(203, 0, (c >> 16) & 0xff, 1);
		}
		if (home_of(t, &base, d) == want &&
		    (step == 0 || step_of(t, &base, d) == step)) {
			(*counter)++;
			return base;
		}
	}
}

/* The same, with any probe step. */
static struct tuple
craft(const struct ct_table *t, struct tuple base, enum ct_dir d,
      uint32_t want, uint32_t *counter)
{
	return craft_step(t, base, d, want, 0, counter);
}

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
/* Collisions and spills                                               */

#define N_COLL 35 /* 10 at home, 25 spilled over the next 3 buckets */

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
	for (i = 0; i < N_COLL + 1; i++) {
		u[i] = craft(t, tuple_of(i, proto_of(i)), CT_IN2OUT, home_in,
			     &ctr);
		u[i] = craft(t, u[i], CT_OUT2IN, home_out, &ctr);
		assert_int_equal(home_of(t, &u[i], CT_IN2OUT), home_in);
	}
	for (i = 0; i < N_COLL; i++) {
		idx[i] = add(t, &u[i]);
		assert_int_not_equal(idx[i], CT_NONE);
	}
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
		bool home_slot_in = false, home_slot_out = false;
		unsigned int s;
		uint32_t j;

		for (s = 0; s < CT_BKT_ENTRIES; s++) {
			const struct ct_bucket *bi =
				&t->ht[CT_IN2OUT].bkt[home_in];
			const struct ct_bucket *bo =
				&t->ht[CT_OUT2IN].bkt[home_out];

			home_slot_in |= bi->sig[s] && bi->idx[s] == idx[i];
			home_slot_out |= bo->sig[s] && bo->idx[s] == idx[i];
		}
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

	/* Remove the rest: nothing stays spilled, every bucket is empty. */
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

static char prefix[64];

static int
group_setup(void **state)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci",
			 "--no-shconf", "--no-telemetry",
			 "--log-level=lib.eal:error",
			 "--file-prefix", prefix, NULL };
	int argc = (int)RTE_DIM(argv) - 1;

	(void)state;
	snprintf(prefix, sizeof(prefix), "ut_ct%d", (int)getpid());
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	/* EAL leaves its (empty, with --no-shconf) runtime directory. */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
	return 0;
}

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
		cmocka_unit_test(test_collisions_spill),
		cmocka_unit_test(test_probe_sequence_full),
		cmocka_unit_test(test_full_load_exact_capacity),
		cmocka_unit_test(test_churn_full),
		cmocka_unit_test(test_hash_is_rte_crc),
		cmocka_unit_test(test_simd_signature_slots),
		cmocka_unit_test(test_simd_every_slot_position),
		cmocka_unit_test(test_last_seen_wrap),
		cmocka_unit_test(test_tcp_normal_open),
		cmocka_unit_test(test_tcp_simultaneous_open),
		cmocka_unit_test(test_tcp_fin_both_ways),
		cmocka_unit_test(test_tcp_rst_and_resyn),
		cmocka_unit_test(test_aging_classes),
		cmocka_unit_test(test_aging_budget_and_cursor),
	};

	return cmocka_run_group_tests_name("ct_table", tests, group_setup,
					   group_teardown);
}
