/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat: carrier-grade NAT (NAPT44) on DPDK.
 *
 *   cgnat [EAL options] -- -f FILE [-i]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "cgn.h"
#include "cgn_cli.h"
#include "cgn_ctrl.h"
#include "cgn_port.h"
#include "cgn_telemetry.h"
#include "cgn_worker.h"
#include "ct_table.h"
#include "nat_pool.h"

static struct cgn_ctx g_ctx;
static struct cgn_config g_cfg;

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- -f FILE [-i]\n"
	       "\n"
	       "Carrier-grade NAT (NAPT44) between an inside port (subscribers)\n"
	       "and an outside port, configured by a libconfig FILE (see\n"
	       "config/cgnat.conf for every key).\n"
	       "\n"
	       "Options after --:\n"
	       "  -f, --config FILE   configuration file (required)\n"
	       "  -i, --interactive   interactive prompt: show stats, show sessions,\n"
	       "                      show pool, clear stats, help, quit\n"
	       "  -h, --help          this text\n"
	       "\n"
	       "Without -i it runs until SIGINT or SIGTERM, then stops the workers,\n"
	       "flushes the mapping log and exits 0. Counters are also served by\n"
	       "DPDK telemetry: /cgnat/stats, /cgnat/sessions, /cgnat/pool\n"
	       "(dpdk-telemetry.py -f PREFIX).\n"
	       "\n"
	       "EAL options: the usual ones, e.g.\n"
	       "  -l 0-1 --file-prefix cgn --vdev net_af_packet0,iface=in0 \\\n"
	       "  --vdev net_af_packet1,iface=out0   (see %s --help for all)\n"
	       "The main lcore is the control thread; workers.lcores in the\n"
	       "config lists the worker lcores, which -l must include.\n"
	       "Exit codes: 0 normal stop, 1 start-up failure, 2 bad\n"
	       "configuration or arguments.\n",
	       prog, prog);
}

static void
on_signal(int sig)
{
	(void)sig;
	cgn_quit(&g_ctx);
}

static int
parse_args(int argc, char **argv, const char **conf, bool *interactive)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:ih", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			*conf = optarg;
			break;
		case 'i':
			*interactive = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc || *conf == NULL)
		return -1;
	return 0;
}

static void
stop_and_flush(struct cgn_ctrl *ctrl)
{
	unsigned int i;

	cgn_quit(&g_ctx);
	rte_eal_mp_wait_lcore();
	/* Close every session so the log gets its block-release lines. */
	for (i = 0; i < g_ctx.n_workers; i++) {
		struct cgn_worker *w = g_ctx.workers[i];

		cgn_worker_close_all(w, rte_rdtsc());
		cgn_worker_flush(w);
	}
	cgn_ctrl_poll(ctrl, rte_rdtsc());
	cgn_ctrl_fini(ctrl);
}

