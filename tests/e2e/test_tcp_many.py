#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: 1000 short TCP connections through the NAT, 100 at a time.

A threaded TCP echo server in INET records each peer; clients in SUB connect,
send a line, read it back and close. All 1000 succeed and every peer the
server saw is a pool address.
"""
import concurrent.futures
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, check, in_pool, log, main  # noqa: E402

PORT = 7007
TOTAL = 1000
BATCH = 100


class EchoServer:
    def __init__(self, lab):
        self.sock = lab.socket(lab.inet)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((INET_ADDR, PORT))
        self.sock.listen(1024)
        self.sock.settimeout(0.2)
        self.peers = []
        self.stop = threading.Event()
        self.pool = concurrent.futures.ThreadPoolExecutor(32)
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    def accept_loop(self):
        while not self.stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except socket.timeout:
                continue
            self.peers.append(peer)
            self.pool.submit(self.echo, conn)

    @staticmethod
    def echo(conn):
        with conn:
            conn.settimeout(10)
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(256)
                if not chunk:
                    return
                data += chunk
            conn.sendall(data)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.pool.shutdown()
        self.sock.close()


def one(lab, i):
    """One connection; None on success, else what went wrong."""
    msg = b"hello %d\n" % i
    try:
        with lab.socket(lab.sub) as s:
            s.settimeout(10)
            s.connect((INET_ADDR, PORT))
            s.sendall(msg)
            data = b""
            while len(data) < len(msg):
                chunk = s.recv(256)
                if not chunk:
                    break
                data += chunk
        return None if data == msg else f"connection {i}: echo {data!r}"
    except OSError as e:
        return f"connection {i}: {e}"


def test(lab):
    server = EchoServer(lab)
    t0 = time.monotonic()
    try:
        errors = []
        with concurrent.futures.ThreadPoolExecutor(BATCH) as ex:
            for first in range(0, TOTAL, BATCH):
                errors += [e for e in ex.map(lambda i: one(lab, i), range(first, first + BATCH))
                           if e]
                if errors:   # no point waiting out 10 s timeouts batch after batch
                    break
    finally:
        server.close()
    took = time.monotonic() - t0
    log(f"{len(server.peers)} connections accepted, {len(errors)} failed, in {took:.1f} s")
    check(not errors, f"{len(errors)} connections failed (stopped at the first failing batch), "
          f"e.g. {errors[:5]}")
    peers = server.peers
    addrs = {a for a, _ in peers}
    log(f"server saw {len(peers)} connections from {len(set(peers))} outside tuples "
        f"on addresses {sorted(addrs)}")
    check(len(peers) == TOTAL, f"server accepted {len(peers)} connections, not {TOTAL}")
    check(all(in_pool(a) for a in addrs), f"server saw {sorted(addrs)}: not only pool addresses")


if __name__ == "__main__":
    main(test)
