/* SPDX-License-Identifier: BSD-3-Clause
 * Which worker owns an outside endpoint, in O(1) for the usual case
 * (nat_owner.c: the tables and the general way).
 */
#ifndef NAT_OWNER_H
#define NAT_OWNER_H

#include "nat_path.h"

int nat_out_owner_slow(const struct nat_worker *w, uint32_t addr,
		       uint16_t port, uint8_t proto);

/*
 * nat_out_owner_slow() without a bisection or a division for the usual case,
 * a pool address and a port of a regular block (tables of
 * out_owner_init()).
 */
static inline int
nat_out_owner(const struct nat_worker *w, uint32_t addr, uint16_t port,
	  uint8_t proto)
{
	uint32_t off = rte_be_to_cpu_32(addr) - w->o2i_base;
	uint32_t po = (uint32_t)ntoh16(port) - w->o2i_port_lo;

	if (likely(off < w->o2i_span && po < w->o2i_reg_ports)) {
		int32_t b0 = w->o2i_blk0[off];

		if (likely(b0 >= 0))
			return __atomic_load_n(&w->block_owner[(uint32_t)b0 +
				(uint32_t)((po * w->o2i_div) >> 32)],
				__ATOMIC_RELAXED);
	}
	return nat_out_owner_slow(w, addr, port, proto);
}

#endif /* NAT_OWNER_H */
