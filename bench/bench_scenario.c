/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: one scenario, one scale and one number of workers. Build
 * the NAT on ring ports, resolve the gateway, make the sessions (setup)
 * and check them (tables, neighbours, mappings, memory), warm up, run the
 * measured phases for each traffic distribution and the floor, tear down
 * (timed) and check that everything came back: sessions, mappings,
 * blocks, log lines, mbufs, and that the counters add up.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "bench.h"
#include "nat_neigh.h"

static void
say_bad(struct scen *s, const char *what, uint32_t f, uint64_t got,
	uint64_t want, uint64_t *count)
{
	if ((*count)++ < 3)
		fprintf(stderr, "cgnat-bench: flow %u (%u sessions, %u "
			"workers): %s (got %#" PRIx64 ", want %#" PRIx64
			")\n", f, s->n_flows, s->nw, what, got, want);
}

/*
 * The mappings the setup produced: in the pool, one pool address per
 * subscriber (paired pooling), no outside endpoint given twice (with
 * several workers: the block manager gave each block to one worker), and
 * the block of each endpoint owned by its subscriber's worker (so that
 * out2in goes where the session is).
 */
static uint64_t
check_mappings(struct scen *s, uint32_t n_addrs)
{
	uint8_t *seen = calloc((size_t)n_addrs * 8192, 1);
	uint64_t bad = 0;
	uint32_t f, ref = 0;

	if (seen == NULL)
		return 1;
	for (f = 0; f < s->n_flows; f++) {
		uint32_t a = rte_be_to_cpu_32(s->map_addr[f]) - POOL_BASE;
		uint16_t p = rte_be_to_cpu_16(s->map_port[f]);
		uint64_t bit = (uint64_t)a * 65536 + p;
		uint8_t h_owner = s->host_owner[flow_host(f)];
		int64_t owner;

		if (f % FLOWS_PER_HOST == 0)
			ref = 0;
		if (s->map_addr[f] == 0)
			continue; /* no session: counted as a setup failure */
		if (a >= n_addrs || p < POOL_PORT_LO) {
			say_bad(s, "outside endpoint not in the pool", f, a,
				n_addrs, &bad);
			continue;
		}
		if (ref == 0)
			ref = s->map_addr[f];
		if (s->map_addr[f] != ref)
			say_bad(s, "subscriber on two pool addresses", f,
				rte_be_to_cpu_32(s->map_addr[f]),
				rte_be_to_cpu_32(ref), &bad);
		if (seen[bit >> 3] & (1u << (bit & 7)))
			say_bad(s, "outside endpoint given twice", f, bit, 0,
				&s->r->duplicates);
		seen[bit >> 3] |= (uint8_t)(1u << (bit & 7));
		owner = bench_block_owner(&s->nat.lc.ctx, s->map_addr[f], p);
		if (owner != h_owner)
			say_bad(s, "port block not owned by the subscriber's "
				"worker", f, (uint64_t)owner, h_owner,
				&s->r->owner_mismatch);
	}
	free(seen);
	return bad + s->r->duplicates + s->r->owner_mismatch;
}

/* Counters of a worker since the snapshot. */
struct wdelta {
	uint64_t rx, tx, consumed, dropped, hout, hin;
	uint64_t drop[CGN_DROP_MAX];
};

static void
wdelta(const struct cgn_stats *now, const struct cgn_stats *then,
       struct wdelta *d)
{
	unsigned int k;

	d->rx = now->rx[0] + now->rx[1] - then->rx[0] - then->rx[1];
	d->tx = now->tx[0] + now->tx[1] - then->tx[0] - then->tx[1];
	d->consumed = now->consumed - then->consumed;
	d->hout = now->handoff_out - then->handoff_out;
	d->hin = now->handoff_in - then->handoff_in;
	d->dropped = 0;
	for (k = 0; k < CGN_DROP_MAX; k++) {
		d->drop[k] = now->drop[k] - then->drop[k];
		d->dropped += d->drop[k];
	}
}

/* One worker's counters since the snapshot: do they add up, and what
 * did it drop?
 */
