/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: what it says. The header (machine, method), the table (one
 * row per scenario and traffic distribution), the summary, the JSON file
 * and the plot (plot.py, run with the python3 that has matplotlib).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "bench.h"

void
cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			c++;
			while (*c == ' ' || *c == '\t')
				c++;
			c[strcspn(c, "\n")] = 0;
			snprintf(buf, len, "%s", c);
			break;
		}
	}
	fclose(f);
}

bool
using_hugepages(void)
{
	return rte_eal_has_hugepages() != 0;
}

static inline double
ratio(double a, double b)
{
	return b > 0 && isfinite(a / b) ? a / b : 0;
}

static const char *workers_note =
	"2 workers = one NAT with two workers, as cgnat runs it: one RX and "
	"one TX queue per worker on both ring ports, subscribers pinned to "
	"a worker by cgn_sub_owner(), port blocks granted to the workers by "
	"the control thread's block manager (ctx->block_owner), frames that "
	"reach the wrong worker handed to the owner through the handoff "
	"rings, limits.max_sessions split between the workers. The bench "
	"picks the subscriber addresses so that each worker owns exactly "
	"half of them. Distributions: rss = every frame on its owner's queue "
	"(a NIC with RSS on the inside source address and rte_flow on the "
	"outside port blocks: no handoff); spread = every flow on a random "
	"queue (a NIC hashing the 5-tuple: about half the frames handed "
	"off). Setup and the measured phases run on all workers at once "
	"with the control thread polling beside them (every 200 us as in "
	"main.c during setup; every 10 ms in the measured phases, where it "
	"has nothing to do: with 2 CPUs it shares one with worker 2) (rates "
	"and Mpps summed over workers, cycles/packet averaged); tear-down one "
	"worker at a time.";

void
print_header(const char *cpu)
{
	printf("\ncgnat-bench: %s, %s, TSC %.3f GHz, %s, %u lcores, %ld "
	       "CPUs\n", rte_version(), cpu, (double)tsc_hz / 1e9,
	       using_hugepages() ? "hugepages" :
				   "no hugepages (4 KiB pages, --no-huge)",
	       rte_lcore_count(), sysconf(_SC_NPROCESSORS_ONLN));
	printf("lcores: %s\n", lcore_note);
	printf("frames: 64-byte UDP (60 + FCS), %u flows per subscriber "
	       "host to %u.%u.%u.%u:%u, %u frames per timed worker run, flows "
	       "visited in a random permutation (another one than at setup)\n",
	       FLOWS_PER_HOST, REMOTE_ADDR >> 24, (REMOTE_ADDR >> 16) & 255,
	       (REMOTE_ADDR >> 8) & 255, REMOTE_ADDR & 255, REMOTE_PORT,
	       CHUNK);
	printf("timed: cgn_worker_poll() only (rx burst, dispatch, handoff "
	       "rings, translate, tx burst, aging sweep and block exchange, "
	       "flush); cycles/packet = median over the timed runs (cycles of "
	       "a run / frames given to that worker); Mpps = TSC Hz / that, "
	       "summed over workers; setup and tear-down likewise per "
	       "session\n");
	printf("floor: 5-tuple swap forwarder (testpmd 5tswap) on the same "
	       "ring ports and lcores; ratio = NAT Mpps / floor Mpps\n");
	printf("neighbours: the gateway's ARP is answered through the control "
	       "thread; subscribers' MACs are learned by the control thread "
	       "from the workers' learn events during setup\n");
	printf("memory: bytes/session = growth of the rte_malloc heap from "
	       "the neighbour table through shared state, workers, block "
	       "manager and session setup, divided by the sessions\n");
	printf("%s\n\n", workers_note);
}

static double
handoff_pct(const struct result *r, unsigned int d)
{
	uint64_t h = 0, p = 0;
	unsigned int k;

	for (k = 0; k < N_MEAS; k++) {
		h += r->ph[d][k].handoff;
		p += r->ph[d][k].pkts;
	}
	return p ? 100.0 * (double)h / (double)p : 0;
}

