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
	   E(9, "\tgateway = \"198.19.0.1\";")),
	OK("pool range and single address",
	   E(12, "\taddresses = [\"203.0.113.0-203.0.113.9\", "
		 "\"198.19.0.77\"];")),

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
	ERR("unknown inside key", 2, "unknown key \"mut\" in inside",
	    E(2, "\tport = \"net_af_packet0\"; mut = 1500;")),
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
	    "198.19.0.1",
	    E(3, "\taddress = \"198.19.0.1/24\";"),
	    E(12, "\taddresses = [\"198.19.0.0/29\"];")),

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
	/* ---- Carrier-grade keys (checklist A, C, D, F, G, H) ---- */

	/* pool: port preservation, parity (A4), low ports (A3). */
	OK("A3 low_ports within 1-1023",
	   E(18, "\thairpinning = true; low_ports = \"1-1023\";"),
	   E(37, "")),
	OK("A3 low_ports and a static port below them",
	   E(18, "\tlow_ports = \"512-1023\";"),
	   E(37, STATIC("tcp", "100.64.0.5:8080", "203.0.113.1:511"))),
	OK("A3 low_ports empty", E(18, "\tlow_ports = \"\";")),
	OK("A3 low_ports one port", E(18, "\tlow_ports = \"1023-1023\";")),
	OK("A4 parity and preservation off",
	   E(18, "\tport_parity = false; port_preservation = false;")),
	ERR("A3 low_ports from 0", 18, "pool.low_ports = \"0-1023\": the range "
	    "must lie within 1-1023", E(18, "\tlow_ports = \"0-1023\";")),
	ERR("A3 low_ports above 1023", 18, "must lie within 1-1023",
	    E(18, "\tlow_ports = \"100-2000\";")),
	ERR("A3 low_ports to 1024", 18, "pool.low_ports = \"1-1024\": the "
	    "range must lie within 1-1023",
	    E(13, "\tports = \"2000-65535\";"),
	    E(18, "\tlow_ports = \"1-1024\";")),
	ERR("A3 low_ports inverted", 18, "pool.low_ports = \"500-100\": empty "
	    "range", E(18, "\tlow_ports = \"500-100\";")),
	ERR("A3 low_ports syntax", 18, "expected \"LO-HI\"",
	    E(18, "\tlow_ports = \"low\";")),
	ERR("A3 low_ports not a string", 18, "pool.low_ports must be a string",
	    E(18, "\tlow_ports = 1023;")),
	ERR("A3 low_ports overlaps pool.ports", 18, "pool.low_ports 1-1023 "
	    "overlaps the dynamic port range pool.ports 1000-65535",
	    E(13, "\tports = \"1000-65535\";"),
	    E(18, "\tlow_ports = \"1-1023\";")),
	ERR("A3 static port in low_ports", 37, "static[0].outside: port 80 "
	    "lies in pool.low_ports 1-1023",
	    E(18, "\tlow_ports = \"1-1023\";")),
	ERR("A4 port_parity not a bool", 18, "pool.port_parity must be true or "
	    "false", E(18, "\tport_parity = 1;")),
	ERR("port_preservation not a bool", 18, "pool.port_preservation must "
	    "be true or false", E(18, "\tport_preservation = \"yes\";")),

	/* pool: hold-down (A8). */
	OK("A8 hold_down off", E(18, "\thold_down = 0; hold_down_max = 0;")),
	ERR("A8 hold_down negative", 18, "pool.hold_down = -1 is out of range "
	    "(0..2147483647)", E(18, "\thold_down = -1;")),
	ERR("A8 hold_down_max negative", 18, "pool.hold_down_max = -5 is out "
	    "of range", E(18, "\thold_down_max = -5;")),
	ERR("A8 hold_down float", 18, "pool.hold_down must be an integer",
	    E(18, "\thold_down = 1.5;")),

	/* pool.mode and the deterministic group (J44). */
	OK("mode dynamic", E(18, "\tmode = \"dynamic\";")),
	ERR("bad mode", 18, "pool.mode = \"static\" is not one of \"dynamic\", "
	    "\"deterministic\"", E(18, "\tmode = \"static\";")),
	ERR("J44 deterministic mode without group", 18, "pool.mode = "
	    "\"deterministic\" needs a deterministic group",
	    E(18, "\tmode = \"deterministic\";"), E(13, "")),
	ERR("J44 deterministic group in dynamic mode", 39, "the deterministic "
	    "group is set but pool.mode is \"dynamic\"",
	    E(38, ");\ndeterministic: { inside = \"100.64.0.0/28\"; };")),

	/* timeouts (C16, D21). */
	OK("C16 transitory open and close",
	   E(23, "\ttcp_trans_open = 240; tcp_trans_close = 3600;")),
	OK("D21 syn inbound at minimum", E(24, "\ttcp_syn_inbound = 6;")),
	ERR("C16 tcp_trans_open below minimum", 23, "timeouts.tcp_trans_open = "
	    "239 is below the RFC 5382 minimum of 240 s",
	    E(23, "\ttcp_trans_open = 239;")),
	ERR("C16 tcp_trans_close below minimum", 23, "timeouts.tcp_trans_close "
	    "= 100 is below the RFC 5382 minimum of 240 s",
	    E(23, "\ttcp_transitory = 240; tcp_trans_close = 100;")),
	ERR("D21 tcp_syn_inbound below minimum", 24, "timeouts.tcp_syn_inbound "
	    "= 5 is below the RFC 5382 minimum of 6 s",
	    E(24, "\ttcp_syn_inbound = 5;")),

	/* limits (H36). */
	OK("H36 per-protocol port limits",
	   E(28, "\tports_per_subscriber = { tcp = 1000; udp = 1000; "
		 "icmp = 10; };")),
	OK("H36 empty port limits", E(28, "\tports_per_subscriber: {};")),
	OK("H36 rate limit", E(28, "\tmappings_per_second = 1000000;")),
	ERR("H36 port limits not a group", 28, "limits.ports_per_subscriber "
	    "must be a group", E(28, "\tports_per_subscriber = 1000;")),
	ERR("H36 unknown port-limit key", 29, "unknown key \"sctp\" in "
	    "limits.ports_per_subscriber (known keys: tcp, udp, icmp)",
	    E(28, "\tports_per_subscriber: {\n\t\tsctp = 5; };")),
	ERR("H36 port limit negative", 28, "limits.ports_per_subscriber.tcp = "
	    "-1 is out of range (0..4194304)",
	    E(28, "\tports_per_subscriber: { tcp = -1; };")),
	ERR("H36 port limit too big", 28, "limits.ports_per_subscriber.udp = "
	    "4194305 is out of range",
	    E(28, "\tports_per_subscriber: { udp = 4194305; };")),
	ERR("H36 rate limit too big", 28, "limits.mappings_per_second = "
	    "1000001 is out of range (0..1000000)",
	    E(28, "\tmappings_per_second = 1000001;")),

	/* icmp group (F31, D21). */
	OK("icmp group", E(38, ");\nicmp: { unreachable_on_no_mapping = "
			      "false; unsolicited_syn = \"icmp\"; "
			      "rate = 0; };")),
	ERR("F31 unreachable_on_no_mapping not a bool", 39,
	    "icmp.unreachable_on_no_mapping must be true or false",
	    E(38, ");\nicmp: { unreachable_on_no_mapping = 1; };")),
	ERR("D21 bad unsolicited_syn", 40, "icmp.unsolicited_syn = \"rst\" is "
	    "not one of \"drop\", \"icmp\"",
	    E(38, ");\nicmp: {\n\tunsolicited_syn = \"rst\"; };")),
	ERR("icmp rate negative", 39, "icmp.rate = -1 is out of range",
	    E(38, ");\nicmp: { rate = -1; };")),
	ERR("unknown icmp key", 39, "unknown key \"ratelimit\" in icmp",
	    E(38, ");\nicmp: { ratelimit = 5; };")),
	ERR("icmp not a group", 39, "icmp must be a group",
	    E(38, ");\nicmp = 5;")),

	/* bypass (H38). */
	OK("H38 bypass", E(38, ");\nbypass = [\"10.0.0.0/8\", "
			       "\"198.18.0.0/15\"];")),
	OK("H38 bypass empty", E(38, ");\nbypass = [];")),
	OK("H38 bypass as a list", E(38, ");\nbypass = ( \"10.0.0.0/8\" );")),
	ERR("H38 bypass overlaps pool", 40, "bypass[1] 203.0.113.4/32 overlaps "
	    "pool.addresses[0] (line 12)",
	    E(38, ");\nbypass = [\"10.0.0.0/8\",\n\t\"203.0.113.4/32\"];")),
	ERR("H38 bypass overlaps subscribers", 39, "bypass[0] 100.64.0.0/16 "
	    "overlaps subscriber prefix 100.64.0.0/10 (line 4)",
	    E(38, ");\nbypass = [\"100.64.0.0/16\"];")),
	ERR("H38 bypass host bits", 39, "bypass: \"10.0.0.1/8\": host bits set",
	    E(38, ");\nbypass = [\"10.0.0.1/8\"];")),
	ERR("H38 bypass entries overlap", 40, "\"10.1.0.0/16\" overlaps "
	    "\"10.0.0.0/8\"",
	    E(38, ");\nbypass = [\"10.0.0.0/8\",\n\t\"10.1.0.0/16\"];")),
	ERR("H38 bypass not an array", 39, "bypass must be an array",
	    E(38, ");\nbypass = \"10.0.0.0/8\";")),
	ERR("H38 bypass group", 39, "bypass must be an array",
	    E(38, ");\nbypass: { a = 1; };")),
	ERR("H38 bypass element not a string", 39, "bypass[0] must be a string",
	    E(38, ");\nbypass = [1];")),
	ERR("H38 bypass bad prefix", 39, "bypass: \"10.0.0.0/33\": prefix "
	    "length must be 0..32", E(38, ");\nbypass = [\"10.0.0.0/33\"];")),

	/* fragments (G34). */
	OK("G34 fragments",
	   E(38, ");\nfragments: { max = 1; timeout = 60; };")),
	ERR("G34 fragments max 0", 39, "fragments.max = 0 is out of range "
	    "(1..1048576)", E(38, ");\nfragments: { max = 0; };")),
	ERR("G34 fragments timeout 61", 39, "fragments.timeout = 61 is out of "
	    "range (1..60)", E(38, ");\nfragments: { timeout = 61; };")),
	ERR("G34 unknown fragments key", 39, "unknown key \"entries\" in "
	    "fragments", E(38, ");\nfragments: { entries = 5; };")),

	/* mtu (F32, G33). */
	OK("mtu at the edges", E(2, "\tport = \"net_af_packet0\"; mtu = 68;"),
	   E(7, "\tport = \"net_af_packet1\"; mtu = 9000;")),
	ERR("inside mtu too small", 2, "inside.mtu = 67 is out of range "
	    "(68..9000)", E(2, "\tport = \"net_af_packet0\"; mtu = 67;")),
	ERR("outside mtu too big", 7, "outside.mtu = 9001 is out of range",
	    E(7, "\tport = \"net_af_packet1\"; mtu = 9001;")),
	ERR("mtu as a string", 7, "outside.mtu must be an integer",
	    E(7, "\tport = \"net_af_packet1\"; mtu = \"1500\";")),

	/* Unknown top-level names list every group. */
	ERR("unknown top-level lists groups", 39, "(known: inside, outside, "
	    "pool, timeouts, limits, workers, logging, static, deterministic, "
	    "icmp, fragments, bypass)", E(38, ");\nbypas = [];")),
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/*
 * J44 (RFC 7422): the RFC's example with our addresses (I=100.64.0.0/28,
 * O=203.0.113.1, C=14, D=2, R=0-1023).
 */
