/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat-bench: the real NAT (control thread, block manager, workers,
 * handoff rings) at full speed, without a NIC.
 *
 *   cgnat-bench [EAL options --] [--scales LIST] [--seconds S]
 *               [--workers LIST] [--json FILE] [--png FILE] [--huge]
 *               [--profile MODE] [--smoke]
 *
 * The NAT is built with the calls app/main.c uses (app/cgn_nat.h, from
 * bench_setup.c), from a generated libconfig file, on two ethdevs made
 * with rte_eth_from_rings() (inside, outside; one RX and one TX queue per
 * worker); the pools start empty: the control thread's block manager
 * gives each worker its first blocks and grants the rest on demand. It is
 * torn down with the same lifecycle.
 *
 * Threads as in the application: the main lcore is the control thread
 * (cgn_ctrl_poll() every 200 us, as main.c's loop), worker k runs on its
 * own lcore. Each worker lcore is also its queue's traffic generator: it
 * fills its RX rings with crafted 64-byte UDP frames (60 bytes + FCS),
 * runs cgn_worker_poll() (rx burst -> parse -> dispatch to the owner ->
 * lookup/create -> translate -> tx burst; handoff rings from the other
 * workers; the control tx ring; the aging sweep and block exchange every
 * ms; exactly the loop of cgn_worker_main()) until the frames are gone,
 * then takes the frames the worker sent off its TX rings, checks every one
 * of them and rewrites them into the next frames. Only cgn_worker_poll()
 * calls are timed.
 *
 * With 2 workers there are two traffic distributions:
 *   rss     the generator puts each inside frame on the queue of its
 *           subscriber's owner (cgn_sub_owner()) and each outside frame on
 *           the queue of its port block's owner (ctx->block_owner), as a
 *           NIC with RSS on the source address / rte_flow on port ranges
 *           would: nothing is handed off;
 *   spread  each flow sits on a random queue (a NIC hashing the 5-tuple,
 *           unaware of the owners): about half of the frames go through a
 *           handoff ring to the owner, which shows what a handoff costs.
 *
 * Method (RFC 9693; FD.io CSIT NAT44 tests): a preliminary phase creates
 * the sessions (63 UDP flows per subscriber host to one remote endpoint,
 * visited in a random order, all workers at once with the control thread
 * granting port blocks; timed: the session setup rate), then measured
 * phases of established traffic (in2out, out2in, 50/50 mixed), the flows
 * visited in a second, independent random permutation so that neither the
 * session array nor the hash buckets are walked sequentially, then a timed
 * tear-down (cgn_worker_age() with a clock past every timeout).
 *
 * The floor: a 5-tuple swap forwarder (what dpdk-testpmd --forward-mode=
 * 5tswap does: parse L2-L4, swap MACs, addresses and ports, no table, no
 * checksum) on the same ring ports and lcores, timed the same way.
 *
 * This file: arguments, EAL, the scenario loop. See bench.h for the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "bench.h"

uint64_t tsc_hz;
unsigned int scenario_no;
char tmpdir[64];
char lcore_note[256];

static void
usage(const char *prog)
{
	printf(
"Usage: %s [EAL options --] [options]\n"
"\n"
"Drives the cgnat data path (control thread, block manager, workers,\n"
"handoff rings; cgn_worker_poll) on ethdev ports made from rings, with\n"
"crafted 64-byte UDP frames; no NIC needed. For each session count and\n"
"number of workers: session setup rate, established in2out / out2in /\n"
"mixed Mpps and cycles per packet (with 2 workers for two traffic\n"
"distributions: rss, every frame on its owner's queue, and spread, every\n"
"flow on a random queue), tear-down rate, bytes of memory per session,\n"
"and a 5-tuple-swap forwarder on the same ports as the floor.\n"
"\n"
"Options:\n"
"  --scales LIST   session counts, comma separated, multiples of 126\n"
"                  (63 flows per subscriber host, hosts split over 2 workers)\n"
"                  (default 64512,258048,1032192; 4128768 and 16515072\n"
"                  are opt-in: they need several GiB and minutes)\n"
"  --seconds S     length of each measured phase (default 1)\n"
"  --workers LIST  1, 2 or 1,2 (default 1,2)\n"
"  --json FILE     write the results as JSON\n"
"  --png FILE      plot them (runs %s %s)\n"
"  --huge          default EAL options with hugepages instead of --no-huge\n"
"  --profile MODE  setup, in2out, out2in or mixed: under valgrind\n"
"                  --tool=callgrind --collect-atstart=no, count only that\n"
"                  phase's timed polls (rss distribution); prints the frames\n"
"                  (sessions) they handled\n"
"  --smoke         a few seconds, small scales, exit 1 on any error\n"
"  -h, --help      this text\n"
"\n"
"Without EAL options it uses: --no-pci --no-shconf --no-telemetry\n"
"--file-prefix bench<pid> --no-huge -m <sized for the largest scale>, and\n"
"lcores 0 (main: the control thread), 1 and 2 (workers): -l 0-2 with 3\n"
"CPUs or more, else --lcores 0@0,1@1,2@0 (worker 2 shares CPU 0 with the\n"
"control thread, which sleeps 200 us between polls). With EAL options the\n"
"workers run on the first lcores after the main one.\n"
"Exit status: 0 all measured and correct, 1 errors (lost or mistranslated\n"
"frames, drops, counters that do not add up, leaks, a scale that could\n"
"not run in --smoke), 2 bad arguments.\n",
	       prog, CGN_BENCH_PYTHON, CGN_BENCH_PLOT);
}

static int
parse_list(const char *s, uint32_t *out, unsigned int max, unsigned int *n)
{
	char *end;

	*n = 0;
	while (*s) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > UINT32_MAX || *n == max)
			return -1;
		out[(*n)++] = (uint32_t)v;
		if (*end == ',')
			end++;
		else if (*end != 0)
			return -1;
		s = end;
	}
	return *n ? 0 : -1;
}

