/* SPDX-License-Identifier: BSD-3-Clause
 * The rig (rig.h): frames in and out per queue, draining, and the checks
 * that print and count (no cmocka).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "nat_neigh.h"
#include "nat_stats.h"
#include "ct_table.h"
#include "nat_pool.h"
#include "rig.h"

/* ------------------------------------------------------------------ */
/* Frames.                                                             */

unsigned int
rig_drain_ring(struct rte_ring *ring)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(ring, (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

unsigned int
rig_drain_port_rings(void)
{
	unsigned int s, q, n = 0;

	for (s = 0; s < CGN_SIDES; s++)
		for (q = 0; q < g_nw; q++) {
			n += rig_drain_ring(rig_rxr[s][q]);
			n += rig_drain_ring(rig_txr[s][q]);
		}
	return n;
}

int
rig_inject_raw(struct rig *r, int side, unsigned int q, const uint8_t *b,
	       uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->ctx->mp);
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

	for (i = 0; i < r->nw; i++)
		for (j = 0; j < r->nw; j++)
			if (r->ctx->handoff[i][j] != NULL)
				n += rte_ring_count(r->ctx->handoff[i][j]);
	return n;
}

/* Frames waiting in the RX rings and between the workers. */
unsigned int
rig_in_flight(const struct rig *r)
{
	unsigned int s, q, n = rig_handoff_in_flight(r);

	for (s = 0; s < CGN_SIDES; s++)
		for (q = 0; q < r->nw; q++)
			n += rte_ring_count(rig_rxr[s][q]);
	return n;
}

/* ------------------------------------------------------------------ */
/* Looks and checks.                                                   */

bool
neigh_mac(const struct rig *r, int side, uint32_t ip,
	  struct rte_ether_addr *mac)
{
	uint32_t idx = nat_neigh_lookup(&r->ctx->neigh, (uint8_t)side,
					rte_cpu_to_be_32(ip));

	return idx != UINT32_MAX && nat_neigh_mac(&r->ctx->neigh, idx, mac);
}

bool
in_pool(const struct rig *r, uint32_t a)
{
	return cgn_config_pool_index(&r->cfg, a) >= 0;
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

	for (i = 0; i < r->nw; i++) {
		const struct cgn_stats *s = &r->wk[i]->nat.stats;

		fprintf(stderr, "  worker %u: rx %" PRIu64 "/%" PRIu64
			" handoff_in %" PRIu64 " tx %" PRIu64 "/%" PRIu64
			" consumed %" PRIu64 " dropped %" PRIu64
			" handoff_out %" PRIu64 " held %u generated %" PRIu64
			" sessions %u\n", i, s->rx[0], s->rx[1], s->handoff_in,
			s->tx[0], s->tx[1], s->consumed, cgn_stats_dropped(s),
			s->handoff_out, (unsigned int)r->wk[i]->nat.pend_n,
			s->generated, r->wk[i]->nat.ct->used);
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

	for (i = 0; i < r->nw; i++) {
		const struct cgn_stats *s = &r->wk[i]->nat.stats;
		uint64_t in = sum(s->rx, CGN_SIDES) + s->handoff_in;
		uint64_t o = sum(s->tx, CGN_SIDES) + s->consumed +
			     cgn_stats_dropped(s) + s->handoff_out +
			     r->wk[i]->nat.pend_n;

		if (in != o) {
			fprintf(stderr, "accounting: worker %u: rx + "
				"handoff_in = %" PRIu64 " != tx + consumed + "
				"dropped + handoff_out + held = %" PRIu64 "\n",
				i, in, o);
			bad++;
		}
		rx += sum(s->rx, CGN_SIDES);
		out += sum(s->tx, CGN_SIDES) + s->consumed +
		       cgn_stats_dropped(s) + r->wk[i]->nat.pend_n;
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

/* Blocks seen by rig_check_blocks(). */
struct seen {
	uint8_t *n;      /* times each block was seen */
	uint32_t nb;
	uint32_t *buf;   /* 1024 ring elements */
	int bad;
};

static void
seen(struct seen *sn, uint32_t id, const char *who)
{
	if (id >= sn->nb) {
		fprintf(stderr, "blocks: %s: id %u out of range\n", who, id);
		sn->bad++;
	} else if (sn->n[id]++) {
		fprintf(stderr, "blocks: block %u twice (again in %s)\n", id,
			who);
		sn->bad++;
	}
}

/* Worker i's blocks: its free stacks, those in use, its two rings. */
static void
seen_worker(const struct rig *r, unsigned int i, struct seen *sn)
{
	const struct cgn_ctx *ctx = r->ctx;
	const struct cgn_worker *w = r->wk[i];
	const struct nat_pool *p = w->nat.pool;
	uint32_t a, b, k, n, blk, bpa = ctx->blocks_per_addr;
	char who[64];

	snprintf(who, sizeof(who), "worker %u free stack", i);
	for (a = 0; a < p->p.n_addrs; a++)
		for (k = 0; k < p->addrs[a].n_free; k++) {
			blk = a * bpa + p->addrs[a].free_blk[k];
			seen(sn, blk, who);
			if (blk < sn->nb && ctx->block_owner[blk] != i) {
				fprintf(stderr, "blocks: worker %u holds free "
					"block %u, owner says %u\n", i, blk,
					ctx->block_owner[blk]);
				sn->bad++;
			}
		}
	snprintf(who, sizeof(who), "worker %u in use", i);
	for (b = 0; b < sn->nb; b++) {
		if (p->blocks[b].sub_idx == NAT_NONE)
			continue;
		seen(sn, b, who);
		if (ctx->block_owner[b] != i) {
			fprintf(stderr, "blocks: worker %u uses block %u, "
				"owner says %u\n", i, b, ctx->block_owner[b]);
			sn->bad++;
		}
	}
	snprintf(who, sizeof(who), "grant ring of worker %u", i);
	n = ring_peek_u32(w->grant_ring, sn->buf, 1024);
	for (k = 0; k < n && k < 1024; k++)
		seen(sn, sn->buf[k], who);
	snprintf(who, sizeof(who), "free ring of worker %u", i);
	n = ring_peek_u32(w->free_ring, sn->buf, 1024);
	for (k = 0; k < n && k < 1024; k++)
		seen(sn, sn->buf[k], who);
}

int
rig_check_blocks(const struct rig *r)
{
	const struct cgn_ctx *ctx = r->ctx;
	struct seen sn = { .nb = ctx->n_blocks };
	uint32_t a, b, k;
	unsigned int i;

	sn.n = calloc(sn.nb, 1);
	sn.buf = calloc(1024, sizeof(*sn.buf));
	if (sn.n == NULL || sn.buf == NULL) {
		free(sn.n);
		free(sn.buf);
		return 1;
	}
	for (a = 0; a < r->cfg.pool.n_addrs; a++)
		for (k = 0; k < ctx->global_free[a]; k++)
			seen(&sn, a * ctx->blocks_per_addr +
				  r->ctrl->blocks.free[a][k],
			     "control's free stack");
	for (i = 0; i < r->nw; i++)
		seen_worker(r, i, &sn);
	for (b = 0; b < sn.nb; b++)
		if (!sn.n[b]) {
			fprintf(stderr, "blocks: block %u lost (nobody holds "
				"it)\n", b);
			sn.bad++;
		}
	free(sn.n);
	free(sn.buf);
	return sn.bad;
}
