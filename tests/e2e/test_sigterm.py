#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: SIGTERM stops the NAT cleanly and flushes the mapping log.

After ICMP, UDP and TCP traffic from SUB (so port blocks were allocated), the
NAT gets SIGTERM: it exits 0 within 5 s, and the mapping log (logging.file)
is non-empty and names the subscriber 100.64.0.2 and a pool address.
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


def traffic(lab):
    lab.ping(lab.sub, INET_ADDR, count=2)
    srv = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((INET_ADDR, 9999))
    srv.settimeout(3)
    cli = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    cli.sendto(b"x", (INET_ADDR, 9999))
    _, peer = srv.recvfrom(100)
    log(f"UDP left as {peer}")
    listener = lab.socket(lab.inet)
    listener.bind((INET_ADDR, 9998))
    listener.listen(1)
    listener.settimeout(5)
    with lab.socket(lab.sub) as c:
        c.settimeout(5)
        c.connect((INET_ADDR, 9998))
        conn, peer = listener.accept()
        log(f"TCP left as {peer}")
        conn.close()
    for s in (srv, cli, listener):
        s.close()


def test(lab):
    traffic(lab)
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


if __name__ == "__main__":
    main(test)
