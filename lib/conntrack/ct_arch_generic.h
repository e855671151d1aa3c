/* SPDX-License-Identifier: BSD-3-Clause
 * Plain C versions of the session table's CPU-specific parts (see
 * ct_arch.h): the fallback on targets without a header of their own, and
 * the reference the unit tests compare the vector versions with.
 */
#ifndef CT_ARCH_GENERIC_H
#define CT_ARCH_GENERIC_H

#include <stdint.h>

#include <rte_hash_crc.h>

/* CRC32-C step: DPDK's, which picks SSE4.2, ARMv8 CRC or a table at run
 * time. */
static inline uint32_t
ct_generic_crc_8byte(uint64_t data, uint32_t init)
{
	return rte_hash_crc_8byte(data, init);
}

/* Slots of the 10 whose signature is s, as a bit mask. */
static inline uint32_t
ct_generic_sig_match(const uint16_t *sig, uint16_t s)
{
	uint32_t m = 0;
	unsigned int i;

	for (i = 0; i < CT_BKT_ENTRIES; i++)
		m |= (uint32_t)(sig[i] == s) << i;
	return m;
}

#endif /* CT_ARCH_GENERIC_H */
