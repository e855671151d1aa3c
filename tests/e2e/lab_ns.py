# SPDX-License-Identifier: BSD-3-Clause
"""Network namespaces (see lab.py): entering one, sockets in one, the
processes and namespaces that killed runs left behind, and the lab's
topology (namespaces, veth pairs, the LAN bridge, FAR) as a mixin of Lab."""

import contextlib
import ctypes
import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile

from lab_common import (FAR_ADDR, FAR_GW, FAR_NET, INET_ADDR, INET_ALT_ADDR, INET_NET,
                        NAT_INSIDE, NAT_OUTSIDE, POOL, SUB2_ADDR, SUB_ADDR, SUBSCRIBERS,
                        TEST_NAME_PREFIX, LabError)
from lab_dpdk import DPDK_RUNTIME_ROOT, _remove_dpdk_files

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


class Topology:
    """Lab's namespaces and links: create_topology() builds them from the
    lab's namespace names (sub, sub2, lan, nat, inet, far) and options."""

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
