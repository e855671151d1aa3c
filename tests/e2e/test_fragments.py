#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: a UDP datagram bigger than the MTU, DF=0, both ways (G33, G34).

SUB sends a 3000-byte UDP datagram with DF=0 (IP_MTU_DISCOVER =
IP_PMTUDISC_DONT) to a server in INET; SUB's kernel sends it as two
fragments on its 1500-byte link. The server must receive it whole, and its
3000-byte answer (DF=0 as well) must reach SUB whole, from the server's
address and port.

What the NAT sees here: net_af_packet puts its sockets in a PACKET_FANOUT
group with PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles fragments
before the NAT gets them: the NAT receives one 3042-byte frame (hence
Lab(framesz=4096): the default 2048-byte af_packet frame would truncate it),
translates it, and must fragment it again to send it on a 1500-byte link
(G33: DF=0 and too big -> fragment, in order); af_packet cannot send a
frame bigger than the link MTU. Fragment handling on the NAT's input
(out-of-order fragments, orphan floods, G34) is therefore not exercised
here; it is tested with crafted frames in the integration tests. Packet
sockets in INET and SUB record what the NAT sent: every frame fits the
1500-byte MTU, and the datagram came as fragments (MF/offset) with the
translated addresses.
"""
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, SUB_ADDR, Failure, check, in_pool, log, main  # noqa: E402

PORT = 9999
SIZE = 3000
MTU = 1500
FRAMESZ = 4096
ETH_P_ALL = 0x0003
IP_MTU_DISCOVER, IP_PMTUDISC_DONT = 10, 0


class Capture:
    """IPv4 frames received on a namespace's interface (not the ones it sent)."""

    def __init__(self, lab, ns, dev):
        self.sock = lab.socket(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((dev, 0))
        self.sock.settimeout(0.2)
        self.frames = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                frame, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] != socket.PACKET_OUTGOING and frame[12:14] == b"\x08\x00":
                self.frames.append(frame)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()

    def udp_frags(self, src=None, dst=None):
        """(frame length, src, dst, ip id, MF, offset, DF) of UDP IPv4 frames."""
        res = []
        for f in self.frames:
            ip = f[14:]
            if len(ip) < 20 or ip[9] != socket.IPPROTO_UDP:
                continue
            s, d = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
            if (src and s != src) or (dst and d != dst):
                continue
            ident, fo = struct.unpack("!HH", ip[4:8])
            res.append({"len": len(f), "src": s, "dst": d, "id": ident,
                        "mf": bool(fo & 0x2000), "off": (fo & 0x1FFF) * 8,
                        "df": bool(fo & 0x4000)})
        return res


def dgram_socket(lab, ns, addr, port):
    s = lab.socket(ns, socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    s.bind((addr, port))
    return s


def recv_exact(sock, what, timeout=3):
    sock.settimeout(timeout)
    try:
        return sock.recvfrom(65535)
    except socket.timeout:
        raise Failure(f"{what}: nothing arrived in {timeout} s") from None


def check_frags(frags, what):
    check(frags, f"{what}: no frame of the datagram captured")
    big = [f for f in frags if f["len"] > MTU + 14]
    check(not big, f"{what}: frames over the {MTU}-byte MTU: {big}")
    check(len(frags) >= 2 and any(f["mf"] for f in frags) and any(f["off"] for f in frags)
          and not any(f["df"] for f in frags),
          f"{what}: not sent as DF=0 fragments: {frags}")
    log(f"{what}: {len(frags)} fragments " +
        ", ".join(f"{f['len']}B off {f['off']}{' MF' if f['mf'] else ''}" for f in frags))


def test(lab):
    before = lab.stats()
    srv = dgram_socket(lab, lab.inet, INET_ADDR, PORT)
    cli = dgram_socket(lab, lab.sub, SUB_ADDR, 0)
    cap_inet = Capture(lab, lab.inet, "inet0")
    cap_sub = Capture(lab, lab.sub, "sub0")
    try:
        # Warm-up, small: the NAT learns the path and makes the mapping.
        cli.settimeout(0.5)
        srv.settimeout(0.5)
        deadline = time.monotonic() + 5
        while True:
            cli.sendto(b"warm-up", (INET_ADDR, PORT))
            try:
                _, peer = srv.recvfrom(2048)
                break
            except socket.timeout:
                check(time.monotonic() < deadline, "no small UDP datagram got through in 5 s")
        log(f"SUB {cli.getsockname()} leaves as {peer}")
        check(in_pool(peer[0]), f"INET saw {peer}: not a pool address")

        out = os.urandom(SIZE)
        cli.sendto(out, (INET_ADDR, PORT))
        data, peer2 = recv_exact(srv, f"SUB -> INET, {SIZE} bytes DF=0")
        check(peer2 == peer, f"the big datagram came from {peer2}, the small one from {peer}")
        check(data == out, f"INET got {len(data)} bytes, not the {SIZE} that SUB sent")
        log(f"INET got the {SIZE}-byte datagram whole from {peer2}")

        back = os.urandom(SIZE)
        srv.sendto(back, peer)
        data, src = recv_exact(cli, f"INET -> SUB, {SIZE} bytes DF=0")
        check(src == (INET_ADDR, PORT), f"the answer came from {src}")
        check(data == back, f"SUB got {len(data)} bytes, not the {SIZE} that INET sent")
        log(f"SUB got the {SIZE}-byte answer whole from {src}")
        time.sleep(0.2)
    finally:
        cap_inet.close()
        cap_sub.close()
        srv.close()
        cli.close()
        after = lab.stats()
        delta = {k: after[k] - before[k] for k in after
                 if isinstance(after[k], int) and isinstance(before.get(k), int)
                 and after[k] != before[k] and ("drop" in k or "frag" in k)}
        log(f"NAT drop/fragment counters during the test: {delta}")
    check_frags([f for f in cap_inet.udp_frags(src=peer[0], dst=INET_ADDR) if f["len"] > 200],
                "NAT -> INET")
    check_frags([f for f in cap_sub.udp_frags(src=INET_ADDR, dst=SUB_ADDR) if f["len"] > 200],
                "NAT -> SUB")


if __name__ == "__main__":
    main(test, framesz=FRAMESZ)
