/* SPDX-License-Identifier: BSD-3-Clause
 * A NAT session: one flow between an inside endpoint and a remote endpoint,
 * with the outside endpoint it is translated to. A 32-byte hot part
 * (struct ct_session) and an 8-byte cold part (struct ct_cold).
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

/* Session flags: two bits (struct ct_session.flags). */
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

/*
 * The hot part of a session: what the per-packet path reads and writes,
 * 32 bytes, two to a cache line. The cold part (the mapping it belongs to
 * and the list links) is struct ct_cold, in a parallel array of the table.
 */
struct ct_session {
	/* The in2out key: inside endpoint and remote endpoint. */
	uint32_t in_addr;  /* network byte order, as all addresses/ports here */
	uint32_t rem_addr;
	uint16_t in_port;  /* ICMP: query identifier */
	uint16_t rem_port; /* ICMP: 0 */
	/* With the remote endpoint, the out2in key. */
	uint32_t out_addr;
	uint16_t out_port;
	/*
	 * IPPROTO_* in 6 bits, 0 marks a free entry: sessions are only made
	 * for TCP (6), UDP (17) and ICMP (1); the two bits left hold the
	 * CT_F_* flags, so that the hot part fits 32 bytes.
	 */
	uint8_t proto : 6;
	uint8_t flags : 2; /* CT_F_* */
	uint8_t state;     /* TCP: CT_TCP_* bits */
	uint16_t ck_ip;    /* RFC 1624 delta, in2out, IP header (address) */
	uint16_t ck_l4;    /* RFC 1624 delta, in2out, L4 checksum */
	uint32_t nh_idx;   /* neighbour entry of the inside host */
	/*
	 * Last refresh in ticks of the table clock: ct_clock() (the clock
	 * shifted right by ct_table.clock_shift), modulo 2^32; compare with
	 * ct_ticks_since() only.
	 */
	uint32_t last_seen;
};

static_assert(sizeof(struct ct_session) == 32,
	      "two sessions to a cache line");

/* The cold part of session i: ct_table.cold[i]. */
struct ct_cold {
	uint32_t map_idx;  /* the mapping this session uses (lib/nat) */
	uint32_t next;     /* next session of that mapping; free list link */
};

#endif /* CT_SESSION_H */
