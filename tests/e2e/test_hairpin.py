#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: hairpinning between two subscribers of the NAT (E24, E25).

Lab(sub2=True): SUB (100.64.0.2) and SUB2 (100.64.0.3) on the same LAN
behind the NAT. Each learns its outside tuple the way a P2P application
does: it sends to a reflector in INET that answers with the source address
and port it saw (UDP), or writes the peer of the accepted connection (TCP).

E24 (RFC 4787 REQ-9/9a, RFC 5382 REQ-8/8a):
- UDP: SUB2 sends to SUB's outside tuple. SUB's server socket gets it from
  SUB2's OUTSIDE tuple, exactly the one INET saw for the same SUB2 socket
  (endpoint-independent mapping), a pool address, never 100.64.0.3. SUB's
  reply reaches SUB2 from SUB's outside tuple.
- TCP: SUB listens on a port that it also connects out from (SO_REUSEPORT),
  so the port has a TCP mapping whose outside tuple INET reports; SUB2
  connects to that outside tuple from a port whose outside tuple INET also
  reported. SUB's listener accepts a connection whose peer is exactly SUB2's
  outside tuple; data goes both ways.
E25 (RFC 5508 REQ-7): SUB closes its UDP socket; SUB2's next datagram to
SUB's outside tuple makes SUB's kernel answer Port Unreachable, which the NAT
must hairpin (outer and quoted headers translated) so that SUB2's connected
socket gets ECONNREFUSED.
ICMP echo to SUB's outside address from SUB2: RFC 5508 REQ-7 requires ICMP
query hairpinning of Basic NAT only; for this NAPT the outcome (answered by
the NAT, delivered to SUB, or dropped) is reported, not judged.
The NAT's hairpinned counter rises.
"""
import errno
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import (INET_ADDR, SUB2_ADDR, SUB_ADDR, Failure, check, in_pool, log,  # noqa: E402
                 main, parse_ipv4)

ETH_P_ALL = 0x0003
REFLECT_UDP = 9999
REFLECT_TCP = 9998
SUB_UDP_PORT = 41000
SUB_TCP_PORT = 41001
SUB2_TCP_PORT = 42001


def udp_outside(lab, cli, reflector):
    """The outside tuple INET sees for UDP socket `cli`."""
    cli.settimeout(0.5)
    deadline = time.monotonic() + 5
    while True:
        cli.sendto(b"who am i", (INET_ADDR, REFLECT_UDP))
        try:
            data, peer = reflector.recvfrom(2048)
            reflector.sendto(f"{peer[0]}:{peer[1]}".encode(), peer)
            reply, src = cli.recvfrom(2048)
            break
        except socket.timeout:
            check(time.monotonic() < deadline, "no answer from the UDP reflector in INET in 5 s")
    addr, port = reply.decode().split(":")
    return addr, int(port)


def tcp_outside(lab, ns, local_port, listener):
    """Connect from local_port (kept open, SO_REUSEPORT) to INET's TCP
    reflector; (the socket, the outside tuple INET saw)."""
    s = lab.socket(ns)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((SUB_ADDR if ns == lab.sub else SUB2_ADDR, local_port))
    s.settimeout(5)
    s.connect((INET_ADDR, REFLECT_TCP))
    conn, peer = listener.accept()
    conn.sendall(f"{peer[0]}:{peer[1]}\n".encode())
    conn.close()
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(100)
        check(chunk, "the TCP reflector closed without an answer")
        data += chunk
    addr, port = data.decode().strip().split(":")
    return s, (addr, int(port))


class Leaks:
    """Frames reaching INET that carry hairpin traffic (pool to pool, or
    from a subscriber address): hairpinned packets must never leave."""

    def __init__(self, lab):
        self.sock = lab.socket(lab.inet, socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
        self.sock.bind(("inet0", 0))
        self.sock.settimeout(0.2)
        self.leaks = []
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
            p = parse_ipv4(frame, ethernet=True)
            if p and addr[2] != socket.PACKET_OUTGOING and (
                    (in_pool(p["dst"]) and in_pool(p["src"])) or p["src"] in (SUB_ADDR, SUB2_ADDR)):
                self.leaks.append(p)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def outside_of(what, tup):
    check(in_pool(tup[0]), f"{what}: INET saw {tup}, not a pool address")
    return tup


def test(lab):
    before = lab.stats()
    socks = []
    leaks = Leaks(lab)

    def sock(ns, type=socket.SOCK_STREAM):
        s = lab.socket(ns, socket.AF_INET, type)
        socks.append(s)
        return s

    try:
        refl_udp = sock(lab.inet, socket.SOCK_DGRAM)
        refl_udp.bind((INET_ADDR, REFLECT_UDP))
        refl_udp.settimeout(0.5)
        refl_tcp = sock(lab.inet)
        refl_tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        refl_tcp.bind((INET_ADDR, REFLECT_TCP))
        refl_tcp.listen(8)
        refl_tcp.settimeout(5)

        # --- UDP (E24) ---
        srv = sock(lab.sub, socket.SOCK_DGRAM)
        srv.bind((SUB_ADDR, SUB_UDP_PORT))
        sub_udp_out = outside_of("SUB UDP", udp_outside(lab, srv, refl_udp))
        cli = sock(lab.sub2, socket.SOCK_DGRAM)
        cli.bind((SUB2_ADDR, 0))
        sub2_udp_out = outside_of("SUB2 UDP", udp_outside(lab, cli, refl_udp))
        log(f"UDP: SUB {SUB_ADDR}:{SUB_UDP_PORT} is {sub_udp_out} outside; "
            f"SUB2 {cli.getsockname()} is {sub2_udp_out}")
        srv.settimeout(2)
        cli.settimeout(2)
        cli.sendto(b"hello via hairpin", sub_udp_out)
        try:
            data, peer = srv.recvfrom(2048)
        except socket.timeout:
            raise Failure(f"SUB2's datagram to SUB's outside tuple {sub_udp_out} never "
                          "reached SUB") from None
        log(f"UDP: SUB got {data!r} from {peer}")
        check(peer[0] != SUB2_ADDR, f"SUB saw SUB2's inside address {peer} (E24: the source "
              "must be SUB2's outside tuple)")
        check(peer == sub2_udp_out, f"SUB saw the datagram from {peer}, SUB2's outside tuple "
              f"is {sub2_udp_out}")
        srv.sendto(b"reply via hairpin", peer)
        try:
            data, src = cli.recvfrom(2048)
        except socket.timeout:
            raise Failure("SUB's reply to SUB2's outside tuple never reached SUB2") from None
        check(data == b"reply via hairpin", f"SUB2 got {data!r}")
        check(src == sub_udp_out, f"SUB2 got the reply from {src}, expected {sub_udp_out}")
        log(f"UDP: SUB2 got the reply from {src}")

        # --- TCP (E24) ---
        lst = sock(lab.sub)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        lst.bind((SUB_ADDR, SUB_TCP_PORT))
        lst.listen(4)
        lst.settimeout(5)
        keep1, sub_tcp_out = tcp_outside(lab, lab.sub, SUB_TCP_PORT, refl_tcp)
        socks.append(keep1)
        keep2, sub2_tcp_out = tcp_outside(lab, lab.sub2, SUB2_TCP_PORT, refl_tcp)
        socks.append(keep2)
        outside_of("SUB TCP", sub_tcp_out)
        outside_of("SUB2 TCP", sub2_tcp_out)
        log(f"TCP: SUB {SUB_ADDR}:{SUB_TCP_PORT} is {sub_tcp_out}; "
            f"SUB2 {SUB2_ADDR}:{SUB2_TCP_PORT} is {sub2_tcp_out}")
        c = sock(lab.sub2)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        c.bind((SUB2_ADDR, SUB2_TCP_PORT))
        c.settimeout(5)
        try:
            c.connect(sub_tcp_out)
        except OSError as e:
            raise Failure(f"SUB2 cannot connect to SUB's outside tuple {sub_tcp_out}: {e}") \
                from None
        try:
            conn, peer = lst.accept()
        except socket.timeout:
            raise Failure("SUB's listener accepted nothing") from None
        socks.append(conn)
        log(f"TCP: SUB accepted a connection from {peer}")
        check(peer[0] != SUB2_ADDR, f"SUB accepted SUB2's inside address {peer} (E24)")
        check(peer == sub2_tcp_out, f"SUB accepted {peer}, SUB2's outside tuple is "
              f"{sub2_tcp_out}")
        conn.settimeout(5)
        payload = os.urandom(256 * 1024)
        c.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = conn.recv(65536)
            check(chunk, "TCP: SUB's side closed early")
            got += chunk
        check(got == payload, "TCP: SUB received other bytes than SUB2 sent")
        conn.sendall(payload[::-1])
        got = b""
        while len(got) < len(payload):
            chunk = c.recv(65536)
            check(chunk, "TCP: SUB2's side closed early")
            got += chunk
        check(got == payload[::-1], "TCP: SUB2 received other bytes than SUB sent")
        log("TCP: 256 KiB each way through the hairpin")

        # --- ICMP error hairpinned (E25) ---
        srv.close()
        e25 = sock(lab.sub2, socket.SOCK_DGRAM)
        e25.bind((SUB2_ADDR, 0))
        e25.connect(sub_udp_out)
        e25.settimeout(2)
        e25.send(b"nobody listens now")
        try:
            e25.recv(2048)
            raise Failure("E25: a reply came from SUB's closed port")
        except socket.timeout:
            raise Failure("E25: SUB's Port Unreachable was not hairpinned back to SUB2 "
                          "(no ECONNREFUSED on its connected socket in 2 s)") from None
        except ConnectionRefusedError:
            log("E25: SUB's Port Unreachable reached SUB2 (ECONNREFUSED)")
        except OSError as e:
            check(e.errno == errno.ECONNREFUSED, f"E25: {e}")
    finally:
        for s in socks:
            s.close()
        leaks.close()
        if leaks.leaks:
            log(f"hairpin traffic seen at INET: {leaks.leaks[:4]}")
    check(not leaks.leaks, f"{len(leaks.leaks)} hairpinned packets left by the outside port, "
          f"e.g. {leaks.leaks[:2]}")

    # --- ICMP echo to SUB's outside address: reported only ---
    sent, received = lab.ping(lab.sub2, sub_udp_out[0], count=2, wait=1)
    log(f"ICMP echo SUB2 -> SUB's outside address {sub_udp_out[0]}: {received}/{sent} answered "
        "(not required of a NAPT, RFC 5508 REQ-7)")

    after = lab.stats()
    n = after.get("hairpinned", 0) - before.get("hairpinned", 0)
    log(f"hairpinned: +{n}")
    check(n >= 4, f"the NAT's hairpinned counter rose by {n} only")


if __name__ == "__main__":
    main(test, sub2=True)
