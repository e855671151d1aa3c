/* SPDX-License-Identifier: BSD-3-Clause
 * Configuration loader (app/cgn_config.c): deterministic NAT (J44, RFC
 * 7422). The cases are edits of the J44 base (det_lines in config_util.c:
 * the RFC's example with our addresses); then the mapping that the
 * configuration computes, f1 and its inverse.
 */
#include <stdlib.h>

#include "config_util.h"

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

/* The RFC's example, loaded: its parameters, f1 and its inverse. */
static void
check_det_example(const struct cgn_config *cfg)
{
	uint32_t out, in, h;
	uint16_t lo, hi, port;

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
	uint32_t out, in;
	uint16_t lo, hi;
	unsigned int v;

	for (v = 0; v < 2; v++) {
		load_det(which[v], cfg);
		check_det_example(cfg);
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

int
config_det_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_det_j44),
		cmocka_unit_test(test_det_several_addresses),
	};
	int failed;

	failed = cmocka_run_group_tests_name("config_det", tests, NULL, NULL);
	failed += run_cases("config_det_cases", det_cases, N_DET_CASES, true);
	return failed;
}
