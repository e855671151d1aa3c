#!/usr/bin/env bash
# The cgnat namespace lab: subscribers, the NAT and an "internet" host, each
# in its own network namespace, joined by veth pairs; cgnat attached to its
# two veths with DPDK's net_af_packet.
#
#   scripts/lab.sh up [-i] [--sub2] [--name NAME]   create the lab, start the NAT
#   scripts/lab.sh status [--name NAME]             what is up, NAT counters
#   scripts/lab.sh down [--name NAME]               stop the NAT, remove the lab
#
#   -i      run the NAT in the foreground with its interactive prompt (the lab
#           stays up after it exits: run `down` then)
#   --sub2  add a second subscriber NAME-sub2 (100.64.0.3) on the same LAN
#   --name  namespace prefix, default "cgn": cgn-sub, cgn-lan, cgn-nat, cgn-inet
#
#   SUB  100.64.0.2/10 ─ LAN bridge ─ nin [cgnat, NS NAT] nout ─ 198.51.100.1/24 INET
#
# `up` installs what is missing and builds (scripts/build.sh), unless
# CGNAT_BIN names a binary; it runs build/app/cgnat (or $CGNAT_BIN) with
# config/cgnat.conf, logging.file moved into /run/cgnat-lab-NAME/. Up twice,
# or down when nothing is up, is fine. Needs root.
#
# The lab itself (topology, NAT start-up, readiness) is defined once, in
# tests/e2e/lab.py, which the end-to-end tests use too.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

case "${1:-}" in
up | down | status) ;;
*)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
	exit 2
	;;
esac

if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "lab.sh: needs root" >&2; exit 1; }
	exec sudo --preserve-env=CGNAT_BIN "$0" "$@"
fi

export CGNAT_SRC="$top"
# `up` first installs what is missing and builds (both quick when done).
if [ "$1" = up ] && [ -z "${CGNAT_BIN:-}" ]; then
	"$top/scripts/build.sh" >&2
fi
# /usr/bin/python3: the system Python, whatever python3 comes first on PATH.
exec /usr/bin/python3 "$top/tests/e2e/lab.py" "$@"
