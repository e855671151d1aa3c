/* SPDX-License-Identifier: BSD-3-Clause
 * Inside the configuration loader: what its files share (not for the rest
 * of the application).
 *
 *   cgn_config_schema.c  the table of keys
 *   cgn_config_parse.c   value parsers, one per key type; errors
 *   cgn_config.c         load: walk the file with the schema, defaults,
 *                        the lookups the data plane uses
 *   cgn_config_check.c   checks across keys and derived values
 *   cgn_config_write.c   a parsed configuration back to a file
 */
#ifndef CGN_CONFIG_INT_H
#define CGN_CONFIG_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <libconfig.h>

#include <rte_common.h>

#include "cgn_config.h"
#include "cgn_config_schema.h"

/* Field at offset off of base. */
#define CGN_CFG_AT(base, off) ((void *)((char *)(base) + (off)))

#define CGN_CFG_NAME_MAX 64 /* longest key name in messages */

/* Parsing context: everything a parser needs, no global state. */
struct cgn_parse {
	const char *path;
	config_t *lc;
	struct cgn_config *cfg;
	char *err;
	size_t errlen;
};

/* "PATH:LINE: " + fmt into err (no trailing newline). */
void cgn_cfg_format_err(char *err, size_t errlen, const char *path, int line,
			const char *fmt, va_list ap);

/* Set the error "FILE:LINE: ..." and return -1. */
int cgn_cfg_fail(const struct cgn_parse *p, int line, const char *fmt, ...)
	__rte_format_printf(3, 4);

/* "NAME must be EXPECTED, not <type of s>"; returns -1. */
int cgn_cfg_wrong_type(const struct cgn_parse *p, const config_setting_t *s,
		       const char *name, const char *expected);

/*
 * Parse setting s (named name in messages, e.g. "timeouts.udp") as the
 * value of key k into the structure at base. Not for GROUP and LIST keys.
 * Returns 0 or -1 with the error set.
 */
int cgn_cfg_parse_value(struct cgn_parse *p, const config_setting_t *s,
			const struct cgn_key *k, const char *name, void *base);

/* The key of group `group` after k (the first with k NULL), or NULL. */
const struct cgn_key *cgn_cfg_next_key(const struct cgn_key *k,
				       const char *group);

/* Each key k of group `group`, in schema order. */
#define FOR_KEYS(k, group) \
	for ((k) = cgn_cfg_next_key(NULL, (group)); (k) != NULL; \
	     (k) = cgn_cfg_next_key((k), (group)))

/* Derived values, then checks across keys, after parsing. */
int cgn_cfg_check_all(struct cgn_parse *p);

/* Keys whose default is another key's value and not set in p->lc (all of
 * them when p->lc is NULL).
 */
void cgn_cfg_derive_defaults(struct cgn_parse *p);

/* Unsigned integer field of size bytes (1, 2 or 4). */
void cgn_cfg_store_uint(void *dst, size_t size, uint64_t v);
uint64_t cgn_cfg_load_uint(const void *src, size_t size);

/* Dotted quad of a host-order address into buf. */
const char *cgn_cfg_ip_str(uint32_t addr, char *buf, size_t len);

static inline int
cgn_cfg_line(const config_setting_t *s)
{
	return config_setting_source_line(s);
}

static inline uint32_t
cgn_cfg_prefix_mask(unsigned int len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static inline struct cgn_addr_range
cgn_cfg_prefix_range(const struct cgn_prefix *pf)
{
	struct cgn_addr_range r = {
		.first = pf->addr,
		.last = pf->addr | ~cgn_cfg_prefix_mask(pf->len),
	};

	return r;
}

static inline bool
cgn_cfg_range_overlap(const struct cgn_addr_range *a,
		      const struct cgn_addr_range *b)
{
	return a->first <= b->last && b->first <= a->last;
}

static inline uint64_t
cgn_cfg_range_size(const struct cgn_addr_range *r)
{
	return (uint64_t)r->last - r->first + 1;
}

static inline bool
cgn_cfg_in_prefix(const struct cgn_prefix *pf, uint32_t addr)
{
	return (addr & cgn_cfg_prefix_mask(pf->len)) == pf->addr;
}

#endif /* CGN_CONFIG_INT_H */
