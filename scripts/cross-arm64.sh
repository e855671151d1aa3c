#!/usr/bin/env bash
# Cross-compile cgnat for arm64 (aarch64) with Debian's cross toolchain
# against Debian's arm64 DPDK, then run the tests under qemu-user.
#
#   scripts/cross-arm64.sh             install, sysroot, build, tests
#   scripts/cross-arm64.sh --unit-only only the unit suite under qemu
#   scripts/cross-arm64.sh --no-test   install, sysroot, build
#
# libdpdk-dev:arm64 cannot be installed beside libdpdk-dev:amd64, so the
# arm64 -dev and runtime packages the build needs (and everything they
# depend on) are fetched with `apt-get download` and unpacked with `dpkg -x`
# into a sysroot, kept between runs in $CGNAT_ARM64_SYSROOT (default
# /var/cache/cgnat-arm64/sysroot when writable, else build-arm64/sysroot).
# It is rebuilt when the list of packages below changes. meson is then set
# up in build-arm64/ with config/cross/arm64-debian.ini (pkg-config looks
# only into the sysroot) and the whole project is built: libraries, app,
# tests, bench. The unit and integration tests run through
# qemu-aarch64-static -L sysroot (see the tests section below).
#
# Needs root for apt (it adds the arm64 architecture to dpkg, which only
# lets apt fetch arm64 packages; none is installed into the system). Exits
# non-zero if the build or any test run fails. Prints the time each phase
# took.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
run_tests=1
case "${1:-}" in
--no-test) run_tests=0 ;;
--unit-only) run_tests=2 ;;
"") ;;
*) echo "usage: $0 [--no-test | --unit-only]" >&2; exit 2 ;;
esac

t_start=$SECONDS
phase() { echo "cross-arm64: $* ($((SECONDS - t_start)) s)"; }

# Packages whose arm64 builds go into the sysroot; their dependencies are
# added by the resolver below.
roots=(libc6-dev libdpdk-dev libconfig-dev libcmocka-dev libnuma-dev
       libpcap-dev)
# Dependencies that are programs, not libraries to link or load: not
# fetched, and their own dependencies not followed.
skip_re='^(dpkg|perl|perl-base|perl-modules-.*|libperl.*|tar|sed|udev|passwd|pkg-config|pkgconf|pkgconf-bin|cdebconf|debconf|install-info|sysvinit-utils|libc-dev-bin|rpcsvc-proto|rdma-core|adduser|init-system-helpers|lsb-base|usrmerge|usr-is-merged|sgml-base|xml-core|readline-common|libpam.*|libsemanage.*|libnewt.*|libslang.*|libdebian-installer.*|libtextwrap.*)$'
# The sysroot's layout; bump to rebuild every cached sysroot.
layout=1

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "cross-arm64: need root (or sudo) for apt" >&2; exit 1; }
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -y -o Dpkg::Use-Pty=0)

# --- host tools -------------------------------------------------------------
tools=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user-static
       meson ninja-build pkg-config)
missing=()
for p in "${tools[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
updated=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	"${sudo[@]}" dpkg --add-architecture arm64
	"${sudo[@]}" apt-get -q update
	updated=1
fi
if ! apt-cache show libdpdk-dev:arm64 >/dev/null 2>&1 && [ "$updated" -eq 0 ]; then
	"${sudo[@]}" apt-get -q update  # lists without arm64 yet
	updated=1
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "cross-arm64: installing ${missing[*]}"
	if ! "${sudo[@]}" apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"; then
		[ "$updated" -eq 0 ] || exit 1
		"${sudo[@]}" apt-get -q update
		"${sudo[@]}" apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"
	fi
fi
phase "host tools ready"

# --- sysroot ----------------------------------------------------------------
if [ -n "${CGNAT_ARM64_SYSROOT:-}" ]; then
	sysroot=$CGNAT_ARM64_SYSROOT
elif mkdir -p /var/cache/cgnat-arm64 2>/dev/null && [ -w /var/cache/cgnat-arm64 ]; then
	sysroot=/var/cache/cgnat-arm64/sysroot
else
	sysroot=$src/build-arm64/sysroot
fi
stamp_want="layout=$layout roots=${roots[*]} skip=$skip_re"

