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
"""

import argparse
import contextlib
import ctypes
import glob
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

# --- What the NAT exposes. Provisional names: keep them here only. ----------

TELEMETRY_SOCKET = "dpdk_telemetry.v2"
DPDK_RUNTIME_ROOT = "/var/run/dpdk"
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


# --- libconfig text edits -----------------------------------------------------
#
# The generated config is the project's config text with a few values
# replaced in place. Searches run on a copy with comments blanked out (same
# offsets), so "# Default gateway: all ..." is never taken for a setting.

_LIBCONFIG_VALUE = r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\([^)]*\)|[^;,}\s]+'


def _blank_comments(text):
    """text with #, // and /* */ comments replaced by spaces (newlines kept)."""
    out, i, n = list(text), 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            stop = text.find("*/", i + 2)
            stop = n if stop < 0 else stop + 2
            for j in range(i, stop):
                if out[j] != "\n":
                    out[j] = " "
            i = stop
        else:
            i += 1
    return "".join(out)


def _find_setting(text, group, key):
    """(body_end, match) for group.key; match is None when the flat
    top-level group `group: { ... }` lacks the key."""
    bare = _blank_comments(text)
    m = re.search(r"(?m)^\s*" + re.escape(group) + r"\s*[:=]\s*\{", bare)
    if not m:
        raise LabError(f"config has no group '{group}'")
    end = bare.index("}", m.end())
    pat = re.compile(r"\b" + re.escape(key) + r"\s*[:=]\s*(" + _LIBCONFIG_VALUE + ")")
    return end, pat.search(bare, m.end(), end)


def get_setting(text, group, key):
    """The literal value of group.key in libconfig text (quotes removed), or None."""
    _, m = _find_setting(text, group, key)
    return m.group(1).strip('"') if m else None


def set_setting(text, group, key, value):
    """libconfig text with group.key set to `value`, a libconfig literal
    (e.g. json.dumps(path) for a string). Added to the group if absent."""
    end, m = _find_setting(text, group, key)
    if m:
        return text[:m.start(1)] + value + text[m.end(1):]
    return text[:end] + f"  {key} = {value};\n" + text[end:]


# --- namespaces ---------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


def _setns(fd):
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


@contextlib.contextmanager
def netns(name):
    """Run the body with the calling thread in network namespace `name`.
    Sockets made inside stay in that namespace after the block."""
    orig = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(orig)
    finally:
        os.close(orig)


def ns_socket(name, family=socket.AF_INET, type=socket.SOCK_STREAM, proto=0):
    """A socket in network namespace `name`."""
    with netns(name):
        return socket.socket(family, type, proto)


def ns_list():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def _signal_pid(pid, sig, group=False):
    try:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


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


def reap_stale_test_labs():
    """Remove what test labs of dead processes left (they were SIGKILLed)."""
    dead = set()
    for ns in ns_list():
        m = re.match(TEST_NAME_PREFIX + r"(\d+)-", ns)
        if not m or _pid_alive(int(m.group(1))):
            continue
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                              text=True).stdout.split()
        for pid in pids:  # left in a namespace that only that dead run made
            _signal_pid(int(pid), signal.SIGKILL)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        dead.add(m.group(1))
    for d in glob.glob(os.path.join(DPDK_RUNTIME_ROOT, TEST_NAME_PREFIX + "*")):
        m = re.fullmatch(TEST_NAME_PREFIX + r"(\d+)", os.path.basename(d))
        if m and (m.group(1) in dead or not _pid_alive(int(m.group(1)))):
            _remove_dpdk_files(os.path.basename(d))
    for d in glob.glob(os.path.join(tempfile.gettempdir(), TEST_NAME_PREFIX + "*-*")):
        m = re.match(TEST_NAME_PREFIX + r"(\d+)-", os.path.basename(d))
        if m and (m.group(1) in dead or not _pid_alive(int(m.group(1)))):
            shutil.rmtree(d, ignore_errors=True)


# --- telemetry ------------------------------------------------------------------

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


# --- the lab --------------------------------------------------------------------

