#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: a UDP exchange through the NAT.

A server in INET answers every datagram to the source it saw. A client in SUB,
from one socket, sends datagrams one at a time and then in a burst: every reply
arrives with the right payload, from the server's own address and port; the
server only ever saw one pool (address, port) (one inside source, one mapping).
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, SUB_ADDR, Failure, check, in_pool, log, main  # noqa: E402

PORT = 9999
ONE_BY_ONE = 100
BURST = 100


def serve(sock, seen, stop):
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(2048)
        except socket.timeout:
            continue
        seen.append(peer)
        sock.sendto(b"re:" + data, peer)


def test(lab):
    srv = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((INET_ADDR, PORT))
    srv.settimeout(0.2)
    seen, stop = [], threading.Event()
    thread = threading.Thread(target=serve, args=(srv, seen, stop), daemon=True)
    thread.start()
    cli = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    cli.bind((SUB_ADDR, 0))
    try:
        # Warm-up: the first datagram may be lost while the NAT resolves its
        # gateway; retry it for up to 5 s.
        cli.settimeout(0.5)
        deadline = time.monotonic() + 5
        while True:
            cli.sendto(b"warm-up", (INET_ADDR, PORT))
            try:
                cli.recvfrom(2048)
                break
            except socket.timeout:
                check(time.monotonic() < deadline, "no UDP reply at all in 5 s")
        cli.settimeout(2.0)
        for i in range(ONE_BY_ONE):
            msg = b"one %d" % i
            cli.sendto(msg, (INET_ADDR, PORT))
            try:
                data, src = cli.recvfrom(2048)
            except socket.timeout:
                raise Failure(f"no reply to datagram {i} of {ONE_BY_ONE}") from None
            check(data == b"re:" + msg, f"datagram {i}: reply {data!r}")
            check(src == (INET_ADDR, PORT), f"reply came from {src}")
        for i in range(BURST):
            cli.sendto(b"burst %d" % i, (INET_ADDR, PORT))
        got = set()
        try:
            while len(got) < BURST:
                data, src = cli.recvfrom(2048)
                check(src == (INET_ADDR, PORT), f"reply came from {src}")
                got.add(data)
        except socket.timeout:
            pass
        check(len(got) == BURST, f"burst: {len(got)} of {BURST} replies")
    finally:
        stop.set()
        thread.join()
        srv.close()
        cli.close()
    peers = set(seen)
    log(f"{len(seen)} datagrams reached the server, from {sorted(peers)}")
    check(all(in_pool(a) for a, _ in peers), f"server saw {sorted(peers)}: not pool addresses")
    check(len(peers) == 1, f"one inside socket showed as {len(peers)} outside tuples "
          "(endpoint-independent mapping expected)")


if __name__ == "__main__":
    main(test)
