/* SPDX-License-Identifier: BSD-3-Clause
 * Requests from the control thread to a worker: "run this function on
 * your lcore, on your own tables". Everything a worker owns (its session
 * table, pool, copies of the configuration, trace buffer) keeps one
 * writer: the worker. The control thread (CLI, control socket, reload)
 * posts a message on the worker's message ring; the worker runs it in its
 * 1 ms tick, never on the packet path, and marks it done.
 *
 * A function run this way must do bounded work (walk at most a given
 * number of sessions, resume from a cursor next time): it runs between two
 * bursts and delays that worker's packets by as long as it takes.
 *
 *   struct my_args a = { ... };
 *   rc = cgn_msg_call(ctx, k, my_fn, &a, CGN_MSG_TIMEOUT_MS);
 *
 * my_fn(w, &a, now) runs on worker k; cgn_msg_call() returns its value,
 * or -ETIMEDOUT when worker k did not take the message in time (it is then
 * withdrawn and never runs: a stuck or stopped worker cannot hold the
 * caller, and the caller's arguments are not touched after it returns).
 */
#ifndef CGN_MSG_H
#define CGN_MSG_H

#include <stdint.h>

#include "cgn.h"

#define CGN_MSG_RING 64          /* messages waiting, per worker */
#define CGN_MSG_PER_TICK 4       /* messages a worker runs per tick */
#define CGN_MSG_TIMEOUT_MS 500   /* the usual wait in cgn_msg_call() */

/* Runs on the worker's lcore; its return value is the call's. */
typedef int (*cgn_msg_fn)(struct cgn_worker *w, void *arg, uint64_t now);

/* The message ring of each worker (control -> worker k, SP/SC). */
int cgn_msg_init(struct cgn_ctx *ctx, char *err, size_t errlen);
void cgn_msg_fini(struct cgn_ctx *ctx);

/* Control side: run fn(w, arg) on worker k and wait for it (see above).
 * With the workers not launched (a test polling them itself), use
 * cgn_msg_post() / cgn_msg_wait() around the polls instead. */
int cgn_msg_call(struct cgn_ctx *ctx, unsigned int k, cgn_msg_fn fn,
		 void *arg, unsigned int timeout_ms);

struct cgn_msg;
/* Post without waiting; NULL when the ring is full or out of memory. */
struct cgn_msg *cgn_msg_post(struct cgn_ctx *ctx, unsigned int k,
			     cgn_msg_fn fn, void *arg);
/* Wait up to timeout_ms for a posted message; its value or -ETIMEDOUT
 * (withdrawn). The message is freed either way. */
int cgn_msg_wait(struct cgn_msg *m, unsigned int timeout_ms);

/* Worker side, in its tick: run up to CGN_MSG_PER_TICK messages. */
void cgn_msg_run(struct cgn_worker *w, uint64_t now);

#endif /* CGN_MSG_H */