class Lab:
    """Namespaces, links, the NAT and tracked helper processes.

    name     prefix of namespace names (<name>-sub, ...); default cgne2e<pid>
    sub2     add the second subscriber SUB2 on the shared LAN
    start_nat  start and wait for the NAT on enter (False: topology only)
    settings {(group, key): libconfig literal} applied to the generated config
    workdir  where config, logs and files go; default a fresh temp dir
    far      add FAR (198.18.0.2) behind INET, which then routes
    far_mtu  MTU of the INET-FAR link (implies far)
    inet_alt give INET its second address 198.51.100.3
    framesz  net_af_packet frame size of the NAT's ports
    """

    def __init__(self, name=None, sub2=False, start_nat=True, settings=None,
                 workdir=None, binary=None, config=None, prefix=None,
                 far=False, far_mtu=None, inet_alt=False, framesz=None):
        self.name = name or f"{TEST_NAME_PREFIX}{os.getpid()}"
        self.prefix = prefix or self.name   # DPDK --file-prefix
        self.sub = f"{self.name}-sub"
        self.sub2 = f"{self.name}-sub2" if sub2 else None
        self.lan = f"{self.name}-lan"
        self.nat = f"{self.name}-nat"
        self.inet = f"{self.name}-inet"
        self.far = f"{self.name}-far" if (far or far_mtu) else None
        self.far_mtu = far_mtu
        self.inet_alt = inet_alt
        self.framesz = framesz or AF_PACKET_FRAMESZ
        self.want_nat = start_nat
        self.settings = dict(settings or {})
        self.binary = binary or default_binary()
        self.config_src = config or default_config()
        self._own_workdir = workdir is None
        self.workdir = workdir
        self.nat_proc = None
        self.nat_rc = None
        self.procs = []          # (Popen, label) of helpers we started
        self._old_handlers = {}

    # namespaces of this lab, in creation order
    @property
    def namespaces(self):
        return [ns for ns in (self.lan, self.nat, self.inet, self.sub, self.sub2, self.far)
                if ns]

    @property
    def config_path(self):
        return os.path.join(self.workdir, "cgnat.conf")

    @property
    def mapping_log(self):
        return os.path.join(self.workdir, "mappings.log")

    @property
    def nat_log(self):
        return os.path.join(self.workdir, "nat.log")

    @property
    def telemetry_path(self):
        return os.path.join(DPDK_RUNTIME_ROOT, self.prefix, TELEMETRY_SOCKET)

    # --- context manager -------------------------------------------------------

    def __enter__(self):
        self._install_signal_handlers()
        try:
            self.setup()
        except BaseException:
            self._cleanup_noraise()
            self._restore_signal_handlers()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self._cleanup_noraise()
        self._restore_signal_handlers()
        return False

    def _install_signal_handlers(self):
        def handler(signum, frame):
            raise SystemExit(128 + signum)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, handler)

    def _restore_signal_handlers(self):
        for sig, h in self._old_handlers.items():
            signal.signal(sig, h)
        self._old_handlers = {}

    def _cleanup_noraise(self):
        sigs = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
        try:
            self.teardown()
        except Exception:
            traceback.print_exc()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    # --- build and destroy -------------------------------------------------------

    def setup(self):
        if os.geteuid() != 0:
            raise LabError("the lab needs root")
        if self.name.startswith(TEST_NAME_PREFIX):
            reap_stale_test_labs()
        if self.workdir is None:
            self.workdir = tempfile.mkdtemp(prefix=f"{self.name}-")
        os.makedirs(self.workdir, exist_ok=True)
        self.write_config()
        self.create_topology()
        if self.want_nat:
            self.start_nat()
            self.wait_ready()

    def teardown(self):
        for proc, label in reversed(self.procs):
            self._end(proc, label, group=True)
        self.procs = []
        if self.nat_proc is not None and self.nat_proc.poll() is None:
            self.stop_nat()
        existing = set(ns_list())
        for ns in reversed(self.namespaces):
            if ns in existing:
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        _remove_dpdk_files(self.prefix)
        if self._own_workdir and self.workdir and not os.environ.get("CGNAT_E2E_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)
        elif self.workdir:
            log(f"kept {self.workdir}")

    def _end(self, proc, label, group=False, timeout=2.0):
        """End one process we started: SIGTERM, then SIGKILL."""
        if proc.poll() is not None:
            return proc.returncode
        _signal_pid(proc.pid, signal.SIGTERM, group)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{label} (pid {proc.pid}) ignored SIGTERM; killing it")
            _signal_pid(proc.pid, signal.SIGKILL, group)
            return proc.wait()

    def write_config(self):
        """config/cgnat.conf with logging.file in the work dir, and the
        lab's addressing checked against it."""
        with open(self.config_src) as f:
            text = f.read()
        expect = {("inside", "address"): f"{NAT_INSIDE}/{SUBSCRIBERS.prefixlen}",
                  ("outside", "address"): f"{NAT_OUTSIDE}/{INET_NET.prefixlen}",
                  ("outside", "gateway"): INET_ADDR}
        for (group, key), want in expect.items():
            got = get_setting(text, group, key)
            if got != want:
                raise LabError(f"{self.config_src}: {group}.{key} is {got!r}, "
                               f"the lab is built for {want!r}")
        pool = get_setting(text, "pool", "addresses")
        if pool is None or f'"{POOL}"' not in pool:
            raise LabError(f"{self.config_src}: pool.addresses is {pool}, "
                           f"the lab routes {POOL}")
        text = set_setting(text, "logging", "file", json.dumps(self.mapping_log))
        if WORKERS != 1:
            text = set_setting(text, "workers", "lcores",
                               "[" + ", ".join(str(i) for i in range(1, WORKERS + 1)) + "]")
        for (group, key), value in self.settings.items():
            text = set_setting(text, group, key, value)
        with open(self.config_path, "w") as f:
            f.write(text)

    def _ip(self, *args):
        self._sh(["ip", *args])

    def _sh(self, cmd, ns=None):
        full = (["ip", "netns", "exec", ns] if ns else []) + cmd
        r = subprocess.run(full, capture_output=True, text=True)
        if r.returncode != 0:
            raise LabError(f"{shlex.join(full)}: {r.stderr.strip() or r.stdout.strip()}")

    def _quiet_ns(self, ns):
        """No IPv6 at all in `ns`: the kernel sends nothing of its own."""
        self._ip("netns", "add", ns)
        for key in ("all", "default"):
            path = f"net.ipv6.conf.{key}.disable_ipv6=1"
            subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", path],
                           capture_output=True)
        self._ip("-n", ns, "link", "set", "lo", "up")

    def _no_offloads(self, ns, dev):
        self._sh(["ethtool", "-K", dev, "rx", "off", "tx", "off", "tso", "off",
                  "gso", "off", "gro", "off", "lro", "off"], ns=ns)

    def _veth(self, ns_a, dev_a, ns_b, dev_b):
        self._ip("-n", ns_a, "link", "add", dev_a, "type", "veth",
                 "peer", "name", dev_b, "netns", ns_b)
        for ns, dev in ((ns_a, dev_a), (ns_b, dev_b)):
            self._no_offloads(ns, dev)

    def create_topology(self):
        existing = set(ns_list())
        clash = [ns for ns in self.namespaces if ns in existing]
        if clash:
            raise LabError(f"namespaces already exist: {' '.join(clash)}")
        for ns in self.namespaces:
            self._quiet_ns(ns)
        # LAN: the bridge the subscribers and the NAT's inside port share.
        self._ip("-n", self.lan, "link", "add", "br0", "type", "bridge",
                 "stp_state", "0", "mcast_snooping", "0")   # no IGMP of its own
        self._veth(self.nat, "nin", self.lan, "lan0")
        self._veth(self.nat, "nout", self.inet, "inet0")
        hosts = [(self.sub, "s1", SUB_ADDR)]
        if self.sub2:
            hosts.append((self.sub2, "s2", SUB2_ADDR))
        for ns, port, addr in hosts:
            self._veth(ns, "sub0", self.lan, port)
            self._ip("-n", self.lan, "link", "set", port, "master", "br0", "up")
            self._ip("-n", ns, "addr", "add", f"{addr}/{SUBSCRIBERS.prefixlen}", "dev", "sub0")
            self._ip("-n", ns, "link", "set", "sub0", "up")
            self._ip("-n", ns, "route", "add", "default", "via", NAT_INSIDE)
        self._ip("-n", self.lan, "link", "set", "lan0", "master", "br0", "up")
        self._ip("-n", self.lan, "link", "set", "br0", "up")
        self._ip("-n", self.nat, "link", "set", "nin", "up")
        self._ip("-n", self.nat, "link", "set", "nout", "up")
        self._ip("-n", self.inet, "addr", "add", f"{INET_ADDR}/{INET_NET.prefixlen}",
                 "dev", "inet0")
        if self.inet_alt:
            self._ip("-n", self.inet, "addr", "add", f"{INET_ALT_ADDR}/{INET_NET.prefixlen}",
                     "dev", "inet0")
        self._ip("-n", self.inet, "link", "set", "inet0", "up")
        self._ip("-n", self.inet, "route", "add", str(POOL), "via", NAT_OUTSIDE)
        if self.far:
            self._create_far()

    def _sysctl(self, ns, *settings):
        for setting in settings:
            self._sh(["sysctl", "-qw", setting], ns=ns)

    def _create_far(self):
        """FAR behind INET: INET routes between the NAT and FAR."""
        self._veth(self.inet, "inet1", self.far, "far0")
        for ns, dev, addr in ((self.inet, "inet1", FAR_GW), (self.far, "far0", FAR_ADDR)):
            if self.far_mtu:
                self._ip("-n", ns, "link", "set", dev, "mtu", str(self.far_mtu))
            self._ip("-n", ns, "addr", "add", f"{addr}/{FAR_NET.prefixlen}", "dev", dev)
            self._ip("-n", ns, "link", "set", dev, "up")
        route = ["-n", self.far, "route", "add", "default", "via", FAR_GW]
        if self.far_mtu:
            route += ["advmss", "1460"]   # a server on a 1500-byte Ethernet
        self._ip(*route)
        self._sysctl(self.inet, "net.ipv4.ip_forward=1", "net.ipv4.icmp_ratelimit=0")
        self._sysctl(self.far, "net.ipv4.icmp_ratelimit=0")

    # --- the NAT ------------------------------------------------------------------

    def eal_mem_options(self):
        r = subprocess.run([os.path.join(SRC, "scripts", "hugepages.sh"), str(HUGEPAGES)],
                           capture_output=True, text=True)
        if r.stderr.strip():
            log(r.stderr.strip())
        return r.stdout.split()

    def nat_command(self, interactive=False):
        return ["ip", "netns", "exec", self.nat, self.binary,
                *EAL_LCORE_ARGS, "--file-prefix", self.prefix, "--no-pci",
                *self.eal_mem_options(),
                "--vdev", "net_af_packet0,iface=nin" + af_packet_opts(self.framesz),
                "--vdev", "net_af_packet1,iface=nout" + af_packet_opts(self.framesz),
                "--", "-f", self.config_path, *(["-i"] if interactive else [])]

    def start_nat(self):
        if not os.access(self.binary, os.X_OK):
            raise LabError(f"no NAT binary at {self.binary}")
        cmd = self.nat_command()
        log(shlex.join(cmd))
        with open(self.nat_log, "wb") as out:
            self.nat_proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                             stderr=subprocess.STDOUT,
                                             start_new_session=True)
        self.nat_rc = None

    def nat_output(self, tail=60):
        try:
            with open(self.nat_log, errors="replace") as f:
                lines = f.readlines()
        except OSError:
            return ""
        return "".join(lines[-tail:])

    def _nat_died(self, what):
        raise LabError(f"the NAT exited (code {self.nat_proc.returncode}) {what}; "
                       f"its output:\n{self.nat_output()}")

    def wait_ready(self, timeout=READY_TIMEOUT):
        """Telemetry answers, then the NAT answers ARP and ping on both sides."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            if self.nat_proc.poll() is not None:
                self._nat_died("while starting")
            try:
                self.stats()
                break
            except (OSError, ValueError, KeyError) as e:
                last = e
            if time.monotonic() > deadline:
                raise LabError(f"telemetry {self.telemetry_path} did not answer "
                               f"{CMD_STATS} in {timeout:.0f} s ({last}); NAT output:\n"
                               f"{self.nat_output()}")
            time.sleep(0.2)
        for ns, addr in ((self.sub, NAT_INSIDE), (self.inet, NAT_OUTSIDE)):
            while not self.ping(ns, addr, count=1, wait=1)[1]:
                if self.nat_proc.poll() is not None:
                    self._nat_died(f"while pinging {addr}")
                if time.monotonic() > deadline:
                    raise LabError(f"the NAT does not answer ping to {addr} after "
                                   f"{timeout:.0f} s; NAT output:\n{self.nat_output()}")
        log(f"NAT ready (pid {self.nat_proc.pid}, telemetry prefix {self.prefix})")

    def stop_nat(self, timeout=STOP_TIMEOUT):
        """SIGTERM the NAT; its exit code, or None if it had to be killed."""
        proc = self.nat_proc
        if proc.poll() is None:
            _signal_pid(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"NAT (pid {proc.pid}) still running {timeout} s after SIGTERM; killing it")
                _signal_pid(proc.pid, signal.SIGKILL)
                proc.wait()
                self.nat_rc = None
                return None
        self.nat_rc = proc.returncode
        return self.nat_rc

    # --- telemetry -----------------------------------------------------------------

    def telemetry(self, cmd):
        return telemetry(self.prefix, cmd)

    def stats(self):
        s = self.telemetry(CMD_STATS)
        if not isinstance(s, dict):
            raise ValueError(f"{CMD_STATS} returned {s!r}")
        return s

    def sessions(self):
        return self.telemetry(CMD_SESSIONS)

    def pool(self):
        return self.telemetry(CMD_POOL)

    @staticmethod
    def drops(stats):
        return {k: v for k, v in stats.items() if k.startswith(STAT_DROP_PREFIX) and v}

    # --- processes in namespaces ---------------------------------------------------

    def run(self, ns, *cmd, check=True, timeout=60, **kw):
        """Run a command to completion in namespace `ns`; text output captured."""
        if len(cmd) == 1 and isinstance(cmd[0], (list, tuple)):
            cmd = cmd[0]
        full = ["ip", "netns", "exec", ns, *map(str, cmd)]
        try:
            r = subprocess.run(full, capture_output=True, text=True, timeout=timeout, **kw)
        except subprocess.TimeoutExpired as e:
            out = b"".join(x for x in (e.stdout, e.stderr) if x).decode(errors="replace")
            raise Failure(f"`{shlex.join(full)}` still running after {timeout} s:\n{out}") from None
        if check and r.returncode != 0:
            raise Failure(f"`{shlex.join(full)}` exited {r.returncode}:\n{r.stdout}{r.stderr}")
        return r

    def start(self, ns, cmd, label=None):
        """Start a background process in `ns`, tracked and ended on exit.
        Its stdout and stderr go to <workdir>/<label>.out and .err."""
        label = label or os.path.basename(str(cmd[0]))
        full = ["ip", "netns", "exec", ns, *map(str, cmd)]
        out = open(os.path.join(self.workdir, f"{label}.out"), "wb")
        err = open(os.path.join(self.workdir, f"{label}.err"), "wb")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with out, err:
            proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True, env=env)
        proc.label = label
        self.procs.append((proc, label))
        return proc

    def output(self, proc):
        """(stdout, stderr) that a process from start() wrote so far."""
        res = []
        for ext in ("out", "err"):
            with open(os.path.join(self.workdir, f"{proc.label}.{ext}"), errors="replace") as f:
                res.append(f.read())
        return tuple(res)

    def wait_listening(self, ns, port, proto="tcp", proc=None, timeout=10):
        """Wait until something listens on `port` in `ns`."""
        flag = "-Hltn" if proto == "tcp" else "-Hlun"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.run(ns, "ss", flag, f"sport = :{port}", check=False)
            if r.stdout.strip():
                return
            if proc is not None and proc.poll() is not None:
                raise Failure(f"{proc.label} exited ({proc.returncode}) before listening: "
                              f"{self.output(proc)}")
            time.sleep(0.1)
        raise Failure(f"nothing listens on {proto} port {port} in {ns} after {timeout} s")

    def ping(self, ns, dst, count=3, interval=0.2, wait=2):
        """(transmitted, received) of `ping` from `ns` to `dst`."""
        r = self.run(ns, "ping", "-n", "-q", "-c", count, "-i", interval, "-W", wait, dst,
                     check=False, timeout=count * (interval + wait) + 5)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
        return (int(m.group(1)), int(m.group(2))) if m else (0, 0)

    def socket(self, ns, family=socket.AF_INET, type=socket.SOCK_STREAM, proto=0):
        return ns_socket(ns, family, type, proto)

    def dump_diagnostics(self):
        """What a failing test wants to see: counters and the NAT's output."""
        if self.nat_proc is None:
            return
        if self.nat_proc.poll() is None:
            try:
                log(f"NAT stats: {json.dumps(self.stats(), sort_keys=True)}")
            except Exception as e:  # noqa: BLE001 - diagnostics only
                log(f"NAT stats unavailable: {e}")
        else:
            log(f"NAT exited with code {self.nat_proc.returncode}")
        log(f"NAT output (last lines):\n{self.nat_output()}")

    # --- persistent lab (scripts/lab.sh) ------------------------------------------

    def state(self):
        return {"name": self.name, "prefix": self.prefix, "workdir": self.workdir,
                "namespaces": self.namespaces, "binary": self.binary,
                "nat_pid": self.nat_proc.pid if self.nat_proc else None}


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


