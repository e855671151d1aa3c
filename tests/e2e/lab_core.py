# SPDX-License-Identifier: BSD-3-Clause
"""The Lab (see lab.py): one lab's names and files, built on enter and
removed on exit, on an exception and on SIGINT, SIGTERM and SIGHUP. Its
topology, NAT and helper processes are in lab_ns, lab_nat and lab_procs."""

import os
import shutil
import signal
import subprocess
import tempfile
import traceback

from lab_common import TEST_NAME_PREFIX, LabError, default_binary, default_config, log
from lab_dpdk import AF_PACKET_FRAMESZ, DPDK_RUNTIME_ROOT, TELEMETRY_SOCKET, _remove_dpdk_files
from lab_nat import NatProcess
from lab_ns import Topology, ns_list, reap_stale_test_labs
from lab_procs import Procs


class Lab(Topology, NatProcess, Procs):
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

    # --- persistent lab (scripts/lab.sh) ------------------------------------------

    def state(self):
        return {"name": self.name, "prefix": self.prefix, "workdir": self.workdir,
                "namespaces": self.namespaces, "binary": self.binary,
                "nat_pid": self.nat_proc.pid if self.nat_proc else None}