void
print_table(const struct result *res, unsigned int n)
{
	unsigned int i, d;

	printf("%9s %2s %-6s %8s %7s %7s %7s %7s %7s %7s %8s %7s %7s %7s "
	       "%5s %5s %5s %7s\n", "", "", "", "setup", "in2out", "",
	       "out2in", "", "mixed", "", "teardwn", "bytes/", "floor", "",
	       "ratio", "to", "floor", "handoff");
	printf("%9s %2s %-6s %8s %7s %7s %7s %7s %7s %7s %8s %7s %7s %7s "
	       "%5s %5s %5s %7s\n", "sessions", "wk", "dist", "Msess/s",
	       "Mpps", "cyc/pkt", "Mpps", "cyc/pkt", "Mpps", "cyc/pkt",
	       "Msess/s", "session", "Mpps", "cyc/pkt", "i2o", "o2i", "mix",
	       "%");
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		if (r->skipped) {
			printf("%9u %2u  skipped: %s\n", r->scale, r->workers,
			       r->why);
			continue;
		}
		for (d = 0; d < D_MAX; d++) {
			const struct phase_res *p = r->ph[d];

			if (!r->has[d])
				continue;
			printf("%9u %2u %-6s %8.3f %7.2f %7.1f %7.2f %7.1f "
			       "%7.2f %7.1f %8.3f %7.1f %7.2f %7.1f %5.2f "
			       "%5.2f %5.2f %7.1f%s\n",
			       r->scale, r->workers, dist_name[d],
			       r->setup_rate / 1e6, p[0].mpps, p[0].cpp,
			       p[1].mpps, p[1].cpp, p[2].mpps, p[2].cpp,
			       r->teardown_rate / 1e6, r->bytes_heap,
			       r->floor.mpps, r->floor.cpp,
			       ratio(p[0].mpps, r->floor.mpps),
			       ratio(p[1].mpps, r->floor.mpps),
			       ratio(p[2].mpps, r->floor.mpps),
			       handoff_pct(r, d), r->ok ? "" : "  (ERRORS)");
		}
	}
}

/* With 2 workers: each one's cycles per packet, and the handoff. */
static void
print_summary_workers(const struct result *r)
{
	unsigned int d;

	for (d = 0; d < D_MAX; d++)
		printf("  per worker cyc/pkt, %s: in2out %.0f / "
		       "%.0f, out2in %.0f / %.0f, mixed %.0f / "
		       "%.0f, floor %.1f / %.1f\n", dist_name[d],
		       r->ph[d][0].cpp_w[0], r->ph[d][0].cpp_w[1],
		       r->ph[d][1].cpp_w[0], r->ph[d][1].cpp_w[1],
		       r->ph[d][2].cpp_w[0], r->ph[d][2].cpp_w[1],
		       r->floor.cpp_w[0], r->floor.cpp_w[1]);
	printf("  handoff: rss %.1f%%, spread %.1f%% of the "
	       "frames (in2out %.1f%%, out2in %.1f%%, mixed "
	       "%.1f%%); %" PRIu64 " runs waited for handoff "
	       "ring room\n", handoff_pct(r, D_RSS),
	       handoff_pct(r, D_SPREAD),
	       r->ph[D_SPREAD][0].pkts ? 100.0 *
	       (double)r->ph[D_SPREAD][0].handoff /
	       (double)r->ph[D_SPREAD][0].pkts : 0,
	       r->ph[D_SPREAD][1].pkts ? 100.0 *
	       (double)r->ph[D_SPREAD][1].handoff /
	       (double)r->ph[D_SPREAD][1].pkts : 0,
	       r->ph[D_SPREAD][2].pkts ? 100.0 *
	       (double)r->ph[D_SPREAD][2].handoff /
	       (double)r->ph[D_SPREAD][2].pkts : 0,
	       r->handoff_waits);
}

/* The summary lines of a scenario that ran; true when a figure is
 * missing or zero.
 */
