/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include <rte_rwlock.h>
#include <rte_telemetry.h>

#include "cgn_show.h"
#include "cgn_telemetry.h"

/*
 * The NAT the handlers read, NULL while there is none. DPDK's telemetry
 * thread runs the handlers and cannot unregister them, so each holds the
 * read lock for its whole run and cgn_telemetry_detach() takes the write
 * lock: once it returns, no handler reads the NAT, which may be freed.
 */
static rte_rwlock_t t_lock = RTE_RWLOCK_INITIALIZER;
static struct cgn_ctx *t_ctx;
static struct cgn_ctrl *t_ctrl;

typedef int (*tel_fn)(const char *params, struct rte_tel_data *d);

/* Run fn on the attached NAT; -ENODEV when there is none. */
static int
guarded(tel_fn fn, const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	rte_rwlock_read_lock(&t_lock);
	if (t_ctx != NULL)
		rc = fn(params, d);
	rte_rwlock_read_unlock(&t_lock);
	return rc;
}

#define TEL_HANDLER(name)						\
	static int name##_(const char *params, struct rte_tel_data *d); \
	static int							\
	name(const char *cmd, const char *params, struct rte_tel_data *d) \
	{								\
		(void)cmd;						\
		return guarded(name##_, params, d);			\
	}

static void
add_kv(void *arg, const char *key, uint64_t val)
{
	rte_tel_data_add_dict_u64(arg, key, val);
}

TEL_HANDLER(tel_stats)

static int
tel_stats_(const char *params, struct rte_tel_data *d)
{
	int worker = -1;

	if (params != NULL && *params != '\0') {
		char *end;
		long w = strtol(params, &end, 10);

		if (*end != '\0' || w < 0 || w >= (long)t_ctx->n_workers)
			return -EINVAL;
		worker = (int)w;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", t_ctx->n_workers);
	cgn_show_stats(t_ctx, worker < 0 ? t_ctrl : NULL, worker, add_kv, d);
	return 0;
}

TEL_HANDLER(tel_sessions)

static int
tel_sessions_(const char *params, struct rte_tel_data *d)
{
	if (params != NULL && *params != '\0')
		return -EINVAL;
	rte_tel_data_start_dict(d);
	cgn_show_sessions(t_ctx, add_kv, d);
	return 0;
}

TEL_HANDLER(tel_pool)

static int
tel_pool_(const char *params, struct rte_tel_data *d)
{
	if (params != NULL && *params != '\0')
		return -EINVAL;
	rte_tel_data_start_dict(d);
	cgn_show_pool(t_ctx, add_kv, d);
	return 0;
}

/* /cgnat/deterministic,A.B.C.D[,PORT]: RFC 7422 f1 or f2. */
TEL_HANDLER(tel_det)

static int
tel_det_(const char *params, struct rte_tel_data *d)
{
	char buf[64], line[128], *comma, *end;
	struct in_addr a;
	long port = -1;
	int rc;

	if (params == NULL || strlen(params) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", params);
	comma = strchr(buf, ',');
	if (comma != NULL) {
		*comma = '\0';
		port = strtol(comma + 1, &end, 10);
		if (*end != '\0' || port < 0 || port > 65535)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	rc = cgn_show_det(t_ctx, ntohl(a.s_addr), (int)port, line,
			  sizeof(line));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, rc == 0 ? "mapping" : "error", line);
	return 0;
}

static void
register_cmds(void)
{
	rte_telemetry_register_cmd("/cgnat/stats", tel_stats,
		"Counters: rx, tx, consumed, dropped and drop_<reason>; "
		"rx = tx + consumed + dropped. Parameter: worker id (optional)");
	rte_telemetry_register_cmd("/cgnat/sessions", tel_sessions,
		"Sessions by protocol and TCP state. No parameters");
	rte_telemetry_register_cmd("/cgnat/deterministic", tel_det,
		"RFC 7422: ,INSIDE_ADDR gives f1 (outside address and ports); "
		",OUTSIDE_ADDR,PORT gives f2 (inside address)");
	rte_telemetry_register_cmd("/cgnat/pool", tel_pool,
		"Pool addresses and port-block use. No parameters");
}

void
cgn_telemetry_attach(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl)
{
	static bool registered;

	rte_rwlock_write_lock(&t_lock);
	t_ctx = ctx;
	t_ctrl = ctrl;
	rte_rwlock_write_unlock(&t_lock);
	if (!registered)
		register_cmds();
	registered = true;
}

void
cgn_telemetry_detach(void)
{
	rte_rwlock_write_lock(&t_lock);
	t_ctx = NULL;
	t_ctrl = NULL;
	rte_rwlock_write_unlock(&t_lock);
}