static void
check_worker_counters(struct scen *s, enum mode mode, unsigned int i,
		      const struct wdelta *d, bool drops)
{
	struct result *r = s->r;
	unsigned int k;

	if (d->rx + d->hin != d->tx + d->consumed + d->dropped + d->hout) {
		fprintf(stderr, "cgnat-bench: %s: worker %u: rx %" PRIu64
			" + handoff_in %" PRIu64 " != tx %" PRIu64
			" + consumed %" PRIu64 " + dropped %" PRIu64
			" + handoff_out %" PRIu64 "\n", mode_name[mode], i,
			d->rx, d->hin, d->tx, d->consumed, d->dropped,
			d->hout);
		r->counter_errors++;
	}
	for (k = 0; k < CGN_DROP_MAX && drops; k++) {
		if (d->drop[k] == 0)
			continue;
		if (mode == M_SETUP && k == CGN_DROP_block_pending) {
			r->setup_drops += d->drop[k];
			continue;
		}
		fprintf(stderr, "cgnat-bench: worker %u, %s: %" PRIu64
			" dropped: %s\n", i, mode_name[mode], d->drop[k],
			cgn_drop_names[k]);
		r->dropped += d->drop[k];
	}
}

/*
 * After a parallel phase (every worker idle, nothing in flight): each
 * worker's rx + handoff_in = tx + consumed + dropped + handoff_out, and
 * over the workers rx = tx + consumed + dropped. Drops are errors, except
 * block_pending in the setup (those frames are sent again). Returns the
 * frames handed off.
 */
uint64_t
check_counters(struct scen *s, enum mode mode, const struct cgn_stats *base,
	       bool drops)
{
	struct wdelta d;
	uint64_t rx = 0, tx = 0, cons = 0, drop = 0, hout = 0, hin = 0;
	unsigned int i;

	for (i = 0; i < s->nw; i++) {
		wdelta(bench_stats(s->g[i].w), &base[i], &d);
		check_worker_counters(s, mode, i, &d, drops);
		rx += d.rx;
		tx += d.tx;
		cons += d.consumed;
		drop += d.dropped;
		hout += d.hout;
		hin += d.hin;
	}
	if (rx != tx + cons + drop || hout != hin) {
		fprintf(stderr, "cgnat-bench: %s: over the workers rx %" PRIu64
			" != tx %" PRIu64 " + consumed %" PRIu64 " + dropped %"
			PRIu64 ", or handoff_out %" PRIu64 " != handoff_in %"
			PRIu64 "\n", mode_name[mode], rx, tx, cons, drop, hout,
			hin);
		s->r->counter_errors++;
	}
	return hout;
}

/* Free everything (the NAT as main.c does); returns the mbufs still out
 * of the pool (leaked).
 */
static unsigned int
scen_cleanup(struct scen *s)
{
	unsigned int i, d, in_use;

	bench_nat_stop(&s->nat);
	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];

		if (g->stash != NULL) {
			rte_pktmbuf_free_bulk(g->stash, g->n_stash);
			free(g->stash);
		}
		free(g->smp.v);
	}
	bench_rings_free(s);
	in_use = bench_mbufs_free(&s->nat);
	free(s->host_ip);
	free(s->host_owner);
	free(s->map_addr);
	free(s->map_port);
	for (d = 0; d < D_MAX; d++)
		for (i = 0; i < MAX_WORKERS; i++)
			free(s->list[d][i]);
	return in_use;
}

/* Each worker's generator: its lcore, its buffers, its templates. */
static int
scen_gens(struct scen *s)
{
	uint64_t accounted = 0, ct, pool;
	unsigned int i;

	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];

		g->w = s->nat.lc.ctx.workers[i];
		g->id = i;
		g->s = s;
		g->ctx = &s->nat.lc.ctx;
		g->lcore = s->nat.cfg.workers.lcores[i];
		bench_worker_bytes(g->w, &ct, &pool);
		accounted += ct + pool;
		s->r->bytes_ct += (double)ct / (double)s->n_flows;
		s->r->bytes_pool += (double)pool / (double)s->n_flows;
	}
	s->r->bytes_accounted = (double)accounted / (double)s->n_flows;
	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];

		g->stash = malloc(sizeof(*g->stash) * STASH);
		g->smp.v = malloc(sizeof(float) * MAX_SAMPLES);
		if (g->stash == NULL || g->smp.v == NULL)
			return -1;
		make_templates(g);
	}
	return 0;
}