static bool
print_summary_one(const struct result *r)
{
	unsigned int k, d;
	bool missing = false;

	printf("  %u sessions, %u worker(s): setup %.2f s of worker "
	       "time in %u pass(es), %" PRIu64 " first frames refused "
	       "while a block was on its way (sent again; %" PRIu64
	       " ICMP 3/1), control thread granted %" PRIu64
	       " blocks for %" PRIu64 " requests (%" PRIu64
	       " unmet); tear-down %.2f s; bytes/session %.1f measured "
	       "(heap after fill), %.1f after init, %.1f accounted by "
	       "ct+pool (session tables %.1f, pools %.1f)\n", r->scale,
	       r->workers, r->setup_s, r->setup_passes, r->setup_drops,
	       r->setup_icmp, r->blocks_granted, r->block_requests,
	       r->block_unmet, r->teardown_s, r->bytes_heap,
	       r->bytes_heap_init, r->bytes_accounted, r->bytes_ct,
	       r->bytes_pool);
	if (r->workers > 1)
		print_summary_workers(r);
	printf("  session hash: %.2f%% / %.2f%% of the in2out / out2in "
	       "buckets full, %" PRIu64 " / %" PRIu64 " entries "
	       "spilled past their home bucket\n", r->bkt_full[0],
	       r->bkt_full[1], r->bkt_spilled[0], r->bkt_spilled[1]);
	if (!r->ok)
		printf("  ERRORS: %" PRIu64 " flows without a session "
		       "after setup; lost %" PRIu64 ", mistranslated %"
		       PRIu64 ", dropped %" PRIu64 ", unexpected %"
		       PRIu64 ", leaked %" PRIu64 " (sessions, mappings, "
		       "blocks, log lines), mbufs leaked %" PRIu64
		       ", counters not adding up %" PRIu64 ", blocks "
		       "lost %" PRIu64 ", endpoints given twice %"
		       PRIu64 ", blocks not owned by the subscriber's "
		       "worker %" PRIu64 "\n",
		       r->setup_failed, r->lost, r->bad, r->dropped,
		       r->unexpected, r->leaked, r->mbufs_leaked,
		       r->counter_errors, r->blocks_lost,
		       r->duplicates, r->owner_mismatch);
	for (d = 0; d < D_MAX; d++)
		for (k = 0; k < N_MEAS && r->has[d]; k++)
			if (!(r->ph[d][k].mpps > 0) ||
			    !isfinite(r->ph[d][k].mpps) ||
			    !(r->ph[d][k].cpp > 0))
				missing = true;
	if (!(r->floor.mpps > 0) || !(r->setup_rate > 0) ||
	    !(r->teardown_rate > 0) || !(r->bytes_heap > 0) ||
	    !(r->bytes_accounted > 0))
		missing = true;
	return missing;
}

/* The summary: the table again, then what each scenario did; true when
 * a figure is missing or zero.
 */
bool
print_summary(const struct result *res, unsigned int n)
{
	unsigned int i;
	bool missing = false;

	printf("\nsummary:\n");
	print_table(res, n);
	for (i = 0; i < n; i++)
		if (!res[i].skipped && print_summary_one(&res[i]))
			missing = true;
	return missing;
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_phase(FILE *f, const char *key, const struct phase_res *p,
	   double floor_mpps, bool last)
{
	fprintf(f, "     \"%s_mpps\": %.4f, \"%s_cyc_pkt\": %.2f, "
		"\"%s_cyc_pkt_mean\": %.2f, \"%s_cyc_pkt_p10\": %.2f, "
		"\"%s_cyc_pkt_p90\": %.2f, \"%s_frames\": %" PRIu64 ", "
		"\"%s_handed_off\": %" PRIu64 ", \"%s_ratio\": %.4f, "
		"\"%s_cyc_pkt_per_worker\": [%.2f, %.2f]%s\n",
		key, p->mpps, key, p->cpp, key, p->cpp_mean, key, p->p10, key,
		p->p90, key, p->pkts, key, p->handoff, key,
		ratio(p->mpps, floor_mpps), key, p->cpp_w[0], p->cpp_w[1],
		last ? "" : ",");
}

/* The machine the figures are from. */
static void
json_machine(FILE *f, const char *cpu, const char *eal_args)
{
	struct utsname un;
	time_t now = time(NULL);
	char ts[64];

	uname(&un);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "{\n  \"tool\": \"cgnat-bench\",\n  \"date\": \"%s\",\n",
		ts);
	fprintf(f, "  \"machine\": {\n    \"cpu\": ");
	json_str(f, cpu);
	fprintf(f, ",\n    \"cpus_online\": %ld,\n    \"tsc_hz\": %" PRIu64
		",\n    \"hugepages\": %s,\n    \"kernel\": ", sysconf(
		_SC_NPROCESSORS_ONLN), tsc_hz,
		using_hugepages() ? "true" : "false");
	json_str(f, un.release);
	fprintf(f, ",\n    \"dpdk\": ");
	json_str(f, rte_version());
	fprintf(f, ",\n    \"eal_args\": ");
	json_str(f, eal_args);
	fprintf(f, ",\n    \"lcores\": ");
	json_str(f, lcore_note);
}