static int
parse_workers(const char *arg, struct opts *o)
{
	uint32_t wl[4];
	unsigned int i, nwl;

	if (parse_list(arg, wl, 4, &nwl) != 0 || nwl > MAX_WORKERS)
		goto bad_workers;
	for (i = 0; i < nwl; i++) {
		if (wl[i] < 1 || wl[i] > MAX_WORKERS)
			goto bad_workers;
		o->workers[i] = wl[i];
	}
	o->n_workers = nwl;
	return 0;
bad_workers:
	fprintf(stderr, "--workers: 1, 2 or 1,2\n");
	return -1;
}

static int
parse_profile(const char *arg, struct opts *o)
{
	unsigned int i;

	for (i = 0; i < N_MEAS; i++)
		if (strcmp(arg, meas_key[i]) == 0)
			o->profile = (int)i;
	if (strcmp(arg, "setup") == 0)
		o->profile = N_MEAS;
	if (o->profile < 0) {
		fprintf(stderr, "--profile: setup, in2out, out2in or mixed\n");
		return -1;
	}
	return 0;
}

/* The defaults that depend on --smoke; the scales are checked. */
static int
opts_finish(struct opts *o, bool seconds_given)
{
	unsigned int i;

	if (o->smoke) {
		if (!o->scales_given) {
			o->scales[0] = 4032;   /* 64 hosts */
			o->scales[1] = 16128;  /* 256 hosts */
			o->n_scales = 2;
		}
		if (!seconds_given)
			o->seconds = 0.1;
	} else if (!o->scales_given) {
		o->scales[0] = 64512;
		o->scales[1] = 258048;
		o->scales[2] = 1032192;
		o->n_scales = 3;
	}
	for (i = 0; i < o->n_scales; i++)
		if (o->scales[i] % (FLOWS_PER_HOST * MAX_WORKERS) != 0 ||
		    o->scales[i] / FLOWS_PER_HOST > (1u << 21)) {
			fprintf(stderr, "--scales: %u is not a multiple of %u "
				"(63 flows per host, split over 2 workers) "
				"or has more hosts than the bench can place "
				"in 100.64.0.0/10\n",
				o->scales[i], FLOWS_PER_HOST * MAX_WORKERS);
			return -1;
		}
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "scales", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "json", required_argument, NULL, 'j' },
		{ "png", required_argument, NULL, 'p' },
		{ "huge", no_argument, NULL, 'H' },
		{ "profile", required_argument, NULL, 'P' },
		{ "smoke", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool seconds_given = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->seconds = 1.0;
	o->workers[0] = 1;
	o->workers[1] = 2;
	o->n_workers = 2;
	o->profile = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_list(optarg, o->scales, MAX_SCALES,
				       &o->n_scales) != 0) {
				fprintf(stderr, "--scales: a comma-separated "
					"list of positive integers\n");
				return -1;
			}
			o->scales_given = true;
			break;
		case 't':
			o->seconds = strtod(optarg, NULL);
			if (!(o->seconds > 0 && o->seconds <= 3600)) {
				fprintf(stderr, "--seconds: 0 < S <= 3600\n");
				return -1;
			}
			seconds_given = true;
			break;
		case 'w':
			if (parse_workers(optarg, o) != 0)
				return -1;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'p':
			o->png = optarg;
			break;
		case 'H':
			o->huge = true;
			break;
		case 'P':
			if (parse_profile(optarg, o) != 0)
				return -1;
			break;
		case 'S':
			o->smoke = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	return opts_finish(o, seconds_given);
}

