/* SPDX-License-Identifier: BSD-3-Clause
 * cgnat configuration loader: libconfig file -> struct cgn_config.
 *
 * Parsing is table-driven: every group has a table of the keys it accepts.
 * The same table drives "unknown key" detection (typos), "missing required
 * key" detection and the per-key parser, which checks type and syntax.
 * Checks that relate several keys (overlaps, gateways on-link, static
 * mappings against the pool, ...) run once everything has been parsed.
 *
 * Every error is reported as "FILE:LINE: what is wrong".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <libconfig.h>

#include <rte_config.h>
#include <rte_ether.h>
#include <rte_ethdev.h>

#include "cgn_config.h"

#define MAX_SESSIONS_LIMIT (1u << 27)
#define TIMEOUT_MAX INT32_MAX
#define NAME_MAX_LEN 64
#define KNOWN_MAX_LEN 512
#define PORTS_PER_SUB_MAX (CGN_MAX_BLOCKS_PER_SUB * 65536)
#define RATE_MAX 1000000
#define FRAG_MAX (1u << 20)
#define FRAG_TIMEOUT_MAX 60

_Static_assert(sizeof(enum cgn_mapping) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cgn_filtering) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cgn_pool_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cgn_syn_policy) == sizeof(int), "enum size");

/* Parsing context: everything a parser needs, no global state. */
struct cgn_parse {
	const char *path;
	config_t *lc;
	struct cgn_config *cfg;
	char *err;
	size_t errlen;
};

struct key_spec;

/*
 * Parse setting s (named name, e.g. "timeouts.udp") described by k into
 * the structure at base. Returns 0 or -1 with the error set.
 */
typedef int (*key_parser)(struct cgn_parse *p, const config_setting_t *s,
			  const struct key_spec *k, const char *name,
			  void *base);

struct key_spec {
	const char *name;
	key_parser parse;
	bool required;
	size_t off;               /* destination, offset from base */
	size_t off2;              /* second destination, parser specific */
	size_t size;              /* size of the destination */
	int64_t min, max;         /* integer bounds */
	const char *why;          /* integers: where the minimum comes from */
	const char *const *names; /* enums: allowed strings, index = value */
	const struct key_spec *sub; /* nested groups: their keys */
};

struct group_spec {
	const char *name;
	bool required;
	int type;                     /* CONFIG_TYPE_GROUP or _LIST */
	size_t base;                  /* offset of the keys' base in cfg */
	const struct key_spec *keys;  /* NULL-terminated */
	key_parser parse;             /* a top-level value, not a group */
};

#define CFG_OFF(m) offsetof(struct cgn_config, m)
#define CFG_SIZE(m) sizeof(((struct cgn_config *)0)->m)
#define LINK_OFF(m) offsetof(struct cgn_link_config, m)
#define STATIC_OFF(m) offsetof(struct cgn_static_map, m)

/* ------------------------------------------------------------------ */
/* Errors and small helpers                                            */
/* ------------------------------------------------------------------ */

