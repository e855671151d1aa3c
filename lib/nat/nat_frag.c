/* SPDX-License-Identifier: BSD-3-Clause
 * IPv4 fragments: per-worker reassembly and output fragmentation (see
 * nat_frag.h for the design).
 *
 * How the counters stay exact although lib/ip_frag reports nothing but
 * "here is a datagram" or NULL: every mbuf the library lets go of lands on
 * our death row, so what a call dropped is what it added there. Fragments
 * are made single-segment before they go in, so a datagram of k fragments
 * is a chain of k segments, and a death-row entry of n segments is n
 * fragments (the library may have chained some before finding a hole).
 * Expired datagrams are taken out by rte_ip_frag_table_del_expired_entries()
 * before each insertion and on every poll, so what an insertion drops is
 * the new fragment alone when there was no room (table full), or the new
 * fragment with its datagram's others (overlap, duplicate, too many).
 */
/* rte_ip_frag_table_del_expired_entries() is experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nat_frag.h"
#include "nat_worker.h"

#define FRAG_BUCKET_ENTRIES 8 /* associativity; two buckets per key */
/* The fragments the workers hold take at most 1/FRAG_POOL_SHARE of the
 * mbuf pool, whatever fragments.max says: RX must always find mbufs.
 */
#define FRAG_POOL_SHARE 4
#define FRAG_INDIRECT 4095    /* indirect mbufs per worker (TX in flight) */
/* Fragments of one datagram on output: 65535 bytes cut at the smallest
 * MTU (68: 48 bytes of data after a 20-byte header) make 1365; more (IP
 * options with a tiny MTU) is refused.
 */
#define FRAG_OUT_MAX 2048
/* Death-row room a table call may need: a reclaimed entry, an invalid
 * entry, the new fragment.
 */
#define DR_RESERVE (2 * RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1)
#define ICMP_DEST_UNREACH 3
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

struct nat_frag {
	struct rte_ip_frag_tbl *tbl;
	struct rte_mempool *indirect; /* payload references of fragments */
	uint64_t held_max;            /* fragments the table may hold */
	struct rte_ip_frag_death_row dr;
	struct rte_mbuf *out[FRAG_OUT_MAX];
} __rte_cache_aligned;


static inline void
frag_drop(struct nat_worker *w, struct rte_mbuf *m, enum cgn_drop why)
{
	w->stats.drop[why]++;
	rte_pktmbuf_free(m);
}

/* Fragments (segments) the death row got since it held `before` entries;
 * *mine tells whether m is one of them.
 */
static uint64_t
dr_added(const struct rte_ip_frag_death_row *dr, uint32_t before,
	 const struct rte_mbuf *m, bool *mine)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = before; i < dr->cnt; i++) {
		const struct rte_mbuf *s;

		for (s = dr->row[i]; s != NULL; s = s->next) {
			n++;
			if (s == m)
				*mine = true;
		}
	}
	return n;
}

/* A datagram the library completed: its lengths checked, its header
 * checksum made again; NULL when it was dropped. */
static struct rte_mbuf *
datagram_done(struct nat_worker *w, struct rte_mbuf *d)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(d,
		struct rte_ipv4_hdr *, d->l2_len);
	uint8_t *l4;

	/* The library writes total_length in 16 bits. */
	if (unlikely(d->pkt_len - d->l2_len > UINT16_MAX ||
		     rte_be_to_cpu_16(ip->total_length) !=
			     d->pkt_len - d->l2_len)) {
		frag_drop(w, d, CGN_DROP_frag_invalid);
		return NULL;
	}
	ip->hdr_checksum = 0; /* the library zeroed it */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	/* An ICMP error's checksum is checked over the whole message, in
	 * one segment: join it when it fits.
	 */
	l4 = (uint8_t *)ip + rte_ipv4_hdr_len(ip);
	if (ip->next_proto_id == IPPROTO_ICMP &&
	    (l4[0] == ICMP_DEST_UNREACH || l4[0] == ICMP_TIME_EXCEEDED ||
	     l4[0] == ICMP_PARAM_PROBLEM))
		(void)rte_pktmbuf_linearize(d);
	return d;
}

/* Drop the datagrams whose first fragment came more than
 * fragments.timeout ago (G34: ~2 s).
 */
static void
frag_expire(struct nat_worker *w, struct nat_frag *f, uint64_t now)
{
	for (;;) {
		uint32_t before = f->dr.cnt;
		bool mine = false;
		uint64_t n;

		rte_ip_frag_table_del_expired_entries(f->tbl, &f->dr, now);
		n = dr_added(&f->dr, before, NULL, &mine);
		w->stats.drop[CGN_DROP_frag_timeout] += n;
		w->stats.frag_held -= n;
		/* It stops at the first entry still young, or when the row
		 * has no room for a whole entry: then make room, go on.
		 */
		if (RTE_IP_FRAG_DEATH_ROW_MBUF_LEN - f->dr.cnt >=
		    RTE_LIBRTE_IP_FRAG_MAX_FRAG)
			break;
		rte_ip_frag_free_death_row(&f->dr, 0);
	}
}

