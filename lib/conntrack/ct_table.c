/* SPDX-License-Identifier: BSD-3-Clause
 * Per-core session table: allocation, indexing, aging.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "ct_table.h"
#include "ct_tcp.h"

/* struct ct_session.proto is 6 bits wide. */
static_assert(IPPROTO_TCP < 64 && IPPROTO_UDP < 64 && IPPROTO_ICMP < 64,
	      "session protocols fit ct_session.proto");

static bool
is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	for (d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

/* Buckets of an index for capacity sessions (see ct_table.h). */
uint32_t
ct_index_buckets(uint32_t capacity)
{
	uint64_t slots = CT_LOAD_NUM * (uint64_t)CT_BKT_ENTRIES;
	uint32_t nbkt = (uint32_t)(((uint64_t)capacity * CT_LOAD_DEN +
				    slots - 1) / slots);

	if (nbkt < CT_MAX_PROBE)
		nbkt = CT_MAX_PROBE;
	while (!is_prime(nbkt))
		nbkt++;
	return nbkt;
}

int
ct_set_timeout(struct ct_table *t, enum ct_timeout c, uint64_t tsc)
{
	if ((unsigned int)c >= CT_TO_MAX ||
	    (tsc >> t->clock_shift) >= CT_TICKS_TIMEOUT_MAX)
		return -EINVAL;
	t->timeout[c] = tsc;
	return 0;
}

struct ct_table *
ct_table_create(const char *name, uint32_t capacity, uint64_t max_timeout,
		int socket)
{
	struct ct_table *t;
	uint32_t nbkt, i;
	size_t sz;
	int d;

	if (capacity == 0 || capacity >= CT_NONE) {
		errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket(name, sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		return NULL;
	t->bytes = sizeof(*t);
	t->capacity = capacity;
	t->seed = (uint32_t)rte_rand();
	while ((max_timeout >> t->clock_shift) >= CT_TICKS_TIMEOUT_MAX)
		t->clock_shift++;

	sz = (size_t)capacity * sizeof(struct ct_session);
	t->sessions = rte_zmalloc_socket(name, sz, RTE_CACHE_LINE_SIZE, socket);
	if (t->sessions == NULL)
		goto fail;
	t->bytes += sz;
	sz = (size_t)capacity * sizeof(struct ct_cold);
	t->cold = rte_malloc_socket(name, sz, RTE_CACHE_LINE_SIZE, socket);
	if (t->cold == NULL)
		goto fail;
	t->bytes += sz;
	for (i = 0; i < capacity; i++) {
		t->cold[i].map_idx = CT_NONE;
		t->cold[i].next = i + 1 < capacity ? i + 1 : CT_NONE;
	}
	t->free_head = 0;

	nbkt = ct_index_buckets(capacity);
	for (d = 0; d < 2; d++) {
		sz = (size_t)nbkt * sizeof(struct ct_bucket);
		t->ht[d].bkt = rte_zmalloc_socket(name, sz,
						  RTE_CACHE_LINE_SIZE, socket);
		if (t->ht[d].bkt == NULL)
			goto fail;
		t->ht[d].nbkt = nbkt;
		t->bytes += sz;
	}
	return t;
fail:
	ct_table_free(t);
	errno = ENOMEM;
	return NULL;
}

void
ct_table_free(struct ct_table *t)
{
	if (t == NULL)
		return;
	rte_free(t->ht[0].bkt);
	rte_free(t->ht[1].bkt);
	rte_free(t->cold);
	rte_free(t->sessions);
	rte_free(t);
}

uint32_t
ct_alloc(struct ct_table *t)
{
	uint32_t idx = t->free_head;

	if (idx == CT_NONE)
		return CT_NONE;
	t->free_head = t->cold[idx].next;
	memset(&t->sessions[idx], 0, sizeof(struct ct_session));
	t->sessions[idx].nh_idx = CT_NONE;
	t->cold[idx].next = CT_NONE;
	t->cold[idx].map_idx = CT_NONE;
	return idx;
}

static void
ct_free(struct ct_table *t, uint32_t idx)
{
	t->sessions[idx].proto = 0;
	t->cold[idx].next = t->free_head;
	t->free_head = idx;
}

static int
ht_add(struct ct_htable *h, uint32_t hash, uint32_t idx)
{
	uint32_t home = ct_home(h, hash), bi = home;
	uint32_t step = ct_step(h, hash), p;

	for (p = 0; p < CT_MAX_PROBE; p++) {
		struct ct_bucket *b = &h->bkt[bi];
		uint32_t m = ct_bkt_match(b, 0); /* empty slots */

		if (m != 0) {
			unsigned int i = __builtin_ctz(m);

			b->idx[i] = idx;
			b->sig[i] = ct_sig(hash);
			if (p > 0) {
				h->bkt[home].spilled++;
				if (p > h->bkt[home].reach)
					h->bkt[home].reach = (uint16_t)p;
			}
			return 0;
		}
		bi = ct_next_bucket(h, bi, step);
	}
	return -1;
}

static void
ht_del(struct ct_htable *h, uint32_t hash, uint32_t idx)
{
	uint32_t home = ct_home(h, hash), bi = home;
	uint32_t step = ct_step(h, hash), p;

	for (p = 0; p <= h->bkt[home].reach; p++) {
		struct ct_bucket *b = &h->bkt[bi];
		uint32_t m;

		for (m = ct_bkt_match(b, ct_sig(hash)); m != 0; m &= m - 1) {
			unsigned int i = __builtin_ctz(m);

			if (b->idx[i] != idx)
				continue;
			b->sig[i] = 0;
			if (p > 0 && --h->bkt[home].spilled == 0)
				h->bkt[home].reach = 0;
			return;
		}
		bi = ct_next_bucket(h, bi, step);
	}
}

int
ct_insert(struct ct_table *t, uint32_t idx)
{
	struct ct_session *s = &t->sessions[idx];
	struct ct_key k;
	uint32_t h0, h1;
	int slot;

	ct_session_key(s, CT_IN2OUT, &k);
	h0 = ct_hash(t, &k);
	ct_session_key(s, CT_OUT2IN, &k);
	h1 = ct_hash(t, &k);
	if (ht_add(&t->ht[CT_IN2OUT], h0, idx) < 0)
		goto fail;
	if (ht_add(&t->ht[CT_OUT2IN], h1, idx) < 0) {
		ht_del(&t->ht[CT_IN2OUT], h0, idx);
		goto fail;
	}
	t->used++;
	slot = ct_proto_slot(s->proto);
	if (slot >= 0)
		t->by_proto[slot]++;
	return 0;
fail:
	ct_free(t, idx);
	return -1;
}

void
ct_remove(struct ct_table *t, uint32_t idx)
{
	struct ct_session *s = &t->sessions[idx];
	struct ct_key k;
	int slot;

	ct_session_key(s, CT_IN2OUT, &k);
	ht_del(&t->ht[CT_IN2OUT], ct_hash(t, &k), idx);
	ct_session_key(s, CT_OUT2IN, &k);
	ht_del(&t->ht[CT_OUT2IN], ct_hash(t, &k), idx);
	slot = ct_proto_slot(s->proto);
	if (slot >= 0)
		t->by_proto[slot]--;
	t->used--;
	ct_free(t, idx);
}

enum ct_timeout
ct_session_timeout_class(const struct ct_session *s)
{
	switch (s->proto) {
	case 6:
		if (ct_tcp_established(s->state))
			return CT_TO_TCP_EST;
		/* RFC 5382 REQ-5: opening and closing are timed apart. */
		return (s->state & (CT_TCP_RST | CT_TCP_FIN_IN |
				    CT_TCP_FIN_OUT)) ? CT_TO_TCP_CLOSE :
						       CT_TO_TCP_TRANS;
	case 1:
		return CT_TO_ICMP;
	default:
		return CT_TO_UDP;
	}
}

uint32_t
ct_scan(struct ct_table *t, uint64_t now, uint32_t budget,
	ct_expire_fn expire, void *arg)
{
	uint32_t n = 0;

	if (budget > t->capacity)
		budget = t->capacity;
	while (budget--) {
		uint32_t idx = t->scan_cursor;
		struct ct_session *s = &t->sessions[idx];

		if (++t->scan_cursor == t->capacity)
			t->scan_cursor = 0;
		if (s->proto == 0 || !ct_session_expired(t, s, now))
			continue;
		expire(t, idx, arg);
		n++;
	}
	return n;
}

const char *
ct_tcp_state_name(uint8_t st)
{
	if (st & CT_TCP_RST)
		return "reset";
	if ((st & (CT_TCP_FIN_IN | CT_TCP_FIN_OUT)) ==
	    (CT_TCP_FIN_IN | CT_TCP_FIN_OUT))
		return "closing";
	if (ct_tcp_established(st))
		return (st & (CT_TCP_FIN_IN | CT_TCP_FIN_OUT)) ? "fin-wait" :
								 "established";
	if (st & (CT_TCP_SYN_IN | CT_TCP_SYN_OUT))
		return "syn";
	return "none";
}
