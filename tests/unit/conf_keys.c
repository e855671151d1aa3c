/* SPDX-License-Identifier: BSD-3-Clause
 * The keys a configuration file names, set or in comments (conf_keys.h).
 *
 * Lines are read one by one. Code is tokenised just enough to follow the
 * nesting (name: { }, name: ( { } ), [ ]) and to see every `name =` or
 * `name:`; a comment line is looked at as described in conf_keys.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf_keys.h"

#define MAX_DEPTH 16
#define NAME_MAX_LEN 64

enum frame_kind { F_GROUP, F_LIST, F_ELEM, F_ARRAY };

struct frame {
	char name[NAME_MAX_LEN];
	enum frame_kind kind;
	bool commented; /* opened in a comment */
};

struct scan {
	struct frame st[MAX_DEPTH];
	int depth;
	char pending[NAME_MAX_LEN]; /* setting whose value comes next */
	int line;
	struct conf_keys *out;
	char *err;
	size_t errlen;
};

static int
scan_fail(struct scan *sc, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(sc->err, sc->errlen, "%d: ", sc->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sc->errlen)
		vsnprintf(sc->err + n, sc->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
is_name_start(int c)
{
	return isalpha(c) || c == '_' || c == '*';
}

static bool
is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '*' || c == '-';
}

/* Copy the name at s into buf; returns the character after it. */
static const char *
read_name(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	while (is_name_char((unsigned char)*s)) {
		if (n + 1 < len)
			buf[n++] = *s;
		s++;
	}
	buf[n] = '\0';
	return s;
}

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* The full path of key name at the current nesting. */
static void
path_of(const struct scan *sc, const char *name, char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < sc->depth; i++) {
		const struct frame *f = &sc->st[i];

		if (f->kind == F_ELEM)
			snprintf(buf + strlen(buf), len - strlen(buf), "[]");
		else if (f->kind != F_ARRAY)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] != '\0' ? "." : "", f->name);
	}
	snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
		 buf[0] != '\0' ? "." : "", name);
}

static int
add_key(struct scan *sc, const char *name, bool commented)
{
	struct conf_keys *o = sc->out;
	struct conf_key *k;

	if (o->n == o->cap) {
		size_t cap = o->cap != 0 ? o->cap * 2 : 64;
		struct conf_key *v = realloc(o->v, cap * sizeof(*v));

		if (v == NULL)
			return scan_fail(sc, "out of memory");
		o->v = v;
		o->cap = cap;
	}
	k = &o->v[o->n++];
	path_of(sc, name, k->path, sizeof(k->path));
	k->line = sc->line;
	k->commented = commented;
	return 0;
}

/* Open a group, list, list element or array. */
static int
push(struct scan *sc, enum frame_kind kind, bool commented)
{
	struct frame *f;

	if (sc->depth == MAX_DEPTH)
		return scan_fail(sc, "nested too deep");
	if (kind == F_GROUP && sc->depth > 0 &&
	    sc->st[sc->depth - 1].kind == F_LIST)
		kind = F_ELEM;
	if ((kind == F_GROUP || kind == F_LIST) && sc->pending[0] == '\0')
		return scan_fail(sc, "a group or list without a name");
	f = &sc->st[sc->depth++];
	snprintf(f->name, sizeof(f->name), "%s", sc->pending);
	f->kind = kind;
	f->commented = commented;
	sc->pending[0] = '\0';
	return 0;
}

static int
pop(struct scan *sc, char close)
{
	enum frame_kind k;

	if (sc->depth == 0)
		return scan_fail(sc, "'%c' closes nothing", close);
	k = sc->st[sc->depth - 1].kind;
	if ((close == '}' && k != F_GROUP && k != F_ELEM) ||
	    (close == ')' && k != F_LIST) || (close == ']' && k != F_ARRAY))
		return scan_fail(sc, "'%c' does not close what is open", close);
	sc->depth--;
	return 0;
}

/* Past the string literal starting at s (on '"'). */
static const char *
skip_string(const char *s)
{
	for (s++; *s != '\0' && *s != '"'; s++)
		if (*s == '\\' && s[1] != '\0')
			s++;
	return *s == '"' ? s + 1 : s;
}

