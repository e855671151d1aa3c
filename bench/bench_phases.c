/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: the phases. Each worker lcore is also its queue's traffic
 * generator: it fills its RX rings (run_chunk), runs cgn_worker_poll()
 * until the frames are gone (only those calls are timed), then collects
 * and checks what came out. The phases: setup (the first frame of every
 * flow, timed per session made), the out2in warm-up, the measured phases
 * of established traffic (in2out, out2in, mixed), the floor (a 5-tuple
 * swap forwarder on the same ports) and the tear-down (aging with a clock
 * past every timeout). run_parallel() runs one on every worker lcore at
 * once with the control thread on the main lcore; add_phase() sums it up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_pause.h>
#include <rte_random.h>

#include "bench.h"

/* --profile: count instructions of one phase's timed polls only, under
 * valgrind --tool=callgrind --collect-atstart=no.
 */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT do { } while (0)
#endif

const char *const mode_name[] = {
	"idle", "setup", "out2in warm-up", "in2out", "out2in", "mixed", "floor"
};
const enum mode meas_mode[N_MEAS] = { M_I2O, M_O2I, M_MIXED };
const char *const meas_key[N_MEAS] = { "in2out", "out2in", "mixed" };
const char *const dist_name[D_MAX] = { "rss", "spread" };

static void
samp_add(struct samples *s, double x)
{
	uint64_t j;

	if (s->n < MAX_SAMPLES) {
		s->v[s->n++] = (float)x;
	} else {
		/* Reservoir sampling past the first million. */
		j = rte_rand_max(s->seen + 1);
		if (j < MAX_SAMPLES)
			s->v[j] = (float)x;
	}
	s->seen++;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* Sort; the median, and the 10th and 90th percentiles. */
static double
samp_median(struct samples *s, double *p10, double *p90)
{
	*p10 = *p90 = 0;
	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(float), cmp_float);
	*p10 = s->v[s->n / 10];
	*p90 = s->v[s->n * 9 / 10];
	return s->n % 2 ? s->v[s->n / 2] :
		(s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2.0;
}

/* ------------------------------------------------------------------ */
/* The floor: 5-tuple swap (testpmd --forward-mode=5tswap)            */

static inline void
swap5(struct rte_mbuf *m)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr ta;
	struct rte_ipv4_hdr *ip;
	uint32_t a;

	ta = e->dst_addr;
	e->dst_addr = e->src_addr;
	e->src_addr = ta;
	if (e->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return;
	ip = (struct rte_ipv4_hdr *)(e + 1);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	if (ip->next_proto_id == IPPROTO_UDP ||
	    ip->next_proto_id == IPPROTO_TCP) {
		/* Ports are the first 4 bytes of both headers. */
		uint16_t *p = (uint16_t *)((uint8_t *)ip +
					   rte_ipv4_hdr_len(ip));
		uint16_t t = p[0];

		p[0] = p[1];
		p[1] = t;
	}
}

/* Not inlined: one call per poll, as cgn_worker_poll() in the NAT's
 * timed runs (and as the compiler built it before the bench was split).
 */
static __rte_noinline void
floor_poll(struct gen *g)
{
	struct rte_mbuf *pkts[NAT_BURST];
	unsigned int side;
	uint16_t n, sent, i;

	for (side = 0; side < CGN_SIDES; side++) {
		n = rte_eth_rx_burst(g->ctx->link[side].port_id, g->w->rxq,
				     pkts, NAT_BURST);
		if (n == 0)
			continue;
		for (i = 0; i < n; i++) {
			if (i + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1],
							       void *));
			swap5(pkts[i]);
		}
		sent = rte_eth_tx_burst(g->ctx->link[side ^ 1].port_id,
					g->w->txq, pkts, n);
		for (i = sent; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
	}
}

/* ------------------------------------------------------------------ */
/* Timed runs                                                          */

