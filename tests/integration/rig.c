/* SPDX-License-Identifier: BSD-3-Clause
 * The rig (rig.h): the process, the configuration, a NAT built and freed
 * with app/cgn_nat.h's lifecycle.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "ct_table.h"
#include "rig.h"

const struct rte_ether_addr MAC_GW = {{ 0x02, 0, 0, 0, 0x02, 0x01 }};
const struct rte_ether_addr MAC_H1 = {{ 0x02, 0, 0, 0, 0x01, 0x02 }};
const struct rte_ether_addr MAC_H2 = {{ 0x02, 0, 0, 0, 0x01, 0x03 }};
const struct rte_ether_addr MAC_H5 = {{ 0x02, 0, 0, 0, 0x01, 0x05 }};
const struct rte_ether_addr MAC_BCAST = {{ 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff }};
const struct rte_ether_addr MAC_OTHER = {{ 0x02, 0, 0, 0, 0x09, 0x09 }};
const struct rte_ether_addr MAC_ZERO;
const struct rte_ether_addr MAC_NAT[CGN_SIDES] = {
	{{ 0x02, 0, 0, 0, 0xa0, 0x00 }},
	{{ 0x02, 0, 0, 0, 0xa0, 0x01 }},
};

unsigned int g_nw = 1;
struct rte_ring *rig_rxr[CGN_SIDES][RIG_MAXQ];
struct rte_ring *rig_txr[CGN_SIDES][RIG_MAXQ];
uint16_t rig_port_id[CGN_SIDES];
uint64_t g_handoff_in, g_handoff_out;
struct rig g_rig;

/* The ethdev names rte_eth_from_rings() gave the ports (in the config). */
static char dev_name[CGN_SIDES][RTE_ETH_NAME_MAX_LEN];
/* The queue count came from CGN_IT_WORKERS: check the handoffs at the end. */
static bool check_handoffs;

/* ------------------------------------------------------------------ */
/* The process.                                                        */