static void
format_err(char *err, size_t errlen, const char *path, int line,
	   const char *fmt, va_list ap)
{
	int n;

	if (err == NULL || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s:%d: ", path, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	vsnprintf(err + n, errlen - n, fmt, ap);
}

static int __rte_format_printf(3, 4)
fail(const struct cgn_parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_err(p->err, p->errlen, p->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

static int
line_of(const config_setting_t *s)
{
	return config_setting_source_line(s);
}

/* Line of the setting at path, or fallback if it is absent. */
static int
line_at(const struct cgn_parse *p, const char *path, int fallback)
{
	const config_setting_t *s = config_lookup(p->lc, path);

	return s != NULL ? line_of(s) : fallback;
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

static int
wrong_type(const struct cgn_parse *p, const config_setting_t *s,
	   const char *name, const char *expected)
{
	return fail(p, line_of(s), "%s must be %s, not %s", name, expected,
		    type_name(config_setting_type(s)));
}

static int
expect_type(const struct cgn_parse *p, const config_setting_t *s,
	    const char *name, int type, const char *expected)
{
	int t = config_setting_type(s);

	if (t == type || (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64))
		return 0;
	return wrong_type(p, s, name, expected);
}

static bool
is_list_or_array(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

static uint32_t
prefix_mask(unsigned int len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static const char *
ip_str(uint32_t addr, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = htonl(addr) };

	return inet_ntop(AF_INET, &in, buf, len);
}

static bool
range_overlap(const struct cgn_addr_range *a, const struct cgn_addr_range *b)
{
	return a->first <= b->last && b->first <= a->last;
}

static struct cgn_addr_range
prefix_range(const struct cgn_prefix *pf)
{
	struct cgn_addr_range r = {
		.first = pf->addr,
		.last = pf->addr | ~prefix_mask(pf->len),
	};

	return r;
}

static bool
in_prefix(const struct cgn_prefix *pf, uint32_t addr)
{
	return (addr & prefix_mask(pf->len)) == pf->addr;
}

static uint64_t
range_size(const struct cgn_addr_range *r)
{
	return (uint64_t)r->last - r->first + 1;
}

/* ------------------------------------------------------------------ */
/* String syntax: addresses, prefixes, ranges, ports                   */
/* ------------------------------------------------------------------ */

/* Exactly n characters of s as a dotted quad. */
static bool
ipv4_parse(const char *s, size_t n, uint32_t *addr)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr in;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return false;
	*addr = ntohl(in.s_addr);
	return true;
}

/* Exactly n characters of s as a decimal number in 0..max. */
static bool
dec_parse(const char *s, size_t n, uint32_t max, uint32_t *val)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*val = (uint32_t)v;
	return true;
}

/*
 * "a.b.c.d/len" with min_len <= len <= 32. Returns NULL or a reason.
 * Host bits are not checked here.
 */
static const char *
prefix_parse(const char *s, unsigned int min_len, uint32_t *addr,
	     uint8_t *len)
{
	const char *slash = strchr(s, '/');
	uint32_t l;

	if (slash == NULL)
		return "expected a.b.c.d/len";
	if (!ipv4_parse(s, slash - s, addr))
		return "bad IPv4 address";
	if (!dec_parse(slash + 1, strlen(slash + 1), 32, &l) || l < min_len)
		return min_len == 0 ? "prefix length must be 0..32" :
				      "prefix length must be 1..32";
	*len = (uint8_t)l;
	return NULL;
}

/* "a.b.c.d:port" with 1 <= port <= 65535. Returns NULL or a reason. */
static const char *
endpoint_parse(const char *s, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	uint32_t v;

	if (colon == NULL)
		return "expected a.b.c.d:port";
	if (!ipv4_parse(s, colon - s, addr))
		return "bad IPv4 address";
	if (!dec_parse(colon + 1, strlen(colon + 1), UINT16_MAX, &v) ||
	    v == 0)
		return "port must be 1..65535";
	*port = (uint16_t)v;
	return NULL;
}

/*
 * "LO-HI" with 0 <= LO <= HI <= 65535 (port 0 allowed here, callers decide).
 * Returns NULL or a reason.
 */
static const char *
port_range_parse(const char *s, uint32_t *lo, uint32_t *hi)
{
	const char *dash = strchr(s, '-');

	if (dash == NULL || !dec_parse(s, dash - s, UINT16_MAX, lo) ||
	    !dec_parse(dash + 1, strlen(dash + 1), UINT16_MAX, hi))
		return "expected \"LO-HI\" with ports 1..65535";
	if (*lo > *hi)
		return "empty range (LO > HI)";
	return NULL;
}

/*
 * A pool element: "a.b.c.d", "a.b.c.d/len" or "a.b.c.d-e.f.g.h".
 * Returns NULL or a reason.
 */
static const char *
pool_elem_parse(const char *s, struct cgn_addr_range *r)
{
	const char *sep = strpbrk(s, "/-");
	struct cgn_prefix pf;

	if (sep == NULL) {
		if (!ipv4_parse(s, strlen(s), &r->first))
			return "bad IPv4 address";
		r->last = r->first;
		return NULL;
	}
	if (*sep == '/') {
		const char *why = prefix_parse(s, 0, &pf.addr, &pf.len);

		if (why != NULL)
			return why;
		if (pf.addr & ~prefix_mask(pf.len))
			return "host bits set";
		*r = prefix_range(&pf);
		return NULL;
	}
	if (!ipv4_parse(s, sep - s, &r->first) ||
	    !ipv4_parse(sep + 1, strlen(sep + 1), &r->last))
		return "bad IPv4 address in range a.b.c.d-e.f.g.h";
	if (r->first > r->last)
		return "empty range (first > last)";
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Key parsers                                                         */
/* ------------------------------------------------------------------ */

static void
store_uint(void *dst, size_t size, uint64_t v)
{
	switch (size) {
	case sizeof(uint8_t):
		*(uint8_t *)dst = (uint8_t)v;
		break;
	case sizeof(uint16_t):
		*(uint16_t *)dst = (uint16_t)v;
		break;
	default:
		*(uint32_t *)dst = (uint32_t)v;
		break;
	}
}

/* Integer in k->min..k->max, stored in k->size bytes at off. */
static int
parse_uint(struct cgn_parse *p, const config_setting_t *s,
	   const struct key_spec *k, const char *name, void *base)
{
	long long v;

	if (expect_type(p, s, name, CONFIG_TYPE_INT, "an integer") != 0)
		return -1;
	v = config_setting_get_int64(s);
	if (v < k->min && k->why != NULL)
		return fail(p, line_of(s),
			    "%s = %lld is below the %s minimum of %" PRId64
			    " s", name, v, k->why, k->min);
	if (v < k->min || v > k->max)
		return fail(p, line_of(s),
			    "%s = %lld is out of range (%" PRId64 "..%" PRId64
			    ")", name, v, k->min, k->max);
	store_uint((char *)base + k->off, k->size, (uint64_t)v);
	return 0;
}

static int
parse_bool(struct cgn_parse *p, const config_setting_t *s,
	   const struct key_spec *k, const char *name, void *base)
{
	if (expect_type(p, s, name, CONFIG_TYPE_BOOL, "true or false") != 0)
		return -1;
	*(bool *)((char *)base + k->off) = config_setting_get_bool(s) != 0;
	return 0;
}

/* Non-empty string that fits in k->size bytes. */
static int
parse_string(struct cgn_parse *p, const config_setting_t *s,
	     const struct key_spec *k, const char *name, void *base)
{
	const char *str;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING, "a string") != 0)
		return -1;
	str = config_setting_get_string(s);
	if (str[0] == '\0')
		return fail(p, line_of(s), "%s must not be empty", name);
	if (strlen(str) >= k->size)
		return fail(p, line_of(s), "%s is too long (at most %zu "
			    "characters)", name, k->size - 1);
	strcpy((char *)base + k->off, str);
	return 0;
}

/* A DPDK device name; also records its line (int at off2). */
static int
parse_port_name(struct cgn_parse *p, const config_setting_t *s,
		const struct key_spec *k, const char *name, void *base)
{
	if (parse_string(p, s, k, name, base) != 0)
		return -1;
	*(int *)((char *)base + k->off2) = line_of(s);
	return 0;
}

/* One of k->names, stored as an int (the index) at off. */
static int
parse_enum(struct cgn_parse *p, const config_setting_t *s,
	   const struct key_spec *k, const char *name, void *base)
{
	char allowed[256] = "";
	const char *str;
	int i;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING, "a string") != 0)
		return -1;
	str = config_setting_get_string(s);
	for (i = 0; k->names[i] != NULL; i++) {
		if (strcmp(str, k->names[i]) == 0) {
			*(int *)((char *)base + k->off) = i;
			return 0;
		}
		snprintf(allowed + strlen(allowed),
			 sizeof(allowed) - strlen(allowed), "%s\"%s\"",
			 i > 0 ? ", " : "", k->names[i]);
	}
	return fail(p, line_of(s), "%s = \"%s\" is not one of %s", name, str,
		    allowed);
}

/* "a.b.c.d/len": address at off (uint32_t), length at off2 (uint8_t). */
static int
parse_ifaddr(struct cgn_parse *p, const config_setting_t *s,
	     const struct key_spec *k, const char *name, void *base)
{
	const char *str, *why;
	uint32_t addr;
	uint8_t len;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING,
			"a string \"a.b.c.d/len\"") != 0)
		return -1;
	str = config_setting_get_string(s);
	why = prefix_parse(str, 1, &addr, &len);
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	if (addr == 0)
		return fail(p, line_of(s), "%s = \"%s\": 0.0.0.0 is not a "
			    "usable address", name, str);
	*(uint32_t *)((char *)base + k->off) = addr;
	*(uint8_t *)((char *)base + k->off2) = len;
	return 0;
}

/* "a.b.c.d" (not 0.0.0.0), stored at off. */
static int
parse_host(struct cgn_parse *p, const config_setting_t *s,
	   const struct key_spec *k, const char *name, void *base)
{
	const char *str;
	uint32_t addr;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING,
			"a string \"a.b.c.d\"") != 0)
		return -1;
	str = config_setting_get_string(s);
	if (!ipv4_parse(str, strlen(str), &addr))
		return fail(p, line_of(s), "%s = \"%s\": bad IPv4 address",
			    name, str);
	if (addr == 0)
		return fail(p, line_of(s), "%s = \"%s\": 0.0.0.0 is not a "
			    "usable address", name, str);
	*(uint32_t *)((char *)base + k->off) = addr;
	return 0;
}

/* Unicast MAC at off; sets the bool at off2. */
static int
parse_mac(struct cgn_parse *p, const config_setting_t *s,
	  const struct key_spec *k, const char *name, void *base)
{
	struct rte_ether_addr mac;
	const char *str;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING,
			"a string \"aa:bb:cc:dd:ee:ff\"") != 0)
		return -1;
	str = config_setting_get_string(s);
	if (rte_ether_unformat_addr(str, &mac) != 0)
		return fail(p, line_of(s), "%s = \"%s\": bad MAC address "
			    "(expected aa:bb:cc:dd:ee:ff)", name, str);
	if (!rte_is_valid_assigned_ether_addr(&mac))
		return fail(p, line_of(s), "%s = \"%s\": not a unicast MAC "
			    "address", name, str);
	*(struct rte_ether_addr *)((char *)base + k->off) = mac;
	*(bool *)((char *)base + k->off2) = true;
	return 0;
}

