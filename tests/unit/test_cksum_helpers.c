/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for the RFC 1624 incremental checksum helpers
 * (lib/nat/nat_cksum.h), checklist items L46 and L47: the helpers alone
 * (fold, word, neg, apply, the TTL constant) and the reference against
 * DPDK. Packets translated at random: test_cksum_fuzz.c; zero results,
 * the other zero and odd lengths: test_cksum_edges.c. Shared helpers:
 * cksum_util.h.
 *
 * Every packet is translated the way lib/nat (nat_in2out.h, nat_out2in.h) does it: the session
 * deltas are computed once (ck_ip from the address, ck_l4 from the address
 * and the port, or the ICMP identifier alone), then applied per packet,
 * the IP one together with the TTL decrement. The result is compared with
 * a from-scratch checksum from two independent references:
 *   - ref_*: a plain RFC 1071 sum over big-endian 16-bit words, written
 *     here, that knows nothing of nat_cksum.h;
 *   - DPDK's rte_ipv4_cksum() / rte_ipv4_udptcp_cksum() / rte_raw_cksum()
 *     (header inlines, no EAL needed).
 *
 * One's complement has two zeros, 0x0000 (+0) and 0xffff (-0). What each
 * protocol should carry:
 *   IP, TCP, ICMP: a checksum computed from scratch is ~sum, and the sum of
 *     data that is not all zero is never +0, so the field is never 0xffff.
 *     RFC 1624 section 3 shows eqn. 3, HC' = ~(~HC + ~m + m'), gives the
 *     same 0x0000 that a recompute gives where RFC 1141's eqn. 2 gave
 *     0xffff. So the incremental result must equal the recompute bit for
 *     bit, 0x0000 included; these tests assert exact equality.
 *   UDP: RFC 768, 0x0000 means "no checksum" and must stay 0x0000; a
 *     computed 0x0000 is sent as 0xffff. Again exact equality with the
 *     recompute (which does that mapping).
 *   A received TCP/IP field of 0xffff (the other zero; it verifies, but a
 *     correct sender never makes it) comes out of eqn. 3 as the canonical
 *     recompute value: asserted exactly as well.
 *
 * The random generator is seeded from $CKSUM_SEED if set, else a fixed
 * seed; the seed is printed so a failure can be replayed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_byteorder.h>

#include "nat_cksum.h"
#include "cksum_util.h"

/* ------------------------------------------------------------------ */
/* Tests                                                               */

/* The reference agrees with DPDK on fresh packets (sanity of both). */
static void
test_reference_agrees_with_dpdk(void **state)
{
	struct pkt p;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		gen_pkt(&p, rnd_proto(), rnd32(), rnd32(), (uint16_t)rnd32(),
			(uint16_t)rnd32(), rnd_payload_len(), false);
		check_pkt(&p, "fresh", (unsigned long)i);
	}
}

/*
 * nat_cksum_fold() (rotate and add) against the two rounds of
 * (sum & 0xffff) + (sum >> 16) it replaced, for every 32-bit sum.
 */
static void
test_fold_exhaustive(void **state)
{
	uint32_t sum = 0, r;

	(void)state;
	do {
		r = (sum & 0xffff) + (sum >> 16);
		r = (r & 0xffff) + (r >> 16);
		if (nat_cksum_fold(sum) != r)
			fail_msg("fold(0x%08x) = 0x%04x, not 0x%04x", sum,
				 nat_cksum_fold(sum), r);
	} while (++sum != 0);
}

