"""Shared helpers for the deploy tests (and the Tor tests that stand the same files up): torrc
and unit files read as data, tor's own check of a torrc, v3 onion addresses, and the wheelhouse
install.sh installs from.

The fixtures (the renderer, a server home) are in conftest.py; the scripts that run inside a
sandbox or a throwaway root (sandbox_exec.py, systemctl_shim.py …) are files of their own.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .conftest import ROOT, need

WHEELHOUSE = ROOT / ".wheelhouse" / "server"


def onion_address(key: Ed25519PrivateKey) -> str:
    """v3 onion address of an Ed25519 key (rend-spec-v3: pubkey ‖ checksum ‖ version)."""
    pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    checksum = hashlib.sha3_256(b".onion checksum" + pub + b"\x03").digest()[:2]
    return base64.b32encode(pub + checksum + b"\x03").decode().lower() + ".onion"


def tor_options(text: str) -> dict[str, list[str]]:
    """torrc text -> option name -> values in order (comments and blank lines dropped)."""
    options: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition(" ")
            options.setdefault(name, []).append(value.strip())
    return options


def verify(torrc: Path) -> subprocess.CompletedProcess[str]:
    """Run the real tor's --verify-config on ``torrc`` alone (empty defaults file)."""
    empty = torrc.parent / "defaults-empty"
    empty.write_text("")
    return subprocess.run(
        [need("tor"), "--defaults-torrc", str(empty), "--verify-config", "-f", str(torrc)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Unit text -> section -> key -> every value in order (systemd allows repeated keys)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def wheelhouse(where: Path) -> Path:
    """``where``/wheelhouse: the locks' wheels from ``make setup-test`` plus bisik's wheel of
    the committed tree; fails the test when ``make setup-test`` has not built them."""
    if not any(WHEELHOUSE.glob("*.whl")):
        pytest.fail(f"no server wheelhouse in {WHEELHOUSE}: run `make setup-test`")
    out = where / "wheelhouse"
    shutil.copytree(WHEELHOUSE, out, ignore=shutil.ignore_patterns("bisik-*.whl"))
    subprocess.run(
        ["bash", str(ROOT / "scripts/build-own-wheel.sh"), str(out)],
        check=True,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        timeout=300,
    )
    out.chmod(0o755)
    return out