/* Common checks for a list of strings; returns the element count or -1. */
static int
string_list(struct cgn_parse *p, const config_setting_t *s, const char *name,
	    const char *what, unsigned int max, bool allow_empty)
{
	int i, n;

	if (!is_list_or_array(s))
		return wrong_type(p, s, name, what);
	n = config_setting_length(s);
	if (n == 0 && !allow_empty)
		return fail(p, line_of(s), "%s must not be empty", name);
	if ((unsigned int)n > max)
		return fail(p, line_of(s), "%s has %d entries, at most %u are "
			    "allowed", name, n, max);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(p, line_of(e), "%s[%d] must be a string, "
				    "not %s", name, i,
				    type_name(config_setting_type(e)));
	}
	return n;
}

/*
 * A list of distinct, non-overlapping prefixes into pfx (at most max).
 * Returns the count or -1.
 */
static int
prefix_list(struct cgn_parse *p, const config_setting_t *s, const char *name,
	    struct cgn_prefix *pfx, unsigned int max, bool allow_empty)
{
	int i, j, n;

	n = string_list(p, s, name, "an array of \"a.b.c.d/len\" strings",
			max, allow_empty);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *str = config_setting_get_string(e);
		struct cgn_prefix *pf = &pfx[i];
		struct cgn_addr_range ri;
		const char *why;

		why = prefix_parse(str, 0, &pf->addr, &pf->len);
		if (why != NULL)
			return fail(p, line_of(e), "%s: \"%s\": %s", name,
				    str, why);
		if (pf->addr & ~prefix_mask(pf->len))
			return fail(p, line_of(e), "%s: \"%s\": host bits set",
				    name, str);
		ri = prefix_range(pf);
		for (j = 0; j < i; j++) {
			struct cgn_addr_range rj = prefix_range(&pfx[j]);

			if (range_overlap(&ri, &rj))
				return fail(p, line_of(e), "%s: \"%s\" overlaps"
					    " \"%s\"", name, str,
					    config_setting_get_string(
					      config_setting_get_elem(s, j)));
		}
	}
	return n;
}

/* inside.subscribers: distinct, non-overlapping prefixes. */
static int
parse_subscribers(struct cgn_parse *p, const config_setting_t *s,
		  const struct key_spec *k __rte_unused, const char *name,
		  void *base __rte_unused)
{
	int n = prefix_list(p, s, name, p->cfg->subscribers,
			    CGN_MAX_SUB_PREFIXES, false);

	if (n < 0)
		return -1;
	p->cfg->n_subscribers = n;
	return 0;
}

/* bypass (top level): destinations not translated; may be empty. */
static int
parse_bypass(struct cgn_parse *p, const config_setting_t *s,
	     const struct key_spec *k __rte_unused, const char *name,
	     void *base __rte_unused)
{
	int n = prefix_list(p, s, name, p->cfg->bypass, CGN_MAX_BYPASS, true);

	if (n < 0)
		return -1;
	p->cfg->n_bypass = n;
	return 0;
}

/* pool.addresses: non-overlapping ranges, at most CGN_MAX_POOL_ADDRS. */
static int
parse_pool_addrs(struct cgn_parse *p, const config_setting_t *s,
		 const struct key_spec *k __rte_unused, const char *name,
		 void *base __rte_unused)
{
	struct cgn_config *cfg = p->cfg;
	uint64_t total = 0;
	int i, j, n;

	n = string_list(p, s, name, "an array of address strings",
			CGN_MAX_POOL_RANGES, false);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *str = config_setting_get_string(e);
		struct cgn_addr_range *r = &cfg->pool.ranges[i];
		const char *why = pool_elem_parse(str, r);

		if (why != NULL)
			return fail(p, line_of(e), "%s: \"%s\": %s", name,
				    str, why);
		for (j = 0; j < i; j++) {
			if (range_overlap(r, &cfg->pool.ranges[j]))
				return fail(p, line_of(e), "%s: \"%s\" overlaps"
					    " \"%s\"", name, str,
					    config_setting_get_string(
					      config_setting_get_elem(s, j)));
		}
		total += range_size(r);
		if (total > CGN_MAX_POOL_ADDRS)
			return fail(p, line_of(e), "%s: more than %u addresses "
				    "in the pool", name, CGN_MAX_POOL_ADDRS);
	}
	cfg->pool.n_ranges = n;
	cfg->pool.n_addrs = (uint32_t)total;
	return 0;
}

/* pool.ports: "LO-HI", 1 <= LO <= HI <= 65535. */
static int
parse_port_range(struct cgn_parse *p, const config_setting_t *s,
		 const struct key_spec *k __rte_unused, const char *name,
		 void *base __rte_unused)
{
	const char *str, *why;
	uint32_t lo, hi;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING,
			"a string \"LO-HI\"") != 0)
		return -1;
	str = config_setting_get_string(s);
	why = port_range_parse(str, &lo, &hi);
	if (why == NULL && lo == 0)
		why = "port 0 is not allowed";
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	p->cfg->pool.port_lo = (uint16_t)lo;
	p->cfg->pool.port_hi = (uint16_t)hi;
	return 0;
}

/*
 * pool.low_ports: "" (none) or "LO-HI" within 1-1023 (RFC 4787 REQ-3a:
 * the range inside ports 0-1023 are mapped into). The overlap with
 * pool.ports is checked later.
 */
static int
parse_low_ports(struct cgn_parse *p, const config_setting_t *s,
		const struct key_spec *k __rte_unused, const char *name,
		void *base __rte_unused)
{
	const char *str, *why;
	uint32_t lo, hi;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING,
			"a string \"LO-HI\" or \"\"") != 0)
		return -1;
	str = config_setting_get_string(s);
	p->cfg->pool.low_lo = 0;
	p->cfg->pool.low_hi = 0;
	if (str[0] == '\0')
		return 0;
	why = port_range_parse(str, &lo, &hi);
	if (why == NULL && (lo == 0 || hi > 1023))
		why = "the range must lie within 1-1023";
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	p->cfg->pool.low_lo = (uint16_t)lo;
	p->cfg->pool.low_hi = (uint16_t)hi;
	return 0;
}

/* deterministic.reserved_ports: "0-HI", HI < 65535 (RFC 7422 R). */
static int
parse_reserved_ports(struct cgn_parse *p, const config_setting_t *s,
		     const struct key_spec *k __rte_unused, const char *name,
		     void *base __rte_unused)
{
	const char *str, *why;
	uint32_t lo, hi;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING,
			"a string \"0-HI\"") != 0)
		return -1;
	str = config_setting_get_string(s);
	why = port_range_parse(str, &lo, &hi);
	if (why == NULL && lo != 0)
		why = "the reserved ports must start at port 0";
	if (why == NULL && hi == UINT16_MAX)
		why = "no port would be left to map";
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	p->cfg->deterministic.reserved_hi = (uint16_t)hi;
	return 0;
}

/* deterministic.inside: one prefix, host bits zero (RFC 7422 I). */
static int
parse_det_inside(struct cgn_parse *p, const config_setting_t *s,
		 const struct key_spec *k __rte_unused, const char *name,
		 void *base __rte_unused)
{
	struct cgn_prefix *pf = &p->cfg->deterministic.inside;
	const char *str, *why;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING,
			"a string \"a.b.c.d/len\"") != 0)
		return -1;
	str = config_setting_get_string(s);
	why = prefix_parse(str, 1, &pf->addr, &pf->len);
	if (why == NULL && (pf->addr & ~prefix_mask(pf->len)))
		why = "host bits set";
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	return 0;
}

