/* SPDX-License-Identifier: BSD-3-Clause
 * Interactive prompt. Each command is a result struct, its tokens and an
 * instance with a help string (the testpmd way); callbacks only format
 * what cgn_show.c returns, the same data telemetry serves.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_ipaddr.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <rte_cycles.h>

#include "cgn_cli.h"
#include "cgn_cmd.h"
#include "cgn_show.h"
#include "cgn_worker.h"
#include "ct_tcp.h"

#define MAX_SHOWN 64

struct cgn_cli {
	struct cmdline *cl;
	struct cgn_ctx *ctx;
	struct cgn_ctrl *ctrl;
	/* "clear stats" keeps a baseline; the counters themselves have one
	 * writer each and are never reset by another thread.
	 */
	char base_keys[256][48];
	uint64_t base_vals[256];
	unsigned int n_base;
};

static struct cgn_cli g_cli;

static uint64_t
baseline(const char *key)
{
	unsigned int i;

	for (i = 0; i < g_cli.n_base; i++)
		if (strcmp(g_cli.base_keys[i], key) == 0)
			return g_cli.base_vals[i];
	return 0;
}

static void
print_kv(void *arg, const char *key, uint64_t val)
{
	struct cmdline *cl = arg;

	val -= baseline(key);
	/* Zero drop counters are noise at the prompt. */
	if (val == 0 && strncmp(key, "drop_", 5) == 0)
		return;
	cmdline_printf(cl, "  %-28s %" PRIu64 "\n", key, val);
}

static void
print_plain(void *arg, const char *key, uint64_t val)
{
	cmdline_printf(arg, "  %-28s %" PRIu64 "\n", key, val);
}

static void
save_kv(void *arg, const char *key, uint64_t val)
{
	(void)arg;
	if (g_cli.n_base == RTE_DIM(g_cli.base_keys))
		return;
	snprintf(g_cli.base_keys[g_cli.n_base], sizeof(g_cli.base_keys[0]),
		 "%s", key);
	g_cli.base_vals[g_cli.n_base++] = val;
}

/* show stats | show pool | show sessions | clear stats */
struct cmd_show_result {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t what;
};

static void
print_session(void *arg, unsigned int worker, const struct ct_session *s)
{
	struct cmdline *cl = arg;
	char in[INET_ADDRSTRLEN], out[INET_ADDRSTRLEN], rem[INET_ADDRSTRLEN];
	const struct ct_table *t = g_cli.ctx->workers[worker]->nat.ct;
	uint64_t idle = ct_session_idle(t, s, rte_rdtsc()) / g_cli.ctx->tsc_hz;

	inet_ntop(AF_INET, &s->in_addr, in, sizeof(in));
	inet_ntop(AF_INET, &s->out_addr, out, sizeof(out));
	inet_ntop(AF_INET, &s->rem_addr, rem, sizeof(rem));
	cmdline_printf(cl, "  w%u %-4s %s:%u -> %s:%u  remote %s:%u  %s  "
		       "idle %" PRIu64 "s\n",
		       worker, s->proto == 6 ? "tcp" : s->proto == 17 ? "udp" :
		       "icmp", in, ntohs(s->in_port), out, ntohs(s->out_port),
		       rem, ntohs(s->rem_port),
		       s->proto == 6 ? ct_tcp_state_name(s->state) : "-",
		       idle);
}

static void
cmd_show_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_result *r = parsed;
	unsigned int n;

	(void)data;
	if (strcmp(r->verb, "clear") == 0) {
		if (strcmp(r->what, "stats") != 0) {
			cmdline_printf(cl, "only 'clear stats'\n");
			return;
		}
		g_cli.n_base = 0;
		cgn_show_stats(g_cli.ctx, g_cli.ctrl, -1, save_kv, NULL);
		cmdline_printf(cl, "counters cleared (for this prompt only; "
			       "telemetry keeps the totals)\n");
		return;
	}
	if (strcmp(r->what, "stats") == 0) {
		cmdline_printf(cl, "Totals (drop_* counters that are zero are "
			       "not shown):\n");
		cgn_show_stats(g_cli.ctx, g_cli.ctrl, -1, print_kv, cl);
		for (n = 0; n < g_cli.ctx->n_workers && g_cli.ctx->n_workers > 1;
		     n++) {
			cmdline_printf(cl, "Worker %u:\n", n);
			cgn_show_stats(g_cli.ctx, NULL, (int)n, print_plain, cl);
		}
	} else if (strcmp(r->what, "pool") == 0) {
		cmdline_printf(cl, "Pool:\n");
		cgn_show_pool(g_cli.ctx, print_plain, cl);
	} else {
		cmdline_printf(cl, "Sessions:\n");
		cgn_show_sessions(g_cli.ctx, print_plain, cl);
		n = cgn_walk_sessions(g_cli.ctx, MAX_SHOWN, print_session, cl);
		if (n == MAX_SHOWN)
			cmdline_printf(cl, "  (first %u shown)\n", MAX_SHOWN);
	}
}

