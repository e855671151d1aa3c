/* SPDX-License-Identifier: BSD-3-Clause
 * The pure frame code of the integration tests (test_worker.c, test_frag.c,
 * and rig.c for test_multiworker.c and test_stress.c): byte access, RFC 1071
 * checksums, a builder of Ethernet + IPv4 (+ options) + TCP/UDP/ICMP frames
 * and of ARP frames, accessors of received frames, field-by-field frame
 * comparison and full checksum verification, and a pcap writer.
 *
 * Written here so that nothing of DPDK or lib/nat is trusted to verify
 * itself: no EAL, no mbufs, no cmocka (only struct rte_ether_addr and a few
 * constants of rte_ether.h). Values are host order numbers of big-endian
 * words.
 *
 * Checks print what is wrong through frames_vprint (stderr unless a test
 * points it elsewhere, e.g. at cmocka's vprint_error) and return how many
 * problems they found.
 *
 * FRAME_MAX, the size of struct frame and of the test's frame buffers, may
 * be defined before this header is included (test_frag.c: up to a 9000
 * MTU); nothing in frames.c depends on it.
 */
#ifndef CGN_TEST_FRAMES_H
#define CGN_TEST_FRAMES_H

#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* ------------------------------------------------------------------ */
/* Byte access.                                                        */

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* ------------------------------------------------------------------ */
/* RFC 1071 checksums (each ignores the checksum field of what it sums). */

/* IPv4 header checksum of the header at ip. */
uint16_t ip_cksum(const uint8_t *ip);
/* TCP/UDP checksum with the pseudo-header of the IPv4 header at ip; a UDP
 * result of 0 is sent as 0xffff (RFC 768). */
uint16_t l4_cksum(const uint8_t *ip, const uint8_t *l4, uint16_t l4len,
		  uint8_t proto);
/* ICMP checksum over the message. */
uint16_t icmp_cksum(const uint8_t *ic, uint16_t len);

/* ------------------------------------------------------------------ */
/* Frames.                                                             */

#define ETH_LEN 14
#define IP_OFF 14
#define L4_OFF 34
#ifndef FRAME_MAX
#define FRAME_MAX 2048
#endif

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

struct pkt {
	struct rte_ether_addr dst, src;
	uint32_t saddr, daddr;      /* host order */
	uint8_t ttl;                /* 0 means 64 */
	uint8_t tos;
	uint16_t ip_id;
	uint16_t frag;              /* flags + offset, host order */
	const uint8_t *ip_opts;     /* IP options, ip_olen a multiple of 4 */
	uint8_t ip_olen;
	uint8_t proto;
	uint16_t sport, dport;      /* TCP/UDP ports; ICMP: id, seq */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t win;               /* 0 means 65535 */
	const uint8_t *tcp_opts;    /* TCP options, tcp_olen a multiple of 4 */
	uint8_t tcp_olen;
	uint8_t icmp_type, icmp_code;
	bool udp_nocsum;            /* UDP checksum 0: none (RFC 768) */
	const uint8_t *payload;
	uint16_t plen;
};

/*
 * Build Ethernet + IPv4 (+ options) + TCP/UDP/ICMP with correct checksums.
 * Returns the frame length.
 */
uint16_t build(uint8_t *f, const struct pkt *p);

/* ARP (RFC 826) for Ethernet/IPv4; the length (42). */
uint16_t build_arp(uint8_t *f, const struct rte_ether_addr *edst,
		   const struct rte_ether_addr *esrc, uint16_t op,
		   const struct rte_ether_addr *sha, uint32_t spa,
		   const struct rte_ether_addr *tha, uint32_t tpa);

/* Typical frames. The scapy line of each kind:
 *
 * UDP:  Ether(dst=nat_in, src=h1)/IP(src="100.64.0.2", dst="198.19.0.10",
 *       ttl=64)/UDP(sport=5000, dport=53)/Raw(b"...")
 * TCP:  Ether(dst=nat_in, src=h1)/IP(src="100.64.0.2", dst="198.19.0.10")/
 *       TCP(sport=40000, dport=80, flags="S", seq=1000, window=65535)
 * ICMP: Ether(dst=nat_in, src=h1)/IP(src="100.64.0.2", dst="198.19.0.10")/
 *       ICMP(type=8, id=7, seq=1)/Raw(b"...")
 * ARP:  Ether(dst="ff:ff:ff:ff:ff:ff", src=h1)/ARP(op=1, hwsrc=h1,
 *       psrc="100.64.0.2", hwdst="00:00:00:00:00:00", pdst="100.64.0.1")
 */
extern const uint8_t PAYLOAD[31]; /* "integration payload 0123456789" */
#define PLEN ((uint16_t)(sizeof(PAYLOAD) - 1))

static inline struct pkt
udp_pkt(const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
	return (struct pkt){ .dst = *dst, .src = *src, .saddr = sa,
			     .daddr = da, .proto = IPPROTO_UDP, .sport = sp,
			     .dport = dp, .ip_id = 0x1234, .payload = PAYLOAD,
			     .plen = PLEN };
}

