/* SPDX-License-Identifier: BSD-3-Clause
 * DPDK telemetry commands: /cgnat/stats[,WORKER], /cgnat/sessions,
 * /cgnat/pool. Handlers run on the telemetry thread and only read.
 */
#ifndef CGN_TELEMETRY_H
#define CGN_TELEMETRY_H

#include "cgn.h"
#include "cgn_ctrl.h"

void cgn_telemetry_init(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl);

#endif /* CGN_TELEMETRY_H */
