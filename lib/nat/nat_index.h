/* SPDX-License-Identifier: BSD-3-Clause
 * A compact hash index over a record array: record index by key.
 *
 * Open addressing with linear probing over an array of 8-byte slots
 * {32-bit hash, 32-bit record index}; NAT_INDEX_EMPTY in idx marks an
 * empty slot. The table has exactly nat_index_slots(capacity) slots (not
 * rounded to a power of two): at most 3/4 full when every record is in,
 * so an insert never fails for lack of room while the record exists. A
 * hash's home slot is (hash * nslots) >> 32 (multiply-shift range
 * reduction), probing wraps at nslots. Deletion shifts the following
 * entries of the cluster back (no tombstones), so the table never
 * degrades however many inserts and deletes it sees.
 *
 * The index stores no keys: a lookup compares the 32-bit hash first and
 * only then asks a match callback whether the record has the key. The
 * callers are static inline, so with a constant callback the compiler
 * inlines the whole probe loop.
 *
 * One writer, no concurrent readers (the pool's owner).
 */
#ifndef NAT_INDEX_H
#define NAT_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#define NAT_INDEX_EMPTY UINT32_MAX

struct nat_index_slot {
	uint32_t hash;
	uint32_t idx; /* record index; NAT_INDEX_EMPTY: empty slot */
};

struct nat_index {
	struct nat_index_slot *slot;
	uint32_t nslots;
	uint32_t n;     /* entries */
};

/* Does record idx have key? */
typedef bool (*nat_index_match_fn)(const void *ctx, uint32_t idx,
				   const void *key);

/* Slots for capacity records: load factor at most 3/4, at least one
 * slot always empty (it ends every probe). 0 when too large.
 */
static inline uint32_t
nat_index_slots(uint32_t capacity)
{
	uint64_t n = (uint64_t)capacity + capacity / 3 + 1;

	return n > UINT32_MAX - 1 ? 0 : (uint32_t)n;
}

/* Bytes nat_index_init() allocates for capacity records. */
static inline uint64_t
nat_index_bytes(uint32_t capacity)
{
	return (uint64_t)nat_index_slots(capacity) *
	       sizeof(struct nat_index_slot);
}

/*
 * Allocate the slots for capacity records on a NUMA socket (rte_malloc);
 * 0, or -1 with errno set.
 */
int nat_index_init(struct nat_index *ix, const char *name, uint32_t capacity,
		   int socket);
void nat_index_fini(struct nat_index *ix);

static inline uint32_t
nat_index_home(const struct nat_index *ix, uint32_t hash)
{
	return (uint32_t)(((uint64_t)hash * ix->nslots) >> 32);
}

static inline uint32_t
nat_index_next(const struct nat_index *ix, uint32_t pos)
{
	return ++pos == ix->nslots ? 0 : pos;
}

/* The record with key (of this hash), or NAT_INDEX_EMPTY. */
static __rte_always_inline uint32_t
nat_index_find(const struct nat_index *ix, uint32_t hash,
	       nat_index_match_fn match, const void *ctx, const void *key)
{
	uint32_t pos = nat_index_home(ix, hash);

	for (;;) {
		const struct nat_index_slot s = ix->slot[pos];

		if (s.idx == NAT_INDEX_EMPTY)
			return NAT_INDEX_EMPTY;
		if (s.hash == hash && match(ctx, s.idx, key))
			return s.idx;
		pos = nat_index_next(ix, pos);
	}
}

/*
 * The first record stored under hash, its key unchecked, or
 * NAT_INDEX_EMPTY: a guess to prefetch the record by, reading the slots
 * only.
 */
static inline uint32_t
nat_index_guess(const struct nat_index *ix, uint32_t hash)
{
	uint32_t pos = nat_index_home(ix, hash);

	for (;;) {
		const struct nat_index_slot s = ix->slot[pos];

		if (s.idx == NAT_INDEX_EMPTY || s.hash == hash)
			return s.idx;
		pos = nat_index_next(ix, pos);
	}
}

/*
 * Insert record idx under hash unless a record with key is in already.
 * Returns 0, or -1 (nothing changed) when the key is there or the table
 * is full (only when more records are inserted than its capacity).
 */
static __rte_always_inline int
nat_index_add(struct nat_index *ix, uint32_t hash, uint32_t idx,
	      nat_index_match_fn match, const void *ctx, const void *key)
{
	uint32_t pos = nat_index_home(ix, hash);

	if (unlikely(ix->n + 1 >= ix->nslots))
		return -1;
	for (;;) {
		struct nat_index_slot *s = &ix->slot[pos];

		if (s->idx == NAT_INDEX_EMPTY) {
			s->hash = hash;
			s->idx = idx;
			ix->n++;
			return 0;
		}
		if (s->hash == hash && match(ctx, s->idx, key))
			return -1;
		pos = nat_index_next(ix, pos);
	}
}

/*
 * Remove record idx, inserted under hash. Returns 0, or -1 when it is not
 * in. The entries after it in its cluster move back into the hole when
 * their home allows it (backward shift deletion).
 */
static inline int
nat_index_del(struct nat_index *ix, uint32_t hash, uint32_t idx)
{
	struct nat_index_slot *sl = ix->slot;
	uint32_t i = nat_index_home(ix, hash), j, k;

	while (sl[i].idx != idx) {
		if (sl[i].idx == NAT_INDEX_EMPTY)
			return -1;
		i = nat_index_next(ix, i);
	}
	/* i is the hole. An entry at j (after i in the cluster) may move
	 * into it unless its home k lies cyclically in (i, j]: then the
	 * hole is before its home and it would not be found.
	 */
	for (j = nat_index_next(ix, i); sl[j].idx != NAT_INDEX_EMPTY;
	     j = nat_index_next(ix, j)) {
		k = nat_index_home(ix, sl[j].hash);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		sl[i] = sl[j];
		i = j;
	}
	sl[i].idx = NAT_INDEX_EMPTY;
	ix->n--;
	return 0;
}

/* Empty the index. */
void nat_index_clear(struct nat_index *ix);

#endif /* NAT_INDEX_H */
