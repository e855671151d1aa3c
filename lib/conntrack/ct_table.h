/* SPDX-License-Identifier: BSD-3-Clause
 * Per-core session table.
 *
 * Single writer: the worker lcore that owns it. Other threads may read the
 * session array for display (see docs/ARCHITECTURE.md); nothing else.
 *
 * Layout:
 *   sessions[]   preallocated array of 32-byte hot sessions (two to a
 *                cache line): what the per-packet path reads and writes.
 *   cold[]       parallel array of 8-byte cold parts (struct ct_cold):
 *                the mapping of each session and the list link, which
 *                threads the free list and the mapping's session list.
 *   in2out, out2in   two hash indexes over the same sessions. Each bucket
 *                is one cache line with 10 (16-bit signature, 32-bit index)
 *                slots, so a lookup costs one bucket line plus the session
 *                line, and both can be prefetched a burst ahead. An index
 *                has just enough buckets for the capacity to fill at most
 *                CT_LOAD_NUM/CT_LOAD_DEN of its slots, rounded up to a
 *                prime, not to a power of two (ct_index_buckets()). The
 *                home bucket is the hash (ct_hash(): CRC, then mixed)
 *                scaled to the bucket count (multiply-shift, ct_home());
 *                the signature is its low 16 bits. A full bucket spills
 *                into other ones by double hashing: the probe sequence
 *                steps ct_step() buckets at a time, a step of its own for
 *                each key, wrapping at the last bucket, at most
 *                CT_MAX_PROBE buckets (linear probing makes long runs of
 *                full buckets at this load). The home bucket counts its
 *                spilled entries and the farthest probe they reached, so a
 *                lookup stops at the home bucket in the common case and a
 *                miss goes no further than that reach. The 10 signatures of
 *                a bucket are compared at once (ct_bkt_match(): SSE2 on
 *                x86, NEON on arm64, a plain loop elsewhere; ct_arch.h).
 *
 * Clock: the caller's clock (the worker's TSC) in any unit; the table
 * keeps last_seen in 32-bit ticks of 2^clock_shift units, the shift chosen
 * at creation so that the largest timeout is below 2^28 ticks. Tick
 * differences are taken modulo 2^32 (ct_ticks_since()); they are exact
 * while a session's idle time stays below 2^32 ticks, and it does: the
 * aging scan (ct_scan()) visits every session once per sweep and removes
 * it once idle past its timeout (< 2^28 ticks, at most 2^31 when a timeout
 * is set above the creation's maximum), so a live session is never idle
 * for more than its timeout plus one sweep, far from 2^32 ticks (at 3 GHz
 * with the 7440 s TCP timeout, a tick is 2^17 cycles and 2^32 ticks are
 * 52 hours), and no wrap can make an old last_seen look recent.
 */
#ifndef CT_TABLE_H
#define CT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_prefetch.h>

#include "ct_arch.h" /* CT_BKT_ENTRIES, CRC and signature compare */
#include "ct_session.h"

#define CT_MAX_PROBE 16
/* At most CT_LOAD_NUM/CT_LOAD_DEN of the slots of an index used at
 * capacity. */
#define CT_LOAD_NUM 3
#define CT_LOAD_DEN 4
/* The largest timeout (creation's max_timeout) is below this many ticks. */
#define CT_TICKS_TIMEOUT_MAX (UINT32_C(1) << 28)
/* Any timeout is clamped to this many ticks (see Clock above). */
#define CT_TICKS_CLAMP (UINT32_C(1) << 31)

/*
 * A bucket is 64 bytes, aligned to 64: one cache line on x86 and on most
 * arm64 cores. Not RTE_CACHE_LINE_SIZE, which DPDK's generic arm64 build
 * sets to 128 for the cores that have such lines: a 128-byte bucket would
 * double the index for the same slots (two buckets share a line there).
 */
#define CT_BUCKET_BYTES 64

struct ct_bucket {
	uint16_t sig[CT_BKT_ENTRIES]; /* 0: empty slot */
	uint16_t spilled;             /* entries of this home stored later */
	uint16_t reach;               /* the last probe (0: the home bucket)
				       * that may hold one of them */
	uint32_t idx[CT_BKT_ENTRIES];
} __rte_aligned(CT_BUCKET_BYTES);
static_assert(sizeof(struct ct_bucket) == CT_BUCKET_BYTES,
	      "a bucket is 64 bytes");

struct ct_htable {
	struct ct_bucket *bkt;
	uint32_t nbkt; /* number of buckets */
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
	struct ct_cold *cold;        /* parallel to sessions */
	uint32_t capacity;
	uint32_t used;
	uint32_t free_head;
	uint32_t seed;
	uint32_t scan_cursor;
	uint32_t clock_shift;        /* last_seen ticks: clock >> clock_shift */
	struct ct_htable ht[2]; /* indexed by enum ct_dir */
	uint64_t timeout[CT_TO_MAX]; /* clock units */
	uint64_t bytes;              /* memory allocated for the table */
	uint32_t by_proto[3];        /* live sessions: TCP, UDP, ICMP */
};

