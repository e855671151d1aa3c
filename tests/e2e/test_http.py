#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e: HTTP download of a 20 MB random file through the NAT.

`python3 -m http.server` in INET serves the file, curl in SUB fetches it; the
copy's sha256 matches, and the server's access log shows a pool address as the
client, never a subscriber address.
"""
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import INET_ADDR, check, in_pool, log, main  # noqa: E402

PORT = 8000
SIZE = 20 * 1024 * 1024


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def test(lab):
    www = os.path.join(lab.workdir, "www")
    os.makedirs(www)
    blob = os.path.join(www, "blob.bin")
    with open(blob, "wb") as f:
        f.write(os.urandom(SIZE))
    server = lab.start(lab.inet, ["/usr/bin/python3", "-m", "http.server", PORT,
                                  "--bind", INET_ADDR, "--directory", www], label="http")
    lab.wait_listening(lab.inet, PORT, proc=server)
    copy = os.path.join(lab.workdir, "copy.bin")
    r = lab.run(lab.sub, "curl", "-sS", "--fail", "--connect-timeout", "10", "--max-time", "60", "-o", copy,
                "-w", "%{size_download} bytes in %{time_total} s (%{speed_download} B/s)",
                f"http://{INET_ADDR}:{PORT}/blob.bin", timeout=90)
    log(f"curl: {r.stdout}")
    check(os.path.getsize(copy) == SIZE, f"downloaded {os.path.getsize(copy)} of {SIZE} bytes")
    check(sha256(copy) == sha256(blob), "sha256 of the download differs from the file served")
    _, access_log = lab.output(server)
    clients = re.findall(r'^(\S+) - - \[.*\] "GET /blob.bin', access_log, re.M)
    log(f"server saw clients {sorted(set(clients))}")
    check(clients, f"no GET in the server's log:\n{access_log}")
    check(all(in_pool(c) for c in clients), f"server saw {clients}: not only pool addresses")


if __name__ == "__main__":
    main(test)
