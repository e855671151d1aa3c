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
 * nat_tx.c drops it and sends ICMP 3/4 with the MTU.
 *
 * Counters (struct cgn_stats, app/nat_stats.h): every fragment received
 * ends in exactly one of: held (gauge frag_held), absorbed into a datagram
 * (consumed, all but the one fragment that carries the datagram on), or
 * dropped (ip_fragment, frag_invalid, frag_table_full, frag_timeout).
 */
#ifndef NAT_FRAG_H
#define NAT_FRAG_H

#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "nat_stats.h"

struct nat_worker;

/* Set up the reassembly table (at most max datagrams, each for at most
 * timeout_s seconds) and the indirect mbuf pool of worker w (w->env and
 * w->id set). 0 or -errno. */
int nat_frag_init(struct nat_worker *w, uint32_t max, uint32_t timeout_s,
		  int socket);

/* Free them, and the fragments still held. Safe if init failed. */
void nat_frag_fini(struct nat_worker *w);

/*
 * A fragment m (Ethernet + IPv4 header ip of ihl bytes, padding trimmed,
 * header checksum checked) received at now. Returns the reassembled
 * datagram (header checksum valid; m itself or another mbuf) when m
 * completed one, else NULL: m is then held or dropped, and counted.
 */
struct rte_mbuf *nat_frag_reassemble(struct nat_worker *w, struct rte_mbuf *m,
				     struct rte_ipv4_hdr *ip, uint16_t ihl,
				     uint64_t now);

/* Once per poll: free the death row, drop the datagrams timed out. */
void nat_frag_poll(struct nat_worker *w, uint64_t now);

/*
 * Cut m (an Ethernet frame, DF clear) into fragments that fit the MTU of
 * side. On success returns their number n and sets *out to an array of n
 * Ethernet frames (m's Ethernet header copied) in order, valid until the
 * next call; m is consumed. Otherwise returns -errno and m is untouched.
 */
int nat_frag_fragment(struct nat_worker *w, struct rte_mbuf *m,
		      enum cgn_side side, struct rte_mbuf ***out);

#endif /* NAT_FRAG_H */