/*
 * Create a table for up to capacity sessions on a NUMA socket. max_timeout
 * is the largest timeout[] that will be set, in clock units: it sets the
 * tick (clock_shift).
 */
struct ct_table *ct_table_create(const char *name, uint32_t capacity,
				 uint64_t max_timeout, int socket);
void ct_table_free(struct ct_table *t);

/*
 * Set one session timeout, in clock units. The tick was chosen at creation
 * from max_timeout, so tsc may be at most what that tick can count (below
 * CT_TICKS_TIMEOUT_MAX ticks); shortening a timeout is always fine.
 * 0, or -EINVAL (no such timeout, or tsc too large for the tick).
 */
int ct_set_timeout(struct ct_table *t, enum ct_timeout c, uint64_t tsc);

/*
 * Buckets of each index for a capacity: capacity * CT_LOAD_DEN slots over
 * CT_LOAD_NUM, rounded up to whole buckets, at least CT_MAX_PROBE, then up
 * to the next prime (a few buckets more), so that every step of a probe
 * sequence visits CT_MAX_PROBE distinct buckets.
 */
uint32_t ct_index_buckets(uint32_t capacity);

/*
 * Hash of a key: its CRC32-C, multiplied by an odd constant. A CRC is
 * linear, and keys that differ in few bits (a subscriber's flows, a block
 * of outside ports) give CRCs whose high bits alone cover few buckets; the
 * product's high bits, which pick the home bucket, depend on every bit.
 */
/*
 * One CRC32-C step on 8 bytes: rte_hash_crc_8byte()'s value, with the
 * instruction itself where the build has it (ct_arch.h).
 */
static inline uint32_t
ct_crc_8byte(uint64_t data, uint32_t init)
{
	return ct_arch_crc_8byte(data, init);
}

static inline uint32_t
ct_hash(const struct ct_table *t, const struct ct_key *k)
{
	const uint64_t *w = (const uint64_t *)k;
	uint32_t h = ct_crc_8byte(w[0], t->seed);

	return ct_crc_8byte(w[1], h) * UINT32_C(0x9e3779b1);
}

/* Signature: the low 16 bits of the hash (see ct_home()). */
static inline uint16_t
ct_sig(uint32_t hash)
{
	uint16_t s = (uint16_t)hash;

	return s ? s : 1;
}

/* Home bucket, in [0, nbkt): the hash scaled, hash * nbkt / 2^32. */
static inline uint32_t
ct_home(const struct ct_htable *h, uint32_t hash)
{
	return (uint32_t)(((uint64_t)hash * h->nbkt) >> 32);
}

/* Step of a key's probe sequence, in [1, nbkt - 1]: another mix. */
static inline uint32_t
ct_step(const struct ct_htable *h, uint32_t hash)
{
	uint32_t mixed = hash * UINT32_C(0x85ebca6b);

	return 1 + (uint32_t)(((uint64_t)mixed * (h->nbkt - 1)) >> 32);
}

/* The bucket after bi in a probe sequence. */
static inline uint32_t
ct_next_bucket(const struct ct_htable *h, uint32_t bi, uint32_t step)
{
	bi += step;
	return bi >= h->nbkt ? bi - h->nbkt : bi;
}

static inline void
ct_prefetch_bucket(const struct ct_table *t, enum ct_dir d, uint32_t hash)
{
	rte_prefetch0(&t->ht[d].bkt[ct_home(&t->ht[d], hash)]);
}

/* The session (hot and cold parts) that ct_alloc() gives next: a hint
 * for a caller about to make one. */
static inline void
ct_prefetch_free(const struct ct_table *t)
{
	if (t->free_head != CT_NONE) {
		rte_prefetch0(&t->sessions[t->free_head]);
		rte_prefetch0(&t->cold[t->free_head]);
	}
}

/*
 * The home bucket index of a hash, for callers that keep it between the
 * prefetch, ct_first_candidate_at() and ct_lookup_at() rather than
 * computing it for each.
 */
static inline uint32_t
ct_home_index(const struct ct_table *t, enum ct_dir d, uint32_t hash)
{
	return ct_home(&t->ht[d], hash);
}

static inline void
ct_prefetch_home(const struct ct_table *t, enum ct_dir d, uint32_t home)
{
	rte_prefetch0(&t->ht[d].bkt[home]);
}

/* ct_arch_sig_match() reads 24 bytes from sig, 16-byte aligned. */
static_assert(offsetof(struct ct_bucket, sig) == 0 &&
	      offsetof(struct ct_bucket, idx) >= 24,
	      "the signatures, spilled and reach are the first 24 bytes");

/*
 * Slots of bucket b whose signature is sig, as a bit mask (bit i: slot i),
 * all 10 compared at once where the CPU can (ct_arch.h).
 */
