"""deploy/install.sh: shellcheck-clean, and its --dry-run (in a temporary prefix) shows the steps,
skips the ones already done, changes nothing, and passes render.py values it accepts.

The real install, in a throwaway root, is tests/deploy/test_install_real.py.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DEPLOY, need

SCRIPT = DEPLOY / "install.sh"


def dry_run(prefix: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", "--prefix", str(prefix), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def org_files(tmp_path: Path) -> list[str]:
    """Stand-ins for the organisation's files (the dry run only checks they are readable)."""
    directory, root = tmp_path / "directory.json", tmp_path / "root.pub"
    directory.write_text("{}")
    root.write_bytes(os.urandom(32))
    return ["--directory", str(directory), "--root-pub", str(root)]


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*")] if path.exists() else []


def _render_as_planned(result: subprocess.CompletedProcess[str], stage: Path) -> Path:
    """Run the exact render.py command a dry run printed, into ``stage``; it must succeed."""
    (line,) = [x for x in result.stdout.splitlines() if "deploy/render.py" in x]
    argv = shlex.split(line[2:])
    argv[0] = sys.executable
    argv[argv.index("--out") + 1] = str(stage)
    rendered = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    return stage


def test_install_sh_is_shellcheck_clean() -> None:
    result = subprocess.run(
        [need("shellcheck"), str(SCRIPT)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout


def test_first_install_dry_run(tmp_path: Path, org_files: list[str]) -> None:
    prefix = tmp_path / "root"
    result = dry_run(prefix, *org_files)
    assert result.returncode == 0, result.stderr
    commands = [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]
    joined = "\n".join(commands)
    for expected in (
        f"python3 -m venv {prefix}/opt/bisik/venv",
        "bin/pip install --quiet --upgrade",
        f"BISIK_HOME={prefix}/var/lib/bisik",
        "bisik-server init --directory",
        "tor-instance-create bisik",
        "--verify-config",
        "systemctl enable bisik.service bisik-retention.timer bisik-backup.timer",
    ):
        assert expected in joined, expected
    assert files_under(prefix) == []  # a dry run writes nothing


def test_dry_run_values_are_accepted_by_render(tmp_path: Path, org_files: list[str]) -> None:
    """Run the exact render.py command the installer would run, into a temp stage."""
    result = dry_run(tmp_path / "root", *org_files)
    stage = _render_as_planned(result, tmp_path / "stage")
    unit = (stage / "systemd" / "bisik.service").read_text()
    assert f"BISIK_HOME={tmp_path}/root/var/lib/bisik" in unit
    assert "HiddenServicePort 80 127.0.0.1:8080" in (stage / "tor" / "torrc").read_text()


def test_rerun_skips_what_is_done(tmp_path: Path) -> None:
    """Idempotent: an installed home, an existing venv and tor instance are left alone."""
    prefix = tmp_path / "root"
    org = prefix / "var/lib/bisik/org"
    org.mkdir(parents=True)
    (org / "directory.json").write_text("{}")
    python = prefix / "opt/bisik/venv/bin/python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    (prefix / "etc/tor/instances/bisik").mkdir(parents=True)
    before = sorted(files_under(prefix))
    result = dry_run(prefix)  # an update: no --directory/--root-pub needed
    assert result.returncode == 0, result.stderr
    assert "bisik-server init" not in result.stdout
    assert "python3 -m venv" not in result.stdout
    assert "tor-instance-create" not in result.stdout
    assert "systemctl restart bisik.service" in result.stdout
    assert sorted(files_under(prefix)) == before


def test_phase_one_makes_server_keys_and_stops(tmp_path: Path) -> None:
    """Without the org's files the directory cannot exist yet: make keys, say what is next."""
    result = dry_run(tmp_path / "root")
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if line.startswith("+ ")]
    assert commands[-2].endswith("bisik-server init")  # then chown; no --directory
    assert "server-signing.pub" in result.stdout
    assert not any("systemctl" in c or "tor-instance-create" in c for c in commands)


def test_half_the_org_files_is_refused(tmp_path: Path, org_files: list[str]) -> None:
    result = dry_run(tmp_path / "root", *org_files[:2])
    assert result.returncode == 2
    assert "hint:" in result.stderr


def test_unreadable_directory_file_is_refused(tmp_path: Path) -> None:
    result = dry_run(
        tmp_path / "root",
        "--directory",
        str(tmp_path / "missing.json"),
        "--root-pub",
        str(tmp_path / "missing.pub"),
    )
    assert result.returncode == 2


def test_help_prints_the_header() -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "--frontend-onion" in result.stdout and "set -euo" not in result.stdout


def test_intake_node_behind_onionbalance_dry_run(tmp_path: Path, org_files: list[str]) -> None:
    """--frontend-onion: backend torrc + ob_config, timers off, and render accepts the values."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from .helpers import onion_address

    frontend = onion_address(Ed25519PrivateKey.generate())
    result = dry_run(tmp_path / "root", *org_files, "--frontend-onion", frontend)
    assert result.returncode == 0, result.stderr
    assert "scale-out/backend-torrc " in result.stdout
    assert "onion/ob_config" in result.stdout
    assert "systemctl disable --now bisik-retention.timer bisik-backup.timer" in result.stdout
    assert "systemctl enable bisik.service bisik-retention.timer" not in result.stdout
    stage = _render_as_planned(result, tmp_path / "stage")
    assert (stage / "scale-out/ob_config").read_text() == f"MasterOnionAddress {frontend}\n"
    assert (stage / "systemd/bisik.service").is_file()
