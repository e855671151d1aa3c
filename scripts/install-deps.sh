#!/usr/bin/env bash
# Install everything cgnat needs to build, test and plot on Debian 12.
#
#   scripts/install-deps.sh
#
# Idempotent and quiet when everything is already there. Runs `apt-get update`
# at most once, and only when a package is missing and the package lists are
# absent, stale (over a day old) or do not know the package.
set -euo pipefail

pkgs=(
	# build
	meson ninja-build pkg-config gcc libdpdk-dev dpdk dpdk-dev libnuma-dev
	libconfig-dev libcmocka-dev libpcap-dev
	# tests (unit, integration, e2e namespace lab)
	iproute2 iputils-ping iperf3 curl python3 python3-scapy tshark ethtool
	traceroute stun-client procps psmisc kmod coturn iputils-tracepath
	# plots
	python3-matplotlib
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -y -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

echo "install-deps: installing ${missing[*]}" >&2

# Are the package lists missing or older than a day?
lists_stale() {
	[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit 2>/dev/null)" ]
}

updated=0
if lists_stale; then
	"${sudo[@]}" apt-get -q update
	updated=1
fi
if ! "${sudo[@]}" apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"; then
	[ "$updated" -eq 0 ] || exit 1
	# The lists may not know a package yet: refresh them once and retry.
	"${sudo[@]}" apt-get -q update
	"${sudo[@]}" apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"
fi
