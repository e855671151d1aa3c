/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "cgn_show.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "ct_tcp.h"
#include "nat_pool.h"

/* Relaxed 64-bit load of a counter another thread writes. */
static inline uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void
sum_stats(const struct cgn_ctx *ctx, int worker, struct cgn_stats *t)
{
	unsigned int i, k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < ctx->n_workers; i++) {
		const struct cgn_stats *s = &ctx->workers[i]->nat.stats;

		if (worker >= 0 && (unsigned int)worker != i)
			continue;
		for (k = 0; k < CGN_SIDES; k++) {
			t->rx[k] += rd(&s->rx[k]);
			t->tx[k] += rd(&s->tx[k]);
		}
		t->consumed += rd(&s->consumed);
		t->generated += rd(&s->generated);
		t->hairpinned += rd(&s->hairpinned);
		t->handoff_out += rd(&s->handoff_out);
		t->handoff_in += rd(&s->handoff_in);
		t->bypassed += rd(&s->bypassed);
		t->frag_rx += rd(&s->frag_rx);
		t->frag_held += rd(&s->frag_held);
		t->frag_reassembled += rd(&s->frag_reassembled);
		t->frag_tx += rd(&s->frag_tx);
		t->syn_hold_matched += rd(&s->syn_hold_matched);
		for (k = 0; k < CGN_DROP_MAX; k++)
			t->drop[k] += rd(&s->drop[k]);
		t->sessions_created += rd(&s->sessions_created);
		t->sessions_expired += rd(&s->sessions_expired);
		t->mappings_created += rd(&s->mappings_created);
		t->mappings_freed += rd(&s->mappings_freed);
		t->blocks_allocated += rd(&s->blocks_allocated);
		t->blocks_released += rd(&s->blocks_released);
		t->log_ring_full += rd(&s->log_ring_full);
	}
}

void
cgn_show_stats(const struct cgn_ctx *ctx, const struct cgn_ctrl *ctrl,
	       int worker, cgn_kv_fn fn, void *arg)
{
	struct cgn_stats t;
	uint64_t sessions = 0, subs = 0;
	char key[64];
	unsigned int k;

	sum_stats(ctx, worker, &t);
	for (k = 0; k < ctx->n_workers; k++) {
		if (worker >= 0 && (unsigned int)worker != k)
			continue;
		sessions += __atomic_load_n(&ctx->workers[k]->nat.ct->used,
					    __ATOMIC_RELAXED);
		subs += __atomic_load_n(&ctx->workers[k]->nat.pool->n_subs,
					__ATOMIC_RELAXED);
	}
	fn(arg, "rx", t.rx[CGN_INSIDE] + t.rx[CGN_OUTSIDE]);
	fn(arg, "tx", t.tx[CGN_INSIDE] + t.tx[CGN_OUTSIDE]);
	fn(arg, "consumed", t.consumed);
	fn(arg, "dropped", cgn_stats_dropped(&t));
	fn(arg, "rx_inside", t.rx[CGN_INSIDE]);
	fn(arg, "rx_outside", t.rx[CGN_OUTSIDE]);
	fn(arg, "tx_inside", t.tx[CGN_INSIDE]);
	fn(arg, "tx_outside", t.tx[CGN_OUTSIDE]);
	fn(arg, "generated", t.generated);
	fn(arg, "hairpinned", t.hairpinned);
	fn(arg, "handoff_out", t.handoff_out);
	fn(arg, "handoff_in", t.handoff_in);
	fn(arg, "bypassed", t.bypassed);
	fn(arg, "frag_rx", t.frag_rx);
	fn(arg, "frag_held", t.frag_held);
	fn(arg, "frag_reassembled", t.frag_reassembled);
	fn(arg, "frag_tx", t.frag_tx);
	fn(arg, "syn_hold_matched", t.syn_hold_matched);
	fn(arg, "sessions", sessions);
	fn(arg, "subscribers", subs);
	fn(arg, "sessions_created", t.sessions_created);
	fn(arg, "sessions_expired", t.sessions_expired);
	fn(arg, "mappings_created", t.mappings_created);
	fn(arg, "mappings_freed", t.mappings_freed);
	fn(arg, "blocks_allocated", t.blocks_allocated);
	fn(arg, "blocks_released", t.blocks_released);
	fn(arg, "log_ring_full", t.log_ring_full);
	for (k = 0; k < CGN_DROP_MAX; k++) {
		snprintf(key, sizeof(key), "drop_%s", cgn_drop_names[k]);
		fn(arg, key, t.drop[k]);
	}
	if (worker < 0) {
		/* What the NICs themselves counted. */
		static const char *const side_name[CGN_SIDES] = { "inside",
								  "outside" };
		struct rte_eth_stats es;

		for (k = 0; k < CGN_SIDES; k++) {
			if (rte_eth_stats_get(ctx->link[k].port_id, &es) != 0)
				continue;
#define PORT_KV(field) \
			snprintf(key, sizeof(key), "port_%s_" #field, \
				 side_name[k]); \
			fn(arg, key, es.field);
			PORT_KV(ipackets)
			PORT_KV(opackets)
			PORT_KV(imissed)
			PORT_KV(ierrors)
			PORT_KV(oerrors)
			PORT_KV(rx_nombuf)
#undef PORT_KV
		}
	}
	if (worker < 0 && ctrl != NULL) {
#define CGN_X_CTRL(name, help) fn(arg, #name, rd(&ctrl->stats.name));
		CGN_CTRL_STATS(CGN_X_CTRL)
#undef CGN_X_CTRL
	}
}

