/* SPDX-License-Identifier: BSD-3-Clause
 * What the configuration loader's unit tests (test_config*.c, one
 * executable) share: the valid base configurations that most cases edit,
 * the edits and cases, writing a configuration into a temporary file and
 * loading it, and the check of an error message.
 *
 * Each test writes its configuration into a temporary file, so the line
 * every error must point at is known. Most error cases are edits of one
 * valid base configuration (BASE in config_util.c, line numbers in the
 * comments there).
 *
 * Buffers use plain malloc(), not test_malloc(): a failing assertion leaves
 * them allocated, and cmocka would then abort the remaining groups.
 */
#ifndef CONFIG_UTIL_H
#define CONFIG_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cgn_config.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define ERRLEN 512

/* The valid base configuration (38 lines) and the J44 one (24 lines). */
extern const char *const base_lines[];
extern const size_t n_base_lines;
extern const char *const det_lines[];
extern const size_t n_det_lines;

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

#define STATIC(proto, in, out) \
	"\t{ proto = \"" proto "\"; inside = \"" in "\"; outside = \"" \
	out "\"; }"

/* Write text into a fresh temporary file; path receives its name. */
void write_temp(const char *text, char *path, size_t len);
/* The text of a case: a base with its edits applied (malloc'd). */
char *case_text_of(const char *const *base, size_t n_base,
		   const struct conf_case *c);
/* The text of a case of BASE. */
char *case_text(const struct conf_case *c);
/* err must be "PATH:LINE: ..." containing want. */
void check_error(const char *err, const char *path, int line,
		 const char *want);
/* A config filled with 0xa5, so that nothing is zero by chance. */
struct cgn_config *new_cfg(void);
void expect_load_ok(const char *text, struct cgn_config *cfg);
void expect_load_error(const char *text, int line, const char *want);
/* Load a case of the J44 base, which must load. */
void load_det(const struct conf_case *c, struct cgn_config *cfg);

/*
 * Run a table of cases as the cmocka group `group`: each case is a test of
 * its own, edits of BASE (det false) or of the J44 base (det true).
 * Returns the number of failed cases.
 */
int run_cases(const char *group, const struct conf_case *cases, size_t n,
	      bool det);

/* The groups, one per file; each returns its number of failed tests. */
int config_syntax_run(void);       /* test_config_syntax.c */
int config_links_run(void);        /* test_config_links.c */
int config_pool_run(void);         /* test_config_pool.c */
int config_limits_run(void);       /* test_config_limits.c */
int config_det_run(void);          /* test_config_det.c */
int config_values_run(void);       /* test_config_values.c */

#endif /* CONFIG_UTIL_H */
