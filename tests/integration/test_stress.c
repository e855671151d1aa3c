/* SPDX-License-Identifier: BSD-3-Clause
 * Stress test: two workers running for real, concurrently.
 *
 * The NAT is built as app/main.c builds it (rig.c), with two workers
 * launched with rte_eal_remote_launch(cgn_worker_main) on lcores 1 and 2,
 * both on the second CPU (--lcores 0@c0,1@c1,2@c1: this box may have only
 * two). The main lcore (first CPU) runs the control thread, cgn_ctrl_poll()
 * in a loop, and between two polls a generator that for a few seconds
 *   - injects packets into both RX queues of the inside port: many
 *     subscribers in phases (a busy one with more subscribers than the
 *     blocks the workers start with, then a quiet one while their sessions
 *     expire; new subscribers every phase), UDP flows and TCP SYNs, each
 *     carrying a tag (subscriber, port, sequence) in its payload; a
 *     subscriber's packets go to either queue, so half of them are handed
 *     to the owning worker;
 *   - reads what the workers send on the outside port, checks it (from the
 *     pool, full checksums, sent by the owner of the tag's subscriber) and
 *     turns most of it into replies (addresses and ports swapped, SYN ->
 *     SYN-ACK, the outside port added to the tag, checksums recomputed)
 *     injected into the outside RX queue of the OTHER worker, so that they
 *     are handed back;
 *   - reads what comes out on the inside port: each reply must reach the
 *     subscriber and port of its tag (or, late after its mapping expired,
 *     another endpoint that was seen using the same outside port), with
 *     the subscriber's MAC, through the owner's queue, TTL - 1, correct
 *     checksums;
 *   - adds some garbage (random bytes, bad IP checksums, ARP requests,
 *     echo to the box, inbound TCP that opens nothing).
 * It paces itself (room()): it injects only while every RX and handoff
 * ring holds fewer than 256 packets, so a handoff ring can never fill
 * however long the scheduler keeps a worker off its CPU; overflow is
 * test_multiworker's test_handoff_ring_full.
 * The pool is one address of 40 port blocks, sessions time out after
 * 200 ms (set in memory, below what the config file allows) and released
 * ports are not held down (pool.hold_down = 0), so blocks are granted and
 * given back while traffic runs.
 *
 * Then: ctx.quit, rte_eal_mp_wait_lcore(), drain everything, and check
 *   - per worker rx + handoff_in == tx + consumed + dropped + handoff_out
 *     (+ held for ARP), in total rx == tx + consumed + dropped (+ held);
 *   - no frame out of place or wrong, >= 90 % of the replies delivered,
 *     both workers handed off, every handoff arrived;
 *   - no handoff_full drop;
 *   - the control thread granted and took back blocks; every block is
 *     held by exactly one party, and a worker's blocks are its own in
 *     ctx->block_owner (rig_check_blocks);
 *   - after cgn_worker_close_all(), no mbuf in use beyond start-up.
 *
 * Environment: CGN_STRESS_SECS (default 3), CGN_STRESS_PPS (new inside
 * packets per second, default 50000), CGN_STRESS_FLOW_CONTROL=0 (no
 * pacing: handoff_full drops allowed), CGN_IT_SEED (default 1).
 * Exit status 0 when every check holds.
 *
 * ThreadSanitizer (not in CI):
 *   meson setup /tmp/tsan -Db_sanitize=thread -Dc_args=-DRTE_USE_C11_MEM_MODEL
 *   ninja -C /tmp/tsan tests/integration/test_stress
 *   TSAN_OPTIONS="history_size=7 suppressions=FILE" \
 *     /tmp/tsan/tests/integration/test_stress
 * RTE_USE_C11_MEM_MODEL makes the rte_ring code inlined into ours use
 * acquire/release atomics TSan understands (the default x86 variant uses
 * plain accesses and compiler barriers). DPDK's libraries are not
 * instrumented, so mbufs crossing the ring ethdev or recycled through the
 * mempool, and lookups racing adds in rte_hash's lock-free mode, show up
 * as races; FILE suppresses the test's own side of the first kind:
 *   race:rig_inject_raw  race:handle_outside  race:handle_inside
 *   race:fix_cksums  race:verify_cksums_buf  race:room
 *   race:rte_pktmbuf_reset  race:rte_pktmbuf_reset_headroom
 *   race:rte_pktmbuf_prefree_seg  race:rte_pktmbuf_free
 * The throughput checks fail under TSan (it is many times slower).
 */
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "nat_neigh.h"
#include "nat_stats.h"
#include "ct_table.h"
#include "nat_pool.h"
#include "rig.h"