static inline uint32_t
next_flow(struct gen *g)
{
	uint32_t f = g->list[g->pos];

	if (++g->pos == g->n_list)
		g->pos = 0;
	return f;
}

/* Frames the worker has received or been handed so far. */
static inline uint64_t
work_seen(const struct cgn_worker *w)
{
	const struct cgn_stats *st = bench_stats(w);

	return st->rx[CGN_INSIDE] + st->rx[CGN_OUTSIDE] + st->handoff_in;
}

/* Handed to this worker and not taken yet: the fullest ring's count. */
static unsigned int
handoff_waiting(const struct gen *g, unsigned int *total)
{
	struct rte_ring *r;
	unsigned int j, n, most = 0;

	*total = 0;
	for (j = 0; j < g->s->nw; j++) {
		if (j == g->id ||
		    (r = bench_handoff_ring(g->ctx, j, g->id)) == NULL)
			continue;
		n = rte_ring_count(r);
		*total += n;
		most = RTE_MAX(most, n);
	}
	return most;
}

/* One poll of the worker; its cycles when it had something to do. */
static uint64_t
poll_if_work(struct gen *g)
{
	uint64_t before = work_seen(g->w), t0, t1;

	t0 = rte_rdtsc();
	cgn_worker_poll(g->w, t0);
	t1 = rte_rdtsc();
	return work_seen(g->w) != before ? t1 - t0 : 0;
}

/*
 * Before handing frames to the worker: make sure the handoff rings from
 * it to the other workers have room for the frames it will hand over, so
 * that a generator that the OS descheduled (this machine is shared) does
 * not make the worker drop handoff_full. Meanwhile the worker takes what
 * the others handed to it (so two waiting generators cannot block each
 * other); those polls are timed.
 */
static int
handoff_room(struct gen *g, const uint32_t *fin, unsigned int nin,
	     const uint32_t *fout, unsigned int nout)
{
	unsigned int need[MAX_WORKERS] = { 0 }, i, j;
	uint64_t t_end = 0;
	bool waited = false;

	for (i = 0; i < nin; i++)
		need[g->s->host_owner[flow_host(fin[i])]]++;
	for (i = 0; i < nout; i++)
		need[g->s->host_owner[flow_host(fout[i])]]++;
	for (j = 0; j < g->s->nw; j++) {
		struct rte_ring *r = bench_handoff_ring(g->ctx, g->id, j);

		if (j == g->id || need[j] == 0 || r == NULL)
			continue;
		while (rte_ring_free_count(r) < need[j]) {
			if (!waited) {
				waited = true;
				g->waits++;
				t_end = rte_rdtsc() + 30 * tsc_hz;
			}
			g->wait_cycles += poll_if_work(g);
			/* What it sent meanwhile: its TX rings must not fill. */
			collect(g);
			if (rte_rdtsc() > t_end) {
				snprintf(g->first_bad, sizeof(g->first_bad),
					 "handoff ring to worker %u stayed "
					 "full for 30 s", j);
				return -EIO;
			}
		}
	}
	return 0;
}

/*
 * nin frames into the inside RX ring, nout into the outside one (after
 * making sure the handoff rings have room for them). Returns 0, or -1
 * with g->rc set.
 */
static int
load_chunk(struct gen *g, const uint32_t *fin, unsigned int nin,
	   const uint32_t *fout, unsigned int nout)
{
	struct rte_mbuf *m[2 * CHUNK];
	unsigned int n = nin + nout, i;

	if (get_mbufs(g, m, n) != 0) {
		snprintf(g->first_bad, sizeof(g->first_bad),
			 "out of mbufs");
		g->rc = -ENOMEM;
		return -1;
	}
	for (i = 0; i < nin; i++)
		build_frame(g, m[i], CGN_INSIDE, fin[i]);
	for (i = 0; i < nout; i++)
		build_frame(g, m[nin + i], CGN_OUTSIDE, fout[i]);
	if (g->s->nw > 1 && g->mode != M_FLOOR &&
	    handoff_room(g, fin, nin, fout, nout) != 0) {
		rte_pktmbuf_free_bulk(m, n);
		g->rc = -EIO;
		return -1;
	}
	if (rte_ring_sp_enqueue_bulk(g->rx[CGN_INSIDE], (void **)m, nin,
				     NULL) != nin ||
	    rte_ring_sp_enqueue_bulk(g->rx[CGN_OUTSIDE], (void **)(m + nin),
				     nout, NULL) != nout) {
		snprintf(g->first_bad, sizeof(g->first_bad), "rx ring full");
		g->rc = -ENOSPC;
		return -1;
	}
	g->pkts += n;
	return 0;
}