static int
ports_create(const char *tag, unsigned int nq)
{
	unsigned int s, q;

	for (s = 0; s < CGN_SIDES; s++) {
		char nm[RTE_RING_NAMESIZE];
		int id;

		for (q = 0; q < nq; q++) {
			snprintf(nm, sizeof(nm), "%s_rx%u_%u", tag, s, q);
			rig_rxr[s][q] = rte_ring_create(nm, RIG_RING, 0, 0);
			snprintf(nm, sizeof(nm), "%s_tx%u_%u", tag, s, q);
			rig_txr[s][q] = rte_ring_create(nm, RIG_RING, 0, 0);
			if (rig_rxr[s][q] == NULL || rig_txr[s][q] == NULL) {
				fprintf(stderr, "rig: rings\n");
				return -1;
			}
		}
		snprintf(nm, sizeof(nm), "%s_%s", tag,
			 s == S_IN ? "inside" : "outside");
		id = rte_eth_from_rings(nm, rig_rxr[s], nq, rig_txr[s], nq, 0);
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

/* The number of queues: p->nq, else CGN_IT_WORKERS, else 1. */
static int
queues(const struct rig_proc *p)
{
	const char *env = getenv("CGN_IT_WORKERS");

	if (p->nq != 0) {
		g_nw = p->nq;
	} else if (env != NULL) {
		g_nw = (unsigned int)strtoul(env, NULL, 0);
		check_handoffs = true;
		printf("%u worker(s)\n", g_nw);
	}
	if (g_nw < 1 || g_nw > RIG_MAXQ) {
		fprintf(stderr, "workers (CGN_IT_WORKERS): 1 to %u\n",
			RIG_MAXQ);
		return -1;
	}
	return 0;
}

int
rig_main(const char *argv0, const struct rig_proc *p)
{
	char prefix[32];
	char *eal[] = {
		(char *)(uintptr_t)argv0, "--no-huge", "-m", "512", "--no-pci",
		"--no-shconf", "--log-level=lib.eal:error",
		"--log-level=lib.ethdev:error", "--log-level=user1:error",
		"--file-prefix", prefix,
		p->lcores ? "--lcores" : "-l",
		(char *)(uintptr_t)(p->lcores ? p->lcores : "0"),
		"--no-telemetry",
	};
	int n = (int)RTE_DIM(eal) - (p->telemetry ? 1 : 0);
	uint64_t seed;

	if (queues(p) != 0)
		return 1;
	pcap_open();
	snprintf(prefix, sizeof(prefix), "%s%d", p->tag, (int)getpid());
	if (rte_eal_init(n, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	/* Ports and blocks are drawn with rte_rand(): make a run
	 * reproducible; CGN_IT_SEED picks another one. */
	seed = getenv("CGN_IT_SEED") ? strtoull(getenv("CGN_IT_SEED"),
						 NULL, 0) : 1;
	rte_srand(seed);
	printf("rte_srand(%" PRIu64 ") (set CGN_IT_SEED to change)\n", seed);
	return ports_create(p->tag, g_nw) != 0;
}

int
rig_main_end(int k)
{
	char path[PATH_MAX];

	/*
	 * With CGN_IT_WORKERS=2, handoffs must have happened in the run
	 * (else the queue spreading of rig_assert.c's inject_raw() tested
	 * nothing of them), as many taken as given.
	 */
	if (check_handoffs && g_nw > 1) {
		printf("handoffs in the run: in %" PRIu64 ", out %" PRIu64 "\n",
		       g_handoff_in, g_handoff_out);
		if (g_handoff_in == 0 || g_handoff_in != g_handoff_out) {
			fprintf(stderr, "FAILED: no handoff in the run, or "
				"handoff_in != handoff_out\n");
			if (k == 0)
				k = 1;
		}
	}
	/* Leave nothing behind in /var/run/dpdk. */
	snprintf(path, sizeof(path), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(path);
	return k;
}

/* ------------------------------------------------------------------ */
/* The configuration.                                                  */

static void
write_pool(FILE *f, const struct rig_opts *o)
{
	fprintf(f, "pool: {\n\taddresses = [\"%s\"];\n",
		o->pool ? o->pool : "203.0.113.0/29");
	/* Deterministic mode derives pool.ports (RFC 7422's dynamic pool). */
	if (o->det)
		fprintf(f, "\tmode = \"deterministic\";\n");
	else
		fprintf(f, "\tports = \"%s\";\n",
			o->ports ? o->ports : "1024-65535");
	fprintf(f, "\tblock_size = %u;\n\tmax_blocks_per_subscriber = %u;\n"
		"\tmapping = \"endpoint-independent\";\n"
		"\tfiltering = \"%s\";\n\thairpinning = true;\n",
		o->block_size ? o->block_size : 256,
		o->max_blocks ? o->max_blocks : 8,
		o->filtering ? o->filtering : "endpoint-independent");
	/* Hold-down (A8) and port preservation have tests of their own;
	 * elsewhere a released port is free at once and ports are random,
	 * unless the test keeps the config's defaults. */
	if (!o->pool_defaults)
		fprintf(f, "\thold_down = %u;\n\tport_preservation = %s;\n",
			o->hold_down, o->preserve ? "true" : "false");
	fprintf(f, "%s\n};\n", o->pool_extra ? o->pool_extra : "");
}

static int
write_config(struct rig *r, const struct rig_opts *o)
{
	FILE *f = fopen(r->conf, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "inside: {\n\tmtu = %u;\n\tport = \"%s\";\n"
		"\taddress = \"100.64.0.1/10\";\n"
		"\tsubscribers = [\"100.64.0.0/10\"];\n};\n"
		"outside: {\n\tmtu = %u;\n\tport = \"%s\";\n"
		"\taddress = \"198.51.100.2/24\";\n"
		"\tgateway = \"198.51.100.1\";\n};\n",
		o->inside_mtu ? o->inside_mtu : 1500, dev_name[S_IN],
		o->outside_mtu ? o->outside_mtu : 1500, dev_name[S_OUT]);
	write_pool(f, o);
	fprintf(f, "timeouts: {\n\tudp = %u;\n\ttcp_established = 7440;\n"
		"\ttcp_transitory = 240;\n\ticmp = 60;\n\t%s\n};\n"
		"limits: {\n\tsessions_per_subscriber = %u;\n"
		"\tmax_sessions = %u;\n};\n"
		"workers: {\n\tlcores = [%s];\n};\n"
		"logging: {\n\tfile = \"%s\";\n};\n"
		"fragments: {\n\tmax = %u;\n\ttimeout = %u;\n};\n",
		o->udp_timeout ? o->udp_timeout : 300,
		o->timeouts_extra ? o->timeouts_extra : "",
		o->sessions_per_sub ? o->sessions_per_sub : 4096,
		o->max_sessions ? o->max_sessions : 65536,
		o->lcores ? o->lcores : g_nw == 1 ? "1" : "1, 2", r->log,
		o->frag_max ? o->frag_max : 4096,
		o->frag_timeout ? o->frag_timeout : 2);
	if (o->extra)
		fprintf(f, "%s\n", o->extra);
	if (!o->no_static)
		fprintf(f, "static: (\n"
			"\t{ proto = \"tcp\"; inside = \"100.64.0.5:8080\"; "
			"outside = \"203.0.113.1:80\"; }\n);\n");
	return fclose(f);
}

/* ------------------------------------------------------------------ */
/* A NAT.                                                              */

static int
load_config(struct rig *r, const struct rig_opts *o)
{
	char err[512];

	snprintf(r->dir, sizeof(r->dir), "/tmp/cgn-it-XXXXXX");
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
	if (r->cfg.workers.n_lcores > g_nw) {
		fprintf(stderr, "rig: %u workers, ports have %u queues\n",
			r->cfg.workers.n_lcores, g_nw);
		return -1;
	}
	return 0;
}

/* Every session timeout of every worker shortened (rig_opts). */
static int
short_timeouts(struct rig *r, unsigned int ms)
{
	unsigned int i, c;

	for (i = 0; i < r->nw; i++)
		for (c = 0; c < CT_TO_MAX; c++)
			if (ct_set_timeout(r->wk[i]->nat.ct, (enum ct_timeout)c,
					   r->hz * ms / 1000) != 0)
				return -1;
	return 0;
}

int
rig_build(struct rig *r, const struct rig_opts *o)
{
	static const struct rig_opts defaults;
	struct cgn_nat_opts no = {
		/* As the old rigs: 65536 (cgn_nat's default for 65536
		 * sessions, but also for max_sessions below it). */
		.neigh_entries = 65536,
		.link_mac = { &MAC_NAT[S_IN], &MAC_NAT[S_OUT] },
		/* The ring ethdevs are made once per process. */
		.keep_ports = true,
	};
	char err[512];
	unsigned int s, i;

	memset(r, 0, sizeof(*r));
	r->opts = o != NULL ? *o : defaults;
	r->ctx = &r->nat.ctx;
	r->ctrl = &r->nat.ctrl;
	if (load_config(r, &r->opts) != 0)
		return -1;
	r->hz = rte_get_tsc_hz();
	r->now = 1000 * r->hz;
	no.now = r->now;
	no.telemetry = r->opts.telemetry;
	rig_drain_port_rings();
	r->nat_open = true;
	if (cgn_nat_open_ports(&r->nat, &r->cfg, &no, err, sizeof(err)) != 0 ||
	    cgn_nat_build_tables(&r->nat, &no, err, sizeof(err)) != 0) {
		fprintf(stderr, "rig: %s\n", err);
		return -1;
	}
	for (s = 0; s < CGN_SIDES; s++)
		if (r->ctx->link[s].port_id != rig_port_id[s])
			return -1;
	r->nw = r->ctx->n_workers;
	for (i = 0; i < r->nw; i++)
		r->wk[i] = r->ctx->workers[i];
	r->w = r->wk[0];
	if (r->opts.short_timeout_ms != 0 &&
	    short_timeouts(r, r->opts.short_timeout_ms) != 0)
		return -1;
	/* The control thread's ARP requests wait on worker 0's TX ring;
	 * they are sent and freed on the first poll. */
	r->mp_base = rte_mempool_in_use_count(r->ctx->mp) -
		     rte_ring_count(r->w->tx_ring);
	return 0;
}

unsigned int
rig_free(struct rig *r)
{
	unsigned int i, out = 0;
	char cmd[128];

	for (i = 0; i < r->nw; i++) {
		g_handoff_in += r->wk[i]->nat.stats.handoff_in;
		g_handoff_out += r->wk[i]->nat.stats.handoff_out;
	}
	if (r->nat_open) {
		cgn_nat_stop(&r->nat, r->now);
		/* What the NAT sent or was not given: mbufs of its pool,
		 * which cgn_nat_free() releases. */
		rig_drain_port_rings();
		out = cgn_nat_free(&r->nat);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%.63s'", r->dir);
	if (r->dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", r->dir);
	memset(r, 0, sizeof(*r));
	return out;
}
