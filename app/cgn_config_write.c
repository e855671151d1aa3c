/* SPDX-License-Identifier: BSD-3-Clause
 * A parsed configuration back to a libconfig file, from the schema: every
 * key is written with its value, so that loading the file again gives the
 * same struct cgn_config (the test in tests/unit checks that). Meant for a
 * `show config` and for tools that rewrite a configuration.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_ether.h>

#include "cgn_config_int.h"

#define AT(base, off) ((const void *)((const char *)(base) + (off)))

static void
indent(FILE *f, int depth)
{
	while (depth-- > 0)
		fputc('\t', f);
}

static void
put_ip(FILE *f, uint32_t addr)
{
	char a[INET_ADDRSTRLEN];

	fputs(cgn_cfg_ip_str(addr, a, sizeof(a)), f);
}

/* A libconfig string literal. */
static void
put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A pool range as a single address, a prefix or "first-last". */
static void
put_range(FILE *f, const struct cgn_addr_range *r)
{
	uint64_t size = cgn_cfg_range_size(r);
	unsigned int len = 32;

	put_ip(f, r->first);
	if (size == 1)
		return;
	while (len > 0 && (UINT64_C(1) << (32 - len)) < size)
		len--;
	if ((UINT64_C(1) << (32 - len)) == size &&
	    (r->first & ~cgn_cfg_prefix_mask(len)) == 0) {
		fprintf(f, "/%u", len);
		return;
	}
	fputc('-', f);
	put_ip(f, r->last);
}

/* "[a, b, ...]" of the n entries at k->off, each written by put. */
static void
put_array(FILE *f, const struct cgn_key *k, const void *base)
{
	unsigned int i, n = *(const unsigned int *)AT(base, k->aux_off);
	const struct cgn_prefix *pf = AT(base, k->off);
	const struct cgn_addr_range *r = AT(base, k->off);
	const unsigned int *lc = AT(base, k->off);

	fputc('[', f);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ", " : "", f);
		if (k->type == CGN_KT_LCORES) {
			fprintf(f, "%u", lc[i]);
			continue;
		}
		fputc('"', f);
		if (k->type == CGN_KT_PREFIX_LIST) {
			put_ip(f, pf[i].addr);
			fprintf(f, "/%u", pf[i].len);
		} else {
			put_range(f, &r[i]);
		}
		fputc('"', f);
	}
	fputc(']', f);
}

/* ENUM: the name of the stored value; -1 if it has none. */
static int
put_enum(FILE *f, const struct cgn_key *k, const void *base)
{
	uint64_t v = cgn_cfg_load_uint(AT(base, k->off), k->size);
	int i;

	for (i = 0; k->names[i] != NULL; i++) {
		if ((uint64_t)(k->vals != NULL ? k->vals[i] : i) == v) {
			put_string(f, k->names[i]);
			return 0;
		}
	}
	return -1;
}

static uint64_t
aux(const struct cgn_key *k, const void *base)
{
	return cgn_cfg_load_uint(AT(base, k->aux_off), k->aux_size);
}

/* The value of scalar key k (in the file's syntax). */
static int
put_value(FILE *f, const struct cgn_key *k, const void *base)
{
	uint64_t v = 0;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	if (k->size <= sizeof(uint32_t) && k->type != CGN_KT_STRING &&
	    k->type != CGN_KT_PORT)
		v = cgn_cfg_load_uint(AT(base, k->off), k->size);
	switch (k->type) {
	case CGN_KT_UINT:
		fprintf(f, "%" PRIu64, v);
		return 0;
	case CGN_KT_BOOL:
		fputs(*(const bool *)AT(base, k->off) ? "true" : "false", f);
		return 0;
	case CGN_KT_STRING:
	case CGN_KT_PORT:
		put_string(f, AT(base, k->off));
		return 0;
	case CGN_KT_ENUM:
		return put_enum(f, k, base);
	case CGN_KT_HOST:
		fputc('"', f);
		put_ip(f, (uint32_t)v);
		fputc('"', f);
		return 0;
	case CGN_KT_IFADDR:
	case CGN_KT_ENDPOINT:
		fputc('"', f);
		put_ip(f, (uint32_t)v);
		fprintf(f, k->type == CGN_KT_IFADDR ? "/%" PRIu64 "\"" :
			":%" PRIu64 "\"", aux(k, base));
		return 0;
	case CGN_KT_MAC:
		rte_ether_format_addr(mac, sizeof(mac), AT(base, k->off));
		put_string(f, mac);
		return 0;
	case CGN_KT_PREFIX: {
		const struct cgn_prefix *pf = AT(base, k->off);

		fputc('"', f);
		put_ip(f, pf->addr);
		fprintf(f, "/%u\"", pf->len);
		return 0;
	}
	case CGN_KT_PREFIX_LIST:
	case CGN_KT_ADDR_LIST:
	case CGN_KT_LCORES:
		put_array(f, k, base);
		return 0;
	case CGN_KT_PORT_RANGE:
	case CGN_KT_LOW_PORTS:
		if (k->type == CGN_KT_LOW_PORTS && aux(k, base) == 0)
			fputs("\"\"", f);
		else
			fprintf(f, "\"%" PRIu64 "-%" PRIu64 "\"", v,
				aux(k, base));
		return 0;
	case CGN_KT_RESERVED_PORTS:
		fprintf(f, "\"0-%" PRIu64 "\"", v);
		return 0;
	default:
		return -1;
	}
}

