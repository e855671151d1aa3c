/* SPDX-License-Identifier: BSD-3-Clause
 * Interactive prompt (DPDK cmdline), polled from the control loop.
 */
#ifndef CGN_CLI_H
#define CGN_CLI_H

#include "cgn.h"
#include "cgn_ctrl.h"

struct cgn_cli;

struct cgn_cli *cgn_cli_start(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl);
/* Non-zero once the user asked to quit (or stdin closed). */
int cgn_cli_poll(struct cgn_cli *cli);
void cgn_cli_stop(struct cgn_cli *cli);

#endif /* CGN_CLI_H */