#define TAG_MAGIC 0x53545253u /* "STRS" */
#define SUB_BASE IP(100, 64, 16, 0)
#define N_SUBS 4096
/* Load comes in phases: a busy one with BUSY subscribers (more than the
 * 2 x 16 blocks the workers start with: they ask for more, the control
 * thread grants its 8 to one of them, the other runs out), then a quiet
 * one with QUIET subscribers (the busy ones' sessions expire, the workers
 * give their surplus blocks back). Every phase has new subscribers. */
#define PHASE_MS 500
#define BUSY 36
#define QUIET 4
#define FLOWS 8            /* per subscriber: 6 UDP, 2 TCP */
/* Flow control (see room()): RX rings and handoff rings below this. */
#define MAX_INFLIGHT 256

struct tag {
	uint8_t magic[4];
	uint8_t sub[4];    /* the inside endpoint that sent it */
	uint8_t port[2];
	uint8_t proto;
	uint8_t pad;
	uint8_t seq[4];
	uint8_t oport[2];  /* in a reply: the outside port it answers */
	uint8_t pad2[2];
};

/*
 * Every (outside port, inside address, inside port) the generator saw
 * leave (a set of 64-bit keys, open addressing). A reply that reaches an
 * inside endpoint other than the one in its tag is correct only if that
 * endpoint, too, was seen using the outside port: the mapping expired and
 * the port went to another flow before the (late) reply came, which is
 * what a NAT must do. Anything else is a misdelivery.
 */
#define SEEN_SLOTS (1u << 16)
static uint64_t seen[SEEN_SLOTS];
static unsigned int n_seen;
#define N_REUSE 4096
static uint64_t reuse[N_REUSE];
static unsigned int n_reuse;

static uint64_t
seen_key(uint16_t oport, uint32_t sub, uint16_t port)
{
	return (uint64_t)oport << 48 | (uint64_t)sub << 16 | port;
}

static bool
seen_has(uint64_t k, bool add)
{
	uint32_t i = (uint32_t)((k * 0x9e3779b97f4a7c15ULL) >> 48);

	for (;; i = (i + 1) % SEEN_SLOTS) {
		if (seen[i] == k)
			return true;
		if (seen[i] == 0) {
			if (add && n_seen < SEEN_SLOTS / 2) {
				seen[i] = k;
				n_seen++;
			}
			return false;
		}
	}
}


static int bad;
static bool flow_control = true;
/* Set (release) by a worker lcore when cgn_worker_main() returned, read
 * (acquire) after rte_eal_mp_wait_lcore(): that function waits with
 * atomics inside librte_eal, which ThreadSanitizer does not see, so
 * without this pair a TSan build reports everything the main thread reads
 * or frees after the stop as a race. */
static int worker_done[RTE_MAX_LCORE];

static int
worker_entry(void *arg)
{
	struct cgn_worker *w = arg;
	int rc = cgn_worker_main(w);

	__atomic_store_n(&worker_done[w->lcore], 1, __ATOMIC_RELEASE);
	return rc;
}

static struct {
	uint64_t in_sent, in_fail, garbage, replies, replies_fail;
	uint64_t replies_held_back;
	uint64_t out_seen, delivered, icmp_err, echo_replies, arp_replies;
	uint64_t leftover_rx, tx_after_stop;
} st;

#define BAD(...) do {						\
	if (bad++ < 20)						\
		fprintf(stderr, "BAD: " __VA_ARGS__);		\
} while (0)

static unsigned int
owner(const struct rig *r, uint32_t sub)
{
	return cgn_sub_owner(r->ctx, rte_cpu_to_be_32(sub));
}

