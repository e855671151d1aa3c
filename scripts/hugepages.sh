#!/usr/bin/env bash
# Make 2 MB hugepages available to DPDK and print the EAL memory options to use.
#
#   eal_mem=$(scripts/hugepages.sh [COUNT])     # COUNT: free pages wanted, default 512
#
# Raises vm nr_hugepages until COUNT pages are free (it never lowers it: other
# DPDK processes may hold pages) and mounts hugetlbfs on /dev/hugepages when no
# hugetlbfs is mounted. Prints nothing on stdout when hugepages are usable, or
# "--no-huge -m 512" when they are not, with the reason on stderr.
# Idempotent: a second run with pages free changes nothing.
set -u

count=${1:-512}
case "$count" in
'' | *[!0-9]*) echo "usage: $0 [COUNT]" >&2; exit 2 ;;
esac

sysdir=/sys/kernel/mm/hugepages/hugepages-2048kB

fallback() {
	echo "hugepages.sh: $*; running DPDK without hugepages (--no-huge -m 512)" >&2
	echo "--no-huge -m 512"
	exit 0
}

[ -d "$sysdir" ] || fallback "this kernel has no 2 MB hugepages"
[ "$(id -u)" -eq 0 ] || fallback "not root"

total=$(cat "$sysdir/nr_hugepages")
free=$(cat "$sysdir/free_hugepages")
if [ "$free" -lt "$count" ]; then
	want=$((total - free + count))
	echo "$want" >"$sysdir/nr_hugepages" 2>/dev/null
	free=$(cat "$sysdir/free_hugepages")
	[ "$free" -ge "$count" ] ||
		fallback "only $free of $count 2 MB hugepages are free (memory too fragmented or too small?)"
fi

if ! awk '$3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts; then
	if ! { mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages; }; then
		fallback "cannot mount hugetlbfs on /dev/hugepages"
	fi
fi