static const char *const det_lines[] = {
	/*  1 */ "inside: {",
	/*  2 */ "\tport = \"net_af_packet0\";",
	/*  3 */ "\taddress = \"100.64.255.1/10\";",
	/*  4 */ "\tsubscribers = [\"100.64.0.0/10\"];",
	/*  5 */ "};",
	/*  6 */ "outside: {",
	/*  7 */ "\tport = \"net_af_packet1\";",
	/*  8 */ "\taddress = \"198.51.100.2/24\";",
	/*  9 */ "\tgateway = \"198.51.100.1\";",
	/* 10 */ "};",
	/* 11 */ "pool: {",
	/* 12 */ "\taddresses = [\"203.0.113.1\"];",
	/* 13 */ "\tmode = \"deterministic\";",
	/* 14 */ "\tblock_size = 256;",
	/* 15 */ "};",
	/* 16 */ "deterministic: {",
	/* 17 */ "\tinside = \"100.64.0.0/28\";",
	/* 18 */ "\tcompression_ratio = 14;",
	/* 19 */ "\tdynamic_pool_factor = 2;",
	/* 20 */ "\treserved_ports = \"0-1023\";",
	/* 21 */ "};",
	/* 22 */ "static: (",
	/* 23 */ STATIC("tcp", "100.64.0.5:8080", "203.0.113.1:80"),
	/* 24 */ ");",
};

