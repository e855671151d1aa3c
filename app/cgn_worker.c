/* SPDX-License-Identifier: BSD-3-Clause
 * A worker lcore: polls its queues on both ports and the rings from the
 * other workers and the control thread, gives the bursts to its NAT
 * (lib/nat, nat_burst()), sends what it queued, exchanges port blocks
 * with the control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "cgn_msg.h"
#include "cgn_worker.h"
#include "nat_pool.h"

unsigned int
cgn_sub_owner(const struct cgn_ctx *ctx, uint32_t addr)
{
	return nat_sub_owner(&ctx->rss, ctx->n_workers, addr);
}

void
cgn_worker_flush(struct cgn_worker *w)
{
	unsigned int side;

	for (side = 0; side < CGN_SIDES; side++) {
		uint16_t n = w->nat.ntx[side], sent, i;

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(w->ctx->link[side].port_id, w->txq,
					w->nat.txb[side], n);
		for (i = sent; i < n; i++) {
			struct rte_mbuf *m = w->nat.txb[side][i];

			/* Generated packets are not in the rx accounting. */
			if (m->hash.usr == 0) {
				w->nat.stats.tx[side]--;
				w->nat.stats.drop[CGN_DROP_tx_full]++;
			}
			rte_pktmbuf_free(m);
		}
		w->nat.ntx[side] = 0;
	}
}

/* nat_env's flush hook: a TX queue of the NAT is full. */
static void
nat_flush(struct nat_worker *nw)
{
	cgn_worker_flush(nw->env.app);
}

void
cgn_worker_process(struct cgn_worker *w, enum cgn_side side,
		   struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	nat_burst(&w->nat, side, pkts, n, now, 0);
}

/* Packets other workers handed to this one. */
static void
drain_handoffs(struct cgn_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[NAT_BURST], *by_kind[3][NAT_BURST];
	uint16_t nk[3];
	unsigned int j, i, n;

	for (j = 0; j < w->ctx->n_workers; j++) {
		if (j == w->id)
			continue;
		n = rte_ring_sc_dequeue_burst(w->ctx->handoff[j][w->id],
					      (void **)pkts, NAT_BURST, NULL);
		if (n == 0)
			continue;
		nk[0] = nk[1] = nk[2] = 0;
		for (i = 0; i < n; i++) {
			unsigned int k = pkts[i]->port <= NAT_HO_HAIRPIN ?
					 pkts[i]->port : NAT_HO_OUTSIDE;

			by_kind[k][nk[k]++] = pkts[i];
		}
		if (nk[NAT_HO_INSIDE])
			nat_burst(&w->nat, CGN_INSIDE, by_kind[NAT_HO_INSIDE],
				      nk[NAT_HO_INSIDE], now, NAT_HANDED);
		if (nk[NAT_HO_OUTSIDE])
			nat_burst(&w->nat, CGN_OUTSIDE, by_kind[NAT_HO_OUTSIDE],
				      nk[NAT_HO_OUTSIDE], now, NAT_HANDED);
		if (nk[NAT_HO_HAIRPIN])
			nat_burst(&w->nat, CGN_OUTSIDE, by_kind[NAT_HO_HAIRPIN],
				      nk[NAT_HO_HAIRPIN], now,
				      NAT_HANDED | NAT_HAIRPIN);
	}
}

/* Blocks the control thread granted; surplus blocks given back. */
static void
exchange_blocks(struct cgn_worker *w)
{
	uint32_t blk[16], a, b;
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst_elem(w->grant_ring, blk, sizeof(blk[0]),
					   RTE_DIM(blk), NULL);
	for (i = 0; i < n; i++) {
		nat_pool_block_give(w->nat.pool, blk[i]);
		w->nat.need_tsc[blk[i] / w->nat.pool->blocks_per_addr] = 0;
	}
	if (w->block_keep == UINT32_MAX)
		return;
	/* Look at one address per call. */
	a = w->return_cursor;
	if (++w->return_cursor == w->nat.pool->p.n_addrs)
		w->return_cursor = 0;
	while ((b = nat_pool_block_take(w->nat.pool, a, w->block_keep)) !=
	       NAT_NONE) {
		if (rte_ring_sp_enqueue_elem(w->free_ring, &b, sizeof(b)) != 0) {
			nat_pool_block_give(w->nat.pool, b);
			break;
		}
	}
}

