/* SPDX-License-Identifier: BSD-3-Clause
 * The configuration schema: every key of the configuration file, its
 * type, range, default, field and a one-line doc (see cgn_config_schema.h).
 * config/cgnat.conf documents each key at length; tests/unit checks that it
 * names every key of this table and no other.
 *
 * The order is the file's: a group, then its keys. Within a group, keys are
 * parsed, listed in "unknown key" messages and written in this order.
 */
#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>

#include "cgn_config_int.h"

#define MAX_SESSIONS_LIMIT (1u << 27)
#define TIMEOUT_MAX INT32_MAX
#define PORTS_PER_SUB_MAX (CGN_MAX_BLOCKS_PER_SUB * 65536)
#define RATE_MAX 1000000
#define FRAG_MAX (1u << 20)
#define FRAG_TIMEOUT_MAX 60

_Static_assert(sizeof(enum cgn_mapping) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cgn_filtering) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cgn_pool_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cgn_syn_policy) == sizeof(int), "enum size");

static const char *const mapping_names[] = {
	[CGN_MAP_EIM] = "endpoint-independent",
	[CGN_MAP_APDM] = "address-and-port-dependent",
	NULL,
};

static const char *const filtering_names[] = {
	[CGN_FILTER_EIF] = "endpoint-independent",
	[CGN_FILTER_ADF] = "address-dependent",
	[CGN_FILTER_APDF] = "address-and-port-dependent",
	NULL,
};

static const char *const mode_names[] = {
	[CGN_POOL_DYNAMIC] = "dynamic",
	[CGN_POOL_DETERMINISTIC] = "deterministic",
	NULL,
};

static const char *const syn_names[] = {
	[CGN_SYN_DROP] = "drop",
	[CGN_SYN_ICMP] = "icmp",
	NULL,
};

static const char *const proto_names[] = { "tcp", "udp", NULL };
static const int proto_vals[] = { IPPROTO_TCP, IPPROTO_UDP };

#define CFG_OFF(m) offsetof(struct cgn_config, m)
#define CFG_SIZE(m) sizeof(((struct cgn_config *)0)->m)
#define STATIC_OFF(m) offsetof(struct cgn_static_map, m)
#define STATIC_SIZE(m) sizeof(((struct cgn_static_map *)0)->m)