#define N_DET (sizeof(det_lines) / sizeof(det_lines[0]))

static const struct conf_case det_cases[] = {
	OK("J44 base"),
	OK("J44 compression_ratio derived", E(18, "")),
	OK("J44 reserved_ports default", E(20, "")),
	OK("J44 dynamic_pool_factor default", E(19, "")),
	OK("J44 two pool addresses", E(17, "\tinside = \"100.64.0.0/27\";"),
	   E(12, "\taddresses = [\"203.0.113.1-203.0.113.2\"];"), E(18, "")),
	OK("J44 /32 inside", E(17, "\tinside = \"100.64.0.9/32\";"),
	   E(18, "")),
	OK("J44 low ports within reserved",
	   E(14, "\tblock_size = 256; low_ports = \"100-1023\";")),
	ERR("J44 inside not a subscriber", 17, "deterministic.inside "
	    "10.0.0.0/28 is not within any inside.subscribers prefix",
	    E(17, "\tinside = \"10.0.0.0/28\";")),
	ERR("J44 inside larger than the subscribers", 17, "is not within any "
	    "inside.subscribers prefix",
	    E(4, "\tsubscribers = [\"100.64.0.0/29\", \"100.64.0.8/29\"];")),
	ERR("J44 inside host bits", 17, "deterministic.inside = "
	    "\"100.64.0.1/28\": host bits set",
	    E(17, "\tinside = \"100.64.0.1/28\";")),
	ERR("J44 inside bad prefix", 17, "prefix length must be 1..32",
	    E(17, "\tinside = \"100.64.0.0/0\";")),
	ERR("J44 inside missing", 16, "missing required key "
	    "deterministic.inside", E(17, "")),
	ERR("J44 ratio needs more addresses", 18, "deterministic: 14 inside "
	    "hosts at compression_ratio 7 need 2 pool address(es), "
	    "pool.addresses has 1", E(18, "\tcompression_ratio = 7;")),
	ERR("J44 ratio leaves addresses unused", 18, "need only 1 pool "
	    "address(es), pool.addresses has 2 (the others would never be "
	    "used)", E(12, "\taddresses = [\"203.0.113.1\", "
		       "\"203.0.113.2\"];")),
	ERR("J44 derived ratio cannot use every address", 12, "deterministic: "
	    "2 inside hosts cannot use all 3 pool addresses",
	    E(12, "\taddresses = [\"203.0.113.1-203.0.113.3\"];"),
	    E(17, "\tinside = \"100.64.0.0/31\";"), E(18, "")),
	ERR("J44 ratio 0", 18, "deterministic.compression_ratio = 0 is out of "
	    "range (1..65535)", E(18, "\tcompression_ratio = 0;")),
	ERR("J44 no port per host", 18, "64512 ports over compression_ratio + "
	    "dynamic_pool_factor = 65549 leave no port per inside host",
	    E(19, "\tdynamic_pool_factor = 65535;")),
	ERR("J44 no dynamic pool", 19, "the ranges leave no port for the "
	    "dynamic pool", E(19, "\tdynamic_pool_factor = 0;")),
	ERR("J44 dynamic pool below a block", 19, "the dynamic pool "
	    "65523-65535 has 13 ports, fewer than pool.block_size 256",
	    E(19, "\tdynamic_pool_factor = 0;"),
	    E(20, "\treserved_ports = \"0-1024\";")),
	ERR("J44 reserved not from 0", 20, "deterministic.reserved_ports = "
	    "\"1-1023\": the reserved ports must start at port 0",
	    E(20, "\treserved_ports = \"1-1023\";")),
	ERR("J44 reserved everything", 20, "no port would be left to map",
	    E(20, "\treserved_ports = \"0-65535\";")),
	ERR("J44 reserved syntax", 20, "expected \"LO-HI\"",
	    E(20, "\treserved_ports = \"0-\";")),
	ERR("J44 pool.ports set", 14, "pool.ports cannot be set with "
	    "pool.mode = \"deterministic\"",
	    E(14, "\tblock_size = 256; ports = \"1024-65535\";")),
	ERR("J44 static in a deterministic range", 23, "static[0].outside: "
	    "port 2000 lies in the deterministic port ranges 1024-57471",
	    E(23, STATIC("tcp", "100.64.0.5:8080", "203.0.113.1:2000"))),
	ERR("J44 static in the dynamic pool", 23, "port 60000 lies in the "
	    "dynamic range pool.ports 57472-65535",
	    E(23, STATIC("tcp", "100.64.0.5:8080", "203.0.113.1:60000"))),
	ERR("J44 low ports outside reserved", 14, "pool.low_ports 1-1023 must "
	    "lie within deterministic.reserved_ports 0-511",
	    E(14, "\tblock_size = 256; low_ports = \"1-1023\";"),
	    E(20, "\treserved_ports = \"0-511\";")),
	ERR("J44 unknown key", 18, "unknown key \"ratio\" in deterministic "
	    "(known keys: inside, compression_ratio, dynamic_pool_factor, "
	    "reserved_ports)", E(18, "\tratio = 14;")),
	ERR("J44 group as scalar", 16, "deterministic must be a group",
	    E(16, "deterministic = 5;"), BLANK(17, 21)),
	ERR("J44 group missing", 13, "pool.mode = \"deterministic\" needs a "
	    "deterministic group", BLANK(16, 21)),
};

