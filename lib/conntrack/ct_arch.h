/* SPDX-License-Identifier: BSD-3-Clause
 * CPU-specific parts of the session table, one header per architecture,
 * as DPDK's l3fwd keeps its _sse.h and _neon.h apart:
 *
 *   ct_arch_crc_8byte(data, init)   one CRC32-C step on 8 bytes
 *   ct_arch_sig_match(sig, s)       bit i set where sig[i] == s, i < 10
 *
 * ct_arch_x86.h     SSE2 compare; the SSE4.2 CRC instruction where the
 *                   build has it (DPDK's -march=corei7 does).
 * ct_arch_arm64.h   NEON compare; the ARMv8 CRC32-C instruction where the
 *                   build has it (__ARM_FEATURE_CRC32).
 * ct_arch_generic.h plain C, always included: every other target uses it
 *                   (and any build with -DCT_ARCH_GENERIC), and the unit
 *                   tests check the others against it.
 *
 * Every path gives the same values: the CRC is rte_hash_crc_8byte()'s
 * (DPDK picks the instruction or its table at run time), and the match
 * mask is the plain loop's.
 *
 * sig points at the bucket's 10 signatures, 16-byte aligned, and the 24
 * bytes from it are readable (the bucket's spilled and reach follow): the
 * vector paths load them as 16 + 8 bytes and keep the bits of slots 0-9.
 */
#ifndef CT_ARCH_H
#define CT_ARCH_H

#include <stdint.h>

/* Slots in a bucket: the vector compares are written for 10. */
#define CT_BKT_ENTRIES 10

#include "ct_arch_generic.h"

/* -DCT_ARCH_GENERIC forces the plain C path (the unit suite builds it). */
#if defined(__x86_64__) && defined(__SSE2__) && !defined(CT_ARCH_GENERIC)
#include "ct_arch_x86.h"
#elif defined(__aarch64__) && defined(__ARM_NEON) && !defined(CT_ARCH_GENERIC)
#include "ct_arch_arm64.h"
#else
#define CT_ARCH_NAME "generic: plain C compare, DPDK's CRC"
static inline uint32_t
ct_arch_crc_8byte(uint64_t data, uint32_t init)
{
	return ct_generic_crc_8byte(data, init);
}

static inline uint32_t
ct_arch_sig_match(const uint16_t *sig, uint16_t s)
{
	return ct_generic_sig_match(sig, s);
}
#endif

#endif /* CT_ARCH_H */