uint32_t
cgn_worker_age(struct cgn_worker *w, uint64_t now, uint32_t budget)
{
	return nat_age(&w->nat, now, budget);
}

void
cgn_worker_close_all(struct cgn_worker *w, uint64_t now)
{
	nat_close_all(&w->nat, now);
}

/* Packets the control thread made (ARP): sent as generated. */
static void
send_from_control(struct cgn_worker *w)
{
	struct rte_mbuf *pkts[NAT_BURST];
	uint16_t n;

	n = (uint16_t)rte_ring_sc_dequeue_burst(w->tx_ring, (void **)pkts,
						NAT_BURST, NULL);
	while (n--) {
		struct rte_mbuf *m = pkts[n];

		m->hash.usr = 1;
		nat_tx_queue(&w->nat, m->port == CGN_INSIDE ? CGN_INSIDE :
			     CGN_OUTSIDE, m);
	}
}

void
cgn_worker_poll(struct cgn_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[NAT_BURST];
	unsigned int side;
	uint16_t n;

	for (side = 0; side < CGN_SIDES; side++) {
		n = rte_eth_rx_burst(w->ctx->link[side].port_id, w->rxq, pkts,
				     NAT_BURST);
		if (n > 0)
			nat_burst(&w->nat, side, pkts, n, now, 0);
	}
	if (w->ctx->n_workers > 1)
		drain_handoffs(w, now);
	send_from_control(w);
	if (unlikely(now >= w->nat.next_age)) {
		w->nat.next_age = now + w->nat.age_interval;
		nat_tick(&w->nat, now);
		exchange_blocks(w);
		cgn_msg_run(w, now);
	}
	nat_poll(&w->nat, now);
	cgn_worker_flush(w);
}

int
cgn_worker_main(void *arg)
{
	struct cgn_worker *w = arg;

	while (!cgn_quitting(w->ctx))
		cgn_worker_poll(w, rte_rdtsc());
	cgn_worker_flush(w);
	return 0;
}

/* RFC 7422 f1 for the pool and f2 for the dispatch (deterministic). */
static int
det_f1(void *arg, uint32_t in_addr, uint32_t *out_addr_h, uint16_t *lo,
       uint16_t *hi)
{
	const struct cgn_ctx *ctx = arg;

	return cgn_config_det_forward(ctx->cfg, rte_be_to_cpu_32(in_addr),
				      out_addr_h, lo, hi);
}

static int
det_f2(void *arg, uint32_t out_h, uint16_t port_h, uint32_t *in_h)
{
	const struct cgn_ctx *ctx = arg;

	return cgn_config_det_reverse(ctx->cfg, out_h, port_h, in_h);
}

/* Network-order prefixes of the configuration, as the NAT takes them. */
static unsigned int
prefixes(const struct cgn_prefix *pf, unsigned int n, uint32_t *net,
	 uint32_t *mask)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t m = pf[i].len ? ~0u << (32 - pf[i].len) : 0;

		mask[i] = rte_cpu_to_be_32(m);
		net[i] = rte_cpu_to_be_32(pf[i].addr);
	}
	return n;
}

/* The NAT's plain values from the configuration (addrs: the pool's
 * addresses, host order, which the caller frees after nat_worker_init). */