#define N_DET_CASES (sizeof(det_cases) / sizeof(det_cases[0]))

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
case_text_of(const char *const *base, size_t n_base,
	     const struct conf_case *c)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	unsigned int i;

	assert_non_null(buf);
	buf[0] = '\0';
	for (i = 0; i < n_base; i++) {
		const struct edit *e = edit_at(c, (int)i + 1);
		const char *line = base[i];

		if (e != NULL)
			line = (e->line == (int)i + 1) ? e->text : "";
		len += snprintf(buf + len, cap - len, "%s\n", line);
		assert_true(len < cap);
	}
	return buf;
}

static char *
case_text(const struct conf_case *c)
{
	return case_text_of(base_lines, N_BASE, c);
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
run_case(const struct conf_case *c, char *text)
{
	struct cgn_config *cfg = new_cfg();

	if (c->want == NULL)
		expect_load_ok(text, cfg);
	else
		expect_load_error(text, c->want_line, c->want);
	free(text);
	free(cfg);
}

static void
test_det_case(void **state)
{
	const struct conf_case *c = *state;

	run_case(c, case_text_of(det_lines, N_DET, c));
}

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
	"\tport = \"0000:3b:00.0\"; mtu = 9000;\n"
	"\taddress = \"10.255.0.1/30\";\n"
	"\tgateway = \"10.255.0.2\";\n"
	"\tgateway_mac = \"02:00:00:00:00:0a\";\n"
	"\tsubscribers = [\"100.64.0.0/10\", \"172.16.0.0/12\"];\n"
	"};\n"
	"outside: {\n"
	"\tport = \"0000:3b:00.1\"; mtu = 1492;\n"
	"\taddress = \"198.19.0.2/30\";\n"
	"\tgateway = \"198.19.0.1\";\n"
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
	"\thairpinning = false; port_preservation = false; port_parity = false;"
	" low_ports = \"600-1000\"; hold_down = 300; hold_down_max = 64;"
	" mode = \"dynamic\";\n"
	"};\n"
	"timeouts: { udp = 600; tcp_established = 86400; "
	"tcp_transitory = 300; icmp = 30000; tcp_trans_open = 250; "
	"tcp_trans_close = 260; tcp_syn_inbound = 10; };\n"
	"limits: { sessions_per_subscriber = 1000; max_sessions = 8388608; "
	"ports_per_subscriber: { tcp = 1000; udp = 2000; icmp = 50; }; "
	"mappings_per_second = 100; };\n"
	"workers: { lcores = [4, 2, 3]; };\n"
	"logging: { file = \"/tmp/cgn-test.log\"; };\n"
	"static: (\n"
	"\t{ proto = \"tcp\"; inside = \"100.64.12.34:443\"; "
	"outside = \"203.0.113.200:443\"; },\n"
	"\t{ proto = \"udp\"; inside = \"172.16.0.1:5060\"; "
	"outside = \"198.51.100.7:1999\"; }\n"
	");\n"
	"icmp: { unreachable_on_no_mapping = false; unsolicited_syn = \"icmp\";"
	" rate = 50; };\n"
	"bypass = [\"10.0.0.0/8\", \"198.18.0.0/15\"];\n"
	"fragments: { max = 100; timeout = 5; };\n";

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
	assert_int_equal(cfg->outside.addr, IP(198, 19, 0, 2));
	assert_int_equal(cfg->outside.plen, 30);
	assert_int_equal(cfg->outside.gateway, IP(198, 19, 0, 1));
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

	/* The carrier-grade keys. */
	assert_int_equal(cfg->inside.mtu, 9000);
	assert_int_equal(cfg->outside.mtu, 1492);
	assert_false(cfg->pool.port_preservation);
	assert_false(cfg->pool.port_parity);
	assert_int_equal(cfg->pool.low_lo, 600);
	assert_int_equal(cfg->pool.low_hi, 1000);
	assert_int_equal(cfg->pool.hold_down, 300);
	assert_int_equal(cfg->pool.hold_down_max, 64);
	assert_int_equal(cfg->pool.mode, CGN_POOL_DYNAMIC);
	assert_int_equal(cfg->timeouts.tcp_trans_open, 250);
	assert_int_equal(cfg->timeouts.tcp_trans_close, 260);
	assert_int_equal(cfg->timeouts.tcp_syn_inbound, 10);
	assert_int_equal(cfg->limits.ports_per_subscriber.tcp, 1000);
	assert_int_equal(cfg->limits.ports_per_subscriber.udp, 2000);
	assert_int_equal(cfg->limits.ports_per_subscriber.icmp, 50);
	assert_int_equal(cfg->limits.mappings_per_second, 100);
	assert_false(cfg->icmp.unreachable_on_no_mapping);
	assert_int_equal(cfg->icmp.unsolicited_syn, CGN_SYN_ICMP);
	assert_int_equal(cfg->icmp.rate, 50);
	assert_int_equal(cfg->n_bypass, 2);
	assert_int_equal(cfg->bypass[0].addr, IP(10, 0, 0, 0));
	assert_int_equal(cfg->bypass[0].len, 8);
	assert_int_equal(cfg->bypass[1].addr, IP(198, 18, 0, 0));
	assert_int_equal(cfg->bypass[1].len, 15);
	assert_true(cgn_config_is_bypass(cfg, IP(10, 255, 255, 255)));
	assert_true(cgn_config_is_bypass(cfg, IP(198, 19, 0, 1)));
	assert_false(cgn_config_is_bypass(cfg, IP(198, 20, 0, 1)));
	assert_false(cgn_config_is_bypass(cfg, IP(100, 64, 0, 1)));
	assert_int_equal(cfg->fragments.max, 100);
	assert_int_equal(cfg->fragments.timeout, 5);
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
	/* The carrier-grade keys. */
	assert_int_equal(cfg->inside.mtu, 1500);
	assert_int_equal(cfg->outside.mtu, 1500);
	assert_true(cfg->pool.port_preservation);
	assert_true(cfg->pool.port_parity);
	assert_int_equal(cfg->pool.low_lo, 0);
	assert_int_equal(cfg->pool.low_hi, 0);
	assert_int_equal(cfg->pool.hold_down, 120);
	assert_int_equal(cfg->pool.hold_down_max, 0);
	assert_int_equal(cfg->pool.mode, CGN_POOL_DYNAMIC);
	assert_int_equal(cfg->timeouts.tcp_trans_open, 240);
	assert_int_equal(cfg->timeouts.tcp_trans_close, 240);
	assert_int_equal(cfg->timeouts.tcp_syn_inbound, 6);
	assert_int_equal(cfg->limits.ports_per_subscriber.tcp, 0);
	assert_int_equal(cfg->limits.ports_per_subscriber.udp, 0);
	assert_int_equal(cfg->limits.ports_per_subscriber.icmp, 0);
	assert_int_equal(cfg->limits.mappings_per_second, 0);
	assert_true(cfg->icmp.unreachable_on_no_mapping);
	assert_int_equal(cfg->icmp.unsolicited_syn, CGN_SYN_DROP);
	assert_int_equal(cfg->icmp.rate, 1000);
	assert_int_equal(cfg->n_bypass, 0);
	assert_int_equal(cfg->fragments.max, 4096);
	assert_int_equal(cfg->fragments.timeout, 2);
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
		       "  \"198.19.0.250-198.19.0.255\", \"198.51.100.77\",\n"
		       "  \"198.19.0.0/31\"]; };\n", cfg);
	assert_int_equal(cfg->pool.n_ranges, 4);
	assert_int_equal(cfg->pool.n_addrs, 4 + 6 + 1 + 2);

	/* Indices follow the configured order of the ranges. */
	assert_int_equal(cgn_config_pool_index(cfg, IP(203, 0, 113, 8)), 0);
	assert_int_equal(cgn_config_pool_index(cfg, IP(203, 0, 113, 11)), 3);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 19, 0, 250)), 4);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 19, 0, 255)), 9);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 51, 100, 77)), 10);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 19, 0, 0)), 11);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 19, 0, 1)), 12);

	/* Gaps and edges. */
	assert_int_equal(cgn_config_pool_index(cfg, IP(203, 0, 113, 7)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, IP(203, 0, 113, 12)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 19, 0, 249)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 19, 0, 2)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, IP(198, 51, 100, 76)), -1);
	assert_int_equal(cgn_config_pool_index(cfg, 0), -1);
	assert_int_equal(cgn_config_pool_index(cfg, UINT32_MAX), -1);

	/* pool_addr is the inverse of pool_index. */
	for (i = 0; i < cfg->pool.n_addrs; i++)
		assert_int_equal(cgn_config_pool_index(cfg,
				 cgn_config_pool_addr(cfg, i)), (int32_t)i);
	assert_int_equal(cgn_config_pool_addr(cfg, 4), IP(198, 19, 0, 250));
	assert_int_equal(cgn_config_pool_addr(cfg, 10), IP(198, 51, 100, 77));
	assert_int_equal(cgn_config_pool_addr(cfg, 12), IP(198, 19, 0, 1));

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

