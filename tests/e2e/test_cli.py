#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: the interactive prompt (-i).

The NAT runs with -i and its standard input is a pipe: after traffic,
`show stats`, `show sessions`, `show pool`, `help` print what telemetry says,
and `quit` stops the NAT with exit code 0 and a flushed mapping log.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, SUB_ADDR, check, log, main, shlex  # noqa: E402


def test(lab):
    cmd = lab.nat_command(interactive=True)
    log(shlex.join(cmd))
    out = open(lab.nat_log, "wb")
    lab.nat_proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
    lab.wait_ready()
    lab.ping(lab.sub, INET_ADDR, count=2)
    stdin = lab.nat_proc.stdin
    for line in ("show stats", "show sessions", "show pool", "help", "quit"):
        stdin.write((line + "\n").encode())
        stdin.flush()
        time.sleep(0.3)
    rc = lab.nat_proc.wait(10)
    out.close()
    text = lab.nat_output(tail=400)
    log(text[-3000:])
    check(rc == 0, f"exit code {rc} after quit")
    for want in ("rx_inside", "consumed", "dropped",            # show stats
                 "Sessions:", "icmp", SUB_ADDR,                # show sessions
                 "blocks_used", "blocks_free", "addresses",   # show pool
                 "show sessions", "quit"):                    # help
        check(want in text, f"'{want}' missing from the prompt's output")
    check(os.path.getsize(lab.mapping_log) > 0, "mapping log empty after quit")


if __name__ == "__main__":
    main(test, start_nat=False)
