/* SPDX-License-Identifier: BSD-3-Clause
 * DPDK telemetry commands: /cgnat/stats[,WORKER], /cgnat/sessions,
 * /cgnat/pool. Handlers run on the telemetry thread and only read.
 */
#ifndef CGN_TELEMETRY_H
#define CGN_TELEMETRY_H

#include "cgn.h"
#include "cgn_ctrl.h"

/* Serve /cgnat/... from this NAT (the commands are registered once per
 * process: DPDK cannot unregister them). */
void cgn_telemetry_attach(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl);
/* Stop serving it: when this returns no handler reads it any more, and
 * the handlers answer -ENODEV until the next attach. */
void cgn_telemetry_detach(void);

#endif /* CGN_TELEMETRY_H */
