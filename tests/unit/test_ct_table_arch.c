/* SPDX-License-Identifier: BSD-3-Clause
 * The session table's CPU-specific parts (lib/conntrack/ct_arch.h) against
 * references: the CRC step of every path against a CRC-32C computed bit
 * by bit, and this architecture's signature compare (SSE2, NEON or the
 * plain loop) against the plain loop on random buckets. No EAL. Built
 * twice: as the build's architecture has it and with -DCT_ARCH_GENERIC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

#include "ct_table.h"

static uint64_t
xrand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* CRC32-C step by the bit (reflected polynomial 0x82f63b78, no final
 * inversion), the way rte_hash_crc_8byte() chains: independent of DPDK's
 * table and of any instruction. */
static uint32_t
crc32c_bitwise(uint64_t data, uint32_t crc)
{
	int i;

	for (i = 0; i < 64; i++) {
		uint32_t bit = (crc ^ (uint32_t)(data >> i)) & 1u;

		crc = (crc >> 1) ^ (bit ? UINT32_C(0x82f63b78) : 0);
	}
	return crc;
}

/*
 * The CRC step of every path is the same: the one ct_hash() uses
 * (ct_crc_8byte(): the instruction where the build has it), the generic
 * header's, and rte_hash_crc_8byte() with each algorithm DPDK offers here
 * (its table, and the instruction where the CPU has it), against a CRC
 * computed bit by bit.
 */
static void
test_crc_every_path(void **state)
{
#if defined(RTE_ARCH_X86)
	static const uint8_t algs[] = { CRC32_SW, CRC32_SSE42, CRC32_SSE42_x64 };
	const uint8_t best = CRC32_SSE42_x64;
#elif defined(RTE_ARCH_ARM64)
	static const uint8_t algs[] = { CRC32_SW, CRC32_ARM64 };
	const uint8_t best = CRC32_ARM64;
#else
	static const uint8_t algs[] = { CRC32_SW };
	const uint8_t best = CRC32_SW;
#endif
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned int a;
	int i;

	(void)state;
	printf("ct_arch: %s\n", CT_ARCH_NAME);
	/* The reference itself: CRC-32C("123456789") is 0xe3069283 (the
	 * 8-byte step, then the ninth byte bit by bit, inverted). */
	{
		uint64_t w;
		uint32_t c;

		memcpy(&w, "12345678", 8);
		c = crc32c_bitwise(w, 0xffffffffu) ^ (uint32_t)'9';
		for (i = 0; i < 8; i++)
			c = (c >> 1) ^ ((c & 1u) ? UINT32_C(0x82f63b78) : 0);
		assert_int_equal(c ^ 0xffffffffu, 0xe3069283u);
	}
	for (a = 0; a < RTE_DIM(algs); a++) {
		rte_hash_crc_set_alg(algs[a]);
		for (i = 0; i < 20000; i++) {
			uint64_t d = xrand(&x);
			uint32_t init = (uint32_t)xrand(&x);
			uint32_t want = crc32c_bitwise(d, init);

			assert_int_equal(ct_crc_8byte(d, init), want);
			assert_int_equal(ct_generic_crc_8byte(d, init), want);
			assert_int_equal(rte_hash_crc_8byte(d, init), want);
		}
	}
	rte_hash_crc_set_alg(best);
}

/*
 * The signature compare of this architecture (ct_bkt_match(): SSE2, NEON
 * or the loop) against the plain loop (ct_generic_sig_match()) on random
 * buckets: signatures from a small set (many repeats, the probe in several
 * slots) or from all 16-bit values (sign bit, zero), spilled and reach
 * random, probed with one of the bucket's signatures or any value.
 */
static void
test_arch_match_is_generic(void **state)
{
	uint64_t x = 0x853c49e6748fea9bull;
	unsigned int matched = 0;
	int i, j;

	(void)state;
	for (i = 0; i < 200000; i++) {
		struct ct_bucket b;
		uint16_t mask = (i & 1) ? 0x0003 : 0xffff;
		uint16_t probe;
		uint32_t want;

		memset(&b, 0, sizeof(b));
		for (j = 0; j < CT_BKT_ENTRIES; j++) {
			uint16_t r = (uint16_t)xrand(&x);

			b.sig[j] = mask == 0xffff ? r : (uint16_t)(r & mask) *
							   0x4001u;
			b.idx[j] = (uint32_t)xrand(&x);
		}
		b.spilled = (uint16_t)xrand(&x);
		b.reach = (uint16_t)xrand(&x);
		probe = (i & 2) ? b.sig[xrand(&x) % CT_BKT_ENTRIES]
				: (i & 4) ? b.spilled : (uint16_t)xrand(&x);
		want = ct_generic_sig_match(b.sig, probe);
		for (j = 0; j < CT_BKT_ENTRIES; j++) /* the loop's own answer */
			assert_int_equal(want >> j & 1, b.sig[j] == probe);
		assert_int_equal(ct_bkt_match(&b, probe), want);
		matched += want != 0;
	}
	assert_true(matched > 100000); /* the probes did hit */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_every_path),
		cmocka_unit_test(test_arch_match_is_generic),
	};

	return cmocka_run_group_tests_name("ct_table_arch", tests, NULL, NULL);
}
