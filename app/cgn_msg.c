/* SPDX-License-Identifier: BSD-3-Clause
 * Control thread -> worker requests (cgn_msg.h).
 *
 * A message is malloc'ed by the poster and changes state once each way:
 * QUEUED -> RUNNING -> DONE by the worker, or QUEUED -> WITHDRAWN by a
 * poster that stopped waiting. Whoever sees the other side's last state
 * frees it: the poster after DONE, the worker after WITHDRAWN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "cgn_msg.h"
#include "cgn_worker.h"

enum { MSG_QUEUED, MSG_RUNNING, MSG_DONE, MSG_WITHDRAWN };

struct cgn_msg {
	cgn_msg_fn fn;
	void *arg;
	int rc;
	uint32_t state;
};

int
cgn_msg_init(struct cgn_ctx *ctx, char *err, size_t errlen)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int k;

	for (k = 0; k < ctx->n_workers; k++) {
		snprintf(name, sizeof(name), "cgn_msg%u", k);
		ctx->msg_ring[k] = rte_ring_create(name, CGN_MSG_RING,
						   SOCKET_ID_ANY,
						   RING_F_SP_ENQ |
						   RING_F_SC_DEQ);
		if (ctx->msg_ring[k] == NULL) {
			snprintf(err, errlen, "cannot make ring %s: %s", name,
				 rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

void
cgn_msg_fini(struct cgn_ctx *ctx)
{
	struct cgn_msg *m;
	unsigned int k;

	for (k = 0; k < CGN_MAX_WORKERS; k++) {
		if (ctx->msg_ring[k] == NULL)
			continue;
		/* Whatever is left was withdrawn or will be. */
		while (rte_ring_dequeue(ctx->msg_ring[k], (void **)&m) == 0) {
			uint32_t q = MSG_QUEUED;

			m->rc = -ECANCELED;
			if (!__atomic_compare_exchange_n(&m->state, &q,
					MSG_DONE, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
				free(m);
		}
		rte_ring_free(ctx->msg_ring[k]);
		ctx->msg_ring[k] = NULL;
	}
}

struct cgn_msg *
cgn_msg_post(struct cgn_ctx *ctx, unsigned int k, cgn_msg_fn fn, void *arg)
{
	struct cgn_msg *m;

	if (k >= ctx->n_workers || ctx->msg_ring[k] == NULL)
		return NULL;
	m = malloc(sizeof(*m));
	if (m == NULL)
		return NULL;
	*m = (struct cgn_msg){ .fn = fn, .arg = arg, .state = MSG_QUEUED };
	if (rte_ring_sp_enqueue(ctx->msg_ring[k], m) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

int
cgn_msg_wait(struct cgn_msg *m, unsigned int timeout_ms)
{
	uint64_t end = rte_get_timer_cycles() +
		       rte_get_timer_hz() * timeout_ms / 1000;
	uint32_t st;
	int rc;

	for (;;) {
		st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		if (st == MSG_DONE)
			break;
		if (st == MSG_QUEUED && rte_get_timer_cycles() > end) {
			/* Withdraw it; if the worker took it meanwhile, it
			 * is running and bounded: wait for it. */
			if (__atomic_compare_exchange_n(&m->state, &st,
					MSG_WITHDRAWN, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return -ETIMEDOUT;
		}
		rte_pause();
	}
	rc = m->rc;
	free(m);
	return rc;
}

int
cgn_msg_call(struct cgn_ctx *ctx, unsigned int k, cgn_msg_fn fn, void *arg,
	     unsigned int timeout_ms)
{
	struct cgn_msg *m = cgn_msg_post(ctx, k, fn, arg);

	if (m == NULL)
		return -EBUSY;
	return cgn_msg_wait(m, timeout_ms);
}

void
cgn_msg_run(struct cgn_worker *w, uint64_t now)
{
	struct rte_ring *r = w->ctx->msg_ring[w->id];
	struct cgn_msg *m;
	unsigned int i;

	for (i = 0; i < CGN_MSG_PER_TICK; i++) {
		uint32_t q = MSG_QUEUED;

		if (r == NULL || rte_ring_sc_dequeue(r, (void **)&m) != 0)
			return;
		if (!__atomic_compare_exchange_n(&m->state, &q, MSG_RUNNING,
				false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			free(m); /* withdrawn */
			continue;
		}
		m->rc = m->fn(w, m->arg, now);
		__atomic_store_n(&m->state, MSG_DONE, __ATOMIC_RELEASE);
	}
}
