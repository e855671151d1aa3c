/* SPDX-License-Identifier: BSD-3-Clause
 * The one command table (cgn_cmd.h): the topics' lists joined, the NAT the
 * commands act on, and a command's failure status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmdline_parse.h>
#include <rte_common.h>

#include "cgn_cmd.h"

#define CGN_CMD_MAX 256

static struct cgn_nat *g_nat;
static int g_failed;

/* Every topic's list; a topic adds its array here. */
static cmdline_parse_inst_t **const g_lists[] = {
	cgn_cmds_show,
};

static cmdline_parse_ctx_t g_ctx[CGN_CMD_MAX + 1];

void
cgn_cmd_set_nat(struct cgn_nat *nat)
{
	g_nat = nat;
}

struct cgn_nat *
cgn_cmd_nat(void)
{
	return g_nat;
}

void
cgn_cmd_error(struct cmdline *cl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cmdline_printf(cl, "error: %s\n", buf);
	g_failed = 1;
}

cmdline_parse_ctx_t *
cgn_cmd_ctx(void)
{
	unsigned int i, j, n = 0;

	if (g_ctx[0] != NULL)
		return g_ctx;
	for (i = 0; i < RTE_DIM(g_lists); i++)
		for (j = 0; g_lists[i][j] != NULL && n < CGN_CMD_MAX; j++)
			g_ctx[n++] = g_lists[i][j];
	g_ctx[n] = NULL;
	return g_ctx;
}

int
cgn_cmd_run(struct cmdline *cl, const char *line)
{
	char buf[1024];
	int rc;

	snprintf(buf, sizeof(buf), "%s\n", line);
	g_failed = 0;
	rc = cmdline_parse(cl, buf);
	if (rc == CMDLINE_PARSE_AMBIGUOUS)
		cgn_cmd_error(cl, "ambiguous command: %s", line);
	else if (rc == CMDLINE_PARSE_NOMATCH)
		cgn_cmd_error(cl, "unknown command: %s (try help)", line);
	else if (rc == CMDLINE_PARSE_BAD_ARGS)
		cgn_cmd_error(cl, "bad arguments: %s", line);
	return g_failed ? -1 : 0;
}