void
cgn_show_pool(const struct cgn_ctx *ctx, cgn_kv_fn fn, void *arg)
{
	uint64_t subs = 0, maps = 0, blocks_used = 0, bytes = 0;
	const struct nat_pool *p0 = ctx->workers[0]->nat.pool;
	uint64_t blocks_total = (uint64_t)p0->p.n_addrs * p0->blocks_per_addr;
	unsigned int i;

	for (i = 0; i < ctx->n_workers; i++) {
		const struct nat_pool *p = ctx->workers[i]->nat.pool;

		subs += __atomic_load_n(&p->n_subs, __ATOMIC_RELAXED);
		maps += __atomic_load_n(&p->n_maps, __ATOMIC_RELAXED);
		blocks_used += __atomic_load_n(&p->n_blocks_used,
					       __ATOMIC_RELAXED);
		bytes += p->bytes;
	}
	fn(arg, "addresses", p0->p.n_addrs);
	fn(arg, "port_lo", p0->p.port_lo);
	fn(arg, "port_hi", p0->p.port_hi);
	fn(arg, "block_size", p0->p.block_size);
	fn(arg, "blocks_per_address", p0->blocks_per_addr);
	fn(arg, "blocks_total", blocks_total);
	fn(arg, "blocks_used", blocks_used);
	fn(arg, "blocks_free", blocks_total - blocks_used);
	fn(arg, "subscribers", subs);
	fn(arg, "mappings", maps);
	fn(arg, "max_blocks_per_subscriber", p0->p.max_blocks_per_sub);
	fn(arg, "pool_bytes", bytes);
}

struct sess_count {
	uint64_t st[8];
};

static void
count_tcp(void *arg, unsigned int worker, const struct ct_session *s)
{
	static const char *const names[] = { "none", "syn", "established",
					     "fin-wait", "closing", "reset" };
	struct sess_count *c = arg;
	const char *n = ct_tcp_state_name(s->state);
	unsigned int i;

	(void)worker;
	if (s->proto != 6)
		return;
	for (i = 0; i < RTE_DIM(names); i++)
		if (strcmp(n, names[i]) == 0)
			c->st[i]++;
}

void
cgn_show_sessions(const struct cgn_ctx *ctx, cgn_kv_fn fn, void *arg)
{
	uint64_t tcp = 0, udp = 0, icmp = 0, cap = 0, bytes = 0;
	struct sess_count c;
	unsigned int i;

	for (i = 0; i < ctx->n_workers; i++) {
		const struct ct_table *t = ctx->workers[i]->nat.ct;

		tcp += __atomic_load_n(&t->by_proto[0], __ATOMIC_RELAXED);
		udp += __atomic_load_n(&t->by_proto[1], __ATOMIC_RELAXED);
		icmp += __atomic_load_n(&t->by_proto[2], __ATOMIC_RELAXED);
		cap += t->capacity;
		bytes += t->bytes;
	}
	fn(arg, "total", tcp + udp + icmp);
	fn(arg, "tcp", tcp);
	fn(arg, "udp", udp);
	fn(arg, "icmp", icmp);
	fn(arg, "capacity", cap);
	fn(arg, "table_bytes", bytes);
	memset(&c, 0, sizeof(c));
	cgn_walk_sessions(ctx, UINT32_MAX, count_tcp, &c);
	fn(arg, "tcp_none", c.st[0]);
	fn(arg, "tcp_syn", c.st[1]);
	fn(arg, "tcp_established", c.st[2]);
	fn(arg, "tcp_fin_wait", c.st[3]);
	fn(arg, "tcp_closing", c.st[4]);
	fn(arg, "tcp_reset", c.st[5]);
}

unsigned int
cgn_walk_sessions(const struct cgn_ctx *ctx, unsigned int max, cgn_sess_fn fn,
		  void *arg)
{
	unsigned int w, n = 0;
	uint32_t i;

	for (w = 0; w < ctx->n_workers && n < max; w++) {
		const struct ct_table *t = ctx->workers[w]->nat.ct;

		for (i = 0; i < t->capacity && n < max; i++) {
			struct ct_session s;

			/* A copy: the worker may be changing the entry. */
			memcpy(&s, &t->sessions[i], sizeof(s));
			if (s.proto == 0)
				continue;
			fn(arg, w, &s);
			n++;
		}
	}
	return n;
}

int
cgn_show_det(const struct cgn_ctx *ctx, uint32_t addr, int port, char *buf,
	     size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint32_t n = htonl(addr), out, in;
	uint16_t lo, hi;

	inet_ntop(AF_INET, &n, a, sizeof(a));
	if (ctx->cfg->pool.mode != CGN_POOL_DETERMINISTIC) {
		snprintf(buf, len, "pool.mode is not deterministic");
		return -1;
	}
	if (port < 0) {
		if (cgn_config_det_forward(ctx->cfg, addr, &out, &lo, &hi)) {
			snprintf(buf, len, "%s has no deterministic range", a);
			return -1;
		}
		n = htonl(out);
		inet_ntop(AF_INET, &n, b, sizeof(b));
		snprintf(buf, len, "%s -> %s ports %u-%u", a, b, lo, hi);
		return 0;
	}
	if (cgn_config_det_reverse(ctx->cfg, addr, (uint16_t)port, &in)) {
		snprintf(buf, len, "%s:%d is in no deterministic range", a,
			 port);
		return -1;
	}
	n = htonl(in);
	inet_ntop(AF_INET, &n, b, sizeof(b));
	snprintf(buf, len, "%s:%d -> %s", a, port, b);
	return 0;
}
