/* SPDX-License-Identifier: BSD-3-Clause
 * The NAT of one worker core: its session table, its pool, and the packet
 * path that translates its bursts. One file per job:
 *
 *   nat_burst.c      the burst loop (three passes, the one documented
 *                    long function), nat_burst()
 *   nat_parse.c      pass 1: L2-L4 checks, the session key, the address
 *                    checks, bypass
 *   nat_in2out.[ch]  outbound: a new session (and the prefetch stages of
 *                    new flows), the translation
 *   nat_out2in.[ch]  inbound: a new session of a mapping, filtering, kept
 *                    unsolicited SYNs, the translation
 *   nat_hairpin.c    in2out packets to our own mappings
 *   nat_icmp_err.c   translating ICMP errors (the quoted packet)
 *   nat_icmp.c       ICMP the box makes (errors, echo replies), rate-limited
 *   nat_frag.[ch]    reassembly and fragmentation
 *   nat_pcp.c        the PCP server (RFC 6887)
 *   nat_owner.[ch]   which worker owns a subscriber or an outside port;
 *                    handing a packet to it
 *   nat_tx.[ch]      next hops, the ARP wait queue, the TX queues
 *   nat_session.c    adding a session to a mapping
 *   nat_age.c        aging, closing, the periodic tick
 *   nat_worker.c     making and freeing a worker's NAT
 * and what they use: the pool (nat_pool.h: nat_pool.c, nat_sub.c,
 * nat_map.c, nat_hold.c), its index (nat_index.[ch]), the neighbour
 * table (nat_neigh.[ch]), checksums (nat_cksum.h), counters (nat_stats.h).
 *
 * What becomes of each packet given to nat_burst() (exactly one of):
 *   sent on a side   queued in txb[side] with both MACs written (the
 *                    env's flush hook gives a full queue to the NIC; the
 *                    caller flushes after each poll), or parked in pend[]
 *                    until its next hop's MAC is known (nat_poll());
 *   handed off       enqueued on env.ho[k] for worker k, mbuf->port the
 *                    kind (enum nat_handoff_kind);
 *   to control       ARP frames on env.slow_ring; what the NAT asks of
 *                    the control thread (learn or resolve a neighbour,
 *                    more port blocks) as struct nat_event on env.ev_ring;
 *                    port-block log events on env.log_ring;
 *   consumed         answered in place (echo, PCP) or absorbed into a
 *                    reassembled datagram;
 *   dropped          stats.drop[reason]++ and freed.
 * So, per worker, rx + handoff_in = tx + consumed + dropped + handoff_out
 * (+ frag_held), nat_stats.h. The library knows no ethdev port, thread or
 * configuration file: the application gives it rings, a mempool, a flush
 * hook and plain values (struct nat_env, struct nat_worker_conf).
 */
#ifndef NAT_WORKER_H
#define NAT_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "ct_table.h"
#include "nat_neigh.h"
#include "nat_pool.h"
#include "nat_stats.h"

#define NAT_MAX_WORKERS 64
#define NAT_MAX_PREFIXES 64
#define NAT_BURST 32
#define NAT_TX_BUF 64
#define NAT_PENDING 256        /* packets waiting for ARP, per worker */
#define NAT_PENDING_WAIT_MS 1000
#define NAT_SYN_HOLD 64 /* unsolicited inbound SYNs kept, per worker */
#define NAT_PCP_MAX 4096 /* PCP mappings per worker */
#define NAT_PCP_PORT 5351 /* RFC 6887 */

/* Requests to the control thread (16 bytes, ring elements). */
enum nat_ev_type {
	NAT_EV_LEARN = 1,   /* ip seen with this MAC: make/refresh entry */
	NAT_EV_RESOLVE = 2, /* need the MAC of ip: send ARP */
	NAT_EV_NEED_BLOCKS = 3, /* ip = pool address index: grant blocks */
};