static int parse_keys(struct cgn_parse *p, const config_setting_t *grp,
		      const char *gname, const struct key_spec *keys,
		      void *base);

/* A group nested in a group, parsed with k->sub into the same base. */
static int
parse_subgroup(struct cgn_parse *p, const config_setting_t *s,
	       const struct key_spec *k, const char *name, void *base)
{
	if (!config_setting_is_group(s))
		return wrong_type(p, s, name, "a group { ... }");
	return parse_keys(p, s, name, k->sub, base);
}

/* workers.lcores: distinct integers 1..RTE_MAX_LCORE-1. */
static int
parse_lcores(struct cgn_parse *p, const config_setting_t *s,
	     const struct key_spec *k __rte_unused, const char *name,
	     void *base __rte_unused)
{
	struct cgn_config *cfg = p->cfg;
	int i, j, n;

	if (!is_list_or_array(s))
		return wrong_type(p, s, name, "an array of integers");
	n = config_setting_length(s);
	if (n == 0)
		return fail(p, line_of(s), "%s must not be empty: at least one "
			    "worker lcore is needed", name);
	if (n > CGN_MAX_WORKERS)
		return fail(p, line_of(s), "%s has %d entries, at most %d "
			    "workers are allowed", name, n, CGN_MAX_WORKERS);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		long long v;

		if (config_setting_type(e) != CONFIG_TYPE_INT &&
		    config_setting_type(e) != CONFIG_TYPE_INT64)
			return fail(p, line_of(e), "%s[%d] must be an integer,"
				    " not %s", name, i,
				    type_name(config_setting_type(e)));
		v = config_setting_get_int64(e);
		if (v == 0)
			return fail(p, line_of(e), "%s: lcore 0 is the main "
				    "(control) lcore and cannot be a worker",
				    name);
		if (v < 1 || v >= RTE_MAX_LCORE)
			return fail(p, line_of(e), "%s: lcore %lld is out of "
				    "range (1..%d)", name, v,
				    RTE_MAX_LCORE - 1);
		for (j = 0; j < i; j++)
			if (cfg->workers.lcores[j] == (unsigned int)v)
				return fail(p, line_of(e), "%s: lcore %lld is "
					    "listed twice", name, v);
		cfg->workers.lcores[i] = (unsigned int)v;
	}
	cfg->workers.n_lcores = n;
	return 0;
}

/* static[].proto: "tcp" or "udp". */
static int
parse_proto(struct cgn_parse *p, const config_setting_t *s,
	    const struct key_spec *k, const char *name, void *base)
{
	const char *str;
	uint8_t proto;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING, "a string") != 0)
		return -1;
	str = config_setting_get_string(s);
	if (strcmp(str, "tcp") == 0)
		proto = IPPROTO_TCP;
	else if (strcmp(str, "udp") == 0)
		proto = IPPROTO_UDP;
	else
		return fail(p, line_of(s), "%s = \"%s\" is not one of \"tcp\", "
			    "\"udp\"", name, str);
	*(uint8_t *)((char *)base + k->off) = proto;
	return 0;
}

