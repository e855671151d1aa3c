#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: SIGTERM stops the NAT cleanly and flushes the mapping log.

After ICMP, UDP and TCP traffic from SUB, and UDP from three more
subscriber addresses (so port blocks were allocated, one per subscriber), the
NAT gets SIGTERM: it exits 0 within 5 s, and the mapping log (logging.file)
is non-empty and names the subscriber 100.64.0.2 and a pool address. The
log's block lines: as many block-alloc lines as telemetry's
blocks_allocated said before the stop, each block the UDP and TCP flows
left from (as INET saw them) among them, and at shutdown every allocated
block released: a block-release line for each block-alloc line (same
subscriber, address and ports), after it.
"""
import ipaddress
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, POOL, SUB_ADDR, check, log, main  # noqa: E402

STOP_WITHIN = 5.0
EXTRA_SUBS = ["100.64.2.1", "100.64.2.2", "100.64.2.3"]


def traffic(lab):
    lab.ping(lab.sub, INET_ADDR, count=2)
    srv = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((INET_ADDR, 9999))
    srv.settimeout(3)
    cli = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    cli.sendto(b"x", (INET_ADDR, 9999))
    _, peer = srv.recvfrom(100)
    log(f"UDP left as {peer}")
    seen = [(SUB_ADDR, peer)]
    # More subscribers (secondary addresses of SUB), a block each.
    for a in EXTRA_SUBS:
        lab.run(lab.sub, "ip", "addr", "add", f"{a}/10", "dev", "sub0")
        with lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM) as c:
            c.bind((a, 0))
            c.sendto(b"y", (INET_ADDR, 9999))
            _, peer = srv.recvfrom(100)
        seen.append((a, peer))
    listener = lab.socket(lab.inet)
    listener.bind((INET_ADDR, 9998))
    listener.listen(1)
    listener.settimeout(5)
    with lab.socket(lab.sub) as c:
        c.settimeout(5)
        c.connect((INET_ADDR, 9998))
        conn, peer = listener.accept()
        log(f"TCP left as {peer}")
        seen.append((SUB_ADDR, peer))
        conn.close()
    for s in (srv, cli, listener):
        s.close()
    return seen


BLOCK_LINE = re.compile(r"(\S+Z) (block-alloc|block-release) subscriber=(\S+) "
                        r"outside=(\S+) ports=(\d+)-(\d+)")


def check_blocks(text, allocated, seen):
    """Every allocated block released after its allocation, once."""
    lines = [m.groups() for m in map(BLOCK_LINE.fullmatch, text.splitlines()) if m]
    allocs = [(i, g[2:]) for i, g in enumerate(lines) if g[1] == "block-alloc"]
    releases = [(i, g[2:]) for i, g in enumerate(lines) if g[1] == "block-release"]
    log(f"{len(allocs)} block-alloc, {len(releases)} block-release lines")
    check(len(allocs) == allocated,
          f"{len(allocs)} block-alloc lines, telemetry counted {allocated} blocks allocated")
    for sub, (a, port) in seen:
        check(any(b[0] == sub and b[1] == a and int(b[2]) <= port <= int(b[3])
                  for _, b in allocs), f"no block-alloc line for {sub}'s block of {a}:{port}")
    check(len({b[0] for _, b in allocs}) == 1 + len(EXTRA_SUBS),
          f"block-alloc lines for {sorted({b[0] for _, b in allocs})}")
    check(sorted(b for _, b in allocs) == sorted(b for _, b in releases),
          f"blocks allocated {sorted(b for _, b in allocs)} != released "
          f"{sorted(b for _, b in releases)}")
    for i, b in allocs:
        check(any(j > i and r == b for j, r in releases), f"block {b} released before allocated")


def test(lab):
    seen = traffic(lab)
    allocated = lab.stats()["blocks_allocated"]
    check(allocated >= 1, "no block allocated")
    t0 = time.monotonic()
    rc = lab.stop_nat(timeout=STOP_WITHIN)
    took = time.monotonic() - t0
    log(f"NAT exit code {rc} after {took:.2f} s")
    check(rc == 0, f"NAT exit code {rc} (None: still running {STOP_WITHIN} s after SIGTERM)")
    check(os.path.exists(lab.mapping_log), f"no mapping log at {lab.mapping_log}")
    with open(lab.mapping_log, errors="replace") as f:
        text = f.read()
    log(f"mapping log, {len(text.splitlines())} lines:\n{text[:1000]}")
    check(text.strip(), "the mapping log is empty")
    check(SUB_ADDR in text, f"the mapping log does not name the subscriber {SUB_ADDR}")
    addrs = re.findall(r"\b(?:\d{1,3}\.){3}\d{1,3}\b", text)
    check(any(ipaddress.ip_address(a) in POOL for a in addrs),
          "the mapping log names no pool address")
    check_blocks(text, allocated, seen)


if __name__ == "__main__":
    main(test)
