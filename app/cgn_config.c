/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat configuration loader: libconfig file -> struct cgn_config.
 *
 * Parsing is driven by the schema (cgn_config_schema.c), one table of every
 * key: walking it group by group finds unknown keys (typos) and missing
 * required keys and hands each value to the parser of its type
 * (cgn_config_parse.c), which checks type, syntax and range. The defaults
 * come from the same table. Checks that relate several keys run once
 * everything has been parsed (cgn_config_check.c).
 *
 * Every error is reported as "FILE:LINE: what is wrong".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_config.h>
#include <rte_ethdev.h>

#include "cgn_config_int.h"

#define fail cgn_cfg_fail
#define line_of cgn_cfg_line

#define KNOWN_MAX_LEN 512

#define AT CGN_CFG_AT

/* ------------------------------------------------------------------ */
/* Walking the file with the schema                                    */
/* ------------------------------------------------------------------ */

static const struct cgn_key *
find_key(const char *group, const char *name)
{
	const struct cgn_key *k;

	FOR_KEYS(k, group)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* "a, b, c": the names of the keys of group. */
static void
key_list(const char *group, char *buf, size_t len)
{
	const struct cgn_key *k;

	buf[0] = '\0';
	FOR_KEYS(k, group)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 buf[0] == '\0' ? "" : ", ", k->name);
}

/* Reject members of grp that group does not have. */
static int
check_unknown(struct cgn_parse *p, const config_setting_t *grp,
	      const char *group, const char *gname)
{
	char known[KNOWN_MAX_LEN];
	int i, n = config_setting_length(grp);

	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(grp, i);
		const char *name = config_setting_name(m);

		if (find_key(group, name) != NULL)
			continue;
		key_list(group, known, sizeof(known));
		if (group[0] == '\0')
			return fail(p, line_of(m), "unknown setting \"%s\" "
				    "(known: %s)", name, known);
		return fail(p, line_of(m), "unknown key \"%s\" in %s "
			    "(known keys: %s)", name, gname, known);
	}
	return 0;
}

static int parse_group(struct cgn_parse *p, const config_setting_t *grp,
		       const char *group, const char *gname, void *base);

/* "a group { proto = ...; inside = ...; outside = ...; }" */
static void
element_shape(const char *group, char *buf, size_t len)
{
	const struct cgn_key *k;

	snprintf(buf, len, "a group {");
	FOR_KEYS(k, group)
		snprintf(buf + strlen(buf), len - strlen(buf), " %s = ...;",
			 k->name);
	snprintf(buf + strlen(buf), len - strlen(buf), " }");
}

/* A LIST key: each element a group of the keys of group "<path>[]". */
static int
parse_list(struct cgn_parse *p, const config_setting_t *list,
	   const struct cgn_key *k, const char *name, void *base)
{
	char group[CGN_CFG_NAME_MAX], ename[CGN_CFG_NAME_MAX + 16];
	char shape[KNOWN_MAX_LEN];
	int i, n = config_setting_length(list);

	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return cgn_cfg_wrong_type(p, list, name,
					  "a list ( { ... }, ... )");
	if (n > k->max)
		return fail(p, line_of(list), "%s has %d entries, at most "
			    "%d are allowed", name, n, (int)k->max);
	snprintf(group, sizeof(group), "%s[]", k->path);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		void *elem = AT(base, k->off + (size_t)i * k->size);

		snprintf(ename, sizeof(ename), "%s[%d]", name, i);
		if (!config_setting_is_group(e)) {
			element_shape(group, shape, sizeof(shape));
			return cgn_cfg_wrong_type(p, e, ename, shape);
		}
		memset(elem, 0, k->size);
		if (k->flags & CGN_KF_LINE)
			*(int *)AT(elem, k->line_off) = line_of(e);
		if (parse_group(p, e, group, ename, elem) != 0)
			return -1;
	}
	*(unsigned int *)AT(base, k->aux_off) = n;
	return 0;
}

static int
parse_key(struct cgn_parse *p, const config_setting_t *s,
	  const struct cgn_key *k, const char *name, void *base)
{
	switch (k->type) {
	case CGN_KT_GROUP:
		if (!config_setting_is_group(s))
			return cgn_cfg_wrong_type(p, s, name,
						  "a group { ... }");
		return parse_group(p, s, k->path, name, base);
	case CGN_KT_LIST:
		return parse_list(p, s, k, name, base);
	default:
		return cgn_cfg_parse_value(p, s, k, name, base);
	}
}