/* A new inside packet of a random flow of a subscriber in the window. */
static uint16_t
make_inside(uint8_t *b, uint64_t ms, uint32_t seq)
{
	uint32_t phase = (uint32_t)(ms / PHASE_MS);
	uint32_t first = phase * BUSY;
	uint32_t idx = (first + (uint32_t)(rte_rand() % (phase % 2 ? QUIET :
							 BUSY))) % N_SUBS;
	uint32_t sub = SUB_BASE + 1 + idx;
	unsigned int j = (unsigned int)(rte_rand() % FLOWS);
	struct rte_ether_addr mac = rig_sub_mac(sub);
	uint16_t sport = (uint16_t)(30000 + j);
	struct tag t;
	struct pkt p;

	memcpy(t.magic, "STRS", 4);
	wr32(t.sub, sub);
	wr16(t.port, sport);
	t.pad = 0;
	wr32(t.seq, seq);
	memset(t.oport, 0, sizeof(t.oport));
	memset(t.pad2, 0, sizeof(t.pad2));
	if (j < 6) {
		t.proto = IPPROTO_UDP;
		p = udp_pkt(&MAC_NAT[S_IN], &mac, sub, sport,
			    Y1 + (j % 3), (uint16_t)(53 + j));
	} else {
		t.proto = IPPROTO_TCP;
		p = tcp_pkt(&MAC_NAT[S_IN], &mac, sub, sport, Y2,
			    (uint16_t)(443 + j), TH_SYN, seq, 0);
	}
	p.payload = (const uint8_t *)&t;
	p.plen = sizeof(t);
	return build(b, &p);
}

/* Garbage and odd but legal frames, to either side. */
static uint16_t
make_garbage(uint8_t *b, int *side)
{
	unsigned int kind = (unsigned int)(rte_rand() % 5);
	uint32_t sub = SUB_BASE + 1 + (uint32_t)(rte_rand() % N_SUBS);
	struct rte_ether_addr mac = rig_sub_mac(sub);
	struct pkt p;
	uint16_t len, i;

	switch (kind) {
	case 0: /* random bytes */
		len = (uint16_t)(1 + rte_rand() % 80);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)rte_rand();
		*side = (int)(rte_rand() % 2);
		return len;
	case 1: /* IPv4 with a bad header checksum */
		p = udp_pkt(&MAC_NAT[S_IN], &mac, sub, 999, Y1, 53);
		len = build(b, &p);
		b[IP_OFF + 10] ^= 0x5a;
		*side = S_IN;
		return len;
	case 2: /* a subscriber ARPs for the inside address */
		*side = S_IN;
		return build_arp(b, &MAC_BCAST, &mac, 1, &mac, sub,
				     &MAC_ZERO, NAT_IN);
	case 3: /* ping the box */
		p = icmp_pkt(&MAC_NAT[S_IN], &mac, sub, NAT_IN,
			     RTE_IP_ICMP_ECHO_REQUEST, 9, 9);
		*side = S_IN;
		return build(b, &p);
	default: /* inbound TCP that opens nothing: out_no_mapping when
		  * the port is not mapped, out_filtered when it is */
		p = tcp_pkt(&MAC_NAT[S_OUT], &MAC_GW, Y2, 1234, STATIC_OUT,
			    (uint16_t)(1024 + rte_rand() % 10240), TH_ACK,
			    1, 1);
		*side = S_OUT;
		return build(b, &p);
	}
}

static int
inject(struct rig *r, int side, unsigned int q, const uint8_t *b,
       uint16_t len)
{
	return rig_inject_raw(r, side, q, b, len);
}

/*
 * Flow control: inject only while every RX ring and every handoff ring
 * holds fewer than MAX_INFLIGHT packets. A worker can then push at most
 * MAX_INFLIGHT plus what its two RX rings hold (about 3 x MAX_INFLIGHT in
 * all) into a handoff ring, less than its 1023 places, however long the
 * receiving worker is kept off the CPU (both workers share one here, and
 * the box may be busy). Without it (CGN_STRESS_FLOW_CONTROL=0) handoff_full
 * drops are expected and allowed.
 */
