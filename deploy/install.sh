#!/usr/bin/env bash
# Bisik: install (or update) the intake service on one Debian 12 server.
#
#   sudo deploy/install.sh                 # 1st: packages, code, server keys; prints the public
#                                          #      key to sign into the organisation's directory
#   sudo deploy/install.sh --directory directory.json --root-pub root.pub   # 2nd: the rest
#   sudo deploy/install.sh                 # later runs: update code, config and units in place
#   deploy/install.sh --dry-run ...        # print every command instead of running it
#
# What it does, each step skipped when already done (safe to run again):
#   1. apt: python3, python3-venv, tor, logrotate, fonts-dejavu-core (the poster's fonts)
#   2. a system user `bisik`, state in /var/lib/bisik (0700), logs in /var/log/bisik,
#      backups in /var/backups/bisik
#   3. a virtualenv in /opt/bisik/venv: requirements/server.lock (hash-pinned), then the checkout
#   4. `bisik-server init`: server keys first; with --directory/--root-pub, the organisation's
#      signed directory and root public key (secrets are never replaced)
#   5. a dedicated tor instance `tor@bisik` (Debian's tor-instance-create) publishing the
#      service as a v3 onion service; its torrc is checked with `tor --verify-config`
#   6. systemd units: bisik.service, bisik-retention.timer, bisik-backup.timer
#   7. prints the onion address
#
# --frontend-onion ADDRESS makes this an intake node behind an Onionbalance frontend (scale-out,
#   docs/OPERATOR.md): copy BISIK_HOME (server.toml, secrets/, org/) from the back-office node
#   first, so that init is skipped and every node shares the same secrets.
# --prefix DIR puts every path under DIR (for tests and packaging; use it with --dry-run).
# --wheelhouse DIR installs from wheels in DIR only (no package index): every wheel of
#   requirements/server.lock (still hash-checked) and bisik's own wheel
#   (scripts/build-server-wheelhouse.sh makes one on an online machine), for a server that
#   does not reach the Python package index.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIRECTORY=""
ROOT_PUB=""
PREFIX=""
FRONTEND_ONION=""
WHEELHOUSE=""
DRY_RUN=0
TOR_INSTANCE="bisik"
BISIK_USER="bisik"

usage() {
  sed -n '2,/^set -euo pipefail$/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  echo "options: --directory FILE --root-pub FILE [--source CHECKOUT] [--frontend-onion ADDR]"
  echo "         [--prefix DIR] [--wheelhouse DIR] [--dry-run]"
}

die() {
  echo "error: $1" >&2
  echo "hint: ${2:-run with --help}" >&2
  exit 2
}

say() { echo "==> $*"; }

# Run a command, or in --dry-run print it (shell-quoted) and do nothing.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --directory) DIRECTORY="${2:?--directory needs a file}"; shift 2 ;;
    --root-pub) ROOT_PUB="${2:?--root-pub needs a file}"; shift 2 ;;
    --source) SRC="${2:?--source needs a directory}"; shift 2 ;;
    --prefix) PREFIX="${2%/}"; shift 2 ;;
    --frontend-onion) FRONTEND_ONION="${2:?--frontend-onion needs an address}"; shift 2 ;;
    --wheelhouse) WHEELHOUSE="${2:?--wheelhouse needs a directory}"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
done

VENV="$PREFIX/opt/bisik/venv"
ETC="$PREFIX/etc/bisik"
BISIK_HOME="$PREFIX/var/lib/bisik"
LOG_DIR="$PREFIX/var/log/bisik"
BACKUP_DIR="$PREFIX/var/backups/bisik"
TOR_ETC="$PREFIX/etc/tor/instances/$TOR_INSTANCE"
TOR_DATA_DIR="$PREFIX/var/lib/tor-instances/$TOR_INSTANCE"
ONION_DIR="$TOR_DATA_DIR/onion"
UNIT_DIR="$PREFIX/etc/systemd/system"
LOGROTATE_DIR="$PREFIX/etc/logrotate.d"
STAGE=""     # where render.py writes; a fresh mktemp directory (never created in --dry-run)
MADE_STAGE=""

cleanup() { if [ -n "$MADE_STAGE" ]; then rm -rf "$MADE_STAGE"; fi; }
trap cleanup EXIT

preflight() {
  if [ ! -f "$SRC/pyproject.toml" ] || [ ! -f "$SRC/deploy/render.py" ]; then
    die "$SRC is not a Bisik checkout" "pass --source with the directory holding pyproject.toml"
  fi
  if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    die "must run as root" "use sudo, or --dry-run to see what would be done"
  fi
  if ! grep -qs '^VERSION_ID="12"' /etc/os-release; then
    echo "warning: written for Debian 12; this system is not it" >&2
  fi
  if [ -n "$DIRECTORY$ROOT_PUB" ]; then
    if [ -z "$DIRECTORY" ] || [ -z "$ROOT_PUB" ]; then
      die "--directory and --root-pub go together" "pass both files from the key ceremony"
    fi
    [ -r "$DIRECTORY" ] || die "cannot read $DIRECTORY" "check the --directory path"
    [ -r "$ROOT_PUB" ] || die "cannot read $ROOT_PUB" "check the --root-pub path"
  fi
}

