/* SPDX-License-Identifier: BSD-3-Clause
 * Control thread: ARP, neighbour resolution and aging, mapping log.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "cgn_ctrl.h"
#include "cgn_worker.h"
#include "nat_pool.h"

#define NEIGH_REACHABLE_S 300 /* re-confirm an entry after this long */
#define NEIGH_PROBES 3        /* unanswered requests before invalid */
#define HOUSEKEEPING_MS 200

uint64_t
cgn_tsc_to_ns(const struct cgn_ctx *ctx, uint64_t tsc)
{
	int64_t d = (int64_t)(tsc - ctx->start_tsc);

	return ctx->start_ns + (uint64_t)((long double)d * 1e9L /
					  (long double)ctx->tsc_hz);
}

/* Send a packet the control thread made, through worker 0's TX. */
static void
ctrl_tx(struct cgn_ctrl *c, uint8_t side, struct rte_mbuf *m)
{
	m->port = side;
	if (rte_ring_sp_enqueue(c->ctx->workers[0]->tx_ring, m) != 0) {
		c->stats.ctrl_tx_full++;
		rte_pktmbuf_free(m);
	}
}

static void
send_arp_request(struct cgn_ctrl *c, uint8_t side, uint32_t ip)
{
	const struct cgn_link *l = &c->ctx->link[side];
	struct rte_ether_hdr *e;
	struct rte_arp_hdr *a;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(c->ctx->mp);
	if (m == NULL)
		return;
	e = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
			sizeof(*e) + sizeof(*a));
	if (e == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(&e->dst_addr, 0xff, sizeof(e->dst_addr));
	rte_ether_addr_copy(&l->mac, &e->src_addr);
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(e + 1);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&l->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = l->addr;
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = ip;
	c->stats.arp_requests_sent++;
	ctrl_tx(c, side, m);
}

/* Is ip on the link of `side` (so that ARP for it makes sense)? */
static bool
on_link(const struct cgn_link *l, uint32_t ip)
{
	return (ip & l->mask) == (l->addr & l->mask) && ip != l->addr;
}

/* Do we answer ARP for ip on `side`? Our address, and on the outside the
 * pool addresses that sit on the outside subnet.
 */
static bool
arp_is_ours(const struct cgn_ctx *ctx, uint8_t side, uint32_t ip)
{
	const struct cgn_link *l = &ctx->link[side];

	if (ip == l->addr)
		return true;
	return side == CGN_OUTSIDE && on_link(l, ip) &&
	       cgn_config_pool_index(ctx->cfg, rte_be_to_cpu_32(ip)) >= 0;
}

static void
learn(struct cgn_ctrl *c, uint8_t side, uint32_t ip,
      const struct rte_ether_addr *mac, bool create, uint64_t now)
{
	struct nat_neigh *nb = &c->ctx->neigh;
	uint32_t idx;

	if (!on_link(&c->ctx->link[side], ip) || rte_is_zero_ether_addr(mac) ||
	    !rte_is_unicast_ether_addr(mac))
		return;
	idx = nat_neigh_lookup(nb, side, ip);
	if (idx == UINT32_MAX) {
		if (!create)
			return;
		idx = nat_neigh_add(nb, side, ip);
		if (idx == UINT32_MAX) {
			c->stats.neigh_table_full++;
			return;
		}
	}
	nat_neigh_set(nb, idx, mac, false, now);
	c->stats.neigh_learned++;
}

static void
handle_arp(struct cgn_ctrl *c, struct rte_mbuf *m, uint64_t now)
{
	uint8_t side = m->port == CGN_INSIDE ? CGN_INSIDE : CGN_OUTSIDE;
	const struct cgn_link *l = &c->ctx->link[side];
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	uint32_t sip, tip;
	bool ours;

	c->stats.arp_rx++;
	if (m->data_len < sizeof(*e) + sizeof(*a) ||
	    a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4) {
		c->stats.arp_malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	sip = a->arp_data.arp_sip;
	tip = a->arp_data.arp_tip;
	ours = arp_is_ours(c->ctx, side, tip);
	/* RFC 826: update an entry we have; add one when we are the target. */
	learn(c, side, sip, &a->arp_data.arp_sha, ours, now);

	if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) || !ours) {
		if (!ours)
			c->stats.arp_ignored++;
		rte_pktmbuf_free(m);
		return;
	}
	/* Turn the request into the reply. */
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_data.arp_sha, &a->arp_data.arp_tha);
	a->arp_data.arp_tip = sip;
	rte_ether_addr_copy(&l->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = tip;
	rte_ether_addr_copy(&e->src_addr, &e->dst_addr);
	rte_ether_addr_copy(&l->mac, &e->src_addr);
	c->stats.arp_replies_sent++;
	ctrl_tx(c, side, m);
}