static bool
room(const struct rig *r, int side, unsigned int q)
{
	if (!flow_control)
		return true;
	return rte_ring_count(rig_rxr[side][q]) < MAX_INFLIGHT &&
	       rte_ring_count(r->ctx->handoff[0][1]) < MAX_INFLIGHT &&
	       rte_ring_count(r->ctx->handoff[1][0]) < MAX_INFLIGHT;
}

/* Recompute a frame's IP and L4 checksums in place. */
static void
fix_cksums(uint8_t *f, uint16_t len)
{
	uint8_t *ip = f + IP_OFF, *l4 = ip + 20;
	uint16_t l4len = (uint16_t)(rd16(ip + 2) - 20);

	(void)len;
	wr16(ip + 10, ip_cksum(ip));
	if (ip[9] == IPPROTO_TCP)
		wr16(l4 + 16, l4_cksum(ip, l4, l4len, IPPROTO_TCP));
	else if (ip[9] == IPPROTO_UDP)
		wr16(l4 + 6, l4_cksum(ip, l4, l4len, IPPROTO_UDP));
}

/*
 * What worker q sent outside: check it, and turn it into a reply at the
 * other worker (or free it).
 */
static void
handle_outside(struct rig *r, unsigned int q, struct rte_mbuf *m,
	       bool reply_ok)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t len = (uint16_t)m->data_len;
	struct tag *t;
	uint32_t sub, tmp;
	uint8_t mac[6];
	uint16_t port;
	char a[20];

	st.out_seen++;
	if (len >= 42 && rd16(f + 12) == RTE_ETHER_TYPE_ARP && q == 0) {
		/* The control thread's ARP (through worker 0). */
		rte_pktmbuf_free(m);
		return;
	}
	if (verify_cksums_buf("outside frame", f, len) != 0 ||
	    (f[23] != IPPROTO_UDP && f[23] != IPPROTO_TCP)) {
		BAD("outside frame on queue %u: not a good UDP/TCP frame\n",
		    q);
		rte_pktmbuf_free(m);
		return;
	}
	t = (struct tag *)(f + L4_OFF + (f[23] == IPPROTO_TCP ? 20 : 8));
	if (len < (uint8_t *)(t + 1) - f || memcmp(t->magic, "STRS", 4) != 0) {
		BAD("outside frame without a tag\n");
		rte_pktmbuf_free(m);
		return;
	}
	sub = rd32(t->sub);
	if (rd32(f + 26) != STATIC_OUT) {
		BAD("outside frame from %s, not the pool\n",
		    ipstr(rd32(f + 26), a));
	}
	port = rd16(f + L4_OFF);
	if (port < 1024 || port > 11263)
		BAD("outside port %u not in the pool's range\n", port);
	if (owner(r, sub) != q)
		BAD("%s's packet sent by worker %u, its owner is %u\n",
		    ipstr(sub, a), q, owner(r, sub));
	seen_has(seen_key(port, sub, rd16(t->port)), true);
	if (memcmp(f, MAC_GW.addr_bytes, 6) != 0 ||
	    memcmp(f + 6, MAC_NAT[S_OUT].addr_bytes, 6) != 0)
		BAD("outside frame MACs\n");
	if (!reply_ok || rte_rand() % 4 == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (!room(r, S_OUT, !q)) {
		st.replies_held_back++;
		rte_pktmbuf_free(m);
		return;
	}
	/* The reply, in place. */
	memcpy(mac, f, 6);
	memcpy(f, MAC_NAT[S_OUT].addr_bytes, 6);
	memcpy(f + 6, mac, 6);
	tmp = rd32(f + 26);
	wr32(f + 26, rd32(f + 30));
	wr32(f + 30, tmp);
	f[22] = 64;
	port = rd16(f + L4_OFF);
	wr16(f + L4_OFF, rd16(f + L4_OFF + 2));
	wr16(f + L4_OFF + 2, port);
	wr16(t->oport, port);
	if (f[23] == IPPROTO_TCP) {
		wr32(f + L4_OFF + 8, rd32(f + L4_OFF + 4) + 1);
		wr32(f + L4_OFF + 4, (uint32_t)rte_rand());
		f[L4_OFF + 13] = TH_SYN | TH_ACK;
	}
	fix_cksums(f, len);
	if (rte_ring_enqueue(rig_rxr[S_OUT][!q], m) != 0) {
		st.replies_fail++;
		rte_pktmbuf_free(m);
		return;
	}
	st.replies++;
}

