#!/usr/bin/env bash
# Build bisik's own wheel reproducibly into OUT_DIR: from a clean export of the committed tree
# (no stray files, no build/ leftovers), with every timestamp set to the commit's time.
#   bash scripts/build-own-wheel.sh OUT_DIR
set -euo pipefail
out="${1:?usage: build-own-wheel.sh OUT_DIR}"
cd "$(dirname "$0")/.."
mkdir -p "$out"
out="$(cd "$out" && pwd)"
src="$(mktemp -d)"
trap 'rm -rf "$src"' EXIT
git archive --format=tar HEAD | tar -x -C "$src"
SOURCE_DATE_EPOCH="$(git log -1 --format=%ct HEAD)"
export SOURCE_DATE_EPOCH
export PYTHONHASHSEED=0
py="${PYTHON:-python3}"
cd "$src"
# Without build isolation where setuptools is already there (no download, same tools twice).
if ! "$py" -m pip wheel --quiet --no-deps --no-build-isolation -w "$out" . 2>/dev/null; then
  "$py" -m pip wheel --quiet --no-deps -w "$out" .
fi
