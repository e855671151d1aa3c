#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: path MTU discovery through the NAT (F28 "MTU field kept", F30, F32).

Lab(far_mtu=1280): SUB (MTU 1500) - NAT - INET - [MTU 1280] - FAR. INET
cannot forward a DF packet bigger than 1280 to FAR: it sends Fragmentation
Needed (type 3 code 4, next-hop MTU 1280) to the pool address, and the NAT
must translate it back to the subscriber with the quoted header restored and
the MTU field untouched (RFC 5508 REQ-4, F28), or the subscriber never
learns the path MTU and big DF packets vanish (a PMTU black hole).

1. tracepath from SUB to FAR reports "pmtu 1280" at INET and reaches FAR in
   3 hops (its probes are UDP with DF; it reads the errors from its socket's
   error queue, which the kernel fills only if the quoted header matches).
2. UDP, DF=1 (IP_PMTUDISC_DO), 1400 bytes from SUB to FAR: a packet socket in
   SUB captures the ICMP 3/4 the NAT delivers and checks it field by field:
   outer destination SUB, next-hop MTU 1280, quoted source SUB's inside
   address and port, quoted destination FAR, outer IP, ICMP and quoted IP
   header checksums valid. The sending socket gets EMSGSIZE with MTU 1280 on
   its error queue (IP_RECVERR), IP_MTU reads 1280, the next 1400-byte send
   fails with EMSGSIZE, and `ip route get` in SUB shows mtu 1280 for FAR.
3. TCP: with the route cache flushed, curl in SUB uploads (PUT) a 2 MB random
   file to an HTTP server in FAR and downloads another 2 MB one; both sha256
   match. FAR advertises MSS 1460 (see lab.py), so SUB's first full segments
   are 1500 bytes and the upload completes only through the translated 3/4:
   SUB's capture shows one quoting the TCP flow, and SUB's route to FAR has
   mtu 1280 again.
