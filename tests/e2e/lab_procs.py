# SPDX-License-Identifier: BSD-3-Clause
"""Processes a lab runs in its namespaces (see lab.py), as a mixin of Lab:
to completion, in the background (tracked, ended on exit), their output,
waiting for a listener, ping, sockets."""

import os
import re
import shlex
import signal
import socket
import subprocess
import time

from lab_common import Failure, log
from lab_ns import _signal_pid, ns_socket


class Procs:
    """Lab's helper processes; self.procs lists those start() started."""

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
