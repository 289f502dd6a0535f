#!/usr/bin/env bash
# Debian packages the test suite needs. Idempotent: installs only what is missing.
#   chromium  - the real browser Playwright drives (Playwright downloads nothing)
#   tor       - `tor --verify-config` checks deploy/ torrc files
#   mat2      - metadata removal for evidence on the reviewer laptop
#   gnupg     - the baseline in bench/ and a comparison in tests
#   poppler-utils - pdftotext/pdftoppm to read dossiers back in tests
#   fonts-dejavu-core, zbar-tools - the poster's and the dossier letter's embedded fonts; zbarimg reads QR codes back
#   shellcheck, systemd, python3-seccomp - lint deploy/install.sh; check the deploy/ units
#     (`systemd-analyze verify`) and run the intake under their syscall filter
#   libegl1, libgl1, libfontconfig1, libxkbcommon0, libglib2.0-0, libdbus-1-3 - the shared
#     libraries PySide6's Qt loads even on the offscreen platform (tests/reviewer/app)
set -euo pipefail
need=()
for pkg in chromium tor mat2 gnupg poppler-utils libimage-exiftool-perl shellcheck systemd \
  python3-seccomp fonts-dejavu-core zbar-tools libegl1 libgl1 libfontconfig1 libxkbcommon0 \
  libglib2.0-0 libdbus-1-3; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
