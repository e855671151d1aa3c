/* SPDX-License-Identifier: BSD-3-Clause
 * One NAT's life (cgn_nat.h): the start-up sequence and the teardown
 * order that app/main.c, the test rig and cgnat-bench share.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "cgn_nat.h"
#include "cgn_port.h"
#include "cgn_telemetry.h"
#include "cgn_worker.h"
#include "nat_pool.h"

/* A start-up failure's message, as main.c prints them: "cgnat: ...". */
static int
prefixed(char *err, size_t errlen)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", err);
	snprintf(err, errlen, "cgnat: %s", msg);
	return CGN_NAT_ERR_START;
}

int
cgn_nat_open_ports(struct cgn_nat *nat, struct cgn_config *cfg,
		   const struct cgn_nat_opts *o, char *err, size_t errlen)
{
	struct cgn_ctx *ctx = &nat->ctx;
	struct timespec ts;
	unsigned int s;

	memset(nat, 0, sizeof(*nat));
	ctx->cfg = cfg;
	ctx->tsc_hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &ts);
	ctx->start_tsc = o->now != 0 ? o->now : rte_rdtsc();
	ctx->start_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
			(uint64_t)ts.tv_nsec;
	ctx->n_workers = cfg->workers.n_lcores;
	if (cgn_ports_init(ctx, err, errlen) != 0)
		return prefixed(err, errlen);
	nat->ports_open = true;
	nat->keep_ports = o->keep_ports;
	for (s = 0; s < CGN_SIDES; s++)
		if (o->link_mac[s] != NULL)
			rte_ether_addr_copy(o->link_mac[s], &ctx->link[s].mac);
	return 0;
}

/* The workers: made, then their static mappings added (all of them made
 * first: a static's owner may be any worker). */
static int
build_workers(struct cgn_nat *nat, const struct cgn_nat_opts *o, char *err,
	      size_t errlen)
{
	struct cgn_ctx *ctx = &nat->ctx;
	const struct cgn_config *cfg = ctx->cfg;
	unsigned int i;

	for (i = 0; i < ctx->n_workers; i++) {
		unsigned int lc = cfg->workers.lcores[i];
		int socket = o->lcore_socket ?
			(int)rte_lcore_to_socket_id(lc) : (int)rte_socket_id();
		struct cgn_worker *w;

		w = rte_zmalloc_socket("cgn_worker", sizeof(*w),
				       RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL)
			goto nomem;
		ctx->workers[i] = w;
		if (cgn_worker_init(w, ctx, i, socket) != 0)
			goto nomem;
		w->lcore = lc;
		nat->n_ready = i + 1;
	}
	for (i = 0; i < ctx->n_workers; i++)
		if (cgn_worker_add_statics(ctx->workers[i], err, errlen) != 0)
			return CGN_NAT_ERR_CONFIG;
	return 0;
nomem:
	snprintf(err, errlen, "cgnat: worker %u: out of memory "
		 "(limits.max_sessions too large for the memory given to "
		 "EAL?)", i);
	return CGN_NAT_ERR_START;
}

