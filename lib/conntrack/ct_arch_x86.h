/* SPDX-License-Identifier: BSD-3-Clause
 * x86-64 parts of the session table (see ct_arch.h): SSE2 signature
 * compare, SSE4.2 CRC32-C where the build has it.
 */
#ifndef CT_ARCH_X86_H
#define CT_ARCH_X86_H

#include <stdint.h>

#include <emmintrin.h>
#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

#ifdef __SSE4_2__
#define CT_ARCH_NAME "x86: SSE2 compare, SSE4.2 CRC"
#else
#define CT_ARCH_NAME "x86: SSE2 compare, DPDK's CRC"
#endif

/*
 * rte_hash_crc_8byte() without its run-time check of the algorithm where
 * the build has SSE4.2 (the same value).
 */
static inline uint32_t
ct_arch_crc_8byte(uint64_t data, uint32_t init)
{
#ifdef __SSE4_2__
	return (uint32_t)_mm_crc32_u64(init, data);
#else
	return ct_generic_crc_8byte(data, init);
#endif
}

/*
 * The 10 signatures are 20 bytes: slots 0-7 are one 16-byte block, slots
 * 8-9 the first half of an 8-byte one (with spilled and reach); each is
 * compared at once, the results packed to one byte per slot and the bits
 * of the slots kept.
 */
static inline uint32_t
ct_arch_sig_match(const uint16_t *sig, uint16_t s)
{
	__m128i v = _mm_shuffle_epi32(
		_mm_cvtsi32_si128((int)((uint32_t)s * 0x10001u)), 0);
	__m128i lo = _mm_load_si128((const __m128i *)(const void *)sig);
	__m128i hi = _mm_loadl_epi64((const __m128i *)(const void *)&sig[8]);
	uint32_t m = (uint32_t)_mm_movemask_epi8(
		_mm_packs_epi16(_mm_cmpeq_epi16(lo, v),
				_mm_cmpeq_epi16(hi, v)));

	return m & ((1u << CT_BKT_ENTRIES) - 1);
}

#endif /* CT_ARCH_X86_H */
