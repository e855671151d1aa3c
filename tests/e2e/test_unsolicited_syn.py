#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: unsolicited inbound TCP SYNs (D21, RFC 5382 REQ-4; B11).

The NAT filters address-and-port-dependent (pool.filtering), so a SYN from a
host the subscriber never sent to is unsolicited even on a mapped port. SUB
opens a TCP connection from port L to a rendezvous listener in INET, which
tells the outside tuple (A, p) of L; the connection stays open, so (A, p)
stays mapped. Then, at t0, INET connect()s (real SYNs, retransmitted by its
kernel) from three ports:

  P1 -> (A, p)      mapped port, filtered: unsolicited;
  P3 -> (A, p +- 2) a port with no mapping: unsolicited (B11);
  P2 -> (A, p)      and 0.3 s later SUB connects from L to INET:P2, an
                    outbound SYN for that very connection: simultaneous open,
                    the way TCP hole punching works.

A packet socket in INET records every frame with its time, one in SUB every
frame that reaches SUB. Checks, RFC 5382 REQ-4:
- nothing answers P1's and P3's SYNs for at least 6 s after the first one
  left INET: no SYN-ACK, no RST, no ICMP;
- P2's SYN is dropped silently: no RST or ICMP about it, ever, and it never
  reaches SUB; SUB's outbound SYN gets through and both sides' connect()
  complete (simultaneous open); data goes both ways;
- after the 6 s, by policy (icmp.unsolicited_syn): "drop" (the default): still
  silence (INET watches until 7 s); "icmp": ICMP 3/3 quoting the original
  SYN (source INET:P1 / INET:P3, destination the pool tuple) arrives within
  8 s, and INET's connect() fails with ECONNREFUSED.
The test runs once per policy, in a fresh lab each.
"""
import errno
import os
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import (INET_ADDR, SUB_ADDR, Failure, check, get_setting, in_pool,  # noqa: E402
                 log, main)

ETH_P_ALL = 0x0003
RENDEZVOUS = 9400
P1, P2, P3 = 47101, 47102, 47103
SUB_PORT = 41500
HOLD = 6.0            # RFC 5382 REQ-4: no answer for at least 6 s
WATCH_DROP = 7.0      # how long INET watches with policy "drop"
WATCH_ICMP = 8.0      # ... with policy "icmp": the 3/3 must come by then
TCP_SYN, TCP_RST, TCP_ACK = 0x02, 0x04, 0x10


SO_TIMESTAMPNS = 35   # <asm-generic/socket.h>; also the cmsg type


class Capture:
    """Frames on one interface, each with the kernel's receive time
    (SO_TIMESTAMPNS, wall clock: compare with time.time()) and direction."""

    def __init__(self, lab, ns, dev):
        self.sock = lab.socket(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind((dev, 0))
        self.sock.settimeout(0.1)
        self.frames = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                frame, anc, _, addr = self.sock.recvmsg(65535, 64)
            except socket.timeout:
                continue
            except OSError:
                return
            p = decode(frame)
            if p:
                p["t"] = time.time()
                for level, typ, data in anc:
                    if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack("qq", data[:16])
                        p["t"] = sec + nsec / 1e9
                p["out"] = addr[2] == socket.PACKET_OUTGOING
                self.frames.append(p)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def decode(frame):
    """IPv4 TCP or ICMP frame: addresses, ports, flags; for an ICMP error the
    quoted packet's addresses, ports and TCP flags."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0xF) * 4
    p = {"src": socket.inet_ntoa(ip[12:16]), "dst": socket.inet_ntoa(ip[16:20]),
         "proto": ip[9]}
    l4 = ip[ihl:]
    if p["proto"] == socket.IPPROTO_TCP and len(l4) >= 14:
        p["sport"], p["dport"] = struct.unpack("!HH", l4[:4])
        p["flags"] = l4[13]
        return p
    if p["proto"] == socket.IPPROTO_ICMP and len(l4) >= 8 + 20 + 8:
        p["type"], p["code"] = l4[0], l4[1]
        q = l4[8:]
        qihl = (q[0] & 0xF) * 4
        p["q_src"], p["q_dst"] = socket.inet_ntoa(q[12:16]), socket.inet_ntoa(q[16:20])
        p["q_proto"] = q[9]
        if len(q) >= qihl + 4:
            p["q_sport"], p["q_dport"] = struct.unpack("!HH", q[qihl:qihl + 4])
        if len(q) >= qihl + 14:
            p["q_flags"] = q[qihl + 13]
        return p
    return None


