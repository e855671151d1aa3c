#!/usr/bin/env bash
# Write a pktgen-DPDK (23.06.x, built against DPDK 22.11) command file that
# sends 64-byte UDP frames in2out through cgnat from HOSTS subscribers with
# 63 source ports each (FD.io CSIT's NAT44 profile: 1024 hosts x 63 ports =
# 64,512 sessions, 4096 x 63 = 258,048, 16384 x 63 = 1,032,192, ...).
#
#   bench/pktgen/gen-pkt.sh HOSTS NAT_INSIDE_MAC [RATE_PERCENT] > in2out.pkt
#
# pktgen's range mode steps every field by its increment on every packet;
# source addresses (HOSTS of them) and source ports (63) step together and
# 63 is odd, so all HOSTS x 63 combinations come round (gcd(HOSTS, 63) = 1
# for a power-of-two HOSTS).
set -euo pipefail

hosts=${1:?hosts}
mac=${2:?NAT inside MAC}
rate=${3:-100}

# 100.64.0.1 + hosts - 1
last=$(( (100 << 24 | 64 << 16) + hosts ))
ip() { printf '%d.%d.%d.%d' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

cat <<PKT
# cgnat in2out: $hosts subscribers x 63 ports = $((hosts * 63)) sessions
stop 0
set 0 rate $rate
range 0 proto udp
range 0 size start 64
range 0 size min 64
range 0 size max 64
range 0 size inc 0
range 0 dst mac start $mac
range 0 src ip start 100.64.0.1
range 0 src ip min 100.64.0.1
range 0 src ip max $(ip "$last")
range 0 src ip inc 0.0.0.1
range 0 src port start 1024
range 0 src port min 1024
range 0 src port max 1086
range 0 src port inc 1
range 0 dst ip start 198.18.0.1
range 0 dst ip min 198.18.0.1
range 0 dst ip max 198.18.0.1
range 0 dst ip inc 0.0.0.0
range 0 dst port start 5000
range 0 dst port min 5000
range 0 dst port max 5000
range 0 dst port inc 0
enable 0 range
PKT
