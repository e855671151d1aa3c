/* SPDX-License-Identifier: BSD-3-Clause
 * The rig's cmocka helpers (rig.h is the rig), for tests that drive every
 * worker from one thread through whole ports: test_worker*.c,
 * test_frag*.c, test_pcp.c, test_lifecycle.c. test_multiworker*.c, which
 * picks the queue of every frame, has its own helpers over rig.h, and
 * test_stress.c (no cmocka) uses rig.h alone.
 *
 * A frame is "received" by enqueueing it on a port's RX ring (inject()),
 * and what the NAT transmits is read from the port's TX ring (take()).
 * Workers: 1, or CGN_IT_WORKERS=2 (rig_main()); with N workers each port
 * has N RX and N TX queues, queue q being worker q's, and the injected
 * frames go to the RX queues in turn.
 */
#ifndef CGN_TEST_RIG_ASSERT_H
#define CGN_TEST_RIG_ASSERT_H

#include <stdbool.h>
#include <stdint.h>

#include "rig.h"

/* Check a frame against what is expected: every field, every checksum
 * (frames.h). */
#define expect_frame(what, got, want) do {				\
	int bad_ = frame_check((what), (got), (want));			\
	if (bad_)							\
		fail_msg("%s: %d field(s) wrong", (what), bad_);	\
} while (0)

/* Poll: the workers (all in turn until nothing is in flight), control,
 * or both (worker, control, worker: everything a received burst causes). */
void wpoll(struct rig *r);
void cpoll(struct rig *r);
void pump(struct rig *r);
/* Into the RX queues in turn; out of every TX queue of a side. */
void inject_raw(struct rig *r, int side, const uint8_t *b, uint16_t len);
void inject(struct rig *r, int side, const struct pkt *p);
unsigned int take(int side, struct frame *out, unsigned int max);
void take_one(int side, struct frame *f);
void expect_nothing(void);

/* Counters and tables summed over the workers. */
uint64_t stat_sum(const uint64_t *v, unsigned int n);
struct cgn_stats *rig_stats(const struct rig *r);
uint32_t rig_ct_used(const struct rig *r);
unsigned int rig_pend(const struct rig *r);
enum pool_count { POOL_BLOCKS, POOL_MAPS, POOL_SUBS };
uint32_t rig_pool_sum(const struct rig *r, enum pool_count what);
uint32_t rig_map_lookup_in(const struct rig *r, uint32_t a, uint16_t p,
			   uint8_t proto);
uint32_t rig_map_lookup_out(const struct rig *r, uint32_t a, uint16_t p,
			    uint8_t proto);
uint32_t rig_age(struct rig *r, uint64_t now, uint32_t budget);
void print_drops(const struct cgn_stats *s);
void assert_accounting(const struct rig *r);
void assert_no_drops(const struct rig *r, const struct cgn_stats *before);
void assert_drop_only(const struct rig *r, const struct cgn_stats *before,
		      enum cgn_drop why, uint64_t n);

void check_arp(const char *what, const struct frame *f,
	       const struct rte_ether_addr *edst,
	       const struct rte_ether_addr *esrc, uint16_t op,
	       const struct rte_ether_addr *sha, uint32_t spa,
	       const struct rte_ether_addr *tha, uint32_t tpa);
void subscriber_arp(struct rig *r, uint32_t ip,
		    const struct rte_ether_addr *mac);
/* Answer control's ARP request for the gateway; subscribers H1, H2 ARP. */
void l2_up(struct rig *r);

/* Check an ICMP error made by the box about `orig` (the IP packet). */
void check_icmp_error(const char *what, const struct frame *f,
		      const struct rte_ether_addr *edst, int side,
		      uint32_t dst, uint8_t type, uint8_t code,
		      const uint8_t *orig, uint16_t olen);

/* cmocka setup and teardown of g_rig; the state is a struct rig_opts
 * (NULL: the defaults) going in, the rig coming out. rig_start(): first
 * thing in a test, the L2 bring-up (unless opts.no_l2). */
int rig_setup(void **state);
int rig_teardown(void **state);
struct rig *rig_start(void *state);

/* The tests whose name matches one of the fnmatch(3) patterns argv[1..]
 * (all without one), copied to run[]; how many (0: said on stderr). */
struct CMUnitTest;
unsigned int rig_select(int argc, char **argv, const struct CMUnitTest *all,
			unsigned int n_all, struct CMUnitTest *run);

#endif /* CGN_TEST_RIG_ASSERT_H */
