/* SPDX-License-Identifier: BSD-3-Clause
 * Next hops and the TX queues, inline for the usual case: the neighbour
 * cached, its MAC known, the frame within the MTU (nat_tx.c: the rest).
 */
#ifndef NAT_TX_H
#define NAT_TX_H

#include "nat_path.h"

/* Queue a packet for transmission on a side. */
static inline void
tx_enqueue(struct nat_worker *w, enum cgn_side side, struct rte_mbuf *m)
{
	if (unlikely(w->ntx[side] == NAT_TX_BUF))
		w->env.flush(w);
	w->txb[side][w->ntx[side]++] = m;
}

/* Bytes 0-5 of a neighbour's mac_state word as it lies in memory. */
#define NB_MAC_MASK rte_le_to_cpu_64(UINT64_C(0x0000ffffffffffff))

/*
 * Send a translated packet to next hop ip on side, or park it while the
 * control thread resolves the address (like a kernel's ARP queue): it
 * leaves when the MAC is known, or is dropped as neigh_unresolved after
 * NAT_PENDING_WAIT_MS or when the queue is full.
 *
 * Inline, the usual case: the neighbour index is cached in *nh, its MAC is
 * valid and the frame fits the MTU. The destination MAC (bytes 0-5 of the
 * neighbour's word) and our source MAC are then written with one 8-byte
 * and one 4-byte store; anything else goes through nat_to_next_hop_slow(),
 * which does what nat_forward() always did.
 */
static inline void
to_next_hop(struct nat_worker *w, struct rte_mbuf *m, enum cgn_side side,
	    uint32_t *nh, uint32_t ip, uint64_t now)
{
	uint32_t i = *nh;

	if (likely(i != UINT32_MAX)) {
		uint64_t v = __atomic_load_n(&w->nb_e[i].mac_state,
					     __ATOMIC_ACQUIRE);

		if (likely((v & NAT_NB_VALID) &&
			   m->pkt_len <= w->frame_max[side])) {
			uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
			uint64_t w0 = (v & NB_MAC_MASK) | w->smac_w0[side];

			memcpy(e, &w0, sizeof(w0));
			memcpy(e + 8, &w->smac_w1[side], sizeof(uint32_t));
			w->stats.tx[side]++;
			m->hash.usr = 0;
			tx_enqueue(w, side, m);
			return;
		}
	}
	nat_to_next_hop_slow(w, m, side, nh, ip, now);
}

#endif /* NAT_TX_H */