/* C16: the open and close transitory timers follow tcp_transitory. */
static void
test_transitory_defaults(void **state __rte_unused)
{
	static const char head[] =
		"inside: { port = \"a\"; address = \"100.64.0.1/10\";\n"
		"  subscribers = [\"100.64.0.0/10\"]; };\n"
		"outside: { port = \"b\"; address = \"198.51.100.2/24\";"
		" gateway = \"198.51.100.1\"; };\n"
		"pool: { addresses = [\"203.0.113.1\"]; };\n";
	struct cgn_config *cfg = new_cfg();
	char text[1024];

	snprintf(text, sizeof(text), "%stimeouts: { tcp_transitory = 300; "
		 "};\n", head);
	expect_load_ok(text, cfg);
	assert_int_equal(cfg->timeouts.tcp_transitory, 300);
	assert_int_equal(cfg->timeouts.tcp_trans_open, 300);
	assert_int_equal(cfg->timeouts.tcp_trans_close, 300);

	snprintf(text, sizeof(text), "%stimeouts: { tcp_transitory = 300; "
		 "tcp_trans_close = 7200; };\n", head);
	expect_load_ok(text, cfg);
	assert_int_equal(cfg->timeouts.tcp_trans_open, 300);
	assert_int_equal(cfg->timeouts.tcp_trans_close, 7200);

	snprintf(text, sizeof(text), "%stimeouts: { tcp_trans_open = 500; "
		 "};\n", head);
	expect_load_ok(text, cfg);
	assert_int_equal(cfg->timeouts.tcp_transitory, 240);
	assert_int_equal(cfg->timeouts.tcp_trans_open, 500);
	assert_int_equal(cfg->timeouts.tcp_trans_close, 240);
	free(cfg);
}

