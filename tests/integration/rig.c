/* SPDX-License-Identifier: BSD-3-Clause
 * The multi-worker test rig; see rig.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "cgn_neigh.h"
#include "cgn_port.h"
#include "cgn_stats.h"
#include "ct_table.h"
#include "nat_pool.h"
#include "rig.h"

const struct rte_ether_addr MAC_GW = {{ 0x02, 0, 0, 0, 0x02, 0x01 }};
const struct rte_ether_addr MAC_H5 = {{ 0x02, 0, 0, 0, 0x01, 0x05 }};
const struct rte_ether_addr MAC_BCAST = {{ 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff }};
const struct rte_ether_addr MAC_ZERO;
/* The NAT's port MACs (net_ring ports have none; see rig_setup()). */
const struct rte_ether_addr MAC_NAT[CGN_SIDES] = {
	{{ 0x02, 0, 0, 0, 0xa0, 0x00 }},
	{{ 0x02, 0, 0, 0, 0xa0, 0x01 }},
};

const uint8_t RIG_PAYLOAD[] = "integration payload 0123456789";

struct rte_ring *rig_rxr[CGN_SIDES][RIG_MAXQ];
struct rte_ring *rig_txr[CGN_SIDES][RIG_MAXQ];
uint16_t rig_port_id[CGN_SIDES];
static unsigned int rig_nq;
static char dev_name[CGN_SIDES][RTE_ETH_NAME_MAX_LEN];

/* ------------------------------------------------------------------ */
/* Checksums.                                                          */

static uint32_t
sum16(const uint8_t *b, size_t n, uint32_t acc)
{
	while (n > 1) {
		acc += (uint32_t)b[0] << 8 | b[1];
		b += 2;
		n -= 2;
	}
	if (n)
		acc += (uint32_t)b[0] << 8;
	return acc;
}

static uint16_t
fold_not(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

uint16_t
rig_ip_cksum(const uint8_t *ip)
{
	unsigned int ihl = (ip[0] & 0xf) * 4u;
	uint32_t acc = sum16(ip, 10, 0);

	return fold_not(sum16(ip + 12, ihl - 12, acc));
}

uint16_t
rig_l4_cksum(const uint8_t *ip, const uint8_t *l4, uint16_t l4len,
	     uint8_t proto)
{
	unsigned int ck = proto == IPPROTO_TCP ? 16 : 6;
	uint32_t acc = 0;
	uint16_t r;

	acc = sum16(ip + 12, 8, acc); /* source and destination */
	acc += proto;
	acc += l4len;
	/* The message with its checksum field taken as zero. */
	acc = sum16(l4, ck, acc);
	if (l4len > ck + 2)
		acc = sum16(l4 + ck + 2, l4len - ck - 2u, acc);
	r = fold_not(acc);
	if (proto == IPPROTO_UDP && r == 0)
		r = 0xffff; /* RFC 768 */
	return r;
}

uint16_t
rig_icmp_cksum(const uint8_t *ic, uint16_t len)
{
	uint32_t acc = sum16(ic, 2, 0);

	if (len > 4)
		acc = sum16(ic + 4, len - 4u, acc);
	return fold_not(acc);
}

/* ------------------------------------------------------------------ */
/* Frames.                                                             */

uint16_t
rig_build(uint8_t *f, const struct pkt *p)
{
	uint8_t *ip = f + IP_OFF, *l4 = ip + 20;
	uint16_t l4len;

	memset(f, 0, ETH_LEN + 20 + 20);
	memcpy(f, p->dst.addr_bytes, 6);
	memcpy(f + 6, p->src.addr_bytes, 6);
	wr16(f + 12, RTE_ETHER_TYPE_IPV4);
	switch (p->proto) {
	case IPPROTO_TCP:
		l4len = 20;
		wr16(l4, p->sport);
		wr16(l4 + 2, p->dport);
		wr32(l4 + 4, p->seq);
		wr32(l4 + 8, p->ack);
		l4[12] = 5 << 4;
		l4[13] = p->tcp_flags;
		wr16(l4 + 14, 65535);
		break;
	case IPPROTO_UDP:
		l4len = 8;
		wr16(l4, p->sport);
		wr16(l4 + 2, p->dport);
		wr16(l4 + 4, (uint16_t)(8 + p->plen));
		break;
	case IPPROTO_ICMP:
		l4len = 8;
		l4[0] = p->icmp_type;
		wr16(l4 + 4, p->sport);
		wr16(l4 + 6, p->dport);
		break;
	default:
		l4len = 0;
		break;
	}
	if (p->plen)
		memcpy(l4 + l4len, p->payload, p->plen);
	l4len = (uint16_t)(l4len + p->plen);

	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + l4len));
	wr16(ip + 4, p->ip_id);
	ip[8] = p->ttl ? p->ttl : 64;
	ip[9] = p->proto;
	wr32(ip + 12, p->saddr);
	wr32(ip + 16, p->daddr);
	wr16(ip + 10, rig_ip_cksum(ip));
	switch (p->proto) {
	case IPPROTO_TCP:
		wr16(l4 + 16, rig_l4_cksum(ip, l4, l4len, IPPROTO_TCP));
		break;
	case IPPROTO_UDP:
		wr16(l4 + 6, rig_l4_cksum(ip, l4, l4len, IPPROTO_UDP));
		break;
	case IPPROTO_ICMP:
		wr16(l4 + 2, rig_icmp_cksum(l4, l4len));
		break;
	}
	return (uint16_t)(ETH_LEN + 20 + l4len);
}

