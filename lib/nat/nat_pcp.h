/* SPDX-License-Identifier: BSD-3-Clause
 * The PCP server (RFC 6887), nat_pcp.c.
 */
#ifndef NAT_PCP_H
#define NAT_PCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

struct nat_worker;

/* A request to the inside address, UDP port 5351, from a subscriber this
 * worker owns; answered in place. The mbuf is always consumed. */
void nat_pcp_request(struct nat_worker *w, struct rte_mbuf *m, uint64_t now);

/* End PCP mappings whose lifetime is over (all: every one, shutdown). */
void nat_pcp_age(struct nat_worker *w, uint64_t now, bool all);

#endif /* NAT_PCP_H */
