/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the configuration loader (app/cgn_config.c).
 *
 * Each test writes its configuration into a temporary file, so the line
 * every error must point at is known. Most error cases are edits of one
 * valid base configuration (BASE below, line numbers in the comments).
 *
 * The shipped configs (config/cgnat.conf, config/isp.conf) are looked up in
 * the directory given by, in order: argv[1], $CGN_CONFIG_DIR, or the
 * compile-time define CGN_CONFIG_DIR. Without any of these those two tests
 * are skipped.
 *
 * cgn_config_check_ports() is not tested here: it needs an initialised EAL.
 *
 * Buffers use plain malloc(), not test_malloc(): a failing assertion leaves
 * them allocated, and cmocka would then abort the remaining groups.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "cgn_config.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define ERRLEN 512

/* The valid base configuration, one string per line (line = index + 1). */
static const char *const base_lines[] = {
	/*  1 */ "inside: {",
	/*  2 */ "\tport = \"net_af_packet0\";",
	/*  3 */ "\taddress = \"100.64.0.1/10\";",
	/*  4 */ "\tsubscribers = [\"100.64.0.0/10\"];",
	/*  5 */ "};",
	/*  6 */ "outside: {",
	/*  7 */ "\tport = \"net_af_packet1\";",
	/*  8 */ "\taddress = \"198.51.100.2/24\";",
	/*  9 */ "\tgateway = \"198.51.100.1\";",
	/* 10 */ "};",
	/* 11 */ "pool: {",
	/* 12 */ "\taddresses = [\"203.0.113.0/29\"];",
	/* 13 */ "\tports = \"1024-65535\";",
	/* 14 */ "\tblock_size = 256;",
	/* 15 */ "\tmax_blocks_per_subscriber = 8;",
	/* 16 */ "\tmapping = \"endpoint-independent\";",
	/* 17 */ "\tfiltering = \"endpoint-independent\";",
	/* 18 */ "\thairpinning = true;",
	/* 19 */ "};",
	/* 20 */ "timeouts: {",
	/* 21 */ "\tudp = 300;",
	/* 22 */ "\ttcp_established = 7440;",
	/* 23 */ "\ttcp_transitory = 240;",
	/* 24 */ "\ticmp = 60;",
	/* 25 */ "};",
	/* 26 */ "limits: {",
	/* 27 */ "\tsessions_per_subscriber = 4096;",
	/* 28 */ "\tmax_sessions = 1048576;",
	/* 29 */ "};",
	/* 30 */ "workers: {",
	/* 31 */ "\tlcores = [1];",
	/* 32 */ "};",
	/* 33 */ "logging: {",
	/* 34 */ "\tfile = \"/var/log/cgnat/mappings.log\";",
	/* 35 */ "};",
	/* 36 */ "static: (",
	/* 37 */ ("\t{ proto = \"tcp\"; inside = \"100.64.0.5:8080\"; "
		  "outside = \"203.0.113.1:80\"; }"),
	/* 38 */ ");",
};

#define N_BASE (sizeof(base_lines) / sizeof(base_lines[0]))

/*
 * Replace base line `line` by `text` (which may hold several lines) and
 * blank lines line+1..to (blanking keeps the later line numbers).
 */
struct edit {
	int line;
	int to;
	const char *text;
};

struct conf_case {
	const char *name;
	struct edit ed[3];
	int want_line;    /* line the error must name */
	const char *want; /* part of the message; NULL: must load */
};

#define E(l, t) { .line = (l), .to = (l), .text = (t) }
#define BLANK(l, t) { .line = (l), .to = (t), .text = "" }
#define OK(n, ...) { .name = (n), .ed = { __VA_ARGS__ }, .want = NULL }
#define ERR(n, ln, msg, ...) \
	{ .name = (n), .ed = { __VA_ARGS__ }, .want_line = (ln), .want = (msg) }

/* 65 worker lcores: one too many. */
#define LCORES_65 "\tlcores = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17," \
	"18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39," \
	"40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61," \
	"62,63,64,65];"

#define STATIC(proto, in, out) \
	"\t{ proto = \"" proto "\"; inside = \"" in "\"; outside = \"" \
	out "\"; }"

