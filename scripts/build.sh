#!/usr/bin/env bash
# Install what is missing and build cgnat into build/ (idempotent).
#
#   scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build --buildtype=release
fi
ninja -C build