static uint64_t
mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

/* EAL memory a scale needs: measured 117-131 bytes a session at 1M and
 * more (210-284 at 64,512, fixed costs), and slack. */
#define EST_BYTES_PER_SESSION 160
/* Free hugepage memory (any size) in bytes. */
static uint64_t
huge_free(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/mm/hugepages/hugepages-2048kB",
		"/sys/kernel/mm/hugepages/hugepages-1048576kB",
	};
	static const uint64_t sz[] = { 2ULL << 20, 1ULL << 30 };
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(dirs); i++) {
		char path[128];
		unsigned long long v;
		FILE *f;

		snprintf(path, sizeof(path), "%s/free_hugepages", dirs[i]);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%llu", &v) == 1)
			n += v * sz[i];
		fclose(f);
	}
	return n;
}

static uint64_t
mem_needed(uint32_t scale)
{
	return (uint64_t)scale * EST_BYTES_PER_SESSION + (256ULL << 20);
}

/* The lcores of the workers: the first ones after the main lcore. */
static unsigned int
worker_lcores(unsigned int *lc, unsigned int max)
{
	unsigned int n = 0, l;

	RTE_LCORE_FOREACH_WORKER(l) {
		if (n == max)
			break;
		lc[n++] = l;
	}
	return n;
}

/* The EAL's arguments and the buffers they point into. */
struct eal_cmd {
	char *argv[64];
	int argc;
	char mbuf[32], prefix[64], lcmap[64];
	char joined[1024];      /* for the header and the JSON */
};

/* The default lcores: 0 the control thread, 1 and 2 the workers. */
static void
eal_default_lcores(struct eal_cmd *e, long ncpu)
{
	unsigned int k;

	if (ncpu > MAX_WORKERS) {
		snprintf(e->lcmap, sizeof(e->lcmap), "0-%u", MAX_WORKERS);
		e->argv[e->argc++] = (char *)"-l";
		snprintf(lcore_note, sizeof(lcore_note), "-l %s: lcore 0 "
			 "control thread, 1 and 2 workers, each on its own "
			 "CPU", e->lcmap);
	} else {
		/* lcore k on CPU k mod ncpu: with 2 CPUs worker 1 has CPU 1
		 * to itself, worker 2 shares CPU 0 with the control thread.
		 */
		e->lcmap[0] = 0;
		for (k = 0; k <= MAX_WORKERS; k++)
			snprintf(e->lcmap + strlen(e->lcmap),
				 sizeof(e->lcmap) - strlen(e->lcmap),
				 "%s%u@%u", k ? "," : "", k,
				 k % (unsigned int)RTE_MAX(ncpu, 1L));
		e->argv[e->argc++] = (char *)"--lcores";
		snprintf(lcore_note, sizeof(lcore_note), "only %ld CPUs: "
			 "--lcores %s: lcore 0 control thread (sleeps 200 us "
			 "between polls), lcores 1 and 2 workers; worker 2 "
			 "shares a CPU with the control thread", ncpu,
			 e->lcmap);
	}
	e->argv[e->argc++] = e->lcmap;
}

