/* SPDX-License-Identifier: BSD-3-Clause
 * Per-core session table.
 *
 * Single writer: the worker lcore that owns it. Other threads may read the
 * session array for display (see docs/ARCHITECTURE.md); nothing else.
 *
 * Layout:
 *   sessions[]   preallocated array of 64-byte sessions, free list threaded
 *                through ct_session.next.
 *   in2out, out2in   two hash indexes over the same sessions. Each bucket
 *                is one cache line with 10 (16-bit signature, 32-bit index)
 *                slots, so a lookup costs one bucket line plus the session
 *                line, and both can be prefetched a burst ahead. A full
 *                bucket spills into the next ones (linear probing, bounded
 *                by CT_MAX_PROBE) and counts the spill in its home bucket,
 *                so a lookup stops at the home bucket in the common case.
 */
#ifndef CT_TABLE_H
#define CT_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "ct_session.h"

#define CT_BKT_ENTRIES 10
#define CT_MAX_PROBE 8

struct ct_bucket {
	uint16_t sig[CT_BKT_ENTRIES]; /* 0: empty slot */
	uint16_t spilled;             /* entries of this home stored later */
	uint16_t pad;
	uint32_t idx[CT_BKT_ENTRIES];
} __rte_cache_aligned;

struct ct_htable {
	struct ct_bucket *bkt;
	uint32_t mask; /* number of buckets - 1 */
};

/* A lookup key: endpoint a (inside or outside) and remote endpoint b. */
struct ct_key {
	uint32_t a_addr;
	uint32_t b_addr;
	uint16_t a_port;
	uint16_t b_port;
	uint8_t proto;
	uint8_t pad[3];
} __rte_aligned(8); /* ct_hash() reads it as two 64-bit words */

struct ct_table {
	struct ct_session *sessions;
	uint32_t capacity;
	uint32_t used;
	uint32_t free_head;
	uint32_t seed;
	uint32_t scan_cursor;
	struct ct_htable ht[2]; /* indexed by enum ct_dir */
	uint64_t timeout[CT_TO_MAX]; /* clock units */
	uint64_t bytes;              /* memory allocated for the table */
	uint32_t by_proto[3];        /* live sessions: TCP, UDP, ICMP */
};

/* Create a table for up to capacity sessions on a NUMA socket. */
struct ct_table *ct_table_create(const char *name, uint32_t capacity,
				 int socket);
void ct_table_free(struct ct_table *t);

static inline uint32_t
ct_hash(const struct ct_table *t, const struct ct_key *k)
{
	const uint64_t *w = (const uint64_t *)k;
	uint32_t h = rte_hash_crc_8byte(w[0], t->seed);

	return rte_hash_crc_8byte(w[1], h);
}

static inline uint16_t
ct_sig(uint32_t hash)
{
	uint16_t s = (uint16_t)(hash >> 16);

	return s ? s : 1;
}

static inline void
ct_prefetch_bucket(const struct ct_table *t, enum ct_dir d, uint32_t hash)
{
	rte_prefetch0(&t->ht[d].bkt[hash & t->ht[d].mask]);
}

/* Key of a session as seen from one direction. */
static inline void
ct_session_key(const struct ct_session *s, enum ct_dir d, struct ct_key *k)
{
	k->a_addr = d == CT_IN2OUT ? s->in_addr : s->out_addr;
	k->a_port = d == CT_IN2OUT ? s->in_port : s->out_port;
	k->b_addr = s->rem_addr;
	k->b_port = s->rem_port;
	k->proto = s->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* Does session s match key k seen from direction d? */
static inline bool
ct_session_match(const struct ct_session *s, enum ct_dir d,
		 const struct ct_key *k)
{
	if (d == CT_IN2OUT)
		return s->in_addr == k->a_addr && s->in_port == k->a_port &&
		       s->rem_addr == k->b_addr && s->rem_port == k->b_port &&
		       s->proto == k->proto;
	return s->out_addr == k->a_addr && s->out_port == k->a_port &&
	       s->rem_addr == k->b_addr && s->rem_port == k->b_port &&
	       s->proto == k->proto;
}

/*
 * First candidate for a key: the index stored with a matching signature in
 * the home bucket, or CT_NONE. Used to prefetch the session line; the match
 * must still be verified (ct_session_match) and, if it fails, ct_lookup()
 * gives the answer.
 */
static inline uint32_t
ct_first_candidate(const struct ct_table *t, enum ct_dir d, uint32_t hash)
{
	const struct ct_bucket *b = &t->ht[d].bkt[hash & t->ht[d].mask];
	uint16_t sig = ct_sig(hash);
	unsigned int i;

	for (i = 0; i < CT_BKT_ENTRIES; i++)
		if (b->sig[i] == sig)
			return b->idx[i];
	return CT_NONE;
}

/* Full lookup: session index or CT_NONE. */
static inline uint32_t
ct_lookup(const struct ct_table *t, enum ct_dir d, const struct ct_key *k,
	  uint32_t hash)
{
	const struct ct_htable *h = &t->ht[d];
	uint32_t home = hash & h->mask;
	uint16_t sig = ct_sig(hash);
	uint32_t p, bi;
	unsigned int i;

	for (p = 0; p < CT_MAX_PROBE; p++) {
		const struct ct_bucket *b;

		bi = (home + p) & h->mask;
		b = &h->bkt[bi];
		for (i = 0; i < CT_BKT_ENTRIES; i++)
			if (b->sig[i] == sig &&
			    ct_session_match(&t->sessions[b->idx[i]], d, k))
				return b->idx[i];
		if (p == 0 && b->spilled == 0)
			break;
	}
	return CT_NONE;
}

/*
 * Take a free session; the caller fills its keys and then calls
 * ct_insert(). Returns CT_NONE when the table is full.
 */
uint32_t ct_alloc(struct ct_table *t);

/*
 * Index a filled session in both directions. On failure (a probe
 * sequence is full) the session is given back and -1 is returned.
 */
int ct_insert(struct ct_table *t, uint32_t idx);

/* Remove a session from both indexes and free it. */
void ct_remove(struct ct_table *t, uint32_t idx);

/* Timeout class of a session. */
enum ct_timeout ct_session_timeout_class(const struct ct_session *s);

static inline bool
ct_session_expired(const struct ct_table *t, const struct ct_session *s,
		   uint64_t now)
{
	return now - s->last_seen > t->timeout[ct_session_timeout_class(s)];
}

/*
 * Look at up to `budget` entries from the scan cursor on, calling
 * expire(idx, arg) for each live expired session (the callback must end
 * with ct_remove()). Returns the number expired.
 */
typedef void (*ct_expire_fn)(struct ct_table *t, uint32_t idx, void *arg);
uint32_t ct_scan(struct ct_table *t, uint64_t now, uint32_t budget,
		 ct_expire_fn expire, void *arg);

/* Index of a protocol in by_proto[], or -1. */
static inline int
ct_proto_slot(uint8_t proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : proto == 1 ? 2 : -1;
}

#endif /* CT_TABLE_H */