static void
worker_conf(struct nat_worker_conf *c, const struct cgn_ctx *ctx,
	    const uint32_t *addrs)
{
	const struct cgn_config *cfg = ctx->cfg;
	uint32_t max_sess;

	memset(c, 0, sizeof(*c));
	c->own[CGN_INSIDE] = ctx->link[CGN_INSIDE].addr;
	c->own[CGN_OUTSIDE] = ctx->link[CGN_OUTSIDE].addr;
	c->sub.n = prefixes(cfg->subscribers, cfg->n_subscribers, c->sub.net,
			    c->sub.mask);
	c->byp.n = prefixes(cfg->bypass, cfg->n_bypass, c->byp.net,
			    c->byp.mask);
	c->in_gw = cfg->inside.gateway ?
		rte_cpu_to_be_32(cfg->inside.gateway) : 0;
	c->mtu[CGN_INSIDE] = cfg->inside.mtu;
	c->mtu[CGN_OUTSIDE] = cfg->outside.mtu;
	c->eim = cfg->pool.mapping == CGN_MAP_EIM;
	c->filtering = (enum nat_filtering)cfg->pool.filtering;
	c->hairpin = cfg->pool.hairpinning;
	c->sessions_per_sub = cfg->limits.sessions_per_subscriber;
	/* limits.max_sessions is for the box: each worker gets its share. */
	max_sess = (cfg->limits.max_sessions + ctx->n_workers - 1) /
		   ctx->n_workers;
	c->max_sessions = max_sess;
	c->timeout_s[CT_TO_UDP] = cfg->timeouts.udp;
	c->timeout_s[CT_TO_TCP_EST] = cfg->timeouts.tcp_established;
	c->timeout_s[CT_TO_TCP_TRANS] = cfg->timeouts.tcp_trans_open;
	c->timeout_s[CT_TO_TCP_CLOSE] = cfg->timeouts.tcp_trans_close;
	c->timeout_s[CT_TO_ICMP] = cfg->timeouts.icmp;
	c->syn_wait_s = cfg->timeouts.tcp_syn_inbound;
	c->syn_icmp = cfg->icmp.unsolicited_syn == CGN_SYN_ICMP;
	c->icmp_unreach = cfg->icmp.unreachable_on_no_mapping;
	c->icmp_rate = cfg->icmp.rate;
	c->frag_max = cfg->fragments.max;
	c->frag_timeout_s = cfg->fragments.timeout;
	c->pool = (struct nat_pool_params){
		.addrs = addrs,
		.n_addrs = cfg->pool.n_addrs,
		.port_lo = cfg->pool.port_lo,
		.port_hi = cfg->pool.port_hi,
		.block_size = cfg->pool.block_size,
		.max_blocks_per_sub = cfg->pool.max_blocks_per_subscriber,
		/* A subscriber holds a block or a static mapping, so there
		 * are never more of them than blocks plus statics.
		 */
		.max_subscribers = RTE_MIN(max_sess,
			cfg->pool.n_addrs * (((uint32_t)cfg->pool.port_hi -
			cfg->pool.port_lo + 1) / cfg->pool.block_size)) +
			cfg->n_statics,
		.max_mappings = max_sess + cfg->n_statics,
		.low_water = CGN_BLOCK_LOW,
		.port_preservation = cfg->pool.port_preservation,
		.port_parity = cfg->pool.port_parity,
		.low_lo = cfg->pool.low_lo,
		.low_hi = cfg->pool.low_hi,
		.hold_down = cfg->pool.hold_down,
		.hold_down_max = cfg->pool.hold_down_max,
		.port_limit = { cfg->limits.ports_per_subscriber.tcp,
				cfg->limits.ports_per_subscriber.udp,
				cfg->limits.ports_per_subscriber.icmp },
		.map_rate = cfg->limits.mappings_per_second,
		.det_first_host = cfg->deterministic.first_host,
		.det_hosts = cfg->deterministic.n_hosts,
		.det_ports = cfg->deterministic.ports_per_sub,
	};
}

