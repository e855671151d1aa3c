# SPDX-License-Identifier: BSD-3-Clause
"""The NAT process of a lab (see lab.py), as a mixin of Lab: its
configuration file, its command line, starting it, waiting until it
answers, stopping it, its output and its telemetry."""

import json
import os
import shlex
import signal
import subprocess
import time

from lab_common import (CMD_POOL, CMD_SESSIONS, CMD_STATS, NAT_INSIDE, NAT_OUTSIDE,
                        READY_TIMEOUT, STAT_DROP_PREFIX, STOP_TIMEOUT, LabError, log)
from lab_conf import nat_config
from lab_dpdk import EAL_LCORE_ARGS, af_packet_opts, eal_mem_options, telemetry
from lab_ns import _signal_pid


class NatProcess:
    """Lab's NAT: write_config(), start_nat(), wait_ready(), stop_nat(),
    stats() and the other telemetry calls."""

    def write_config(self):
        """config/cgnat.conf with logging.file in the work dir, and the
        lab's addressing checked against it."""
        text = nat_config(self.config_src, self.mapping_log, self.settings)
        with open(self.config_path, "w") as f:
            f.write(text)

    def eal_mem_options(self):
        return eal_mem_options()

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
