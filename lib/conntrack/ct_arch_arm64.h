/* SPDX-License-Identifier: BSD-3-Clause
 * AArch64 parts of the session table (see ct_arch.h): NEON signature
 * compare, the CRC32-C instruction where the build has it.
 */
#ifndef CT_ARCH_ARM64_H
#define CT_ARCH_ARM64_H

#include <stdint.h>

#include <arm_neon.h>
#ifdef __ARM_FEATURE_CRC32
#include <arm_acle.h>
#endif

#ifdef __ARM_FEATURE_CRC32
#define CT_ARCH_NAME "arm64: NEON compare, CRC32 instruction"
#else
#define CT_ARCH_NAME "arm64: NEON compare, DPDK's CRC"
#endif

/*
 * rte_hash_crc_8byte() without its run-time check of the algorithm where
 * the build has the CRC extension (the same value); DPDK's run-time
 * choice elsewhere.
 */
static inline uint32_t
ct_arch_crc_8byte(uint64_t data, uint32_t init)
{
#ifdef __ARM_FEATURE_CRC32
	return __crc32cd(init, data);
#else
	return ct_generic_crc_8byte(data, init);
#endif
}

/*
 * NEON has no movemask: each lane's all-ones compare result is ANDed with
 * the lane's bit and the lanes summed (one bit per lane, so the sum is
 * the OR). Slots 0-7 are one 16-byte block; slots 8-9 the first half of
 * an 8-byte one, whose lanes 2-3 (spilled, reach) weigh 0.
 */
static inline uint32_t
ct_arch_sig_match(const uint16_t *sig, uint16_t s)
{
	static const uint16_t wlo[8] = { 1, 2, 4, 8, 16, 32, 64, 128 };
	static const uint16_t whi[4] = { 256, 512, 0, 0 };
	uint16x8_t lo = vceqq_u16(vld1q_u16(sig), vdupq_n_u16(s));
	uint16x4_t hi = vceq_u16(vld1_u16(sig + 8), vdup_n_u16(s));

	return (uint32_t)vaddvq_u16(vandq_u16(lo, vld1q_u16(wlo))) +
	       (uint32_t)vaddv_u16(vand_u16(hi, vld1_u16(whi)));
}

#endif /* CT_ARCH_ARM64_H */
