"""systemd units: rendered, checked by the real `systemd-analyze verify`, scored by
`systemd-analyze security --offline`, and read back for the hardening this project relies on.

Here the unit files are only read: verify checks syntax, directives this systemd knows,
referenced units and that every ExecStart binary exists. The units are started by a real
systemd, sandbox and all, in test_systemd_boot.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from intake import gunicorn_conf

from .conftest import need
from .helpers import parse_unit

SERVICES = ["bisik.service", "bisik-retention.service", "bisik-backup.service"]
TIMERS = ["bisik-retention.timer", "bisik-backup.timer"]
MAX_EXPOSURE = 2.0  # systemd's scale: 0 (locked down) .. 10 (unsafe); "OK" is below 4


@pytest.fixture
def units(render: ModuleType, tmp_path: Path) -> Path:
    """Units rendered with this checkout's virtualenv as VENV, so every ExecStart exists."""
    venv = Path(sys.executable).parent.parent
    for tool in ("gunicorn", "bisik-server"):
        if not (venv / "bin" / tool).exists():
            pytest.fail(f"{venv}/bin/{tool} missing: pip install -e '.[test]'")
    values = {"VENV": str(venv), "ETC": str(tmp_path / "etc")}
    render.render_all(tmp_path, values, only=[f"systemd/{u}" for u in SERVICES + TIMERS])
    return tmp_path / "systemd"


def analyze(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [need("systemd-analyze"), *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_units_pass_systemd_analyze_verify(units: Path) -> None:
    result = analyze("verify", *[f"./{u}" for u in SERVICES + TIMERS], cwd=units)
    assert result.returncode == 0, result.stderr
    # verify exits 0 on unknown keys and bad values; it only warns. Any line about our files fails.
    ours = [line for line in result.stderr.splitlines() if "bisik" in line]
    assert ours == [], "\n".join(ours)


def test_verify_catches_a_broken_unit(units: Path) -> None:
    """The check can fail: a misspelled directive and a missing binary are both reported."""
    unit = units / "bisik.service"
    unit.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSytem=strict"))
    result = analyze("verify", "./bisik.service", cwd=units)
    assert "bisik.service" in result.stderr
    unit.write_text(re.sub(r"ExecStart=\S+", "ExecStart=/nonexistent/gunicorn", unit.read_text()))
    assert analyze("verify", "./bisik.service", cwd=units).returncode != 0


@pytest.mark.parametrize("service", SERVICES)
def test_security_exposure_is_low(units: Path, service: str) -> None:
    result = analyze(
        "security",
        "--offline=yes",
        f"--threshold={int(MAX_EXPOSURE * 10)}",
        f"./{service}",
        cwd=units,
    )
    score = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert score is not None, result.stdout + result.stderr
    assert float(score.group(1)) <= MAX_EXPOSURE, result.stdout
    assert result.returncode == 0


def test_intake_service_hardening(units: Path) -> None:
    service = parse_unit((units / "bisik.service").read_text())["Service"]
    expected = {
        "User": "bisik",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "ProtectHome": "yes",
        "MemoryDenyWriteExecute": "yes",
        "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
        "IPAddressDeny": "any",
        "IPAddressAllow": "localhost",
        "UMask": "0077",
        "LimitCORE": "0",
        "CapabilityBoundingSet": "",
        "LogsDirectory": "bisik",
        "StateDirectory": "bisik",
    }
    for key, value in expected.items():
        assert service.get(key) == [value], key
    assert service["SystemCallFilter"][0] == "@system-service"
    assert "BISIK_HOME=/var/lib/bisik" in service["Environment"]
    assert "/var/lib/bisik" in service["ReadWritePaths"][0].split()
    # Room for every connection gunicorn may hold per worker (slow clients cost a socket).
    assert int(service["LimitNOFILE"][0]) >= 2 * gunicorn_conf.worker_connections
    # gunicorn runs our config; the bind it uses is checked in test_gunicorn_conf.py.
    assert service["ExecStart"][0].endswith("gunicorn.conf.py intake.wsgi:app")


def test_timers_point_at_their_services(units: Path) -> None:
    for timer in TIMERS:
        section = parse_unit((units / timer).read_text())["Timer"]
        assert section["Unit"] == [timer.replace(".timer", ".service")]
        assert section["Persistent"] == ["yes"] or section["Persistent"] == ["true"]


def test_jobs_share_the_intake_confinement(units: Path) -> None:
    """Retention and backup touch the same secrets and ciphertext: same sandbox keys."""
    intake = parse_unit((units / "bisik.service").read_text())["Service"]
    keys = [
        "ProtectSystem",
        "IPAddressDeny",
        "SystemCallFilter",
        "MemoryDenyWriteExecute",
        "RestrictAddressFamilies",
        "CapabilityBoundingSet",
        "UMask",
        "User",
    ]
    for job in ("bisik-retention.service", "bisik-backup.service"):
        service = parse_unit((units / job).read_text())["Service"]
        for key in keys:
            assert service.get(key) == intake.get(key), (job, key)
