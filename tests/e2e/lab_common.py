# SPDX-License-Identifier: BSD-3-Clause
"""The lab's names (see lab.py): what the NAT exposes, the lab's addressing,
timeouts, where the source tree and the NAT binary are; the errors a test
raises, and small helpers every lab module and test uses."""

import ipaddress
import os
import socket
import struct

# --- What the NAT exposes. Provisional names: keep them here only. ----------

CMD_STATS = "/cgnat/stats"
CMD_SESSIONS = "/cgnat/sessions"
CMD_POOL = "/cgnat/pool"
STAT_RX = "rx"
STAT_TX = "tx"
STAT_CONSUMED = "consumed"
STAT_DROPPED = "dropped"
STAT_DROP_PREFIX = "drop_"
STAT_DROP_NO_MAPPING = "drop_out_no_mapping"  # inbound to the pool, no mapping

# --- Lab addressing; must agree with config/cgnat.conf (checked on start). --

NAT_INSIDE = "100.64.0.1"
SUBSCRIBERS = ipaddress.ip_network("100.64.0.0/10")
SUB_ADDR = "100.64.0.2"
SUB2_ADDR = "100.64.0.3"
NAT_OUTSIDE = "198.51.100.2"
INET_ADDR = "198.51.100.1"   # the NAT's gateway; servers listen here
INET_NET = ipaddress.ip_network("198.51.100.0/24")
INET_ALT_ADDR = "198.51.100.3"  # inet_alt=True: INET's second address
FAR_GW = "198.18.0.1"        # far=True: INET's address on the link to FAR
FAR_ADDR = "198.18.0.2"      # the host two hops away
FAR_NET = ipaddress.ip_network("198.18.0.0/24")
POOL = ipaddress.ip_network("203.0.113.0/29")

READY_TIMEOUT = float(os.environ.get("CGNAT_E2E_READY_TIMEOUT", "30"))
STOP_TIMEOUT = 5.0

TEST_NAME_PREFIX = "cgne2e"  # cgne2e<pid>-sub, ... and DPDK file prefix cgne2e<pid>

SRC = os.environ.get("CGNAT_SRC") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def default_binary():
    return os.environ.get("CGNAT_BIN") or os.path.join(SRC, "build", "app", "cgnat")


def default_config():
    return os.path.join(SRC, "config", "cgnat.conf")


class LabError(Exception):
    """The lab could not be built or the NAT did not come up."""


class Failure(Exception):
    """A test's check failed."""


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def in_pool(addr):
    return ipaddress.ip_address(addr) in POOL


def is_subscriber(addr):
    return ipaddress.ip_address(addr) in SUBSCRIBERS


def parse_ipv4(pkt, ethernet=False):
    """src, dst, proto, sport, dport (ports None unless TCP/UDP), icmp_type
    (None unless ICMP), tcp_flags of an IPv4 packet; None if it is not one."""
    if ethernet:
        if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
            return None
        pkt = pkt[14:]
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 0xF) * 4
    proto = pkt[9]
    l4 = pkt[ihl:]
    info = {"src": socket.inet_ntoa(pkt[12:16]), "dst": socket.inet_ntoa(pkt[16:20]),
            "proto": proto, "sport": None, "dport": None, "icmp_type": None,
            "tcp_flags": None}
    if proto in (socket.IPPROTO_TCP, socket.IPPROTO_UDP) and len(l4) >= 4:
        info["sport"], info["dport"] = struct.unpack("!HH", l4[:4])
        if proto == socket.IPPROTO_TCP and len(l4) >= 14:
            info["tcp_flags"] = l4[13]
    elif proto == socket.IPPROTO_ICMP and l4:
        info["icmp_type"] = l4[0]
    return info


def log(msg):
    print(f"[lab] {msg}", flush=True)
