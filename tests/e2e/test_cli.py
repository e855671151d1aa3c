#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: the interactive prompt (-i).

The NAT runs with -i and its standard input is a pipe. After a ping:
`show stats`, then `clear stats` and `show stats` again (nothing happened
since: no packet counted), then N_UDP datagrams from SUB to INET (INET
receives all of them) and `show stats`: tx_outside is N_UDP, one session
and one mapping were created, while telemetry still counts from the start
(its tx_outside rose by N_UDP over the same time); `show sessions` lists
as many sessions as the `sessions` gauge holds (the ping's and the UDP
flow's, two); `show pool`, `help`; `quit` stops the NAT with exit code 0
and a flushed mapping log.
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, SUB_ADDR, check, log, main, shlex  # noqa: E402

N_UDP = 7
CLEARED = "counters cleared"


def say(lab, line, wait=0.3):
    lab.nat_proc.stdin.write((line + "\n").encode())
    lab.nat_proc.stdin.flush()
    time.sleep(wait)


def totals(text):
    """The counters of each `show stats` in text: its Totals block."""
    blocks = []
    for part in text.split("Totals")[1:]:
        kv = {}
        for line in part.splitlines()[1:]:
            m = re.fullmatch(r"  (\w+)\s+(\d+)", line.rstrip())
            if not m:
                break
            kv[m.group(1)] = int(m.group(2))
        blocks.append(kv)
    return blocks


def udp_burst(lab):
    srv = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind((INET_ADDR, 7300))
    srv.settimeout(3)
    cli = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(N_UDP):
        cli.sendto(b"d%d" % i, (INET_ADDR, 7300))
        srv.recvfrom(100)
    cli.close()
    srv.close()
    time.sleep(0.3)


def check_clear(text, t0, t1):
    check(CLEARED in text, f"'{CLEARED}' missing after clear stats")
    after = totals(text.split(CLEARED, 1)[1])
    check(len(after) == 2, f"{len(after)} stats blocks after clear stats, want 2")
    idle, burst = after
    log(f"after clear: {idle.get('rx')} rx {idle.get('tx')} tx; after {N_UDP} datagrams: "
        f"tx_outside {burst.get('tx_outside')} sessions_created {burst.get('sessions_created')}")
    check(idle["tx"] == 0 and idle["dropped"] == 0 and idle["sessions_created"] == 0,
          f"show stats right after clear stats: tx {idle['tx']} dropped {idle['dropped']} "
          f"sessions_created {idle['sessions_created']}, want 0")
    check(burst["tx_outside"] == N_UDP,
          f"tx_outside {burst['tx_outside']} after clear stats and {N_UDP} datagrams")
    check(burst["sessions_created"] == 1 and burst["mappings_created"] == 1,
          f"sessions_created {burst['sessions_created']} mappings_created "
          f"{burst['mappings_created']} since clear stats, want 1 and 1")
    check(t1["tx_outside"] - t0["tx_outside"] == N_UDP,
          f"telemetry tx_outside {t0['tx_outside']} -> {t1['tx_outside']}")
    check(t1["tx_outside"] > N_UDP, "telemetry lost its totals at clear stats")


def test(lab):
    cmd = lab.nat_command(interactive=True)
    log(shlex.join(cmd))
    out = open(lab.nat_log, "wb")
    lab.nat_proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
    lab.wait_ready()
    lab.ping(lab.sub, INET_ADDR, count=2)
    say(lab, "show stats")
    t0 = lab.stats()
    say(lab, "clear stats")
    say(lab, "show stats")
    udp_burst(lab)
    t1 = lab.stats()
    say(lab, "show stats")
    say(lab, "show sessions")
    gauge = lab.stats()["sessions"]
    for line in ("show pool", "help", "quit"):
        say(lab, line)
    rc = lab.nat_proc.wait(10)
    out.close()
    text = lab.nat_output(tail=2000)
    log(text[-3000:])
    check(rc == 0, f"exit code {rc} after quit")
    for want in ("rx_inside", "consumed", "dropped",            # show stats
                 "Sessions:", "icmp", SUB_ADDR,                # show sessions
                 "blocks_used", "blocks_free", "addresses",   # show pool
                 "show sessions", "quit"):                    # help
        check(want in text, f"'{want}' missing from the prompt's output")
    check_clear(text, t0, t1)
    listed = re.findall(r"(?m)^  w\d+ (?:tcp|udp|icmp) ", text.rsplit("Sessions:", 1)[1])
    check(len(listed) == gauge == 2,
          f"show sessions lists {len(listed)} sessions, the gauge says {gauge}, we made 2")
    check(os.path.getsize(lab.mapping_log) > 0, "mapping log empty after quit")


if __name__ == "__main__":
    main(test, start_nat=False)
