/* SPDX-License-Identifier: BSD-3-Clause
 * The multi-worker test rig; see rig.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nat_neigh.h"
#include "cgn_port.h"
#include "nat_stats.h"
#include "ct_table.h"
#include "nat_pool.h"
#include "rig.h"

const struct rte_ether_addr MAC_GW = {{ 0x02, 0, 0, 0, 0x02, 0x01 }};
const struct rte_ether_addr MAC_H5 = {{ 0x02, 0, 0, 0, 0x01, 0x05 }};
const struct rte_ether_addr MAC_BCAST = {{ 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff }};
const struct rte_ether_addr MAC_ZERO;
/* The NAT's port MACs (net_ring ports have none; see rig_setup()). */
const struct rte_ether_addr MAC_NAT[CGN_SIDES] = {
	{{ 0x02, 0, 0, 0, 0xa0, 0x00 }},
	{{ 0x02, 0, 0, 0, 0xa0, 0x01 }},
};

struct rte_ring *rig_rxr[CGN_SIDES][RIG_MAXQ];
struct rte_ring *rig_txr[CGN_SIDES][RIG_MAXQ];
uint16_t rig_port_id[CGN_SIDES];
static unsigned int rig_nq;
static char dev_name[CGN_SIDES][RTE_ETH_NAME_MAX_LEN];

/* ------------------------------------------------------------------ */
/* Ports.                                                              */

int
rig_ports_create(unsigned int nq)
{
	static const char *const port_name[CGN_SIDES] = { "mw_inside",
							  "mw_outside" };
	unsigned int s, q;

	if (nq == 0 || nq > RIG_MAXQ)
		return -1;
	rig_nq = nq;
	for (s = 0; s < CGN_SIDES; s++) {
		int id;

		for (q = 0; q < nq; q++) {
			char nm[32];

			snprintf(nm, sizeof(nm), "mw_rx%u_%u", s, q);
			rig_rxr[s][q] = rte_ring_create(nm, RIG_RING, 0, 0);
			snprintf(nm, sizeof(nm), "mw_tx%u_%u", s, q);
			rig_txr[s][q] = rte_ring_create(nm, RIG_RING, 0, 0);
			if (rig_rxr[s][q] == NULL || rig_txr[s][q] == NULL) {
				fprintf(stderr, "rig: rings\n");
				return -1;
			}
		}
		id = rte_eth_from_rings(port_name[s], rig_rxr[s], nq,
					rig_txr[s], nq, 0);
		if (id < 0) {
			fprintf(stderr, "rte_eth_from_rings: %d\n", id);
			return -1;
		}
		rig_port_id[s] = (uint16_t)id;
		if (rte_eth_dev_get_name_by_port(rig_port_id[s],
						 dev_name[s]) != 0)
			return -1;
	}
	return 0;
}

unsigned int
rig_drain_port_rings(void)
{
	struct rte_mbuf *m;
	unsigned int s, q, n = 0;

	for (s = 0; s < CGN_SIDES; s++)
		for (q = 0; q < rig_nq; q++) {
			while (rte_ring_dequeue(rig_rxr[s][q],
						(void **)&m) == 0) {
				rte_pktmbuf_free(m);
				n++;
			}
			while (rte_ring_dequeue(rig_txr[s][q],
						(void **)&m) == 0) {
				rte_pktmbuf_free(m);
				n++;
			}
		}
	return n;
}

/* ------------------------------------------------------------------ */
/* The NAT.                                                            */