static void
handle_event(struct cgn_ctrl *c, const struct nat_event *ev, uint64_t now)
{
	struct nat_neigh *nb = &c->ctx->neigh;
	struct nat_neigh_entry *ne;
	uint32_t idx;

	if (ev->type == NAT_EV_LEARN) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, ev->mac, 6);
		learn(c, ev->side, ev->ip, &mac, true, now);
		return;
	}
	/* NAT_EV_RESOLVE: make the entry and ask, at most once a second. */
	if (!on_link(&c->ctx->link[ev->side], ev->ip))
		return;
	idx = nat_neigh_add(nb, ev->side, ev->ip);
	if (idx == UINT32_MAX) {
		c->stats.neigh_table_full++;
		return;
	}
	ne = &nb->e[idx];
	if (ne->requested != 0 && now - ne->requested < c->ctx->tsc_hz)
		return;
	ne->requested = now;
	send_arp_request(c, ev->side, ev->ip);
}

/* Re-confirm old entries; give up on ones that stopped answering. */
static void
neigh_housekeeping(struct cgn_ctrl *c, uint64_t now)
{
	struct nat_neigh *nb = &c->ctx->neigh;
	uint64_t hz = c->ctx->tsc_hz;
	uint32_t i;

	for (i = 0; i < nb->n; i++) {
		struct nat_neigh_entry *ne = &nb->e[i];
		bool valid = ne->mac_state & NAT_NB_VALID;

		if (ne->mac_state & NAT_NB_STATIC)
			continue;
		if (valid && now - ne->confirmed < NEIGH_REACHABLE_S * hz)
			continue;
		if (!valid && ne->probes >= NEIGH_PROBES)
			continue; /* asked enough; a packet will ask again */
		if (now - ne->requested < hz)
			continue;
		if (ne->probes >= NEIGH_PROBES) {
			nat_neigh_invalidate(nb, i);
			c->stats.neigh_expired++;
			continue;
		}
		ne->probes++;
		ne->requested = now;
		send_arp_request(c, ne->side, ne->ip);
	}
}

static void
write_log(struct cgn_ctrl *c, const struct nat_log_event *ev)
{
	char sub[INET_ADDRSTRLEN], out[INET_ADDRSTRLEN], ts[40];
	uint64_t ns = cgn_tsc_to_ns(c->ctx, ev->tsc);
	time_t secs = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	inet_ntop(AF_INET, &ev->sub_addr, sub, sizeof(sub));
	inet_ntop(AF_INET, &ev->out_addr, out, sizeof(out));
	if (fprintf(c->log, "%s.%06uZ %s subscriber=%s outside=%s ports=%u-%u\n",
		    ts, (unsigned int)(ns % 1000000000ULL / 1000),
		    ev->type == NAT_LOG_BLOCK_ALLOC ? "block-alloc" :
						      "block-release",
		    sub, out, ev->port_lo, ev->port_hi) < 0)
		c->stats.log_errors++;
	else
		c->stats.log_lines++;
}

static void
drain_log(struct cgn_ctrl *c)
{
	struct nat_log_event ev[32];
	unsigned int n, i, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst_elem(c->ctx->log_ring, ev,
						   sizeof(ev[0]), 32, NULL);
		for (i = 0; i < n; i++)
			write_log(c, &ev[i]);
		total += n;
	} while (n == 32);
	if (total && fflush(c->log) != 0)
		c->stats.log_errors++;
}

int
cgn_blocks_init(struct cgn_ctrl *c, struct cgn_ctx *ctx)
{
	const struct nat_pool *p0 = ctx->workers[0]->nat.pool;
	uint32_t a, b, n_addrs = p0->p.n_addrs, bpa = p0->blocks_per_addr;
	uint32_t share;
	unsigned int wi;

	uint32_t n_reg = p0->n_reg_blocks;

	/* With one worker it takes everything: nothing to balance. */
	share = ctx->n_workers == 1 ? n_reg :
		RTE_MIN((uint32_t)CGN_BLOCK_KEEP, n_reg / ctx->n_workers);
	c->blocks.free = rte_zmalloc(NULL, sizeof(uint32_t *) * n_addrs, 0);
	if (c->blocks.free == NULL)
		return -1;
	for (a = 0; a < n_addrs; a++) {
		uint32_t *st = rte_malloc(NULL, sizeof(uint32_t) * bpa, 0);

		if (st == NULL)
			return -1;
		c->blocks.free[a] = st;
		b = 0;
		for (wi = 0; wi < ctx->n_workers; wi++) {
			uint32_t k;

			for (k = 0; k < share; k++, b++) {
				ctx->block_owner[a * bpa + b] = (uint8_t)wi;
				nat_pool_block_give(ctx->workers[wi]->nat.pool,
						    a * bpa + b);
			}
		}
		ctx->global_free[a] = 0;
		for (; b < n_reg; b++)
			st[ctx->global_free[a]++] = b;
		/* Low blocks (pool.low_ports): few, dealt out at start. */
		for (wi = 0; b < bpa; b++, wi = (wi + 1) % ctx->n_workers) {
			ctx->block_owner[a * bpa + b] = (uint8_t)wi;
			nat_pool_block_give(ctx->workers[wi]->nat.pool, a * bpa + b);
		}
	}
	return 0;
}