/*
 * One timed run: load the frames, then the worker (or the floor) polls
 * until they are gone, and takes what the other workers handed to it
 * meanwhile. Returns the cycles spent in the polls, or 0 with g->rc set.
 */
static uint64_t
run_chunk(struct gen *g, const uint32_t *fin, unsigned int nin,
	  const uint32_t *fout, unsigned int nout)
{
	unsigned int i, npolls, cin, cout, hmost, htot;
	uint64_t t0, t1, waited;

	if (load_chunk(g, fin, nin, fout, nout) != 0)
		return 0;
	/* ARP replies for the control thread may be waiting there too, and
	 * frames the other workers handed over.
	 */
	cin = rte_ring_count(g->rx[CGN_INSIDE]);
	cout = rte_ring_count(g->rx[CGN_OUTSIDE]);
	hmost = handoff_waiting(g, &htot);
	npolls = (RTE_MAX(RTE_MAX(cin, cout), hmost) + NAT_BURST - 1) /
		 NAT_BURST;

	if (g->mode == M_FLOOR) {
		t0 = rte_rdtsc();
		for (i = 0; i < npolls; i++)
			floor_poll(g);
		t1 = rte_rdtsc();
	} else if (g->profile) {
		CALLGRIND_TOGGLE_COLLECT;
		t0 = rte_rdtsc();
		for (i = 0; i < npolls; i++)
			cgn_worker_poll(g->w, rte_rdtsc());
		t1 = rte_rdtsc();
		CALLGRIND_TOGGLE_COLLECT;
	} else {
		t0 = rte_rdtsc();
		for (i = 0; i < npolls; i++)
			cgn_worker_poll(g->w, rte_rdtsc());
		t1 = rte_rdtsc();
	}
	if (rte_ring_count(g->rx[CGN_INSIDE]) != 0 ||
	    rte_ring_count(g->rx[CGN_OUTSIDE]) != 0) {
		snprintf(g->first_bad, sizeof(g->first_bad),
			 "worker left frames in its rx rings");
		g->rc = -EIO;
	}
	waited = g->wait_cycles;
	g->wait_cycles = 0;
	return t1 - t0 + waited;
}

/* ------------------------------------------------------------------ */
/* Phases                                                              */

void
phase_begin(struct gen *g, enum mode mode)
{
	g->mode = mode;
	g->cycles = g->pkts = g->received = g->bad = g->unexpected = 0;
	g->bad_checks = 0;
	g->icmp_errors = 0;
	g->waits = 0;
	g->wait_cycles = 0;
	g->smp.n = 0;
	g->smp.seen = 0;
	g->med = g->p10 = g->p90 = 0;
	g->first_bad[0] = 0;
	g->rc = 0;
}

static void
phase_end(struct gen *g)
{
	g->med = samp_median(&g->smp, &g->p10, &g->p90);
}

/* Wait until every worker's generator is here. */
static void
barrier(uint32_t *count, unsigned int n)
{
	__atomic_add_fetch(count, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < n)
		rte_pause();
}

/*
 * The end of a parallel phase: this generator sends nothing more; its
 * worker keeps taking what the others hand to it until they have all
 * stopped sending and the rings to it are empty (a handed-over frame is
 * never handed on, so nothing arrives after that), then what it sent is
 * collected. Polls that did something are timed.
 */