static int
write_config(struct rig *r, const struct rig_opts *o)
{
	FILE *f = fopen(r->conf, "w");

	if (f == NULL)
		return -1;
	fprintf(f,
		"inside: {\n"
		"\tport = \"%s\";\n"
		"\taddress = \"100.64.0.1/10\";\n"
		"\tsubscribers = [\"100.64.0.0/10\"];\n"
		"};\n"
		"outside: {\n"
		"\tport = \"%s\";\n"
		"\taddress = \"198.51.100.2/24\";\n"
		"\tgateway = \"198.51.100.1\";\n"
		"};\n"
		"pool: {\n"
		"\taddresses = [\"%s\"];\n"
		"\tports = \"%s\";\n"
		"\tblock_size = %u;\n"
		"\tmax_blocks_per_subscriber = %u;\n"
		"\tmapping = \"endpoint-independent\";\n"
		"\tfiltering = \"endpoint-independent\";\n"
		"\thairpinning = true;\n"
		"%s\n"
		"};\n"
		"timeouts: {\n"
		"\tudp = 300;\n"
		"\ttcp_established = 7440;\n"
		"\ttcp_transitory = 240;\n"
		"\ticmp = 60;\n"
		"};\n"
		"limits: {\n"
		"\tsessions_per_subscriber = %u;\n"
		"\tmax_sessions = %u;\n"
		"};\n"
		"workers: {\n"
		"\tlcores = [%s];\n"
		"};\n"
		"logging: {\n"
		"\tfile = \"%s\";\n"
		"};\n",
		dev_name[S_IN], dev_name[S_OUT],
		o->pool ? o->pool : "203.0.113.0/29",
		o->ports ? o->ports : "1024-65535",
		o->block_size ? o->block_size : 256,
		o->max_blocks ? o->max_blocks : 8,
		o->pool_extra ? o->pool_extra : "",
		o->sessions_per_sub ? o->sessions_per_sub : 4096,
		o->max_sessions ? o->max_sessions : 65536,
		o->lcores ? o->lcores : "1, 2", r->log);
	if (!o->no_static)
		fprintf(f, "static: (\n"
			"\t{ proto = \"tcp\"; inside = \"100.64.0.5:8080\"; "
			"outside = \"203.0.113.1:80\"; }\n);\n");
	return fclose(f);
}

