#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: telemetry counters add up and describe what happened.

After ping, UDP, TCP and a few unsolicited packets: /cgnat/stats satisfies
rx = tx + consumed + dropped (the NAT is idle while we read, so nothing is in
flight), the drops are the named ones we caused; /cgnat/sessions counts the
sessions by protocol; /cgnat/pool shows one subscriber holding blocks of the
pool; the NIC counters agree with ours.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, POOL, check, log, main  # noqa: E402


def test(lab):
    lab.ping(lab.sub, INET_ADDR, count=3)
    srv = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((INET_ADDR, 7000))
    srv.settimeout(3)
    cli = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(10):
        cli.sendto(b"x%d" % i, (INET_ADDR, 7000))
        data, peer = srv.recvfrom(100)
        srv.sendto(data, peer)
    listener = lab.socket(lab.inet)
    listener.bind((INET_ADDR, 7001))
    listener.listen(4)
    listener.settimeout(5)
    with lab.socket(lab.sub) as c:
        c.settimeout(5)
        c.connect((INET_ADDR, 7001))
        conn, _ = listener.accept()
        conn.sendall(b"hello")
        check(c.recv(10) == b"hello", "TCP data did not arrive")
        conn.close()
    # Three unsolicited packets to a pool port with no mapping.
    uns = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(3):
        uns.sendto(b"unsolicited", (str(POOL[5]), 4000))
    uns.close()
    time.sleep(0.5)

    s = lab.stats()
    log(f"rx {s['rx']} tx {s['tx']} consumed {s['consumed']} dropped {s['dropped']}, "
        f"drops {lab.drops(s)}")
    check(s["rx"] == s["tx"] + s["consumed"] + s["dropped"],
          f"rx {s['rx']} != tx {s['tx']} + consumed {s['consumed']} + dropped {s['dropped']}")
    check(s["rx"] == s["rx_inside"] + s["rx_outside"], "rx is not the sum of both sides")
    check(s["dropped"] == sum(v for k, v in s.items() if k.startswith("drop_")),
          "dropped is not the sum of the drop_* counters")
    check(s["drop_out_no_mapping"] >= 3, "the unsolicited packets were not counted")
    check(s["tx_outside"] >= 3 + 10 + 3, f"tx_outside {s['tx_outside']} too small")
    check(s["consumed"] >= 1, "no ARP or ping to the NAT was counted as consumed")
    check(s["arp_rx"] >= 1 and s["arp_replies_sent"] >= 1, "no ARP handled")
    check(s["port_inside_ipackets"] >= s["rx_inside"],
          "NIC inside ipackets below what the worker received")
    check(s["sessions_created"] >= 3, "sessions_created < 3")
    check(s["blocks_allocated"] >= 1, "no port block allocated")

    ss = lab.sessions()
    log(f"sessions: {ss}")
    check(ss["icmp"] >= 1 and ss["udp"] >= 1 and ss["tcp"] >= 1,
          "sessions by protocol missing one")
    check(ss["total"] == ss["tcp"] + ss["udp"] + ss["icmp"], "session total wrong")
    check(ss["tcp_closing"] + ss["tcp_fin_wait"] + ss["tcp_established"] >= 1,
          "the TCP session is in no plausible state")

    p = lab.pool()
    log(f"pool: {p}")
    check(p["addresses"] == POOL.num_addresses, "pool address count")
    # Ours, and 100.64.0.5 which config/cgnat.conf's static mapping pins.
    check(p["subscribers"] == 2, "two subscribers expected (SUB and the static one)")
    check(p["mappings"] == 3 + 1, "three dynamic mappings and the static one expected")
    check(p["blocks_used"] >= 1, "no block in use")
    check(p["blocks_used"] + p["blocks_free"] == p["blocks_total"], "blocks do not add up")
    for sock in (srv, cli, listener):
        sock.close()


if __name__ == "__main__":
    main(test)
