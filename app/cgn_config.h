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
#include <stdio.h>
#include <limits.h>

#include <rte_ether.h>

#define CGN_PORT_NAME_MAX 128
#define CGN_MAX_SUB_PREFIXES 64
#define CGN_MAX_POOL_RANGES 64
#define CGN_MAX_POOL_ADDRS 65536
#define CGN_MAX_WORKERS 64
#define CGN_MAX_STATICS 1024
#define CGN_MAX_BLOCKS_PER_SUB 64
#define CGN_MAX_BYPASS 64

/* RFC minimums for the timeouts (seconds). */
#define CGN_MIN_UDP_TIMEOUT 120      /* RFC 4787 REQ-5 */
#define CGN_MIN_TCP_EST_TIMEOUT 7440 /* RFC 5382 REQ-5 */
#define CGN_MIN_TCP_TRANS_TIMEOUT 240 /* RFC 5382 REQ-5 */
#define CGN_MIN_ICMP_TIMEOUT 60      /* RFC 5508 REQ-2 */
#define CGN_MIN_TCP_SYN_INBOUND 6    /* RFC 5382 REQ-4 */
#define CGN_MIN_MTU 68               /* RFC 791 */
#define CGN_MAX_MTU 9000

enum cgn_mapping {
	CGN_MAP_EIM = 0,   /* endpoint-independent */
	CGN_MAP_APDM,      /* address-and-port-dependent */
};

enum cgn_filtering {
	CGN_FILTER_EIF = 0, /* endpoint-independent */
	CGN_FILTER_ADF,     /* address-dependent */
	CGN_FILTER_APDF,    /* address-and-port-dependent */
};

enum cgn_pool_mode {
	CGN_POOL_DYNAMIC = 0,   /* port-block allocation */
	CGN_POOL_DETERMINISTIC, /* RFC 7422 deterministic port ranges */
};

/* What to do with an unsolicited inbound SYN (RFC 5382 REQ-4). */
enum cgn_syn_policy {
	CGN_SYN_DROP = 0, /* drop silently */
	CGN_SYN_ICMP,     /* ICMP 3/3 after timeouts.tcp_syn_inbound */
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
	uint16_t mtu;                 /* IP MTU of the link, 68..9000 */
};

/*
 * RFC 7422 deterministic port ranges (pool.mode = "deterministic"), with
 * the RFC's names: I = inside, O = pool.addresses, C = compression_ratio,
 * D = dynamic_pool_factor, R = reserved_ports (0..reserved_hi). The
 * address assignment algorithm (A) is "sequential": the k-th inside host
 * (k = 0 .. n_hosts-1, boundary addresses excluded) gets pool address
 * k / C (configured order of pool.addresses) and there the ports
 * first_port + (k % C) * ports_per_sub, ports_per_sub of them.
 * ports_per_sub = (65535 - reserved_hi) / (C + D); what follows the C
 * ranges, dyn_lo..65535, is the dynamic overflow pool, which is also put
 * into pool.port_lo/port_hi.
 */
struct cgn_det_config {
	struct cgn_prefix inside;    /* I */
	uint32_t first_host;         /* first translated inside address */
	uint32_t n_hosts;            /* inside hosts translated */
	uint32_t compression_ratio;  /* C: inside hosts per pool address */
	uint32_t dynamic_pool_factor; /* D */
	uint16_t reserved_hi;        /* R = 0..reserved_hi, never mapped */
	uint16_t first_port;         /* reserved_hi + 1 */
	uint16_t ports_per_sub;      /* deterministic ports per inside host */
	uint32_t dyn_lo;             /* first port of the dynamic pool */
	int line;                    /* line of the deterministic group */
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
		bool port_preservation;    /* RFC 4787 sec. 4.2.1, RFC 8512 */
		bool port_parity;          /* RFC 4787 REQ-4 */
		uint16_t low_lo, low_hi;   /* RFC 4787 REQ-3a; 0, 0: none */
		uint32_t hold_down;        /* s, RFC 6888 REQ-8; 0: off */
		uint32_t hold_down_max;    /* per subscriber; 0: no limit */
		enum cgn_pool_mode mode;
	} pool;

	/* Valid when pool.mode == CGN_POOL_DETERMINISTIC. */
	struct cgn_det_config deterministic;

	struct {
		uint32_t udp;
		uint32_t tcp_established;
		uint32_t tcp_transitory;
		uint32_t icmp;
		uint32_t tcp_trans_open;   /* RFC 5382 REQ-5 */
		uint32_t tcp_trans_close;  /* RFC 5382 REQ-5 */
		uint32_t tcp_syn_inbound;  /* RFC 5382 REQ-4 */
	} timeouts;

	struct {
		uint32_t sessions_per_subscriber;
		uint32_t max_sessions;
		/* RFC 6888 REQ-4; 0: only the block limit. */
		struct {
			uint32_t tcp, udp, icmp;
		} ports_per_subscriber;
		uint32_t mappings_per_second; /* per subscriber; 0: no limit */
	} limits;

	struct {
		bool unreachable_on_no_mapping;  /* RFC 6888 REQ-11 */
		enum cgn_syn_policy unsolicited_syn; /* RFC 5382 REQ-4 */
		uint32_t rate;             /* ICMP sent per second per worker */
	} icmp;

	/* Destinations forwarded untranslated (RFC 6888 REQ-6). */
	struct cgn_prefix bypass[CGN_MAX_BYPASS];
	unsigned int n_bypass;

	struct {
		uint32_t max;              /* reassembly entries per worker */
		uint32_t timeout;          /* s */
	} fragments;

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

/* Fill cfg with the defaults of the schema (documented in
 * config/cgnat.conf). */
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
 * Write cfg as a libconfig file that cgn_config_load() reads back into the
 * same values: every key of the schema (app/cgn_config_schema.h) with its
 * value, unset optional ones left out. Returns 0, or -1 on a write error
 * or a value the schema cannot express.
 */
int cgn_config_write(FILE *f, const struct cgn_config *cfg);

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

/* Is addr (host order) inside one of the bypass prefixes? */
bool cgn_config_is_bypass(const struct cgn_config *cfg, uint32_t addr);

/*
 * RFC 7422 forward function f1 (deterministic mode): the pool address and
 * port range (host order, inclusive) of inside address in_addr. Returns 0,
 * or -1 when deterministic mode is off or in_addr is not one of its hosts.
 */
int cgn_config_det_forward(const struct cgn_config *cfg, uint32_t in_addr,
			   uint32_t *out_addr, uint16_t *port_lo,
			   uint16_t *port_hi);

/*
 * Its inverse: the inside address that owns pool address out_addr, port
 * port (host order). Returns 0, or -1 when the port lies in no
 * deterministic range of that address (reserved or dynamic ports, an
 * address that is not in the pool, a range no host uses).
 */
int cgn_config_det_reverse(const struct cgn_config *cfg, uint32_t out_addr,
			   uint16_t port, uint32_t *in_addr);

#endif /* CGN_CONFIG_H */
