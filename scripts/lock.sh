#!/usr/bin/env bash
# Regenerate the hash-pinned locks in requirements/ from pyproject.toml's extras.
#   requirements/server.lock    - what deploy/install.sh installs on an intake server
#   requirements/reviewer.lock  - what goes into the reviewer's offline wheelhouse
#   requirements/dev.lock       - what `make run` / `make test` install (tests, lint, bench tools)
# Needs the package index (run it on an online machine, then commit the three files).
# pip-tools resolves each extra for CPython 3.11 and records the sha256 of every file of every
# pinned release, so `pip install --require-hashes` refuses anything else on any platform.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet 'pip-tools>=7.4'
compile() {
  "$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --no-emit-find-links --no-header "$@" pyproject.toml
}
compile --extra server --output-file requirements/server.lock
compile --extra reviewer --output-file requirements/reviewer.lock
compile --extra test --output-file requirements/dev.lock
# The test extra names bisik itself (bisik[server,reviewer]); pip-compile then pins the checkout
# by its local path, which is neither hashable nor portable. The project is installed from the
# checkout separately (pip install --no-deps -e .), so that entry is dropped.
for lock in requirements/*.lock; do
  python3 - "$lock" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
text = re.sub(r"(?m)^# WARNING: pip install will require.*\n(?:#.*\n)*", "", text)
text = re.sub(r"(?m)^bisik @ file:.*\n(?:    #.*\n)*", "", text)
open(path, "w", encoding="utf-8").write(text)
PY
done
echo "locks written: requirements/{server,reviewer,dev}.lock"