static const struct conf_case cases[] = {
	/* The base itself, and valid edge cases. */
	OK("base"),
	OK("udp timeout at the RFC minimum", E(21, "\tudp = 120;")),
	OK("block_size equal to the port range",
	   E(13, "\tports = \"1024-1279\";")),
	OK("block_size 1 with a one-port range",
	   E(13, "\tports = \"5000-5000\";"), E(14, "\tblock_size = 1;")),
	OK("static port just below the dynamic range",
	   E(37, STATIC("udp", "100.64.0.5:53", "203.0.113.1:1023"))),
	OK("static port above the dynamic range",
	   E(13, "\tports = \"1024-60000\";"),
	   E(37, STATIC("tcp", "100.64.0.5:22", "203.0.113.7:60001"))),
	OK("same outside endpoint, different proto",
	   E(37, STATIC("tcp", "100.64.0.5:80", "203.0.113.1:80") ",\n"
		 STATIC("udp", "100.64.0.6:80", "203.0.113.1:80"))),
	OK("max_sessions at its maximum", E(28, "\tmax_sessions = 134217728;")),
	OK("64-bit integer literal", E(28, "\tmax_sessions = 4096L;")),
	OK("highest lcore", E(31, "\tlcores = [127];")),
	OK("lcores as a list", E(31, "\tlcores = (2, 3);")),
	OK("empty static list", E(37, "")),
	OK("no static group", BLANK(36, 38)),
	OK("outside /32 with an off-link gateway",
	   E(8, "\taddress = \"198.51.100.2/32\";"),
	   E(9, "\tgateway = \"192.0.2.1\";")),
	OK("pool range and single address",
	   E(12, "\taddresses = [\"203.0.113.0-203.0.113.9\", "
		 "\"192.0.2.77\"];")),

	/* Syntax. */
	ERR("syntax error", 21, "syntax error", E(21, "\tudp = = 300;")),
	ERR("duplicate setting", 22, "duplicate setting",
	    E(22, "\tudp = 300;")),

	/* Missing groups and keys. */
	ERR("missing inside", 1, "missing required group inside",
	    BLANK(1, 5)),
	ERR("missing outside", 1, "missing required group outside",
	    BLANK(6, 10)),
	ERR("missing pool", 1, "missing required group pool", BLANK(11, 19)),
	ERR("missing inside.port", 1, "missing required key inside.port",
	    E(2, "")),
	ERR("missing inside.address", 1,
	    "missing required key inside.address", E(3, "")),
	ERR("missing inside.subscribers", 1,
	    "missing required key inside.subscribers", E(4, "")),
	ERR("missing outside.port", 6, "missing required key outside.port",
	    E(7, "")),
	ERR("missing outside.address", 6,
	    "missing required key outside.address", E(8, "")),
	ERR("missing outside.gateway", 6,
	    "missing required key outside.gateway", E(9, "")),
	ERR("missing pool.addresses", 11,
	    "missing required key pool.addresses", E(12, "")),
	ERR("missing static proto", 37,
	    "missing required key static[0].proto",
	    E(37, "\t{ inside = \"100.64.0.5:8080\"; "
		  "outside = \"203.0.113.1:80\"; }")),
	ERR("missing static outside in 2nd entry", 38,
	    "missing required key static[1].outside",
	    E(37, STATIC("tcp", "100.64.0.5:8080", "203.0.113.1:80") ",\n"
		  "\t{ proto = \"udp\";\n\t  inside = \"100.64.0.5:53\"; }")),

	/* Unknown keys. */
	ERR("unknown top-level", 39, "unknown setting \"timeout\"",
	    E(38, ");\ntimeout: { udp = 300; };")),
	ERR("unknown inside key", 2, "unknown key \"mtu\" in inside",
	    E(2, "\tport = \"net_af_packet0\"; mtu = 1500;")),
	ERR("unknown outside key", 9, "unknown key \"gw_mac\" in outside",
	    E(9, "\tgateway = \"198.51.100.1\"; gw_mac = \"x\";")),
	ERR("unknown pool key", 18, "unknown key \"hairpining\" in pool",
	    E(18, "\thairpining = true;")),
	ERR("unknown timeouts key", 21, "unknown key \"udpp\" in timeouts",
	    E(21, "\tudpp = 300;")),
	ERR("unknown limits key", 27, "unknown key \"sessions\" in limits",
	    E(27, "\tsessions = 4096;")),
	ERR("unknown workers key", 31, "unknown key \"lcore\" in workers",
	    E(31, "\tlcore = [1];")),
	ERR("unknown logging key", 34, "unknown key \"path\" in logging",
	    E(34, "\tpath = \"/tmp/x\";")),
	ERR("unknown static key", 37, "unknown key \"protocol\" in static[0]",
	    E(37, "\t{ protocol = \"tcp\"; inside = \"100.64.0.5:8080\"; "
		  "outside = \"203.0.113.1:80\"; }")),
	ERR("unknown key lists known keys", 21,
	    "known keys: udp, tcp_established, tcp_transitory, icmp",
	    E(21, "\tudpp = 300;")),

	/* Wrong types. */
	ERR("group as scalar", 1, "inside must be a group",
	    E(1, "inside = 5;"), BLANK(2, 5)),
	ERR("static as group", 36, "static must be a list",
	    E(36, "static: {"), E(38, "};"), E(37, "")),
	/*
	 * libconfig reads past a string for adjacent-string concatenation,
	 * so a string list element gets the line of the token after it: keep
	 * the closing parenthesis on the same line.
	 */
	ERR("static entry not a group", 37, "static[0] must be a group",
	    E(37, "\t\"tcp 100.64.0.5:8080 203.0.113.1:80\" );"), E(38, "")),
	ERR("string for int", 21, "timeouts.udp must be an integer, not a "
	    "string", E(21, "\tudp = \"300\";")),
	ERR("float for int", 14, "pool.block_size must be an integer, not a "
	    "float", E(14, "\tblock_size = 25.6;")),
	ERR("string for bool", 18, "pool.hairpinning must be true or false",
	    E(18, "\thairpinning = \"yes\";")),
	ERR("int for string", 2, "inside.port must be a string",
	    E(2, "\tport = 0;")),
	ERR("int for ports", 13, "pool.ports must be a string",
	    E(13, "\tports = 1024;")),
	ERR("string for subscribers", 4, "inside.subscribers must be an array",
	    E(4, "\tsubscribers = \"100.64.0.0/10\";")),
	ERR("int in subscribers", 4, "inside.subscribers[0] must be a string",
	    E(4, "\tsubscribers = [1];")),
	ERR("string in lcores", 31, "workers.lcores[0] must be an integer",
	    E(31, "\tlcores = [\"1\"];")),
	ERR("int for logging.file", 34, "logging.file must be a string",
	    E(34, "\tfile = 1;")),
	ERR("int for mapping", 16, "pool.mapping must be a string",
	    E(16, "\tmapping = 1;")),
	ERR("int for static proto", 37, "static[0].proto must be a string",
	    E(37, "\t{ proto = 6; inside = \"100.64.0.5:8080\"; "
		  "outside = \"203.0.113.1:80\"; }")),

	/* Interface addresses and gateways. */
	ERR("address prefix /33", 3, "prefix length must be 1..32",
	    E(3, "\taddress = \"100.64.0.1/33\";")),
	ERR("address prefix /0", 3, "prefix length must be 1..32",
	    E(3, "\taddress = \"100.64.0.1/0\";")),
	ERR("address octet 300", 3, "bad IPv4 address",
	    E(3, "\taddress = \"300.1.1.1/24\";")),
	ERR("address abc", 8, "\"abc\": expected a.b.c.d/len",
	    E(8, "\taddress = \"abc\";")),
	ERR("address without length", 8, "expected a.b.c.d/len",
	    E(8, "\taddress = \"198.51.100.2\";")),
	ERR("address 0.0.0.0", 8, "not a usable address",
	    E(8, "\taddress = \"0.0.0.0/24\";")),
	ERR("gateway bad", 9, "outside.gateway = \"198.51.100.256\": bad IPv4",
	    E(9, "\tgateway = \"198.51.100.256\";")),
	ERR("gateway with length", 9, "bad IPv4 address",
	    E(9, "\tgateway = \"198.51.100.1/24\";")),
	ERR("gateway off-link", 9, "outside.gateway 10.0.0.1 is not in the "
	    "outside subnet 198.51.100.0/24", E(9, "\tgateway = \"10.0.0.1\";")),
	ERR("gateway is own address", 9, "is the outside address itself",
	    E(9, "\tgateway = \"198.51.100.2\";")),
	ERR("inside gateway off-link", 4, "inside.gateway 10.0.0.1 is not in",
	    E(4, "\tgateway = \"10.0.0.1\"; subscribers = "
		 "[\"100.64.0.0/10\"];")),
	ERR("same port twice", 7, "outside.port \"net_af_packet0\" is the same "
	    "port as inside.port (line 2)",
	    E(7, "\tport = \"net_af_packet0\";")),
	ERR("empty port name", 7, "outside.port must not be empty",
	    E(7, "\tport = \"\";")),

	/* gateway_mac. */
	ERR("bad mac", 10, "outside.gateway_mac = \"zz:00:00:00:00:01\": bad "
	    "MAC address", E(10, "\tgateway_mac = \"zz:00:00:00:00:01\"; };")),
	ERR("short mac", 10, "bad MAC address",
	    E(10, "\tgateway_mac = \"02:00:00:00:01\"; };")),
	ERR("multicast mac", 10, "not a unicast MAC",
	    E(10, "\tgateway_mac = \"01:00:5e:00:00:01\"; };")),
	ERR("inside gateway_mac without gateway", 4, "inside.gateway_mac is "
	    "set but inside.gateway is not",
	    E(4, "\tgateway_mac = \"02:00:00:00:00:01\"; subscribers = "
		 "[\"100.64.0.0/10\"];")),

	/* Subscribers. */
	ERR("subscriber /33", 4, "\"100.64.0.0/33\": prefix length must be "
	    "0..32", E(4, "\tsubscribers = [\"100.64.0.0/33\"];")),
	ERR("subscriber bad address", 4, "bad IPv4 address",
	    E(4, "\tsubscribers = [\"100.64.0/10\"];")),
	ERR("subscriber host bits", 5, "\"100.64.0.1/10\": host bits set",
	    E(4, "\tsubscribers = [\"10.0.0.0/8\",\n\t\t\"100.64.0.1/10\"];")),
	ERR("subscriber empty", 4, "inside.subscribers must not be empty",
	    E(4, "\tsubscribers = [];")),
	ERR("subscribers overlap", 5, "\"100.64.1.0/24\" overlaps "
	    "\"100.64.0.0/10\"",
	    E(4, "\tsubscribers = [\"100.64.0.0/10\",\n\t\t"
		 "\"100.64.1.0/24\"];")),
	ERR("subscriber overlaps pool", 12, "pool.addresses[0] overlaps "
	    "subscriber prefix 203.0.113.0/24 (line 4)",
	    E(4, "\tsubscribers = [\"100.64.0.0/10\", \"203.0.113.0/24\"];")),

	/* Pool addresses. */
	ERR("pool empty range", 13, "\"203.0.113.9-203.0.113.1\": empty range",
	    E(12, "\taddresses = [\"203.0.113.0/29\",\n"
		  "\t\t\"203.0.113.9-203.0.113.1\"];")),
	ERR("pool bad range", 12, "bad IPv4 address in range",
	    E(12, "\taddresses = [\"203.0.113.1-203.0.113\"];")),
	ERR("pool host bits", 12, "\"203.0.113.1/29\": host bits set",
	    E(12, "\taddresses = [\"203.0.113.1/29\"];")),
	ERR("pool bad address", 12, "\"203.0.113\": bad IPv4 address",
	    E(12, "\taddresses = [\"203.0.113\"];")),
	ERR("pool bad prefix", 12, "prefix length must be 0..32",
	    E(12, "\taddresses = [\"203.0.113.0/40\"];")),
	ERR("pool empty", 12, "pool.addresses must not be empty",
	    E(12, "\taddresses = [];")),
	ERR("pool overlap", 13, "\"203.0.113.4\" overlaps \"203.0.113.0/29\"",
	    E(12, "\taddresses = [\"203.0.113.0/29\",\n"
		  "\t\t\"203.0.113.4\"];")),
	ERR("pool range overlap", 12, "overlaps \"203.0.113.0/29\"",
	    E(12, "\taddresses = [\"203.0.113.0/29\", "
		  "\"203.0.112.250-203.0.113.0\"];")),
	ERR("pool too big", 12, "more than 65536 addresses",
	    E(12, "\taddresses = [\"10.0.0.0/15\"];")),
	ERR("pool one too many", 13, "more than 65536 addresses",
	    E(12, "\taddresses = [\"10.0.0.0/16\",\n\t\t\"10.1.0.0\"];")),
	ERR("pool contains outside address", 12, "pool.addresses[0] contains "
	    "outside.address 198.51.100.2",
	    E(12, "\taddresses = [\"198.51.100.0/30\"];")),
	ERR("pool contains outside gateway", 13, "pool.addresses[1] contains "
	    "outside.gateway 198.51.100.1",
	    E(12, "\taddresses = [\"203.0.113.0/29\",\n\t\t\"198.51.100.1\"];")),
	ERR("pool contains inside address", 12, "contains inside.address "
	    "192.0.2.1",
	    E(3, "\taddress = \"192.0.2.1/24\";"),
	    E(12, "\taddresses = [\"192.0.2.0/29\"];")),

	/* Ports and blocks. */
	ERR("ports missing HI", 13, "pool.ports = \"1024-\": expected \"LO-HI\"",
	    E(13, "\tports = \"1024-\";")),
	ERR("ports not numeric", 13, "expected \"LO-HI\"",
	    E(13, "\tports = \"low-high\";")),
	ERR("ports above 65535", 13, "expected \"LO-HI\" with ports 1..65535",
	    E(13, "\tports = \"1024-65536\";")),
	ERR("ports inverted", 13, "\"2000-1024\": empty range",
	    E(13, "\tports = \"2000-1024\";")),
	ERR("ports from 0", 13, "port 0 is not allowed",
	    E(13, "\tports = \"0-1023\";")),
	ERR("block_size 0", 14, "pool.block_size = 0 is out of range",
	    E(14, "\tblock_size = 0;")),
	ERR("block_size too big for uint16", 14, "is out of range (1..65535)",
	    E(14, "\tblock_size = 65536;")),
	ERR("block_size larger than range", 14, "pool.block_size 256 is larger "
	    "than the dynamic port range pool.ports 1024-1100 (77 ports)",
	    E(13, "\tports = \"1024-1100\";")),
	ERR("default block_size larger than range", 13, "pool.block_size 256 "
	    "is larger", E(13, "\tports = \"1024-1100\";"), E(14, "")),
	ERR("max_blocks 0", 15, "max_blocks_per_subscriber = 0 is out of "
	    "range (1..64)", E(15, "\tmax_blocks_per_subscriber = 0;")),
	ERR("max_blocks 65", 15, "max_blocks_per_subscriber = 65 is out of "
	    "range", E(15, "\tmax_blocks_per_subscriber = 65;")),

	/* Mapping and filtering. */
	ERR("bad mapping", 16, "pool.mapping = \"full-cone\" is not one of "
	    "\"endpoint-independent\", \"address-and-port-dependent\"",
	    E(16, "\tmapping = \"full-cone\";")),
	ERR("mapping address-dependent", 16, "is not one of",
	    E(16, "\tmapping = \"address-dependent\";")),
	ERR("bad filtering", 17, "pool.filtering = \"none\" is not one of",
	    E(17, "\tfiltering = \"none\";")),

	/* Timeouts: each one below its RFC minimum. */
	ERR("udp below minimum", 21, "timeouts.udp = 119 is below the RFC 4787 "
	    "minimum of 120 s", E(21, "\tudp = 119;")),
	ERR("udp 60", 21, "timeouts.udp = 60 is below the RFC 4787 minimum of "
	    "120 s", E(21, "\tudp = 60;")),
	ERR("tcp_established below minimum", 22, "timeouts.tcp_established = "
	    "7439 is below the RFC 5382 minimum of 7440 s",
	    E(22, "\ttcp_established = 7439;")),
	ERR("tcp_transitory below minimum", 23, "timeouts.tcp_transitory = "
	    "239 is below the RFC 5382 minimum of 240 s",
	    E(23, "\ttcp_transitory = 239;")),
	ERR("icmp below minimum", 24, "timeouts.icmp = 59 is below the RFC "
	    "5508 minimum of 60 s", E(24, "\ticmp = 59;")),
	ERR("negative timeout", 24, "timeouts.icmp = -1 is below",
	    E(24, "\ticmp = -1;")),
	ERR("huge timeout", 21, "timeouts.udp = 5000000000 is out of range",
	    E(21, "\tudp = 5000000000L;")),

	/* Limits. */
	ERR("sessions_per_subscriber 0", 27, "limits.sessions_per_subscriber "
	    "= 0 is out of range", E(27, "\tsessions_per_subscriber = 0;")),
	ERR("max_sessions 0", 28, "limits.max_sessions = 0 is out of range",
	    E(28, "\tmax_sessions = 0;")),
	ERR("max_sessions above 2^27", 28, "limits.max_sessions = 134217729 "
	    "is out of range (1..134217728)",
	    E(28, "\tmax_sessions = 134217729;")),

	/* Workers. */
	ERR("lcores empty", 31, "workers.lcores must not be empty",
	    E(31, "\tlcores = [];")),
	ERR("lcore 0", 31, "lcore 0 is the main (control) lcore",
	    E(31, "\tlcores = [1, 0];")),
	ERR("lcore negative", 31, "lcore -1 is out of range",
	    E(31, "\tlcores = [-1];")),
	ERR("lcore too big", 32, "lcore 128 is out of range (1..127)",
	    E(31, "\tlcores = [1,\n\t\t128];")),
	ERR("lcore twice", 32, "lcore 2 is listed twice",
	    E(31, "\tlcores = [2, 3,\n\t\t2];")),
	ERR("too many lcores", 31, "workers.lcores has 65 entries, at most 64",
	    E(31, LCORES_65)),

	/* Logging. */
	ERR("logging.file empty", 34, "logging.file must not be empty",
	    E(34, "\tfile = \"\";")),

	/* Static mappings. */
	ERR("static bad proto", 37, "static[0].proto = \"icmp\" is not one of "
	    "\"tcp\", \"udp\"",
	    E(37, STATIC("icmp", "100.64.0.5:8080", "203.0.113.1:80"))),
	ERR("static inside without port", 37, "static[0].inside = "
	    "\"100.64.0.5\": expected a.b.c.d:port",
	    E(37, STATIC("tcp", "100.64.0.5", "203.0.113.1:80"))),
	ERR("static inside port 0", 37, "port must be 1..65535",
	    E(37, STATIC("tcp", "100.64.0.5:0", "203.0.113.1:80"))),
	ERR("static outside port 65536", 37, "static[0].outside = "
	    "\"203.0.113.1:65536\": port must be 1..65535",
	    E(37, STATIC("tcp", "100.64.0.5:80", "203.0.113.1:65536"))),
	ERR("static bad outside address", 37, "bad IPv4 address",
	    E(37, STATIC("tcp", "100.64.0.5:80", "203.0.113.300:80"))),
	ERR("static inside not a subscriber", 38, "static[0].inside: address "
	    "is not in any inside.subscribers prefix",
	    E(37, "\t{ proto = \"tcp\";\n\t  inside = \"10.0.0.5:8080\";\n"
		  "\t  outside = \"203.0.113.1:80\"; }")),
	ERR("static outside not in pool", 39, "static[0].outside: address is "
	    "not a pool address",
	    E(37, "\t{ proto = \"tcp\";\n\t  inside = \"100.64.0.5:8080\";\n"
		  "\t  outside = \"203.0.113.8:80\"; }")),
	ERR("static port in dynamic range", 37, "port 1024 lies in the dynamic "
	    "range pool.ports 1024-65535; static ports must be outside the "
	    "dynamic range",
	    E(37, STATIC("tcp", "100.64.0.5:80", "203.0.113.1:1024"))),
	ERR("static port at top of dynamic range", 37, "static ports must be "
	    "outside the dynamic range",
	    E(37, STATIC("udp", "100.64.0.5:80", "203.0.113.1:65535"))),
	ERR("static duplicate outside", 38, "static[1].outside duplicates "
	    "static[0] (line 37)",
	    E(37, STATIC("tcp", "100.64.0.5:80", "203.0.113.1:80") ",\n"
		  STATIC("tcp", "100.64.0.6:80", "203.0.113.1:80"))),
	ERR("static duplicate inside", 38, "static[1].inside duplicates "
	    "static[0] (line 37)",
	    E(37, STATIC("udp", "100.64.0.5:53", "203.0.113.1:53") ",\n"
		  STATIC("udp", "100.64.0.5:53", "203.0.113.2:53"))),
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static const struct edit *
edit_at(const struct conf_case *c, int line)
{
	size_t i;

	for (i = 0; i < sizeof(c->ed) / sizeof(c->ed[0]); i++) {
		const struct edit *e = &c->ed[i];

		if (e->line != 0 && line >= e->line && line <= e->to)
			return e;
	}
	return NULL;
}

/* Write text into a fresh temporary file; path receives its name. */
static void
write_temp(const char *text, char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");
	size_t n = strlen(text);
	int fd;

	snprintf(path, len, "%s/cgn_test_config_XXXXXX",
		 dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

/* The text of a case: BASE with its edits applied. */
static char *
case_text(const struct conf_case *c)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	unsigned int i;

	assert_non_null(buf);
	buf[0] = '\0';
	for (i = 0; i < N_BASE; i++) {
		const struct edit *e = edit_at(c, (int)i + 1);
		const char *line = base_lines[i];

		if (e != NULL)
			line = (e->line == (int)i + 1) ? e->text : "";
		len += snprintf(buf + len, cap - len, "%s\n", line);
		assert_true(len < cap);
	}
	return buf;
}

/* Load text from a temp file; path receives the file name (removed). */
static int
load_text(const char *text, struct cgn_config *cfg, char *err, char *path,
	  size_t pathlen)
{
	int rc;

	write_temp(text, path, pathlen);
	rc = cgn_config_load(path, cfg, err, ERRLEN);
	unlink(path);
	return rc;
}

/* err must be "PATH:LINE: ..." containing want. */
static void
check_error(const char *err, const char *path, int line, const char *want)
{
	char prefix[PATH_MAX + 32];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err + strlen(prefix), want) == NULL ||
	    strchr(err, '\n') != NULL)
		fail_msg("got      \"%s\"\nexpected \"%s...%s...\"", err, prefix,
			 want);
}