/* "a.b.c.d:port": address at off (uint32_t), port at off2 (uint16_t). */
static int
parse_endpoint(struct cgn_parse *p, const config_setting_t *s,
	       const struct key_spec *k, const char *name, void *base)
{
	const char *str, *why;
	uint32_t addr;
	uint16_t port;

	if (expect_type(p, s, name, CONFIG_TYPE_STRING,
			"a string \"a.b.c.d:port\"") != 0)
		return -1;
	str = config_setting_get_string(s);
	why = endpoint_parse(str, &addr, &port);
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	*(uint32_t *)((char *)base + k->off) = addr;
	*(uint16_t *)((char *)base + k->off2) = port;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

static const char *const mapping_names[] = {
	[CGN_MAP_EIM] = "endpoint-independent",
	[CGN_MAP_APDM] = "address-and-port-dependent",
	NULL,
};

static const char *const filtering_names[] = {
	[CGN_FILTER_EIF] = "endpoint-independent",
	[CGN_FILTER_ADF] = "address-dependent",
	[CGN_FILTER_APDF] = "address-and-port-dependent",
	NULL,
};

static const char *const mode_names[] = {
	[CGN_POOL_DYNAMIC] = "dynamic",
	[CGN_POOL_DETERMINISTIC] = "deterministic",
	NULL,
};

static const char *const syn_names[] = {
	[CGN_SYN_DROP] = "drop",
	[CGN_SYN_ICMP] = "icmp",
	NULL,
};

#define LINK_KEYS(gw_required) \
	{ .name = "port", .parse = parse_port_name, .required = true, \
	  .off = LINK_OFF(port), .off2 = LINK_OFF(port_line), \
	  .size = CGN_PORT_NAME_MAX }, \
	{ .name = "address", .parse = parse_ifaddr, .required = true, \
	  .off = LINK_OFF(addr), .off2 = LINK_OFF(plen) }, \
	{ .name = "gateway", .parse = parse_host, \
	  .required = (gw_required), .off = LINK_OFF(gateway) }, \
	{ .name = "gateway_mac", .parse = parse_mac, \
	  .off = LINK_OFF(gateway_mac), .off2 = LINK_OFF(has_gateway_mac) }, \
	{ .name = "mtu", .parse = parse_uint, .off = LINK_OFF(mtu), \
	  .size = sizeof(uint16_t), .min = CGN_MIN_MTU, .max = CGN_MAX_MTU }

static const struct key_spec inside_keys[] = {
	LINK_KEYS(false),
	{ .name = "subscribers", .parse = parse_subscribers,
	  .required = true },
	{ .name = NULL },
};

static const struct key_spec outside_keys[] = {
	LINK_KEYS(true),
	{ .name = NULL },
};

#define UINT_KEY(grp, key, lo, hi) \
	.name = #key, .parse = parse_uint, .off = CFG_OFF(grp.key), \
	.size = CFG_SIZE(grp.key), .min = (lo), .max = (hi)

static const struct key_spec pool_keys[] = {
	{ .name = "addresses", .parse = parse_pool_addrs, .required = true },
	{ .name = "ports", .parse = parse_port_range },
	{ UINT_KEY(pool, block_size, 1, UINT16_MAX) },
	{ UINT_KEY(pool, max_blocks_per_subscriber, 1,
		   CGN_MAX_BLOCKS_PER_SUB) },
	{ .name = "mapping", .parse = parse_enum,
	  .off = CFG_OFF(pool.mapping), .names = mapping_names },
	{ .name = "filtering", .parse = parse_enum,
	  .off = CFG_OFF(pool.filtering), .names = filtering_names },
	{ .name = "hairpinning", .parse = parse_bool,
	  .off = CFG_OFF(pool.hairpinning) },
	{ .name = "port_preservation", .parse = parse_bool,
	  .off = CFG_OFF(pool.port_preservation) },
	{ .name = "port_parity", .parse = parse_bool,
	  .off = CFG_OFF(pool.port_parity) },
	{ .name = "low_ports", .parse = parse_low_ports },
	{ UINT_KEY(pool, hold_down, 0, TIMEOUT_MAX) },
	{ UINT_KEY(pool, hold_down_max, 0, TIMEOUT_MAX) },
	{ .name = "mode", .parse = parse_enum, .off = CFG_OFF(pool.mode),
	  .names = mode_names },
	{ .name = NULL },
};

static const struct key_spec det_keys[] = {
	{ .name = "inside", .parse = parse_det_inside, .required = true },
	{ UINT_KEY(deterministic, compression_ratio, 1, 65535) },
	{ UINT_KEY(deterministic, dynamic_pool_factor, 0, 65535) },
	{ .name = "reserved_ports", .parse = parse_reserved_ports },
	{ .name = NULL },
};

static const struct key_spec timeout_keys[] = {
	{ UINT_KEY(timeouts, udp, CGN_MIN_UDP_TIMEOUT, TIMEOUT_MAX),
	  .why = "RFC 4787" },
	{ UINT_KEY(timeouts, tcp_established, CGN_MIN_TCP_EST_TIMEOUT,
		   TIMEOUT_MAX), .why = "RFC 5382" },
	{ UINT_KEY(timeouts, tcp_transitory, CGN_MIN_TCP_TRANS_TIMEOUT,
		   TIMEOUT_MAX), .why = "RFC 5382" },
	{ UINT_KEY(timeouts, icmp, CGN_MIN_ICMP_TIMEOUT, TIMEOUT_MAX),
	  .why = "RFC 5508" },
	{ UINT_KEY(timeouts, tcp_trans_open, CGN_MIN_TCP_TRANS_TIMEOUT,
		   TIMEOUT_MAX), .why = "RFC 5382" },
	{ UINT_KEY(timeouts, tcp_trans_close, CGN_MIN_TCP_TRANS_TIMEOUT,
		   TIMEOUT_MAX), .why = "RFC 5382" },
	{ UINT_KEY(timeouts, tcp_syn_inbound, CGN_MIN_TCP_SYN_INBOUND,
		   TIMEOUT_MAX), .why = "RFC 5382" },
	{ .name = NULL },
};

#define PORT_LIMIT_KEY(proto) \
	.name = #proto, .parse = parse_uint, \
	.off = CFG_OFF(limits.ports_per_subscriber.proto), \
	.size = CFG_SIZE(limits.ports_per_subscriber.proto), \
	.min = 0, .max = PORTS_PER_SUB_MAX

static const struct key_spec port_limit_keys[] = {
	{ PORT_LIMIT_KEY(tcp) },
	{ PORT_LIMIT_KEY(udp) },
	{ PORT_LIMIT_KEY(icmp) },
	{ .name = NULL },
};

static const struct key_spec limit_keys[] = {
	{ UINT_KEY(limits, sessions_per_subscriber, 1, MAX_SESSIONS_LIMIT) },
	{ UINT_KEY(limits, max_sessions, 1, MAX_SESSIONS_LIMIT) },
	{ .name = "ports_per_subscriber", .parse = parse_subgroup,
	  .sub = port_limit_keys },
	{ UINT_KEY(limits, mappings_per_second, 0, RATE_MAX) },
	{ .name = NULL },
};

static const struct key_spec icmp_keys[] = {
	{ .name = "unreachable_on_no_mapping", .parse = parse_bool,
	  .off = CFG_OFF(icmp.unreachable_on_no_mapping) },
	{ .name = "unsolicited_syn", .parse = parse_enum,
	  .off = CFG_OFF(icmp.unsolicited_syn), .names = syn_names },
	{ UINT_KEY(icmp, rate, 0, RATE_MAX) },
	{ .name = NULL },
};

static const struct key_spec fragment_keys[] = {
	{ UINT_KEY(fragments, max, 1, FRAG_MAX) },
	{ UINT_KEY(fragments, timeout, 1, FRAG_TIMEOUT_MAX) },
	{ .name = NULL },
};

static const struct key_spec worker_keys[] = {
	{ .name = "lcores", .parse = parse_lcores },
	{ .name = NULL },
};

static const struct key_spec logging_keys[] = {
	{ .name = "file", .parse = parse_string, .off = CFG_OFF(logging.file),
	  .size = CFG_SIZE(logging.file) },
	{ .name = NULL },
};

static const struct key_spec static_keys[] = {
	{ .name = "proto", .parse = parse_proto, .required = true,
	  .off = STATIC_OFF(proto) },
	{ .name = "inside", .parse = parse_endpoint, .required = true,
	  .off = STATIC_OFF(in_addr), .off2 = STATIC_OFF(in_port) },
	{ .name = "outside", .parse = parse_endpoint, .required = true,
	  .off = STATIC_OFF(out_addr), .off2 = STATIC_OFF(out_port) },
	{ .name = NULL },
};

static const struct group_spec groups[] = {
	{ "inside", true, CONFIG_TYPE_GROUP, CFG_OFF(inside), inside_keys },
	{ "outside", true, CONFIG_TYPE_GROUP, CFG_OFF(outside),
	  outside_keys },
	{ "pool", true, CONFIG_TYPE_GROUP, 0, pool_keys },
	{ "timeouts", false, CONFIG_TYPE_GROUP, 0, timeout_keys },
	{ "limits", false, CONFIG_TYPE_GROUP, 0, limit_keys },
	{ "workers", false, CONFIG_TYPE_GROUP, 0, worker_keys },
	{ "logging", false, CONFIG_TYPE_GROUP, 0, logging_keys },
	{ "static", false, CONFIG_TYPE_LIST, CFG_OFF(statics), static_keys },
	{ "deterministic", false, CONFIG_TYPE_GROUP, 0, det_keys },
	{ "icmp", false, CONFIG_TYPE_GROUP, 0, icmp_keys },
	{ "fragments", false, CONFIG_TYPE_GROUP, 0, fragment_keys },
	{ "bypass", false, CONFIG_TYPE_ARRAY, 0, NULL, parse_bypass },
	{ NULL, false, 0, 0, NULL, NULL },
};

/* ------------------------------------------------------------------ */
/* Table-driven group parsing                                          */
/* ------------------------------------------------------------------ */

static const struct key_spec *
find_key(const struct key_spec *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static const struct group_spec *
find_group(const char *name)
{
	const struct group_spec *g;

	for (g = groups; g->name != NULL; g++)
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

static void
key_list(const struct key_spec *keys, char *buf, size_t len)
{
	const struct key_spec *k;

	buf[0] = '\0';
	for (k = keys; k->name != NULL; k++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 k == keys ? "" : ", ", k->name);
}

/* Reject members of grp that are not in keys. */
static int
check_unknown(struct cgn_parse *p, const config_setting_t *grp,
	      const char *gname, const struct key_spec *keys)
{
	char known[KNOWN_MAX_LEN];
	int i, n = config_setting_length(grp);

	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(grp, i);
		const char *name = config_setting_name(m);

		if (find_key(keys, name) != NULL)
			continue;
		key_list(keys, known, sizeof(known));
		return fail(p, line_of(m), "unknown key \"%s\" in %s "
			    "(known keys: %s)", name, gname, known);
	}
	return 0;
}

/* Parse the members of group grp (named gname) into base. */
static int
parse_keys(struct cgn_parse *p, const config_setting_t *grp,
	   const char *gname, const struct key_spec *keys, void *base)
{
	const struct key_spec *k;
	char name[NAME_MAX_LEN];

	if (check_unknown(p, grp, gname, keys) != 0)
		return -1;
	for (k = keys; k->name != NULL; k++) {
		const config_setting_t *s =
			config_setting_get_member(grp, k->name);

		snprintf(name, sizeof(name), "%s.%s", gname, k->name);
		if (s == NULL) {
			if (k->required)
				return fail(p, line_of(grp), "missing required "
					    "key %s", name);
			continue;
		}
		if (k->parse(p, s, k, name, base) != 0)
			return -1;
	}
	return 0;
}

/* The "static" list: each entry a group parsed with static_keys. */
static int
parse_static_list(struct cgn_parse *p, const config_setting_t *list,
		  const struct group_spec *g)
{
	struct cgn_config *cfg = p->cfg;
	char name[NAME_MAX_LEN];
	int i, n = config_setting_length(list);

	if (n > CGN_MAX_STATICS)
		return fail(p, line_of(list), "static has %d entries, at most "
			    "%d are allowed", n, CGN_MAX_STATICS);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		struct cgn_static_map *m = &cfg->statics[i];

		snprintf(name, sizeof(name), "static[%d]", i);
		if (!config_setting_is_group(e))
			return wrong_type(p, e, name, "a group { proto = ...; "
					  "inside = ...; outside = ...; }");
		memset(m, 0, sizeof(*m));
		m->line = line_of(e);
		if (parse_keys(p, e, name, g->keys, m) != 0)
			return -1;
	}
	cfg->n_statics = n;
	return 0;
}

static int
parse_top(struct cgn_parse *p, const config_setting_t *root)
{
	const struct group_spec *g;
	char known[KNOWN_MAX_LEN] = "";
	int i, n = config_setting_length(root);

	for (g = groups; g->name != NULL; g++)
		snprintf(known + strlen(known), sizeof(known) - strlen(known),
			 "%s%s", g == groups ? "" : ", ", g->name);
	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(root, i);

		if (find_group(config_setting_name(m)) == NULL)
			return fail(p, line_of(m), "unknown setting \"%s\" "
				    "(known: %s)", config_setting_name(m),
				    known);
	}
	for (g = groups; g->name != NULL; g++) {
		const config_setting_t *s =
			config_setting_get_member(root, g->name);

		if (s == NULL) {
			if (g->required)
				return fail(p, 1, "missing required group %s",
					    g->name);
			continue;
		}
		if (g->parse != NULL) {
			if (g->parse(p, s, NULL, g->name, p->cfg) != 0)
				return -1;
			continue;
		}
		if (config_setting_type(s) != g->type)
			return wrong_type(p, s, g->name,
					  g->type == CONFIG_TYPE_GROUP ?
					  "a group { ... }" :
					  "a list ( { ... }, ... )");
		if (g->type == CONFIG_TYPE_LIST) {
			if (parse_static_list(p, s, g) != 0)
				return -1;
		} else if (parse_keys(p, s, g->name, g->keys,
				      (char *)p->cfg + g->base) != 0) {
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Checks across keys                                                  */
/* ------------------------------------------------------------------ */

/* Gateway (if any) must be on-link and not the box's own address. */
static int
check_gateway(struct cgn_parse *p, const struct cgn_link_config *l,
	      const char *lname)
{
	char key[NAME_MAX_LEN], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct cgn_prefix net = {
		.addr = l->addr & prefix_mask(l->plen), .len = l->plen,
	};
	int line;

	snprintf(key, sizeof(key), "%s.gateway_mac", lname);
	if (l->has_gateway_mac && l->gateway == 0)
		return fail(p, line_at(p, key, 0), "%s is set but %s.gateway "
			    "is not", key, lname);
	if (l->gateway == 0)
		return 0;
	snprintf(key, sizeof(key), "%s.gateway", lname);
	line = line_at(p, key, 0);
	if (l->gateway == l->addr)
		return fail(p, line, "%s %s is the %s address itself", key,
			    ip_str(l->gateway, a, sizeof(a)), lname);
	if (l->plen < 32 && !in_prefix(&net, l->gateway))
		return fail(p, line, "%s %s is not in the %s subnet %s/%u",
			    key, ip_str(l->gateway, a, sizeof(a)), lname,
			    ip_str(net.addr, b, sizeof(b)), l->plen);
	return 0;
}

static int
check_links(struct cgn_parse *p)
{
	const struct cgn_config *cfg = p->cfg;

	if (strcmp(cfg->inside.port, cfg->outside.port) == 0)
		return fail(p, cfg->outside.port_line, "outside.port \"%s\" "
			    "is the same port as inside.port (line %d)",
			    cfg->outside.port, cfg->inside.port_line);
	if (check_gateway(p, &cfg->inside, "inside") != 0 ||
	    check_gateway(p, &cfg->outside, "outside") != 0)
		return -1;
	return 0;
}

/* Line of element i of the array at path. */
static int
elem_line(const struct cgn_parse *p, const char *path, unsigned int i)
{
	const config_setting_t *s = config_lookup(p->lc, path);
	const config_setting_t *e;

	if (s == NULL)
		return 0;
	e = config_setting_get_elem(s, i);
	return e != NULL ? line_of(e) : line_of(s);
}

/* No pool range may hold a subscriber or one of the box's addresses. */
static int
check_pool_range(struct cgn_parse *p, unsigned int i)
{
	const struct cgn_config *cfg = p->cfg;
	const struct cgn_addr_range *r = &cfg->pool.ranges[i];
	const struct {
		const char *name;
		uint32_t addr;
	} own[] = {
		{ "inside.address", cfg->inside.addr },
		{ "inside.gateway", cfg->inside.gateway },
		{ "outside.address", cfg->outside.addr },
		{ "outside.gateway", cfg->outside.gateway },
	};
	int line = elem_line(p, "pool.addresses", i);
	char a[INET_ADDRSTRLEN];
	unsigned int j;

	for (j = 0; j < cfg->n_subscribers; j++) {
		struct cgn_addr_range s = prefix_range(&cfg->subscribers[j]);

		if (range_overlap(r, &s))
			return fail(p, line, "pool.addresses[%u] overlaps "
				    "subscriber prefix %s/%u (line %d)", i,
				    ip_str(s.first, a, sizeof(a)),
				    cfg->subscribers[j].len,
				    elem_line(p, "inside.subscribers", j));
	}
	for (j = 0; j < RTE_DIM(own); j++) {
		if (own[j].addr != 0 && own[j].addr >= r->first &&
		    own[j].addr <= r->last)
			return fail(p, line, "pool.addresses[%u] contains %s "
				    "%s", i, own[j].name,
				    ip_str(own[j].addr, a, sizeof(a)));
	}
	return 0;
}

/* pool.low_ports: not in pool.ports; in deterministic mode within R. */
static int
check_low_ports(struct cgn_parse *p)
{
	const struct cgn_config *cfg = p->cfg;
	int line = line_at(p, "pool.low_ports", 0);

	if (cfg->pool.low_hi == 0)
		return 0;
	if (cfg->pool.low_lo <= cfg->pool.port_hi &&
	    cfg->pool.port_lo <= cfg->pool.low_hi)
		return fail(p, line, "pool.low_ports %u-%u overlaps the "
			    "dynamic port range pool.ports %u-%u",
			    cfg->pool.low_lo,
			    cfg->pool.low_hi, cfg->pool.port_lo,
			    cfg->pool.port_hi);
	if (cfg->pool.mode == CGN_POOL_DETERMINISTIC &&
	    cfg->pool.low_hi > cfg->deterministic.reserved_hi)
		return fail(p, line, "pool.low_ports %u-%u must lie within "
			    "deterministic.reserved_ports 0-%u",
			    cfg->pool.low_lo, cfg->pool.low_hi,
			    cfg->deterministic.reserved_hi);
	return 0;
}

static int
check_pool(struct cgn_parse *p)
{
	const struct cgn_config *cfg = p->cfg;
	unsigned int i, span;
	int line;

	for (i = 0; i < cfg->pool.n_ranges; i++)
		if (check_pool_range(p, i) != 0)
			return -1;
	span = (unsigned int)cfg->pool.port_hi - cfg->pool.port_lo + 1;
	if (cfg->pool.block_size > span) {
		line = line_at(p, "pool.block_size",
			       line_at(p, "pool.ports",
				       line_at(p, "pool", 0)));
		return fail(p, line, "pool.block_size %u is larger than the "
			    "dynamic port range pool.ports %u-%u (%u ports)",
			    cfg->pool.block_size, cfg->pool.port_lo,
			    cfg->pool.port_hi, span);
	}
	return check_low_ports(p);
}

/* Is `what` set in the file? */
static bool
is_set(const struct cgn_parse *p, const char *what)
{
	return config_lookup(p->lc, what) != NULL;
}

/* Values whose default is another key's value. */
static void
derive_defaults(struct cgn_parse *p)
{
	struct cgn_config *cfg = p->cfg;

	if (!is_set(p, "timeouts.tcp_trans_open"))
		cfg->timeouts.tcp_trans_open = cfg->timeouts.tcp_transitory;
	if (!is_set(p, "timeouts.tcp_trans_close"))
		cfg->timeouts.tcp_trans_close = cfg->timeouts.tcp_transitory;
}

static uint32_t
div_up(uint32_t a, uint32_t b)
{
	return (uint32_t)(((uint64_t)a + b - 1) / b);
}

/*
 * RFC 7422: with pool.mode = "deterministic" the deterministic group is
 * required (and only then allowed). Works out the derived values (see
 * struct cgn_det_config) and puts the dynamic overflow range into
 * pool.port_lo/port_hi.
 */
static int
check_det(struct cgn_parse *p)
{
	struct cgn_config *cfg = p->cfg;
	struct cgn_det_config *d = &cfg->deterministic;
	struct cgn_addr_range in = prefix_range(&d->inside);
	int gline = line_at(p, "deterministic", 0);
	int cline = line_at(p, "deterministic.compression_ratio", gline);
	int dline = line_at(p, "deterministic.dynamic_pool_factor", gline);
	char a[INET_ADDRSTRLEN];
	uint32_t n_addrs = cfg->pool.n_addrs, need, c, span, dyn;
	unsigned int i;

	if (cfg->pool.mode != CGN_POOL_DETERMINISTIC) {
		if (is_set(p, "deterministic"))
			return fail(p, gline, "the deterministic group is set "
				    "but pool.mode is \"dynamic\" (set "
				    "pool.mode = \"deterministic\")");
		return 0;
	}
	if (!is_set(p, "deterministic"))
		return fail(p, line_at(p, "pool.mode", 0), "pool.mode = "
			    "\"deterministic\" needs a deterministic group "
			    "{ inside = \"a.b.c.d/len\"; ... }");
	d->line = gline;
	if (is_set(p, "pool.ports"))
		return fail(p, line_at(p, "pool.ports", 0), "pool.ports cannot "
			    "be set with pool.mode = \"deterministic\": the "
			    "dynamic ports are those the deterministic ranges "
			    "leave");
	for (i = 0; i < cfg->n_subscribers; i++) {
		struct cgn_addr_range s = prefix_range(&cfg->subscribers[i]);

		if (in.first >= s.first && in.last <= s.last)
			break;
	}
	if (i == cfg->n_subscribers)
		return fail(p, line_at(p, "deterministic.inside", gline),
			    "deterministic.inside %s/%u is not within any "
			    "inside.subscribers prefix",
			    ip_str(d->inside.addr, a, sizeof(a)),
			    d->inside.len);
	/* The network and broadcast addresses are not hosts (RFC 7422's
	 * example maps .1-.14 of a /28).
	 */
	d->n_hosts = (uint32_t)range_size(&in);
	d->first_host = d->inside.addr;
	if (d->inside.len <= 30) {
		d->n_hosts -= 2;
		d->first_host++;
	}
	if (is_set(p, "deterministic.compression_ratio")) {
		c = d->compression_ratio;
		need = div_up(d->n_hosts, c);
		if (need != n_addrs)
			return fail(p, cline, "deterministic: %u inside hosts "
				    "at compression_ratio %u need %s%u pool "
				    "address(es), pool.addresses has %u%s",
				    d->n_hosts, c, need < n_addrs ? "only " :
				    "", need, n_addrs, need < n_addrs ?
				    " (the others would never be used)" : "");
	} else {
		c = div_up(d->n_hosts, n_addrs);
		need = div_up(d->n_hosts, c);
		if (need != n_addrs)
			return fail(p, line_at(p, "pool.addresses", 0),
				    "deterministic: %u inside hosts cannot use "
				    "all %u pool addresses (compression_ratio "
				    "%u would use %u)", d->n_hosts, n_addrs,
				    c, need);
		d->compression_ratio = c;
	}
	d->first_port = (uint16_t)(d->reserved_hi + 1);
	span = 65535u - d->reserved_hi;
	d->ports_per_sub = (uint16_t)(span / (c + d->dynamic_pool_factor));
	if (d->ports_per_sub == 0)
		return fail(p, cline, "deterministic: %u ports over "
			    "compression_ratio + dynamic_pool_factor = %u "
			    "leave no port per inside host", span,
			    c + d->dynamic_pool_factor);
	d->dyn_lo = d->first_port + c * d->ports_per_sub;
	dyn = 65536u - d->dyn_lo;
	if (dyn == 0)
		return fail(p, dline, "deterministic: the ranges leave no port "
			    "for the dynamic pool; raise "
			    "deterministic.dynamic_pool_factor");
	if (dyn < cfg->pool.block_size)
		return fail(p, dline, "deterministic: the dynamic pool "
			    "%u-65535 has %u ports, fewer than pool.block_size "
			    "%u; raise deterministic.dynamic_pool_factor or "
			    "lower pool.block_size", d->dyn_lo, dyn,
			    cfg->pool.block_size);
	cfg->pool.port_lo = (uint16_t)d->dyn_lo;
	cfg->pool.port_hi = 65535;
	return 0;
}

static bool
in_pool(const struct cgn_config *cfg, uint32_t addr)
{
	return cgn_config_pool_index(cfg, addr) >= 0;
}

/* Line of key `key` of static entry i. */
static int
static_line(const struct cgn_parse *p, unsigned int i, const char *key)
{
	const config_setting_t *list = config_lookup(p->lc, "static");
	const config_setting_t *e = config_setting_get_elem(list, i);
	const config_setting_t *m = config_setting_get_member(e, key);

	return m != NULL ? line_of(m) : line_of(e);
}

static int
check_static(struct cgn_parse *p, unsigned int i)
{
	const struct cgn_config *cfg = p->cfg;
	const struct cgn_static_map *m = &cfg->statics[i];
	int in_line = static_line(p, i, "inside");
	int out_line = static_line(p, i, "outside");
	unsigned int j;

	if (!cgn_config_is_subscriber(cfg, m->in_addr))
		return fail(p, in_line, "static[%u].inside: address is not in "
			    "any inside.subscribers prefix", i);
	if (!in_pool(cfg, m->out_addr))
		return fail(p, out_line, "static[%u].outside: address is not "
			    "a pool address", i);
	if (m->out_port >= cfg->pool.port_lo &&
	    m->out_port <= cfg->pool.port_hi)
		return fail(p, out_line, "static[%u].outside: port %u lies in "
			    "the dynamic range pool.ports %u-%u; static ports "
			    "must be outside the dynamic range", i, m->out_port,
			    cfg->pool.port_lo, cfg->pool.port_hi);
	if (cfg->pool.low_hi != 0 && m->out_port >= cfg->pool.low_lo &&
	    m->out_port <= cfg->pool.low_hi)
		return fail(p, out_line, "static[%u].outside: port %u lies in "
			    "pool.low_ports %u-%u; static ports must be "
			    "outside it", i, m->out_port, cfg->pool.low_lo,
			    cfg->pool.low_hi);
	if (cfg->pool.mode == CGN_POOL_DETERMINISTIC &&
	    m->out_port >= cfg->deterministic.first_port &&
	    m->out_port < cfg->deterministic.dyn_lo)
		return fail(p, out_line, "static[%u].outside: port %u lies in "
			    "the deterministic port ranges %u-%u; static ports "
			    "must be in deterministic.reserved_ports", i,
			    m->out_port, cfg->deterministic.first_port,
			    cfg->deterministic.dyn_lo - 1);
	for (j = 0; j < i; j++) {
		const struct cgn_static_map *o = &cfg->statics[j];

		if (o->proto != m->proto)
			continue;
		if (o->out_addr == m->out_addr && o->out_port == m->out_port)
			return fail(p, out_line, "static[%u].outside duplicates "
				    "static[%u] (line %d)", i, j, o->line);
		if (o->in_addr == m->in_addr && o->in_port == m->in_port)
			return fail(p, in_line, "static[%u].inside duplicates "
				    "static[%u] (line %d)", i, j, o->line);
	}
	return 0;
}

/* Bypass destinations must be neither pool addresses nor subscribers. */
static int
check_bypass(struct cgn_parse *p, unsigned int i)
{
	const struct cgn_config *cfg = p->cfg;
	struct cgn_addr_range b = prefix_range(&cfg->bypass[i]);
	int line = elem_line(p, "bypass", i);
	char a[INET_ADDRSTRLEN], sa[INET_ADDRSTRLEN];
	unsigned int j;

	for (j = 0; j < cfg->pool.n_ranges; j++)
		if (range_overlap(&b, &cfg->pool.ranges[j]))
			return fail(p, line, "bypass[%u] %s/%u overlaps "
				    "pool.addresses[%u] (line %d)", i,
				    ip_str(b.first, a, sizeof(a)),
				    cfg->bypass[i].len, j,
				    elem_line(p, "pool.addresses", j));
	for (j = 0; j < cfg->n_subscribers; j++) {
		struct cgn_addr_range s = prefix_range(&cfg->subscribers[j]);

		if (range_overlap(&b, &s))
			return fail(p, line, "bypass[%u] %s/%u overlaps "
				    "subscriber prefix %s/%u (line %d): "
				    "subscriber destinations are hairpinned, "
				    "never bypassed", i,
				    ip_str(b.first, a, sizeof(a)),
				    cfg->bypass[i].len,
				    ip_str(s.first, sa, sizeof(sa)),
				    cfg->subscribers[j].len,
				    elem_line(p, "inside.subscribers", j));
	}
	return 0;
}

static int
check_all(struct cgn_parse *p)
{
	unsigned int i;

	derive_defaults(p);
	if (check_links(p) != 0 || check_det(p) != 0 || check_pool(p) != 0)
		return -1;
	for (i = 0; i < p->cfg->n_statics; i++)
		if (check_static(p, i) != 0)
			return -1;
	for (i = 0; i < p->cfg->n_bypass; i++)
		if (check_bypass(p, i) != 0)
			return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */
/* ------------------------------------------------------------------ */

void
cgn_config_defaults(struct cgn_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->pool.port_lo = 1024;
	cfg->pool.port_hi = 65535;
	cfg->pool.block_size = 256;
	cfg->pool.max_blocks_per_subscriber = 8;
	cfg->pool.mapping = CGN_MAP_EIM;
	cfg->pool.filtering = CGN_FILTER_EIF;
	cfg->pool.hairpinning = true;
	cfg->timeouts.udp = 300;
	cfg->timeouts.tcp_established = 7440;
	cfg->timeouts.tcp_transitory = 240;
	cfg->timeouts.icmp = 60;
	cfg->timeouts.tcp_trans_open = 240;
	cfg->timeouts.tcp_trans_close = 240;
	cfg->timeouts.tcp_syn_inbound = 6;
	cfg->pool.port_preservation = true;
	cfg->pool.port_parity = true;
	cfg->pool.hold_down = 120;
	cfg->pool.mode = CGN_POOL_DYNAMIC;
	cfg->deterministic.reserved_hi = 1023;
	cfg->deterministic.dynamic_pool_factor = 2;
	cfg->inside.mtu = 1500;
	cfg->outside.mtu = 1500;
	cfg->limits.sessions_per_subscriber = 4096;
	cfg->limits.max_sessions = 1048576;
	cfg->icmp.unreachable_on_no_mapping = true;
	cfg->icmp.unsolicited_syn = CGN_SYN_DROP;
	cfg->icmp.rate = 1000;
	cfg->fragments.max = 4096;
	cfg->fragments.timeout = 2;
	cfg->workers.lcores[0] = 1;
	cfg->workers.n_lcores = 1;
	snprintf(cfg->logging.file, sizeof(cfg->logging.file), "%s",
		 "/var/log/cgnat/mappings.log");
}

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
	cgn_config_defaults(cfg);
	if (path == NULL || path[0] == '\0')
		return fail(&p, 0, "no configuration file given");
	if (strlen(path) >= sizeof(cfg->path))
		return fail(&p, 0, "path too long");
	strcpy(cfg->path, path);

	config_init(&lc);
	p.lc = &lc;
	rc = read_file(&p, &lc);
	if (rc == 0)
		rc = parse_top(&p, config_root_setting(&lc));
	if (rc == 0)
		rc = check_all(&p);
	config_destroy(&lc);
	return rc;
}

static int __rte_format_printf(5, 6)
port_err(const struct cgn_config *cfg, char *err, size_t errlen, int line,
	 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_err(err, errlen, cfg->path, line, fmt, ap);
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
		if (in_prefix(&cfg->subscribers[i], addr))
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
		if (in_prefix(&cfg->bypass[i], addr))
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