static inline uint32_t
ct_bkt_match(const struct ct_bucket *b, uint16_t sig)
{
	return ct_arch_sig_match(b->sig, sig);
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

/* ct_session_match() compares these bytes as two words. */
static_assert(offsetof(struct ct_session, in_addr) == 0 &&
	      offsetof(struct ct_session, rem_addr) == 4 &&
	      offsetof(struct ct_session, in_port) == 8 &&
	      offsetof(struct ct_session, rem_port) == 10 &&
	      offsetof(struct ct_key, a_addr) == 0 &&
	      offsetof(struct ct_key, b_addr) == 4 &&
	      offsetof(struct ct_key, a_port) == 8 &&
	      offsetof(struct ct_key, b_port) == 10,
	      "the in2out key is the session's first 12 bytes");

/* Does session s match key k seen from direction d? */
static inline bool
ct_session_match(const struct ct_session *s, enum ct_dir d,
		 const struct ct_key *k)
{
	if (d == CT_IN2OUT) {
		/* The in2out key's first 12 bytes are the session's. */
		uint64_t s0, k0;
		uint32_t s1, k1;

		memcpy(&s0, s, 8);
		memcpy(&k0, k, 8);
		memcpy(&s1, (const uint8_t *)s + 8, 4);
		memcpy(&k1, (const uint8_t *)k + 8, 4);
		return s0 == k0 && s1 == k1 && s->proto == k->proto;
	}
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
ct_first_candidate_at(const struct ct_table *t, enum ct_dir d, uint32_t hash,
		      uint32_t home)
{
	const struct ct_bucket *b = &t->ht[d].bkt[home];
	uint32_t m = ct_bkt_match(b, ct_sig(hash));

	return m != 0 ? b->idx[__builtin_ctz(m)] : CT_NONE;
}

static inline uint32_t
ct_first_candidate(const struct ct_table *t, enum ct_dir d, uint32_t hash)
{
	return ct_first_candidate_at(t, d, hash, ct_home(&t->ht[d], hash));
}

/*
 * After ct_first_candidate_at() found none in home bucket `home`
 * (ct_home_index()): is the key surely absent? Yes when no entry of the
 * home bucket spilled past it. (Else it may be stored in a later bucket of
 * its probe sequence.)
 */
static inline bool
ct_surely_absent_at(const struct ct_table *t, enum ct_dir d, uint32_t home)
{
	return t->ht[d].bkt[home].spilled == 0;
}

/* Full lookup: session index or CT_NONE. */
static inline uint32_t
ct_lookup(const struct ct_table *t, enum ct_dir d, const struct ct_key *k,
	  uint32_t hash)
{
	const struct ct_htable *h = &t->ht[d];
	uint32_t bi = ct_home(h, hash);
	const struct ct_bucket *b = &h->bkt[bi];
	uint32_t reach = b->reach, p = 0;
	uint16_t sig = ct_sig(hash);

	for (;;) {
		uint32_t m = ct_bkt_match(b, sig);

		for (; m != 0; m &= m - 1) {
			uint32_t x = b->idx[__builtin_ctz(m)];

			if (ct_session_match(&t->sessions[x], d, k))
				return x;
		}
		if (p++ == reach)
			return CT_NONE;
		bi = ct_next_bucket(h, bi, ct_step(h, hash));
		b = &h->bkt[bi];
	}
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

/* The clock now in ticks: what last_seen is set to on a refresh. */
static inline uint32_t
ct_clock(const struct ct_table *t, uint64_t now)
{
	return (uint32_t)(now >> t->clock_shift);
}

/* Ticks since last_seen (modulo 2^32; see Clock above). */
static inline uint32_t
ct_ticks_since(const struct ct_table *t, uint32_t last_seen, uint64_t now)
{
	return ct_clock(t, now) - last_seen;
}

/* A session's idle time in clock units (to the tick). */
static inline uint64_t
ct_session_idle(const struct ct_table *t, const struct ct_session *s,
		uint64_t now)
{
	return (uint64_t)ct_ticks_since(t, s->last_seen, now) <<
	       t->clock_shift;
}

/*
 * A timeout in ticks, rounded up so that a session never goes early: idle
 * for more than timeout ticks means idle for more than timeout[] clock
 * units.
 */
static inline uint32_t
ct_timeout_ticks(const struct ct_table *t, enum ct_timeout c)
{
	uint64_t to = t->timeout[c];
	uint64_t ticks = (to >> t->clock_shift) +
			 ((to & ((UINT64_C(1) << t->clock_shift) - 1)) != 0);

	return ticks < CT_TICKS_CLAMP ? (uint32_t)ticks : CT_TICKS_CLAMP;
}

static inline bool
ct_session_expired(const struct ct_table *t, const struct ct_session *s,
		   uint64_t now)
{
	return ct_ticks_since(t, s->last_seen, now) >
	       ct_timeout_ticks(t, ct_session_timeout_class(s));
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