uint16_t
rig_build_arp(uint8_t *f, const struct rte_ether_addr *edst,
	      const struct rte_ether_addr *esrc, uint16_t op,
	      const struct rte_ether_addr *sha, uint32_t spa,
	      const struct rte_ether_addr *tha, uint32_t tpa)
{
	memcpy(f, edst->addr_bytes, 6);
	memcpy(f + 6, esrc->addr_bytes, 6);
	wr16(f + 12, RTE_ETHER_TYPE_ARP);
	wr16(f + 14, 1);      /* hardware: Ethernet */
	wr16(f + 16, 0x0800); /* protocol: IPv4 */
	f[18] = 6;
	f[19] = 4;
	wr16(f + 20, op);
	memcpy(f + 22, sha->addr_bytes, 6);
	wr32(f + 28, spa);
	memcpy(f + 32, tha->addr_bytes, 6);
	wr32(f + 38, tpa);
	return 42;
}

const char *
rig_ipstr(uint32_t a, char *buf)
{
	sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		(a >> 8) & 0xff, a & 0xff);
	return buf;
}

struct field {
	uint16_t off, len;
	const char *name;
};

static const struct field f_ip[] = {
	{ 0, 6, "eth.dst" }, { 6, 6, "eth.src" }, { 12, 2, "eth.type" },
	{ 14, 1, "ip.version_ihl" }, { 15, 1, "ip.tos" },
	{ 16, 2, "ip.total_length" }, { 18, 2, "ip.id" },
	{ 20, 2, "ip.frag" }, { 22, 1, "ip.ttl" }, { 23, 1, "ip.proto" },
	{ 24, 2, "ip.cksum" }, { 26, 4, "ip.src" }, { 30, 4, "ip.dst" },
};
static const struct field f_tcp[] = {
	{ 0, 2, "tcp.sport" }, { 2, 2, "tcp.dport" }, { 4, 4, "tcp.seq" },
	{ 8, 4, "tcp.ack" }, { 12, 1, "tcp.data_off" },
	{ 13, 1, "tcp.flags" }, { 14, 2, "tcp.window" },
	{ 16, 2, "tcp.cksum" }, { 18, 2, "tcp.urp" },
};
static const struct field f_udp[] = {
	{ 0, 2, "udp.sport" }, { 2, 2, "udp.dport" }, { 4, 2, "udp.len" },
	{ 6, 2, "udp.cksum" },
};
static const struct field f_icmp[] = {
	{ 0, 1, "icmp.type" }, { 1, 1, "icmp.code" },
	{ 2, 2, "icmp.cksum" }, { 4, 2, "icmp.id" }, { 6, 2, "icmp.seq" },
};