static void
phase_finish(struct gen *g)
{
	struct scen *s = g->s;
	unsigned int tot;

	__atomic_add_fetch(&s->finished, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		bool all = __atomic_load_n(&s->finished, __ATOMIC_ACQUIRE) ==
			   s->nw;

		handoff_waiting(g, &tot);
		tot += rte_ring_count(g->rx[CGN_INSIDE]) +
		       rte_ring_count(g->rx[CGN_OUTSIDE]);
		if (all && tot == 0)
			break;
		if (tot != 0) {
			g->cycles += poll_if_work(g);
			collect(g);
		} else {
			rte_pause();
		}
	}
	/* Packets the control thread queued (ARP) and buffered TX. */
	cgn_worker_poll(g->w, rte_rdtsc());
	collect(g);
}

/* A measured phase of established traffic (or the floor), on g->lcore. */
static int
measure(void *arg)
{
	struct gen *g = arg;
	uint32_t fin[CHUNK], fout[CHUNK];
	unsigned int nin, nout, i;
	uint64_t end, c;

	phase_begin(g, g->mode);
	switch (g->mode) {
	case M_I2O:
	case M_FLOOR:
		nin = CHUNK, nout = 0;
		break;
	case M_O2I:
		nin = 0, nout = CHUNK;
		break;
	default:
		nin = nout = CHUNK / 2;
		break;
	}
	barrier(&g->s->started, g->s->nw);
	end = rte_rdtsc() + (uint64_t)(g->seconds * (double)tsc_hz);
	do {
		for (i = 0; i < nin; i++)
			fin[i] = next_flow(g);
		for (i = 0; i < nout; i++)
			fout[i] = next_flow(g);
		c = run_chunk(g, fin, nin, fout, nout);
		if (g->rc != 0)
			break;
		g->cycles += c;
		samp_add(&g->smp, (double)c / (nin + nout));
		collect(g);
	} while (rte_rdtsc() < end);
	phase_finish(g);
	phase_end(g);
	return g->rc;
}

/*
 * The first out2in frame of a session looks its host's neighbour entry
 * up; do that once for every flow, untimed but checked.
 */
static int
warm(void *arg)
{
	struct gen *g = arg;
	uint32_t done, n;

	phase_begin(g, M_WARM);
	barrier(&g->s->started, g->s->nw);
	for (done = 0; done < g->n_list && g->rc == 0; done += n) {
		n = RTE_MIN((uint32_t)CHUNK, g->n_list - done);
		run_chunk(g, NULL, 0, &g->list[done], n);
		collect(g);
	}
	phase_finish(g);
	phase_end(g);
	return g->rc;
}

/* Poll the worker, untimed, for about us microseconds (grants come in
 * with the block exchange, every ms).
 */
static void
idle_poll(struct gen *g, unsigned int us)
{
	uint64_t end = rte_rdtsc() + tsc_hz * us / 1000000;

	while (rte_rdtsc() < end) {
		cgn_worker_poll(g->w, rte_rdtsc());
		collect(g);
	}
}

/* One setup pass over the flows still without a session, timed per
 * session made.
 */
static void
setup_pass(struct gen *g, const uint32_t *todo, uint32_t ntodo)
{
	uint32_t done, n;

	for (done = 0; done < ntodo; done += n) {
		uint64_t c0 = bench_stats(g->w)->sessions_created, c, c1;

		n = RTE_MIN((uint32_t)CHUNK, ntodo - done);
		c = run_chunk(g, &todo[done], n, NULL, 0);
		if (g->rc != 0)
			break;
		g->cycles += c;
		c1 = bench_stats(g->w)->sessions_created;
		if (c1 > c0)
			samp_add(&g->smp, (double)c / (double)(c1 - c0));
		collect(g);
		/* Leave the control thread room for the learn events
		 * (untimed; it polls every 200 us).
		 */
		while (bench_ev_backlog(g->w) > 2048)
			rte_delay_us_sleep(100);
	}
}