void
cgn_blocks_fini(struct cgn_ctrl *c)
{
	const struct cgn_ctx *ctx = c->ctx;
	uint32_t a;

	if (c->blocks.free == NULL)
		return;
	for (a = 0; a < ctx->cfg->pool.n_addrs; a++)
		rte_free(c->blocks.free[a]);
	rte_free(c->blocks.free);
	c->blocks.free = NULL;
}

/* A worker runs short of blocks of an address: grant what we can. */
static void
grant_blocks(struct cgn_ctrl *c, unsigned int wi, uint32_t a)
{
	struct cgn_ctx *ctx = c->ctx;
	uint32_t *st = c->blocks.free[a];
	unsigned int k;

	c->stats.block_requests++;
	if (ctx->global_free[a] == 0) {
		c->stats.block_requests_unmet++;
		return;
	}
	for (k = 0; k < CGN_BLOCK_GRANT && ctx->global_free[a] > 0; k++) {
		/* A random one of the free blocks (RFC 6888 REQ-15). */
		uint32_t n = ctx->global_free[a];
		uint32_t r = (uint32_t)(rte_rand() % n);
		uint32_t b = st[r];
		uint32_t blk = a * ctx->blocks_per_addr + b;

		/* Owner first: out2in for the block goes to wi from now. */
		__atomic_store_n(&ctx->block_owner[blk], (uint8_t)wi,
				 __ATOMIC_RELEASE);
		if (rte_ring_sp_enqueue_elem(ctx->workers[wi]->grant_ring, &blk,
					     sizeof(blk)) != 0)
			break;
		st[r] = st[n - 1];
		__atomic_store_n(&ctx->global_free[a], n - 1, __ATOMIC_RELAXED);
		c->stats.blocks_granted++;
	}
}

static void
take_returned_blocks(struct cgn_ctrl *c, unsigned int wi)
{
	struct cgn_ctx *ctx = c->ctx;
	uint32_t blk[32];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst_elem(ctx->workers[wi]->free_ring, blk,
					   sizeof(blk[0]), RTE_DIM(blk), NULL);
	for (i = 0; i < n; i++) {
		uint32_t a = blk[i] / ctx->blocks_per_addr;

		c->blocks.free[a][ctx->global_free[a]] =
			blk[i] % ctx->blocks_per_addr;
		__atomic_store_n(&ctx->global_free[a], ctx->global_free[a] + 1,
				 __ATOMIC_RELAXED);
		c->stats.blocks_returned++;
	}
}

void
cgn_ctrl_poll(struct cgn_ctrl *c, uint64_t now)
{
	struct cgn_ctx *ctx = c->ctx;
	unsigned int wi, i, n;

	for (wi = 0; wi < ctx->n_workers; wi++) {
		struct cgn_worker *w = ctx->workers[wi];
		struct rte_mbuf *pkts[32];
		struct nat_event ev[32];

		n = rte_ring_sc_dequeue_burst(w->slow_ring, (void **)pkts, 32,
					      NULL);
		for (i = 0; i < n; i++)
			handle_arp(c, pkts[i], now);
		n = rte_ring_sc_dequeue_burst_elem(w->ev_ring, ev,
						   sizeof(ev[0]), 32, NULL);
		for (i = 0; i < n; i++) {
			if (ev[i].type == NAT_EV_NEED_BLOCKS) {
				if (ev[i].ip < ctx->cfg->pool.n_addrs)
					grant_blocks(c, wi, ev[i].ip);
				continue;
			}
			handle_event(c, &ev[i], now);
		}
		take_returned_blocks(c, wi);
	}
	drain_log(c);
	if (now >= c->next_housekeeping) {
		c->next_housekeeping = now + ctx->tsc_hz * HOUSEKEEPING_MS /
						     1000;
		neigh_housekeeping(c, now);
	}
}

static int
mkdir_parent(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

int
cgn_ctrl_init(struct cgn_ctrl *c, struct cgn_ctx *ctx, char *err,
	      size_t errlen)
{
	const struct cgn_config *cfg = ctx->cfg;
	uint64_t now = rte_rdtsc();
	uint8_t side;

	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	if (mkdir_parent(cfg->logging.file) != 0 ||
	    (c->log = fopen(cfg->logging.file, "a")) == NULL) {
		snprintf(err, errlen, "%s: logging.file \"%s\": %s", cfg->path,
			 cfg->logging.file, strerror(errno));
		return -1;
	}
	/* Static neighbour entries, then ask for the gateways. */
	for (side = 0; side < CGN_SIDES; side++) {
		const struct cgn_link_config *lc = side == CGN_INSIDE ?
			&cfg->inside : &cfg->outside;
		uint32_t gw = ctx->link[side].gateway, idx;

		if (gw == 0)
			continue;
		idx = nat_neigh_add(&ctx->neigh, side, gw);
		if (idx == UINT32_MAX)
			continue;
		if (lc->has_gateway_mac)
			nat_neigh_set(&ctx->neigh, idx, &lc->gateway_mac, true,
				      now);
		else
			send_arp_request(c, side, gw);
	}
	return 0;
}

void
cgn_ctrl_fini(struct cgn_ctrl *c)
{
	if (c->log == NULL)
		return;
	drain_log(c);
	fclose(c->log);
	c->log = NULL;
}