/* What worker q sent inside. */
static void
handle_inside(struct rig *r, unsigned int q, struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = (uint16_t)m->data_len;
	const struct tag *t;
	struct rte_ether_addr mac;
	uint32_t sub;
	char a[20], b[20];

	if (len >= 42 && rd16(f + 12) == RTE_ETHER_TYPE_ARP) {
		if (rd16(f + 20) == 2)
			st.arp_replies++;
		goto out;
	}
	if (verify_cksums_buf("inside frame", f, len) != 0) {
		BAD("inside frame on queue %u: bad\n", q);
		goto out;
	}
	if (f[23] == IPPROTO_ICMP && rd32(f + 26) == NAT_IN) {
		if (f[L4_OFF] == 3)
			st.icmp_err++;
		else if (f[L4_OFF] == 0)
			st.echo_replies++;
		else
			BAD("ICMP type %u from the box\n", f[L4_OFF]);
		goto out;
	}
	if (f[23] != IPPROTO_UDP && f[23] != IPPROTO_TCP) {
		BAD("inside frame, protocol %u\n", f[23]);
		goto out;
	}
	t = (const struct tag *)(f + L4_OFF + (f[23] == IPPROTO_TCP ? 20 : 8));
	if (len < (const uint8_t *)(t + 1) - f ||
	    memcmp(t->magic, "STRS", 4) != 0) {
		BAD("inside frame without a tag\n");
		goto out;
	}
	/* Where it went: the subscriber's MAC, through its owner. */
	sub = rd32(f + 30);
	mac = rig_sub_mac(sub);
	if (memcmp(f, mac.addr_bytes, 6) != 0 ||
	    memcmp(f + 6, MAC_NAT[S_IN].addr_bytes, 6) != 0)
		BAD("reply to %s: MACs\n", ipstr(sub, a));
	if (owner(r, sub) != q)
		BAD("reply to %s sent by worker %u, its owner is %u\n",
		    ipstr(sub, a), q, owner(r, sub));
	if (f[22] != 63)
		BAD("reply TTL %u\n", f[22]);
	if (f[23] != t->proto)
		BAD("reply protocol %u, tag says %u\n", f[23], t->proto);
	if (sub == rd32(t->sub) && rd16(f + L4_OFF + 2) == rd16(t->port)) {
		st.delivered++;
		goto out;
	}
	/* To another endpoint: checked against seen[] at the end. */
	if (n_reuse < N_REUSE)
		reuse[n_reuse++] = seen_key(rd16(t->oport), sub,
					    rd16(f + L4_OFF + 2));
	else
		BAD("reply for %s:%u delivered to %s:%u\n",
		    ipstr(rd32(t->sub), a), rd16(t->port),
		    ipstr(sub, b), rd16(f + L4_OFF + 2));
out:
	rte_pktmbuf_free(m);
}

static void
read_outputs(struct rig *r, bool reply_ok)
{
	struct rte_mbuf *m[64];
	unsigned int q, n, i;

	for (q = 0; q < RIG_MAXQ; q++) {
		n = rte_ring_dequeue_burst(rig_txr[S_OUT][q], (void **)m,
					   RTE_DIM(m), NULL);
		for (i = 0; i < n; i++)
			handle_outside(r, q, m[i], reply_ok);
		n = rte_ring_dequeue_burst(rig_txr[S_IN][q], (void **)m,
					   RTE_DIM(m), NULL);
		for (i = 0; i < n; i++)
			handle_inside(r, q, m[i]);
	}
}