struct rte_mbuf *
nat_frag_reassemble(struct nat_worker *w, struct rte_mbuf *m,
		    struct rte_ipv4_hdr *ip, uint16_t ihl, uint64_t now)
{
	struct nat_frag *f = w->frag;
	struct rte_ip_frag_death_row *dr = &f->dr;
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	uint32_t off = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) *
		       RTE_IPV4_HDR_OFFSET_UNITS;
	uint32_t len = (uint32_t)rte_be_to_cpu_16(ip->total_length) - ihl;
	struct rte_mbuf *d;
	uint32_t before;
	uint64_t dropped, k;
	bool mine = false;

	w->stats.frag_rx++;
	/* RFC 791: a fragment carries data, a multiple of 8 bytes unless it
	 * is the last, and none ends past 65535 bytes ("ping of death").
	 */
	if (unlikely(len == 0 || ((fo & RTE_IPV4_HDR_MF_FLAG) && (len & 7)) ||
		     off + len + ihl > UINT16_MAX)) {
		frag_drop(w, m, CGN_DROP_ip_fragment);
		return NULL;
	}
	/* One segment per fragment (see the top of this file). */
	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m) != 0) {
		frag_drop(w, m, CGN_DROP_ip_fragment);
		return NULL;
	}
	frag_expire(w, f, now);
	if (unlikely(w->stats.frag_held >= f->held_max)) {
		frag_drop(w, m, CGN_DROP_frag_table_full);
		return NULL;
	}
	if (unlikely(dr->cnt + DR_RESERVE > RTE_IP_FRAG_DEATH_ROW_MBUF_LEN))
		rte_ip_frag_free_death_row(dr, 0);

	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = ihl;
	before = dr->cnt;
	d = rte_ipv4_frag_reassemble_packet(f->tbl, dr, m, now, ip);
	dropped = dr_added(dr, before, m, &mine);
	k = d != NULL ? d->nb_segs : 0;
	/* m is now held, in d, or among the dropped. */
	w->stats.frag_held = w->stats.frag_held + 1 - k - dropped;
	if (dropped != 0) {
		enum cgn_drop why;

		if (!mine)
			why = CGN_DROP_frag_timeout; /* a stale entry reused */
		else if (dropped == 1)
			why = CGN_DROP_frag_table_full; /* no entry for m */
		else
			why = CGN_DROP_frag_invalid;
		w->stats.drop[why] += dropped;
	}
	if (d == NULL)
		return NULL;

	/* Complete: one packet goes on (rx counted its last fragment);
	 * the others are consumed.
	 */
	w->stats.frag_reassembled++;
	w->stats.consumed += k - 1;
	return datagram_done(w, d);
}

void
nat_frag_poll(struct nat_worker *w, uint64_t now)
{
	struct nat_frag *f = w->frag;

	frag_expire(w, f, now);
	if (f->dr.cnt != 0)
		rte_ip_frag_free_death_row(&f->dr, 3);
}

int
nat_frag_fragment(struct nat_worker *w, struct rte_mbuf *m,
		  enum cgn_side side, struct rte_mbuf ***out)
{
	struct nat_frag *f = w->frag;
	struct rte_ether_hdr eh;
	int32_t n, i;

	memcpy(&eh, rte_pktmbuf_mtod(m, void *), sizeof(eh));
	rte_pktmbuf_adj(m, sizeof(eh)); /* the library wants IP first */
	n = rte_ipv4_fragment_packet(m, f->out, FRAG_OUT_MAX,
				     w->mtu[side],
				     w->env.mp, f->indirect);
	if (n <= 0) {
		rte_pktmbuf_prepend(m, sizeof(eh));
		return n < 0 ? n : -EINVAL;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *fm = f->out[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(fm,
						struct rte_ipv4_hdr *);
		void *fe;

		ip->hdr_checksum = rte_ipv4_cksum(ip); /* left 0 */
		/* A direct mbuf fresh from the pool: headroom is there. */
		fe = rte_pktmbuf_prepend(fm, sizeof(eh));
		memcpy(fe, &eh, sizeof(eh));
	}
	rte_pktmbuf_free(m); /* the fragments keep its data */
	w->stats.frag_tx += (uint64_t)n;
	*out = f->out;
	return n;
}

int
nat_frag_init(struct nat_worker *w, uint32_t max, uint32_t timeout_s,
	      int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct nat_frag *f;
	uint64_t share;

	if (max == 0)
		return -EINVAL;

	f = rte_zmalloc_socket("cgn_frag", sizeof(*f), RTE_CACHE_LINE_SIZE,
			       socket);
	if (f == NULL)
		return -ENOMEM;
	w->frag = f;
	/* Two candidate buckets of 8 per key: twice the entries allowed,
	 * so that a key rarely finds both of its buckets full first.
	 */
	f->tbl = rte_ip_frag_table_create(
		RTE_MAX(rte_align32pow2(max) / FRAG_BUCKET_ENTRIES, 1u),
		FRAG_BUCKET_ENTRIES, max,
		(uint64_t)timeout_s * w->env.tsc_hz, socket);
	if (f->tbl == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "cgn_frag_ind%u", w->id);
	f->indirect = rte_pktmbuf_pool_create(name, FRAG_INDIRECT, 64, 0, 0,
					      socket);
	if (f->indirect == NULL)
		return -ENOMEM;
	f->held_max = (uint64_t)max * RTE_LIBRTE_IP_FRAG_MAX_FRAG;
	if (w->env.mp != NULL) {
		share = w->env.mp->size /
			(FRAG_POOL_SHARE * RTE_MAX(w->env.n_workers, 1u));
		f->held_max = RTE_MIN(f->held_max,
				      RTE_MAX(share,
				      (uint64_t)RTE_LIBRTE_IP_FRAG_MAX_FRAG));
	}
	return 0;
}

void
nat_frag_fini(struct nat_worker *w)
{
	struct nat_frag *f = w->frag;

	if (f == NULL)
		return;
	rte_ip_frag_free_death_row(&f->dr, 0);
	if (f->tbl != NULL) {
		/* Frees what it still holds: dropped, never completed. */
		rte_ip_frag_table_destroy(f->tbl);
		w->stats.drop[CGN_DROP_frag_timeout] += w->stats.frag_held;
		w->stats.frag_held = 0;
	}
	rte_mempool_free(f->indirect);
	rte_free(f);
	w->frag = NULL;
}
