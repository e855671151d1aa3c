# SPDX-License-Identifier: BSD-3-Clause
"""The persistent lab behind scripts/lab.sh (lab.py up | down | status):
a Lab left up with its NAT, its state in /run/cgnat-lab-<name>."""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from lab_common import CMD_STATS, FAR_ADDR, INET_ADDR, STOP_TIMEOUT, LabError
from lab_common import STAT_CONSUMED, STAT_DROPPED, STAT_RX, STAT_TX
from lab_core import Lab
from lab_dpdk import _remove_dpdk_files, telemetry
from lab_ns import _pid_alive, _proc_cmdline, _signal_pid, ns_list


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