def answers_to(frames, port):
    """Frames INET received that answer its SYNs from `port`: TCP to that
    port, or an ICMP error quoting a packet from it."""
    res = []
    for p in frames:
        if p["out"]:
            continue
        if p["proto"] == socket.IPPROTO_TCP and p["dport"] == port and p["dst"] == INET_ADDR:
            res.append(p)
        elif p["proto"] == socket.IPPROTO_ICMP and p.get("q_src") == INET_ADDR \
                and p.get("q_sport") == port:
            res.append(p)
    return res


def first_syn(frames, port):
    ts = [p["t"] for p in frames if p["out"] and p["proto"] == socket.IPPROTO_TCP
          and p["sport"] == port and p["flags"] & (TCP_SYN | TCP_ACK) == TCP_SYN]
    return min(ts) if ts else None


def fmt(p, t0):
    if p["proto"] == socket.IPPROTO_TCP:
        return f"+{p['t'] - t0:.2f}s TCP {p['src']}:{p['sport']} flags {p['flags']:#x}"
    return (f"+{p['t'] - t0:.2f}s ICMP {p['type']}/{p['code']} from {p['src']} quoting "
            f"{p.get('q_src')}:{p.get('q_sport')} -> {p.get('q_dst')}:{p.get('q_dport')}")


def policy_of(lab):
    with open(lab.config_path) as f:
        text = f.read()
    try:
        return get_setting(text, "icmp", "unsolicited_syn") or "drop"
    except Exception:  # noqa: BLE001 - no icmp group: the default
        return "drop"


def nb_connect(lab, ns, local, remote):
    s = lab.socket(ns)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(local)
    s.setblocking(False)
    rc = s.connect_ex(remote)
    check(rc in (0, errno.EINPROGRESS), f"connect {local} -> {remote}: {os.strerror(rc)}")
    return s


def wait_connected(socks, timeout):
    """SO_ERROR of each socket once writable, or None if still connecting."""
    deadline = time.monotonic() + timeout
    pending, res = list(socks), {}
    while pending and time.monotonic() < deadline:
        _, w, _ = select.select([], pending, [], max(0, deadline - time.monotonic()))
        for s in w:
            res[s] = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            pending.remove(s)
    return [res.get(s) for s in socks]


