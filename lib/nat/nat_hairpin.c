/* SPDX-License-Identifier: BSD-3-Clause
 * Hairpinning: in2out packets to the pool's own mappings (RFC 4787
 * REQ-9, RFC 5508 for their ICMP errors in nat_icmp_err.c).
 */
#include "nat_owner.h"

/*
 * A translated in2out packet to one of our mappings (key in hp, out2in
 * view) whose port block another worker holds: give it to that worker as
 * kind "hairpin". Returns true when it was handed off.
 */
bool
nat_hairpin_elsewhere(struct nat_worker *w, struct rte_mbuf *m,
		  const struct pkt_meta *hp)
{
	struct rte_ether_hdr *e;
	int owner;

	if (w->env.n_workers == 1)
		return false;
	owner = nat_out_owner(w, hp->key.a_addr, hp->key.a_port, hp->key.proto);
	if (owner < 0 || (unsigned int)owner == w->id)
		return false;
	/* The receiver parses it as an outside packet: the outside MAC. */
	e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&w->env.mac[CGN_OUTSIDE], &e->dst_addr);
	nat_handoff(w, (unsigned int)owner, m, NAT_HO_HAIRPIN);
	return true;
}


/*
 * Hairpinning (RFC 4787 REQ-9): an in2out packet, just translated, to one
 * of our own mappings (known when its session was made, so no pool search
 * per packet) goes through out2in again, on the worker that holds the
 * mapping, and leaves on the inside.
 */
void
nat_hairpin_in2out(struct nat_worker *w, struct rte_mbuf *m,
		   const struct pkt_meta *pm, const struct ct_session *s,
		   uint64_t now)
{
	struct rte_ipv4_hdr *ip = pm->ip;
	struct pkt_meta hp = *pm;

	hp.key.a_addr = ip->dst_addr;
	hp.key.b_addr = ip->src_addr;
	hp.key.b_port = s->out_port;
	if (pm->proto == IPPROTO_TCP)
		hp.port_p = FIELD16(pm->port_p, struct rte_tcp_hdr, dst_port);
	else if (pm->proto == IPPROTO_UDP)
		hp.port_p = FIELD16(pm->port_p, struct rte_udp_hdr, dst_port);
	hp.key.a_port = *hp.port_p;
	if (pm->proto == IPPROTO_ICMP) {
		/* Echo to a public address of ours: the identifier
		 * names the mapping on both ends.
		 */
		hp.key.b_port = 0;
	}
	w->stats.hairpinned++;
	if (nat_hairpin_elsewhere(w, m, &hp))
		return;
	nat_out2in_one(w, m, &hp, now, true);
	return;
}
