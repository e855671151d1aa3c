#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: traceroute through the NAT to a host two hops behind it (F28, F30, F32).

Lab(far=True): SUB - NAT - INET (a router) - FAR. `traceroute -n` from SUB
to FAR, UDP probes (the default) and ICMP echo probes (-I):

    hop 1  100.64.0.1     the NAT itself: TTL ran out there, it sends Time
                          Exceeded from its inside address (F32);
    hop 2  198.51.100.1   INET's Time Exceeded, sent to the pool address and
                          translated back to the subscriber: outer destination
                          and the quoted header restored (F28);
    hop 3  198.18.0.2     FAR: its Port Unreachable (UDP, F30: Destination
                          Unreachable translated) or its Echo Reply (ICMP).

traceroute matches each answer to its probe by the quoted header (ports for
UDP, identifier and sequence for ICMP), so a hop is shown only when the NAT
restored the quoted packet exactly. Every probe of every hop must answer from
the expected address (3 probes per hop; a star is a failure), and the NAT's
counters show the Time Exceeded it generated and no ICMP dropped.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import (FAR_ADDR, INET_ADDR, NAT_INSIDE, Failure, check, log, main,  # noqa: E402
                 require)

EXPECT = [NAT_INSIDE, INET_ADDR, FAR_ADDR]
PROBES = 3


def hops(output):
    """{hop: {addrs, answers, stars, line}} from `traceroute -n` output: the
    addresses named on the hop's line, how many probes got a time, how many
    got a star."""
    res = {}
    for line in output.splitlines()[1:]:
        m = re.match(r"\s*(\d+)\s+(.*)", line)
        if m:
            rest = m.group(2)
            res[int(m.group(1))] = {"addrs": re.findall(r"\b\d+\.\d+\.\d+\.\d+\b", rest),
                                    "answers": len(re.findall(r"[\d.]+ ms", rest)),
                                    "stars": rest.count("*"), "line": line.strip()}
    return res


def trace(lab, mode):
    args = ["traceroute", "-n", "-q", PROBES, "-w", "2", "-m", "5"]
    if mode == "icmp":
        args.append("-I")
    r = lab.run(lab.sub, *args, FAR_ADDR, check=False, timeout=30)
    log(f"traceroute ({mode}):\n{r.stdout}{r.stderr}")
    check(r.returncode == 0, f"traceroute ({mode}) exited {r.returncode}: {r.stderr}")
    got = hops(r.stdout)
    for n, want in enumerate(EXPECT, 1):
        h = got.get(n)
        check(h is not None, f"traceroute ({mode}): no hop {n} in the output")
        check(h["addrs"] and set(h["addrs"]) == {want},
              f"traceroute ({mode}) hop {n}: expected {want}, got '{h['line']}'")
        check(h["answers"] == PROBES and h["stars"] == 0,
              f"traceroute ({mode}) hop {n}: {h['answers']} of {PROBES} probes answered: "
              f"'{h['line']}'")
        check("!" not in h["line"], f"traceroute ({mode}) hop {n}: annotated '{h['line']}'")
    check(max(got) == len(EXPECT),
          f"traceroute ({mode}) went on past FAR (hops {sorted(got)}): the final answer "
          f"(port unreachable / echo reply) did not reach SUB")


def test(lab):
    require("traceroute")
    # Warm up: the NAT and INET resolve each other's MAC addresses.
    sent, received = lab.ping(lab.sub, FAR_ADDR, count=2)
    check(received > 0, f"SUB cannot ping FAR ({received}/{sent}): the lab is broken")
    before = lab.stats()
    errors = []
    for mode in ("udp", "icmp"):
        try:
            trace(lab, mode)
        except Failure as e:
            errors.append(str(e))
    after = lab.stats()
    delta = {k: after[k] - before[k] for k in after
             if isinstance(after[k], int) and isinstance(before.get(k), int)
             and after[k] != before[k]}
    log(f"NAT counters during the traces: {delta}")
    check(not errors, "; ".join(errors))
    # hop 1: 2 x PROBES Time Exceeded made by the NAT itself (F32)
    check(delta.get("drop_ttl_exceeded", 0) >= 2 * PROBES,
          f"drop_ttl_exceeded rose by {delta.get('drop_ttl_exceeded', 0)}, "
          f"expected >= {2 * PROBES}")
    icmp_drops = {k: v for k, v in delta.items() if k.startswith("drop_icmp")}
    check(not icmp_drops, f"the NAT dropped ICMP during the traces: {icmp_drops}")


if __name__ == "__main__":
    main(test, far=True)