struct nat_event {
	uint8_t type;
	uint8_t side;
	uint8_t mac[6];
	uint32_t ip; /* network order */
	uint32_t pad;
};

/* Handoff kinds, carried in mbuf->port on the handoff rings. */
enum nat_handoff_kind {
	NAT_HO_INSIDE = CGN_INSIDE,   /* in2out packet of the receiver's subscriber */
	NAT_HO_OUTSIDE = CGN_OUTSIDE, /* out2in packet to the receiver's block */
	NAT_HO_HAIRPIN = 2,           /* translated in2out packet to hairpin */
};

/* nat_burst() flags. */
#define NAT_HANDED  0x1 /* came from another worker: do not hand off */
#define NAT_HAIRPIN 0x2 /* translated in2out packet, now out2in */

enum nat_filtering {
	NAT_FILTER_EIF = 0, /* endpoint-independent */
	NAT_FILTER_ADF,     /* address-dependent */
	NAT_FILTER_APDF,    /* address-and-port-dependent */
};

struct nat_syn_hold {
	struct rte_mbuf *m;  /* NULL once matched */
	struct ct_key key;   /* out2in view: a = pool endpoint, b = remote */
	uint64_t deadline;
};

struct nat_pending {
	struct rte_mbuf *m;
	uint64_t deadline;
	uint32_t ip;   /* next hop, network order */
	uint8_t side;
};

/* Key of env.static_owner: a static mapping's outside endpoint. */
struct nat_static_key {
	uint32_t addr; /* network order */
	uint16_t port; /* network order */
	uint8_t proto;
	uint8_t pad;
};

/* Subscriber pinning: Toeplitz on the inside source address with key
 * when the inside NIC does RSS on it (as its RETA of reta_size entries
 * does), else CRC32. */
struct nat_rss {
	bool on;
	uint16_t reta_size;
	uint8_t key[40];
};

/* IPv4 prefixes, network order: a matches when a & mask[i] == net[i]. */
struct nat_prefixes {
	uint32_t net[NAT_MAX_PREFIXES];
	uint32_t mask[NAT_MAX_PREFIXES];
	unsigned int n;
};

struct nat_worker;

/*
 * What a worker's NAT is given and uses as it is, fixed while it runs.
 * Rings and tables here belong to the application; the NAT only
 * enqueues on the rings and reads the tables.
 */
struct nat_env {
	unsigned int id;
	unsigned int n_workers;
	uint64_t tsc_hz;
	uint64_t start_tsc;         /* PCP's epoch */
	struct rte_mempool *mp;     /* for the packets it makes */
	struct rte_ether_addr mac[CGN_SIDES];
	uint32_t gw_out;            /* outside next hop, network order */
	struct nat_neigh *neigh;    /* read only (the control thread's) */
	struct rte_ring *slow_ring; /* to control: ARP mbufs (SP) */
	struct rte_ring *ev_ring;   /* to control: struct nat_event (SP) */
	struct rte_ring *log_ring;  /* to control: nat_log_event (MP) */
	struct rte_ring *ho[NAT_MAX_WORKERS]; /* to worker k (SP) */
	const uint8_t *block_owner; /* global block id -> worker */
	uint32_t *global_free;      /* blocks control holds, per address */
	uint32_t blocks_per_addr;
	struct rte_hash *static_owner; /* nat_static_key -> worker */
	struct nat_rss rss;
	/* RFC 7422 (deterministic pools; NULL otherwise): f1 as the pool
	 * takes it (nat_det_fn), and f2, host order: the inside address of
	 * an outside address and port, 0 when they are in a deterministic
	 * range. */
	nat_det_fn det_forward;
	int (*det_reverse)(void *arg, uint32_t out_h, uint16_t port_h,
			   uint32_t *in_h);
	void *det_arg;
	/* Give txb[] to the NIC (called when a queue is full). */
	void (*flush)(struct nat_worker *w);
	void *app;                  /* the application's, for the hook */
};