/* What the NAT is given: rings, tables, the hooks. */
static void
worker_env(struct nat_env *e, struct cgn_worker *w)
{
	struct cgn_ctx *ctx = w->ctx;
	unsigned int k;

	memset(e, 0, sizeof(*e));
	e->id = w->id;
	e->n_workers = ctx->n_workers;
	e->tsc_hz = ctx->tsc_hz;
	e->start_tsc = ctx->start_tsc;
	e->mp = ctx->mp;
	for (k = 0; k < CGN_SIDES; k++)
		e->mac[k] = ctx->link[k].mac;
	e->gw_out = ctx->link[CGN_OUTSIDE].gateway;
	e->neigh = &ctx->neigh;
	e->slow_ring = w->slow_ring;
	e->ev_ring = w->ev_ring;
	e->log_ring = ctx->log_ring;
	for (k = 0; k < ctx->n_workers; k++)
		e->ho[k] = ctx->handoff[w->id][k];
	e->block_owner = ctx->block_owner;
	e->global_free = ctx->global_free;
	e->blocks_per_addr = ctx->blocks_per_addr;
	e->static_owner = ctx->static_owner;
	e->rss = ctx->rss;
	if (ctx->cfg->pool.mode == CGN_POOL_DETERMINISTIC) {
		e->det_forward = det_f1;
		e->det_reverse = det_f2;
		e->det_arg = ctx;
	}
	e->flush = nat_flush;
	e->app = w;
}

