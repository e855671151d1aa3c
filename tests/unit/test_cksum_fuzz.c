/* SPDX-License-Identifier: BSD-3-Clause
 * Checksum fuzz (checklist L46, L47): random packets of random sessions
 * translated both ways the way the NAT does it, and back again, against
 * the references of cksum_util.h (the rules: test_cksum_helpers.c).
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

/*
 * L46/L47 fuzz, in2out: 100000 random packets over 25000 random sessions
 * (deltas computed once per session), source address + port/identifier
 * rewritten, TTL decremented. Both checksums equal both references.
 */
static void
test_fuzz_in2out(void **state)
{
	unsigned long n = 0, odd = 0, zero_ip = 0, zero_l4 = 0, udp_none = 0;
	unsigned long protos[3] = { 0 };
	struct pkt p;
	struct sess s;
	int i, j;

	(void)state;
	for (i = 0; i < FUZZ_SESSIONS; i++) {
		rnd_sess(&s, rnd_proto());
		for (j = 0; j < FUZZ_PKTS_PER_SESSION; j++, n++) {
			bool none;
			uint8_t ttl;

			gen_in(&p, &s, rnd_payload_len());
			none = p.proto == IPPROTO_UDP && rnd64() % 16 == 0;
			if (none)
				put16(p.b + l4ck(&p), 0);
			ttl = p.b[8];
			nat_in2out(&p, &s, true);
			assert_int_equal(p.b[8], ttl - 1);
			assert_int_equal(ld32(p.b + 12), s.out_addr);
			assert_int_equal(ld16(p.b + port_off(&p, true)),
					 s.out_port);
			if (none) {
				/* L47: no checksum stays no checksum. */
				assert_int_equal(field(&p, l4ck(&p)), 0);
				assert_int_equal(field(&p, IP_CK), ref_ip(&p));
				assert_true(ref_ip_ok(&p));
				udp_none++;
			} else {
				check_pkt(&p, "in2out", n);
			}
			odd += (p.len - p.l4) & 1;
			zero_ip += field(&p, IP_CK) == 0;
			zero_l4 += !none && field(&p, l4ck(&p)) == 0;
			protos[p.proto == IPPROTO_TCP ? 0 :
			       p.proto == IPPROTO_UDP ? 1 : 2]++;
		}
	}
	print_message("in2out: %lu packets (tcp %lu udp %lu icmp %lu), "
		      "%lu odd L4 lengths, %lu udp without checksum, "
		      "%lu/%lu zero results ip/l4\n", n, protos[0], protos[1],
		      protos[2], odd, udp_none, zero_ip, zero_l4);
	assert_true(n >= 100000);
	assert_true(odd > n / 4);
	assert_true(udp_none > 0);
	assert_true(protos[0] > n / 4 && protos[1] > n / 4 &&
		    protos[2] > n / 4);
}

/* The same fuzz for replies: destination rewritten with the negated
 * deltas, TTL decremented.
 */
static void
test_fuzz_out2in(void **state)
{
	unsigned long n = 0;
	struct pkt p;
	struct sess s;
	int i, j;

	(void)state;
	for (i = 0; i < FUZZ_SESSIONS; i++) {
		rnd_sess(&s, rnd_proto());
		for (j = 0; j < FUZZ_PKTS_PER_SESSION; j++, n++) {
			bool none;

			gen_out(&p, &s, rnd_payload_len());
			none = p.proto == IPPROTO_UDP && rnd64() % 16 == 0;
			if (none)
				put16(p.b + l4ck(&p), 0);
			nat_out2in(&p, &s, true);
			assert_int_equal(ld32(p.b + 16), s.in_addr);
			assert_int_equal(ld16(p.b + port_off(&p, false)),
					 s.in_port);
			if (none) {
				assert_int_equal(field(&p, l4ck(&p)), 0);
				assert_true(ref_ip_ok(&p));
			} else {
				check_pkt(&p, "out2in", n);
			}
		}
	}
	assert_true(n >= 100000);
}

/*
 * The negated delta undoes the delta: translating and translating back
 * restores every byte, checksums included (canonical checksums, UDP
 * without checksum, and UDP whose computed checksum was 0 so it carries
 * 0xffff).
 */
static void
test_roundtrip_restores_bytes(void **state)
{
	struct pkt p, orig;
	struct sess s;
	unsigned long n;

	(void)state;
	for (n = 0; n < 100000; n++) {
		rnd_sess(&s, rnd_proto());
		gen_in(&p, &s, rnd_payload_len());
		if (p.proto == IPPROTO_UDP && n % 16 == 0)
			put16(p.b + l4ck(&p), 0);
		orig = p;
		nat_in2out(&p, &s, false);
		if (!(p.proto == IPPROTO_UDP && field(&orig, l4ck(&orig)) == 0))
			check_pkt(&p, "roundtrip fwd", n);
		nat_undo_in2out(&p, &s);
		assert_int_equal(p.len, orig.len);
		assert_memory_equal(p.b, orig.b, orig.len);
	}
}

/* ------------------------------------------------------------------ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_in2out),
		cmocka_unit_test(test_fuzz_out2in),
		cmocka_unit_test(test_roundtrip_restores_bytes),
	};

	return cmocka_run_group_tests_name("cksum_fuzz", tests,
					   cksum_group_setup, NULL);
}
