/* SPDX-License-Identifier: BSD-3-Clause
 * Configuration checks across keys, run once the file is parsed (the
 * schema checks each key alone): gateways on-link, the pool against the
 * subscribers and the box's own addresses, ports and blocks, RFC 7422
 * deterministic ranges, static mappings, bypass prefixes. Also works out
 * the derived values (defaults that are other keys' values, the pool size,
 * the deterministic parameters).
 *
 * Every error is reported as "FILE:LINE: what is wrong".
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_common.h>

#include "cgn_config_int.h"

#define fail cgn_cfg_fail
#define line_of cgn_cfg_line

/* Line of the setting at path, or fallback if it is absent. */
static int
line_at(const struct cgn_parse *p, const char *path, int fallback)
{
	const config_setting_t *s = config_lookup(p->lc, path);

	return s != NULL ? line_of(s) : fallback;
}

/* Gateway (if any) must be on-link and not the box's own address. */
static int
check_gateway(struct cgn_parse *p, const struct cgn_link_config *l,
	      const char *lname)
{
	char key[CGN_CFG_NAME_MAX], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct cgn_prefix net = {
		.addr = l->addr & cgn_cfg_prefix_mask(l->plen), .len = l->plen,
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
			    cgn_cfg_ip_str(l->gateway, a, sizeof(a)), lname);
	if (l->plen < 32 && !cgn_cfg_in_prefix(&net, l->gateway))
		return fail(p, line, "%s %s is not in the %s subnet %s/%u",
			    key, cgn_cfg_ip_str(l->gateway, a, sizeof(a)), lname,
			    cgn_cfg_ip_str(net.addr, b, sizeof(b)), l->plen);
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
		struct cgn_addr_range s = cgn_cfg_prefix_range(&cfg->subscribers[j]);

		if (cgn_cfg_range_overlap(r, &s))
			return fail(p, line, "pool.addresses[%u] overlaps "
				    "subscriber prefix %s/%u (line %d)", i,
				    cgn_cfg_ip_str(s.first, a, sizeof(a)),
				    cfg->subscribers[j].len,
				    elem_line(p, "inside.subscribers", j));
	}
	for (j = 0; j < RTE_DIM(own); j++) {
		if (own[j].addr != 0 && own[j].addr >= r->first &&
		    own[j].addr <= r->last)
			return fail(p, line, "pool.addresses[%u] contains %s "
				    "%s", i, own[j].name,
				    cgn_cfg_ip_str(own[j].addr, a, sizeof(a)));
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

/* Is `what` set in the file? (Nothing is without a file.) */
static bool
is_set(const struct cgn_parse *p, const char *what)
{
	return p->lc != NULL && config_lookup(p->lc, what) != NULL;
}

/* Keys whose default is another key's value (CGN_KF_DERIVED). */
void
cgn_cfg_derive_defaults(struct cgn_parse *p)
{
	struct cgn_config *cfg = p->cfg;

	if (!is_set(p, "timeouts.tcp_trans_open"))
		cfg->timeouts.tcp_trans_open = cfg->timeouts.tcp_transitory;
	if (!is_set(p, "timeouts.tcp_trans_close"))
		cfg->timeouts.tcp_trans_close = cfg->timeouts.tcp_transitory;
}

/* The number of pool addresses over all ranges. */
static void
count_pool(struct cgn_config *cfg)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < cfg->pool.n_ranges; i++)
		total += cgn_cfg_range_size(&cfg->pool.ranges[i]);
	cfg->pool.n_addrs = (uint32_t)total;
}

static uint32_t
div_up(uint32_t a, uint32_t b)
{
	return (uint32_t)(((uint64_t)a + b - 1) / b);
}

