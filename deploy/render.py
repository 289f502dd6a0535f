"""Fill Bisik's deploy templates (torrc, systemd units, scale-out files) with paths and ports.

Templates mark a value as ``@NAME@``. Rendering is strict, because a half-filled torrc or unit
fails late and obscurely: every placeholder must have a value, every value must be a single
line without control characters (a newline would inject a directive), paths must be absolute,
ports must be ports, and the service may only listen on loopback (the onion service is the only
way in; a public bind would expose the intake to the clearnet and its address to the world).

Run it with the project's virtualenv Python (install.sh does, after installing bisik):

    python deploy/render.py --out DIR [--set NAME=VALUE ...] [--only TEMPLATE ...]

It prints each file it wrote. Nothing here reads or writes anything secret.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import ipaddress
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from crypto.errors import BisikError

DEPLOY_DIR = Path(__file__).resolve().parent

# Production values for a one-server install on Debian 12 (deploy/install.sh).
DEFAULTS: dict[str, str] = {
    "BISIK_HOME": "/var/lib/bisik",
    "BISIK_USER": "bisik",
    "VENV": "/opt/bisik/venv",
    "ETC": "/etc/bisik",
    "LOG_DIR": "/var/log/bisik",
    "BACKUP_DIR": "/var/backups/bisik",
    "BACKUP_KEEP_DAYS": "14",
    "LISTEN_HOST": "127.0.0.1",
    "LISTEN_PORT": "8080",
    "ONION_PORT": "80",
    "TOR_INSTANCE": "bisik",
    "TOR_DATA_DIR": "/var/lib/tor-instances/bisik",
    "ONION_DIR": "/var/lib/tor-instances/bisik/onion",
    # Scale-out only: the Onionbalance frontend's key on the frontend host. The *_ONION
    # addresses (FRONTEND_ONION, BACKEND1_ONION, ...) have no defaults and must be given.
    "OB_KEY": "/etc/onionbalance/bisik-frontend.key",
}

# What a plain `render.py --out DIR` writes: template (relative to deploy/) -> output path.
STANDARD: dict[str, str] = {
    "tor/torrc.template": "tor/torrc",
    "systemd/bisik.service": "systemd/bisik.service",
    "systemd/bisik-retention.service": "systemd/bisik-retention.service",
    "systemd/bisik-retention.timer": "systemd/bisik-retention.timer",
    "systemd/bisik-backup.service": "systemd/bisik-backup.service",
    "systemd/bisik-backup.timer": "systemd/bisik-backup.timer",
}

# Rendered only when named with --only.
OPTIONAL: dict[str, str] = {
    "tor/torrc.single-onion.template": "tor/torrc.single-onion",
    "scale-out/backend-torrc.template": "scale-out/backend-torrc",
    "scale-out/ob_config.template": "scale-out/ob_config",
    "scale-out/frontend-torrc.template": "scale-out/frontend-torrc",
    "scale-out/onionbalance.yaml.template": "scale-out/onionbalance.yaml",
}

_PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")
_PATHS = {
    "BISIK_HOME",
    "VENV",
    "ETC",
    "LOG_DIR",
    "BACKUP_DIR",
    "TOR_DATA_DIR",
    "ONION_DIR",
    "OB_KEY",
}
_PORTS = {"LISTEN_PORT", "ONION_PORT"}
_NAMES = {"BISIK_USER", "TOR_INSTANCE"}
_ONION = re.compile(r"^[a-z2-7]{56}\.onion$")


class RenderError(BisikError):
    """A template or a value is wrong; nothing was written for that template."""

    hint = "Check the --set values (absolute paths, loopback address, ports 1-65535)."


def _check_value(name: str, value: str) -> None:
    """Refuse a value that could break out of its line or point the service somewhere unsafe."""
    if not value or any(ord(c) < 32 or c == "\x7f" for c in value):
        raise RenderError(f"{name} is empty or contains a control character")
    if name in _PATHS and (not value.startswith("/") or " " in value or "@" in value):
        raise RenderError(f"{name} must be an absolute path without spaces")
    if name in _PORTS and not (value.isdigit() and 1 <= int(value) <= 65535):
        raise RenderError(f"{name} must be a TCP port (1-65535)")
    if name in _NAMES and not re.fullmatch(r"[a-z][a-z0-9]{0,30}", value):
        raise RenderError(f"{name} must be lower-case letters and digits")
    if name == "LISTEN_HOST":
        _check_loopback(value)
    if name.endswith("_ONION") and not _valid_onion(value):
        raise RenderError(f"{name} is not a valid v3 onion address (checksum or version wrong)")


def _valid_onion(address: str) -> bool:
    """True for a v3 address whose checksum and version byte are right (rend-spec-v3 §6).

    tor itself only checks that an ob_config address decodes to a curve point, so a typo in
    the frontend address would otherwise go unnoticed until reporters cannot connect.
    """
    if not _ONION.fullmatch(address):
        return False
    raw = base64.b32decode(address[:56].upper())
    pub, checksum, version = raw[:32], raw[32:34], raw[34:]
    expected = hashlib.sha3_256(b".onion checksum" + pub + version).digest()[:2]
    return version == b"\x03" and checksum == expected


def _check_loopback(host: str) -> None:
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError as exc:
        raise RenderError("LISTEN_HOST must be an IP address") from exc
    if not loopback:
        raise RenderError("LISTEN_HOST must be a loopback address: only Tor may reach the service")


def render_text(text: str, values: Mapping[str, str]) -> str:
    """Replace every ``@NAME@`` in ``text``; RenderError if a name has no (valid) value."""
    missing = sorted({m for m in _PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise RenderError(f"no value for {', '.join(missing)}")
    for name in set(_PLACEHOLDER.findall(text)):
        _check_value(name, values[name])
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def merged(overrides: Mapping[str, str]) -> dict[str, str]:
    """DEFAULTS updated with ``overrides``; an unknown name is an error unless it ends in _ONION."""
    unknown = sorted(k for k in overrides if k not in DEFAULTS and not k.endswith("_ONION"))
    if unknown:
        raise RenderError(f"unknown setting {', '.join(unknown)}")
    return {**DEFAULTS, **overrides}


def render_all(
    out_dir: Path, overrides: Mapping[str, str], only: Iterable[str] | None = None
) -> list[Path]:
    """Render the standard set (or the templates named in ``only``) under ``out_dir``.

    Every template is rendered in memory first, so a bad value writes nothing at all.
    """
    values = merged(overrides)
    table = {**STANDARD, **OPTIONAL}
    names = list(only) if only else list(STANDARD)
    unknown = [n for n in names if n not in table]
    if unknown:
        raise RenderError(f"unknown template {', '.join(unknown)}")
    rendered = {n: render_text((DEPLOY_DIR / n).read_text("utf-8"), values) for n in names}
    written = []
    for name, text in rendered.items():
        target = out_dir / table[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        written.append(target)
    return written


def _parse_sets(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise RenderError(f"--set {item!r} is not NAME=VALUE")
        pairs[name] = value
    return pairs


def main(argv: list[str] | None = None) -> int:
    """CLI entry: render, print the written paths; on error print error/hint and return 2."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--only", action="append", metavar="TEMPLATE")
    args = parser.parse_args(argv)
    try:
        for path in render_all(args.out, _parse_sets(args.set), args.only):
            print(path)
    except BisikError as exc:
        print(f"error: {exc}\nhint: {exc.hint}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
