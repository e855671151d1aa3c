/* SPDX-License-Identifier: BSD-3-Clause
 * Neighbour (ARP) table.
 *
 * Writer: the control thread only (it sees every ARP packet and every
 * learn/resolve request from the workers). Readers: the workers, lock-free:
 * the index is an rte_hash with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF, and
 * entries are never deleted (aging marks them invalid and re-resolves), so
 * an index a worker caches in a session stays valid for the life of the
 * process and no RCU is needed. The MAC address and its state share one
 * 64-bit word written with a single atomic store, so a reader never sees
 * half an address.
 */
#ifndef NAT_NEIGH_H
#define NAT_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#define NAT_NB_VALID  (1ULL << 48)
#define NAT_NB_STATIC (1ULL << 49)

struct nat_neigh_entry {
	uint64_t mac_state;  /* MAC in bytes 0-5, NAT_NB_* flags above */
	uint32_t ip;         /* network order */
	uint8_t side;        /* enum cgn_side */
	uint8_t probes;      /* ARP requests sent since the last answer */
	uint16_t pad;
	uint64_t confirmed;  /* tsc of the last answer or learn */
	uint64_t requested;  /* tsc of the last request sent */
};

struct rte_hash;

struct nat_neigh {
	struct rte_hash *h; /* (ip, side) -> entry index */
	struct nat_neigh_entry *e;
	uint32_t cap;
	uint32_t n;
};

int nat_neigh_init(struct nat_neigh *nb, uint32_t cap, int socket);
void nat_neigh_fini(struct nat_neigh *nb);

/* Reader side (any thread). Entry index or UINT32_MAX. */
uint32_t nat_neigh_lookup(const struct nat_neigh *nb, uint8_t side,
			  uint32_t ip);

static inline bool
nat_neigh_mac(const struct nat_neigh *nb, uint32_t idx,
	      struct rte_ether_addr *mac)
{
	uint64_t v = __atomic_load_n(&nb->e[idx].mac_state, __ATOMIC_ACQUIRE);

	if (!(v & NAT_NB_VALID))
		return false;
	memcpy(mac->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
	return true;
}

/* Writer side (control thread only). */
uint32_t nat_neigh_add(struct nat_neigh *nb, uint8_t side, uint32_t ip);
void nat_neigh_set(struct nat_neigh *nb, uint32_t idx,
		   const struct rte_ether_addr *mac, bool is_static,
		   uint64_t now);
void nat_neigh_invalidate(struct nat_neigh *nb, uint32_t idx);

#endif /* NAT_NEIGH_H */
