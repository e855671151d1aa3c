/* SPDX-License-Identifier: BSD-3-Clause
 * What the session table tests share (ct_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "ct_util.h"
#include "ut_eal.h"

/* A distinct tuple for each i (network order). */
struct tuple
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

uint8_t
proto_of(uint32_t i)
{
	return i % 3 == 0 ? IPPROTO_TCP : i % 3 == 1 ? IPPROTO_UDP :
						      IPPROTO_ICMP;
}

void
key_of(const struct tuple *u, enum ct_dir d, struct ct_key *k)
{
	memset(k, 0, sizeof(*k));
	k->a_addr = d == CT_IN2OUT ? u->in_addr : u->out_addr;
	k->a_port = d == CT_IN2OUT ? u->in_port : u->out_port;
	k->b_addr = u->rem_addr;
	k->b_port = u->rem_port;
	k->proto = u->proto;
}

uint32_t
home_of(const struct ct_table *t, const struct tuple *u, enum ct_dir d)
{
	struct ct_key k;

	key_of(u, d, &k);
	return ct_home(&t->ht[d], ct_hash(t, &k));
}

uint32_t
step_of(const struct ct_table *t, const struct tuple *u, enum ct_dir d)
{
	struct ct_key k;

	key_of(u, d, &k);
	return ct_step(&t->ht[d], ct_hash(t, &k));
}

uint32_t
lookup(const struct ct_table *t, const struct tuple *u, enum ct_dir d)
{
	struct ct_key k;

	key_of(u, d, &k);
	return ct_lookup(t, d, &k, ct_hash(t, &k));
}

/* Allocate, fill and index a session; returns its index or CT_NONE. */
uint32_t
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
void
assert_found(const struct ct_table *t, const struct tuple *u, uint32_t idx)
{
	assert_int_equal(lookup(t, u, CT_IN2OUT), idx);
	assert_int_equal(lookup(t, u, CT_OUT2IN), idx);
}

void
assert_missing(const struct ct_table *t, const struct tuple *u)
{
	assert_int_equal(lookup(t, u, CT_IN2OUT), CT_NONE);
	assert_int_equal(lookup(t, u, CT_OUT2IN), CT_NONE);
}

/* Number of slots of index d that hold idx (0 or 1 when all is well). */
unsigned int
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

unsigned int
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
uint32_t
total_spilled(const struct ct_table *t, enum ct_dir d)
{
	uint32_t b, n = 0;

	for (b = 0; b < t->ht[d].nbkt; b++)
		n += t->ht[d].bkt[b].spilled;
	return n;
}

/* Probe number at which the probe sequence of hash reaches bucket b
 * (0: home), or CT_MAX_PROBE when it does not. */
uint32_t
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
uint32_t
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

uint32_t
count_free(struct ct_table *t)
{
	uint32_t n = 0, i;

	for (i = t->free_head; i != CT_NONE; i = t->cold[i].next)
		n++;
	return n;
}

struct ct_table *
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
struct tuple
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
struct tuple
craft(const struct ct_table *t, struct tuple base, enum ct_dir d,
      uint32_t want, uint32_t *counter)
{
	return craft_step(t, base, d, want, 0, counter);
}


int
ct_group_setup(void **state)
{
	(void)state;
	return ut_eal_start("ut_ct");
}

int
ct_group_teardown(void **state)
{
	return ut_eal_group_teardown(state);
}