"""
import errno
import hashlib
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import (FAR_ADDR, INET_ADDR, SUB_ADDR, Failure, check, log,  # noqa: E402
                 main, require)

FAR_MTU = 1280
HTTP_PORT = 8080
UDP_PORT = 9          # discard; the datagram never reaches FAR anyway
SIZE = 2 * 1024 * 1024
ETH_P_ALL = 0x0003
# <linux/in.h>, <linux/errqueue.h>
IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_RECVERR, IP_MTU = 10, 2, 11, 14
SO_EE_ORIGIN_ICMP = 2

# PUT stores nothing: it answers the sha256 of the body; GET serves files.
SERVER = r"""
import hashlib, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers["Content-Length"])
        h = hashlib.sha256()
        while n:
            b = self.rfile.read(min(n, 65536))
            if not b:
                break
            h.update(b)
            n -= len(b)
        body = (h.hexdigest() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer.allow_reuse_address = True
h = lambda *a, **k: H(*a, directory=sys.argv[3], **k)
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), h).serve_forever()
"""


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Sniffer:
    """ICMP 3/4 frames arriving in SUB, decoded and checked."""

    def __init__(self, lab):
        self.sock = lab.socket(lab.sub, socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
        self.sock.bind(("sub0", 0))
        self.sock.settimeout(0.2)
        self.seen = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                frame, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            d = decode_frag_needed(frame)
            if d:
                self.seen.append(d)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def decode_frag_needed(frame):
    """The fields of an Ethernet/IPv4/ICMP 3/4 frame, or None."""
    if len(frame) < 14 + 20 + 8 + 20 + 8 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0xF) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    if ip[9] != socket.IPPROTO_ICMP or tot > len(ip):
        return None
    ip = ip[:tot]
    icmp = ip[ihl:]
    if icmp[0] != 3 or icmp[1] != 4:
        return None
    q = icmp[8:]
    qihl = (q[0] & 0xF) * 4
    return {
        "src": socket.inet_ntoa(ip[12:16]), "dst": socket.inet_ntoa(ip[16:20]),
        "ip_ok": csum(ip[:ihl]) == 0xFFFF,
        "icmp_ok": csum(icmp) == 0xFFFF,
        "mtu": struct.unpack("!H", icmp[6:8])[0],
        "q_src": socket.inet_ntoa(q[12:16]), "q_dst": socket.inet_ntoa(q[16:20]),
        "q_proto": q[9], "q_ip_ok": csum(q[:qihl]) == 0xFFFF,
        "q_sport": struct.unpack("!H", q[qihl:qihl + 2])[0],
        "q_dport": struct.unpack("!H", q[qihl + 2:qihl + 4])[0],
    }


def check_frag_needed(d, proto, sport, dport):
    what = f"ICMP 3/4 in SUB {d}"
    check(d["dst"] == SUB_ADDR, f"{what}: outer destination is not SUB")
    check(d["src"] == INET_ADDR, f"{what}: outer source is not INET (the router that sent it)")
    check(d["mtu"] == FAR_MTU, f"{what}: next-hop MTU {d['mtu']}, expected {FAR_MTU}")
    check(d["q_src"] == SUB_ADDR and d["q_sport"] == sport,
          f"{what}: quoted source not restored to {SUB_ADDR}:{sport}")
    check(d["q_dst"] == FAR_ADDR and d["q_dport"] == dport and d["q_proto"] == proto,
          f"{what}: quoted destination/protocol changed")
    check(d["ip_ok"] and d["icmp_ok"] and d["q_ip_ok"], f"{what}: bad checksum")


def route_mtu(lab):
    r = lab.run(lab.sub, "ip", "route", "get", FAR_ADDR)
    out = " ".join(r.stdout.split())
    log(f"SUB: ip route get {FAR_ADDR}: {out}")
    return out


def step_tracepath(lab):
    r = lab.run(lab.sub, "tracepath", "-n", "-m", "5", FAR_ADDR, check=False, timeout=30)
    log(f"tracepath:\n{r.stdout}{r.stderr}")
    check(f"Resume: pmtu {FAR_MTU} hops 3" in r.stdout,
          f"tracepath did not find pmtu {FAR_MTU} at 3 hops")
    check(f"{INET_ADDR}" in r.stdout and "reached" in r.stdout,
          "tracepath: INET not listed or FAR not reached")


def recv_errqueue(sock, timeout):
    """(sock_extended_err fields, offender address) from the error queue."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, anc, _, _ = sock.recvmsg(2048, 1024, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except BlockingIOError:
            time.sleep(0.05)
            continue
        for level, typ, data in anc:
            if level == socket.IPPROTO_IP and typ == IP_RECVERR:
                ee_errno, origin, typ_, code, _, info, _ = struct.unpack("=IBBBBII", data[:16])
                offender = socket.inet_ntoa(data[20:24]) if len(data) >= 24 else None
                return {"errno": ee_errno, "origin": origin, "type": typ_, "code": code,
                        "info": info, "offender": offender}
    return None