/* Before the workers start: answer control's ARP for the gateway. */
static int
l2_up(struct rig *r)
{
	struct frame f;
	uint8_t b[64];

	r->now = rte_rdtsc();
	cgn_worker_poll(r->wk[0], r->now);
	if (rig_take(S_OUT, 0, &f, 1) != 1 ||
	    arp_check("ARP request for the gateway", &f, &MAC_BCAST,
			  &MAC_NAT[S_OUT], 1, &MAC_NAT[S_OUT], NAT_OUT,
			  &MAC_ZERO, GW) != 0)
		return -1;
	if (rig_inject_raw(r, S_OUT, 1, b, build_arp(b, &MAC_NAT[S_OUT],
			   &MAC_GW, 2, &MAC_GW, GW, &MAC_NAT[S_OUT],
			   NAT_OUT)) != 0)
		return -1;
	cgn_worker_poll(r->wk[1], rte_rdtsc());
	cgn_ctrl_poll(r->ctrl, rte_rdtsc());
	return 0;
}

/* Poll both workers and control from this thread for ms milliseconds
 * (after the workers stopped): handoffs, ARP queue, grants, returns. */
static void
settle(struct rig *r, unsigned int ms)
{
	uint64_t end = rte_rdtsc() + r->hz * ms / 1000;

	while (rte_rdtsc() < end) {
		cgn_worker_poll(r->wk[0], rte_rdtsc());
		cgn_worker_poll(r->wk[1], rte_rdtsc());
		cgn_ctrl_poll(r->ctrl, rte_rdtsc());
		read_outputs(r, false);
		rte_delay_us_block(50);
	}
}