int
rig_setup(struct rig *r, const struct rig_opts *o)
{
	static const struct rig_opts defaults;
	char err[512];
	unsigned int s, i;

	if (o == NULL)
		o = &defaults;
	memset(r, 0, sizeof(*r));
	r->opts = *o;
	snprintf(r->dir, sizeof(r->dir), "/tmp/cgn-mw-XXXXXX");
	if (mkdtemp(r->dir) == NULL)
		return -1;
	snprintf(r->conf, sizeof(r->conf), "%.63s/cgnat.conf", r->dir);
	snprintf(r->log, sizeof(r->log), "%.63s/log/mappings.log", r->dir);
	if (write_config(r, o) != 0)
		return -1;
	if (cgn_config_load(r->conf, &r->cfg, err, sizeof(err)) != 0 ||
	    cgn_config_check_ports(&r->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	r->n_workers = r->cfg.workers.n_lcores;
	if (r->n_workers > rig_nq) {
		fprintf(stderr, "rig: %u workers, ports have %u queues\n",
			r->n_workers, rig_nq);
		return -1;
	}

	/* As in main.c, with a clock the test may drive. */
	r->hz = rte_get_tsc_hz();
	r->now = 1000 * r->hz;
	r->ctx.cfg = &r->cfg;
	r->ctx.tsc_hz = r->hz;
	r->ctx.start_tsc = r->now;
	r->ctx.start_ns = (uint64_t)time(NULL) * 1000000000ULL;
	r->ctx.n_workers = r->n_workers;
	rig_drain_port_rings();
	if (cgn_ports_init(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "ports: %s\n", err);
		return -1;
	}
	/* net_ring ports have MAC 00:00:00:00:00:00 and cannot change it:
	 * give each side a distinct unicast address where the NAT keeps it.
	 */
	for (s = 0; s < CGN_SIDES; s++) {
		if (r->ctx.link[s].port_id != rig_port_id[s])
			return -1;
		rte_ether_addr_copy(&MAC_NAT[s], &r->ctx.link[s].mac);
	}
	if (nat_neigh_init(&r->ctx.neigh, 65536, (int)rte_socket_id()) != 0)
		return -1;
	r->ctx.log_ring = rte_ring_create_elem("cgn_log",
		sizeof(struct nat_log_event), 65536, (int)rte_socket_id(),
		RING_F_SC_DEQ);
	if (r->ctx.log_ring == NULL)
		return -1;
	if (cgn_shared_init(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "shared: %s\n", err);
		return -1;
	}
	for (i = 0; i < r->n_workers; i++) {
		struct cgn_worker *w;

		w = rte_zmalloc("cgn_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
		if (w == NULL)
			return -1;
		r->w[i] = w;
		if (cgn_worker_init(w, &r->ctx, i, 0) != 0)
			return -1;
		w->lcore = r->cfg.workers.lcores[i];
		r->ctx.workers[i] = w;
		if (o->short_timeout_ms) {
			unsigned int k;

			for (k = 0; k < RTE_DIM(w->nat.ct->timeout); k++)
				w->nat.ct->timeout[k] = r->hz *
					o->short_timeout_ms / 1000;
		}
	}
	for (i = 0; i < r->n_workers; i++)
		if (cgn_worker_add_statics(r->w[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "statics: %s\n", err);
			return -1;
		}
	r->mp_base = rte_mempool_in_use_count(r->ctx.mp);
	if (cgn_ctrl_init(&r->ctrl, &r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "ctrl: %s\n", err);
		return -1;
	}
	r->ctrl_up = true;
	if (cgn_blocks_init(&r->ctrl, &r->ctx) != 0)
		return -1;
	r->blocks_up = true;
	if (cgn_ports_start(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "start: %s\n", err);
		return -1;
	}
	return 0;
}

void
rig_teardown(struct rig *r)
{
	unsigned int s, i;
	char cmd[128];

	for (i = 0; i < r->n_workers; i++)
		if (r->w[i] != NULL && r->w[i]->nat.ct != NULL) {
			cgn_worker_close_all(r->w[i], r->now);
			cgn_worker_flush(r->w[i]);
		}
	if (r->ctrl_up) {
		cgn_ctrl_poll(&r->ctrl, r->now);
		cgn_ctrl_fini(&r->ctrl);
	}
	if (r->blocks_up)
		cgn_blocks_fini(&r->ctrl);
	for (s = 0; s < CGN_SIDES; s++)
		rte_eth_dev_stop(rig_port_id[s]);
	rig_drain_port_rings();
	for (i = 0; i < r->n_workers; i++)
		if (r->w[i] != NULL) {
			cgn_worker_fini(r->w[i]);
			rte_free(r->w[i]);
		}
	cgn_shared_fini(&r->ctx);
	nat_neigh_fini(&r->ctx.neigh);
	rte_ring_free(r->ctx.log_ring);
	rte_mempool_free(r->ctx.mp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%.63s'", r->dir);
	if (r->dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", r->dir);
	memset(r, 0, sizeof(*r));
}

int
rig_inject_raw(struct rig *r, int side, unsigned int q, const uint8_t *b,
	       uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->ctx.mp);
	char *d;

	if (m == NULL)
		return -1;
	d = rte_pktmbuf_append(m, len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(d, b, len);
	if (rte_ring_enqueue(rig_rxr[side][q], m) != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

int
rig_inject(struct rig *r, int side, unsigned int q, const struct pkt *p)
{
	uint8_t b[FRAME_MAX];

	return rig_inject_raw(r, side, q, b, build(b, p));
}

unsigned int
rig_take(int side, unsigned int q, struct frame *out, unsigned int max)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(rig_txr[side][q], (void **)&m) == 0) {
		if (n < max) {
			const void *d;

			out[n].len = (uint16_t)RTE_MIN(m->pkt_len,
						       (uint32_t)FRAME_MAX);
			d = rte_pktmbuf_read(m, 0, out[n].len, out[n].b);
			if (d != out[n].b)
				memcpy(out[n].b, d, out[n].len);
		}
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

unsigned int
rig_handoff_in_flight(const struct rig *r)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < r->n_workers; i++)
		for (j = 0; j < r->n_workers; j++)
			if (r->ctx.handoff[i][j] != NULL)
				n += rte_ring_count(r->ctx.handoff[i][j]);
	return n;
}

static uint64_t
sum(const uint64_t *v, unsigned int n)
{
	uint64_t s = 0;

	while (n--)
		s += v[n];
	return s;
}

void
rig_print_stats(const struct rig *r)
{
	unsigned int i, k;

	for (i = 0; i < r->n_workers; i++) {
		const struct cgn_stats *s = &r->w[i]->nat.stats;

		fprintf(stderr, "  worker %u: rx %" PRIu64 "/%" PRIu64
			" handoff_in %" PRIu64 " tx %" PRIu64 "/%" PRIu64
			" consumed %" PRIu64 " dropped %" PRIu64
			" handoff_out %" PRIu64 " held %u generated %" PRIu64
			" sessions %u\n", i, s->rx[0], s->rx[1], s->handoff_in,
			s->tx[0], s->tx[1], s->consumed, cgn_stats_dropped(s),
			s->handoff_out, (unsigned int)r->w[i]->nat.pend_n,
			s->generated, r->w[i]->nat.ct->used);
		for (k = 0; k < CGN_DROP_MAX; k++)
			if (s->drop[k])
				fprintf(stderr, "    drop %s = %" PRIu64 "\n",
					cgn_drop_names[k], s->drop[k]);
	}
}

int
rig_check_accounting(const struct rig *r, bool quiet)
{
	uint64_t rx = 0, out = 0;
	unsigned int i;
	int bad = 0;

	for (i = 0; i < r->n_workers; i++) {
		const struct cgn_stats *s = &r->w[i]->nat.stats;
		uint64_t in = sum(s->rx, CGN_SIDES) + s->handoff_in;
		uint64_t o = sum(s->tx, CGN_SIDES) + s->consumed +
			     cgn_stats_dropped(s) + s->handoff_out +
			     r->w[i]->nat.pend_n;

		if (in != o) {
			fprintf(stderr, "accounting: worker %u: rx + "
				"handoff_in = %" PRIu64 " != tx + consumed + "
				"dropped + handoff_out + held = %" PRIu64 "\n",
				i, in, o);
			bad++;
		}
		rx += sum(s->rx, CGN_SIDES);
		out += sum(s->tx, CGN_SIDES) + s->consumed +
		       cgn_stats_dropped(s) + r->w[i]->nat.pend_n;
	}
	if (rig_handoff_in_flight(r) == 0 && rx != out) {
		fprintf(stderr, "accounting: total rx %" PRIu64 " != tx + "
			"consumed + dropped + held %" PRIu64 "\n", rx, out);
		bad++;
	}
	if (bad && !quiet)
		rig_print_stats(r);
	return bad;
}

/* The uint32_t elements waiting in an element ring (nothing dequeues). */
static unsigned int
ring_peek_u32(const struct rte_ring *ring, uint32_t *out, unsigned int max)
{
	const uint32_t *e = (const uint32_t *)&ring[1];
	uint32_t head = ring->cons.tail, n = ring->prod.tail - head, i;

	for (i = 0; i < n && i < max; i++)
		out[i] = e[(head + i) & ring->mask];
	return n;
}

int
rig_check_blocks(const struct rig *r)
{
	const struct cgn_ctx *ctx = &r->ctx;
	uint32_t nb = ctx->n_blocks, bpa = ctx->blocks_per_addr;
	uint32_t a, b, k, blk, *buf;
	unsigned int i, n;
	uint8_t *seen;
	int bad = 0;

	seen = calloc(nb, 1);
	buf = calloc(1024, sizeof(*buf));
	if (seen == NULL || buf == NULL) {
		free(seen);
		free(buf);
		return 1;
	}
#define SEEN(id, who) do {						\
	if ((id) >= nb) {						\
		fprintf(stderr, "blocks: %s: id %u out of range\n",	\
			(who), (id));					\
		bad++;							\
	} else if (seen[(id)]++) {					\
		fprintf(stderr, "blocks: block %u twice (again in "	\
			"%s)\n", (id), (who));				\
		bad++;							\
	}								\
} while (0)
	for (a = 0; a < r->cfg.pool.n_addrs; a++)
		for (k = 0; k < ctx->global_free[a]; k++) {
			blk = a * bpa + r->ctrl.blocks.free[a][k];
			SEEN(blk, "control's free stack");
		}
	for (i = 0; i < r->n_workers; i++) {
		const struct cgn_worker *w = r->w[i];
		const struct nat_pool *p = w->nat.pool;
		char who[64];

		for (a = 0; a < p->p.n_addrs; a++)
			for (k = 0; k < p->addrs[a].n_free; k++) {
				blk = a * bpa + p->addrs[a].free_blk[k];
				snprintf(who, sizeof(who),
					 "worker %u free stack", i);
				SEEN(blk, who);
				if (blk < nb && ctx->block_owner[blk] != i) {
					fprintf(stderr, "blocks: worker %u "
						"holds free block %u, owner "
						"says %u\n", i, blk,
						ctx->block_owner[blk]);
					bad++;
				}
			}
		for (b = 0; b < nb; b++) {
			if (p->blocks[b].sub_idx == NAT_NONE)
				continue;
			snprintf(who, sizeof(who), "worker %u in use", i);
			SEEN(b, who);
			if (ctx->block_owner[b] != i) {
				fprintf(stderr, "blocks: worker %u uses block "
					"%u, owner says %u\n", i, b,
					ctx->block_owner[b]);
				bad++;
			}
		}
		n = ring_peek_u32(w->grant_ring, buf, 1024);
		for (k = 0; k < n && k < 1024; k++) {
			snprintf(who, sizeof(who), "grant ring of worker %u",
				 i);
			SEEN(buf[k], who);
		}
		n = ring_peek_u32(w->free_ring, buf, 1024);
		for (k = 0; k < n && k < 1024; k++) {
			snprintf(who, sizeof(who), "free ring of worker %u", i);
			SEEN(buf[k], who);
		}
	}
#undef SEEN
	for (b = 0; b < nb; b++)
		if (!seen[b]) {
			fprintf(stderr, "blocks: block %u lost (nobody holds "
				"it)\n", b);
			bad++;
		}
	free(seen);
	free(buf);
	return bad;
}
