/* SPDX-License-Identifier: BSD-3-Clause
 * What the session table tests (test_ct_table_*.c) share: tuples and
 * their keys, sessions added from tuples, checks of the buckets and the
 * free list, and keys crafted to land in a chosen bucket.
 */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include "ct_session.h"
#include "ct_table.h"

/* Timeouts here are small numbers of clock units: one tick each. */
#define UT_MAX_TIMEOUT 100000

#define IP(a, b, c, d) \
	rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (d))

struct tuple {
	uint32_t in_addr, rem_addr, out_addr;
	uint16_t in_port, rem_port, out_port;
	uint8_t proto;
};

/* A distinct tuple for each i (network order). */
struct tuple tuple_of(uint32_t i, uint8_t proto);

/* TCP, UDP, ICMP in turn. */
uint8_t proto_of(uint32_t i);

/* The key of u in direction d. */
void key_of(const struct tuple *u, enum ct_dir d, struct ct_key *k);

/* Home bucket, probe step and lookup of u in index d. */
uint32_t home_of(const struct ct_table *t, const struct tuple *u,
		 enum ct_dir d);
uint32_t step_of(const struct ct_table *t, const struct tuple *u,
		 enum ct_dir d);
uint32_t lookup(const struct ct_table *t, const struct tuple *u,
		enum ct_dir d);

/* Allocate, fill and index a session; returns its index or CT_NONE. */
uint32_t add(struct ct_table *t, const struct tuple *u);

/* Is the session found from both directions? From neither? */
void assert_found(const struct ct_table *t, const struct tuple *u,
		  uint32_t idx);
void assert_missing(const struct ct_table *t, const struct tuple *u);

/* Number of slots of index d that hold idx (0 or 1 when all is well). */
unsigned int slots_holding(const struct ct_table *t, enum ct_dir d,
			   uint32_t idx);

/* Used slots of bucket b of index d. */
unsigned int bucket_used(const struct ct_table *t, enum ct_dir d,
			 uint32_t b);

/* Sum of spilled over all buckets: must equal entries stored away from
 * their home.
 */
uint32_t total_spilled(const struct ct_table *t, enum ct_dir d);

/* Probe number at which the probe sequence of hash reaches bucket b
 * (0: home), or CT_MAX_PROBE when it does not. */
uint32_t probe_pos(const struct ct_htable *h, uint32_t hash, uint32_t b);

/*
 * Entries of index d stored away from their home bucket, from the keys;
 * each must be on its probe sequence within its home's reach. The
 * farthest probe number goes to *max_pos.
 */
uint32_t count_away(const struct ct_table *t, enum ct_dir d,
		    uint32_t *max_pos);

/* Sessions on the free list. */
uint32_t count_free(struct ct_table *t);

/* A table of cap sessions (a name of its own each time). */
struct ct_table *make_table(uint32_t cap);

/*
 * A tuple (from base, varied in its ports and inside address) whose
 * home bucket in index d is want (and probe step step, unless 0). For d ==
 * CT_IN2OUT the inside side varies; for CT_OUT2IN the outside side, so
 * the other index's home stays as it was.
 */
struct tuple craft_step(const struct ct_table *t, struct tuple base,
			enum ct_dir d, uint32_t want, uint32_t step,
			uint32_t *counter);

/* The same, with any probe step. */
struct tuple craft(const struct ct_table *t, struct tuple base,
		   enum ct_dir d, uint32_t want, uint32_t *counter);

/* cmocka group setup and teardown: the table allocates with
 * rte_zmalloc, so an EAL (ut_eal.h). */
int ct_group_setup(void **state);
int ct_group_teardown(void **state);

#endif /* CT_UTIL_H */
