/* SPDX-License-Identifier: BSD-3-Clause
 * The single-thread rig of test_worker.c and test_frag.c (not rig.h, the
 * multiworker/stress one): a NAT built as app/main.c builds it (config
 * file, mbuf pool and ports through cgn_ports_init/cgn_ports_start,
 * neighbour table, mapping-log ring, the workers, static mappings, the
 * control thread) on two ethdevs made with rte_eth_from_rings() from rings
 * the test owns, driven from one thread with an injected clock.
 *
 * A frame is "received" by enqueueing it on a port's RX ring (inject()),
 * and what the NAT transmits is read from the port's TX ring (take()).
 * Workers: 1, or CGN_IT_WORKERS=2 (wrig_main()); with N workers each port
 * has N RX and N TX queues, queue q being worker q's, and the injected
 * frames go to the RX queues in turn.
 *
 * FRAME_MAX (frames.h) must be the same in wrig.c as in the test it is
 * linked with: meson.build passes -DFRAME_MAX=9100 to the whole of
 * test_frag.
 */
#ifndef CGN_TEST_WRIG_H
#define CGN_TEST_WRIG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ring.h>

#include "cgn.h"
#include "cgn_config.h"
#include "cgn_ctrl.h"
#include "nat_stats.h"
#include "cgn_worker.h"
#include "frames.h"

/* ------------------------------------------------------------------ */
/* Addresses of the scenario (host order).                             */

#define NAT_IN   IP(100, 64, 0, 1)    /* inside.address */
#define NAT_OUT  IP(198, 51, 100, 2)  /* outside.address */
#define GW       IP(198, 51, 100, 1)  /* outside.gateway */
#define H1       IP(100, 64, 0, 2)
#define H2       IP(100, 64, 0, 3)
#define H5       IP(100, 64, 0, 5)    /* static 100.64.0.5:8080 */
#define Y1       IP(198, 19, 0, 10)    /* remote hosts, behind GW */
#define Y2       IP(198, 19, 0, 20)
#define STATIC_OUT IP(203, 0, 113, 1) /* static ... <-> 203.0.113.1:80 */
#define PORT_LO 1024
#define PORT_HI 65535
#define BLOCK 256

extern const struct rte_ether_addr MAC_GW, MAC_H1, MAC_H2, MAC_H5;
extern const struct rte_ether_addr MAC_BCAST, MAC_OTHER;
/* The NAT's port MACs (see rig_setup()). */
extern const struct rte_ether_addr MAC_NAT[CGN_SIDES];

#define S_IN CGN_INSIDE
#define S_OUT CGN_OUTSIDE

/* Check a frame against what is expected: every field, every checksum
 * (frames.h). */
#define expect_frame(what, got, want) do {				\
	int bad_ = frame_check((what), (got), (want));			\
	if (bad_)							\
		fail_msg("%s: %d field(s) wrong", (what), bad_);	\
} while (0)

/* ------------------------------------------------------------------ */
/* The rig.                                                            */

#define IT_MAXW 2
extern unsigned int g_nw;
extern struct rte_ring *rxr[CGN_SIDES][IT_MAXW], *txr[CGN_SIDES][IT_MAXW];
extern uint16_t port_id[CGN_SIDES];
/* Handoffs seen over the whole run (checked by wrig_main_end()). */
extern uint64_t g_handoff_in, g_handoff_out;

struct rig_opts {
	const char *filtering;  /* NULL: endpoint-independent */
	const char *pool;       /* pool.addresses, NULL: 203.0.113.0/29 */
	const char *ports;      /* pool.ports, NULL: 1024-65535 */
	unsigned int block_size;        /* 0: 256 */
	unsigned int max_blocks;        /* 0: 8 */
	unsigned int sessions_per_sub;  /* 0: 4096 */
	bool no_static;
	bool no_l2;             /* skip the ARP bring-up */
	unsigned int hold_down; /* pool.hold_down, s (0: off) */
	bool preserve;          /* pool.port_preservation */
	const char *extra;      /* more top-level configuration */
	const char *timeouts_extra; /* more keys in the timeouts group */
	unsigned int udp_timeout;   /* timeouts.udp, 0: 300 */
	bool det;                   /* pool.mode = "deterministic" */
	unsigned int inside_mtu;        /* 0: 1500 */
	unsigned int outside_mtu;       /* 0: 1500 */
	unsigned int frag_max;          /* fragments.max, 0: 4096 */
	unsigned int frag_timeout;      /* fragments.timeout, 0: 2 */
};

struct rig {
	struct cgn_config cfg;
	struct cgn_ctx ctx;
	struct cgn_worker *w;   /* worker 0 */
	struct cgn_worker *wk[IT_MAXW];
	unsigned int nw;
	unsigned int rxq_next;  /* the RX queue of the next injected frame */
	struct cgn_ctrl ctrl;
	bool ctrl_up;
	uint64_t hz;
	uint64_t now;
	unsigned int mp_base;   /* mbufs in use after start-up */
	struct rig_opts opts;
	char dir[64];
	char conf[128];
	char log[128];
};

extern struct rig g_rig;

unsigned int drain_ring(struct rte_ring *ring);
unsigned int rig_in_flight(const struct rig *r);
void wpoll(struct rig *r);
void cpoll(struct rig *r);
void pump(struct rig *r);
void inject_raw(struct rig *r, int side, const uint8_t *b, uint16_t len);
void inject(struct rig *r, int side, const struct pkt *p);
unsigned int take(int side, struct frame *out, unsigned int max);
void take_one(int side, struct frame *f);
void expect_nothing(void);

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

bool neigh_mac(const struct rig *r, int side, uint32_t ip,
	       struct rte_ether_addr *mac);
void check_arp(const char *what, const struct frame *f,
	       const struct rte_ether_addr *edst,
	       const struct rte_ether_addr *esrc, uint16_t op,
	       const struct rte_ether_addr *sha, uint32_t spa,
	       const struct rte_ether_addr *tha, uint32_t tpa);
void subscriber_arp(struct rig *r, uint32_t ip,
		    const struct rte_ether_addr *mac);
void l2_up(struct rig *r);

/* Is a (host order) one of the configured pool addresses? */
bool in_pool(const struct rig *r, uint32_t a);
/* Check an ICMP error made by the box about `orig` (the IP packet). */
void check_icmp_error(const char *what, const struct frame *f,
		      const struct rte_ether_addr *edst, int side,
		      uint32_t dst, uint8_t type, uint8_t code,
		      const uint8_t *orig, uint16_t olen);

/* cmocka setup and teardown; the state is a struct rig_opts (NULL: the
 * defaults) going in, the rig coming out. */
int rig_setup(void **state);
int rig_teardown(void **state);
struct rig *rig_start(void *state);

/*
 * main(): CGN_IT_WORKERS, pcap (CGN_IT_PCAP), the EAL (file prefix
 * <tag><pid>), rte_srand(CGN_IT_SEED), the rings and the ports
 * <tag>_inside, <tag>_outside. Non-zero on failure.
 */
int wrig_main(const char *argv0, const char *tag);
struct CMUnitTest;
unsigned int wrig_select(int argc, char **argv, const struct CMUnitTest *all,
			 unsigned int n_all, struct CMUnitTest *run);
/* After the run: the handoff check (several workers), EAL cleanup; k is
 * what cmocka returned, the result is the exit status. */
int wrig_main_end(int k);

#endif /* CGN_TEST_WRIG_H */
