/* SPDX-License-Identifier: BSD-3-Clause
 * Configuration value parsers: one per key type of the schema
 * (cgn_config_schema.h). Each checks the libconfig type, the syntax and
 * the key's range, and stores the value into the key's field(s).
 *
 * Every error is reported as "FILE:LINE: what is wrong".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_config.h>
#include <rte_debug.h>
#include <rte_ether.h>

#include "cgn_config_int.h"

/* ------------------------------------------------------------------ */
/* Errors and small helpers                                            */
/* ------------------------------------------------------------------ */

void
cgn_cfg_format_err(char *err, size_t errlen, const char *path, int line,
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

int
cgn_cfg_fail(const struct cgn_parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cgn_cfg_format_err(p->err, p->errlen, p->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

#define fail cgn_cfg_fail
#define line_of cgn_cfg_line

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

int
cgn_cfg_wrong_type(const struct cgn_parse *p, const config_setting_t *s,
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
	return cgn_cfg_wrong_type(p, s, name, expected);
}

/* The string value of s, or NULL (error set) if s is not a string. */
static const char *
expect_string(const struct cgn_parse *p, const config_setting_t *s,
	      const char *name, const char *expected)
{
	if (expect_type(p, s, name, CONFIG_TYPE_STRING, expected) != 0)
		return NULL;
	return config_setting_get_string(s);
}

static bool
is_list_or_array(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

const char *
cgn_cfg_ip_str(uint32_t addr, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = htonl(addr) };

	return inet_ntop(AF_INET, &in, buf, len);
}

void
cgn_cfg_store_uint(void *dst, size_t size, uint64_t v)
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

uint64_t
cgn_cfg_load_uint(const void *src, size_t size)
{
	switch (size) {
	case sizeof(uint8_t):
		return *(const uint8_t *)src;
	case sizeof(uint16_t):
		return *(const uint16_t *)src;
	default:
		return *(const uint32_t *)src;
	}
}

#define AT CGN_CFG_AT

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
		if (pf.addr & ~cgn_cfg_prefix_mask(pf.len))
			return "host bits set";
		*r = cgn_cfg_prefix_range(&pf);
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
/* Scalar types                                                        */
/* ------------------------------------------------------------------ */

typedef int (*value_parser)(struct cgn_parse *p, const config_setting_t *s,
			    const struct cgn_key *k, const char *name,
			    void *base);

/* UINT: an integer in k->min..k->max, stored in k->size bytes. */
static int
parse_uint(struct cgn_parse *p, const config_setting_t *s,
	   const struct cgn_key *k, const char *name, void *base)
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
	cgn_cfg_store_uint(AT(base, k->off), k->size, (uint64_t)v);
	return 0;
}

static int
parse_bool(struct cgn_parse *p, const config_setting_t *s,
	   const struct cgn_key *k, const char *name, void *base)
{
	if (expect_type(p, s, name, CONFIG_TYPE_BOOL, "true or false") != 0)
		return -1;
	*(bool *)AT(base, k->off) = config_setting_get_bool(s) != 0;
	return 0;
}

/* STRING: non-empty, fits in k->size bytes. */
static int
parse_string(struct cgn_parse *p, const config_setting_t *s,
	     const struct cgn_key *k, const char *name, void *base)
{
	const char *str = expect_string(p, s, name, "a string");

	if (str == NULL)
		return -1;
	if (str[0] == '\0')
		return fail(p, line_of(s), "%s must not be empty", name);
	if (strlen(str) >= k->size)
		return fail(p, line_of(s), "%s is too long (at most %zu "
			    "characters)", name, k->size - 1);
	strcpy(AT(base, k->off), str);
	return 0;
}

/* ENUM: one of k->names, stored as its value in k->size bytes. */
static int
parse_enum(struct cgn_parse *p, const config_setting_t *s,
	   const struct cgn_key *k, const char *name, void *base)
{
	const char *str = expect_string(p, s, name, "a string");
	char allowed[256] = "";
	int i;

	if (str == NULL)
		return -1;
	for (i = 0; k->names[i] != NULL; i++) {
		if (strcmp(str, k->names[i]) == 0) {
			cgn_cfg_store_uint(AT(base, k->off), k->size,
					   (uint64_t)(k->vals != NULL ?
						      k->vals[i] : i));
			return 0;
		}
		snprintf(allowed + strlen(allowed),
			 sizeof(allowed) - strlen(allowed), "%s\"%s\"",
			 i > 0 ? ", " : "", k->names[i]);
	}
	return fail(p, line_of(s), "%s = \"%s\" is not one of %s", name, str,
		    allowed);
}

/* IFADDR: "a.b.c.d/len", address at off, length at aux. */
static int
parse_ifaddr(struct cgn_parse *p, const config_setting_t *s,
	     const struct cgn_key *k, const char *name, void *base)
{
	const char *str, *why;
	uint32_t addr;
	uint8_t len;

	str = expect_string(p, s, name, "a string \"a.b.c.d/len\"");
	if (str == NULL)
		return -1;
	why = prefix_parse(str, 1, &addr, &len);
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	if (addr == 0)
		return fail(p, line_of(s), "%s = \"%s\": 0.0.0.0 is not a "
			    "usable address", name, str);
	*(uint32_t *)AT(base, k->off) = addr;
	*(uint8_t *)AT(base, k->aux_off) = len;
	return 0;
}

/* HOST: "a.b.c.d", not 0.0.0.0. */
static int
parse_host(struct cgn_parse *p, const config_setting_t *s,
	   const struct cgn_key *k, const char *name, void *base)
{
	const char *str = expect_string(p, s, name, "a string \"a.b.c.d\"");
	uint32_t addr;

	if (str == NULL)
		return -1;
	if (!ipv4_parse(str, strlen(str), &addr))
		return fail(p, line_of(s), "%s = \"%s\": bad IPv4 address",
			    name, str);
	if (addr == 0)
		return fail(p, line_of(s), "%s = \"%s\": 0.0.0.0 is not a "
			    "usable address", name, str);
	*(uint32_t *)AT(base, k->off) = addr;
	return 0;
}

/* MAC: unicast MAC at off; sets the bool at aux. */
static int
parse_mac(struct cgn_parse *p, const config_setting_t *s,
	  const struct cgn_key *k, const char *name, void *base)
{
	struct rte_ether_addr mac;
	const char *str;

	str = expect_string(p, s, name, "a string \"aa:bb:cc:dd:ee:ff\"");
	if (str == NULL)
		return -1;
	if (rte_ether_unformat_addr(str, &mac) != 0)
		return fail(p, line_of(s), "%s = \"%s\": bad MAC address "
			    "(expected aa:bb:cc:dd:ee:ff)", name, str);
	if (!rte_is_valid_assigned_ether_addr(&mac))
		return fail(p, line_of(s), "%s = \"%s\": not a unicast MAC "
			    "address", name, str);
	*(struct rte_ether_addr *)AT(base, k->off) = mac;
	*(bool *)AT(base, k->aux_off) = true;
	return 0;
}

/* PREFIX: one prefix, length 1..32, host bits zero. */
static int
parse_prefix(struct cgn_parse *p, const config_setting_t *s,
	     const struct cgn_key *k, const char *name, void *base)
{
	struct cgn_prefix *pf = AT(base, k->off);
	const char *str, *why;

	str = expect_string(p, s, name, "a string \"a.b.c.d/len\"");
	if (str == NULL)
		return -1;
	why = prefix_parse(str, 1, &pf->addr, &pf->len);
	if (why == NULL && (pf->addr & ~cgn_cfg_prefix_mask(pf->len)))
		why = "host bits set";
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	return 0;
}

/* ENDPOINT: "a.b.c.d:port", address at off, port at aux. */
static int
parse_endpoint(struct cgn_parse *p, const config_setting_t *s,
	       const struct cgn_key *k, const char *name, void *base)
{
	const char *str, *why;
	uint32_t addr;
	uint16_t port;

	str = expect_string(p, s, name, "a string \"a.b.c.d:port\"");
	if (str == NULL)
		return -1;
	why = endpoint_parse(str, &addr, &port);
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	*(uint32_t *)AT(base, k->off) = addr;
	*(uint16_t *)AT(base, k->aux_off) = port;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Port ranges                                                         */
/* ------------------------------------------------------------------ */

/* PORT_RANGE: "LO-HI", 1 <= LO <= HI <= 65535. */
static int
parse_port_range(struct cgn_parse *p, const config_setting_t *s,
		 const struct cgn_key *k, const char *name, void *base)
{
	const char *str, *why;
	uint32_t lo, hi;

	str = expect_string(p, s, name, "a string \"LO-HI\"");
	if (str == NULL)
		return -1;
	why = port_range_parse(str, &lo, &hi);
	if (why == NULL && lo == 0)
		why = "port 0 is not allowed";
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	*(uint16_t *)AT(base, k->off) = (uint16_t)lo;
	*(uint16_t *)AT(base, k->aux_off) = (uint16_t)hi;
	return 0;
}

/*
 * LOW_PORTS: "" (none) or "LO-HI" within 1-1023 (RFC 4787 REQ-3a: the
 * range inside ports 0-1023 are mapped into). The overlap with pool.ports
 * is checked later.
 */
static int
parse_low_ports(struct cgn_parse *p, const config_setting_t *s,
		const struct cgn_key *k, const char *name, void *base)
{
	const char *str, *why;
	uint32_t lo = 0, hi = 0;

	str = expect_string(p, s, name, "a string \"LO-HI\" or \"\"");
	if (str == NULL)
		return -1;
	if (str[0] != '\0') {
		why = port_range_parse(str, &lo, &hi);
		if (why == NULL && (lo == 0 || hi > 1023))
			why = "the range must lie within 1-1023";
		if (why != NULL)
			return fail(p, line_of(s), "%s = \"%s\": %s", name,
				    str, why);
	}
	*(uint16_t *)AT(base, k->off) = (uint16_t)lo;
	*(uint16_t *)AT(base, k->aux_off) = (uint16_t)hi;
	return 0;
}

/* RESERVED_PORTS: "0-HI", HI < 65535 (RFC 7422 R); HI at off. */
static int
parse_reserved_ports(struct cgn_parse *p, const config_setting_t *s,
		     const struct cgn_key *k, const char *name, void *base)
{
	const char *str, *why;
	uint32_t lo, hi;

	str = expect_string(p, s, name, "a string \"0-HI\"");
	if (str == NULL)
		return -1;
	why = port_range_parse(str, &lo, &hi);
	if (why == NULL && lo != 0)
		why = "the reserved ports must start at port 0";
	if (why == NULL && hi == UINT16_MAX)
		why = "no port would be left to map";
	if (why != NULL)
		return fail(p, line_of(s), "%s = \"%s\": %s", name, str, why);
	*(uint16_t *)AT(base, k->off) = (uint16_t)hi;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lists                                                               */
/* ------------------------------------------------------------------ */

/*
 * A list or array of k->min..k->max strings; returns the count or -1.
 * `what` is the expected type for the message.
 */
static int
string_list(struct cgn_parse *p, const config_setting_t *s,
	    const struct cgn_key *k, const char *name, const char *what)
{
	int i, n;

	if (!is_list_or_array(s))
		return cgn_cfg_wrong_type(p, s, name, what);
	n = config_setting_length(s);
	if (n == 0 && k->min > 0)
		return fail(p, line_of(s), "%s must not be empty", name);
	if (n > k->max)
		return fail(p, line_of(s), "%s has %d entries, at most %u are "
			    "allowed", name, n, (unsigned int)k->max);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(p, line_of(e), "%s[%d] must be a string, "
				    "not %s", name, i,
				    type_name(config_setting_type(e)));
	}
	return n;
}

static const char *
elem_string(const config_setting_t *s, int i)
{
	return config_setting_get_string(config_setting_get_elem(s, i));
}

/*
 * Entry i of list s as range r must not overlap entries 0..i-1 (ranges).
 */
static int
check_overlaps(struct cgn_parse *p, const config_setting_t *s,
	       const char *name, int i, const struct cgn_addr_range *r,
	       const struct cgn_addr_range *ranges)
{
	int j;

	for (j = 0; j < i; j++)
		if (cgn_cfg_range_overlap(r, &ranges[j]))
			return fail(p, line_of(config_setting_get_elem(s, i)),
				    "%s: \"%s\" overlaps \"%s\"", name,
				    elem_string(s, i), elem_string(s, j));
	return 0;
}

/* PREFIX_LIST: distinct, non-overlapping prefixes. */
static int
parse_prefix_list(struct cgn_parse *p, const config_setting_t *s,
		  const struct cgn_key *k, const char *name, void *base)
{
	struct cgn_addr_range r[RTE_MAX(CGN_MAX_SUB_PREFIXES, CGN_MAX_BYPASS)];
	struct cgn_prefix *pfx = AT(base, k->off);
	int i, n;

	n = string_list(p, s, k, name, "an array of \"a.b.c.d/len\" strings");
	if (n < 0)
		return -1;
	RTE_VERIFY((size_t)n <= RTE_DIM(r));
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *str = config_setting_get_string(e);
		struct cgn_prefix *pf = &pfx[i];
		const char *why;

		why = prefix_parse(str, 0, &pf->addr, &pf->len);
		if (why != NULL)
			return fail(p, line_of(e), "%s: \"%s\": %s", name,
				    str, why);
		if (pf->addr & ~cgn_cfg_prefix_mask(pf->len))
			return fail(p, line_of(e), "%s: \"%s\": host bits set",
				    name, str);
		r[i] = cgn_cfg_prefix_range(pf);
		if (check_overlaps(p, s, name, i, &r[i], r) != 0)
			return -1;
	}
	*(unsigned int *)AT(base, k->aux_off) = n;
	return 0;
}

/* ADDR_LIST: non-overlapping ranges, CGN_MAX_POOL_ADDRS addresses. */
static int
parse_addr_list(struct cgn_parse *p, const config_setting_t *s,
		const struct cgn_key *k, const char *name, void *base)
{
	struct cgn_addr_range *ranges = AT(base, k->off);
	uint64_t total = 0;
	int i, n;

	n = string_list(p, s, k, name, "an array of address strings");
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *str = config_setting_get_string(e);
		const char *why = pool_elem_parse(str, &ranges[i]);

		if (why != NULL)
			return fail(p, line_of(e), "%s: \"%s\": %s", name,
				    str, why);
		if (check_overlaps(p, s, name, i, &ranges[i], ranges) != 0)
			return -1;
		total += cgn_cfg_range_size(&ranges[i]);
		if (total > CGN_MAX_POOL_ADDRS)
			return fail(p, line_of(e), "%s: more than %u addresses "
				    "in the pool", name, CGN_MAX_POOL_ADDRS);
	}
	*(unsigned int *)AT(base, k->aux_off) = n;
	return 0;
}

/* LCORES: distinct integers 1..RTE_MAX_LCORE-1. */
static int
parse_lcores(struct cgn_parse *p, const config_setting_t *s,
	     const struct cgn_key *k, const char *name, void *base)
{
	unsigned int *lcores = AT(base, k->off);
	int i, j, n;

	if (!is_list_or_array(s))
		return cgn_cfg_wrong_type(p, s, name, "an array of integers");
	n = config_setting_length(s);
	if (n < k->min)
		return fail(p, line_of(s), "%s must not be empty: at least one "
			    "worker lcore is needed", name);
	if (n > k->max)
		return fail(p, line_of(s), "%s has %d entries, at most %d "
			    "workers are allowed", name, n, (int)k->max);
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
			if (lcores[j] == (unsigned int)v)
				return fail(p, line_of(e), "%s: lcore %lld is "
					    "listed twice", name, v);
		lcores[i] = (unsigned int)v;
	}
	*(unsigned int *)AT(base, k->aux_off) = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	value_parser parse;
} types[CGN_KT_COUNT] = {
	[CGN_KT_GROUP] = { "group", NULL },
	[CGN_KT_LIST] = { "list of groups", NULL },
	[CGN_KT_UINT] = { "uint", parse_uint },
	[CGN_KT_BOOL] = { "bool", parse_bool },
	[CGN_KT_STRING] = { "string", parse_string },
	[CGN_KT_PORT] = { "port name", parse_string },
	[CGN_KT_ENUM] = { "enum", parse_enum },
	[CGN_KT_IFADDR] = { "interface address", parse_ifaddr },
	[CGN_KT_HOST] = { "address", parse_host },
	[CGN_KT_MAC] = { "MAC address", parse_mac },
	[CGN_KT_PREFIX] = { "prefix", parse_prefix },
	[CGN_KT_PREFIX_LIST] = { "prefix list", parse_prefix_list },
	[CGN_KT_ADDR_LIST] = { "address list", parse_addr_list },
	[CGN_KT_PORT_RANGE] = { "port range", parse_port_range },
	[CGN_KT_LOW_PORTS] = { "low port range", parse_low_ports },
	[CGN_KT_RESERVED_PORTS] = { "reserved port range",
				    parse_reserved_ports },
	[CGN_KT_LCORES] = { "lcore list", parse_lcores },
	[CGN_KT_ENDPOINT] = { "endpoint", parse_endpoint },
};

const char *
cgn_config_type_name(enum cgn_key_type type)
{
	return (unsigned int)type < CGN_KT_COUNT ? types[type].name : "?";
}

int
cgn_cfg_parse_value(struct cgn_parse *p, const config_setting_t *s,
		    const struct cgn_key *k, const char *name, void *base)
{
	value_parser parse = (unsigned int)k->type < CGN_KT_COUNT ?
			     types[k->type].parse : NULL;

	if (parse == NULL)
		return fail(p, line_of(s), "%s: no value parser for a %s",
			    name, cgn_config_type_name(k->type));
	if (parse(p, s, k, name, base) != 0)
		return -1;
	if (k->flags & CGN_KF_LINE)
		*(int *)AT(base, k->line_off) = line_of(s);
	return 0;
}