/* How they were measured. */
static void
json_method(FILE *f, const struct opts *o, const char *skipped_default)
{
	fprintf(f, "\n  },\n  \"method\": {\n    \"frame_bytes\": 64,\n"
		"    \"flows_per_host\": %u,\n    \"seconds\": %g,\n"
		"    \"frames_per_timed_run\": %u,\n    \"smoke\": %s,\n"
		"    \"neighbours\": \"gateway: ARP answered through the "
		"control thread; subscribers: learned by the control thread "
		"from the workers' learn events during setup\",\n"
		"    \"order\": \"random permutation of the flows (a different "
		"one at setup and in the measured phases)\",\n"
		"    \"timed\": \"cgn_worker_poll() calls only (the tear-down: "
		"cgn_worker_age() calls); cyc_pkt is the median over timed "
		"runs of %u frames (p10, p90: percentiles of the same), "
		"cyc_pkt_mean all cycles over all frames; mpps = tsc_hz / "
		"cyc_pkt, summed over workers\",\n"
		"    \"mixed\": \"50%% in2out, 50%% out2in in every run\",\n"
		"    \"floor\": \"5-tuple swap (testpmd 5tswap) on "
		"the same ring ports\",\n    \"workers\": ",
		FLOWS_PER_HOST, o->seconds, CHUNK, o->smoke ? "true" : "false",
		CHUNK);
	json_str(f, workers_note);
	fprintf(f, ",\n    \"skipped_by_default\": ");
	json_str(f, skipped_default);
	fprintf(f, "\n  },\n  \"results\": [\n");
}

/* One result row: a scenario that ran, for distribution d. */
static void
json_row(FILE *f, const struct result *r, unsigned int d, bool last)
{
	unsigned int k;

	fprintf(f, "    {\"sessions\": %u, \"workers\": %u, "
		"\"distribution\": \"%s\", \"skipped\": false,\n"
		"     \"setup_msess_s\": %.4f, "
		"\"setup_msess_s_mean\": %.4f, "
		"\"teardown_msess_s\": %.4f,\n"
		"     \"setup_seconds\": %.3f, "
		"\"teardown_seconds\": %.3f, "
		"\"setup_passes\": %u, \"setup_refused\": %"
		PRIu64 ", \"setup_icmp\": %" PRIu64 ",\n"
		"     \"blocks_granted\": %" PRIu64 ", "
		"\"block_requests\": %" PRIu64 ", "
		"\"block_requests_unmet\": %" PRIu64 ", "
		"\"handoff_waits\": %" PRIu64 ",\n",
		r->scale, r->workers, dist_name[d],
		r->setup_rate / 1e6, r->setup_rate_mean / 1e6,
		r->teardown_rate / 1e6, r->setup_s,
		r->teardown_s, r->setup_passes, r->setup_drops,
		r->setup_icmp, r->blocks_granted,
		r->block_requests, r->block_unmet,
		r->handoff_waits);
	for (k = 0; k < N_MEAS; k++)
		json_phase(f, meas_key[k], &r->ph[d][k], r->floor.mpps, false);
	json_phase(f, "floor", &r->floor, r->floor.mpps, false);
	fprintf(f, "     \"handoff_pct\": %.2f,\n"
		"     \"bytes_per_session\": %.1f, "
		"\"bytes_per_session_after_init\": %.1f, "
		"\"bytes_per_session_accounted\": %.1f, "
		"\"bytes_per_session_ct\": %.1f, "
		"\"bytes_per_session_pool\": %.1f,\n"
		"     \"lost\": %" PRIu64 ", \"mistranslated\": %"
		PRIu64 ", \"dropped\": %" PRIu64
		", \"unexpected\": %" PRIu64 ", \"leaked\": %"
		PRIu64 ", \"duplicate_endpoints\": %" PRIu64
		", \"block_owner_mismatch\": %" PRIu64
		", \"counter_errors\": %" PRIu64
		", \"blocks_lost\": %" PRIu64
		", \"setup_failed\": %" PRIu64
		", \"mbufs_leaked\": %" PRIu64 ",\n"
		"     \"ct_buckets_full_pct\": [%.3f, %.3f], "
		"\"ct_spilled\": [%" PRIu64 ", %" PRIu64 "], "
		"\"log_lines\": %" PRIu64 ", \"ok\": %s}%s\n",
		handoff_pct(r, d), r->bytes_heap,
		r->bytes_heap_init, r->bytes_accounted,
		r->bytes_ct, r->bytes_pool, r->lost, r->bad, r->dropped,
		r->unexpected, r->leaked, r->duplicates, r->owner_mismatch,
		r->counter_errors, r->blocks_lost,
		r->setup_failed, r->mbufs_leaked,
		r->bkt_full[0], r->bkt_full[1],
		r->bkt_spilled[0], r->bkt_spilled[1],
		r->log_lines, r->ok ? "true" : "false",
		last ? "" : ",");
}

