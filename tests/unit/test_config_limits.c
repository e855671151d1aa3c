/* SPDX-License-Identifier: BSD-3-Clause
 * Configuration loader (app/cgn_config.c): timeouts and their RFC
 * minimums (C13, C16, D21), limits (H36), workers, logging, the icmp group
 * (F31, D21) and fragments (G34). Table-driven: each case is an edit of
 * the base configuration (config_util.c) that must load, or fail at a
 * given line with a given message.
 */
#include <rte_common.h>

#include "config_util.h"

/* RTE_MAX_LCORE - 1 as a string, for the message of lcore RTE_MAX_LCORE. */
#if RTE_MAX_LCORE == 128
#define MAX_LCORE_1 "127"
#elif RTE_MAX_LCORE == 256
#define MAX_LCORE_1 "255"
#else
#error "add RTE_MAX_LCORE - 1 for this DPDK build"
#endif

/* 65 worker lcores: one too many. */
#define LCORES_65 "\tlcores = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17," \
	"18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39," \
	"40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61," \
	"62,63,64,65];"

static const struct conf_case limits_cases[] = {
	/* Valid edge cases. */
	OK("udp timeout at the RFC minimum", E(21, "\tudp = 120;")),
	OK("max_sessions at its maximum", E(28, "\tmax_sessions = 134217728;")),
	OK("64-bit integer literal", E(28, "\tmax_sessions = 4096L;")),
	OK("highest lcore", E(31, "\tlcores = [127];")),
	OK("lcores as a list", E(31, "\tlcores = (2, 3);")),

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
	/* RTE_MAX_LCORE: 128 in DPDK's x86 build, 256 in its arm64 one. */
	ERR("lcore too big", 32,
	    "lcore " RTE_STR(RTE_MAX_LCORE) " is out of range (1.." MAX_LCORE_1 ")",
	    E(31, "\tlcores = [1,\n\t\t" RTE_STR(RTE_MAX_LCORE) "];")),
	ERR("lcore twice", 32, "lcore 2 is listed twice",
	    E(31, "\tlcores = [2, 3,\n\t\t2];")),
	ERR("too many lcores", 31, "workers.lcores has 65 entries, at most 64",
	    E(31, LCORES_65)),

	/* Logging. */
	ERR("logging.file empty", 34, "logging.file must not be empty",
	    E(34, "\tfile = \"\";")),

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

	/* fragments (G34). */
	OK("G34 fragments",
	   E(38, ");\nfragments: { max = 1; timeout = 60; };")),
	ERR("G34 fragments max 0", 39, "fragments.max = 0 is out of range "
	    "(1..1048576)", E(38, ");\nfragments: { max = 0; };")),
	ERR("G34 fragments timeout 61", 39, "fragments.timeout = 61 is out of "
	    "range (1..60)", E(38, ");\nfragments: { timeout = 61; };")),
	ERR("G34 unknown fragments key", 39, "unknown key \"entries\" in "
	    "fragments", E(38, ");\nfragments: { entries = 5; };")),
};

int
config_limits_run(void)
{
	return run_cases("config_limits_cases", limits_cases,
			 sizeof(limits_cases) / sizeof(limits_cases[0]), false);
}
