/* SPDX-License-Identifier: BSD-3-Clause
 * A NAT session: one flow between an inside endpoint and a remote endpoint,
 * with the outside endpoint it is translated to. One 64-byte cache line.
 */
#ifndef CT_SESSION_H
#define CT_SESSION_H

#include <assert.h>
#include <stdint.h>

#define CT_NONE UINT32_MAX

enum ct_dir { CT_IN2OUT = 0, CT_OUT2IN = 1 };

/* TCP state as the set of events seen; see ct_tcp.h. */
#define CT_TCP_SYN_IN  0x01 /* SYN seen from the inside host */
#define CT_TCP_SYN_OUT 0x02 /* SYN seen from the remote host */
#define CT_TCP_FIN_IN  0x04
#define CT_TCP_FIN_OUT 0x08
#define CT_TCP_RST     0x10
#define CT_TCP_ACK_IN  0x20 /* ACK from inside after SYN_OUT */
#define CT_TCP_ACK_OUT 0x40 /* ACK from remote after SYN_IN */

/* Session flags. */
#define CT_F_INBOUND  0x01 /* created by an inbound packet (EIF / static) */
#define CT_F_HAIRPIN  0x02 /* the remote is one of our own pool addresses */

/* Timeout classes. */
enum ct_timeout {
	CT_TO_UDP = 0,
	CT_TO_TCP_EST,
	CT_TO_TCP_TRANS,  /* opening: SYN seen, not yet established */
	CT_TO_ICMP,
	CT_TO_TCP_CLOSE,  /* closing: a FIN or a RST seen */
	CT_TO_MAX
};

struct ct_session {
	/* The in2out key: inside endpoint and remote endpoint. */
	uint32_t in_addr;  /* network byte order, as all addresses/ports here */
	uint32_t rem_addr;
	uint16_t in_port;  /* ICMP: query identifier */
	uint16_t rem_port; /* ICMP: 0 */
	/* With the remote endpoint, the out2in key. */
	uint32_t out_addr;
	uint16_t out_port;
	uint8_t proto;     /* IPPROTO_*; 0 marks a free entry */
	uint8_t state;     /* TCP: CT_TCP_* bits */
	uint16_t ck_ip;    /* RFC 1624 delta, in2out, IP header (address) */
	uint16_t ck_l4;    /* RFC 1624 delta, in2out, L4 checksum */
	uint8_t flags;     /* CT_F_* */
	uint8_t pad[3];
	uint32_t map_idx;  /* the mapping this session uses (lib/nat) */
	uint32_t next;     /* next session of that mapping; free list link */
	uint32_t nh_idx;   /* neighbour entry of the inside host */
	uint64_t last_seen; /* last refresh, in the table's clock units */
	uint64_t pkts[2];  /* packets per direction (enum ct_dir) */
};

static_assert(sizeof(struct ct_session) == 64,
	      "a session must fit one cache line");

#endif /* CT_SESSION_H */
