# SPDX-License-Identifier: BSD-3-Clause
"""The NAT's DPDK side, as the lab runs it (see lab.py): worker lcores,
hugepages, net_af_packet options, the telemetry socket, and the runtime and
hugepage files of one DPDK file prefix."""

import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess

from lab_common import SRC, log

# DPDK's names. Provisional: keep them here only.
TELEMETRY_SOCKET = "dpdk_telemetry.v2"
DPDK_RUNTIME_ROOT = "/var/run/dpdk"

# Workers: CGNAT_E2E_WORKERS=2 runs every test with two worker lcores. This
# machine has 2 cores, so the layout is 3 lcores on 2 CPUs: the control
# thread on CPU 0, the workers on CPU 1 (both), each polling its own queue
# pair; net_af_packet's fanout spreads flows over the queue pairs, so
# packets reach the worker that does not own them and are handed off.
WORKERS = int(os.environ.get("CGNAT_E2E_WORKERS", "1"))
if WORKERS == 1:
    EAL_LCORE_ARGS = ["-l", "0-1"]
else:
    EAL_LCORE_ARGS = ["--lcores", "0@0," + ",".join(f"{i}@1" for i in range(1, WORKERS + 1))]
HUGEPAGES = 512              # 2 MB pages asked of scripts/hugepages.sh
# Deeper kernel rings than the default 512 frames: on a 2-core machine the
# worker shares a core with the test peers and must ride out being descheduled.
AF_PACKET_FRAMESZ = 2048
AF_PACKET_FRAMECNT = 8192


def af_packet_opts(framesz=AF_PACKET_FRAMESZ):
    """net_af_packet options: frames of `framesz` bytes (a power of two),
    blocks of at least a page, the same ring size in frames."""
    blocksz = max(4096, framesz)
    return f",framesz={framesz},blocksz={blocksz},framecnt={AF_PACKET_FRAMECNT},qpairs={WORKERS}"


AF_PACKET_OPTS = af_packet_opts()


def eal_mem_options():
    """EAL memory options: scripts/hugepages.sh reserves HUGEPAGES pages
    and says which options to use."""
    r = subprocess.run([os.path.join(SRC, "scripts", "hugepages.sh"), str(HUGEPAGES)],
                       capture_output=True, text=True)
    if r.stderr.strip():
        log(r.stderr.strip())
    return r.stdout.split()


def _remove_dpdk_files(prefix):
    """The DPDK runtime directory and hugepage files of one file prefix."""
    if not prefix or "/" in prefix:
        return
    shutil.rmtree(os.path.join(DPDK_RUNTIME_ROOT, prefix), ignore_errors=True)
    with open("/proc/mounts") as f:
        mounts = [line.split()[1] for line in f if line.split()[2] == "hugetlbfs"]
    for mnt in mounts:
        for path in glob.glob(os.path.join(glob.escape(mnt), glob.escape(prefix) + "map_*")):
            with contextlib.suppress(OSError):
                os.unlink(path)


def telemetry(prefix, cmd, timeout=3.0):
    """Send one command to a DPDK app's telemetry socket; return its value.
    Protocol as in dpdk-telemetry.py: the server greets with a JSON object
    holding max_output_len, then answers each command with {cmd: value}."""
    path = os.path.join(DPDK_RUNTIME_ROOT, prefix, TELEMETRY_SOCKET)
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(timeout)
        s.connect(path)
        hello = json.loads(s.recv(1024).decode())
        s.send(cmd.encode())
        reply = json.loads(s.recv(hello["max_output_len"]).decode())
    return reply[cmd.split(",", 1)[0]]
