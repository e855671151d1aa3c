/* SPDX-License-Identifier: BSD-3-Clause
 * Configuration loader (app/cgn_config.c): syntax errors, missing groups
 * and keys, unknown keys and wrong types. Table-driven: each case is an
 * edit of the base configuration (config_util.c) that must load, or fail
 * at a given line with a given message.
 */
#include "config_util.h"

static const struct conf_case syntax_cases[] = {
	/* The base itself, and valid edge cases. */
	OK("base"),

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

	/* Unknown top-level names list every group. */
	ERR("unknown top-level lists groups", 39, "(known: inside, outside, "
	    "pool, timeouts, limits, workers, logging, static, deterministic, "
	    "icmp, fragments, bypass)", E(38, ");\nbypas = [];")),
};

int
config_syntax_run(void)
{
	return run_cases("config_syntax_cases", syntax_cases,
			 sizeof(syntax_cases) / sizeof(syntax_cases[0]), false);
}
