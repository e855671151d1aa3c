/* SPDX-License-Identifier: BSD-3-Clause
 * test_worker: what its files share (test_worker.c has the helpers and
 * main(); test_worker_<group>.c the tests of a group, each with its
 * table of them).
 */
#ifndef CGN_TEST_WORKER_H
#define CGN_TEST_WORKER_H

#include <stdint.h>

#include "ct_table.h"
#include "rig_assert.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, rig_setup, rig_teardown)
#define TO(fn, o) cmocka_unit_test_prestate_setup_teardown(fn, rig_setup, \
	rig_teardown, (void *)(o))

/* The tests of each file, in the order main() runs them. */
struct CMUnitTest;
extern const struct CMUnitTest tw_l2[];
extern const unsigned int tw_l2_n;
extern const struct CMUnitTest tw_translate[];
extern const unsigned int tw_translate_n;
extern const struct CMUnitTest tw_mapping[];
extern const unsigned int tw_mapping_n;
extern const struct CMUnitTest tw_own_icmp[];
extern const unsigned int tw_own_icmp_n;
extern const struct CMUnitTest tw_hostile[];
extern const unsigned int tw_hostile_n;
extern const struct CMUnitTest tw_limits[];
extern const unsigned int tw_limits_n;
extern const struct CMUnitTest tw_aging[];
extern const unsigned int tw_aging_n;
extern const struct CMUnitTest tw_policies[];
extern const unsigned int tw_policies_n;

/*
 * End of a scenario: drain, close every session, drain again; then the
 * counters must add up and no mbuf may be left in use.
 */
void rig_end(struct rig *r);

/* Send p from inside, expect it out with src (out_a, out_p) chosen by the
 * NAT; returns them. The whole output frame is checked. */
void expect_in2out(struct rig *r, const struct pkt *p, uint32_t *out_a,
		   uint16_t *out_p);

void in2out(struct rig *r, const struct pkt *p, uint32_t *out_a,
	    uint16_t *out_p);

/* Expect p (sent from outside) inside to (in_a, in_p) of host mac. */
void expect_out2in(struct rig *r, const struct pkt *p,
		   const struct rte_ether_addr *mac, uint32_t in_a,
		   uint16_t in_p);

/* Send p from outside; expect it inside to (in_a, in_p) of host mac. */
void out2in(struct rig *r, const struct pkt *p,
	    const struct rte_ether_addr *mac, uint32_t in_a, uint16_t in_p);

/* Send p and expect it dropped under `why`, with nothing transmitted. */
void expect_drop(struct rig *r, int side, const struct pkt *p,
		 enum cgn_drop why);

void expect_drop_raw(struct rig *r, int side, const uint8_t *b, uint16_t len,
		     enum cgn_drop why);

struct ct_session *find_session(struct rig *r, uint8_t proto, uint32_t in_a,
				uint16_t in_p, uint32_t rem_a, uint16_t rem_p);

/* The table that holds session s. */
struct ct_table *table_of(struct rig *r, const struct ct_session *s);

extern const struct rig_opts opts_apdf;

/*
 * Send p from inside where no mapping can be made for it: dropped under
 * why, and the subscriber told with ICMP 3/1 from 100.64.0.1 quoting it
 * (F31, RFC 6888 REQ-11).
 */
void expect_refused(struct rig *r, const struct pkt *p,
		    const struct rte_ether_addr *host_mac, uint32_t host,
		    enum cgn_drop why);

#endif /* CGN_TEST_WORKER_H */
