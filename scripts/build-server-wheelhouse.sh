#!/usr/bin/env bash
# Build the server's offline wheelhouse for `deploy/install.sh --wheelhouse DIR`: every wheel of
# requirements/server.lock (the exact files the lock's hashes name) and bisik's own wheel built
# from the committed tree (scripts/build-own-wheel.sh).
#
#   bash scripts/build-server-wheelhouse.sh OUT_DIR
#
# Needs the package index once (or pip's configured mirror); the server then installs without.
# Target: the Python 3.11 of Debian 12 on x86_64.
set -euo pipefail
out="${1:?usage: build-server-wheelhouse.sh OUT_DIR}"
cd "$(dirname "$0")/.."
mkdir -p "$out"
out="$(cd "$out" && pwd)"
py="${PYTHON:-python3}"
"$py" -m pip download --quiet --require-hashes --no-deps --only-binary=:all: \
  --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
  -r requirements/server.lock -d "$out"
rm -f "$out"/bisik-*.whl
bash scripts/build-own-wheel.sh "$out"
echo "server wheelhouse: $out ($(find "$out" -name '*.whl' | wc -l) wheels)"