/* The NAT on its ring ports, the hosts, the flows, the generators, the
 * gateway resolved.
 */
static int
scen_start(struct scen *s, const unsigned int *lcores, char *err,
	   size_t errlen)
{
	if (bench_rings_make(s, err, errlen) != 0 ||
	    bench_config_load(s, s->n_flows, lcores, err, errlen) != 0)
		return -1;
	/* The neighbour table, sized for the hosts: every subscriber is
	 * on-link (no inside gateway), plus the outside gateway; rte_hash
	 * is not filled to the last slot, hence the eighth more.
	 */
	if (bench_nat_start(&s->nat, s->hosts + s->hosts / 8 + 64, err,
			    errlen) != 0)
		return -1;
	port_mac[CGN_INSIDE] = s->nat.lc.ctx.link[CGN_INSIDE].mac;
	port_mac[CGN_OUTSIDE] = s->nat.lc.ctx.link[CGN_OUTSIDE].mac;
	/* cgn_sub_owner() is settled now (ring ports have no RSS: CRC32). */
	if (pick_hosts(s) != 0) {
		snprintf(err, errlen, "not enough subscriber addresses");
		return -1;
	}
	s->map_addr = calloc(s->n_flows, sizeof(*s->map_addr));
	s->map_port = calloc(s->n_flows, sizeof(*s->map_port));
	if (s->map_addr == NULL || s->map_port == NULL ||
	    make_lists(s, D_RSS, true) != 0) {
		snprintf(err, errlen, "out of memory (flows)");
		return -1;
	}
	if (scen_gens(s) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (resolve_gateway(s) != 0) {
		snprintf(err, errlen, "the gateway's ARP was never "
			 "resolved");
		return -1;
	}
	return 0;
}

/* Preliminary phase: all workers make their sessions at once. */
static int
scen_setup(struct scen *s, const struct opts *o, char *err, size_t errlen)
{
	struct result *r = s->r;
	uint64_t created = 0, cyc = 0, sessions = 0;
	unsigned int i;
	int rc;

	rc = run_parallel(s, M_SETUP, D_RSS, 0, o->profile, NULL);
	add_phase(r, s, NULL);
	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];

		if (g->med > 0)
			r->setup_rate += (double)tsc_hz / g->med;
		cyc += g->cycles;
		r->setup_passes = RTE_MAX(r->setup_passes, g->passes);
		r->setup_icmp += g->icmp_errors;
		sessions += bench_sessions(g->w);
		created += g->created;
	}
	r->setup_s = (double)cyc / (double)tsc_hz;
	if (o->profile == N_MEAS)
		printf("profile: setup, %u worker(s): %" PRIu64 " sessions "
		       "made in the timed polls\n", s->nw, created);
	r->setup_rate_mean = cyc > 0 ? (double)created * (double)tsc_hz /
				       (double)cyc : 0;
	if (rc != 0) {
		snprintf(err, errlen, "setup: %s", s->g[0].first_bad[0] ?
			 s->g[0].first_bad : s->g[s->nw - 1].first_bad);
		return -1;
	}
	if (sessions != s->n_flows || created != s->n_flows) {
		fprintf(stderr, "cgnat-bench: %u sessions wanted, %" PRIu64
			" made, %" PRIu64 " in the tables\n", s->n_flows,
			created, sessions);
		r->lost += s->n_flows - RTE_MIN(sessions,
						(uint64_t)s->n_flows);
	}
	r->sessions = sessions;
	return 0;
}

/* Every subscriber's MAC learned from its traffic? */
static uint32_t
macs_unlearned(struct scen *s)
{
	struct rte_ether_addr mac;
	uint32_t h, idx, unres = 0;

	for (h = 0; h < s->hosts; h++) {
		idx = nat_neigh_lookup(&s->nat.lc.ctx.neigh, CGN_INSIDE,
				       s->host_ip[h]);
		if (idx == UINT32_MAX ||
		    !nat_neigh_mac(&s->nat.lc.ctx.neigh, idx, &mac))
			unres++;
	}
	if (unres || s->nat.lc.ctrl.stats.neigh_table_full)
		fprintf(stderr, "cgnat-bench: %u subscribers' MACs "
			"not learned (neighbour table full %" PRIu64
			" times)\n", unres, s->nat.lc.ctrl.stats.neigh_table_full);
	return unres;
}

