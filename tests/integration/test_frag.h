/* SPDX-License-Identifier: BSD-3-Clause
 * test_frag: what its files share (test_frag.c has the helpers and
 * main(); test_frag_<group>.c the tests of a group, each with its table
 * of them).
 */
#ifndef CGN_TEST_FRAG_H
#define CGN_TEST_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "ct_table.h"
#include "rig_assert.h"

#define FR_DF 0x4000

#define FR_MF 0x2000

#define FR_MAX 64            /* fragments of one datagram in these tests */

#define T(fn) cmocka_unit_test_setup_teardown(fn, rig_setup, rig_teardown)
#define TO(fn, o) cmocka_unit_test_prestate_setup_teardown(fn, rig_setup, \
	rig_teardown, (void *)(o))

/* The tests of each file, in the order main() runs them. */
struct CMUnitTest;
extern const struct CMUnitTest fr_paths[];
extern const unsigned int fr_paths_n;
extern const struct CMUnitTest fr_limits[];
extern const unsigned int fr_limits_n;

/*
 * End of a scenario: drain, close every session, drain again; then the
 * counters must add up and no mbuf may be left in use.
 */
void rig_end(struct rig *r);

/* Payload of the big datagrams: no two 8-byte blocks alike, so that a
 * fragment put at the wrong offset changes the checksum and the bytes.
 */
extern uint8_t BIG[9000];

void big_init(void);

extern struct frame frag_buf[FR_MAX];

extern struct frame out_buf[FR_MAX];

/* The frame of packet p. */
void frame_of(const struct pkt *p, struct frame *f);

/*
 * Cut the datagram of frame d into fragments carrying `chunk` bytes of
 * data (a multiple of 8) each, the last one the rest: each a whole frame
 * with d's Ethernet and IP headers, its offset, MF, total length and
 * header checksum; DF kept. Returns their number.
 */
unsigned int cut(const struct frame *d, uint16_t chunk, struct frame *out);

/*
 * Put fragments f[0..n), in the order a port sent them, back into one
 * datagram d, checking RFC 791 and the order on the way: same ID,
 * addresses, protocol; offsets from 0 upwards without gap or overlap (in
 * order, G33); MF on all but the last; data a multiple of 8 but in the
 * last; each within the MTU, with a good header checksum. A lone frame
 * that is no fragment is the datagram itself. Returns the problems.
 */
int join(const char *what, const struct frame *f, unsigned int n, uint16_t mtu,
	 struct frame *d);

/* Put frames f[ord[0]], f[ord[1]], ... on side's RX ring, one at a time,
 * letting the NAT run after each one. */
void send_frames(struct rig *r, int side, const struct frame *f,
		 const unsigned int *ord, unsigned int n);

/* Send p from side as fragments of `chunk` bytes in the order ord (NULL:
 * in order); returns their number; nothing may leave before the last.
 */
unsigned int send_fragmented(struct rig *r, int side, const struct pkt *p,
			     uint16_t chunk, const unsigned int *ord,
			     unsigned int n_ord);

/* Take what `side` sent (nothing from the other side) and join it into
 * d; returns the number of frames. */
unsigned int take_dgram(const char *what, int side, uint16_t mtu,
			struct frame *d);

/* Check a datagram against the packet expected: every field, the payload
 * and every checksum, recomputed here over the whole datagram. */
void check_dgram(const char *what, const struct frame *d,
		 const struct pkt *want);

/* The datagram p sent from inside, as it must leave: src (a, port). */
struct pkt as_in2out(const struct pkt *p, uint32_t a, uint16_t port);

/* The datagram p sent from outside, as it must reach (host, port). */
struct pkt as_out2in(const struct pkt *p, const struct rte_ether_addr *mac,
		     uint32_t host, uint16_t port);

/* Take an in2out datagram of p (whole or in fragments within mtu), check
 * it; the source the NAT chose in *a, *port. Returns the frames. */
unsigned int expect_in2out_dgram(struct rig *r, const char *what,
				 const struct pkt *p, uint16_t mtu,
				 uint32_t *a, uint16_t *port);

unsigned int expect_out2in_dgram(const char *what, const struct pkt *p,
				 uint16_t mtu,
				 const struct rte_ether_addr *mac,
				 uint32_t host, uint16_t port);

/* A big datagram: p with `len` bytes of BIG as payload and an IP ID. */
struct pkt big(struct pkt p, uint16_t len, uint16_t id);

/* Drain a side's RX ring through the worker (floods). */
void drain_rx(struct rig *r, int side);

/* The links' MTUs and the fragment limits of the tests. */
extern const struct rig_opts opts_big;
extern const struct rig_opts opts_small;
extern const struct rig_opts opts_flood;

#endif /* CGN_TEST_FRAG_H */
