#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: unsolicited inbound traffic does not reach the subscriber (B11).

1. A solicited UDP exchange SUB -> INET works and shows its outside tuple.
2. While a packet socket in SUB watches sub0, INET sends a TCP SYN (a real
   connect()) and a UDP datagram, from a marker source port, to each pool
   address 203.0.113.1-6 at a port with no mapping.
3. None of them reaches SUB, while a solicited reply sent in the same window
   does (so the watcher works); the NAT's no-mapping drop counter rises.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import (INET_ADDR, POOL, STAT_DROP_NO_MAPPING, STAT_DROPPED, SUB_ADDR,  # noqa: E402
                 check, in_pool, log, main, parse_ipv4)

ETH_P_ALL = 0x0003
ECHO_PORT = 9999
MARK_TCP = 47001      # source ports INET's unsolicited packets come from
MARK_UDP = 47002
TARGET_PORT = 40000   # the outside port they go to (unless mapped)


def exchange(cli, srv, msg):
    """SUB -> INET and back; the outside (address, port) INET saw."""
    cli.sendto(msg, (INET_ADDR, ECHO_PORT))
    data, peer = srv.recvfrom(2048)
    check(data == msg, f"server got {data!r}")
    srv.sendto(b"re:" + data, peer)
    data, src = cli.recvfrom(2048)
    check(data == b"re:" + msg and src == (INET_ADDR, ECHO_PORT), f"reply {data!r} from {src}")
    return peer


def test(lab):
    srv = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((INET_ADDR, ECHO_PORT))
    srv.settimeout(3)
    cli = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    cli.bind((SUB_ADDR, 0))
    cli.settimeout(3)
    # 1. solicited: works (the first datagram may be lost to ARP: retry once)
    try:
        mapped = exchange(cli, srv, b"solicited 1")
    except socket.timeout:
        mapped = exchange(cli, srv, b"solicited 2")
    log(f"solicited flow SUB {cli.getsockname()} -> {INET_ADDR}:{ECHO_PORT} "
        f"left as {mapped}")
    check(in_pool(mapped[0]), f"solicited flow left as {mapped}: no translation")

    stats = lab.stats()
    stats_key = STAT_DROP_NO_MAPPING if STAT_DROP_NO_MAPPING in stats else STAT_DROPPED
    before = stats[stats_key]

    # 2. unsolicited, watched from SUB
    sniff = lab.socket(lab.sub, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sniff.bind(("sub0", 0))
    sniff.setblocking(False)
    targets = [(str(a), TARGET_PORT if (str(a), TARGET_PORT) != mapped else TARGET_PORT + 1)
               for a in POOL.hosts()]
    syns = []
    for addr, port in targets:
        t = lab.socket(lab.inet)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((INET_ADDR, MARK_TCP))
        t.setblocking(False)
        try:
            t.connect((addr, port))   # sends the SYN; nobody may answer
        except BlockingIOError:
            pass
        syns.append(t)
    u = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((INET_ADDR, MARK_UDP))
    for addr, port in targets:
        u.sendto(b"unsolicited", (addr, port))
    time.sleep(1.5)               # leaves time for one SYN retransmission
    exchange(cli, srv, b"control")  # must reach SUB through the watcher
    time.sleep(0.2)

    leaked, control_seen, n_frames = [], False, 0
    while True:
        try:
            frame = sniff.recv(65535)
        except BlockingIOError:
            break
        n_frames += 1
        p = parse_ipv4(frame, ethernet=True)
        if not p:
            continue
        if p["sport"] in (MARK_TCP, MARK_UDP):
            leaked.append(p)
        if p["proto"] == socket.IPPROTO_UDP and p["sport"] == ECHO_PORT and p["dst"] == SUB_ADDR:
            control_seen = True
    for s in syns + [u, sniff, srv, cli]:
        s.close()
    after = lab.stats()[stats_key]
    log(f"SUB saw {n_frames} frames, {len(leaked)} unsolicited; {stats_key}: {before} -> {after}")
    check(control_seen, "the watcher in SUB did not see the solicited reply: test broken")
    check(not leaked, f"unsolicited packets reached SUB: {leaked[:4]}")
    # one SYN (plus a retransmission) and one datagram per target
    check(after - before >= 2 * len(targets),
          f"{stats_key} rose by {after - before}, expected >= {2 * len(targets)}")


if __name__ == "__main__":
    main(test)