/* After the setup: the session hash, the neighbours, the mappings, and
 * the memory they took.
 */
static void
scen_check_setup(struct scen *s)
{
	struct result *r = s->r;
	uint64_t mem2;
	unsigned int i, k;

	ctrl_drain(&s->nat.lc.ctx, &s->nat.lc.ctrl);
	mem2 = heap_allocated();
	for (i = 0; i < CGN_SIDES; i++) {
		uint64_t full = 0, nbkt = 0;

		for (k = 0; k < s->nw; k++)
			bench_bucket_stats(s->g[k].w, i, &full,
					   &r->bkt_spilled[i], &nbkt);
		r->bkt_full[i] = 100.0 * (double)full / (double)nbkt;
	}
	r->bad += macs_unlearned(s);
	r->bad += check_mappings(s, pool_addrs_for(s->hosts));
	r->bytes_heap = (double)(mem2 - s->nat.heap_ports) /
			(double)s->n_flows;
	r->bytes_heap_init = (double)(s->nat.heap_init - s->nat.heap_ports) /
			     (double)s->n_flows;
}

/* Measured phases: each distribution's flows in a new random order; only
 * flows that got a session (all of them, unless setup failed). Then the
 * out2in warm-up.
 */
static int
scen_lists(struct scen *s, char *err, size_t errlen)
{
	struct result *r = s->r;
	unsigned int i, nw = s->nw;

	for (i = 0; i < nw; i++)
		r->setup_failed += s->n_list[D_RSS][i];
	if (make_lists(s, D_RSS, false) != 0 ||
	    (nw > 1 && make_lists(s, D_SPREAD, false) != 0)) {
		snprintf(err, errlen, "out of memory (flows)");
		return -1;
	}
	for (i = 0; i < nw; i++) {
		r->setup_failed -= s->n_list[D_RSS][i];
		if (s->n_list[D_RSS][i] == 0 ||
		    (nw > 1 && s->n_list[D_SPREAD][i] == 0)) {
			snprintf(err, errlen, "setup: no session made");
			return -1;
		}
	}
	if (run_parallel(s, M_WARM, D_RSS, 0, -1, NULL) != 0) {
		add_phase(r, s, NULL);
		snprintf(err, errlen, "warm-up: %s", s->g[0].first_bad);
		return -1;
	}
	add_phase(r, s, NULL);
	return 0;
}

/* in2out, out2in, mixed for each distribution, then the floor. */
static int
scen_measure(struct scen *s, const struct opts *o, char *err,
	     size_t errlen)
{
	struct result *r = s->r;
	unsigned int i, d, k, nw = s->nw;
	int rc;

	for (d = 0; d < (nw > 1 ? D_MAX : 1u); d++) {
		r->has[d] = true;
		for (k = 0; k < N_MEAS; k++) {
			uint64_t h = 0;

			rc = run_parallel(s, meas_mode[k], d, o->seconds,
					  o->profile, &h);
			add_phase(r, s, &r->ph[d][k]);
			r->ph[d][k].handoff = h;
			for (i = 0; i < nw; i++)
				r->handoff_waits += s->g[i].waits;
			if (o->profile >= 0 && (int)k == o->profile &&
			    d == D_RSS)
				printf("profile: %s, %u worker(s): %" PRIu64
				       " frames in the timed polls\n",
				       meas_key[k], nw, r->ph[d][k].pkts);
			if (rc != 0) {
				snprintf(err, errlen, "%s, %s: %s",
					 dist_name[d], meas_key[k],
					 s->g[0].first_bad[0] ?
					 s->g[0].first_bad :
					 s->g[nw - 1].first_bad);
				return -1;
			}
		}
	}
	rc = run_parallel(s, M_FLOOR, D_RSS, o->seconds, -1, NULL);
	add_phase(r, s, &r->floor);
	if (rc != 0) {
		snprintf(err, errlen, "floor: %s", s->g[0].first_bad);
		return -1;
	}
	return 0;
}

/* Tear-down, one worker at a time, from the main lcore; then everything
 * given back?
 */