/* Plain values from the configuration (network order where addresses). */
struct nat_worker_conf {
	uint32_t own[CGN_SIDES];    /* the box's addresses */
	struct nat_prefixes sub;    /* subscribers */
	struct nat_prefixes byp;    /* bypass destinations */
	uint32_t in_gw;             /* inside next hop or 0 (on-link) */
	uint16_t mtu[CGN_SIDES];    /* IP MTU of each link */
	bool eim;
	enum nat_filtering filtering;
	bool hairpin;
	uint32_t sessions_per_sub;
	uint32_t max_sessions;      /* this worker's table */
	uint32_t timeout_s[CT_TO_MAX]; /* session timeouts, seconds */
	uint32_t syn_wait_s;        /* timeouts.tcp_syn_inbound */
	bool syn_icmp;              /* answer unsolicited SYNs with 3/3 */
	bool icmp_unreach;          /* 3/1 when no mapping can be made */
	uint32_t icmp_rate;         /* ICMP messages per second */
	uint32_t frag_max;          /* datagrams in reassembly */
	uint32_t frag_timeout_s;
	/* The pool: addresses, ports, blocks, limits. The worker sets its
	 * hooks (log, chosen, need, det_f1) and start_empty itself. */
	struct nat_pool_params pool;
};

struct nat_frag;

struct nat_worker {
	struct nat_env env;
	unsigned int id;
	struct ct_table *ct;
	uint32_t burst_tick; /* ct_clock(ct, now) of the burst in hand */
	struct nat_pool *pool;
	uint64_t *need_tsc;         /* per pool address: last block request */

	/* Translated packets waiting for their next hop's MAC. */
	struct nat_pending pend[NAT_PENDING];
	uint16_t pend_head;
	uint16_t pend_n;

	/* Mappings made by PCP MAP requests (RFC 6887), kept for their
	 * lifetime: their indexes, checked on the aging tick, and when
	 * each expires (tsc). */
	uint32_t pcp_map[NAT_PCP_MAX];
	uint64_t pcp_until[NAT_PCP_MAX];
	uint32_t pcp_n;

	/* Unsolicited inbound SYNs kept to answer (D21). */
	struct nat_syn_hold syn[NAT_SYN_HOLD];
	uint16_t syn_head;
	uint16_t syn_n;
	uint64_t syn_wait;    /* timeouts.tcp_syn_inbound in tsc */
	uint8_t syn_icmp;     /* icmp.unsolicited_syn = "icmp" */
	uint8_t icmp_unreach; /* icmp.unreachable_on_no_mapping */

	/* Buffered TX, one per egress side. */
	struct rte_mbuf *txb[CGN_SIDES][NAT_TX_BUF];
	uint16_t ntx[CGN_SIDES];

	/* Configuration in network byte order, fixed at start. */
	uint32_t own[CGN_SIDES];    /* the box's addresses */
	struct nat_prefixes sub;    /* subscribers */
	struct nat_prefixes byp;    /* bypass destinations */
	uint32_t icmp_per_sec;            /* icmp.rate */
	uint32_t in_gw;                   /* inside next hop or 0 */
	uint32_t nh_out;                  /* neighbour idx of the gateway */
	uint32_t nh_in_gw;                /* neighbour idx of inside gw */
	uint32_t new_rem_addr;            /* remote of the flow being made */
	uint16_t new_rem_port;            /* (pool_chosen()) */
	uint8_t eim;
	uint8_t filtering;                /* enum nat_filtering */
	uint8_t hairpin;
	uint8_t addr_defer;               /* see addr_checks() */
	uint32_t sessions_per_sub;

	/* ICMP generation: a token bucket, icmp_per_sec, burst 100. */
	uint64_t icmp_last;
	uint32_t icmp_tokens;

	/* Aging: every age_interval, look at age_budget sessions. */
	uint64_t next_age;
	uint64_t age_interval;
	uint32_t age_budget;
	uint64_t age_now; /* clock of the sweep in progress */