/* A name: a key if `=` or `:` follows, else a value (true, false). */
static const char *
scan_name(struct scan *sc, const char *s, int *rc)
{
	char name[NAME_MAX_LEN];
	const char *after = skip_ws(read_name(s, name, sizeof(name)));

	if (*after == '=' || *after == ':') {
		*rc = add_key(sc, name, false);
		snprintf(sc->pending, sizeof(sc->pending), "%s", name);
		return after + 1;
	}
	return after;
}

/* The code on one line (not a comment line). */
static int
scan_code(struct scan *sc, const char *s)
{
	int rc = 0;

	while (*s != '\0' && rc == 0) {
		unsigned char c = (unsigned char)*s;

		if (c == '#' || (c == '/' && s[1] == '/'))
			break;
		if (is_name_start(c)) {
			s = scan_name(sc, s, &rc);
			continue;
		}
		if (c == '"')
			s = skip_string(s);
		else if (c == '{')
			rc = push(sc, F_GROUP, false), s++;
		else if (c == '(')
			rc = push(sc, F_LIST, false), s++;
		else if (c == '[')
			rc = push(sc, F_ARRAY, false), s++;
		else if (c == '}' || c == ')' || c == ']')
			rc = pop(sc, (char)c), s++;
		else if (isalnum(c) || c == '-' || c == '+' || c == '.')
			while (is_name_char((unsigned char)*s) || *s == '.' ||
			       *s == '+')
				s++;
		else if (c == ';' || c == ',')
			sc->pending[0] = '\0', s++;
		else
			s++;
	}
	return rc;
}

/* Is s a whole libconfig setting named name? */
static bool
is_setting(const char *s, const char *name)
{
	config_t lc;
	bool ok;

	config_init(&lc);
	ok = config_read_string(&lc, s) == CONFIG_TRUE &&
	     config_setting_length(config_root_setting(&lc)) == 1 &&
	     config_lookup(&lc, name) != NULL;
	config_destroy(&lc);
	return ok;
}

/* What follows the '#' of a comment line. */
static int
scan_comment(struct scan *sc, const char *s)
{
	char name[NAME_MAX_LEN];
	const char *after, *open;

	s = skip_ws(s);
	if ((*s == '}' || *s == ')') && sc->depth > 0 &&
	    sc->st[sc->depth - 1].commented) {
		after = skip_ws(s + 1);
		if (*after == ';')
			after = skip_ws(after + 1);
		return *after == '\0' || *after == '\n' ? pop(sc, *s) : 0;
	}
	if (!is_name_start((unsigned char)*s))
		return 0;
	after = skip_ws(read_name(s, name, sizeof(name)));
	if (*after != '=' && *after != ':')
		return 0;
	open = skip_ws(after + 1);
	if ((*open == '{' || *open == '(') && *skip_ws(open + 1) == '\0') {
		if (add_key(sc, name, true) != 0)
			return -1;
		snprintf(sc->pending, sizeof(sc->pending), "%s", name);
		return push(sc, *open == '{' ? F_GROUP : F_LIST, true);
	}
	if (*after == '=' && is_setting(s, name))
		return add_key(sc, name, true);
	return 0;
}

int
conf_keys_scan(const char *text, struct conf_keys *out, char *err,
	       size_t errlen)
{
	struct scan sc = { .out = out, .err = err, .errlen = errlen };
	char *copy = strdup(text), *line, *save = NULL;
	int rc = 0;

	if (copy == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	for (line = copy; rc == 0 && line != NULL; line = save) {
		const char *s;

		save = strchr(line, '\n');
		if (save != NULL)
			*save++ = '\0';
		sc.line++;
		s = skip_ws(line);
		rc = *s == '#' ? scan_comment(&sc, s + 1) : scan_code(&sc, s);
	}
	free(copy);
	if (rc == 0 && sc.depth != 0) {
		sc.line = 0;
		return scan_fail(&sc, "'%s' is not closed",
				 sc.st[sc.depth - 1].name);
	}
	return rc;
}

const struct conf_key *
conf_keys_find(const struct conf_keys *keys, const char *path)
{
	size_t i;

	for (i = 0; i < keys->n; i++)
		if (strcmp(keys->v[i].path, path) == 0)
			return &keys->v[i];
	return NULL;
}

void
conf_keys_free(struct conf_keys *keys)
{
	free(keys->v);
	memset(keys, 0, sizeof(*keys));
}