int
main(int argc, char **argv)
{
	const char *conf = NULL;
	bool interactive = false;
	struct cgn_ctrl ctrl;
	struct cgn_cli *cli = NULL;
	char err[512];
	struct timespec ts;
	unsigned int i;
	int n, rc;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(argv[0]);
			return 0;
		}
	}
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "cgnat: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	argv[0] = argv[-n];
	if (parse_args(argc, argv, &conf, &interactive) != 0) {
		usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	if (cgn_config_load(conf, &g_cfg, err, sizeof(err)) != 0 ||
	    cgn_config_check_ports(&g_cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rte_eal_cleanup();
		return 2;
	}
	for (i = 0; i < g_cfg.workers.n_lcores; i++) {
		unsigned int lc = g_cfg.workers.lcores[i];

		if (!rte_lcore_is_enabled(lc) || lc == rte_get_main_lcore()) {
			fprintf(stderr, "%s: workers.lcores: lcore %u is %s\n",
				conf, lc, lc == rte_get_main_lcore() ?
				"the main (control) lcore" :
				"not enabled in the EAL core list (-l)");
			rte_eal_cleanup();
			return 2;
		}
	}

	g_ctx.cfg = &g_cfg;
	g_ctx.tsc_hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &ts);
	g_ctx.start_tsc = rte_rdtsc();
	g_ctx.start_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
			 (uint64_t)ts.tv_nsec;
	g_ctx.n_workers = g_cfg.workers.n_lcores;

	rc = cgn_ports_init(&g_ctx, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "cgnat: %s\n", err);
		rte_eal_cleanup();
		return 1;
	}
	/* On-link subscribers each need an entry; CSIT-like loads put 63
	 * sessions on a host.
	 */
	if (cgn_neigh_init(&g_ctx.neigh,
			   RTE_MAX(65536u, g_cfg.limits.max_sessions / 16 + 1024),
			   (int)rte_socket_id()) != 0) {
		fprintf(stderr, "cgnat: cannot allocate the neighbour table\n");
		return 1;
	}
	g_ctx.log_ring = rte_ring_create_elem("cgn_log",
		sizeof(struct nat_log_event), 65536, (int)rte_socket_id(),
		RING_F_SC_DEQ);
	if (g_ctx.log_ring == NULL) {
		fprintf(stderr, "cgnat: cannot create the log ring\n");
		return 1;
	}
	if (cgn_shared_init(&g_ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "cgnat: %s\n", err);
		return 1;
	}
	for (i = 0; i < g_ctx.n_workers; i++) {
		unsigned int lc = g_cfg.workers.lcores[i];
		int socket = (int)rte_lcore_to_socket_id(lc);
		struct cgn_worker *w;

		w = rte_zmalloc_socket("cgn_worker", sizeof(*w),
				       RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL || cgn_worker_init(w, &g_ctx, i, socket) != 0) {
			fprintf(stderr, "cgnat: worker %u: out of memory "
				"(limits.max_sessions too large for the memory "
				"given to EAL?)\n", i);
			return 1;
		}
		w->lcore = lc;
		g_ctx.workers[i] = w;
	}
	for (i = 0; i < g_ctx.n_workers; i++)
		if (cgn_worker_add_statics(g_ctx.workers[i], err,
					   sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
	if (cgn_ctrl_init(&ctrl, &g_ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (cgn_blocks_init(&ctrl, &g_ctx) != 0) {
		fprintf(stderr, "cgnat: cannot allocate the block manager\n");
		return 1;
	}
	cgn_telemetry_init(&g_ctx, &ctrl);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	rc = cgn_ports_start(&g_ctx, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "cgnat: %s\n", err);
		return 1;
	}
	for (i = 0; i < g_ctx.n_workers; i++)
		rte_eal_remote_launch(cgn_worker_main, g_ctx.workers[i],
				      g_ctx.workers[i]->lcore);

	printf("cgnat: running: %u worker(s), inside %s, outside %s, "
	       "pool of %u addresses\n", g_ctx.n_workers, g_cfg.inside.port,
	       g_cfg.outside.port, g_cfg.pool.n_addrs);
	fflush(stdout);

	if (interactive)
		cli = cgn_cli_start(&g_ctx, &ctrl);
	while (!cgn_quitting(&g_ctx)) {
		cgn_ctrl_poll(&ctrl, rte_rdtsc());
		if (cli != NULL && cgn_cli_poll(cli) != 0)
			break;
		rte_delay_us_sleep(cli != NULL ? 1000 : 200);
	}
	if (cli != NULL)
		cgn_cli_stop(cli);

	stop_and_flush(&ctrl);
	cgn_ports_stop(&g_ctx);
	for (i = 0; i < g_ctx.n_workers; i++) {
		cgn_worker_fini(g_ctx.workers[i]);
		rte_free(g_ctx.workers[i]);
	}
	cgn_blocks_fini(&ctrl);
	cgn_shared_fini(&g_ctx);
	cgn_neigh_fini(&g_ctx.neigh);
	rte_ring_free(g_ctx.log_ring);
	printf("cgnat: stopped\n");
	rte_eal_cleanup();
	return 0;
}