static cmdline_parse_token_string_t cmd_show_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_show_result, verb, "show#clear");
static cmdline_parse_token_string_t cmd_show_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_result, what,
				 "stats#sessions#pool");

static cmdline_parse_inst_t cmd_show = {
	.f = cmd_show_parsed,
	.help_str = "show stats|sessions|pool: counters, sessions, pool use; "
		    "clear stats: zero the counters shown here",
	.tokens = { (void *)&cmd_show_verb, (void *)&cmd_show_what, NULL },
};

/* show deterministic A.B.C.D [PORT]: RFC 7422 f1 and f2 */
struct cmd_det_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t det;
	cmdline_ipaddr_t addr;
	uint16_t port;
};

static void
cmd_det_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_det_result *r = parsed;
	char line[128];

	cgn_show_det(g_cli.ctx, ntohl(r->addr.addr.ipv4.s_addr),
		     data != NULL ? (int)r->port : -1, line, sizeof(line));
	cmdline_printf(cl, "%s\n", line);
}

static cmdline_parse_token_string_t cmd_det_show =
	TOKEN_STRING_INITIALIZER(struct cmd_det_result, show, "show");
static cmdline_parse_token_string_t cmd_det_det =
	TOKEN_STRING_INITIALIZER(struct cmd_det_result, det, "deterministic");
static cmdline_parse_token_ipaddr_t cmd_det_addr =
	TOKEN_IPV4_INITIALIZER(struct cmd_det_result, addr);
static cmdline_parse_token_num_t cmd_det_port =
	TOKEN_NUM_INITIALIZER(struct cmd_det_result, port, RTE_UINT16);

static cmdline_parse_inst_t cmd_det_f1 = {
	.f = cmd_det_parsed,
	.data = NULL,
	.help_str = "show deterministic <inside address>: RFC 7422 f1, its "
		    "outside address and port range",
	.tokens = { (void *)&cmd_det_show, (void *)&cmd_det_det,
		    (void *)&cmd_det_addr, NULL },
};

static cmdline_parse_inst_t cmd_det_f2 = {
	.f = cmd_det_parsed,
	.data = (void *)1,
	.help_str = "show deterministic <outside address> <port>: RFC 7422 "
		    "f2, the inside address",
	.tokens = { (void *)&cmd_det_show, (void *)&cmd_det_det,
		    (void *)&cmd_det_addr, (void *)&cmd_det_port, NULL },
};

/* help | quit */
struct cmd_word_result {
	cmdline_fixed_string_t word;
};

static void
cmd_word_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_word_result *r = parsed;

	(void)data;
	if (strcmp(r->word, "quit") == 0) {
		cmdline_quit(cl);
		return;
	}
	cmdline_printf(cl,
		"Commands (TAB completes, ? lists):\n"
		"  show stats      packets received, sent, consumed, dropped by\n"
		"                  reason; sessions, mappings, blocks; ARP\n"
		"  show sessions   sessions by protocol and TCP state, and the\n"
		"                  first %u sessions\n"
		"  show pool       addresses, port blocks used and free\n"
		"  show deterministic A.B.C.D [PORT]\n"
		"                  RFC 7422: an inside address's outside\n"
		"                  address and ports (f1), or the inside\n"
		"                  address of an outside one and port (f2)\n"
		"  clear stats     zero the counters shown at this prompt\n"
		"  help            this text\n"
		"  quit            stop cgnat (like SIGTERM)\n", MAX_SHOWN);
}

static cmdline_parse_token_string_t cmd_word_word =
	TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "help#quit");

static cmdline_parse_inst_t cmd_word = {
	.f = cmd_word_parsed,
	.help_str = "help: list the commands; quit: stop cgnat",
	.tokens = { (void *)&cmd_word_word, NULL },
};

cmdline_parse_inst_t *cgn_cmds_show[] = {
	(cmdline_parse_inst_t *)&cmd_show,
	(cmdline_parse_inst_t *)&cmd_word,
	(cmdline_parse_inst_t *)&cmd_det_f1,
	(cmdline_parse_inst_t *)&cmd_det_f2,
	NULL,
};

struct cgn_cli *
cgn_cli_start(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl)
{
	g_cli.ctx = ctx;
	g_cli.ctrl = ctrl;
	g_cli.cl = cmdline_stdin_new(cgn_cmd_ctx(), "cgnat> ");
	if (g_cli.cl == NULL)
		return NULL;
	return &g_cli;
}

int
cgn_cli_poll(struct cgn_cli *cli)
{
	int st = cmdline_poll(cli->cl);

	return st == RDLINE_EXITED || st < 0;
}

void
cgn_cli_stop(struct cgn_cli *cli)
{
	cmdline_stdin_exit(cli->cl);
	cli->cl = NULL;
}