/* The EAL options given before "--", or the defaults (see usage()). */
static void
eal_cmd_make(struct eal_cmd *e, char **argv, int dashdash,
	     const struct opts *o, uint32_t max_scale, uint64_t avail)
{
	uint64_t need = mem_needed(max_scale) + (256ULL << 20);
	int i;

	e->argc = 0;
	e->argv[e->argc++] = argv[0];
	if (dashdash > 1) {
		for (i = 1; i < dashdash && e->argc < 63; i++)
			e->argv[e->argc++] = argv[i];
		snprintf(lcore_note, sizeof(lcore_note), "from the EAL "
			 "options given; main lcore: control thread, workers "
			 "on the next lcores");
	} else {
		snprintf(e->prefix, sizeof(e->prefix), "bench%d",
			 (int)getpid());
		eal_default_lcores(e, sysconf(_SC_NPROCESSORS_ONLN));
		e->argv[e->argc++] = (char *)"--no-pci";
		e->argv[e->argc++] = (char *)"--no-shconf";
		e->argv[e->argc++] = (char *)"--no-telemetry";
		e->argv[e->argc++] = (char *)"--file-prefix";
		e->argv[e->argc++] = e->prefix;
		if (!o->huge) {
			/* Pages are touched lazily: never ask for more than
			 * the machine has free.
			 */
			if (avail > 0 && need > avail * 85 / 100)
				need = avail * 85 / 100;
			need = RTE_MAX(need, 1024ULL << 20);
			snprintf(e->mbuf, sizeof(e->mbuf), "%" PRIu64,
				 need >> 20);
			e->argv[e->argc++] = (char *)"--no-huge";
			e->argv[e->argc++] = (char *)"-m";
			e->argv[e->argc++] = e->mbuf;
		}
	}
	e->argv[e->argc] = NULL;
	e->joined[0] = 0;
	for (i = 1; i < e->argc; i++) {
		strncat(e->joined, e->argv[i],
			sizeof(e->joined) - strlen(e->joined) - 2);
		if (i + 1 < e->argc)
			strcat(e->joined, " ");
	}
}

/* Bench options: after "--", or all of them when there is none. Returns
 * the index of "--" (-1: none), or -2 on bad options.
 */
static int
bench_args(int argc, char **argv, struct opts *o)
{
	int dashdash = -1, i, bench_argc;
	char **bench_argv, *save;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}
	if (dashdash >= 0) {
		bench_argc = argc - dashdash;
		bench_argv = argv + dashdash;
	} else {
		bench_argc = argc;
		bench_argv = argv;
	}
	save = bench_argv[0];
	bench_argv[0] = argv[0];
	if (parse_opts(bench_argc, bench_argv, o) != 0) {
		usage(argv[0]);
		return -2;
	}
	bench_argv[0] = save;
	return dashdash;
}

/* A scale that does not fit in the memory EAL has or could get. */
static bool
too_big(uint32_t scale, unsigned int nw, uint64_t avail, struct result *r)
{
	/* With hugepages the heap grows on demand. */
	uint64_t hfree = heap_free() + (using_hugepages() ? huge_free() : 0);

	if (mem_needed(scale) <= hfree &&
	    (using_hugepages() || avail == 0 || mem_needed(scale) <= avail))
		return false;
	memset(r, 0, sizeof(*r));
	r->scale = scale;
	r->workers = nw;
	r->skipped = true;
	snprintf(r->why, sizeof(r->why), "needs about %.1f GiB; EAL has %.1f "
		 "GiB free, the machine %.1f GiB (give EAL more with -m, or "
		 "free hugepages)", (double)mem_needed(scale) / (1 << 30),
		 (double)hfree / (1 << 30), (double)avail / (1 << 30));
	return true;
}

/* Every number of workers, every scale; true when one failed. */
static bool
run_all(const struct opts *o, const unsigned int *lcores, uint64_t avail,
	struct result *res, unsigned int *n_res)
{
	unsigned int si, wi;
	bool failed = false;

