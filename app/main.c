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
#include "cgn_nat.h"

static struct cgn_nat g_nat;
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
	cgn_quit(&g_nat.ctx);
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

/* Every worker lcore must be enabled and not the main (control) one. */
static int
check_lcores(const char *conf)
{
	unsigned int i;

	for (i = 0; i < g_cfg.workers.n_lcores; i++) {
		unsigned int lc = g_cfg.workers.lcores[i];

		if (!rte_lcore_is_enabled(lc) || lc == rte_get_main_lcore()) {
			fprintf(stderr, "%s: workers.lcores: lcore %u is %s\n",
				conf, lc, lc == rte_get_main_lcore() ?
				"the main (control) lcore" :
				"not enabled in the EAL core list (-l)");
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL;
	bool interactive = false;
	struct cgn_cli *cli = NULL;
	char err[512];
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
	if (check_lcores(conf) != 0) {
		rte_eal_cleanup();
		return 2;
	}

	rc = cgn_nat_build(&g_nat, &g_cfg, &(struct cgn_nat_opts){
				   .lcore_socket = true, .telemetry = true },
			   err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		cgn_nat_free(&g_nat);
		rte_eal_cleanup();
		return rc;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	cgn_nat_launch(&g_nat);

	printf("cgnat: running: %u worker(s), inside %s, outside %s, "
	       "pool of %u addresses\n", g_nat.ctx.n_workers, g_cfg.inside.port,
	       g_cfg.outside.port, g_cfg.pool.n_addrs);
	fflush(stdout);

	if (interactive)
		cli = cgn_cli_start(&g_nat.ctx, &g_nat.ctrl);
	while (!cgn_quitting(&g_nat.ctx)) {
		cgn_ctrl_poll(&g_nat.ctrl, rte_rdtsc());
		if (cli != NULL && cgn_cli_poll(cli) != 0)
			break;
		rte_delay_us_sleep(cli != NULL ? 1000 : 200);
	}
	if (cli != NULL)
		cgn_cli_stop(cli);
	cgn_nat_stop(&g_nat, 0);
	cgn_nat_free(&g_nat);
	printf("cgnat: stopped\n");
	rte_eal_cleanup();
	return 0;
}
