"""Fixtures for the deploy tests: the renderer loaded from deploy/render.py, and helpers.

deploy/ is not a Python package (its files are installed as configuration, not imported by
the service), so the renderer is loaded from its path.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.directory import Reviewer, sign_directory
from crypto.keys import KeyPair, load_ed25519_public, raw_public

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent  # this checkout's virtualenv: gunicorn, bisik-server


def load_module(path: Path, name: str) -> ModuleType:
    """Import a file that is not on sys.path under ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def render() -> ModuleType:
    """deploy/render.py as a module."""
    return load_module(DEPLOY / "render.py", "bisik_deploy_render")


def need(tool: str) -> str:
    """Path of ``tool``; fail (not skip) when the project's system deps should have provided it."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: run scripts/install-system-deps.sh")
    return path


def bisik_server(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BISIK_HOME": str(home)}
    return subprocess.run(
        [str(BIN / "bisik-server"), *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A server home made the install.sh way: phase 1 keys, key ceremony, phase 2 directory."""
    home = tmp_path / "var/lib/bisik"
    phase1 = bisik_server(home, "init")
    assert phase1.returncode == 0, phase1.stderr
    server_key = load_ed25519_public((home / "server-signing.pub").read_bytes())

    root = Ed25519PrivateKey.generate()  # the organisation's offline root key
    today = dt.datetime.now(dt.UTC).date()
    reviewer = Reviewer(
        "ani", "Ani", "lead", KeyPair.generate().public, today, today + dt.timedelta(days=90)
    )
    directory = sign_directory(
        root, "Org", 1, today + dt.timedelta(days=90), [reviewer], server_key
    )
    (tmp_path / "directory.json").write_bytes(directory)
    (tmp_path / "root.pub").write_bytes(raw_public(root.public_key()))
    phase2 = bisik_server(
        home,
        "init",
        "--directory",
        str(tmp_path / "directory.json"),
        "--root-pub",
        str(tmp_path / "root.pub"),
    )
    assert phase2.returncode == 0, phase2.stderr
    assert (home / "org/directory.json").read_bytes() == directory
    return home
