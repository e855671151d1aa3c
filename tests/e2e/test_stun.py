#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: RFC 5780 NAT behaviour discovery with coturn (A1, B10).

A STUN server with two addresses runs in INET: coturn's `turnserver`,
listening on 198.51.100.1 and the alternate address 198.51.100.3 (Lab
inet_alt=True), ports 3478 and 3479, STUN only: no authentication, no
database but an empty SQLite file in the test's work dir, no TLS/DTLS, no
TCP, no CLI, no relay. It is started and ended by the Lab like every helper.
coturn's RFC 5780 client `turnutils_natdiscovery -m -f` runs in SUB:

- mapping (RFC 5780 4.3): Binding requests to the primary address, then to
  the alternate address (and port): the same XOR-MAPPED-ADDRESS each time
  means endpoint-independent mapping (A1, RFC 4787 REQ-1). Expected in every
  variant, and the reflexive address must be a pool address.
- filtering (RFC 5780 4.4): a request asking the server to answer from the
  alternate address and port (CHANGE-REQUEST ip+port), then from the
  alternate port only. Both answers arrive: endpoint-independent filtering;
  only the port change: address-dependent; neither: address-and-port-
  dependent (B10, RFC 4787 REQ-8).

The test runs three times, in a fresh lab each: config/cgnat.conf as it is
(EIF), then with pool.filtering "address-dependent", then
"address-and-port-dependent"; natdiscovery must report exactly that.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import (INET_ADDR, INET_ALT_ADDR, check, get_setting, in_pool, log,  # noqa: E402
                 main, require)

STUN_PORT = 3478
ALT_PORT = 3479

EXPECT = {
    "endpoint-independent": "Endpoint Independent Filtering",
    "address-dependent": "Address Dependent Filtering",
    "address-and-port-dependent": "Address and Port Dependent Filtering",
}


def filtering_of(lab):
    """The filtering behaviour the lab's NAT was configured with."""
    with open(lab.config_path) as f:
        return get_setting(f.read(), "pool", "filtering") or "endpoint-independent"


def start_stun_server(lab):
    cmd = ["turnserver", "-n",                # no config file (no /etc/turnserver.conf)
           "-L", INET_ADDR, "-L", INET_ALT_ADDR,  # two addresses: RFC 5780 on
           "-p", STUN_PORT, "--alt-listening-port", ALT_PORT,
           "--stun-only", "--no-auth", "--no-tls", "--no-dtls", "--no-tcp", "--no-cli",
           "--no-software-attribute",
           "--userdb", os.path.join(lab.workdir, "turndb"),
           "--pidfile", os.path.join(lab.workdir, "turnserver.pid"),
           "--log-file", "stdout", "--simple-log", "--log-binding"]
    srv = lab.start(lab.inet, cmd, label="turnserver")
    for port in (STUN_PORT, ALT_PORT):
        lab.wait_listening(lab.inet, port, proto="udp", proc=srv)
    # Only the lab's two INET addresses, UDP only.
    r = lab.run(lab.inet, "ss", "-Htulpn")
    socks = [line.split() for line in r.stdout.splitlines() if "turnserver" in line]
    bad = [s for s in socks if s[0] != "udp" or s[4].rsplit(":", 1)[0] not in
           (INET_ADDR, INET_ALT_ADDR)]
    check(socks and not bad, f"turnserver sockets beyond UDP on {INET_ADDR}/{INET_ALT_ADDR}:\n"
          f"{r.stdout}")
    return srv


def test(lab):
    require("turnserver", "turnutils_natdiscovery")
    filtering = filtering_of(lab)
    srv = start_stun_server(lab)
    r = lab.run(lab.sub, "turnutils_natdiscovery", "-m", "-f", INET_ADDR,
                check=False, timeout=40)
    log(f"natdiscovery (NAT filtering {filtering}), rc {r.returncode}:\n{r.stdout}{r.stderr}")
    if srv.poll() is not None:
        out, err = lab.output(srv)
        check(False, f"turnserver exited ({srv.returncode}):\n{out[-2000:]}{err[-2000:]}")
    verdicts = re.findall(r"^(No NAT!.*|NAT with .*!)$", r.stdout, re.M)
    log(f"verdicts: {verdicts}")
    check(verdicts, "natdiscovery gave no verdict")
    refl = re.findall(r"UDP reflexive addr: (\d+\.\d+\.\d+\.\d+):(\d+)", r.stdout)
    check(refl and all(in_pool(a) for a, _ in refl),
          f"reflexive addresses {refl}: not pool addresses")
    check("NAT with Endpoint Independent Mapping!" in verdicts,
          f"mapping: expected endpoint-independent, natdiscovery says {verdicts}")
    want = f"NAT with {EXPECT[filtering]}!"
    check(want in verdicts, f"filtering: NAT configured {filtering}; expected '{want}', "
          f"natdiscovery says {verdicts}")
    check(len(verdicts) == 2, f"expected one mapping and one filtering verdict: {verdicts}")
    counters = {k: v for k, v in lab.stats().items() if k in ("drop_out_filtered",
                                                             "drop_out_no_mapping")}
    log(f"NAT counters: {counters}")
    if filtering != "endpoint-independent":
        check(counters.get("drop_out_filtered", 0) > 0,
              f"{filtering}: natdiscovery saw filtering but drop_out_filtered is 0")


if __name__ == "__main__":
    main(test, inet_alt=True, variants=[
        {"settings": {}},
        {"settings": {("pool", "filtering"): '"address-dependent"'}},
        {"settings": {("pool", "filtering"): '"address-and-port-dependent"'}},
    ])
