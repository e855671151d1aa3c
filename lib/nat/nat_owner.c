/* SPDX-License-Identifier: BSD-3-Clause
 * Which worker owns a subscriber or an outside endpoint, and handing a
 * packet to it.
 */
#include <errno.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_thash.h>

#include "nat_owner.h"

unsigned int
nat_sub_owner(const struct nat_rss *rss, unsigned int n_workers, uint32_t addr)
{
	if (n_workers == 1)
		return 0;
	if (rss->on) {
		/* The same Toeplitz hash and RETA as the inside NIC. */
		uint32_t t = rte_be_to_cpu_32(addr);
		uint32_t h = rte_softrss(&t, 1, rss->key);

		return (h % rss->reta_size) % n_workers;
	}
	return rte_hash_crc_4byte(addr, 0x9e3779b9) % n_workers;
}

/*
 * Which worker owns an outside endpoint (network order)? The owner of its
 * port block, or of its static mapping; -1 when it is not ours at all (the
 * packet is then dropped where it is). The general way: nat_out_owner().
 */
int __rte_noinline
nat_out_owner_slow(const struct nat_worker *w, uint32_t addr, uint16_t port,
		   uint8_t proto)
{
	const struct nat_env *env = &w->env;
	const struct nat_pool *pool = w->pool;
	int32_t ai = nat_pool_addr_index(pool, addr);
	uint16_t ph = rte_be_to_cpu_16(port);
	uint32_t blk;

	if (ai < 0)
		return -1;
	blk = nat_port_block(pool, (uint32_t)ai, ph);
	if (blk != NAT_NONE)
		return __atomic_load_n(&env->block_owner[blk],
				       __ATOMIC_RELAXED);
	if (pool->det_bm != NULL && env->det_reverse != NULL) {
		uint32_t in_h;

		/* RFC 7422 f2: the range names its subscriber. */
		if (env->det_reverse(env->det_arg, rte_be_to_cpu_32(addr), ph,
				     &in_h) == 0)
			return (int)nat_sub_owner(&env->rss, env->n_workers,
						 rte_cpu_to_be_32(in_h));
	}
	if (env->static_owner != NULL) {
		struct nat_static_key k = { .addr = addr, .port = port,
					    .proto = proto };
		void *data;

		if (rte_hash_lookup_data(env->static_owner, &k, &data) >= 0)
			return (int)(uintptr_t)data;
	}
	return -1;
}

/* Give a packet to the worker that owns it. */
void
nat_handoff(struct nat_worker *w, unsigned int owner, struct rte_mbuf *m,
	enum nat_handoff_kind kind)
{
	m->port = (uint16_t)kind;
	if (unlikely(rte_ring_sp_enqueue(w->env.ho[owner],
					 m) != 0)) {
		drop(w, m, CGN_DROP_handoff_full);
		return;
	}
	w->stats.handoff_out++;
}

/* Most addresses a table of nat_owner_init() may span (4 MiB). */
#define O2I_SPAN_MAX (1u << 20)

/*
 * nat_out_owner()'s tables, checked against the pool's own functions: any
 * disagreement and that part of the fast path stays off (o2i_span or
 * o2i_reg_ports 0), so that nat_out_owner() always says what nat_out_owner_slow()
 * says. 0 or -ENOMEM.
 */
static void owner_ports(struct nat_worker *w,
			const struct nat_pool_params *pp);

int
nat_owner_init(struct nat_worker *w, const struct nat_pool_params *pp,
	       int socket)
{
	const struct nat_pool *pool = w->pool;
	uint32_t n = pp->n_addrs, bs = pp->block_size;
	uint32_t k, lo = UINT32_MAX, hi = 0, span, bpa;

	w->block_owner = w->env.block_owner;
	w->o2i_span = 0;
	w->o2i_reg_ports = 0;
	if (n == 0 || bs == 0 || w->env.n_workers == 1)
		return 0; /* nat_out_owner() is for dispatch only */
	for (k = 0; k < n; k++) {
		uint32_t a = pp->addrs[k];

		lo = RTE_MIN(lo, a);
		hi = RTE_MAX(hi, a);
	}
	span = hi - lo + 1;
	bpa = w->env.blocks_per_addr;
	if (span == 0 || span > O2I_SPAN_MAX ||
	    (uint64_t)n * bpa > INT32_MAX)
		return 0;
	w->o2i_blk0 = rte_malloc_socket("cgn_o2i", sizeof(int32_t) * span, 0,
					socket);
	if (w->o2i_blk0 == NULL)
		return -ENOMEM;
	for (k = 0; k < span; k++) {
		int32_t ai = nat_pool_addr_index(pool, rte_cpu_to_be_32(lo + k));

		w->o2i_blk0[k] = ai < 0 ? -1 : (int32_t)((uint32_t)ai * bpa);
	}
	w->o2i_base = lo;
	w->o2i_span = span;
	owner_ports(w, pp);
	return 0;
}

/* Blocks: regular ports only; checked port by port on address 0, and the
 * stride on address 1. */
static void
owner_ports(struct nat_worker *w, const struct nat_pool_params *pp)
{
	const struct nat_pool *pool = w->pool;
	uint32_t bs = pp->block_size, bpa = w->env.blocks_per_addr;
	unsigned int p;

	w->o2i_port_lo = pp->port_lo;
	w->o2i_div = (UINT64_C(1) << 32) / bs + 1;
	w->o2i_reg_ports = pp->port_hi >= pp->port_lo ?
		((uint32_t)pp->port_hi - pp->port_lo + 1) / bs * bs : 0;
	if (pp->n_addrs > 1 && w->o2i_reg_ports != 0 &&
	    nat_port_block(pool, 1, pp->port_lo) != bpa)
		w->o2i_reg_ports = 0;
	for (p = 0; p <= UINT16_MAX && w->o2i_reg_ports != 0; p++) {
		uint32_t po = (uint32_t)p - w->o2i_port_lo;

		if (po < w->o2i_reg_ports &&
		    nat_port_block(pool, 0, (uint16_t)p) !=
		    (uint32_t)((po * w->o2i_div) >> 32))
			w->o2i_reg_ports = 0;
	}
}