def step_udp(lab, sniffer):
    s = lab.socket(lab.sub, socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.bind((SUB_ADDR, 0))
        s.connect((FAR_ADDR, UDP_PORT))
        sport = s.getsockname()[1]
        s.send(b"d" * 1400)      # DF, fits SUB's link, not INET-FAR
        err = recv_errqueue(s, 3.0)
        log(f"UDP socket {SUB_ADDR}:{sport}: error queue {err}")
        check(err is not None, "no error on the UDP socket's queue within 3 s: the "
              "Fragmentation Needed did not reach the subscriber")
        check(err["errno"] == errno.EMSGSIZE and err["origin"] == SO_EE_ORIGIN_ICMP
              and (err["type"], err["code"]) == (3, 4) and err["info"] == FAR_MTU,
              f"UDP socket error {err}, expected EMSGSIZE from ICMP 3/4 with MTU {FAR_MTU}")
        check(err["offender"] == INET_ADDR, f"the error names {err['offender']}, not INET")
        mtu = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
        check(mtu == FAR_MTU, f"IP_MTU of the UDP socket is {mtu}, expected {FAR_MTU}")
        try:
            s.send(b"d" * 1400)
            raise Failure("a second 1400-byte DF send succeeded: the path MTU was not learned")
        except OSError as e:
            check(e.errno == errno.EMSGSIZE, f"second DF send: {e}, expected EMSGSIZE")
        time.sleep(0.2)
        udp = [d for d in sniffer.seen if d["q_proto"] == socket.IPPROTO_UDP
               and d["q_dport"] == UDP_PORT]
        check(udp, "the capture in SUB saw no ICMP 3/4 about the UDP datagram")
        for d in udp:
            check_frag_needed(d, socket.IPPROTO_UDP, sport, UDP_PORT)
        log(f"ICMP 3/4 captured in SUB: {udp[0]}")
    finally:
        s.close()
    check(f"mtu {FAR_MTU}" in route_mtu(lab), f"SUB's route to FAR has no mtu {FAR_MTU}")


def step_tcp(lab, sniffer):
    www = os.path.join(lab.workdir, "www")
    os.makedirs(www)
    down = os.path.join(www, "down.bin")
    up = os.path.join(lab.workdir, "up.bin")
    for path in (down, up):
        with open(path, "wb") as f:
            f.write(os.urandom(SIZE))
    srv = lab.start(lab.far, ["/usr/bin/python3", "-c", SERVER, FAR_ADDR, HTTP_PORT, www],
                    label="far-http")
    lab.wait_listening(lab.far, HTTP_PORT, proc=srv)
    url = f"http://{FAR_ADDR}:{HTTP_PORT}"
    r = lab.run(lab.sub, "curl", "-sS", "--fail", "--connect-timeout", "5", "--max-time", "20",
                "-T", up, f"{url}/up.bin", check=False, timeout=30)
    log(f"curl upload: rc {r.returncode} {r.stdout.strip()} {r.stderr.strip()}")
    check(r.returncode == 0, f"upload of {SIZE} bytes to FAR failed (curl {r.returncode}: "
          f"{r.stderr.strip()}): a PMTU black hole?")
    check(r.stdout.strip() == sha256_file(up), "FAR got an upload whose sha256 differs")
    copy = os.path.join(lab.workdir, "copy.bin")
    r = lab.run(lab.sub, "curl", "-sS", "--fail", "--connect-timeout", "5", "--max-time", "20",
                "-o", copy, f"{url}/down.bin", check=False, timeout=30)
    check(r.returncode == 0, f"download from FAR failed (curl {r.returncode}: {r.stderr.strip()})")
    check(sha256_file(copy) == sha256_file(down), "sha256 of the download differs")
    log("2 MB up and 2 MB down between SUB and FAR: sha256 match")
    time.sleep(0.2)
    tcp = [d for d in sniffer.seen if d["q_proto"] == socket.IPPROTO_TCP
           and d["q_dport"] == HTTP_PORT]
    check(tcp, "the capture in SUB saw no ICMP 3/4 about the TCP upload (did SUB "
          "send full-size segments at all?)")
    for d in tcp:
        check_frag_needed(d, socket.IPPROTO_TCP, d["q_sport"], HTTP_PORT)
    log(f"{len(tcp)} ICMP 3/4 about the TCP flow reached SUB, e.g. {tcp[0]}")
    check(f"mtu {FAR_MTU}" in route_mtu(lab), f"SUB's route to FAR has no mtu {FAR_MTU}")


def test(lab):
    require("tracepath", "curl")
    sent, received = lab.ping(lab.sub, FAR_ADDR, count=2)
    check(received > 0, f"SUB cannot ping FAR ({received}/{sent}): the lab is broken")
    sniffer = Sniffer(lab)
    try:
        step_tracepath(lab)
        lab.run(lab.sub, "ip", "route", "flush", "cache")
        step_udp(lab, sniffer)
        lab.run(lab.sub, "ip", "route", "flush", "cache")
        check(f"mtu {FAR_MTU}" not in route_mtu(lab), "the route cache was not flushed")
        step_tcp(lab, sniffer)
    finally:
        sniffer.close()
    log(f"SUB received {len(sniffer.seen)} ICMP 3/4 in all (tracepath, UDP, TCP)")
    for d in sniffer.seen:   # tracepath's too: each quotes SUB's own packet
        check_frag_needed(d, d["q_proto"], d["q_sport"], d["q_dport"])
    drops = {k: v for k, v in lab.stats().items() if k.startswith("drop_icmp") and v}
    check(not drops, f"the NAT dropped ICMP: {drops}")


if __name__ == "__main__":
    main(test, far_mtu=FAR_MTU)