/*
 * Is key k written? Optional values that are unset (a gateway, a MAC) are
 * left out, and so is what pool.mode excludes: pool.ports is derived in
 * deterministic mode, the deterministic group only exists in it.
 */
static bool
written(const struct cgn_config *cfg, const struct cgn_key *k,
	const void *base)
{
	bool det = cfg->pool.mode == CGN_POOL_DETERMINISTIC;

	if (k->type == CGN_KT_HOST && !(k->flags & CGN_KF_REQUIRED))
		return *(const uint32_t *)AT(base, k->off) != 0;
	if (k->type == CGN_KT_MAC)
		return *(const bool *)AT(base, k->aux_off);
	if (strcmp(k->path, "pool.ports") == 0)
		return !det;
	if (strcmp(k->path, "deterministic") == 0)
		return det;
	return true;
}

static int write_group(FILE *f, const struct cgn_config *cfg,
		       const char *group, const void *base, int depth);

/* A LIST key: name: ( { ... }, ... ); */
static int
write_list(FILE *f, const struct cgn_config *cfg, const struct cgn_key *k,
	   const void *base, int depth)
{
	unsigned int i, n = (unsigned int)aux(k, base);
	char group[CGN_CFG_NAME_MAX];

	snprintf(group, sizeof(group), "%s[]", k->path);
	fprintf(f, "%s: (\n", k->name);
	for (i = 0; i < n; i++) {
		indent(f, depth + 1);
		fputs("{\n", f);
		if (write_group(f, cfg, group, AT(base, k->off + i * k->size),
				depth + 2) != 0)
			return -1;
		indent(f, depth + 1);
		fputs(i + 1 < n ? "},\n" : "}\n", f);
	}
	indent(f, depth);
	fputs(");\n", f);
	return 0;
}

/* The keys of group `group` (fields from base), indented depth levels. */
static int
write_group(FILE *f, const struct cgn_config *cfg, const char *group,
	    const void *base, int depth)
{
	const struct cgn_key *k;
	int rc = 0;

	FOR_KEYS(k, group) {
		if (!written(cfg, k, base))
			continue;
		indent(f, depth);
		if (k->type == CGN_KT_GROUP) {
			fprintf(f, "%s: {\n", k->name);
			rc = write_group(f, cfg, k->path, base, depth + 1);
			indent(f, depth);
			fputs("};\n", f);
		} else if (k->type == CGN_KT_LIST) {
			rc = write_list(f, cfg, k, base, depth);
		} else {
			fprintf(f, "%s = ", k->name);
			rc = put_value(f, k, base);
			fputs(";\n", f);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

int
cgn_config_write(FILE *f, const struct cgn_config *cfg)
{
	fprintf(f, "# cgnat configuration");
	if (cfg->path[0] != '\0')
		fprintf(f, " loaded from %s", cfg->path);
	fputs("\n# See config/cgnat.conf for what each key means.\n", f);
	if (write_group(f, cfg, "", cfg, 0) != 0)
		return -1;
	return ferror(f) ? -1 : 0;
}