static void
load_det(const struct conf_case *c, struct cgn_config *cfg)
{
	char *text = case_text_of(det_lines, N_DET, c);

	expect_load_ok(text, cfg);
	free(text);
}

/*
 * J44 (RFC 7422 section 2's example, our addresses): I=100.64.0.0/28,
 * O=203.0.113.1, C=14, D=2, R=0-1023: each host gets 4032 ports, .1 gets
 * 1024-5055, .14 gets 53440-57471, the dynamic pool is 57472-65535, and
 * 203.0.113.1:2001 maps back to .1.
 */
static void
test_det_j44(void **state __rte_unused)
{
	const struct conf_case base = { .name = "det" };
	const struct conf_case derived = { .name = "det", .ed = { E(18, "") } };
	const struct conf_case *which[] = { &base, &derived };
	struct cgn_config *cfg = new_cfg();
	uint32_t out, in, h;
	uint16_t lo, hi, port;
	unsigned int v;

	for (v = 0; v < 2; v++) {
		load_det(which[v], cfg);
		assert_int_equal(cfg->pool.mode, CGN_POOL_DETERMINISTIC);
		assert_int_equal(cfg->deterministic.line, 16);
		assert_int_equal(cfg->deterministic.inside.addr,
				 IP(100, 64, 0, 0));
		assert_int_equal(cfg->deterministic.inside.len, 28);
		assert_int_equal(cfg->deterministic.n_hosts, 14);
		assert_int_equal(cfg->deterministic.first_host,
				 IP(100, 64, 0, 1));
		assert_int_equal(cfg->deterministic.compression_ratio, 14);
		assert_int_equal(cfg->deterministic.dynamic_pool_factor, 2);
		assert_int_equal(cfg->deterministic.reserved_hi, 1023);
		assert_int_equal(cfg->deterministic.first_port, 1024);
		assert_int_equal(cfg->deterministic.ports_per_sub, 4032);
		assert_int_equal(cfg->deterministic.dyn_lo, 57472);
		/* The dynamic pool is what the ranges leave. */
		assert_int_equal(cfg->pool.port_lo, 57472);
		assert_int_equal(cfg->pool.port_hi, 65535);

		assert_int_equal(cgn_config_det_forward(cfg, IP(100, 64, 0, 1),
							&out, &lo, &hi), 0);
		assert_int_equal(out, IP(203, 0, 113, 1));
		assert_int_equal(lo, 1024);
		assert_int_equal(hi, 5055);
		assert_int_equal(cgn_config_det_forward(cfg,
							IP(100, 64, 0, 14),
							&out, &lo, &hi), 0);
		assert_int_equal(out, IP(203, 0, 113, 1));
		assert_int_equal(lo, 53440);
		assert_int_equal(hi, 57471);
		/* Network and broadcast addresses, and others: none. */
		assert_int_equal(cgn_config_det_forward(cfg, IP(100, 64, 0, 0),
							&out, &lo, &hi), -1);
		assert_int_equal(cgn_config_det_forward(cfg,
							IP(100, 64, 0, 15),
							&out, &lo, &hi), -1);
		assert_int_equal(cgn_config_det_forward(cfg,
							IP(100, 64, 0, 16),
							&out, &lo, &hi), -1);

		assert_int_equal(cgn_config_det_reverse(cfg,
							IP(203, 0, 113, 1),
							2001, &in), 0);
		assert_int_equal(in, IP(100, 64, 0, 1));
		assert_int_equal(cgn_config_det_reverse(cfg,
							IP(203, 0, 113, 1),
							57471, &in), 0);
		assert_int_equal(in, IP(100, 64, 0, 14));
		/* Reserved and dynamic ports, other addresses: nobody's. */
		assert_int_equal(cgn_config_det_reverse(cfg,
							IP(203, 0, 113, 1),
							1023, &in), -1);
		assert_int_equal(cgn_config_det_reverse(cfg,
							IP(203, 0, 113, 1),
							57472, &in), -1);
		assert_int_equal(cgn_config_det_reverse(cfg,
							IP(203, 0, 113, 2),
							2001, &in), -1);
		/* f1 and its inverse agree on every port of every host. */
		for (h = 1; h <= 14; h++) {
			assert_int_equal(cgn_config_det_forward(cfg,
					 IP(100, 64, 0, h), &out, &lo, &hi), 0);
			assert_int_equal(hi - lo + 1, 4032);
			for (port = lo; port <= hi && port >= lo; port++) {
				assert_int_equal(cgn_config_det_reverse(cfg,
						 out, port, &in), 0);
				assert_int_equal(in, IP(100, 64, 0, h));
			}
		}
	}

	/* A dynamic configuration has no deterministic mapping. */
	cfg->pool.mode = CGN_POOL_DYNAMIC;
	assert_int_equal(cgn_config_det_forward(cfg, IP(100, 64, 0, 1), &out,
						&lo, &hi), -1);
	assert_int_equal(cgn_config_det_reverse(cfg, IP(203, 0, 113, 1), 2001,
						&in), -1);
	free(cfg);
}