static inline struct pkt
tcp_pkt(const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp, uint8_t flags,
	uint32_t seq, uint32_t ack)
{
	return (struct pkt){ .dst = *dst, .src = *src, .saddr = sa,
			     .daddr = da, .proto = IPPROTO_TCP, .sport = sp,
			     .dport = dp, .tcp_flags = flags, .seq = seq,
			     .ack = ack, .ip_id = 0x4321 };
}

static inline struct pkt
icmp_pkt(const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	 uint32_t sa, uint32_t da, uint8_t type, uint16_t id, uint16_t seq)
{
	return (struct pkt){ .dst = *dst, .src = *src, .saddr = sa,
			     .daddr = da, .proto = IPPROTO_ICMP,
			     .icmp_type = type, .sport = id, .dport = seq,
			     .ip_id = 0x7777, .payload = PAYLOAD,
			     .plen = PLEN };
}

/* ------------------------------------------------------------------ */
/* Received frames.                                                    */

struct frame {
	uint16_t len;
	uint8_t b[FRAME_MAX];
};

static inline unsigned int f_l4(const struct frame *f)
{
	return ETH_LEN + (f->b[IP_OFF] & 0xf) * 4u;
}
static inline uint16_t f_type(const struct frame *f) { return rd16(f->b + 12); }
static inline uint8_t f_proto(const struct frame *f) { return f->b[23]; }
static inline uint32_t f_src(const struct frame *f) { return rd32(f->b + 26); }
static inline uint32_t f_dst(const struct frame *f) { return rd32(f->b + 30); }
static inline uint16_t f_sport(const struct frame *f) { return rd16(f->b + f_l4(f)); }
static inline uint16_t f_dport(const struct frame *f) { return rd16(f->b + f_l4(f) + 2); }
static inline uint16_t f_icmp_id(const struct frame *f) { return rd16(f->b + f_l4(f) + 4); }

/* "a.b.c.d" of a host order address, in buf (16 bytes). */
const char *ipstr(uint32_t a, char *buf);

/* ------------------------------------------------------------------ */
/* Checks: each prints every problem through frames_vprint and returns */
/* how many there were.                                                */

extern void (*frames_vprint)(const char *fmt, va_list ap);

/* Compare frame (got, glen) with (want, wlen) field by field: Ethernet,
 * IPv4, IP options, the TCP/UDP/ICMP header, then the rest. */
int frame_diff_buf(const char *what, const uint8_t *got, uint16_t glen,
		   const uint8_t *want, uint16_t wlen);
/* Recompute every checksum of an IPv4 frame in full (a UDP checksum of 0,
 * none, is accepted). */
int verify_cksums_buf(const char *what, const uint8_t *b, uint16_t len);
/* ARP frame fields (a frame shorter than 42 bytes is one problem). */
int arp_diff_buf(const char *what, const uint8_t *b, uint16_t len,
		 const struct rte_ether_addr *edst,
		 const struct rte_ether_addr *esrc, uint16_t op,
		 const struct rte_ether_addr *sha, uint32_t spa,
		 const struct rte_ether_addr *tha, uint32_t tpa);

static inline int
frame_diff(const char *what, const struct frame *got, const uint8_t *want,
	   uint16_t wlen)
{
	return frame_diff_buf(what, got->b, got->len, want, wlen);
}

static inline int
verify_cksums(const char *what, const struct frame *f)
{
	return verify_cksums_buf(what, f->b, f->len);
}

/* got against the frame `want` describes, field by field, and every
 * checksum of got recomputed in full. */
static inline int
frame_check(const char *what, const struct frame *got, const struct pkt *want)
{
	uint8_t wb[FRAME_MAX];
	uint16_t wl = build(wb, want);

	return frame_diff(what, got, wb, wl) + verify_cksums(what, got);
}

static inline int
arp_check(const char *what, const struct frame *f,
	  const struct rte_ether_addr *edst,
	  const struct rte_ether_addr *esrc, uint16_t op,
	  const struct rte_ether_addr *sha, uint32_t spa,
	  const struct rte_ether_addr *tha, uint32_t tpa)
{
	return arp_diff_buf(what, f->b, f->len, edst, esrc, op, sha, spa,
			    tha, tpa);
}

/* ------------------------------------------------------------------ */
/* pcap.                                                               */

/*
 * CGN_IT_PCAP=DIR: pcap_open() creates DIR/in.pcap and DIR/out.pcap
 * (nothing without it); pcap_write(0 or 1, ...) appends a frame to one
 * of them. pcap_file[dir] is NULL when that file is not being written.
 */
extern FILE *pcap_file[2];
void pcap_open(void);
void pcap_write(int dir, const uint8_t *b, uint32_t len);

#endif /* CGN_TEST_FRAMES_H */
