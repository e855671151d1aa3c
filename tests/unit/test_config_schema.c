/* SPDX-License-Identifier: BSD-3-Clause
 * The configuration schema (app/cgn_config_schema.c) against its
 * documentation and its writer:
 *   - the table is consistent (paths, groups, ranges that fit the fields,
 *     every key either has a default, is required, or is derived);
 *   - config/cgnat.conf names every key of the schema, set or in a comment
 *     as it does for optional keys, and no key the schema lacks; a copy with
 *     one key's lines taken out, or with an extra key, is reported;
 *   - cgn_config_write() writes a configuration that loads back into the
 *     same values, compared key by key through the schema, for
 *     config/cgnat.conf and for two configurations that between them set
 *     every key to something other than its default.
 *
 * config/cgnat.conf is argv[1] if given, else CGN_CONFIG_DIR/cgnat.conf
 * (a define set by meson).
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libconfig.h>

#include "cgn_config.h"
#include "cgn_config_schema.h"
#include "conf_keys.h"

#define ERRLEN 512
#define REPORT_LEN 4096

static const char *conf_path;

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A fresh temporary file name (the file exists, empty). */
static void
temp_path(char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/cgn_test_schema_XXXXXX",
		 dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static struct cgn_config *
load(const char *path)
{
	struct cgn_config *cfg = malloc(sizeof(*cfg));
	char err[ERRLEN];

	assert_non_null(cfg);
	if (cgn_config_load(path, cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return cfg;
}

static struct cgn_config *
load_text(const char *text)
{
	char path[PATH_MAX];
	struct cgn_config *cfg;

	temp_path(path, sizeof(path));
	write_text(path, text);
	cfg = load(path);
	unlink(path);
	return cfg;
}

/* ------------------------------------------------------------------ */
/* The table itself                                                    */
/* ------------------------------------------------------------------ */

static bool
is_leaf(const struct cgn_key *k)
{
	return k->type != CGN_KT_GROUP && k->type != CGN_KT_LIST;
}

/* The group or list that holds k ("static[]" is held by "static"). */
static const struct cgn_key *
parent_of(const struct cgn_key *k)
{
	char path[CONF_KEY_PATH_MAX];
	size_t n = strlen(k->group);

	snprintf(path, sizeof(path), "%s", k->group);
	if (n > 2 && strcmp(path + n - 2, "[]") == 0)
		path[n - 2] = '\0';
	return cgn_config_key(path);
}

static void
check_key(const struct cgn_key *k)
{
	char path[CONF_KEY_PATH_MAX];

	snprintf(path, sizeof(path), "%s%s%s", k->group,
		 k->group[0] != '\0' ? "." : "", k->name);
	if (strcmp(path, k->path) != 0)
		fail_msg("%s: group + name is %s", k->path, path);
	if (cgn_config_key(k->path) != k)
		fail_msg("%s: not the first key with this path", k->path);
	if (k->group[0] != '\0' && (parent_of(k) == NULL ||
				    is_leaf(parent_of(k))))
		fail_msg("%s: group %s is not in the schema", k->path,
			 k->group);
	if (k->doc == NULL || k->doc[0] == '\0' || strchr(k->doc, '\n'))
		fail_msg("%s: no one-line doc", k->path);
	if (k->type == CGN_KT_UINT && (k->min > k->max || k->size > 4 ||
				       (k->size < 4 &&
					k->max >> (8 * k->size) != 0)))
		fail_msg("%s: range %ld..%ld does not fit %zu bytes", k->path,
			 (long)k->min, (long)k->max, k->size);
	if (k->type == CGN_KT_ENUM && k->names == NULL)
		fail_msg("%s: an enum without names", k->path);
	if (k->def == NULL && is_leaf(k) && !(k->flags & (CGN_KF_REQUIRED |
							  CGN_KF_DERIVED)) &&
	    k->type != CGN_KT_HOST && k->type != CGN_KT_MAC)
		fail_msg("%s: optional, but has no default", k->path);
}

static void
test_schema_consistent(void **state)
{
	const struct cgn_key *schema;
	size_t i, n;

	(void)state;
	schema = cgn_config_schema(&n);
	assert_true(n > 40);
	for (i = 0; i < n; i++)
		check_key(&schema[i]);
	assert_null(cgn_config_key("timeouts.udpp"));
	assert_string_equal(cgn_config_key("timeouts.udp")->doc,
			    "UDP mapping idle timeout");
	assert_string_equal(cgn_config_type_name(CGN_KT_PREFIX_LIST),
			    "prefix list");
}

/* ------------------------------------------------------------------ */
/* The schema against config/cgnat.conf                                */
/* ------------------------------------------------------------------ */

/*
 * Keys of the schema that keys lacks, and keys of keys not in the schema,
 * as lines into report. Returns how many.
 */
static int
doc_problems(const struct conf_keys *keys, char *report, size_t len)
{
	const struct cgn_key *schema;
	size_t i, n;
	int bad = 0;

	report[0] = '\0';
	schema = cgn_config_schema(&n);
	for (i = 0; i < n; i++) {
		if (conf_keys_find(keys, schema[i].path) != NULL)
			continue;
		snprintf(report + strlen(report), len - strlen(report),
			 "not documented: %s\n", schema[i].path);
		bad++;
	}
	for (i = 0; i < keys->n; i++) {
		if (cgn_config_key(keys->v[i].path) != NULL)
			continue;
		snprintf(report + strlen(report), len - strlen(report),
			 "line %d: %s is not in the schema\n",
			 keys->v[i].line, keys->v[i].path);
		bad++;
	}
	return bad;
}

static void
scan_file(const char *path, struct conf_keys *keys)
{
	char *text = read_text(path);
	char err[ERRLEN];

	if (conf_keys_scan(text, keys, err, sizeof(err)) != 0)
		fail_msg("%s:%s", path, err);
	free(text);
}

static void
test_conf_documents_schema(void **state)
{
	struct conf_keys keys;
	char report[REPORT_LEN];

	(void)state;
	scan_file(conf_path, &keys);
	if (doc_problems(&keys, report, sizeof(report)) != 0)
		fail_msg("%s:\n%s", conf_path, report);
	/* Optional keys the file shows only in comments. */
	assert_true(conf_keys_find(&keys, "inside.gateway")->commented);
	assert_true(conf_keys_find(&keys, "deterministic.inside")->commented);
	assert_false(conf_keys_find(&keys, "static[].proto")->commented);
	conf_keys_free(&keys);
}

/* Add to paths every setting under s (list elements as "[]"). */
static void
libconfig_paths(const config_setting_t *s, const char *prefix,
		struct conf_keys *paths)
{
	int i, n = config_setting_length(s);

	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(s, i);
		const char *name = config_setting_name(m);
		struct conf_key k = { .line = config_setting_source_line(m) };

		if (name == NULL) { /* a list element */
			snprintf(k.path, sizeof(k.path), "%s[]", prefix);
		} else {
			snprintf(k.path, sizeof(k.path), "%s%s%s", prefix,
				 prefix[0] != '\0' ? "." : "", name);
			paths->v[paths->n++] = k;
			assert_true(paths->n < paths->cap);
		}
		if (config_setting_is_group(m) || config_setting_is_list(m))
			libconfig_paths(m, k.path, paths);
	}
}

/* The scanner sees exactly the keys libconfig reads, and more. */
static void
test_scanner_agrees_with_libconfig(void **state)
{
	struct conf_keys keys, set = { .cap = 1024 };
	config_t lc;
	size_t i;

	(void)state;
	scan_file(conf_path, &keys);
	set.v = calloc(set.cap, sizeof(*set.v));
	assert_non_null(set.v);
	config_init(&lc);
	assert_int_equal(config_read_file(&lc, conf_path), CONFIG_TRUE);
	libconfig_paths(config_root_setting(&lc), "", &set);
	config_destroy(&lc);
	assert_true(set.n > 30);
	for (i = 0; i < set.n; i++)
		if (conf_keys_find(&keys, set.v[i].path) == NULL)
			fail_msg("line %d: the scanner misses %s",
				 set.v[i].line, set.v[i].path);
	for (i = 0; i < keys.n; i++)
		if (!keys.v[i].commented &&
		    conf_keys_find(&set, keys.v[i].path) == NULL)
			fail_msg("line %d: the scanner sees %s, libconfig not",
				 keys.v[i].line, keys.v[i].path);
	conf_keys_free(&keys);
	conf_keys_free(&set);
}

/* text without the lines (1-based) that name path in keys. */
static char *
drop_key_lines(const char *text, const struct conf_keys *keys,
	       const char *path)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *s = text;
	int line = 1;
	size_t i;

	assert_non_null(out);
	while (*s != '\0') {
		const char *end = strchr(s, '\n');
		size_t len = end != NULL ? (size_t)(end - s + 1) : strlen(s);
		bool drop = false;

		for (i = 0; i < keys->n; i++)
			if (keys->v[i].line == line &&
			    strcmp(keys->v[i].path, path) == 0)
				drop = true;
		if (!drop) {
			memcpy(o, s, len);
			o += len;
		}
		s += len;
		line++;
	}
	*o = '\0';
	return out;
}

/* Scan a temporary copy holding text; the report of doc_problems(). */
static int
problems_of_copy(const char *text, char *report, size_t len)
{
	char path[PATH_MAX];
	struct conf_keys keys;
	int bad;

	temp_path(path, sizeof(path));
	write_text(path, text);
	scan_file(path, &keys);
	unlink(path);
	bad = doc_problems(&keys, report, len);
	conf_keys_free(&keys);
	return bad;
}

/* Each key taken out of a copy of the file is reported, alone. */
static void
test_missing_doc_reported(void **state)
{
	char *text = read_text(conf_path), report[REPORT_LEN], want[256];
	const struct cgn_key *schema;
	struct conf_keys keys;
	size_t i, n, tried = 0;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(conf_keys_scan(text, &keys, err, sizeof(err)), 0);
	schema = cgn_config_schema(&n);
	for (i = 0; i < n; i++) {
		char *copy;

		if (!is_leaf(&schema[i]))
			continue;
		copy = drop_key_lines(text, &keys, schema[i].path);
		assert_true(strlen(copy) < strlen(text));
		assert_true(problems_of_copy(copy, report,
					     sizeof(report)) > 0);
		snprintf(want, sizeof(want), "not documented: %s\n",
			 schema[i].path);
		if (strstr(report, want) == NULL)
			fail_msg("%s taken out, but the report is:\n%s",
				 schema[i].path, report);
		free(copy);
		tried++;
	}
	assert_true(tried > 40);
	conf_keys_free(&keys);
	free(text);
}

/* Keys the schema lacks, set or in a comment, are reported. */
static void
test_unknown_key_reported(void **state)
{
	static const char *const extra[][2] = {
		{ "timeouts: {\n", "\ttcp_half_open = 30;\n" },
		{ "pool: {\n", "\t# frobnicate = \"yes\";\n" },
		{ "ports_per_subscriber: {\n", "\t\tsctp = 1;\n" },
	};
	static const char *const want[] = {
		"timeouts.tcp_half_open is not in the schema",
		"pool.frobnicate is not in the schema",
		"limits.ports_per_subscriber.sctp is not in the schema",
	};
	char *text = read_text(conf_path), report[REPORT_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		char *at = strstr(text, extra[i][0]), *copy;
		size_t head;

		assert_non_null(at);
		head = (size_t)(at - text) + strlen(extra[i][0]);
		copy = malloc(strlen(text) + strlen(extra[i][1]) + 1);
		assert_non_null(copy);
		memcpy(copy, text, head);
		strcpy(copy + head, extra[i][1]);
		strcat(copy, text + head);
		assert_int_equal(problems_of_copy(copy, report,
						  sizeof(report)), 1);
		if (strstr(report, want[i]) == NULL)
			fail_msg("expected \"%s\", got:\n%s", want[i], report);
		free(copy);
	}
	free(text);
}

/* ------------------------------------------------------------------ */
/* cgn_config_write(): write, read back, compare through the schema    */
/* ------------------------------------------------------------------ */

static bool
field_differs(const struct cgn_key *k, const void *a, const void *b)
{
	const char *pa = a, *pb = b;

	return memcmp(pa + k->off, pb + k->off, k->size) != 0 ||
	       memcmp(pa + k->aux_off, pb + k->aux_off, k->aux_size) != 0;
}

/*
 * The first key of group `group` whose value differs between a and b
 * (fields from base_a and base_b); NULL when none does.
 */
static const struct cgn_key *
first_difference(const char *group, const void *a, const void *b,
		 unsigned int *elem)
{
	const struct cgn_key *schema, *d;
	char sub[CONF_KEY_PATH_MAX];
	size_t i, n;
	unsigned int j, cnt;

	schema = cgn_config_schema(&n);
	for (i = 0; i < n; i++) {
		const struct cgn_key *k = &schema[i];

		if (strcmp(k->group, group) != 0)
			continue;
		if (k->type == CGN_KT_GROUP) {
			d = first_difference(k->path, a, b, elem);
			if (d != NULL)
				return d;
			continue;
		}
		if (k->type != CGN_KT_LIST) {
			if (field_differs(k, a, b))
				return k;
			continue;
		}
		cnt = *(const unsigned int *)((const char *)a + k->aux_off);
		if (cnt != *(const unsigned int *)((const char *)b +
						   k->aux_off))
			return k;
		snprintf(sub, sizeof(sub), "%s[]", k->path);
		for (j = 0; j < cnt; j++) {
			*elem = j;
			d = first_difference(sub, (const char *)a + k->off +
					     j * k->size, (const char *)b +
					     k->off + j * k->size, elem);
			if (d != NULL)
				return d;
		}
		*elem = UINT_MAX;
	}
	return NULL;
}

/* Write cfg, load the file back, compare. */
static void
round_trip(const struct cgn_config *cfg)
{
	struct cgn_config *back;
	const struct cgn_key *d;
	char path[PATH_MAX];
	unsigned int elem = UINT_MAX;
	FILE *f;

	temp_path(path, sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(cgn_config_write(f, cfg), 0);
	assert_int_equal(fclose(f), 0);
	back = load(path);
	d = first_difference("", cfg, back, &elem);
	if (d != NULL) {
		char *text = read_text(path);

		fail_msg("%s (element %d) differs after writing and reading "
			 "back:\n%s", d->path, elem == UINT_MAX ? -1 :
			 (int)elem, text);
	}
	/* Derived values follow: the whole struct but lines and path. */
	back->inside.port_line = cfg->inside.port_line;
	back->outside.port_line = cfg->outside.port_line;
	back->deterministic.line = cfg->deterministic.line;
	for (elem = 0; elem < back->n_statics; elem++)
		back->statics[elem].line = cfg->statics[elem].line;
	memcpy(back->path, cfg->path, sizeof(back->path));
	assert_memory_equal(back, cfg, sizeof(*cfg));
	unlink(path);
	free(back);
}

/* Every key but the list elements', most to non-default values. */
static const char full_conf[] =
	"inside: { port = \"0000:3b:00.0\"; mtu = 9000;\n"
	"  address = \"10.255.0.1/30\"; gateway = \"10.255.0.2\";\n"
	"  gateway_mac = \"02:00:00:00:00:0a\";\n"
	"  subscribers = [\"100.64.0.0/10\", \"172.16.0.0/12\"]; };\n"
	"outside: { port = \"0000:3b:00.1\"; mtu = 1492;\n"
	"  address = \"198.19.0.2/30\"; gateway = \"198.19.0.1\";\n"
	"  gateway_mac = \"0C:42:A1:00:00:01\"; };\n"
	"pool: { addresses = [\"198.51.100.0/24\", \"203.0.113.10-203.0.113.19\","
	" \"203.0.113.200\", \"203.0.113.64-203.0.113.127\"];\n"
	"  ports = \"2000-60000\"; block_size = 512;\n"
	"  max_blocks_per_subscriber = 64;\n"
	"  mapping = \"address-and-port-dependent\";\n"
	"  filtering = \"address-dependent\"; hairpinning = false;\n"
	"  port_preservation = false; port_parity = false;\n"
	"  low_ports = \"600-1000\"; hold_down = 300; hold_down_max = 64;\n"
	"  mode = \"dynamic\"; };\n"
	"timeouts: { udp = 600; tcp_established = 86400; tcp_transitory = 300;"
	" icmp = 30000; tcp_trans_open = 250; tcp_trans_close = 260;"
	" tcp_syn_inbound = 10; };\n"
	"limits: { sessions_per_subscriber = 1000; max_sessions = 8388608;\n"
	"  ports_per_subscriber: { tcp = 1000; udp = 2000; icmp = 50; };\n"
	"  mappings_per_second = 100; };\n"
	"workers: { lcores = [4, 2, 3]; };\n"
	"logging: { file = \"/tmp/cgn \\\"test\\\".log\"; };\n"
	"static: (\n"
	"  { proto = \"tcp\"; inside = \"100.64.12.34:443\";"
	" outside = \"203.0.113.200:443\"; },\n"
	"  { proto = \"udp\"; inside = \"172.16.0.1:5060\";"
	" outside = \"198.51.100.7:1999\"; } );\n"
	"icmp: { unreachable_on_no_mapping = false; unsolicited_syn = \"icmp\";"
	" rate = 50; };\n"
	"bypass = [\"10.0.0.0/8\", \"198.18.0.0/15\"];\n"
	"fragments: { max = 100; timeout = 5; };\n";

/* RFC 7422 mode, its keys off their defaults. */
static const char det_conf[] =
	"inside: { port = \"a\"; address = \"100.64.255.1/10\";\n"
	"  subscribers = [\"100.64.0.0/10\"]; };\n"
	"outside: { port = \"b\"; address = \"198.51.100.2/24\";"
	" gateway = \"198.51.100.1\"; };\n"
	"pool: { addresses = [\"203.0.113.1\"]; mode = \"deterministic\";\n"
	"  low_ports = \"100-1023\"; };\n"
	"deterministic: { inside = \"100.64.0.0/28\"; compression_ratio = 14;\n"
	"  dynamic_pool_factor = 3; reserved_ports = \"0-2047\"; };\n"
	"static: ( { proto = \"udp\"; inside = \"100.64.0.5:53\";"
	" outside = \"203.0.113.1:2000\"; } );\n";

static void
test_write_cgnat_conf(void **state)
{
	struct cgn_config *cfg;

	(void)state;
	cfg = load(conf_path);
	round_trip(cfg);
	free(cfg);
}

static void
test_write_every_key(void **state)
{
	struct cgn_config *full = load_text(full_conf);
	struct cgn_config *det = load_text(det_conf);
	struct cgn_config *def = malloc(sizeof(*def));
	const struct cgn_key *schema;
	size_t i, n;

	(void)state;
	assert_non_null(def);
	round_trip(full);
	round_trip(det);
	/*
	 * So that the round trips mean something: every key has a
	 * non-default value in one of them (list elements: there are some).
	 */
	cgn_config_defaults(def);
	schema = cgn_config_schema(&n);
	for (i = 0; i < n; i++) {
		const struct cgn_key *k = &schema[i];

		if (!is_leaf(k) || strchr(k->group, '[') != NULL)
			continue;
		if (!field_differs(k, full, def) && !field_differs(k, det, def))
			fail_msg("%s has its default in both configurations",
				 k->path);
	}
	assert_true(full->n_statics > 0 && det->n_statics > 0);
	free(full);
	free(det);
	free(def);
}

/* A value the schema cannot name is an error, not a silent guess. */
static void
test_write_rejects_bad_enum(void **state)
{
	struct cgn_config *cfg = load_text(det_conf);
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	cfg->pool.mapping = (enum cgn_mapping)7;
	assert_int_equal(cgn_config_write(f, cfg), -1);
	fclose(f);
	free(cfg);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_consistent),
		cmocka_unit_test(test_conf_documents_schema),
		cmocka_unit_test(test_scanner_agrees_with_libconfig),
		cmocka_unit_test(test_missing_doc_reported),
		cmocka_unit_test(test_unknown_key_reported),
		cmocka_unit_test(test_write_cgnat_conf),
		cmocka_unit_test(test_write_every_key),
		cmocka_unit_test(test_write_rejects_bad_enum),
	};

	conf_path = argc > 1 ? argv[1] : CGN_CONFIG_DIR "/cgnat.conf";
	return cmocka_run_group_tests_name("config_schema", tests, NULL, NULL);
}