/* Several pool addresses: C hosts per address, in the configured order. */
static void
test_det_several_addresses(void **state __rte_unused)
{
	const struct conf_case c = { .name = "det", .ed = {
		E(17, "\tinside = \"100.64.0.0/27\";"),
		E(12, "\taddresses = [\"203.0.113.9\", \"203.0.113.1\"];"),
		E(18, "") } };
	struct cgn_config *cfg = new_cfg();
	uint32_t out, in, h;
	uint16_t lo, hi;

	load_det(&c, cfg);
	/* 30 hosts over 2 addresses: C = 15; 64512 / 17 = 3794 ports. */
	assert_int_equal(cfg->deterministic.n_hosts, 30);
	assert_int_equal(cfg->deterministic.compression_ratio, 15);
	assert_int_equal(cfg->deterministic.ports_per_sub, 3794);
	assert_int_equal(cfg->deterministic.dyn_lo, 1024 + 15 * 3794);
	assert_int_equal(cfg->pool.port_lo, 1024 + 15 * 3794);
	for (h = 1; h <= 30; h++) {
		uint32_t k = h - 1;

		assert_int_equal(cgn_config_det_forward(cfg,
				 IP(100, 64, 0, h), &out, &lo, &hi), 0);
		assert_int_equal(out, k < 15 ? IP(203, 0, 113, 9) :
					       IP(203, 0, 113, 1));
		assert_int_equal(lo, 1024 + (k % 15) * 3794);
		assert_int_equal(hi, lo + 3793);
		assert_int_equal(cgn_config_det_reverse(cfg, out, lo, &in), 0);
		assert_int_equal(in, IP(100, 64, 0, h));
		assert_int_equal(cgn_config_det_reverse(cfg, out, hi, &in), 0);
		assert_int_equal(in, IP(100, 64, 0, h));
	}
	assert_int_equal(cgn_config_det_forward(cfg, IP(100, 64, 0, 31), &out,
						&lo, &hi), -1);
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
		cmocka_unit_test(test_transitory_defaults),
		cmocka_unit_test(test_det_j44),
		cmocka_unit_test(test_det_several_addresses),
		cmocka_unit_test_prestate(test_cgnat_conf, (void *)dir),
		cmocka_unit_test_prestate(test_isp_conf, (void *)dir),
	};
	struct CMUnitTest table[N_CASES];
	struct CMUnitTest det_table[N_DET_CASES];
	size_t i;
	int failed;

	for (i = 0; i < N_CASES; i++) {
		table[i] = (struct CMUnitTest) {
			.name = cases[i].name,
			.test_func = test_case,
			.initial_state = (void *)&cases[i],
		};
	}
	for (i = 0; i < N_DET_CASES; i++) {
		det_table[i] = (struct CMUnitTest) {
			.name = det_cases[i].name,
			.test_func = test_det_case,
			.initial_state = (void *)&det_cases[i],
		};
	}
	failed = cmocka_run_group_tests_name("config", tests, NULL, NULL);
	failed += _cmocka_run_group_tests("config_cases", table, N_CASES,
					  NULL, NULL);
	failed += _cmocka_run_group_tests("config_det_cases", det_table,
					  N_DET_CASES, NULL, NULL);
	return failed != 0;
}
