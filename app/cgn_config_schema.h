/* SPDX-License-Identifier: BSD-3-Clause
 * The configuration schema: one table of every key the configuration file
 * accepts (app/cgn_config_schema.c).
 *
 * Each key has its group path, name, type, range, default, the field of
 * struct cgn_config it fills and a one-line doc. The loader walks the
 * table to parse the file (unknown keys, missing required keys, types and
 * ranges), cgn_config_defaults() fills the defaults from it and
 * cgn_config_write() writes a configuration back with it. Checks that
 * relate several keys are code (app/cgn_config_check.c).
 */
#ifndef CGN_CONFIG_SCHEMA_H
#define CGN_CONFIG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum cgn_key_type {
	CGN_KT_GROUP,          /* name: { ... }: the keys whose group is path */
	CGN_KT_LIST,           /* name: ( { ... }, ... ): element keys have
				* the group path "<path>[]" */
	CGN_KT_UINT,           /* integer in min..max */
	CGN_KT_BOOL,           /* true or false */
	CGN_KT_STRING,         /* non-empty string shorter than size */
	CGN_KT_PORT,           /* DPDK device name (a string), line kept */
	CGN_KT_ENUM,           /* one of names */
	CGN_KT_IFADDR,         /* "a.b.c.d/len", len 1..32: own address */
	CGN_KT_HOST,           /* "a.b.c.d", not 0.0.0.0 */
	CGN_KT_MAC,            /* "aa:bb:cc:dd:ee:ff", unicast */
	CGN_KT_PREFIX,         /* "a.b.c.d/len", len 1..32, host bits zero */
	CGN_KT_PREFIX_LIST,    /* [ "a.b.c.d/len", ... ], no overlaps */
	CGN_KT_ADDR_LIST,      /* [ "a.b.c.d" | ".../len" | "a-b", ... ] */
	CGN_KT_PORT_RANGE,     /* "LO-HI", 1 <= LO <= HI <= 65535 */
	CGN_KT_LOW_PORTS,      /* "" or "LO-HI" within 1-1023 */
	CGN_KT_RESERVED_PORTS, /* "0-HI", HI < 65535 */
	CGN_KT_LCORES,         /* [ lcore, ... ], distinct, 1..RTE_MAX_LCORE-1 */
	CGN_KT_ENDPOINT,       /* "a.b.c.d:port", port 1..65535 */
	CGN_KT_COUNT
};

#define CGN_KF_REQUIRED 0x1 /* must be set (in its group, when present) */
#define CGN_KF_LINE     0x2 /* its source line is stored at line_off */
#define CGN_KF_DERIVED  0x4 /* default computed from other keys (doc) */

/*
 * One key. Offsets are from struct cgn_config, except for the keys of a
 * list's elements, whose offsets are from the element (the list key's
 * off + i * size). What the fields hold per type:
 *   UINT, BOOL, STRING, PORT, ENUM, HOST, MAC, PREFIX: the value at off
 *     (size bytes); MAC: aux = "is set" bool; PORT: line at line_off.
 *   IFADDR: address at off, prefix length at aux.
 *   ENDPOINT: address at off, port at aux.
 *   PORT_RANGE, LOW_PORTS: LO at off, HI at aux (LOW_PORTS "": 0, 0).
 *   RESERVED_PORTS: HI at off.
 *   PREFIX_LIST, ADDR_LIST, LCORES: array at off (size bytes for all
 *     of it), entry count at aux; min..max is the number of entries.
 *   LIST: array of elements at off, size bytes each, count at aux, at
 *     most max entries; each element's line at line_off.
 */
struct cgn_key {
	const char *path;         /* "timeouts.udp", "static[].proto" */
	const char *group;        /* enclosing group's path, "" at top */
	const char *name;         /* the name written in the file */
	enum cgn_key_type type;
	unsigned int flags;       /* CGN_KF_* */
	int64_t min, max;         /* range (see above) */
	const char *why;          /* UINT: where min comes from */
	const char *const *names; /* ENUM: accepted strings, NULL-ended */
	const int *vals;          /* ENUM: value of each name; NULL: index */
	const char *def;          /* default as written in the file; NULL:
				   * none (0), or CGN_KF_DERIVED */
	size_t off, size;
	size_t aux_off, aux_size;
	size_t line_off;
	const char *doc;          /* one line */
};

/* The schema: *n keys, groups before their keys, in the file's order. */
const struct cgn_key *cgn_config_schema(size_t *n);

/* The key with full dotted path (e.g. "timeouts.udp"), or NULL. */
const struct cgn_key *cgn_config_key(const char *path);

/* "uint", "bool", "prefix list", ... */
const char *cgn_config_type_name(enum cgn_key_type type);

#endif /* CGN_CONFIG_SCHEMA_H */
