/* SPDX-License-Identifier: BSD-3-Clause
 * IPv4 fragments in the data plane (RFC 791, RFC 4787 REQ-13/14, RFC 5508
 * sec. 7; checklist F32, G33, G34).
 *
 * In: a fragment is reassembled in the worker's own rte_ip_frag table (the
 * library is not thread safe: one table per worker, like DPDK's examples;
 * no locks). Fragments may come in any order; the completed datagram goes
 * on through the packet path as one multi-segment mbuf whose first segment
 * holds the first fragment (so all of the headers the NAT reads and
 * rewrites), and is translated like any packet.
 *   Bounds: at most fragments.max datagrams in reassembly, and at most
 *   held_max fragments (mbufs) held, a share of the mbuf pool, so that a
 *   flood of orphan fragments can neither grow memory nor starve RX of
 *   mbufs; a datagram not complete fragments.timeout seconds after its
 *   first fragment came is dropped. Mbufs the library lets go are put on
 *   the worker's death row and freed on every poll (and whenever the row
 *   fills, so it never overflows).
 *
 * Out: a packet longer than the egress link's MTU (inside.mtu,
 * outside.mtu) is cut into fragments, in order, with
 * rte_ipv4_fragment_packet(): each fragment is a direct mbuf from the
 * packet pool holding Ethernet + IP header and an indirect mbuf (from this
 * worker's own pool of them) pointing into the datagram, which is freed
 * when the last fragment has been sent. A packet with DF set is not cut:
 * app/cgn_worker.c drops it and sends ICMP 3/4 with the MTU.
 *
 * Counters (struct cgn_stats, app/nat_stats.h): every fragment received
 * ends in exactly one of: held (gauge frag_held), absorbed into a datagram
 * (consumed, all but the one fragment that carries the datagram on), or
 * dropped (ip_fragment, frag_invalid, frag_table_full, frag_timeout).
 */
#ifndef CGN_FRAG_H
#define CGN_FRAG_H

#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "cgn.h"

struct cgn_worker;

/* The links' MTUs, per worker id (read on every forwarded packet). */
struct cgn_frag_mtu {
	uint32_t frame_max[CGN_SIDES]; /* MTU + Ethernet header */
	uint16_t mtu[CGN_SIDES];       /* IP MTU of each link */
};
extern struct cgn_frag_mtu cgn_frag_links[CGN_MAX_WORKERS];

/* Set up the reassembly table and the indirect mbuf pool of worker w
 * (w->ctx and w->id set). 0 or -errno. */
int cgn_frag_init(struct cgn_worker *w, int socket);

/* Free them, and the fragments still held. Safe if init failed. */
void cgn_frag_fini(struct cgn_worker *w);

/*
 * A fragment m (Ethernet + IPv4 header ip of ihl bytes, padding trimmed,
 * header checksum checked) received at now. Returns the reassembled
 * datagram (header checksum valid; m itself or another mbuf) when m
 * completed one, else NULL: m is then held or dropped, and counted.
 */
struct rte_mbuf *cgn_frag_reassemble(struct cgn_worker *w, struct rte_mbuf *m,
				     struct rte_ipv4_hdr *ip, uint16_t ihl,
				     uint64_t now);

/* Once per poll: free the death row, drop the datagrams timed out. */
void cgn_frag_poll(struct cgn_worker *w, uint64_t now);

/*
 * Cut m (an Ethernet frame, DF clear) into fragments that fit the MTU of
 * side. On success returns their number n and sets *out to an array of n
 * Ethernet frames (m's Ethernet header copied) in order, valid until the
 * next call; m is consumed. Otherwise returns -errno and m is untouched.
 */
int cgn_frag_fragment(struct cgn_worker *w, struct rte_mbuf *m,
		      enum cgn_side side, struct rte_mbuf ***out);

/* Longest frame (Ethernet header included) that may leave by side. */
static inline uint32_t
cgn_frag_frame_max(unsigned int worker, enum cgn_side side)
{
	return cgn_frag_links[worker].frame_max[side];
}

/* IP MTU of side's link. */
static inline uint16_t
cgn_frag_link_mtu(unsigned int worker, enum cgn_side side)
{
	return cgn_frag_links[worker].mtu[side];
}

#endif /* CGN_FRAG_H */