static void
hex(char *out, const uint8_t *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static int
frame_diff(const char *what, const struct frame *got, const uint8_t *want,
	   uint16_t wlen)
{
	const struct field *l4f = NULL;
	unsigned int i, n4 = 0, l4 = L4_OFF, hdr = L4_OFF;
	int bad = 0;
	char g[64], w[64];

	if (got->len != wlen) {
		fprintf(stderr, "%s: frame length %u, expected %u\n", what,
			got->len, wlen);
		bad++;
	}
	if (got->len < L4_OFF)
		return bad + 1;
	for (i = 0; i < RTE_DIM(f_ip); i++) {
		if (memcmp(got->b + f_ip[i].off, want + f_ip[i].off,
			   f_ip[i].len) == 0)
			continue;
		hex(g, got->b + f_ip[i].off, f_ip[i].len);
		hex(w, want + f_ip[i].off, f_ip[i].len);
		fprintf(stderr, "%s: %s = %s, expected %s\n", what,
			f_ip[i].name, g, w);
		bad++;
	}
	switch (want[23]) {
	case IPPROTO_TCP:
		l4f = f_tcp;
		n4 = RTE_DIM(f_tcp);
		hdr = l4 + 20;
		break;
	case IPPROTO_UDP:
		l4f = f_udp;
		n4 = RTE_DIM(f_udp);
		hdr = l4 + 8;
		break;
	case IPPROTO_ICMP:
		l4f = f_icmp;
		n4 = RTE_DIM(f_icmp);
		hdr = l4 + 8;
		break;
	}
	for (i = 0; i < n4; i++) {
		unsigned int off = l4 + l4f[i].off;

		if (off + l4f[i].len > got->len || off + l4f[i].len > wlen ||
		    memcmp(got->b + off, want + off, l4f[i].len) == 0)
			continue;
		hex(g, got->b + off, l4f[i].len);
		hex(w, want + off, l4f[i].len);
		fprintf(stderr, "%s: %s = %s, expected %s\n", what,
			l4f[i].name, g, w);
		bad++;
	}
	if (got->len == wlen && wlen > hdr &&
	    memcmp(got->b + hdr, want + hdr, wlen - hdr) != 0) {
		fprintf(stderr, "%s: payload differs\n", what);
		bad++;
	}
	return bad;
}

int
rig_verify_cksums(const char *what, const uint8_t *b, uint16_t len)
{
	const uint8_t *ip = b + IP_OFF;
	unsigned int ihl;
	uint16_t tot, l4len, got, want;
	const uint8_t *l4;
	int bad = 0;

	if (len < L4_OFF || rd16(b + 12) != RTE_ETHER_TYPE_IPV4) {
		fprintf(stderr, "%s: not an IPv4 frame\n", what);
		return 1;
	}
	ihl = (ip[0] & 0xf) * 4u;
	tot = rd16(ip + 2);
	if (ihl < 20 || tot < ihl || ETH_LEN + tot > len) {
		fprintf(stderr, "%s: bad IPv4 lengths\n", what);
		return 1;
	}
	got = rd16(ip + 10);
	want = rig_ip_cksum(ip);
	if (got != want) {
		fprintf(stderr, "%s: ip.cksum %04x, full recompute %04x\n",
			what, got, want);
		bad++;
	}
	l4 = ip + ihl;
	l4len = (uint16_t)(tot - ihl);
	switch (ip[9]) {
	case IPPROTO_TCP:
		if (l4len < 20)
			return bad + 1;
		got = rd16(l4 + 16);
		want = rig_l4_cksum(ip, l4, l4len, IPPROTO_TCP);
		break;
	case IPPROTO_UDP:
		if (l4len < 8)
			return bad + 1;
		got = rd16(l4 + 6);
		want = got == 0 ? 0 : rig_l4_cksum(ip, l4, l4len, IPPROTO_UDP);
		break;
	case IPPROTO_ICMP:
		if (l4len < 8)
			return bad + 1;
		got = rd16(l4 + 2);
		want = rig_icmp_cksum(l4, l4len);
		break;
	default:
		return bad;
	}
	if (got != want) {
		fprintf(stderr, "%s: L4 cksum %04x, full recompute %04x\n",
			what, got, want);
		bad++;
	}
	return bad;
}

int
rig_frame_check(const char *what, const struct frame *got,
		const struct pkt *want)
{
	uint8_t wb[FRAME_MAX];
	uint16_t wl = rig_build(wb, want);

	return frame_diff(what, got, wb, wl) +
	       rig_verify_cksums(what, got->b, got->len);
}

int
rig_arp_check(const char *what, const struct frame *f,
	      const struct rte_ether_addr *edst,
	      const struct rte_ether_addr *esrc, uint16_t op,
	      const struct rte_ether_addr *sha, uint32_t spa,
	      const struct rte_ether_addr *tha, uint32_t tpa)
{
	static const char *const names[] = {
		"eth.dst", "eth.src", "eth.type", "arp.hrd", "arp.pro",
		"arp.hln", "arp.pln", "arp.op", "arp.sha", "arp.spa",
		"arp.tha", "arp.tpa" };
	static const uint8_t off[] = { 0, 6, 12, 14, 16, 18, 19, 20, 22, 28,
				       32, 38, 42 };
	uint8_t want[64];
	unsigned int i;
	int bad = 0;
	char g[32], w[32];

	rig_build_arp(want, edst, esrc, op, sha, spa, tha, tpa);
	if (f->len < 42) {
		fprintf(stderr, "%s: ARP frame of %u bytes\n", what, f->len);
		return 1;
	}
	for (i = 0; i < RTE_DIM(names); i++) {
		if (memcmp(f->b + off[i], want + off[i],
			   off[i + 1] - off[i]) == 0)
			continue;
		hex(g, f->b + off[i], off[i + 1] - off[i]);
		hex(w, want + off[i], off[i + 1] - off[i]);
		fprintf(stderr, "%s: %s = %s, expected %s\n", what, names[i],
			g, w);
		bad++;
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* Ports.                                                              */

int
rig_ports_create(unsigned int nq)
{
	static const char *const port_name[CGN_SIDES] = { "mw_inside",
							  "mw_outside" };
	unsigned int s, q;

	if (nq == 0 || nq > RIG_MAXQ)
		return -1;
	rig_nq = nq;
	for (s = 0; s < CGN_SIDES; s++) {
		int id;

		for (q = 0; q < nq; q++) {
			char nm[32];

			snprintf(nm, sizeof(nm), "mw_rx%u_%u", s, q);
			rig_rxr[s][q] = rte_ring_create(nm, RIG_RING, 0, 0);
			snprintf(nm, sizeof(nm), "mw_tx%u_%u", s, q);
			rig_txr[s][q] = rte_ring_create(nm, RIG_RING, 0, 0);
			if (rig_rxr[s][q] == NULL || rig_txr[s][q] == NULL) {
				fprintf(stderr, "rig: rings\n");
				return -1;
			}
		}
		id = rte_eth_from_rings(port_name[s], rig_rxr[s], nq,
					rig_txr[s], nq, 0);
		if (id < 0) {
			fprintf(stderr, "rte_eth_from_rings: %d\n", id);
			return -1;
		}
		rig_port_id[s] = (uint16_t)id;
		if (rte_eth_dev_get_name_by_port(rig_port_id[s],
						 dev_name[s]) != 0)
			return -1;
	}
	return 0;
}

unsigned int
rig_drain_port_rings(void)
{
	struct rte_mbuf *m;
	unsigned int s, q, n = 0;

	for (s = 0; s < CGN_SIDES; s++)
		for (q = 0; q < rig_nq; q++) {
			while (rte_ring_dequeue(rig_rxr[s][q],
						(void **)&m) == 0) {
				rte_pktmbuf_free(m);
				n++;
			}
			while (rte_ring_dequeue(rig_txr[s][q],
						(void **)&m) == 0) {
				rte_pktmbuf_free(m);
				n++;
			}
		}
	return n;
}

/* ------------------------------------------------------------------ */
/* The NAT.                                                            */

static int
write_config(struct rig *r, const struct rig_opts *o)
{
	FILE *f = fopen(r->conf, "w");

	if (f == NULL)
		return -1;
	fprintf(f,
		"inside: {\n"
		"\tport = \"%s\";\n"
		"\taddress = \"100.64.0.1/10\";\n"
		"\tsubscribers = [\"100.64.0.0/10\"];\n"
		"};\n"
		"outside: {\n"
		"\tport = \"%s\";\n"
		"\taddress = \"198.51.100.2/24\";\n"
		"\tgateway = \"198.51.100.1\";\n"
		"};\n"
		"pool: {\n"
		"\taddresses = [\"%s\"];\n"
		"\tports = \"%s\";\n"
		"\tblock_size = %u;\n"
		"\tmax_blocks_per_subscriber = %u;\n"
		"\tmapping = \"endpoint-independent\";\n"
		"\tfiltering = \"endpoint-independent\";\n"
		"\thairpinning = true;\n"
		"%s\n"
		"};\n"
		"timeouts: {\n"
		"\tudp = 300;\n"
		"\ttcp_established = 7440;\n"
		"\ttcp_transitory = 240;\n"
		"\ticmp = 60;\n"
		"};\n"
		"limits: {\n"
		"\tsessions_per_subscriber = %u;\n"
		"\tmax_sessions = %u;\n"
		"};\n"
		"workers: {\n"
		"\tlcores = [%s];\n"
		"};\n"
		"logging: {\n"
		"\tfile = \"%s\";\n"
		"};\n",
		dev_name[S_IN], dev_name[S_OUT],
		o->pool ? o->pool : "203.0.113.0/29",
		o->ports ? o->ports : "1024-65535",
		o->block_size ? o->block_size : 256,
		o->max_blocks ? o->max_blocks : 8,
		o->pool_extra ? o->pool_extra : "",
		o->sessions_per_sub ? o->sessions_per_sub : 4096,
		o->max_sessions ? o->max_sessions : 65536,
		o->lcores ? o->lcores : "1, 2", r->log);
	if (!o->no_static)
		fprintf(f, "static: (\n"
			"\t{ proto = \"tcp\"; inside = \"100.64.0.5:8080\"; "
			"outside = \"203.0.113.1:80\"; }\n);\n");
	return fclose(f);
}

int
rig_setup(struct rig *r, const struct rig_opts *o)
{
	static const struct rig_opts defaults;
	char err[512];
	unsigned int s, i;

	if (o == NULL)
		o = &defaults;
	memset(r, 0, sizeof(*r));
	r->opts = *o;
	snprintf(r->dir, sizeof(r->dir), "/tmp/cgn-mw-XXXXXX");
	if (mkdtemp(r->dir) == NULL)
		return -1;
	snprintf(r->conf, sizeof(r->conf), "%.63s/cgnat.conf", r->dir);
	snprintf(r->log, sizeof(r->log), "%.63s/log/mappings.log", r->dir);
	if (write_config(r, o) != 0)
		return -1;
	if (cgn_config_load(r->conf, &r->cfg, err, sizeof(err)) != 0 ||
	    cgn_config_check_ports(&r->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	r->n_workers = r->cfg.workers.n_lcores;
	if (r->n_workers > rig_nq) {
		fprintf(stderr, "rig: %u workers, ports have %u queues\n",
			r->n_workers, rig_nq);
		return -1;
	}

	/* As in main.c, with a clock the test may drive. */
	r->hz = rte_get_tsc_hz();
	r->now = 1000 * r->hz;
	r->ctx.cfg = &r->cfg;
	r->ctx.tsc_hz = r->hz;
	r->ctx.start_tsc = r->now;
	r->ctx.start_ns = (uint64_t)time(NULL) * 1000000000ULL;
	r->ctx.n_workers = r->n_workers;
	rig_drain_port_rings();
	if (cgn_ports_init(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "ports: %s\n", err);
		return -1;
	}
	/* net_ring ports have MAC 00:00:00:00:00:00 and cannot change it:
	 * give each side a distinct unicast address where the NAT keeps it.
	 */
	for (s = 0; s < CGN_SIDES; s++) {
		if (r->ctx.link[s].port_id != rig_port_id[s])
			return -1;
		rte_ether_addr_copy(&MAC_NAT[s], &r->ctx.link[s].mac);
	}
	if (cgn_neigh_init(&r->ctx.neigh, 65536, (int)rte_socket_id()) != 0)
		return -1;
	r->ctx.log_ring = rte_ring_create_elem("cgn_log",
		sizeof(struct nat_log_event), 65536, (int)rte_socket_id(),
		RING_F_SC_DEQ);
	if (r->ctx.log_ring == NULL)
		return -1;
	if (cgn_shared_init(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "shared: %s\n", err);
		return -1;
	}
	for (i = 0; i < r->n_workers; i++) {
		struct cgn_worker *w;

		w = rte_zmalloc("cgn_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
		if (w == NULL)
			return -1;
		r->w[i] = w;
		if (cgn_worker_init(w, &r->ctx, i, 0) != 0)
			return -1;
		w->lcore = r->cfg.workers.lcores[i];
		r->ctx.workers[i] = w;
		if (o->short_timeout_ms) {
			unsigned int k;

			for (k = 0; k < RTE_DIM(w->ct->timeout); k++)
				w->ct->timeout[k] = r->hz *
					o->short_timeout_ms / 1000;
		}
	}
	for (i = 0; i < r->n_workers; i++)
		if (cgn_worker_add_statics(r->w[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "statics: %s\n", err);
			return -1;
		}
	r->mp_base = rte_mempool_in_use_count(r->ctx.mp);
	if (cgn_ctrl_init(&r->ctrl, &r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "ctrl: %s\n", err);
		return -1;
	}
	r->ctrl_up = true;
	if (cgn_blocks_init(&r->ctrl, &r->ctx) != 0)
		return -1;
	r->blocks_up = true;
	if (cgn_ports_start(&r->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "start: %s\n", err);
		return -1;
	}
	return 0;
}

void
rig_teardown(struct rig *r)
{
	unsigned int s, i;
	char cmd[128];

	for (i = 0; i < r->n_workers; i++)
		if (r->w[i] != NULL && r->w[i]->ct != NULL) {
			cgn_worker_close_all(r->w[i], r->now);
			cgn_worker_flush(r->w[i]);
		}
	if (r->ctrl_up) {
		cgn_ctrl_poll(&r->ctrl, r->now);
		cgn_ctrl_fini(&r->ctrl);
	}
	if (r->blocks_up)
		cgn_blocks_fini(&r->ctrl);
	for (s = 0; s < CGN_SIDES; s++)
		rte_eth_dev_stop(rig_port_id[s]);
	rig_drain_port_rings();
	for (i = 0; i < r->n_workers; i++)
		if (r->w[i] != NULL) {
			cgn_worker_fini(r->w[i]);
			rte_free(r->w[i]);
		}
	cgn_shared_fini(&r->ctx);
	cgn_neigh_fini(&r->ctx.neigh);
	rte_ring_free(r->ctx.log_ring);
	rte_mempool_free(r->ctx.mp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%.63s'", r->dir);
	if (r->dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", r->dir);
	memset(r, 0, sizeof(*r));
}

int
rig_inject_raw(struct rig *r, int side, unsigned int q, const uint8_t *b,
	       uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->ctx.mp);
	char *d;

	if (m == NULL)
		return -1;
	d = rte_pktmbuf_append(m, len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(d, b, len);
	if (rte_ring_enqueue(rig_rxr[side][q], m) != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

int
rig_inject(struct rig *r, int side, unsigned int q, const struct pkt *p)
{
	uint8_t b[FRAME_MAX];

	return rig_inject_raw(r, side, q, b, rig_build(b, p));
}

unsigned int
rig_take(int side, unsigned int q, struct frame *out, unsigned int max)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(rig_txr[side][q], (void **)&m) == 0) {
		if (n < max) {
			const void *d;

			out[n].len = (uint16_t)RTE_MIN(m->pkt_len,
						       (uint32_t)FRAME_MAX);
			d = rte_pktmbuf_read(m, 0, out[n].len, out[n].b);
			if (d != out[n].b)
				memcpy(out[n].b, d, out[n].len);
		}
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

unsigned int
rig_handoff_in_flight(const struct rig *r)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < r->n_workers; i++)
		for (j = 0; j < r->n_workers; j++)
			if (r->ctx.handoff[i][j] != NULL)
				n += rte_ring_count(r->ctx.handoff[i][j]);
	return n;
}

static uint64_t
sum(const uint64_t *v, unsigned int n)
{
	uint64_t s = 0;

	while (n--)
		s += v[n];
	return s;
}

void
rig_print_stats(const struct rig *r)
{
	unsigned int i, k;

	for (i = 0; i < r->n_workers; i++) {
		const struct cgn_stats *s = &r->w[i]->stats;

		fprintf(stderr, "  worker %u: rx %" PRIu64 "/%" PRIu64
			" handoff_in %" PRIu64 " tx %" PRIu64 "/%" PRIu64
			" consumed %" PRIu64 " dropped %" PRIu64
			" handoff_out %" PRIu64 " held %u generated %" PRIu64
			" sessions %u\n", i, s->rx[0], s->rx[1], s->handoff_in,
			s->tx[0], s->tx[1], s->consumed, cgn_stats_dropped(s),
			s->handoff_out, (unsigned int)r->w[i]->pend_n,
			s->generated, r->w[i]->ct->used);
		for (k = 0; k < CGN_DROP_MAX; k++)
			if (s->drop[k])
				fprintf(stderr, "    drop %s = %" PRIu64 "\n",
					cgn_drop_names[k], s->drop[k]);
	}
}

int
rig_check_accounting(const struct rig *r, bool quiet)
{
	uint64_t rx = 0, out = 0;
	unsigned int i;
	int bad = 0;

	for (i = 0; i < r->n_workers; i++) {
		const struct cgn_stats *s = &r->w[i]->stats;
		uint64_t in = sum(s->rx, CGN_SIDES) + s->handoff_in;
		uint64_t o = sum(s->tx, CGN_SIDES) + s->consumed +
			     cgn_stats_dropped(s) + s->handoff_out +
			     r->w[i]->pend_n;

		if (in != o) {
			fprintf(stderr, "accounting: worker %u: rx + "
				"handoff_in = %" PRIu64 " != tx + consumed + "
				"dropped + handoff_out + held = %" PRIu64 "\n",
				i, in, o);
			bad++;
		}
		rx += sum(s->rx, CGN_SIDES);
		out += sum(s->tx, CGN_SIDES) + s->consumed +
		       cgn_stats_dropped(s) + r->w[i]->pend_n;
	}
	if (rig_handoff_in_flight(r) == 0 && rx != out) {
		fprintf(stderr, "accounting: total rx %" PRIu64 " != tx + "
			"consumed + dropped + held %" PRIu64 "\n", rx, out);
		bad++;
	}
	if (bad && !quiet)
		rig_print_stats(r);
	return bad;
}

/* The uint32_t elements waiting in an element ring (nothing dequeues). */
static unsigned int
ring_peek_u32(const struct rte_ring *ring, uint32_t *out, unsigned int max)
{
	const uint32_t *e = (const uint32_t *)&ring[1];
	uint32_t head = ring->cons.tail, n = ring->prod.tail - head, i;

	for (i = 0; i < n && i < max; i++)
		out[i] = e[(head + i) & ring->mask];
	return n;
}

int
rig_check_blocks(const struct rig *r)
{
	const struct cgn_ctx *ctx = &r->ctx;
	uint32_t nb = ctx->n_blocks, bpa = ctx->blocks_per_addr;
	uint32_t a, b, k, blk, *buf;
	unsigned int i, n;
	uint8_t *seen;
	int bad = 0;

	seen = calloc(nb, 1);
	buf = calloc(1024, sizeof(*buf));
	if (seen == NULL || buf == NULL) {
		free(seen);
		free(buf);
		return 1;
	}
#define SEEN(id, who) do {						\
	if ((id) >= nb) {						\
		fprintf(stderr, "blocks: %s: id %u out of range\n",	\
			(who), (id));					\
		bad++;							\
	} else if (seen[(id)]++) {					\
		fprintf(stderr, "blocks: block %u twice (again in "	\
			"%s)\n", (id), (who));				\
		bad++;							\
	}								\
} while (0)
	for (a = 0; a < r->cfg.pool.n_addrs; a++)
		for (k = 0; k < ctx->global_free[a]; k++) {
			blk = a * bpa + r->ctrl.blocks.free[a][k];
			SEEN(blk, "control's free stack");
		}
	for (i = 0; i < r->n_workers; i++) {
		const struct cgn_worker *w = r->w[i];
		const struct nat_pool *p = w->pool;
		char who[64];

		for (a = 0; a < p->p.n_addrs; a++)
			for (k = 0; k < p->addrs[a].n_free; k++) {
				blk = a * bpa + p->addrs[a].free_blk[k];
				snprintf(who, sizeof(who),
					 "worker %u free stack", i);
				SEEN(blk, who);
				if (blk < nb && ctx->block_owner[blk] != i) {
					fprintf(stderr, "blocks: worker %u "
						"holds free block %u, owner "
						"says %u\n", i, blk,
						ctx->block_owner[blk]);
					bad++;
				}
			}
		for (b = 0; b < nb; b++) {
			if (p->blocks[b].sub_idx == NAT_NONE)
				continue;
			snprintf(who, sizeof(who), "worker %u in use", i);
			SEEN(b, who);
			if (ctx->block_owner[b] != i) {
				fprintf(stderr, "blocks: worker %u uses block "
					"%u, owner says %u\n", i, b,
					ctx->block_owner[b]);
				bad++;
			}
		}
		n = ring_peek_u32(w->grant_ring, buf, 1024);
		for (k = 0; k < n && k < 1024; k++) {
			snprintf(who, sizeof(who), "grant ring of worker %u",
				 i);
			SEEN(buf[k], who);
		}
		n = ring_peek_u32(w->free_ring, buf, 1024);
		for (k = 0; k < n && k < 1024; k++) {
			snprintf(who, sizeof(who), "free ring of worker %u", i);
			SEEN(buf[k], who);
		}
	}
#undef SEEN
	for (b = 0; b < nb; b++)
		if (!seen[b]) {
			fprintf(stderr, "blocks: block %u lost (nobody holds "
				"it)\n", b);
			bad++;
		}
	free(seen);
	free(buf);
	return bad;
}