def test(lab):
    policy = policy_of(lab)
    watch = WATCH_ICMP if policy == "icmp" else WATCH_DROP
    log(f"policy for unsolicited SYNs: {policy}")
    socks = []
    cap_inet = Capture(lab, lab.inet, "inet0")
    cap_sub = Capture(lab, lab.sub, "sub0")
    try:
        # The mapping (A, p) of SUB:L, learned through a rendezvous in INET.
        rdv = lab.socket(lab.inet)
        socks.append(rdv)
        rdv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        rdv.bind((INET_ADDR, RENDEZVOUS))
        rdv.listen(4)
        rdv.settimeout(5)
        s1 = lab.socket(lab.sub)
        socks.append(s1)
        s1.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s1.bind((SUB_ADDR, SUB_PORT))
        s1.settimeout(5)
        s1.connect((INET_ADDR, RENDEZVOUS))
        conn, mapped = rdv.accept()
        socks.append(conn)
        check(in_pool(mapped[0]), f"SUB's connection arrived from {mapped}: no translation")
        unmapped = (mapped[0], mapped[1] + 2 if mapped[1] <= 65533 else mapped[1] - 2)
        log(f"SUB {SUB_ADDR}:{SUB_PORT} is {mapped} outside; unmapped target {unmapped}")
        before = lab.stats()

        t0 = time.time()
        c1 = nb_connect(lab, lab.inet, (INET_ADDR, P1), mapped)
        c3 = nb_connect(lab, lab.inet, (INET_ADDR, P3), unmapped)
        c2 = nb_connect(lab, lab.inet, (INET_ADDR, P2), mapped)
        socks += [c1, c2, c3]
        time.sleep(0.3)
        s2 = nb_connect(lab, lab.sub, (SUB_ADDR, SUB_PORT), (INET_ADDR, P2))
        socks.append(s2)
        e_sub, e_inet = wait_connected([s2, c2], 3.0)
        check(e_sub == 0 and e_inet == 0,
              f"simultaneous open SUB:{SUB_PORT} <-> INET:{P2} did not complete in 3 s "
              f"(SO_ERROR SUB {e_sub}, INET {e_inet}; None = still connecting)")
        for s in (s2, c2):
            s.setblocking(True)
            s.settimeout(3)
        s2.sendall(b"from SUB")
        check(c2.recv(100) == b"from SUB", "INET:P2 got other data")
        c2.sendall(b"from INET")
        check(s2.recv(100) == b"from INET", "SUB got other data")
        log(f"simultaneous open SUB:{SUB_PORT} <-> INET:{P2} through {mapped}: data both ways")

        time.sleep(max(0.0, t0 + watch - time.time()))
        e1, e3 = wait_connected([c1, c3], 0.1)
        after = lab.stats()
    finally:
        cap_inet.close()
        cap_sub.close()
        for s in socks:
            s.close()

    delta = {k: after[k] - before[k] for k in after
             if isinstance(after[k], int) and isinstance(before.get(k), int)
             and after[k] != before[k] and ("drop_out" in k or "syn" in k or "generated" in k)}
    log(f"NAT counters during the window: {delta}")
    frames = cap_inet.frames
    for port, what in ((P1, "mapped, filtered"), (P3, "no mapping"), (P2, "met by SUB's SYN")):
        first = first_syn(frames, port)
        ans = answers_to(frames, port)
        log(f"INET:{port} ({what}): first SYN at +{first - t0:.2f}s; answers: "
            f"{[fmt(p, first) for p in ans] or 'none'}" if first else f"INET:{port}: no SYN seen")
    errors = []
    for port in (P1, P3):
        first = first_syn(frames, port)
        if first is None:
            errors.append(f"INET's capture saw no SYN from port {port}")
            continue
        ans = answers_to(frames, port)
        early = [p for p in ans if p["t"] - first < HOLD]
        if early:
            errors.append(f"INET:{port}'s unsolicited SYN was answered within {HOLD:.0f} s: "
                          f"{[fmt(p, first) for p in early]}")
        bad = [p for p in ans if not (p["proto"] == socket.IPPROTO_ICMP
                                      and (p["type"], p["code"]) == (3, 3))]
        if bad:
            errors.append(f"INET:{port}'s SYN got a TCP answer / other ICMP: "
                          f"{[fmt(p, first) for p in bad]}")
        icmp = [p for p in ans if p["proto"] == socket.IPPROTO_ICMP]
        if policy == "drop" and icmp:
            errors.append(f"policy drop, yet INET:{port} got {[fmt(p, first) for p in icmp]}")
        if policy == "icmp":
            target = mapped if port == P1 else unmapped
            good = [p for p in icmp if (p["q_dst"], p.get("q_dport")) == target
                    and p.get("q_proto") == socket.IPPROTO_TCP
                    and p.get("q_flags", 0) & (TCP_SYN | TCP_ACK) == TCP_SYN]
            if not good:
                errors.append(f"policy icmp: no ICMP 3/3 quoting INET:{port}'s SYN to "
                              f"{target} within {watch:.0f} s")
    ans2 = answers_to(frames, P2)
    bad2 = [p for p in ans2 if p["proto"] == socket.IPPROTO_ICMP
            or p["flags"] & TCP_RST]
    if bad2:
        errors.append(f"the SYN that SUB's outbound SYN met was not dropped silently: "
                      f"{[fmt(p, t0) for p in bad2]}")
    leaked = [p for p in cap_sub.frames if not p["out"] and p["proto"] == socket.IPPROTO_TCP
              and p["sport"] in (P1, P2, P3) and p["flags"] & (TCP_SYN | TCP_ACK) == TCP_SYN]
    if leaked:
        errors.append(f"unsolicited SYNs reached SUB: {[fmt(p, t0) for p in leaked]}")
    log(f"INET's connect() from P1/P3 after {watch:.0f} s: SO_ERROR {e1}/{e3} "
        "(None: still trying)")
    if policy == "icmp":
        for port, e in ((P1, e1), (P3, e3)):
            if e != errno.ECONNREFUSED:
                errors.append(f"policy icmp: INET's connect() from {port} ended with {e}, "
                              "expected ECONNREFUSED from the 3/3")
    else:
        for port, e in ((P1, e1), (P3, e3)):
            if e is not None:
                errors.append(f"policy drop: INET's connect() from {port} ended ({e})")
    if errors:
        raise Failure("; ".join(errors))


if __name__ == "__main__":
    apdf = {("pool", "filtering"): '"address-and-port-dependent"'}
    main(test, variants=[
        {"settings": dict(apdf)},
        {"settings": {**apdf, ("icmp", "unsolicited_syn"): '"icmp"'}},
    ])