int
cgn_nat_build_tables(struct cgn_nat *nat, const struct cgn_nat_opts *o,
		     char *err, size_t errlen)
{
	struct cgn_ctx *ctx = &nat->ctx;
	const struct cgn_config *cfg = ctx->cfg;
	uint32_t nb = o->neigh_entries != 0 ? o->neigh_entries :
		RTE_MAX(65536u, cfg->limits.max_sessions / 16 + 1024);
	int rc;

	if (nat_neigh_init(&ctx->neigh, nb, (int)rte_socket_id()) != 0) {
		snprintf(err, errlen, "cgnat: cannot allocate the neighbour "
			 "table");
		return CGN_NAT_ERR_START;
	}
	nat->neigh_up = true;
	ctx->log_ring = rte_ring_create_elem("cgn_log",
		sizeof(struct nat_log_event), 65536, (int)rte_socket_id(),
		RING_F_SC_DEQ);
	if (ctx->log_ring == NULL) {
		snprintf(err, errlen, "cgnat: cannot create the log ring");
		return CGN_NAT_ERR_START;
	}
	if (cgn_shared_init(ctx, err, errlen) != 0)
		return prefixed(err, errlen);
	rc = build_workers(nat, o, err, errlen);
	if (rc != 0)
		return rc;
	if (cgn_ctrl_init(&nat->ctrl, ctx, err, errlen) != 0)
		return CGN_NAT_ERR_CONFIG;
	nat->ctrl_up = true;
	if (cgn_blocks_init(&nat->ctrl, ctx) != 0) {
		snprintf(err, errlen, "cgnat: cannot allocate the block "
			 "manager");
		return CGN_NAT_ERR_START;
	}
	nat->blocks_up = true;
	if (o->telemetry) {
		cgn_telemetry_attach(ctx, &nat->ctrl);
		nat->telemetry_up = true;
	}
	if (cgn_ports_start(ctx, err, errlen) != 0)
		return prefixed(err, errlen);
	nat->ports_started = true;
	return 0;
}

int
cgn_nat_build(struct cgn_nat *nat, struct cgn_config *cfg,
	      const struct cgn_nat_opts *o, char *err, size_t errlen)
{
	int rc = cgn_nat_open_ports(nat, cfg, o, err, errlen);

	return rc != 0 ? rc : cgn_nat_build_tables(nat, o, err, errlen);
}

void
cgn_nat_launch(struct cgn_nat *nat)
{
	unsigned int i;

	for (i = 0; i < nat->ctx.n_workers; i++)
		rte_eal_remote_launch(cgn_worker_main, nat->ctx.workers[i],
				      nat->ctx.workers[i]->lcore);
	nat->launched = true;
}

void
cgn_nat_stop(struct cgn_nat *nat, uint64_t now)
{
	struct cgn_ctx *ctx = &nat->ctx;
	unsigned int i;

	if (nat->stopped)
		return;
	nat->stopped = true;
	/* First, so that no handler runs past this point. */
	if (nat->telemetry_up)
		cgn_telemetry_detach();
	nat->telemetry_up = false;
	cgn_quit(ctx);
	if (nat->launched) {
		for (i = 0; i < ctx->n_workers; i++)
			rte_eal_wait_lcore(ctx->workers[i]->lcore);
		nat->launched = false;
	}
	if (now == 0)
		now = rte_rdtsc();
	/* Close every session so the log gets its block-release lines. */
	for (i = 0; i < nat->n_ready; i++) {
		struct cgn_worker *w = ctx->workers[i];

		cgn_worker_close_all(w, now);
		cgn_worker_flush(w);
	}
	if (nat->ctrl_up) {
		cgn_ctrl_poll(&nat->ctrl, now);
		cgn_ctrl_fini(&nat->ctrl);
		nat->ctrl_up = false;
	}
	if (nat->ports_started) {
		cgn_ports_stop(ctx);
		nat->ports_started = false;
	}
	if (nat->ports_open && !nat->keep_ports)
		cgn_ports_close(ctx);
	nat->ports_open = false;
}

unsigned int
cgn_nat_free(struct cgn_nat *nat)
{
	struct cgn_ctx *ctx = &nat->ctx;
	unsigned int i, in_use = 0;

	cgn_nat_stop(nat, 0);
	for (i = 0; i < CGN_MAX_WORKERS; i++) {
		if (ctx->workers[i] == NULL)
			continue;
		cgn_worker_fini(ctx->workers[i]);
		rte_free(ctx->workers[i]);
		ctx->workers[i] = NULL;
	}
	if (nat->blocks_up)
		cgn_blocks_fini(&nat->ctrl);
	cgn_shared_fini(ctx);
	if (nat->neigh_up)
		nat_neigh_fini(&ctx->neigh);
	rte_ring_free(ctx->log_ring);
	if (ctx->mp != NULL)
		in_use = rte_mempool_in_use_count(ctx->mp);
	rte_mempool_free(ctx->mp);
	memset(nat, 0, sizeof(*nat));
	return in_use;
}