/* The rings between this worker and the control thread. */
static int
worker_rings(struct cgn_worker *w, int socket)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int id = w->id;

	snprintf(name, sizeof(name), "cgn_slow%u", id);
	w->slow_ring = rte_ring_create(name, 1024, socket,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cgn_ev%u", id);
	w->ev_ring = rte_ring_create_elem(name, sizeof(struct nat_event), 4096,
					  socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cgn_tx%u", id);
	w->tx_ring = rte_ring_create(name, 1024, socket,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cgn_grant%u", id);
	w->grant_ring = rte_ring_create_elem(name, sizeof(uint32_t), 1024,
					     socket,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cgn_free%u", id);
	w->free_ring = rte_ring_create_elem(name, sizeof(uint32_t), 1024,
					    socket,
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->slow_ring == NULL || w->ev_ring == NULL || w->tx_ring == NULL ||
	    w->grant_ring == NULL || w->free_ring == NULL)
		return -ENOMEM;
	return 0;
}

int
cgn_worker_init(struct cgn_worker *w, struct cgn_ctx *ctx, unsigned int id,
		int socket)
{
	const struct cgn_config *cfg = ctx->cfg;
	struct nat_worker_conf conf;
	struct nat_env env;
	uint32_t *addrs, k;
	int rc;

	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->id = id;
	w->rxq = (uint16_t)id;
	w->txq = (uint16_t)id;
	w->block_keep = ctx->n_workers == 1 ? UINT32_MAX : CGN_BLOCK_KEEP;
	rc = worker_rings(w, socket);
	if (rc != 0)
		return rc;
	addrs = rte_malloc(NULL, sizeof(uint32_t) * cfg->pool.n_addrs, 0);
	if (addrs == NULL)
		return -ENOMEM;
	for (k = 0; k < cfg->pool.n_addrs; k++)
		addrs[k] = cgn_config_pool_addr(cfg, k);
	worker_conf(&conf, ctx, addrs);
	worker_env(&env, w);
	rc = nat_worker_init(&w->nat, &env, &conf, socket);
	rte_free(addrs);
	return rc;
}

void
cgn_worker_fini(struct cgn_worker *w)
{
	struct rte_mbuf *m;

	nat_worker_fini(&w->nat);
	if (w->slow_ring != NULL)
		while (rte_ring_dequeue(w->slow_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	if (w->tx_ring != NULL)
		while (rte_ring_dequeue(w->tx_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	rte_ring_free(w->slow_ring);
	rte_ring_free(w->ev_ring);
	rte_ring_free(w->tx_ring);
	rte_ring_free(w->grant_ring);
	rte_ring_free(w->free_ring);
	w->slow_ring = w->ev_ring = w->tx_ring = NULL;
	w->grant_ring = w->free_ring = NULL;
}
int
cgn_worker_add_statics(struct cgn_worker *w, char *err, size_t errlen)
{
	const struct cgn_config *cfg = w->ctx->cfg;
	unsigned int i;

	for (i = 0; i < cfg->n_statics; i++) {
		const struct cgn_static_map *sm = &cfg->statics[i];
		struct nat_static_key k = {
			.addr = rte_cpu_to_be_32(sm->out_addr),
			.port = rte_cpu_to_be_16(sm->out_port),
			.proto = sm->proto,
		};
		enum nat_err e;

		if (cgn_sub_owner(w->ctx, rte_cpu_to_be_32(sm->in_addr)) != w->id)
			continue;
		if (w->ctx->static_owner != NULL &&
		    rte_hash_add_key_data(w->ctx->static_owner, &k,
					  (void *)(uintptr_t)w->id) < 0) {
			snprintf(err, errlen, "%s:%d: static mapping: no room",
				 cfg->path, sm->line);
			return -1;
		}
		if (nat_map_add_static(w->nat.pool, sm->proto,
				       rte_cpu_to_be_32(sm->in_addr),
				       rte_cpu_to_be_16(sm->in_port),
				       rte_cpu_to_be_32(sm->out_addr),
				       rte_cpu_to_be_16(sm->out_port),
				       &e) == NAT_NONE) {
			snprintf(err, errlen, "%s:%d: static mapping: %s",
				 cfg->path, sm->line, nat_err_str(e));
			return -1;
		}
	}
	return 0;
}

int
cgn_shared_init(struct cgn_ctx *ctx, char *err, size_t errlen)
{
	const struct cgn_config *cfg = ctx->cfg;
	struct rte_hash_parameters hp = {
		.name = "cgn_static_owner",
		.entries = RTE_MAX(cfg->n_statics, 8u),
		.key_len = sizeof(struct nat_static_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	char name[RTE_RING_NAMESIZE];
	unsigned int i, j;

	{
		/* The same count nat_pool_create() will make, low blocks
		 * included.
		 */
		struct nat_pool_params pp = {
			.port_lo = cfg->pool.port_lo,
			.port_hi = cfg->pool.port_hi,
			.block_size = cfg->pool.block_size,
			.low_lo = cfg->pool.low_lo,
			.low_hi = cfg->pool.low_hi,
		};

		ctx->blocks_per_addr = nat_blocks_per_addr(&pp);
	}
	ctx->n_blocks = cfg->pool.n_addrs * ctx->blocks_per_addr;
	ctx->block_owner = rte_zmalloc(NULL, ctx->n_blocks, 0);
	ctx->global_free = rte_zmalloc(NULL, sizeof(uint32_t) *
					     cfg->pool.n_addrs, 0);
	ctx->static_owner = rte_hash_create(&hp);
	if (ctx->block_owner == NULL || ctx->global_free == NULL ||
	    ctx->static_owner == NULL) {
		snprintf(err, errlen, "out of memory for the block owners");
		return -1;
	}
	for (i = 0; i < ctx->n_workers && ctx->n_workers > 1; i++)
		for (j = 0; j < ctx->n_workers; j++) {
			if (i == j)
				continue;
			snprintf(name, sizeof(name), "cgn_ho%u_%u", i, j);
			ctx->handoff[i][j] = rte_ring_create(name,
				CGN_HANDOFF_RING, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (ctx->handoff[i][j] == NULL) {
				snprintf(err, errlen, "cannot create ring %s",
					 name);
				return -1;
			}
		}
	return cgn_msg_init(ctx, err, errlen);
}

void
cgn_shared_fini(struct cgn_ctx *ctx)
{
	struct rte_mbuf *m;
	unsigned int i, j;

	cgn_msg_fini(ctx);
	for (i = 0; i < CGN_MAX_WORKERS; i++)
		for (j = 0; j < CGN_MAX_WORKERS; j++) {
			if (ctx->handoff[i][j] == NULL)
				continue;
			while (rte_ring_dequeue(ctx->handoff[i][j],
						(void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(ctx->handoff[i][j]);
			ctx->handoff[i][j] = NULL;
		}
	rte_hash_free(ctx->static_owner);
	rte_free(ctx->block_owner);
	rte_free(ctx->global_free);
	ctx->static_owner = NULL;
	ctx->block_owner = NULL;
	ctx->global_free = NULL;
}
