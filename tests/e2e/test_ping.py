#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: ping through the NAT, and ping the NAT's own addresses.

- SUB pings 198.51.100.1 (INET) through the NAT: replies come back, and the
  echo requests that reach INET carry a pool source address, never 100.64/10.
- SUB pings the NAT's inside address 100.64.0.1; INET pings its outside
  address 198.51.100.2: the NAT answers both itself.
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, NAT_INSIDE, NAT_OUTSIDE, check, in_pool, log, main, parse_ipv4  # noqa: E402

COUNT = 5


def drain(sock):
    pkts = []
    sock.setblocking(False)
    while True:
        try:
            pkts.append(sock.recv(65535))
        except BlockingIOError:
            return pkts


def test(lab):
    # A raw ICMP socket in INET gets a copy of every ICMP packet INET receives.
    with lab.socket(lab.inet, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sniff:
        tx, rx = lab.ping(lab.sub, INET_ADDR, count=COUNT)
        requests = [p for p in map(parse_ipv4, drain(sniff)) if p and p["icmp_type"] == 8]
    log(f"SUB -> {INET_ADDR}: {tx} sent, {rx} received")
    # The NAT may drop the very first packet while it resolves its gateway.
    check(tx == COUNT and rx >= COUNT - 1, f"ping {INET_ADDR} from SUB: {rx}/{tx} replies")
    sources = sorted({p["src"] for p in requests})
    log(f"echo requests seen in INET came from {sources}")
    check(requests, "INET saw no echo request")
    check(all(in_pool(s) for s in sources), f"echo requests reached INET from {sources}, "
          "not only from the pool: no translation")

    for ns, addr in ((lab.sub, NAT_INSIDE), (lab.inet, NAT_OUTSIDE)):
        tx, rx = lab.ping(ns, addr, count=3)
        log(f"{ns} -> {addr}: {tx} sent, {rx} received")
        check(tx == 3 and rx == 3, f"ping {addr} (the NAT itself) from {ns}: {rx}/{tx} replies")


if __name__ == "__main__":
    main(test)
