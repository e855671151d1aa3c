/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat configuration: the parsed, validated form of the libconfig file.
 *
 * All addresses and ports are kept in host byte order here; the data plane
 * converts once at start-up.
 */
#ifndef CGN_CONFIG_H
#define CGN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

#include <rte_ether.h>

#define CGN_PORT_NAME_MAX 128
#define CGN_MAX_SUB_PREFIXES 64
#define CGN_MAX_POOL_RANGES 64
#define CGN_MAX_POOL_ADDRS 65536
#define CGN_MAX_WORKERS 64
#define CGN_MAX_STATICS 1024
#define CGN_MAX_BLOCKS_PER_SUB 64

/* RFC minimums for the timeouts (seconds). */
#define CGN_MIN_UDP_TIMEOUT 120      /* RFC 4787 REQ-5 */
#define CGN_MIN_TCP_EST_TIMEOUT 7440 /* RFC 5382 REQ-5 */
#define CGN_MIN_TCP_TRANS_TIMEOUT 240 /* RFC 5382 REQ-5 */
#define CGN_MIN_ICMP_TIMEOUT 60      /* RFC 5508 REQ-2 */

enum cgn_mapping {
	CGN_MAP_EIM = 0,   /* endpoint-independent */
	CGN_MAP_APDM,      /* address-and-port-dependent */
};

enum cgn_filtering {
	CGN_FILTER_EIF = 0, /* endpoint-independent */
	CGN_FILTER_ADF,     /* address-dependent */
	CGN_FILTER_APDF,    /* address-and-port-dependent */
};

struct cgn_prefix {
	uint32_t addr; /* network address, host order, host bits zero */
	uint8_t len;
};

/* An inclusive range of IPv4 addresses (host order). */
struct cgn_addr_range {
	uint32_t first;
	uint32_t last;
};

struct cgn_static_map {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP */
	uint32_t in_addr;
	uint16_t in_port;
	uint32_t out_addr;
	uint16_t out_port;
	int line;
};

struct cgn_link_config {
	char port[CGN_PORT_NAME_MAX]; /* DPDK device name */
	int port_line;                /* line of the `port` key, for errors */
	uint32_t addr;                /* the box's own address on this link */
	uint8_t plen;                 /* its prefix length */
	uint32_t gateway;             /* next hop, 0 if none */
	bool has_gateway_mac;         /* static neighbour entry for gateway */
	struct rte_ether_addr gateway_mac;
};

struct cgn_config {
	char path[PATH_MAX];

	struct cgn_link_config inside;
	struct cgn_prefix subscribers[CGN_MAX_SUB_PREFIXES];
	unsigned int n_subscribers;

	struct cgn_link_config outside;

	struct {
		struct cgn_addr_range ranges[CGN_MAX_POOL_RANGES];
		unsigned int n_ranges;
		uint32_t n_addrs;         /* total addresses over all ranges */
		uint16_t port_lo, port_hi; /* dynamic port range, inclusive */
		uint16_t block_size;
		uint16_t max_blocks_per_subscriber;
		enum cgn_mapping mapping;
		enum cgn_filtering filtering;
		bool hairpinning;
	} pool;

	struct {
		uint32_t udp;
		uint32_t tcp_established;
		uint32_t tcp_transitory;
		uint32_t icmp;
	} timeouts;

	struct {
		uint32_t sessions_per_subscriber;
		uint32_t max_sessions;
	} limits;

	struct {
		unsigned int lcores[CGN_MAX_WORKERS];
		unsigned int n_lcores;
	} workers;

	struct {
		char file[PATH_MAX];
	} logging;

	struct cgn_static_map statics[CGN_MAX_STATICS];
	unsigned int n_statics;
};

/* Fill cfg with the defaults documented in config/cgnat.conf. */
void cgn_config_defaults(struct cgn_config *cfg);

/*
 * Parse and validate a configuration file.
 * Returns 0 on success. On error returns -1 and writes a message of the form
 * "FILE:LINE: what is wrong" into err (no trailing newline).
 * Needs no EAL: ports are checked separately by cgn_config_check_ports().
 */
int cgn_config_load(const char *path, struct cgn_config *cfg,
		    char *err, size_t errlen);

/*
 * After rte_eal_init(): check that each configured port names an ethdev
 * that EAL created. Same error convention as cgn_config_load(); the line is
 * that of the offending `port` key.
 */
int cgn_config_check_ports(const struct cgn_config *cfg,
			   char *err, size_t errlen);

/* Is addr (host order) inside one of the configured subscriber prefixes? */
bool cgn_config_is_subscriber(const struct cgn_config *cfg, uint32_t addr);

/* Map a pool address (host order) to its index 0..n_addrs-1, or -1. */
int32_t cgn_config_pool_index(const struct cgn_config *cfg, uint32_t addr);

/* Pool address (host order) for index 0..n_addrs-1. */
uint32_t cgn_config_pool_addr(const struct cgn_config *cfg, uint32_t idx);

#endif /* CGN_CONFIG_H */
