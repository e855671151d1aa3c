/* SPDX-License-Identifier: BSD-3-Clause
 * Counters. One X-macro list gives the enum and the names exported through
 * telemetry and the CLI.
 *
 * Each worker owns a struct cgn_stats and is its only writer; readers (the
 * CLI, telemetry) load the 64-bit words without locks: on x86-64 an aligned
 * 64-bit load is atomic, so a reader sees an old or a new value, never a
 * torn one.
 *
 * Accounting: every packet a worker receives ends in exactly one of
 *   forwarded (translated or routed and given to the NIC),
 *   consumed   (ARP, ICMP to the box itself: answered or handed to control),
 *   dropped    (one named reason below).
 * or handed off to the worker that owns its subscriber or port block
 * (handoff_out), which counts it as handoff_in instead of rx. So per worker
 *   rx + handoff_in = tx + consumed + dropped + handoff_out
 * and, summed over the workers when no handoff is in flight,
 *   rx = tx + consumed + dropped.
 *
 * Fragments (nat_frag.h): rx counts frames, so each fragment once. A
 * fragment is held (frag_held, a gauge) until its datagram is complete;
 * then the datagram goes on as ONE packet, carried by the fragment that
 * completed it, and the other k-1 fragments of it count as consumed; a
 * fragment that cannot be reassembled is dropped (ip_fragment,
 * frag_invalid, frag_table_full, frag_timeout: each fragment counted,
 * held ones too). So a worker's identity gains the fragments held:
 *   rx + handoff_in = tx + consumed + dropped + handoff_out + frag_held
 * and frag_held returns to 0 when nothing is left in reassembly (at most
 * fragments.timeout later). A datagram cut into fragments on output counts
 * once in tx (the NIC taking its first fragment decides tx or tx_full);
 * frag_tx counts the fragments made.
 */
#ifndef NAT_STATS_H
#define NAT_STATS_H

#include <stdint.h>
#include <rte_common.h>

/* Drop reasons: name, help. */
#define CGN_DROP_REASONS(X) \
	X(eth_short,          "frame shorter than an Ethernet header") \
	X(eth_unsupported,    "EtherType neither IPv4 nor ARP (VLAN, IPv6, ...)") \
	X(eth_not_for_us,     "unicast frame to another MAC address") \
	X(arp_malformed,      "ARP that is not Ethernet/IPv4 or is truncated") \
	X(ip_malformed,       "IPv4 header: version, IHL, total length") \
	X(ip_bad_cksum,       "IPv4 header checksum wrong") \
	X(ip_fragment,        "fragment empty, not 8-aligned or past 65535 bytes") \
	X(frag_invalid,       "fragments overlapping, repeated, >8 or oversized") \
	X(frag_table_full,    "reassembly full (fragments.max or its mbuf share)") \
	X(frag_timeout,       "datagram not complete within fragments.timeout") \
	X(df_too_big,         "DF set, longer than the egress MTU (ICMP 3/4 sent)") \
	X(ip_bad_src,         "source is multicast, broadcast, loopback or zero") \
	X(dst_not_routable,   "to 0/8, 127/8, multicast, 240/4 or broadcast") \
	X(ttl_exceeded,       "TTL ran out (ICMP time exceeded sent)") \
	X(l4_malformed,       "TCP/UDP/ICMP header truncated or bad") \
	X(l4_unsupported,     "IP protocol other than TCP, UDP, ICMP") \
	X(icmp_unsupported,   "ICMP type not translated") \
	X(icmp_bad_cksum,     "ICMP checksum wrong (checked on ICMP errors)") \
	X(icmp_no_session,    "ICMP error about a flow we have no session of") \
	X(in_src_not_subscriber, "inside source not in a subscriber prefix") \
	X(in_dst_shared,      "inside packet to 100.64.0.0/10 or a subscriber prefix") \
	X(in_dst_own,         "to the box's own address, not ICMP echo") \
	X(out_src_shared,     "outside packet from 100.64.0.0/10 (spoofed)") \
	X(out_not_pool,       "outside packet to an address that is not ours") \
	X(out_no_mapping,     "inbound packet with no mapping") \
	X(out_filtered,       "inbound packet refused by the filtering policy") \
	X(tcp_not_syn,        "new outbound TCP flow that does not start with SYN") \
	X(session_limit,      "subscriber at sessions_per_subscriber") \
	X(table_full,         "session table or mapping table full") \
	X(pool_exhausted,     "no free port block for the subscriber's address") \
	X(ports_exhausted,    "subscriber at max_blocks_per_subscriber, all used") \
	X(port_limit,         "subscriber at its per-protocol port limit") \
	X(mapping_rate,       "subscriber over limits.mappings_per_second") \
	X(no_hairpin,         "to a pool address while hairpinning is off") \
	X(neigh_unresolved,   "next hop's MAC not known yet (ARP sent)") \
	X(slow_ring_full,     "ring to the control thread full") \
	X(handoff_full,       "ring to the owning worker full") \
	X(block_pending,      "no free port block on this worker yet (asked)") \
	X(tx_full,            "NIC TX queue full") \
	X(nomem,              "mbuf allocation failed")

enum cgn_drop {
#define CGN_X_ENUM(name, help) CGN_DROP_##name,
	CGN_DROP_REASONS(CGN_X_ENUM)
#undef CGN_X_ENUM
	CGN_DROP_MAX
};

extern const char *const cgn_drop_names[CGN_DROP_MAX];
extern const char *const cgn_drop_help[CGN_DROP_MAX];

enum cgn_side { CGN_INSIDE = 0, CGN_OUTSIDE = 1, CGN_SIDES };

/* Session events and gauges kept by the worker that owns the sessions. */
struct cgn_stats {
	uint64_t rx[CGN_SIDES];       /* packets received per port */
	uint64_t tx[CGN_SIDES];       /* packets forwarded, per egress port */
	uint64_t consumed;            /* ARP, ICMP to the box */
	uint64_t generated;           /* packets the box made (ICMP, ARP) */
	uint64_t hairpinned;          /* in2out packets sent back inside */
	uint64_t handoff_out;         /* given to the owning worker */
	uint64_t handoff_in;          /* taken from other workers */
	uint64_t syn_hold_matched;    /* held inbound SYNs met by an outbound */
	uint64_t bypassed;            /* forwarded untranslated (bypass) */
	uint64_t drop[CGN_DROP_MAX];
	uint64_t sessions_created;
	uint64_t sessions_expired;
	uint64_t mappings_created;
	uint64_t mappings_freed;
	uint64_t blocks_allocated;
	uint64_t blocks_released;
	uint64_t log_ring_full;       /* mapping log events lost */
	uint64_t frag_rx;             /* fragments received (also in rx) */
	uint64_t frag_held;           /* gauge: fragments in reassembly */
	uint64_t frag_reassembled;    /* datagrams completed */
	uint64_t frag_tx;             /* fragments made on output */
} __rte_cache_aligned;

/* Sum of all drop counters. */
static inline uint64_t
cgn_stats_dropped(const struct cgn_stats *s)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < CGN_DROP_MAX; i++)
		n += s->drop[i];
	return n;
}

#endif /* NAT_STATS_H */
