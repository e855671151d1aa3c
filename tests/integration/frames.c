/* SPDX-License-Identifier: BSD-3-Clause
 * The pure frame code of the integration tests; see frames.h.
 */
#include <stdlib.h>
#include <string.h>

#include "frames.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

const uint8_t PAYLOAD[31] = "integration payload 0123456789";

static void
vprint_stderr(const char *fmt, va_list ap)
{
	vfprintf(stderr, fmt, ap);
}

void (*frames_vprint)(const char *fmt, va_list ap) = vprint_stderr;

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	frames_vprint(fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Checksums.                                                          */

static uint32_t
sum16(const uint8_t *b, size_t n, uint32_t acc)
{
	while (n > 1) {
		acc += (uint32_t)b[0] << 8 | b[1];
		b += 2;
		n -= 2;
	}
	if (n)
		acc += (uint32_t)b[0] << 8;
	return acc;
}

static uint16_t
fold_not(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* The words of b[0, n) but the checksum field at ck (even): the sum of
 * the message with its checksum field taken as zero. */
static uint32_t
sum16_but(const uint8_t *b, size_t n, size_t ck, uint32_t acc)
{
	acc = sum16(b, n < ck ? n : ck, acc);
	if (n > ck + 2)
		acc = sum16(b + ck + 2, n - ck - 2, acc);
	return acc;
}

uint16_t
ip_cksum(const uint8_t *ip)
{
	return fold_not(sum16_but(ip, (ip[0] & 0xf) * 4u, 10, 0));
}

uint16_t
l4_cksum(const uint8_t *ip, const uint8_t *l4, uint16_t l4len, uint8_t proto)
{
	uint32_t acc = 0;
	uint16_t r;

	acc = sum16(ip + 12, 8, acc); /* source and destination */
	acc += proto;
	acc += l4len;
	acc = sum16_but(l4, l4len, proto == IPPROTO_TCP ? 16 : 6, acc);
	r = fold_not(acc);
	if (proto == IPPROTO_UDP && r == 0)
		r = 0xffff; /* RFC 768 */
	return r;
}

uint16_t
icmp_cksum(const uint8_t *ic, uint16_t len)
{
	return fold_not(sum16_but(ic, len, 2, 0));
}

/* ------------------------------------------------------------------ */
/* Builders.                                                           */

uint16_t
build(uint8_t *f, const struct pkt *p)
{
	unsigned int ihl = 20u + p->ip_olen;
	uint8_t *ip = f + IP_OFF, *l4 = ip + ihl;
	uint16_t l4len;

	memset(f, 0, ETH_LEN + ihl + 20 + p->tcp_olen);
	memcpy(f, p->dst.addr_bytes, 6);
	memcpy(f + 6, p->src.addr_bytes, 6);
	wr16(f + 12, RTE_ETHER_TYPE_IPV4);
	switch (p->proto) {
	case IPPROTO_TCP:
		l4len = (uint16_t)(20 + p->tcp_olen);
		wr16(l4, p->sport);
		wr16(l4 + 2, p->dport);
		wr32(l4 + 4, p->seq);
		wr32(l4 + 8, p->ack);
		l4[12] = (uint8_t)((l4len / 4) << 4);
		l4[13] = p->tcp_flags;
		wr16(l4 + 14, p->win ? p->win : 65535);
		wr16(l4 + 18, 0);
		if (p->tcp_olen)
			memcpy(l4 + 20, p->tcp_opts, p->tcp_olen);
		break;
	case IPPROTO_UDP:
		l4len = 8;
		wr16(l4, p->sport);
		wr16(l4 + 2, p->dport);
		wr16(l4 + 4, (uint16_t)(8 + p->plen));
		break;
	case IPPROTO_ICMP:
		l4len = 8;
		l4[0] = p->icmp_type;
		l4[1] = p->icmp_code;
		wr16(l4 + 4, p->sport);
		wr16(l4 + 6, p->dport);
		break;
	default:
		l4len = 0;
		break;
	}
	if (p->plen)
		memcpy(l4 + l4len, p->payload, p->plen);
	l4len = (uint16_t)(l4len + p->plen);

	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[1] = p->tos;
	wr16(ip + 2, (uint16_t)(ihl + l4len));
	wr16(ip + 4, p->ip_id);
	wr16(ip + 6, p->frag);
	ip[8] = p->ttl ? p->ttl : 64;
	ip[9] = p->proto;
	wr32(ip + 12, p->saddr);
	wr32(ip + 16, p->daddr);
	if (p->ip_olen)
		memcpy(ip + 20, p->ip_opts, p->ip_olen);
	wr16(ip + 10, ip_cksum(ip));

	switch (p->proto) {
	case IPPROTO_TCP:
		wr16(l4 + 16, l4_cksum(ip, l4, l4len, IPPROTO_TCP));
		break;
	case IPPROTO_UDP:
		wr16(l4 + 6, p->udp_nocsum ? 0 :
			     l4_cksum(ip, l4, l4len, IPPROTO_UDP));
		break;
	case IPPROTO_ICMP:
		wr16(l4 + 2, icmp_cksum(l4, l4len));
		break;
	}
	return (uint16_t)(ETH_LEN + ihl + l4len);
}

uint16_t
build_arp(uint8_t *f, const struct rte_ether_addr *edst,
	  const struct rte_ether_addr *esrc, uint16_t op,
	  const struct rte_ether_addr *sha, uint32_t spa,
	  const struct rte_ether_addr *tha, uint32_t tpa)
{
	memcpy(f, edst->addr_bytes, 6);
	memcpy(f + 6, esrc->addr_bytes, 6);
	wr16(f + 12, RTE_ETHER_TYPE_ARP);
	wr16(f + 14, 1);      /* hardware: Ethernet */
	wr16(f + 16, 0x0800); /* protocol: IPv4 */
	f[18] = 6;
	f[19] = 4;
	wr16(f + 20, op);
	memcpy(f + 22, sha->addr_bytes, 6);
	wr32(f + 28, spa);
	memcpy(f + 32, tha->addr_bytes, 6);
	wr32(f + 38, tpa);
	return 42;
}

const char *
ipstr(uint32_t a, char *buf)
{
	sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		(a >> 8) & 0xff, a & 0xff);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Checks.                                                             */

struct field {
	uint16_t off, len;
	const char *name;
};

static const struct field f_ip[] = {
	{ 0, 6, "eth.dst" }, { 6, 6, "eth.src" }, { 12, 2, "eth.type" },
	{ 14, 1, "ip.version_ihl" }, { 15, 1, "ip.tos" },
	{ 16, 2, "ip.total_length" }, { 18, 2, "ip.id" },
	{ 20, 2, "ip.frag" }, { 22, 1, "ip.ttl" }, { 23, 1, "ip.proto" },
	{ 24, 2, "ip.cksum" }, { 26, 4, "ip.src" }, { 30, 4, "ip.dst" },
};
/* Offsets from the start of the L4 header. */
static const struct field f_tcp[] = {
	{ 0, 2, "tcp.sport" }, { 2, 2, "tcp.dport" }, { 4, 4, "tcp.seq" },
	{ 8, 4, "tcp.ack" }, { 12, 1, "tcp.data_off" },
	{ 13, 1, "tcp.flags" }, { 14, 2, "tcp.window" },
	{ 16, 2, "tcp.cksum" }, { 18, 2, "tcp.urp" },
};
static const struct field f_udp[] = {
	{ 0, 2, "udp.sport" }, { 2, 2, "udp.dport" }, { 4, 2, "udp.len" },
	{ 6, 2, "udp.cksum" },
};
static const struct field f_icmp[] = {
	{ 0, 1, "icmp.type" }, { 1, 1, "icmp.code" },
	{ 2, 2, "icmp.cksum" }, { 4, 2, "icmp.id/unused" },
	{ 6, 2, "icmp.seq/unused" },
};

static void
hex(char *out, const uint8_t *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

int
frame_diff_buf(const char *what, const uint8_t *got, uint16_t glen,
	       const uint8_t *want, uint16_t wlen)
{
	const struct field *l4f = NULL;
	unsigned int i, n4 = 0, l4 = ETH_LEN + (want[IP_OFF] & 0xf) * 4u;
	unsigned int hdr = l4;
	int bad = 0;
	char g[64], w[64];

	if (glen != wlen) {
		say("%s: frame length %u, expected %u\n", what, glen, wlen);
		bad++;
	}
	if (glen < L4_OFF || wlen < L4_OFF)
		return bad + 1;
	for (i = 0; i < DIM(f_ip); i++) {
		if (memcmp(got + f_ip[i].off, want + f_ip[i].off,
			   f_ip[i].len) == 0)
			continue;
		hex(g, got + f_ip[i].off, f_ip[i].len);
		hex(w, want + f_ip[i].off, f_ip[i].len);
		say("%s: %s = %s, expected %s\n", what, f_ip[i].name, g, w);
		bad++;
	}
	if (l4 > L4_OFF && (glen < l4 ||
			    memcmp(got + L4_OFF, want + L4_OFF,
				   l4 - L4_OFF) != 0)) {
		say("%s: IP options differ\n", what);
		bad++;
	}
	switch (want[23]) {
	case IPPROTO_TCP:
		l4f = f_tcp;
		n4 = DIM(f_tcp);
		hdr = l4 + 20;
		break;
	case IPPROTO_UDP:
		l4f = f_udp;
		n4 = DIM(f_udp);
		hdr = l4 + 8;
		break;
	case IPPROTO_ICMP:
		l4f = f_icmp;
		n4 = DIM(f_icmp);
		hdr = l4 + 8;
		break;
	}
	for (i = 0; i < n4; i++) {
		unsigned int off = l4 + l4f[i].off;

		if (off + l4f[i].len > glen || off + l4f[i].len > wlen ||
		    memcmp(got + off, want + off, l4f[i].len) == 0)
			continue;
		hex(g, got + off, l4f[i].len);
		hex(w, want + off, l4f[i].len);
		say("%s: %s = %s, expected %s\n", what, l4f[i].name, g, w);
		bad++;
	}
	if (glen == wlen && wlen > hdr &&
	    memcmp(got + hdr, want + hdr, wlen - hdr) != 0) {
		for (i = hdr; i < wlen && got[i] == want[i]; i++)
			;
		say("%s: %s differs from byte %u on\n", what,
		    want[23] == IPPROTO_TCP ? "TCP options/payload" :
		    "payload", i - hdr);
		bad++;
	}
	return bad;
}

int
verify_cksums_buf(const char *what, const uint8_t *b, uint16_t len)
{
	const uint8_t *ip = b + IP_OFF;
	unsigned int ihl, min;
	uint16_t tot, l4len, got, want;
	const uint8_t *l4;
	int bad = 0;

	if (len < L4_OFF || rd16(b + 12) != RTE_ETHER_TYPE_IPV4) {
		say("%s: not an IPv4 frame\n", what);
		return 1;
	}
	ihl = (ip[0] & 0xf) * 4u;
	tot = rd16(ip + 2);
	if (ihl < 20 || tot < ihl || ETH_LEN + tot > len) {
		say("%s: bad IPv4 lengths\n", what);
		return 1;
	}
	got = rd16(ip + 10);
	want = ip_cksum(ip);
	if (got != want) {
		say("%s: ip.cksum %04x, full recompute %04x\n", what, got,
		    want);
		bad++;
	}
	l4 = ip + ihl;
	l4len = (uint16_t)(tot - ihl);
	switch (ip[9]) {
	case IPPROTO_TCP:
		min = 20;
		got = rd16(l4 + 16);
		want = l4_cksum(ip, l4, l4len, IPPROTO_TCP);
		break;
	case IPPROTO_UDP:
		min = 8;
		got = rd16(l4 + 6);
		want = got == 0 ? 0 : l4_cksum(ip, l4, l4len, IPPROTO_UDP);
		break;
	case IPPROTO_ICMP:
		min = 8;
		got = rd16(l4 + 2);
		want = icmp_cksum(l4, l4len);
		break;
	default:
		return bad;
	}
	if (l4len < min) {
		say("%s: L4 header of %u bytes\n", what, l4len);
		return bad + 1;
	}
	if (got != want) {
		say("%s: L4 cksum %04x, full recompute %04x\n", what, got,
		    want);
		bad++;
	}
	return bad;
}

int
arp_diff_buf(const char *what, const uint8_t *b, uint16_t len,
	     const struct rte_ether_addr *edst,
	     const struct rte_ether_addr *esrc, uint16_t op,
	     const struct rte_ether_addr *sha, uint32_t spa,
	     const struct rte_ether_addr *tha, uint32_t tpa)
{
	static const char *const names[] = {
		"eth.dst", "eth.src", "eth.type", "arp.hrd", "arp.pro",
		"arp.hln", "arp.pln", "arp.op", "arp.sha", "arp.spa",
		"arp.tha", "arp.tpa" };
	static const uint8_t off[] = { 0, 6, 12, 14, 16, 18, 19, 20, 22, 28,
				       32, 38, 42 };
	uint8_t want[64];
	uint16_t wl = build_arp(want, edst, esrc, op, sha, spa, tha, tpa);
	unsigned int i;
	int bad = 0;
	char g[32], w[32];

	if (len < wl) {
		say("%s: ARP frame of %u bytes\n", what, len);
		return 1;
	}
	for (i = 0; i < DIM(names); i++) {
		if (memcmp(b + off[i], want + off[i],
			   off[i + 1] - off[i]) == 0)
			continue;
		hex(g, b + off[i], off[i + 1] - off[i]);
		hex(w, want + off[i], off[i + 1] - off[i]);
		say("%s: %s = %s, expected %s\n", what, names[i], g, w);
		bad++;
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* pcap: DIR/in.pcap (injected) and DIR/out.pcap (transmitted), for     */
/* tcpdump/tshark/scapy.                                               */

FILE *pcap_file[2];

void
pcap_open(void)
{
	static const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535,
					 1 };
	const char *dir = getenv("CGN_IT_PCAP");
	char path[512];
	int i;

	if (dir == NULL)
		return;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s.pcap", dir,
			 i ? "out" : "in");
		pcap_file[i] = fopen(path, "w");
		if (pcap_file[i] != NULL)
			fwrite(hdr, sizeof(hdr), 1, pcap_file[i]);
	}
}

void
pcap_write(int dir, const uint8_t *b, uint32_t len)
{
	static uint32_t usec;
	uint32_t rec[4] = { 0, ++usec, len, len };

	if (pcap_file[dir] == NULL)
		return;
	fwrite(rec, sizeof(rec), 1, pcap_file[dir]);
	fwrite(b, 1, len, pcap_file[dir]);
	fflush(pcap_file[dir]);
}
