/* SPDX-License-Identifier: BSD-3-Clause
 * Configuration loader (app/cgn_config.c): the values a loaded
 * configuration holds. Every key set (test_full), the base, the defaults,
 * the pool's address index over several ranges and its maximum, and the
 * transitory timers that follow tcp_transitory (C16).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <netinet/in.h>

#include "config_util.h"

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

/* test_full: the path, the inside and outside links, the subscribers. */
static void
check_full_links(const struct cgn_config *cfg, const char *path)
{
	static const uint8_t in_mac[] = { 2, 0, 0, 0, 0, 0x0a };
	static const uint8_t out_mac[] = { 0x0c, 0x42, 0xa1, 0, 0, 1 };

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
}

/* test_full: the pool, timeouts, limits, workers and logging. */
static void
check_full_pool(const struct cgn_config *cfg)
{
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
}

/* test_full: the static mappings, with the lines they were read from. */
static void
check_full_statics(const struct cgn_config *cfg)
{
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
}

/* test_full: the carrier-grade keys. */
static void
check_full_carrier(const struct cgn_config *cfg)
{
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
}

static void
test_full(void **state __rte_unused)
{
	struct cgn_config *cfg = new_cfg();
	char err[ERRLEN], path[PATH_MAX];

	write_temp(full_conf, path, sizeof(path));
	if (cgn_config_load(path, cfg, err, sizeof(err)) != 0)
		fail_msg("load failed: %s", err);
	unlink(path);

	check_full_links(cfg, path);
	check_full_pool(cfg);
	check_full_statics(cfg);
	check_full_carrier(cfg);
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

int
config_values_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_base_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pool_index),
		cmocka_unit_test(test_pool_max),
		cmocka_unit_test(test_transitory_defaults),
	};

	return cmocka_run_group_tests_name("config_values", tests, NULL, NULL);
}