/* Fold, word, neg and apply on known values; RFC 1624's own example. */
static void
test_helpers_known_values(void **state)
{
	uint32_t hc;

	(void)state;
	assert_int_equal(nat_cksum_fold(0), 0);
	assert_int_equal(nat_cksum_fold(0xffff), 0xffff);
	assert_int_equal(nat_cksum_fold(0x10000), 1);
	assert_int_equal(nat_cksum_fold(0x1fffe), 0xffff);
	assert_int_equal(nat_cksum_fold(0xffffffffu), 0xffff);
	assert_int_equal(nat_cksum_fold(0x2fffdu), 0xffff);
	/* An unchanged word contributes -0. */
	assert_int_equal(nat_cksum_word(0x1234, 0x1234), 0xffff);
	assert_int_equal(nat_cksum_fold(nat_cksum_addr(0xdeadbeef,
							0xdeadbeef)), 0xffff);
	assert_int_equal(nat_cksum_neg(0x1234), 0xedcb);
	assert_int_equal(nat_cksum_neg(nat_cksum_neg(0xabcd)), 0xabcd);

	/* RFC 1624 section 3: the other header octets sum to 0xCD7A, field
	 * m = 0x5555 becomes 0x3285; HC = 0xDD2F. Recomputation gives
	 * 0x0000, eqn. 3 gives 0x0000 (eqn. 2 of RFC 1141 gave 0xFFFF).
	 */
	assert_int_equal((uint16_t)~ref_fold(0xcd7a + 0x5555), 0xdd2f);
	assert_int_equal((uint16_t)~ref_fold(0xcd7a + 0x3285), 0x0000);
	assert_int_equal(nat_cksum_apply(0xdd2f,
		nat_cksum_fold(nat_cksum_word(0x5555, 0x3285))), 0x0000);
	/* Byte order does not matter: the same in swapped order. */
	assert_int_equal(nat_cksum_apply(0x2fdd,
		nat_cksum_fold(nat_cksum_word(0x5555, 0x8532))), 0x0000);

	/* An unchanged field (delta -0) leaves every canonical checksum,
	 * 0x0000 included, as it is (RFC 1624 erratum 4782's worry).
	 */
	for (hc = 0; hc < 0xffff; hc++)
		assert_int_equal(nat_cksum_apply((uint16_t)hc, 0xffff), hc);
	/* A delta of +0 too. */
	for (hc = 0; hc < 0xffff; hc++)
		assert_int_equal(nat_cksum_apply((uint16_t)hc, 0), hc);

	/* UDP: none stays none, whatever the delta. */
	assert_int_equal(nat_cksum_apply_udp(0, 0x1234), 0);
	assert_int_equal(nat_cksum_apply_udp(0, 0xffff), 0);
	assert_int_equal(nat_cksum_apply_udp(0, 0), 0);
}

/*
 * Every canonical checksum and many deltas: applying d then ~d gives the
 * checksum back, and the result of d is never -0 (0xffff) for TCP/IP and
 * never +0 for UDP.
 */
static void
test_apply_neg_exhaustive(void **state)
{
	uint32_t hc;
	int k;

	(void)state;
	for (k = 0; k < 48; k++) {
		uint16_t d = k == 0 ? 0 : k == 1 ? 0xffff : k == 2 ? 1 :
			     k == 3 ? 0xfffe : (uint16_t)rnd32();

		for (hc = 0; hc < 0xffff; hc++) {
			uint16_t c = nat_cksum_apply((uint16_t)hc, d);
			uint16_t u;

			assert_int_not_equal(c, 0xffff);
			assert_int_equal(nat_cksum_apply(c, nat_cksum_neg(d)),
					 hc);
			/* UDP carries [1, 0xffff]: 0 is "none". */
			u = nat_cksum_apply_udp((uint16_t)(hc ? hc : 0xffff), d);
			assert_int_not_equal(u, 0);
			assert_int_equal(nat_cksum_apply_udp(u,
							     nat_cksum_neg(d)),
					 hc ? hc : 0xffff);
		}
	}
}

/*
 * NAT_CKSUM_TTL_DEC is the delta of every TTL decrement (TTL 1-255, any
 * protocol byte, the word loaded as the worker loads it), and
 * nat_cksum_apply32() with an unfolded delta equals nat_cksum_apply() with
 * the folded one, for every checksum and a spread of deltas up to the
 * largest the worker makes (TTL + a folded delta + two address words).
 */
static void
test_ttl_const_and_apply32(void **state)
{
	uint32_t ttl, proto, hc, i;
	uint8_t b[2];

	(void)state;
	for (ttl = 1; ttl < 256; ttl++) {
		for (proto = 0; proto < 256; proto++) {
			uint16_t old_w, new_w;

			b[0] = (uint8_t)ttl;
			b[1] = (uint8_t)proto;
			memcpy(&old_w, b, 2);
			b[0]--;
			memcpy(&new_w, b, 2);
			assert_int_equal(nat_cksum_word(old_w, new_w),
					 NAT_CKSUM_TTL_DEC);
		}
	}
	for (hc = 0; hc <= 0xffff; hc++) {
		for (i = 0; i < 64; i++) {
			uint32_t d = i < 4 ? (uint32_t[]){ 0, 0xffff, 0x10000,
					0xfffe + 0xffff + 2 * 0x1fffe }[i] :
				(uint32_t)(rnd64() % (0xfffe + 0xffff +
						      2 * 0x1fffe + 1));

			assert_int_equal(nat_cksum_apply32((uint16_t)hc, d),
				nat_cksum_apply((uint16_t)hc,
						nat_cksum_fold(d)));
		}
	}
}

/* ------------------------------------------------------------------ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_agrees_with_dpdk),
		cmocka_unit_test(test_fold_exhaustive),
		cmocka_unit_test(test_helpers_known_values),
		cmocka_unit_test(test_apply_neg_exhaustive),
		cmocka_unit_test(test_ttl_const_and_apply32),
	};

	return cmocka_run_group_tests_name("cksum_helpers", tests,
					   cksum_group_setup, NULL);
}
