"""``bisik-server demo``: a whole organisation on one machine, to try the loop end to end.

Under ``./demo/`` (git-ignored) it makes two reviewer homes with ``bisik-reviewer`` (the lead,
``ani``, also holds the organisation root key), a server home, and a directory signed by the
root naming both reviewers and the server key. Everything is demo material: one passphrase
for all, printed on the terminal, cheaper Argon2id parameters than a real laptop uses.

If the reviewer tool cannot run (not installed), the demo falls back to keys made with
``crypto`` directly, kept unencrypted in ``demo/fallback-keys.json`` and said so loudly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import keys
from crypto.directory import Reviewer, sign_directory
from crypto.encoding import b64u_encode
from crypto.errors import BisikError
from crypto.keys import KeyPair

from .home import init_home, install_org, server_public, write_private

REVIEWERS = (("ani", "Ani (demo)", "lead"), ("budi", "Budi (demo)", "reviewer"))
ORG_NAME = "Bisik Demo"
KDF_PROFILE = "moderate"


class DemoError(BisikError):
    """The demo organisation could not be created."""

    hint = "Delete the ./demo directory and run `bisik-server demo` again."


@dataclass(frozen=True)
class Demo:
    """Where the demo lives and how to unlock it."""

    root: Path
    server_home: Path
    reviewer_homes: dict[str, Path]
    passphrase: str
    tool: str  # "bisik-reviewer" or "fallback"


def _reviewer(home: Path, passphrase_file: Path, *args: str) -> None:
    env = {**os.environ, "BISIK_REVIEWER_HOME": str(home), "BISIK_LANG": "en"}
    cmd = [
        sys.executable,
        "-m",
        "reviewer.cli",
        *args,
        "--home",
        str(home),
        "--passphrase-file",
        str(passphrase_file),
    ]
    # our own interpreter and module, fixed arguments: no shell, nothing from a reporter
    done = subprocess.run(  # noqa: S603
        cmd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise DemoError(f"bisik-reviewer {' '.join(args[:2])} failed: {done.stderr.strip()[-400:]}")


def _with_tool(root: Path, pp_file: Path, homes: dict[str, Path], server: Path) -> None:
    for rid, name, _role in REVIEWERS:
        _reviewer(
            homes[rid],
            pp_file,
            "init",
            "--id",
            rid,
            "--name",
            name,
            "--no-qr",
            "--kdf-profile",
            KDF_PROFILE,
        )
    lead = homes["ani"]
    _reviewer(lead, pp_file, "org", "init", "--name", ORG_NAME, "--kdf-profile", KDF_PROFILE)
    for rid, _name, role in REVIEWERS:
        _reviewer(lead, pp_file, "org", "add", str(homes[rid] / "public.json"), "--role", role)
    server_pub = root / "server-signing.pub"
    write_private(server_pub, keys.raw_public(server_public(server)), 0o644)
    directory = root / "directory.json"
    _reviewer(
        lead, pp_file, "org", "sign", "--server-key", str(server_pub), "--out", str(directory)
    )
    root_pub = lead / "org" / "root.pub"
    install_org(server, root_pub.read_bytes(), directory.read_bytes())
    for rid, _name, _role in REVIEWERS[1:]:
        _reviewer(homes[rid], pp_file, "org", "pin", str(root_pub))
        _reviewer(homes[rid], pp_file, "org", "use", str(directory))


def _fallback(root: Path, homes: dict[str, Path], server: Path) -> None:
    org_root = Ed25519PrivateKey.generate()
    today = dt.datetime.now(dt.UTC).date()
    pairs = {rid: KeyPair.generate() for rid, _n, _r in REVIEWERS}
    entries = [
        Reviewer(rid, name, role, pairs[rid].public, today, today + dt.timedelta(days=365))
        for rid, name, role in REVIEWERS
    ]
    directory = sign_directory(
        org_root, ORG_NAME, 1, today + dt.timedelta(days=90), entries, server_public(server)
    )
    install_org(server, keys.raw_public(org_root.public_key()), directory)
    dump = {
        "warning": "DEMO ONLY: unencrypted keys",
        "root": b64u_encode(keys.raw_private(org_root)),
        "reviewers": {rid: b64u_encode(kp.to_secret_bytes()) for rid, kp in pairs.items()},
    }
    write_private(root / "fallback-keys.json", json.dumps(dump, indent=1).encode())
    for rid in pairs:
        homes[rid].mkdir(parents=True, exist_ok=True)


def create(root: Path, *, use_tool: bool = True) -> Demo:
    """Make (or reuse) the demo under ``root``; returns where everything is."""
    root = root.resolve()
    server = root / "server"
    homes = {rid: root / f"reviewer-{rid}" for rid, _n, _r in REVIEWERS}
    pp_file = root / "passphrase.txt"
    marker = root / "tool.txt"
    if (server / "org" / "directory.json").exists() and pp_file.exists():
        tool = marker.read_text().strip() if marker.exists() else "bisik-reviewer"
        return Demo(root, server, homes, pp_file.read_text().strip(), tool)
    if root.exists():
        shutil.rmtree(root)  # a half-made demo from an interrupted run
    root.mkdir(parents=True, mode=0o700)
    passphrase = "demo-" + secrets.token_urlsafe(9)
    write_private(pp_file, passphrase.encode())
    init_home(server)
    tool = "bisik-reviewer"
    if use_tool:
        try:
            _with_tool(root, pp_file, homes, server)
        except (DemoError, OSError, subprocess.TimeoutExpired):
            tool = "fallback"
    else:
        tool = "fallback"
    if tool == "fallback":
        for home in homes.values():
            shutil.rmtree(home, ignore_errors=True)
        _fallback(root, homes, server)
    marker.write_text(tool + "\n")
    return Demo(root, server, homes, passphrase, tool)
