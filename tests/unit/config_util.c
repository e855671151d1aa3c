/* SPDX-License-Identifier: BSD-3-Clause
 * The configuration tests' shared fixtures (config_util.h): the two base
 * configurations, temporary files, loading, error checks, case tables.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_util.h"

/* The valid base configuration, one string per line (line = index + 1). */
const char *const base_lines[] = {
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

const size_t n_base_lines = sizeof(base_lines) / sizeof(base_lines[0]);

/*
 * J44 (RFC 7422): the RFC's example with our addresses (I=100.64.0.0/28,
 * O=203.0.113.1, C=14, D=2, R=0-1023).
 */
const char *const det_lines[] = {
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

const size_t n_det_lines = sizeof(det_lines) / sizeof(det_lines[0]);

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
void
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
char *
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

char *
case_text(const struct conf_case *c)
{
	return case_text_of(base_lines, n_base_lines, c);
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
void
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

struct cgn_config *
new_cfg(void)
{
	struct cgn_config *cfg = malloc(sizeof(*cfg));

	assert_non_null(cfg);
	memset(cfg, 0xa5, sizeof(*cfg));
	return cfg;
}

void
expect_load_ok(const char *text, struct cgn_config *cfg)
{
	char err[ERRLEN], path[PATH_MAX];

	if (load_text(text, cfg, err, path, sizeof(path)) != 0)
		fail_msg("load failed: %s", err);
	assert_string_equal(err, "");
}

void
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

void
load_det(const struct conf_case *c, struct cgn_config *cfg)
{
	char *text = case_text_of(det_lines, n_det_lines, c);

	expect_load_ok(text, cfg);
	free(text);
}

/* One case of a table: it must load, or fail at its line with its message. */
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

	run_case(c, case_text_of(det_lines, n_det_lines, c));
}

static void
test_case(void **state)
{
	const struct conf_case *c = *state;

	run_case(c, case_text(c));
}

int
run_cases(const char *group, const struct conf_case *cases, size_t n,
	  bool det)
{
	struct CMUnitTest *table = calloc(n, sizeof(*table));
	size_t i;
	int failed;

	if (table == NULL) {
		fprintf(stderr, "%s: out of memory\n", group);
		return (int)n;
	}
	for (i = 0; i < n; i++) {
		table[i] = (struct CMUnitTest) {
			.name = cases[i].name,
			.test_func = det ? test_det_case : test_case,
			.initial_state = (void *)&cases[i],
		};
	}
	failed = _cmocka_run_group_tests(group, table, n, NULL, NULL);
	free(table);
	return failed;
}
