/* SPDX-License-Identifier: BSD-3-Clause
 * A PCP server (RFC 6887) for subscribers: the MAP opcode, so that a
 * subscriber can ask for an inbound-reachable mapping (RFC 6888 REQ-9,
 * checklist H39), and ANNOUNCE. PEER, THIRD_PARTY and the other options
 * are answered UNSUPP_OPCODE / UNSUPP_OPTION as the RFC asks.
 *
 * It runs on the worker that owns the subscriber (the request is handed
 * there like any other packet of the subscriber), so the mapping is made
 * in the same pool as the subscriber's other mappings, single writer as
 * ever. A MAP mapping is kept for its lifetime whatever its sessions do,
 * and is admitted inbound from any remote, whatever the filtering.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "nat_pcp.h"
#include "nat_pool.h"
#include "nat_worker.h"

#define PCP_VERSION 2
#define PCP_OP_ANNOUNCE 0
#define PCP_OP_MAP 1
#define PCP_R 0x80
#define PCP_HDR_LEN 24
#define PCP_MAP_LEN 36
#define PCP_MAX_LIFETIME 86400 /* s: the longest we grant */

enum pcp_result {
	PCP_SUCCESS = 0,
	PCP_UNSUPP_VERSION = 1,
	PCP_NOT_AUTHORIZED = 2,
	PCP_MALFORMED_REQUEST = 3,
	PCP_UNSUPP_OPCODE = 4,
	PCP_UNSUPP_OPTION = 5,
	PCP_NO_RESOURCES = 8,
	PCP_UNSUPP_PROTOCOL = 9,
	PCP_USER_EX_QUOTA = 10,
	PCP_ADDRESS_MISMATCH = 12,
};

/* An IPv4 address as PCP carries it: ::ffff:a.b.c.d (RFC 6887 sec. 5). */
static void
put_mapped(uint8_t *p, uint32_t a)
{
	memset(p, 0, 10);
	p[10] = p[11] = 0xff;
	memcpy(p + 12, &a, 4);
}

static bool
get_mapped(const uint8_t *p, uint32_t *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					 0xff, 0xff };

	if (memcmp(p, pfx, sizeof(pfx)) != 0)
		return false;
	memcpy(a, p + 12, 4);
	return true;
}

/* Keep a MAP mapping until tsc until. */
static void
pcp_track(struct nat_worker *w, uint32_t map_idx, uint64_t until)
{
	uint32_t i;

	for (i = 0; i < w->pcp_n; i++)
		if (w->pcp_map[i] == map_idx)
			break;
	if (i == w->pcp_n)
		w->pcp_map[w->pcp_n++] = map_idx;
	w->pcp_until[i] = until;
}

/* Give a MAP mapping back: free it if no session uses it. */
static void
pcp_drop(struct nat_worker *w, uint32_t i, uint64_t now)
{
	struct nat_pool *pool = w->pool;
	uint32_t idx = w->pcp_map[i];
	struct nat_mapping *mp = &pool->maps[idx];

	w->pcp_n--;
	w->pcp_map[i] = w->pcp_map[w->pcp_n];
	w->pcp_until[i] = w->pcp_until[w->pcp_n];
	mp->flags &= (uint8_t)~NAT_MAP_PCP;
	if (mp->n_sessions == 0 && !(mp->flags & NAT_MAP_STATIC)) {
		nat_map_release(pool, idx, now);
		w->stats.mappings_freed++;
	}
}

void
nat_pcp_age(struct nat_worker *w, uint64_t now, bool all)
{
	uint32_t i = 0;

	while (i < w->pcp_n) {
		if (all || now >= w->pcp_until[i])
			pcp_drop(w, i, now);
		else
			i++;
	}
}

/*
 * The response, in place: header (sec. 7.2) with result rc and lifetime
 * life, then plen bytes of the request's opcode data as they came (with
 * the assigned port and address), sent back to the client.
 */
static void
pcp_answer(struct nat_worker *w, struct rte_mbuf *m, uint8_t opcode,
	   enum pcp_result rc, uint32_t life, uint16_t plen, uint64_t now)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)((uint8_t *)ip +
						      rte_ipv4_hdr_len(ip));
	uint8_t *pcp = (uint8_t *)(uh + 1);
	uint16_t port;
	uint32_t a;

	pcp[1] = (uint8_t)(PCP_R | opcode);
	pcp[2] = 0;
	pcp[3] = (uint8_t)rc;
	life = rte_cpu_to_be_32(life);
	memcpy(pcp + 4, &life, 4);
	a = rte_cpu_to_be_32((uint32_t)((now - w->env.start_tsc) /
					w->env.tsc_hz));
	memcpy(pcp + 8, &a, 4);
	memset(pcp + 12, 0, 12);

	rte_ether_addr_copy(&e->src_addr, &e->dst_addr);
	rte_ether_addr_copy(&w->env.mac[CGN_INSIDE], &e->src_addr);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(rte_ipv4_hdr_len(ip) +
						       sizeof(*uh) + plen));
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	port = uh->src_port;
	uh->src_port = uh->dst_port;
	uh->dst_port = port;
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + plen));
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - sizeof(*e) -
				       rte_be_to_cpu_16(ip->total_length)));
	uh->dgram_cksum = 0;
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	nat_send_generated(w, CGN_INSIDE, m);
}