# --- command line (scripts/lab.sh) --------------------------------------------------

def _state_dir(name):
    return f"/run/cgnat-lab-{name}"


def _load_state(name):
    try:
        with open(os.path.join(_state_dir(name), "state.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _is_our_nat(pid, prefix):
    """Is `pid` still the NAT we started (guards against pid reuse)?"""
    args = _proc_cmdline(pid)
    return bool(args) and prefix.encode() in args


def _hints(lab):
    p = lab.prefix
    return f"""
The lab is up: {' '.join(lab.namespaces)}
  NAT output:   {lab.nat_log}
  mapping log:  {lab.mapping_log}  (flushed when the NAT stops)
  config:       {lab.config_path}

Try:
  ip netns exec {lab.sub} ping -c 3 {INET_ADDR}
  ip netns exec {lab.inet} python3 -m http.server 8000 --bind {INET_ADDR} &
  ip netns exec {lab.sub} curl -s http://{INET_ADDR}:8000/ | head
  ip netns exec {lab.inet} iperf3 -s -1 -B {INET_ADDR} &
  ip netns exec {lab.sub} iperf3 -c {INET_ADDR} -t 5
  ip netns exec {lab.sub} traceroute -n {INET_ADDR}
  dpdk-telemetry.py -f {p}        then /cgnat/stats, /cgnat/sessions, /cgnat/pool
  ip netns exec {lab.inet} tshark -i inet0 -n    (what leaves the NAT)

Stop servers you started yourself, then: scripts/lab.sh down{'' if lab.name == 'cgn' else ' --name ' + lab.name}
"""


def cli_up(args):
    name = args.name
    state = _load_state(name)
    if state and state.get("nat_pid") and _is_our_nat(state["nat_pid"], state["prefix"]) \
            and all(ns in ns_list() for ns in state["namespaces"]):
        print(f"lab '{name}' is already up (NAT pid {state['nat_pid']}); "
              f"`scripts/lab.sh down` first to restart it")
        return 0
    if state or any(ns.startswith(f"{name}-") for ns in ns_list()):
        cli_down(args, quiet=True)
    workdir = _state_dir(name)
    lab = Lab(name=name, prefix=f"{name}-lab", sub2=args.sub2, start_nat=False,
              workdir=workdir, far=args.far, far_mtu=args.far_mtu)
    if not os.access(lab.binary, os.X_OK):
        print(f"no NAT binary at {lab.binary}: build it first (meson setup build && "
              f"ninja -C build), or set CGNAT_BIN", file=sys.stderr)
        return 1
    try:
        lab.setup()
        state_file = os.path.join(workdir, "state.json")
        if args.interactive:
            cmd = lab.nat_command(interactive=True)
            with open(state_file, "w") as f:
                json.dump(dict(lab.state(), nat_pid=os.getpid()), f)
            print(_hints(lab).replace("The lab is up", "The lab is up (NAT in the foreground: "
                                      "use another terminal)"))
            print(shlex.join(cmd), flush=True)
            os.execvp(cmd[0], cmd)   # same pid: the one saved above
        lab.start_nat()
        with open(state_file, "w") as f:
            json.dump(lab.state(), f)
        lab.wait_ready()
    except (LabError, OSError) as e:
        print(f"lab up failed: {e}", file=sys.stderr)
        cli_down(args, quiet=True)
        return 1
    print(_hints(lab))
    return 0


def cli_down(args, quiet=False):
    name = args.name
    state = _load_state(name) or {}
    pid, prefix = state.get("nat_pid"), state.get("prefix", f"{name}-lab")
    if pid and _is_our_nat(pid, prefix):
        _signal_pid(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _pid_alive(pid):
            print(f"NAT pid {pid} did not stop on SIGTERM; killing it")
            _signal_pid(pid, signal.SIGKILL)
        elif not quiet:
            print(f"stopped NAT pid {pid}")
    known = state.get("namespaces") or [f"{name}-{r}" for r in
                                        ("sub", "sub2", "lan", "nat", "inet", "far")]
    for ns in ns_list():
        if ns in known:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            if not quiet:
                print(f"removed namespace {ns}")
    _remove_dpdk_files(prefix)
    shutil.rmtree(_state_dir(name), ignore_errors=True)
    if not quiet:
        print(f"lab '{name}' is down")
    return 0


def cli_status(args):
    name = args.name
    state = _load_state(name)
    present = [ns for ns in ns_list() if ns.startswith(f"{name}-")]
    if not state and not present:
        print(f"lab '{name}' is down")
        return 3
    print(f"namespaces: {' '.join(present) or 'none'}")
    if state:
        pid = state.get("nat_pid")
        alive = pid and _is_our_nat(pid, state["prefix"])
        print(f"NAT: pid {pid} {'running' if alive else 'NOT running'}; "
              f"telemetry: dpdk-telemetry.py -f {state['prefix']}")
        print(f"files: {state['workdir']}")
        if alive:
            try:
                s = telemetry(state["prefix"], CMD_STATS)
                main_keys = (STAT_RX, STAT_TX, STAT_CONSUMED, STAT_DROPPED)
                print("stats: " + " ".join(f"{k}={s.get(k)}" for k in main_keys))
                drops = Lab.drops(s)
                if drops:
                    print("drops: " + " ".join(f"{k}={v}" for k, v in sorted(drops.items())))
            except (OSError, ValueError, KeyError) as e:
                print(f"telemetry: no answer ({e})")
        return 0 if alive else 1
    return 1


def cli(argv=None):
    ap = argparse.ArgumentParser(prog="lab.sh", description="cgnat namespace lab")
    ap.add_argument("command", choices=("up", "down", "status"))
    ap.add_argument("-i", "--interactive", action="store_true",
                    help="up: run the NAT in the foreground with its prompt")
    ap.add_argument("--sub2", action="store_true",
                    help="up: add the second subscriber <name>-sub2 (100.64.0.3)")
    ap.add_argument("--far", action="store_true",
                    help=f"up: add <name>-far ({FAR_ADDR}) behind INET, two hops away")
    ap.add_argument("--far-mtu", type=int, metavar="N",
                    help="up: MTU of the INET-FAR link (implies --far), e.g. 1280")
    ap.add_argument("--name", default="cgn",
                    help="namespace prefix (default cgn: cgn-sub, cgn-nat, cgn-inet, ...)")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("the lab needs root", file=sys.stderr)
        return 1
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,15}", args.name):
        ap.error("--name: letters, digits, '_', '.', '-'; at most 16")
    return {"up": cli_up, "down": cli_down, "status": cli_status}[args.command](args)


if __name__ == "__main__":
    sys.exit(cli())
