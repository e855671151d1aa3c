/* SPDX-License-Identifier: BSD-3-Clause
 * RFC 1624 incremental checksum update.
 *
 * Eqn. 3 of RFC 1624: HC' = ~(~HC + ~m + m'), in one's-complement
 * arithmetic, for each 16-bit word m that changes to m'. A translation
 * changes the same words of every packet of a session, so the sum of
 * (~m + m') over all changed words is computed once, when the session is
 * made, and applied to each packet with nat_cksum_apply(). The reverse
 * direction applies the one's-complement negative, which is ~delta.
 *
 * All values are in network byte order as they sit in the packet: one's
 * complement sums are byte-order independent as long as every operand uses
 * the same order.
 */
#ifndef NAT_CKSUM_H
#define NAT_CKSUM_H

#include <stdint.h>

/*
 * Fold a 32-bit one's-complement accumulator to 16 bits: the high half of
 * sum + (sum rotated by 16) is hi + lo with the end-around carry (the
 * carry out of lo + hi in the low half), in one rotate and one add rather
 * than two rounds of (sum & 0xffff) + (sum >> 16). The same value for
 * every sum: congruent to it modulo 0xffff, at most 0xffff, 0 only for 0.
 */
static inline uint16_t
nat_cksum_fold(uint32_t sum)
{
	sum += (sum >> 16) | (sum << 16);
	return (uint16_t)(sum >> 16);
}

/* Delta contribution of one 16-bit word changing from old to new. */
static inline uint32_t
nat_cksum_word(uint16_t old_w, uint16_t new_w)
{
	return (uint32_t)(uint16_t)~old_w + new_w;
}

/* Delta contribution of one 32-bit field (an address) changing. */
static inline uint32_t
nat_cksum_addr(uint32_t old_a, uint32_t new_a)
{
	return nat_cksum_word((uint16_t)(old_a >> 16), (uint16_t)(new_a >> 16)) +
	       nat_cksum_word((uint16_t)old_a, (uint16_t)new_a);
}

/*
 * ~cksum + delta + 0xffff: the sum eqn. 3 folds, plus a -0 that keeps it
 * nonzero. ~cksum + delta is 0 only where the field is the non-canonical
 * zero 0xffff and the delta +0 (the negative, nat_cksum_neg(), of a
 * translation whose words sum as before): it would fold to 0 and leave
 * 0xffff in the field. With the -0 added no sum is 0, so no result is
 * 0xffff, and every other result is the same (a nonzero sum folds to the
 * same value as any nonzero sum congruent to it modulo 0xffff).
 */
static inline uint32_t
nat_cksum_sum(uint16_t cksum, uint32_t delta)
{
	return (uint32_t)(uint16_t)~cksum + delta + UINT32_C(0xffff);
}

/* Apply a folded delta to a checksum field: HC' = ~(~HC + delta). */
static inline uint16_t
nat_cksum_apply(uint16_t cksum, uint16_t delta)
{
	return (uint16_t)~nat_cksum_fold(nat_cksum_sum(cksum, delta));
}

/*
 * UDP (RFC 768): a checksum of 0 means "none" and stays 0; a computed 0
 * is sent as 0xffff.
 */
static inline uint16_t
nat_cksum_apply_udp(uint16_t cksum, uint16_t delta)
{
	uint16_t c;

	if (cksum == 0)
		return 0;
	c = nat_cksum_apply(cksum, delta);
	return c == 0 ? 0xffff : c;
}

/*
 * Apply an unfolded delta (a sum of nat_cksum_word() terms and folded
 * deltas, below 2^32 - 2^17): the same result as
 * nat_cksum_apply(cksum, nat_cksum_fold(delta)), bit for bit, with one
 * fold instead of two (the fold of a sum is the fold of the sum with any
 * of its terms folded; only a zero sum folds to 0, and ~cksum + delta is
 * zero only where both are).
 */
static inline uint16_t
nat_cksum_apply32(uint16_t cksum, uint32_t delta)
{
	return (uint16_t)~nat_cksum_fold(nat_cksum_sum(cksum, delta));
}

/*
 * The delta of a TTL decrement: nat_cksum_word() of the TTL/protocol word
 * (bytes 8-9 of the IP header, loaded as they sit in memory) before and
 * after. The TTL byte, at least 1 before, takes no borrow, so the word
 * loses exactly t = 1 << (8 * the TTL byte's place in the loaded word),
 * and ~m + (m - t) = 0xffff - t for every m: a constant, no need to read
 * the word.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NAT_CKSUM_TTL_DEC UINT32_C(0xfffe)
#else
#define NAT_CKSUM_TTL_DEC UINT32_C(0xfeff)
#endif

/* One's-complement negative of a delta: undoes it. */
static inline uint16_t
nat_cksum_neg(uint16_t delta)
{
	return (uint16_t)~delta;
}

#endif /* NAT_CKSUM_H */
