/* SPDX-License-Identifier: BSD-3-Clause
 * TCP state tracking for NAT sessions (RFC 5382, RFC 7857).
 *
 * The state is the set of events seen (CT_TCP_* bits in ct_session.state)
 * rather than a single enum: simultaneous open, half-close and any order of
 * FINs then need no special cases.
 *   established  = SYN and ACK-of-SYN seen in both directions, no RST, not
 *                  both FINs: tcp_established timeout (>= 7440 s).
 *   opening (a SYN, not established yet): tcp_trans_open (>= 240 s);
 *   closing (both FINs, or a RST): tcp_trans_close (>= 240 s).
 * A RST is translated and only marks the session transitory (RFC 7857
 * sec. 2.2: the session is kept for the transitory time, so a stray or
 * forged RST cannot cut a connection at once).
 */
#ifndef CT_TCP_H
#define CT_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "ct_session.h"

#define CT_TCPF_FIN 0x01
#define CT_TCPF_SYN 0x02
#define CT_TCPF_RST 0x04
#define CT_TCPF_ACK 0x10

#define CT_TCP_EST_MASK \
	(CT_TCP_SYN_IN | CT_TCP_SYN_OUT | CT_TCP_ACK_IN | CT_TCP_ACK_OUT)

static inline bool
ct_tcp_established(uint8_t st)
{
	return (st & CT_TCP_EST_MASK) == CT_TCP_EST_MASK &&
	       !(st & CT_TCP_RST) &&
	       (st & (CT_TCP_FIN_IN | CT_TCP_FIN_OUT)) !=
		       (CT_TCP_FIN_IN | CT_TCP_FIN_OUT);
}

/* Update the state of a session with the flags of one packet. */
static inline uint8_t
ct_tcp_next(uint8_t st, enum ct_dir d, uint8_t flags)
{
	bool in = d == CT_IN2OUT;

	/* A fresh SYN on a closed or reset session starts it again. */
	if ((flags & (CT_TCPF_SYN | CT_TCPF_ACK)) == CT_TCPF_SYN &&
	    (st & (CT_TCP_RST | CT_TCP_FIN_IN | CT_TCP_FIN_OUT)))
		st = 0;
	if (flags & CT_TCPF_RST)
		st |= CT_TCP_RST;
	if (flags & CT_TCPF_SYN)
		st |= in ? CT_TCP_SYN_IN : CT_TCP_SYN_OUT;
	if (flags & CT_TCPF_FIN)
		st |= in ? CT_TCP_FIN_IN : CT_TCP_FIN_OUT;
	if (flags & CT_TCPF_ACK) {
		/* An ACK counts once the other side's SYN has been seen. */
		if (in && (st & CT_TCP_SYN_OUT))
			st |= CT_TCP_ACK_IN;
		else if (!in && (st & CT_TCP_SYN_IN))
			st |= CT_TCP_ACK_OUT;
	}
	return st;
}

/* A short name for display. */
const char *ct_tcp_state_name(uint8_t st);

#endif /* CT_TCP_H */
