/* SPDX-License-Identifier: BSD-3-Clause
 * Configuration loader (app/cgn_config.c): the pool. Addresses (A7:
 * ranges), dynamic ports and blocks, mapping and filtering, low ports,
 * parity and preservation (A3, A4), hold-down (A8), pool.mode, and the
 * static mappings. Table-driven: each case is an edit of the base
 * configuration (config_util.c) that must load, or fail at a given line
 * with a given message.
 */
#include "config_util.h"

static const struct conf_case pool_cases[] = {
	/* Valid edge cases. */
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
	OK("empty static list", E(37, "")),
	OK("no static group", BLANK(36, 38)),
	OK("pool range and single address",
	   E(12, "\taddresses = [\"203.0.113.0-203.0.113.9\", "
		 "\"198.19.0.77\"];")),

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
};

int
config_pool_run(void)
{
	return run_cases("config_pool_cases", pool_cases,
			 sizeof(pool_cases) / sizeof(pool_cases[0]), false);
}
