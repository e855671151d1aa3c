/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: every read of the NAT's state beyond its calls, in one
 * place: a worker's counters, session table and pool, its rings to and
 * from the control thread, the shared block state, and the EAL heap. The
 * rest of the bench reads the NAT only through these (and struct cgn_ctx's
 * ports, handoff rings and mbuf pool; the control thread's counters).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "bench.h"
#include "ct_table.h"
#include "nat_pool.h"

uint64_t
heap_allocated(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
						&st) == 0)
			n += st.heap_allocsz_bytes;
	return n;
}

uint64_t
heap_free(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
						&st) == 0)
			n += st.heap_freesz_bytes;
	return n;
}

/* The worker's counters (w->nat.stats). */
const struct cgn_stats *
bench_stats(const struct cgn_worker *w)
{
	return &w->nat.stats;
}

/* Sessions in the worker's table (w->nat.ct->used). */
uint64_t
bench_sessions(const struct cgn_worker *w)
{
	return w->nat.ct->used;
}

/* Learn events the worker queued for the control thread. */
unsigned int
bench_ev_backlog(const struct cgn_worker *w)
{
	return rte_ring_count(w->ev_ring);
}

/* Bytes of the worker's session table and of its pool. */
void
bench_worker_bytes(const struct cgn_worker *w, uint64_t *ct, uint64_t *pool)
{
	*ct = w->nat.ct->bytes;
	*pool = w->nat.pool->bytes;
}

/* What a worker still holds after the tear-down: sessions, mappings,
 * subscribers, blocks (all 0 when everything was given back).
 */
uint64_t
bench_leftovers(const struct cgn_worker *w)
{
	return w->nat.ct->used + w->nat.pool->n_maps + w->nat.pool->n_subs +
	       w->nat.pool->n_blocks_used;
}

/* How well the session hash spreads the keys: full buckets, spills. */
void
bench_bucket_stats(const struct cgn_worker *w, unsigned int d,
		   uint64_t *full, uint64_t *spilled, uint64_t *nbkt)
{
	const struct ct_htable *h = &w->nat.ct->ht[d];
	uint32_t b;
	unsigned int i, used;

	for (b = 0; b < h->nbkt; b++) {
		for (i = 0, used = 0; i < CT_BKT_ENTRIES; i++)
			used += h->bkt[b].sig[i] != 0;
		*full += used == CT_BKT_ENTRIES;
		*spilled += h->bkt[b].spilled;
	}
	*nbkt += h->nbkt;
}

/* The handoff ring from worker `from` to worker `to` (NULL: none). */
struct rte_ring *
bench_handoff_ring(const struct cgn_ctx *ctx, unsigned int from,
		   unsigned int to)
{
	return ctx->handoff[from][to];
}

/* Mapping-log events the control thread has yet to write. */
unsigned int
bench_log_backlog(const struct cgn_ctx *ctx)
{
	return rte_ring_count(ctx->log_ring);
}

/* What the control thread has yet to take: the log ring, the workers'
 * event, slow-path and block-return rings.
 */
unsigned int
bench_ctrl_backlog(const struct cgn_ctx *ctx)
{
	unsigned int i, busy = rte_ring_count(ctx->log_ring);

	for (i = 0; i < ctx->n_workers; i++)
		busy += rte_ring_count(ctx->workers[i]->ev_ring) +
			rte_ring_count(ctx->workers[i]->slow_ring) +
			rte_ring_count(ctx->workers[i]->free_ring);
	return busy;
}

/* The worker that owns the port block of an outside endpoint (addr in
 * network order), or -1 when addr is not a pool address.
 */
int64_t
bench_block_owner(const struct cgn_ctx *ctx, uint32_t addr, uint16_t port)
{
	const struct nat_pool *pool = ctx->workers[0]->nat.pool;
	int32_t ai = nat_pool_addr_index(pool, addr);

	if (ai < 0)
		return -1;
	return ctx->block_owner[nat_block_of(pool, (uint32_t)ai, port)];
}

/* Every block is somewhere: a worker's pool (free: nothing is in use any
 * more), the control thread's free stacks, a grant or a free ring.
 */
uint64_t
bench_blocks_missing(const struct cgn_ctx *ctx, uint32_t n_addrs)
{
	uint64_t n = 0;
	uint32_t a;
	unsigned int i;

	for (a = 0; a < n_addrs; a++)
		n += ctx->global_free[a];
	for (i = 0; i < ctx->n_workers; i++) {
		const struct cgn_worker *w = ctx->workers[i];

		for (a = 0; a < n_addrs; a++)
			n += w->nat.pool->addrs[a].n_free;
		n += rte_ring_count(w->grant_ring) +
		     rte_ring_count(w->free_ring);
	}
	return n > ctx->n_blocks ? n - ctx->n_blocks :
				   ctx->n_blocks - n;
}

/* Why did the setup stop making progress? The blocks per pool address. */
void
bench_setup_stalled(const struct gen *g, uint32_t left)
{
	const struct nat_pool *pool = g->w->nat.pool;
	char line[1024] = "";
	uint32_t a;

	for (a = 0; a < pool->p.n_addrs && strlen(line) < 900; a++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 " [%u: control %u, free here %u, subscribers %u, "
			 "asked %.0f ms ago]", a,
			 __atomic_load_n(&g->ctx->global_free[a],
					 __ATOMIC_RELAXED),
			 pool->addrs[a].n_free, pool->addrs[a].n_subs,
			 g->w->nat.need_tsc[a] ? (double)(rte_rdtsc() -
			 g->w->nat.need_tsc[a]) * 1e3 / (double)tsc_hz : -1.0);
	fprintf(stderr, "cgnat-bench: worker %u: setup made no progress for "
		"%u s, %u flows left; %u blocks in use here; rings: events %u, "
		"grants %u, returns %u; pool addresses:%s\n", g->id,
		SETUP_STALL_S, left, pool->n_blocks_used,
		rte_ring_count(g->w->ev_ring), rte_ring_count(g->w->grant_ring),
		rte_ring_count(g->w->free_ring), line);
}
