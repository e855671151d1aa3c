#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: mapping behaviour (RFC 4787 sec. 4.1, checklist A1), pool.mapping.

One UDP socket of SUB sends to three destinations: INET:7000, INET:7001
(another port) and INET's second address 198.51.100.3:7000; one TCP local
port of SUB (two sockets with SO_REUSEADDR) connects to INET:7002 and
198.51.100.3:7002. The servers note the source they see and answer it; each
answer must come back to SUB.

- pool.mapping = "endpoint-independent": every destination sees the same
  outside address and port, per protocol (one UDP and one TCP mapping);
- pool.mapping = "address-and-port-dependent": each destination sees its
  own outside port (three UDP and two TCP mappings), on the same outside
  address (paired pooling, RFC 4787 REQ-2).

/cgnat/pool's mapping count agrees (plus the static mapping of
config/cgnat.conf).
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, INET_ALT_ADDR, SUB_ADDR, check, in_pool, log, main  # noqa: E402

UDP_DESTS = [(INET_ADDR, 7000), (INET_ADDR, 7001), (INET_ALT_ADDR, 7000)]
TCP_DESTS = [(INET_ADDR, 7002), (INET_ALT_ADDR, 7002)]
EIM = '"endpoint-independent"'
APDM = '"address-and-port-dependent"'


def udp_sources(lab):
    """The (address, port) each UDP destination saw from one SUB socket."""
    servers = []
    for dest in UDP_DESTS:
        s = lab.socket(lab.inet, socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(dest)
        s.settimeout(3)
        servers.append(s)
    cli = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    cli.bind((SUB_ADDR, 0))
    cli.settimeout(3)
    seen = []
    for dest, srv in zip(UDP_DESTS, servers):
        cli.sendto(b"hello %s:%d" % (dest[0].encode(), dest[1]), dest)
        data, peer = srv.recvfrom(100)
        srv.sendto(data, peer)
        back, src = cli.recvfrom(100)
        check(back == data and src == dest, f"the answer of {dest} came back as {src}")
        seen.append(peer)
    for s in servers + [cli]:
        s.close()
    return seen


def tcp_sources(lab):
    """The (address, port) each TCP destination saw from one SUB port."""
    seen, port = [], None
    for dest in TCP_DESTS:
        listener = lab.socket(lab.inet)
        listener.bind(dest)
        listener.listen(1)
        listener.settimeout(5)
        with lab.socket(lab.sub) as c:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            c.bind((SUB_ADDR, port or 0))
            port = c.getsockname()[1]
            c.settimeout(5)
            c.connect(dest)
            conn, peer = listener.accept()
            conn.sendall(b"ok")
            check(c.recv(10) == b"ok", f"TCP answer of {dest} lost")
            conn.close()
        listener.close()
        seen.append(peer)
    return seen


def test(lab):
    mode = lab.settings[("pool", "mapping")]
    maps0 = lab.pool()["mappings"]
    udp, tcp = udp_sources(lab), tcp_sources(lab)
    log(f"mapping {mode}: UDP destinations saw {udp}; TCP destinations saw {tcp}")
    check(all(in_pool(a) for a, _ in udp + tcp), "a source outside the pool")
    check(len({a for a, _ in udp}) == 1 and len({a for a, _ in tcp}) == 1,
          "one subscriber's mappings on different outside addresses")
    if mode == EIM:
        check(len(set(udp)) == 1, f"EIM: UDP destinations saw different sources {udp}")
        check(len(set(tcp)) == 1, f"EIM: TCP destinations saw different sources {tcp}")
        want = 1 + 1
    else:
        check(len(set(udp)) == len(UDP_DESTS), f"APDM: UDP destinations share a source {udp}")
        check(len(set(tcp)) == len(TCP_DESTS), f"APDM: TCP destinations share a source {tcp}")
        want = len(UDP_DESTS) + len(TCP_DESTS)
    maps = lab.pool()["mappings"] - maps0
    check(maps == want, f"{maps} mappings made, want {want}")


if __name__ == "__main__":
    main(test, inet_alt=True,
         variants=[{"settings": {("pool", "mapping"): EIM}},
                   {"settings": {("pool", "mapping"): APDM}}])