/* RFC 7422 I: the inside hosts, within a subscriber prefix. */
static int
det_hosts(struct cgn_parse *p, int gline)
{
	struct cgn_config *cfg = p->cfg;
	struct cgn_det_config *d = &cfg->deterministic;
	struct cgn_addr_range in = cgn_cfg_prefix_range(&d->inside);
	char a[INET_ADDRSTRLEN];
	unsigned int i;

	for (i = 0; i < cfg->n_subscribers; i++) {
		struct cgn_addr_range s =
			cgn_cfg_prefix_range(&cfg->subscribers[i]);

		if (in.first >= s.first && in.last <= s.last)
			break;
	}
	if (i == cfg->n_subscribers)
		return fail(p, line_at(p, "deterministic.inside", gline),
			    "deterministic.inside %s/%u is not within any "
			    "inside.subscribers prefix",
			    cgn_cfg_ip_str(d->inside.addr, a, sizeof(a)),
			    d->inside.len);
	/* The network and broadcast addresses are not hosts (RFC 7422's
	 * example maps .1-.14 of a /28).
	 */
	d->n_hosts = (uint32_t)cgn_cfg_range_size(&in);
	d->first_host = d->inside.addr;
	if (d->inside.len <= 30) {
		d->n_hosts -= 2;
		d->first_host++;
	}
	return 0;
}

/* RFC 7422 C: given, or the smallest that fills all pool addresses. */
static int
det_ratio(struct cgn_parse *p, int cline)
{
	struct cgn_config *cfg = p->cfg;
	struct cgn_det_config *d = &cfg->deterministic;
	uint32_t n_addrs = cfg->pool.n_addrs, need, c;

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
		return 0;
	}
	c = div_up(d->n_hosts, n_addrs);
	need = div_up(d->n_hosts, c);
	if (need != n_addrs)
		return fail(p, line_at(p, "pool.addresses", 0),
			    "deterministic: %u inside hosts cannot use all %u "
			    "pool addresses (compression_ratio %u would use "
			    "%u)", d->n_hosts, n_addrs, c, need);
	d->compression_ratio = c;
	return 0;
}

/* The ports per host and the dynamic pool they leave. */
static int
det_ports(struct cgn_parse *p, int cline, int dline)
{
	struct cgn_config *cfg = p->cfg;
	struct cgn_det_config *d = &cfg->deterministic;
	uint32_t c = d->compression_ratio, span, dyn;

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
	int gline = line_at(p, "deterministic", 0);
	int cline = line_at(p, "deterministic.compression_ratio", gline);
	int dline = line_at(p, "deterministic.dynamic_pool_factor", gline);

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
	cfg->deterministic.line = gline;
	if (is_set(p, "pool.ports"))
		return fail(p, line_at(p, "pool.ports", 0), "pool.ports cannot "
			    "be set with pool.mode = \"deterministic\": the "
			    "dynamic ports are those the deterministic ranges "
			    "leave");
	if (det_hosts(p, gline) != 0 || det_ratio(p, cline) != 0 ||
	    det_ports(p, cline, dline) != 0)
		return -1;
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
	struct cgn_addr_range b = cgn_cfg_prefix_range(&cfg->bypass[i]);
	int line = elem_line(p, "bypass", i);
	char a[INET_ADDRSTRLEN], sa[INET_ADDRSTRLEN];
	unsigned int j;

	for (j = 0; j < cfg->pool.n_ranges; j++)
		if (cgn_cfg_range_overlap(&b, &cfg->pool.ranges[j]))
			return fail(p, line, "bypass[%u] %s/%u overlaps "
				    "pool.addresses[%u] (line %d)", i,
				    cgn_cfg_ip_str(b.first, a, sizeof(a)),
				    cfg->bypass[i].len, j,
				    elem_line(p, "pool.addresses", j));
	for (j = 0; j < cfg->n_subscribers; j++) {
		struct cgn_addr_range s = cgn_cfg_prefix_range(&cfg->subscribers[j]);

		if (cgn_cfg_range_overlap(&b, &s))
			return fail(p, line, "bypass[%u] %s/%u overlaps "
				    "subscriber prefix %s/%u (line %d): "
				    "subscriber destinations are hairpinned, "
				    "never bypassed", i,
				    cgn_cfg_ip_str(b.first, a, sizeof(a)),
				    cfg->bypass[i].len,
				    cgn_cfg_ip_str(s.first, sa, sizeof(sa)),
				    cfg->subscribers[j].len,
				    elem_line(p, "inside.subscribers", j));
	}
	return 0;
}

int
cgn_cfg_check_all(struct cgn_parse *p)
{
	unsigned int i;

	cgn_cfg_derive_defaults(p);
	count_pool(p->cfg);
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