static void
scen_teardown(struct scen *s)
{
	struct result *r = s->r;
	unsigned int i;

	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];
		const struct cgn_stats *st = bench_stats(g->w);
		uint64_t expired, c;

		c = phase_teardown(g, &s->nat.lc.ctrl, &expired);
		if (g->med > 0)
			r->teardown_rate += (double)tsc_hz / g->med;
		r->teardown_s += (double)c / (double)tsc_hz;
		r->leaked += bench_leftovers(g->w);
		r->leaked += st->mappings_created - st->mappings_freed;
		r->leaked += st->blocks_allocated - st->blocks_released;
	}
}

/* After the tear-down: every block back, the counters since the start,
 * one mapping-log line per block allocation and release.
 */
static void
scen_check_end(struct scen *s)
{
	static const struct cgn_stats zero[MAX_WORKERS];
	struct result *r = s->r;
	uint64_t blocks = 0;
	unsigned int i, k;

	/* Let the workers and the control thread settle (grants taken,
	 * surplus blocks returned); blocks_missing counts the rings too.
	 */
	for (k = 0; k < 5; k++) {
		for (i = 0; i < s->nw; i++)
			cgn_worker_poll(s->g[i].w, rte_rdtsc());
		ctrl_drain(&s->nat.lc.ctx, &s->nat.lc.ctrl);
		rte_delay_us_block(1000);
	}
	for (i = 0; i < s->nw; i++)
		collect(&s->g[i]);
	r->blocks_lost = bench_blocks_missing(&s->nat.lc.ctx,
					      s->nat.cfg.pool.n_addrs);
	if (r->blocks_lost)
		fprintf(stderr, "cgnat-bench: %" PRIu64 " port blocks are "
			"neither free in a worker, nor with the control "
			"thread, nor on a ring\n", r->blocks_lost);
	r->blocks_granted = s->nat.lc.ctrl.stats.blocks_granted;
	r->block_requests = s->nat.lc.ctrl.stats.block_requests;
	r->block_unmet = s->nat.lc.ctrl.stats.block_requests_unmet;
	/* Counters since the start: over the workers rx = tx + consumed +
	 * dropped.
	 */
	check_counters(s, M_IDLE, zero, false);
	for (i = 0; i < s->nw; i++)
		blocks += bench_stats(s->g[i].w)->blocks_allocated +
			  bench_stats(s->g[i].w)->blocks_released;
	r->log_lines = s->nat.lc.ctrl.stats.log_lines;
	if (r->log_lines != blocks) {
		fprintf(stderr, "cgnat-bench: %" PRIu64 " mapping log "
			"lines for %" PRIu64 " block events\n",
			r->log_lines, blocks);
		r->leaked += blocks - RTE_MIN(blocks, r->log_lines);
	}
}

void
run_scenario(const struct opts *o, uint32_t scale, unsigned int nw,
	     const unsigned int *lcores, struct result *r)
{
	struct scen *s = calloc(1, sizeof(*s));
	char path[128], err[512] = "";

	memset(r, 0, sizeof(*r));
	r->scale = scale;
	r->workers = nw;
	if (s == NULL) {
		r->skipped = true;
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	scenario_no++;
	s->nw = nw;
	s->r = r;
	s->hosts = scale / FLOWS_PER_HOST;
	s->n_flows = scale;
	if (scen_start(s, lcores, err, sizeof(err)) != 0 ||
	    scen_setup(s, o, err, sizeof(err)) != 0) {
		goto skip;
	}
	scen_check_setup(s);
	if (scen_lists(s, err, sizeof(err)) != 0 ||
	    scen_measure(s, o, err, sizeof(err)) != 0)
		goto skip;
	scen_teardown(s);
	scen_check_end(s);
	r->mbufs_leaked = scen_cleanup(s);
	r->ok = r->setup_failed == 0 && r->lost == 0 && r->bad == 0 &&
		r->dropped == 0 && r->unexpected == 0 && r->leaked == 0 &&
		r->mbufs_leaked == 0 && r->counter_errors == 0 &&
		r->blocks_lost == 0 && r->duplicates == 0 &&
		r->owner_mismatch == 0;
	free(s);
	snprintf(path, sizeof(path), "%s/mappings.log", tmpdir);
	unlink(path);
	return;
skip:
	r->skipped = true;
	snprintf(r->why, sizeof(r->why), "%s", err);
	scen_cleanup(s);
	free(s);
}