# Every arm64 package the roots depend on, transitively (Depends and
# Pre-Depends, every alternative), but for the programs in skip_re.
resolve() {
	local -A seen=()
	local level=("${roots[@]/%/:arm64}") next p
	while [ ${#level[@]} -gt 0 ]; do
		for p in "${level[@]}"; do seen[$p]=1; done
		next=()
		while read -r p; do
			[ -n "${seen[$p]:-}" ] && continue
			[[ ${p%:arm64} =~ $skip_re ]] && continue
			seen[$p]=1
			next+=("$p")
		done < <(apt-cache depends --no-recommends --no-suggests \
				--no-conflicts --no-breaks --no-replaces \
				--no-enhances "${level[@]}" 2>/dev/null |
			 awk '$1 ~ /^\|?(Pre)?Depends:$/ && $2 ~ /:arm64$/ { print $2 }' |
			 sort -u)
		level=("${next[@]}")
	done
	printf '%s\n' "${!seen[@]}" | sort
}

build_sysroot() {
	local tmp debs
	tmp=$(mktemp -d "${sysroot%/*}/.fetch.XXXXXX")
	resolve > "$tmp/packages"
	echo "cross-arm64: fetching $(wc -l < "$tmp/packages") arm64 packages into $sysroot"
	# apt-get download writes into the current directory, as the _apt
	# user where it can: let it.
	chmod 755 "$tmp"
	mkdir "$tmp/debs" "$tmp/root"
	chmod 777 "$tmp/debs"
	(cd "$tmp/debs" && xargs -a "$tmp/packages" apt-get -q download >/dev/null)
	debs=("$tmp"/debs/*.deb)
	[ ${#debs[@]} -eq "$(wc -l < "$tmp/packages")" ] || {
		echo "cross-arm64: fetched ${#debs[@]} of $(wc -l < "$tmp/packages") packages" >&2
		return 1
	}
	for d in "${debs[@]}"; do dpkg -x "$d" "$tmp/root"; done
	# Absolute symlinks (e.g. libfoo.so -> /lib/...) point into the host:
	# make them relative to the sysroot.
	find "$tmp/root" -type l -lname '/*' -print0 |
	while IFS= read -r -d '' l; do
		ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" \
			"$tmp/root$(readlink "$l")")" "$l"
	done
	cp "$tmp/packages" "$tmp/root/.cgnat-packages"
	echo "$stamp_want" > "$tmp/root/.cgnat-stamp"
	rm -rf "$sysroot"
	mv "$tmp/root" "$sysroot"
	rm -rf "$tmp"
}

mkdir -p "${sysroot%/*}"
exec 9>"${sysroot%/*}/.lock"
flock 9
if [ "$(cat "$sysroot/.cgnat-stamp" 2>/dev/null)" != "$stamp_want" ]; then
	build_sysroot
	phase "sysroot built ($(du -sh "$sysroot" | cut -f1))"
else
	phase "sysroot cached in $sysroot"
fi

# --- build ------------------------------------------------------------------
bdir=$src/build-arm64
mkdir -p "$bdir"
# The cross file takes the sysroot's path from this one (a constant).
ini=$(printf "[constants]\nsysroot = '%s'" "$sysroot")
if [ "$(cat "$bdir/sysroot.ini" 2>/dev/null)" != "$ini" ]; then
	echo "$ini" > "$bdir/sysroot.ini"
	rm -f "$bdir/build.ninja" # another sysroot: set up anew
fi
if [ ! -f "$bdir/build.ninja" ]; then
	wipe=()
	[ ! -f "$bdir/meson-private/coredata.dat" ] || wipe=(--wipe)
	meson setup "${wipe[@]}" "$bdir" --buildtype=release \
		--cross-file "$bdir/sysroot.ini" \
		--cross-file config/cross/arm64-debian.ini
fi
ninja -C "$bdir" -j"${CGNAT_JOBS:-2}"
phase "arm64 build done"
file "$bdir/app/cgnat" 2>/dev/null || true

[ "$run_tests" -ne 0 ] || exit 0

# --- tests under qemu -------------------------------------------------------
# meson runs each test through the cross file's exe_wrapper
# (qemu-aarch64-static -L sysroot). EAL starts under qemu-user with what
# the tests pass (--no-huge --no-pci, ring-backed ports), so the unit
# suite and the integration suite run, but for the integration test
# `stress`: it asserts a packet rate (its generator must reach a quarter
# of 50000 packets/s) that emulation does not reach; it is built, not run.
# The e2e suite needs the native app in network namespaces: not run.
set +e
meson test -C "$bdir" --no-rebuild --print-errorlogs --num-processes 1 \
	--suite unit
rc=$?
set -e
if [ "$run_tests" -eq 1 ]; then
	integ=()
	while read -r t; do
		t=${t##* / }
		[ "$t" = stress ] || integ+=("$t")
	done < <(meson test -C "$bdir" --list --no-rebuild --suite integration |
		 grep ' / ')
	[ ${#integ[@]} -gt 0 ] || { echo "cross-arm64: no integration test" >&2; exit 1; }
	echo "cross-arm64: integration suite under qemu but 'stress' (its" \
	     "rate floor is out of emulation's reach); e2e needs the native lab"
	set +e
	meson test -C "$bdir" --no-rebuild --print-errorlogs --num-processes 1 \
		"${integ[@]}"
	rc2=$?
	set -e
	[ "$rc" -ne 0 ] || rc=$rc2
fi
set -e
phase "tests under qemu-aarch64 done (rc $rc)"
exit "$rc"