/*
 * MAP (RFC 6887 sec. 11): make or renew (lifetime > 0) or delete
 * (lifetime 0) the mapping of the subscriber's internal port. Fills the
 * assigned port and address; returns the result code.
 */
static enum pcp_result
pcp_map(struct nat_worker *w, uint32_t client, uint8_t *op, uint32_t *life,
	uint64_t now)
{
	struct nat_pool *pool = w->pool;
	uint8_t proto = op[12];
	uint16_t in_port;
	uint32_t sub_idx, idx, i;
	enum nat_err err;

	memcpy(&in_port, op + 16, 2);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return PCP_UNSUPP_PROTOCOL; /* 0 (all) is not offered */
	if (in_port == 0)
		return PCP_MALFORMED_REQUEST; /* "all ports": not offered */
	idx = nat_map_lookup_in(pool, client, in_port, proto);
	if (*life == 0) {
		/* Delete: only what PCP made. */
		for (i = 0; idx != NAT_NONE && i < w->pcp_n; i++)
			if (w->pcp_map[i] == idx) {
				pcp_drop(w, i, now);
				break;
			}
		memset(op + 18, 0, 2);
		memset(op + 20, 0, 16);
		return PCP_SUCCESS;
	}
	if (idx == NAT_NONE) {
		sub_idx = nat_sub_get(pool, client, &err);
		if (sub_idx == NAT_NONE)
			return PCP_NO_RESOURCES;
		if (w->pcp_n == NAT_PCP_MAX) {
			nat_sub_maybe_free(pool, sub_idx);
			return PCP_NO_RESOURCES;
		}
		idx = nat_map_create(pool, sub_idx, client, in_port, proto, now,
				     &err);
		if (idx == NAT_NONE) {
			nat_sub_maybe_free(pool, sub_idx);
			return err == NAT_ERR_PORT_LIMIT ||
			       err == NAT_ERR_PORTS_EXHAUSTED ?
				PCP_USER_EX_QUOTA : PCP_NO_RESOURCES;
		}
		w->stats.mappings_created++;
	} else if (!(pool->maps[idx].flags & NAT_MAP_PCP) &&
		   w->pcp_n == NAT_PCP_MAX) {
		return PCP_NO_RESOURCES;
	}
	if (*life > PCP_MAX_LIFETIME)
		*life = PCP_MAX_LIFETIME;
	pool->maps[idx].flags |= NAT_MAP_PCP;
	pcp_track(w, idx, now + (uint64_t)*life * w->env.tsc_hz);
	memcpy(op + 18, &pool->maps[idx].out_port, 2);
	put_mapped(op + 20, pool->maps[idx].out_addr);
	return PCP_SUCCESS;
}

void
nat_pcp_request(struct nat_worker *w, struct rte_mbuf *m, uint64_t now)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)((uint8_t *)ip +
						      rte_ipv4_hdr_len(ip));
	uint8_t *pcp = (uint8_t *)(uh + 1);
	uint32_t len = rte_be_to_cpu_16(uh->dgram_len), life, client;
	enum pcp_result rc = PCP_SUCCESS;
	uint8_t opcode;
	uint16_t plen;

	/* RFC 6887 sec. 8.3: too short, too long, not a multiple of 4, or
	 * a response: silently dropped. */
	if (len < sizeof(*uh) + PCP_HDR_LEN || len > sizeof(*uh) + 1100 ||
	    (len - sizeof(*uh)) % 4 != 0 ||
	    m->data_len < (uint8_t *)uh - (uint8_t *)e + len ||
	    (pcp[1] & PCP_R)) {
		rte_pktmbuf_free(m);
		return;
	}
	opcode = pcp[1] & 0x7f;
	memcpy(&life, pcp + 4, 4);
	life = rte_be_to_cpu_32(life);
	plen = PCP_HDR_LEN;
	if (pcp[0] != PCP_VERSION) {
		rc = PCP_UNSUPP_VERSION;
	} else if (!get_mapped(pcp + 8, &client) || client != ip->src_addr) {
		/* Behind another NAT, or lying about its address. */
		rc = PCP_ADDRESS_MISMATCH;
	} else if (opcode == PCP_OP_ANNOUNCE) {
		life = 0;
	} else if (opcode != PCP_OP_MAP) {
		rc = PCP_UNSUPP_OPCODE;
	} else if (len - sizeof(*uh) < PCP_HDR_LEN + PCP_MAP_LEN) {
		rc = PCP_MALFORMED_REQUEST;
	} else {
		plen = PCP_HDR_LEN + PCP_MAP_LEN;
		if (len - sizeof(*uh) > plen) {
			/* Options: none supported; a mandatory one (code
			 * < 128) must be refused (sec. 7.3). */
			if (pcp[plen] < 128)
				rc = PCP_UNSUPP_OPTION;
		}
		if (rc == PCP_SUCCESS)
			rc = pcp_map(w, client, pcp + PCP_HDR_LEN, &life, now);
	}
	if (rc != PCP_SUCCESS && rc != PCP_ADDRESS_MISMATCH)
		life = 30; /* how long the client should wait (sec. 7.4) */
	/* An error response carries the request's data back (sec. 7.2). */
	if (rc != PCP_SUCCESS)
		plen = (uint16_t)(len - sizeof(*uh));

	pcp_answer(w, m, opcode, rc, life, plen, now);
}
