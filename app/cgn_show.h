/* SPDX-License-Identifier: BSD-3-Clause
 * What the CLI and telemetry show: both call these, so they always agree.
 * Callers run on the control or telemetry thread and only read what the
 * workers write (see docs/ARCHITECTURE.md).
 */
#ifndef CGN_SHOW_H
#define CGN_SHOW_H

#include <stdint.h>

#include "cgn.h"
#include "cgn_ctrl.h"
#include "ct_session.h"

typedef void (*cgn_kv_fn)(void *arg, const char *key, uint64_t val);

/* Counters of one worker (worker >= 0) or the total (worker < 0). */
void cgn_show_stats(const struct cgn_ctx *ctx, const struct cgn_ctrl *ctrl,
		    int worker, cgn_kv_fn fn, void *arg);
/* Pool and port-block use. */
void cgn_show_pool(const struct cgn_ctx *ctx, cgn_kv_fn fn, void *arg);
/* Sessions by protocol and TCP state. */
void cgn_show_sessions(const struct cgn_ctx *ctx, cgn_kv_fn fn, void *arg);

/*
 * RFC 7422 in deterministic mode: f1 (port < 0: the outside address and
 * port range of inside address addr) or f2 (the inside address of outside
 * addr:port). Addresses host order. Writes one line; 0, or -1 with the
 * reason in buf.
 */
int cgn_show_det(const struct cgn_ctx *ctx, uint32_t addr, int port,
		 char *buf, size_t len);

/* Visit up to max live sessions (a snapshot copy of each). */
typedef void (*cgn_sess_fn)(void *arg, unsigned int worker,
			    const struct ct_session *s);
unsigned int cgn_walk_sessions(const struct cgn_ctx *ctx, unsigned int max,
			       cgn_sess_fn fn, void *arg);

#endif /* CGN_SHOW_H */