/*
 * Parse the members of grp, the schema's group `group` (named gname in
 * messages, e.g. "static[1]"; the top level is "") into base.
 */
static int
parse_group(struct cgn_parse *p, const config_setting_t *grp,
	    const char *group, const char *gname, void *base)
{
	const struct cgn_key *k;
	char name[CGN_CFG_NAME_MAX];

	if (check_unknown(p, grp, group, gname) != 0)
		return -1;
	FOR_KEYS(k, group) {
		const config_setting_t *s =
			config_setting_get_member(grp, k->name);

		if (group[0] == '\0')
			snprintf(name, sizeof(name), "%s", k->name);
		else
			snprintf(name, sizeof(name), "%s.%s", gname, k->name);
		if (s != NULL) {
			if (parse_key(p, s, k, name, base) != 0)
				return -1;
		} else if ((k->flags & CGN_KF_REQUIRED) && group[0] == '\0') {
			return fail(p, 1, "missing required group %s", name);
		} else if (k->flags & CGN_KF_REQUIRED) {
			return fail(p, line_of(grp), "missing required key %s",
				    name);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Defaults                                                            */
/* ------------------------------------------------------------------ */

/* Key k's default (k->def, written as in the file) into p->cfg. */
static int
apply_default(struct cgn_parse *p, const struct cgn_key *k)
{
	char text[CGN_CFG_NAME_MAX + PATH_MAX];
	config_t lc;
	int rc = -1;

	config_init(&lc);
	snprintf(text, sizeof(text), "v = %s;", k->def);
	if (config_read_string(&lc, text) != CONFIG_TRUE)
		fail(p, 0, "default of %s (%s): %s", k->path, k->def,
		     config_error_text(&lc));
	else
		rc = cgn_cfg_parse_value(p, config_lookup(&lc, "v"), k,
					 k->path, p->cfg);
	config_destroy(&lc);
	return rc;
}

/* Zero, then every default of the schema, then the derived ones. */
static int
apply_defaults(struct cgn_parse *p)
{
	const struct cgn_key *schema;
	config_t *lc = p->lc;
	size_t i, n;

	memset(p->cfg, 0, sizeof(*p->cfg));
	schema = cgn_config_schema(&n);
	for (i = 0; i < n; i++)
		if (schema[i].def != NULL && apply_default(p, &schema[i]) != 0)
			return -1;
	p->lc = NULL;
	cgn_cfg_derive_defaults(p);
	p->lc = lc;
	return 0;
}

void
cgn_config_defaults(struct cgn_config *cfg)
{
	char err[256];
	struct cgn_parse p = {
		.path = "(defaults)", .cfg = cfg, .err = err,
		.errlen = sizeof(err),
	};

	/* The schema's defaults are constants: a failure is a bug. */
	if (apply_defaults(&p) != 0)
		rte_panic("configuration schema: %s\n", err);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */
/* ------------------------------------------------------------------ */

/* Read the file into lc; reports unreadable files and syntax errors. */
static int
read_file(struct cgn_parse *p, config_t *lc)
{
	const char *text;
	struct stat st;
	FILE *f;
	int rc;

	f = fopen(p->path, "r");
	if (f == NULL)
		return fail(p, 0, "cannot open file: %s", strerror(errno));
	rc = fstat(fileno(f), &st);
	fclose(f);
	if (rc == 0 && S_ISDIR(st.st_mode))
		return fail(p, 0, "cannot read file: is a directory");
	if (config_read_file(lc, p->path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
		return fail(p, 0, "cannot read file: %s",
			    config_error_text(lc));
	text = config_error_text(lc);
	if (strstr(text, "syntax error") != NULL)
		return fail(p, config_error_line(lc), "%s", text);
	return fail(p, config_error_line(lc), "syntax error: %s", text);
}

int
cgn_config_load(const char *path, struct cgn_config *cfg,
		char *err, size_t errlen)
{
	struct cgn_parse p = {
		.path = path != NULL ? path : "(null)",
		.cfg = cfg,
		.err = err,
		.errlen = errlen,
	};
	config_t lc;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (apply_defaults(&p) != 0)
		return -1;
	if (path == NULL || path[0] == '\0')
		return fail(&p, 0, "no configuration file given");
	if (strlen(path) >= sizeof(cfg->path))
		return fail(&p, 0, "path too long");
	strcpy(cfg->path, path);

	config_init(&lc);
	p.lc = &lc;
	rc = read_file(&p, &lc);
	if (rc == 0)
		rc = parse_group(&p, config_root_setting(&lc), "", "", cfg);
	if (rc == 0)
		rc = cgn_cfg_check_all(&p);
	config_destroy(&lc);
	return rc;
}

static int __rte_format_printf(5, 6)
port_err(const struct cgn_config *cfg, char *err, size_t errlen, int line,
	 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cgn_cfg_format_err(err, errlen, cfg->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

int
cgn_config_check_ports(const struct cgn_config *cfg, char *err, size_t errlen)
{
	const struct cgn_link_config *links[] = { &cfg->inside, &cfg->outside };
	uint16_t ids[RTE_DIM(links)];
	unsigned int i;

	for (i = 0; i < RTE_DIM(links); i++) {
		if (rte_eth_dev_get_port_by_name(links[i]->port, &ids[i]) != 0)
			return port_err(cfg, err, errlen, links[i]->port_line,
					"port \"%s\" was not created by EAL "
					"(add --vdev or -a)", links[i]->port);
	}
	if (ids[0] == ids[1])
		return port_err(cfg, err, errlen, cfg->outside.port_line,
				"outside.port \"%s\" is the same port as "
				"inside.port \"%s\"", cfg->outside.port,
				cfg->inside.port);
	return 0;
}

bool
cgn_config_is_subscriber(const struct cgn_config *cfg, uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < cfg->n_subscribers; i++)
		if (cgn_cfg_in_prefix(&cfg->subscribers[i], addr))
			return true;
	return false;
}

int32_t
cgn_config_pool_index(const struct cgn_config *cfg, uint32_t addr)
{
	uint32_t base = 0;
	unsigned int i;

	for (i = 0; i < cfg->pool.n_ranges; i++) {
		const struct cgn_addr_range *r = &cfg->pool.ranges[i];

		if (addr >= r->first && addr <= r->last)
			return (int32_t)(base + (addr - r->first));
		base += r->last - r->first + 1;
	}
	return -1;
}

uint32_t
cgn_config_pool_addr(const struct cgn_config *cfg, uint32_t idx)
{
	unsigned int i;

	for (i = 0; i < cfg->pool.n_ranges; i++) {
		const struct cgn_addr_range *r = &cfg->pool.ranges[i];
		uint32_t size = r->last - r->first + 1;

		if (idx < size)
			return r->first + idx;
		idx -= size;
	}
	return 0;
}

bool
cgn_config_is_bypass(const struct cgn_config *cfg, uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < cfg->n_bypass; i++)
		if (cgn_cfg_in_prefix(&cfg->bypass[i], addr))
			return true;
	return false;
}

int
cgn_config_det_forward(const struct cgn_config *cfg, uint32_t in_addr,
		       uint32_t *out_addr, uint16_t *port_lo, uint16_t *port_hi)
{
	const struct cgn_det_config *d = &cfg->deterministic;
	uint32_t k;

	if (cfg->pool.mode != CGN_POOL_DETERMINISTIC ||
	    in_addr < d->first_host || in_addr - d->first_host >= d->n_hosts)
		return -1;
	k = in_addr - d->first_host;
	*out_addr = cgn_config_pool_addr(cfg, k / d->compression_ratio);
	*port_lo = (uint16_t)(d->first_port +
			      (k % d->compression_ratio) * d->ports_per_sub);
	*port_hi = (uint16_t)(*port_lo + d->ports_per_sub - 1);
	return 0;
}

int
cgn_config_det_reverse(const struct cgn_config *cfg, uint32_t out_addr,
		       uint16_t port, uint32_t *in_addr)
{
	const struct cgn_det_config *d = &cfg->deterministic;
	int32_t ai;
	uint32_t k;

	if (cfg->pool.mode != CGN_POOL_DETERMINISTIC ||
	    port < d->first_port || port >= d->dyn_lo)
		return -1;
	ai = cgn_config_pool_index(cfg, out_addr);
	if (ai < 0)
		return -1;
	k = (uint32_t)ai * d->compression_ratio +
	    (uint32_t)(port - d->first_port) / d->ports_per_sub;
	if (k >= d->n_hosts)
		return -1;
	*in_addr = d->first_host + k;
	return 0;
}