	/* Fragments: reassembly table, death row, indirect mbufs. */
	struct nat_frag *frag;
	uint16_t mtu[CGN_SIDES];       /* IP MTU of each link */

	/* The packet path's copies of what is fixed once the worker is made
	 * (nat_worker_init(): env.mac, the neighbour array and the MTUs are
	 * final by then), so that it does not reload them per packet.
	 */
	struct nat_neigh_entry *nb_e;  /* env.neigh->e */
	uint64_t smac_w0[CGN_SIDES];   /* frame bytes 0-7 of our frames: 0s
					* for the next hop's MAC, then bytes
					* 0-1 of env.mac[side] */
	uint32_t smac_w1[CGN_SIDES];   /* frame bytes 8-11: its bytes 2-5 */
	uint64_t mac48[CGN_SIDES];     /* env.mac[side] in bytes 0-5 */
	uint32_t frame_max[CGN_SIDES]; /* MTU + Ethernet header */

	/* out_owner() in O(1) for a port of a regular block: the first
	 * global block of address (host order) a is o2i_blk0[a - o2i_base]
	 * (-1: not a pool address) for a - o2i_base < o2i_span; the block of
	 * port p within its address is ((p - o2i_port_lo) * o2i_div) >> 32
	 * (a division by block_size) for p - o2i_port_lo < o2i_reg_ports.
	 * Built by nat_owner_init() from nat_pool_addr_index() and
	 * nat_port_block(), read only after.
	 */
	const uint8_t *block_owner;    /* env.block_owner */
	int32_t *o2i_blk0;
	uint32_t o2i_base;
	uint32_t o2i_span;             /* 0: every address the slow way */
	uint32_t o2i_reg_ports;        /* 0: every port the slow way */
	uint64_t o2i_div;              /* floor(2^32 / block_size) + 1 */
	uint16_t o2i_port_lo;

	struct cgn_stats stats;
} __rte_cache_aligned;

/*
 * Make a worker's NAT: session table, pool (starting empty: port blocks
 * come through nat_pool_block_give()), fragment tables, dispatch tables.
 * socket: NUMA node of its memory. 0 or -errno; nat_worker_fini() undoes a
 * partial one.
 */
int nat_worker_init(struct nat_worker *w, const struct nat_env *env,
		    const struct nat_worker_conf *c, int socket);
void nat_worker_fini(struct nat_worker *w);

/* Translate a burst received on side (flags: NAT_HANDED, NAT_HAIRPIN). */
void nat_burst(struct nat_worker *w, enum cgn_side side,
	       struct rte_mbuf **pkts, uint16_t n, uint64_t now,
	       unsigned int flags);

/* Every poll: packets whose next hop is now known, fragment time-outs. */
void nat_poll(struct nat_worker *w, uint64_t now);

/* Every env-chosen interval (1 ms): a slice of aging, ports out of
 * hold-down, PCP lifetimes, kept SYNs. */
void nat_tick(struct nat_worker *w, uint64_t now);

/* Expire up to budget sessions idle past their timeout at `now`. */
uint32_t nat_age(struct nat_worker *w, uint64_t now, uint32_t budget);

/* End every session (at shutdown), logging the block releases, the PCP
 * mappings, kept SYNs and fragments; drop the packets waiting for ARP. */
void nat_close_all(struct nat_worker *w, uint64_t now);

/* Queue a packet the box made (counted as generated). */
void nat_send_generated(struct nat_worker *w, enum cgn_side side,
			struct rte_mbuf *m);

/* Queue a packet as it is (the control thread's ARP) on a side's TX
 * queue; mbuf->hash.usr 1 keeps it out of the tx counts. */
void nat_tx_queue(struct nat_worker *w, enum cgn_side side,
		  struct rte_mbuf *m);

/* Which worker of n_workers owns a subscriber (inside address, network
 * order)? */
unsigned int nat_sub_owner(const struct nat_rss *rss, unsigned int n_workers,
			   uint32_t addr);

#endif /* NAT_WORKER_H */
