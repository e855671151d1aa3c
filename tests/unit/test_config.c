/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the configuration loader (app/cgn_config.c), one
 * executable (meson test 'config') built from a file per group of tests:
 *
 *   test_config.c         files that cannot be read, empty or cut short; a
 *                         small error buffer; the shipped configs; main()
 *   test_config_syntax.c  syntax, missing and unknown keys, wrong types
 *   test_config_links.c   interfaces, gateways, MTUs, subscribers, bypass
 *   test_config_pool.c    pool addresses, ports, blocks, mapping, low ports,
 *                         hold-down, pool.mode, static mappings
 *   test_config_limits.c  timeouts, limits, workers, logging, icmp, fragments
 *   test_config_det.c     deterministic NAT (J44)
 *   test_config_values.c  the values a loaded configuration holds
 *   config_util.c         the base configurations and the shared helpers
 *
 * Each test writes its configuration into a temporary file, so the line
 * every error must point at is known. Most error cases are edits of one
 * valid base configuration (config_util.c).
 *
 * The shipped configs (config/cgnat.conf, config/isp.conf) are looked up in
 * the directory given by, in order: argv[1], $CGN_CONFIG_DIR, or the
 * compile-time define CGN_CONFIG_DIR. Without any of these those two tests
 * are skipped.
 *
 * cgn_config_check_ports() is not tested here: it needs an initialised EAL.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "config_util.h"

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
		cmocka_unit_test_prestate(test_cgnat_conf, (void *)dir),
		cmocka_unit_test_prestate(test_isp_conf, (void *)dir),
	};
	int failed;

	failed = cmocka_run_group_tests_name("config", tests, NULL, NULL);
	failed += config_values_run();
	failed += config_det_run();
	failed += config_syntax_run();
	failed += config_links_run();
	failed += config_pool_run();
	failed += config_limits_run();
	return failed != 0;
}