static void
check(bool ok, const char *what)
{
	printf("  %-64s %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		bad++;
}

/* Launch the workers on their lcores; 0, or -1 (then none runs). */
static int
launch(struct rig *r)
{
	unsigned int i;

	for (i = 0; i < r->nw; i++)
		if (rte_eal_remote_launch(worker_entry, r->wk[i],
					  r->wk[i]->lcore) != 0) {
			fprintf(stderr, "cannot launch worker %u on lcore %u\n",
				i, r->wk[i]->lcore);
			cgn_quit(r->ctx);
			rte_eal_mp_wait_lcore();
			return -1;
		}
	return 0;
}

/* The traffic generator (and control) on this lcore for secs seconds, pps
 * new inside packets a second; returns the number of control polls. */
static uint64_t
generate(struct rig *r, uint64_t secs, uint64_t pps)
{
	uint64_t t0, end, now, hz = r->hz, polls = 0;
	uint8_t b[FRAME_MAX];
	uint32_t seq = 0;
	unsigned int i, q;

	t0 = rte_rdtsc();
	end = t0 + secs * hz;
	while ((now = rte_rdtsc()) < end) {
		uint64_t ms = (now - t0) * 1000 / hz;
		uint64_t due = (now - t0) * pps / hz;

		cgn_ctrl_poll(r->ctrl, now);
		polls++;
		/* New inside packets, paced, on both queues. */
		for (i = 0; i < 64 && st.in_sent + st.in_fail < due; i++) {
			q = (unsigned int)(rte_rand() % 2);
			if (!room(r, S_IN, q) ||
			    inject(r, S_IN, q, b, make_inside(b, ms, ++seq)) !=
				    0) {
				st.in_fail++;
				continue;
			}
			st.in_sent++;
			if (rte_rand() % 64 == 0) {
				int side;
				uint16_t len = make_garbage(b, &side);

				if (inject(r, side, (unsigned int)(rte_rand() %
						 2), b, len) == 0)
					st.garbage++;
			}
		}
		read_outputs(r, true);
	}
	return polls;
}

/* Stop the workers; then nothing runs concurrently any more. Empty the RX
 * rings, read what was sent, let the rest settle. */
static void
stop_workers(struct rig *r)
{
	unsigned int i, q;

	cgn_quit(r->ctx);
	rte_eal_mp_wait_lcore();
	for (i = 0; i < r->nw; i++)
		if (!__atomic_load_n(&worker_done[r->wk[i]->lcore],
				     __ATOMIC_ACQUIRE))
			BAD("worker %u did not return\n", i);
	for (q = 0; q < RIG_MAXQ; q++) {
		struct rte_mbuf *m = NULL;

		st.leftover_rx += rte_ring_count(rig_rxr[S_IN][q]) +
				  rte_ring_count(rig_rxr[S_OUT][q]);
		while (rte_ring_dequeue(rig_rxr[S_IN][q], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		while (rte_ring_dequeue(rig_rxr[S_OUT][q], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	read_outputs(r, false);
	/* Handoffs in flight, packets waiting for ARP, grants, returns. */
	settle(r, 20);
}

/* Replies that reached another endpoint than their tag's: only after that
 * endpoint had been given the same outside port. */
static void
report_reuse(void)
{
	unsigned int k, wrong = 0;

	for (k = 0; k < n_reuse; k++)
		if (!seen_has(reuse[k], false)) {
			char a[20];

			if (wrong++ < 10)
				BAD("reply to outside port %u delivered to "
				    "%s:%u, which never used it\n",
				    (unsigned int)(reuse[k] >> 48),
				    ipstr((uint32_t)(reuse[k] >> 16), a),
				    (unsigned int)(reuse[k] & 0xffff));
		}
	printf("replies to a reused outside port (late, after the mapping "
	       "expired): %u, of which never mapped there: %u\n", n_reuse,
	       wrong);
}

/* What the run did: the generator, the far side, control. */
static void
report(const struct rig *r, uint64_t polls)
{
	printf("generator: %" PRIu64 " inside packets (%" PRIu64 " not sent: "
	       "flow control, mbufs), %" PRIu64 " garbage, %" PRIu64
	       " replies (%" PRIu64 " held back by flow control, %" PRIu64
	       " not sent), %" PRIu64 " left unread in RX at stop\n",
	       st.in_sent, st.in_fail, st.garbage, st.replies,
	       st.replies_held_back, st.replies_fail, st.leftover_rx);
	printf("received: %" PRIu64 " outside frames, %" PRIu64
	       " replies delivered, %" PRIu64 " ICMP errors, %" PRIu64
	       " echo replies, %" PRIu64 " ARP replies; %" PRIu64
	       " control polls\n", st.out_seen, st.delivered, st.icmp_err,
	       st.echo_replies, st.arp_replies, polls);
	printf("control: blocks granted %" PRIu64 ", returned %" PRIu64
	       ", requests %" PRIu64 " (unmet %" PRIu64 "), log lines %"
	       PRIu64 "\n", r->ctrl->stats.blocks_granted,
	       r->ctrl->stats.blocks_returned, r->ctrl->stats.block_requests,
	       r->ctrl->stats.block_requests_unmet, r->ctrl->stats.log_lines);
	report_reuse();
	fflush(stdout);
	rig_print_stats(r);
}

/* The checks of the run; then everything closed, and checked again. */
static void
checks(struct rig *r, uint64_t secs, uint64_t pps)
{
	uint64_t hfull = 0, hin[2], hout[2];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		hfull += r->wk[i]->nat.stats.drop[CGN_DROP_handoff_full];
		hin[i] = r->wk[i]->nat.stats.handoff_in;
		hout[i] = r->wk[i]->nat.stats.handoff_out;
	}
	printf("checks:\n");
	check(bad == 0, "every frame out was where and what it should be");
	check(rig_handoff_in_flight(r) == 0, "handoff rings drained");
	check(rig_check_accounting(r, true) == 0,
	      "rx + handoff_in == tx + consumed + dropped + handoff_out");
	check(st.in_sent > pps * secs / 4, "generator sent at least a quarter "
	      "of its target");
	check(st.replies > (st.out_seen - st.replies_held_back) / 2,
	      "most outbound packets got a reply");
	check(st.delivered * 10 >= st.replies * 9,
	      "at least 90 % of the replies delivered");
	check(hin[0] > 0 && hin[1] > 0 && hout[0] > 0 && hout[1] > 0 &&
	      hin[0] + hin[1] == hout[0] + hout[1],
	      "both workers handed off and took handoffs, all arrived");
	/* With flow control, none can happen (see room()). */
	check(hfull == 0 || !flow_control, "no handoff_full drop");
	check(r->ctrl->stats.blocks_granted > 0, "control granted blocks");
	check(r->ctrl->stats.blocks_returned > 0, "workers gave blocks back");
	check(rig_check_blocks(r) == 0,
	      "every port block held once, by its owner");
	/* Close everything: blocks go back, mbufs too. */
	for (i = 0; i < r->nw; i++)
		cgn_worker_close_all(r->wk[i], rte_rdtsc());
	settle(r, 10);
	check(r->wk[0]->nat.ct->used == 0 && r->wk[1]->nat.ct->used == 0 &&
	      r->wk[0]->nat.pool->n_blocks_used == 0 &&
	      r->wk[1]->nat.pool->n_blocks_used == 0, "all sessions closed");
	check(rig_check_accounting(r, false) == 0, "counters add up after "
	      "closing");
	check(rig_check_blocks(r) == 0, "blocks all accounted for after "
	      "closing");
	rig_drain_port_rings();
	printf("  mbufs in use %u, at start-up %u\n",
	       rte_mempool_in_use_count(r->ctx->mp), r->mp_base);
	check(rte_mempool_in_use_count(r->ctx->mp) == r->mp_base,
	      "no mbuf leak");
}

static int
run(struct rig *r)
{
	const char *fc = getenv("CGN_STRESS_FLOW_CONTROL");
	uint64_t secs = getenv("CGN_STRESS_SECS") ?
		strtoull(getenv("CGN_STRESS_SECS"), NULL, 0) : 3;
	uint64_t pps = getenv("CGN_STRESS_PPS") ?
		strtoull(getenv("CGN_STRESS_PPS"), NULL, 0) : 50000;
	uint64_t polls;
	int rc = 0;

	flow_control = fc == NULL || strcmp(fc, "0") != 0;
	if (l2_up(r) != 0) {
		fprintf(stderr, "gateway ARP failed\n");
		return 1;
	}
	if (launch(r) != 0)
		return 1;
	printf("stress: %" PRIu64 " s, %" PRIu64 " new inside packets/s, "
	       "workers on lcores %u, %u, flow control %s\n", secs, pps,
	       r->wk[0]->lcore, r->wk[1]->lcore, flow_control ? "on" : "off");
	polls = generate(r, secs, pps);
	stop_workers(r);
	report(r, polls);
	checks(r, secs, pps);
	if (bad)
		rc = 1;
	printf("stress: %s\n", rc ? "FAILED" : "passed");
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct rig_opts opts = {
		.pool = "203.0.113.1/32",
		.ports = "1024-11263",
		.block_size = 256,
		.max_blocks = 1,
		.max_sessions = 2048, /* 1024 a worker: swept in 64 ms */
		.lcores = "1, 2",
		.short_timeout_ms = 200,
		/* Released ports are not held (RFC 6888 REQ-8 hold-down, 120 s
		 * by default), so blocks come back within the run. */
		.pool_extra = "\thold_down = 0;",
		.pool_defaults = true,
	};
	char lcores[64];
	const struct rig_proc proc = { .tag = "st", .nq = 2,
				       .lcores = lcores };
	struct rig *r = &g_rig;
	int cpu[2] = { -1, -1 }, c, n = 0, rc;
	cpu_set_t set;

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The first two CPUs this process may use: control and generator
	 * on the first, both workers on the second (on a one-CPU box,
	 * everything on one). */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (c = 0; c < CPU_SETSIZE && n < 2; c++)
			if (CPU_ISSET(c, &set))
				cpu[n++] = c;
	if (n == 0)
		cpu[n++] = 0;
	if (n == 1)
		cpu[1] = cpu[0];
	snprintf(lcores, sizeof(lcores), "0@%d,1@%d,2@%d", cpu[0], cpu[1],
		 cpu[1]);
	printf("--lcores %s\n", lcores);
	if (rig_main(argv[0], &proc) != 0)
		return 1;
	if (rig_build(r, &opts) != 0) {
		rig_free(r);
		return rig_main_end(1);
	}
	rc = run(r);
	rig_free(r);
	return rig_main_end(rc);
}
