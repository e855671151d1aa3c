#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: iperf3 UDP through the NAT (3 s at 20 Mbit/s, SUB -> INET).

Datagrams get through, the loss is reported, and the server saw the client at
a pool address.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import check, log, main  # noqa: E402
from test_iperf_tcp import iperf  # noqa: E402


def test(lab):
    client, _ = iperf(lab, "-u", "-b", "20M")
    s = client["end"]["sum"]
    check("lost_percent" in s, f"no loss reported: {s}")
    log(f"UDP: {s['packets']} datagrams, {s['lost_packets']} lost ({s['lost_percent']:.2f} %), "
        f"jitter {s['jitter_ms']:.3f} ms, {s['bits_per_second'] / 1e6:.1f} Mbit/s")
    check(s["bytes"] > 0 and s["packets"] > s["lost_packets"], "no datagram got through")


if __name__ == "__main__":
    main(test)