	for (wi = 0; wi < o->n_workers; wi++) {
		for (si = 0; si < o->n_scales; si++) {
			struct result *r = &res[(*n_res)++];

			if (!too_big(o->scales[si], o->workers[wi], avail, r))
				run_scenario(o, o->scales[si], o->workers[wi],
					     lcores, r);
			print_table(r, 1);
			fflush(stdout);
			if (r->skipped || !r->ok)
				failed = failed || o->smoke || !r->skipped;
		}
	}
	return failed;
}

/* Header lines about the machine and what is skipped by default. */
static void
say_start(const struct opts *o, const char *cpu, const char *eal_args,
	  uint64_t avail, char *skipped_default, size_t len)
{
	print_header(cpu);
	printf("EAL: %s\n", eal_args);
	if (!o->scales_given && !o->smoke) {
		snprintf(skipped_default, len,
			 "4128768 and 16515072 sessions: opt in with --scales "
			 "(need about %.1f and %.1f GiB of EAL memory, this "
			 "machine has %.1f GiB available; and minutes)",
			 (double)mem_needed(4128768) / (1 << 30),
			 (double)mem_needed(16515072) / (1 << 30),
			 (double)avail / (1 << 30));
		printf("skipped by default: %s\n", skipped_default);
	}
	printf("\n");
	fflush(stdout);
}

/* Remove the temporary files and EAL's runtime directory; stop EAL. */
static void
clean_up(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bench.conf", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/mappings.log", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	/* EAL leaves its (empty, with --no-shconf) runtime directory
	 * behind: remove it, so runs do not pile them up.
	 */
	snprintf(path, sizeof(path), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(path);
}

/* EAL up, enough lcores, the TSC, the temporary directory: 0, or the exit
 * status.
 */
static int
eal_up(struct eal_cmd *e, const struct opts *o, unsigned int *lcores)
{
	unsigned int wi, n_lc;

	if (rte_eal_init(e->argc, e->argv) < 0) {
		fprintf(stderr, "cgnat-bench: EAL initialisation failed "
			"(%s): %s\n", e->joined, rte_strerror(rte_errno));
		return 1;
	}
	n_lc = worker_lcores(lcores, MAX_WORKERS);
	for (wi = 0; wi < o->n_workers; wi++)
		if (o->workers[wi] > n_lc) {
			fprintf(stderr, "cgnat-bench: %u workers need %u "
				"lcores besides the main one (EAL -l), have "
				"%u\n", o->workers[wi], o->workers[wi], n_lc);
			rte_eal_cleanup();
			return 2;
		}
	tsc_hz = rte_get_tsc_hz();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cgnat-bench.%d",
		 (int)getpid());
	if (mkdir(tmpdir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "cgnat-bench: %s: %s\n", tmpdir,
			strerror(errno));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct eal_cmd e;
	static struct result res[MAX_SCALES * MAX_WORKERS];
	char cpu[256], skipped_default[256] = "";
	unsigned int n_res = 0, si, lcores[MAX_WORKERS];
	uint32_t max_scale = 0;
	struct opts o;
	bool failed;
	uint64_t avail;
	int dashdash, rc;

	dashdash = bench_args(argc, argv, &o);
	if (dashdash == -2)
		return 2;
	for (si = 0; si < o.n_scales; si++)
		max_scale = RTE_MAX(max_scale, o.scales[si]);
	avail = mem_available();
	eal_cmd_make(&e, argv, dashdash, &o, max_scale, avail);
	rc = eal_up(&e, &o, lcores);
	if (rc != 0)
		return rc;
	cpu_model(cpu, sizeof(cpu));
	say_start(&o, cpu, e.joined, avail, skipped_default,
		  sizeof(skipped_default));

	failed = run_all(&o, lcores, avail, res, &n_res);
	if (print_summary(res, n_res))
		failed = true;
	if (!write_outputs(&o, res, n_res, cpu, e.joined, skipped_default))
		failed = true;
	clean_up();
	if (failed)
		printf("\ncgnat-bench: FAILED (see above)\n");
	return failed ? 1 : 0;
}