/* Keep the flows that still have no outside endpoint; how many. */
static uint32_t
setup_left(const struct scen *s, uint32_t *todo, uint32_t ntodo)
{
	uint32_t i, k;

	for (i = 0, k = 0; i < ntodo; i++)
		if (s->map_addr[todo[i]] == 0)
			todo[k++] = todo[i];
	return k;
}

/*
 * Preliminary phase: the first frame of every flow of this worker's
 * subscribers, on its own queue, timed per session made. A first frame
 * that finds no port block yet (the control thread is granting one) is
 * dropped by the worker (block_pending) and sent again in a later pass.
 */
static int
setup(void *arg)
{
	struct gen *g = arg;
	struct scen *s = g->s;
	uint32_t *todo, ntodo, k;
	uint64_t stall = 0;

	phase_begin(g, M_SETUP);
	g->passes = 0;
	todo = malloc(sizeof(*todo) * RTE_MAX(g->n_list, 1u));
	if (todo == NULL) {
		snprintf(g->first_bad, sizeof(g->first_bad), "out of memory");
		g->rc = -ENOMEM;
	} else {
		memcpy(todo, g->list, sizeof(*todo) * g->n_list);
	}
	ntodo = todo != NULL ? g->n_list : 0;
	barrier(&s->started, s->nw);
	while (ntodo > 0 && g->rc == 0) {
		g->passes++;
		setup_pass(g, todo, ntodo);
		k = setup_left(s, todo, ntodo);
		if (k == 0)
			break;
		if (k < ntodo)
			stall = 0;
		else if (stall == 0)
			stall = rte_rdtsc();
		else if (rte_rdtsc() - stall > SETUP_STALL_S * tsc_hz) {
			bench_setup_stalled(g, k);
			break; /* counted as flows without a session */
		}
		ntodo = k;
		idle_poll(g, 2000);
	}
	free(todo);
	g->created = bench_stats(g->w)->sessions_created;
	phase_finish(g);
	phase_end(g);
	return g->rc;
}

/* Run the control thread until the workers' rings to it are empty. */
void
ctrl_drain(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl)
{
	unsigned int busy, guard = 0;

	do {
		cgn_ctrl_poll(ctrl, rte_rdtsc());
		busy = bench_ctrl_backlog(ctx);
	} while (busy != 0 && ++guard < 100000);
}

/* Tear-down: age everything with a clock past every timeout; timed. */
uint64_t
phase_teardown(struct gen *g, struct cgn_ctrl *ctrl, uint64_t *expired)
{
	uint64_t far = rte_rdtsc() + (uint64_t)(TIMEOUT_S + 60) * tsc_hz;
	uint64_t cyc = 0, t0, t1;
	uint32_t guard = 0, n;

	*expired = 0;
	phase_begin(g, M_IDLE);
	while (bench_sessions(g->w) > 0 && guard++ < 100000000u) {
		t0 = rte_rdtsc();
		n = cgn_worker_age(g->w, far, 4096);
		t1 = rte_rdtsc();
		cyc += t1 - t0;
		*expired += n;
		if (n > 0)
			samp_add(&g->smp, (double)(t1 - t0) / n);
		if (bench_log_backlog(g->ctx) > 32768)
			ctrl_drain(g->ctx, ctrl);
	}
	ctrl_drain(g->ctx, ctrl);
	g->med = samp_median(&g->smp, &g->p10, &g->p90);
	return cyc;
}

static int
lcore_main(void *arg)
{
	struct gen *g = arg;
	int rc;

	switch (g->mode) {
	case M_SETUP:
		rc = setup(g);
		break;
	case M_WARM:
		rc = warm(g);
		break;
	default:
		rc = measure(g);
		break;
	}
	__atomic_add_fetch(&g->s->exited, 1, __ATOMIC_RELEASE);
	return rc;
}

