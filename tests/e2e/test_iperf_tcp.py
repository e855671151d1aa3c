#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: iperf3 TCP through the NAT (3 s, SUB -> INET).

Data flows (bytes received > 0), and the server saw the client at a pool
address.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, check, in_pool, log, main  # noqa: E402

PORT = 5201
SECONDS = 3


def iperf(lab, *client_args):
    """Run one iperf3 test; (client JSON, server JSON)."""
    server = lab.start(lab.inet, ["iperf3", "-s", "-1", "-J", "-B", INET_ADDR, "-p", PORT],
                       label="iperf3-server")
    lab.wait_listening(lab.inet, PORT, proc=server)
    r = lab.run(lab.sub, "iperf3", "-c", INET_ADDR, "-p", PORT, "-t", SECONDS, "-J",
                "--connect-timeout", 5000, *client_args, check=False, timeout=SECONDS + 20)
    try:
        client = json.loads(r.stdout)
    except ValueError:
        client = {"error": f"no JSON from the client (exit {r.returncode}): {r.stdout}{r.stderr}"}
    check("error" not in client, f"iperf3 client: {client.get('error')}")
    server.wait(10)
    out, err = lab.output(server)
    try:
        srv = json.loads(out)
    except ValueError:
        srv = {"error": f"no JSON from the server: {out}{err}"}
    check("error" not in srv, f"iperf3 server: {srv.get('error')}")
    remotes = {c["remote_host"] for c in srv["start"]["connected"]}
    log(f"server saw the client at {sorted(remotes)}")
    check(remotes and all(in_pool(a) for a in remotes),
          f"iperf3 server saw {sorted(remotes)}: not pool addresses")
    return client, srv


def test(lab):
    client, _ = iperf(lab)
    recv = client["end"]["sum_received"]
    sent = client["end"]["sum_sent"]
    log(f"TCP: sent {sent['bytes']} B, received {recv['bytes']} B, "
        f"{recv['bits_per_second'] / 1e6:.1f} Mbit/s, retransmits {sent.get('retransmits')}")
    check(recv["bytes"] > 0, "no data received")


if __name__ == "__main__":
    main(test)
