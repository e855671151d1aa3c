/* SPDX-License-Identifier: BSD-3-Clause
 * The command set: one table, served by the `-i` prompt (stdin) and by
 * every connection of the control socket (cgnat-cli). A command is a DPDK
 * cmdline instance (result struct, tokens, help string: the testpmd way);
 * each topic keeps its commands in a file of its own and lists them in a
 * NULL-terminated array declared here; cgn_cmd.c joins the lists into the
 * one context both ways in use.
 *
 * Callbacks run on the control thread (the main lcore). They read what
 * workers publish (counters, gauges) and change what a worker owns only
 * through cgn_msg_call() (cgn_msg.h). They print with cmdline_printf(cl,
 * ...) and report a failure with cgn_cmd_error(), which makes cgnat-cli
 * exit non-zero.
 */
#ifndef CGN_CMD_H
#define CGN_CMD_H

#include <cmdline.h>
#include <cmdline_parse.h>

struct cgn_nat;

/* The topics' lists (NULL-terminated). */
extern cmdline_parse_inst_t *cgn_cmds_show[];   /* cgn_cmd_show.c */
extern cmdline_parse_inst_t *cgn_cmds_set[];    /* cgn_cmd_set.c */
extern cmdline_parse_inst_t *cgn_cmds_trace[];  /* cgn_cmd_trace.c */
extern cmdline_parse_inst_t *cgn_cmds_log[];    /* cgn_cmd_log.c */

/* The NAT the commands act on (set once, before any command runs). */
void cgn_cmd_set_nat(struct cgn_nat *nat);
struct cgn_nat *cgn_cmd_nat(void);

/* The joined table (built on first use). */
cmdline_parse_ctx_t *cgn_cmd_ctx(void);

/* Run one command line on cl (output on cl's output); 0, or -1 when it
 * did not parse or the command reported an error. */
int cgn_cmd_run(struct cmdline *cl, const char *line);

/* Print "error: ..." on cl and mark the command as failed. */
void cgn_cmd_error(struct cmdline *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* CGN_CMD_H */
