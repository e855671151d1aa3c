#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: telemetry counters against what the peers saw and what we sent.

Both links of the NAT are watched from the far side with packet sockets and
kernel timestamps: lan0 (LAN's bridge port facing the NAT's inside port) and
inet0 (INET's end of the outside link). Between two reads of /cgnat/stats
(the window), SUB pings INET, runs a UDP echo and a TCP exchange with INET,
pings the NAT's inside address, INET sends 3 datagrams to a pool port with no
mapping, INET sends N_BAD_CKSUM IPv4 packets with a wrong header checksum,
SUB N_TRUNC UDP packets cut inside the UDP header and N_IPV6 IPv6 frames. Then, counter deltas over the
window against frames counted on the wire:

- rx_inside = frames lan0 sent to the NAT; rx_outside = frames INET sent;
- tx_outside = IPv4 frames from the NAT on inet0 (the NAT generates none
  there in this test); tx_inside + generated = IPv4 frames from the NAT on
  lan0 (its echo reply is the only packet it generates);
- arp_replies_sent + arp_requests_sent = ARP frames from the NAT, both links;
- consumed = ARP frames to the NAT + echo requests to its own address;
- drop_ip_bad_cksum = N_BAD_CKSUM, drop_l4_malformed = N_TRUNC,
  drop_eth_unsupported = N_IPV6, drop_out_no_mapping = 3, and dropped =
  their sum: no other drop;
- rx = tx + consumed + dropped (nothing in flight: the NAT is idle).

And the session table against the flows we made: the `sessions` gauge and
/cgnat/sessions (counters per protocol, and the TCP states found by walking
the table) hold exactly our three (ICMP, UDP, TCP); /cgnat/pool holds our
three mappings and the static one, and as many blocks in use as the outside
ports INET saw fall in.
"""
import ipaddress
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, NAT_INSIDE, NAT_OUTSIDE, POOL, SUB_ADDR, check, log, main  # noqa: E402

ETH_P_ALL = 0x0003
SO_TIMESTAMPNS = 35
ETH_IP, ETH_ARP, ETH_IPV6 = b"\x08\x00", b"\x08\x06", b"\x86\xdd"
N_BAD_CKSUM = 5
N_IPV6 = 4
N_TRUNC = 3
N_UNSOLICITED = 3
UDP_PORT, TCP_PORT = 7000, 7001


class Wire:
    """Every frame on one interface of a namespace, both ways, with its
    kernel timestamp: (time, sent, frame); sent = this end transmitted it."""

    def __init__(self, lab, ns, dev):
        self.sock = lab.socket(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind((dev, 0))
        self.sock.setblocking(False)

    def read(self):
        frames = []
        while True:
            try:
                frame, anc, _, addr = self.sock.recvmsg(65535, socket.CMSG_SPACE(16))
            except BlockingIOError:
                break
            ts = None
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", data[:16])
                    ts = sec + nsec / 1e9
            frames.append((ts, addr[2] == socket.PACKET_OUTGOING, frame))
        self.sock.close()
        return frames


def count(frames, t0, t1, sent, ethertype=None, pred=None):
    """Frames of the window (t0, t1) sent (or received) by the watching end."""
    n = 0
    for ts, was_sent, f in frames:
        if ts is None or not t0 < ts < t1 or was_sent != sent:
            continue
        if ethertype is not None and f[12:14] != ethertype:
            continue
        if pred is None or pred(f):
            n += 1
    return n


def is_echo_to_nat(f):
    ip = f[14:]
    return (f[12:14] == ETH_IP and ip[9] == socket.IPPROTO_ICMP and
            socket.inet_ntoa(ip[16:20]) == NAT_INSIDE and ip[(ip[0] & 0xF) * 4] == 8)


def nat_mac(lab, ns, dev, addr):
    r = lab.run(ns, "ip", "neigh", "show", addr, "dev", dev)
    check("lladdr" in r.stdout, f"{ns} has no neighbour entry for {addr}: {r.stdout!r}")
    return bytes.fromhex(r.stdout.split("lladdr")[1].split()[0].replace(":", ""))


def ipv4(src, dst, proto, payload, ident, total=None):
    """An IPv4 header (right checksum) and payload; total: the header's
    total length, if not the real one."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total or 20 + len(payload), ident, 0, 64,
                      proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    return hdr[:10] + struct.pack("!H", ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF) + hdr[12:] + payload


def send_frames(lab, ns, dev, dst_mac, frames):
    """Raw frames (after the MAC addresses) from dev in ns to dst_mac."""
    sock = lab.socket(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((dev, 0))
    src_mac = sock.getsockname()[4]
    for f in frames:
        sock.send(dst_mac + src_mac + f)
    sock.close()


def bad_frames(lab):
    """Frames the NAT must drop, each kind under its own reason:
    N_BAD_CKSUM IPv4 packets with a wrong header checksum from INET (not
    from SUB: LAN's bridge may validate IPv4 headers itself, br_netfilter),
    N_TRUNC UDP packets from SUB whose IP total length leaves 4 bytes of
    UDP header, N_IPV6 IPv6 frames from SUB."""
    udp = struct.pack("!HHHH", 40000, 9, 12, 0) + b"bad!"
    bad = []
    for i in range(N_BAD_CKSUM):
        p = bytearray(ipv4(INET_ADDR, str(POOL[1]), socket.IPPROTO_UDP, udp, 100 + i))
        p[10] ^= 0x5A                                     # wrong on purpose
        bad.append(ETH_IP + bytes(p))
    send_frames(lab, lab.inet, "inet0", nat_mac(lab, lab.inet, "inet0", NAT_OUTSIDE), bad)
    trunc = [ETH_IP + ipv4(SUB_ADDR, INET_ADDR, socket.IPPROTO_UDP, udp[:4], 200 + i)
             for i in range(N_TRUNC)]
    v6 = struct.pack("!IHBB16s16s", 6 << 28, 8, 17, 64, b"\xfe\x80" + b"\0" * 13 + b"\x01",
                     b"\xfe\x80" + b"\0" * 13 + b"\x02") + udp[:8]
    send_frames(lab, lab.sub, "sub0", nat_mac(lab, lab.sub, "sub0", NAT_INSIDE),
                trunc + [ETH_IPV6 + v6] * N_IPV6)


def traffic(lab):
    """The flows of the window; the outside ports INET saw, by protocol."""
    seen = {}
    tx, rx = lab.ping(lab.sub, INET_ADDR, count=3)
    check(tx == rx == 3, f"ping SUB -> INET: {rx} of {tx} replies")
    tx, rx = lab.ping(lab.sub, NAT_INSIDE, count=1)
    check(tx == rx == 1, "ping to the NAT's inside address unanswered")
    srv = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((INET_ADDR, UDP_PORT))
    srv.settimeout(3)
    cli = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    cli.settimeout(3)
    for i in range(10):
        cli.sendto(b"x%d" % i, (INET_ADDR, UDP_PORT))
        data, peer = srv.recvfrom(100)
        srv.sendto(data, peer)
        check(cli.recv(100) == data, "UDP echo lost")
    seen["udp"] = peer
    listener = lab.socket(lab.inet)
    listener.bind((INET_ADDR, TCP_PORT))
    listener.listen(4)
    listener.settimeout(5)
    with lab.socket(lab.sub) as c:
        c.settimeout(5)
        c.connect((INET_ADDR, TCP_PORT))
        conn, seen["tcp"] = listener.accept()
        conn.sendall(b"hello")
        check(c.recv(10) == b"hello", "TCP data did not arrive")
        conn.close()
    uns = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(N_UNSOLICITED):
        uns.sendto(b"unsolicited", (str(POOL[5]), 4000))
    for s in (uns, srv, cli, listener):
        s.close()
    return seen


def icmp_ids(frames):
    """(source, identifier) of the echo requests from the NAT on inet0."""
    res = set()
    for _, sent, f in frames:
        ip = f[14:]
        if sent or f[12:14] != ETH_IP or ip[9] != socket.IPPROTO_ICMP:
            continue
        l4 = ip[(ip[0] & 0xF) * 4:]
        if l4[0] == 8:
            res.add((socket.inet_ntoa(ip[12:16]), struct.unpack("!H", l4[4:6])[0]))
    return res


def check_wire(d, lan, inet, t0, t1):
    """Counter deltas d against the frames both ends saw."""
    want = {
        "rx_inside": count(lan, t0, t1, sent=True),
        "rx_outside": count(inet, t0, t1, sent=True),
        "tx_outside": count(inet, t0, t1, sent=False, ethertype=ETH_IP),
        "tx_inside + generated": count(lan, t0, t1, sent=False, ethertype=ETH_IP),
        "arp_replies_sent + arp_requests_sent":
            count(lan, t0, t1, sent=False, ethertype=ETH_ARP) +
            count(inet, t0, t1, sent=False, ethertype=ETH_ARP),
        "consumed": count(lan, t0, t1, sent=True, ethertype=ETH_ARP) +
            count(inet, t0, t1, sent=True, ethertype=ETH_ARP) +
            count(lan, t0, t1, sent=True, pred=is_echo_to_nat),
    }
    got = {k: sum(d[x.strip()] for x in k.split("+")) for k in want}
    log(f"on the wire {want}; counted by the NAT {got}")
    for k in want:
        check(got[k] == want[k], f"{k}: the NAT counted {got[k]}, the wire carried {want[k]}")
    check(want["tx_outside"] >= 3 + 10 + 3, "too few frames left by the outside")


def check_drops(d):
    drops = {k: v for k, v in d.items() if k.startswith("drop_") and v}
    log(f"drops in the window: {drops}")
    want = {"drop_ip_bad_cksum": N_BAD_CKSUM, "drop_l4_malformed": N_TRUNC,
            "drop_eth_unsupported": N_IPV6, "drop_out_no_mapping": N_UNSOLICITED}
    check(drops == want, f"drops {drops}: want {want} and nothing else")
    check(d["dropped"] == sum(want.values()), f"dropped {d['dropped']}")


def check_tables(lab, s1, d, seen, ids, p0):
    ss = lab.sessions()
    log(f"sessions: {ss}")
    check(s1["sessions"] == 3, f"sessions gauge {s1['sessions']}, we made 3 flows")
    check((ss["tcp"], ss["udp"], ss["icmp"]) == (1, 1, 1),
          f"sessions by protocol {ss['tcp']}/{ss['udp']}/{ss['icmp']}, we made 1/1/1")
    walked = sum(v for k, v in ss.items() if k.startswith("tcp_"))
    check(walked == 1, f"walking the table finds {walked} TCP sessions, we made 1")
    check(ss["tcp_closing"] + ss["tcp_fin_wait"] == 1, "the closed TCP session is not closing")
    check(d["sessions_created"] == 3, f"sessions_created rose by {d['sessions_created']}, not 3")
    p = lab.pool()
    log(f"pool: {p}")
    check(len(ids) == 1, f"echo requests left with {ids}, want one (address, id)")
    ports = [(seen["udp"][0], seen["udp"][1]), (seen["tcp"][0], seen["tcp"][1]), *ids]
    check(all(ipaddress.ip_address(a) in POOL for a, _ in ports), f"not from the pool: {ports}")
    blocks = {(a, (port - p["port_lo"]) // p["block_size"]) for a, port in ports}
    log(f"outside (address, port) {ports}: blocks {blocks}")
    check(p["blocks_used"] - p0["blocks_used"] == len(blocks),
          f"{p['blocks_used'] - p0['blocks_used']} blocks taken; our flows' ports lie in "
          f"{len(blocks)}")
    # Ours, and 100.64.0.5 which config/cgnat.conf's static mapping pins.
    check(p["subscribers"] == 2, "two subscribers expected (SUB and the static one)")
    check(p["mappings"] == 3 + 1, "three dynamic mappings and the static one expected")
    check(p["addresses"] == POOL.num_addresses, "pool address count")


def test(lab):
    p0 = lab.pool()
    lan, inet = Wire(lab, lab.lan, "lan0"), Wire(lab, lab.inet, "inet0")
    time.sleep(0.3)
    s0 = lab.stats()
    t0 = time.time()
    seen = traffic(lab)
    bad_frames(lab)
    time.sleep(0.5)          # idle: nothing in flight when we read
    t1 = time.time()
    s1 = lab.stats()
    lan_f, inet_f = lan.read(), inet.read()
    d = {k: s1[k] - s0[k] for k in s1}
    log(f"window: rx {d['rx']} tx {d['tx']} consumed {d['consumed']} dropped {d['dropped']} "
        f"generated {d['generated']}; frames on lan0 {len(lan_f)}, on inet0 {len(inet_f)}")
    check(d["rx"] == d["tx"] + d["consumed"] + d["dropped"],
          f"rx {d['rx']} != tx {d['tx']} + consumed {d['consumed']} + dropped {d['dropped']}")
    check_wire(d, lan_f, inet_f, t0, t1)
    check_drops(d)
    check_tables(lab, s1, d, seen, icmp_ids(
        [x for x in inet_f if x[0] is not None and t0 < x[0] < t1]), p0)


if __name__ == "__main__":
    main(test)