/* Key n of group g (string literals), of type t. */
#define KEY(g, n, t) .path = g "." n, .group = g, .name = n, .type = (t)
#define TOP(n, t) .path = n, .group = "", .name = n, .type = (t)
/* Its field(s) in struct cgn_config. */
#define FIELD(m) .off = CFG_OFF(m), .size = CFG_SIZE(m)
#define AUX(m) .aux_off = CFG_OFF(m), .aux_size = CFG_SIZE(m)
/* An integer key g.n filling cfg->g.n. */
#define UINT(g, n, lo, hi) \
	KEY(#g, #n, CGN_KT_UINT), FIELD(g.n), .min = (lo), .max = (hi)
/* An integer key with an RFC minimum. */
#define RFC_UINT(g, n, lo, hi, rfc) UINT(g, n, lo, hi), .why = (rfc)
#define BOOL(g, n) KEY(#g, #n, CGN_KT_BOOL), FIELD(g.n)
#define ENUM(g, n, nm) KEY(#g, #n, CGN_KT_ENUM), FIELD(g.n), .names = (nm)
/* An endpoint of a static[] element: address m, port a. */
#define STATIC(n, t, m, a) \
	KEY("static[]", n, t), .flags = CGN_KF_REQUIRED, \
	.off = STATIC_OFF(m), .size = STATIC_SIZE(m), \
	.aux_off = STATIC_OFF(a), .aux_size = STATIC_SIZE(a)

/* The keys of link L (inside or outside). */
#define LINK_KEYS(L, gw_flags) \
	{ KEY(#L, "port", CGN_KT_PORT), FIELD(L.port), \
	  .flags = CGN_KF_REQUIRED | CGN_KF_LINE, \
	  .line_off = CFG_OFF(L.port_line), \
	  .doc = "DPDK device name of the " #L " port (--vdev or -a)" }, \
	{ KEY(#L, "address", CGN_KT_IFADDR), FIELD(L.addr), AUX(L.plen), \
	  .flags = CGN_KF_REQUIRED, \
	  .doc = "this box's own address on the " #L " link, a.b.c.d/len" }, \
	{ KEY(#L, "gateway", CGN_KT_HOST), FIELD(L.gateway), \
	  .flags = (gw_flags), \
	  .doc = "next hop on the " #L " link, within " #L ".address" }, \
	{ KEY(#L, "gateway_mac", CGN_KT_MAC), FIELD(L.gateway_mac), \
	  AUX(L.has_gateway_mac), \
	  .doc = "static neighbour entry (MAC) for " #L ".gateway" }, \
	{ UINT(L, mtu, CGN_MIN_MTU, CGN_MAX_MTU), .def = "1500", \
	  .doc = "IP MTU of the " #L " link" }

static const struct cgn_key schema[] = {
	{ TOP("inside", CGN_KT_GROUP), .flags = CGN_KF_REQUIRED,
	  .doc = "the subscriber-facing link" },
	LINK_KEYS(inside, 0),
	{ KEY("inside", "subscribers", CGN_KT_PREFIX_LIST),
	  FIELD(subscribers), AUX(n_subscribers), .flags = CGN_KF_REQUIRED,
	  .min = 1, .max = CGN_MAX_SUB_PREFIXES,
	  .doc = "prefixes whose sources are translated" },

	{ TOP("outside", CGN_KT_GROUP), .flags = CGN_KF_REQUIRED,
	  .doc = "the Internet-facing link" },
	LINK_KEYS(outside, CGN_KF_REQUIRED),

	{ TOP("pool", CGN_KT_GROUP), .flags = CGN_KF_REQUIRED,
	  .doc = "the public addresses and ports subscribers are "
		 "translated to" },
	{ KEY("pool", "addresses", CGN_KT_ADDR_LIST), FIELD(pool.ranges),
	  AUX(pool.n_ranges), .flags = CGN_KF_REQUIRED,
	  .min = 1, .max = CGN_MAX_POOL_RANGES,
	  .doc = "public addresses: a.b.c.d, a.b.c.d/len or a.b.c.d-e.f.g.h" },
	{ KEY("pool", "ports", CGN_KT_PORT_RANGE), FIELD(pool.port_lo),
	  AUX(pool.port_hi), .def = "\"1024-65535\"",
	  .doc = "dynamic port range LO-HI (derived in deterministic mode)" },
	{ UINT(pool, block_size, 1, UINT16_MAX), .def = "256",
	  .doc = "ports per block handed to a subscriber" },
	{ UINT(pool, max_blocks_per_subscriber, 1, CGN_MAX_BLOCKS_PER_SUB),
	  .def = "8", .doc = "most blocks one subscriber may hold at once" },
	{ ENUM(pool, mapping, mapping_names),
	  .def = "\"endpoint-independent\"",
	  .doc = "mapping behaviour (RFC 4787 section 4.1)" },
	{ ENUM(pool, filtering, filtering_names),
	  .def = "\"endpoint-independent\"",
	  .doc = "filtering behaviour (RFC 4787 section 5)" },
	{ BOOL(pool, hairpinning), .def = "true",
	  .doc = "subscribers reach each other's public mappings (REQ-9)" },
	{ BOOL(pool, port_preservation), .def = "true",
	  .doc = "keep the inside source port when it is free" },
	{ BOOL(pool, port_parity), .def = "true",
	  .doc = "even inside ports get even outside ports (RFC 4787 REQ-4)" },
	{ KEY("pool", "low_ports", CGN_KT_LOW_PORTS), FIELD(pool.low_lo),
	  AUX(pool.low_hi), .def = "\"\"",
	  .doc = "range within 1-1023 for inside ports 0-1023, \"\": none" },
	{ UINT(pool, hold_down, 0, TIMEOUT_MAX), .def = "120",
	  .doc = "seconds a released port is not reused (RFC 6888 REQ-8)" },
	{ UINT(pool, hold_down_max, 0, TIMEOUT_MAX), .def = "0",
	  .doc = "most held-down ports per subscriber, 0: no limit" },
	{ ENUM(pool, mode, mode_names), .def = "\"dynamic\"",
	  .doc = "dynamic port blocks or RFC 7422 deterministic ranges" },

	{ TOP("timeouts", CGN_KT_GROUP),
	  .doc = "idle timeouts of sessions, in seconds" },
	{ RFC_UINT(timeouts, udp, CGN_MIN_UDP_TIMEOUT, TIMEOUT_MAX,
		   "RFC 4787"), .def = "300",
	  .doc = "UDP mapping idle timeout" },
	{ RFC_UINT(timeouts, tcp_established, CGN_MIN_TCP_EST_TIMEOUT,
		   TIMEOUT_MAX, "RFC 5382"), .def = "7440",
	  .doc = "TCP established idle timeout" },
	{ RFC_UINT(timeouts, tcp_transitory, CGN_MIN_TCP_TRANS_TIMEOUT,
		   TIMEOUT_MAX, "RFC 5382"), .def = "240",
	  .doc = "TCP transitory idle timeout" },
	{ RFC_UINT(timeouts, icmp, CGN_MIN_ICMP_TIMEOUT, TIMEOUT_MAX,
		   "RFC 5508"), .def = "60",
	  .doc = "ICMP query idle timeout" },
	{ RFC_UINT(timeouts, tcp_trans_open, CGN_MIN_TCP_TRANS_TIMEOUT,
		   TIMEOUT_MAX, "RFC 5382"), .flags = CGN_KF_DERIVED,
	  .doc = "TCP opening transitory timeout, default tcp_transitory" },
	{ RFC_UINT(timeouts, tcp_trans_close, CGN_MIN_TCP_TRANS_TIMEOUT,
		   TIMEOUT_MAX, "RFC 5382"), .flags = CGN_KF_DERIVED,
	  .doc = "TCP closing transitory timeout, default tcp_transitory" },
	{ RFC_UINT(timeouts, tcp_syn_inbound, CGN_MIN_TCP_SYN_INBOUND,
		   TIMEOUT_MAX, "RFC 5382"), .def = "6",
	  .doc = "how long an unsolicited inbound SYN is held" },

	{ TOP("limits", CGN_KT_GROUP), .doc = "session table limits" },
	{ UINT(limits, sessions_per_subscriber, 1, MAX_SESSIONS_LIMIT),
	  .def = "4096", .doc = "most concurrent sessions per subscriber" },
	{ UINT(limits, max_sessions, 1, MAX_SESSIONS_LIMIT),
	  .def = "1048576", .doc = "size of the session table" },
	{ KEY("limits", "ports_per_subscriber", CGN_KT_GROUP),
	  .doc = "most outside ports per subscriber and protocol, 0: none" },
	{ UINT(limits.ports_per_subscriber, tcp, 0, PORTS_PER_SUB_MAX),
	  .def = "0", .doc = "TCP port limit per subscriber" },
	{ UINT(limits.ports_per_subscriber, udp, 0, PORTS_PER_SUB_MAX),
	  .def = "0", .doc = "UDP port limit per subscriber" },
	{ UINT(limits.ports_per_subscriber, icmp, 0, PORTS_PER_SUB_MAX),
	  .def = "0", .doc = "ICMP identifier limit per subscriber" },
	{ UINT(limits, mappings_per_second, 0, RATE_MAX), .def = "0",
	  .doc = "new mappings per second per subscriber, 0: no limit" },

	{ TOP("workers", CGN_KT_GROUP), .doc = "data-plane lcores" },
	{ KEY("workers", "lcores", CGN_KT_LCORES), FIELD(workers.lcores),
	  AUX(workers.n_lcores), .min = 1, .max = CGN_MAX_WORKERS,
	  .def = "[1]", .doc = "EAL lcore ids running the forwarding loop" },

	{ TOP("logging", CGN_KT_GROUP), .doc = "the mapping log" },
	{ KEY("logging", "file", CGN_KT_STRING), FIELD(logging.file),
	  .def = "\"/var/log/cgnat/mappings.log\"",
	  .doc = "file the port block log is appended to" },

	{ TOP("static", CGN_KT_LIST), .off = CFG_OFF(statics),
	  .size = sizeof(struct cgn_static_map), AUX(n_statics),
	  .max = CGN_MAX_STATICS, .flags = CGN_KF_LINE,
	  .line_off = STATIC_OFF(line),
	  .doc = "static port mappings (port forwarding)" },
	{ KEY("static[]", "proto", CGN_KT_ENUM), .flags = CGN_KF_REQUIRED,
	  .off = STATIC_OFF(proto), .size = STATIC_SIZE(proto),
	  .names = proto_names, .vals = proto_vals,
	  .doc = "protocol, tcp or udp" },
	{ STATIC("inside", CGN_KT_ENDPOINT, in_addr, in_port),
	  .doc = "subscriber a.b.c.d:port" },
	{ STATIC("outside", CGN_KT_ENDPOINT, out_addr, out_port),
	  .doc = "pool a.b.c.d:port, outside the dynamic port range" },

	{ TOP("deterministic", CGN_KT_GROUP),
	  .doc = "RFC 7422 ranges, with pool.mode = \"deterministic\"" },
	{ KEY("deterministic", "inside", CGN_KT_PREFIX),
	  FIELD(deterministic.inside), .flags = CGN_KF_REQUIRED,
	  .doc = "inside hosts (RFC 7422 I), within inside.subscribers" },
	{ UINT(deterministic, compression_ratio, 1, 65535),
	  .flags = CGN_KF_DERIVED,
	  .doc = "inside hosts per pool address (C), default fills the pool" },
	{ UINT(deterministic, dynamic_pool_factor, 0, 65535), .def = "2",
	  .doc = "shares kept for the dynamic pool (D)" },
	{ KEY("deterministic", "reserved_ports", CGN_KT_RESERVED_PORTS),
	  FIELD(deterministic.reserved_hi), .def = "\"0-1023\"",
	  .doc = "ports never mapped deterministically (R), 0-HI" },

	{ TOP("icmp", CGN_KT_GROUP), .doc = "ICMP messages the box sends" },
	{ BOOL(icmp, unreachable_on_no_mapping), .def = "true",
	  .doc = "host unreachable when no mapping can be made (REQ-11)" },
	{ ENUM(icmp, unsolicited_syn, syn_names), .def = "\"drop\"",
	  .doc = "unanswered unsolicited inbound SYN: drop or icmp 3/3" },
	{ UINT(icmp, rate, 0, RATE_MAX), .def = "1000",
	  .doc = "ICMP messages per second per worker, 0: none" },

	{ TOP("fragments", CGN_KT_GROUP),
	  .doc = "reassembly of out-of-order fragments, per worker" },
	{ UINT(fragments, max, 1, FRAG_MAX), .def = "4096",
	  .doc = "packets being reassembled at once per worker" },
	{ UINT(fragments, timeout, 1, FRAG_TIMEOUT_MAX), .def = "2",
	  .doc = "seconds a packet waits for its missing fragments" },

	{ TOP("bypass", CGN_KT_PREFIX_LIST), FIELD(bypass), AUX(n_bypass),
	  .min = 0, .max = CGN_MAX_BYPASS, .def = "[]",
	  .doc = "destination prefixes forwarded untranslated (REQ-6)" },
};

const struct cgn_key *
cgn_config_schema(size_t *n)
{
	*n = RTE_DIM(schema);
	return schema;
}

const struct cgn_key *
cgn_config_key(const char *path)
{
	size_t i;

	for (i = 0; i < RTE_DIM(schema); i++)
		if (strcmp(schema[i].path, path) == 0)
			return &schema[i];
	return NULL;
}

const struct cgn_key *
cgn_cfg_next_key(const struct cgn_key *k, const char *group)
{
	size_t i = k == NULL ? 0 : (size_t)(k - schema) + 1;

	for (; i < RTE_DIM(schema); i++)
		if (strcmp(schema[i].group, group) == 0)
			return &schema[i];
	return NULL;
}
