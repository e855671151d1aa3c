#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The cgnat namespace lab: real Linux hosts on both sides of the NAT.

Topology (one network namespace per box; every link a veth pair):

    SUB  (100.64.0.2/10) sub0 ─┐
                               ├─ br0 ─ lan0 ══ nin  [NAT]  nout ══ inet0  INET (198.51.100.1/24)
    SUB2 (100.64.0.3/10) sub0 ─┘  LAN             cgnat                      servers run here
         (optional)

- SUB, SUB2: subscribers, default route via the NAT's inside address 100.64.0.1.
- LAN: a plain Linux bridge standing for the access network, so that more than
  one subscriber can share the NAT's inside link while the NAT still holds its
  veth end directly. It is always there; SUB2 is added only with sub2=True.
- NAT: holds nin (inside) and nout (outside) with no IP address and IPv6 off,
  so the kernel there stays silent; cgnat attaches to them with net_af_packet.
- INET: the internet side (the NAT's gateway 198.51.100.1); it routes the pool
  203.0.113.0/29 to the NAT's outside address 198.51.100.2.

Optional, per test:

- far=True: a host two hops away. INET becomes a router (ip_forward=1) with a
  second link inet1 (198.18.0.1/24) to FAR, far0 198.18.0.2/24, FAR's default
  route via 198.18.0.1 (198.18.0.0/15, RFC 2544 benchmarking space). Then
  traceroute from SUB to FAR shows NAT, INET, FAR.
- far_mtu=N (implies far): that link's MTU on both ends, e.g. 1280, so INET
  sends Fragmentation Needed (3/4, next-hop MTU N) for bigger DF packets. FAR
  still advertises the TCP MSS of a 1500-byte link (route advmss 1460), as a
  server on an Ethernet behind a narrower tunnel would: the subscriber's TCP
  starts with full-size segments and must learn the path MTU from the ICMP
  that the NAT translates back.
- inet_alt=True: INET gets a second address 198.51.100.3/24 (a STUN server's
  alternate address, RFC 5780).
- framesz=N: net_af_packet frame size (default 2048). A frame bigger than
  that cannot be received by the NAT (e.g. a datagram that the kernel's
  PACKET_FANOUT_FLAG_DEFRAG reassembled); DPDK refuses a frame size that does
  not fit in the NAT's mbufs, and the NAT does not start.

INET and FAR answer with ICMP errors without the kernel's per-destination
rate limit (icmp_ratelimit=0), so that every traceroute probe gets its answer.

IPv6 is off in every namespace (the NAT is IPv4 only, and nothing but the
test's own traffic should reach it), and every offload is off on every veth:
TX checksum offload would hand the NAT partial checksums, and RX checksum
offload would make the receiving kernel trust whatever checksum the NAT wrote.

Used by every tests/e2e/test_*.py:

    with Lab() as lab:                      # namespaces + NAT up and answering
        lab.run(lab.sub, "ping", "-c1", INET_ADDR)
        srv = lab.start(lab.inet, [...])    # tracked, killed on exit
        lab.stats()["drop_out_no_mapping"]  # DPDK telemetry
        rc = lab.stop_nat()                 # SIGTERM, exit code

Everything the Lab creates is removed on exit, on an exception, on SIGINT,
SIGTERM and SIGHUP; processes are ended by the PIDs it started. Namespaces are
named cgne2e<pid>-<role>; a later run removes those of runs that were killed
outright (SIGKILL) and whose pid is gone.

Run as a program it is the persistent lab behind scripts/lab.sh:

    lab.py up [-i] [--sub2] [--far] [--far-mtu N] [--name cgn] | down [--name cgn]
           | status [--name cgn]

Needs root, iproute2, ethtool, ping; must run under /usr/bin/python3.

The lab is in modules by job; lab.py holds the test entry point (main) and
re-exports every name the tests import:

    lab_common.py  what the NAT exposes, the lab's addressing, errors, helpers
    lab_dpdk.py    worker lcores, hugepages, net_af_packet, telemetry, DPDK files
    lab_conf.py    the NAT's config: libconfig text edits, addressing checks
    lab_ns.py      namespaces, stale labs, the topology (Lab's mixin Topology)
    lab_nat.py     the NAT process and its telemetry (Lab's mixin NatProcess)
    lab_procs.py   helper processes in namespaces (Lab's mixin Procs)
    lab_core.py    Lab: build on enter, remove everything on exit or signal
    lab_cli.py     the persistent lab of scripts/lab.sh (up, down, status)
"""

import contextlib
import os
import shlex
import shutil
import sys
import traceback

from lab_cli import cli, cli_down, cli_status, cli_up
from lab_common import (CMD_POOL, CMD_SESSIONS, CMD_STATS, FAR_ADDR, FAR_GW, FAR_NET,
                        INET_ADDR, INET_ALT_ADDR, INET_NET, NAT_INSIDE, NAT_OUTSIDE, POOL,
                        READY_TIMEOUT, SRC, STAT_CONSUMED, STAT_DROP_NO_MAPPING,
                        STAT_DROP_PREFIX, STAT_DROPPED, STAT_RX, STAT_TX, STOP_TIMEOUT,
                        SUB2_ADDR, SUB_ADDR, SUBSCRIBERS, TEST_NAME_PREFIX, Failure,
                        LabError, check, default_binary, default_config, in_pool,
                        is_subscriber, log, parse_ipv4)
from lab_conf import get_setting, nat_config, set_setting
from lab_core import Lab
from lab_dpdk import (AF_PACKET_FRAMECNT, AF_PACKET_FRAMESZ, AF_PACKET_OPTS,
                      DPDK_RUNTIME_ROOT, EAL_LCORE_ARGS, HUGEPAGES, TELEMETRY_SOCKET,
                      WORKERS, af_packet_opts, eal_mem_options, telemetry)
from lab_ns import netns, ns_list, ns_socket, reap_stale_test_labs

# What the tests import (from lab import ...): every public name lab.py had
# before it was split into lab_*.py, and shlex, which test_cli.py takes from
# here.
__all__ = [
    # lab_common: what the NAT exposes, addressing, errors, helpers
    "CMD_POOL", "CMD_SESSIONS", "CMD_STATS", "STAT_CONSUMED", "STAT_DROP_NO_MAPPING",
    "STAT_DROP_PREFIX", "STAT_DROPPED", "STAT_RX", "STAT_TX",
    "FAR_ADDR", "FAR_GW", "FAR_NET", "INET_ADDR", "INET_ALT_ADDR", "INET_NET",
    "NAT_INSIDE", "NAT_OUTSIDE", "POOL", "SUB2_ADDR", "SUB_ADDR", "SUBSCRIBERS",
    "READY_TIMEOUT", "STOP_TIMEOUT", "SRC", "TEST_NAME_PREFIX",
    "Failure", "LabError", "check", "default_binary", "default_config", "in_pool",
    "is_subscriber", "log", "parse_ipv4",
    # lab_dpdk: lcores, hugepages, net_af_packet, telemetry
    "AF_PACKET_FRAMECNT", "AF_PACKET_FRAMESZ", "AF_PACKET_OPTS", "DPDK_RUNTIME_ROOT",
    "EAL_LCORE_ARGS", "HUGEPAGES", "TELEMETRY_SOCKET", "WORKERS", "af_packet_opts",
    "eal_mem_options", "telemetry",
    # lab_conf, lab_ns, lab_core, lab_cli
    "get_setting", "nat_config", "set_setting",
    "netns", "ns_list", "ns_socket", "reap_stale_test_labs",
    "Lab", "cli", "cli_down", "cli_status", "cli_up",
    # here: the test entry point
    "Skip", "main", "require", "skip_reason", "shlex",
]


# --- test entry point -------------------------------------------------------------

def skip_reason():
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    binary = default_binary()
    if not os.access(binary, os.X_OK):
        return f"no NAT binary at {binary} (build it, or set CGNAT_BIN)"
    return None


class Skip(Exception):
    """The test cannot run here (a tool is missing): exit 77."""


def require(*programs):
    """Skip the test unless every program is on PATH."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        raise Skip(f"not installed: {' '.join(missing)} (scripts/install-deps.sh)")


def main(test, variants=None, **lab_kwargs):
    """Run test(lab) in a fresh Lab; exit 0 pass, 1 fail, 77 skip.
    variants: a list of dicts of Lab arguments; the test then runs once in a
    fresh Lab per variant (each merged over lab_kwargs), one after another,
    and fails at the first variant that fails."""
    name = os.path.basename(sys.argv[0])
    reason = skip_reason()
    if reason:
        print(f"SKIP {name}: {reason}")
        sys.exit(77)
    runs = [dict(lab_kwargs, **v) for v in variants] if variants else [lab_kwargs]
    try:
        for kwargs in runs:
            if len(runs) > 1:
                log(f"--- variant {dict((k, v) for k, v in kwargs.items() if k in variants[0])}")
            with Lab(**kwargs) as lab:
                try:
                    test(lab)
                except Skip:
                    raise
                except BaseException:
                    lab.dump_diagnostics()
                    raise
                if lab.nat_proc is not None and lab.nat_proc.poll() is None:
                    with contextlib.suppress(OSError, ValueError, KeyError):
                        log(f"NAT drops after the test: {Lab.drops(lab.stats()) or 'none'}")
    except Skip as e:
        print(f"SKIP {name}: {e}")
        sys.exit(77)
    except (Failure, LabError) as e:
        print(f"FAIL {name}: {e}")
        sys.exit(1)
    except Exception:  # noqa: BLE001 - a crash is a failure with its traceback
        traceback.print_exc()
        print(f"FAIL {name}: exception")
        sys.exit(1)
    print(f"PASS {name}")
    sys.exit(0)


if __name__ == "__main__":
    sys.exit(cli())
