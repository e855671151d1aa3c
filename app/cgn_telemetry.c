/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "cgn_show.h"
#include "cgn_telemetry.h"

static struct cgn_ctx *t_ctx;
static struct cgn_ctrl *t_ctrl;

static void
add_kv(void *arg, const char *key, uint64_t val)
{
	rte_tel_data_add_dict_u64(arg, key, val);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int worker = -1;

	(void)cmd;
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

static int
tel_sessions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params != NULL && *params != '\0')
		return -EINVAL;
	rte_tel_data_start_dict(d);
	cgn_show_sessions(t_ctx, add_kv, d);
	return 0;
}

static int
tel_pool(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params != NULL && *params != '\0')
		return -EINVAL;
	rte_tel_data_start_dict(d);
	cgn_show_pool(t_ctx, add_kv, d);
	return 0;
}

/* /cgnat/deterministic,A.B.C.D[,PORT]: RFC 7422 f1 or f2. */
static int
tel_det(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[64], line[128], *comma, *end;
	struct in_addr a;
	long port = -1;
	int rc;

	(void)cmd;
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

void
cgn_telemetry_init(struct cgn_ctx *ctx, struct cgn_ctrl *ctrl)
{
	t_ctx = ctx;
	t_ctrl = ctrl;
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