static int
write_json(const char *path, const struct opts *o, const struct result *res,
	   unsigned int n, const char *cpu, const char *eal_args,
	   const char *skipped_default)
{
	FILE *f = fopen(path, "w");
	unsigned int i, d, rows = 0, row = 0;

	if (f == NULL)
		return -1;
	for (i = 0; i < n; i++)
		for (d = 0; d < D_MAX; d++)
			rows += res[i].skipped ? d == 0 : res[i].has[d];
	json_machine(f, cpu, eal_args);
	json_method(f, o, skipped_default);
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		if (r->skipped) {
			fprintf(f, "    {\"sessions\": %u, \"workers\": %u, "
				"\"skipped\": true, \"why\": ", r->scale,
				r->workers);
			json_str(f, r->why);
			fprintf(f, "}%s\n", ++row < rows ? "," : "");
			continue;
		}
		for (d = 0; d < D_MAX; d++)
			if (r->has[d])
				json_row(f, r, d, ++row >= rows);
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f);
}

/* Plot the JSON file into o->png; false when that failed. */
static bool
plot(const struct opts *o, const char *json)
{
	const char *script = getenv("CGNAT_BENCH_PLOT");
	char cmd[3 * PATH_MAX];
	struct stat st;

	if (script == NULL)
		script = CGN_BENCH_PLOT;
	unlink(o->png);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' -o '%s'",
		 CGN_BENCH_PYTHON, script, json, o->png);
	if (system(cmd) != 0 || stat(o->png, &st) != 0 || st.st_size == 0) {
		fprintf(stderr, "cgnat-bench: plot failed: %s\n", cmd);
		return false;
	}
	printf("PNG: %s\n", o->png);
	return true;
}

/* --json and --png (the plot reads a JSON file: a temporary one without
 * --json). False when one of them could not be written.
 */
bool
write_outputs(const struct opts *o, const struct result *res, unsigned int n,
	      const char *cpu, const char *eal_args,
	      const char *skipped_default)
{
	char jpath[PATH_MAX];
	const char *json = o->json;
	bool ok = true;

	if (json == NULL && o->png != NULL) {
		snprintf(jpath, sizeof(jpath), "%s/results.json", tmpdir);
		json = jpath;
	}
	if (json != NULL) {
		if (write_json(json, o, res, n, cpu, eal_args,
			       skipped_default) != 0) {
			fprintf(stderr, "cgnat-bench: %s: %s\n", json,
				strerror(errno));
			ok = false;
		} else if (o->json != NULL) {
			printf("\nJSON: %s\n", json);
		}
	}
	if (o->png != NULL && json != NULL && !plot(o, json))
		ok = false;
	if (json == jpath)
		unlink(jpath);
	return ok;
}