static struct cgn_config *
new_cfg(void)
{
	struct cgn_config *cfg = malloc(sizeof(*cfg));

	assert_non_null(cfg);
	memset(cfg, 0xa5, sizeof(*cfg));
	return cfg;
}

static void
expect_load_ok(const char *text, struct cgn_config *cfg)
{
	char err[ERRLEN], path[PATH_MAX];

	if (load_text(text, cfg, err, path, sizeof(path)) != 0)
		fail_msg("load failed: %s", err);
	assert_string_equal(err, "");
}

static void
expect_load_error(const char *text, int line, const char *want)
{
	struct cgn_config *cfg = new_cfg();
	char err[ERRLEN], path[PATH_MAX];

	if (load_text(text, cfg, err, path, sizeof(path)) == 0)
		fail_msg("loaded, but expected an error at line %d: %s", line,
			 want);
	check_error(err, path, line, want);
	free(cfg);
}

/* ------------------------------------------------------------------ */
/* Table-driven cases                                                  */
/* ------------------------------------------------------------------ */

static void
test_case(void **state)
{
	const struct conf_case *c = *state;
	struct cgn_config *cfg = new_cfg();
	char *text = case_text(c);

	if (c->want == NULL)
		expect_load_ok(text, cfg);
	else
		expect_load_error(text, c->want_line, c->want);
	free(text);
	free(cfg);
}

