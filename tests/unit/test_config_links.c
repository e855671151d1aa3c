/* SPDX-License-Identifier: BSD-3-Clause
 * Configuration loader (app/cgn_config.c): the links. Interface
 * addresses, gateways and their MACs, MTUs (F32, G33), subscriber prefixes
 * and the bypass prefixes (H38). Table-driven: each case is an edit of the
 * base configuration (config_util.c) that must load, or fail at a given
 * line with a given message.
 */
#include "config_util.h"

static const struct conf_case links_cases[] = {
	/* Valid edge cases. */
	OK("outside /32 with an off-link gateway",
	   E(8, "\taddress = \"198.51.100.2/32\";"),
	   E(9, "\tgateway = \"198.19.0.1\";")),

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

	/* mtu (F32, G33). */
	OK("mtu at the edges", E(2, "\tport = \"net_af_packet0\"; mtu = 68;"),
	   E(7, "\tport = \"net_af_packet1\"; mtu = 9000;")),
	ERR("inside mtu too small", 2, "inside.mtu = 67 is out of range "
	    "(68..9000)", E(2, "\tport = \"net_af_packet0\"; mtu = 67;")),
	ERR("outside mtu too big", 7, "outside.mtu = 9001 is out of range",
	    E(7, "\tport = \"net_af_packet1\"; mtu = 9001;")),
	ERR("mtu as a string", 7, "outside.mtu must be an integer",
	    E(7, "\tport = \"net_af_packet1\"; mtu = \"1500\";")),
};

int
config_links_run(void)
{
	return run_cases("config_links_cases", links_cases,
			 sizeof(links_cases) / sizeof(links_cases[0]), false);
}