install_packages() {
  local need=() pkg
  for pkg in python3 python3-venv tor logrotate fonts-dejavu-core; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      need+=("$pkg")
  done
  if [ ${#need[@]} -eq 0 ]; then
    say "packages: already installed"
  else
    say "packages: installing ${need[*]}"
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
  check_tor_version
}

# Proof-of-work defences need tor >= 0.4.8 (Debian 12's security updates carry 0.4.9).
check_tor_version() {
  if ! command -v tor >/dev/null; then
    [ "$DRY_RUN" = 1 ] && return 0
    die "tor is not installed" "apt-get install tor"
  fi
  local version
  version="$(tor --version | sed -n 's/^Tor version \([0-9.]*\).*/\1/p' | head -1)"
  if ! printf '0.4.8\n%s\n' "$version" | sort -V -C; then
    die "tor $version is too old for onion-service proof-of-work" \
      "upgrade tor to 0.4.8 or newer (apt-get update && apt-get install tor)"
  fi
}

create_user_and_dirs() {
  if getent passwd "$BISIK_USER" >/dev/null; then
    say "user: $BISIK_USER exists"
  else
    say "user: creating $BISIK_USER"
    run adduser --system --group --quiet --home "$BISIK_HOME" --no-create-home \
      --shell /usr/sbin/nologin "$BISIK_USER"
  fi
  run install -d -m 0700 -o "$BISIK_USER" -g "$BISIK_USER" "$BISIK_HOME" "$BACKUP_DIR"
  run install -d -m 0750 -o "$BISIK_USER" -g "$BISIK_USER" "$LOG_DIR"
  run install -d -m 0755 "$ETC" "$(dirname "$VENV")"
}

install_code() {
  if [ -x "$VENV/bin/python" ]; then
    say "virtualenv: $VENV exists"
  else
    say "virtualenv: creating $VENV"
    run python3 -m venv "$VENV"
  fi
  if [ -n "$WHEELHOUSE" ]; then
    local own
    own="$(find "$WHEELHOUSE" -maxdepth 1 -name 'bisik-*.whl' | sort | tail -1)"
    [ -n "$own" ] || die "no bisik wheel in $WHEELHOUSE" "scripts/build-server-wheelhouse.sh DIR"
    say "code: installing bisik from $WHEELHOUSE (no package index; the lock's hashes checked)"
    run "$VENV/bin/pip" install --quiet --no-index --find-links "$WHEELHOUSE" --require-hashes \
      -r "$SRC/requirements/server.lock"
    run "$VENV/bin/pip" install --quiet --no-index --no-deps --force-reinstall "$own"
  else
    say "code: installing bisik[server] from $SRC (dependencies from the hash-pinned lock)"
    run "$VENV/bin/pip" install --quiet --upgrade pip
    run "$VENV/bin/pip" install --quiet --require-hashes -r "$SRC/requirements/server.lock"
    run "$VENV/bin/pip" install --quiet --no-deps --upgrade "$SRC"
  fi
  run install -m 0644 "$SRC/deploy/gunicorn.conf.py" "$ETC/gunicorn.conf.py"
  run install -m 0644 "$SRC/docs/OPERATOR.md" "$ETC/OPERATOR.md"
  if [ ! -f "$ETC/bisik.env" ]; then
    # Root-only: scale-out nodes put BISIK_DB_URL (with its password) here.
    run install -m 0600 "$SRC/deploy/bisik.env.example" "$ETC/bisik.env"
  fi
}

# Two phases, because the organisation's directory must name this server's signing key:
#   1. no org files yet: `bisik-server init` makes the secrets and server-signing.pub; stop.
#   2. --directory/--root-pub: `bisik-server init` pins the root key and installs the directory
#      (also the way to install a renewed directory later). Secrets are never replaced.
init_server_home() {
  if [ -z "$DIRECTORY" ]; then
    if [ -f "$BISIK_HOME/org/directory.json" ]; then
      say "server home: $BISIK_HOME ready (secrets and directory kept)"
      return 0
    fi
    say "server home: bisik-server init in $BISIK_HOME (server keys only)"
    run env BISIK_HOME="$BISIK_HOME" "$VENV/bin/bisik-server" init
    run chown -R "$BISIK_USER:$BISIK_USER" "$BISIK_HOME"
    say "next: take $BISIK_HOME/server-signing.pub to the organisation's root-key holder:"
    say "  bisik-reviewer org sign --server-key server-signing.pub --out directory.json"
    say "then run: $0 --directory directory.json --root-pub root.pub"
    exit 0
  fi
  say "server home: bisik-server init in $BISIK_HOME with the organisation's directory"
  run env BISIK_HOME="$BISIK_HOME" "$VENV/bin/bisik-server" init \
    --directory "$DIRECTORY" --root-pub "$ROOT_PUB"
  run chown -R "$BISIK_USER:$BISIK_USER" "$BISIK_HOME"
}

render_files() {
  say "config: rendering torrc and systemd units"
  local scale_out=()
  if [ -n "$FRONTEND_ONION" ]; then
    scale_out=(--set "FRONTEND_ONION=$FRONTEND_ONION" --only scale-out/backend-torrc.template
      --only scale-out/ob_config.template)
    local unit
    for unit in bisik.service bisik-retention.service bisik-retention.timer \
      bisik-backup.service bisik-backup.timer; do
      scale_out+=(--only "systemd/$unit")
    done
  fi
  if [ "$DRY_RUN" = 1 ]; then
    STAGE="\$STAGE"
  else
    STAGE="$(mktemp -d)"
    MADE_STAGE="$STAGE"
  fi
  run "$VENV/bin/python" "$SRC/deploy/render.py" --out "$STAGE" \
    --set "BISIK_HOME=$BISIK_HOME" --set "VENV=$VENV" --set "ETC=$ETC" \
    --set "LOG_DIR=$LOG_DIR" --set "BACKUP_DIR=$BACKUP_DIR" --set "BISIK_USER=$BISIK_USER" \
    --set "TOR_INSTANCE=$TOR_INSTANCE" --set "TOR_DATA_DIR=$TOR_DATA_DIR" \
    --set "ONION_DIR=$ONION_DIR" "${scale_out[@]}"
}

setup_tor() {
  if [ -d "$TOR_ETC" ]; then
    say "tor: instance $TOR_INSTANCE exists"
  else
    say "tor: creating instance $TOR_INSTANCE"
    run tor-instance-create "$TOR_INSTANCE"
  fi
  local torrc="$STAGE/tor/torrc" changed=1
  if [ -n "$FRONTEND_ONION" ]; then
    # Intake node behind Onionbalance: tor reads the frontend address from ob_config.
    torrc="$STAGE/scale-out/backend-torrc"
    run install -d -m 0700 -o "_tor-$TOR_INSTANCE" -g "_tor-$TOR_INSTANCE" "$ONION_DIR"
    run install -m 0600 -o "_tor-$TOR_INSTANCE" -g "_tor-$TOR_INSTANCE" \
      "$STAGE/scale-out/ob_config" "$ONION_DIR/ob_config"
  fi
  if [ "$DRY_RUN" = 0 ] && cmp -s "$torrc" "$TOR_ETC/torrc"; then
    changed=0
  fi
  run install -m 0644 "$torrc" "$TOR_ETC/torrc"
  # Check the file exactly as tor@bisik.service will read it (with Debian's instance defaults).
  if [ "$DRY_RUN" = 1 ]; then
    run tor --defaults-torrc "$STAGE/instance-defaults" -f "$TOR_ETC/torrc" --verify-config
  else
    sed -e "s/@@NAME@@/$TOR_INSTANCE/g" /usr/share/tor/tor-service-defaults-torrc-instances \
      >"$STAGE/instance-defaults"
    tor --defaults-torrc "$STAGE/instance-defaults" -f "$TOR_ETC/torrc" --verify-config \
      >/dev/null || die "tor rejected $TOR_ETC/torrc" "run the command above by hand to see why"
  fi
  run systemctl enable "tor@$TOR_INSTANCE.service"
  if [ "$changed" = 1 ]; then
    # A restart keeps the onion address (the key stays in $ONION_DIR); it re-publishes.
    run systemctl restart "tor@$TOR_INSTANCE.service"
  else
    run systemctl start "tor@$TOR_INSTANCE.service"
  fi
}

install_units() {
  say "systemd: installing units"
  local unit
  for unit in bisik.service bisik-retention.service bisik-retention.timer \
    bisik-backup.service bisik-backup.timer; do
    run install -m 0644 "$STAGE/systemd/$unit" "$UNIT_DIR/$unit"
  done
  run install -m 0644 "$SRC/deploy/logrotate/bisik" "$LOGROTATE_DIR/bisik"
  run systemctl daemon-reload
  if [ -n "$FRONTEND_ONION" ]; then
    # Intake node: retention and backup run on the back-office node only (shared database).
    run systemctl disable --now bisik-retention.timer bisik-backup.timer
    run systemctl enable bisik.service
  else
    run systemctl enable bisik.service bisik-retention.timer bisik-backup.timer
    run systemctl start bisik-retention.timer bisik-backup.timer
  fi
  run systemctl restart bisik.service
}

print_onion() {
  if [ "$DRY_RUN" = 1 ]; then
    say "onion address: would be read from $ONION_DIR/hostname"
    return 0
  fi
  local _
  for _ in $(seq 1 90); do
    if [ -s "$ONION_DIR/hostname" ]; then
      say "onion address: http://$(cat "$ONION_DIR/hostname")/"
      say "check it in Tor Browser, then publish it with the organisation's key fingerprint"
      return 0
    fi
    sleep 1
  done
  die "tor has not written $ONION_DIR/hostname after 90 s" \
    "journalctl -u tor@$TOR_INSTANCE shows why (no addresses are logged)"
}

main() {
  preflight
  if [ "$DRY_RUN" = 1 ]; then say "dry run: nothing will be changed"; fi
  install_packages
  create_user_and_dirs
  install_code
  init_server_home
  render_files
  setup_tor
  install_units
  print_onion
}

main