/* ------------------------------------------------------------------ */
/* Other tests                                                         */
/* ------------------------------------------------------------------ */

static void
test_unreadable(void **state __rte_unused)
{
	const char *path = "/nonexistent/cgnat.conf";
	struct cgn_config *cfg = new_cfg();
	char err[ERRLEN];

	assert_int_equal(cgn_config_load(path, cfg, err, sizeof(err)), -1);
	check_error(err, path, 0, "cannot open file: No such file or directory");

	path = "/tmp";
	assert_int_equal(cgn_config_load(path, cfg, err, sizeof(err)), -1);
	check_error(err, path, 0, "is a directory");
	free(cfg);
}

static void
test_empty_file(void **state __rte_unused)
{
	expect_load_error("", 1, "missing required group inside");
	expect_load_error("# nothing but a comment\n", 1,
			  "missing required group inside");
}

static void
test_unterminated(void **state __rte_unused)
{
	/*
	 * An unterminated string runs to the end of the file: libconfig
	 * reports the line after the last newline.
	 */
	expect_load_error("inside: {\n\tport = \"net_af_packet0;\n", 3,
			  "syntax error");
}

static void
test_small_err_buffer(void **state __rte_unused)
{
	struct cgn_config *cfg = new_cfg();
	char err[8] = "xxxxxxx";

	assert_int_equal(cgn_config_load("/nonexistent", cfg, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "/nonexi");
	/* No buffer at all is allowed too. */
	assert_int_equal(cgn_config_load("/nonexistent", cfg, NULL, 0), -1);
	free(cfg);
}

static const char full_conf[] =
	"# every key set, most to non-default values\n"
	"inside: {\n"
	"\tport = \"0000:3b:00.0\";\n"
	"\taddress = \"10.255.0.1/30\";\n"
	"\tgateway = \"10.255.0.2\";\n"
	"\tgateway_mac = \"02:00:00:00:00:0a\";\n"
	"\tsubscribers = [\"100.64.0.0/10\", \"172.16.0.0/12\"];\n"
	"};\n"
	"outside: {\n"
	"\tport = \"0000:3b:00.1\";\n"
	"\taddress = \"192.0.2.2/30\";\n"
	"\tgateway = \"192.0.2.1\";\n"
	"\tgateway_mac = \"0C:42:A1:00:00:01\";\n"
	"};\n"
	"pool: {\n"
	"\taddresses = [\"198.51.100.0/24\", \"203.0.113.10-203.0.113.19\",\n"
	"\t\t\"203.0.113.200\"];\n"
	"\tports = \"2000-60000\";\n"
	"\tblock_size = 512;\n"
	"\tmax_blocks_per_subscriber = 64;\n"
	"\tmapping = \"address-and-port-dependent\";\n"
	"\tfiltering = \"address-dependent\";\n"
	"\thairpinning = false;\n"
	"};\n"
	"timeouts: { udp = 600; tcp_established = 86400; "
	"tcp_transitory = 300; icmp = 30000; };\n"
	"limits: { sessions_per_subscriber = 1000; max_sessions = 8388608; };\n"
	"workers: { lcores = [4, 2, 3]; };\n"
	"logging: { file = \"/tmp/cgn-test.log\"; };\n"
	"static: (\n"
	"\t{ proto = \"tcp\"; inside = \"100.64.12.34:443\"; "
	"outside = \"203.0.113.200:443\"; },\n"
	"\t{ proto = \"udp\"; inside = \"172.16.0.1:5060\"; "
	"outside = \"198.51.100.7:1999\"; }\n"
	");\n";

static void
check_mac(const struct rte_ether_addr *mac, const uint8_t *want)
{
	assert_memory_equal(mac->addr_bytes, want, RTE_ETHER_ADDR_LEN);
}

static void
test_full(void **state __rte_unused)
{
	static const uint8_t in_mac[] = { 2, 0, 0, 0, 0, 0x0a };
	static const uint8_t out_mac[] = { 0x0c, 0x42, 0xa1, 0, 0, 1 };
	struct cgn_config *cfg = new_cfg();
	char err[ERRLEN], path[PATH_MAX];

	write_temp(full_conf, path, sizeof(path));
	if (cgn_config_load(path, cfg, err, sizeof(err)) != 0)
		fail_msg("load failed: %s", err);
	unlink(path);

	assert_string_equal(cfg->path, path);

	assert_string_equal(cfg->inside.port, "0000:3b:00.0");
	assert_int_equal(cfg->inside.port_line, 3);
	assert_int_equal(cfg->inside.addr, IP(10, 255, 0, 1));
	assert_int_equal(cfg->inside.plen, 30);
	assert_int_equal(cfg->inside.gateway, IP(10, 255, 0, 2));
	assert_true(cfg->inside.has_gateway_mac);
	check_mac(&cfg->inside.gateway_mac, in_mac);
	assert_int_equal(cfg->n_subscribers, 2);
	assert_int_equal(cfg->subscribers[0].addr, IP(100, 64, 0, 0));
	assert_int_equal(cfg->subscribers[0].len, 10);
	assert_int_equal(cfg->subscribers[1].addr, IP(172, 16, 0, 0));
	assert_int_equal(cfg->subscribers[1].len, 12);

	assert_string_equal(cfg->outside.port, "0000:3b:00.1");
	assert_int_equal(cfg->outside.port_line, 10);
	assert_int_equal(cfg->outside.addr, IP(192, 0, 2, 2));
	assert_int_equal(cfg->outside.plen, 30);
	assert_int_equal(cfg->outside.gateway, IP(192, 0, 2, 1));
	assert_true(cfg->outside.has_gateway_mac);
	check_mac(&cfg->outside.gateway_mac, out_mac);

	assert_int_equal(cfg->pool.n_ranges, 3);
	assert_int_equal(cfg->pool.ranges[0].first, IP(198, 51, 100, 0));
	assert_int_equal(cfg->pool.ranges[0].last, IP(198, 51, 100, 255));
	assert_int_equal(cfg->pool.ranges[1].first, IP(203, 0, 113, 10));
	assert_int_equal(cfg->pool.ranges[1].last, IP(203, 0, 113, 19));
	assert_int_equal(cfg->pool.ranges[2].first, IP(203, 0, 113, 200));
	assert_int_equal(cfg->pool.ranges[2].last, IP(203, 0, 113, 200));
	assert_int_equal(cfg->pool.n_addrs, 256 + 10 + 1);
	assert_int_equal(cfg->pool.port_lo, 2000);
	assert_int_equal(cfg->pool.port_hi, 60000);
	assert_int_equal(cfg->pool.block_size, 512);
	assert_int_equal(cfg->pool.max_blocks_per_subscriber, 64);
	assert_int_equal(cfg->pool.mapping, CGN_MAP_APDM);
	assert_int_equal(cfg->pool.filtering, CGN_FILTER_ADF);
	assert_false(cfg->pool.hairpinning);

	assert_int_equal(cfg->timeouts.udp, 600);
	assert_int_equal(cfg->timeouts.tcp_established, 86400);
	assert_int_equal(cfg->timeouts.tcp_transitory, 300);
	assert_int_equal(cfg->timeouts.icmp, 30000);
	assert_int_equal(cfg->limits.sessions_per_subscriber, 1000);
	assert_int_equal(cfg->limits.max_sessions, 8388608);
	assert_int_equal(cfg->workers.n_lcores, 3);
	assert_int_equal(cfg->workers.lcores[0], 4);
	assert_int_equal(cfg->workers.lcores[1], 2);
	assert_int_equal(cfg->workers.lcores[2], 3);
	assert_string_equal(cfg->logging.file, "/tmp/cgn-test.log");

	assert_int_equal(cfg->n_statics, 2);
	assert_int_equal(cfg->statics[0].proto, IPPROTO_TCP);
	assert_int_equal(cfg->statics[0].in_addr, IP(100, 64, 12, 34));
	assert_int_equal(cfg->statics[0].in_port, 443);
	assert_int_equal(cfg->statics[0].out_addr, IP(203, 0, 113, 200));
	assert_int_equal(cfg->statics[0].out_port, 443);
	assert_int_equal(cfg->statics[0].line, 30);
	assert_int_equal(cfg->statics[1].proto, IPPROTO_UDP);
	assert_int_equal(cfg->statics[1].in_addr, IP(172, 16, 0, 1));
	assert_int_equal(cfg->statics[1].in_port, 5060);
	assert_int_equal(cfg->statics[1].out_addr, IP(198, 51, 100, 7));
	assert_int_equal(cfg->statics[1].out_port, 1999);
	assert_int_equal(cfg->statics[1].line, 31);
	free(cfg);
}

static void
test_base_values(void **state __rte_unused)
{
	struct cgn_config *cfg = new_cfg();
	struct conf_case c = { .name = "base" };
	char *text = case_text(&c);

	expect_load_ok(text, cfg);
	assert_string_equal(cfg->inside.port, "net_af_packet0");
	assert_int_equal(cfg->inside.port_line, 2);
	assert_int_equal(cfg->inside.addr, IP(100, 64, 0, 1));
	assert_int_equal(cfg->inside.plen, 10);
	assert_int_equal(cfg->inside.gateway, 0);
	assert_false(cfg->inside.has_gateway_mac);
	assert_string_equal(cfg->outside.port, "net_af_packet1");
	assert_int_equal(cfg->outside.port_line, 7);
	assert_int_equal(cfg->outside.gateway, IP(198, 51, 100, 1));
	assert_false(cfg->outside.has_gateway_mac);
	assert_int_equal(cfg->pool.n_addrs, 8);
	assert_int_equal(cfg->pool.mapping, CGN_MAP_EIM);
	assert_int_equal(cfg->pool.filtering, CGN_FILTER_EIF);
	assert_true(cfg->pool.hairpinning);
	assert_int_equal(cfg->n_statics, 1);
	assert_int_equal(cfg->statics[0].line, 37);
	assert_int_equal(cfg->statics[0].out_port, 80);
	free(text);
	free(cfg);
}

static void
check_defaults(const struct cgn_config *cfg)
{
	assert_int_equal(cfg->pool.port_lo, 1024);
	assert_int_equal(cfg->pool.port_hi, 65535);
	assert_int_equal(cfg->pool.block_size, 256);
	assert_int_equal(cfg->pool.max_blocks_per_subscriber, 8);
	assert_int_equal(cfg->pool.mapping, CGN_MAP_EIM);
	assert_int_equal(cfg->pool.filtering, CGN_FILTER_EIF);
	assert_true(cfg->pool.hairpinning);
	assert_int_equal(cfg->timeouts.udp, 300);
	assert_int_equal(cfg->timeouts.tcp_established, 7440);
	assert_int_equal(cfg->timeouts.tcp_transitory, 240);
	assert_int_equal(cfg->timeouts.icmp, 60);
	assert_int_equal(cfg->limits.sessions_per_subscriber, 4096);
	assert_int_equal(cfg->limits.max_sessions, 1048576);
	assert_int_equal(cfg->workers.n_lcores, 1);
	assert_int_equal(cfg->workers.lcores[0], 1);
	assert_string_equal(cfg->logging.file, "/var/log/cgnat/mappings.log");
	assert_int_equal(cfg->n_statics, 0);
	assert_int_equal(cfg->inside.gateway, 0);
	assert_false(cfg->inside.has_gateway_mac);
	assert_false(cfg->outside.has_gateway_mac);
}

static void
test_defaults(void **state __rte_unused)
{
	struct cgn_config *cfg = new_cfg();

	cgn_config_defaults(cfg);
	check_defaults(cfg);
	assert_int_equal(cfg->n_subscribers, 0);
	assert_int_equal(cfg->pool.n_ranges, 0);

	/* Only the required keys: everything else takes its default. */
	expect_load_ok("inside: { port = \"a\"; address = \"100.64.0.1/10\";\n"
		       "  subscribers = [\"100.64.0.0/10\"]; };\n"
		       "outside: { port = \"b\"; address = \"198.51.100.2/24\";"
		       " gateway = \"198.51.100.1\"; };\n"
		       "pool: { addresses = [\"203.0.113.1\"]; };\n", cfg);
	check_defaults(cfg);
	assert_int_equal(cfg->pool.n_addrs, 1);
	assert_int_equal(cfg->n_subscribers, 1);

	/* Empty optional groups are fine too. */
	expect_load_ok("inside: { port = \"a\"; address = \"100.64.0.1/10\";\n"
		       "  subscribers = [\"100.64.0.0/10\"]; };\n"
		       "outside: { port = \"b\"; address = \"198.51.100.2/24\";"
		       " gateway = \"198.51.100.1\"; };\n"
		       "pool: { addresses = [\"203.0.113.1\"]; };\n"
		       "timeouts: {}; limits: {}; workers: {}; logging: {};\n"
		       "static: ();\n", cfg);
	check_defaults(cfg);
	free(cfg);
}

static void
test_pool_index(void **state __rte_unused)
{
	struct cgn_config *cfg = new_cfg();
	uint32_t i;

	expect_load_ok("inside: { port = \"a\"; address = \"10.0.0.1/8\";\n"
		       "  subscribers = [\"100.64.0.0/10\", \"10.0.0.0/8\",\n"
		       "                 \"192.168.7.128/25\"]; };\n"
		       "outside: { port = \"b\"; address = \"198.51.100.2/24\";"
		       " gateway = \"198.51.100.1\"; };\n"
		       "pool: { addresses = [\"203.0.113.8/30\",\n"
		       "  \"192.0.2.250-192.0.2.255\", \"198.51.100.77\",\n"
		       "  \"192.0.2.0/31\"]; };\n", cfg);
	assert_int_equal(cfg->pool.n_ranges, 4);
	assert_int_equal(cfg->pool.n_addrs, 4 + 6 + 1 + 2);

	/* Indices follow the configured order of the ranges. */
	assert_int_equal(cgn_config_pool_index(cfg, IP(203, 0, 113, 8)), 0);
	assert_int_equal(cgn_config_pool_index(cfg, IP(203, 0, 113, 11)), 3);
	assert_int_equal(cgn_config_pool_index(cfg, IP(192, 0, 2, 250)), 4);
	assert_int_equal(cgn_config_pool_index(cfg, IP(192, 0, 2, 255)), 9);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 51, 100, 77)), 10);
	assert_int_equal(cgn_config_pool_index(cfg, IP(192, 0, 2, 0)), 11);
	assert_int_equal(cgn_config_pool_index(cfg, IP(192, 0, 2, 1)), 12);

	/* Gaps and edges. */
	assert_int_equal(cgn_config_pool_index(cfg, IP(203, 0, 113, 7)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, IP(203, 0, 113, 12)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, IP(192, 0, 2, 249)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, IP(192, 0, 2, 2)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 51, 100, 76)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, 0), -1);
	assert_int_equal(cgn_config_pool_index(cfg, UINT32_MAX), -1);

	/* pool_addr is the inverse of pool_index. */
	for (i = 0; i < cfg->pool.n_addrs; i++)
		assert_int_equal(cgn_config_pool_index(cfg,
				 cgn_config_pool_addr(cfg, i)), (int32_t)i);
	assert_int_equal(cgn_config_pool_addr(cfg, 4), IP(192, 0, 2, 250));
	assert_int_equal(cgn_config_pool_addr(cfg, 10), IP(198, 51, 100, 77));
	assert_int_equal(cgn_config_pool_addr(cfg, 12), IP(192, 0, 2, 1));

	/* Subscribers over several prefixes. */
	assert_true(cgn_config_is_subscriber(cfg, IP(100, 64, 0, 0)));
	assert_true(cgn_config_is_subscriber(cfg, IP(100, 127, 255, 255)));
	assert_false(cgn_config_is_subscriber(cfg, IP(100, 128, 0, 0)));
	assert_false(cgn_config_is_subscriber(cfg, IP(100, 63, 255, 255)));
	assert_true(cgn_config_is_subscriber(cfg, IP(10, 1, 2, 3)));
	assert_false(cgn_config_is_subscriber(cfg, IP(11, 0, 0, 0)));
	assert_true(cgn_config_is_subscriber(cfg, IP(192, 168, 7, 128)));
	assert_true(cgn_config_is_subscriber(cfg, IP(192, 168, 7, 255)));
	assert_false(cgn_config_is_subscriber(cfg, IP(192, 168, 7, 127)));
	assert_false(cgn_config_is_subscriber(cfg, IP(203, 0, 113, 8)));
	free(cfg);
}