/*
 * Run a phase on every worker lcore at once, the control thread on this
 * (the main) lcore polling every 200 us as in main.c. Returns 0 or the
 * first error; *handoff gets the frames handed between workers.
 */
int
run_parallel(struct scen *s, enum mode mode, enum dist dist, double seconds,
	     int profile, uint64_t *handoff)
{
	unsigned int i, period;
	uint64_t h;
	int rc = 0;

	for (i = 0; i < s->nw; i++) {
		struct gen *g = &s->g[i];

		g->mode = mode;
		g->dist = dist;
		g->seconds = seconds;
		g->profile = profile >= 0 && dist == D_RSS &&
			     (profile == N_MEAS ? mode == M_SETUP :
			      meas_mode[profile] == mode);
		g->list = s->list[dist][i];
		g->n_list = s->n_list[dist][i];
		g->pos = 0;
		s->snap[i] = *bench_stats(g->w);
	}
	s->started = s->finished = s->exited = 0;
	for (i = 0; i < s->nw; i++)
		if (rte_eal_remote_launch(lcore_main, &s->g[i],
					  s->g[i].lcore) != 0) {
			/* Nothing started (lcores are idle between phases). */
			return -EBUSY;
		}
	/* main.c polls every 200 us. In the measured phases the control
	 * thread has nothing to do (no new session, no ARP), and where it
	 * shares a CPU with a worker (2 CPUs) waking it every 200 us would
	 * interrupt nearly every timed run of that worker: it polls every
	 * 10 ms there.
	 */
	period = mode == M_SETUP || mode == M_WARM ? 200 : 10000;
	while (__atomic_load_n(&s->exited, __ATOMIC_ACQUIRE) < s->nw) {
		cgn_ctrl_poll(&s->nat.lc.ctrl, rte_rdtsc());
		rte_delay_us_sleep(period);
	}
	for (i = 0; i < s->nw; i++)
		if (rte_eal_wait_lcore(s->g[i].lcore) != 0 && rc == 0)
			rc = -EIO;
	cgn_ctrl_poll(&s->nat.lc.ctrl, rte_rdtsc());
	h = mode == M_FLOOR ? 0 : check_counters(s, mode, s->snap, true);
	if (handoff != NULL)
		*handoff = h;
	return rc;
}

/* Sum up the phase the generators just ran. */
void
add_phase(struct result *r, struct scen *s, struct phase_res *pr)
{
	double cyc = 0, pk = 0, mpps = 0, med = 0, p10 = 0, p90 = 0;
	uint64_t sent = 0, got = 0;
	unsigned int i, nw = s->nw;

	for (i = 0; i < nw; i++) {
		struct gen *g = &s->g[i];

		cyc += (double)g->cycles;
		pk += (double)g->pkts;
		if (g->med > 0)
			mpps += (double)tsc_hz / g->med / 1e6;
		med += g->med / nw;
		p10 += g->p10 / nw;
		p90 += g->p90 / nw;
		sent += g->pkts;
		got += g->received;
		r->bad += g->bad;
		r->unexpected += g->unexpected;
		if (g->first_bad[0])
			fprintf(stderr, "cgnat-bench: %s: %s\n",
				g->bad ? "MISTRANSLATED" : "error",
				g->first_bad);
		if (g->unexpected)
			fprintf(stderr, "cgnat-bench: worker %u, %s: %" PRIu64
				" unexpected frames\n", g->id,
				mode_name[g->mode], g->unexpected);
	}
	/* A frame may leave by another worker than the one it entered. */
	if (sent > got && s->g[0].mode != M_SETUP)
		r->lost += sent - got;
	if (pr != NULL) {
		pr->mpps = mpps;
		pr->cpp = med;
		pr->cpp_mean = pk > 0 ? cyc / pk : 0;
		pr->p10 = p10;
		pr->p90 = p90;
		pr->pkts = sent;
		for (i = 0; i < nw; i++)
			pr->cpp_w[i] = s->g[i].med;
	}
}
