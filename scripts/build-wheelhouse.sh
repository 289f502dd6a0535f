#!/usr/bin/env bash
# Build the reviewer's offline wheelhouse: every wheel the air-gapped laptop needs, each checked
# against requirements/reviewer.lock, plus bisik's own wheel built reproducibly from this commit.
#
#   bash scripts/build-wheelhouse.sh OUT_DIR
#
# Two people run it on two online machines from the same commit and compare OUT_DIR/SHA256SUMS
# (read aloud, or diff the printed files): the third-party wheels are the exact files the lock
# names, and bisik's wheel is byte-identical because its timestamps come from the commit
# (SOURCE_DATE_EPOCH) and the build runs in a clean copy of the tracked files. Any difference
# means one of the two machines was given something else: do not carry that wheelhouse.
# Target: CPython 3.11 on x86_64 Linux (the reviewer laptop); set BISIK_WHEEL_PLATFORM to change.
# The Qt wheels of the desktop app (PySide6-Essentials, shiboken6 6.10 and later) are built for
# manylinux_2_34: the laptop needs glibc 2.34 or newer (Debian 12 and the Tails built on it have
# 2.36). The other wheels are older manylinux tags, which such a laptop also runs.
set -euo pipefail
out="${1:?usage: build-wheelhouse.sh OUT_DIR}"
cd "$(dirname "$0")/.."
root="$PWD"
platform="${BISIK_WHEEL_PLATFORM:-manylinux_2_34_x86_64}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
py="${PYTHON:-python3}"
"$py" -m pip download --quiet --require-hashes --no-deps --only-binary=:all: \
  --python-version 3.11 --implementation cp --platform "$platform" \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux_2_17_x86_64 \
  -r requirements/reviewer.lock -d "$out"
rm -f "$out"/bisik-*.whl  # a wheel of an older version would be listed in SHA256SUMS too
bash scripts/build-own-wheel.sh "$out"
(cd "$out" && sha256sum -- *.whl | LC_ALL=C sort -k2 > SHA256SUMS)
cp "$root/requirements/reviewer.lock" "$out/reviewer.lock"
echo "wheelhouse: $out ($(wc -l < "$out/SHA256SUMS") wheels); compare SHA256SUMS with a colleague"