static void
test_pool_max(void **state __rte_unused)
{
	struct cgn_config *cfg = new_cfg();

	/* Exactly CGN_MAX_POOL_ADDRS addresses in two ranges. */
	expect_load_ok("inside: { port = \"a\"; address = \"100.64.0.1/10\";\n"
		       "  subscribers = [\"100.64.0.0/10\"]; };\n"
		       "outside: { port = \"b\"; address = \"198.51.100.2/24\";"
		       " gateway = \"198.51.100.1\"; };\n"
		       "pool: { addresses = [\"10.0.0.0/17\", "
		       "\"10.1.0.0-10.1.127.255\"]; };\n", cfg);
	assert_int_equal(cfg->pool.n_addrs, CGN_MAX_POOL_ADDRS);
	assert_int_equal(cgn_config_pool_index(cfg, IP(10, 1, 127, 255)),
			 CGN_MAX_POOL_ADDRS - 1);
	assert_int_equal(cgn_config_pool_addr(cfg, CGN_MAX_POOL_ADDRS - 1),
			 IP(10, 1, 127, 255));
	free(cfg);
}

static void
load_shipped(const char *dir, const char *name, struct cgn_config *cfg)
{
	char path[PATH_MAX], err[ERRLEN];

	if (dir == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (cgn_config_load(path, cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
test_cgnat_conf(void **state)
{
	struct cgn_config *cfg = new_cfg();

	load_shipped(*state, "cgnat.conf", cfg);
	assert_string_equal(cfg->inside.port, "net_af_packet0");
	assert_string_equal(cfg->outside.port, "net_af_packet1");
	assert_int_equal(cfg->inside.addr, IP(100, 64, 0, 1));
	assert_int_equal(cfg->outside.addr, IP(198, 51, 100, 2));
	assert_int_equal(cfg->outside.gateway, IP(198, 51, 100, 1));
	assert_int_equal(cfg->pool.n_addrs, 8);
	assert_int_equal(cfg->n_statics, 1);
	assert_string_equal(cfg->logging.file, "/var/log/cgnat/mappings.log");
	assert_int_equal(cfg->workers.n_lcores, 1);
	free(cfg);
}

static void
test_isp_conf(void **state)
{
	struct cgn_config *cfg = new_cfg();

	load_shipped(*state, "isp.conf", cfg);
	assert_string_equal(cfg->inside.port, "0000:3b:00.0");
	assert_true(cfg->outside.has_gateway_mac);
	assert_true(cfg->pool.n_ranges > 1);
	assert_int_equal(cfg->workers.n_lcores, 4);
	free(cfg);
}

static const char *
config_dir(int argc, char **argv)
{
	const char *env = getenv("CGN_CONFIG_DIR");

	if (argc > 1)
		return argv[1];
	if (env != NULL && env[0] != '\0')
		return env;
#ifdef CGN_CONFIG_DIR
	return CGN_CONFIG_DIR;
#else
	return NULL;
#endif
}

int
main(int argc, char **argv)
{
	const char *dir = config_dir(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_base_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pool_index),
		cmocka_unit_test(test_pool_max),
		cmocka_unit_test_prestate(test_cgnat_conf, (void *)dir),
		cmocka_unit_test_prestate(test_isp_conf, (void *)dir),
	};
	struct CMUnitTest table[N_CASES];
	size_t i;
	int failed;

	for (i = 0; i < N_CASES; i++) {
		table[i] = (struct CMUnitTest) {
			.name = cases[i].name,
			.test_func = test_case,
			.initial_state = (void *)&cases[i],
		};
	}
	failed = cmocka_run_group_tests_name("config", tests, NULL, NULL);
	failed += _cmocka_run_group_tests("config_cases", table, N_CASES,
					  NULL, NULL);
	return failed != 0;
}
