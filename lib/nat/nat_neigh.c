/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "nat_neigh.h"

struct nb_key {
	uint32_t ip;
	uint32_t side;
};

int
nat_neigh_init(struct nat_neigh *nb, uint32_t cap, int socket)
{
	struct rte_hash_parameters hp = {
		.name = "cgn_neigh",
		.entries = cap,
		.key_len = sizeof(struct nb_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};

	memset(nb, 0, sizeof(*nb));
	nb->h = rte_hash_create(&hp);
	nb->e = rte_zmalloc_socket("cgn_neigh", sizeof(*nb->e) * cap,
				   RTE_CACHE_LINE_SIZE, socket);
	if (nb->h == NULL || nb->e == NULL) {
		nat_neigh_fini(nb);
		return -ENOMEM;
	}
	nb->cap = cap;
	return 0;
}

void
nat_neigh_fini(struct nat_neigh *nb)
{
	rte_hash_free(nb->h);
	rte_free(nb->e);
	nb->h = NULL;
	nb->e = NULL;
}

uint32_t
nat_neigh_lookup(const struct nat_neigh *nb, uint8_t side, uint32_t ip)
{
	struct nb_key k = { .ip = ip, .side = side };
	void *data;

	if (rte_hash_lookup_data(nb->h, &k, &data) < 0)
		return UINT32_MAX;
	return (uint32_t)(uintptr_t)data;
}

uint32_t
nat_neigh_add(struct nat_neigh *nb, uint8_t side, uint32_t ip)
{
	struct nb_key k = { .ip = ip, .side = side };
	uint32_t idx = nat_neigh_lookup(nb, side, ip);

	if (idx != UINT32_MAX)
		return idx;
	if (nb->n == nb->cap)
		return UINT32_MAX;
	idx = nb->n;
	memset(&nb->e[idx], 0, sizeof(nb->e[idx]));
	nb->e[idx].ip = ip;
	nb->e[idx].side = side;
	/* Publish the entry before the index that leads to it. */
	if (rte_hash_add_key_data(nb->h, &k, (void *)(uintptr_t)idx) < 0)
		return UINT32_MAX;
	nb->n++;
	return idx;
}

void
nat_neigh_set(struct nat_neigh *nb, uint32_t idx,
	      const struct rte_ether_addr *mac, bool is_static, uint64_t now)
{
	struct nat_neigh_entry *e = &nb->e[idx];
	uint64_t v = 0;

	if ((e->mac_state & NAT_NB_STATIC) && !is_static)
		return; /* a static entry is never overwritten by ARP */
	memcpy(&v, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	v |= NAT_NB_VALID | (is_static ? NAT_NB_STATIC : 0);
	__atomic_store_n(&e->mac_state, v, __ATOMIC_RELEASE);
	e->confirmed = now;
	e->probes = 0;
}

void
nat_neigh_invalidate(struct nat_neigh *nb, uint32_t idx)
{
	struct nat_neigh_entry *e = &nb->e[idx];
	uint64_t v = e->mac_state;

	if (v & NAT_NB_STATIC)
		return;
	__atomic_store_n(&e->mac_state, v & ~NAT_NB_VALID, __ATOMIC_RELEASE);
}
