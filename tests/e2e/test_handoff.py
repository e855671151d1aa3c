#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e (multi-worker): subscriber pinning and handoff to the owning worker.

Run with CGNAT_E2E_WORKERS=2 (meson's e2e-mw suite). 64 subscribers
(100.64.1.1-64, secondary addresses of SUB) each run a UDP exchange and a
TCP connection with INET. net_af_packet spreads flows over both workers'
queues without regard to subscribers, so packets reach the worker that does
not own their subscriber (in2out) or port block (out2in) and must be handed
off. Checks: every reply arrives; packets were handed off both ways; both
workers own subscribers and sessions; each worker's counters add up with
its handoffs, and the totals add up; the NAT holds as many subscribers and
sessions (by the gauge and by protocol) as we made.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, WORKERS, check, in_pool, log, main  # noqa: E402

N_SUBS = 64
UDP_PORT = 7100
TCP_PORT = 7101


def test(lab):
    check(WORKERS >= 2, "run with CGNAT_E2E_WORKERS=2")
    subs = [f"100.64.1.{i}" for i in range(1, N_SUBS + 1)]
    for a in subs:
        lab.run(lab.sub, "ip", "addr", "add", f"{a}/10", "dev", "sub0")

    srv = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((INET_ADDR, UDP_PORT))
    srv.settimeout(0.2)
    listener = lab.socket(lab.inet)
    listener.bind((INET_ADDR, TCP_PORT))
    listener.listen(N_SUBS)
    listener.settimeout(5)

    clients = []
    for a in subs:
        c = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
        c.bind((a, 0))
        c.settimeout(3)
        clients.append(c)
    # Each subscriber sends; the server echoes to the outside tuple it saw.
    seen = set()
    for c in clients:
        c.sendto(b"ping", (INET_ADDR, UDP_PORT))
    deadline = time.monotonic() + 5
    while len(seen) < N_SUBS and time.monotonic() < deadline:
        try:
            data, peer = srv.recvfrom(100)
        except socket.timeout:
            continue
        seen.add(peer)
        srv.sendto(b"pong", peer)
    check(len(seen) == N_SUBS, f"server saw {len(seen)} of {N_SUBS} subscribers")
    check(all(in_pool(p[0]) for p in seen), "a source was not a pool address")
    got = 0
    for c in clients:
        data, _ = c.recvfrom(100)
        got += data == b"pong"
    check(got == N_SUBS, f"{got} of {N_SUBS} replies arrived")

    # TCP from every subscriber too.
    for a in subs:
        with lab.socket(lab.sub) as t:
            t.settimeout(5)
            t.bind((a, 0))
            t.connect((INET_ADDR, TCP_PORT))
            conn, peer = listener.accept()
            check(in_pool(peer[0]), f"TCP from {a} arrived from {peer}")
            conn.sendall(b"ok")
            check(t.recv(10) == b"ok", f"TCP reply to {a} lost")
            conn.close()
    time.sleep(0.5)

    total = lab.stats()
    per = [lab.telemetry(f"/cgnat/stats,{w}") for w in range(WORKERS)]
    for w, s in enumerate(per):
        log(f"worker {w}: rx {s['rx']} handoff_in {s['handoff_in']} tx {s['tx']} "
            f"consumed {s['consumed']} dropped {s['dropped']} handoff_out {s['handoff_out']} "
            f"sessions {s['sessions']} subscribers {s['subscribers']}")
        check(s["rx"] + s["handoff_in"] ==
              s["tx"] + s["consumed"] + s["dropped"] + s["handoff_out"],
              f"worker {w}: rx + handoff_in != tx + consumed + dropped + handoff_out")
        check(s["subscribers"] > 0 and s["sessions"] > 0,
              f"worker {w} owns no subscriber or session: pinning does not spread")
    check(total["rx"] == total["tx"] + total["consumed"] + total["dropped"],
          "totals do not add up")
    check(total["handoff_out"] == total["handoff_in"] > 0,
          f"handoffs out {total['handoff_out']} / in {total['handoff_in']}")
    check(total["drop_handoff_full"] == 0, "handoff ring overflowed")
    # Against what we made: each subscriber one UDP and one TCP session
    # (closed TCP sessions linger in their closing state), plus the static
    # subscriber 100.64.0.5 that config/cgnat.conf pins.
    ss = lab.sessions()
    log(f"sessions: {ss}")
    check(total["subscribers"] == N_SUBS + 1,
          f"{total['subscribers']} subscribers, we have {N_SUBS} and the static one")
    check((ss["udp"], ss["tcp"]) == (N_SUBS, N_SUBS),
          f"sessions udp {ss['udp']} tcp {ss['tcp']}, we made {N_SUBS} of each")
    check(total["sessions"] == 2 * N_SUBS,
          f"sessions gauge {total['sessions']}, we made {2 * N_SUBS}")
    check(total["sessions_created"] == 2 * N_SUBS,
          f"sessions_created {total['sessions_created']}, we made {2 * N_SUBS}")
    for c in clients + [srv, listener]:
        c.close()


if __name__ == "__main__":
    main(test)
