/* SPDX-License-Identifier: BSD-3-Clause
 * test_multiworker: what its files share (test_multiworker.c has the
 * helpers and main(); test_multiworker_<group>.c the tests of a group,
 * each with its table of them).
 */
#ifndef CGN_TEST_MULTIWORKER_H
#define CGN_TEST_MULTIWORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "ct_table.h"
#include "rig.h"

#define check_frame(what, got, want) do {				\
	int bad_ = frame_check((what), (got), (want));		\
	if (bad_)							\
		fail_msg("%s: %d field(s) wrong", (what), bad_);	\
} while (0)

#define expect_nothing() expect_nothing_(__LINE__)

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TO(fn, o) cmocka_unit_test_prestate_setup_teardown(fn, setup, \
		teardown, (void *)(o))

/* The tests of each file, in the order main() runs them. */
struct CMUnitTest;
extern const struct CMUnitTest mw_owners[];
extern const unsigned int mw_owners_n;
extern const struct CMUnitTest mw_across[];
extern const unsigned int mw_across_n;

void wpoll(struct rig *r, unsigned int i);

void cpoll(struct rig *r);

/* Everything a burst causes: handoffs, control's replies, the ARP queue.
 * The clock does not move. */
void pump(struct rig *r);

/* One millisecond later, and a pump: the workers' timer work (aging,
 * taking granted blocks, giving surplus back) runs once a millisecond. */
void tick(struct rig *r);

unsigned int take_all(int side, struct frame *out, unsigned int max);

/* Exactly one frame, on TX queue q of side; nothing on any other queue. */
void take_one(int side, unsigned int q, struct frame *f);

void expect_nothing_(int line);

void assert_accounting(const struct rig *r);

/* The drop counters of worker i moved by n under why, and nowhere else. */
void assert_drop_only(const struct rig *r, unsigned int i,
		      const struct cgn_stats *before, enum cgn_drop why,
		      uint64_t n);

void assert_no_drops(const struct rig *r, const struct cgn_stats before[2]);

void snap(const struct rig *r, struct cgn_stats s[2]);

unsigned int owner(const struct rig *r, uint32_t sub);

/* The n-th subscriber address (100.64.base.x, upwards) owned by worker o. */
uint32_t pick_sub(const struct rig *r, uint8_t base, unsigned int o,
		  unsigned int n);

/* In2out session of worker i, or NULL. */
struct ct_session *find_session(const struct rig *r, unsigned int i,
				uint8_t proto, uint32_t in_a, uint16_t in_p,
				uint32_t rem_a, uint16_t rem_p);

/* The session and the subscriber are on worker o, not on the other one. */
void assert_lives_on(const struct rig *r, unsigned int o, uint8_t proto,
		     uint32_t in_a, uint16_t in_p, uint32_t rem_a,
		     uint16_t rem_p);

/* Which worker holds the port block of an outside (address, port)? */
unsigned int block_owner_of(const struct rig *r, uint32_t out_a,
			    uint16_t out_p);

/*
 * Take everything sent; answer the control thread's ARP requests (re-
 * confirmation of old entries once the clock jumped) as the gateway or
 * the subscribers would. Returns the number of frames that were not ARP.
 */
unsigned int answer_arps(struct rig *r);

/* A subscriber ARPs for the inside address on queue q; the reply leaves
 * through worker 0 (the control thread sends through worker 0's TX). */
void subscriber_arp(struct rig *r, uint32_t ip,
		    const struct rte_ether_addr *mac, unsigned int q);

/* Answer control's ARP request for the gateway (it leaves on worker 0's
 * queue; the reply comes in on worker 1's). */
void l2_up(struct rig *r);

int setup(void **state);

int teardown(void **state);

struct rig *rig_start(void *state);

/*
 * End of a case: drain; counters add up; close every session on both
 * workers; drain (the timer work too); nothing left anywhere, blocks all
 * accounted for, no mbuf in use beyond start-up.
 */
void rig_end(struct rig *r);

/* A reply from (ra, rp) to (a, port), received by worker `at`, must come
 * out of worker o's inside queue to sub, rewritten and nothing else. */
void reply_at_mac(struct rig *r, unsigned int at, unsigned int o,
		  const struct pkt *p, uint32_t sub,
		  const struct rte_ether_addr *submac, uint16_t sub_port,
		  const char *what);

#endif /* CGN_TEST_MULTIWORKER_H */
